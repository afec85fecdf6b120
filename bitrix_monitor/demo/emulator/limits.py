"""The two limits of a cloud portal (reference §5).

* :class:`LeakyBucket` — the request-rate limit per portal: every HTTP request (a batch counts once) adds 1
  to a counter that drains ``drain`` per second; a request that would take it past ``burst`` is refused with
  ``503 QUERY_LIMIT_EXCEEDED`` before anything runs.
* :class:`OperatingLimiter` — the resource limit per method: the method's execution time summed over ten
  one-minute buckets. When the sum already exceeds the limit the call is refused with
  ``429 OPERATION_TIME_LIMIT`` before it runs; the call that pushes it over is allowed to finish. As in the
  portal's ``LoadLimiter``, a request's time for a method is recorded only when it exceeds 0.1 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bitrix_monitor.config import RatePlan, parse_plan

BUCKET_SECONDS = 60
BUCKET_COUNT = 10
MINIMAL_FIX_TIME = 0.1


def parse_limits(text: str) -> RatePlan | None:
    """``off`` → None (no rate limit); ``standard``, ``enterprise``, ``burst=X,drain=Y`` → a plan.

    Raises :class:`bitrix_monitor.errors.ConfigError` for anything else.
    """
    if text.strip().lower() == "off":
        return None
    return parse_plan(text.strip())


class LeakyBucket:
    def __init__(self, plan: RatePlan, clock: Callable[[], float] = time.monotonic) -> None:
        self.plan = plan
        self._clock = clock
        self._level = 0.0
        self._stamp = clock()
        self._lock = threading.Lock()

    def _drain(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._stamp) * self.plan.drain)
        self._stamp = now

    def try_acquire(self) -> bool:
        """Admit one request (True) or refuse it (False); a refused request does not fill the bucket."""
        with self._lock:
            self._drain()
            if self._level + 1.0 > self.plan.burst + 1e-9:
                return False
            self._level += 1.0
            return True

    @property
    def level(self) -> float:
        with self._lock:
            self._drain()
            return self._level


@dataclass
class Hit:
    """One HTTP request's calls, per method: their execution times and when the first one started."""

    started: float = field(default_factory=time.time)
    times: dict[str, list[float]] = field(default_factory=dict)

    def record(self, method: str, seconds: float) -> None:
        self.times.setdefault(method, []).append(seconds)


class OperatingLimiter:
    """Execution time per method over the last ten minutes (one webhook, so per method only)."""

    def __init__(self, limit: float, *, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self._clock = clock
        # method -> bucket number -> [seconds, expires_at]
        self._buckets: dict[str, dict[int, list[float]]] = {}
        self._lock = threading.Lock()

    def _live(self, method: str, now: float) -> dict[int, list[float]]:
        current = int(now // BUCKET_SECONDS)
        buckets = self._buckets.get(method, {})
        for number in [
            n for n, (_, expires) in buckets.items() if n <= current - BUCKET_COUNT or expires <= now
        ]:
            del buckets[number]
        return buckets

    def used(self, method: str, hit: Hit | None = None) -> float:
        """Seconds ``method`` has used in the window, including this request's calls that count."""
        with self._lock:
            total = sum(seconds for seconds, _ in self._live(method, self._clock()).values())
        if hit is not None:
            total += sum(t for t in hit.times.get(method, []) if t > MINIMAL_FIX_TIME)
        return total

    def is_blocked(self, method: str, hit: Hit | None = None) -> bool:
        return self.used(method, hit) > self.limit

    def reset_at(self, method: str, hit: Hit | None = None) -> int:
        """When the oldest recorded bucket of ``method`` drops out (else ten minutes after this request)."""
        with self._lock:
            buckets = self._live(method, self._clock())
            for number in sorted(buckets):
                seconds, expires = buckets[number]
                if seconds > 0:
                    return int(expires)
        started = hit.started if hit is not None else self._clock()
        return int(started + BUCKET_SECONDS * BUCKET_COUNT)

    def commit(self, hit: Hit) -> None:
        """Record a finished request: per method, its summed time when that exceeds 0.1 s."""
        now = self._clock()
        number = int(now // BUCKET_SECONDS)
        with self._lock:
            for method, times in hit.times.items():
                spent = sum(times)
                if spent <= MINIMAL_FIX_TIME:
                    continue
                buckets = self._buckets.setdefault(method, {})
                bucket = buckets.get(number)
                if bucket is None:
                    buckets[number] = [spent, hit.started + BUCKET_SECONDS * BUCKET_COUNT]
                else:
                    bucket[0] += spent

    def snapshot(self) -> dict[str, float]:
        """Seconds used per method, for tests and the demo's budget display."""
        with self._lock:
            now = self._clock()
            return {m: sum(s for s, _ in self._live(m, now).values()) for m in list(self._buckets)}
