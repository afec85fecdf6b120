"""The wired service sees every ``[shop]`` key of the configuration, not only the URL and the mapping."""

from __future__ import annotations

import tomllib
import zoneinfo

import pytest

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.wiring import open_service
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
