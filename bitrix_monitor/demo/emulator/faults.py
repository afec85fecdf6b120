"""Injected faults, deterministic with a seed.

``SPEC`` is a comma list of ``kind=probability``:

* ``e503`` — answer ``503 QUERY_LIMIT_EXCEEDED``; nothing runs.
* ``e500html`` — answer an HTML ``502 Bad Gateway`` page (what the portal's front proxy sends); nothing runs.
* ``lost`` — the call runs and commits, then the connection is closed with no answer.
* ``timeout`` (or ``timeout=P:SECONDS``) — nothing runs and no answer comes for 60 s (or SECONDS); then a
  ``504`` HTML page, if the client is still there.
* ``slow=P:SECONDS`` — the call runs, and its answer is sent SECONDS later.

Each request draws one number from ``random.Random(seed)``; the kinds share the unit interval in the order
given, so their probabilities must add up to at most 1.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

FAULT_KINDS = ("e503", "e500html", "lost", "timeout", "slow")
TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class FaultRule:
    kind: str
    probability: float
    seconds: float = 0.0

    def __str__(self) -> str:
        if self.kind == "slow" or (self.kind == "timeout" and self.seconds != TIMEOUT_SECONDS):
            return f"{self.kind}={self.probability:g}:{self.seconds:g}"
        return f"{self.kind}={self.probability:g}"


def _number(text: str, what: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"fault spec {spec!r}: {what} {text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"fault spec {spec!r}: {what} {text!r} is not a finite number")
    return value


def parse_faults(spec: str) -> tuple[FaultRule, ...]:
    """Parse ``e503=0.1,lost=0.05,slow=0.2:1.5``; raises ValueError with a message naming the problem."""
    text = (spec or "").strip()
    if text.lower() in ("", "none", "off"):
        return ()
    rules: list[FaultRule] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        kind, sep, rest = item.partition("=")
        kind = kind.strip().lower()
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault spec {spec!r}: unknown kind {kind!r} (use {', '.join(FAULT_KINDS)})")
        if not sep or not rest.strip():
            raise ValueError(f"fault spec {spec!r}: {kind} needs a probability ({kind}=P)")
        prob_text, colon, seconds_text = rest.partition(":")
        probability = _number(prob_text.strip(), "probability", spec)
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"fault spec {spec!r}: probability of {kind} must be between 0 and 1")
        seconds = TIMEOUT_SECONDS if kind == "timeout" else 0.0
        if colon:
            if kind not in ("slow", "timeout"):
                raise ValueError(f"fault spec {spec!r}: {kind} takes no duration")
            seconds = _number(seconds_text.strip(), "duration", spec)
            if seconds < 0:
                raise ValueError(f"fault spec {spec!r}: duration of {kind} must not be negative")
        elif kind == "slow":
            raise ValueError(f"fault spec {spec!r}: slow needs a delay (slow=P:SECONDS)")
        if any(r.kind == kind for r in rules):
            raise ValueError(f"fault spec {spec!r}: {kind} is given twice")
        rules.append(FaultRule(kind, probability, seconds))
    if sum(r.probability for r in rules) > 1.0 + 1e-9:
        raise ValueError(f"fault spec {spec!r}: the probabilities add up to more than 1")
    return tuple(rules)


class FaultInjector:
    def __init__(self, rules: tuple[FaultRule, ...] = (), seed: int | None = None) -> None:
        self._rules = rules
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        return self._rules

    def set_rules(self, rules: tuple[FaultRule, ...]) -> None:
        with self._lock:
            self._rules = rules

    def draw(self) -> FaultRule | None:
        """The fault for the next request, or None."""
        with self._lock:
            if not self._rules:
                return None
            point = self._random.random()
            edge = 0.0
            for rule in self._rules:
                edge += rule.probability
                if point < edge:
                    return rule
            return None
