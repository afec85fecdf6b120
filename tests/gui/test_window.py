"""The main window over the fake service: overview, selection, plan confirmation, queue, export, detail."""

from __future__ import annotations

import csv
import dataclasses
import errno
import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog

from bitrix_monitor.bitrix.ratelimit import PortalCost
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.gui import i18n
from bitrix_monitor.gui.app import run_gui
from bitrix_monitor.gui.widgets import ConfirmDialog, PlanDialog
from bitrix_monitor.gui.window import MainWindow
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.model import RecordState
from tests.gui.conftest import DialogAnswers, wait_until
from tests.gui.fakes import FakeService


@pytest.fixture
async def window(qtbot, data_dirs: DataDirs, fake_service: FakeService):
    async def factory(*, demo: bool = False) -> FakeService:
        return fake_service

    win = MainWindow(
        config_path=data_dirs.config_file, data_dirs=data_dirs, service_factory=factory, poll_interval_ms=20
    )
    qtbot.addWidget(win)
    win.show()
    assert await win.connect_service()
    yield win
    await win.shutdown()


async def test_queueing_creation_for_orders_missing_a_deal_brings_them_in_sync(
    window: MainWindow, fake_service: FakeService
) -> None:
    fake_service.auto_run = True
    answers = DialogAnswers(window)
    missing = window.overview.count("order", "missing")
    in_sync = window.overview.count("order", "in_sync")
    assert missing == 20

    window.overview.buttons[("order", "missing")].click()
    assert window.tabs.currentWidget() is window.orders
    window.orders.select_all_visible()
    assert {r.state for r in window.orders.selected()} == {RecordState.MISSING}
    window.orders.action_buttons["create"].click()

    await wait_until(
        lambda: (
            window.overview.count("order", "missing") == 0 and window.overview.count("queue", "done") == 20
        )
    )
    assert answers.seen == [("PlanDialog", "Queue 20 jobs?")]
    assert window.overview.count("order", "in_sync") == in_sync + missing
    assert window.overview.count("queue", "done") == 20
    assert window.orders.proxy.rowCount() == 0  # the "missing" filter now shows nothing
    assert all(r.state is RecordState.IN_SYNC for r in window.snapshot.orders if r.key in {"3", "13", "23"})


async def test_declining_the_plan_queues_nothing(window: MainWindow, fake_service: FakeService) -> None:
    answers = DialogAnswers(window, accept=False)
    assert await window.sync_everything() == 0
    assert answers.seen[0][0] == "PlanDialog"
    assert answers.seen[0][1] == f"Queue {len(window.snapshot.plan)} jobs?"
    assert fake_service.jobs == {}


async def test_action_on_records_that_need_no_such_job_says_so(window: MainWindow) -> None:
    window.show_records("order", "in_sync")
    window.orders.view.selectRow(0)
    assert await window.queue_action("order", [r.key for r in window.orders.selected()], "cleanup") == 0
    assert "Nothing to queue" in window.message_bar.text()


async def test_failed_jobs_can_be_filtered_and_retried(window: MainWindow, fake_service: FakeService) -> None:
    answers = DialogAnswers(window)
    fake_service.fail_keys = {"3", "13"}
    assert await window.queue_action("order", ["3", "13", "23"], "create") == 3
    fake_service.run_once()
    await window.refresh_queue()
    window.overview.buttons[("queue", "failed")].click()
    assert window.tabs.currentWidget() is window.queue
    window.queue.error_filter.setCurrentIndex(window.queue.error_filter.findData("ACCESS_DENIED"))
    assert sorted(j.entity_key for j in window.queue.proxy.objects()) == ["13", "3"]
    fake_service.fail_keys = set()
    assert window.queue.retry_button.text() == "Retry 2 shown"
    window.queue.retry_button.click()
    await wait_until(lambda: bool(answers.seen) and not window._tasks)
    assert answers.seen[-1] == (
        "ConfirmDialog",
        "No job is selected: this takes every job the filter shows.\n"
        "Retry 2 jobs? They run again from the start.",
    )
    fake_service.run_once()
    await window.refresh_queue()
    assert window.overview.count("queue", "done") == 3
    assert {j.state for j in fake_service.jobs.values()} == {"done"}
    assert window.queue.proxy.rowCount() == 0  # the "failed" filter shows nothing now


