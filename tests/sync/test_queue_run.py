"""Following a run of the queue from its counts: jobs ended of the total, the rate, the time left."""

from __future__ import annotations

from bitrix_monitor.queue.model import QueueCounts
from bitrix_monitor.sync.queue_run import follow_run


def test_a_run_is_followed_from_the_counts_until_nothing_is_left() -> None:
    assert follow_run(None, QueueCounts(done=40), 0.0) is None  # nothing waits: no run
    run = follow_run(None, QueueCounts(queued=10, done=40, dead=2), 100.0)
    assert run is not None
    assert (run.ended, run.left, run.total, run.per_minute, run.seconds_left) == (0, 10, 10, None, None)
    run = follow_run(run, QueueCounts(queued=6, running=1, done=43, dead=2), 102.0)
    assert run is not None
    assert (run.ended, run.left, run.total) == (3, 7, 10)
    assert run.per_minute is None  # two seconds tell nothing yet
    run = follow_run(run, QueueCounts(queued=2, failed=1, done=46, dead=2, cancelled=1), 160.0)
    assert run is not None
    assert (run.ended, run.left, run.total) == (7, 3, 10)
    assert run.per_minute == 7.0  # seven jobs in the run's first minute
    assert run.seconds_left is not None and round(run.seconds_left) == round(3 * 60 / 7)
    assert follow_run(run, QueueCounts(done=49, dead=2, cancelled=1), 170.0) is None
