"""A pull that writes a newer CRM value straight into the shop supersedes the older value of that field in
the record's pull jobs: a dead one retried, or a queued one run, writes nothing stale over it; a job a
runner has claimed is not edited under it but has the newer value folded in, so the runner's write of the
older value is skipped and the job's next run writes the newer. The stage
(:class:`~bitrix_monitor.sync.pull.StagePuller`) and a contact's phone
(:class:`~bitrix_monitor.sync.field_pull.FieldPuller`). The service over the portal emulator, the shop on
SQLite (it refuses the pull's write by a trigger while the test says so; a refused write dies at once), the
queue in the desk's file and in the team's PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.queue.model import PullField
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.sync.service import MonitorService
from tests.sync.conftest import Shop
from tests.sync.test_field_pull import contacts, manager_sets_phone, phones, users, with_phones
from tests.sync.test_pull import MANAGER, STAGES
from tests.sync.test_pull_cancel import _sync, queue_url, service, small_shop
from tests.sync.test_pull_jobs import refuse_writes

__all__ = ["queue_url", "service", "small_shop"]  # the fixtures, used by name

RUNNER = "another-desk"


async def _refused_stage_job(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService, *, dead: bool
) -> tuple[str, int, str | None, list[str], int]:
    """An order whose CRM stage moved while the shop refused the write: its pull job queued or, with
    ``dead``, run and dead; the shop takes writes again after. Returns the key, the deal's id, the shop's
    stage, the other stages (the first is the one moved to) and the job's id."""
    await service.pull()  # the first pull starts the cursors at the portal's "now"
    await _sync(service)
    key, deal_id = next(iter(small_shop.deal_ids().items()))
    assert deal_id is not None
    shop_stage = service.shop.get_orders([key])[key].stage
    others = [s for s in STAGES if s != shop_stage]
    refuse_writes(small_shop, True)
    portal.store.update("deal", deal_id, {"STAGE_ID": others[0]}, as_user=MANAGER)
    await service.pull()
    (job,) = service.queue.list_jobs(kinds=["deal.pull"])
    assert job.payload["STAGE_ID"]["value"] == others[0]
    if dead:
        await service.run_queue(max_wait=60)
        assert service.queue.get(job.id).state == "dead"  # type: ignore[union-attr]
    refuse_writes(small_shop, False)
    return key, deal_id, shop_stage, others, job.id


async def _stage_job_then_newer_move(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService, *, dead: bool
) -> tuple[str, str, int, Callable[[], str | None]]:
    """:func:`_refused_stage_job`, then the CRM's stage moved again, to ``newer``. Returns the key, the
    newer stage, the older job's id and a reader of the shop's stage; the newer move is not pulled yet."""
    key, deal_id, _shop_stage, others, job_id = await _refused_stage_job(
        small_shop, portal, service, dead=dead
    )
    newer = others[1]
    portal.store.update("deal", deal_id, {"STAGE_ID": newer}, as_user=MANAGER)
    return key, newer, job_id, lambda: service.shop.get_orders([key])[key].stage


