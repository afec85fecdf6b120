"""Never touch what is not ours: other integrations' records (also ones whose originator differs from ours
only in case, which the portal's filters do not tell apart), deals another order stores (title clashes),
and ids two shop records store (shared links), on every shop engine."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from bitrix_monitor.bitrix import OutcomeUnknown
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import Snapshot
from bitrix_monitor.sync.archive import Archive
from bitrix_monitor.sync.model import RecordState, RecordStatus
from bitrix_monitor.sync.report import Report
from bitrix_monitor.sync.service import MonitorService
from tests.sync.conftest import CFG, ORIGINATOR, Shop, assert_exactly_one_each

ARCHIVE_CFG = replace(CFG, sync=replace(CFG.sync, cleanup_policy="archive"))

# Originators the portal's collation treats as ours: case, accents, a trailing space.
LOOKALIKES = ("TEST-SHOP", "Test-shop", "test-shöp", "test-shop ")


async def _sync(service: MonitorService) -> Snapshot:
    """One plan applied and run, then a fresh snapshot."""
    snap = await service.snapshot()
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    return await service.snapshot()


def _by_key(statuses: list[RecordStatus]) -> dict[str, RecordStatus]:
    return {s.key: s for s in statuses}


def _fields(portal: PortalEmulator, entity: str, ident: int) -> dict[str, Any]:
    record = portal.store.get(entity, ident)
    assert record is not None, f"{entity} {ident} is gone"
    return {
        k: record.get(k) for k in ("TITLE", "NAME", "OPPORTUNITY", "ORIGINATOR_ID", "ORIGIN_ID", "CONTACT_ID")
    }


# --------------------------------------------------------------------------- point 1: other integrations


async def test_deal_of_another_integration_with_our_origin_id_is_never_adopted(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    keys = list(shop.deal_ids())[: len(LOOKALIKES)]
    foreign = {
        key: portal.store.add(
            "deal",
            {"TITLE": f"their deal {n}", "OPPORTUNITY": "1.00", "ORIGINATOR_ID": o, "ORIGIN_ID": key},
        )
        for n, (key, o) in enumerate(zip(keys, LOOKALIKES, strict=True))
    }
    before = {i: _fields(portal, "deal", i) for i in foreign.values()}
    snap = await service.snapshot()
    for key in keys:
        assert _by_key(snap.orders)[key].state is RecordState.MISSING  # not "unlinked" to their deal
    after = await _sync(service)
    ids = shop.deal_ids()
    for key, theirs in foreign.items():
        assert ids[key] != theirs
        assert _fields(portal, "deal", ids[key] or 0)["ORIGINATOR_ID"] == ORIGINATOR
    assert {i: _fields(portal, "deal", i) for i in foreign.values()} == before  # nothing overwritten
    assert_exactly_one_each(portal, shop)
    assert after.order_counts.in_sync == shop.orders


async def test_settling_an_unknown_create_never_adopts_another_integrations_deal(
    shop: Shop, portal: PortalEmulator, service: MonitorService, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = next(iter(shop.deal_ids()))
    theirs = portal.store.add(
        "deal", {"TITLE": "theirs", "ORIGINATOR_ID": ORIGINATOR.upper(), "ORIGIN_ID": key}
    )

    async def lost(entity: str, items: list[object]) -> list[OutcomeUnknown]:
        """Every create's answer is lost, and the portal made nothing."""
        return [OutcomeUnknown("the answer was lost", method=f"crm.{entity}.add") for _ in items]

    monkeypatch.setattr(service.client, "add_many", lost)
    await asyncio.to_thread(service.queue.enqueue, "deal.create", key, created_by="test")
    await service.run_queue(max_wait=0)
    job = (await asyncio.to_thread(service.queue.history_for, "deal", key))[0]
    assert job.state == "in_doubt"  # the look-up found nothing of ours: it waits, it adopts nothing
    assert shop.deal_ids()[key] is None
    assert portal.store.get("deal", theirs)["TITLE"] == "theirs"


BOTH_POLICIES = pytest.mark.parametrize(
    "service", [CFG, ARCHIVE_CFG], ids=["manual", "archive"], indirect=True
)


