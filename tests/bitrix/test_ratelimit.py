"""The client-side copies of the portal's limits, on a fake clock."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest

from bitrix_monitor.bitrix import RateBudget
from bitrix_monitor.bitrix.ratelimit import LeakyBucket, OperatingTracker
from bitrix_monitor.config import PLANS, RatePlan
from bitrix_monitor.demo.emulator.limits import LeakyBucket as PortalBucket


class Clock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_bucket_lets_a_burst_through_then_spaces_requests_at_the_drain_rate() -> None:
    clock = Clock()
    bucket = LeakyBucket(RatePlan(burst=10, drain=20), clock=clock)
    waits = [bucket.reserve() for _ in range(13)]
    assert waits[:8] == [0.0] * 8  # two requests of headroom under the portal's burst
    assert waits[8:] == pytest.approx([0.05, 0.10, 0.15, 0.20, 0.25])
    assert bucket.tokens_left() == 0


def test_bucket_refills_while_idle() -> None:
    clock = Clock()
    bucket = LeakyBucket(RatePlan(burst=50, drain=2), clock=clock)
    for _ in range(48):
        bucket.reserve()
    assert bucket.tokens_left() == pytest.approx(0)
    clock.t += 5  # 10 requests drained
    assert bucket.tokens_left() == pytest.approx(10)
    assert bucket.reserve() == 0


def test_portal_refusal_fills_the_bucket() -> None:
    clock = Clock()
    bucket = LeakyBucket(RatePlan(burst=10, drain=20), clock=clock)
    bucket.refused()
    assert bucket.reserve() == pytest.approx(0.05)


def test_no_plan_means_no_waiting() -> None:
    bucket = LeakyBucket(None)
    assert all(bucket.reserve() == 0 for _ in range(1000))


def test_operating_tracker_slows_then_pauses_a_method() -> None:
    wall = Clock(10_000.0)
    op = OperatingTracker(limit=100, wall=wall)
    op.observe("crm.deal.add", 50.0, 10_300)
    assert op.delay("crm.deal.add") == 0
    op.observe("crm.deal.add", 85.0, 10_300)
    assert op.delay("crm.deal.add") == 0
    assert op.delay("crm.deal.add") == pytest.approx(1.0)  # one call per second near the budget
    op.observe("crm.deal.add", 96.0, 10_300)
    assert op.delay("crm.deal.add") == pytest.approx(300)
    assert op.delay("crm.deal.list") == 0
    wall.t = 10_301
    assert op.delay("crm.deal.add") == 0
    assert op.snapshot_paused() == {}


def test_pause_without_a_known_reset_lasts_a_minute() -> None:
    wall = Clock(500.0)
    op = OperatingTracker(wall=wall)
    assert op.pause("CRM.Deal.Update", None) == 560.0
    assert op.snapshot_paused() == {"crm.deal.update": 560.0}


def test_budget_is_a_frozen_snapshot() -> None:
    b = RateBudget(tokens_left=1, capacity=2, drain=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.tokens_left = 5  # type: ignore[misc]


async def test_a_shared_budget_decides_the_waits_and_hears_of_refusals() -> None:
    class Shared:
        reserved = refusals = 0

        def reserve(self) -> float:
            self.reserved += 1
            return 0.0  # the team's bucket has room

        def refused(self) -> None:
            self.refusals += 1

    bucket = LeakyBucket(PLANS["standard"])
    bucket.shared = shared = Shared()
    for _ in range(100):  # alone, the client's own bucket would hold the 49th back
        await bucket.acquire()
    await bucket.note_refused()
    assert (shared.reserved, shared.refusals, bucket.waits) == (100, 1, 0)


class _TeamBucket:
    """A team's shared bucket as :class:`~bitrix_monitor.queue.team.TeamQueue` keeps it (the next slot,
    reserved by each runner in turn), here in memory."""

    def __init__(self, plan: RatePlan) -> None:
        self.bucket = LeakyBucket(plan)

    def reserve(self) -> float:
        return self.bucket.reserve()

    def refused(self) -> None:
        self.bucket.refused()


@pytest.mark.parametrize("budget", ["own", "shared"])
async def test_requests_held_back_by_a_stalled_loop_still_go_out_as_the_portal_admits_them(
    budget: str,
) -> None:
    """Callers waiting for their slots while the event loop stalls (a long step elsewhere in the process)
    must not all go out together when it resumes: the times they are let go conform to the portal's own
    bucket, which refuses none of them. A slot is taken when its caller's turn comes, not all at once; from
    the desk's own bucket and from a team's shared one alike."""
    plan = RatePlan(burst=5, drain=20)
    bucket = LeakyBucket(plan)
    if budget == "shared":
        bucket.shared = _TeamBucket(plan)
    sent: list[float] = []

    async def request() -> None:
        await bucket.acquire()
        sent.append(time.monotonic())

    tasks = [asyncio.create_task(request()) for _ in range(10)]
    await asyncio.sleep(0.01)  # the first go, the rest wait for their slots
    time.sleep(0.4)  # noqa: ASYNC251 -- the point: the loop stalls past every slot's time
    await asyncio.gather(*tasks)
    times = iter([min(sent), *sorted(sent)])  # the bucket reads the clock once when it is made
    portal = PortalBucket(plan, clock=lambda: next(times))
    admitted = [portal.try_acquire() for _ in sent]
    assert all(admitted), f"refused: {admitted}"


async def test_callers_waiting_on_a_shared_budget_that_fails_fail_together_not_one_after_another() -> None:
    """The team's database is out of reach: the shared source fails after its own retries (here 0.3 s).
    Callers that waited for their turn meanwhile fail at once with the same error, not each after a retry
    window of its own; a caller that comes after the failure tries the source again."""

    class Unreachable:
        calls = 0

        def reserve(self) -> float:
            self.calls += 1
            time.sleep(0.3)
            raise ConnectionError("team queue out of reach")

        def refused(self) -> None:
            pass

    bucket = LeakyBucket(PLANS["standard"])
    bucket.shared = shared = Unreachable()
    outcomes = await asyncio.gather(*(bucket.acquire() for _ in range(6)), return_exceptions=True)
    assert all(isinstance(o, ConnectionError) for o in outcomes), outcomes
    assert shared.calls == 1  # one retry window, not six in turn
    with pytest.raises(ConnectionError):
        await bucket.acquire()
    assert shared.calls == 2
