"""Fixtures for the job queue's tests: a queue driven by a clock we move, once per backend -- this desk's
file on the test's own data dir, and a team queue in a PostgreSQL database of the test's own -- so every
test that takes ``queue`` is part of the contract both backends keep. ``file_queue`` is the file only."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobQueue, RetryPolicy, TeamQueue

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


BACKENDS = ("file", "postgresql")


@pytest.fixture
def file_queue(data_dirs: DataDirs, clock: FakeClock, policy: RetryPolicy) -> Iterator[JobQueue]:
    q = JobQueue.open(data_dirs.queue_file, policy=policy, clock=clock, rng=random.Random(7))
    yield q
    q.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def queue_location(backend: str, request: pytest.FixtureRequest, data_dirs: DataDirs) -> str:
    """Where the test's queue lives: the file's path, or a fresh PostgreSQL database's URL."""
    if backend == "file":
        return str(data_dirs.queue_file)
    return str(request.getfixturevalue("postgres_url"))


def open_at(location: str, clock: FakeClock, policy: RetryPolicy, *, seed: int = 7) -> JobQueue:
    if location.startswith("postgresql"):
        return TeamQueue.connect(location, policy=policy, clock=clock, rng=random.Random(seed))
    return JobQueue.open(location, policy=policy, clock=clock, rng=random.Random(seed))


@pytest.fixture
def queue(queue_location: str, clock: FakeClock, policy: RetryPolicy) -> Iterator[JobQueue]:
    q = open_at(queue_location, clock, policy)
    yield q
    q.close()
