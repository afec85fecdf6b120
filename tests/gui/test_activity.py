"""Activity (issue 16, point 8): searchable and filtered by who did it; what a cleanup merged or deleted is
recorded there."""

from __future__ import annotations

from datetime import UTC, datetime

from pytestqt.qtbot import QtBot

from bitrix_monitor.config import AppConfig
from bitrix_monitor.gui.tabs.activity import ActivityTab
from bitrix_monitor.gui.window import MainWindow
from bitrix_monitor.gui.words import who_label
from bitrix_monitor.messages import Message
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import ActivityEntry
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.wiring import open_service
from tests.gui.fakes import FakeService


def _whats(win: MainWindow) -> list[str]:
    proxy = win.activity.proxy
    return [proxy.index(r, 2).data() for r in range(proxy.rowCount())]


async def test_activity_is_searchable_and_filtered_by_who(
    fake_window: MainWindow, fake_service: FakeService
) -> None:
    win = fake_window
    assert win.snapshot is not None
    await fake_service.apply(fake_service.plan_for(win.snapshot, "order", ["3", "13"], "create"))
    fake_service.run_once()
    fake_service.pause_runner()
    await win.refresh_queue()
    tab = win.activity
    assert tab.proxy.rowCount() == 3
    who = [tab.who_filter.itemText(i) for i in range(tab.who_filter.count())]
    assert who[0] == "Everyone" and len(who) == 3  # staff, sync
    tab.who_filter.setCurrentIndex(tab.who_filter.findData("sync"))
    assert _whats(win) == ["ran 2 jobs"]
    assert tab.count_label.text() == "1 of 3"
    tab.who_filter.setCurrentIndex(0)
    tab.search.setText("PAUSED")
    assert _whats(win) == ["paused the runner"]
    tab.search.setText("")
    assert tab.proxy.rowCount() == 3


async def test_a_cleanup_is_recorded_in_the_activity(data_dirs: DataDirs) -> None:
    """On the demo (real service, portal emulator): each record a cleanup merged away is named in the
    activity, with what it was merged into, as the archive says."""
    service = await open_service(AppConfig(), data_dirs, demo=True)
    try:
        snap = await service.snapshot()
        keys = [s.key for s in snap.orders if s.state is RecordState.DUPLICATED]
        await service.apply(service.plan_for(snap, "order", keys, "cleanup"))
        await service.run_queue(max_wait=30)
        said = [e.action for e in service.activity() if isinstance(e.action, Message)]
        merged = {
            (m.params["key"], str(m.params["survivor"])): m for m in said if m.code == "activity.merged"
        }
        archived = {(a.shop_key, str(a.merged_into)): a for a in service.archived()}
        assert merged and set(merged) == set(archived)
        key, survivor = next(iter(merged))
        text = str(merged[key, survivor])
        assert text.startswith("merged deal ") and f"into deal {survivor} (shop record {key})" in text
    finally:
        await service.aclose()


def _done_by(runner: str, desk: str, job_id: int) -> ActivityEntry:
    at = datetime(2026, 12, 1, 9, job_id, tzinfo=UTC)
    return ActivityEntry(at, runner, "", "completed", "deal.create", str(job_id), job_id, desk)


def test_the_who_filter_has_one_choice_for_each_name_it_shows(qtbot: QtBot) -> None:
    """On a team queue a desk's person and its runners, and each of its runner's restarts, are one desk:
    one choice, which filters to all of them, and stays chosen as the desk's runner starts again."""
    tab = ActivityTab()
    qtbot.addWidget(tab)
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    rows = [
        ActivityEntry(at, "staff@desk-anna", "paused the runner"),
        _done_by("termsrv:11", "desk-anna", 1),
        _done_by("termsrv:12", "desk-anna", 2),  # the same desk's runner, started again
        ActivityEntry(at, "sync", "ran 2 jobs"),
    ]
    tab.set_rows(rows)
    who = tab.who_filter
    assert [who.itemText(i) for i in range(who.count())] == ["Everyone", "desk-anna", who_label("sync")]
    who.setCurrentIndex(1)
    assert tab.proxy.rowCount() == 3
    tab.set_rows([*rows, _done_by("termsrv:13", "desk-anna", 3)])  # and again
    assert who.count() == 3 and who.currentText() == "desk-anna"
    assert tab.proxy.rowCount() == 4
    tab.set_rows([rows[0], rows[3]])
    assert who.currentText() == "desk-anna" and tab.proxy.rowCount() == 1
    tab.set_rows([rows[3]])  # the desk is gone from the entries: everyone's shown again
    assert who.currentIndex() == 0 and tab.proxy.rowCount() == 1
    who.setCurrentIndex(1)
    assert who.currentText() == who_label("sync") and tab.proxy.rowCount() == 1
