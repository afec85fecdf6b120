"""A page of orders or users is made column by column (``ShopDatabase._order_page``, ``_user_page``) when it
is the usual page, and row by row otherwise: either way every row equals, field by field, the row
:meth:`ShopDatabase._convert` makes of the same values (its sign of the values read included, which decides
whether a row read again is the row held)."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.compact import read_sign, read_signs
from bitrix_monitor.config import CompaniesMapping, OrdersMapping, ShopConfig, UsersMapping
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.shop.database import _held_amount
from tests.shop.conftest import CUSTOM, admin, create_custom_shop


def _fields(row: Any) -> tuple[Any, ...]:
    """Every slot a row holds, its class's and its bases' (an order's cents, a row's sign of values read)."""
    names = [name for cls in type(row).__mro__ for name in getattr(cls, "__slots__", ())]
    return tuple((name, object.__getattribute__(row, name)) for name in sorted(names))


def _page(db: ShopDatabase, kind: str = "order") -> list[Any]:
    spec = db._specs[kind]
    stmt = sa.select(*spec.columns).select_from(spec.source).order_by(spec.key.column)
    with db.engine.connect() as conn:
        return list(conn.execute(stmt).all())


def _made_both_ways(db: ShopDatabase, kind: str = "order") -> tuple[list[Any] | None, list[Any]]:
    spec, rows = db._specs[kind], _page(db, kind)
    by_column = (db._order_page if kind == "order" else db._user_page)(spec, rows, {})
    by_row = [db._convert(spec, r, {}) for r in rows]
    assert [_fields(r) for r in db._made(spec, rows, None, {})] == [_fields(r) for r in by_row]
    return by_column, by_row


def _assert_alike(by_column: list[Any] | None, by_row: list[Any]) -> None:
    assert by_column is not None, "the usual page was made row by row"
    assert [_fields(r) for r in by_column] == [_fields(r) for r in by_row]
    for mine, theirs in zip(by_column, by_row, strict=True):
        assert (
            type(mine) is type(theirs)
            and mine == theirs
            and getattr(mine, "amount", 0) == getattr(theirs, "amount", 0)
        )


def test_the_usual_page_of_orders_is_made_by_column_and_equals_the_rows_made_one_by_one(
    shop: ShopDatabase,
) -> None:
    by_column, by_row = _made_both_ways(shop)
    _assert_alike(by_column, by_row)
    assert len(by_row) == 120
    assert {r._read for r in by_row} != {None}


def test_a_page_is_made_by_column_in_the_shop_zone_too(demo_url: str) -> None:
    with ShopDatabase.connect(demo_url, ShopConfig(timezone="Europe/Moscow")) as db:
        by_column, by_row = _made_both_ways(db)
    _assert_alike(by_column, by_row)
    assert all(r.updated_at.tzinfo is UTC for r in by_row)


def test_a_custom_mapping_with_a_stage_map_and_a_currency_column_reads_alike_either_way(
    shop_url: str,
) -> None:
    """Text keys: made row by row; the rows are the same either way."""
    create_custom_shop(shop_url)
    with ShopDatabase.connect(shop_url, CUSTOM) as db:
        by_column, _rows = _made_both_ways(db)
    assert by_column is None  # text keys: not the usual page


def test_a_stage_map_is_applied_by_column_as_row_by_row(demo_url: str) -> None:
    """A stage in the map becomes its STAGE_ID, one outside a non-empty map none."""
    with admin(demo_url) as conn:
        conn.execute(sa.text("UPDATE orders SET status = ' NEW ' WHERE order_id = 3"))
    mapped = ShopConfig(orders=OrdersMapping(stage_map={"NEW": "C1:NEW", "PREPARATION": "C1:PREPARATION"}))
    with ShopDatabase.connect(demo_url, mapped) as db:
        by_column, by_row = _made_both_ways(db)
    _assert_alike(by_column, by_row)
    assert {r.stage for r in by_row} >= {"C1:NEW", None}


@pytest.mark.parametrize(
    ("column", "value", "usual"),
    [
        ("total_price", 19.99, True),
        ("total_price", 19.5, True),
        ("total_price", 1e12 + 0.25, True),
        ("total_price", 19.999, False),
        ("total_price", 0.0, False),
        ("total_price", -0.0, False),
        ("total_price", -12.34, True),
        ("total_price", 1e14, False),
        ("bitrix_deal_id", 0, False),
        ("bitrix_deal_id", -5, False),
        ("bitrix_deal_id", None, True),
        ("status", "  NEW  ", True),
        ("status", "", True),
        ("updated_at", datetime(1, 1, 1), None),
    ],
)
def test_an_odd_value_in_a_page_is_made_as_one_by_one_makes_it(
    demo_url: str, column: str, value: Any, usual: bool | None
) -> None:
    """``usual``: whether the page is still made by column, whatever the engine; else it is made row by row
    where the engine reads the amount as a float, and by column where it reads a ``Decimal`` (MariaDB), or
    as the engine reads the timestamp. Either way the rows are the rows made one by one."""
    with admin(demo_url) as conn:
        conn.execute(sa.text(f"UPDATE orders SET {column} = :v WHERE order_id = 7"), {"v": value})
    with ShopDatabase.connect(demo_url, ShopConfig()) as db:
        by_column, by_row = _made_both_ways(db)
        floats = type(by_row and _page(db)[0][3]) is float
    if usual or by_column is not None:
        _assert_alike(by_column, by_row)
    if usual is False and column == "total_price" and floats:
        assert by_column is None


def test_amounts_made_by_column_are_the_cents_made_one_by_one_or_none_for_the_page() -> None:
    rng = random.Random(17)
    values: list[Any] = []
    for _ in range(20_000):
        places = rng.choice((0, 1, 2, 2, 2, 3))
        values.append(round(rng.uniform(-1e6, 1e6), places) * rng.choice((1, 1, 1e-3, 1e4)))
    values += [0.01, 0.1, 9_999_999_999_999.99, 1e13 - 0.01, 5e-324, 0.30000000000000004, 1.005, 2.675]
    usual = 0
    for start in range(0, len(values), 7):
        page = values[start : start + 7]
        made = ShopDatabase._page_amounts(page)
        one_by_one = [_held_amount(v) for v in page]
        if made is None:
            continue
        usual += 1
        assert list(made) == [cents for cents, _problem in one_by_one], page
        assert all(type(c) is int and problem == "" for c, problem in one_by_one)
    assert usual > 100  # pages of amounts with at most two places are common in this draw
    assert ShopDatabase._page_amounts([1.0, math.nan]) is None
    assert ShopDatabase._page_amounts([1.0, math.inf]) is None
    assert ShopDatabase._page_amounts([1.0, Decimal("1.10")]) is None
    assert list(ShopDatabase._page_amounts([3, -4]) or ()) == [300, -400]
    assert ShopDatabase._page_amounts([True, 1]) is None


def test_decimal_amounts_made_by_column_are_the_cents_made_one_by_one() -> None:
    rng = random.Random(23)
    values = [
        Decimal(rng.randint(-(10**9), 10**9)).scaleb(-rng.choice((0, 2, 2, 3, 4, 10))) for _ in range(5_000)
    ]
    values += [
        Decimal("0.005"),
        Decimal("-0.005"),
        Decimal("1.005"),
        Decimal("2.675"),
        Decimal("9999999999999999.99"),
    ]
    usual = 0
    for start in range(0, len(values), 5):
        page = values[start : start + 5]
        made = ShopDatabase._page_amounts(page)
        if made is None:
            assert any(_held_amount(v)[0] == 0 or type(_held_amount(v)[0]) is not int for v in page), page
            continue
        usual += 1
        assert list(made) == [cents for cents, _problem in map(_held_amount, page)], page
    assert usual > 500
    assert ShopDatabase._page_amounts([Decimal("1.00"), Decimal("NaN")]) is None
    assert ShopDatabase._page_amounts([Decimal("1.00"), Decimal("1E+17")]) is None


def test_the_signs_of_a_page_are_the_signs_of_its_rows() -> None:
    rng = random.Random(5)
    moment = datetime(2026, 1, 1, 12, 0)
    aware = moment.replace(tzinfo=UTC)
    kinds = [
        lambda: rng.randint(-3, 10**6),
        lambda: rng.choice(("a", "b", "")),
        lambda: rng.choice((1.5, 2.25, 0.0, -0.0, 7.0)),
        lambda: rng.choice((1.5, 2.25, 7.0)),
        lambda: moment + timedelta(seconds=rng.randint(0, 99)),
        lambda: rng.choice((moment, aware)),
        lambda: rng.choice((None, 3)),
        lambda: rng.choice((Decimal("1.10"), Decimal("1.1"))),
        lambda: date(2026, 1, rng.randint(1, 28)),
        lambda: rng.choice((True, 1)),
    ]
    fast = 0
    for _ in range(400):
        chosen = rng.sample(kinds, rng.randint(1, 4))
        rows = [tuple(make() for make in chosen) for _ in range(rng.randint(1, 6))]
        columns = list(zip(*rows, strict=True))
        assert read_signs(rows, columns) == [read_sign(r) for r in rows], rows
        fast += all(len(set(map(type, c))) == 1 for c in columns)
    assert fast > 50
    assert read_signs([(1, [1])], [(1,), ([1],)]) == [None]  # a list: no sign, as read_sign says


def test_the_usual_page_of_users_is_made_by_column_and_equals_the_rows_made_one_by_one(demo_url: str) -> None:
    with admin(demo_url) as conn:  # an e-mail of blanks and one NULL, a name of one word, a phone padded
        conn.execute(sa.text("UPDATE users SET email = '   ', full_name = 'Cher' WHERE id = 3"))
        conn.execute(sa.text("UPDATE users SET email = NULL, phone_number = ' +7 900 ' WHERE id = 4"))
    with ShopDatabase.connect(demo_url, ShopConfig()) as db:
        by_column, by_row = _made_both_ways(db, "user")
    _assert_alike(by_column, by_row)
    assert {r.email for r in by_row} >= {None} and any(r.first_name == "Cher" for r in by_row)


def test_users_with_first_and_last_name_columns_and_a_company_read_alike_by_column(demo_url: str) -> None:
    with admin(demo_url) as conn:  # a company 0 is none; a username of blanks
        conn.execute(sa.text("UPDATE users SET company_id = 0 WHERE id = 5"))
        conn.execute(sa.text("UPDATE users SET username = '  ', full_name = NULL WHERE id = 6"))
    split = ShopConfig(users=UsersMapping(name="", first_name="username", last_name="full_name"))
    with ShopDatabase.connect(demo_url, split) as db:
        by_column, by_row = _made_both_ways(db, "user")
    _assert_alike(by_column, by_row)
    assert any(r.name == "" for r in by_row)
    companies = ShopConfig(
        users=UsersMapping(company_ref="company_id"), companies=CompaniesMapping(table="companies")
    )
    with ShopDatabase.connect(demo_url, companies) as db:
        by_column, by_row = _made_both_ways(db, "user")
    _assert_alike(by_column, by_row)
    assert {r.company_key for r in by_row} >= {None} and any(r.company_key for r in by_row)
