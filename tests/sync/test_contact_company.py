"""A user's company reaches Bitrix24 as a company record bound to the contact, never as text.

A contact has no company-name field (reference §3.8): ``[shop.users] company`` is read by nothing, and a
config that still sets it loads and is told why, once. Moving a user to another company moves the contact's
binding: bound to the new company only, and primary there, whatever a manager had bound beside it.
"""

from __future__ import annotations

import functools
import io
import logging
import tomllib
from typing import Any

import pytest

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.messages import Message
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.sync.headless import HeadlessOptions, run_headless
from bitrix_monitor.wiring import opened
from tests.sync.conftest import FAST_CONFIG, Shop
from tests.sync.test_engine import _service, _sync

SQLITE = pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
WARNING = "[shop.users] company = 'company' is not used: a Bitrix24 contact has no company-name field"


def _cfg(**users: Any) -> config.AppConfig:
    data: dict[str, Any] = tomllib.loads(FAST_CONFIG)
    data["shop"] = {"users": users}
    return config.from_dict(data)


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
