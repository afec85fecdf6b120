"""Stage moves made in the CRM come back to the shop (issue 14): the real entry point as a subprocess, the
portal emulator over loopback (at +03:00), the shop on SQLite, PostgreSQL and MariaDB, the desk in UTC."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.sync.conftest import FAST_CONFIG, Cli, Shop, make_shop

pytestmark = pytest.mark.slow

MANAGER = 7
STAGES = ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON")


@pytest.fixture
def small_shop(shop_url: str) -> Shop:
    return make_shop(shop_url, orders=30, users=10)


class Desk(Cli):
    """The CLI on a desk whose clock is in UTC (the portal is at +03:00)."""

    def env(self) -> dict[str, str]:
        return {**super().env(), "TZ": "UTC"}


def desk(tmp_path: Path, shop: Shop, portal: PortalEmulator, config: str = FAST_CONFIG) -> Desk:
    return Desk(tmp_path / "desk", shop.url, portal.webhook_url, config)


def sync(cli: Cli) -> tuple[int, dict[str, Any]]:
    done = cli.run("--sync", "--json")
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def shop_rows(shop: Shop) -> dict[str, tuple[str, object]]:
    """order key -> (status, updated_at)"""
    eng = sa.create_engine(shop.url)
    try:
        with eng.connect() as c:
            rows = c.execute(sa.text("SELECT order_id, status, updated_at FROM orders")).all()
    finally:
        eng.dispose()
    return {str(r[0]): (str(r[1]), r[2]) for r in rows}


def set_shop(shop: Shop, key: str, status: str, updated_at: datetime) -> None:
    eng = sa.create_engine(shop.url)
    try:
        with eng.begin() as c:
            c.execute(
                sa.text("UPDATE orders SET status = :s, updated_at = :u WHERE order_id = :k"),
                {"s": status, "u": updated_at.replace(tzinfo=None), "k": int(key)},
            )
    finally:
        eng.dispose()


def deals(portal: PortalEmulator) -> dict[str, dict[str, Any]]:
    """origin id (order key) -> deal"""
    return {d["ORIGIN_ID"]: d for d in portal.store.all("deal") if d.get("ORIGIN_ID")}


def other_stage(stage: str) -> str:
    return next(s for s in STAGES if s != stage)


def writes(portal: PortalEmulator) -> int:
    executed = portal.stats.snapshot().get("executed", {})
    return sum(n for m, n in executed.items() if not m.endswith((".list", ".get", ".fields")) and "." in m
               and m.split(".")[-1] in ("add", "update", "delete", "set", "mergebatch"))  # fmt: skip


def test_a_person_moves_20_deals_and_the_next_sync_brings_the_shop_to_them_not_back(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    cli = desk(tmp_path, small_shop, portal)
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    moved: dict[str, str] = {}
    for key, deal in list(deals(portal).items())[:20]:
        moved[key] = other_stage(deal["STAGE_ID"])
        portal.store.update("deal", deal["ID"], {"STAGE_ID": moved[key]}, as_user=MANAGER)
    code, report = sync(cli)
    assert code == 0, report
    assert report["ok"] is True
    assert report["orders"]["changed_in_crm"] == 0 and report["orders"]["conflicts"] == 0
    now = deals(portal)
    assert {k: now[k]["STAGE_ID"] for k in moved} == moved  # not moved back
    assert {k: v[0] for k, v in shop_rows(small_shop).items() if k in moved} == moved  # the shop follows
    assert all(now[k]["MODIFY_BY_ID"] == str(MANAGER) for k in moved)  # the app wrote nothing to them
    # Activity names each move: the deal, who moved it as the portal says, the stages by the portal's names.
    lines = [json.loads(x) for x in (cli.data_dir / "activity.jsonl").read_text().splitlines()]
    said = [e for e in lines if e.get("code") == "activity.stage_pulled_by"]
    assert sorted(e["params"]["order"] for e in said) == sorted(moved)
    assert {e["params"]["user"] for e in said} == {str(MANAGER)}
    assert all(" by user 7: " in e["action"] and "→" in e["action"] for e in said)

    # No echo: the next run sends nothing and writes nothing, on either side.
    before_shop, before_writes = shop_rows(small_shop), writes(portal)
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    assert writes(portal) == before_writes
    assert shop_rows(small_shop) == before_shop


def test_one_sided_changes_go_each_way(small_shop: Shop, portal: PortalEmulator, tmp_path: Path) -> None:
    cli = desk(tmp_path, small_shop, portal)
    assert sync(cli)[0] == 0
    (crm_key, crm_deal), (shop_key, shop_deal) = list(deals(portal).items())[:2]
    portal.store.update(
        "deal", crm_deal["ID"], {"STAGE_ID": other_stage(crm_deal["STAGE_ID"])}, as_user=MANAGER
    )
    new_status = other_stage(shop_deal["STAGE_ID"])
    set_shop(small_shop, shop_key, new_status, datetime.now(UTC))
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    assert shop_rows(small_shop)[crm_key][0] == other_stage(crm_deal["STAGE_ID"])
    assert deals(portal)[shop_key]["STAGE_ID"] == new_status


def test_both_changed_the_later_change_wins_across_time_zones(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    """The portal stamps its moves at +03:00; the shop's naive times are the desk's (UTC). The shop's
    change an hour in the future is the later one; an hour in the past, the CRM's is."""
    cli = desk(tmp_path, small_shop, portal)
    assert sync(cli)[0] == 0
    (late_key, late_deal), (early_key, early_deal) = [
        (k, d) for k, d in deals(portal).items() if d["STAGE_ID"] not in ("WON", "LOSE")
    ][:2]
    for deal in (late_deal, early_deal):
        portal.store.update("deal", deal["ID"], {"STAGE_ID": "WON"}, as_user=MANAGER)
    now = datetime.now(UTC)
    set_shop(small_shop, late_key, "LOSE", now + timedelta(hours=1))
    set_shop(small_shop, early_key, "LOSE", now - timedelta(hours=1))
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    assert deals(portal)[late_key]["STAGE_ID"] == "LOSE"  # the shop's later change went out
    assert shop_rows(small_shop)[late_key][0] == "LOSE"
    assert shop_rows(small_shop)[early_key][0] == "WON"  # the CRM's later change came in
    assert deals(portal)[early_key]["STAGE_ID"] == "WON"


