"""crm.*.list: pages of 50 with next/total, start rounding, the start=-1 form, filters, order and select."""

from __future__ import annotations

from typing import Any

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.emulator.conftest import Call
from tests.emulator.helpers import error, ok


def _seed(portal: PortalEmulator, count: int) -> list[int]:
    return [
        portal.store.add(
            "deal",
            {
                "TITLE": f"Order {i:03}",
                "OPPORTUNITY": i * 10,
                "ORIGINATOR_ID": "shop" if i % 2 else "other",
                "ORIGIN_ID": str(1000 + i),
                "STAGE_ID": "WON" if i % 3 == 0 else "NEW",
            },
        )
        for i in range(count)
    ]


def _ids(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r["ID"]) for r in rows]


def test_pages_of_fifty_with_next_and_total(call: Call, portal: PortalEmulator) -> None:
    ids = _seed(portal, 120)
    first = call("crm.deal.list", order={"ID": "ASC"}, select=["ID"]).json()
    assert (len(first["result"]), first["next"], first["total"]) == (50, 50, 120)
    assert list(first) == ["result", "next", "total", "time"]
    second = call("crm.deal.list", order={"ID": "ASC"}, select=["ID"], start=50).json()
    assert (_ids(second["result"]), second["next"]) == (ids[50:100], 100)
    last = call("crm.deal.list", order={"ID": "ASC"}, select=["ID"], start=100).json()
    assert _ids(last["result"]) == ids[100:]
    assert "next" not in last
    assert last["total"] == 120


def test_start_is_rounded_down_to_a_page(call: Call, portal: PortalEmulator) -> None:
    ids = _seed(portal, 120)
    page = call("crm.deal.list", select=["ID"], start=73).json()
    assert _ids(page["result"]) == ids[50:100]
    assert page["next"] == 100


def test_start_past_the_end_is_an_empty_page(call: Call, portal: PortalEmulator) -> None:
    _seed(portal, 3)
    page = call("crm.deal.list", select=["ID"], start=500).json()
    assert page["result"] == []
    assert page["total"] == 3
    assert "next" not in page


def test_start_minus_one_has_no_count_and_no_next(call: Call, portal: PortalEmulator) -> None:
    ids = _seed(portal, 120)
    page = call("crm.deal.list", order={"ID": "ASC"}, filter={">ID": ids[9]}, select=["ID"], start=-1).json()
    assert _ids(page["result"]) == ids[10:60]
    assert page["total"] == 0
    assert "next" not in page


def test_fast_pagination_recipe_reads_everything_once(call: Call, portal: PortalEmulator) -> None:
    ids = _seed(portal, 173)
    seen: list[int] = []
    last = 0
    while True:
        rows = ok(call("crm.deal.list", order={"ID": "ASC"}, filter={">ID": last}, select=["ID"], start=-1))
        seen += _ids(rows)
        if len(rows) < 50:
            break
        last = int(rows[-1]["ID"])
    assert seen == ids


def test_empty_list(call: Call) -> None:
    payload = call("crm.deal.list").json()
    assert payload["result"] == []
    assert payload["total"] == 0


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"ORIGIN_ID": "1005"}, [5]),
        ({"=ORIGIN_ID": "1005"}, [5]),
        ({"ORIGINATOR_ID": "shop", "@ORIGIN_ID": ["1001", "1002", "1003"]}, [1, 3]),
        ({"@ID": "ids[2,4]"}, [2, 4]),
        ({">ID": "ids[16]"}, [17, 18, 19]),
        ({">=ID": "ids[17]", "<ID": "ids[19]"}, [17, 18]),
        ({"<=ID": "ids[1]"}, [0, 1]),
        ({"!ORIGINATOR_ID": "shop", "<ID": "ids[6]"}, [0, 2, 4]),
        ({"!=ORIGINATOR_ID": "shop", "<ID": "ids[6]"}, [0, 2, 4]),
        ({"!@ID": "ids[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]"}, [17, 18, 19]),
        ({">OPPORTUNITY": 175}, [18, 19]),
        ({"<=OPPORTUNITY": "20.00"}, [0, 1, 2]),
        ({"%TITLE": "rder 01"}, list(range(10, 20))),
        ({"%TITLE": "ORDER 019"}, [19]),
        ({"STAGE_ID": "WON", ">ID": "ids[9]"}, [12, 15, 18]),
        ({"@STAGE_ID": ["WON"], "<ID": "ids[4]"}, [0, 3]),
        ({"ORIGIN_ID": "no-such"}, []),
        ({"COMMENTS": ""}, list(range(20))),
        ({"!COMMENTS": ""}, []),
    ],
)
def test_filter_operators(
    call: Call, portal: PortalEmulator, flt: dict[str, Any], expected: list[int]
) -> None:
    ids = _seed(portal, 20)

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("ids["):
            picked = [ids[int(i)] for i in value[4:-1].split(",")]
            return picked if len(picked) > 1 else picked[0]
        return value

    concrete = {k: resolve(v) for k, v in flt.items()}
    if "@ID" in concrete and not isinstance(concrete["@ID"], list):
        concrete["@ID"] = [concrete["@ID"]]
    rows = ok(call("crm.deal.list", filter=concrete, order={"ID": "ASC"}, select=["ID"]))
    assert _ids(rows) == [ids[i] for i in expected]


