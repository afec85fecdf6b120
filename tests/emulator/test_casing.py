"""Parameter-name casing (reference §13): the spellings a real portal reads, and the silent outcomes of the
spellings it does not (an empty record, an unfiltered list, an ignored offset)."""

from __future__ import annotations

import httpx
import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.emulator.conftest import Call
from tests.emulator.helpers import error, ok


@pytest.mark.parametrize("name", ["fields", "FIELDS", "Fields", "arFields"])
def test_fields_is_read_in_the_five_spellings(call: Call, portal: PortalEmulator, name: str) -> None:
    deal_id = ok(call("crm.deal.add", {name: {"TITLE": "spelled"}}))
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert row["TITLE"] == "spelled"


@pytest.mark.parametrize("name", ["fIELDS", "FieLDs", "arfields", "ARFIELDS", "field"])
def test_a_misspelled_fields_makes_an_empty_record(call: Call, portal: PortalEmulator, name: str) -> None:
    deal_id = ok(call("crm.deal.add", {name: {"TITLE": "lost", "OPPORTUNITY": 5}}))
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert (row["TITLE"], row["OPPORTUNITY"]) == (f"Deal #{deal_id}", "0.00")


def test_a_misspelled_fields_makes_update_a_no_op_that_returns_true(
    call: Call, portal: PortalEmulator
) -> None:
    deal_id = portal.store.add("deal", {"TITLE": "kept"})
    assert ok(call("crm.deal.update", {"id": deal_id, "fIELDS": {"TITLE": "changed"}})) is True
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert row["TITLE"] == "kept"


def test_a_null_parameter_counts_as_absent_and_the_next_spelling_is_read(
    call: Call, portal: PortalEmulator
) -> None:
    deal_id = ok(call("crm.deal.add", {"fields": None, "FIELDS": {"TITLE": "from upper"}}))
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert row["TITLE"] == "from upper"


