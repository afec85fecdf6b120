"""A person's Refresh (the window's F5, ``MonitorService.refresh``) brings the CRM's changes in before it
reconciles, as ``--sync`` and the background runner do: a stage moved and a phone fixed in the CRM reach the
shop and the records show in sync; with pulling off in the configuration it changes nothing in the shop.
The service over the portal emulator, the shop on SQLite."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import Snapshot
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.wiring import open_service
from tests.sync.conftest import FAST_CONFIG, Shop, make_shop
from tests.sync.test_field_pull import manager_sets_phone, with_phones
from tests.sync.test_pull import MANAGER, other_stage

PULLING = config.from_dict(tomllib.loads(FAST_CONFIG + '[shop.users.owners]\nPHONE = "both"\n'))
NOT_PULLING = config.from_dict(tomllib.loads(FAST_CONFIG + '[shop.orders.owners]\nSTAGE_ID = "shop"\n'))


@pytest.fixture
def small_shop(tmp_path: Path) -> Shop:
    return make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=12, users=5)


@pytest.fixture
async def service(
    request: pytest.FixtureRequest, small_shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> AsyncIterator[MonitorService]:
    cfg = getattr(request, "param", PULLING)
    service = await open_service(cfg, data_dirs, shop_url=small_shop.url, portal_url=portal.webhook_url)
    yield service
    await service.aclose()


def _history_reads(portal: PortalEmulator) -> int:
    """How often the portal answered ``crm.stagehistory.list`` (alone or within a batch)."""
    executed = portal.stats.snapshot().get("executed", {})
    return int(executed.get("crm.stagehistory.list", 0))


async def _sync(service: MonitorService) -> Snapshot:
    snap = await service.refresh()
    await service.apply(snap.plan)
    await service.run_queue(max_wait=60)
    return await service.refresh()


async def test_refresh_brings_a_stage_move_and_a_phone_fixed_in_the_crm_into_the_shop(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)  # the first refresh starts the pull's cursors at the portal's "now"
    key, deal_id = next(iter(small_shop.deal_ids().items()))
    assert deal_id is not None
    stage = other_stage(service.shop.get_orders([key])[key].stage or "")
    portal.store.update("deal", deal_id, {"STAGE_ID": stage}, as_user=MANAGER)
    ((user, contact),) = with_phones(small_shop, portal, 1)
    manager_sets_phone(portal, contact, "+7 900 111-22-33")

    snap = await service.refresh()
    assert service.shop.get_orders([key])[key].stage == stage
    assert service.shop.get_users([user])[user].phone == "+7 900 111-22-33"
    order = next(s for s in snap.orders if s.key == key)
    assert (order.state, order.shop_values.get("STAGE_ID")) == (RecordState.IN_SYNC, stage)
    assert next(s for s in snap.users if s.key == user).state is RecordState.IN_SYNC
    assert not [j for j in snap.plan.jobs if j.entity_key in (key, user)]  # nothing sent back
    assert portal.store.get("deal", deal_id)["STAGE_ID"] == stage
    assert any(f"Stage of deal {deal_id} changed in Bitrix24" in str(a.action) for a in service.activity())


@pytest.mark.parametrize("service", [NOT_PULLING], ids=["stage_shop"], indirect=True)
async def test_refresh_with_pulling_off_leaves_the_shop_and_asks_the_portal_nothing_more(
    small_shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await _sync(service)
    key, deal_id = next(iter(small_shop.deal_ids().items()))
    assert deal_id is not None
    before = service.shop.get_orders([key])[key].stage
    portal.store.update("deal", deal_id, {"STAGE_ID": other_stage(before or "")}, as_user=MANAGER)
    asked = _history_reads(portal)

    snap = await service.refresh()
    assert service.shop.get_orders([key])[key].stage == before
    order = next(s for s in snap.orders if s.key == key)
    assert order.state is RecordState.OUTDATED  # the shop owns the stage: the push sends it back
    assert [j.kind for j in snap.plan.jobs if j.entity_key == key] == ["deal.update"]
    assert _history_reads(portal) == asked  # the stage history is not read: nothing is pulled
