"""The embedded demo: a demo shop database and a built-in portal emulator, seeded with the situations
staff meet (orders without deals, users without contacts, ids pointing at deleted deals, duplicates,
outdated deals), so anyone can try the app with one command.

Everything lives in ``<data dir>/demo``: the shop as a SQLite file, the portal's state as another, and the
demo's own job queue, archive and activity log (:mod:`bitrix_monitor.wiring` opens the service over them), so
the demo keeps what you did between runs and never mixes with a real shop's data. Delete the folder to start
over.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from bitrix_monitor.config import (
    AppConfig,
    CompaniesMapping,
    OrdersMapping,
    PortalConfig,
    ShopConfig,
    UsersMapping,
)
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.demo.shop import add_companies, create_demo_shop
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobQueue
from bitrix_monitor.queue.model import PullField
from bitrix_monitor.shop import CompanyRow, OrderRow, ShopDatabase
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.pull import CURSOR as STAGE_CURSOR

log = logging.getLogger(__name__)

DEMO_ORIGINATOR = "bitrix-monitor-demo"
DEMO_LIMITS = "standard"
# The demo's custom deal field: the order's id, as a shop that wants it on the deal card maps it.
DEMO_FIELD = "UF_CRM_SHOP_ID"
WHOLESALE = "Оптовые продажи"  # the portal's second deal pipeline, which the shop does not use
# A manager of the demo portal (a person, not the app's webhook user): after seeding, they win one deal in
# the CRM, which the demo's first sync brings into its order's status.
DEMO_MANAGER = 7
DEMO_AUTO_SYNC = 10.0  # seconds between the demo window's pulls and shop polls
OPEN_STAGES = ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE")


@dataclass(frozen=True)
class DemoPaths:
    shop: Path
    portal: Path

    @classmethod
    def of(cls, dirs: DataDirs) -> DemoPaths:
        return cls(dirs.demo_dir / "shop.sqlite3", dirs.demo_dir / "portal.sqlite3")

    @property
    def shop_url(self) -> str:
        return f"sqlite:///{self.shop}"


def demo_shop_config(paths: DemoPaths) -> ShopConfig:
    """The demo shop's mapping: the defaults, one custom deal field, and companies (users name theirs)."""
    return ShopConfig(
        url=paths.shop_url,
        orders=replace(OrdersMapping(), fields={DEMO_FIELD: "{order_id}"}),
        users=replace(UsersMapping(), company_ref="company_id"),
        companies=CompaniesMapping(
            table="companies", key="id", company_id="bitrix_company_id", title="name", email="email",
            phone="phone", updated_at="updated_at",
        ),
    )  # fmt: skip


def demo_config(cfg: AppConfig, paths: DemoPaths) -> AppConfig:
    """The user's config with the demo's shop, originator, gentle timings and auto-sync on."""
    return replace(
        cfg,
        shop=demo_shop_config(paths),
        portal=PortalConfig(plan=DEMO_LIMITS, originator=DEMO_ORIGINATOR, timeout=10.0),
        # Live unless the user set an interval: the window pulls what the manager did in the CRM and
        # watches the shop, as a desk with auto-sync does.
        sync=replace(
            cfg.sync, settle_delay=2.0, auto_sync_interval=cfg.sync.auto_sync_interval or DEMO_AUTO_SYNC
        ),
    )


