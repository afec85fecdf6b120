"""Fixtures for the sync engine: a portal emulator over loopback, a demo-schema shop on each engine,
and a runner for the real entry point as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor import config
from bitrix_monitor.config import ShopConfig
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.demo.shop import create_demo_shop
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync import incremental, reconcile
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.wiring import open_service

ORIGINATOR = "test-shop"


@pytest.fixture(autouse=True)
def _records_judged_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record a sync test judges (orders, users, companies) is judged twice: with the shortcut for the
    state nearly every record is in (``reconcile.FAST_PATH``) and by every rule; both must give the same
    state, in every field."""
    for name in ("_order_states", "_comm_states"):
        judge = getattr(reconcile.Reconciler, name)

        def both(self: reconcile.Reconciler, *args: Any, judge: Any = judge) -> list[Any]:
            quick = judge(self, *args)
            monkeypatch.setattr(reconcile, "FAST_PATH", False)
            try:
                full = judge(self, *args)
            finally:
                monkeypatch.setattr(reconcile, "FAST_PATH", True)
            assert quick == full
            return quick

        monkeypatch.setattr(reconcile.Reconciler, name, both)


@pytest.fixture(autouse=True)
def _rows_read_again_checked_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row an incremental pass of a sync test reads again is found unchanged (or not) both by the
    shortcut (equal rows) and by its state alone (digest, id, problem, stamp); equal rows must have one state,
    and the answers must agree."""
    quick = incremental._unchanged

    def both(held: Any, read: Any) -> bool:
        same = quick(held, read)
        assert same == (incremental._row_state(held) == incremental._row_state(read))
        return same

    monkeypatch.setattr(incremental, "_unchanged", both)


FAST_CONFIG = f"""
[portal]
originator = "{ORIGINATOR}"
timeout = 2.0
plan = "burst=50,drain=50"

[sync]
settle_delay = 0.5
max_attempts = 30
retry_base = 0.2
retry_cap = 1.0
"""


CFG = config.from_dict(tomllib.loads(FAST_CONFIG))


@pytest.fixture
def portal() -> Iterator[PortalEmulator]:
    with PortalEmulator(limits="off", seed=1) as p:
        yield p


@dataclass
class Shop:
    url: str
    orders: int
    users: int

    def connect(self) -> ShopDatabase:
        return ShopDatabase.connect(self.url, ShopConfig(url=self.url))

    def deal_ids(self) -> dict[str, int | None]:
        db = self.connect()
        try:
            return {o.key: o.deal_id for page in db.iter_orders() for o in page}
        finally:
            db.close()

    def contact_ids(self) -> dict[str, int | None]:
        db = self.connect()
        try:
            return {u.key: u.contact_id for page in db.iter_users() for u in page}
        finally:
            db.close()

    def user_of(self, order_key: str) -> str | None:
        db = self.connect()
        try:
            return db.get_orders([order_key])[order_key].user_key
        finally:
            db.close()

    def execute(self, sql: str, **params: object) -> None:
        engine = sa.create_engine(self.url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(sql), params)
        finally:
            engine.dispose()


def make_shop(url: str, orders: int = 120, users: int = 40) -> Shop:
    create_demo_shop(url, orders=orders, users=users, seed=3)
    return Shop(url, orders, users)


def link_in_portal(url: str, portal: PortalEmulator) -> None:
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


@pytest.fixture
def shop(shop_url: str) -> Shop:
    return make_shop(shop_url)


@pytest.fixture
async def service(
    request: pytest.FixtureRequest, shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> AsyncIterator[MonitorService]:
    """The service over the test's shop and the emulator, closed after the test; an ``indirect``
    parameter gives another configuration."""
    cfg = getattr(request, "param", CFG)
    service = await open_service(cfg, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
    yield service
    await service.aclose()


def assert_exactly_one_each(portal: PortalEmulator, shop: Shop) -> None:
    """Each order has exactly one deal carrying its origin id and the shop stores that id; same for users."""
    for entity, stored in (("deal", shop.deal_ids()), ("contact", shop.contact_ids())):
        records = [r for r in portal.store.all(entity) if r.get("ORIGINATOR_ID") == ORIGINATOR]
        per_origin = Counter(r["ORIGIN_ID"] for r in records)
        dupes = {k: n for k, n in per_origin.items() if n > 1}
        assert dupes == {}, f"duplicate {entity}s per origin id: {dupes}"
        by_origin = {r["ORIGIN_ID"]: int(r["ID"]) for r in records}
        missing = sorted(set(stored) - set(by_origin))
        assert missing == [], f"{entity}s missing for: {missing[:10]}"
        wrong = {k: (v, by_origin.get(k)) for k, v in stored.items() if v != by_origin.get(k)}
        assert wrong == {}, f"shop ids that do not match the {entity} carrying the origin id: {wrong}"


class Cli:
    """Runs the real entry point in a subprocess with its own data dir."""

    def __init__(self, data_dir: Path, shop_url: str, portal_url: str, config: str = FAST_CONFIG) -> None:
        self.data_dir = data_dir
        self.shop_url = shop_url
        self.portal_url = portal_url
        data_dir.mkdir(parents=True, exist_ok=True)
        self.config = data_dir / "config.toml"
        self.config.write_text(config)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            BITRIX_MONITOR_PORTAL=self.portal_url,
            BITRIX_MONITOR_SHOP_DB=self.shop_url,
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        )
        return env

    def args(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "bitrix_monitor", "--data-dir", str(self.data_dir), *args]

    def run(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.args(*args), capture_output=True, text=True, env=self.env(), timeout=timeout, check=False
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.args(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env()
        )


@pytest.fixture
def cli_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    count = 0

    def make(shop: Shop, portal: PortalEmulator, config: str = FAST_CONFIG) -> Cli:
        nonlocal count
        count += 1
        return Cli(tmp_path / f"desk{count}", shop.url, portal.webhook_url, config)

    return make
