"""Fixtures for the job queue's tests: a queue on the test's own data dir, driven by a clock we move."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobQueue, RetryPolicy

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """Time as the queue sees it; tests move it explicitly."""

    def __init__(self) -> None:
        self.t = START.timestamp()

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)

    def later(self, seconds: float) -> datetime:
        return self.now + timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def policy() -> RetryPolicy:
    return RetryPolicy(max_attempts=3, backoff_base=10.0, backoff_cap=60.0)


@pytest.fixture
def queue(data_dirs: DataDirs, clock: FakeClock, policy: RetryPolicy) -> Iterator[JobQueue]:
    q = JobQueue.open(data_dirs.queue_file, policy=policy, clock=clock, rng=random.Random(7))
    yield q
    q.close()
