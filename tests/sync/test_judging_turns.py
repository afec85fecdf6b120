"""A full pass judges its records a part at a time and lets the event loop run between the parts: the window
runs the pass in its own loop, and judging a million records takes seconds (issue 17: the window stays
quick). What it finds is what judging every record at once finds; a pass cancelled while it judges stops at
the next part and leaves nothing half made behind."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bitrix_monitor.bitrix import BitrixClient
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.sync import reconcile
from bitrix_monitor.sync.api import Snapshot
from bitrix_monitor.sync.model import Progress
from bitrix_monitor.sync.reconcile import Reconciler
from tests.sync.conftest import ORIGINATOR, link_in_portal, make_shop

pytestmark = pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)

ORDERS, USERS, PART = 1200, 300, 100


def _found(snap: Snapshot) -> Any:
    records = {
        kind: sorted((s.key, s.state, s.stored_id, s.portal_id, s.diffs, s.label) for s in statuses)
        for kind, statuses in snap.records.items()
    }
    return records, snap.counts, sorted((j.kind, j.entity_key) for j in snap.plan.jobs), snap.orphans


async def test_the_records_are_judged_a_part_at_a_time_with_the_loop_running_between(
    shop_url: str, portal: PortalEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = make_shop(shop_url, orders=ORDERS, users=USERS)
    link_in_portal(shop.url, portal)
    db = shop.connect()
    # Some records not in sync, so that the parts judge every rule, not only the usual state's.
    for deal_id in [o.deal_id for page in db.iter_orders() for o in page][:40:3]:
        assert portal.store.update("deal", deal_id, {"TITLE": "changed in the CRM"})
    stage = ["start"]
    comparing: list[int] = []
    ticks_comparing = [0]

    def progress(p: Progress) -> None:
        stage[0] = p.stage
        if p.stage == "comparing":
            comparing.append(p.done)

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0)
            if stage[0] == "comparing":
                ticks_comparing[0] += 1

    try:
        async with BitrixClient(portal.webhook_url, plan=None) as client:
            monkeypatch.setattr(reconcile, "JUDGE_PART", PART)
            ticking = asyncio.ensure_future(ticker())
            try:
                parts = await Reconciler(db, client, originator=ORIGINATOR).run(progress)
            finally:
                ticking.cancel()
            monkeypatch.setattr(reconcile, "JUDGE_PART", 10**9)
            whole = await Reconciler(db, client, originator=ORIGINATOR).run()
    finally:
        db.close()
    total = ORDERS + USERS
    # 0, then each part's records added: the orders' parts, then the users'
    assert comparing == [0, *range(PART, ORDERS + 1, PART), *range(ORDERS + PART, total + 1, PART)]
    assert ticks_comparing[0] >= total // PART - 1  # the loop ran between the parts
    assert parts.order_counts.outdated == len(range(0, 40, 3)) and parts.user_counts.in_sync == USERS
    assert _found(parts) == _found(whole)


async def test_a_pass_cancelled_while_it_judges_stops_at_the_next_part(
    shop_url: str, portal: PortalEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = make_shop(shop_url, orders=ORDERS, users=USERS)
    link_in_portal(shop.url, portal)
    db: ShopDatabase = shop.connect()
    monkeypatch.setattr(reconcile, "JUDGE_PART", PART)
    judged: list[int] = []
    started = asyncio.Event()

    def progress(p: Progress) -> None:
        if p.stage == "comparing":
            judged.append(p.done)
            if p.done >= 2 * PART:
                started.set()

    try:
        async with BitrixClient(portal.webhook_url, plan=None) as client:
            reconciler = Reconciler(db, client, originator=ORIGINATOR)
            task = asyncio.ensure_future(reconciler.run(progress))
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    finally:
        db.close()
    assert max(judged) < ORDERS + USERS  # stopped before the last part
    assert max(judged) <= 3 * PART  # at the next part, not after every record was judged
    assert getattr(reconciler, "mirror", None) is None  # nothing half judged kept for the next pass


async def test_the_last_synced_moments_are_keyed_by_the_rows_texts_a_part_at_a_time(
    shop_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the portal is read, a full pass keys the desk's last-synced moments by the shop rows' own key
    texts (one text a record, not two), ``SHARE_PART`` entries between two turns of the loop (a second at a
    million). Entries no row has are kept as they were."""
    from datetime import UTC, datetime

    from bitrix_monitor.shop import OrderRow
    from bitrix_monitor.shop.rows import NO_EXTRA

    monkeypatch.setattr(reconcile, "SHARE_PART", 10)

    class NoShop:
        mapped_kinds = ("order",)

        @staticmethod
        def extra_fields(kind: str) -> dict[str, str]:
            return {}

    at = datetime(2026, 12, 3, tzinfo=UTC)
    rows = {
        str(n): OrderRow.made(str(n), None, n + 1, f"Order #{n}", 100, "RUB", None, at, {}, "", NO_EXTRA)
        for n in range(95)
    }
    table = {str(n): at for n in [*range(95), 500, 501]}  # equal texts, other objects (but "0"-"9")
    times = {"order": table}
    reconciler = Reconciler(NoShop(), None, originator=ORIGINATOR, last_synced=times)  # type: ignore[arg-type]
    turns = [0]

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0)
            turns[0] += 1

    ticking = asyncio.ensure_future(ticker())
    try:
        await reconciler._share_keys({"order": rows})
    finally:
        ticking.cancel()
    shared = times["order"]
    assert shared is not table and shared == table
    assert all(k is rows[k].key for k in shared if k in rows) and {"500", "501"} <= shared.keys()
    assert turns[0] >= 9  # ten parts of ten, the loop run after each
