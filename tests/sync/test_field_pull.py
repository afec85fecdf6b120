"""Edits made in the CRM come back to the shop (issue 14): ``[shop.users.owners] PHONE = "both"``, found by
``DATE_MODIFY``. The real entry point as a subprocess, the portal emulator over loopback at +03:00, the desk
in UTC, the shop on SQLite, PostgreSQL and MariaDB with naive timestamps in yet another zone."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.sync.conftest import FAST_CONFIG, Shop
from tests.sync.test_pull import MANAGER, desk, small_shop, sync, writes

pytestmark = pytest.mark.slow
__all__ = ["small_shop"]  # the fixture, used by name

SHOP_ZONE = "America/New_York"  # the shop's naive timestamps: neither the desk's (UTC) nor the portal's
PHONE_BOTH = FAST_CONFIG + f'\n[shop]\ntimezone = "{SHOP_ZONE}"\n\n[shop.users.owners]\nPHONE = "both"\n'


def users(shop: Shop) -> dict[str, tuple[str | None, object]]:
    """user key -> (phone_number, updated_at)"""
    eng = sa.create_engine(shop.url)
    try:
        with eng.connect() as c:
            rows = c.execute(sa.text("SELECT id, phone_number, updated_at FROM users")).all()
    finally:
        eng.dispose()
    return {str(r[0]): (r[1], r[2]) for r in rows}


def set_phone(shop: Shop, key: str, phone: str, at: datetime) -> None:
    """The shop changes a phone at instant ``at``, stored as the naive wall time of the shop's zone."""
    wall = at.astimezone(ZoneInfo(SHOP_ZONE)).replace(tzinfo=None)
    shop.execute(
        "UPDATE users SET phone_number = :p, updated_at = :u WHERE id = :k", p=phone, u=wall, k=int(key)
    )


def contacts(portal: PortalEmulator) -> dict[str, dict[str, Any]]:
    """origin id (user key) -> contact"""
    return {c["ORIGIN_ID"]: c for c in portal.store.all("contact") if c.get("ORIGIN_ID")}


def phones(contact: dict[str, Any]) -> list[str]:
    return [v["VALUE"] for v in contact.get("PHONE") or []]


def manager_sets_phone(portal: PortalEmulator, contact: dict[str, Any], phone: str) -> None:
    """A manager fixes the number in the CRM: the existing value changes (its ID stays)."""
    (first, *_rest) = contact["PHONE"]
    portal.store.update(
        "contact", contact["ID"], {"PHONE": [{"ID": first["ID"], "VALUE": phone}]}, as_user=MANAGER
    )


def with_phones(shop: Shop, portal: PortalEmulator, n: int) -> list[tuple[str, dict[str, Any]]]:
    """``n`` users whose contact carries exactly their phone."""
    have = users(shop)
    found = [(k, c) for k, c in contacts(portal).items() if have.get(k, (None,))[0] and len(phones(c)) == 1]
    assert len(found) >= n
    return found[:n]


