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


def test_jobs_done_together_share_one_moment(queue: JobQueue, clock: FakeClock) -> None:
    """A batch's jobs are done in one transaction at one moment (``complete_many``): ``last_done`` gives
    them one ``datetime``, not one each (a million of them after a first sync); other moments stay apart."""
    for key in ("1", "2", "3"):
        queue.enqueue("deal.create", key)
    batch = queue.claim("r", kinds=["deal.create"])
    assert queue.complete_many("r", [(j.id, {"id": 1}) for j in batch]) == [j.id for j in batch]
    clock.advance(60)
    _run(queue, "deal.create", "4", clock)
    done = queue.last_done()["deal"]
    assert done == {"1": START, "2": START, "3": START, "4": START + timedelta(minutes=1)}
    assert done["1"] is done["2"] is done["3"]
    assert done["4"] is not done["1"]
