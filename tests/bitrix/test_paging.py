"""Paging (offset and fast), lookups by origin and by phone/e-mail, merge and deal-contact bindings."""

from __future__ import annotations

import asyncio
import json
import math

import pytest

from bitrix_monitor.bitrix import BitrixClient, NotFound
from tests.bitrix.conftest import FakePortal, reply


def seed(portal: FakePortal, n: int, **fields: str) -> None:
    for i in range(n):
        portal.run("crm.deal.add", {"fields": {"TITLE": f"d{i}", **fields}})


def needed(n: int) -> int:
    """Requests for a list of n rows: the probe (first page and total), then the pages left, 50 a batch."""
    return 1 + math.ceil(max(0, math.ceil(n / 50) - 1) / 50)


@pytest.mark.parametrize("n", [0, 1, 49, 50, 51, 2450, 2550, 2551, 6001])
async def test_fast_scan_reads_everything_once_in_id_order_at_2500_rows_per_request(
    client: BitrixClient, portal: FakePortal, n: int
) -> None:
    seed(portal, n)
    rows = [r async for page in client.list_all("crm.deal.list", select=["TITLE"], parallel=1) for r in page]
    assert [int(r["ID"]) for r in rows] == list(range(1, n + 1))
    assert len(portal.requests) == needed(n)
    probe, *chains = [json.loads(req.content) for req in portal.requests]
    assert probe["start"] == 0 and probe["order"] == {"ID": "ASC"}
    commands = [c for body in chains for c in body["cmd"].values()]
    # No command runs blind: exactly the pages the probe's total still counts.
    assert len(commands) == max(0, math.ceil(n / 50) - 1)
    assert all("start=-1" in c and "order[ID]=ASC" in c for c in commands)


async def test_parallel_fast_scan_with_gaps_and_filter(client: BitrixClient, portal: FakePortal) -> None:
    seed(portal, 9000, CATEGORY_ID="0")
    for i in range(1, 9001, 7):
        del portal.deals[i]
    for i in range(3000, 3200):
        if i in portal.deals:
            portal.deals[i]["CATEGORY_ID"] = "1"
    want = sorted(i for i, d in portal.deals.items() if d["CATEGORY_ID"] == "0")
    pages = [
        p
        async for p in client.list_all("crm.deal.list", filter={"CATEGORY_ID": 0}, select=["ID"], parallel=4)
    ]
    assert [int(r["ID"]) for p in pages for r in p] == want
    assert len(portal.requests) <= math.ceil(len(want) / 2500) + 4


