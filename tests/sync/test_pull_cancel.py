"""A pull job a person cancels (the window's Drop, ``--cancel-dead``) releases the record it held: the CRM's
change it carried is seen and overruled, as "keep the shop's" settles a conflict, so the record is judged
like any other and the push sends the shop's value; and a dead pull job whose change a newer one superseded
(cancelled or written) writes nothing stale when it is retried. The service over the portal emulator, the
shop on SQLite (it refuses the pull's write by a trigger while the test says so; a refused write dies at
once), the queue in the desk's file and in the team's PostgreSQL database."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue.model import Job
from bitrix_monitor.sync.api import Snapshot
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.wiring import open_service
from tests.sync.conftest import FAST_CONFIG, Shop, make_shop
from tests.sync.test_field_pull import contacts, manager_sets_phone, phones, users, with_phones
from tests.sync.test_pull import MANAGER, STAGES, other_stage
from tests.sync.test_pull_jobs import refuse_writes

ONE_TRY = FAST_CONFIG.replace("max_attempts = 30", "max_attempts = 1")
CFG = config.from_dict(tomllib.loads(ONE_TRY + '[shop.users.owners]\nPHONE = "both"\n'))


@pytest.fixture
def small_shop(tmp_path: Path) -> Shop:
    return make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=12, users=5)


@pytest.fixture(params=("file", "team"))
def queue_url(request: pytest.FixtureRequest) -> str | None:
    """None: the desk's queue file; else a team queue in a fresh PostgreSQL database."""
    return None if request.param == "file" else str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def service(
    small_shop: Shop, portal: PortalEmulator, data_dirs: DataDirs, queue_url: str | None
) -> AsyncIterator[MonitorService]:
    service = await open_service(
        CFG, data_dirs, shop_url=small_shop.url, portal_url=portal.webhook_url, queue_url=queue_url
    )
    yield service
    await service.aclose()


async def _sync(service: MonitorService) -> Snapshot:
    snap = await service.snapshot()
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    return await service.snapshot()


