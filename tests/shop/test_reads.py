"""Reading orders and users through the mapping, on every engine."""

from __future__ import annotations

import dataclasses
import gc
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import ShopConfig
from bitrix_monitor.demo.shop import STATUSES, create_demo_shop
from bitrix_monitor.money import parse_amount
from bitrix_monitor.shop import OrderRow, ShopDatabase, UserRow
from tests.shop.conftest import CUSTOM, admin


def _all(pages: object) -> list:  # type: ignore[type-arg]
    return [row for page in pages for row in page]  # type: ignore[attr-defined]


def test_default_mapping_reads_the_first_shop_without_config(shop: ShopDatabase, shop_url: str) -> None:
    assert shop.kind in shop_url.split(":")[0] or (shop.kind == "mariadb" and shop_url.startswith("mysql"))
    orders: list[OrderRow] = _all(shop.iter_orders(page_size=50))
    users: list[UserRow] = _all(shop.iter_users(page_size=7))
    assert shop.count_orders() == len(orders) == 120
    assert shop.count_users() == len(users) == 40
    assert [o.key for o in orders] == [str(i) for i in range(1, 121)]
    with admin(shop_url) as conn:
        first = conn.execute(
            sa.text("SELECT service_id, user_id, total_price, status FROM orders WHERE order_id = 1")
        ).one()
    o = orders[0]
    assert o.title == f"Order #1 - {first.service_id}"
    assert o.user_key == str(first.user_id)
    assert o.amount == parse_amount(first.total_price)  # a DOUBLE column, read as Decimal cents
    assert o.currency == "RUB"
    assert o.stage == first.status
    assert o.stage in STATUSES
    assert o.deal_id is None
    assert isinstance(o.updated_at, datetime)
    # A row keeps the values of the columns a pull writes to (the status: the stage is the CRM's too by
    # default), not the others; users keep none (every field is the shop's by default), all one record.
    assert dict(o.raw) == {"status": first.status}
    assert all(dict(u.raw) == {} for u in users) and len({id(u.raw) for u in users}) == 1
    assert all(u.name == f"{u.first_name} {u.last_name}" for u in users)
    assert all(u.contact_id is None and u.key for u in users)


def test_get_by_keys_returns_only_existing_rows(shop: ShopDatabase) -> None:
    got = shop.get_orders(["3", "5", "99999", "not-a-number", "3"])
    assert sorted(got) == ["3", "5"]
    assert got["5"].key == "5"
    users = shop.get_users([str(i) for i in range(1, 41)] + ["0"])
    assert len(users) == 40


def test_reads_since_a_watermark_return_rows_changed_at_or_after_it(
    shop: ShopDatabase, shop_url: str
) -> None:
    mark = shop.max_updated_at("order")
    assert mark is not None
    assert len(_all(shop.iter_orders(since=mark))) >= 1  # rows at the mark itself count
    later = datetime(2027, 1, 1, 12, 0, 0)
    with admin(shop_url) as conn:
        conn.execute(
            sa.text("UPDATE orders SET updated_at = :t WHERE order_id IN (7, 70, 119)"), {"t": later}
        )
        conn.execute(sa.text("UPDATE users SET updated_at = :t WHERE id = 4"), {"t": later})
    assert shop.max_updated_at("order") == later.astimezone(UTC)  # aware; the shop wrote this machine's time
    changed = _all(shop.iter_orders(since=datetime(2026, 12, 1), page_size=2))
    assert [o.key for o in changed] == ["7", "70", "119"]
    assert [u.key for u in _all(shop.iter_users(since=later))] == ["4"]
    assert (shop.has_updated_at("order"), shop.has_updated_at("user")) == (True, True)


def test_fingerprint_follows_mapped_values_not_the_deal_id(shop: ShopDatabase, shop_url: str) -> None:
    before = shop.get_orders(["1", "2"])
    assert before["1"].fingerprint == shop.get_orders(["1"])["1"].fingerprint
    assert before["1"].fingerprint != before["2"].fingerprint
    assert shop.set_deal_id("1", 501)
    assert shop.get_orders(["1"])["1"].fingerprint == before["1"].fingerprint
    with admin(shop_url) as conn:
        conn.execute(sa.text("UPDATE orders SET service_id = service_id + 1 WHERE order_id = 1"))
        conn.execute(sa.text("UPDATE users SET phone_number = '+7 (900) 000-00-00' WHERE id = 1"))
    after = shop.get_orders(["1"])["1"]
    assert after.fingerprint != before["1"].fingerprint
    assert after.title != before["1"].title
    user = shop.get_users(["1"])["1"]
    assert dataclasses.replace(user, phone="other").fingerprint != user.fingerprint
    assert dataclasses.replace(user, contact_id=5).fingerprint == user.fingerprint


