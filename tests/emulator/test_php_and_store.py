"""The PHP semantics the wire depends on, and the store's direct API used by tests and the demo."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bitrix_monitor.demo.emulator import PortalStore, RestError, php


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a=1&b=2", {"a": "1", "b": "2"}),
        ("select[]=ID&select[]=TITLE", {"select": {0: "ID", 1: "TITLE"}}),
        ("filter[>ID]=5&filter[%TITLE]=a+b", {"filter": {">ID": "5", "%TITLE": "a b"}}),
        (
            "f[PHONE][0][VALUE]=%2B7&f[PHONE][0][VALUE_TYPE]=WORK",
            {"f": {"PHONE": {0: {"VALUE": "+7", "VALUE_TYPE": "WORK"}}}},
        ),
        ("a[5]=x&a[]=y", {"a": {5: "x", 6: "y"}}),
        ("a[01]=x", {"a": {"01": "x"}}),
        ("my.var=1&my var=2", {"my_var": "2"}),
        ("a=1&a=2", {"a": "2"}),
        ("a=1&a[x]=2", {"a": {"x": "2"}}),
        ("a[b]c=1", {"a": {"b": "1"}}),
        ("=x&&b", {"b": ""}),
    ],
)
def test_parse_str(query: str, expected: dict[Any, Any]) -> None:
    assert php.parse_str(query) == expected


def test_json_list_versus_object_rules() -> None:
    assert php.to_json({0: "a", 1: "b"}) == ["a", "b"]
    assert php.to_json({1: "a", 2: "b"}) == {"1": "a", "2": "b"}
    assert php.to_json({}) == []
    assert php.from_json({"0": "x", "k": [1, {"2": 3}]}) == {0: "x", "k": {0: 1, 1: {2: 3}}}


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        ("0", False),
        ("", False),
        (0, False),
        (None, False),
        ("false", True),
        ("1", True),
        ({}, False),
        ({0: 1}, True),
        (0.0, False),
    ],
)
def test_php_truthiness(value: Any, truthy: bool) -> None:
    assert php.truthy(value) is truthy


@pytest.mark.parametrize(
    ("value", "number"), [("12abc", 12), (" 7", 7), ("abc", 0), (3.9, 3), (True, 1), ("-4", -4), (None, 0)]
)
def test_intval(value: Any, number: int) -> None:
    assert php.intval(value) == number


def test_store_api_round_trip() -> None:
    store = PortalStore()
    contact = store.add("contact", {"NAME": "Ann", "EMAIL": [{"VALUE": "a@example.com"}]})
    deal = store.add("deal", {"TITLE": "t", "OPPORTUNITY": 5, "CONTACT_IDS": [contact]})
    row = store.get("deal", deal)
    assert row is not None
    assert (row["TITLE"], row["OPPORTUNITY"], row["CONTACT_ID"]) == (
        "t",
        "5.00",
        str(contact),
    )
    assert store.deal_contacts(deal) == [contact]
    assert store.update("deal", deal, {"TITLE": "u"}) is True
    assert store.update("deal", 999, {"TITLE": "u"}) is False
    assert store.count("deal") == 1
    assert [r["TITLE"] for r in store.all("deal")] == ["u"]
    assert store.delete("deal", deal) is True
    assert store.delete("deal", deal) is False
    assert store.get("deal", deal) is None
    with pytest.raises(RestError, match="must be array"):
        store.add("deal", "nope")
    with pytest.raises(ValueError, match="unknown entity"):
        store.add("lead", {})


def test_store_is_thread_safe() -> None:
    store = PortalStore()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(200):
                ident = store.add("deal", {"ORIGIN_ID": f"{n}-{i}"})
                store.update("deal", ident, {"TITLE": str(i)})
                if i % 3 == 0:
                    store.delete("deal", ident)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = [int(r["ID"]) for r in store.all("deal")]
    assert len(ids) == len(set(ids)) == 4 * (200 - 67)
    assert ids == sorted(ids)
    assert store.query("deal", filter={"ORIGIN_ID": "2-1"}, select=["ORIGIN_ID"]).rows == [
        {"ORIGIN_ID": "2-1"}
    ]


def test_a_large_origin_index_filter_pages_exactly_as_a_small_one() -> None:
    """Over a thousand deals of one originator, interleaved with other integrations' deals: the pages by
    ``>ID`` (start -1), by ``start``, with an id range and in descending order hold exactly ours, in order."""
    store = PortalStore()
    ours: list[int] = []
    for i in range(1_600):
        originator = "shop" if i % 4 else "other"
        did = store.add("deal", {"TITLE": f"Order {i}", "ORIGINATOR_ID": originator, "ORIGIN_ID": str(i)})
        if originator == "shop":
            ours.append(did)
    assert len(ours) == 1_200  # more than the store sorts per query: walked by the id range instead

    seen: list[int] = []
    last = 0
    while True:
        flt = {"ORIGINATOR_ID": "shop", ">ID": last}
        page = store.query("deal", filter=flt, order={"ID": "ASC"}, start=-1)
        if not page.rows:
            break
        seen += [int(r["ID"]) for r in page.rows]
        last = seen[-1]
    assert seen == ours

    page = store.query("deal", filter={"ORIGINATOR_ID": "shop"}, order={"ID": "ASC"}, start=100)
    assert page.total == 1_200 and [int(r["ID"]) for r in page.rows] == ours[100:150] and page.next == 150
    window = store.query(
        "deal", filter={"ORIGINATOR_ID": "shop", ">ID": ours[10], "<=ID": ours[70]}, order={"ID": "DESC"}
    )
    assert window.total == 60 and [int(r["ID"]) for r in window.rows] == ours[70:20:-1]


def test_a_date_modify_filter_finds_exactly_what_testing_every_record_finds(tmp_path: Any) -> None:
    """``>DATE_MODIFY`` and ``>=DATE_MODIFY`` answered from the store's index of writes: contacts imported
    with moments out of order, then updated, deleted and merged, before and after the store is reopened from
    its file: the pages hold exactly the records whose stored moment passes the test, in id order."""
    import random

    rng = random.Random(5)
    path = tmp_path / "portal.sqlite3"
    store = PortalStore(path)
    moments = [f"2026-0{1 + m % 9}-1{m % 10}T0{m % 10}:00:00+03:00" for m in range(40)]
    ids = [
        store.add("contact", {"NAME": f"c{i}", "DATE_MODIFY": rng.choice(moments)}, {"IMPORT": "Y"})
        for i in range(400)
    ]
    for ident in rng.sample(ids, 60):
        store.update("contact", ident, {"NAME": "edited"})  # stamped now: after every imported moment
    for ident in rng.sample(ids, 30):
        store.delete("contact", ident)

    def check(s: PortalStore) -> None:
        rows = s.all("contact")
        for bound in [*rng.sample(moments, 8), "2026-01-01T00:00:00+03:00", "2030-01-01T00:00:00+03:00"]:
            for op, test in ((">=", str.__ge__), (">", str.__gt__)):
                want = sorted(int(r["ID"]) for r in rows if test(r["DATE_MODIFY"], bound))
                got: list[int] = []
                last = 0
                while True:
                    flt = {f"{op}DATE_MODIFY": bound, ">ID": last}
                    page = s.query("contact", filter=flt, order={"ID": "ASC"}, start=-1)
                    if not page.rows:
                        break
                    got += [int(r["ID"]) for r in page.rows]
                    last = got[-1]
                assert got == want, (op, bound)
                counted = s.query("contact", filter={f"{op}DATE_MODIFY": bound})
                assert counted.total == len(want)

    check(store)
    store.close()
    again = PortalStore(path)
    check(again)
    again.close()
