"""Words for people, not programmers: job kinds, Bitrix24 field names and job states in the window, the job
history's raw events behind "technical details"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl

from bitrix_monitor.gui.models import QueueModel
from bitrix_monitor.gui.widgets import DetailPane, PlanDialog
from bitrix_monitor.gui.window import MainWindow
from bitrix_monitor.gui.words import KINDS, field_label, kind_label, state_label
from bitrix_monitor.sync.model import Plan, PlannedJob, RecordState, RecordStatus
from tests.gui.conftest import DialogAnswers, wait_until


@pytest.fixture
def window(fake_window: MainWindow) -> MainWindow:
    return fake_window


def test_codes_become_words() -> None:
    assert kind_label("deal.create") == "Create deal"
    assert kind_label("contact.cleanup") == "Merge duplicate contacts"
    assert kind_label("lead.frobnicate") == "lead.frobnicate"  # unknown codes are shown as they are
    assert field_label("OPPORTUNITY") == "Amount"
    assert field_label("CATEGORY_ID") == "Pipeline"
    assert state_label("in_doubt") == "in doubt"
    # every kind of job the core makes, for every Bitrix24 kind, has words
    for entity in ("deal", "contact", "company"):
        for verb in ("create", "update", "cleanup", "relink"):
            assert f"{entity}.{verb}" in KINDS


async def test_the_queue_and_the_plan_name_jobs_in_words(window: MainWindow) -> None:
    answers = DialogAnswers(window)
    assert await window.queue_action("order", ["3", "13"], "create") == 2
    plan_dialog_text = answers.seen[0][1]
    assert plan_dialog_text == "Queue 2 jobs?"
    await window.refresh_queue()
    kinds = {
        window.queue.proxy.index(r, QueueModel.KIND).data() for r in range(window.queue.proxy.rowCount())
    }
    assert kinds == {"Create deal"}
    combo = window.queue.kind_filter
    assert [combo.itemText(i) for i in range(combo.count())] == ["All kinds", "Create deal"]
    assert combo.itemData(1) == "deal.create"  # the filter still works on the code
    combo.setCurrentIndex(1)
    assert window.queue.proxy.rowCount() == 2


def test_the_plan_dialog_counts_jobs_by_kind_in_words(qtbot) -> None:
    plan = Plan(
        (
            PlannedJob("deal.create", "1", "no record in the portal"),
            PlannedJob("deal.create", "2", "no record in the portal"),
            PlannedJob("contact.update", "7", "differs: EMAIL"),
        )
    )
    dialog = PlanDialog(plan)
    qtbot.addWidget(dialog)
    assert dialog.summary.text() in (
        "The plan: Create deal: 2; Update contact: 1.",
        "The plan: Update contact: 1; Create deal: 2.",
    )
    assert "deal.create" not in dialog.records.toPlainText()
    assert dialog.records.toPlainText().startswith("Create deal")


async def test_the_detail_pane_names_fields_in_words(window: MainWindow) -> None:
    window.show_records("order", "outdated")
    window.orders.view.selectRow(0)
    detail = window.orders.detail
    await wait_until(lambda: detail.history is not None)
    text = detail.toPlainText()
    assert "Amount" in text and "Stage" in text
    assert "OPPORTUNITY" not in text and "STAGE_ID" not in text


HISTORY = [
    '2026-11-30 02:00:01 #12 deal.create enqueued {"reason": "no record in the portal"}',
    '2026-11-30 02:00:03 #12 deal.create completed {"portal_id": 4711}',
]


def test_job_history_shows_words_and_keeps_the_json_behind_technical_details(qtbot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_record(RecordStatus("order", "12", "Order #12", 4711, 4711, RecordState.IN_SYNC))
    pane.show_history(HISTORY)
    text = pane.toPlainText()
    assert "2026-11-30 02:00:01 · Create deal #12 · queued" in text
    assert "2026-11-30 02:00:03 · Create deal #12 · done" in text
    assert "portal_id" not in text and "{" not in text
    assert "Show technical details" in text
    pane.set_technical(True)
    text = pane.toPlainText()
    assert '{"portal_id": 4711}' in text
    assert "Hide technical details" in text
    pane.anchorClicked.emit(QUrl(DetailPane.DETAILS_LINK))  # the link toggles it back
    assert "portal_id" not in pane.toPlainText()


@pytest.mark.parametrize(
    ("actor", "shown"),
    [
        ("staff@desk-anna", "desk-anna"),  # a person at a desk of the team: the desk
        ("sync@srv-night", "srv-night (sync)"),
        ("watch@desk-anna", "desk-anna (change watch)"),
        ("cli@srv-night", "srv-night (command line)"),
        ("desk-boris:4242", "desk-boris"),  # a runner, as its leases name it: its host
        ("staff", "staff"),  # this desk's own queue file names no desk
        ("move-queue", "moving a desk's queue file"),
    ],
)
def test_who_did_it_is_named_as_the_team_knows_them(actor: str, shown: str) -> None:
    from bitrix_monitor.gui.words import who_label

    assert who_label(actor) == shown


@pytest.mark.parametrize(
    ("actor", "desk", "shown"),
    [
        ("termsrv:4242", "anna@termsrv", "anna@termsrv"),  # a runner: its desk's name, taken as it is
        ("termsrv:4242", "cli@desk", "cli@desk"),  # a name, not the command line at a desk called "desk"
        ("termsrv:4242", "", "termsrv"),  # a runner the team's list does not hold: its host
        ("staff@anna@termsrv", "", "anna@termsrv"),  # a person at the desk called anna@termsrv
        ("cli@cli@desk", "", "cli@desk (command line)"),
    ],
)
def test_a_runner_is_named_by_its_desk_whatever_the_desk_is_called(actor: str, desk: str, shown: str) -> None:
    from bitrix_monitor.gui.words import who_label

    assert who_label(actor, desk) == shown
