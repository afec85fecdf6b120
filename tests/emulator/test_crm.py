"""Deals and contacts: string-typed rows, defaults, multi-field write rules, deal–contact bindings, field
metadata."""

from __future__ import annotations

import re
from typing import Any

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.emulator.conftest import Call
from tests.emulator.helpers import error, ok

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def _contact(portal: PortalEmulator, **fields: Any) -> int:
    return portal.store.add("contact", {"NAME": "C", **fields})


def test_add_returns_int_update_and_delete_return_true(call: Call) -> None:
    deal_id = ok(call("crm.deal.add", fields={"TITLE": "t"}))
    assert type(deal_id) is int
    assert ok(call("crm.deal.update", id=deal_id, fields={"TITLE": "u"})) is True
    assert ok(call("crm.deal.delete", id=deal_id)) is True
    assert error(call("crm.deal.get", id=deal_id), 400)["error_description"] == "Not found"


def test_deal_row_is_string_typed_with_nulls_flags_and_iso_dates(call: Call) -> None:
    deal_id = ok(
        call(
            "crm.deal.add",
            fields={
                "TITLE": "Order #7",
                "OPPORTUNITY": 1234.5,
                "PROBABILITY": 40,
                "BEGINDATE": "2024-08-30",
                "OPENED": "N",
                "ORIGINATOR_ID": "shop",
                "ORIGIN_ID": 7,
            },
        )
    )
    row = ok(call("crm.deal.get", id=deal_id))
    assert row["ID"] == str(deal_id)
    assert row["OPPORTUNITY"] == "1234.50"
    assert row["PROBABILITY"] == "40"
    assert row["CATEGORY_ID"] == "0"
    assert row["STAGE_ID"] == "NEW"
    assert row["STAGE_SEMANTIC_ID"] == "P"
    assert (row["OPENED"], row["CLOSED"]) == ("N", "N")
    assert row["ORIGIN_ID"] == "7"
    assert row["ORIGINATOR_ID"] == "shop"
    assert row["COMMENTS"] is None
    assert row["LEAD_ID"] is None
    assert row["BEGINDATE"].startswith("2024-08-30T00:00:00")
    for name in ("BEGINDATE", "CLOSEDATE", "DATE_CREATE", "DATE_MODIFY"):
        assert ISO.fullmatch(row[name]), name
    scalars = [v for v in row.values() if v is not None]
    assert all(isinstance(v, str) for v in scalars)
    assert "CONTACT_IDS" not in row


def test_read_only_fields_are_ignored_and_category_is_immutable(call: Call, portal: PortalEmulator) -> None:
    assert [portal.store.add_pipeline("Retail"), portal.store.add_pipeline("Wholesale")] == [1, 2]
    deal_id = ok(call("crm.deal.add", fields={"CATEGORY_ID": 2, "ID": 999, "DATE_CREATE": "2001-01-01"}))
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert (row["ID"], row["CATEGORY_ID"], row["STAGE_ID"]) == (str(deal_id), "2", "C2:NEW")
    assert not row["DATE_CREATE"].startswith("2001")
    assert ok(call("crm.deal.update", id=deal_id, fields={"CATEGORY_ID": 5, "TITLE": "moved?"})) is True
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert (row["CATEGORY_ID"], row["TITLE"]) == ("2", "moved?")


def test_won_stage_closes_the_deal(call: Call, portal: PortalEmulator) -> None:
    deal_id = portal.store.add("deal", {"TITLE": "x"})
    ok(call("crm.deal.update", id=deal_id, fields={"STAGE_ID": "WON"}))
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert (row["STAGE_SEMANTIC_ID"], row["CLOSED"]) == ("S", "Y")


def test_update_changes_only_given_fields_and_stamps_modification(call: Call, portal: PortalEmulator) -> None:
    deal_id = portal.store.add("deal", {"TITLE": "x", "COMMENTS": "keep", "OPPORTUNITY": "5"})
    ok(call("crm.deal.update", id=deal_id, fields={"OPPORTUNITY": "7.255", "UNKNOWN_FIELD": "ignored"}))
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert (row["TITLE"], row["COMMENTS"], row["OPPORTUNITY"]) == ("x", "keep", "7.26")
    assert "UNKNOWN_FIELD" not in row


def test_user_fields_are_stored_and_described(call: Call, portal: PortalEmulator) -> None:
    portal.store.add_user_field("deal", {"FIELD_NAME": "SHOP_URL", "USER_TYPE_ID": "url"})
    portal.store.add_user_field("deal", {"FIELD_NAME": "TAGS", "USER_TYPE_ID": "string", "MULTIPLE": "Y"})
    deal_id = ok(
        call("crm.deal.add", fields={"UF_CRM_SHOP_URL": "https://shop/1", "UF_CRM_TAGS": ["a", "b"]})
    )
    row = ok(call("crm.deal.get", id=deal_id))
    assert (row["UF_CRM_SHOP_URL"], row["UF_CRM_TAGS"]) == ("https://shop/1", ["a", "b"])
    fields = ok(call("crm.deal.fields"))
    assert fields["UF_CRM_TAGS"]["isDynamic"] is True
    assert fields["UF_CRM_TAGS"]["isMultiple"] is True


