"""batch: sections and their PHP list/object shapes, references, halt, the 50-command limit."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.emulator.conftest import Call
from tests.emulator.helpers import ok

SECTIONS = ["result", "result_error", "result_total", "result_next", "result_time"]


def _batch(call: Call, cmd: Any, halt: Any = 0) -> dict[str, Any]:
    result: dict[str, Any] = ok(call("batch", {"halt": halt, "cmd": cmd}))
    assert list(result) == SECTIONS
    return result


def test_sections_with_named_commands(call: Call, portal: PortalEmulator) -> None:
    for i in range(3):
        portal.store.add("deal", {"TITLE": f"d{i}"})
    result = _batch(
        call,
        {
            "add": "crm.deal.add?fields[TITLE]=new",
            "list": "crm.deal.list?select[]=ID&start=0",
            "missing": "crm.deal.get?id=99999",
        },
    )
    assert result["result"]["add"] == 4
    assert [r["ID"] for r in result["result"]["list"]] == ["1", "2", "3", "4"]
    assert "missing" not in result["result"]
    assert result["result_error"] == {"missing": {"error": "", "error_description": "Not found"}}
    assert result["result_total"] == {"list": 4}
    assert result["result_next"] == []
    assert set(result["result_time"]) == {"add", "list"}
    assert {"operating", "operating_reset_at", "processing"} <= set(result["result_time"]["add"])


def test_empty_sections_are_empty_lists(call: Call) -> None:
    result = _batch(call, {"a": "crm.deal.list"})
    assert result["result"] == {"a": []}
    assert result["result_error"] == []
    assert result["result_next"] == []
    assert result["result_total"] == {"a": 0}


def test_cmd_as_list_gives_list_sections(call: Call) -> None:
    result = _batch(call, ["crm.deal.add?fields[TITLE]=a", "crm.deal.add?fields[TITLE]=b"])
    assert result["result"] == [1, 2]
    assert isinstance(result["result_time"], list)
    assert len(result["result_time"]) == 2


def test_numeric_keys_zero_and_one_give_a_list_others_an_object(call: Call) -> None:
    result = _batch(call, {"0": "crm.deal.get?id=77", "1": "crm.deal.get?id=78"})
    assert result["result_error"] == [
        {"error": "", "error_description": "Not found"},
        {"error": "", "error_description": "Not found"},
    ]
    result = _batch(call, {"1": "crm.deal.get?id=77", "2": "crm.deal.get?id=78"})
    assert set(result["result_error"]) == {"1", "2"}


def test_next_section_for_list_with_more_pages(call: Call, portal: PortalEmulator) -> None:
    for _ in range(60):
        portal.store.add("deal", {})
    result = _batch(call, {"p0": "crm.deal.list?select[]=ID", "p1": "crm.deal.list?select[]=ID&start=50"})
    assert result["result_next"] == {"p0": 50}
    assert result["result_total"] == {"p0": 60, "p1": 60}
    assert len(result["result"]["p1"]) == 10


def test_references_to_earlier_results(call: Call, portal: PortalEmulator) -> None:
    contact = portal.store.add("contact", {"NAME": "Ann"})
    result = _batch(
        call,
        {
            "deal": "crm.deal.add?fields[TITLE]=ref&fields[CONTACT_ID]=" + str(contact),
            "get": "crm.deal.get?id=$result[deal]",
            "contact": "crm.contact.get?id=$result[get][CONTACT_ID]",
            "title": "crm.deal.add?fields[TITLE]=copy of $result[get][TITLE] for $result[contact][NAME]",
        },
        halt=1,
    )
    assert result["result"]["get"]["ID"] == str(result["result"]["deal"])
    assert result["result"]["contact"]["NAME"] == "Ann"
    row = portal.store.get("deal", result["result"]["title"])
    assert row is not None
    assert row["TITLE"] == "copy of ref for Ann"


def test_chained_fast_list_pages(call: Call, portal: PortalEmulator) -> None:
    ids = [portal.store.add("deal", {}) for _ in range(130)]
    cmd = {
        f"req_{i}": "crm.deal.list?order[ID]=ASC&select[]=ID&start=-1&filter[>ID]="
        + ("0" if i == 0 else f"$result[req_{i - 1}][49][ID]")
        for i in range(4)
    }
    result = _batch(call, cmd, halt=1)
    pages = [[int(r["ID"]) for r in result["result"][f"req_{i}"]] for i in range(3)]
    assert pages == [ids[0:50], ids[50:100], ids[100:130]]
    # req_3 refers to row 49 of a short page: the reference resolves partially (to the whole page), which
    # is no usable bound, so the portal answers something; clients stop at the short page.
    assert "req_3" in result["result"]
    assert result["result_total"] == {f"req_{i}": 0 for i in range(4)}


def test_partial_reference_resolution(call: Call, portal: PortalEmulator) -> None:
    deal = portal.store.add("deal", {"TITLE": "seen"})
    result = _batch(
        call,
        {
            "get": f"crm.deal.get?id={deal}",
            # embedded, unresolvable: the literal text stays
            "keep": "crm.deal.add?fields[TITLE]=x $result[get][NOPE] y",
            # embedded, resolves to a non-string (the whole row): the literal text stays
            "array": "crm.deal.add?fields[TITLE]=z $result[get] z",
        },
    )
    kept = portal.store.get("deal", result["result"]["keep"])
    arr = portal.store.get("deal", result["result"]["array"])
    assert kept is not None
    assert kept["TITLE"] == "x $result[get][NOPE] y"
    assert arr is not None
    assert arr["TITLE"] == "z $result[get] z"


def test_references_to_errors(call: Call, portal: PortalEmulator) -> None:
    result = _batch(
        call,
        {
            "bad": "crm.deal.get?id=4242",
            "note": "crm.deal.add?fields[TITLE]=$error[bad][error_description]",
        },
    )
    row = portal.store.get("deal", result["result"]["note"])
    assert row is not None
    assert row["TITLE"] == "Not found"


@pytest.mark.parametrize(
    ("halt", "stops"), [(1, True), ("1", True), ("false", True), (0, False), ("0", False)]
)
def test_halt_is_php_truthy(call: Call, portal: PortalEmulator, halt: Any, stops: bool) -> None:
    result = _batch(
        call,
        {
            "a": "crm.deal.add?fields[TITLE]=a",
            "b": "crm.deal.get?id=999",
            "c": "crm.deal.add?fields[TITLE]=c",
        },
        halt=halt,
    )
    assert set(result["result_error"]) == {"b"}
    assert ("c" in result["result"]) is not stops
    assert portal.store.count("deal") == (1 if stops else 2)
    if stops:
        assert set(result["result_time"]) == {"a"}


def test_more_than_fifty_commands(call: Call, portal: PortalEmulator) -> None:
    cmd = {f"c{i}": f"crm.deal.add?fields[TITLE]=n{i}" for i in range(53)}
    result = _batch(call, cmd)
    assert len(result["result"]) == 50
    assert portal.store.count("deal") == 50
    assert result["result_error"] == {
        f"c{i}": {"error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": "Max batch length exceeded"}
        for i in (50, 51, 52)
    }


def test_more_than_fifty_with_halt_stops_at_the_51st(call: Call) -> None:
    cmd = {f"c{i}": "crm.deal.fields" for i in range(55)}
    result = _batch(call, cmd, halt=1)
    assert list(result["result_error"]) == ["c50"]


def test_nested_batch_is_not_allowed(call: Call) -> None:
    result = _batch(call, {"inner": "batch?cmd[x]=crm.deal.fields", "ok": "crm.deal.fields"})
    assert result["result_error"] == {
        "inner": {
            "error": "ERROR_BATCH_METHOD_NOT_ALLOWED",
            "error_description": "Method is not allowed for batch usage",
        }
    }
    assert "ok" in result["result"]


def test_unknown_inner_method_is_a_per_command_error(call: Call) -> None:
    result = _batch(call, {"x": "crm.nothing.here?id=1"})
    assert result["result_error"] == {
        "x": {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}
    }


def test_non_string_commands_are_skipped(call: Call) -> None:
    result = _batch(call, {"a": ["crm.deal.fields"], "b": "crm.deal.fields"})
    assert list(result["result"]) == ["b"]
    assert result["result_error"] == []


def test_no_cmd_gives_empty_sections(call: Call) -> None:
    assert ok(call("batch", halt=0)) == {key: [] for key in SECTIONS}


def test_form_encoded_batch_is_encoded_twice(portal: PortalEmulator, http: httpx.Client) -> None:
    command = "crm.deal.add?fields[TITLE]=" + quote("A&B +1", safe="")
    body = "halt=0&cmd[one]=" + quote(command, safe="")
    response = http.post(
        portal.webhook_url + "batch",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    row = portal.store.get("deal", ok(response)["result"]["one"])
    assert row is not None
    assert row["TITLE"] == "A&B +1"


def test_unencoded_plus_in_a_command_is_a_space(call: Call, portal: PortalEmulator) -> None:
    result = _batch(call, {"a": "crm.contact.add?fields[PHONE][0][VALUE]=+79990001122"})
    row = portal.store.get("contact", result["result"]["a"])
    assert row is not None
    assert row["PHONE"][0]["VALUE"] == "79990001122"


def test_outer_time_of_a_batch(call: Call) -> None:
    payload = call("batch", {"cmd": {"a": "crm.deal.fields"}}).json()
    assert payload["time"]["operating"] == 0


def test_references_resolve_anywhere_in_values_as_crestutil_does(call: Call, portal: PortalEmulator) -> None:
    """Embedded in longer text, percent-encoded, inside nested filter lists, from every section; the
    section name matches in any case but is looked up as written (``$RESULT`` finds nothing)."""
    result = _batch(
        call,
        {
            "a0": "crm.contact.add?fields[NAME]=first",
            "name": "crm.contact.add?fields[NAME]=" + quote("$result[a0]", safe=""),
            "embedded": "crm.deal.add?fields[TITLE]="
            + quote("Order #B$result[a0] - 5", safe="")
            + "&fields[ORIGIN_ID]="
            + quote("B$result[a0]", safe=""),
            "list": "crm.deal.list?filter[@ORIGIN_ID][0]=" + quote("B$result[a0]", safe="") + "&select[0]=ID",
            "upper": "crm.contact.add?fields[NAME]="
            + quote("$RESULT[a0]", safe="")
            + "&fields[LAST_NAME]="
            + quote("x$RESULT[a0]", safe=""),
            "total": "crm.contact.add?fields[NAME]=" + quote("n$total[list]", safe=""),
        },
    )
    a0 = result["result"]["a0"]
    name = portal.store.get("contact", result["result"]["name"])
    assert name is not None and name["NAME"] == str(a0)
    deal = portal.store.get("deal", result["result"]["embedded"])
    assert deal is not None and (deal["TITLE"], deal["ORIGIN_ID"]) == (f"Order #B{a0} - 5", f"B{a0}")
    assert [r["ID"] for r in result["result"]["list"]] == [deal["ID"]]  # the filter was substituted too
    upper = portal.store.get("contact", result["result"]["upper"])
    assert upper is not None and (upper["NAME"], upper["LAST_NAME"]) == (None, "x$RESULT[a0]")  # null
    total = portal.store.get("contact", result["result"]["total"])
    assert total is not None and total["NAME"] == "n1"


def test_a_key_that_is_one_whole_reference_becomes_empty() -> None:
    from bitrix_monitor.demo.emulator.methods import resolve_key

    assert resolve_key("$result[a0]") == ""
    assert resolve_key("$anything[x][y]") == ""
    assert resolve_key("a$result[a0]") == "a$result[a0]"
    assert resolve_key("$result") == "$result"
    assert resolve_key(7) == 7
