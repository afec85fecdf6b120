"""Transport: URL forms, parameter encodings, envelopes, headers and the error answers with their statuses."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.emulator.conftest import Call
from tests.emulator.helpers import error, ok


@pytest.mark.parametrize(
    "suffix", ["crm.deal.add", "crm.deal.add.json", "crm.deal.add/", "crm.deal.add.json/"]
)
def test_method_url_accepts_json_suffix_and_trailing_slash(
    portal: PortalEmulator, http: httpx.Client, suffix: str
) -> None:
    result = ok(http.post(portal.webhook_url + suffix, json={"fields": {"TITLE": "x"}}))
    assert isinstance(result, int)
    assert result > 0


def test_method_names_are_case_insensitive(call: Call) -> None:
    deal_id = ok(call("CRM.Deal.Add", fields={"TITLE": "upper"}))
    assert ok(call("crm.DEAL.get", id=deal_id))["TITLE"] == "upper"


def test_success_envelope_has_result_and_time_with_operating_fields(call: Call) -> None:
    response = call("crm.deal.add", fields={"TITLE": "x"})
    payload = response.json()
    assert list(payload) == ["result", "time"]
    timing = payload["time"]
    assert set(timing) == {
        "start",
        "finish",
        "duration",
        "processing",
        "date_start",
        "date_finish",
        "operating_reset_at",
        "operating",
    }
    assert timing["finish"] >= timing["start"]
    assert isinstance(timing["operating_reset_at"], int)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", timing["date_start"])


def test_response_headers_are_the_portals(call: Call) -> None:
    response = call("crm.deal.fields")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert re.fullmatch(r"\d+\.\d{10}", response.headers["x-bitrix-rest-time"])


def test_form_encoded_body_with_php_brackets(portal: PortalEmulator, http: httpx.Client) -> None:
    body = (
        "fields[TITLE]=Form%20deal&fields[OPPORTUNITY]=10.5"
        "&fields[ORIGIN_ID]=a%2Bb+c"  # %2B is a plus, an unencoded + is a space
    )
    response = http.post(
        portal.webhook_url + "crm.deal.add",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    row = portal.store.get("deal", ok(response))
    assert row is not None
    assert (row["TITLE"], row["OPPORTUNITY"], row["ORIGIN_ID"]) == ("Form deal", "10.50", "a+b c")


def test_nested_form_lists_build_multifields(portal: PortalEmulator, http: httpx.Client) -> None:
    form = {
        "fields[NAME]": "Anna",
        "fields[PHONE][0][VALUE]": "+7 900 000-00-01",
        "fields[PHONE][0][VALUE_TYPE]": "MOBILE",
        "fields[EMAIL][][VALUE]": "anna@example.com",
    }
    contact_id = ok(http.post(portal.webhook_url + "crm.contact.add", data=form))
    row = portal.store.get("contact", contact_id)
    assert row is not None
    assert [(p["VALUE"], p["VALUE_TYPE"]) for p in row["PHONE"]] == [("+7 900 000-00-01", "MOBILE")]
    assert [e["VALUE"] for e in row["EMAIL"]] == ["anna@example.com"]


def test_multipart_form_data_is_read(portal: PortalEmulator, http: httpx.Client) -> None:
    response = http.post(
        portal.webhook_url + "crm.deal.add", data={"fields[TITLE]": "multipart"}, files={"x": ("x", b"")}
    )
    row = portal.store.get("deal", ok(response))
    assert row is not None
    assert row["TITLE"] == "multipart"


def test_query_string_parameters_and_get(portal: PortalEmulator, http: httpx.Client) -> None:
    deal_id = portal.store.add("deal", {"TITLE": "by query"})
    assert ok(http.get(portal.webhook_url + f"crm.deal.get?ID={deal_id}"))["TITLE"] == "by query"
    response = http.get(portal.webhook_url + "crm.deal.list?select[]=ID&select[]=TITLE&filter[>ID]=0")
    assert ok(response) == [{"ID": str(deal_id), "TITLE": "by query"}]


def test_body_overrides_query_string(portal: PortalEmulator, http: httpx.Client) -> None:
    first = portal.store.add("deal", {"TITLE": "first"})
    second = portal.store.add("deal", {"TITLE": "second"})
    response = http.post(portal.webhook_url + f"crm.deal.get?id={first}", json={"id": second})
    assert ok(response)["TITLE"] == "second"


def test_bad_json_body_gives_no_parameters(portal: PortalEmulator, http: httpx.Client) -> None:
    response = http.post(
        portal.webhook_url + "crm.deal.get",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert error(response, 400) == {"error": "", "error_description": "ID is not defined or invalid."}


def test_get_with_json_body_ignores_the_body(portal: PortalEmulator, http: httpx.Client) -> None:
    response = http.request(
        "GET", portal.webhook_url + "crm.duplicate.findbycomm", json={"type": "EMAIL", "values": ["a@b.c"]}
    )
    assert error(response, 400)["error_description"] == "Communication type is not defined."


@pytest.mark.parametrize(("fields_key", "id_key"), [("fields", "id"), ("FIELDS", "ID"), ("Fields", "ID")])
def test_parameter_name_spellings(call: Call, portal: PortalEmulator, fields_key: str, id_key: str) -> None:
    deal_id = portal.store.add("deal", {"TITLE": "old"})
    assert ok(call("crm.deal.update", {id_key: deal_id, fields_key: {"TITLE": "new"}})) is True
    assert ok(call("crm.deal.get", {id_key: str(deal_id)}))["TITLE"] == "new"


def test_unknown_parameters_are_ignored(call: Call) -> None:
    assert isinstance(ok(call("crm.deal.add", fields={"TITLE": "x"}, __order="7", whatever=[1])), int)


def test_plain_http_on_loopback_is_accepted(call: Call) -> None:
    response = call("profile")
    assert ok(response)["ADMIN"] is True


# ---------------------------------------------------------------------------------------- errors


def test_wrong_secret_is_401_invalid_credentials(portal: PortalEmulator, http: httpx.Client) -> None:
    url = portal.webhook_url.replace(portal.secret, "wrongsecret00000")
    assert error(http.post(url + "crm.deal.list", json={}), 401) == {
        "error": "INVALID_CREDENTIALS",
        "error_description": "Invalid request credentials",
    }


def test_wrong_user_id_is_401_invalid_credentials(portal: PortalEmulator, http: httpx.Client) -> None:
    url = f"{portal.base_url}/rest/2/{portal.secret}/crm.deal.list"
    assert error(http.post(url, json={}), 401)["error"] == "INVALID_CREDENTIALS"


def test_no_auth_is_401_no_auth_found(portal: PortalEmulator, http: httpx.Client) -> None:
    response = http.post(f"{portal.base_url}/rest/crm.deal.list.json", json={})
    assert error(response, 401) == {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}


def test_oauth_style_auth_parameter_is_accepted(portal: PortalEmulator, http: httpx.Client) -> None:
    response = http.post(f"{portal.base_url}/rest/crm.deal.list", json={"auth": portal.secret})
    assert ok(response) == []


def test_unknown_method_is_404_method_not_found(call: Call) -> None:
    assert error(call("crm.deal.frobnicate"), 404) == {
        "error": "ERROR_METHOD_NOT_FOUND",
        "error_description": "Method not found!",
    }


@pytest.mark.parametrize("bad_id", [0, -5, "abc", None])
@pytest.mark.parametrize("method", ["crm.deal.get", "crm.deal.update", "crm.contact.delete"])
def test_invalid_id_is_400_with_empty_code(call: Call, method: str, bad_id: object) -> None:
    body = {"fields": {"TITLE": "x"}} if bad_id is None else {"id": bad_id, "fields": {"TITLE": "x"}}
    assert error(call(method, body), 400) == {
        "error": "",
        "error_description": "ID is not defined or invalid.",
    }


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("crm.deal.get", {"error": "", "error_description": "Not found"}),
        ("crm.deal.update", {"error": "", "error_description": "Not found"}),
        ("crm.deal.delete", {"error": "", "error_description": "Not found"}),
        ("crm.contact.get", {"error": "", "error_description": "Not found"}),
        ("crm.contact.update", {"error": "", "error_description": "Contact is not found"}),
        ("crm.contact.delete", {"error": "ERROR_CORE", "error_description": "Element not found"}),
        ("crm.deal.contact.items.get", {"error": "", "error_description": "Not found."}),
    ],
)
def test_missing_record_answers_per_entity_and_action(
    call: Call, method: str, expected: dict[str, str]
) -> None:
    assert error(call(method, id=987654, fields={"TITLE": "x"}, items=[]), 400) == expected


def test_fields_that_are_not_an_array_are_refused(portal: PortalEmulator, http: httpx.Client) -> None:
    response = http.post(portal.webhook_url + "crm.deal.add", data={"fields": "TITLE"})
    assert error(response, 400) == {"error": "", "error_description": "Parameter 'fields' must be array."}
    assert portal.store.count("deal") == 0


def test_missing_fields_on_add_defaults_to_empty(call: Call, portal: PortalEmulator) -> None:
    deal_id = ok(call("crm.deal.add"))
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert row["TITLE"] == f"Deal #{deal_id}"


def test_path_outside_rest_is_a_plain_404(portal: PortalEmulator, http: httpx.Client) -> None:
    response = http.get(portal.base_url + "/crm/deal/")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_percent_encoded_specials_survive(portal: PortalEmulator, http: httpx.Client) -> None:
    title = "a&b?c%d[e]#f"
    response = http.post(
        portal.webhook_url + "crm.deal.add",
        content=f"fields[TITLE]={quote(title, safe='')}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    row = portal.store.get("deal", ok(response))
    assert row is not None
    assert row["TITLE"] == title