async def test_pause_and_resume_reach_the_runner(window: MainWindow, fake_service: FakeService) -> None:
    window.queue.pause_button.click()
    assert fake_service.runner_paused
    assert window.runner_label.text() == "Runner paused"
    window.queue.pause_button.click()
    assert not fake_service.runner_paused
    assert "request budget: 50 of 50 left" in window.queue.budget_label.text()


async def test_detail_pane_shows_differences_duplicates_history_and_link(window: MainWindow) -> None:
    opened: list[str] = []
    window.open_url = opened.append  # type: ignore[method-assign]
    window.show_records("order", "outdated")
    window.orders.view.selectRow(0)
    detail = window.orders.detail
    await wait_until(lambda: detail.history is not None)
    text = detail.toPlainText()
    assert "≠" in text
    assert "(old)" in text
    assert "Open in Bitrix24" in text
    window.orders.view.doubleClicked.emit(window.orders.view.currentIndex())
    assert opened == [f"https://example.bitrix24.com/crm/deal/details/{detail.record.portal_id}/"]

    window.show_records("order", "duplicated")
    window.orders.view.selectRow(0)
    assert "matched by origin id" in detail.toPlainText()

    assert window.overview.count("order", "shared_link") > 0
    window.show_records("order", "shared_link")
    window.orders.view.selectRow(0)
    text = detail.toPlainText()
    assert "Shared with other records (left alone)" in text and "Duplicates" not in text
    assert "matched by shared link = also stored by order" in text


async def test_the_window_loads_the_owners_of_the_selected_record(window: MainWindow) -> None:
    window.show_records("order", "outdated")
    window.orders.view.selectRow(0)
    detail = window.orders.detail
    await wait_until(lambda: detail.changes is not None)
    text = detail.toPlainText()
    assert "both ways" in text  # the stage
    assert "Stage: both sides last agreed on EXECUTING" in text


async def test_export_writes_the_filtered_view(window: MainWindow, tmp_path: Path) -> None:
    window.show_records("user", "missing")
    target = tmp_path / "users.csv"
    n = await window.export_current(target)
    with target.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert n == window.overview.count("user", "missing") == len(rows) - 1
    assert rows[0][0] == "User"
    assert {r[3] for r in rows[1:]} == {"missing"}


EXPORT_FAILURES = [
    ("missing_folder", 0, "No such file or directory", "нет такого файла или папки"),
    ("a_folder", 0, "Is a directory", "это папка, а не файл"),
    ("denied", errno.EACCES, "Permission denied", "доступ запрещён"),
    ("read_only", errno.EROFS, "Read-only file system", "файловая система доступна только для чтения"),
    ("full", errno.ENOSPC, "No space left on device", "на диске не осталось места"),
    ("quota", errno.EDQUOT, "Disk quota exceeded", "превышена дисковая квота"),
    ("unknown", errno.ELOOP, "the OS's own words", "the OS's own words"),
]


@pytest.mark.parametrize(
    ("how", "code", "english", "russian"), EXPORT_FAILURES, ids=[f[0] for f in EXPORT_FAILURES]
)
async def test_an_export_that_cannot_be_written_names_the_file_and_says_why_in_russian(
    window: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
    code: int,
    english: str,
    russian: str,
) -> None:
    """The kind of failure is the window's words; the OS's own (English) words only for a reason it has no
    words for. A folder that is missing or is the target fails for real; the others are stood in for (as
    root, the tests cannot be refused a file)."""
    window.show_records("user", "missing")
    target = tmp_path / ("gone" if how == "missing_folder" else "") / "users.csv"
    if how == "a_folder":
        target.mkdir()
    elif code:
        real = Path.open

        def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == target:
                raise OSError(code, "the OS's own words", str(self))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(UserFacingError) as refused:
        await window.export_current(target)
    assert str(refused.value) == f"Cannot write {target}: {english}"
    i18n.set_language("ru")
    try:
        window.run(window.export_current(target), "export")  # as the Export action runs it
        await wait_until(lambda: window.message_bar.text() != "")
        shown = window.message_bar.text()
    finally:
        i18n.set_language("en")
    assert shown == f"Не удалось записать {target}: {russian}"
    if how != "unknown":
        assert re.findall(r"[A-Za-z]{2,}", shown.replace(str(target), " ")) == []


