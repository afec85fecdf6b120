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


def test_the_other_holders_of_an_id_are_said_in_key_order_whatever_order_they_came_in() -> None:
    """A full pass meets the rows in key order, an incremental one as they changed: the other rows that store
    a shared id (what the record's state names) read the same either way, numbers by value."""
    m = _mirror([_row("9", 20), _row("57", 20), _row("100", 20), _row("a", 20)], [_deal(20, "9")])
    links = m.links[ORDER.name]
    links.add("29", 20)  # a row that came to store it later
    assert links.holders(20) == ("9", "57", "100", "a", "29")  # in the order they came
    assert links.others(20, "9") == ["29", "57", "100", "a"]
    assert links.others(20, "a") == ["9", "29", "57", "100"]


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


# --- each origin id's records, read by the rows that store them --------------------------------------------


def _read(rows: list[OrderRow], deals: list[dict[str, str]]) -> Mirror:
    """As a full pass reads: the view made with the rows by key, then the mirror."""
    keyed = {r.key: r for r in rows}
    view = PortalView(rows=keyed, origin_rows=keyed)
    for d in deals:
        view.put(d, ORIGINATOR)
    return Mirror([ORDER], {ORDER.name: rows}, {ORDER.name: view}, {}, {ORDER.name: keyed})


def test_an_origin_ids_record_its_row_stores_is_read_from_the_row() -> None:
    deals = [_deal(10, "1"), _deal(20, "2"), _deal(21, "2"), _deal(30, "9"), _deal(5, "3")]
    m = _read([_row("1", 10), _row("2", 21), _row("3", 30)], deals)
    view = m.views[ORDER.name]
    # "1": its row stores 10, which carries "1": not held; "2": 21 is its row's, 20 is not; "9": no row;
    # "3": its row stores 30, which carries "9", so 5 is held.
    assert view.ours_by_origin == {"2": 20, "9": 30, "3": 5}
    assert view.ours("1") == (10,) and view.ours("2") == (20, 21) and view.ours("9") == (30,)
    assert view.ours("3") == (5,) and view.ours("4") == ()
    assert view.is_ours(10) and view.is_ours(21) and view.is_ours(5)


def test_the_origin_ids_records_stay_when_a_row_or_a_record_changes() -> None:
    m = _read([_row("1", 10), _row("2", 20), _row("3", 30)], [_deal(10, "1"), _deal(20, "2"), _deal(30, "3")])
    view, table = m.views[ORDER.name], m.rows[ORDER.name]
    view.pin("1")  # the row lets go of 10: the deal still carries "1"
    table["1"] = _row("1", None)
    assert view.ours("1") == (10,) and view.ours_by_origin == {"1": 10}
    view.pin("2")  # the row goes
    del table["2"]
    assert view.ours("2") == (20,)
    view.put(_deal(30, "7"), ORIGINATOR)  # the deal its row stores now carries another origin id
    assert view.ours("3") == () and view.ours("7") == (30,)
    view.put(_deal(30, "3"), ORIGINATOR)
    assert view.ours("3") == (30,) and view.ours("7") == () and "3" not in view.ours_by_origin
    view.drop(30)
    assert view.ours("3") == () and not view.is_ours(30)
    view.put(_deal(30, "3"), ORIGINATOR)
    view.keep(30, _deal(30, "8"))  # held by id only: the index stays as put left it
    assert view.ours("3") == (30,) and view.ours("8") == ()
    view.keep(30, _deal(30, "9"))
    assert view.ours("3") == (30,) and view.ours("9") == ()
    view.drop(30)  # gone: from the origin id put indexed it under too
    assert view.ours("3") == () and view.ours_by_origin == {"1": 10, "2": 20}
    view.put(_deal(30, "3"), ORIGINATOR)
    view.keep(30, _deal(30, "8"))
    view.put(_deal(30, "7"), ORIGINATOR)  # indexed again: under its own origin id alone
    assert view.ours("3") == () and view.ours("7") == (30,)
    assert view.ours_by_origin == {"1": 10, "2": 20, "7": 30}


def test_a_foreign_record_a_row_stores_is_not_ours() -> None:
    foreign = {"ID": "10", "TITLE": "x", "ORIGINATOR_ID": "SHOP", "ORIGIN_ID": "1"}
    m = _read([_row("1", 10)], [foreign])
    assert m.views[ORDER.name].ours("1") == () and not m.views[ORDER.name].is_ours(10)


def test_two_rows_with_one_key_hold_every_origin_ids_record() -> None:
    rows = [_row("1", 10), _row("1", 10), _row("2", 20)]
    m = _read(rows, [_deal(10, "1"), _deal(20, "2")])
    view = m.views[ORDER.name]
    assert not m.exact and view.origin_rows is None
    assert view.ours_by_origin == {"1": 10, "2": 20} and view.ours("1") == (10,)


def test_a_record_held_by_id_alone_is_not_ours_whatever_it_carries() -> None:
    """A stored record read by id (not by the scan of ours: stamped since, or saved as not indexed) stays
    outside the origin index until a scan puts it, as before the rows stood for the index."""
    m = _read([_row("1", 10), _row("2", 20)], [_deal(20, "2")])
    view = m.views[ORDER.name]
    view.keep(10, _deal(10, "1"))
    assert view.ours("1") == () and not view.is_ours(10) and view.ours("2") == (20,)
    view.put(_deal(10, "1"), ORIGINATOR)
    assert view.ours("1") == (10,) and view.is_ours(10) and view.ours_by_origin == {}
    view.drop(10)
    view.keep(10, _deal(10, "1"))
    assert view.ours("1") == ()
