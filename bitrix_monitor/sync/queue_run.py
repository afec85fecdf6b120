"""A run of the queue as a front end follows it from the queue's counts: jobs ended of the run's total,
the rate (jobs a minute) and the time left. Progress as data (STYLE.md §8): the window decides how to
show it; nothing here imports Qt."""

from __future__ import annotations

from dataclasses import dataclass

from bitrix_monitor.queue.model import QueueCounts

# The rate is only told once the run has lasted this long and ended a job: before, it is a guess.
MIN_SECONDS_FOR_RATE = 5.0


def _ended(counts: QueueCounts) -> int:
    return counts.done + counts.dead + counts.cancelled


@dataclass(frozen=True)
class QueueRun:
    """One run of the queue: from when jobs were first seen waiting until none is left."""

    started: float  # monotonic seconds when the run was first seen
    ended_before: int  # jobs that had ended (done, dead, cancelled) when it was first seen
    ended: int = 0  # jobs ended since
    left: int = 0  # jobs still to run (queued, running, in doubt, failed waiting for a retry)
    seconds: float = 0.0  # how long it has run

    @property
    def total(self) -> int:
        return self.ended + self.left

    @property
    def per_minute(self) -> float | None:
        """Jobs ended a minute over the run so far (None until it is worth telling)."""
        if self.seconds < MIN_SECONDS_FOR_RATE or self.ended <= 0:
            return None
        return self.ended * 60.0 / self.seconds

    @property
    def seconds_left(self) -> float | None:
        rate = self.per_minute
        if rate is None:
            return None
        return self.left * 60.0 / rate


def follow_run(run: QueueRun | None, counts: QueueCounts, now: float) -> QueueRun | None:
    """The run after the queue was seen with ``counts`` at ``now`` (monotonic seconds): a new one when jobs
    wait and none was followed, None once nothing is left to run."""
    left = counts.active
    if left == 0:
        return None
    if run is None:
        return QueueRun(started=now, ended_before=_ended(counts), left=left)
    ended = max(0, _ended(counts) - run.ended_before)
    return QueueRun(run.started, run.ended_before, ended, left, max(0.0, now - run.started))
