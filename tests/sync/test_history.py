"""The job history is pruned (``[sync] keep_history``) about once a day, by a window or a ``--sync`` alike,
and no record loses its "last synced" time by it."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import io
from datetime import timedelta

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobStore, QueueFileError
from bitrix_monitor.sync import headless
from bitrix_monitor.sync import service as service_module
from bitrix_monitor.sync.headless import HeadlessOptions, run_headless
from bitrix_monitor.sync.service import PRUNE_EVERY, PRUNED_MEMORY, MonitorService
from bitrix_monitor.wiring import opened
from tests.sync.conftest import CFG, Shop

pytestmark = pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)


def _done_long_ago(queue: JobStore, key: str, days: float) -> int:
    """A deal.update of order ``key`` done ``days`` ago."""
    at = queue.now() - timedelta(days=days)
    (job_id,) = queue.enqueue_many([("deal.update", key, None)], now=at).job_ids
    assert [j.id for j in queue.claim("old", now=at)] == [job_id]
    assert queue.complete_many("old", [(job_id, None)], now=at) == [job_id]
    return job_id


async def test_history_is_pruned_once_a_day_and_every_record_keeps_its_last_sync(
    service: MonitorService,
) -> None:
    queue = service.queue
    first = _done_long_ago(queue, "1", 200)
    last = _done_long_ago(queue, "1", 199)  # order 1's latest: kept, however old
    only = _done_long_ago(queue, "2", 150)
    recent = _done_long_ago(queue, "3", 10)
    synced = queue.last_done()

    assert await service.prune_history() == 1  # [sync] keep_history: 90 days by default
    assert queue.get(first) is None
    assert all(queue.get(i) is not None for i in (last, only, recent))
    assert queue.last_done() == synced

    # Once a day, whoever asks: history that turned prunable since waits for the next day's pruning.
    again = _done_long_ago(queue, "1", 100)
    assert await service.prune_history() == 0
    queue.remember(PRUNED_MEMORY, queue.now().timestamp() - PRUNE_EVERY - 1)  # a day went by
    assert await service.prune_history() == 1
    assert queue.get(last) is None and queue.get(again) is not None

    # "0": kept for ever.
    queue.remember(PRUNED_MEMORY, None)
    _done_long_ago(queue, "1", 95)
    service.cfg = dataclasses.replace(
        service.cfg, sync=dataclasses.replace(service.cfg.sync, keep_history="0")
    )
    assert await service.prune_history() == 0
    assert queue.recall(PRUNED_MEMORY) is None


async def test_a_sync_from_cron_prunes_the_history(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    cfg = dataclasses.replace(CFG, sync=dataclasses.replace(CFG.sync, keep_history="30d"))
    opener = functools.partial(opened, cfg, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
    async with opener() as service:
        # an order the shop no longer has, synced twice long ago: the run leaves its record alone
        old = [_done_long_ago(service.queue, "9999", days) for days in (41, 40)]
    assert await run_headless(opener, HeadlessOptions(mode="sync"), out=io.StringIO()) == 0
    async with opener() as service:
        assert service.queue.get(old[0]) is None
        assert service.queue.get(old[1]) is not None  # its latest done job: its last synced time
        assert service.queue.recall(PRUNED_MEMORY) is not None


async def test_an_open_window_prunes_the_history_in_its_background_runner(service: MonitorService) -> None:
    old = [_done_long_ago(service.queue, "1", days) for days in (120, 119)]
    service.start_background(tick=0.05)
    for _ in range(100):
        if service.queue.recall(PRUNED_MEMORY) is not None:
            break
        await asyncio.sleep(0.05)
    assert service.queue.get(old[0]) is None
    assert service.queue.get(old[1]) is not None


async def test_a_long_history_is_pruned_a_budget_at_a_time_with_the_queue_run_in_between(
    service: MonitorService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first pruning after an upgrade meets a long history: the window's runner deletes a budget at a
    look and runs the queue's jobs between looks, rather than holding them up until all is pruned; the queue
    remembers the pruning once it is whole."""
    monkeypatch.setattr(service_module, "PRUNE_SLICE", 2)
    monkeypatch.setattr(service_module, "PRUNE_BUDGET", 0.0)  # one slice a look
    old = [_done_long_ago(service.queue, key, days) for key in "12" for days in (130, 125, 120, 119)]
    pruned: list[int] = []
    queued: list[int] = []
    done_while_pruning: list[bool] = []  # at each look that still had work left after the first
    prune = service.prune_history

    async def watched(*, budget: float | None = None) -> int:
        assert budget == 0.0
        n = await prune(budget=budget)
        pruned.append(n)
        if len(pruned) == 1:  # staff queue a job while the pruning has work left
            assert service.queue.recall(PRUNED_MEMORY) is None
            queued.extend(service.queue.enqueue_many([("deal.create", "3", None)]).job_ids)
        elif service.pruning_left:
            job = service.queue.get(queued[0])
            done_while_pruning.append(job is not None and job.state == "done")
        return n

    monkeypatch.setattr(service, "prune_history", watched)
    service.start_background(tick=0.05)
    for _ in range(200):
        if service.queue.recall(PRUNED_MEMORY) is not None:
            break
        await asyncio.sleep(0.05)
    assert pruned[:4] == [2, 2, 2, 0]  # six superseded jobs, two a look; the fourth look finds none left
    assert any(done_while_pruning)  # the job queued after the first look ran before the pruning was done
    assert [service.queue.get(i) is None for i in old] == [True, True, True, False] * 2


