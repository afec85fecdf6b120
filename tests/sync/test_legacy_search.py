"""The search for deals made before origin ids (``%TITLE`` with an empty ``ORIGINATOR_ID``, a full scan of the
portal's deal table) runs on a shop's first reconcile and when a person asks again, not on every reconcile:
what it found is remembered in the job store, and later reconciles read those deals with the stored ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.sync.service import MonitorService
from tests.sync.conftest import Shop

pytestmark = pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)


def _watch_searches(service: MonitorService, monkeypatch: pytest.MonkeyPatch) -> list[Mapping[str, Any]]:
    """The filters of every list the client reads, as they are asked for."""
    filters: list[Mapping[str, Any]] = []
    real = service.client.list_all

    def list_all(method: str, **kw: Any) -> AsyncIterator[list[dict[str, Any]]]:
        filters.append(dict(kw.get("filter") or {}))
        return real(method, **kw)

    monkeypatch.setattr(service.client, "list_all", list_all)
    return filters


def _title_searches(filters: list[Mapping[str, Any]]) -> int:
    return sum(1 for f in filters if "%TITLE" in f)


async def test_the_search_runs_once_then_what_it_found_is_remembered(
    shop: Shop, portal: PortalEmulator, service: MonitorService, monkeypatch: pytest.MonkeyPatch
) -> None:
    filters = _watch_searches(service, monkeypatch)
    k1, k2 = list(shop.deal_ids())[:2]
    orders = service.shop.get_orders([k1, k2])
    old = portal.store.add("deal", {"TITLE": orders[k1].title, "OPPORTUNITY": "3.00"})

    first = await service.snapshot()
    assert _title_searches(filters) == 1
    assert {s.key: s.relink_to for s in first.orders}[k1] == old

    filters.clear()
    portal.stats.reset()
    second = await service.snapshot()
    assert _title_searches(filters) == 0  # remembered: read again with the stored ids, no scan
    assert {s.key: s.relink_to for s in second.orders}[k1] == old
    assert second.plan.jobs == first.plan.jobs

    # A person makes another old-style deal: not found until someone asks for the search again.
    later = portal.store.add("deal", {"TITLE": orders[k2].title, "OPPORTUNITY": "4.00"})
    filters.clear()
    assert {s.key: s.relink_to for s in (await service.snapshot()).orders}[k2] is None
    assert _title_searches(filters) == 0
    await service.find_legacy_again()
    again = await service.snapshot()
    assert _title_searches(filters) == 1
    relinks = {s.key: s.relink_to for s in again.orders}
    assert (relinks[k1], relinks[k2]) == (old, later)

    # Once adopted they are ours: a later reconcile costs nothing for the search, not even a read by id.
    await service.apply(again.plan)
    await service.run_queue(max_wait=60)
    filters.clear()
    settled = await service.snapshot()
    assert _title_searches(filters) == 0
    assert not [f for f in filters if "@ID" in f]
    assert settled.order_counts.in_sync == shop.orders