def seed_portal(portal: PortalEmulator, shop: ShopDatabase, *, seed: int = 7) -> dict[str, int]:
    """Put the demo's problems into the portal and the shop. Returns how many of each were made."""
    rng = random.Random(seed)
    users = [u for page in shop.iter_users() for u in page]
    orders = [o for page in shop.iter_orders() for o in page]
    made = dict.fromkeys(
        ("contacts", "deals", "stale", "duplicated", "unlinked", "outdated", "legacy", "foreign_contact"),
        0,
    )
    company_of = _seed_companies(portal, shop, made)
    contact_of: dict[str, int] = {}
    for u in users:
        if rng.random() < 0.6:
            company_id = company_of.get(u.company_key) if u.company_key else None
            cid = portal.store.add(
                "contact", F.contact_fields(u, originator=DEMO_ORIGINATOR, company_id=company_id)
            )
            shop.set_contact_id(u.key, cid)
            contact_of[u.key] = cid
            made["contacts"] += 1
    if users:
        # Somebody typed a customer into the CRM by hand: same e-mail as a shop user, no origin id.
        u = next((u for u in users if u.email and u.key in contact_of), users[0])
        by_hand = F.contact_fields(u, originator="")
        for generated in ("ORIGINATOR_ID", "ORIGIN_ID", "PHONE"):
            by_hand.pop(generated, None)
        portal.store.add("contact", by_hand)
        made["foreign_contact"] += 1
    for i, o in enumerate(orders):
        if o.user_key not in contact_of or rng.random() > 0.7:
            continue
        owner = next((u for u in users if u.key == o.user_key), None)
        company_id = company_of.get(owner.company_key) if owner and owner.company_key else None
        fields = F.deal_fields(
            o, originator=DEMO_ORIGINATOR, contact_id=contact_of[o.user_key], company_id=company_id
        )
        role = i % 25
        if role == 1:  # the deal was deleted in the CRM, the shop still points at it
            did = portal.store.add("deal", fields)
            shop.set_deal_id(o.key, did)
            portal.store.delete("deal", did)
            made["stale"] += 1
        elif role == 2:  # two racing creates made two deals for one order
            did = portal.store.add("deal", fields)
            portal.store.add("deal", fields)
            shop.set_deal_id(o.key, did)
            made["duplicated"] += 1
        elif role == 3:  # the deal was made, the write-back was lost
            portal.store.add("deal", fields)
            made["unlinked"] += 1
        elif role == 4:  # somebody edited the amount in the CRM
            did = portal.store.add("deal", {**fields, "OPPORTUNITY": "1.00", "STAGE_ID": "NEW"})
            shop.set_deal_id(o.key, did)
            made["outdated"] += 1
        elif role == 5:  # the old backend made the deal before origin ids were used, and lost the id
            old = {k: v for k, v in fields.items() if k not in ("ORIGINATOR_ID", "ORIGIN_ID")}
            portal.store.add("deal", old)
            made["legacy"] += 1
        else:
            did = portal.store.add("deal", fields)
            shop.set_deal_id(o.key, did)
            made["deals"] += 1
    return made


def _seed_companies(portal: PortalEmulator, shop: ShopDatabase, made: dict[str, int]) -> dict[str, int]:
    """Most companies are in the portal already; one was typed in by hand a second time (same e-mail, no
    origin id: a duplicate to merge), one was deleted in the CRM while the shop still points at it (a stale
    link), a few are not there yet. Returns the portal id of each linked company by shop key."""
    companies = [c for page in shop.iter_rows("company") for c in page if isinstance(c, CompanyRow)]
    linked: dict[str, int] = {}
    for i, c in enumerate(companies):
        if i % 5 == 4:
            continue  # not in the portal yet
        cid = portal.store.add("company", F.company_fields(c, originator=DEMO_ORIGINATOR))
        shop.set_id("company", c.key, cid)
        if i == 1:  # deleted in the CRM; the shop still stores its id
            portal.store.delete("company", cid)
            made["stale_company"] = 1
            continue
        linked[c.key] = cid
    typed = next((c for c in companies if c.key in linked and c.email), None)
    if typed is not None:  # a manager typed the company in again by hand: same e-mail, no origin id
        by_hand = F.company_fields(typed, originator="")
        by_hand.pop("ORIGINATOR_ID"), by_hand.pop("ORIGIN_ID")
        portal.store.add("company", by_hand)
        made["duplicated_company"] = 1
    made["companies"] = len(linked)
    return linked


