""" "Last synced" comes from the job history: when each record's last job was done, in every pass."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import Snapshot
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.wiring import open_service
from tests.sync.conftest import CFG, Shop


def _synced(snap: Snapshot, kind: str) -> dict[str, datetime | None]:
    return {s.key: s.last_synced for s in snap.statuses(kind)}


async def test_last_synced_is_when_the_records_last_job_was_done(
    shop: Shop, portal: PortalEmulator, service: MonitorService, data_dirs: DataDirs
) -> None:
    first = await service.snapshot()
    assert set(_synced(first, "order").values()) == {None}  # nothing has run yet
    started = datetime.now(UTC)
    await service.apply(first.plan)
    await service.run_queue(max_wait=60)
    ran = datetime.now(UTC)

    second = await service.snapshot()  # incremental: the records whose jobs ran are judged again
    assert second.pass_kind == "incremental"
    planned = {j.entity_key for j in first.plan.jobs if j.kind.startswith("deal.")}
    orders = _synced(second, "order")
    assert planned and all(orders[k] is not None and started <= orders[k] <= ran for k in planned)  # type: ignore[operator]
    assert all(t is None for k, t in orders.items() if k not in planned)
    assert any(t is not None for t in _synced(second, "user").values())

    # One order synced again: its time moves, the others' stay.
    key = sorted(planned)[0]
    await asyncio.to_thread(service.queue.enqueue, "deal.update", key)
    await service.run_queue(max_wait=30)
    third = _synced(await service.snapshot(), "order")
    assert third[key] is not None and third[key] > orders[key]  # type: ignore[operator]
    assert {k: t for k, t in third.items() if k != key} == {k: t for k, t in orders.items() if k != key}

    # A new process reads the whole history (one grouped query) and finds the same.
    again = await open_service(CFG, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
    try:
        assert _synced(await again.snapshot(), "order") == third
    finally:
        await again.aclose()


async def test_a_full_pass_keys_the_history_by_the_rows_own_keys(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    """After a full pass the last-synced table holds each record's time by the shop row's own key text
    (one text a record, not a second copy from the job store), and the times themselves are unchanged."""
    first = await service.snapshot()
    await service.apply(first.plan)
    await service.run_queue(max_wait=60)
    await service.snapshot()  # incremental: reads the history
    before = {kind: dict(table) for kind, table in service._synced.items()}
    assert before.get("order")

    full = await service.snapshot(full=True)
    assert full.pass_kind == "full"
    assert service._synced == before  # the same moments, by the same keys
    for kind, table in service._synced.items():
        rows = {s.key: s for s in full.statuses(kind)}
        assert table and all(key is rows[key].key for key in table)
