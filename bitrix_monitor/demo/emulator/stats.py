"""Counters of what the emulator did, for tests, benchmarks and the demo."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class EmulatorStats:
    http_requests: int = 0  # every HTTP request received
    rejected_rate_limit: int = 0  # 503 QUERY_LIMIT_EXCEEDED from the leaky bucket (not injected faults)
    rejected_operating: int = 0  # 429 OPERATION_TIME_LIMIT (and the same refusal inside a batch)
    faults_fired: dict[str, int] = field(default_factory=dict)  # fault kind -> count
    executed: dict[str, int] = field(default_factory=dict)  # method -> calls that ran (batch items too)
    requests: dict[str, int] = field(default_factory=dict)  # method named in the URL -> HTTP requests served
    operating: dict[str, float] = field(default_factory=dict)  # method -> seconds it ran (batch items too)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def bump(self, counter: str) -> None:
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)

    def fault(self, kind: str) -> None:
        with self._lock:
            self.faults_fired[kind] = self.faults_fired.get(kind, 0) + 1

    def ran(self, method: str, seconds: float = 0.0) -> None:
        with self._lock:
            self.executed[method] = self.executed.get(method, 0) + 1
            self.operating[method] = self.operating.get(method, 0.0) + seconds

    def served(self, method: str) -> None:
        """One HTTP request for ``method`` (``batch`` for a batch) passed the limits and was answered."""
        with self._lock:
            self.requests[method] = self.requests.get(method, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "http_requests": self.http_requests,
                "rejected_rate_limit": self.rejected_rate_limit,
                "rejected_operating": self.rejected_operating,
                "faults_fired": dict(self.faults_fired),
                "executed": dict(self.executed),
                "requests": dict(self.requests),
                "operating": dict(self.operating),
            }

    def reset(self) -> None:
        with self._lock:
            self.http_requests = self.rejected_rate_limit = self.rejected_operating = 0
            self.faults_fired.clear()
            self.executed.clear()
            self.requests.clear()
            self.operating.clear()
