"""End to end: the real entry point as a subprocess, the portal emulator over loopback, a shop on
SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
import re
import signal
import time

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.sync.conftest import FAST_CONFIG, ORIGINATOR, Shop, assert_exactly_one_each, make_shop

pytestmark = pytest.mark.slow


def _report(stdout: str) -> dict[str, object]:
    return json.loads(stdout.strip().splitlines()[-1])


def test_initial_sync_gives_every_order_exactly_one_deal(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    cli = cli_factory(shop, portal)
    result = cli.run("--sync", "--json")
    assert result.returncode == 0, result.stderr
    report = _report(result.stdout)
    assert report["ok"] is True
    assert report["orders"]["checked"] == shop.orders
    assert report["orders"]["in_sync"] == shop.orders
    assert report["users"]["in_sync"] == shop.users
    assert report["queue"]["done"] >= shop.orders
    assert_exactly_one_each(portal, shop)


def test_dry_run_changes_nothing(shop: Shop, portal: PortalEmulator, cli_factory) -> None:
    cli = cli_factory(shop, portal)
    result = cli.run("--sync", "--dry-run")
    assert result.returncode == 1, result.stderr
    assert f"deal.create: {shop.orders}" in result.stdout
    assert portal.store.count("deal") == 0
    assert set(shop.deal_ids().values()) == {None}


def test_report_is_read_only_and_says_what_is_missing(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    cli = cli_factory(shop, portal)
    result = cli.run("--report", "--json")
    assert result.returncode == 1
    report = _report(result.stdout)
    assert report["orders"]["missing"] == shop.orders
    assert report["ok"] is False
    assert portal.store.count("deal") == 0


def test_stored_id_of_deleted_deal_is_recreated(shop: Shop, portal: PortalEmulator, cli_factory) -> None:
    # A later process goes on incrementally from the state the first one kept; deletions in the portal are
    # looked for every [sync] deletions_every, here on every pass.
    cli = cli_factory(shop, portal, FAST_CONFIG + 'deletions_every = "0.001s"\n')
    assert cli.run("--sync", "--json").returncode == 0
    key, deal_id = next(iter(shop.deal_ids().items()))
    assert deal_id is not None
    portal.store.delete("deal", deal_id)
    report = _report(cli.run("--report", "--json").stdout)
    assert report["orders"]["stale_link"] == 1
    result = cli.run("--sync", "--json")
    assert result.returncode == 0, result.stderr
    new_id = shop.deal_ids()[key]
    assert new_id is not None and new_id != deal_id
    assert_exactly_one_each(portal, shop)


def test_lost_response_after_the_portal_created_the_deal_makes_no_duplicate(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    portal.set_faults("lost=0.4")
    cli = cli_factory(shop, portal)
    result = cli.run("--sync", "--json")
    portal.set_faults("")
    assert portal.stats.faults_fired.get("lost", 0) > 0
    if result.returncode != 0:  # jobs still waiting to be settled: a second run finishes them
        result = cli.run("--sync", "--json")
    assert result.returncode == 0, result.stderr
    assert_exactly_one_each(portal, shop)


def test_sync_under_faults_ends_with_exactly_one_deal_per_order(shop_url: str, cli_factory) -> None:
    shop = make_shop(shop_url, orders=150, users=40)
    # Each fault kind has its own test; here they come together, often enough to matter in a short run.
    with PortalEmulator(
        limits="off", faults="e503=0.15,e500html=0.1,lost=0.1,timeout=0.05", seed=6
    ) as portal:
        cli = cli_factory(shop, portal)
        result = cli.run("--sync", "--json", timeout=400)
        assert result.returncode == 0, result.stderr
        assert _report(result.stdout)["ok"] is True
        fired = portal.stats.faults_fired
        assert sum(fired.values()) >= 3, fired
        assert len(fired) >= 2, fired
        assert_exactly_one_each(portal, shop)


def test_two_desks_syncing_one_postgres_shop_create_no_duplicate(postgres_url: str, cli_factory) -> None:
    shop = make_shop(postgres_url, orders=200, users=50)
    with PortalEmulator(limits="off", faults="slow=0.3:0.05", seed=2) as portal:
        desks = [cli_factory(shop, portal), cli_factory(shop, portal)]
        procs = [d.start("--sync", "--json") for d in desks]
        outs = [p.communicate(timeout=300) for p in procs]
        for p, (_out, err) in zip(procs, outs, strict=True):
            assert p.returncode in (0, 1), err
        final = desks[0].run("--sync", "--json")
        assert final.returncode == 0, final.stderr
        assert_exactly_one_each(portal, shop)


def test_sigkill_mid_sync_then_restart_finishes_without_duplicate(shop: Shop, cli_factory) -> None:
    with PortalEmulator(limits="off", faults="slow=0.5:0.1", seed=3) as portal:
        cli = cli_factory(shop, portal)
        proc = cli.start("--sync", "--json")
        deadline = time.monotonic() + 60
        while portal.store.count("deal") < 10 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        assert 0 < portal.store.count("deal") < shop.orders, "the kill should land mid-sync"
        result = cli.run("--sync", "--json")
        assert result.returncode == 0, result.stderr
        assert _report(result.stdout)["queue"]["dead"] == 0
        assert_exactly_one_each(portal, shop)


def test_wrong_shop_password_is_one_clear_line_and_exit_2(
    portal: PortalEmulator, cli_factory, tmp_path
) -> None:
    shop = Shop("mysql+pymysql://nobody:wrongpass@127.0.0.1:3306/test", 0, 0)
    cli = cli_factory(shop, portal)
    result = cli.run("--report")
    assert result.returncode == 2
    lines = [line for line in result.stderr.strip().splitlines() if line]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "wrongpass" not in result.stderr


def test_portal_records_carry_our_originator(shop: Shop, portal: PortalEmulator, cli_factory) -> None:
    cli_factory(shop, portal).run("--sync")
    deals = portal.store.all("deal")
    assert deals and all(d["ORIGINATOR_ID"] == ORIGINATOR for d in deals)


def test_watch_mode_syncs_changes_until_stopped(shop: Shop, portal: PortalEmulator, cli_factory) -> None:
    cli = cli_factory(shop, portal)
    proc = cli.start("--sync", "--watch", "0.3", "--json")
    try:
        deadline = time.monotonic() + 120
        while None in shop.deal_ids().values() and time.monotonic() < deadline:
            time.sleep(0.2)
        key, deal_id = next(iter(shop.deal_ids().items()))
        assert deal_id is not None
        shop.execute(
            "UPDATE orders SET total_price = 4321.5, updated_at = CURRENT_TIMESTAMP WHERE order_id = :k",
            k=int(key),
        )
        while portal.store.get("deal", deal_id)["OPPORTUNITY"] != "4321.50" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert portal.store.get("deal", deal_id)["OPPORTUNITY"] == "4321.50"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert _report(out)["ok"] is True


def test_archived_records_are_listed_and_restored_from_the_command_line(
    shop: Shop, portal: PortalEmulator, cli_factory
) -> None:
    cfg = FAST_CONFIG.replace("[sync]\n", '[sync]\ncleanup_policy = "archive"\n')
    cli = cli_factory(shop, portal, cfg)
    assert cli.run("--sync").returncode == 0
    key, deal_id = next(iter(shop.deal_ids().items()))
    extra = portal.store.add(
        "deal", {"TITLE": "typed by hand", "ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": key}
    )
    assert cli.run("--sync").returncode == 0
    assert portal.store.get("deal", extra) is None
    listing = cli.run("--list-archive")
    assert listing.returncode == 0
    line = next(x for x in listing.stdout.splitlines() if f"deal {extra} of shop key {key}" in x)
    path = line.split()[0]
    deals = portal.store.count("deal")
    # Four restores of one file, two of them at once: one deal, and each says what happened.
    first = cli.run("--restore", path)
    assert first.returncode == 0, first.stderr
    new_id = int(re.search(r" as deal (\d+)\.", first.stdout).group(1))  # type: ignore[union-attr]
    assert portal.store.get("deal", new_id)["TITLE"] == "typed by hand"
    assert shop.deal_ids()[key] == deal_id  # the shop pointed at the survivor, not at the restored copy
    assert f"keeps deal {deal_id}, which exists" in first.stdout and "now points" not in first.stdout
    together = [cli.start("--restore", path), cli.start("--restore", path)]
    outs = [p.communicate(timeout=120) for p in together]
    last = cli.run("--restore", path)
    for p, (out, err) in [*zip(together, outs, strict=True), (last, (last.stdout, last.stderr))]:
        assert p.returncode == 0, err
        assert f"was restored already, as deal {new_id}" in out and f"keeps deal {deal_id}." in out, out
    assert portal.store.count("deal") == deals + 1
    assert shop.deal_ids()[key] == deal_id
    assert f"restored as {new_id}" in cli.run("--list-archive").stdout
    # And the next sync leaves it alone: no second cleanup, no new archive file.
    files = sorted(cli.data_dir.joinpath("archive").glob("*.json"))
    again = cli.run("--sync", "--json")
    assert again.returncode == 0, again.stderr
    assert portal.store.get("deal", new_id) is not None
    assert sorted(cli.data_dir.joinpath("archive").glob("*.json")) == files
