"""The window's Refresh (F5) brings a stage moved in the CRM into the shop, as ``--sync`` does, without the
background runner: the real service over the portal emulator and a SQLite shop."""

from __future__ import annotations

import tomllib
from pathlib import Path

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import MonitorApi
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.wiring import open_service
from tests.gui.conftest import wait_until, window_over
from tests.sync.conftest import FAST_CONFIG, make_shop
from tests.sync.test_pull import MANAGER, other_stage

CFG = config.from_dict(tomllib.loads(FAST_CONFIG))


async def test_refresh_shows_a_stage_moved_in_the_crm_written_into_the_shop(
    qtbot, data_dirs: DataDirs, tmp_path: Path
) -> None:
    shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=6, users=3)
    with PortalEmulator(limits="off", seed=1) as portal:

        async def factory(*, demo: bool = False) -> MonitorApi:
            return await open_service(CFG, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)

        win = window_over(qtbot, data_dirs, factory)
        try:
            assert await win.connect_service()  # its first refresh starts the pull at the portal's "now"
            service = win.service
            assert isinstance(service, MonitorService) and win.snapshot is not None
            await service.apply(win.snapshot.plan)
            await service.run_queue(max_wait=60)
            await win.refresh()
            key, deal_id = next(iter(shop.deal_ids().items()))
            assert deal_id is not None
            stage = other_stage(service.shop.get_orders([key])[key].stage or "")
            portal.store.update("deal", deal_id, {"STAGE_ID": stage}, as_user=MANAGER)

            shown = win.snapshot
            win.refresh_action.trigger()  # F5
            await wait_until(lambda: win.snapshot is not shown and win.refresh_action.isEnabled(), within=30)
            assert service.shop.get_orders([key])[key].stage == stage
            assert win.snapshot is not None
            [order] = [s for s in win.snapshot.orders if s.key == key]
            assert (order.state, order.shop_values.get("STAGE_ID")) == (RecordState.IN_SYNC, stage)
            assert portal.store.get("deal", deal_id)["STAGE_ID"] == stage  # not moved back
        finally:
            await win.shutdown()