@BOTH_POLICIES
async def test_cleanup_never_merges_or_deletes_another_integrations_deal(
    shop: Shop, portal: PortalEmulator, service: MonitorService, data_dirs: DataDirs
) -> None:
    await _sync(service)
    key, ours = next(iter(shop.deal_ids().items()))
    assert ours is not None
    # A real duplicate of ours (to be cleaned up) and a look-alike of another integration's.
    dup = portal.store.add("deal", {"TITLE": "made twice", "ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": key})
    theirs = portal.store.add(
        "deal", {"TITLE": "theirs", "ORIGINATOR_ID": ORIGINATOR.upper(), "ORIGIN_ID": key}
    )
    before = _fields(portal, "deal", theirs)
    snap = await service.snapshot()
    status = _by_key(snap.orders)[key]
    assert status.state is RecordState.DUPLICATED
    assert {i for d in status.duplicates for i in d.ids} == {ours, dup}
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    assert _fields(portal, "deal", theirs) == before
    assert theirs not in {a.portal_id for a in Archive(data_dirs.archive_dir).list()}
    if service.cfg.sync.cleanup_policy == "archive":
        assert portal.store.get("deal", dup) is None
        assert shop.deal_ids()[key] == ours


@BOTH_POLICIES
async def test_contact_of_another_integration_sharing_an_email_is_reported_not_merged(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    users = service.shop.get_users([k for k in shop.contact_ids()])
    with_email = [u for u in users.values() if u.email][:3]
    u_other, u_case, u_legacy = with_email

    def contact(name: str, email: str | None, originator: str | None) -> int:
        email_field = [{"VALUE": email, "VALUE_TYPE": "WORK"}]
        return portal.store.add("contact", {"NAME": name, "ORIGINATOR_ID": originator, "EMAIL": email_field})

    other = contact("CRM import", u_other.email, "crm-import")
    case = contact("Look-alike", u_case.email, ORIGINATOR.upper())
    legacy = contact("Typed by hand", u_legacy.email, None)
    before = {i: _fields(portal, "contact", i) for i in (other, case)}
    snap = await service.snapshot()
    statuses = _by_key(snap.users)
    for user, theirs in ((u_other, other), (u_case, case)):
        status = statuses[user.key]
        assert status.state is RecordState.IN_SYNC, status
        (evidence,) = status.duplicates
        assert evidence.matched_by == "shared with another integration"
        assert evidence.ids == (theirs,) and not evidence.cleanable
        assert user.email in str(evidence.value)
        assert "another integration" in str(status.note)
    assert statuses[u_legacy.key].state is RecordState.DUPLICATED  # made before origin ids: ours to clean
    assert not any(
        j.kind.startswith("contact.") and j.entity_key in (u_other.key, u_case.key) for j in snap.plan.jobs
    )
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    assert {i: _fields(portal, "contact", i) for i in (other, case)} == before
    assert portal.store.get("contact", legacy) is None or service.cfg.sync.cleanup_policy == "manual"


# --------------------------------------------------------------------------- point 3: title clashes


def _old_deal_titled_like_the_first_order(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> tuple[str, str, int]:
    """Orders "5" and "9" and a deal the old backend made for order 5 (its title, no origin id)."""
    k5, k9 = list(shop.deal_ids())[:2]
    order5 = service.shop.get_orders([k5])[k5]
    return k5, k9, portal.store.add("deal", {"TITLE": order5.title, "OPPORTUNITY": "3.00"})


async def test_title_match_stored_by_another_order_is_not_relinked_and_is_reported(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    # The old backend's deal titled like order 5, which the shop links to order 9.
    k5, k9, old = _old_deal_titled_like_the_first_order(shop, portal, service)
    shop.execute("UPDATE orders SET bitrix_deal_id = :d WHERE order_id = :k", d=old, k=int(k9))
    snap = await service.snapshot()
    s5 = _by_key(snap.orders)[k5]
    assert s5.relink_to is None
    assert s5.state is RecordState.MISSING
    clash = next(d for d in s5.duplicates if d.matched_by == "title pattern")
    assert clash.ids == (old,) and not clash.cleanable and k9 in str(clash.value)
    assert f"order {k9} stores it" in str(s5.note)
    assert not any(j.kind == "deal.relink" for j in snap.plan.jobs)
    after = await _sync(service)
    ids = shop.deal_ids()
    assert ids[k9] == old and ids[k5] not in (None, old)
    titles = [_fields(portal, "deal", old)["TITLE"]]
    assert after.order_counts.in_sync == shop.orders
    # No flip-flop between runs: the deal keeps order 9's title and amount.
    for _ in range(2):
        await _sync(service)
        titles.append(_fields(portal, "deal", old)["TITLE"])
    assert titles == [service.shop.get_orders([k9])[k9].title] * 3
    assert shop.deal_ids() == ids


async def test_relink_rechecks_at_run_time_and_leaves_a_deal_another_order_took(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    k5, k9, old = _old_deal_titled_like_the_first_order(shop, portal, service)
    snap = await service.snapshot()
    assert _by_key(snap.orders)[k5].relink_to == old  # free when planned
    shop.execute("UPDATE orders SET bitrix_deal_id = :d WHERE order_id = :k", d=old, k=int(k9))
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    ids = shop.deal_ids()
    assert ids[k9] == old and ids[k5] not in (None, old)
    assert _fields(portal, "deal", old)["ORIGIN_ID"] in (None, k9)  # never stamped as order 5's


# --------------------------------------------------------------------------- point 9: shared links


async def test_two_orders_storing_one_deal_are_a_shared_link_the_rule_resolves(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    (kp, dp), (kq, dq) = list(shop.deal_ids().items())[:2]
    (up, cp), (uq, cq) = list(shop.contact_ids().items())[:2]
    assert dp and dq and cp and cq
    # Written as the shop's own code writes (updated_at moves), so the service's next, incremental, pass
    # reads the rows again; an id changed behind updated_at's back waits for a full pass (README).
    now = datetime.now()
    shop.execute(
        "UPDATE orders SET bitrix_deal_id = :d, updated_at = :t WHERE order_id = :k", d=dp, t=now, k=int(kq)
    )
    shop.execute(
        "UPDATE users SET bitrix_contact_id = :c, updated_at = :t WHERE id = :k", c=cp, t=now, k=int(uq)
    )
    deal_before, contact_before = _fields(portal, "deal", dp), _fields(portal, "contact", cp)

    snap = await service.snapshot()
    assert snap.pass_kind == "incremental"
    orders, users = _by_key(snap.orders), _by_key(snap.users)
    for keeper, other, stored in ((orders[kp], orders[kq], dp), (users[up], users[uq], cp)):
        assert keeper.state is other.state is RecordState.SHARED_LINK
        assert keeper.shared_with == (other.key,) and other.shared_with == (keeper.key,)
        assert keeper.release_id is None and other.release_id == stored
        assert "keeps it (its origin id matches)" in str(keeper.note)
        assert any(d.matched_by == "shared link" and not d.cleanable for d in other.duplicates)
        assert f"'{keeper.key}'" in str(other.note)  # the portal record's origin id is shown
    assert "deal" in str(orders[kq].note) and repr(deal_before["TITLE"]) in str(orders[kq].note)
    assert (snap.order_counts.shared_link, snap.user_counts.shared_link) == (2, 2)
    report = Report.of(snap, await service.queue_summary())
    assert report.to_dict()["orders"]["shared_link"] == 2 and not report.ok
    assert "sharing a deal with another record" in report.to_text()
    planned = {(j.kind, j.entity_key): j for j in snap.plan.jobs}
    assert planned[("deal.create", kq)].payload == {"release_id": dp}
    assert planned[("contact.create", uq)].payload == {"release_id": cp}
    assert not {("deal.update", kp), ("deal.cleanup", kp), ("deal.cleanup", kq)} & set(planned)

    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    assert (shop.deal_ids()[kp], shop.deal_ids()[kq]) == (dp, dq)  # each its own again
    assert (shop.contact_ids()[up], shop.contact_ids()[uq]) == (cp, cq)
    assert _fields(portal, "deal", dp) == deal_before  # nothing written while it was shared
    assert _fields(portal, "contact", cp) == contact_before
    after = await service.snapshot()
    assert (after.order_counts.shared_link, after.user_counts.shared_link) == (0, 0)
    assert after.order_counts.in_sync == shop.orders and after.user_counts.in_sync == shop.users
    assert_exactly_one_each(portal, shop)


async def test_a_shared_deal_no_order_clearly_owns_waits_for_a_person(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    kp, kq = list(shop.deal_ids())[:2]
    hand = portal.store.add("deal", {"TITLE": "typed by hand", "OPPORTUNITY": "9.00"})
    theirs = portal.store.add(
        "deal", {"TITLE": "theirs", "ORIGINATOR_ID": ORIGINATOR.upper(), "ORIGIN_ID": kq}
    )
    kr = list(shop.deal_ids())[2]
    for key, deal in ((kp, hand), (kq, hand), (kr, theirs)):
        shop.execute("UPDATE orders SET bitrix_deal_id = :d WHERE order_id = :k", d=deal, k=int(key))
    before = {i: _fields(portal, "deal", i) for i in (hand, theirs)}
    snap = await service.snapshot()
    orders = _by_key(snap.orders)
    for key in (kp, kq, kr):
        assert orders[key].state is RecordState.SHARED_LINK and orders[key].release_id is None
        assert "for a person" in str(orders[key].note)
    assert any(d.matched_by == "another integration" for d in orders[kr].duplicates)
    assert not any(j.kind.startswith("deal.") and j.entity_key in (kp, kq, kr) for j in snap.plan.jobs)
    # Even an update asked for by hand is refused while the link is shared.
    for key in (kp, kr):
        await asyncio.to_thread(service.queue.enqueue, "deal.update", key, created_by="test")
    after = await _sync(service)
    assert {i: _fields(portal, "deal", i) for i in (hand, theirs)} == before
    assert (shop.deal_ids()[kp], shop.deal_ids()[kq], shop.deal_ids()[kr]) == (hand, hand, theirs)
    assert after.order_counts.shared_link == 3
    for key, why in ((kp, "SharedLink"), (kr, "ForeignRecord")):
        job = (await asyncio.to_thread(service.queue.history_for, "deal", key))[0]
        assert job.kind == "deal.update" and job.state == "dead"
        assert job.error is not None and job.error.error_class == why


async def test_one_sync_from_the_command_line_resolves_a_shared_link_and_says_ok(
    shop: Shop, portal: PortalEmulator, service: MonitorService, cli_factory: Any
) -> None:
    await _sync(service)
    (kp, dp), (kq, dq) = list(shop.deal_ids().items())[:2]
    shop.execute("UPDATE orders SET bitrix_deal_id = :d WHERE order_id = :k", d=dp, k=int(kq))
    title = _fields(portal, "deal", dp)["TITLE"]
    cli = cli_factory(shop, portal)
    dry = cli.run("--sync", "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert f"deal.create {kq}: let go of deal {dp}" in dry.stdout
    assert "sharing a deal with another record:" in dry.stdout
    result = cli.run("--sync", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["ok"] is True and report["orders"]["shared_link"] == 0
    assert (shop.deal_ids()[kp], shop.deal_ids()[kq]) == (dp, dq)
    assert _fields(portal, "deal", dp)["TITLE"] == title


def test_owner_of_is_carries_origin_written_out() -> None:
    """The rule over every shape a portal field arrives in: missing, null, "", another type, another
    case, a restore marker; equal to the rule written with :func:`carries_origin`."""
    import itertools

    from bitrix_monitor.bitrix import carries_origin
    from bitrix_monitor.compact import portal_record
    from bitrix_monitor.sync.ownership import RESTORED_PREFIX, Owner, owner_of

    def by_the_rule(record: dict[str, Any], originator: str, key: str | None) -> Owner:
        stamped = record.get("ORIGINATOR_ID")
        if stamped is None or stamped == "":
            return Owner.LEGACY
        if not carries_origin(record, originator):
            return Owner.FOREIGN
        origin = record.get("ORIGIN_ID")
        if isinstance(origin, str) and origin.startswith(RESTORED_PREFIX):
            return Owner.RESTORED
        return Owner.OURS if carries_origin(record, originator, key) else Owner.OURS_OTHER_KEY

    absent = object()
    stamps = [absent, None, "", "shop", "SHOP", "shop ", 7, False]
    origins = [absent, None, "", "12", "13", "restored:12", 12, " 12"]
    for stamped, origin, key in itertools.product(stamps, origins, [None, "12", "restored:12"]):
        record = {n: v for n, v in (("ORIGINATOR_ID", stamped), ("ORIGIN_ID", origin)) if v is not absent}
        want = by_the_rule(record, "shop", key)
        assert owner_of(record, "shop", key) is want, (record, key)
        assert owner_of(portal_record(record), "shop", key) is want, (record, key)