async def test_factory_error_offers_settings_and_demo(qtbot, data_dirs: DataDirs) -> None:
    async def factory(*, demo: bool = False) -> FakeService:
        if not demo:
            raise UserFacingError("No shop database configured", hint="open the settings")
        return FakeService()

    win = MainWindow(config_path=data_dirs.config_file, data_dirs=data_dirs, service_factory=factory)
    qtbot.addWidget(win)
    assert not await win.connect_service()
    assert win.pages.currentWidget() is win.start_page
    assert "No shop database configured" in win.start_message.text()
    win.start_demo_button.click()
    await wait_until(lambda: win.snapshot is not None)
    assert win.windowTitle().endswith("demo")
    assert win.overview.count("order", "missing") == 20
    await win.shutdown()


async def test_cancel_asks_with_the_count(window: MainWindow, fake_service: FakeService) -> None:
    answers = DialogAnswers(window)
    await window.queue_action("user", ["3", "13"], "create")
    window.queue.view.selectAll()
    assert await window.cancel_jobs(window.queue.target_ids("cancel")) == 2
    assert answers.seen[-1] == (
        ConfirmDialog.__name__,
        "Drop 2 jobs? They will not run; Retry brings them back.",
    )
    assert PlanDialog.__name__ == answers.seen[0][0]


def test_run_gui_starts_shows_the_data_and_closes_the_service(data_dirs: DataDirs) -> None:
    service = FakeService()

    async def factory(*, demo: bool = False) -> FakeService:
        return service

    assert run_gui(factory, config_path=data_dirs.config_file, data_dirs=data_dirs, quit_after=0.5) == 0
    assert service.snapshots_taken >= 1
    assert service.closed


async def test_selection_survives_filter_changes_and_refreshes(window: MainWindow) -> None:
    window.show_records("order", "missing")
    window.orders.view.selectRow(1)
    [chosen] = window.orders.selected()
    window.orders.search.setText(chosen.label)
    assert [r.key for r in window.orders.selected()] == [chosen.key]
    window.orders.search.setText("")
    window.show_records("order", "")
    assert [r.key for r in window.orders.selected()] == [chosen.key]
    await window.refresh()
    assert [r.key for r in window.orders.selected()] == [chosen.key]
    assert window.orders.count_label.text() == "200 of 200"


async def test_saving_settings_from_the_start_page_connects(qtbot, data_dirs: DataDirs) -> None:
    from bitrix_monitor import config
    from bitrix_monitor.gui.settings import SettingsDialog

    async def factory(*, demo: bool = False) -> FakeService:
        if not config.load(data_dirs.config_file).shop.url:
            raise UserFacingError("No shop database configured")
        return FakeService()

    win = MainWindow(config_path=data_dirs.config_file, data_dirs=data_dirs, service_factory=factory)
    qtbot.addWidget(win)
    assert not await win.connect_service()

    def fill_in(dialog: QDialog) -> None:
        assert isinstance(dialog, SettingsDialog)
        dialog.widgets[("shop", "url")].setText("sqlite:///shop.sqlite3")  # type: ignore[attr-defined]
        dialog.ok_button.click()

    win.dialog_opened.connect(fill_in)
    win.start_settings_button.click()
    await wait_until(lambda: win.snapshot is not None)
    assert win.pages.currentWidget() is win.tabs
    assert config.load(data_dirs.config_file).shop.url == "sqlite:///shop.sqlite3"
    await win.shutdown()


def test_run_gui_with_an_unusable_configuration_shows_the_choices_and_quits(data_dirs: DataDirs) -> None:
    async def factory(*, demo: bool = False) -> FakeService:
        raise UserFacingError("Cannot reach the shop database")

    assert run_gui(factory, config_path=data_dirs.config_file, data_dirs=data_dirs, quit_after=0.3) == 0


async def test_orphans_are_named_in_the_message_bar(window: MainWindow) -> None:
    window.overview.buttons[("order", "orphans")].click()
    assert "1 orphan deal in Bitrix24 matches no shop row" in window.message_bar.text()
    assert "99001" in window.message_bar.text()
    window.overview.buttons[("user", "orphans")].click()
    assert "No orphan contacts" in window.message_bar.text()


