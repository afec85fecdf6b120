"""Shop values an attacker would choose: text the portal's batch substitutes (``$result[a0]`` and its
kin), empty keys, stored ids that are not ids, amounts that are not numbers. Each either reaches the portal
exactly as written, exactly once, or is a per-record problem found at once; none loops or waits."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.sync.conftest import FAST_CONFIG, ORIGINATOR, Cli, Shop

CONFIG = FAST_CONFIG  # retries a fraction of a second apart


def text_key_shop(path: Path, users: list[dict[str, Any]], orders: list[dict[str, Any]]) -> Shop:
    """A shop whose keys and stored ids are text columns (so any value can be stored in them)."""
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(
            sa.text(
                "CREATE TABLE users (id TEXT PRIMARY KEY, full_name TEXT, email TEXT, phone_number TEXT, "
                "company TEXT, updated_at TIMESTAMP, bitrix_contact_id TEXT)"
            )
        )
        c.execute(
            sa.text(
                "CREATE TABLE orders (order_id TEXT PRIMARY KEY, user_id TEXT, service_id INTEGER, "
                "total_price TEXT, status TEXT, updated_at TIMESTAMP, bitrix_deal_id TEXT)"
            )
        )
        for u in users:
            c.execute(
                sa.text("INSERT INTO users VALUES (:id, :name, :email, NULL, NULL, '2026-01-01', :cid)"),
                {"email": None, "cid": None, **u},
            )
        for o in orders:
            c.execute(
                sa.text("INSERT INTO orders VALUES (:key, :user, 5, :amount, 'NEW', '2026-01-01', :did)"),
                {"user": "u1", "amount": "10.00", "did": None, **o},
            )
    engine.dispose()
    return Shop(url, len(orders), len(users))


def ours(portal: PortalEmulator, entity: str) -> list[dict[str, Any]]:
    return [r for r in portal.store.all(entity) if r.get("ORIGINATOR_ID") == ORIGINATOR]


def report_of(run: Any) -> dict[str, Any]:
    last = [line for line in run.stdout.splitlines() if line.startswith("{")][-1]
    report: dict[str, Any] = json.loads(last)
    return report


NAMES = {
    "u1": "Plain Person",
    "u2": "$result[a0]",
    "u3": "Ann $RESULT[a0][ID] Lee",
    "u4": "$next[a0]",
    "u5": "x$total[a1]",
    "u6": "$time[a0][start]",
    "u7": "$error[a0][error]",
}


def test_names_with_batch_syntax_reach_the_portal_exactly(tmp_path: Path) -> None:
    shop = text_key_shop(tmp_path / "shop.sqlite3", [{"id": k, "name": v} for k, v in NAMES.items()], [])
    with PortalEmulator(limits="off", seed=1) as portal:
        run = Cli(tmp_path / "d", shop.url, portal.webhook_url, CONFIG).run("--sync", "--json")
        contacts = {r["ORIGIN_ID"]: r for r in ours(portal, "contact")}
    assert run.returncode == 0, run.stderr
    assert sorted(contacts) == sorted(NAMES)
    for key, name in NAMES.items():
        shown = " ".join(p for p in (contacts[key]["NAME"], contacts[key]["LAST_NAME"]) if p)
        assert shown == name, key
    assert shop.contact_ids() == {k: int(r["ID"]) for k, r in contacts.items()}


def test_order_keyed_with_batch_syntax_gets_one_deal_under_lost_answers(tmp_path: Path) -> None:
    keys = ["A1", "B$result[a0]", "C$result[a1][ID]", "D$RESULT[o0]", "E2", "$result[a0]"]
    shop = text_key_shop(
        tmp_path / "shop.sqlite3", [{"id": "u1", "name": "Buyer One"}], [{"key": k} for k in keys]
    )
    with PortalEmulator(limits="off", seed=7, faults="lost=0.35") as portal:
        cli = Cli(tmp_path / "d", shop.url, portal.webhook_url, CONFIG)
        runs = []
        for _ in range(8):
            runs.append(cli.run("--sync", "--json"))
            if runs[-1].returncode == 0:
                break
        portal.set_faults("")
        final = cli.run("--sync", "--json")
        deals = ours(portal, "deal")
    assert final.returncode == 0, final.stderr
    assert Counter(d["ORIGIN_ID"] for d in deals) == Counter(keys)  # exactly one each, exactly that key
    titles = {d["ORIGIN_ID"]: d["TITLE"] for d in deals}
    assert all(titles[k] == f"Order #{k} - 5" for k in keys), titles
    assert shop.deal_ids() == {d["ORIGIN_ID"]: int(d["ID"]) for d in deals}
    assert all("Traceback" not in r.stderr for r in [*runs, final])


def test_empty_key_is_a_per_record_error_never_a_record(tmp_path: Path) -> None:
    shop = text_key_shop(
        tmp_path / "shop.sqlite3",
        [{"id": "u1", "name": "Buyer One"}, {"id": "", "name": "Nobody Keyed"}],
        [{"key": "A1"}, {"key": ""}, {"key": "   "}],
    )
    with PortalEmulator(limits="off", seed=1) as portal:
        cli = Cli(tmp_path / "d", shop.url, portal.webhook_url, CONFIG)
        dry = cli.run("--sync", "--dry-run")
        first = cli.run("--sync", "--json")
        second = cli.run("--sync", "--json")
        deals, contacts = ours(portal, "deal"), ours(portal, "contact")
    assert "Nobody Keyed" not in dry.stdout and "deal.create  " not in dry.stdout
    assert first.returncode == second.returncode == 1  # problems remain: they need a person
    report = report_of(second)
    assert report["orders"]["invalid"] == 2 and report["users"]["invalid"] == 1
    assert [d["ORIGIN_ID"] for d in deals] == ["A1"]
    assert [c["ORIGIN_ID"] for c in contacts] == ["u1"]
    assert report["queue"]["running"] == 0 and report["queue"]["queued"] == 0


def _sync_twice_with_one_bad_order(tmp_path: Path, **bad: str) -> tuple[dict[str, Any], str, float, Shop]:
    """Orders A1 (fine) and A2 (``bad`` columns); two ``--sync`` runs, then ``--report``. Both syncs exit 1
    (A2 needs a person), nothing is left queued or running, and only A1 has a deal. Returns the second
    report, the text report, the seconds the syncs took, and the shop."""
    shop = text_key_shop(
        tmp_path / "shop.sqlite3", [{"id": "u1", "name": "Buyer One"}], [{"key": "A1"}, {"key": "A2", **bad}]
    )
    with PortalEmulator(limits="off", seed=1) as portal:
        cli = Cli(tmp_path / "d", shop.url, portal.webhook_url, CONFIG)
        started = time.monotonic()
        first = cli.run("--sync", "--json", timeout=60)
        second = cli.run("--sync", "--json", timeout=60)
        took = time.monotonic() - started
        report_text = cli.run("--report").stdout
        deals = ours(portal, "deal")
    assert first.returncode == second.returncode == 1, first.stderr
    report = report_of(second)
    assert report["orders"]["invalid"] == 1
    assert report["queue"]["running"] == 0 and report["queue"]["queued"] == 0
    assert [d["ORIGIN_ID"] for d in deals] == ["A1"]  # nothing made for the bad row
    assert shop.deal_ids() == {"A1": int(deals[0]["ID"]), "A2": None}
    return report, report_text, took, shop


@pytest.mark.parametrize("stored", ["-5", "12abc", "1.0", "１２", " 12", "0x1F"])
def test_stored_id_that_is_not_an_id_is_a_problem_found_at_once(tmp_path: Path, stored: str) -> None:
    _report, report_text, took, shop = _sync_twice_with_one_bad_order(tmp_path, did=stored)
    assert took < 40, f"two syncs took {took:.0f} s"
    with sa.create_engine(shop.url).connect() as c:  # the shop's value is left for a person
        assert c.execute(sa.text("SELECT bitrix_deal_id FROM orders WHERE order_id='A2'")).scalar() == stored
    assert "to fix in the shop" in report_text


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-inf", "1e309", "twelve", "1e20", "12.3.4"])
def test_amount_that_is_not_a_number_is_a_per_record_error(tmp_path: Path, amount: str) -> None:
    report, _text, _took, _shop = _sync_twice_with_one_bad_order(tmp_path, amount=amount)
    assert report["orders"]["outdated"] == 0
