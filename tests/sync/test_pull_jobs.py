"""A stage move or a field edit the shop cannot take when it is pulled becomes a queue job (issue 14,
item 6): retried with backoff, dead with its reason after max attempts, retried by staff
(``--retry-dead order.pull`` / ``user.pull``), then written by the same compare-and-set, with no echo
after. The real entry point in a subprocess, the shop on SQLite, PostgreSQL and MariaDB; the shop refuses
writes of a column by a trigger while the test says so."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.sync.conftest import FAST_CONFIG, Shop, make_shop
from tests.sync.test_field_pull import PHONE_BOTH, contacts, manager_sets_phone, phones, users, with_phones
from tests.sync.test_pull import MANAGER, deals, desk, other_stage, shop_rows, sync, writes

pytestmark = pytest.mark.slow

REFUSED = "status writes refused by the test"
FEW_ATTEMPTS = FAST_CONFIG.replace("max_attempts = 30", "max_attempts = 3")


@pytest.fixture
def small_shop(shop_url: str) -> Shop:
    return make_shop(shop_url, orders=12, users=5)


def refuse_writes(shop: Shop, refuse: bool, table: str = "orders", column: str = "status") -> None:
    """A trigger that makes the shop fail every write of a column (an order's status: a write refused)."""
    eng = sa.create_engine(shop.url)
    try:
        with eng.begin() as c:
            if eng.dialect.name == "sqlite":
                c.execute(
                    sa.text(
                        f"CREATE TRIGGER refuse BEFORE UPDATE OF {column} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
                    )
                    if refuse
                    else sa.text("DROP TRIGGER refuse")
                )
            elif eng.dialect.name == "postgresql":
                if refuse:
                    c.execute(
                        sa.text(
                            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                            f"RAISE EXCEPTION '{REFUSED}'; END $$ LANGUAGE plpgsql"
                        )
                    )
                    c.execute(
                        sa.text(
                            f"CREATE TRIGGER refuse BEFORE UPDATE OF {column} ON {table} "
                            "FOR EACH ROW EXECUTE FUNCTION refuse()"
                        )
                    )
                else:
                    c.execute(sa.text(f"DROP TRIGGER refuse ON {table}"))
            elif refuse:
                c.execute(
                    sa.text(
                        f"CREATE TRIGGER refuse BEFORE UPDATE ON {table} FOR EACH ROW BEGIN "
                        f"IF NOT (NEW.{column} <=> OLD.{column}) THEN "
                        f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REFUSED}'; END IF; END"
                    )
                )
            else:
                c.execute(sa.text("DROP TRIGGER refuse"))
    finally:
        eng.dispose()


def pull_jobs(data_dir: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(data_dir / "queue.sqlite3") as c:
        c.row_factory = sqlite3.Row
        rows = c.execute(
            "SELECT kind, entity_key, state, attempts, payload, error_message, result FROM jobs "
            "WHERE kind LIKE '%.pull'"
        ).fetchall()
    return [dict(r) for r in rows]


def test_a_pulled_stage_the_shop_refuses_becomes_a_pull_job_retried_dead_then_applied(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    cli = desk(tmp_path, small_shop, portal, FEW_ATTEMPTS)
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    moved: dict[str, str] = {}
    for key, deal in list(deals(portal).items())[:3]:
        moved[key] = other_stage(deal["STAGE_ID"])
        portal.store.update("deal", deal["ID"], {"STAGE_ID": moved[key]}, as_user=MANAGER)
    before = {k: v[0] for k, v in shop_rows(small_shop).items()}

    # The shop refuses the writes: each move becomes a deal.pull job, retried, dead with the reason.
    refuse_writes(small_shop, True)
    code, report = sync(cli)
    assert report["ok"] is False and report["orders"]["changed_in_crm"] == 3, report
    jobs = pull_jobs(cli.data_dir)
    assert sorted(j["entity_key"] for j in jobs) == sorted(moved)
    assert all(j["kind"] == "deal.pull" and j["state"] == "dead" and j["attempts"] == 3 for j in jobs), jobs
    assert all(REFUSED in j["error_message"] for j in jobs), jobs
    assert {j["entity_key"]: json.loads(j["payload"])["STAGE_ID"]["value"] for j in jobs} == moved
    assert {k: v[0] for k, v in shop_rows(small_shop).items()} == before  # nothing half-written
    assert {k: d["STAGE_ID"] for k, d in deals(portal).items() if k in moved} == moved  # nor pushed back

    # A run while they are dead neither pulls them again (one job per record) nor pushes the old stage.
    code, report = sync(cli)
    assert len(pull_jobs(cli.data_dir)) == 3
    assert {k: d["STAGE_ID"] for k, d in deals(portal).items() if k in moved} == moved

    # Staff retry them once the shop takes writes again: written by compare-and-set, the report is clean.
    refuse_writes(small_shop, False)
    done = cli.run("--retry-dead", "order.pull")
    assert done.returncode == 0 and "Queued 3 dead" in done.stdout, done.stdout + done.stderr
    code, report = sync(cli)
    assert code == 0 and report["ok"], (report, pull_jobs(cli.data_dir))
    assert report["orders"]["changed_in_crm"] == 0
    assert {j["state"] for j in pull_jobs(cli.data_dir)} == {"done"}
    assert {k: v[0] for k, v in shop_rows(small_shop).items() if k in moved} == moved

    # No echo: the next run sends nothing and writes nothing, on either side.
    before_shop, before_writes = shop_rows(small_shop), writes(portal)
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    assert writes(portal) == before_writes
    assert shop_rows(small_shop) == before_shop


def test_a_pulled_phone_the_shop_refuses_becomes_a_contact_pull_job_then_applied(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    cli = desk(tmp_path, small_shop, portal, PHONE_BOTH.replace("max_attempts = 30", "max_attempts = 3"))
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    ((key, contact),) = with_phones(small_shop, portal, 1)
    manager_sets_phone(portal, contact, "+7 900 111-22-33")
    refuse_writes(small_shop, True, "users", "phone_number")
    code, report = sync(cli)
    assert report["ok"] is False, report
    (job,) = pull_jobs(cli.data_dir)
    assert (job["kind"], job["entity_key"], job["state"], job["attempts"]) == ("contact.pull", key, "dead", 3)
    assert REFUSED in job["error_message"]
    assert json.loads(job["payload"])["PHONE"]["value"] == "+7 900 111-22-33"
    assert phones(contacts(portal)[key]) == ["+7 900 111-22-33"]  # not pushed back

    refuse_writes(small_shop, False, "users", "phone_number")
    done = cli.run("--retry-dead", "user.pull")
    assert done.returncode == 0 and "Queued 1 dead" in done.stdout, done.stdout + done.stderr
    code, report = sync(cli)
    assert code == 0 and report["ok"], (report, pull_jobs(cli.data_dir))
    assert [j["state"] for j in pull_jobs(cli.data_dir)] == ["done"]
    assert users(small_shop)[key][0] == "+7 900 111-22-33"

    before_shop, before_writes = users(small_shop), writes(portal)
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    assert writes(portal) == before_writes and users(small_shop) == before_shop
