"""The incremental state is kept with the job store: a new process (a cron ``--sync``, a desk that starts,
another desk of a team) goes on incrementally from where the last reconcile left off -- an idle one costs a
request or two -- and finds what a full pass finds; another mapping, portal or shop, another version of the
state, or a damaged one, means a full pass (with a log line), never a crash."""

from __future__ import annotations

import dataclasses
import json
import logging
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync import saved
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.wiring import open_service
from tests.sync.conftest import ORIGINATOR, Shop, make_shop
from tests.sync.test_incremental import CONFIG, Changer, _differences, _facts

pytestmark = pytest.mark.slow

CFG = config.from_dict(tomllib.loads(CONFIG))
# Deletions checked by the clock only hourly: what an idle pass of a new process costs is its one list.
IDLE_TOML = CONFIG.replace('deletions_every = "0.001s"', 'deletions_every = "1h"')
IDLE_CFG = config.from_dict(tomllib.loads(IDLE_TOML))

REPRICE = "UPDATE orders SET total_price = 7.77, updated_at = CURRENT_TIMESTAMP WHERE order_id = :k"


async def _open(
    shop: Shop, portal: PortalEmulator, dirs: DataDirs, cfg: config.AppConfig = CFG, queue: str | None = None
) -> MonitorService:
    return await open_service(cfg, dirs, shop_url=shop.url, portal_url=portal.webhook_url, queue_url=queue)


async def _synced(service: MonitorService) -> None:
    """A first sync: a full pass, its jobs run, and the pass after them (which the state keeps)."""
    first = await service.snapshot()
    assert first.pass_kind == "full"
    await service.apply(first.plan)
    await service.run_queue(max_wait=60)
    await service.snapshot()


async def _first_process(
    shop: Shop, portal: PortalEmulator, dirs: DataDirs, cfg: config.AppConfig = CFG
) -> None:
    """A process that makes the first sync and ends, leaving its state in the job store."""
    service = await _open(shop, portal, dirs, cfg)
    try:
        await _synced(service)
    finally:
        await service.aclose()


