"""The client against the project's portal emulator over real HTTP on loopback."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bitrix_monitor.bitrix import (
    AuthError,
    BitrixClient,
    MethodNotFound,
    NotFound,
    OperationTimeLimit,
    OutcomeUnknown,
    PortalError,
    PortalUnreachable,
    TransportError,
    WebhookUrl,
)
from bitrix_monitor.config import RatePlan

emulator = pytest.importorskip(
    "bitrix_monitor.demo.emulator",
    reason="the portal emulator (bitrix_monitor/demo/emulator) is not there yet",
)
PortalEmulator: Any = emulator.PortalEmulator


@pytest.fixture
def portal() -> Iterator[Any]:
    with PortalEmulator(limits="off", seed=1) as p:
        yield p


@pytest.fixture
async def client(portal: Any) -> AsyncIterator[BitrixClient]:
    async with BitrixClient(portal.webhook_url, plan=None, backoff=0.01) as c:
        yield c


def seed_deals(portal: Any, n: int, **fields: str) -> list[int]:
    return [portal.store.add("deal", {"TITLE": f"Deal {i}", **fields}) for i in range(n)]


async def test_deal_round_trip_keeps_the_portals_wire_types(client: BitrixClient, portal: Any) -> None:
    new_id = await client.add(
        "deal", {"TITLE": "Order #1 - svc", "OPPORTUNITY": 1999.5, "ORIGINATOR_ID": "shop", "ORIGIN_ID": "1"}
    )
    assert isinstance(new_id, int)
    got = await client.get("deal", new_id)
    assert got["ID"] == str(new_id)
    assert got["TITLE"] == "Order #1 - svc"
    await client.update("deal", new_id, {"TITLE": "renamed"})
    assert portal.store.get("deal", new_id)["TITLE"] == "renamed"
    rows = await client.list("deal", {"ORIGINATOR_ID": "shop"}, ["ID", "TITLE", "ORIGIN_ID"])
    assert [(r["ID"], r["ORIGIN_ID"]) for r in rows] == [(str(new_id), "1")]
    fields = await client.fields("deal")
    assert "ORIGIN_ID" in fields
    await client.delete("deal", new_id)
    with pytest.raises(NotFound):
        await client.get("deal", new_id)
    with pytest.raises(NotFound):
        await client.delete("deal", new_id)


async def test_contact_multifields_and_deal_bindings(client: BitrixClient, portal: Any) -> None:
    c1 = await client.add(
        "contact", {"NAME": "Ann", "PHONE": [{"VALUE": "+7 (999) 123-45-67", "VALUE_TYPE": "WORK"}]}
    )
    c2 = await client.add(
        "contact", {"NAME": "Bob", "EMAIL": [{"VALUE": "bob@example.com", "VALUE_TYPE": "WORK"}]}
    )
    deal = await client.add("deal", {"TITLE": "d"})
    await client.deal_contacts_set(deal, [c2, c1])
    assert await client.deal_contacts_get(deal) == [c2, c1]
    by_phone = await client.find_by_comm("PHONE", ["+79991234567", "+70000000000"])
    assert by_phone == {"+79991234567": [c1], "+70000000000": []}
    by_mail = await client.find_by_comm("EMAIL", ["bob@example.com"])
    assert by_mail == {"bob@example.com": [c2]}
    with pytest.raises(NotFound):
        await client.deal_contacts_get(deal + 1000)


async def test_merge_keeps_the_first_id(client: BitrixClient, portal: Any) -> None:
    a = await client.add("contact", {"NAME": "Ann", "LAST_NAME": "X"})
    b = await client.add("contact", {"NAME": "Ann", "LAST_NAME": "X"})
    res = await client.merge("contact", [a, b])
    assert res.status == "SUCCESS"
    assert res.removed_ids == (b,)
    assert portal.store.get("contact", b) is None
    assert portal.store.get("contact", a) is not None


async def test_fast_scan_reads_every_deal_in_order_at_2500_per_request(
    client: BitrixClient, portal: Any
) -> None:
    ids = seed_deals(portal, 7_321)
    for gone in ids[100:200]:
        portal.store.delete("deal", gone)
    want = [str(i) for i in ids[:100] + ids[200:]]
    before = portal.stats.http_requests
    rows = [r async for page in client.list_all("crm.deal.list", select=["ID", "TITLE"]) for r in page]
    assert [r["ID"] for r in rows] == want
    assert portal.stats.http_requests - before <= math.ceil(len(want) / 2500) + 4


async def test_offset_paging(client: BitrixClient, portal: Any) -> None:
    seed_deals(portal, 120)
    pages = [p async for p in client.list_pages("crm.deal.list", {"select": ["ID"]})]
    assert [len(p) for p in pages] == [50, 50, 20]


async def test_find_by_origin_sees_duplicates(client: BitrixClient, portal: Any) -> None:
    for i in range(80):
        portal.store.add("deal", {"ORIGINATOR_ID": "shop", "ORIGIN_ID": str(i)})
    dup = portal.store.add("deal", {"ORIGINATOR_ID": "shop", "ORIGIN_ID": "7"})
    found = await client.find_by_origin("deal", "shop", [str(i) for i in range(100)])
    assert len(found) == 100
    assert [int(r["ID"]) for r in found["7"]][-1] == dup
    assert len(found["7"]) == 2
    assert found["99"] == []


async def test_bulk_calls_report_per_item(client: BitrixClient, portal: Any) -> None:
    ids = await client.add_many("deal", [{"TITLE": f"t{i}", "ORIGIN_ID": f"+{i}"} for i in range(120)])
    assert all(isinstance(i, int) for i in ids)
    assert portal.store.count("deal") == 120
    first = ids[0]
    assert isinstance(first, int)
    assert portal.store.get("deal", first)["ORIGIN_ID"] == "+0"  # the plus survived batch encoding
    out = await client.update_many("deal", [(first, {"TITLE": "new"}), (999_999, {"TITLE": "x"}), (0, {})])
    assert out[0] is None
    assert isinstance(out[1], NotFound)
    assert isinstance(out[2], PortalError)
    got = await client.get_many("deal", [first, 999_999])
    assert got[999_999] is None
    assert got[first] is not None
    assert got[first]["TITLE"] == "new"
    res = await client.delete_many("deal", [first, first])
    assert res[0] is None
    assert isinstance(res[1], NotFound)


async def test_wrong_secret_and_unknown_method(portal: Any) -> None:
    w = WebhookUrl.parse(portal.webhook_url)
    bad = f"{w.portal_base}/rest/{w.user_id}/wrongsecret123/"
    async with BitrixClient(bad, plan=None) as c:
        with pytest.raises(AuthError) as info:
            await c.call("crm.deal.list")
        assert "wrongsecret123" not in str(info.value)
    async with BitrixClient(portal.webhook_url, plan=None) as c:
        with pytest.raises(MethodNotFound):
            await c.call("crm.nothing.here")


async def test_shaped_client_is_never_refused_by_the_rate_limit() -> None:
    with PortalEmulator(limits="burst=5,drain=20") as portal:
        async with BitrixClient(portal.webhook_url, plan=RatePlan(5, 20)) as c:
            out = await c.add_many("deal", [{"TITLE": f"t{i}"} for i in range(600)])
            assert all(isinstance(i, int) for i in out)
            assert c.budget().requests >= 12
        assert portal.store.count("deal") == 600
        assert portal.stats.rejected_rate_limit == 0


async def test_refusals_and_proxy_errors_are_retried_without_duplicates() -> None:
    with PortalEmulator(limits="off", faults="e503=0.3,e500html=0.2", seed=3) as portal:
        async with BitrixClient(portal.webhook_url, plan=None, backoff=0.001, retries=6) as c:
            out = await c.add_many("deal", [{"TITLE": f"t{i}", "ORIGIN_ID": str(i)} for i in range(300)])
            created = [i for i in out if isinstance(i, int)]
            unknown = [i for i in out if isinstance(i, OutcomeUnknown)]
            assert len(created) + len(unknown) == 300
            origins = [r["ORIGIN_ID"] for r in portal.store.all("deal")]
            assert len(origins) == len(set(origins))  # never created twice
            assert c.budget().rate_limited > 0


async def test_lost_answers_to_writes_are_outcome_unknown_and_settled_by_lookup() -> None:
    with PortalEmulator(limits="off", faults="lost=0.3", seed=5) as portal:
        async with BitrixClient(portal.webhook_url, plan=None, backoff=0.001) as c:
            outcomes: dict[str, int | OutcomeUnknown] = {}
            for i in range(30):
                try:
                    outcomes[str(i)] = await c.add("deal", {"ORIGINATOR_ID": "shop", "ORIGIN_ID": str(i)})
                except OutcomeUnknown as e:
                    outcomes[str(i)] = e
            unknown = [k for k, v in outcomes.items() if isinstance(v, OutcomeUnknown)]
            assert unknown
            found: dict[str, list[dict[str, Any]]] = {}
            for _ in range(20):  # the lookup is a read: retried through lost answers
                try:
                    found = await c.find_by_origin("deal", "shop", unknown)
                    break
                except TransportError:
                    continue
            assert all(len(found[k]) == 1 for k in unknown)  # each ran exactly once
        assert portal.store.count("deal") == 30


async def test_operating_time_limit_pauses_the_method() -> None:
    with PortalEmulator(limits="off", operating_limit=1.0, operating_cost=0.6) as portal:
        async with BitrixClient(portal.webhook_url, plan=None, max_pause=0, operating_limit=1.0) as c:

            async def list_again_and_again() -> None:
                for _ in range(10):
                    await c.call("crm.deal.list", {"start": -1})

            with pytest.raises(OperationTimeLimit) as info:
                await list_again_and_again()
            assert info.value.reset_at is not None
            assert "crm.deal.list" in c.budget().paused
            assert isinstance(await c.add("deal", {"TITLE": "other methods still run"}), int)


async def test_no_answer_in_time_is_outcome_unknown_for_a_write_and_an_error_for_a_read() -> None:
    with PortalEmulator(limits="off", faults="timeout=1:5") as portal:
        async with BitrixClient(portal.webhook_url, plan=None, timeout=0.3, retries=1, backoff=0.001) as c:
            with pytest.raises(OutcomeUnknown) as info:
                await c.add("deal", {"TITLE": "t"})
            assert isinstance(info.value.cause, TransportError)
            with pytest.raises(TransportError) as read_info:
                await c.get("deal", 1)
            assert not isinstance(read_info.value, OutcomeUnknown)
        assert portal.store.count("deal") == 0


async def test_tls_is_verified_and_a_custom_ca_bundle_is_trusted(tmp_path: Any) -> None:
    cert = tmp_path / "portal.pem"
    with PortalEmulator(limits="off", tls_cert=cert) as portal:
        assert portal.webhook_url.startswith("https://")
        async with BitrixClient(portal.webhook_url, plan=None, ca_bundle=str(cert)) as c:
            assert isinstance(await c.add("deal", {"TITLE": "over TLS"}), int)
        async with BitrixClient(portal.webhook_url, plan=None, backoff=0.001) as c:
            with pytest.raises(PortalUnreachable) as info:
                await c.add("deal", {"TITLE": "untrusted"})
            assert "ca_bundle" in str(info.value)
        assert portal.store.count("deal") == 1


# The spellings reference §13 recommends: lower-case top-level names (batch's own `cmd`/`halt` too).
RECOMMENDED_NAMES = {
    "id",
    "fields",
    "filter",
    "order",
    "select",
    "params",
    "start",
    "items",
    "type",
    "values",
}
RECOMMENDED_NAMES |= {"entity_type", "cmd", "halt"}


async def test_the_client_sends_the_parameter_spellings_the_portal_reads(
    client: BitrixClient, portal: Any
) -> None:
    sent: list[tuple[str, str]] = []
    real_call = portal.api.call

    def spy(method: str, params: dict[Any, Any], hit: Any) -> Any:
        sent.extend((method, str(k)) for k in params)
        return real_call(method, params, hit)

    portal.api.call = spy  # batch runs its commands through the same attribute, so they are seen too
    contact = await client.add("contact", {"NAME": "Ann", "EMAIL": [{"VALUE": "ann@example.com"}]})
    twin = await client.add("contact", {"NAME": "Ann", "EMAIL": [{"VALUE": "ann@example.com"}]})
    deal = await client.add("deal", {"TITLE": "d", "ORIGINATOR_ID": "shop", "ORIGIN_ID": "1"})
    await client.update("deal", deal, {"TITLE": "e"})
    await client.get("deal", deal)
    await client.fields("deal")
    await client.deal_contacts_set(deal, [contact])
    await client.deal_contacts_get(deal)
    await client.find_by_comm("EMAIL", ["ann@example.com"])
    await client.find_by_origin("deal", "shop", ["1"])
    await client.add_many("deal", [{"TITLE": "m"}])
    await client.update_many("deal", [(deal, {"TITLE": "f"})])
    await client.get_many("deal", [deal])
    await client.list("deal", {"ORIGINATOR_ID": "shop"}, ["ID"])
    [p async for p in client.list_pages("crm.deal.list", {"select": ["ID"]})]
    await client.merge("contact", [contact, twin])
    await client.delete_many("deal", [deal])
    methods = {m.lower() for m, _ in sent}
    assert {"batch", "crm.deal.add", "crm.deal.list", "crm.duplicate.findbycomm"} <= methods
    assert {"crm.entity.mergebatch", "crm.deal.contact.items.set", "crm.deal.update"} <= methods
    assert {name for _, name in sent} <= RECOMMENDED_NAMES


@pytest.mark.parametrize("n", [0, 1, 50, 51, 2550, 2600])
async def test_a_list_costs_exactly_the_pages_it_needs(client: BitrixClient, portal: Any, n: int) -> None:
    seed_deals(portal, n)
    portal.stats.reset()
    rows = await client.list("deal", {"CATEGORY_ID": 0}, ["ID"])
    assert [int(r["ID"]) for r in rows] == sorted(int(r["ID"]) for r in rows) and len(rows) == n
    pages = max(1, math.ceil(n / 50))
    stats = portal.stats.snapshot()
    # The probe (first page and its total), then the pages left chained 50 a request: no command runs blind.
    assert stats["executed"].get("crm.deal.list") == pages
    assert stats["http_requests"] == 1 + math.ceil((pages - 1) / 50)


async def test_a_title_search_with_few_matches_is_one_command(client: BitrixClient, portal: Any) -> None:
    seed_deals(portal, 300, ORIGINATOR_ID="shop")
    for i in range(3):
        portal.store.add("deal", {"TITLE": f"Order #{i} - old"})
    portal.stats.reset()
    flt = {"%TITLE": "Order #", "ORIGINATOR_ID": ""}
    rows = [r async for page in client.list_all("crm.deal.list", filter=flt, select=["TITLE"]) for r in page]
    assert [r["TITLE"] for r in rows] == [f"Order #{i} - old" for i in range(3)]
    stats = portal.stats.snapshot()
    assert stats["executed"].get("crm.deal.list") == 1  # not 49 more with references that did not resolve
    assert stats["http_requests"] == 1
