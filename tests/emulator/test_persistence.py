"""state_path / --state: the portal survives restarts (records, ids, multi-fields, bindings, secret)."""

from __future__ import annotations

from pathlib import Path

import httpx

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.emulator.helpers import ok


def test_state_survives_a_restart(tmp_path: Path, http: httpx.Client) -> None:
    state = tmp_path / "portal.sqlite3"
    with PortalEmulator(state_path=state) as portal:
        secret = portal.secret
        contact = ok(
            http.post(
                portal.webhook_url + "crm.contact.add",
                json={"fields": {"NAME": "Ann", "PHONE": [{"VALUE": "+7 900 555-00-11"}], "ORIGIN_ID": "u1"}},
            )
        )
        deal = portal.store.add("deal", {"TITLE": "Order 1", "CONTACT_IDS": [contact], "ORIGIN_ID": "o1"})
        gone = portal.store.add("deal", {"TITLE": "deleted"})
        portal.store.delete("deal", gone)
        portal.store.update("deal", deal, {"OPPORTUNITY": 99})
        before = (portal.store.all("deal"), portal.store.all("contact"))

    with PortalEmulator(state_path=state) as portal:
        assert portal.secret == secret
        assert (portal.store.all("deal"), portal.store.all("contact")) == before
        assert portal.store.deal_contacts(deal) == [contact]
        assert ok(http.post(portal.webhook_url + "crm.deal.add", json={})) == gone + 1  # ids never reused
        found = ok(
            http.post(
                portal.webhook_url + "crm.duplicate.findbycomm",
                json={"type": "PHONE", "values": ["79005550011"]},
            )
        )
        assert found == {"CONTACT": [contact]}
        rows = ok(
            http.post(
                portal.webhook_url + "crm.deal.list", json={"filter": {"ORIGIN_ID": "o1"}, "select": ["ID"]}
            )
        )
        assert rows == [{"ID": str(deal)}]
        new_contact = portal.store.add("contact", {"PHONE": [{"VALUE": "1"}]})
        new_row = portal.store.get("contact", new_contact)
        old_row = portal.store.get("contact", contact)
        assert new_row is not None
        assert old_row is not None
        assert int(new_row["PHONE"][0]["ID"]) > int(old_row["PHONE"][0]["ID"])


def test_without_state_each_start_is_a_new_portal() -> None:
    with PortalEmulator() as first, PortalEmulator() as second:
        assert first.secret != second.secret
        first.store.add("deal", {})
        assert second.store.count("deal") == 0


def test_explicit_secret_wins_and_is_kept(tmp_path: Path) -> None:
    state = tmp_path / "portal.sqlite3"
    with PortalEmulator(state_path=state, secret="fixedsecret12345") as portal:
        assert portal.webhook_url.endswith("/rest/1/fixedsecret12345/")
    with PortalEmulator(state_path=state) as portal:
        assert portal.secret == "fixedsecret12345"
