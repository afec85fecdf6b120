"""The overview explains itself: a tooltip and a legend for its states, "Everything is in sync" or "Needs
attention" with the next action, counts that look like the links they are."""

from __future__ import annotations

from bitrix_monitor.gui.tabs.overview import LEGEND_STATES, LINK_STYLE, OverviewTab
from bitrix_monitor.gui.words import state_help, state_label
from bitrix_monitor.sync.api import QueueSummary
from bitrix_monitor.sync.model import EntityCounts


def _overview(qtbot) -> OverviewTab:  # type: ignore[no-untyped-def]
    tab = OverviewTab()
    qtbot.addWidget(tab)
    tab.show()
    return tab


def test_every_count_says_what_its_state_means_and_the_legend_explains_the_obscure_ones(qtbot) -> None:
    tab = _overview(qtbot)
    for key, button in tab.buttons.items():
        assert button.toolTip() == state_help(key[1]) != "", key
    for state in LEGEND_STATES:
        assert state_label(state) in tab.legend.text()
        assert state_help(state) in tab.legend.text()
    assert tab.boxes["order"].styleSheet() == LINK_STYLE  # underlined, in the link colour
    tab.set_offline("Bitrix24 cannot be reached")
    assert "underline" not in tab.boxes["order"].styleSheet()


def test_no_snapshot_yet_claims_neither_sync_nor_attention(qtbot) -> None:
    tab = _overview(qtbot)
    assert not tab.status.isVisible()
    assert not any(action.isVisible() for action in tab.next_actions.values())


def test_nothing_to_do_says_everything_is_in_sync(qtbot) -> None:
    tab = _overview(qtbot)
    tab.set_counts("order", EntityCounts(in_sync=5))
    tab.set_counts("user", EntityCounts(in_sync=3))
    tab.set_queue(QueueSummary(done=4))
    assert tab.status.isVisible()
    assert tab.status.text() == "Everything is in sync"
    assert not any(action.isVisible() for action in tab.next_actions.values())
    tab.set_offline("Bitrix24 cannot be reached")  # stale counts: no verdict on them
    assert not tab.status.isVisible()
    tab.set_offline(None)
    assert tab.status.isVisible()


def test_needs_attention_names_the_next_action_and_it_opens_the_list(qtbot) -> None:
    tab = _overview(qtbot)
    tab.set_counts("order", EntityCounts(in_sync=5, missing=10, stale_link=2))
    tab.set_counts("user", EntityCounts(in_sync=3))
    tab.set_queue(QueueSummary(dead=1))
    assert tab.status.text() == "Needs attention"
    action = tab.next_actions["order"]
    assert action.isVisible()
    assert action.text() == "Orders ↔ deals: show the 12 records that need attention"
    assert not tab.next_actions["user"].isVisible()
    with qtbot.waitSignal(tab.show_records) as shown:
        action.click()
    assert shown.args == ["order", "problems"]
    assert tab.next_actions["dead"].text() == "Show the 1 dead job"
    with qtbot.waitSignal(tab.show_queue) as queue:
        tab.next_actions["dead"].click()
    assert queue.args == ["dead"]
    tab.set_counts("order", EntityCounts(in_sync=17))
    tab.set_queue(QueueSummary(done=1))
    assert tab.status.text() == "Everything is in sync"
    assert not tab.next_actions["order"].isVisible()


def test_the_chart_names_its_axes_and_units(qtbot) -> None:
    tab = _overview(qtbot)
    chart = tab.chart
    chart.set_buckets([(0, 0, 0.0)] * 58 + [(12, 3, 1.5), (4, 0, 0.0)])
    assert chart.axis_labels() == {
        "jobs": "12 jobs/min",
        "zero": "0",
        "throttled": "1.5 s/min throttled",
        "start": "60 min ago",
        "end": "now",
    }
    chart.grab()  # paints with the axes without failing
