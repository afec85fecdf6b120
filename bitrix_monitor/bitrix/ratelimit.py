"""Client-side copies of the portal's two limits, so that in steady state the portal never has to refuse.

* :class:`LeakyBucket` -- the request-rate limit: every HTTP request (a batch counts once) fills the bucket
  by one, the portal drains ``drain`` per second and refuses when more than ``burst`` are in it. Implemented
  as a generic cell-rate algorithm: each request reserves the next slot and waits for it under a lock, so
  concurrent callers are served in order, the long-run rate is exactly ``drain``, and callers a stalled
  event loop held back go out no faster than the bucket admits when it resumes. Runners sharing a
  team queue take their slots from a :class:`SlotSource` instead: one bucket in the queue's database, so
  the portal's one limit is shared by every runner, not granted to each.
* :class:`OperatingTracker` -- the per-method operating-time limit: the portal reports in every answer how
  many seconds of execution a method used in the last 10 minutes (``time.operating``, also per batch command
  in ``result_time``). Near the budget calls of that method are spaced out; at the budget (or on a 429) the
  method is paused until ``operating_reset_at``. Runners sharing a queue keep these figures in an
  :class:`OperatingSource` instead (the queue's database; for a desk's file, the next run): what one runner
  heard of a method's budget holds every runner back, and the one-call-a-second near the budget is the
  team's, not each runner's.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bitrix_monitor.config import RatePlan

Clock = Callable[[], float]


@dataclass(frozen=True)
class PortalCost:
    """What the portal was asked and charged: HTTP requests made (retries included) and, per method called
    (lower case), the operating time it consumed in seconds: how far the portal's ``time.operating`` for the
    method rose, or the call's own processing time where there is no earlier value to rise from."""

    requests: int = 0
    operating_s: Mapping[str, float] = field(default_factory=dict)
    calls: Mapping[str, int] = field(default_factory=dict)

    def since(self, before: PortalCost) -> PortalCost:
        """What was spent after ``before`` was taken (methods called since, each with its share)."""
        called = [m for m, n in self.calls.items() if n > before.calls.get(m, 0)]
        return PortalCost(
            self.requests - before.requests,
            {m: round(max(0.0, self.operating_s[m] - before.operating_s.get(m, 0.0)), 3) for m in called},
            {m: self.calls[m] - before.calls.get(m, 0) for m in called},
        )

    def to_dict(self) -> dict[str, object]:
        return {"requests": self.requests, "operating_s": dict(sorted(self.operating_s.items()))}


@dataclass(frozen=True)
class RateBudget:
    """A snapshot of the client's view of the portal limits, for the UI."""

    tokens_left: float  # requests that may go out right now without waiting
    capacity: float  # burst size used by the client (a little under the portal's)
    drain: float  # requests per second in steady state
    operating: Mapping[str, float] = field(default_factory=dict)  # method -> seconds used in the window
    operating_limit: float = 480.0
    paused: Mapping[str, float] = field(default_factory=dict)  # method -> unix time it may run again
    requests: int = 0  # HTTP requests sent
    throttled_waits: int = 0  # requests the client held back to stay under the rate limit
    throttled_seconds: float = 0.0  # the time they were held back, in all
    rate_limited: int = 0  # QUERY_LIMIT_EXCEEDED answers received (each retried)
    operation_limited: int = 0  # OPERATION_TIME_LIMIT answers received


class SlotSource(Protocol):
    """A request budget kept elsewhere (shared by several processes). Blocking calls: run off the loop."""

    def reserve(self) -> float:
        """Take the next slot; returns how long to wait before sending (0 = now)."""

    def refused(self) -> None:
        """The portal refused a request: treat the shared bucket as full."""


# What an :class:`OperatingSource` knows of a method before a call: the seconds used in the window (None:
# unknown), when its oldest bucket drops out, until when it is paused, and how long this call is to wait for
# its turn near the budget (0: go).
OperatingState = tuple[float | None, float | None, float | None, float]
# An answer's figure for a method: (method, operating seconds, operating_reset_at, when it was measured).
OperatingSeen = tuple[str, float, float | None, float]


class OperatingSource(Protocol):
    """The operating-time budget per method kept elsewhere (shared by several processes, and outliving one).
    Methods are keys of :meth:`OperatingTracker.key`; times are unix seconds. Blocking calls: run off the
    loop."""

    def before_call(self, method: str, *, slow_at: float, spacing: float, now: float) -> OperatingState:
        """What is known of ``method``; near the budget (``slow_at`` seconds used) this also takes the
        method's next turn, ``spacing`` seconds after the previous one. A pause that ended is forgotten with
        the figure it was based on."""

    def seen(self, figures: Sequence[OperatingSeen], pauses: Mapping[str, float]) -> None:
        """Record answers' figures (a newer measurement replaces an older one) and pauses (the later end
        wins)."""


