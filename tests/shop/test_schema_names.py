"""A ``schema.table`` name works in the mapping: PostgreSQL tables in a schema of their own, a MariaDB
table named with its database, SQLite's ``main.``; reads, the write-back and the per-record lock use it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import OrdersMapping, ShopConfig, UsersMapping
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.shop.errors import ShopMappingError
from tests.shop.conftest import admin, kind_of


def _schema_of(url: str) -> str:
    """Where the demo tables are put: a schema of their own on PostgreSQL (not on the search path), the
    database itself on MariaDB, ``main`` on SQLite."""
    kind = kind_of(url)
    if kind == "postgresql":
        with admin(url) as conn:
            conn.execute(sa.text("CREATE SCHEMA shop"))
            for table in ("orders", "users"):
                conn.execute(sa.text(f"ALTER TABLE {table} SET SCHEMA shop"))
        return "shop"
    if kind == "mariadb":
        return str(sa.make_url(url).database)
    return "main"


def _mapping(schema: str) -> ShopConfig:
    return ShopConfig(
        orders=OrdersMapping(table=f"{schema}.orders"), users=UsersMapping(table=f"{schema}.users")
    )


def test_schema_qualified_tables_are_read_and_written(demo_url: str) -> None:
    schema = _schema_of(demo_url)
    with ShopDatabase.connect(demo_url, _mapping(schema)) as db:
        assert db.count_orders() == 120 and db.count_users() == 40
        order = db.get_orders(["3"])["3"]
        assert order.title.startswith("Order #3 - ")
        assert len([o for page in db.iter_orders(page_size=50) for o in page]) == 120
        assert db.set_deal_id("3", 777)
        assert db.get_orders(["3"])["3"].deal_id == 777
        assert db.set_contact_id("1", 55)
        assert db.keys_storing("user", [55]) == {55: ["1"]}
        locks = db.locks()
        try:
            assert locks.acquire("order", ["3"], timeout=5) == {"3"}
        finally:
            locks.close()


def test_an_unknown_schema_is_one_clear_error(demo_url: str) -> None:
    with pytest.raises(ShopMappingError, match="no_such_schema") as err:
        ShopDatabase.connect(demo_url, _mapping("no_such_schema"))
    assert "\n" not in str(err.value)