def test_filter_by_date(call: Call, portal: PortalEmulator) -> None:
    early = portal.store.add("deal", {"BEGINDATE": "2024-01-10"})
    late = portal.store.add("deal", {"BEGINDATE": "2024-03-10"})
    assert _ids(ok(call("crm.deal.list", filter={">BEGINDATE": "2024-02-01"}, select=["ID"]))) == [late]
    assert _ids(ok(call("crm.deal.list", filter={"<BEGINDATE": "01.02.2024"}, select=["ID"]))) == [early]


def test_filter_by_bound_contact(call: Call, portal: PortalEmulator) -> None:
    contact = portal.store.add("contact", {"NAME": "x"})
    bound = portal.store.add("deal", {"CONTACT_IDS": [contact]})
    portal.store.add("deal", {})
    assert _ids(ok(call("crm.deal.list", filter={"CONTACT_ID": contact}, select=["ID"]))) == [bound]


def test_filter_and_order_must_be_arrays(portal: PortalEmulator, call: Call) -> None:
    assert (
        error(call("crm.deal.list", filter="x"), 400)["error_description"]
        == "Parameter 'filter' must be array."
    )
    assert (
        error(call("crm.deal.list", order="x"), 400)["error_description"]
        == "Parameter 'order' must be array."
    )


def test_order_by_fields(call: Call, portal: PortalEmulator) -> None:
    ids = _seed(portal, 6)
    rows = ok(call("crm.deal.list", order={"OPPORTUNITY": "DESC"}, select=["ID"]))
    assert _ids(rows) == ids[::-1]
    rows = ok(call("crm.deal.list", order={"ID": "desc"}, select=["ID"], start=0))
    assert _ids(rows) == ids[::-1]
    rows = ok(
        call("crm.deal.list", order={"ORIGINATOR_ID": "ASC", "ID": "DESC"}, select=["ID", "ORIGINATOR_ID"])
    )
    assert [r["ORIGINATOR_ID"] for r in rows] == ["other"] * 3 + ["shop"] * 3
    assert _ids(rows) == [ids[4], ids[2], ids[0], ids[5], ids[3], ids[1]]


def test_order_desc_pages(call: Call, portal: PortalEmulator) -> None:
    ids = _seed(portal, 60)
    page = call("crm.deal.list", order={"ID": "DESC"}, select=["ID"], start=50).json()
    assert _ids(page["result"]) == ids[:10][::-1]
    assert page["total"] == 60


def test_select_star_default_and_explicit(call: Call, portal: PortalEmulator) -> None:
    portal.store.add_user_field("deal", {"FIELD_NAME": "NOTE", "USER_TYPE_ID": "string"})
    portal.store.add("deal", {"TITLE": "x", "UF_CRM_NOTE": "n"})
    (default,) = ok(call("crm.deal.list"))
    assert default["TITLE"] == "x"
    assert default["UF_CRM_NOTE"] == "n"
    assert "ORIGIN_ID" in default
    (star,) = ok(call("crm.deal.list", select=["*"]))
    assert "UF_CRM_NOTE" not in star
    assert star["TITLE"] == "x"
    assert "CONTACT_IDS" not in star
    (star_uf,) = ok(call("crm.deal.list", select=["*", "UF_*"]))
    assert star_uf["UF_CRM_NOTE"] == "n"
    (narrow,) = ok(call("crm.deal.list", select=["TITLE", "NOPE"]))
    assert narrow == {"TITLE": "x"}


