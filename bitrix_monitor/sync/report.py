"""The verification report: the facts the shop's review once checked by hand, computed on every run."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from bitrix_monitor.sync.api import QueueSummary, Snapshot
from bitrix_monitor.sync.model import EntityCounts

_QUEUE_KEYS = ("queued", "running", "in_doubt", "failed", "dead", "done")


@dataclass(frozen=True)
class Report:
    orders: EntityCounts
    users: EntityCounts
    queue: QueueSummary

    @classmethod
    def of(cls, snapshot: Snapshot, queue: QueueSummary) -> Report:
        return cls(snapshot.order_counts, snapshot.user_counts, queue)

    @property
    def ok(self) -> bool:
        """True exactly when every count but ``checked``, ``in_sync`` and ``done`` is zero."""
        entity_problems = any(
            v
            for c in (self.orders, self.users)
            for k, v in asdict(c).items()
            if k not in ("checked", "in_sync")
        )
        queue_problems = any(getattr(self.queue, k) for k in _QUEUE_KEYS if k != "done")
        return not entity_problems and not queue_problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "orders": asdict(self.orders),
            "users": asdict(self.users),
            "queue": {k: getattr(self.queue, k) for k in _QUEUE_KEYS},
            "ok": self.ok,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def to_text(self) -> str:
        lines = []
        for title, c, noun, other in (
            ("Orders", self.orders, "deal", "deals"),
            ("Users", self.users, "contact", "contacts"),
        ):
            lines.append(f"{title}: {c.checked} checked")
            rows = [
                (f"with exactly one {noun}, in sync", c.in_sync),
                (f"missing a {noun}", c.missing),
                (f"{noun} exists but is not linked", c.unlinked),
                (f"linked to a deleted {noun}", c.stale_link),
                ("outdated in the portal", c.outdated),
                (f"with duplicate {other}", c.duplicated),
                (f"portal {other} with no shop row", c.orphans),
                ("to fix in the shop (see notes)", c.invalid),
                (f"sharing a {noun} with another record", c.shared_link),
            ]
            width = 34  # the longest label, "contact exists but is not linked", and room
            lines += [f"  {label + ':':<{width + 1}} {n:>7}" for label, n in rows]
        q = self.queue
        lines.append(
            f"Queue: {q.queued} queued, {q.running} running, {q.in_doubt} in doubt, {q.failed} failed, "
            f"{q.dead} dead, {q.done} done"
        )
        if self.ok:
            lines.append(
                f"OK: all {self.orders.checked} orders have exactly one deal and "
                f"all {self.users.checked} users exactly one contact, in sync."
            )
        else:
            lines.append("NOT OK: problems remain (see above).")
        return "\n".join(lines)
