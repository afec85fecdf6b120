"""Archive and restore in the window (issue 16, point 1): the archived records with what they were merged
into and when, restoring one after a confirmation with the result in words, and a cleanup's preview that
names the record that stays and each that disappears, key fields side by side."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from bitrix_monitor.config import AppConfig
from bitrix_monitor.gui.models import ArchiveModel
from bitrix_monitor.gui.widgets import PlanDialog
from bitrix_monitor.gui.window import MainWindow
from bitrix_monitor.gui.words import record_kind_label
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import MergePreview
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.wiring import open_service
from tests.gui.conftest import DialogAnswers, demo_window, wait_until
from tests.gui.fakes import FakeService


def _row(win: MainWindow, record: str) -> int:
    model = win.archive.proxy
    rows = [r for r in range(model.rowCount()) if model.index(r, ArchiveModel.RECORD).data() == record]
    assert rows, f"{record} is not listed"
    return rows[0]


async def test_the_archive_tab_lists_what_was_merged_into_what_and_when(
    fake_window: MainWindow, fake_service: FakeService
) -> None:
    win = fake_window
    proxy = win.archive.proxy
    assert proxy.rowCount() == 3
    row = _row(win, "Deal 1090")
    cells = [proxy.index(row, c).data() for c in range(proxy.columnCount())]
    assert cells[ArchiveModel.TITLE] == "Order #11 - svc4 (copy)"
    assert cells[ArchiveModel.SHOP_RECORD] == "Order 11"
    assert cells[ArchiveModel.MERGED_INTO] == "Deal 1011"
    assert cells[ArchiveModel.ARCHIVED_AT].startswith("2026-11-28")
    assert cells[ArchiveModel.RESTORED_AS] == ""
    assert proxy.index(_row(win, "Contact 5099"), ArchiveModel.TITLE).data() == "Анна Иванова"
    # nothing selected: the button says what it needs
    assert not win.archive.restore_button.isEnabled()
    win.archive.search.setText("иванова")
    assert proxy.rowCount() == 1


async def test_restoring_asks_first_and_says_what_happened(
    fake_window: MainWindow, fake_service: FakeService
) -> None:
    win = fake_window
    win.archive.view.selectRow(_row(win, "Deal 1090"))
    assert win.archive.restore_button.text() == "Restore Deal 1090…"

    declined = DialogAnswers(win, accept=False)
    win.archive.restore_button.click()
    await wait_until(lambda: bool(declined.seen))
    [(dialog, question)] = declined.seen
    assert dialog == "ConfirmDialog"
    assert question.startswith("Restore Deal 1090 «Order #11 - svc4 (copy)», archived 2026-11-28")
    assert "Order 11" in question and "new id" in question
    assert fake_service.restores == []

    declined.accept = True
    assert await win.restore_archived(win.archive.current())  # type: ignore[arg-type]
    assert fake_service.restores == [fake_service.archive[0].path]
    assert win.message_bar.text() == (
        "Restored Deal 1090 as Deal 7001; Order 11 keeps the record it has, and the restored one "
        "stands beside it."
    )
    assert win.archive.proxy.index(_row(win, "Deal 1090"), ArchiveModel.RESTORED_AS).data() == "Deal 7001"

    win.archive.view.selectRow(_row(win, "Deal 1091"))
    assert await win.restore_archived(win.archive.current())  # type: ignore[arg-type]
    assert win.message_bar.text() == "Restored Deal 1091 as Deal 7002; Order 51 now points at it."
    win.archive.view.selectRow(_row(win, "Deal 1091"))
    assert await win.restore_archived(win.archive.current())  # type: ignore[arg-type]
    assert win.message_bar.text() == "Deal 1091 was restored already, as Deal 7002: nothing was created."


async def test_the_cleanup_preview_names_what_stays_and_what_disappears(
    fake_window: MainWindow, fake_service: FakeService
) -> None:
    win = fake_window
    # what the dialog showed, read while it is open (it is deleted once answered)
    shown: list[tuple[bool, list[MergePreview], str]] = []

    def seen(d: QDialog) -> None:
        if isinstance(d, PlanDialog):
            shown.append((d.merges.isVisibleTo(d), d.previews, d.merges.toPlainText()))

    win.dialog_opened.connect(seen)
    DialogAnswers(win, accept=False)
    win.show_records("order", "duplicated")
    win.orders.view.selectRow(0)
    key = win.orders.selected()[0].key
    win.orders.action_buttons["cleanup"].click()
    await wait_until(lambda: bool(shown))
    [(visible, previews, text)] = shown
    assert visible
    [preview] = previews
    stays, gone = preview.survivor, preview.removed[0]
    assert f"Order {key}" in text
    assert f"Deal {stays} stays; 1 record disappears: Deal {gone} (each is archived first" in text
    # key fields side by side: one row per field, one column per record, the stayer first
    assert "Amount" in text and "Title" in text and "Created" in text
    assert text.index(f"Deal {stays}\nstays") < text.index(f"Deal {gone}\ndisappears")


async def test_the_preview_is_what_the_cleanup_then_does(data_dirs: DataDirs) -> None:
    """On the demo (real service, portal emulator): the record the preview keeps is the one the cleanup
    keeps, the ones it names are archived, and the archive says what each was merged into."""
    service = await open_service(AppConfig(), data_dirs, demo=True)
    try:
        snap = await service.snapshot()
        keys = [s.key for s in snap.orders if s.state is RecordState.DUPLICATED]
        assert keys
        plan = service.plan_for(snap, "order", keys, "cleanup")
        previews = {p.key: p for p in await service.cleanup_preview(plan)}
        assert set(previews) == set(keys)
        for p in previews.values():
            assert p.survivor is not None and p.removed
            assert p.fields[p.survivor]["TITLE"] and set(p.removed) <= set(p.fields)
        await service.apply(plan)
        await service.run_queue(max_wait=30)
        merged = {(a.shop_key, a.portal_id): a.merged_into for a in service.archived()}
        assert merged == {(k, i): p.survivor for k, p in previews.items() for i in p.removed}
    finally:
        await service.aclose()


async def test_the_demo_window_restores_an_archived_deal(qtbot, data_dirs: DataDirs) -> None:
    window = demo_window(qtbot, data_dirs)
    try:
        assert await window.connect_service(demo=True)
        answers = DialogAnswers(window)
        await window.sync_everything()
        await wait_until(lambda: window.archive.proxy.rowCount() > 0, within=60)
        window.tabs.setCurrentWidget(window.archive)
        window.archive.view.selectRow(0)
        rec = window.archive.current()
        assert rec is not None and rec.merged_into is not None
        assert await window.restore_archived(rec)
        assert answers.seen[-1][0] == "ConfirmDialog"
        kind = record_kind_label(rec.entity)
        assert window.message_bar.text().startswith(f"Restored {kind} {rec.portal_id} as {kind} ")
        row = _row(window, f"{kind} {rec.portal_id}")
        assert window.archive.proxy.index(row, ArchiveModel.RESTORED_AS).data().startswith(f"{kind} ")
    finally:
        await window.shutdown()
