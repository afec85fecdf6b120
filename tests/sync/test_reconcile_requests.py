"""What a full reconcile costs the portal, pinned for a shop of a given size: the first request carries the
clock and every list's probe and top id, then each list chains exactly the pages its probe's total counts,
50 pages a request (issue 17: requests ÷ ⌈records / 2,500⌉ ≤ 1.05 on a large shop)."""

from __future__ import annotations

from typing import Any

import pytest

from bitrix_monitor.bitrix import BitrixClient
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.sync.reconcile import Reconciler
from tests.sync.conftest import ORIGINATOR, link_in_portal, make_shop

pytestmark = pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize(
    ("orders", "users", "requests"),
    [
        # The first request (clock, probes, top ids), then 59 deal pages (2 requests), 11 contact pages (1).
        (3000, 600, 4),
        # 419 deal pages left: four segments read side by side, split by the top id the first request
        # brought; their probes take a request, their chains of 50 two each, and their four short last
        # chains (about 4 pages each) one together; the 11 contact pages 1.
        (21_000, 600, 12),
    ],
)
async def test_a_full_reconcile_costs_a_known_number_of_requests(
    shop_url: str,
    portal: PortalEmulator,
    orders: int,
    users: int,
    requests: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shop = make_shop(shop_url, orders=orders, users=users)
    link_in_portal(shop.url, portal)
    shortcut = Reconciler._ours_alone
    taken: list[bool] = []

    def counted(self: Reconciler, *args: Any) -> Any:
        found = shortcut(self, *args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(Reconciler, "_ours_alone", counted)
    db = shop.connect()
    try:
        async with BitrixClient(portal.webhook_url, plan=None) as client:
            before = portal.stats.snapshot()["http_requests"]
            snap = await Reconciler(db, client, originator=ORIGINATOR).run()
            used = portal.stats.snapshot()["http_requests"] - before
    finally:
        db.close()
    assert (snap.order_counts.in_sync, snap.user_counts.in_sync) == (orders, users)
    assert used == requests
    # A shop in sync: every order and user judged by the shortcut (and, by the sync tests' fixture, by every
    # rule too, to the same state).
    assert taken.count(True) == orders + users
