"""Each record's last done job, the window's "last synced": one grouped query, on both backends."""

from __future__ import annotations

from datetime import timedelta

from bitrix_monitor.queue import JobError, JobQueue
from tests.queue.conftest import START, FakeClock


def _run(queue: JobQueue, kind: str, key: str, clock: FakeClock, *, ok: bool = True) -> None:
    job = queue.enqueue(kind, key)
    claimed = queue.claim("r", kinds=[kind])
    assert [j.id for j in claimed] == [job.id]
    if ok:
        queue.complete("r", job.id, {"id": 1})
    else:
        queue.fail("r", job.id, JobError("PortalError", "boom", retryable=False))
    clock.advance(60)


def test_last_done_is_each_records_latest_done_job_and_only_done_ones(
    queue: JobQueue, clock: FakeClock
) -> None:
    assert queue.last_done() == {}
    _run(queue, "deal.create", "1", clock)  # at START
    _run(queue, "deal.create", "2", clock)  # a minute later
    _run(queue, "deal.update", "1", clock)  # the same record again: its latest counts
    _run(queue, "deal.update", "2", clock, ok=False)  # dead: not a sync
    _run(queue, "contact.create", "1", clock)  # another kind with the same key
    queue.enqueue("deal.update", "3")  # queued, never done
    minute = timedelta(minutes=1)
    assert queue.last_done() == {
        "deal": {"1": START + 2 * minute, "2": START + minute},
        "contact": {"1": START + 4 * minute},
    }


def test_last_done_since_reads_only_what_was_done_from_then_on(queue: JobQueue, clock: FakeClock) -> None:
    _run(queue, "deal.create", "1", clock)
    _run(queue, "deal.create", "2", clock)
    since = clock.now
    _run(queue, "deal.update", "1", clock)
    assert queue.last_done(since=since) == {"deal": {"1": since}}
    assert queue.last_done(since=clock.now) == {}