def test_a_phone_fixed_in_the_crm_reaches_the_shop_and_nothing_echoes(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    cli = desk(tmp_path, small_shop, portal, PHONE_BOTH)
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    (key, contact), (other, _c) = with_phones(small_shop, portal, 2)
    manager_sets_phone(portal, contact, "+7 900 111-22-33")
    code, report = sync(cli)
    assert code == 0 and report["ok"] is True, report
    assert report["users"]["changed_in_crm"] == 0 and report["users"]["conflicts"] == 0
    assert users(small_shop)[key][0] == "+7 900 111-22-33"
    assert phones(contacts(portal)[key]) == ["+7 900 111-22-33"]  # not moved back
    assert contacts(portal)[key]["MODIFY_BY_ID"] == str(MANAGER)  # the app wrote nothing to it
    assert users(small_shop)[other] != ("+7 900 111-22-33", None)

    # No echo: the next run sends nothing and writes nothing, on either side.
    before_shop, before_writes = users(small_shop), writes(portal)
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    assert writes(portal) == before_writes
    assert users(small_shop) == before_shop


def test_one_sided_phone_changes_go_each_way(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    cli = desk(tmp_path, small_shop, portal, PHONE_BOTH)
    assert sync(cli)[0] == 0
    (crm_key, crm_contact), (shop_key, _c) = with_phones(small_shop, portal, 2)
    manager_sets_phone(portal, crm_contact, "+7 900 000-00-01")
    set_phone(small_shop, shop_key, "+7 900 000-00-02", datetime.now(UTC))
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    assert users(small_shop)[crm_key][0] == "+7 900 000-00-01"
    assert phones(contacts(portal)[shop_key]) == ["+7 900 000-00-02"]


def test_both_changed_the_later_change_wins_across_three_zones(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    """The portal stamps DATE_MODIFY at +03:00, the desk runs in UTC, the shop writes naive New York times.
    The shop's change an hour in the future is the later one; an hour in the past, the CRM's is."""
    cli = desk(tmp_path, small_shop, portal, PHONE_BOTH)
    assert sync(cli)[0] == 0
    (late, late_contact), (early, early_contact) = with_phones(small_shop, portal, 2)
    manager_sets_phone(portal, late_contact, "+7 900 000-00-11")
    manager_sets_phone(portal, early_contact, "+7 900 000-00-12")
    now = datetime.now(UTC)
    set_phone(small_shop, late, "+7 900 000-00-21", now + timedelta(hours=1))
    set_phone(small_shop, early, "+7 900 000-00-22", now - timedelta(hours=1))
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    assert phones(contacts(portal)[late]) == ["+7 900 000-00-21"]  # the shop's later change went out
    assert users(small_shop)[late][0] == "+7 900 000-00-21"
    assert users(small_shop)[early][0] == "+7 900 000-00-12"  # the CRM's later change came in
    assert phones(contacts(portal)[early]) == ["+7 900 000-00-12"]


def test_both_changed_without_times_is_a_conflict_a_person_resolves(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    cli = desk(tmp_path, small_shop, portal, PHONE_BOTH + '\n[shop.users]\nupdated_at = ""\n')
    assert sync(cli)[0] == 0
    (key, contact), (kept, kept_contact) = with_phones(small_shop, portal, 2)
    for k, c, n in ((key, contact, 1), (kept, kept_contact, 2)):
        manager_sets_phone(portal, c, f"+7 900 000-00-3{n}")
        set_phone(small_shop, k, f"+7 900 000-00-4{n}", datetime.now(UTC))
    for _ in range(2):  # and stays so: neither side is overwritten
        code, report = sync(cli)
        assert code == 1 and report["ok"] is False, report
        assert report["users"]["conflicts"] == 2
        assert phones(contacts(portal)[key]) == ["+7 900 000-00-31"]
        assert users(small_shop)[key][0] == "+7 900 000-00-41"
    assert "changed on both sides (conflicts):" in cli.run("--sync").stdout
    # A dry run changes nothing, so it does not settle anything either: refused, both sides as they were.
    dry = cli.run("--sync", "--dry-run", "--resolve", f"user:{key}=crm")
    assert dry.returncode == 2 and "leave out --dry-run" in dry.stderr, dry.stdout + dry.stderr
    assert users(small_shop)[key][0] == "+7 900 000-00-41"
    assert phones(contacts(portal)[key]) == ["+7 900 000-00-31"]
    # A person takes the CRM's number for one and the shop's for the other.
    done = cli.run("--sync", "--json", "--resolve", f"user:{key}=crm", "--resolve", f"user:{kept}=shop")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0 and report["ok"], done.stdout + done.stderr
    assert users(small_shop)[key][0] == "+7 900 000-00-31"
    assert phones(contacts(portal)[key]) == ["+7 900 000-00-31"]
    assert phones(contacts(portal)[kept]) == ["+7 900 000-00-42"]
    assert users(small_shop)[kept][0] == "+7 900 000-00-42"


def test_a_restart_resumes_the_window_without_missing_or_repeating(
    small_shop: Shop, portal: PortalEmulator, tmp_path: Path
) -> None:
    cli = desk(tmp_path, small_shop, portal, PHONE_BOTH)
    assert sync(cli)[0] == 0
    queue_file = next((tmp_path / "desk").rglob("*.sqlite*"))

    def window() -> dict[str, Any]:
        with sqlite3.connect(queue_file) as db:
            value = db.execute("SELECT value FROM remembered WHERE name = 'pull.modified.contact'").fetchone()
        return dict(json.loads(value[0]))

    first = window()["since"]
    (key, contact), (other, other_contact) = with_phones(small_shop, portal, 2)
    manager_sets_phone(portal, contact, "+7 900 000-00-51")
    assert sync(cli)[0] == 0
    assert window()["since"] >= first  # kept and never moved back (the portal's clock counts whole seconds)
    assert users(small_shop)[key][0] == "+7 900 000-00-51"
    # The shop changes it again right after: a second read of the same CRM edit (the overlap) does not
    # bring the CRM's number back over it.
    set_phone(small_shop, key, "+7 900 000-00-52", datetime.now(UTC))
    manager_sets_phone(portal, other_contact, "+7 900 000-00-53")
    code, report = sync(cli)
    assert code == 0 and report["ok"], report
    assert users(small_shop)[key][0] == "+7 900 000-00-52"
    assert phones(contacts(portal)[key]) == ["+7 900 000-00-52"]
    assert users(small_shop)[other][0] == "+7 900 000-00-53"


if os.name != "posix":  # pragma: no cover
    pytestmark = pytest.mark.skip("subprocess tests assume POSIX")


def test_a_save_within_the_second_the_app_settled_is_not_taken_for_the_settled_one() -> None:
    """The portal's clock counts whole seconds: a manager's save right after the app settled a record keeps
    its DATE_MODIFY, and only its values tell the two apart. A cursor kept before values were remembered
    (DATE_MODIFY alone) is still read as it was."""
    from bitrix_monitor.sync.field_pull import _mark, _settled

    settled = {"ID": "7", "DATE_MODIFY": "2026-11-30T18:39:48+03:00", "PHONE": [{"ID": "3", "VALUE": "+7 1"}]}
    again = dict(settled)
    saved = dict(settled, PHONE=[{"ID": "3", "VALUE": "+7 2"}])
    later = dict(settled, DATE_MODIFY="2026-11-30T18:39:49+03:00")
    assert _settled(_mark(settled), again)
    assert not _settled(_mark(settled), saved)
    assert not _settled(_mark(settled), later)
    assert not _settled(None, settled)
    assert _settled("2026-11-30T18:39:48+03:00", saved)  # the old cursor: the moment alone
    assert not _settled("2026-11-30T18:39:48+03:00", later)
