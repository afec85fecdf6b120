"""Single calls: envelopes, every error class, retries that are safe and refusals of those that are not."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bitrix_monitor import __version__
from bitrix_monitor.bitrix import (
    AuthError,
    BadResponse,
    BitrixClient,
    BitrixError,
    MethodNotFound,
    NotFound,
    OperationTimeLimit,
    OutcomeUnknown,
    Overloaded,
    PortalError,
    PortalMoved,
    PortalUnreachable,
    RateLimited,
    ServerError,
    TransportError,
)
from bitrix_monitor.config import RatePlan
from bitrix_monitor.errors import ConfigError, UserFacingError
from tests.bitrix.conftest import SECRET, FakePortal, fail, reply, run_then

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


async def test_call_sends_json_with_user_agent_and_decodes_float_time(
    client: BitrixClient, portal: FakePortal
) -> None:
    portal.operating = 1.25
    portal.operating_reset_at = 1778747792
    new_id = await client.add("deal", {"TITLE": "Order #1", "ORIGIN_ID": "1"})
    req = portal.requests[-1]
    assert req.method == "POST"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["user-agent"] == f"bitrix-monitor/{__version__}"
    assert json.loads(req.content) == {"fields": {"TITLE": "Order #1", "ORIGIN_ID": "1"}}
    assert portal.deals[new_id]["TITLE"] == "Order #1"
    assert client.budget().operating["crm.deal.add"] == 1.25


async def test_time_fields_may_be_integers_and_operating_may_be_missing(
    client: BitrixClient, portal: FakePortal
) -> None:
    body = {"result": [], "total": 0, "time": {"start": 1769494687, "finish": 1769494687, "processing": 0}}
    portal.script(reply(200, body))
    res = await client.call("crm.deal.list", {"start": 0})
    assert res.result == []
    assert res.total == 0
    assert res.next is None
    assert res.time is not None
    assert res.time.start == 1769494687.0
    assert res.time.operating is None


async def test_list_envelope_has_next_and_total(client: BitrixClient, portal: FakePortal) -> None:
    for i in range(120):
        portal.run("crm.deal.add", {"fields": {"TITLE": f"d{i}"}})
    res = await client.call("crm.deal.list", {"start": 50})
    assert (len(res.result), res.next, res.total) == (50, 100, 120)
    pages = [p async for p in client.list_pages("crm.deal.list", {"select": ["ID"]})]
    assert [len(p) for p in pages] == [50, 50, 20]
    assert [r["ID"] for p in pages for r in p] == [str(i) for i in range(1, 121)]


ERRORS: list[tuple[int, dict[str, Any], type[BitrixError], bool]] = [
    (503, {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}, RateLimited, True),
    (
        429,
        {"error": "OPERATION_TIME_LIMIT", "error_description": "Method is blocked"},
        OperationTimeLimit,
        True,
    ),
    (
        503,
        {"error": "OVERLOAD_LIMIT", "error_description": "REST API is blocked due to overload."},
        Overloaded,
        False,
    ),
    (401, {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}, AuthError, False),
    (
        401,
        {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"},
        AuthError,
        False,
    ),
    (403, {"error": "insufficient_scope", "error_description": "higher privileges"}, AuthError, False),
    (
        401,
        {"error": "expired_token", "error_description": "The access token provided has expired"},
        AuthError,
        False,
    ),
    (
        401,
        {"error": "invalid_token", "error_description": "Unable to get application by token"},
        AuthError,
        False,
    ),
    (
        403,
        {"error": "ACCESS_DENIED", "error_description": "REST is available only on commercial plans."},
        AuthError,
        False,
    ),
    (400, {"error": "INVALID_REQUEST", "error_description": "Https required."}, AuthError, False),
    (403, {"error": "user_access_error", "error_description": "no access"}, AuthError, False),
    (
        401,
        {"error": "authorization_error", "error_description": "Unable to authorize user"},
        AuthError,
        False,
    ),
    (200, {"error": "no_auth_found", "error_description": "Wrong authorization data"}, AuthError, False),
    (400, {"error": "", "error_description": "Not found"}, NotFound, False),
    (400, {"error": "", "error_description": "Not found."}, NotFound, False),
    (400, {"error": "", "error_description": "Contact is not found"}, NotFound, False),
    (400, {"error": "ERROR_CORE", "error_description": "Element not found"}, NotFound, False),
    (
        404,
        {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"},
        MethodNotFound,
        False,
    ),
    (400, {"error": "", "error_description": "ID is not defined or invalid."}, PortalError, False),
    (
        400,
        {"error": "ERROR_CORE", "error_description": "The field Work e-mail is invalid"},
        PortalError,
        False,
    ),
    (200, {"error": "SOME_CODE", "error_description": "returned, not thrown"}, PortalError, False),
]


@pytest.mark.parametrize(("status", "body", "cls", "retryable"), ERRORS)
async def test_error_answers_become_typed_errors(
    make_client: Callable[..., BitrixClient],
    portal: FakePortal,
    status: int,
    body: dict[str, Any],
    cls: type[BitrixError],
    retryable: bool,
) -> None:
    client = make_client(retries=0, max_pause=0)
    portal.script(*[reply(status, body)] * 10)
    with pytest.raises(cls) as info:
        await client.call("crm.deal.get", {"id": 1})
    err = info.value
    assert type(err) is cls
    assert err.code == body["error"]
    assert err.http_status == status
    assert err.retryable is retryable
    assert SECRET not in str(err)
    assert SECRET not in repr(err)
    assert "\n" not in str(err)


async def test_error_codes_compare_case_insensitively(client: BitrixClient, portal: FakePortal) -> None:
    portal.script(reply(401, {"error": "Invalid_Credentials", "error_description": "x"}))
    with pytest.raises(AuthError):
        await client.call("profile")


async def test_persistent_rate_limit_is_user_facing(
    make_client: Callable[..., BitrixClient], portal: FakePortal
) -> None:
    client = make_client(retries=0)
    portal.script(*[reply(503, {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "x"})] * 20)
    with pytest.raises(UserFacingError, match="rate limit"):
        await client.call("profile")


async def test_auth_and_overload_errors_are_user_facing(client: BitrixClient, portal: FakePortal) -> None:
    portal.script(
        reply(401, {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"})
    )
    with pytest.raises(UserFacingError) as info:
        await client.call("profile")
    assert "webhook" in str(info.value)
    portal.script(reply(503, {"error": "OVERLOAD_LIMIT", "error_description": "blocked"}))
    with pytest.raises(UserFacingError):
        await client.call("profile")


async def test_server_error_with_json_body_on_read_is_retried(
    client: BitrixClient, portal: FakePortal
) -> None:
    portal.run("crm.deal.add", {"fields": {"TITLE": "a"}})
    portal.script(
        reply(500, {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"})
    )
    assert (await client.get("deal", 1))["TITLE"] == "a"


async def test_server_error_on_read_gives_up_after_retries(
    make_client: Callable[..., BitrixClient], portal: FakePortal
) -> None:
    client = make_client(retries=1)
    portal.script(*[reply(500, {"error": "INTERNAL_SERVER_ERROR", "error_description": "boom"})] * 3)
    with pytest.raises(ServerError):
        await client.call("crm.deal.get", {"id": 1})


@pytest.mark.parametrize(
    ("status", "content", "what"),
    [
        (502, HTML_502, "HTML page"),
        (504, b"<HTML>Gateway Time-out</HTML>", "HTML page"),
        (200, b"", "empty answer"),
        (200, b'{"result": [{"ID": "1"', "unreadable"),
        (200, b"\x00\xff garbage", "unreadable"),
        (200, b"[1, 2]", "not a JSON object"),
        (200, b'{"time": {}}', "has no result"),
    ],
)
async def test_unreadable_answer_to_a_read_is_bad_response(
    make_client: Callable[..., BitrixClient], portal: FakePortal, status: int, content: bytes, what: str
) -> None:
    client = make_client(retries=1)
    portal.script(*[reply(status, content=content)] * 3)
    with pytest.raises(BadResponse) as info:
        await client.call("crm.deal.get", {"id": 1})
    assert what in str(info.value)
    assert info.value.http_status == status


@pytest.mark.parametrize(
    ("status", "content"),
    [(502, HTML_502), (200, b""), (200, b'{"result": 1'), (500, b'{"error": "INTERNAL_SERVER_ERROR"}')],
)
async def test_unreadable_answer_to_a_write_that_ran_is_outcome_unknown_and_not_resent(
    client: BitrixClient, portal: FakePortal, status: int, content: bytes
) -> None:
    portal.script(run_then(status, portal, content=content))
    with pytest.raises(OutcomeUnknown) as info:
        await client.add("deal", {"TITLE": "once", "ORIGIN_ID": "9"})
    assert info.value.retryable is False
    assert info.value.cause is not None
    assert [d["TITLE"] for d in portal.deals.values()] == ["once"]  # executed exactly once


async def test_timeout_on_a_write_is_outcome_unknown(client: BitrixClient, portal: FakePortal) -> None:
    portal.script(fail(httpx.ReadTimeout, after_running=portal))
    with pytest.raises(OutcomeUnknown) as info:
        await client.add("deal", {"TITLE": "maybe"})
    assert isinstance(info.value.cause, TransportError)
    assert len(portal.deals) == 1


async def test_dropped_connection_on_a_write_is_outcome_unknown(
    client: BitrixClient, portal: FakePortal
) -> None:
    portal.run("crm.deal.add", {"fields": {"TITLE": "x"}})
    portal.script(fail(httpx.RemoteProtocolError, after_running=portal))
    with pytest.raises(OutcomeUnknown):
        await client.update("deal", 1, {"TITLE": "y"})
    assert portal.deals[1]["TITLE"] == "y"


async def test_timeout_on_a_read_is_retried(client: BitrixClient, portal: FakePortal) -> None:
    portal.run("crm.deal.add", {"fields": {"TITLE": "x"}})
    portal.script(fail(httpx.ReadTimeout), fail(httpx.ReadError))
    assert (await client.get("deal", 1))["TITLE"] == "x"


async def test_read_timeouts_beyond_retries_raise_transport_error(
    make_client: Callable[..., BitrixClient], portal: FakePortal
) -> None:
    client = make_client(retries=1)
    portal.script(*[fail(httpx.ReadTimeout)] * 3)
    with pytest.raises(TransportError) as info:
        await client.call("crm.deal.get", {"id": 1})
    assert not isinstance(info.value, OutcomeUnknown)


async def test_connect_failure_of_a_write_is_retried_because_nothing_was_sent(
    client: BitrixClient, portal: FakePortal
) -> None:
    portal.script(fail(httpx.ConnectError))
    new_id = await client.add("deal", {"TITLE": "after reconnect"})
    assert portal.deals[new_id]["TITLE"] == "after reconnect"
    assert len(portal.deals) == 1


async def test_portal_unreachable_after_retries_is_user_facing(
    make_client: Callable[..., BitrixClient], portal: FakePortal
) -> None:
    client = make_client(retries=2)
    portal.script(*[fail(httpx.ConnectError)] * 5)
    with pytest.raises(PortalUnreachable) as info:
        await client.add("deal", {"TITLE": "never"})
    assert isinstance(info.value, UserFacingError)
    assert "portal.example.com" in str(info.value)
    assert SECRET not in str(info.value)
    assert portal.deals == {}


async def test_redirect_is_reported_as_moved_portal_and_not_followed(
    client: BitrixClient, portal: FakePortal
) -> None:
    new = f"https://new.bitrix24.ru/rest/7/{SECRET}/crm.deal.add.json"
    portal.script(reply(302, content=b"", headers={"Location": new}))
    with pytest.raises(PortalMoved) as info:
        await client.add("deal", {"TITLE": "x"})
    assert "moved to https://new.bitrix24.ru" in str(info.value)
    assert SECRET not in str(info.value) + repr(info.value) + info.value.location
    assert isinstance(info.value, UserFacingError)
    assert [r.url.host for r in portal.requests] == ["portal.example.com"]
    assert portal.deals == {}


async def test_rate_limited_answer_is_retried_and_counted(client: BitrixClient, portal: FakePortal) -> None:
    limited = reply(503, {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"})
    portal.script(limited, limited)
    new_id = await client.add("deal", {"TITLE": "x"})
    assert portal.deals[new_id]["TITLE"] == "x"
    assert len(portal.deals) == 1
    assert client.budget().rate_limited == 2


async def test_operation_time_limit_pauses_that_method_only(
    make_client: Callable[..., BitrixClient], portal: FakePortal
) -> None:
    client = make_client(max_pause=5)
    reset = time.time() + 300
    portal.operating = 12.5
    portal.operating_reset_at = reset
    await client.call("crm.deal.list", {"start": -1})
    portal.script(reply(429, {"error": "OPERATION_TIME_LIMIT", "error_description": "Method is blocked"}))
    with pytest.raises(OperationTimeLimit) as info:
        await client.call("crm.deal.list", {"start": -1})
    assert info.value.reset_at == pytest.approx(reset)
    budget = client.budget()
    assert budget.paused["crm.deal.list"] == pytest.approx(reset)
    assert budget.operation_limited == 1
    sent = len(portal.requests)
    with pytest.raises(OperationTimeLimit):  # refused locally while paused
        await client.call("crm.deal.list", {"start": -1})
    assert len(portal.requests) == sent
    assert await client.add("deal", {"TITLE": "other methods run"}) == 1


async def test_method_near_its_operating_budget_is_paused_before_the_portal_refuses(
    make_client: Callable[..., BitrixClient], portal: FakePortal
) -> None:
    client = make_client(max_pause=1, operating_limit=100)
    portal.operating = 97.0
    portal.operating_reset_at = time.time() + 120
    await client.call("crm.deal.list", {"start": -1})
    assert "crm.deal.list" in client.budget().paused
    with pytest.raises(OperationTimeLimit):
        await client.call("crm.deal.list", {"start": -1})


async def test_short_operating_pause_is_waited_out(
    make_client: Callable[..., BitrixClient], portal: FakePortal
) -> None:
    client = make_client(max_pause=5)
    portal.script(reply(429, {"error": "OPERATION_TIME_LIMIT", "error_description": "blocked"}))
    portal.operating_reset_at = None
    client._operating.reset_at["crm.deal.get"] = time.time() + 0.05
    portal.run("crm.deal.add", {"fields": {"TITLE": "x"}})
    assert (await client.get("deal", 1))["TITLE"] == "x"


async def test_client_side_bucket_counts_throttled_waits(make_client: Callable[..., BitrixClient]) -> None:
    client = make_client(plan=RatePlan(burst=4, drain=200))
    for _ in range(6):
        await client.call("crm.deal.list", {"start": -1})
    b = client.budget()
    assert b.requests == 6
    assert b.capacity == 2
    assert b.drain == 200
    assert b.throttled_waits >= 1
    assert b.rate_limited == 0


async def test_domain_calls_round_trip(client: BitrixClient, portal: FakePortal) -> None:
    i = await client.add("deal", {"TITLE": "a", "ORIGINATOR_ID": "shop", "ORIGIN_ID": "o1"})
    await client.update("deal", i, {"TITLE": "b"})
    assert (await client.get("deal", i))["TITLE"] == "b"
    assert [r["ID"] for r in await client.list("deal", {"ORIGIN_ID": "o1"}, ["TITLE"])] == [str(i)]
    await client.delete("deal", i)
    with pytest.raises(NotFound):
        await client.get("deal", i)
    with pytest.raises(NotFound):
        await client.delete("deal", i)


def test_repr_of_client_hides_the_secret() -> None:
    c = BitrixClient(
        f"https://p.example.com/rest/1/{SECRET}/",
        transport=httpx.MockTransport(lambda r: httpx.Response(200)),
    )
    assert SECRET not in repr(c)


def test_unreadable_ca_bundle_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CA bundle"):
        BitrixClient("https://p.example.com/rest/1/abcdef123/", ca_bundle=str(tmp_path / "missing.pem"))


def test_clients_share_one_tls_context_that_verifies_the_portal() -> None:
    """Making a TLS context loads the certificate store (about 30 ms): every client that trusts the usual
    authorities shares the process's one, and it still checks the certificate and the host name."""
    from bitrix_monitor.bitrix.client import _usual_trust

    made = _usual_trust()
    assert made is _usual_trust()
    assert made.verify_mode is ssl.CERT_REQUIRED and made.check_hostname
    assert made.cert_store_stats()["x509_ca"] > 0  # the authorities were loaded
