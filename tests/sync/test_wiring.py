"""The wired service sees every ``[shop]`` key of the configuration, not only the URL and the mapping, and
the team queue the flag, the environment or the file names (the window wired as the headless front end)."""

from __future__ import annotations

import argparse
import tomllib
import zoneinfo
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor import config
from bitrix_monitor.config import AppConfig
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.gui.launch import service_factory
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import TeamQueue
from bitrix_monitor.secrets import ENV_QUEUE, SERVICE, queue_password_key
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.wiring import open_service
from tests.fakes import MemoryKeyring
from tests.sync.conftest import FAST_CONFIG, make_shop


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_the_wired_shop_reads_in_the_configured_zone_with_the_mapped_fields(
    shop_url: str, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    shop = make_shop(shop_url, orders=3, users=2)
    cfg = config.from_dict(
        tomllib.loads(
            FAST_CONFIG + '[shop]\ntimezone = "Asia/Tokyo"\n[shop.orders.fields]\nCOMMENTS = "comment"\n'
        )
    )
    service = await open_service(cfg, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
    try:
        assert service.shop.zone == zoneinfo.ZoneInfo("Asia/Tokyo")
        assert [f.name for f in service.shop.orders_map.extra] == ["COMMENTS"]
    finally:
        await service.aclose()


def _args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"shop_db": None, "portal": None, "queue": None, **kw})


@pytest.mark.parametrize("where", ["flag", "environment", "config"])
async def test_the_desktop_window_works_the_team_queue_named_by_the_flag_the_environment_or_the_config(
    where: str,
    data_dirs: DataDirs,
    tmp_path: Path,
    portal: PortalEmulator,
    postgres_url: str,
    fake_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The window's service factory (:func:`bitrix_monitor.gui.launch.service_factory`, no Qt in it) takes
    one wiring path with the headless front end: ``--queue URL`` over BITRIX_MONITOR_QUEUE over
    ``[queue] url``; the password from the keyring, keyed by the URL."""
    url = sa.make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    fake_keyring.set_password(SERVICE, queue_password_key(url), "from-keyring")
    shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=2, users=1)
    config_text = FAST_CONFIG + (f'[queue]\nurl = "{url}"\n' if where == "config" else "")
    data_dirs.config_file.write_text(config_text)
    if where == "environment":
        monkeypatch.setenv(ENV_QUEUE, url)
    args = _args(shop_db=shop.url, portal=portal.webhook_url, queue=url if where == "flag" else None)
    factory = service_factory(AppConfig(), data_dirs, data_dirs.config_file, args)
    service = await factory()
    try:
        assert service.team_queue == url  # shown without a password
        assert isinstance(service, MonitorService)
        assert isinstance(service.queue, TeamQueue)
        assert service.queue._writer.url.password == "from-keyring"  # the server trusts us: any works
    finally:
        await service.aclose()
    assert not data_dirs.queue_file.exists()  # this desk's own queue file was never opened