async def _refused_stage_pull(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> tuple[str, int, str, Job]:
    """A synced order whose deal a manager moved to another stage while the shop refuses the write (it still
    does when this returns): its pull job queued. Returns the key, the deal's id, the shop's stage and the
    job."""
    await service.pull()  # the first pull starts the cursors at the portal's "now"
    await _sync(service)
    key, deal_id = next(iter(small_shop.deal_ids().items()))
    assert deal_id is not None
    shop_stage = service.shop.get_orders([key])[key].stage
    assert shop_stage is not None
    portal.store.update("deal", deal_id, {"STAGE_ID": other_stage(shop_stage)}, as_user=MANAGER)
    refuse_writes(small_shop, True)
    pulled = await service.pull()
    assert pulled.waiting[key][0] is RecordState.CHANGED_IN_CRM
    (job,) = service.queue.list_jobs(kinds=["deal.pull"])
    assert job.entity_key == key
    return key, deal_id, shop_stage, job


async def test_a_cancelled_stage_pull_releases_its_order_and_the_shops_stage_goes_out(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key, deal_id, shop_stage, job = await _refused_stage_pull(small_shop, portal, service)
    held = await service.snapshot()
    assert next(s for s in held.orders if s.key == key).state is RecordState.CHANGED_IN_CRM

    # A person drops the job: the record is judged like any other again (the shop's stage is to go out).
    assert await service.cancel_jobs([job.id]) == 1
    refuse_writes(small_shop, False)
    snap = await service.snapshot()
    status = next(s for s in snap.orders if s.key == key)
    assert (status.state, status.hold) == (RecordState.OUTDATED, "")
    assert "STAGE_ID" in {d.field for d in status.diffs}
    assert [j.kind for j in snap.plan.jobs if j.entity_key == key] == ["deal.update"]
    after = await _sync(service)
    assert portal.store.get("deal", deal_id)["STAGE_ID"] == shop_stage
    assert next(s for s in after.orders if s.key == key).state is RecordState.IN_SYNC
    # The stage the push sent comes back in the history as agreement: nothing is pulled or held.
    again = await service.pull()
    assert (again.pulled, again.waiting) == ({}, {})
    assert service.shop.get_orders([key])[key].stage == shop_stage


async def _refused_phone_pull(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> tuple[str, str, Job]:
    """A synced user whose contact's phone a manager changed while the shop refuses the write (it still does
    when this returns): its pull job queued. Returns the key, the shop's number and the job."""
    await service.pull()
    await _sync(service)
    ((key, contact),) = with_phones(small_shop, portal, 1)
    (shop_phone,) = phones(contact)
    manager_sets_phone(portal, contact, "+7 900 111-22-33")
    refuse_writes(small_shop, True, "users", "phone_number")
    pulled = await service.pull()
    assert pulled.fields_waiting[("user", key)][0] is RecordState.CHANGED_IN_CRM
    (job,) = service.queue.list_jobs(kinds=["contact.pull"])
    return key, shop_phone, job


async def test_a_cancelled_phone_pull_releases_its_user_and_the_shops_number_goes_out(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key, shop_phone, job = await _refused_phone_pull(small_shop, portal, service)

    assert await service.cancel_jobs([job.id]) == 1
    refuse_writes(small_shop, False, "users", "phone_number")
    snap = await service.snapshot()
    status = next(s for s in snap.users if s.key == key)
    assert (status.state, status.hold) == (RecordState.OUTDATED, "")
    assert [j.kind for j in snap.plan.jobs if j.entity_key == key] == ["contact.update"]
    await _sync(service)
    assert phones(contacts(portal)[key]) == [shop_phone]
    again = await service.pull()
    assert (again.fields, again.fields_waiting) == ([], {})


async def _stage_dead_then_newer_queued(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> tuple[str, str, str, int, int]:
    """An order whose CRM stage moved twice while the shop refused the writes: the first move's pull job
    died (one try), the second's is queued as a job of its own. Returns the order's key, the shop's stage,
    the newer CRM stage, and the dead and the queued job's ids."""
    await service.pull()  # the first pull starts the cursors at the portal's "now"
    await _sync(service)
    key, deal_id = next(iter(small_shop.deal_ids().items()))
    assert deal_id is not None
    shop_stage = service.shop.get_orders([key])[key].stage
    assert shop_stage is not None
    older, newer = [s for s in STAGES if s != shop_stage][:2]
    refuse_writes(small_shop, True)
    portal.store.update("deal", deal_id, {"STAGE_ID": older}, as_user=MANAGER)
    await service.pull()
    (dead,) = service.queue.list_jobs(kinds=["deal.pull"])
    await service.run_queue(max_wait=60)
    assert service.queue.get(dead.id).state == "dead"  # type: ignore[union-attr]
    portal.store.update("deal", deal_id, {"STAGE_ID": newer}, as_user=MANAGER)
    await service.pull()
    (queued,) = service.queue.list_jobs(kinds=["deal.pull"], states=["queued"])
    assert queued.id != dead.id and queued.payload["STAGE_ID"]["value"] == newer
    assert service.shop.get_orders([key])[key].stage == shop_stage
    return key, shop_stage, newer, dead.id, queued.id


async def test_a_retried_stage_pull_writes_no_stage_a_cancelled_newer_one_superseded(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key, shop_stage, _newer, dead, queued = await _stage_dead_then_newer_queued(small_shop, portal, service)
    deal_id = small_shop.deal_ids()[key]
    # A person drops the newer job (keep the shop's stage), then someone retries the old one: it must not
    # write the CRM's older stage, which is neither the shop's nor the CRM's any more.
    assert await service.cancel_jobs([queued]) == 1
    refuse_writes(small_shop, False)
    await service.retry_jobs([dead])
    await service.run_queue(max_wait=60)
    assert service.shop.get_orders([key])[key].stage == shop_stage
    after = await _sync(service)
    assert portal.store.get("deal", deal_id)["STAGE_ID"] == shop_stage  # type: ignore[arg-type]
    assert next(s for s in after.orders if s.key == key).state is RecordState.IN_SYNC


async def test_a_retried_stage_pull_writes_no_stage_a_newer_one_wrote_over(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key, _shop_stage, newer, dead, _queued = await _stage_dead_then_newer_queued(small_shop, portal, service)
    refuse_writes(small_shop, False)
    await service.run_queue(max_wait=60)  # the newer job writes the CRM's newer stage
    assert service.shop.get_orders([key])[key].stage == newer
    await service.retry_jobs([dead])
    await service.run_queue(max_wait=60)
    assert service.shop.get_orders([key])[key].stage == newer
    after = await _sync(service)
    assert next(s for s in after.orders if s.key == key).state is RecordState.IN_SYNC


async def test_the_team_audit_trail_says_which_pull_job_a_newer_change_superseded(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService, queue_url: str | None
) -> None:
    key, _shop_stage, _newer, dead, queued = await _stage_dead_then_newer_queued(small_shop, portal, service)
    entries = await service.team_activity()
    if queue_url is None:
        assert entries == []  # a desk's own file has no audit trail
        return
    superseded = [(e.kind, e.entity_key, e.job_id) for e in entries if e.event == "superseded"]
    assert superseded == [("deal.pull", key, dead)]  # the older job lost its stage; the newer one did not
    assert queued != dead


async def test_a_cancelled_stage_pull_retried_after_the_push_came_back_writes_no_stage(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    """A person drops a pull job (keep the shop's stage), the push sends the shop's stage, and the next pull
    reads that move back (the sides agree): the dropped job's move is over. Retrying it later writes nothing:
    the CRM no longer holds that stage, and the shop's would be overwritten by it."""
    key, deal_id, shop_stage, job = await _refused_stage_pull(small_shop, portal, service)
    assert await service.cancel_jobs([job.id]) == 1
    refuse_writes(small_shop, False)
    after = await _sync(service)  # the shop's stage goes out
    await service.pull()  # and comes back in the stage history: the sides agree
    assert portal.store.get("deal", deal_id)["STAGE_ID"] == shop_stage  # type: ignore[index]
    assert next(s for s in after.orders if s.key == key).state is RecordState.IN_SYNC
    dropped = service.queue.get(job.id)
    assert dropped is not None and "STAGE_ID" not in dropped.payload
    await service.retry_jobs([job.id])
    await service.run_queue(max_wait=60)
    assert service.shop.get_orders([key])[key].stage == shop_stage
    again = await service.snapshot()
    assert next(s for s in again.orders if s.key == key).state is RecordState.IN_SYNC


@pytest.mark.parametrize("field", ["stage", "phone"])
async def test_a_dropped_pull_job_retried_right_after_the_push_writes_nothing_over_the_shops_value(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService, field: str
) -> None:
    """As above, retried before any pull reads the push back: the push itself wrote the shop's value into the
    CRM, so the job's older CRM value is over (its history says the shop's value was sent)."""
    mine: str | None
    if field == "stage":
        key, _deal_id, mine, job = await _refused_stage_pull(small_shop, portal, service)
    else:
        key, mine, job = await _refused_phone_pull(small_shop, portal, service)

    def shop_value() -> str | None:
        if field == "stage":
            return service.shop.get_orders([key])[key].stage
        return users(small_shop)[key][0]

    assert await service.cancel_jobs([job.id]) == 1
    refuse_writes(small_shop, False, *(() if field == "stage" else ("users", "phone_number")))
    snap = await service.snapshot()
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)  # the shop's value goes out; no pull reads it back yet
    dropped = service.queue.get(job.id)
    assert dropped is not None and dropped.payload == {}
    assert service.queue.events(job.id)[-1].type == "superseded"
    await service.retry_jobs([job.id])
    await service.run_queue(max_wait=60)
    assert shop_value() == mine
