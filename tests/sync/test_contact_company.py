"""A user's company reaches Bitrix24 as a company record bound to the contact, never as text.

A contact has no company-name field (reference §3.8): ``[shop.users] company`` is read by nothing, and a
config that still sets it loads and is told why, once. Moving a user to another company moves the contact's
binding: bound to the new company only, and primary there, whatever a manager had bound beside it.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import tomllib
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.messages import Message
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.sync.headless import HeadlessOptions, run_headless
from bitrix_monitor.wiring import opened
from tests.sync.conftest import FAST_CONFIG, Shop, make_shop
from tests.sync.test_engine import _service, _sync
from tests.sync.test_kinds_e2e import _cfg as _companies_cfg
from tests.sync.test_kinds_e2e import _shape

SQLITE = pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
WARNING = "[shop.users] company = 'company' is not used: a Bitrix24 contact has no company-name field"


def _cfg(**users: Any) -> config.AppConfig:
    data: dict[str, Any] = tomllib.loads(FAST_CONFIG)
    data["shop"] = {"users": users}
    return config.from_dict(data)


def _call(portal: PortalEmulator, method: str, **params: Any) -> Any:
    answer = httpx.post(portal.webhook_url + method, json=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def _bindings(portal: PortalEmulator, contact: int) -> list[tuple[int, str]]:
    """The contact's companies as ``crm.contact.company.items.get`` says: (company id, IS_PRIMARY)."""
    items = _call(portal, "crm.contact.company.items.get", id=contact)
    return [(item["COMPANY_ID"], item["IS_PRIMARY"]) for item in items]


def _ids(shop: Shop, table: str, column: str) -> dict[int, int]:
    engine = sa.create_engine(shop.url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(f"SELECT id, {column} FROM {table}").all()
    finally:
        engine.dispose()
    return {int(k): int(v) for k, v in rows if v is not None}


async def _move_user_1(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs, *, also_bound_by_hand: bool
) -> tuple[int, dict[int, int]]:
    """Sync a shop with companies, move user 1 from company 1 to company 2 (a manager having bound the
    contact to company 2 too, beside company 1, when ``also_bound_by_hand``), sync again; the contact id,
    the companies' CRM ids, and the plan left after."""
    _shape(shop, "columns")  # users 1-6 belong to companies 1, 2, 3, 1, 2, 3
    assert portal.store.add_pipeline("Shop") == 1
    portal.store.add_user_field("deal", {"FIELD_NAME": "SHOP_ID", "USER_TYPE_ID": "string"})
    service = await _service(shop, portal, data_dirs, _companies_cfg("columns"))
    try:
        await _sync(service)
        contact = _ids(shop, "users", "bitrix_contact_id")[1]
        company = _ids(shop, "firms", "bitrix_company_id")
        assert _bindings(portal, contact) == [(company[1], "Y")]
        if also_bound_by_hand:
            items = [{"COMPANY_ID": company[1], "IS_PRIMARY": "Y"}, {"COMPANY_ID": company[2]}]
            assert await asyncio.to_thread(
                _call, portal, "crm.contact.company.items.set", id=contact, items=items
            )
            assert _bindings(portal, contact) == [(company[1], "Y"), (company[2], "N")]
        shop.execute("UPDATE users SET firm_id = 2, updated_at = CURRENT_TIMESTAMP WHERE id = 1")
        moved = await service.snapshot()
        status = next(s for s in moved.users if s.key == "1")
        assert [(d.field, d.shop) for d in status.diffs] == [("COMPANY_ID", str(company[2]))]
        await _sync(service)
        after = await service.snapshot()
        assert len(after.plan) == 0, after.plan  # nothing left to do: no update that changes nothing
    finally:
        await service.aclose()
    return contact, company


@SQLITE
async def test_a_user_moved_to_another_company_ends_bound_to_that_one_only(
    shop_url: str, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    shop = make_shop(shop_url, orders=12, users=8)
    contact, company = await _move_user_1(shop, portal, data_dirs, also_bound_by_hand=False)
    assert _bindings(portal, contact) == [(company[2], "Y")]
    assert portal.store.get("contact", contact)["COMPANY_ID"] == str(company[2])
    items = await asyncio.to_thread(_call, portal, "crm.company.contact.items.get", id=company[1])
    assert contact not in [item["CONTACT_ID"] for item in items]


@SQLITE
async def test_a_user_moved_to_a_company_a_manager_had_bound_beside_ends_primary_there(
    shop_url: str, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    """The deprecated ``COMPANY_ID`` alone would change nothing here (the company is bound already): the
    contact would stay primarily at the old company and be updated, to no effect, on every sync."""
    shop = make_shop(shop_url, orders=12, users=8)
    contact, company = await _move_user_1(shop, portal, data_dirs, also_bound_by_hand=True)
    assert _bindings(portal, contact) == [(company[2], "Y")]
    assert portal.store.get("contact", contact)["COMPANY_ID"] == str(company[2])


@SQLITE
async def test_the_users_company_column_drives_nothing_sent(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    """The demo shop has a ``company`` text column; the default mapping reads it not, so editing it makes
    no user outdated and queues nothing."""
    service = await _service(shop, portal, data_dirs)
    try:
        assert "company" not in [c.name for c in service.shop.users_map.selected]
        await _sync(service)
        shop.execute("UPDATE users SET company = 'ООО Новое', updated_at = CURRENT_TIMESTAMP")
        snap = await service.snapshot()
    finally:
        await service.aclose()
    assert snap.user_counts.in_sync == shop.users and len(snap.plan) == 0
    assert all("COMPANY_TITLE" not in c for c in portal.store.all("contact"))


def test_the_retired_company_key_defaults_to_nothing_and_is_not_written(tmp_path: Any) -> None:
    assert config.UsersMapping().company == ""
    path = tmp_path / "config.toml"
    config.save(config.AppConfig(), path)
    assert "company =" not in path.read_text(encoding="utf-8")
    assert config.load(path) == config.AppConfig()
    path.write_text('[shop.users]\ncompany = "company"\n', encoding="utf-8")
    kept = config.load(path)  # an existing config still loads
    assert kept.shop.users.company == "company"
    config.save(kept, path)
    assert config.load(path).shop.users.company == "company"  # kept (and said) until removed


@SQLITE
async def test_a_config_that_still_names_the_company_column_loads_and_is_told_why_once(
    shop: Shop,
    portal: PortalEmulator,
    data_dirs: DataDirs,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    cfg = _cfg(company="company")
    # Read by nothing: even a column the table lacks is no error.
    gone = ShopDatabase.connect(shop.url, _cfg(company="no_such_column").shop)
    try:
        assert [str(w) for w in gone.warnings] == [
            str(Message("warning.users_company", {"value": "'no_such_column'"}))
        ]
    finally:
        gone.close()
    service = await _service(shop, portal, data_dirs, cfg)
    try:
        snap = await service.snapshot()
    finally:
        await service.aclose()
    (warning,) = [w for w in snap.warnings if str(w).startswith("[shop.users]")]
    assert str(warning).startswith(WARNING)
    assert "[shop.companies]" in str(warning) and "company_ref" in str(warning)
    # The headless front end says it on stderr, one line, however many passes it makes; and in the log.
    out = io.StringIO()
    opener = functools.partial(opened, cfg, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
    capsys.readouterr()
    with caplog.at_level(logging.WARNING):
        await run_headless(opener, HeadlessOptions(mode="report"), out=out)
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if "warning" in line] == [f"bitrix-monitor: warning: {warning}"]
    assert str(warning) in caplog.text
