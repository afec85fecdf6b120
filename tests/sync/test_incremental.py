"""An incremental reconcile finds exactly what a full pass over the same data finds: random changes on both
sides (edits, new records, deletions, duplicates, hand-made contacts sharing an e-mail, ids written back by
jobs, shared links, changes in the same second as the last pass), round after round, each incremental pass
compared with a full pass made beside it; and an idle refresh costs one portal request."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import tomllib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor import config
from bitrix_monitor.bitrix import ServerError
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import Snapshot
from bitrix_monitor.sync.model import RecordStatus
from bitrix_monitor.sync.service import MonitorService, PortalFailed
from bitrix_monitor.wiring import open_service
from tests.sync.conftest import FAST_CONFIG, ORIGINATOR, Shop, make_shop

# Deletions are looked for on every pass here, so that each pass can be held against a full one.
CONFIG = FAST_CONFIG + 'full_every = "0"\ndeletions_every = "0.001s"\n'


@pytest.fixture
async def service(shop: Shop, portal: PortalEmulator, data_dirs: DataDirs) -> AsyncIterator[MonitorService]:
    cfg = config.from_dict(tomllib.loads(CONFIG))
    service = await open_service(cfg, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
    yield service
    await service.aclose()


def _facts(snap: Snapshot) -> dict[str, Any]:
    """What a snapshot says, independent of the order records were judged in."""
    return {
        "records": {k: {s.key: s for s in snap.statuses(k)} for k in snap.kinds},
        "counts": dict(snap.counts),
        "orphans": sorted((o.entity, o.portal_id, o.origin_id, o.title) for o in snap.orphans),
        "plan": sorted((j.kind, j.entity_key, j.reason, repr(j.payload)) for j in snap.plan.jobs),
        "warnings": snap.warnings,
    }


def _fields(status: RecordStatus | None) -> dict[str, Any]:
    if status is None:
        return {}
    out = {f.name: getattr(status, f.name) for f in dataclasses.fields(status)}
    out["shop_values"], out["portal_values"] = dict(status.shop_values), dict(status.portal_values)
    return out


def _differences(inc: dict[str, Any], full: dict[str, Any]) -> list[str]:
    out = []
    for kind, records in full["records"].items():
        mine = inc["records"].get(kind, {})
        for key in sorted(set(records) | set(mine)):
            a, b = _fields(mine.get(key)), _fields(records.get(key))
            if a != b:
                what = {f: (a.get(f), b.get(f)) for f in {*a, *b} if a.get(f) != b.get(f)}
                out.append(f"{kind} {key} (incremental, full): {what}")
    for part in ("counts", "orphans", "plan", "warnings"):
        if inc[part] != full[part]:
            out.append(f"{part}: incremental {inc[part]}\n  full {full[part]}")
    return out


SHOP_CHANGES = (
    "price", "status", "user", "email", "name", "new order", "new user", "drop order", "share",
    "firm", "firm name",
)  # fmt: skip
PORTAL_CHANGES = (
    "edit deal", "stage", "delete deal", "delete contact", "duplicate", "hand-made", "edit contact",
    "edit company", "delete company",
)  # fmt: skip


class Changer:
    """Random changes to the shop (as the shop's own code makes them: ``updated_at`` moves) and the portal
    (as people and other integrations make them)."""

    def __init__(self, shop: Shop, portal: PortalEmulator, seed: int) -> None:
        self.rng = random.Random(seed)
        self.shop = shop
        self.portal = portal
        self.engine = sa.create_engine(shop.url)
        self.stamp = datetime.now().replace(microsecond=0)

    def close(self) -> None:
        self.engine.dispose()

    def _keys(self, table: str, key: str) -> list[int]:
        with self.engine.connect() as c:
            return [int(v) for v in c.execute(sa.text(f"SELECT {key} FROM {table} ORDER BY {key}")).scalars()]

    def _now(self) -> datetime:
        # Often the very same second as other changes and as the last pass: ties on updated_at.
        if self.rng.random() < 0.5:
            self.stamp += timedelta(seconds=1)
        return max(self.stamp, datetime.now().replace(microsecond=0) - timedelta(seconds=1))

    def shop_round(self) -> list[str]:
        done = []
        orders, users = self._keys("orders", "order_id"), self._keys("users", "id")
        with self.engine.begin() as c:
            for _ in range(self.rng.randint(1, 6)):
                what = self.rng.choice(SHOP_CHANGES)
                at = self._now()
                o, u = self.rng.choice(orders), self.rng.choice(users)
                if what == "price":
                    c.execute(
                        sa.text("UPDATE orders SET total_price = :p, updated_at = :t WHERE order_id = :k"),
                        {"p": self.rng.randint(1, 9999) / 100, "t": at, "k": o},
                    )
                elif what == "status":
                    status = self.rng.choice(["NEW", "PAID", "DONE", "CANCELLED"])
                    c.execute(
                        sa.text("UPDATE orders SET status = :s, updated_at = :t WHERE order_id = :k"),
                        {"s": status, "t": at, "k": o},
                    )
                elif what == "user":
                    c.execute(
                        sa.text("UPDATE orders SET user_id = :u, updated_at = :t WHERE order_id = :k"),
                        {"u": u, "t": at, "k": o},
                    )
                elif what == "email":
                    other = self.rng.choice(users)  # sometimes another user's: shared e-mails
                    c.execute(
                        sa.text(
                            "UPDATE users SET email = (SELECT email FROM users WHERE id = :o), "
                            "updated_at = :t WHERE id = :k"
                        ),
                        {"o": other, "t": at, "k": u},
                    )
                elif what == "name":
                    c.execute(
                        sa.text("UPDATE users SET full_name = :n, updated_at = :t WHERE id = :k"),
                        {"n": f"Changed Name{self.rng.randint(1, 999)}", "t": at, "k": u},
                    )
                elif what == "new order":
                    c.execute(
                        sa.text(
                            "INSERT INTO orders (user_id, service_id, quantity, total_price, status, "
                            "is_paid, created_at, updated_at) VALUES (:u, 1, 1, 12.5, 'NEW', false, :t, :t)"
                        ),
                        {"u": u, "t": at},
                    )
                elif what == "new user":
                    n = self.rng.randint(1, 10**6)
                    c.execute(
                        sa.text(
                            "INSERT INTO users (username, email, full_name, user_type, is_active, "
                            "created_at, updated_at) VALUES (:n, :e, :f, 'individual', true, :t, :t)"
                        ),
                        {"n": f"new{n}", "e": f"new{n}@example.com", "f": f"New Person{n}", "t": at},
                    )
                elif what == "drop order":
                    c.execute(sa.text("DELETE FROM orders WHERE order_id = :k"), {"k": o})
                    orders.remove(o)
                elif what == "firm":  # the user moves to another company (or to none)
                    c.execute(
                        sa.text("UPDATE users SET company_id = :f, updated_at = :t WHERE id = :k"),
                        {"f": self.rng.choice([None, 1, 2, 3]), "t": at, "k": u},
                    )
                elif what == "firm name":
                    c.execute(
                        sa.text("UPDATE companies SET name = :n, updated_at = :t WHERE id = :k"),
                        {"n": f"Firm {self.rng.randint(1, 99)}", "t": at, "k": self.rng.choice([1, 2, 3])},
                    )
                elif what == "share":  # another order's deal id: a shared link
                    c.execute(
                        sa.text(
                            "UPDATE orders SET bitrix_deal_id = (SELECT bitrix_deal_id FROM orders WHERE "
                            "order_id = :o), updated_at = :t WHERE order_id = :k"
                        ),
                        {"o": self.rng.choice(orders), "t": at, "k": o},
                    )
                done.append(what)
        return done

    def portal_round(self) -> list[str]:
        done = []
        store = self.portal.store
        for _ in range(self.rng.randint(1, 6)):
            deals, contacts, companies = store.all("deal"), store.all("contact"), store.all("company")
            what = self.rng.choice(PORTAL_CHANGES)
            if what in ("edit deal", "stage", "delete deal", "duplicate") and not deals:
                continue
            if what in ("delete contact", "hand-made", "edit contact") and not contacts:
                continue
            if what in ("edit company", "delete company") and not companies:
                continue
            company = self.rng.choice(companies or [{}])
            deal, contact = self.rng.choice(deals or [{}]), self.rng.choice(contacts or [{}])
            if what == "edit deal":
                store.update("deal", deal["ID"], {"OPPORTUNITY": str(self.rng.randint(1, 999))})
            elif what == "stage":
                store.update("deal", deal["ID"], {"STAGE_ID": self.rng.choice(["NEW", "PREPARATION", "WON"])})
            elif what == "delete deal":
                store.delete("deal", deal["ID"])
            elif what == "delete contact":
                store.delete("contact", contact["ID"])
            elif what == "duplicate":  # another deal carrying an order's origin id
                store.add("deal", {**{k: deal.get(k) for k in ("TITLE", "ORIGIN_ID", "ORIGINATOR_ID")}})
            elif what == "hand-made":  # by a person: no originator, one of a contact's e-mails
                emails = contact.get("EMAIL") or [{"VALUE": "someone@example.com"}]
                store.add("contact", {"NAME": "By Hand", "EMAIL": [{"VALUE": emails[0]["VALUE"]}]})
            elif what == "edit contact":
                store.update("contact", contact["ID"], {"LAST_NAME": f"Edited{self.rng.randint(1, 99)}"})
            elif what == "edit company":
                store.update("company", company["ID"], {"TITLE": f"Renamed {self.rng.randint(1, 99)}"})
            elif what == "delete company":
                store.delete("company", company["ID"])
            done.append(what)
        return done


async def _rounds(
    service: MonitorService, shop: Shop, portal: PortalEmulator, seed: int, rounds: int, *, full: bool = False
) -> None:
    """``rounds`` of random changes, each followed by the service's pass (``full``: a full pass, which reads
    the shop with the last pass's rows held) and a fresh full pass beside it: the two must agree."""
    first = await service.snapshot()
    assert first.pass_kind == "full"
    await service.apply(first.plan)
    await service.run_queue(max_wait=60)
    changer = Changer(shop, portal, seed)
    kept = 0
    try:
        for n in range(rounds):
            done = changer.shop_round() + changer.portal_round()
            if n % 3 == 1:  # some jobs run between passes: ids written back, records made and merged
                snap = await service.snapshot()
                await service.apply(snap.plan)
                await service.run_queue(max_wait=60)
                done.append("jobs ran")
            before = service._refresher.mirror.rows if service._refresher is not None else {}
            inc = await service.snapshot(full=full)
            assert inc.pass_kind == ("full" if full else "incremental")
            if full:  # a row read again from the values of the row the last pass held is that row
                after = service._refresher.mirror.rows if service._refresher is not None else {}
                for kind, rows in after.items():
                    for key, row in rows.items():
                        old = before.get(kind, {}).get(key)
                        if old is not None and old == row and not row.problem:
                            assert row is old, (kind, key)
                            kept += 1
            fresh = await (await service.reconciler()).run()
            problems = _differences(_facts(dataclasses.replace(inc, pass_kind="full")), _facts(fresh))
            assert not problems, f"round {n} after {done}:\n" + "\n".join(problems[:8])
        assert kept >= rounds * 10 or not full
    finally:
        changer.close()


# No updated_at anywhere (every row compared by fingerprint), and companies mapped: users refer to them.
FINGERPRINTS = (
    CONFIG
    + """
[shop.orders]
updated_at = ""
[shop.users]
updated_at = ""
company_ref = "company_id"
[shop.companies]
table = "companies"
key = "id"
title = "name"
email = "email"
phone = "phone"
company_id = "bitrix_company_id"
"""
)


@pytest.mark.parametrize(
    ("shop_url", "mapping"),
    [("sqlite", CONFIG), ("postgresql", CONFIG), ("sqlite", FINGERPRINTS), ("postgresql", FINGERPRINTS)],
    indirect=["shop_url"],
    ids=["sqlite", "postgresql", "sqlite-fingerprints-companies", "postgresql-fingerprints-companies"],
)
@pytest.mark.parametrize("seed", range(1, 5))
async def test_an_incremental_pass_finds_what_a_full_pass_finds(
    shop_url: str, mapping: str, portal: PortalEmulator, data_dirs: DataDirs, seed: int
) -> None:
    shop = make_shop(shop_url, orders=60, users=20)
    cfg = config.from_dict(tomllib.loads(mapping))
    service = await open_service(cfg, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
    try:
        await _rounds(service, shop, portal, seed, rounds=10)
    finally:
        await service.aclose()


@pytest.mark.parametrize(
    ("shop_url", "mapping"),
    [("sqlite", CONFIG), ("postgresql", FINGERPRINTS)],
    indirect=["shop_url"],
    ids=["sqlite", "postgresql-fingerprints-companies"],
)
async def test_a_full_pass_over_the_rows_of_the_last_finds_what_a_fresh_one_finds(
    shop_url: str, mapping: str, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    shop = make_shop(shop_url, orders=60, users=20)
    cfg = config.from_dict(tomllib.loads(mapping))
    service = await open_service(cfg, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
    try:
        await _rounds(service, shop, portal, seed=7, rounds=6, full=True)
    finally:
        await service.aclose()


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_an_idle_refresh_costs_one_request(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    first = await service.snapshot()
    await service.apply(first.plan)
    await service.run_queue(max_wait=60)
    await asyncio.sleep(2.1)  # whole seconds: records saved in a pass's own second are read once more
    await service.snapshot()  # takes in what the jobs did
    service.cfg = dataclasses.replace(
        service.cfg, sync=dataclasses.replace(service.cfg.sync, deletions_every="1h")
    )
    idle = await service.snapshot()
    assert idle.pass_kind == "incremental"
    assert idle.portal.requests == 1
    assert idle.order_counts.in_sync == shop.orders
    changed = next(r for r in portal.store.all("deal") if r.get("ORIGINATOR_ID") == ORIGINATOR)
    portal.store.update("deal", changed["ID"], {"OPPORTUNITY": "1.00"})
    after = await service.snapshot()
    assert after.portal.requests == 1
    assert {s.key: s.state.value for s in after.orders}[changed["ORIGIN_ID"]] == "outdated"


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_a_full_pass_runs_on_demand_and_on_schedule(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    assert (await service.snapshot()).pass_kind == "full"
    assert (await service.snapshot()).pass_kind == "incremental"
    assert (await service.snapshot(full=True)).pass_kind == "full"
    service.full_next()
    assert (await service.snapshot()).pass_kind == "full"
    service.always_full = True  # --full
    assert (await service.snapshot()).pass_kind == "full"
    service.always_full = False
    sync = dataclasses.replace(service.cfg.sync, full_every="1s")
    service.cfg = dataclasses.replace(service.cfg, sync=sync)
    refresher = service._refresher
    assert refresher is not None
    refresher.state.full_at -= timedelta(seconds=2)
    assert (await service.snapshot()).pass_kind == "full"


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_a_pass_that_fails_halfway_is_followed_by_a_full_one(
    shop: Shop, portal: PortalEmulator, service: MonitorService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await service.snapshot()
    real = service.client.batch

    async def broken(*args: Any, **kw: Any) -> Any:
        raise ServerError("the portal broke down", method="batch")

    monkeypatch.setattr(service.client, "batch", broken)
    with pytest.raises(PortalFailed):
        await service.snapshot()
    monkeypatch.setattr(service.client, "batch", real)
    assert (await service.snapshot()).pass_kind == "full"


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_records_a_cleanup_merged_away_are_gone_at_the_next_pass(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    sync = dataclasses.replace(service.cfg.sync, deletions_every="1h")  # no deletion check by the clock
    service.cfg = dataclasses.replace(service.cfg, sync=sync)
    first = await service.snapshot()
    await service.apply(first.plan)
    await service.run_queue(max_wait=60)
    deal = next(r for r in portal.store.all("deal") if r.get("ORIGINATOR_ID") == ORIGINATOR)
    copy = portal.store.add("deal", {k: deal[k] for k in ("TITLE", "ORIGIN_ID", "ORIGINATOR_ID")})
    seen = await service.snapshot()
    assert seen.pass_kind == "incremental"
    status = {s.key: s for s in seen.orders}[deal["ORIGIN_ID"]]
    assert status.state.value == "duplicated"
    await service.apply(service.plan_for(seen, "order", [deal["ORIGIN_ID"]], "cleanup"))
    await service.run_queue(max_wait=60)
    assert not portal.store.exists("deal", copy)
    after = await service.snapshot()
    assert after.pass_kind == "incremental"
    assert {s.key: s.state.value for s in after.orders}[deal["ORIGIN_ID"]] == "in_sync"
    full = await (await service.reconciler()).run()
    assert not _differences(_facts(dataclasses.replace(after, pass_kind="full")), _facts(full))