def _second_pipeline(portal: PortalEmulator) -> None:
    """The portal has a second deal pipeline the shop does not use, with deals a manager made there."""
    if any(c.name == WHOLESALE for c in portal.store.pipelines.listed()):
        return
    category = portal.store.ensure_pipeline(WHOLESALE)
    for title in ("Опт: поставка бумаги", "Опт: картриджи для офиса"):
        portal.store.add("deal", {"TITLE": title, "CATEGORY_ID": category, "STAGE_ID": f"C{category}:NEW"})


def start_demo_portal(dirs: DataDirs, *, orders: int = 200, users: int = 60, seed: int = 7) -> PortalEmulator:
    """Create the demo shop and portal on first use, then start the portal (in this process)."""
    paths = DemoPaths.of(dirs)
    paths.shop.parent.mkdir(parents=True, exist_ok=True)
    fresh = not paths.shop.exists() or not paths.portal.exists()
    if fresh:
        for p in (paths.shop, paths.portal):
            p.unlink(missing_ok=True)
        create_demo_shop(paths.shop_url, orders=orders, users=users, seed=seed)
    elif add_companies(paths.shop_url):  # a demo made before companies existed
        log.info("demo shop: companies added")
    portal = PortalEmulator(limits=DEMO_LIMITS, state_path=paths.portal, seed=seed).start()
    if portal.store.user_fields.get("deal", DEMO_FIELD) is None:  # also in a demo made before it existed
        portal.store.add_user_field(
            "deal", {"FIELD_NAME": DEMO_FIELD, "USER_TYPE_ID": "string", "LABEL": "Shop id"}
        )
    _second_pipeline(portal)
    if fresh:
        shop = ShopDatabase.connect(paths.shop_url, demo_shop_config(paths))
        try:
            made = seed_portal(portal, shop, seed=seed)
            won = manager_wins_a_deal(portal, shop, dirs.demo().queue_file)
        finally:
            shop.close()
        if won is not None:
            made["won_in_crm"] = int(won)
        log.info("demo seeded: %s", made)
    return portal


def manager_wins_a_deal(portal: PortalEmulator, shop: ShopDatabase, queue_file: Path) -> str | None:
    """A manager moves one open deal to won in the CRM, as a person (not through the webhook), after the
    deal and its order agreed on their stage and the app's pull was told where the stage history stood: the
    demo's first sync takes the move for a change made in the CRM and writes it into the order's status (and
    the push, seeing the CRM off the agreed stage, leaves it alone). Returns that order's key (None when no
    linked order is open)."""
    deals = {int(d["ID"]): d for d in portal.store.all("deal")}
    per_origin = Counter(d.get("ORIGIN_ID") for d in deals.values())

    def plain(o: OrderRow) -> bool:
        """Linked to its one deal, which holds the order's stage and amount (no other problem shown)."""
        deal = deals.get(o.deal_id or 0)
        return (
            deal is not None
            and o.stage in OPEN_STAGES
            and deal.get("STAGE_ID") == o.stage
            and deal.get("ORIGIN_ID") == o.key
            and per_origin[o.key] == 1
            and o.amount is not None
            and Decimal(str(deal.get("OPPORTUNITY"))) == o.amount.quantize(Decimal("0.01"))
        )

    orders = (o for page in shop.iter_orders() for o in page if isinstance(o, OrderRow))
    order = next((o for o in orders if plain(o)), None)
    if order is None or order.deal_id is None:
        return None
    rows = portal.store.history.query({}, {"ID": "DESC"}, ["ID"])
    queue = JobQueue.open(queue_file)
    try:  # what the seeding put into the stage history is the demo's past, not a change to pull
        queue.set_pull_cursor(STAGE_CURSOR, int(rows[0]["ID"]) if rows else 0)
        queue.save_pull_fields("order", "STAGE_ID", [PullField(order.key, agreed=order.stage)])
    finally:
        queue.close()
    portal.store.update("deal", order.deal_id, {"STAGE_ID": "WON"}, as_user=DEMO_MANAGER)
    return order.key
