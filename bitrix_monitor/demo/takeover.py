"""A shop and a portal as the old shop backend left them, for the take-over test and benchmarks.

The old worker (its queue, two instances, lost answers, its substring-matching cleanup) filled a portal
before origin ids existed. :func:`seed_takeover` rebuilds that state on a fresh demo shop and an emulator's
store, deterministically for a seed:

- every deal lives in pipeline 1 (the shop's own pipeline; made here), created with the shop's raw status
  and ``CATEGORY_ID`` 1: statuses are pipeline 1's stage codes without the ``C1:`` prefix, so the portal
  swapped each for a stage of pipeline 1 with the same semantics, as a real portal does; a few orders
  carry the legacy status ``cancelled``;
- no deal or contact carries ``ORIGINATOR_ID``/``ORIGIN_ID``; titles follow the template
  ("Order #N - …");
- with the default sizes: 300 orders and 312 deals. Twelve orders have 2–3 deals (found only by title; the
  shop stores one of them, or none for two of them); some stored ids point at deals deleted since; order 1
  and order 11 store the same deal (cleaning order 1's duplicates by the substring "Order #1" deleted
  order 11's only deal, and the old worker then linked order 11 to order 1's deal);
- every user has the old backend's contact (the shop stores it; for a few the stored one was deleted),
  and some have a second contact with the same name and nothing else (a duplicate by name only);
- a person edited some deals (a comment): those on stored deals and some on duplicates.

Nothing here talks HTTP: it writes the shop with SQLAlchemy and the portal through the store.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from bitrix_monitor.config import ShopConfig
from bitrix_monitor.demo.emulator import PortalStore
from bitrix_monitor.demo.shop import STATUSES, create_demo_shop
from bitrix_monitor.shop import OrderRow, ShopDatabase, UserRow
from bitrix_monitor.sync import fields as F

CATEGORY = 1
LEGACY_STATUS = "cancelled"
# What a person writes in the config after the connect check's message: the shop's statuses are pipeline
# 1's stage codes without the prefix; the legacy "cancelled" is a lost deal.
STAGE_MAP = {**{s: f"C{CATEGORY}:{s}" for s in STATUSES}, LEGACY_STATUS: f"C{CATEGORY}:LOSE"}
SHARED_OWNER, SHARED_OTHER = "1", "11"


@dataclass
class TakeoverSeed:
    """What was seeded, for the assertions after the take-over."""

    orders: int
    users: int
    deals: set[int] = field(default_factory=set)  # every deal alive after seeding
    contacts: set[int] = field(default_factory=set)  # every contact alive after seeding
    by_title: dict[str, list[int]] = field(default_factory=dict)  # order key -> its deals (title)
    multi: dict[str, list[int]] = field(default_factory=dict)  # orders with 2-3 deals
    stale: dict[str, int] = field(default_factory=dict)  # order key -> deleted deal id it stores
    stale_contacts: dict[str, int] = field(default_factory=dict)  # user key -> deleted contact id
    shared_deal: int = 0  # stored by SHARED_OWNER and SHARED_OTHER
    name_only: dict[int, dict[str, Any]] = field(default_factory=dict)  # contact id -> its row when seeded
    comments: dict[str, str] = field(default_factory=dict)  # order key -> comment a person wrote
    commented_stored: dict[str, int] = field(default_factory=dict)  # order key -> stored deal a person edited
    cancelled: list[str] = field(default_factory=list)  # orders with the legacy status


def _old_contact(user: UserRow) -> dict[str, Any]:
    made = F.contact_fields(user, originator="")
    return {k: v for k, v in made.items() if k not in ("ORIGINATOR_ID", "ORIGIN_ID")}


def _old_deal(order: OrderRow, contact_id: int | None) -> dict[str, Any]:
    made = F.deal_fields(order, originator="", contact_id=contact_id, category=CATEGORY)
    return {k: v for k, v in made.items() if k not in ("ORIGINATOR_ID", "ORIGIN_ID")}


def seed_takeover(
    shop_url: str, store: PortalStore, *, orders: int = 300, users: int = 80, seed: int = 11
) -> TakeoverSeed:
    """Fill a fresh shop database at ``shop_url`` and the (empty) ``store`` as the old backend left them."""
    if orders < 40 or users < 20:
        raise ValueError("the take-over scene needs at least 40 orders and 20 users")
    rnd = random.Random(seed)
    create_demo_shop(shop_url, orders=orders, users=users, seed=seed, replace=True)
    category = store.ensure_pipeline("Shop orders")
    if category != CATEGORY:
        raise ValueError(f"the portal's shop pipeline got id {category}, not {CATEGORY}")
    out = TakeoverSeed(orders, users)
    engine = sa.create_engine(shop_url)
    try:
        keys = [str(k) for k in range(1, orders + 1)]
        rest = [k for k in keys if k not in (SHARED_OWNER, SHARED_OTHER)]
        rnd.shuffle(rest)
        multi, stale, cancelled = rest[:12], rest[12:20], rest[20:30]
        out.cancelled = sorted(cancelled, key=int)
        with engine.begin() as conn:
            legacy = sa.text("UPDATE orders SET status = :s WHERE order_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            )
            conn.execute(legacy, {"s": LEGACY_STATUS, "ids": [int(k) for k in cancelled]})
        db = ShopDatabase.connect(shop_url, ShopConfig(url=shop_url))
        try:
            user_rows = {u.key: u for page in db.iter_users() for u in page}
            order_rows = {o.key: o for page in db.iter_orders() for o in page}
        finally:
            db.close()

        # Contacts: one per user (stored), a few duplicates by name only, a few stored ids deleted since.
        contact_of: dict[str, int] = {}
        for key, user in user_rows.items():
            contact_of[key] = store.add("contact", _old_contact(user))
        user_keys = sorted(user_rows, key=int)
        bound_twin = order_rows[multi[5]].user_key or user_keys[0]  # its extra deal is bound to the twin
        twins = [bound_twin, *rnd.sample([k for k in user_keys if k != bound_twin], 9)]
        twin_of: dict[str, int] = {}
        for key in twins:
            user = user_rows[key]
            twin = {k: v for k, v in _old_contact(user).items() if k in ("NAME", "LAST_NAME")}
            ident = store.add("contact", twin)
            out.name_only[ident] = dict(store.get("contact", ident) or {})
            twin_of[key] = ident
        for key in rnd.sample([k for k in user_keys if k not in twins], 3):
            store.delete("contact", contact_of[key])
            out.stale_contacts[key] = contact_of[key]

        # Deals: one per order, 2-3 for twelve, the shared one, stale ones.
        stored: dict[str, int | None] = {}
        for key in keys:
            order = order_rows[key]
            cid = contact_of.get(order.user_key or "")
            copies = 1
            if key in multi:
                copies = 3 if multi.index(key) < 9 else 2
            made = [store.add("deal", _old_deal(order, cid)) for _ in range(copies)]
            out.by_title[key] = made
            if key in multi:
                out.multi[key] = made
                # The shop kept whichever write-back came last; for two of them none came back at all.
                stored[key] = None if multi.index(key) in (0, 9) else rnd.choice(made)
            else:
                stored[key] = made[0]
        # One extra deal of a multi order is bound to the name-only twin of its user's contact.
        store.update("deal", out.multi[multi[5]][-1], {"CONTACT_ID": twin_of[bound_twin]})
        # Order 1's cleanup matched "Order #1" as a substring: it deleted order 1's second deal and order
        # 11's only deal; then the worker linked order 11 to the deal titled "Order #1 - …".
        owner = order_rows[SHARED_OWNER]
        store.delete("deal", store.add("deal", _old_deal(owner, contact_of.get(owner.user_key or ""))))
        for ident in out.by_title[SHARED_OTHER]:
            store.delete("deal", ident)
        out.by_title[SHARED_OTHER] = []
        out.shared_deal = out.by_title[SHARED_OWNER][0]
        stored[SHARED_OTHER] = out.shared_deal
        # Deals deleted by hand in the CRM since; the shop still stores their ids.
        for key in stale:
            (ident,) = out.by_title[key]
            store.delete("deal", ident)
            out.stale[key] = ident
            out.by_title[key] = []
        # A person's edits: comments on some stored deals and on some duplicates.
        singles = [k for k in rest[30:] if stored.get(k)]
        for key in singles[:5]:
            kept = stored[key]
            assert kept is not None
            text = f"Called the customer about order {key}; they will pay on Friday."
            store.update("deal", kept, {"COMMENTS": text})
            out.comments[key] = text
            out.commented_stored[key] = kept
        for key in multi[1:4]:
            other = next(i for i in out.multi[key] if i != stored[key])
            text = f"Order {key}: the customer asked for delivery after 18:00."
            store.update("deal", other, {"COMMENTS": text})
            out.comments[key] = text

        with engine.begin() as conn:
            link_deal = sa.text("UPDATE orders SET bitrix_deal_id = :d WHERE order_id = :k")
            conn.execute(link_deal, [{"d": ident, "k": int(key)} for key, ident in stored.items()])
            link_contact = sa.text("UPDATE users SET bitrix_contact_id = :c WHERE id = :k")
            conn.execute(link_contact, [{"c": ident, "k": int(key)} for key, ident in contact_of.items()])
    finally:
        engine.dispose()
    out.deals = {int(d["ID"]) for d in store.all("deal")}
    out.contacts = {int(c["ID"]) for c in store.all("contact")}
    return out


__all__ = ["CATEGORY", "LEGACY_STATUS", "STAGE_MAP", "TakeoverSeed", "seed_takeover"]
