"""Which shop records store which portal id, where the records' origin ids stand for most of the index."""

from __future__ import annotations

from bitrix_monitor.kinds import ORDER
from bitrix_monitor.shop import OrderRow
from bitrix_monitor.shop.rows import NO_EXTRA
from bitrix_monitor.sync.reconcile import Mirror, PortalView

ORIGINATOR = "shop"


def _row(key: str, deal_id: int | None) -> OrderRow:
    return OrderRow.made(key, None, deal_id, f"Order #{key}", 100, "RUB", None, None, {}, "", NO_EXTRA)


def _deal(rid: int, origin: str) -> dict[str, str]:
    return {"ID": str(rid), "TITLE": f"Order #{origin}", "ORIGINATOR_ID": ORIGINATOR, "ORIGIN_ID": origin}


def _mirror(rows: list[OrderRow], deals: list[dict[str, str]]) -> Mirror:
    view = PortalView()
    for d in deals:
        view.put(d, ORIGINATOR)
    return Mirror([ORDER], {ORDER.name: rows}, {ORDER.name: view}, {})


def test_an_id_its_record_names_the_row_of_is_not_held_and_holders_keep_their_order() -> None:
    rows = [_row("1", 10), _row("2", 20), _row("3", 20), _row("4", 40), _row("5", 40), _row("6", 60)]
    m = _mirror(rows, [_deal(10, "1"), _deal(20, "3"), _deal(40, "4"), _deal(60, "9")])
    links = m.links[ORDER.name]
    assert links._stored_by == {20: ("2", "3"), 40: "5", 60: "6"}  # 10 alone, 40's first holder by its record
    assert links.holders(10) == ("1",) and links.alone(10) == "1" and links.stores(10)
    assert links.holders(20) == ("2", "3") and links.alone(20) is None
    assert links.holders(40) == ("4", "5") and links.others(40, "4") == ["5"]
    assert links.holders(60) == ("6",) and links.alone(60) == "6"
    assert not links.stores(99) and links.holders(99) == () and links.alone(99) is None


def test_a_record_that_changes_or_goes_leaves_its_holders_as_they_were() -> None:
    m = _mirror([_row("1", 10), _row("2", 10), _row("3", 30)], [_deal(10, "1"), _deal(30, "3")])
    view, links = m.views[ORDER.name], m.links[ORDER.name]
    view.put(_deal(10, "2"), ORIGINATOR)  # its origin id now names another row that stores it too
    assert links.holders(10) == ("1", "2")
    view.put(_deal(10, "7"), ORIGINATOR)
    assert links.holders(10) == ("1", "2")
    view.drop(30)  # deleted in the portal: the row still stores it (a stale link)
    assert links.holders(30) == ("3",) and links.alone(30) == "3"


def test_a_row_that_lets_go_of_its_id_or_goes_no_longer_holds_it() -> None:
    m = _mirror([_row("1", 10), _row("2", 20)], [_deal(10, "1"), _deal(20, "2")])
    table, links = m.rows[ORDER.name], m.links[ORDER.name]
    links.remove("1", 10)
    table["1"] = _row("1", None)
    links.add("1", None)
    assert links.holders(10) == () and not links.stores(10)
    links.remove("2", 20)
    del table["2"]
    assert links.holders(20) == ()
    table["2"] = _row("2", 20)
    links.add("2", 20)
    assert links.holders(20) == ("2",) and links._stored_by == {}


def test_two_rows_with_one_key_are_all_held() -> None:
    m = _mirror([_row("1", 10), _row("1", 10)], [_deal(10, "1")])
    assert not m.exact
    assert m.links[ORDER.name].holders(10) == ("1", "1") and m.links[ORDER.name].alone(10) is None
