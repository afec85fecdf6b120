"""Stale links (issue 16, point 6): a shop record whose stored id Bitrix24 no longer has offers no "Open in
Bitrix24", but "Re-create" and "Unlink" with what each does; re-creating what someone deleted is asked
about first; "Queue re-link" never turns into a create."""

from __future__ import annotations

from bitrix_monitor.config import AppConfig
from bitrix_monitor.gui.window import MainWindow
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.wiring import open_service
from tests.gui.conftest import DialogAnswers, wait_until
from tests.gui.fakes import FakeService


def _select_stale(win: MainWindow) -> str:
    win.show_records("order", "stale_link")
    win.orders.view.selectRow(0)
    rec = win.orders.selected()[0]
    assert rec.state is RecordState.STALE_LINK
    return rec.key


async def test_a_stale_link_offers_recreate_and_unlink_not_open(
    fake_window: MainWindow, fake_service: FakeService
) -> None:
    win = fake_window
    key = _select_stale(win)
    pane = win.orders.detail
    assert pane.url is None
    text = pane.toPlainText()
    gone = fake_service.records[("order", key)].stored_id
    assert "Open in Bitrix24" not in text
    assert (
        f"Deal {gone} no longer exists in Bitrix24: it was deleted or merged there, not by this app." in text
    )
    assert "Re-create: queues a new record made from the shop's data" in text
    assert f"Unlink: the shop forgets {gone}; the record shows as missing" in text
    win.open_in_portal(win.orders.selected()[0])
    assert "points at a record Bitrix24 no longer has: re-create or unlink it" in win.message_bar.text()


async def test_queue_relink_of_a_stale_link_queues_nothing_and_says_why(
    fake_window: MainWindow, fake_service: FakeService
) -> None:
    win = fake_window
    answers = DialogAnswers(win)
    key = _select_stale(win)
    assert await win.queue_action("order", [key], "relink") == 0
    assert answers.seen == [] and fake_service.jobs == {}
    assert "Nothing to re-link" in win.message_bar.text()
    assert "Re-create it" in win.message_bar.text() and "or unlink it" in win.message_bar.text()


async def test_recreating_a_deleted_record_warns_first(
    fake_window: MainWindow, fake_service: FakeService
) -> None:
    win = fake_window
    key = _select_stale(win)
    gone = fake_service.records[("order", key)].stored_id
    answers = DialogAnswers(win, accept=False)
    win.orders.detail.link_clicked.emit(win.orders.detail.RECREATE_LINK)
    await wait_until(lambda: bool(answers.seen))
    assert [d for d, _q in answers.seen] == ["PlanDialog"]  # declined there: no warning, nothing queued
    assert fake_service.jobs == {}

    answers.seen.clear()
    answers.accept = True
    assert await win.queue_action("order", [key], "create") == 1
    kinds = [d for d, _q in answers.seen]
    assert kinds == ["PlanDialog", "ConfirmDialog"]
    warning = answers.seen[1][1]
    assert warning.startswith(
        f"1 of these records was deleted or merged in Bitrix24 by someone, not by this app: {key} → {gone}."
    )
    assert "If they were deleted on purpose, unlink them instead." in warning
    assert [j.kind for j in fake_service.jobs.values()] == ["deal.create"]


async def test_unlink_asks_and_the_record_shows_as_missing(
    fake_window: MainWindow, fake_service: FakeService
) -> None:
    win = fake_window
    key = _select_stale(win)
    answers = DialogAnswers(win)
    win.orders.detail.link_clicked.emit(win.orders.detail.UNLINK_LINK)
    await wait_until(lambda: fake_service.snapshots_taken > 1 and not win._snapshot_lock.locked())
    assert win.message_bar.text() == "Unlinked 1 record."
    [(dialog, question)] = answers.seen
    assert dialog == "ConfirmDialog" and question.startswith("Unlink 1 record?")
    assert "nothing is created in Bitrix24 until someone queues it" in question
    assert fake_service.jobs == {}
    assert win.snapshot is not None
    assert {s.key: s.state for s in win.snapshot.orders}[key] is RecordState.MISSING


async def test_the_service_unlinks_only_ids_bitrix24_no_longer_has(data_dirs: DataDirs) -> None:
    """On the demo (real service, portal emulator): re-link plans nothing for a stale link, unlink clears the
    stored id (the record is then missing), and an id the portal still has is kept."""
    service = await open_service(AppConfig(), data_dirs, demo=True)
    try:
        snap = await service.snapshot()
        stale = [s for s in snap.orders if s.state is RecordState.STALE_LINK and s.relink_to is None]
        linked = next(s for s in snap.orders if s.state is RecordState.IN_SYNC)
        assert stale
        assert service.plan_for(snap, "order", [s.key for s in stale], "relink").jobs == ()
        links = [(s.key, s.stored_id) for s in stale if s.stored_id is not None]
        assert linked.stored_id is not None
        assert await service.unlink("order", [*links, (linked.key, linked.stored_id)]) == len(links)
        after = {s.key: s for s in (await service.snapshot()).orders}
        assert {after[k].state for k, _i in links} == {RecordState.MISSING}
        assert after[linked.key].stored_id == linked.stored_id
    finally:
        await service.aclose()
