"""Fixtures for the shop layer: the demo shop and a shop whose names differ from the defaults in every key,
on each engine, plus helpers that act on the database as its administrator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import OrdersMapping, ShopConfig, UsersMapping
from bitrix_monitor.demo.shop import create_demo_shop
from bitrix_monitor.shop import ShopDatabase, ShopMappingError


def admin_url(url: str) -> sa.URL:
    """The fixtures hand out URLs of a superuser; give them the shipped drivers."""
    u = sa.make_url(url)
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    elif u.drivername in ("mysql", "mariadb"):
        u = u.set(drivername="mysql+pymysql")
    return u


@contextmanager
def admin(url: str) -> Iterator[sa.Connection]:
    """An autocommit connection to the test database as its administrator."""
    engine = sa.create_engine(admin_url(url), poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def kind_of(url: str) -> str:
    backend = sa.make_url(url).get_backend_name()
    return "mariadb" if backend in ("mysql", "mariadb") else backend


@pytest.fixture
def demo_url(shop_url: str) -> str:
    create_demo_shop(shop_url, orders=120, users=40)
    return shop_url


@pytest.fixture
def shop(demo_url: str) -> Iterator[ShopDatabase]:
    db = ShopDatabase.connect(demo_url, ShopConfig())
    yield db
    db.close()


# A shop that names everything differently: text keys and text id columns, first/last name, a stage map,
# a currency column, a column name with a space and capitals, and no updated_at column at all.
CUSTOM = ShopConfig(
    orders=OrdersMapping(
        table="Purchases",
        key="purchase_no",
        user="customer_ref",
        deal_id="crm_deal",
        title="{Order Label} / {sku} (#{purchase_no})",
        amount="sum_total",
        currency="USD",
        currency_column="currency_code",
        stage="state",
        stage_map={"paid": "WON", "new": "NEW", "cancelled": "LOSE"},
        updated_at="",
    ),
    users=UsersMapping(
        table="customers",
        key="customer_no",
        contact_id="crm_contact",
        name="",
        first_name="given_name",
        last_name="family_name",
        email="mail",
        phone="tel",
        updated_at="",
    ),
)


def custom_metadata() -> tuple[sa.MetaData, sa.Table, sa.Table]:
    md = sa.MetaData()
    customers = sa.Table(
        "customers",
        md,
        sa.Column("customer_no", sa.String(20), primary_key=True),
        sa.Column("given_name", sa.String(80)),
        sa.Column("family_name", sa.String(80)),
        sa.Column("mail", sa.String(120)),
        sa.Column("tel", sa.String(40)),
        sa.Column("org_name", sa.String(120)),
        sa.Column("crm_contact", sa.String(32), nullable=True),
        sa.Column("secret_notes", sa.Text),
    )
    purchases = sa.Table(
        "Purchases",
        md,
        sa.Column("purchase_no", sa.String(24), primary_key=True),
        sa.Column("customer_ref", sa.String(20)),
        sa.Column("Order Label", sa.String(100)),
        sa.Column("sku", sa.String(40)),
        sa.Column("sum_total", sa.Numeric(12, 2)),
        sa.Column("currency_code", sa.String(3)),
        sa.Column("state", sa.String(20)),
        sa.Column("crm_deal", sa.String(32), nullable=True),
        sa.Column("internal_flag", sa.Boolean),
    )
    return md, customers, purchases


def create_custom_shop(url: str, *, orders: int = 30) -> None:
    md, customers, purchases = custom_metadata()
    engine = sa.create_engine(admin_url(url), poolclass=sa.pool.NullPool)
    try:
        md.create_all(engine)
        people: list[dict[str, Any]] = [
            {"customer_no": f"C-{i:04d}", "given_name": f"Given{i}", "family_name": f"Family{i}",
             "mail": f"c{i}@example.org", "tel": f"+1 555 01{i:02d}", "org_name": None if i % 2 else "Acme",
             "crm_contact": None, "secret_notes": "ignore me"}
            for i in range(1, 11)
        ]  # fmt: skip
        states = ("new", "paid", "cancelled", "weird")
        rows: list[dict[str, Any]] = [
            {"purchase_no": f"P-{i:05d}", "customer_ref": f"C-{(i % 10) + 1:04d}",
             "Order Label": f"Label {i}", "sku": f"SKU{i}", "sum_total": Decimal(f"{i * 10}.50"),
             "currency_code": "EUR" if i % 3 == 0 else None, "state": states[i % 4],
             "crm_deal": None, "internal_flag": True}
            for i in range(1, orders + 1)
        ]  # fmt: skip
        with engine.begin() as conn:
            conn.execute(sa.insert(customers), people)
            conn.execute(sa.insert(purchases), rows)
    finally:
        engine.dispose()


@pytest.fixture
def custom_url(shop_url: str) -> str:
    create_custom_shop(shop_url)
    return shop_url


def assert_refused(url: str, mapping: ShopConfig, expected: list[str]) -> None:
    """Connecting with ``mapping`` fails with one line of :class:`ShopMappingError` holding each of
    ``expected``."""
    with pytest.raises(ShopMappingError) as info:
        ShopDatabase.connect(url, mapping)
    message = str(info.value)
    assert "\n" not in message
    for part in expected:
        assert part in message