async def test_a_retried_dead_stage_pull_writes_no_stage_over_one_the_pull_wrote_since(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key, newer, dead, stage = await _stage_job_then_newer_move(small_shop, portal, service, dead=True)
    pulled = await service.pull()  # the shop takes the newer stage straight away: no job
    assert key in pulled.pulled and stage() == newer
    job = service.queue.get(dead)
    assert job is not None and "STAGE_ID" not in job.payload
    assert job.state == "cancelled"  # nothing left to write: closed
    assert [e.type for e in service.queue.events(dead)][-1] == "superseded"
    await service.retry_jobs([dead])
    await service.run_queue(max_wait=60)
    assert stage() == newer
    after = await _sync(service)
    assert next(s for s in after.orders if s.key == key).state is RecordState.IN_SYNC


async def test_a_queued_stage_pull_writes_no_stage_over_one_the_pull_wrote_since(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key, newer, queued, stage = await _stage_job_then_newer_move(small_shop, portal, service, dead=False)
    pulled = await service.pull()
    assert key in pulled.pulled and stage() == newer
    job = service.queue.get(queued)
    assert job is not None and job.state == "cancelled" and "STAGE_ID" not in job.payload
    await service.run_queue(max_wait=60)
    assert stage() == newer
    after = await _sync(service)
    assert next(s for s in after.orders if s.key == key).state is RecordState.IN_SYNC


async def test_a_claimed_stage_pull_writes_no_stage_over_a_newer_one_folded_into_it(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key, newer, queued, stage = await _stage_job_then_newer_move(small_shop, portal, service, dead=False)
    (claimed,) = service.queue.claim(RUNNER, kinds=["deal.pull"])  # another desk's runner holds it
    assert claimed.id == queued
    pulled = await service.pull()
    # Written, and the job not edited under its runner: the newer stage is folded into it (changed again).
    assert key in pulled.pulled and stage() == newer
    job = service.queue.get(queued)
    assert job is not None and job.state == "running" and job.changed_again
    assert job.payload["STAGE_ID"]["value"] == newer
    # That runner then writes what it claimed (the older stage): under the lock it finds the newer one
    # folded into its job and writes nothing.
    verdict, _said = await service.puller.apply_job(key, claimed.payload, claimed.id)
    assert verdict == "done" and stage() == newer
    service.queue.complete(RUNNER, queued, {"pulled": "-"})  # changed again: queued once more
    await service.run_queue(max_wait=60)
    assert stage() == newer
    assert service.queue.get(queued).state == "done"  # type: ignore[union-attr]
    after = await _sync(service)
    assert next(s for s in after.orders if s.key == key).state is RecordState.IN_SYNC


async def _phone_job_then_newer_edit(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService, *, dead: bool
) -> tuple[str, str, int]:
    """A user whose contact's phone a manager set to one number while the shop refused the write (its pull
    job queued, or, with ``dead``, run and dead), then, the shop taking writes again, to another. Returns the
    key, the newer number and the older job's id; the newer edit is not pulled yet."""
    await service.pull()
    await _sync(service)
    ((key, contact),) = with_phones(small_shop, portal, 1)
    older, newer = "+7 900 111-22-33", "+7 900 444-55-66"
    refuse_writes(small_shop, True, "users", "phone_number")
    manager_sets_phone(portal, contact, older)
    await service.pull()
    (job,) = service.queue.list_jobs(kinds=["contact.pull"])
    assert job.payload["PHONE"]["value"] == older
    if dead:
        await service.run_queue(max_wait=60)
        assert service.queue.get(job.id).state == "dead"  # type: ignore[union-attr]
    refuse_writes(small_shop, False, "users", "phone_number")
    manager_sets_phone(portal, contacts(portal)[key], newer)
    return key, newer, job.id


async def test_a_retried_dead_phone_pull_writes_no_number_over_one_the_pull_wrote_since(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key, newer, dead = await _phone_job_then_newer_edit(small_shop, portal, service, dead=True)
    pulled = await service.pull()
    assert [(p.key, p.value) for p in pulled.fields] == [(key, newer)]
    assert users(small_shop)[key][0] == newer
    await _closed_phone_job_retried_writes_nothing(small_shop, portal, service, dead, key, newer)


async def _closed_phone_job_retried_writes_nothing(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService, job_id: int, key: str, number: str
) -> None:
    """The phone pull job ``job_id`` was closed without its PHONE; retried and run, the shop keeps ``number``,
    which the next sync sends to the contact."""
    job = service.queue.get(job_id)
    assert job is not None and job.state == "cancelled" and "PHONE" not in job.payload
    await service.retry_jobs([job_id])
    await service.run_queue(max_wait=60)
    assert users(small_shop)[key][0] == number
    await _sync(service)
    assert phones(contacts(portal)[key]) == [number]


async def test_a_queued_phone_pull_writes_no_number_over_one_the_pull_wrote_since(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key, newer, queued = await _phone_job_then_newer_edit(small_shop, portal, service, dead=False)
    pulled = await service.pull()
    assert [(p.key, p.value) for p in pulled.fields] == [(key, newer)]
    job = service.queue.get(queued)
    assert job is not None and job.state == "cancelled" and "PHONE" not in job.payload
    await service.run_queue(max_wait=60)
    assert users(small_shop)[key][0] == newer
    await _sync(service)
    assert phones(contacts(portal)[key]) == [newer]


async def test_a_claimed_phone_pull_writes_no_number_over_a_newer_one_folded_into_it(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key, newer, queued = await _phone_job_then_newer_edit(small_shop, portal, service, dead=False)
    (claimed,) = service.queue.claim(RUNNER, kinds=["contact.pull"])
    assert claimed.id == queued
    pulled = await service.pull()
    assert [(p.key, p.value) for p in pulled.fields] == [(key, newer)]
    job = service.queue.get(queued)
    assert job is not None and job.state == "running" and job.changed_again
    assert job.payload["PHONE"]["value"] == newer
    verdict, _said = await service.field_puller.apply_job("user", key, claimed.payload, claimed.id)
    assert verdict == "done" and users(small_shop)[key][0] == newer
    service.queue.complete(RUNNER, queued, {"pulled": "-"})
    await service.run_queue(max_wait=60)
    assert users(small_shop)[key][0] == newer
    assert service.queue.get(queued).state == "done"  # type: ignore[union-attr]
    await _sync(service)
    assert phones(contacts(portal)[key]) == [newer]


@pytest.mark.parametrize("take", ["shop", "crm"])
async def test_resolving_a_waiting_stage_supersedes_it_in_the_dead_pull_job_that_carried_it(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService, take: str
) -> None:
    """A stage move the shop refused to take (its pull job dead) is resolved by a person: keep the shop's
    or take the CRM's. Either way the dead job no longer carries the stage (closed, nothing left), and a
    retry of it writes nothing over what the person chose."""
    key, _deal_id, shop_stage, (moved, *_), job_id = await _refused_stage_job(
        small_shop, portal, service, dead=True
    )
    done = await service.resolve_conflict("order", key, take)
    assert done.code == ("resolve.kept_shop" if take == "shop" else "resolve.took_crm")
    chosen = shop_stage if take == "shop" else moved
    assert service.shop.get_orders([key])[key].stage == chosen
    after = service.queue.get(job_id)
    assert after is not None and "STAGE_ID" not in after.payload and after.state == "cancelled"
    assert [e.type for e in service.queue.events(job_id)][-1] == "superseded"
    await service.retry_jobs([job_id])
    await service.run_queue(max_wait=60)
    assert service.shop.get_orders([key])[key].stage == chosen


@pytest.mark.parametrize("full", [True, False])
async def test_a_change_a_pull_stores_while_a_pass_reads_is_not_taken_back_by_the_pass(
    small_shop: Shop,
    portal: PortalEmulator,
    service: MonitorService,
    monkeypatch: pytest.MonkeyPatch,
    full: bool,
) -> None:
    """A pass stores the values it read alike on both sides as the fields' baselines. A CRM change that a pull
    (this desk's or another's) stored after the pass began is newer than what the pass read: it stays waiting,
    not wiped by the pass's older view."""
    await service.pull()
    await _sync(service)
    key, deal_id = next(iter(small_shop.deal_ids().items()))
    assert deal_id is not None
    stage = service.shop.get_orders([key])[key].stage
    assert stage is not None
    moved = next(s for s in STAGES if s != stage)
    if not full:  # an incremental pass judges again the records changed since the last: this one is
        portal.store.update("deal", deal_id, {"COMMENTS": "seen by a manager"}, as_user=MANAGER)
    # The baseline is not what the pass will read alike, so the pass stores its own.
    service.queue.save_pull_fields("order", "STAGE_ID", [PullField(key, agreed=moved)])
    remember = service._remember_agreed

    def pull_meanwhile(snap: Any, known: Any, started: Any) -> None:
        service.queue.save_pull_fields(
            "order", "STAGE_ID", [PullField(key, agreed=stage, pending=moved, state="conflict")]
        )
        remember(snap, known, started)

    monkeypatch.setattr(service, "_remember_agreed", pull_meanwhile)
    snap = await service.snapshot(full=full)
    kept = service.queue.pull_fields("order", "STAGE_ID", [key])[key]
    assert kept.pending == moved and kept.state == "conflict"
    assert next(s for s in snap.orders if s.key == key).state is RecordState.CONFLICT


async def test_a_stage_the_crm_moved_back_while_the_shop_changed_supersedes_the_dead_pull_job(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    """The CRM's newest stage is the one both sides last agreed on, and only the shop changed since: that
    settles the field (the push sends the shop's), so the dead job's older move is superseded, not written
    over the person's change when someone retries it."""
    key, deal_id, shop_stage, others, dead = await _refused_stage_job(small_shop, portal, service, dead=True)
    mine = others[1]
    small_shop.execute(
        "UPDATE orders SET status = :s, updated_at = CURRENT_TIMESTAMP WHERE order_id = :k",
        s=mine,
        k=int(key),
    )
    portal.store.update("deal", deal_id, {"STAGE_ID": shop_stage}, as_user=MANAGER)
    pulled = await service.pull()
    assert key not in pulled.pulled and key not in pulled.waiting
    job = service.queue.get(dead)
    assert job is not None and job.state == "cancelled" and "STAGE_ID" not in job.payload
    assert [e.type for e in service.queue.events(dead)][-1] == "superseded"
    await service.retry_jobs([dead])
    await service.run_queue(max_wait=60)
    assert service.shop.get_orders([key])[key].stage == mine
    after = await _sync(service)
    assert portal.store.get("deal", deal_id)["STAGE_ID"] == mine  # type: ignore[index]
    assert next(s for s in after.orders if s.key == key).state is RecordState.IN_SYNC


async def test_a_number_the_crm_set_back_while_the_shop_changed_supersedes_the_dead_pull_job(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    """As for the stage: a manager set the number back to the agreed one, the shop has a new one; the dead
    job's number is superseded and the shop's goes out."""
    await service.pull()
    await _sync(service)
    ((key, contact),) = with_phones(small_shop, portal, 1)
    (agreed,) = phones(contact)
    refuse_writes(small_shop, True, "users", "phone_number")
    manager_sets_phone(portal, contact, "+7 900 111-22-33")
    await service.pull()
    (job,) = service.queue.list_jobs(kinds=["contact.pull"])
    await service.run_queue(max_wait=60)
    assert service.queue.get(job.id).state == "dead"  # type: ignore[union-attr]
    refuse_writes(small_shop, False, "users", "phone_number")
    mine = "+7 900 777-88-99"
    small_shop.execute(
        "UPDATE users SET phone_number = :p, updated_at = CURRENT_TIMESTAMP WHERE id = :k", p=mine, k=int(key)
    )
    manager_sets_phone(portal, contacts(portal)[key], agreed)
    pulled = await service.pull()
    assert (pulled.fields, pulled.fields_waiting) == ([], {})
    await _closed_phone_job_retried_writes_nothing(small_shop, portal, service, job.id, key, mine)


async def test_an_update_sends_no_field_whose_crm_change_a_pull_saw_after_the_update_read_the_record(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    """A pull saw a manager's stage move (it waits in the record's baselines) after the push read the deal,
    which it still read at the agreed stage: the update sends the shop's other changes, not the shop's stage
    over the move."""
    await service.pull()
    await _sync(service)
    key, deal_id = next(iter(small_shop.deal_ids().items()))
    assert deal_id is not None
    agreed = service.shop.get_orders([key])[key].stage
    mine, moved = [s for s in STAGES if s != agreed][:2]
    changed = "UPDATE orders SET status = :s, service_id = 9999, updated_at = CURRENT_TIMESTAMP"
    small_shop.execute(f"{changed} WHERE order_id = :k", s=mine, k=int(key))
    waiting = PullField(key, agreed=agreed, pending=moved, state="conflict")
    service.queue.save_pull_fields("order", "STAGE_ID", [waiting])
    service.queue.enqueue("deal.update", key)
    await service.run_queue(max_wait=60)
    deal = portal.store.get("deal", deal_id)
    assert deal is not None and deal["TITLE"].endswith("9999")  # the shop's other change went out
    assert deal["STAGE_ID"] == agreed  # not the shop's stage, over the move the pull saw
