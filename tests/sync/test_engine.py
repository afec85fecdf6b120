"""The sync engine in process: the shop backend's rules, exactly-once under races, reconciliation states
with their evidence, duplicate cleanup with the archive, restore, and change detection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.archive import Archive
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.wiring import open_service
from tests.sync.conftest import FAST_CONFIG, ORIGINATOR, Shop, assert_exactly_one_each, make_shop

CFG = config.from_dict(__import__("tomllib").loads(FAST_CONFIG))


async def _service(
    shop: Shop, portal: PortalEmulator, dirs: DataDirs, cfg: config.AppConfig = CFG
) -> MonitorService:
    return await open_service(cfg, dirs, shop_url=shop.url, portal_url=portal.webhook_url)


async def _sync(service: MonitorService) -> None:
    snap = await service.snapshot()
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)


async def test_update_of_order_without_deal_creates_the_deal(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key = next(iter(shop.deal_ids()))
    await asyncio.to_thread(service.queue.enqueue, "deal.update", key, created_by="test")
    await service.run_queue(max_wait=30)
    deal_id = shop.deal_ids()[key]
    assert deal_id is not None
    deal = portal.store.get("deal", deal_id)
    assert deal is not None and deal["ORIGIN_ID"] == key and deal["ORIGINATOR_ID"] == ORIGINATOR
    # The deal came with its contact.
    user_key = shop.user_of(key)
    assert user_key is not None
    assert deal["CONTACT_ID"] == str(shop.contact_ids()[user_key])


async def test_update_of_user_without_contact_creates_the_contact(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key = next(iter(shop.contact_ids()))
    await asyncio.to_thread(service.queue.enqueue, "contact.update", key)
    await service.run_queue(max_wait=30)
    cid = shop.contact_ids()[key]
    assert cid is not None and portal.store.get("contact", cid)["ORIGIN_ID"] == key


async def test_create_is_skipped_when_the_record_already_has_an_id(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    before = portal.store.count("deal")
    key = next(iter(shop.deal_ids()))
    await asyncio.to_thread(service.queue.enqueue, "deal.create", key)
    await service.run_queue(max_wait=30)
    assert portal.store.count("deal") == before
    job = (await asyncio.to_thread(service.queue.history_for, "deal", key))[0]
    assert job.state == "done" and job.result and job.result.get("skipped") == "already linked"


async def test_existing_deal_found_by_origin_id_is_adopted_not_created_again(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    key = next(iter(shop.deal_ids()))
    made = portal.store.add("deal", {"TITLE": "made earlier", "ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": key})
    service = await _service(shop, portal, data_dirs)
    try:
        snap = await service.snapshot()
        status = next(s for s in snap.orders if s.key == key)
        assert status.state is RecordState.UNLINKED and status.portal_id == made
        await _sync(service)
        assert shop.deal_ids()[key] == made
        assert_exactly_one_each(portal, shop)
    finally:
        await service.aclose()


@pytest.mark.parametrize("server_url", ["postgresql", "mariadb"], indirect=True)
async def test_two_runners_racing_for_the_same_orders_create_no_duplicate(
    server_url: str, portal: PortalEmulator, tmp_path: Path
) -> None:
    shop = make_shop(server_url, orders=60, users=20)
    portal.set_faults("slow=0.5:0.05")
    desks = [DataDirs(tmp_path / "a"), DataDirs(tmp_path / "b")]
    for d in desks:
        d.ensure()
    services = [await _service(shop, portal, d) for d in desks]
    try:
        plans = [await s.snapshot() for s in services]
        for s, snap in zip(services, plans, strict=True):
            await s.apply(snap.plan)
        await asyncio.gather(*(s.run_queue(max_wait=60) for s in services))
        # Lost races hand extra records to cleanup; a final pass settles everything.
        await _sync(services[0])
        assert_exactly_one_each(portal, shop)
    finally:
        for s in services:
            await s.aclose()


async def test_reconciliation_gives_each_state_with_its_evidence(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    ids = shop.deal_ids()
    k_stale, k_dup, k_out, k_unlinked = list(ids)[:4]
    portal.store.delete("deal", ids[k_stale])
    # A second deal just like the first, as two racing creates would make.
    portal.store.add("deal", {k: v for k, v in portal.store.get("deal", ids[k_dup]).items() if k != "ID"})
    portal.store.update("deal", ids[k_out], {"OPPORTUNITY": "0.01"})
    shop.execute("UPDATE orders SET bitrix_deal_id = NULL WHERE order_id = :k", k=int(k_unlinked))
    orphan = portal.store.add("deal", {"TITLE": "gone", "ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": "424242"})

    snap = await service.snapshot()
    by_key = {s.key: s for s in snap.orders}
    stale = by_key[k_stale]
    assert stale.state is RecordState.STALE_LINK and str(ids[k_stale]) in str(stale.note)
    dup = by_key[k_dup]
    assert dup.state is RecordState.DUPLICATED
    assert dup.duplicates[0].matched_by == "origin id" and len(dup.duplicates[0].ids) == 2
    out = by_key[k_out]
    assert out.state is RecordState.OUTDATED
    assert [(d.field, d.portal) for d in out.diffs] == [("OPPORTUNITY", "0.01")]
    assert by_key[k_unlinked].state is RecordState.UNLINKED
    assert [o.portal_id for o in snap.orphans] == [orphan]
    c = snap.order_counts
    assert (c.stale_link, c.duplicated, c.outdated, c.unlinked, c.orphans) == (1, 1, 1, 1, 1)
    assert c.in_sync == shop.orders - 4
    assert snap.plan.counts() == {"deal.cleanup": 1, "deal.create": 2, "deal.update": 1}

    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    after = await service.snapshot()
    assert after.order_counts.in_sync == shop.orders
    assert after.order_counts.orphans == 1  # reported, never deleted automatically
    assert portal.store.get("deal", orphan) is not None
    assert_exactly_one_each(portal, shop)


async def test_cleanup_archives_before_delete_and_everything_restores(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    cfg = replace(CFG, sync=replace(CFG.sync, cleanup_policy="archive"))
    service = await _service(shop, portal, data_dirs, cfg)
    try:
        await _sync(service)
        keys = list(shop.deal_ids())[:3]
        extras = {}
        for k in keys:
            extras[k] = portal.store.add(
                "deal",
                {"TITLE": f"dup {k}", "OPPORTUNITY": "5.00", "ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": k},
            )
        await _sync(service)
        assert_exactly_one_each(portal, shop)
        archive = Archive(data_dirs.archive_dir)
        archived = {a.portal_id: a for a in archive.list()}
        assert set(extras.values()) <= set(archived)
        for extra in extras.values():
            assert portal.store.get("deal", extra) is None
            assert archived[extra].record["TITLE"].startswith("dup ")
        # Restore every archived record and compare. The shop keeps its survivors, so each restored deal
        # stands beside one, marked as restored (not our origin id: it is no duplicate to clean up again).
        for rec in archive.list():
            outcome = await service.restore_archived(rec.path)
            assert outcome.new_id is not None and not outcome.repointed
            back = portal.store.get("deal", outcome.new_id)
            assert back is not None
            for field in ("TITLE", "OPPORTUNITY", "ORIGINATOR_ID"):
                assert back[field] == rec.record[field]
            assert back["ORIGIN_ID"] == f"restored:deal:{rec.portal_id}"
        after = await service.snapshot()
        assert after.order_counts.in_sync == shop.orders and after.order_counts.orphans == 0
        assert not after.plan.jobs
    finally:
        await service.aclose()


async def test_contact_merge_repoints_deals_and_repairs_shop_ids(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    user_key, cid = next((k, v) for k, v in shop.contact_ids().items() if v)
    user = service.shop.get_users([user_key])[user_key]
    # A second contact for the same user, made by the old backend, and the shop pointing at it.
    second = portal.store.add("contact", F.contact_fields(user, originator=ORIGINATOR))
    shop.execute("UPDATE users SET bitrix_contact_id = :c WHERE id = :k", c=second, k=int(user_key))
    deal_key, deal_id = next(
        (o.key, o.deal_id) for page in service.shop.iter_orders() for o in page if o.user_key == user_key
    )
    portal.store.update("deal", deal_id, {"CONTACT_ID": cid})
    snap = await service.snapshot()
    status = next(s for s in snap.users if s.key == user_key)
    assert status.state is RecordState.DUPLICATED
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    survivor = shop.contact_ids()[user_key]
    assert survivor == second  # the record the shop references survives
    assert portal.store.get("contact", cid) is None
    assert portal.store.get("deal", deal_id)["CONTACT_ID"] == str(second)
    assert shop.deal_ids()[deal_key] == deal_id


async def test_change_watcher_queues_updates_and_creates(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    watcher = service.change_watcher()
    await watcher.prime()
    assert await watcher.poll() == 0
    key = next(iter(shop.deal_ids()))
    shop.execute(
        "UPDATE orders SET total_price = 777.5, updated_at = CURRENT_TIMESTAMP WHERE order_id = :k",
        k=int(key),
    )
    assert await watcher.poll() == 1
    await service.run_queue(max_wait=30)
    assert portal.store.get("deal", shop.deal_ids()[key])["OPPORTUNITY"] == "777.50"


async def test_merge_conflict_is_left_for_a_person_with_the_merge_link(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    key, deal_id = next(iter(shop.deal_ids().items()))
    other = portal.store.add(
        "deal", {"TITLE": "typed by hand", "ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": key}
    )
    await _sync(service)
    job = next(
        j for j in await asyncio.to_thread(service.queue.history_for, "deal", key) if "cleanup" in j.kind
    )
    assert job.state == "dead"
    assert job.error is not None and f"/crm/deal/merge/?id={deal_id},{other}" in job.error.message
    assert portal.store.get("deal", other) is not None  # nothing deleted without a person
    snap = await service.snapshot()
    status = next(s for s in snap.orders if s.key == key)
    assert status.state is RecordState.DUPLICATED
    # Waiting for a person: not queued, failed and archived again on every run (unless a person asks).
    assert status.hold and not any(j.entity_key == key for j in snap.plan.jobs)
    asked = service.plan_for(snap, "order", [key], "cleanup")
    assert [j.kind for j in asked.jobs] == ["deal.cleanup"]
    files = sorted(service.dirs.archive_dir.glob("*.json"))
    assert len(files) == 1
    await _sync(service)
    await _sync(service)
    assert sorted(service.dirs.archive_dir.glob("*.json")) == files
    cleanups = [
        j for j in await asyncio.to_thread(service.queue.history_for, "deal", key) if "cleanup" in j.kind
    ]
    assert len(cleanups) == 1
    # Something about it changes (a person edits the other deal): it is tried once more.
    portal.store.update("deal", other, {"TITLE": "typed by hand, edited"})
    snap = await service.snapshot()
    assert any(j.kind == "deal.cleanup" and j.entity_key == key for j in snap.plan.jobs)
    await _sync(service)
    assert len(sorted(service.dirs.archive_dir.glob("*.json"))) == 2  # the changed record, archived once
    snap = await service.snapshot()
    assert next(s for s in snap.orders if s.key == key).hold


async def test_merge_whose_answer_was_lost_is_settled_by_looking_the_records_up(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    key, deal_id = next(iter(shop.deal_ids().items()))
    # A second deal just like the first (two racing creates): the portal merges them without conflict.
    twin = portal.store.add("deal", {k: v for k, v in portal.store.get("deal", deal_id).items() if k != "ID"})
    merge = service.client.merge

    async def merge_with_lost_answer(entity: str, ids: list[int]) -> object:
        portal.set_faults("lost=1")  # the merge goes through; its answer never arrives
        try:
            return await merge(entity, ids)  # type: ignore[arg-type]
        finally:
            portal.set_faults("")

    service.client.merge = merge_with_lost_answer  # type: ignore[method-assign,assignment]
    await _sync(service)
    assert portal.stats.faults_fired.get("lost") == 1
    assert portal.store.get("deal", twin) is None and portal.store.get("deal", deal_id) is not None
    job = next(
        j for j in await asyncio.to_thread(service.queue.history_for, "deal", key) if "cleanup" in j.kind
    )
    assert job.state == "done" and job.result is not None and job.result["removed"] == [twin]
    assert (await service.queue_summary()).dead == 0
    assert (await service.snapshot()).order_counts.in_sync == shop.orders


async def test_deal_made_before_origin_ids_is_found_by_title_and_adopted(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    key = next(iter(shop.deal_ids()))
    order = service.shop.get_orders([key])[key]
    legacy = portal.store.add("deal", {"TITLE": order.title, "OPPORTUNITY": "1.00"})  # no origin id
    snap = await service.snapshot()
    status = next(s for s in snap.orders if s.key == key)
    assert status.state is RecordState.UNLINKED
    assert status.relink_to == legacy
    assert "made before origin ids" in str(status.note)
    assert any(j.kind == "deal.relink" and j.entity_key == key for j in snap.plan.jobs)
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    assert shop.deal_ids()[key] == legacy
    adopted = portal.store.get("deal", legacy)
    assert adopted["ORIGIN_ID"] == key
    assert adopted["ORIGINATOR_ID"] == ORIGINATOR
    assert_exactly_one_each(portal, shop)
    after = await service.snapshot()
    assert after.order_counts.in_sync == shop.orders


async def test_old_deal_with_the_same_title_is_a_duplicate_by_title_pattern(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    key, deal_id = next(iter(shop.deal_ids().items()))
    fields = {k: v for k, v in portal.store.get("deal", deal_id).items() if k != "ID"}
    old = portal.store.add("deal", {**fields, "ORIGINATOR_ID": None, "ORIGIN_ID": None})
    # Made after the shop's first reconcile searched by title: found when a person asks for the search again.
    assert next(s for s in (await service.snapshot()).orders if s.key == key).state is RecordState.IN_SYNC
    await service.find_legacy_again()
    snap = await service.snapshot()
    status = next(s for s in snap.orders if s.key == key)
    assert status.state is RecordState.DUPLICATED
    evidence = status.duplicates[0]
    assert evidence.matched_by == "title pattern"
    assert set(evidence.ids) == {deal_id, old}
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    assert portal.store.get("deal", old) is None  # merged into the deal the shop references
    assert shop.deal_ids()[key] == deal_id
    assert (await service.snapshot()).order_counts.in_sync == shop.orders


async def test_kept_legacy_links_get_our_origin_ids_and_are_found_by_them_again(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    order_key, deal_id = next(iter(shop.deal_ids().items()))
    user_key, contact_id = next(iter(shop.contact_ids().items()))
    assert deal_id is not None and contact_id is not None
    # As the old backend left them: linked by the shop, but no origin ids on the records.
    portal.store.update("deal", deal_id, {"ORIGINATOR_ID": "", "ORIGIN_ID": ""})
    portal.store.update("contact", contact_id, {"ORIGINATOR_ID": "", "ORIGIN_ID": ""})
    snap = await service.snapshot()
    deal_status = next(s for s in snap.orders if s.key == order_key)
    contact_status = next(s for s in snap.users if s.key == user_key)
    for status, key in ((deal_status, order_key), (contact_status, user_key)):
        assert status.state is RecordState.OUTDATED
        stamps = {("ORIGINATOR_ID", ORIGINATOR), ("ORIGIN_ID", key)}
        assert {(d.field, d.shop) for d in status.diffs} >= stamps
    await service.apply(snap.plan)
    stats = await service.run_queue(max_wait=60)
    assert stats.stamped == 2
    for entity, rid, key in (("deal", deal_id, order_key), ("contact", contact_id, user_key)):
        rec = portal.store.get(entity, rid)
        assert (rec["ORIGINATOR_ID"], rec["ORIGIN_ID"]) == (ORIGINATOR, key)
    # The exactly-once lookup finds them again: with the shop's id gone, the deal is adopted, not re-made.
    before = portal.store.count("deal")
    shop.execute("UPDATE orders SET bitrix_deal_id = NULL WHERE order_id = :k", k=int(order_key))
    snap = await service.snapshot()
    status = next(s for s in snap.orders if s.key == order_key)
    assert status.state is RecordState.UNLINKED and status.portal_id == deal_id
    await _sync(service)
    assert shop.deal_ids()[order_key] == deal_id and portal.store.count("deal") == before
    assert (await service.snapshot()).order_counts.in_sync == shop.orders


async def test_stored_record_of_another_integration_is_never_stamped_or_updated(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    order_key, deal_id = next(iter(shop.deal_ids().items()))
    assert deal_id is not None
    portal.store.update(
        "deal", deal_id, {"ORIGINATOR_ID": "other-app", "ORIGIN_ID": "x-1", "TITLE": "theirs"}
    )
    snap = await service.snapshot()
    status = next(s for s in snap.orders if s.key == order_key)
    assert "another integration" in str(status.note) and status.hold
    assert not any(j.entity_key == order_key for j in snap.plan.jobs if j.kind.startswith("deal."))
    await service.apply(snap.plan)
    await service.run_queue(max_wait=30)
    # Even an update asked for explicitly (the change watcher, a person) leaves it alone.
    await asyncio.to_thread(service.queue.enqueue, "deal.update", order_key, created_by="test")
    await service.run_queue(max_wait=30)
    rec = portal.store.get("deal", deal_id)
    assert (rec["ORIGINATOR_ID"], rec["ORIGIN_ID"], rec["TITLE"]) == ("other-app", "x-1", "theirs")
    job = (await asyncio.to_thread(service.queue.history_for, "deal", order_key))[0]
    assert job.state == "dead" and job.error is not None and job.error.error_class == "ForeignRecord"


async def _archive_one_duplicate(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> tuple[str, int, Path]:
    """A synced shop, one order with a second deal carrying its origin id, cleaned up (archived, deleted)."""
    await _sync(service)
    key = next(iter(shop.deal_ids()))
    extra = portal.store.add(
        "deal", {"TITLE": "typed by hand", "ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": key}
    )
    await _sync(service)
    assert portal.store.get("deal", extra) is None
    (path,) = [a.path for a in Archive(service.dirs.archive_dir).list() if a.portal_id == extra]
    return key, extra, path


@pytest.fixture
async def archiving(shop: Shop, portal: PortalEmulator, data_dirs: DataDirs) -> AsyncIterator[MonitorService]:
    """The service with ``cleanup_policy = "archive"``, closed after the test."""
    cfg = replace(CFG, sync=replace(CFG.sync, cleanup_policy="archive"))
    service = await _service(shop, portal, data_dirs, cfg)
    yield service
    await service.aclose()


async def test_restore_whose_answer_was_lost_is_found_by_its_marker_not_made_twice(
    shop: Shop, portal: PortalEmulator, archiving: MonitorService
) -> None:
    service = archiving
    key, _, path = await _archive_one_duplicate(shop, portal, service)
    survivor = shop.deal_ids()[key]
    add = service.client.add

    async def add_with_lost_answer(entity: str, fields: dict[str, object]) -> int:
        portal.set_faults("lost=1")  # the portal creates the deal; the answer never arrives
        try:
            return await add(entity, fields)  # type: ignore[arg-type]
        finally:
            portal.set_faults("")

    service.client.add = add_with_lost_answer  # type: ignore[method-assign,assignment]
    before = portal.store.count("deal")
    first = await service.restore_archived(path)
    service.client.add = add  # type: ignore[method-assign]
    assert portal.stats.faults_fired.get("lost") == 1
    assert portal.store.count("deal") == before + 1 and first.new_id is not None
    # What it says is what happened: the shop keeps the survivor.
    assert not first.repointed and shop.deal_ids()[key] == survivor
    assert f"keeps deal {survivor}, which exists" in str(first.message) and "now points" not in str(
        first.message
    )
    second = await service.restore_archived(path)
    assert second.already and second.new_id == first.new_id
    assert f"restored already, as deal {first.new_id}" in str(second.message)
    assert f"keeps deal {survivor}" in str(second.message)
    assert portal.store.count("deal") == before + 1
    # The next sync leaves the restored deal alone: no cleanup merges it away again.
    await _sync(service)
    assert portal.store.get("deal", first.new_id) is not None
    assert (await service.snapshot()).order_counts.in_sync == shop.orders


async def test_restore_repoints_a_shop_that_stored_the_archived_record_and_says_so(
    shop: Shop, portal: PortalEmulator, archiving: MonitorService
) -> None:
    service = archiving
    key, extra, path = await _archive_one_duplicate(shop, portal, service)
    survivor = shop.deal_ids()[key]
    # The survivor is deleted by hand and the shop still stores the archived (deleted) deal's id.
    portal.store.delete("deal", survivor)
    shop.execute("UPDATE orders SET bitrix_deal_id = :d WHERE order_id = :k", d=extra, k=int(key))
    outcome = await service.restore_archived(path)
    assert outcome.repointed and shop.deal_ids()[key] == outcome.new_id
    assert f"now points at it (it stored the archived deal {extra})" in str(outcome.message)
    assert portal.store.get("deal", outcome.new_id)["ORIGIN_ID"] == key  # the shop's record: ours
    await _sync(service)
    assert shop.deal_ids()[key] == outcome.new_id
    assert_exactly_one_each(portal, shop)


async def test_restored_contact_beside_the_shops_contact_is_not_merged_away_again(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    cid = next(v for v in shop.contact_ids().values() if v)
    twin = portal.store.add(
        "contact", {k: v for k, v in portal.store.get("contact", cid).items() if k != "ID"}
    )
    await _sync(service)
    assert portal.store.get("contact", twin) is None
    (path,) = [a.path for a in Archive(service.dirs.archive_dir).list() if a.portal_id == twin]
    outcome = await service.restore_archived(path)
    assert outcome.new_id is not None and not outcome.repointed
    assert f"keeps contact {cid}, which exists" in str(outcome.message)
    # It shares the user's e-mail, but a person asked for it: no duplicate, no cleanup, no orphan.
    snap = await service.snapshot()
    assert snap.user_counts.in_sync == shop.users and snap.user_counts.orphans == 0
    assert not snap.plan.jobs
    await _sync(service)
    assert portal.store.get("contact", outcome.new_id) is not None


class _Crash(BaseException):
    """The process dies here (nothing after this line of the runner happens)."""


def _crash(*_args: object, **_kwargs: object) -> None:
    raise _Crash


@pytest.mark.parametrize("where", ["before_the_shop_stores_the_ids", "before_the_jobs_complete"])
async def test_a_crash_between_the_portals_answer_and_a_groups_write_back_never_duplicates(
    where: str, shop: Shop, portal: PortalEmulator, data_dirs: DataDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group's ids go to the shop in one transaction and its jobs complete in another: a crash before
    either leaves the jobs "sending", and the restart settles them by the lookup by origin id (or finds
    the ids stored) instead of creating anything again."""
    first = await _service(shop, portal, data_dirs)
    try:
        snap = await first.snapshot()
        await first.apply(snap.plan)
        if where == "before_the_shop_stores_the_ids":
            monkeypatch.setattr(first.shop, "set_ids", _crash)
        else:
            monkeypatch.setattr(first.queue, "complete_many", _crash)
        with pytest.raises(_Crash):
            await first.run_queue(max_wait=30)
    finally:
        await first.aclose()
    made = portal.store.count("deal") + portal.store.count("contact")
    stored = [i for i in [*shop.deal_ids().values(), *shop.contact_ids().values()] if i]
    assert made > 0  # the portal made the group's records before the crash
    assert len(stored) == (0 if where == "before_the_shop_stores_the_ids" else made)
    restarted = await _service(shop, portal, data_dirs)
    restarted.owner = "restarted"  # a new process
    try:
        await _sync(restarted)
        assert (
            restarted.last_stats is not None
            and restarted.last_stats.created == shop.orders + shop.users - made
        )
        counts = await asyncio.to_thread(restarted.queue.counts)
        assert counts.active == counts.dead == 0
    finally:
        await restarted.aclose()
    assert_exactly_one_each(portal, shop)
    assert portal.store.count("deal") == shop.orders and portal.store.count("contact") == shop.users