async def test_a_snapshot_warning_is_shown_under_the_counts(window: MainWindow) -> None:
    """A warning is a code: said in the window's language (Russian after a switch), text made outside the
    app as it is."""
    from bitrix_monitor.gui import i18n
    from bitrix_monitor.messages import Message

    assert window.snapshot is not None
    assert "Warning" not in window.overview.snapshot_label.text()
    said = {"elsewhere": 2, "total": 40, "others": "1", "category": 0}
    warning = Message("warning.pipeline.some", said)
    line = "made outside the app"
    window.apply_snapshot(dataclasses.replace(window.snapshot, warnings=(warning, line)))
    text = window.overview.snapshot_label.text()
    assert f"Warning: {warning}" in text and f"Warning: {line}" in text
    assert str(warning).startswith(
        "2 of 40 linked deals are in another pipeline (1) than [shop.orders] category"
    )
    try:
        i18n.set_language("ru")
        window.apply_snapshot(window.snapshot)
        text = window.overview.snapshot_label.text()
        assert "связанных сделок: 2 из 40 — в другой воронке (1)" in text and str(warning) not in text
    finally:
        i18n.set_language("en")


async def test_the_overview_shows_what_each_reconcile_cost_the_portal(window: MainWindow) -> None:
    overview = window.overview
    assert window.snapshot is not None
    assert overview.cost_box.isVisibleTo(window)
    assert overview.cost_requests.text() == "4 portal requests; operating time per method:"
    assert overview.method_cost("crm.deal.list") == "0.250 s"
    assert overview.method_cost("crm.contact.list") == "0.012 s"

    # The next reconcile's cost replaces it: methods it did not call are gone.
    cheaper = PortalCost(1, {"crm.deal.list": 0.004}, {})
    window.apply_snapshot(dataclasses.replace(window.snapshot, portal=cheaper))
    assert overview.cost_requests.text() == "1 portal request; operating time per method:"
    assert overview.method_cost("crm.deal.list") == "0.004 s"
    assert overview.method_cost("crm.contact.list") == ""
    window.apply_snapshot(dataclasses.replace(window.snapshot, portal=PortalCost()))
    assert overview.cost_requests.text() == "0 portal requests"
    assert overview.method_labels == {}

    window.apply_snapshot(dataclasses.replace(window.snapshot, portal=PortalCost(22, {"batch": 1.5}, {})))
    i18n.set_language("ru")
    await wait_until(lambda: "запрос" in overview.cost_requests.text())
    assert overview.cost_requests.text() == "22 запроса к Битрикс24; время выполнения по методам:"
    assert overview.method_cost("batch") == "1,500 с"  # the decimal comma
    assert overview.cost_box.title() == "Во что последняя сверка обошлась Битрикс24"


async def test_columns_fit_their_content_when_the_first_rows_arrive(window: MainWindow) -> None:
    from bitrix_monitor.gui.models import RecordsModel

    view = window.orders.view
    for column in (RecordsModel.KEY, RecordsModel.STATE, RecordsModel.LAST_SYNCED):
        assert view.columnWidth(column) >= min(view.sizeHintForColumn(column), 360)
    view.setColumnWidth(RecordsModel.STATE, 50)  # a person's width survives refreshes
    await window.refresh()
    assert view.columnWidth(RecordsModel.STATE) == 50


