"""What a full reconcile costs the portal, pinned for a shop of a given size: the first request carries the
clock and every list's probe and top id, then each list chains exactly the pages its probe's total counts,
50 pages a request (issue 17: requests ÷ ⌈records / 2,500⌉ ≤ 1.05 on a large shop)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.bitrix import BitrixClient
from bitrix_monitor.config import ShopConfig
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.reconcile import Reconciler
from tests.sync.conftest import ORIGINATOR, make_shop

pytestmark = pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)


def _link_in_portal(url: str, portal: PortalEmulator) -> None:
    """Every user a contact and every order a deal of ours, their ids stored in the shop: a shop in sync."""
    shop = ShopDatabase.connect(url, ShopConfig(url=url))
    contact_of: dict[str, int] = {}
    users, orders = [], []
    for page in shop.iter_users():
        for u in page:
            contact_of[u.key] = portal.store.add("contact", F.contact_fields(u, originator=ORIGINATOR))
            users.append({"k": int(u.key), "v": contact_of[u.key]})
    for page in shop.iter_orders():
        for o in page:
            fields = F.deal_fields(o, originator=ORIGINATOR, contact_id=contact_of.get(o.user_key or ""))
            orders.append({"k": int(o.key), "v": portal.store.add("deal", fields)})
    shop.close()
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(sa.text("UPDATE users SET bitrix_contact_id = :v WHERE id = :k"), users)
        c.execute(sa.text("UPDATE orders SET bitrix_deal_id = :v WHERE order_id = :k"), orders)
    engine.dispose()


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
    _link_in_portal(shop.url, portal)
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