def test_deal_fields_metadata(call: Call) -> None:
    fields = ok(call("crm.deal.fields"))
    assert fields["ID"]["isReadOnly"] is True
    assert fields["CATEGORY_ID"]["isImmutable"] is True
    assert fields["STAGE_ID"] == {
        "type": "crm_status",
        "isRequired": False,
        "isReadOnly": False,
        "isImmutable": False,
        "isMultiple": False,
        "isDynamic": False,
        "title": "Deal stage",
        "statusType": "DEAL_STAGE",
    }
    assert fields["CONTACT_IDS"]["isMultiple"] is True
    assert fields["CONTACT_ID"]["isDeprecated"] is True
    assert fields["ORIGINATOR_ID"]["type"] == fields["ORIGIN_ID"]["type"] == "string"
    assert fields["OPPORTUNITY"]["type"] == "double"


def test_contact_fields_metadata_lists_multifields(call: Call) -> None:
    fields = ok(call("crm.contact.fields"))
    assert fields["PHONE"]["type"] == fields["EMAIL"]["type"] == "crm_multifield"
    assert fields["PHONE"]["isMultiple"] is True
    assert fields["ORIGIN_VERSION"]["type"] == "string"


# ---------------------------------------------------------------------------------------- multi-fields


def test_multifields_on_get_have_ids_and_types_and_are_absent_when_empty(call: Call) -> None:
    contact_id = ok(
        call(
            "crm.contact.add",
            fields={"NAME": "Ivan", "PHONE": [{"VALUE": "+79990000001", "VALUE_TYPE": "WORK"}]},
        )
    )
    row = ok(call("crm.contact.get", id=contact_id))
    (phone,) = row["PHONE"]
    assert set(phone) == {"ID", "VALUE_TYPE", "VALUE", "TYPE_ID"}
    assert phone["ID"].isdigit()
    assert phone["TYPE_ID"] == "PHONE"
    assert phone["VALUE"] == "+79990000001"
    assert "EMAIL" not in row
    assert (row["HAS_PHONE"], row["HAS_EMAIL"]) == ("Y", "N")


def test_multifield_update_rules(call: Call, portal: PortalEmulator) -> None:
    contact_id = _contact(
        portal,
        PHONE=[{"VALUE": "111"}, {"VALUE": "222"}, {"VALUE": "333"}, {"VALUE": "444"}, {"VALUE": "555"}],
    )
    row = portal.store.get("contact", contact_id)
    assert row is not None
    ids = [p["ID"] for p in row["PHONE"]]
    ok(
        call(
            "crm.contact.update",
            id=contact_id,
            fields={
                "PHONE": [
                    {"ID": ids[0], "DELETE": "Y"},  # deleted
                    {"ID": ids[1], "VALUE": ""},  # deleted: empty value
                    {"ID": ids[2]},  # deleted: no value
                    {"ID": ids[3], "VALUE": "4444", "VALUE_TYPE": "MOBILE"},  # changed
                    {"VALUE": "555"},  # no ID: a new value, even if it repeats one
                ]
            },
        )
    )
    row = portal.store.get("contact", contact_id)
    assert row is not None
    assert [(p["ID"], p["VALUE"], p["VALUE_TYPE"]) for p in row["PHONE"]][:2] == [
        (ids[3], "4444", "MOBILE"),
        (ids[4], "555", "WORK"),
    ]
    assert [p["VALUE"] for p in row["PHONE"]] == ["4444", "555", "555"]


def test_multifields_not_mentioned_stay(call: Call, portal: PortalEmulator) -> None:
    contact_id = _contact(portal, PHONE=[{"VALUE": "1"}], EMAIL=[{"VALUE": "x@example.com"}])
    ok(call("crm.contact.update", id=contact_id, fields={"NAME": "renamed"}))
    row = portal.store.get("contact", contact_id)
    assert row is not None
    assert [e["VALUE"] for e in row["EMAIL"]] == ["x@example.com"]


def test_invalid_email_is_an_error_core(call: Call, portal: PortalEmulator) -> None:
    response = call(
        "crm.contact.add", fields={"NAME": "x", "EMAIL": [{"VALUE": "not-an-email", "VALUE_TYPE": "WORK"}]}
    )
    assert error(response, 400) == {
        "error": "ERROR_CORE",
        "error_description": "The field `Work e-mail` contains an invalid address",
    }
    assert portal.store.count("contact") == 0