async def _same_as_full(service: MonitorService, kind: str = "incremental") -> None:
    snap = await service.snapshot()
    assert snap.pass_kind == kind
    full = await (await service.reconciler()).run()
    problems = _differences(_facts(dataclasses.replace(snap, pass_kind="full")), _facts(full))
    assert not problems, "\n".join(problems[:8])


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_a_new_process_goes_on_incrementally_and_finds_changes_on_either_side(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    await _first_process(shop, portal, data_dirs, IDLE_CFG)
    service = await _open(shop, portal, data_dirs, IDLE_CFG)
    try:
        before = portal.stats.http_requests
        idle = await service.snapshot()
        assert idle.pass_kind == "incremental"
        assert portal.stats.http_requests - before <= 3
        assert idle.order_counts.in_sync == shop.orders
        assert idle.user_counts.in_sync == shop.users
    finally:
        await service.aclose()
    deal = next(r for r in portal.store.all("deal") if r.get("ORIGINATOR_ID") == ORIGINATOR)
    portal.store.update("deal", deal["ID"], {"OPPORTUNITY": "1.00"})
    other = next(key for key in shop.deal_ids() if key != deal["ORIGIN_ID"])
    shop.execute(REPRICE, k=other)
    service = await _open(shop, portal, data_dirs, IDLE_CFG)
    try:
        before = portal.stats.http_requests
        after = await service.snapshot()
        assert after.pass_kind == "incremental"
        assert portal.stats.http_requests - before <= 3
        states = {s.key: s.state.value for s in after.orders}
        assert states[deal["ORIGIN_ID"]] == "outdated"
        assert states[other] == "outdated"
        assert after.order_counts.outdated == 2
    finally:
        await service.aclose()


@pytest.mark.parametrize(
    ("shop_url", "team"),
    [("sqlite", False), ("postgresql", False), ("mariadb", False), ("sqlite", True)],
    indirect=["shop_url"],
    ids=["sqlite", "postgresql", "mariadb", "sqlite-team-queue"],
)
@pytest.mark.parametrize("seed", [11, 12])
async def test_each_new_process_finds_what_a_full_pass_finds(
    shop_url: str,
    team: bool,
    portal: PortalEmulator,
    data_dirs: DataDirs,
    seed: int,
    request: pytest.FixtureRequest,
) -> None:
    """Random changes on both sides between processes, jobs run by some: every process rebuilds the mirror
    from the job store (the desk's file or the team's queue), and its incremental pass is held against a
    full pass beside it."""
    shop = make_shop(shop_url, orders=60, users=20)
    queue = str(request.getfixturevalue("postgres_url")) if team else None
    first = await _open(shop, portal, data_dirs, queue=queue)
    try:
        await _synced(first)
    finally:
        await first.aclose()
    changer = Changer(shop, portal, seed)
    try:
        for n in range(6):
            changer.shop_round()
            changer.portal_round()
            service = await _open(shop, portal, data_dirs, queue=queue)
            try:
                if n % 2 == 1:  # jobs run in between: ids written back, records made and merged
                    snap = await service.snapshot()
                    assert snap.pass_kind == "incremental"
                    await service.apply(snap.plan)
                    await service.run_queue(max_wait=60)
                    await service.aclose()
                    service = await _open(shop, portal, data_dirs, queue=queue)
                await _same_as_full(service)
            finally:
                await service.aclose()
    finally:
        changer.close()


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_another_mapping_means_a_full_pass(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs, caplog: pytest.LogCaptureFixture
) -> None:
    await _first_process(shop, portal, data_dirs)
    orders = dataclasses.replace(CFG.shop.orders, title="Shop order {order_id}")
    changed = dataclasses.replace(CFG, shop=dataclasses.replace(CFG.shop, orders=orders))
    service = await _open(shop, portal, data_dirs, changed)
    try:
        with caplog.at_level(logging.INFO, logger="bitrix_monitor.sync.saved"):
            assert (await service.snapshot()).pass_kind == "full"
        assert "belongs to another shop, portal or mapping" in caplog.text
        assert (await service.snapshot()).pass_kind == "incremental"
    finally:
        await service.aclose()
    service = await _open(shop, portal, data_dirs, changed)  # the full pass rewrote it for this mapping
    try:
        assert (await service.snapshot()).pass_kind == "incremental"
    finally:
        await service.aclose()


def _queue_sql(data_dirs: DataDirs, sql: str) -> None:
    engine = sa.create_engine(f"sqlite:///{data_dirs.queue_file}")
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


DAMAGE = {
    "old version": "UPDATE mirror_state SET version = 0",
    "state not JSON": 'UPDATE mirror_state SET state = \'{"kinds": ["order"\'',
    "row not JSON": "UPDATE mirror_items SET data = 'garbage' WHERE part = 'row:order'",
    "row of other fields": "UPDATE mirror_items SET data = '[1, 2]' WHERE part = 'row:user'",
    "record of another id": "UPDATE mirror_items SET item = '-' || item WHERE part = 'rec:order'",
    "bad value tag": "UPDATE mirror_items SET data = '[{\"\\u0000?\": 1}]' WHERE part = 'row:order'",
    "missing key": 'UPDATE mirror_state SET state = \'{"kinds": ["order", "user"]}\'',
}


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
async def test_a_damaged_or_old_state_means_a_full_pass_and_a_log_line(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    await _first_process(shop, portal, data_dirs)
    _queue_sql(data_dirs, DAMAGE[damage])
    service = await _open(shop, portal, data_dirs)
    try:
        with caplog.at_level(logging.INFO, logger="bitrix_monitor.sync.saved"):
            snap = await service.snapshot()
        assert snap.pass_kind == "full"
        assert snap.order_counts.in_sync == shop.orders
        said = [r for r in caplog.records if r.name == "bitrix_monitor.sync.saved"]
        assert said and "a full pass runs" in said[-1].getMessage()
    finally:
        await service.aclose()
    service = await _open(shop, portal, data_dirs)  # the full pass wrote it whole again
    try:
        assert (await service.snapshot()).pass_kind == "incremental"
    finally:
        await service.aclose()


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_a_full_check_asked_for_is_not_answered_from_the_saved_state(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    await _first_process(shop, portal, data_dirs)
    service = await _open(shop, portal, data_dirs)
    try:
        service.full_next()
        assert (await service.snapshot()).pass_kind == "full"
    finally:
        await service.aclose()
    service = await _open(shop, portal, data_dirs)
    try:
        assert (await service.snapshot(full=True)).pass_kind == "full"
        assert (await service.snapshot()).pass_kind == "incremental"
    finally:
        await service.aclose()


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_an_incremental_pass_writes_only_what_changed(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    service = await _open(shop, portal, data_dirs, IDLE_CFG)
    try:
        await _synced(service)
        await service.snapshot()  # takes in the baselines the pass after the jobs agreed on
        queue = service.queue
        head = queue.mirror_head()
        assert head is not None
        kept = queue.load_mirror()
        assert kept is not None
        deal = next(r for r in portal.store.all("deal") if r.get("ORIGINATOR_ID") == ORIGINATOR)
        portal.store.update("deal", deal["ID"], {"OPPORTUNITY": "3.00"})
        await service.snapshot()
        again = queue.load_mirror()
        assert again is not None and again.head.generation == head.generation + 1
        changed = {
            (part, item)
            for part, entries in again.items.items()
            for item, data in entries
            if (item, data) not in kept.items.get(part, [])
        }
        assert changed == {("rec:order", str(deal["ID"]))}
        assert json.loads(dict(again.items["rec:order"])[str(deal["ID"])])[1]["OPPORTUNITY"] == "3.00"
    finally:
        await service.aclose()


def test_shop_values_keep_their_types() -> None:
    from datetime import UTC, date, datetime, time, timedelta
    from decimal import Decimal

    from bitrix_monitor.shop import OrderRow

    row = OrderRow(
        key="7",
        user_key="3",
        deal_id=12,
        title="Order #7",
        amount=Decimal("1250"),
        currency="RUB",
        stage="NEW",
        updated_at=datetime(2026, 11, 30, 8, 0, 1, 5, tzinfo=UTC),
        raw={
            "total": Decimal("12.50"),
            "at": datetime(2026, 1, 2, 3, 4, 5),
            "day": date(2026, 1, 2),
            "clock": time(3, 4),
            "took": timedelta(days=1, seconds=2),
            "blob": b"\x00\xff",
            "tags": ["a", 1],
            "meta": {"$": ["x"]},
            "ratio": 0.1,
            "none": None,
        },
        extra={"UF_CRM_1": "x"},
    )
    names = saved._fields_of("order")
    back = saved._row_of("order", names, saved._row_data("order", row))
    assert back == row and back.fingerprint == row.fingerprint
    assert dict(back.raw) == dict(row.raw)
    assert {k: type(v) for k, v in back.raw.items()} == {k: type(v) for k, v in row.raw.items()}
    # an invalid row's problem is a message (codes within codes): it comes back as the same codes, not text
    from bitrix_monitor.messages import Message, joined

    problem = joined(Message("row.key_empty"), Message("amount.not_a_number", {"value": "'x'"}))
    bad = dataclasses.replace(row, problem=problem)
    again = saved._row_of("order", names, saved._row_data("order", bad))
    assert again.problem == problem and isinstance(again.problem, Message)


def test_the_identity_never_holds_the_secret(tmp_path: Path) -> None:
    a = saved.identity(CFG.shop, shop="sqlite:///shop.db", portal="portal.example", originator="x")
    b = saved.identity(CFG.shop, shop="sqlite:///shop.db", portal="other.example", originator="x")
    assert a != b and len(a) == 64


def _report(stdout: str) -> dict[str, object]:
    return dict(json.loads(stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
def test_the_next_process_from_cron_is_incremental_and_costs_at_most_three_requests(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    cli = cli_factory(shop, portal, IDLE_TOML)
    first = cli.run("--sync", "--json")
    assert first.returncode == 0, first.stderr
    assert _report(first.stdout)["ok"] is True
    before = portal.stats.http_requests
    second = cli.run("--report", "--json")
    assert second.returncode == 0, second.stderr
    report = _report(second.stdout)
    assert report["reconcile"] == "incremental" and report["ok"] is True
    assert portal.stats.http_requests - before <= 3  # the whole process, counted by the portal
    idle = cli.run("--sync", "--json")
    assert idle.returncode == 0, idle.stderr
    report = _report(idle.stdout)
    assert report["reconcile"] == "incremental" and report["ok"] is True
    assert report["portal"]["requests"] <= 3  # type: ignore[index]
    deal = next(r for r in portal.store.all("deal") if r.get("ORIGINATOR_ID") == ORIGINATOR)
    portal.store.update("deal", deal["ID"], {"OPPORTUNITY": "1.00"})  # taken back by the next push
    other = next(key for key in shop.deal_ids() if key != deal["ORIGIN_ID"])
    shop.execute(REPRICE, k=other)
    third = cli.run("--sync", "--json")
    assert third.returncode == 0, third.stderr
    report = _report(third.stdout)
    assert report["reconcile"] == "incremental" and report["ok"] is True
    deals = {r["ORIGIN_ID"]: r for r in portal.store.all("deal") if r.get("ORIGINATOR_ID") == ORIGINATOR}
    assert deals[deal["ORIGIN_ID"]]["OPPORTUNITY"] != "1.00"
    assert float(deals[other]["OPPORTUNITY"]) == 7.77


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_desks_of_a_team_share_the_state_and_a_desk_behind_reads_the_newer_one(
    shop: Shop, portal: PortalEmulator, tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    anna, boris = DataDirs(tmp_path / "anna"), DataDirs(tmp_path / "boris")
    anna.ensure()
    boris.ensure()
    desk_a = await _open(shop, portal, anna, IDLE_CFG, queue=postgres_url)
    desk_a.owner = "desk-anna:1"  # one process plays both desks
    try:
        await _synced(desk_a)
        desk_b = await _open(shop, portal, boris, IDLE_CFG, queue=postgres_url)
        desk_b.owner = "desk-boris:2"
        try:
            before = portal.stats.http_requests
            snap = await desk_b.snapshot()  # a desk that starts goes on from the team's state
            assert snap.pass_kind == "incremental"
            assert portal.stats.http_requests - before <= 3
            assert snap.order_counts.in_sync == shop.orders
            head = desk_b.queue.mirror_head()
            assert head is not None and head.written_by == desk_b.owner
            deal = next(r for r in portal.store.all("deal") if r.get("ORIGINATOR_ID") == ORIGINATOR)
            portal.store.update("deal", deal["ID"], {"OPPORTUNITY": "2.00"})
            await _same_as_full(desk_b)
            # Desk A's state is older than the team's now: it reads the newer one, and goes on from it.
            with caplog.at_level(logging.INFO):
                before = portal.stats.http_requests
                snap = await desk_a.snapshot()
            assert "another process saved a newer reconcile state" in caplog.text
            assert snap.pass_kind == "incremental"
            assert portal.stats.http_requests - before <= 3
            assert {s.key: s.state.value for s in snap.orders}[deal["ORIGIN_ID"]] == "outdated"
            head = desk_a.queue.mirror_head()
            assert head is not None and head.written_by == desk_a.owner
            shop.execute(REPRICE, k=deal["ORIGIN_ID"])
            caplog.clear()
            with caplog.at_level(logging.INFO):
                await _same_as_full(desk_b)  # and desk B, behind again, reads desk A's
            assert "another process saved a newer reconcile state" in caplog.text
        finally:
            await desk_b.aclose()
    finally:
        await desk_a.aclose()


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_a_record_re_pointed_by_another_process_is_read_again_by_the_next_pass(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    """Unlinking writes the shop's id without moving updated_at: the process that did it may end before any
    reconcile, and the next process's incremental pass still reads the record again."""
    await _first_process(shop, portal, data_dirs)
    key, deal_id = next(iter(shop.deal_ids().items()))
    assert deal_id is not None
    portal.store.delete("deal", deal_id)
    service = await _open(shop, portal, data_dirs)  # deletions are looked for on every pass here
    try:
        stale = await service.snapshot()
        assert {s.key: s.state.value for s in stale.orders}[key] == "stale_link"
    finally:
        await service.aclose()
    service = await _open(shop, portal, data_dirs)
    try:
        assert await service.unlink("order", [(key, deal_id)]) == 1  # and the process ends
    finally:
        await service.aclose()
    service = await _open(shop, portal, data_dirs, IDLE_CFG)
    try:
        snap = await service.snapshot()
        assert snap.pass_kind == "incremental"
        assert {s.key: s.state.value for s in snap.orders}[key] == "missing"
        assert service.queue.recall("written_since_reconcile") is None  # read again: forgotten
    finally:
        await service.aclose()
