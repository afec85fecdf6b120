"""The settings dialog's connection tests and the service's extras for the window (settle, throughput)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bitrix_monitor import config
from bitrix_monitor.config import OrdersMapping, ShopConfig
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.probe import ConnectionTester
from tests.sync.conftest import Shop
from tests.sync.test_engine import CFG, _service, _sync


async def test_portal_test_says_what_it_found_without_the_secret(portal: PortalEmulator) -> None:
    portal.store.add("deal", {"TITLE": "x"})
    line = str(await ConnectionTester(config.AppConfig()).test_portal(portal.webhook_url))
    assert "1 deals and 0 contacts" in line
    assert portal.secret not in line
    assert "/rest/1/***/" in line


async def test_portal_test_with_a_wrong_secret_is_a_clear_error(portal: PortalEmulator) -> None:
    wrong = portal.webhook_url.replace(portal.secret, "wrongsecret123")
    with pytest.raises(UserFacingError) as info:
        await ConnectionTester(config.AppConfig()).test_portal(wrong)
    assert "wrongsecret123" not in str(info.value)


async def test_shop_test_and_mapping_check(shop: Shop) -> None:
    tester = ConnectionTester(config.AppConfig())
    line = str(await tester.test_shop(shop.url))
    assert f"{shop.orders} orders and {shop.users} users" in line
    good = config.AppConfig(shop=ShopConfig(url=shop.url))
    assert await tester.validate_mapping(good) == []
    bad = replace(good, shop=replace(good.shop, orders=OrdersMapping(table="purchases")))
    (problem,) = await tester.validate_mapping(bad)
    assert "purchases" in str(problem)


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_throughput_counts_jobs_per_minute_and_staff_can_settle(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    service = await _service(shop, portal, data_dirs, CFG)
    try:
        await _sync(service)
        minutes = service.throughput(5)
        assert len(minutes) == 5
        assert sum(done for done, _failed, _throttled in minutes) >= shop.orders + shop.users
        # A job in doubt, settled by a person as done.
        key = next(iter(shop.deal_ids()))
        job = await asyncio.to_thread(service.queue.enqueue, "deal.update", key)
        (claimed,) = await asyncio.to_thread(service.queue.claim, "someone", limit=1)
        assert claimed.id == job.id
        await asyncio.to_thread(service.queue.mark_in_doubt, "someone", job.id, {"reason": "test"})
        assert await service.settle_jobs([job.id], "done") == 1
        assert (await asyncio.to_thread(service.queue.get, job.id)).state == "done"
    finally:
        await service.aclose()


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_portal_test_checks_the_pipeline_and_warns_when_the_shops_deals_live_elsewhere(
    shop: Shop, portal: PortalEmulator
) -> None:
    portal.store.add_pipeline("Shop")
    for key in list(shop.deal_ids())[:5]:
        deal = portal.store.add("deal", {"TITLE": f"Order #{key}", "CATEGORY_ID": 1})
        shop.execute("UPDATE orders SET bitrix_deal_id = :d WHERE order_id = :k", d=deal, k=int(key))
    cfg = config.AppConfig(shop=ShopConfig(url=shop.url))
    line = str(await ConnectionTester(cfg).test_portal(portal.webhook_url))
    assert "deal pipeline 0 has 8 stages" in line
    assert (
        "Warning: The shop's deals are in pipeline 1 (5 of 5 linked deals), but [shop.orders] category = 0"
        in line
    )
    right = replace(cfg, shop=replace(cfg.shop, orders=OrdersMapping(category=1)))
    line = str(await ConnectionTester(right).test_portal(portal.webhook_url))
    assert "deal pipeline 1 has 8 stages" in line and "Warning" not in line
    wrong_map = replace(
        cfg, shop=replace(cfg.shop, orders=OrdersMapping(category=1, stage_map={"paid": "WON"}))
    )
    with pytest.raises(UserFacingError, match="'WON' is not a stage of pipeline 1; its stages: C1:NEW"):
        await ConnectionTester(wrong_map).test_portal(portal.webhook_url)


async def test_the_connection_tests_lines_are_said_in_russian(shop: Shop, portal: PortalEmulator) -> None:
    from bitrix_monitor.messages import render

    portal.store.add("deal", {"TITLE": "x"})
    tester = ConnectionTester(config.AppConfig())
    line = await tester.test_portal(portal.webhook_url)
    assert str(line).startswith("Connected to ")
    ru = render(line, "ru")
    assert ru.startswith("Подключено к ") and "/rest/1/***/" in ru and portal.secret not in ru
    assert "в CRM сделок: 1, контактов: 0; стадий в воронке сделок 0: 8." in ru
    shop_line = render(await tester.test_shop(shop.url), "ru")
    assert f"заказов: {shop.orders}, пользователей: {shop.users}; сопоставление подходит." in shop_line
