"""``[shop.orders.fields]`` / ``[shop.users.fields]``: CRM fields filled from a column or a ``{column}``
template. Malformed values are one clear error at load; a column the shop lacks is one at connect; rows carry
the rendered values, and their fingerprints see edits of the mapped columns."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from bitrix_monitor import config
from bitrix_monitor.config import OrdersMapping, ShopConfig, UsersMapping
from bitrix_monitor.errors import ConfigError
from bitrix_monitor.shop import ShopDatabase, ShopMappingError
from bitrix_monitor.shop.mapping import cell_text
from tests.shop.conftest import admin


def _load(text: str) -> config.AppConfig:
    return config.from_dict(tomllib.loads(text))


def test_fields_sections_load_as_name_to_source() -> None:
    cfg = _load(
        '[shop.orders.fields]\nUF_CRM_SHOP_ID = "{order_id}"\nCOMMENTS = "comment"\n'
        '[shop.users.fields]\nSOURCE_DESCRIPTION = "User {username}"\n'
    )
    assert cfg.shop.orders.fields == {"UF_CRM_SHOP_ID": "{order_id}", "COMMENTS": "comment"}
    assert cfg.shop.users.fields == {"SOURCE_DESCRIPTION": "User {username}"}
    assert config.AppConfig().shop.orders.fields == {}
    companies = _load('[shop.companies]\ntable = "companies"\n[shop.companies.fields]\nUF_CRM_INN = "inn"\n')
    assert companies.shop.companies.fields == {"UF_CRM_INN": "inn"}


BAD = {
    "not_text": ("[shop.orders.fields]\nUF_CRM_SHOP_ID = 5\n", "'UF_CRM_SHOP_ID' = 5 is a int, not text"),
    "a_table": ("[shop.orders.fields.UF_CRM_X]\na = 'b'\n", "'UF_CRM_X' = {'a': 'b'} is a dict, not text"),
    "not_a_table": ("[shop.orders]\nfields = 'comment'\n", "fields must be a table of strings"),
    "empty_name": ('[shop.orders.fields]\n"" = "comment"\n', "[shop.orders.fields] has an empty field name"),
    "lower_case": ("[shop.users.fields]\nuf_crm_x = 'notes'\n", "'uf_crm_x' is not a CRM field name"),
    "not_a_name": ("[shop.orders.fields]\n'UF CRM' = 'comment'\n", "'UF CRM' is not a CRM field name"),
    "builtin_title": ("[shop.orders.fields]\nTITLE = 'comment'\n", "the app already sends TITLE"),
    "builtin_amount": ("[shop.orders.fields]\nOPPORTUNITY = 'total_price'\n", "already sends OPPORTUNITY"),
    "builtin_origin": ("[shop.orders.fields]\nORIGIN_ID = '{order_id}'\n", "already sends ORIGIN_ID"),
    "builtin_originator": ("[shop.users.fields]\nORIGINATOR_ID = 'x'\n", "already sends ORIGINATOR_ID"),
    "builtin_contact": ("[shop.orders.fields]\nCONTACT_ID = 'user_id'\n", "already sends CONTACT_ID"),
    "builtin_name": ("[shop.users.fields]\nNAME = 'username'\n", "already sends NAME"),
    "builtin_email": ("[shop.users.fields]\nEMAIL = 'email'\n", "already sends EMAIL"),
    "builtin_company_title": ("[shop.companies.fields]\nTITLE = 'name'\n", "the app already sends TITLE"),
    "company_not_text": ("[shop.companies.fields]\nUF_CRM_INN = true\n", "'UF_CRM_INN' = True is a bool"),
    "empty_source": ("[shop.orders.fields]\nCOMMENTS = ' '\n", "[shop.orders.fields] COMMENTS is empty"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_fields_entry_is_one_clear_config_error(case: str) -> None:
    text, words = BAD[case]
    with pytest.raises(ConfigError) as info:
        _load(text)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_lower_case_name_hint_says_how_to_write_it() -> None:
    with pytest.raises(ConfigError) as info:
        _load("[shop.users.fields]\nuf_crm_x = 'notes'\n")
    assert info.value.hint is not None and "'UF_CRM_X'" in info.value.hint


def _fields(orders: dict[str, str] | None = None, users: dict[str, str] | None = None) -> ShopConfig:
    return ShopConfig(
        orders=replace(OrdersMapping(), fields=orders or {}),
        users=replace(UsersMapping(), fields=users or {}),
    )


MAPPING_CASES = [
    ({"COMMENTS": "remark"}, None, ["[shop.orders.fields] COMMENTS = 'remark'", "no column 'remark'"]),
    (None, {"UF_CRM_X": "{nick}"}, ["[shop.users.fields] UF_CRM_X placeholder {nick}", "no column 'nick'"]),
    ({"UF_CRM_X": "{order_id.__class__}"}, None, ["UF_CRM_X", "attribute or index access is not allowed"]),
    ({"UF_CRM_X": "{0}"}, None, ["UF_CRM_X", "positional placeholder"]),
    ({"UF_CRM_X": "{order_id!r}"}, None, ["UF_CRM_X", "conversion"]),
    ({"UF_CRM_X": "{order_id:>9}"}, None, ["UF_CRM_X", "format spec"]),
    ({"UF_CRM_X": "Order {order_id"}, None, ["UF_CRM_X", "expected '}'"]),
    ({"UF_CRM_X": "{}"}, None, ["UF_CRM_X", "empty placeholder"]),
]


@pytest.mark.parametrize(("orders", "users", "expected"), MAPPING_CASES, ids=[str(i) for i in range(8)])
def test_fields_entry_that_does_not_fit_the_shop_is_one_mapping_error(
    demo_url: str, orders: dict[str, str] | None, users: dict[str, str] | None, expected: list[str]
) -> None:
    with pytest.raises(ShopMappingError) as info:
        ShopDatabase.connect(demo_url, _fields(orders, users))
    for words in expected:
        assert words in str(info.value)


def test_rows_carry_the_rendered_fields_and_their_fingerprint_sees_edits(demo_url: str) -> None:
    mapping = _fields(
        {"UF_CRM_SHOP_ID": "{order_id}", "COMMENTS": "comment", "UF_CRM_LABEL": "#{order_id} {{paid}}"},
        {"SOURCE_DESCRIPTION": "company"},
    )
    with admin(demo_url) as conn:
        conn.exec_driver_sql("UPDATE orders SET comment = 'ring twice' WHERE order_id = 1")
        conn.exec_driver_sql("UPDATE orders SET comment = NULL WHERE order_id = 2")
    with ShopDatabase.connect(demo_url, mapping) as db:
        orders = db.get_orders(["1", "2"])
        users = {u.key: u for page in db.iter_users() for u in page}
        plain = ShopDatabase.connect(demo_url, ShopConfig())
        try:
            before = plain.get_orders(["1"])["1"]
        finally:
            plain.close()
        assert orders["1"].extra == {
            "UF_CRM_SHOP_ID": "1",
            "COMMENTS": "ring twice",
            "UF_CRM_LABEL": "#1 {paid}",
        }
        assert orders["2"].extra["COMMENTS"] == ""
        assert before.extra == {}
        assert orders["1"].fingerprint != before.fingerprint
        assert all(set(u.extra) == {"SOURCE_DESCRIPTION"} for u in users.values())
        with admin(demo_url) as conn:
            conn.exec_driver_sql("UPDATE orders SET comment = 'leave at the door' WHERE order_id = 1")
        again = db.get_orders(["1"])["1"]
        assert again.extra["COMMENTS"] == "leave at the door"
        assert again.fingerprint != orders["1"].fingerprint


def test_rows_without_fields_keep_the_fingerprint_they_had(demo_url: str) -> None:
    """Fingerprints stored before [shop.*.fields] existed stay valid: no mapped field, no change."""
    with ShopDatabase.connect(demo_url, ShopConfig()) as db:
        row = db.get_orders(["1"])["1"]
    same = replace(row, extra={})
    assert same.fingerprint == row.fingerprint
    assert replace(row, extra={"COMMENTS": "x"}).fingerprint != row.fingerprint


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (5, "5"),
        (5.0, "5"),
        (4692.365, "4692.365"),
        (Decimal("5.00"), "5.00"),
        (True, "1"),
        (False, "0"),
        ("text", "text"),
        (date(2024, 8, 30), "2024-08-30"),
        (datetime(2024, 8, 30, 14, 29), "2024-08-30T14:29:00"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text