def test_custom_mapping_differing_in_every_key(custom_url: str) -> None:
    with ShopDatabase.connect(custom_url, CUSTOM) as db:
        orders = {o.key: o for o in _all(db.iter_orders(page_size=4))}
        users = {u.key: u for u in _all(db.iter_users(page_size=3))}
        assert (len(orders), len(users)) == (db.count_orders(), db.count_users()) == (30, 10)
        assert list(orders) == sorted(orders)  # keyset pages over a text primary key
        o3, o4 = orders["P-00003"], orders["P-00004"]
        assert o3.title == "Label 3 / SKU3 (#P-00003)"
        assert o3.user_key == "C-0004"
        assert o3.amount == 30.5
        assert (o3.currency, o4.currency) == ("EUR", "USD")  # the column wins; the literal is the fallback
        assert [orders[k].stage for k in ("P-00001", "P-00002", "P-00004")] == ["WON", "LOSE", "NEW"]
        assert o3.stage is None  # "weird" is not in the stage map
        assert o3.raw["state"] == "weird"
        assert o3.updated_at is None
        assert db.max_updated_at("order") is None
        assert (db.has_updated_at("order"), db.has_updated_at("user")) == (False, False)
        # Without updated_at, `since` cannot filter: every row comes back, for fingerprint comparison.
        assert len(_all(db.iter_orders(since=datetime(2030, 1, 1)))) == 30
        u = users["C-0002"]
        assert (u.first_name, u.last_name, u.name) == ("Given2", "Family2", "Given2 Family2")
        assert (u.email, u.phone) == ("c2@example.org", "+1 555 0102")
        assert "secret_notes" not in u.raw and "org_name" not in u.raw  # a company name goes nowhere
        assert db.get_orders(["P-00030", "P-99999"]).keys() == {"P-00030"}


def test_optional_keys_switched_off_by_empty_strings(demo_url: str) -> None:
    cfg = ShopConfig()
    cfg = ShopConfig(
        orders=type(cfg.orders)(user="", amount="", stage="", updated_at="", title="Order {order_id}"),
        users=type(cfg.users)(email="", phone="", updated_at=""),
    )
    with ShopDatabase.connect(demo_url, cfg) as db:
        o = db.get_orders(["1"])["1"]
        assert (o.user_key, o.amount, o.stage, o.updated_at, o.title) == (None, None, None, None, "Order 1")
        u = db.get_users(["1"])["1"]
        assert (u.email, u.phone, u.updated_at) == (None, None, None)
        assert u.name


def test_paging_streams_thousands_of_rows_in_constant_memory(shop_url: str) -> None:
    create_demo_shop(shop_url, orders=6000, users=50)
    with ShopDatabase.connect(shop_url, ShopConfig()) as db:
        keys = [o.key for page in db.iter_orders(page_size=300) for o in page]  # also warms caches
        assert keys == [str(i) for i in range(1, 6001)]
        gc.collect()
        tracemalloc.start()
        try:
            pages = 0
            for page in db.iter_orders(page_size=300):
                pages += 1
                assert len(page) <= 300
            _, streaming_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            base, _ = tracemalloc.get_traced_memory()
            everything = _all(db.iter_orders(page_size=6000))
            held, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert (pages, len(everything)) == (20, 6000)
        # Streaming twenty pages never holds much more than a page: far less than all rows at once (6,000
        # rows: 3,000 compact rows weigh only about three times the streaming peak).
        assert streaming_peak < (held - base) / 3


def test_sqlite_timestamps_in_any_text_format_are_read_and_compared(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    create_demo_shop(url, orders=6, users=2)
    written = ["2027-01-02T03:04:05", "2027-01-02 03:04", "2027-01-02T03:04:06Z", "garbage", "", 1700000000]
    with admin(url) as conn:
        for i, text in enumerate(written, start=1):
            conn.execute(
                sa.text("UPDATE orders SET updated_at = :t WHERE order_id = :i"), {"t": text, "i": i}
            )
    with ShopDatabase.connect(url, ShopConfig(timezone="UTC")) as db:
        orders = _all(db.iter_orders())
        assert [o.updated_at for o in orders] == [
            datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC),
            datetime(2027, 1, 2, 3, 4, tzinfo=UTC),
            datetime(2027, 1, 2, 3, 4, 6, tzinfo=UTC),
            None,
            None,
            None,
        ]
        assert db.max_updated_at("order") == datetime(2027, 1, 2, 3, 4, 6, tzinfo=UTC)
        assert [o.key for o in _all(db.iter_orders(since=datetime(2027, 1, 2, 3, 4, 5)))] == ["1", "3"]


def test_kind_keyed_entry_points_read_count_and_write_like_the_per_kind_ones(shop: ShopDatabase) -> None:
    assert shop.count("order") == shop.count_orders() == 120
    assert shop.count("user") == 40
    by_kind = _all(shop.iter_rows("order", page_size=33))
    assert [o.key for o in by_kind] == [o.key for o in _all(shop.iter_orders(page_size=50))]
    assert shop.set_id("order", "4", 404) is True
    assert shop.set_id("order", "4", 405) is False
    assert shop.get_rows("order", ["4"])["4"].crm_id == 404 == shop.get_orders(["4"])["4"].deal_id
    assert shop.set_id("user", "3", 33) is True
    assert shop.get_rows("user", ["3"])["3"].crm_id == 33
    assert shop.keys_storing("user", [33]) == {33: ["3"]}
    for wrong in ("deal", "invoice"):
        with pytest.raises(ValueError, match="maps no"):
            shop.count(wrong)