async def test_a_pass_after_jobs_it_never_saw_were_pruned_reads_everything(service: MonitorService) -> None:
    """The incremental pass finds the records jobs touched since the last pass by the jobs' ids; jobs
    queued since and pruned before it (a state older than ``keep_history``) cannot be found again."""
    assert (await service.snapshot()).pass_kind == "full"
    assert (await service.snapshot()).pass_kind == "incremental"
    for days in (100, 99):  # queued after the pass (their ids say so), done long ago by their clock
        _done_long_ago(service.queue, "1", days)
    assert service.queue.delete_done(timedelta(days=90)) == 1
    assert (await service.snapshot()).pass_kind == "full"
    assert (await service.snapshot()).pass_kind == "incremental"  # the full pass saw every job there is
    assert service.queue.delete_done(timedelta(days=1)) == 0
    assert (await service.snapshot()).pass_kind == "incremental"


async def test_a_pruning_that_fails_is_said_in_the_log_and_fails_nothing(
    service: MonitorService, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def locked(*_args: object, **_kw: object) -> int:
        raise QueueFileError("queue.sqlite3", "database is locked")

    monkeypatch.setattr(service.queue, "delete_done", locked)
    assert await service.prune_history() == 0
    assert "job history not pruned: " in caplog.text and "database is locked" in caplog.text
    assert service.queue.recall(PRUNED_MEMORY) is None  # tried again at the next look
    monkeypatch.undo()
    assert await service.prune_history() == 0  # nothing old to prune, but pruned
    assert service.queue.recall(PRUNED_MEMORY) is not None


async def test_a_worker_that_keeps_watching_prunes_the_history_as_days_go_by(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--sync --watch`` prunes after its first sync, then at the same daily pace as a window."""
    monkeypatch.setattr(headless, "PRUNE_CHECK_EVERY", 0.05)  # a look each cycle, not each hour
    opts = HeadlessOptions(mode="sync", watch=0.05)
    async with opened(CFG, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url) as service:
        watcher = service.change_watcher()
        await watcher.prime()
        stop = asyncio.Event()
        printer = headless._Printer(io.StringIO())
        worker = asyncio.create_task(
            headless._watch_loop(service, opts, io.StringIO(), printer, stop, watcher)
        )
        try:
            for _ in range(200):
                if service.queue.recall(PRUNED_MEMORY) is not None:
                    break
                await asyncio.sleep(0.05)
            pruned_at = service.queue.recall(PRUNED_MEMORY)
            assert pruned_at is not None  # by the first sync
            old = [_done_long_ago(service.queue, "9999", days) for days in (120, 119)]
            await asyncio.sleep(0.3)
            assert service.queue.get(old[0]) is not None  # pruned less than a day ago: not again yet
            service.queue.remember(PRUNED_MEMORY, pruned_at - PRUNE_EVERY)  # a day went by
            for _ in range(200):
                if service.queue.get(old[0]) is None:
                    break
                await asyncio.sleep(0.05)
            assert service.queue.get(old[0]) is None and service.queue.get(old[1]) is not None
        finally:
            stop.set()
            await worker
