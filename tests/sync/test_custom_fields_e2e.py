"""Custom fields end to end, on SQLite, PostgreSQL and MariaDB against the portal emulator: an order's
``UF_CRM_SHOP_ID = "{order_id}"`` and ``COMMENTS = "comment"`` reach its deal and sync to a clean report; an
edit of the shop column, or a person's edit of the field in the portal, makes the record outdated with that
field in its diff, and an update brings it back. The connect check refuses unknown, read-only and mistyped
fields with one clear error that lists the deal's writable custom fields."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from typing import Any

import pytest

from bitrix_monitor import config
from bitrix_monitor.bitrix import BitrixClient
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.errors import ConfigError
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.sync.api import Snapshot
from bitrix_monitor.sync.custom_fields import check_shop_fields
from bitrix_monitor.sync.model import FieldDiff, RecordState
from bitrix_monitor.sync.probe import ConnectionTester
from tests.shop.test_companies import COMPANIES, create_companies
from tests.sync.conftest import FAST_CONFIG, ORIGINATOR, Shop, make_shop
from tests.sync.test_engine import _service, _sync

SQLITE = pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)


def _cfg(orders: dict[str, str], users: dict[str, str] | None = None) -> config.AppConfig:
    data: dict[str, Any] = tomllib.loads(FAST_CONFIG)
    data["shop"] = {"orders": {"fields": orders}, "users": {"fields": users or {}}}
    return config.from_dict(data)


FIELDS = {"UF_CRM_SHOP_ID": "{order_id}", "COMMENTS": "comment"}


@pytest.fixture
def small(shop_url: str) -> Shop:
    return make_shop(shop_url, orders=12, users=5)


def _deals(portal: PortalEmulator) -> dict[str, dict[str, Any]]:
    return {d["ORIGIN_ID"]: d for d in portal.store.all("deal") if d.get("ORIGINATOR_ID") == ORIGINATOR}


def _order(snap: Snapshot, key: str) -> Any:
    return next(s for s in snap.orders if s.key == key)


async def test_custom_fields_round_trip_and_show_in_the_diff(
    small: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    portal.store.add_user_field("deal", {"FIELD_NAME": "SHOP_ID", "USER_TYPE_ID": "string"})
    small.execute("UPDATE orders SET comment = 'ring twice' WHERE order_id = 1")
    small.execute("UPDATE orders SET comment = NULL WHERE order_id = 2")
    service = await _service(small, portal, data_dirs, _cfg(FIELDS))
    try:
        await _sync(service)
        clean = await service.snapshot()
        deals = _deals(portal)
        small.execute("UPDATE orders SET comment = 'leave at the door' WHERE order_id = 1")
        portal.store.update("deal", int(deals["3"]["ID"]), {"UF_CRM_SHOP_ID": "999"})  # a person's edit
        changed = await service.snapshot()
        await service.apply(changed.plan)
        await service.run_queue(max_wait=60)
        back = await service.snapshot()
    finally:
        await service.aclose()
    assert clean.order_counts.in_sync == small.orders and clean.order_counts.problems() == 0
    assert clean.user_counts.problems() == 0 and len(clean.plan) == 0
    assert len(deals) == small.orders
    assert all(d["UF_CRM_SHOP_ID"] == key for key, d in deals.items())
    assert deals["1"]["COMMENTS"] == "ring twice" and deals["2"]["COMMENTS"] == ""
    assert "UF_CRM_SHOP_ID" in _order(clean, "1").shop_values  # shown in the detail pane beside the portal's

    first, third = _order(changed, "1"), _order(changed, "3")
    assert first.state is RecordState.OUTDATED
    assert first.diffs == (FieldDiff("COMMENTS", "leave at the door", "ring twice"),)
    assert third.state is RecordState.OUTDATED
    assert third.diffs == (FieldDiff("UF_CRM_SHOP_ID", "3", "999"),)
    assert changed.order_counts.outdated == 2
    assert sorted((j.kind, j.entity_key) for j in changed.plan.jobs) == [
        ("deal.update", "1"),
        ("deal.update", "3"),
    ]

    assert back.order_counts.in_sync == small.orders and back.order_counts.problems() == 0
    after = _deals(portal)
    assert after["1"]["COMMENTS"] == "leave at the door"
    assert after["3"]["UF_CRM_SHOP_ID"] == "3"
    assert after["1"]["ID"] == deals["1"]["ID"]  # updated, not re-created


@SQLITE
async def test_a_contact_field_round_trips_too(
    small: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    portal.store.add_user_field("contact", {"FIELD_NAME": "TIER", "USER_TYPE_ID": "string"})
    service = await _service(small, portal, data_dirs, _cfg({}, {"UF_CRM_TIER": "{user_type} customer"}))
    try:
        await _sync(service)
        clean = await service.snapshot()
        key = clean.users[0].key
        small.execute("UPDATE users SET user_type = 'reseller' WHERE id = :k", k=int(key))
        changed = await service.snapshot()
        await _sync(service)
        back = await service.snapshot()
    finally:
        await service.aclose()
    assert clean.user_counts.problems() == 0 and clean.user_counts.in_sync == small.users
    contacts = {
        c["ORIGIN_ID"]: c for c in portal.store.all("contact") if c.get("ORIGINATOR_ID") == ORIGINATOR
    }
    assert contacts[key]["UF_CRM_TIER"] == "reseller customer"
    (user,) = [s for s in changed.users if s.key == key]
    assert user.state is RecordState.OUTDATED
    assert [d.field for d in user.diffs] == ["UF_CRM_TIER"] and user.diffs[0].shop == "reseller customer"
    assert back.user_counts.problems() == 0


async def test_number_column_into_an_integer_field_compares_as_a_number(
    small: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    portal.store.add_user_field("deal", {"FIELD_NAME": "QTY", "USER_TYPE_ID": "integer"})
    portal.store.add_user_field("deal", {"FIELD_NAME": "PRICE", "USER_TYPE_ID": "double"})
    small.execute("UPDATE orders SET total_price = 4692.365 WHERE order_id = 1")
    service = await _service(
        small, portal, data_dirs, _cfg({"UF_CRM_QTY": "quantity", "UF_CRM_PRICE": "total_price"})
    )
    try:
        await _sync(service)
        snap = await service.snapshot()
    finally:
        await service.aclose()
    assert snap.order_counts.in_sync == small.orders and len(snap.plan) == 0
    deal = _deals(portal)["1"]
    assert deal["UF_CRM_PRICE"] == "4692.37"  # rounded to the field's precision, and still in sync


CHECK_CASES = {
    "unknown": ({"UF_CRM_NOPE": "comment"}, "the portal has no deal field UF_CRM_NOPE"),
    "read_only": ({"DATE_CREATE": "comment"}, "DATE_CREATE is read-only"),
    "date": (
        {"UF_CRM_DAY": "created_at"},
        "UF_CRM_DAY is a date field; a mapped field must be of type string",
    ),
    "boolean": ({"UF_CRM_PAID": "is_paid"}, "UF_CRM_PAID is a boolean field"),
    "enumeration": ({"UF_CRM_KIND": "payment_method"}, "UF_CRM_KIND is a enumeration field"),
    "multiple": ({"UF_CRM_TAGS": "comment"}, "UF_CRM_TAGS is a multiple-value string field"),
    "text_into_integer": ({"UF_CRM_QTY": "comment"}, "'comment' is not always a whole number"),
    "decimal_into_integer": ({"UF_CRM_QTY": "total_price"}, "'total_price' is not always a whole number"),
    "template_into_double": (
        {"UF_CRM_PRICE": "{total_price} RUB"},
        "'{total_price} RUB' is not always a number",
    ),
    "standard_status": ({"SOURCE_ID": "payment_method"}, "SOURCE_ID is a crm_status field"),
}


def _define(portal: PortalEmulator) -> None:
    for name, kind, extra in (
        ("SHOP_ID", "string", {}),
        ("QTY", "integer", {}),
        ("PRICE", "double", {}),
        ("DAY", "date", {}),
        ("PAID", "boolean", {}),
        ("KIND", "enumeration", {"LIST": [{"VALUE": "card"}]}),
        ("TAGS", "string", {"MULTIPLE": "Y"}),
    ):
        portal.store.add_user_field("deal", {"FIELD_NAME": name, "USER_TYPE_ID": kind, **extra})


@SQLITE
@pytest.mark.parametrize("case", sorted(CHECK_CASES))
async def test_connect_check_refuses_a_field_that_cannot_be_mapped(
    case: str, small: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    mapped, words = CHECK_CASES[case]
    _define(portal)
    service = await _service(small, portal, data_dirs, _cfg(mapped))
    try:
        with pytest.raises(ConfigError) as info:
            await service.snapshot()
    finally:
        await service.aclose()
    text = str(info.value)
    assert words in text
    assert text.startswith(f"[shop.orders.fields] {next(iter(mapped))}: ")
    # The deal's writable custom fields are listed (not the multiple, boolean, date or enumeration ones).
    assert (
        "writable custom deal fields: UF_CRM_SHOP_ID (string), UF_CRM_QTY (integer), UF_CRM_PRICE (double)"
        in text
    )
    assert "UF_CRM_TAGS" not in text.split("writable")[1] and "\n" not in text
    assert portal.store.count("deal") == 0


@SQLITE
async def test_connect_check_lists_none_when_the_portal_has_no_custom_fields(
    small: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    service = await _service(small, portal, data_dirs, _cfg({}, {"UF_CRM_TIER": "company"}))
    try:
        with pytest.raises(ConfigError) as info:
            await service.snapshot()
    finally:
        await service.aclose()
    assert "[shop.users.fields] UF_CRM_TIER: the portal has no contact field UF_CRM_TIER" in str(info.value)
    assert "writable custom contact fields: none" in str(info.value)
    assert info.value.hint is not None and "crm.contact.userfield.add" in info.value.hint
    from bitrix_monitor.messages import error_line

    assert error_line(info.value, "ru") == (
        "[shop.users.fields] UF_CRM_TIER: на портале нет поля UF_CRM_TIER (тип записи: контакт); "
        "пользовательские поля на портале, доступные для записи (тип записи: контакт): нет (создайте его в "
        "Битрикс24 (настройки CRM, пользовательские поля) или методом crm.contact.userfield.add)"
    )


@SQLITE
async def test_portal_test_of_the_settings_dialog_checks_the_fields_too(
    small: Shop, portal: PortalEmulator
) -> None:
    _define(portal)
    tester = ConnectionTester(_cfg({"UF_CRM_PRICE": "Total {total_price}"}))
    with pytest.raises(ConfigError, match="is not always a number"):
        await tester.test_portal(portal.webhook_url)
    ok = ConnectionTester(_cfg(FIELDS))
    assert "Connected to" in str(await ok.test_portal(portal.webhook_url))


@SQLITE
async def test_company_fields_are_read_and_checked_against_crm_company_fields(
    small: Shop, portal: PortalEmulator
) -> None:
    create_companies(small.url)
    cfg = replace(COMPANIES, companies=replace(COMPANIES.companies, fields={"UF_CRM_INN": "INN {id}"}))
    with ShopDatabase.connect(small.url, cfg) as db:
        rows = db.get_companies(["1", "2"])
        assert rows["1"].extra == {"UF_CRM_INN": "INN 1"} and rows["2"].extra == {"UF_CRM_INN": "INN 2"}
        async with BitrixClient(portal.webhook_url, plan=None) as client:
            with pytest.raises(ConfigError) as info:
                await check_shop_fields(client, db, cfg)
            assert str(info.value).startswith(
                "[shop.companies.fields] UF_CRM_INN: the portal has no company field UF_CRM_INN"
            )
            portal.store.add_user_field("company", {"FIELD_NAME": "INN", "USER_TYPE_ID": "string"})
            await check_shop_fields(client, db, cfg)  # now it exists: no error
