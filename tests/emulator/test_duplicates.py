"""crm.duplicate.findbycomm and crm.entity.mergeBatch."""

from __future__ import annotations

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.emulator.conftest import Call
from tests.emulator.helpers import error, ok


def _contact(portal: PortalEmulator, **fields: object) -> int:
    return portal.store.add("contact", {"NAME": "C", **fields})


@pytest.mark.parametrize(
    "query",
    ["+7 (999) 123-45-67", "79991234567", "+7-999-123-4567", "+7 999 1234567 ext. 15", "+79991234567 доб. 2"],
)
def test_phone_matching_ignores_formatting_and_extension(
    call: Call, portal: PortalEmulator, query: str
) -> None:
    wanted = _contact(portal, PHONE=[{"VALUE": "+7 999 123 45 67"}])
    _contact(portal, PHONE=[{"VALUE": "+7 999 123 45 68"}])
    assert ok(call("crm.duplicate.findbycomm", type="PHONE", values=[query])) == {"CONTACT": [wanted]}


def test_email_matching_ignores_case(call: Call, portal: PortalEmulator) -> None:
    a = _contact(portal, EMAIL=[{"VALUE": "Ann@Example.com"}])
    b = _contact(portal, EMAIL=[{"VALUE": "ann@example.com"}, {"VALUE": "b@example.com"}])
    result = ok(call("crm.duplicate.findbycomm", type="email", values=["ANN@example.COM", "b@example.com"]))
    assert result == {"CONTACT": [a, b]}


def test_no_match_is_an_empty_list(call: Call, portal: PortalEmulator) -> None:
    _contact(portal, EMAIL=[{"VALUE": "x@example.com"}])
    assert ok(call("crm.duplicate.findbycomm", type="EMAIL", values=["y@example.com"])) == []


def test_only_the_first_twenty_values_are_searched(call: Call, portal: PortalEmulator) -> None:
    late = _contact(portal, EMAIL=[{"VALUE": "late@example.com"}])
    values = [f"v{i}@example.com" for i in range(20)] + ["late@example.com"]
    assert ok(call("crm.duplicate.findbycomm", type="EMAIL", values=values)) == []
    assert ok(call("crm.duplicate.findbycomm", type="EMAIL", values=values[1:])) == {"CONTACT": [late]}


def test_entity_type_filters(call: Call, portal: PortalEmulator) -> None:
    cid = _contact(portal, EMAIL=[{"VALUE": "e@example.com"}])
    assert ok(
        call("crm.duplicate.findbycomm", type="EMAIL", values=["e@example.com"], entity_type="CONTACT")
    ) == {"CONTACT": [cid]}
    assert (
        ok(call("crm.duplicate.findbycomm", type="EMAIL", values=["e@example.com"], entity_type="LEAD")) == []
    )


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"values": ["a@b.c"]}, "Communication type is not defined."),
        ({"type": "FAX", "values": ["1"]}, "Communication type 'FAX' is not supported in current context."),
        ({"type": "EMAIL"}, "Communication values is not defined."),
        ({"type": "EMAIL", "values": "a@b.c"}, "Communication values is not defined."),
        ({"type": "EMAIL", "values": []}, "Communication values is not defined."),
        (
            {"type": "EMAIL", "values": ["a@b.c"], "entity_type": "DEAL"},
            "Deal is not supported in current context.",
        ),
    ],
)
def test_findbycomm_errors(call: Call, params: dict[str, object], description: str) -> None:
    assert error(call("crm.duplicate.findbycomm", params), 400) == {
        "error": "",
        "error_description": description,
    }


# ---------------------------------------------------------------------------------------- mergeBatch