# The portal's database compares text the way its collation (utf8_general_ci) does: without regard to case,
# accents or trailing spaces. Another integration's "SHOP-shop" is found by a filter for "shop-shop".
_LOOKALIKES = ["shop-shop", "SHOP-shop", "shop-shöp", "shop-shop ", "Shop-Shop", "shop-shop2", "shopshop", ""]


def _seed_lookalikes(portal: PortalEmulator) -> list[int]:
    return [
        portal.store.add(
            "deal",
            {
                "TITLE": f"Order #{i} ({o or 'none'})",
                "ORIGINATOR_ID": o or None,
                "ORIGIN_ID": "ab-7" if i % 2 else "AB-7",
            },
        )
        for i, o in enumerate(_LOOKALIKES)
    ]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        # the origin-id index path (ORIGINATOR_ID / ORIGIN_ID with = and @)
        ({"ORIGINATOR_ID": "shop-shop"}, [0, 1, 2, 3, 4]),
        ({"=ORIGINATOR_ID": "SHOP-SHOP"}, [0, 1, 2, 3, 4]),
        ({"@ORIGINATOR_ID": ["shop-shop", "SHOPSHOP"]}, [0, 1, 2, 3, 4, 6]),
        ({"ORIGINATOR_ID": "shop-shop", "@ORIGIN_ID": ["ab-7"]}, [0, 1, 2, 3, 4]),
        ({"ORIGIN_ID": "Ab-7", "<ID": "ids[2]"}, [0, 1]),
        # the row-predicate path (negations, and text fields without an index)
        ({"!ORIGINATOR_ID": "shop-shop"}, [5, 6, 7]),
        ({"!=ORIGINATOR_ID": "Shop-Shöp"}, [5, 6, 7]),
        ({"!@ORIGINATOR_ID": ["shop-shop", "shopshop"]}, [5, 7]),
        ({"TITLE": "order #1 (shop-shop)"}, [1]),
        ({"@TITLE": ["ORDER #2 (SHOP-SHOP)", "order #5 (shop-shop2)"]}, [2, 5]),
        ({"%TITLE": "(SHÖP-SHOP"}, [0, 1, 2, 3, 4, 5]),
        ({"%TITLE": "(shop-shop)"}, [0, 1, 2, 4]),
    ],
)
def test_text_filters_compare_like_the_portals_collation(
    call: Call, portal: PortalEmulator, flt: dict[str, Any], expected: list[int]
) -> None:
    ids = _seed_lookalikes(portal)
    concrete = {
        k: ids[int(v[4:-1])] if isinstance(v, str) and v.startswith("ids[") else v for k, v in flt.items()
    }
    rows = ok(call("crm.deal.list", filter=concrete, order={"ID": "ASC"}, select=["ID", "ORIGINATOR_ID"]))
    assert _ids(rows) == [ids[i] for i in expected]


def test_rows_keep_their_own_spelling_whatever_the_filter(call: Call, portal: PortalEmulator) -> None:
    _seed_lookalikes(portal)
    rows = ok(call("crm.deal.list", filter={"ORIGINATOR_ID": "shop-shop"}, select=["ID", "ORIGINATOR_ID"]))
    assert sorted(r["ORIGINATOR_ID"] for r in rows) == sorted(_LOOKALIKES[:5])


def test_numeric_and_id_filters_stay_numeric(call: Call, portal: PortalEmulator) -> None:
    a = portal.store.add("deal", {"OPPORTUNITY": "10"})
    b = portal.store.add("deal", {"OPPORTUNITY": "100"})
    assert _ids(ok(call("crm.deal.list", filter={"OPPORTUNITY": "10.00"}, select=["ID"]))) == [a]
    assert _ids(ok(call("crm.deal.list", filter={"ID": f" {b}"}, select=["ID"]))) == [b]
    assert _ids(
        ok(call("crm.deal.list", filter={">OPPORTUNITY": "9.5"}, order={"ID": "ASC"}, select=["ID"]))
    ) == [a, b]
