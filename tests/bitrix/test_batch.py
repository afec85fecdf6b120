"""batch: encoding, sections, per-command errors, splitting, and never resending what may have run."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import unquote

import httpx
import pytest

from bitrix_monitor.bitrix import (
    AuthError,
    BitrixClient,
    NotFound,
    OperationTimeLimit,
    OutcomeUnknown,
    PortalError,
    TransportError,
)
from bitrix_monitor.bitrix.encoding import BatchRef, encode_command, php_query
from tests.bitrix.conftest import FakePortal, fail, php_parse, reply, run_then


def test_php_bracket_encoding_round_trips_and_escapes_plus() -> None:
    params = {
        "fields": {"TITLE": "A&B = 50% [x] #1", "PHONE": [{"VALUE": "+7 999 123", "VALUE_TYPE": "WORK"}]},
        "select": ["ID", "TITLE"],
        "filter": {">ID": 5, "@ORIGIN_ID": ["a+b", "c"]},
        "flag": True,
        "skip": None,
        "empty": [],
    }
    q = php_query(params)
    assert "+" not in q
    assert "fields[PHONE][0][VALUE]=%2B7%20999%20123" in q
    assert php_parse(q) == {
        "fields": {"TITLE": "A&B = 50% [x] #1", "PHONE": [{"VALUE": "+7 999 123", "VALUE_TYPE": "WORK"}]},
        "select": ["ID", "TITLE"],
        "filter": {">ID": "5", "@ORIGIN_ID": ["a+b", "c"]},
        "flag": "1",
    }


def test_batch_references_keep_their_brackets() -> None:
    cmd = encode_command("crm.deal.list", {"filter": {">ID": BatchRef("$result[p0][49][ID]")}, "start": -1})
    assert cmd == "crm.deal.list?filter[%3EID]=$result[p0][49][ID]&start=-1"
    assert unquote(cmd.partition("?")[2]).startswith("filter[>ID]=$result[p0][49][ID]")


async def test_failed_command_does_not_fail_its_neighbours(client: BitrixClient, portal: FakePortal) -> None:
    portal.run("crm.deal.add", {"fields": {"TITLE": "one"}})
    res = await client.batch(
        {
            "ok": ("crm.deal.get", {"id": 1}),
            "missing": ("crm.deal.get", {"id": 99}),
            "bad": ("crm.deal.get", {"id": 0}),
            "new": ("crm.deal.add", {"fields": {"TITLE": "two"}}),
        }
    )
    assert res.results["ok"]["TITLE"] == "one"
    assert res.results["new"] == 2
    assert isinstance(res.errors["missing"], NotFound)
    assert isinstance(res.errors["bad"], PortalError)
    assert res.errors["bad"].description == "ID is not defined or invalid."
    assert res.not_run == []
    assert "ok" in res.times


async def test_sequence_commands_use_list_sections(client: BitrixClient, portal: FakePortal) -> None:
    res = await client.batch([("crm.deal.add", {"fields": {"TITLE": f"t{i}"}}) for i in range(3)])
    assert res.results == {"0": 1, "1": 2, "2": 3}
    res = await client.batch(
        [("crm.deal.get", {"id": 50}), ("crm.deal.get", {"id": 51}), ("crm.deal.get", {"id": 1})]
    )
    assert set(res.errors) == {"0", "1"}  # PHP sent these as a list
    assert res.results["2"]["TITLE"] == "t0"


async def test_empty_sections_as_php_empty_arrays(client: BitrixClient, portal: FakePortal) -> None:
    res = await client.batch({"l": ("crm.deal.list", {"start": 0})})
    assert res.results == {"l": []}
    assert res.totals == {"l": 0}
    assert res.errors == {}


async def test_halt_leaves_later_commands_not_run(client: BitrixClient, portal: FakePortal) -> None:
    res = await client.batch(
        [
            ("crm.deal.add", {"fields": {"TITLE": "a"}}),
            ("crm.deal.get", {"id": 77}),
            ("crm.deal.add", {"fields": {}}),
        ],
        halt=True,
    )
    assert res.results == {"0": 1}
    assert isinstance(res.errors["1"], NotFound)
    assert res.not_run == ["2"]
    assert len(portal.deals) == 1


async def test_more_than_fifty_commands_are_split_transparently(
    client: BitrixClient, portal: FakePortal
) -> None:
    ids = await client.add_many("deal", [{"TITLE": f"d{i}", "ORIGIN_ID": str(i)} for i in range(120)])
    assert sorted(i for i in ids if isinstance(i, int)) == list(range(1, 121))
    assert {d["TITLE"] for d in portal.deals.values()} == {f"d{i}" for i in range(120)}
    for req in portal.requests:
        assert len(json.loads(req.content)["cmd"]) <= 50


async def test_commands_over_the_length_limit_are_resent(client: BitrixClient, portal: FakePortal) -> None:
    """A portal that executes fewer commands than sent: the rest come back ERROR_BATCH_LENGTH_EXCEEDED."""
    original = portal._batch

    def short_batch(params: dict) -> dict:  # type: ignore[type-arg]
        cmd = params["cmd"]
        keys = list(cmd)
        out = original({**params, "cmd": {k: cmd[k] for k in keys[:10]}})
        err = out["result_error"] or {}
        for k in keys[10:]:
            err[k] = {
                "error": "ERROR_BATCH_LENGTH_EXCEEDED",
                "error_description": "Max batch length exceeded",
            }
        out["result_error"] = err
        return out

    portal._batch = short_batch  # type: ignore[method-assign]
    ids = await client.add_many("deal", [{"TITLE": f"d{i}"} for i in range(25)])
    assert ids == list(range(1, 26))
    assert len(portal.deals) == 25


async def test_rate_limited_batch_is_resent_because_nothing_ran(
    client: BitrixClient, portal: FakePortal
) -> None:
    portal.script(reply(503, {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}))
    ids = await client.add_many("deal", [{"TITLE": f"d{i}"} for i in range(5)])
    assert ids == [1, 2, 3, 4, 5]
    assert len(portal.deals) == 5
    assert client.budget().rate_limited == 1


async def test_ambiguous_batch_of_writes_is_never_resent(client: BitrixClient, portal: FakePortal) -> None:
    portal.script(fail(httpx.ReadTimeout, after_running=portal))
    out = await client.add_many("deal", [{"TITLE": f"d{i}"} for i in range(5)])
    assert all(isinstance(o, OutcomeUnknown) for o in out)
    assert len(portal.deals) == 5  # ran once, never twice


@pytest.mark.parametrize("content", [b"<html>502 Bad Gateway</html>", b"", b'{"result": {"result": ['])
async def test_unreadable_answer_to_a_batch_of_writes_is_outcome_unknown(
    client: BitrixClient, portal: FakePortal, content: bytes
) -> None:
    portal.script(run_then(502 if content.startswith(b"<") else 200, portal, content=content))
    out = await client.update_many("deal", [(1, {"TITLE": "x"})])
    assert isinstance(out[0], OutcomeUnknown)


async def test_ambiguous_mixed_batch_marks_reads_retryable(client: BitrixClient, portal: FakePortal) -> None:
    portal.script(fail(httpx.RemoteProtocolError, after_running=portal))
    res = await client.batch(
        {"r": ("crm.deal.get", {"id": 1}), "w": ("crm.deal.add", {"fields": {"TITLE": "x"}})}
    )
    assert isinstance(res.errors["w"], OutcomeUnknown)
    assert isinstance(res.errors["r"], TransportError)
    assert res.errors["r"].retryable


async def test_batch_of_reads_is_retried_after_a_timeout(client: BitrixClient, portal: FakePortal) -> None:
    portal.run("crm.deal.add", {"fields": {"TITLE": "x"}})
    portal.script(fail(httpx.ReadTimeout))
    got = await client.get_many("deal", [1, 2])
    assert got[1] is not None
    assert got[1]["TITLE"] == "x"
    assert got[2] is None


async def test_operating_limit_inside_a_batch_pauses_the_method(
    make_client: Callable[..., BitrixClient], portal: FakePortal
) -> None:
    client = make_client(max_pause=0)
    portal.refuse["crm.deal.update"] = (
        "OPERATION_TIME_LIMIT",
        "Method is blocked due to operation time limit.",
        429,
    )
    res = await client.batch(
        {"u": ("crm.deal.update", {"id": 1, "fields": {}}), "a": ("crm.deal.add", {"fields": {}})}
    )
    assert isinstance(res.errors["u"], OperationTimeLimit)
    assert res.errors["u"].retryable
    assert res.results["a"] == 1
    assert "crm.deal.update" in client.budget().paused


async def test_result_time_of_batch_commands_is_tracked_per_method(
    client: BitrixClient, portal: FakePortal
) -> None:
    portal.operating = 33
    portal.operating_reset_at = int(time.time()) + 600
    await client.batch({"a": ("crm.deal.add", {"fields": {}}), "l": ("crm.deal.list", {"start": -1})})
    used = client.budget().operating
    assert used["crm.deal.add"] == 33.0
    assert used["crm.deal.list"] == 33.0


async def test_bulk_results_are_per_item(client: BitrixClient, portal: FakePortal) -> None:
    await client.add_many("deal", [{"TITLE": "a"}, {"TITLE": "b"}])
    out = await client.update_many("deal", [(1, {"TITLE": "A"}), (9, {"TITLE": "Z"})])
    assert out[0] is None
    assert isinstance(out[1], NotFound)
    out = await client.delete_many("deal", [2, 2])
    assert out[0] is None
    assert isinstance(out[1], NotFound)
    assert set(portal.deals) == {1}


async def test_refused_webhook_becomes_every_commands_error(client: BitrixClient, portal: FakePortal) -> None:
    refusal = reply(401, {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"})
    portal.script(refusal)
    out = await client.add_many("deal", [{"TITLE": "a"}, {"TITLE": "b"}])
    assert all(isinstance(o, AuthError) for o in out)
    assert portal.deals == {}


async def test_data_with_batch_syntax_never_travels_in_a_batch(
    client: BitrixClient, portal: FakePortal
) -> None:
    """The portal substitutes ``$result[…]`` and its kin anywhere in a batch command's values (any case):
    such a record is sent as a call of its own and arrives exactly as written; the rest stay batched."""
    titles = ["plain", "B$result[a0]", "$Next[a0]", "x $ERROR[a0][error]", "also plain"]
    ids = await client.add_many("deal", [{"TITLE": t} for t in titles])
    assert all(isinstance(i, int) for i in ids)
    assert [portal.deals[i]["TITLE"] for i in ids if isinstance(i, int)] == titles
    found = await client.find_by_origin("deal", "o", ["B$result[a0]", "plain"])
    assert set(found) == {"B$result[a0]", "plain"}
    batches = [r for r in portal.requests if r.url.path.rstrip("/").endswith(("batch", "batch.json"))]
    singles = [r for r in portal.requests if r not in batches]
    assert len(batches) == 1  # the two plain records went together
    assert all(b"$" not in r.content and b"%24" not in r.content for r in batches)
    assert len(singles) == 3 + 1  # three records and the lookup holding one of them


async def test_our_own_references_still_chain_pages_in_one_batch(
    client: BitrixClient, portal: FakePortal
) -> None:
    for i in range(180):
        portal.run("crm.deal.add", {"fields": {"TITLE": f"d{i}", "CATEGORY_ID": "1" if i < 170 else "0"}})
    portal.requests.clear()
    rows = [r async for page in client.list_all("crm.deal.list", filter={"CATEGORY_ID": "1"}) for r in page]
    assert [r["TITLE"] for r in rows] == [f"d{i}" for i in range(170)]
    # The probe (first page and total), then exactly the three pages left, chained in one batch.
    assert len(portal.requests) == 2 and b"$result[p1][49][ID]" in portal.requests[1].content
    assert b"p3" not in portal.requests[1].content
    portal.requests.clear()
    rows = [
        r async for page in client.list_all("crm.deal.list", filter={"%TITLE": "$result[p0]"}) for r in page
    ]
    assert rows == []
    assert portal.requests and all(b"batch" not in r.url.path.encode() for r in portal.requests)


async def test_an_ambiguous_batch_and_an_unreadable_answer_are_said_in_russian(
    client: BitrixClient, portal: FakePortal
) -> None:
    from bitrix_monitor.messages import error_line
    from bitrix_monitor.queue.model import JobError

    portal.script(fail(httpx.ReadTimeout, after_running=portal))
    (out,) = await client.add_many("deal", [{"TITLE": "d"}])
    assert isinstance(out, OutcomeUnknown)
    assert str(out).startswith("crm.deal.add (in a batch) may or may not have been executed: No answer from ")
    assert error_line(out, "ru").startswith("неизвестно, выполнен ли crm.deal.add (в пакете): ")
    assert " не ответил на batch вовремя" in error_line(out, "ru")
    # a failed job keeps the codes: "retry all with this error" groups them whatever the language
    stored = JobError.of(out, retryable=False)
    assert stored.msg is not None and stored.msg.code == "bitrix.batch.outcome_unknown"

    portal.script(run_then(502, portal, content=b"<html>502 Bad Gateway</html>"))
    (out,) = await client.update_many("deal", [(1, {"TITLE": "x"})])
    assert isinstance(out, OutcomeUnknown)
    assert "Портал прислал HTML-страницу в ответ на batch (HTTP 502)" in error_line(out, "ru")
