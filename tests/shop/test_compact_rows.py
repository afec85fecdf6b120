"""Shop rows held compactly: the fingerprint is kept as a number but reads as the text stored before (job
stores, saved states and watchers compare that text), and values that repeat row to row are one object."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import ShopConfig
from bitrix_monitor.demo.shop import create_demo_shop
from bitrix_monitor.shop import CompanyRow, OrderRow, ShopDatabase, UserRow
from tests.shop.conftest import admin

AT = datetime(2026, 1, 2, tzinfo=UTC)


def test_fingerprints_read_as_the_text_made_before_rows_were_compact() -> None:
    # Each text below is what a row of these values had as its fingerprint when it held the hex text itself
    # (the first 32 hex digits of the SHA-256 of its values' JSON), as stored job stores still hold it.
    order = OrderRow("5", "7", 17, "Заказ #5", Decimal("12.50"), "RUB", "NEW", AT, {"order_id": 5})
    fielded = OrderRow(
        "5", "7", 17, "Заказ #5", Decimal("12.50"), "RUB", "NEW", AT, {"order_id": 5}, extra={"COMMENTS": "x"}
    )
    user = UserRow(
        "7", 3, "Анна Петрова", "Анна", "Петрова", "a@example.com", None, AT, {"id": 7},
        company_key="2",
    )  # fmt: skip
    company = CompanyRow("2", None, "ООО Ромашка", None, "+7 900", AT, {"id": 2})
    leading_zeros = OrderRow("327", None, None, "Order #327", None, "RUB", None, None, {})
    assert order.fingerprint == "fb05dab586706f574a2f0dc4d7d74df2"
    assert fielded.fingerprint == "890d51784ae3226ad37f026219678a30"
    # The user's text changed once, when the company-name column left the user (read by nothing: a Bitrix24
    # contact has no such field): saved states made before are another mapping's and are not used.
    assert user.fingerprint == "cf79ad6393892826cf142294f67e68f1"
    assert company.fingerprint == "570636956eec2b94d0f133ee89f88198"
    assert leading_zeros.fingerprint == "00b2dc1bb3b788d49d90445374acc083"
    assert all(r.fingerprint == f"{r.digest:032x}" for r in (order, fielded, user, company, leading_zeros))


def test_rows_read_share_repeated_values_and_keep_them_equal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    create_demo_shop(url, orders=200, users=20)
    with admin(url) as conn:
        conn.execute(sa.text("UPDATE orders SET bitrix_deal_id = order_id + 1000"))
        stored = dict(conn.execute(sa.text("SELECT order_id, user_id FROM orders")).all())
    with ShopDatabase.connect(url, ShopConfig()) as db:
        orders = [o for page in db.iter_orders(page_size=64) for o in page]
        users = {u.key: u for page in db.iter_users() for u in page}
    assert len(orders) == 200
    for o in orders:
        assert o.user_key == str(stored[int(o.key)]) and o.deal_id == int(o.key) + 1000
        assert o.user_key is users[o.user_key].key  # the order's user key is the user's own key text
    # Orders of one user (there are 20 users for 200 orders) share the user's key; orders of one status
    # share the one value they keep (the status column's, which a pull writes to), held as one record.
    by_user: dict[str, list[OrderRow]] = {}
    for o in orders:
        by_user.setdefault(o.user_key or "", []).append(o)
    many = next(rows for rows in by_user.values() if len(rows) > 1)
    assert all(o.user_key is many[0].user_key for o in many)
    by_status: dict[str, list[OrderRow]] = {}
    for o in orders:
        by_status.setdefault(o.raw["status"], []).append(o)
    assert all(o.raw is rows[0].raw for rows in by_status.values() for o in rows)
    assert len(by_status) < 20


def test_an_amount_held_in_cents_reads_as_the_decimal_it_was_made_with() -> None:
    texts = ["1760.42", "0.00", "-0.05", "-1234.56", "9999999999999999.99", "-0.00", "12.5", "12", "1E+3"]
    for text in [*texts, None]:
        amount = None if text is None else Decimal(text)
        row = OrderRow("1", None, None, "Order #1", amount, "RUB", None, None, {})
        assert repr(row.amount) == repr(amount) and row.amount == amount  # the same value, places and sign
        assert f"amount={amount!r}" in repr(row)
        again = dataclasses.replace(row, title="Order #1")
        assert again == row and hash(again) == hash(row) and again.fingerprint == row.fingerprint
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.amount = Decimal("1.00")  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(OrderRow)][4] == "amount"  # what a saved state writes


def test_an_amount_read_as_cents_directly_is_the_one_the_exact_path_makes() -> None:
    """A float with two places at most and a whole number become cents without a ``Decimal`` on the way
    (``_held_amount``); every value, those and all others, must be held as the exact path holds it, with the
    same problem."""
    import random

    from bitrix_monitor.shop.database import _amount, _held_amount
    from bitrix_monitor.shop.rows import held_amount

    rng = random.Random(17)
    values: list[object] = [
        0.0, -0.0, 0.5, -0.5, 0.05, -0.05, 1.0, 12.5, 4692.365, 372.005, 1e16, 1e15, 9999999999999999.0,
        99999999999999.99, -99999999999999.99, 1.5e-05, 1e-7, 123456.0, float("nan"), float("inf"),
        float("-inf"), 0, 1, -1, 7, 10**16, -(10**16), 9999999999999999, -9999999999999999, True, False,
        None, "", " 12,50 ", "abc", Decimal("1.10"), Decimal("-0.00"), Decimal("1E+3"), Decimal("NaN"),
    ]  # fmt: skip
    values += [round(rng.uniform(-1e6, 1e6), rng.randrange(0, 4)) for _ in range(3000)]
    values += [rng.uniform(-1e17, 1e17) for _ in range(300)] + [
        rng.randrange(-(10**17), 10**17) for _ in range(300)
    ]
    values += [rng.randrange(-100000, 100000) / 100 for _ in range(3000)]
    for value in values:
        amount, problem = _amount(value)
        held, said = _held_amount(value)
        assert type(held) is type(held_amount(amount)) and held == held_amount(amount), value
        assert str(said) == str(problem), value
        made = OrderRow.made("1", None, None, "t", held, "RUB", None, None, {}, said, {})
        assert made == OrderRow("1", None, None, "t", amount, "RUB", None, None, {}, problem, {}), value
        assert repr(made.amount) == repr(amount), value


def test_rows_keep_the_values_of_the_columns_a_pull_writes_to(tmp_path: Path) -> None:
    """The CRM may change a user's phone: the phone column's value, as read, is what pulling it expects
    (compare-and-set); the status column of an order the shop alone changes is still kept (a stage with no
    status is told by it)."""
    from bitrix_monitor.config import OrdersMapping, UsersMapping

    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    create_demo_shop(url, orders=30, users=10)
    cfg = ShopConfig(
        orders=OrdersMapping(owners={"STAGE_ID": "shop"}), users=UsersMapping(owners={"PHONE": "both"})
    )
    with ShopDatabase.connect(url, cfg) as db:
        users = [u for page in db.iter_users() for u in page]
        orders = [o for page in db.iter_orders() for o in page]
    with admin(url) as conn:
        phones = dict(conn.execute(sa.text("SELECT id, phone_number FROM users")).all())
        statuses = dict(conn.execute(sa.text("SELECT order_id, status FROM orders")).all())
    assert [dict(u.raw) for u in users] == [{"phone_number": phones[int(u.key)]} for u in users]
    assert [dict(o.raw) for o in orders] == [{"status": statuses[int(o.key)]} for o in orders]


def test_rows_share_a_kept_value_only_with_rows_of_the_same_value_and_type(tmp_path: Path) -> None:
    """A status column without a type of its own (SQLite keeps what it is given): 1, 1.0 and '1' are
    equal or alike but read differently, so a row keeps its own (a pull expects the value as read)."""
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    create_demo_shop(url, orders=6, users=2)
    with admin(url) as conn:
        conn.execute(sa.text("CREATE TABLE o2 AS SELECT * FROM orders"))
        conn.execute(sa.text("DROP TABLE orders"))
        conn.execute(
            sa.text(
                "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, user_id INTEGER, bitrix_deal_id INTEGER,"
                " total_price REAL, status, service_id INTEGER, updated_at TIMESTAMP)"
            )
        )
        conn.execute(sa.text("INSERT INTO orders SELECT order_id, user_id, bitrix_deal_id, total_price,"
                             " status, service_id, updated_at FROM o2"))  # fmt: skip
        for key, value in ((1, 1), (2, 1.0), (3, "1"), (4, 1), (5, 1.0)):
            conn.execute(sa.text("UPDATE orders SET status = :v WHERE order_id = :k"), {"v": value, "k": key})
    with ShopDatabase.connect(url, ShopConfig()) as db:
        raw = {o.key: o.raw for page in db.iter_orders() for o in page}
    assert [(type(raw[k]["status"]), raw[k]["status"]) for k in "12345"] == [
        (int, 1), (float, 1.0), (str, "1"), (int, 1), (float, 1.0)
    ]  # fmt: skip
    assert raw["1"] is raw["4"] and raw["2"] is raw["5"] and raw["1"] is not raw["2"]


def test_rows_made_directly_are_the_rows_their_dataclass_makes() -> None:
    moment = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    fields = (
        "7",
        12,
        "Анна Петрова",
        "Анна",
        "Петрова",
        "a@x.ru",
        "79990001122",
        moment,
        {},
        "",
        "3",
        {},
    )
    made, built = UserRow.made(*fields), UserRow(*fields[:10], company_key="3", extra={})
    assert made == built and repr(made) == repr(built) and made.fingerprint == built.fingerprint
    assert dataclasses.astuple(made) == dataclasses.astuple(built)
    assert dataclasses.replace(made, name="Анна") == dataclasses.replace(built, name="Анна")
    order = ("1", "7", 5, "Order #1", 176042, "RUB", "NEW", moment, {}, "", {})
    made_order = OrderRow.made(*order)
    built_order = OrderRow("1", "7", 5, "Order #1", Decimal("1760.42"), "RUB", "NEW", moment, {}, "", {})
    assert made_order == built_order and repr(made_order) == repr(built_order)
    assert dataclasses.astuple(made_order) == dataclasses.astuple(built_order)
    assert made_order._read is None and made_order._held is None and made_order.cents == 176042