class LeakyBucket:
    def __init__(self, plan: RatePlan | None, *, clock: Clock = time.monotonic, margin: float = 2.0) -> None:
        self.plan = plan
        self.shared: SlotSource | None = None
        self._clock = clock
        self._lock = asyncio.Lock()
        if plan is None:
            self.capacity = float("inf")
            self.interval = 0.0
        else:
            # Headroom: the portal counts a request when it gets round to it, we count at sending; when
            # its processing lags, requests sent apart are counted together.
            self.capacity = max(1.0, plan.burst - margin)
            self.interval = 1.0 / plan.drain
        self._tat = 0.0  # theoretical arrival time of the next request (GCRA)
        # When the shared source last failed (its database out of reach, its own retries spent), with what
        self._shared_failed: tuple[float, BaseException] | None = None
        self.waits = 0
        self.waited = 0.0

    @property
    def drain(self) -> float:
        return self.plan.drain if self.plan is not None else float("inf")

    def _tolerance(self) -> float:
        return (self.capacity - 1.0) * self.interval

    def tokens_left(self) -> float:
        if self.plan is None:
            return float("inf")
        backlog = max(0.0, self._tat - self._clock())
        return max(0.0, self.capacity - backlog / self.interval)

    def reserve(self) -> float:
        """Take the next slot; returns how long to wait before sending (0 = now)."""
        if self.plan is None:
            return 0.0
        now = self._clock()
        tat = max(self._tat, now)
        wait = max(0.0, tat - self._tolerance() - now)
        self._tat = tat + self.interval
        if wait > 0:
            self.waits += 1
            self.waited += wait
        return wait

    async def acquire(self) -> None:
        if self.plan is None:
            return
        # The slot is taken when this caller's turn comes and waited for in turn: callers that all took
        # theirs at once and slept apart would all wake together after a stall of the loop (a long step
        # elsewhere in the process) and go out at once, more than the portal's burst admits. The same holds
        # for slots of a team's shared bucket: this process's callers take theirs one after another.
        arrived = time.monotonic()
        async with self._lock:
            if self.shared is None:
                wait = self.reserve()
            else:
                wait = await self._reserve_shared(arrived)
            if wait > 0:
                await asyncio.sleep(wait)

    async def _reserve_shared(self, arrived: float) -> float:
        """A slot from the shared source. When it failed while this caller waited for its turn (tried on its
        behalf, its own retries spent), the caller fails at once with the same error rather than trying again
        in turn: callers held up behind an unreachable database fail together, not one retry window after
        another."""
        failed = self._shared_failed
        if failed is not None and failed[0] >= arrived:
            raise copy.copy(failed[1])
        assert self.shared is not None
        try:
            wait = await asyncio.to_thread(self.shared.reserve)
        except Exception as exc:
            self._shared_failed = (time.monotonic(), exc)
            raise
        self._shared_failed = None
        if wait > 0:
            self.waits += 1
            self.waited += wait
        return wait

    async def note_refused(self) -> None:
        """The portal answered QUERY_LIMIT_EXCEEDED: fill our bucket, and the shared one."""
        self.refused()
        if self.shared is not None and self.plan is not None:
            await asyncio.to_thread(self.shared.refused)

    def refused(self) -> None:
        """The portal answered QUERY_LIMIT_EXCEEDED: its bucket is full, so treat ours as full too."""
        if self.plan is None:
            return
        now = self._clock()
        self._tat = max(self._tat, now + self._tolerance() + self.interval)


class OperatingTracker:
    """Per-method operating seconds as reported by the portal, and pauses."""

    def __init__(
        self,
        *,
        limit: float = 480.0,
        slow_fraction: float = 0.8,
        pause_fraction: float = 0.95,
        wall: Clock = time.time,
    ) -> None:
        self.limit = limit
        self.slow_fraction = slow_fraction
        self.pause_fraction = pause_fraction
        self._wall = wall
        self.used: dict[str, float] = {}
        self.reset_at: dict[str, float] = {}
        self.paused_until: dict[str, float] = {}
        self._next_slow_call: dict[str, float] = {}

    @staticmethod
    def key(method: str) -> str:
        return method.lower().removesuffix(".json")

    def observe(self, method: str, operating: float | None, reset_at: float | None) -> None:
        if operating is None:
            return
        m = self.key(method)
        self.used[m] = operating
        if reset_at is not None:
            self.reset_at[m] = reset_at
        if operating >= self.limit * self.pause_fraction:
            self.pause(m, reset_at)

    def pause(self, method: str, until: float | None) -> float:
        """Pause a method until ``until`` (unix time; a minute from now if unknown). Returns the time."""
        m = self.key(method)
        if until is None or until <= self._wall():
            until = self.reset_at.get(m) or 0.0
            if until <= self._wall():
                until = self._wall() + 60.0
        self.paused_until[m] = max(self.paused_until.get(m, 0.0), until)
        return self.paused_until[m]

    def adopt(self, method: str, state: OperatingState) -> float:
        """Take what the shared source knows of ``method`` as ours; returns the seconds to wait before
        calling it (the source has spaced the calls near the budget already)."""
        m = self.key(method)
        used, reset_at, paused_until, wait = state
        if used is None:
            self.used.pop(m, None)
        else:
            self.used[m] = used
        if reset_at is not None:
            self.reset_at[m] = reset_at
        now = self._wall()
        until = max(paused_until or 0.0, self.paused_until.get(m, 0.0))
        if until > now:
            self.paused_until[m] = until
            return until - now
        self.paused_until.pop(m, None)
        return max(0.0, wait)

    def delay(self, method: str) -> float:
        """Seconds to wait before calling ``method`` (0 when it is free to go)."""
        m = self.key(method)
        now = self._wall()
        until = self.paused_until.get(m)
        if until is not None:
            if until > now:
                return until - now
            del self.paused_until[m]
            self.used.pop(m, None)  # the window moved on; the next answer tells the new figure
        used = self.used.get(m, 0.0)
        if used >= self.limit * self.slow_fraction:
            # Close to the budget: at most one call of this method per second.
            nxt = self._next_slow_call.get(m, 0.0)
            wait = max(0.0, nxt - now)
            self._next_slow_call[m] = max(nxt, now) + 1.0
            return wait
        return 0.0

    def snapshot_used(self) -> dict[str, float]:
        return dict(self.used)

    def snapshot_paused(self) -> dict[str, float]:
        now = self._wall()
        return {m: t for m, t in self.paused_until.items() if t > now}
