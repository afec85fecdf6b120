"""Companies (reference §11): crm.company.* like contacts, contact ↔ company bindings from both sides, deal
COMPANY_ID, duplicates by phone/e-mail and merging with entity type 4, persistence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.emulator.conftest import Call
from tests.emulator.helpers import error, ok

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def _company(portal: PortalEmulator, **fields: Any) -> int:
    return portal.store.add("company", {"TITLE": "Acme", **fields})


def test_add_returns_int_update_and_delete_return_true(call: Call) -> None:
    company = ok(call("crm.company.add", fields={"TITLE": "Acme"}))
    assert type(company) is int
    assert ok(call("crm.company.update", id=company, fields={"TITLE": "Acme Ltd"})) is True
    assert ok(call("crm.company.get", id=company))["TITLE"] == "Acme Ltd"
    assert ok(call("crm.company.delete", id=company)) is True
    assert error(call("crm.company.get", id=company), 400) == {"error": "", "error_description": "Not found"}


def test_company_row_is_string_typed_with_the_portals_defaults(call: Call) -> None:
    company = ok(
        call(
            "crm.company.add",
            fields={"TITLE": "Acme", "REVENUE": 1500000.5, "ORIGINATOR_ID": "shop", "ORIGIN_ID": 7},
        )
    )
    row = ok(call("crm.company.get", id=company))
    assert row["ID"] == str(company)
    assert (row["COMPANY_TYPE"], row["OPENED"], row["IS_MY_COMPANY"]) == ("CUSTOMER", "Y", "N")
    assert row["REVENUE"] == "1500000.5"  # a float column, not DECIMAL(18,2)
    assert (row["ORIGINATOR_ID"], row["ORIGIN_ID"]) == ("shop", "7")
    assert (row["HAS_PHONE"], row["HAS_EMAIL"]) == ("N", "N")
    assert row["COMMENTS"] is None
    assert ISO.fullmatch(row["DATE_CREATE"])
    assert all(isinstance(v, str) for v in row.values() if v is not None)
    assert "PHONE" not in row  # multi-fields only when not empty
    assert "CONTACT_ID" not in row


def test_company_without_title_gets_a_placeholder_and_revenue_reads_zero(call: Call) -> None:
    company = ok(call("crm.company.add", fields={}))
    row = ok(call("crm.company.get", id=company))
    assert (row["TITLE"], row["REVENUE"]) == (f"Company #{company}", "0")


@pytest.mark.parametrize(
    ("method", "description", "code"),
    [
        ("crm.company.get", "Not found", ""),
        ("crm.company.update", "Company is not found", ""),
        ("crm.company.delete", "Company is not found", ""),
    ],
)
def test_missing_company_answers(call: Call, method: str, description: str, code: str) -> None:
    answer = error(call(method, id=999, fields={"TITLE": "x"}), 400)
    assert answer == {"error": code, "error_description": description}


@pytest.mark.parametrize("method", ["crm.company.get", "crm.company.update", "crm.company.delete"])
def test_a_bad_company_id_is_not_defined_or_invalid(call: Call, method: str) -> None:
    answer = error(call(method, id=0, fields={"TITLE": "x"}), 400)
    assert answer["error_description"] == "ID is not defined or invalid."


def test_company_multifields_follow_the_contact_write_rules(call: Call) -> None:
    company = ok(
        call(
            "crm.company.add",
            fields={
                "TITLE": "Acme",
                "PHONE": [{"VALUE": "+1 555 0100", "VALUE_TYPE": "WORK"}, {"VALUE": "+1 555 0101"}],
                "EMAIL": [{"VALUE": "office@acme.test", "VALUE_TYPE": "WORK"}],
            },
        )
    )
    row = ok(call("crm.company.get", id=company))
    assert (row["HAS_PHONE"], row["HAS_EMAIL"]) == ("Y", "Y")
    first, second = row["PHONE"]
    assert first == {"ID": first["ID"], "VALUE_TYPE": "WORK", "VALUE": "+1 555 0100", "TYPE_ID": "PHONE"}
    fields = {"PHONE": [{"ID": first["ID"], "DELETE": "Y"}, {"ID": second["ID"], "VALUE": "+1 555 0199"}]}
    ok(call("crm.company.update", id=company, fields=fields))
    row = ok(call("crm.company.get", id=company))
    assert [p["VALUE"] for p in row["PHONE"]] == ["+1 555 0199"]
    assert row["EMAIL"][0]["VALUE"] == "office@acme.test"


def test_company_bad_email_is_an_error_core_in_the_companys_words(call: Call, portal: PortalEmulator) -> None:
    answer = error(
        call("crm.company.add", fields={"TITLE": "x", "EMAIL": [{"VALUE": "not-an-address"}]}), 400
    )
    assert answer == {
        "error": "ERROR_CORE",
        "error_description": "The `E-mail` field contains an invalid address",
    }
    assert portal.store.count("company") == 0


def test_company_list_filters_pages_and_selects_multifields(call: Call, portal: PortalEmulator) -> None:
    for i in range(60):
        _company(portal, ORIGINATOR_ID="shop", ORIGIN_ID=str(i), PHONE=[{"VALUE": f"+1 555 {i:04d}"}])
    _company(portal, ORIGINATOR_ID="other", ORIGIN_ID="5")
    page = call("crm.company.list", filter={"ORIGINATOR_ID": "shop"}, select=["ID", "ORIGIN_ID"]).json()
    assert (len(page["result"]), page["next"], page["total"]) == (50, 50, 60)
    assert set(page["result"][0]) == {"ID", "ORIGIN_ID"}
    rows = ok(
        call("crm.company.list", filter={"ORIGINATOR_ID": "shop", "ORIGIN_ID": "5"}, select=["*", "PHONE"])
    )
    assert len(rows) == 1
    assert rows[0]["PHONE"][0]["VALUE"] == "+1 555 0005"
    assert rows[0]["TITLE"] == "Acme"
    last = call("crm.company.list", filter={">ID": 55}, select=["ID"], start=-1).json()
    assert (len(last["result"]), last["total"]) == (6, 0)
    assert "next" not in last


def test_company_fields_metadata(call: Call) -> None:
    fields = ok(call("crm.company.fields"))
    assert fields["TITLE"]["isRequired"] is True
    assert fields["COMPANY_TYPE"]["statusType"] == "COMPANY_TYPE"
    assert fields["REVENUE"]["type"] == "double"
    assert (fields["CONTACT_ID"]["type"], fields["CONTACT_ID"]["isMultiple"]) == ("crm_contact", True)
    assert fields["PHONE"]["type"] == fields["EMAIL"]["type"] == "crm_multifield"
    assert fields["ORIGINATOR_ID"]["type"] == fields["ORIGIN_ID"]["type"] == "string"
    assert fields["ID"]["isReadOnly"] is True
    assert "TYPE_ID" not in fields


# ---------------------------------------------------------------------------------------- bindings


def test_contact_company_ids_bind_on_add_with_the_first_primary(call: Call, portal: PortalEmulator) -> None:
    acme, globex = _company(portal), _company(portal, TITLE="Globex")
    contact = ok(call("crm.contact.add", fields={"NAME": "Ann", "COMPANY_IDS": [globex, acme, 999]}))
    assert ok(call("crm.contact.company.items.get", id=contact)) == [
        {"COMPANY_ID": globex, "SORT": 10, "ROLE_ID": 0, "IS_PRIMARY": "Y"},
        {"COMPANY_ID": acme, "SORT": 20, "ROLE_ID": 0, "IS_PRIMARY": "N"},
    ]
    row = ok(call("crm.contact.get", id=contact))
    assert row["COMPANY_ID"] == str(globex)
    assert "COMPANY_IDS" not in row
    assert ok(call("crm.company.contact.items.get", id=acme)) == [
        {"CONTACT_ID": contact, "SORT": 20, "ROLE_ID": 0, "IS_PRIMARY": "N"}
    ]


def test_contact_company_ids_replace_on_update_and_the_deprecated_company_id_sets_one(
    call: Call, portal: PortalEmulator
) -> None:
    acme, globex = _company(portal), _company(portal, TITLE="Globex")
    contact = portal.store.add("contact", {"NAME": "Ann", "COMPANY_IDS": [acme]})
    ok(call("crm.contact.update", id=contact, fields={"COMPANY_IDS": [globex]}))
    assert portal.store.contact_companies(contact) == [globex]
    ok(call("crm.contact.update", id=contact, fields={"COMPANY_ID": acme}))
    assert portal.store.contact_companies(contact) == [acme]
    assert ok(call("crm.contact.get", id=contact))["COMPANY_ID"] == str(acme)
    ok(call("crm.contact.update", id=contact, fields={"COMPANY_IDS": []}))
    assert ok(call("crm.contact.get", id=contact))["COMPANY_ID"] is None


def test_the_deprecated_company_id_of_a_company_already_bound_changes_nothing(
    call: Call, portal: PortalEmulator
) -> None:
    """``CCrmContact::Update`` simulates single-company mode only for a company not among the bindings: one
    already bound stays where it is (secondary), the primary stays primary, nothing is unbound."""
    acme, globex, initech = _company(portal), _company(portal, TITLE="Globex"), _company(portal, TITLE="I")
    contact = portal.store.add("contact", {"NAME": "Ann", "COMPANY_IDS": [acme, globex]})
    ok(call("crm.contact.update", id=contact, fields={"COMPANY_ID": globex}))
    assert portal.store.contact_companies(contact) == [acme, globex]
    assert ok(call("crm.contact.get", id=contact))["COMPANY_ID"] == str(acme)
    ok(call("crm.contact.update", id=contact, fields={"COMPANY_ID": initech}))  # not bound: the only one
    assert portal.store.contact_companies(contact) == [initech]
    ok(call("crm.contact.update", id=contact, fields={"COMPANY_IDS": [acme, globex]}))
    ok(call("crm.contact.update", id=contact, fields={"COMPANY_ID": globex, "COMPANY_IDS": [globex]}))
    assert portal.store.contact_companies(contact) == [globex]  # COMPANY_IDS decides
    assert ok(call("crm.contact.get", id=contact))["COMPANY_ID"] == str(globex)


def test_contact_without_company_reads_null(call: Call, portal: PortalEmulator) -> None:
    contact = portal.store.add("contact", {"NAME": "Ann"})
    assert ok(call("crm.contact.get", id=contact))["COMPANY_ID"] is None
    assert ok(call("crm.contact.company.items.get", id=contact)) == []


def test_contact_company_items_set_replaces_the_set_and_picks_the_primary(
    call: Call, portal: PortalEmulator
) -> None:
    a, b, c = (_company(portal, TITLE=t) for t in "abc")
    contact = portal.store.add("contact", {"NAME": "Ann", "COMPANY_IDS": [a, b]})
    items = [{"COMPANY_ID": c}, {"COMPANY_ID": b, "IS_PRIMARY": "Y"}, {"COMPANY_ID": a, "IS_PRIMARY": "Y"}]
    assert ok(call("crm.contact.company.items.set", id=contact, items=items)) is True
    got = ok(call("crm.contact.company.items.get", id=contact))
    # b and a keep their SORT (20, 10); c is new and gets the largest SORT + 10; the first "Y" (b) wins
    assert got == [
        {"COMPANY_ID": a, "SORT": 10, "ROLE_ID": 0, "IS_PRIMARY": "N"},
        {"COMPANY_ID": b, "SORT": 20, "ROLE_ID": 0, "IS_PRIMARY": "Y"},
        {"COMPANY_ID": c, "SORT": 30, "ROLE_ID": 0, "IS_PRIMARY": "N"},
    ]
    assert ok(call("crm.contact.get", id=contact))["COMPANY_ID"] == str(b)
    ok(call("crm.contact.company.items.set", id=contact, items=[{"COMPANY_ID": c, "SORT": 5}]))
    assert ok(call("crm.contact.company.items.get", id=contact)) == [
        {"COMPANY_ID": c, "SORT": 5, "ROLE_ID": 0, "IS_PRIMARY": "Y"}
    ]


def test_company_contact_items_set_is_the_mirror(call: Call, portal: PortalEmulator) -> None:
    acme = _company(portal)
    ann, bob = portal.store.add("contact", {"NAME": "Ann"}), portal.store.add("contact", {"NAME": "Bob"})
    assert ok(
        call("crm.company.contact.items.set", id=acme, items=[{"CONTACT_ID": bob}, {"CONTACT_ID": ann}])
    )
    assert ok(call("crm.company.contact.items.get", id=acme)) == [
        {"CONTACT_ID": bob, "SORT": 10, "ROLE_ID": 0, "IS_PRIMARY": "Y"},
        {"CONTACT_ID": ann, "SORT": 20, "ROLE_ID": 0, "IS_PRIMARY": "N"},
    ]
    assert ok(call("crm.contact.company.items.get", id=ann)) == [
        {"COMPANY_ID": acme, "SORT": 20, "ROLE_ID": 0, "IS_PRIMARY": "N"}
    ]
    assert ok(call("crm.contact.get", id=bob))["COMPANY_ID"] == str(acme)
    assert ok(call("crm.company.contact.items.delete", id=acme)) is True
    assert ok(call("crm.contact.company.items.get", id=bob)) == []


def test_company_contact_id_field_binds_contacts(call: Call, portal: PortalEmulator) -> None:
    ann = portal.store.add("contact", {"NAME": "Ann"})
    acme = ok(call("crm.company.add", fields={"TITLE": "Acme", "CONTACT_ID": [ann]}))
    assert [r["CONTACT_ID"] for r in ok(call("crm.company.contact.items.get", id=acme))] == [ann]


@pytest.mark.parametrize("method", ["crm.contact.company.items.set", "crm.company.contact.items.set"])
def test_binding_set_errors(call: Call, portal: PortalEmulator, method: str) -> None:
    owner = portal.store.add("contact", {}) if method.startswith("crm.contact") else _company(portal)
    invalid = error(call(method, id=0, items=[]), 400)
    assert invalid == {
        "error": "",
        "error_description": "The parameter ownerEntityID is invalid or not defined.",
    }
    not_array = error(call(method, id=owner, items="x"), 400)
    assert not_array["error_description"] == "The parameter items must be array."
    missing = error(call(method, id=owner + 100, items=[]), 400)
    assert missing == {"error": "", "error_description": "Not found."}


@pytest.mark.parametrize("method", ["crm.contact.company.items.get", "crm.company.contact.items.get"])
def test_binding_get_of_a_missing_owner_is_empty(call: Call, method: str) -> None:
    assert ok(call(method, id=12345)) == []
    assert error(call(method, id=0), 400)["error_description"] == (
        "The parameter ownerEntityID is invalid or not defined."
    )


def test_contact_list_filters_by_any_bound_company(call: Call, portal: PortalEmulator) -> None:
    acme, globex = _company(portal), _company(portal, TITLE="Globex")
    ann = portal.store.add("contact", {"NAME": "Ann", "COMPANY_IDS": [globex, acme]})
    portal.store.add("contact", {"NAME": "Bob", "COMPANY_IDS": [globex]})
    rows = ok(call("crm.contact.list", filter={"COMPANY_ID": acme}, select=["ID", "COMPANY_ID"]))
    assert rows == [{"ID": str(ann), "COMPANY_ID": str(globex)}]


def test_deal_company_id_reads_back_and_deleting_the_company_unbinds_everything(
    call: Call, portal: PortalEmulator
) -> None:
    acme = _company(portal)
    contact = portal.store.add("contact", {"NAME": "Ann", "COMPANY_IDS": [acme]})
    deal = ok(call("crm.deal.add", fields={"TITLE": "d", "COMPANY_ID": acme, "CONTACT_IDS": [contact]}))
    plain = ok(call("crm.deal.add", fields={"TITLE": "no company"}))
    assert ok(call("crm.deal.get", id=deal))["COMPANY_ID"] == str(acme)
    assert ok(call("crm.deal.get", id=plain))["COMPANY_ID"] == "0"
    rows = ok(call("crm.deal.list", filter={"COMPANY_ID": acme}, select=["ID"]))
    assert rows == [{"ID": str(deal)}]
    ok(call("crm.company.delete", id=acme))
    assert ok(call("crm.deal.get", id=deal))["COMPANY_ID"] == "0"
    assert ok(call("crm.contact.get", id=contact))["COMPANY_ID"] is None
    assert ok(call("crm.contact.company.items.get", id=contact)) == []


# ---------------------------------------------------------------------------------------- duplicates


def test_findbycomm_finds_companies_and_contacts(call: Call, portal: PortalEmulator) -> None:
    acme = _company(portal, EMAIL=[{"VALUE": "office@acme.test"}], PHONE=[{"VALUE": "+1 (555) 010-0000"}])
    ann = portal.store.add("contact", {"NAME": "Ann", "EMAIL": [{"VALUE": "Office@Acme.test"}]})
    body = {"type": "EMAIL", "values": ["office@acme.test"]}
    assert ok(call("crm.duplicate.findbycomm", {**body, "entity_type": "COMPANY"})) == {"COMPANY": [acme]}
    assert ok(call("crm.duplicate.findbycomm", {**body, "entity_type": "CONTACT"})) == {"CONTACT": [ann]}
    assert ok(call("crm.duplicate.findbycomm", body)) == {"CONTACT": [ann], "COMPANY": [acme]}
    by_phone = {"type": "PHONE", "values": ["15550100000"], "entity_type": "COMPANY"}
    assert ok(call("crm.duplicate.findbycomm", by_phone)) == {"COMPANY": [acme]}
    nothing = {"type": "PHONE", "values": ["15550100000"], "entity_type": "CONTACT"}
    assert ok(call("crm.duplicate.findbycomm", nothing)) == []


def test_merge_batch_with_entity_type_4_keeps_the_first_company(call: Call, portal: PortalEmulator) -> None:
    root = _company(portal, EMAIL=[{"VALUE": "a@acme.test"}])
    twin = _company(portal, PHONE=[{"VALUE": "+1 555 0100"}], COMMENTS="from the twin")
    contact = portal.store.add("contact", {"NAME": "Ann", "COMPANY_IDS": [twin]})
    deal = portal.store.add("deal", {"TITLE": "d", "COMPANY_ID": twin})
    result = ok(call("crm.entity.mergeBatch", params={"entityTypeId": 4, "entityIds": [root, twin]}))
    assert result == {"STATUS": "SUCCESS", "ENTITY_IDS": [twin]}
    assert portal.store.get("company", twin) is None
    row = ok(call("crm.company.get", id=root))
    assert row["COMMENTS"] == "from the twin"
    assert (row["HAS_PHONE"], row["HAS_EMAIL"]) == ("Y", "Y")
    assert ok(call("crm.contact.get", id=contact))["COMPANY_ID"] == str(root)
    assert ok(call("crm.deal.get", id=deal))["COMPANY_ID"] == str(root)
    found = ok(call("crm.duplicate.findbycomm", type="PHONE", values=["+15550100"], entity_type="COMPANY"))
    assert found == {"COMPANY": [root]}


def test_merge_of_companies_with_different_titles_is_a_conflict(call: Call, portal: PortalEmulator) -> None:
    a, b = _company(portal, TITLE="Acme"), _company(portal, TITLE="Globex")
    result = ok(call("crm.entity.mergeBatch", params={"entityTypeId": 4, "entityIds": [a, b]}))
    assert result == {"STATUS": "CONFLICT", "ENTITY_IDS": [b]}
    assert portal.store.get("company", b) is not None


def test_merging_contacts_keeps_every_company(call: Call, portal: PortalEmulator) -> None:
    acme, globex = _company(portal), _company(portal, TITLE="Globex")
    ann = portal.store.add("contact", {"NAME": "Ann", "COMPANY_IDS": [acme]})
    twin = portal.store.add("contact", {"NAME": "Ann", "COMPANY_IDS": [globex]})
    ok(call("crm.entity.mergeBatch", params={"entityTypeId": 3, "entityIds": [ann, twin]}))
    assert portal.store.contact_companies(ann) == [acme, globex]
    assert ok(call("crm.contact.get", id=ann))["COMPANY_ID"] == str(acme)
    assert [r["CONTACT_ID"] for r in ok(call("crm.company.contact.items.get", id=globex))] == [ann]


# ---------------------------------------------------------------------------------------- batch, state


def test_companies_in_a_batch(call: Call) -> None:
    result = ok(
        call(
            "batch",
            halt=1,
            cmd={
                "co": "crm.company.add?fields[TITLE]=Acme&fields[EMAIL][0][VALUE]=a%40acme.test",
                "ct": "crm.contact.add?fields[NAME]=Ann&fields[COMPANY_IDS][0]=$result[co]",
                "get": "crm.contact.company.items.get?id=$result[ct]",
            },
        )
    )
    company = result["result"]["co"]
    assert type(company) is int
    assert result["result"]["get"] == [{"COMPANY_ID": company, "SORT": 10, "ROLE_ID": 0, "IS_PRIMARY": "Y"}]


def test_companies_and_their_bindings_survive_a_restart(tmp_path: Path, http: httpx.Client) -> None:
    state = tmp_path / "portal.sqlite3"
    with PortalEmulator(state_path=state) as portal:
        acme = _company(portal, PHONE=[{"VALUE": "+1 555 0100"}], ORIGIN_ID="c1")
        contact = portal.store.add("contact", {"NAME": "Ann", "COMPANY_IDS": [acme]})
        deal = portal.store.add("deal", {"TITLE": "d", "COMPANY_ID": acme})
        before = portal.store.all("company")
    with PortalEmulator(state_path=state) as portal:
        assert portal.store.all("company") == before
        assert portal.store.contact_companies(contact) == [acme]
        url = portal.webhook_url
        assert (
            ok(http.post(url + "crm.company.contact.items.get", json={"id": acme}))[0]["CONTACT_ID"]
            == contact
        )
        assert ok(http.post(url + "crm.deal.get", json={"id": deal}))["COMPANY_ID"] == str(acme)
        found = ok(
            http.post(url + "crm.duplicate.findbycomm", json={"type": "PHONE", "values": ["15550100"]})
        )
        assert found == {"COMPANY": [acme]}
        assert ok(http.post(url + "crm.company.add", json={})) == acme + 1