def test_merge_contacts_first_survives(call: Call, portal: PortalEmulator) -> None:
    keep = _contact(portal, NAME="Ann", PHONE=[{"VALUE": "+7 900 1"}])
    other = _contact(portal, NAME="Ann", LAST_NAME="Lee", PHONE=[{"VALUE": "+79001"}, {"VALUE": "+7 900 2"}])
    deal = portal.store.add("deal", {"CONTACT_IDS": [other]})
    result = ok(call("crm.entity.mergeBatch", params={"entityTypeId": 3, "entityIds": [keep, other]}))
    assert result == {"STATUS": "SUCCESS", "ENTITY_IDS": [other]}
    assert portal.store.get("contact", other) is None
    row = portal.store.get("contact", keep)
    assert row is not None
    assert row["LAST_NAME"] == "Lee"  # an empty field is filled from the absorbed contact
    assert [p["VALUE"] for p in row["PHONE"]] == ["+7 900 1", "+7 900 2"]  # same number once
    assert portal.store.deal_contacts(deal) == [
        keep
    ]  # deals of the absorbed contact now point at the survivor


def test_merge_conflict_changes_nothing(call: Call, portal: PortalEmulator) -> None:
    keep = _contact(portal, NAME="Ann")
    other = _contact(portal, NAME="Anna", EMAIL=[{"VALUE": "a@example.com"}])
    before = (portal.store.get("contact", keep), portal.store.get("contact", other))
    result = ok(call("crm.entity.mergeBatch", params={"entityTypeId": 3, "entityIds": [keep, other]}))
    assert result["STATUS"] == "CONFLICT"
    assert (portal.store.get("contact", keep), portal.store.get("contact", other)) == before


def test_merge_deals_unions_contacts(call: Call, portal: PortalEmulator) -> None:
    a, b = _contact(portal), _contact(portal)
    keep = portal.store.add("deal", {"TITLE": "Order 1", "ORIGIN_ID": "1", "CONTACT_IDS": [a]})
    dup = portal.store.add(
        "deal", {"TITLE": "Order 1", "ORIGIN_ID": "1", "CONTACT_IDS": [b], "COMMENTS": "c"}
    )
    result = ok(call("crm.entity.mergeBatch", params={"entityTypeId": 2, "entityIds": [str(keep), dup]}))
    assert result == {"STATUS": "SUCCESS", "ENTITY_IDS": [dup]}
    assert portal.store.deal_contacts(keep) == [a, b]
    row = portal.store.get("deal", keep)
    assert row is not None
    assert row["COMMENTS"] == "c"
    assert portal.store.count("deal") == 1


def test_merge_deals_with_different_amounts_conflicts(call: Call, portal: PortalEmulator) -> None:
    keep = portal.store.add("deal", {"TITLE": "Order 1", "OPPORTUNITY": 10})
    dup = portal.store.add("deal", {"TITLE": "Order 1", "OPPORTUNITY": 12})
    result = ok(call("crm.entity.mergeBatch", params={"entityTypeId": 2, "entityIds": [keep, dup]}))
    assert result["STATUS"] == "CONFLICT"
    assert portal.store.count("deal") == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"entityIds": [1, 2]}, {"error": 0, "error_description": "The parameter entityTypeId is required."}),
        (
            {"entityTypeId": 3, "entityIds": [998, 999]},
            {"error": 0, "error_description": "The parameter entityIds does not contains valid elements."},
        ),
        (
            {"entityTypeId": 3, "entityIds": ["first", 998]},
            {"error": 0, "error_description": "The parameter entityIds must contains at least two elements."},
        ),
        (
            {"entityTypeId": 999, "entityIds": [1, 2]},
            {"error": "OWNER_NOT_FOUND", "error_description": "Owner was not found"},
        ),
    ],
)
def test_merge_errors(
    call: Call, portal: PortalEmulator, params: dict[str, object], expected: dict[str, object]
) -> None:
    first = _contact(portal)
    ids = params.get("entityIds")
    if isinstance(ids, list):
        params = {**params, "entityIds": [first if i == "first" else i for i in ids]}
    assert error(call("crm.entity.mergeBatch", params=params), 400) == expected
