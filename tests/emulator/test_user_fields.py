"""User fields (reference §12): crm.*.userfield.add/list, dynamic UF_CRM_* entries in crm.*.fields, and the
portal's casting, storing and reading of their values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.emulator.conftest import Call
from tests.emulator.helpers import error, ok


def _uf(portal: PortalEmulator, entity: str, name: str, type_: str, **more: Any) -> str:
    portal.store.add_user_field(entity, {"FIELD_NAME": name, "USER_TYPE_ID": type_, **more})
    return name if name.startswith("UF_CRM_") else f"UF_CRM_{name}"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("MANAGER_NOTE", "UF_CRM_MANAGER_NOTE"),
        ("UF_X", "UF_CRM_X"),
        ("UF_CRM_X", "UF_CRM_X"),
        ("note", "UF_CRM_NOTE"),
    ],
)
def test_userfield_add_prefixes_and_upper_cases_the_name(call: Call, given: str, stored: str) -> None:
    ident = ok(call("crm.deal.userfield.add", fields={"FIELD_NAME": given, "USER_TYPE_ID": "string"}))
    assert type(ident) is int
    (row,) = ok(call("crm.deal.userfield.list"))
    assert (row["ID"], row["FIELD_NAME"]) == (str(ident), stored)


@pytest.mark.parametrize("name", ["bad-name", "", "X" * 50])
def test_userfield_add_refuses_a_bad_name(call: Call, name: str) -> None:
    answer = error(call("crm.deal.userfield.add", fields={"FIELD_NAME": name, "USER_TYPE_ID": "string"}), 400)
    assert answer["error"] == ""
    assert ok(call("crm.deal.userfield.list")) == []


def test_userfield_add_refuses_a_duplicate_and_an_unknown_type(call: Call) -> None:
    ok(call("crm.deal.userfield.add", fields={"FIELD_NAME": "X", "USER_TYPE_ID": "string"}))
    error(call("crm.deal.userfield.add", fields={"FIELD_NAME": "X", "USER_TYPE_ID": "string"}), 400)
    error(call("crm.deal.userfield.add", fields={"FIELD_NAME": "Y", "USER_TYPE_ID": "no_such_type"}), 400)
    assert [r["FIELD_NAME"] for r in ok(call("crm.deal.userfield.list"))] == ["UF_CRM_X"]


def test_userfield_list_rows_are_string_typed_with_enumeration_items(call: Call) -> None:
    fields = {
        "FIELD_NAME": "SIZE",
        "USER_TYPE_ID": "enumeration",
        "LABEL": "Size",
        "LIST": [{"VALUE": "Small"}, {"VALUE": "Large", "DEF": "Y"}],
    }
    ident = ok(call("crm.deal.userfield.add", fields=fields))
    (row,) = ok(call("crm.deal.userfield.list"))
    assert {k: row[k] for k in ("ID", "ENTITY_ID", "USER_TYPE_ID", "SORT", "MULTIPLE", "MANDATORY")} == {
        "ID": str(ident),
        "ENTITY_ID": "CRM_DEAL",
        "USER_TYPE_ID": "enumeration",
        "SORT": "100",
        "MULTIPLE": "N",
        "MANDATORY": "N",
    }
    assert "EDIT_FORM_LABEL" not in row  # labels only with LANG in the filter
    small, large = row["LIST"]
    assert (small["VALUE"], small["DEF"], large["VALUE"], large["DEF"]) == ("Small", "N", "Large", "Y")
    assert small["ID"].isdigit()
    (labelled,) = ok(call("crm.deal.userfield.list", filter={"LANG": "en"}))
    assert labelled["EDIT_FORM_LABEL"] == labelled["LIST_COLUMN_LABEL"] == "Size"


def test_userfield_list_is_per_owner_filtered_and_ordered(call: Call, portal: PortalEmulator) -> None:
    _uf(portal, "deal", "B", "string", SORT=200)
    _uf(portal, "deal", "A", "integer", SORT=300)
    _uf(portal, "contact", "C", "string")
    _uf(portal, "company", "D", "boolean")
    assert [r["FIELD_NAME"] for r in ok(call("crm.deal.userfield.list"))] == ["UF_CRM_B", "UF_CRM_A"]
    rows = ok(call("crm.deal.userfield.list", order={"SORT": "DESC"}))
    assert [r["FIELD_NAME"] for r in rows] == ["UF_CRM_A", "UF_CRM_B"]
    rows = ok(call("crm.deal.userfield.list", filter={"USER_TYPE_ID": "integer"}))
    assert [r["FIELD_NAME"] for r in rows] == ["UF_CRM_A"]
    (contact,) = ok(call("crm.contact.userfield.list"))
    assert (contact["ENTITY_ID"], contact["FIELD_NAME"]) == ("CRM_CONTACT", "UF_CRM_C")
    (company,) = ok(call("crm.company.userfield.list"))
    assert (company["ENTITY_ID"], company["FIELD_NAME"]) == ("CRM_COMPANY", "UF_CRM_D")


def test_user_fields_appear_in_crm_fields_with_their_types(call: Call, portal: PortalEmulator) -> None:
    _uf(portal, "deal", "SHOP_ID", "string", MANDATORY="Y")
    _uf(portal, "deal", "TAGS", "string", MULTIPLE="Y")
    _uf(portal, "deal", "PAID", "boolean", MULTIPLE="Y")  # a boolean cannot be multiple
    _uf(portal, "deal", "SIZE", "enumeration", LIST=[{"VALUE": "Small"}])
    _uf(portal, "company", "VAT", "double")
    fields = ok(call("crm.deal.fields"))
    assert fields["UF_CRM_SHOP_ID"]["isDynamic"] is True
    assert (fields["UF_CRM_SHOP_ID"]["type"], fields["UF_CRM_SHOP_ID"]["isRequired"]) == ("string", True)
    assert fields["UF_CRM_SHOP_ID"]["title"] == "UF_CRM_SHOP_ID"
    assert fields["UF_CRM_TAGS"]["isMultiple"] is True
    assert (fields["UF_CRM_PAID"]["type"], fields["UF_CRM_PAID"]["isMultiple"]) == ("boolean", False)
    (item,) = fields["UF_CRM_SIZE"]["items"]
    assert set(item) == {"ID", "VALUE"}
    assert item["VALUE"] == "Small"
    assert fields["TITLE"]["isDynamic"] is False
    assert ok(call("crm.company.fields"))["UF_CRM_VAT"]["type"] == "double"
    assert "UF_CRM_VAT" not in fields


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("Y", "1"),
        ("1", "1"),
        (1, "1"),
        (True, "1"),
        ("N", "0"),
        (0, "0"),
        ("0", "0"),
        (False, "0"),
        ("true", "0"),
    ],
)
def test_boolean_values_are_stored_as_1_or_0(
    call: Call, portal: PortalEmulator, sent: Any, stored: str
) -> None:
    name = _uf(portal, "deal", "PAID", "boolean")
    deal = ok(call("crm.deal.add", fields={name: sent}))
    assert ok(call("crm.deal.get", id=deal))[name] == stored


@pytest.mark.parametrize(
    ("type_", "settings", "sent", "stored"),
    [
        ("integer", {}, "12abc", "12"),
        ("integer", {}, "abc", "0"),
        ("integer", {}, 7.9, "7"),
        ("double", {}, "1 234,567", "1234.57"),
        ("double", {}, 2.5, "2.5"),
        ("double", {"PRECISION": 0}, "1234.5", "1235"),
        ("double", {}, "n/a", "0"),
        ("string", {}, 42, "42"),
        ("url", {}, "https://shop.example/1", "https://shop.example/1"),
        ("enumeration", {}, 3157, "3157"),
        ("date", {}, "2024-08-30", "2024-08-30T00:00:00+03:00"),
        ("datetime", {}, "2024-08-30T14:29:00+02:00", "2024-08-30T15:29:00+03:00"),
    ],
)
def test_values_are_coerced_to_the_fields_type(
    call: Call, portal: PortalEmulator, type_: str, settings: dict[str, Any], sent: Any, stored: str
) -> None:
    name = _uf(portal, "deal", "V", type_, SETTINGS=settings)
    deal = ok(call("crm.deal.add", fields={name: sent}))
    assert ok(call("crm.deal.get", id=deal))[name] == stored


def test_an_unparseable_date_is_dropped_and_the_old_value_kept(call: Call, portal: PortalEmulator) -> None:
    name = _uf(portal, "deal", "DUE", "date")
    deal = portal.store.add("deal", {name: "2024-08-30"})
    assert ok(call("crm.deal.update", id=deal, fields={name: "not a date"})) is True
    assert ok(call("crm.deal.get", id=deal))[name] == "2024-08-30T00:00:00+03:00"


def test_multiple_values_are_arrays_and_a_scalar_is_wrapped(call: Call, portal: PortalEmulator) -> None:
    name = _uf(portal, "deal", "TAGS", "string", MULTIPLE="Y")
    deal = ok(call("crm.deal.add", fields={name: ["a", "b"]}))
    assert ok(call("crm.deal.get", id=deal))[name] == ["a", "b"]
    ok(call("crm.deal.update", id=deal, fields={name: "c"}))
    assert ok(call("crm.deal.get", id=deal))[name] == ["c"]


def test_undefined_user_fields_are_dropped_silently(call: Call, portal: PortalEmulator) -> None:
    name = _uf(portal, "deal", "SHOP_ID", "string")
    deal = ok(call("crm.deal.add", fields={name: "o1", "UF_CRM_TYPO": "lost", "uf_crm_shop_id": "lower"}))
    row = ok(call("crm.deal.get", id=deal))
    assert row[name] == "o1"
    assert "UF_CRM_TYPO" not in row
    assert "uf_crm_shop_id" not in row


def test_get_shows_every_user_field_and_unset_ones_as_empty(call: Call, portal: PortalEmulator) -> None:
    one = _uf(portal, "deal", "ONE", "string")
    many = _uf(portal, "deal", "MANY", "string", MULTIPLE="Y")
    row = ok(call("crm.deal.get", id=portal.store.add("deal", {"TITLE": "x"})))
    assert (row[one], row[many]) == ("", False)


def test_list_shows_user_fields_only_when_selected_and_unset_ones_as_null(
    call: Call, portal: PortalEmulator
) -> None:
    note = _uf(portal, "deal", "NOTE", "string")
    other = _uf(portal, "deal", "OTHER", "string")
    portal.store.add("deal", {"TITLE": "x", note: "n"})
    (default,) = ok(call("crm.deal.list"))
    assert (default[note], default[other]) == ("n", None)
    (star,) = ok(call("crm.deal.list", select=["*"]))
    assert note not in star
    (star_uf,) = ok(call("crm.deal.list", select=["*", "UF_*"]))
    assert star_uf[note] == "n"
    (named,) = ok(call("crm.deal.list", select=["ID", note]))
    assert named == {"ID": named["ID"], note: "n"}


def test_user_fields_filter_by_their_type(call: Call, portal: PortalEmulator) -> None:
    paid = _uf(portal, "deal", "PAID", "boolean")
    weight = _uf(portal, "deal", "WEIGHT", "integer")
    yes = portal.store.add("deal", {paid: "Y", weight: 9})
    no = portal.store.add("deal", {paid: "N", weight: 10})
    assert [r["ID"] for r in ok(call("crm.deal.list", filter={paid: 1}, select=["ID"]))] == [str(yes)]
    assert [r["ID"] for r in ok(call("crm.deal.list", filter={paid: 0}, select=["ID"]))] == [str(no)]
    assert [r["ID"] for r in ok(call("crm.deal.list", filter={f">{weight}": 9}, select=["ID"]))] == [str(no)]


def test_contacts_and_companies_have_their_own_user_fields(call: Call, portal: PortalEmulator) -> None:
    level = _uf(portal, "contact", "LEVEL", "integer")
    vat = _uf(portal, "company", "VAT_ID", "string")
    contact = ok(call("crm.contact.add", fields={"NAME": "Ann", level: "3", vat: "ignored here"}))
    company = ok(call("crm.company.add", fields={"TITLE": "Acme", vat: "DE123"}))
    contact_row = ok(call("crm.contact.get", id=contact))
    assert contact_row[level] == "3"
    assert vat not in contact_row
    assert ok(call("crm.company.get", id=company))[vat] == "DE123"


def test_user_field_definitions_and_values_survive_a_restart(tmp_path: Path, http: httpx.Client) -> None:
    state = tmp_path / "portal.sqlite3"
    with PortalEmulator(state_path=state) as portal:
        name = _uf(portal, "deal", "SIZE", "enumeration", LIST=[{"VALUE": "S"}, {"VALUE": "L"}])
        deal = portal.store.add("deal", {name: "1"})
    with PortalEmulator(state_path=state) as portal:
        assert ok(http.post(portal.webhook_url + "crm.deal.get", json={"id": deal}))[name] == "1"
        (row,) = ok(http.post(portal.webhook_url + "crm.deal.userfield.list", json={}))
        assert [i["VALUE"] for i in row["LIST"]] == ["S", "L"]
        again = ok(
            http.post(
                portal.webhook_url + "crm.deal.userfield.add",
                json={"fields": {"FIELD_NAME": "X", "USER_TYPE_ID": "string"}},
            )
        )
        assert again == int(row["ID"]) + 1


@pytest.mark.parametrize("entity", ["deal", "contact", "company"])
def test_a_user_field_round_trips_as_text_through_add_update_get_and_list(
    call: Call, portal: PortalEmulator, entity: str
) -> None:
    """What the app's ``[shop.*.fields]`` rely on: written values come back as strings, by add and update,
    from get, from a list naming the field, and from ``["*", "UF_*"]``; an empty value reads empty."""
    shop_id = _uf(portal, entity, "SHOP_ID", "string")
    qty = _uf(portal, entity, "QTY", "integer")
    made = ok(call(f"crm.{entity}.add", fields={"TITLE": "x", "NAME": "x", shop_id: 17, qty: "5"}))
    got = ok(call(f"crm.{entity}.get", id=made))
    assert (got[shop_id], got[qty]) == ("17", "5")
    assert ok(call(f"crm.{entity}.update", id=made, fields={shop_id: "o-18", qty: 6})) is True
    (named,) = ok(call(f"crm.{entity}.list", filter={"ID": made}, select=["ID", shop_id, qty]))
    assert named == {"ID": str(made), shop_id: "o-18", qty: "6"}
    (every,) = ok(call(f"crm.{entity}.list", filter={"ID": made}, select=["*", "UF_*"]))
    assert (every[shop_id], every[qty], every["ID"]) == ("o-18", "6", str(made))
    ok(call(f"crm.{entity}.update", id=made, fields={shop_id: ""}))
    assert ok(call(f"crm.{entity}.get", id=made))[shop_id] == ""
    (cleared,) = ok(call(f"crm.{entity}.list", filter={"ID": made}, select=["ID", shop_id]))
    assert cleared[shop_id] is None