async def test_a_record_listed_twice_or_out_of_order_is_yielded_once(
    client: BitrixClient, portal: FakePortal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A portal that lists a record again (in its page, or one of an earlier page) or out of ID order: each
    record comes once, the one out of order too (the scan's last page carries them)."""
    seed(portal, 6001)
    odd = portal.deals.pop(5000)  # listed only out of order, after the records that follow it
    plain = portal._list

    def listed(params: dict[str, object]) -> tuple[object, dict[str, object]]:
        page, extra = plain(params)
        ids = [int(r["ID"]) for r in page]
        if ids and ids[-1] == 6001:
            page = [*page, portal.deals[ids[0]], portal.deals[ids[0] - 50], odd, portal.deals[1], odd]
        return page, extra

    monkeypatch.setattr(portal, "_list", listed)
    rows = [r async for p in client.list_all("crm.deal.list", select=["TITLE"], parallel=4) for r in p]
    assert [int(r["ID"]) for r in rows] == [*(i for i in range(1, 6002) if i != 5000), 5000]


async def test_fast_scan_respects_a_starting_id(client: BitrixClient, portal: FakePortal) -> None:
    seed(portal, 120)
    rows = await client.list("deal", {">ID": 100}, ["ID"])
    assert [r["ID"] for r in rows] == [str(i) for i in range(101, 121)]


async def test_fast_scan_stops_early_when_the_consumer_stops(
    client: BitrixClient, portal: FakePortal
) -> None:
    seed(portal, 8000)
    async for page in client.list_all("crm.deal.list", select=["ID"]):
        assert page[0]["ID"] == "1"
        break


async def test_find_by_origin_returns_every_match_per_origin_id(
    client: BitrixClient, portal: FakePortal
) -> None:
    for i in range(130):
        portal.run("crm.deal.add", {"fields": {"ORIGINATOR_ID": "shop", "ORIGIN_ID": f"o{i}"}})
    for _ in range(60):  # 60 duplicates of one order: more than a page
        portal.run("crm.deal.add", {"fields": {"ORIGINATOR_ID": "shop", "ORIGIN_ID": "o5"}})
    portal.run("crm.deal.add", {"fields": {"ORIGINATOR_ID": "other", "ORIGIN_ID": "o6"}})
    wanted = [f"o{i}" for i in range(0, 140, 1)]
    found = await client.find_by_origin("deal", "shop", wanted, select=["TITLE"])
    assert set(found) == set(wanted)
    assert len(found["o5"]) == 61
    assert len(found["o6"]) == 1
    assert found["o135"] == []
    assert [r["ID"] for r in found["o0"]] == ["1"]


async def test_find_by_comm_maps_matches_to_values(client: BitrixClient, portal: FakePortal) -> None:
    for phone in ("+100", "+200", "+200"):
        portal.run("crm.deal.add", {"fields": {"PHONE": phone}})
    values = ["+100", "+200", "+300", *[f"+9{i}" for i in range(30)]]
    found = await client.find_by_comm("PHONE", values)
    assert found["+100"] == [1]
    assert found["+200"] == [2, 3]
    assert found["+300"] == []
    assert len(found) == len(values)
    for req in portal.requests:
        for c in json.loads(req.content)["cmd"].values():
            assert "values[0]=%2B" in c  # the plus survives form encoding


async def test_merge_reads_status_and_removed_ids(client: BitrixClient, portal: FakePortal) -> None:
    portal.script(reply(200, {"result": {"STATUS": "SUCCESS", "ENTITY_IDS": ["12", 13]}}))
    res = await client.merge("contact", [11, 12, 13])
    assert (res.status, res.removed_ids) == ("SUCCESS", (12, 13))
    assert json.loads(portal.requests[-1].content) == {
        "params": {"entityTypeId": 3, "entityIds": [11, 12, 13]}
    }
    portal.script(reply(200, {"result": {"STATUS": "CONFLICT", "ENTITY_IDS": []}}))
    assert (await client.merge("deal", [1, 2])).status == "CONFLICT"


async def test_deal_contact_bindings(client: BitrixClient, portal: FakePortal) -> None:
    portal.script(
        reply(
            200,
            {"result": [{"CONTACT_ID": 55, "SORT": 10, "IS_PRIMARY": "Y"}, {"CONTACT_ID": "56", "SORT": 20}]},
        )
    )
    assert await client.deal_contacts_get(3) == [55, 56]
    portal.script(reply(200, {"result": True}))
    await client.deal_contacts_set(3, [56, 55])
    body = json.loads(portal.requests[-1].content)
    assert body["id"] == 3
    assert [(i["CONTACT_ID"], i["IS_PRIMARY"]) for i in body["items"]] == [(56, "Y"), (55, "N")]
    portal.script(reply(400, {"error": "", "error_description": "Not found."}))
    with pytest.raises(NotFound):
        await client.deal_contacts_get(999)


async def test_get_many_returns_none_for_missing_ids(client: BitrixClient, portal: FakePortal) -> None:
    seed(portal, 3)
    got = await client.get_many("deal", [3, 1, 3, 42])
    assert set(got) == {1, 3, 42}
    assert got[42] is None
    assert got[3] is not None
    assert got[3]["TITLE"] == "d2"


async def test_unknown_entity_is_a_programming_error(client: BitrixClient) -> None:
    with pytest.raises(ValueError, match="entity"):
        await client.add("lead", {})  # type: ignore[arg-type]


async def test_fast_scan_within_an_id_set(client: BitrixClient, portal: FakePortal) -> None:
    seed(portal, 3000)
    wanted = list(range(5, 3000, 3))
    rows = await client.list("deal", {"@ID": wanted}, ["ID"])
    assert [int(r["ID"]) for r in rows] == wanted


async def test_a_long_scan_probed_with_its_top_id_asks_for_neither_again(
    client: BitrixClient, portal: FakePortal
) -> None:
    """A scan long enough for segments needs the top id to split its range: sent beside the probe in the
    first request, it costs no request of its own, and every row is still read once, in ID order; the
    segments' short last chains go in one request together."""
    n = 10_500  # 210 pages: more than two chains for each of 2 segments
    seed(portal, n)
    head = await client.batch(
        {
            "first": client.probe_command("crm.deal.list", select=["TITLE"]),
            "top": client.top_command("crm.deal.list"),
        }
    )
    assert len(portal.requests) == 1
    rows = [
        r
        async for page in client.list_all(
            "crm.deal.list", select=["TITLE"], parallel=2, probed=(head, "first"), top=(head, "top")
        )
        for r in page
    ]
    assert [int(r["ID"]) for r in rows] == list(range(1, n + 1))
    later = [json.loads(req.content) for req in portal.requests[1:]]
    assert all("cmd" in body for body in later)  # batches only: no single call for the top id
    commands = [c for body in later for c in body["cmd"].values()]
    assert not [c for c in commands if "order[ID]=DESC" in c]
    segment_probes, *pages = later
    assert len(segment_probes["cmd"]) == 2
    # Each segment chains exactly the pages its probe's total counts (the boundary may split a page in two),
    # and the segments' short last chains share one request: the chained pages take as few as hold them.
    chained = sum(len(body["cmd"]) for body in pages)
    assert math.ceil(n / 50) <= 1 + len(segment_probes["cmd"]) + chained <= math.ceil(n / 50) + 1
    assert len(pages) == math.ceil(chained / 50)
    shared = [body for body in pages if len({key.partition("p")[0] for key in body["cmd"]}) > 1]
    assert len(shared) == 1


async def test_a_segmented_scan_stopped_early_leaves_nothing_running(
    client: BitrixClient, portal: FakePortal
) -> None:
    seed(portal, 10_500)
    async for page in client.list_all("crm.deal.list", select=["ID"], parallel=2):
        assert page[0]["ID"] == "1"
        break
    sent = len(portal.requests)
    await asyncio.sleep(0.05)
    assert len(portal.requests) == sent  # no chain goes on reading for nobody
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("list_all")] == []