async def test_job_buttons_say_what_they_act_on_and_dropping_offers_a_clear_way_out(
    window: MainWindow, fake_service: FakeService
) -> None:
    answers = DialogAnswers(window)
    await window.queue_action("user", ["3", "13", "23"], "create")
    await window.refresh_queue()
    # Nothing selected: every button counts the jobs the filter shows that it would change (queued jobs
    # cannot be retried or settled, only dropped).
    queue = window.queue
    assert [b.text() for b in queue.job_buttons] == [
        "Retry 0 shown",
        "Drop 3 shown",
        "Mark 0 shown as done",
        "Re-queue 0 shown",
    ]
    assert [b.isEnabled() for b in queue.job_buttons] == [False, True, False, False]
    assert "every job the filter shows when none is selected" in queue.cancel_button.toolTip()
    queue.view.selectRow(0)
    assert queue.retry_button.text() == "Retry 0 selected"
    assert queue.cancel_button.text() == "Drop 1 selected"
    queue.view.clearSelection()

    # With nothing selected the question says the filter's jobs are taken; "Cancel" is no word of it.
    answers.accept = False
    dialogs: list[tuple[str, str, str]] = []
    window.dialog_opened.connect(
        lambda d: dialogs.append((d.question.text(), d.ok_button.text(), d.back_button.text()))
    )
    queue.cancel_button.click()
    await wait_until(lambda: bool(dialogs) and not window._tasks)
    assert dialogs == [
        (
            "No job is selected: this takes every job the filter shows.\n"
            "Drop 3 jobs? They will not run; Retry brings them back.",
            "Drop 3 jobs",
            "Keep them",
        )
    ]
    assert {j.state for j in fake_service.jobs.values()} == {"queued"}  # kept: the answer was no

    i18n.set_language("ru")
    try:
        await wait_until(lambda: queue.cancel_button.text() == "Снять показанные: 3")
        queue.cancel_button.click()
        await wait_until(lambda: len(dialogs) == 2 and not window._tasks)
        assert dialogs[1] == (
            "Ни одно задание не выбрано: действие коснётся всех заданий, которые показывает фильтр.\n"
            "Снять 3 задания? Они не будут выполнены; «Повторить» вернёт их.",
            "Снять 3 задания",
            "Оставить их",
        )
    finally:
        i18n.set_language("en")

    queue.state_filter.setCurrentIndex(queue.state_filter.findData("dead"))
    assert queue.cancel_button.text() == "Drop 0 shown"
    assert not queue.cancel_button.isEnabled()


async def test_dropping_a_pull_job_says_the_shops_value_is_kept_and_sent(
    window: MainWindow, fake_service: FakeService
) -> None:
    """Dropping a pull job overrules the CRM's change it carried (the queue releases its record, and the push
    then sends the shop's value): the question says so, in the window's language, and only when a pull job
    is among those dropped."""
    answers = DialogAnswers(window)
    await window.queue_action("user", ["3"], "create")
    answers.accept = False
    pull = max(fake_service.jobs) + 1
    fake_service.jobs[pull] = dataclasses.replace(fake_service.jobs[pull - 1], id=pull, kind="deal.pull")
    await window.refresh_queue()
    dialogs: list[str] = []
    window.dialog_opened.connect(lambda d: dialogs.append(d.question.text()))
    queue = window.queue
    warning = (
        "A dropped pull job keeps the shop's value: the change made in Bitrix24 that it carried is "
        "overruled, and the shop's value is sent there."
    )
    for kind in ("deal.pull", "contact.create"):
        shown = queue.proxy.objects()
        row = next(r for r, job in enumerate(shown) if job.kind == kind)
        queue.view.clearSelection()
        queue.view.selectRow(row)
        asked = len(dialogs) + 1
        queue.cancel_button.click()
        await wait_until(lambda asked=asked: len(dialogs) == asked and not window._tasks)
    assert dialogs[0].endswith("\n" + warning)
    assert warning not in dialogs[1]
    assert {j.state for j in fake_service.jobs.values()} == {"queued"}  # kept: the answer was no

    i18n.set_language("ru")
    try:
        queue.view.clearSelection()
        queue.cancel_button.click()  # nothing selected: every job shown, the pull job among them
        await wait_until(lambda: len(dialogs) == 3 and not window._tasks)
        assert dialogs[2].endswith(
            "\nСнятое задание переноса оставляет значение магазина: изменение, сделанное в Битрикс24, "
            "которое оно несло, отменяется, и в Битрикс24 отправляется значение магазина."
        )
    finally:
        i18n.set_language("en")


async def test_without_companies_mapped_their_tab_stays_hidden(window: MainWindow) -> None:
    companies = window.record_tabs["company"]
    assert window.snapshot is not None and "company" not in window.snapshot.kinds
    assert not window.tabs.isTabVisible(window.tabs.indexOf(companies))
    assert not window.overview.boxes["company"].isVisibleTo(window)
    assert window.tabs.isTabVisible(window.tabs.indexOf(window.orders))
    assert window.overview.boxes["order"].isVisibleTo(window)


async def test_check_everything_asks_the_service_for_a_full_pass(
    window: MainWindow, fake_service: FakeService
) -> None:
    assert window.full_check_action.text() == "Check everything"
    assert window.full_check_action.isEnabled()
    before = getattr(fake_service, "full_snapshots", 0)
    await window.refresh()
    assert getattr(fake_service, "full_snapshots", 0) == before  # a refresh reads what changed
    await window.refresh(full=True)
    assert fake_service.full_snapshots == before + 1
