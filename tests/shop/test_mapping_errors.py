"""A mapping that does not fit the database is refused at connect, with one message naming the table,
the column and the problem; names from the config never reach SQL as text."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import OrdersMapping, ShopConfig, UsersMapping
from bitrix_monitor.shop import ShopDatabase, ShopMappingError
from bitrix_monitor.shop.mapping import parse_template
from tests.shop.conftest import admin, assert_refused


def _orders(**kw: str) -> ShopConfig:
    return ShopConfig(orders=replace(OrdersMapping(), **kw))  # type: ignore[arg-type]


def _users(**kw: str) -> ShopConfig:
    return ShopConfig(users=replace(UsersMapping(), **kw))


CASES = [
    (_orders(table="orderz"), ["[shop.orders] table = 'orderz'", "no such table"]),
    (_users(table="clients"), ["[shop.users] table = 'clients'", "no such table"]),
    (_orders(deal_id="deal_ref"), ["deal_id = 'deal_ref'", "table 'orders' has no column 'deal_ref'"]),
    (_users(email="e_mail"), ["[shop.users] email = 'e_mail'", "table 'users' has no column"]),
    (_orders(deal_id="created_at"), ["orders.created_at", "an id column must be an integer or text type"]),
    (
        _users(contact_id="is_active"),
        ["[shop.users] contact_id = 'is_active': column users.is_active has type"],
    ),
    (_orders(key="status"), ["orders.status", "neither the primary key nor unique"]),
    (_orders(updated_at="status"), ["[shop.orders] updated_at = 'status'", "expected a date/time type"]),
    (_orders(amount="created_at"), ["orders.created_at", "expected a number"]),
    (_orders(title="Order #{order_id} - {service}"), ["title placeholder {service}", "no column 'service'"]),
    (_orders(title="Order {order_id.__class__}"), ["title", "attribute or index access is not allowed"]),
    (_orders(title="Order {0}"), ["title", "positional placeholder"]),
    (_orders(title="Order {}"), ["title", "empty placeholder"]),
    (_orders(title="Order {order_id!r}"), ["title", "conversion"]),
    (_orders(title="Order {order_id:>9}"), ["title", "format spec"]),
    (_orders(title="Order {order_id"), ["title", "expected '}'"]),
    (_orders(title=""), ["[shop.orders] title is empty"]),
    (_orders(deal_id=""), ["[shop.orders] deal_id is required"]),
    (_users(name="", first_name="", last_name=""), ["[shop.users] no name column"]),
    (_orders(currency="", currency_column=""), ["[shop.orders] currency is empty"]),
    (_orders(table="orders; DROP TABLE users; --"), ["no such table"]),
    (_orders(stage="status; DROP TABLE users"), ["has no column 'status; DROP TABLE users'"]),
    (_users(key='id" OR 1=1 --'), ["has no column"]),
]


@pytest.mark.parametrize(("mapping", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_bad_mapping_gets_one_message_naming_table_column_and_problem(
    demo_url: str, mapping: ShopConfig, expected: list[str]
) -> None:
    assert_refused(demo_url, mapping, expected)
    with admin(demo_url) as conn:  # nothing was dropped by a name that smuggled SQL
        assert {"orders", "users"} <= set(sa.inspect(conn).get_table_names())


def test_text_id_column_too_short_for_an_id_is_refused(shop_url: str) -> None:
    md = sa.MetaData()
    sa.Table(
        "orders", md, sa.Column("order_id", sa.Integer, primary_key=True), sa.Column("deal", sa.String(4))
    )
    sa.Table("users", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("contact", sa.Text))
    with admin(shop_url) as conn:
        md.create_all(conn)
    cfg = ShopConfig(
        orders=OrdersMapping(
            deal_id="deal", title="#{order_id}", user="", amount="", stage="", updated_at=""
        ),
        users=UsersMapping(contact_id="contact", name="contact", email="", phone="", updated_at=""),
    )
    with pytest.raises(ShopMappingError, match=r"orders\.deal holds only 4 characters"):
        ShopDatabase.connect(shop_url, cfg)


def test_names_match_case_insensitively_when_unambiguous(demo_url: str) -> None:
    with ShopDatabase.connect(demo_url, _orders(table="ORDERS", amount="Total_Price")) as db:
        assert db.get_orders(["1"])["1"].amount is not None


def test_template_parsing_keeps_literal_braces() -> None:
    parts = parse_template("{{#{order_id}}} x")
    rendered = "".join(p.literal + (f"<{p.column}>" if p.column else "") for p in parts)
    assert rendered == "{#<order_id>} x"


def test_a_bad_mapping_is_said_in_russian_with_its_hint(demo_url: str) -> None:
    """The mapping's errors are codes: the same refusal in Russian for the window and --lang ru, names from
    the config as they are, the English (str(), logs) as before."""
    from bitrix_monitor.messages import error_line

    with pytest.raises(ShopMappingError) as refused:
        ShopDatabase.connect(demo_url, _orders(deal_id="deal_ref"))
    assert "[shop.orders] deal_id = 'deal_ref': table 'orders' has no column 'deal_ref'" in str(refused.value)
    russian = error_line(refused.value, "ru")
    assert russian.startswith(
        "[shop.orders] deal_id = 'deal_ref': в таблице 'orders' нет столбца 'deal_ref' (столбцы: "
    ), russian
    with pytest.raises(ShopMappingError) as refused:
        ShopDatabase.connect(demo_url, _orders(updated_at="status"))
    assert error_line(refused.value, "ru").endswith("; ожидается тип даты/времени")