def test_rows_changed_since_a_mark_come_in_key_order_in_full_pages_however_many_share_it(
    shop_url: str,
) -> None:
    """A bulk update stamps many rows alike: they are read by key (more than a page, more than one IN list
    a page), in key order, the same rows as a read of every row gives."""
    create_demo_shop(shop_url, orders=1300, users=20)
    pile = datetime(2027, 3, 1, 9, 0, 0)
    with admin(shop_url) as conn:
        conn.execute(sa.text("UPDATE orders SET updated_at = :t WHERE MOD(order_id, 3) <> 0"), {"t": pile})
    with ShopDatabase.connect(shop_url, ShopConfig()) as db:
        every = {o.key: o for o in _all(db.iter_orders())}
        pages = list(db.iter_orders(since=datetime(2027, 2, 1), page_size=600))
        assert [len(p) for p in pages] == [600, 267]
        changed = _all(pages)
        assert [o.key for o in changed] == [str(i) for i in range(1, 1301) if i % 3]
        assert changed == [every[o.key] for o in changed]


def test_a_row_read_again_from_the_same_values_is_the_row_held(shop: ShopDatabase, shop_url: str) -> None:
    """``held``: a row made from the very values read before comes back as the object held; one whose
    values, stored id or second link differ is made again, and equals what a read without ``held`` makes."""
    for since in (None, datetime(2000, 1, 1)):
        held = {o.key: o for o in _all(shop.iter_orders(since=since))}
        again = _all(shop.iter_rows("order", since=since, held=held))
        assert all(o is held[o.key] for o in again) and len(again) == len(held) == 120
    with admin(shop_url) as conn:
        conn.execute(sa.text("UPDATE orders SET status = 'other' WHERE order_id = 5"))
        conn.execute(sa.text("UPDATE orders SET bitrix_deal_id = 77 WHERE order_id = 6"))
        conn.execute(sa.text("UPDATE orders SET total_price = total_price + 1 WHERE order_id = 7"))
    made = {o.key: o for o in _all(shop.iter_orders())}
    again = {o.key: o for o in _all(shop.iter_rows("order", held=held))}
    assert again == made
    assert {k for k, o in again.items() if o is not held[k]} == {"5", "6", "7"}
    assert again["5"].stage == "other" and again["6"].deal_id == 77
    stranger = dataclasses.replace(made["8"], raw=dict(made["8"].raw))  # a row held in another form
    assert _all(shop.iter_rows("order", held={"8": stranger}))[7] is not stranger


def test_a_row_read_again_is_made_again_when_a_value_changed_from_minus_one_to_minus_two(
    shop: ShopDatabase, shop_url: str
) -> None:
    """-1 and -2 hash alike: a row holding -1 is never taken for one read again with -2."""
    with admin(shop_url) as conn:
        conn.execute(sa.text("UPDATE orders SET service_id = -1 WHERE order_id = 3"))
    held = {o.key: o for o in _all(shop.iter_orders())}
    with admin(shop_url) as conn:
        conn.execute(sa.text("UPDATE orders SET service_id = -2 WHERE order_id = 3"))
    again = {o.key: o for o in _all(shop.iter_rows("order", held=held))}
    assert again["3"] is not held["3"] and again["3"].title == "Order #3 - -2"
    assert all(again[k] is held[k] for k in held if k != "3")


def test_the_sign_of_values_read_is_one_exactly_when_a_row_made_from_them_reads_the_same() -> None:
    """:func:`read_sign`: one sign for the same values, others for values that are equal but read otherwise
    (``1`` and ``1.0``, ``Decimal("1.1")`` and ``Decimal("1.10")``, ``0.0`` and ``-0.0``, one moment in two
    zones); no sign for values that cannot be hashed or hold -1."""
    from datetime import timedelta, timezone
    from decimal import Decimal

    from bitrix_monitor.compact import read_sign

    moment = datetime(2026, 10, 25, 2, 30)
    for value in (1, 1.5, Decimal("1.10"), "x", None, moment, moment.replace(tzinfo=UTC), True, b"x"):
        sign = read_sign((7, value))
        assert sign is not None and sign == read_sign((7, value))
    for mine, read in (
        (1, 1.0), (1, True), (Decimal("1.1"), Decimal("1.10")), (0.0, -0.0), (Decimal("0"), Decimal("-0")),
        (moment.replace(tzinfo=UTC), moment.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=3)))),
        (moment, moment.replace(fold=1)), (1, 2), ("x", "y"), (None, 0), (-2, -3),
    ):  # fmt: skip
        assert read_sign((mine,)) != read_sign((read,)), (mine, read)
    assert read_sign((1, 2)) != read_sign((1,))
    assert read_sign((-1, "x")) is None and read_sign((Decimal("-1"),)) is None and read_sign((-1.0,)) is None
    assert read_sign(([1, 2],)) is None and read_sign(({"a": 1},)) is None