def test_multifields_in_list_only_when_selected(call: Call, portal: PortalEmulator) -> None:
    _contact(portal, PHONE=[{"VALUE": "+1 555 0100"}])
    (plain,) = ok(call("crm.contact.list"))
    assert "PHONE" not in plain
    (starred,) = ok(call("crm.contact.list", select=["*"]))
    assert "PHONE" not in starred
    (selected,) = ok(call("crm.contact.list", select=["NAME", "PHONE"]))
    assert set(selected) == {"ID", "NAME", "PHONE"}
    assert selected["PHONE"][0]["VALUE"] == "+1 555 0100"


def test_multifield_filter_is_exact(call: Call, portal: PortalEmulator) -> None:
    wanted = _contact(portal, EMAIL=[{"VALUE": "Ann@Example.com"}])
    _contact(portal, EMAIL=[{"VALUE": "bob@example.com"}])
    rows = ok(call("crm.contact.list", filter={"EMAIL": "ann@example.com"}, select=["ID"]))
    assert rows == [{"ID": str(wanted)}]


# ---------------------------------------------------------------------------------------- bindings


def test_contact_ids_on_add_and_replace_on_update(call: Call, portal: PortalEmulator) -> None:
    a, b, c = (_contact(portal) for _ in range(3))
    deal_id = ok(call("crm.deal.add", fields={"TITLE": "t", "CONTACT_IDS": [a, b]}))
    assert portal.store.deal_contacts(deal_id) == [a, b]
    row = ok(call("crm.deal.get", id=deal_id))
    assert row["CONTACT_ID"] == str(a)
    assert "CONTACT_IDS" not in row
    ok(call("crm.deal.update", id=deal_id, fields={"CONTACT_IDS": [c]}))
    assert portal.store.deal_contacts(deal_id) == [c]
    ok(call("crm.deal.update", id=deal_id, fields={"CONTACT_ID": b}))
    assert portal.store.deal_contacts(deal_id) == [b]
    (listed,) = ok(call("crm.deal.list", select=["*"]))
    assert listed["CONTACT_ID"] == str(b)
    assert "CONTACT_IDS" not in listed


def test_contact_items_get_and_set(call: Call, portal: PortalEmulator) -> None:
    a, b = _contact(portal), _contact(portal)
    deal_id = portal.store.add("deal", {"CONTACT_IDS": [a]})
    assert ok(call("crm.deal.contact.items.get", id=deal_id)) == [
        {"CONTACT_ID": a, "SORT": 10, "ROLE_ID": 0, "IS_PRIMARY": "Y"}
    ]
    assert (
        ok(call("crm.deal.contact.items.set", id=deal_id, items=[{"CONTACT_ID": a}, {"CONTACT_ID": b}]))
        is True
    )
    items = ok(call("crm.deal.contact.items.get", id=deal_id))
    assert [(i["CONTACT_ID"], i["IS_PRIMARY"], i["SORT"]) for i in items] == [(a, "Y", 10), (b, "N", 20)]
    ok(
        call(
            "crm.deal.contact.items.set",
            id=deal_id,
            items=[{"CONTACT_ID": a}, {"CONTACT_ID": b, "IS_PRIMARY": "Y"}],
        )
    )
    assert ok(call("crm.deal.get", id=deal_id))["CONTACT_ID"] == str(b)
    ok(call("crm.deal.contact.items.set", id=deal_id, items=[]))
    assert ok(call("crm.deal.contact.items.get", id=deal_id)) == []


def test_contact_items_errors(call: Call) -> None:
    assert error(call("crm.deal.contact.items.get", id=0), 400)["error_description"] == (
        "The parameter ownerEntityID is invalid or not defined."
    )
    assert error(call("crm.deal.contact.items.set", id=5), 400)["error_description"] == (
        "The parameter items must be array."
    )


def test_deleting_a_contact_unbinds_it(call: Call, portal: PortalEmulator) -> None:
    a, b = _contact(portal), _contact(portal)
    deal_id = portal.store.add("deal", {"CONTACT_IDS": [a, b]})
    ok(call("crm.contact.delete", id=a))
    assert portal.store.deal_contacts(deal_id) == [b]
    assert ok(call("crm.deal.get", id=deal_id))["CONTACT_ID"] == str(b)


def test_contact_add_import_keeps_dates(call: Call, portal: PortalEmulator) -> None:
    contact_id = ok(
        call(
            "crm.contact.add",
            fields={"NAME": "old", "DATE_CREATE": "2020-01-02T03:04:05+03:00"},
            params={"IMPORT": "Y"},
        )
    )
    row = portal.store.get("contact", contact_id)
    assert row is not None
    assert row["DATE_CREATE"] == "2020-01-02T03:04:05+03:00"