def test_upper_case_parameter_names_work_in_a_form_encoded_call(
    portal: PortalEmulator, http: httpx.Client
) -> None:
    response = http.post(
        portal.webhook_url + "crm.deal.add",
        content="FIELDS[TITLE]=form",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    row = portal.store.get("deal", ok(response))
    assert row is not None
    assert row["TITLE"] == "form"


@pytest.mark.parametrize("name", ["ID", "id"])
def test_the_id_is_read_as_ID_or_id(call: Call, portal: PortalEmulator, name: str) -> None:
    deal_id = portal.store.add("deal", {"TITLE": "x"})
    assert ok(call("crm.deal.get", {name: deal_id}))["ID"] == str(deal_id)


@pytest.mark.parametrize("name", ["Id", "iD", "arId"])
def test_any_other_id_spelling_is_not_defined(call: Call, portal: PortalEmulator, name: str) -> None:
    deal_id = portal.store.add("deal", {"TITLE": "x"})
    answer = error(call("crm.deal.get", {name: deal_id}), 400)
    assert answer == {"error": "", "error_description": "ID is not defined or invalid."}


def test_the_id_is_cast_like_php_int(call: Call, portal: PortalEmulator) -> None:
    deal_id = portal.store.add("deal", {"TITLE": "x"})
    assert ok(call("crm.deal.get", id=f"{deal_id}abc"))["ID"] == str(deal_id)


def _titles(rows: list[dict[str, str]]) -> list[str]:
    return [r["TITLE"] for r in rows]


@pytest.fixture
def two_deals(portal: PortalEmulator) -> tuple[int, int]:
    return portal.store.add("deal", {"TITLE": "alpha"}), portal.store.add("deal", {"TITLE": "beta"})


@pytest.mark.parametrize("name", ["filter", "FILTER", "Filter", "arFilter"])
def test_filter_is_read_in_the_five_spellings(call: Call, two_deals: tuple[int, int], name: str) -> None:
    rows = ok(call("crm.deal.list", {name: {"TITLE": "beta"}, "select": ["TITLE"]}))
    assert _titles(rows) == ["beta"]


def test_a_misspelled_filter_lists_everything(call: Call, two_deals: tuple[int, int]) -> None:
    rows = ok(call("crm.deal.list", {"fILTER": {"TITLE": "beta"}, "select": ["TITLE"]}))
    assert _titles(rows) == ["alpha", "beta"]


@pytest.mark.parametrize("key", ["title", "Title", "=title", ">id", "NO_SUCH_FIELD"])
def test_an_unknown_or_miscased_filter_key_is_dropped(
    call: Call, two_deals: tuple[int, int], key: str
) -> None:
    rows = ok(call("crm.deal.list", filter={key: "beta"}, select=["TITLE"]))
    assert _titles(rows) == ["alpha", "beta"]


def test_filter_keys_with_operators_match_exact_names(call: Call, two_deals: tuple[int, int]) -> None:
    first, _ = two_deals
    assert _titles(ok(call("crm.deal.list", filter={">ID": first}, select=["TITLE"]))) == ["beta"]
    assert _titles(ok(call("crm.deal.list", filter={"!TITLE": "beta"}, select=["TITLE"]))) == ["alpha"]


def test_order_keys_and_directions_are_case_insensitive(call: Call, two_deals: tuple[int, int]) -> None:
    rows = ok(call("crm.deal.list", order={"title": "desc"}, select=["TITLE"]))
    assert _titles(rows) == ["beta", "alpha"]
    rows = ok(call("crm.deal.list", ORDER={"Id": "aSc"}, select=["TITLE"]))
    assert _titles(rows) == ["alpha", "beta"]


@pytest.mark.parametrize("direction", ["DESC", "descending", "down", ""])
def test_any_order_direction_but_asc_is_descending(
    call: Call, two_deals: tuple[int, int], direction: str
) -> None:
    rows = ok(call("crm.deal.list", order={"ID": direction}, select=["TITLE"]))
    assert _titles(rows) == ["beta", "alpha"]


def test_select_upper_cases_standard_names_but_not_multifields(call: Call, portal: PortalEmulator) -> None:
    portal.store.add("contact", {"NAME": "Anna", "PHONE": [{"VALUE": "+1 555 0100"}]})
    (row,) = ok(call("crm.contact.list", select=["name", "phone"]))
    assert row == {"NAME": "Anna"}
    (row,) = ok(call("crm.contact.list", select=["name", "PHONE"]))
    assert row["NAME"] == "Anna"
    assert row["PHONE"][0]["VALUE"] == "+1 555 0100"


def test_start_is_read_only_in_lower_case(call: Call, portal: PortalEmulator) -> None:
    for i in range(60):
        portal.store.add("deal", {"TITLE": f"d{i}"})
    assert len(ok(call("crm.deal.list", select=["ID"], start=50))) == 10
    page = call("crm.deal.list", {"select": ["ID"], "START": 50}).json()
    assert (len(page["result"]), page["next"]) == (50, 50)


@pytest.mark.parametrize("name", ["items", "ITEMS", "Items", "arItems"])
def test_binding_items_are_read_in_the_five_spellings(call: Call, portal: PortalEmulator, name: str) -> None:
    deal_id = portal.store.add("deal", {"TITLE": "x"})
    contact_id = portal.store.add("contact", {"NAME": "C"})
    assert ok(call("crm.deal.contact.items.set", {"id": deal_id, name: [{"CONTACT_ID": contact_id}]}))
    assert portal.store.deal_contacts(deal_id) == [contact_id]


@pytest.fixture
def anna(portal: PortalEmulator) -> int:
    return portal.store.add("contact", {"NAME": "Anna", "EMAIL": [{"VALUE": "anna@example.com"}]})


@pytest.mark.parametrize("name", ["type", "TYPE", "Type"])
def test_findbycomm_reads_type_as_given_lower_upper_or_capitalized(call: Call, anna: int, name: str) -> None:
    result = ok(call("crm.duplicate.findbycomm", {name: "EMAIL", "values": ["anna@example.com"]}))
    assert result == {"CONTACT": [anna]}


def test_findbycomm_type_is_a_scalar_without_an_ar_spelling(call: Call, anna: int) -> None:
    answer = error(call("crm.duplicate.findbycomm", {"arType": "EMAIL", "values": ["anna@example.com"]}), 400)
    assert answer["error_description"] == "Communication type is not defined."


@pytest.mark.parametrize("name", ["entity_type", "ENTITY_TYPE", "EntityType", "arEntityType"])
def test_findbycomm_reads_entity_type_in_its_four_spellings(call: Call, anna: int, name: str) -> None:
    answer = error(
        call("crm.duplicate.findbycomm", {"type": "EMAIL", "values": ["anna@example.com"], name: "DEAL"}), 400
    )
    assert answer["error_description"] == "Deal is not supported in current context."


@pytest.mark.parametrize("name", ["entityType", "Entity_Type", "entitytype"])
def test_findbycomm_ignores_other_entity_type_spellings(call: Call, anna: int, name: str) -> None:
    result = ok(
        call("crm.duplicate.findbycomm", {"type": "EMAIL", "values": ["anna@example.com"], name: "DEAL"})
    )
    assert result == {"CONTACT": [anna]}


@pytest.fixture
def three_deals(portal: PortalEmulator) -> list[int]:
    return [
        portal.store.add("deal", {"TITLE": "a", "PROBABILITY": 10, "COMMENTS": "x"}),
        portal.store.add("deal", {"TITLE": "b", "PROBABILITY": 90}),
        portal.store.add("deal", {"TITLE": "c", "COMMENTS": "y"}),
    ]


@pytest.mark.parametrize(
    ("key", "value", "titles"),
    [
        ("!>=ID", "second", ["a"]),  # "!" negates any operation
        ("!<PROBABILITY", 50, ["b", "c"]),
        ("!TITLE", "a", ["b", "c"]),
        ("!=TITLE", "a", ["b", "c"]),
        ("!@TITLE", ["a", "b"], ["c"]),
        ("!%TITLE", "b", ["a", "c"]),
        ("+>PROBABILITY", 50, ["b", "c"]),  # "+": or the field is unset
        ("+COMMENTS", "x", ["a", "b"]),
        ("!+=COMMENTS", "x", ["b", "c"]),
    ],
)
def test_filter_keys_take_a_negation_and_an_or_unset_flag_before_the_operation(
    call: Call, three_deals: list[int], key: str, value: object, titles: list[str]
) -> None:
    if value == "second":
        value = three_deals[1]
    rows = ok(call("crm.deal.list", filter={key: value}, select=["TITLE"], order={"ID": "ASC"}))
    assert _titles(rows) == titles
