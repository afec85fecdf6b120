"""Write-back is one compare-and-set UPDATE per id: the caller learns whether it won."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import OrdersMapping, ShopConfig, UsersMapping
from bitrix_monitor.shop import ShopDatabase
from tests.shop.conftest import CUSTOM, admin


def _stored(url: str, sql: str) -> object:
    with admin(url) as conn:
        return conn.execute(sa.text(sql)).scalar()


def test_cas_links_once_then_loses_and_repairs_only_from_the_expected_id(
    shop: ShopDatabase, demo_url: str
) -> None:
    assert shop.set_deal_id("5", 1001) is True
    assert shop.set_deal_id("5", 1002) is False  # already linked: the caller lost
    assert shop.get_orders(["5"])["5"].deal_id == 1001
    assert shop.set_deal_id("5", 1003, expected=999) is False  # repair from the wrong id
    assert shop.set_deal_id("5", 1003, expected=1001) is True  # repair from the right one
    assert _stored(demo_url, "SELECT bitrix_deal_id FROM orders WHERE order_id = 5") == 1003
    assert shop.set_deal_id("5", None, expected=1003) is True  # unlink (stale link)
    assert shop.get_orders(["5"])["5"].deal_id is None
    assert shop.set_deal_id("99999", 1, expected=None) is False  # no such order
    assert shop.set_deal_id("abc", 1) is False
    assert shop.set_contact_id("2", 77) is True
    assert shop.set_contact_id("2", 78) is False
    assert shop.get_users(["2"])["2"].contact_id == 77
    assert _stored(demo_url, "SELECT count(*) FROM orders WHERE bitrix_deal_id IS NOT NULL") == 0
    with pytest.raises(ValueError, match="not an id"):
        shop.set_deal_id("6", 0)


def test_cas_on_text_id_columns(custom_url: str) -> None:
    with ShopDatabase.connect(custom_url, CUSTOM) as db:
        assert db.set_deal_id("P-00002", 4242) is True
        assert db.set_deal_id("P-00002", 4243) is False
        with admin(custom_url) as conn:
            purchases = sa.Table("Purchases", sa.MetaData(), autoload_with=conn)
            stmt = sa.select(purchases.c.crm_deal).where(purchases.c.purchase_no == "P-00002")
            assert conn.execute(stmt).scalar() == "4242"
        assert db.get_orders(["P-00002"])["P-00002"].deal_id == 4242
        assert db.set_deal_id("P-00002", 5000, expected=4242) is True
        assert db.set_contact_id("C-0003", 9) is True
        assert db.get_users(["C-0003"])["C-0003"].contact_id == 9
        with admin(custom_url) as conn:  # shops that write '' or '0' for "no contact"
            conn.execute(sa.text("UPDATE customers SET crm_contact = '' WHERE customer_no = 'C-0004'"))
            conn.execute(sa.text("UPDATE customers SET crm_contact = '0' WHERE customer_no = 'C-0005'"))
        users = db.get_users(["C-0004", "C-0005"])
        assert [users[k].contact_id for k in ("C-0004", "C-0005")] == [None, None]
        assert db.set_contact_id("C-0004", 10) is True
        assert db.set_contact_id("C-0005", 11) is True


def test_not_null_id_columns_use_zero_for_no_id(shop_url: str) -> None:
    md = sa.MetaData()
    sa.Table(
        "orders",
        md,
        sa.Column("order_id", sa.Integer, primary_key=True),
        sa.Column("bitrix_deal_id", sa.Integer, nullable=False, server_default="0"),
    )
    sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("full_name", sa.String(50)),
        sa.Column("bitrix_contact_id", sa.String(20), nullable=False, server_default=""),
    )
    with admin(shop_url) as conn:
        md.create_all(conn)
        conn.execute(sa.text("INSERT INTO orders (order_id) VALUES (1)"))
        conn.execute(sa.text("INSERT INTO users (id, full_name) VALUES (1, 'Ann Lee')"))
    cfg = ShopConfig(
        orders=OrdersMapping(title="#{order_id}", user="", amount="", stage="", updated_at=""),
        users=UsersMapping(email="", phone="", updated_at=""),
    )
    with ShopDatabase.connect(shop_url, cfg) as db:
        assert db.get_orders(["1"])["1"].deal_id is None
        assert db.set_deal_id("1", 10) is True
        assert db.set_deal_id("1", None, expected=10) is True  # written as 0, not NULL
        assert _stored(shop_url, "SELECT bitrix_deal_id FROM orders") == 0
        assert db.set_contact_id("1", 3) is True
        assert db.set_contact_id("1", None, expected=3) is True
        assert _stored(shop_url, "SELECT bitrix_contact_id FROM users") == ""
        assert db.get_users(["1"])["1"].contact_id is None


def test_racing_writers_exactly_one_wins(shop: ShopDatabase) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def write(deal: int) -> None:
        barrier.wait()
        results.append(shop.set_deal_id("9", deal))

    threads = [threading.Thread(target=write, args=(100 + i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    assert shop.get_orders(["9"])["9"].deal_id in range(100, 106)


def test_a_group_of_ids_is_compared_and_set_row_by_row_in_one_go(shop: ShopDatabase) -> None:
    assert shop.set_deal_id("3", 300) is True
    won = shop.set_ids(
        "order",
        [
            ("1", 101, None),  # no id yet: linked
            ("2", 102, None),
            ("3", 999, None),  # holds another id: lost
            ("3", 301, 300),  # repaired from the id it holds
            ("4", 104, 777),  # repair from the wrong id: lost
            ("99999", 105, None),  # no such order
            ("abc", 106, None),
        ],
    )
    assert won == {"1", "2", "3"}
    assert {k: o.deal_id for k, o in shop.get_orders(["1", "2", "3", "4"]).items()} == {
        "1": 101,
        "2": 102,
        "3": 301,
        "4": None,
    }
    assert shop.set_ids("user", []) == set()
    with pytest.raises(ValueError, match="not an id"):
        shop.set_ids("order", [("5", 105, None), ("6", 0, None)])
    assert shop.get_orders(["5"])["5"].deal_id is None  # nothing of a refused group is written