def test_both_changed_without_times_is_a_conflict_left_for_a_person(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    cli = desk(tmp_path, small_shop, portal, FAST_CONFIG + '\n[shop.orders]\nupdated_at = ""\n')
    assert sync(cli)[0] == 0
    key, deal = next((k, d) for k, d in deals(portal).items() if d["STAGE_ID"] not in ("WON", "LOSE"))
    portal.store.update("deal", deal["ID"], {"STAGE_ID": "WON"}, as_user=MANAGER)
    set_shop(small_shop, key, "LOSE", datetime.now(UTC))
    for _ in range(2):  # and stays so: neither side is overwritten
        code, report = sync(cli)
        assert code == 1 and report["ok"] is False, report
        assert report["orders"]["conflicts"] == 1
        assert deals(portal)[key]["STAGE_ID"] == "WON"
        assert shop_rows(small_shop)[key][0] == "LOSE"
    text = cli.run("--sync").stdout
    assert "changed on both sides (conflicts):" in text
    # A person takes the CRM's stage: it is written into the shop, and nothing is moved back.
    done = cli.run("--resolve", f"order:{key}=crm")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"order {key}: took the CRM's Stage into the shop" in done.stdout
    assert shop_rows(small_shop)[key][0] == "WON"
    assert deals(portal)[key]["STAGE_ID"] == "WON"
    bad = cli.run("--resolve", f"order:{key}=both")
    assert bad.returncode == 2 and "write KIND:KEY=crm or KIND:KEY=shop" in bad.stderr


def test_a_stage_without_a_status_needs_a_mapping_and_nothing_is_guessed(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    # Two statuses are sent as LOSE: which one a deal lost in the CRM becomes is for a person to say.
    pairs = ", ".join(f'{s} = "{s}"' for s in (*STAGES, "LOSE")) + ', APOLOGY = "LOSE"'
    cli = desk(tmp_path, small_shop, portal, FAST_CONFIG + f"\n[shop.orders]\nstage_map = {{ {pairs} }}\n")
    assert sync(cli)[0] == 0
    key, deal = next((k, d) for k, d in deals(portal).items() if d["STAGE_ID"] != "LOSE")
    before = shop_rows(small_shop)[key]
    portal.store.update("deal", deal["ID"], {"STAGE_ID": "LOSE"}, as_user=MANAGER)
    code, report = sync(cli)
    assert code == 1 and report["orders"]["changed_in_crm"] == 1, report
    assert shop_rows(small_shop)[key] == before
    assert deals(portal)[key]["STAGE_ID"] == "LOSE"  # not moved back either
    # Saying it applies it.
    cli.config.write_text(cli.config.read_text() + 'stage_map_back = { LOSE = "LOSE" }\n')
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    assert shop_rows(small_shop)[key][0] == "LOSE"


def test_a_restart_resumes_the_cursor(small_shop: Shop, portal: PortalEmulator, tmp_path: Path) -> None:
    cli = desk(tmp_path, small_shop, portal)
    assert sync(cli)[0] == 0
    queue_file = next((tmp_path / "desk").rglob("*.sqlite*"))
    last = max(r["ID"] for r in portal.store.history.query({}, {"ID": "ASC"}, None))

    def cursor() -> int:
        with sqlite3.connect(queue_file) as db:
            return int(db.execute("SELECT value FROM pull_cursors").fetchone()[0])

    assert cursor() == 0  # read before the deals were made; the next run reads our own creations
    assert sync(cli)[0] == 0
    assert cursor() == last
    key, deal = next(iter(deals(portal).items()))
    portal.store.update("deal", deal["ID"], {"STAGE_ID": other_stage(deal["STAGE_ID"])}, as_user=MANAGER)
    assert sync(cli)[0] == 0
    assert cursor() == last + 1
    assert shop_rows(small_shop)[key][0] == deals(portal)[key]["STAGE_ID"]


if os.name != "posix":  # pragma: no cover
    pytestmark = pytest.mark.skip("subprocess tests assume POSIX")
