"""The verification report: the facts the shop's review once checked by hand, computed on every run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from bitrix_monitor.bitrix.ratelimit import PortalCost
from bitrix_monitor.kinds import COMPANY, ORDER, USER, Kind, kind
from bitrix_monitor.sync.api import QueueSummary, Snapshot
from bitrix_monitor.sync.model import EntityCounts

_QUEUE_KEYS = ("queued", "running", "in_doubt", "failed", "dead", "done")
_NOT_PROBLEMS = ("checked", "in_sync")
_REPORT_ORDER = (ORDER, USER, COMPANY)  # the JSON keys "orders", "users", then "companies"


@dataclass(frozen=True)
class Report:
    """Counts per kind (dependencies first; a kind the shop does not map is absent) and the queue's."""

    counts: Mapping[str, EntityCounts]
    queue: QueueSummary
    portal: PortalCost = field(default_factory=PortalCost)  # what the reconcile behind it cost the portal

    @classmethod
    def of(cls, snapshot: Snapshot, queue: QueueSummary) -> Report:
        return cls(dict(snapshot.counts), queue, snapshot.portal)

    @property
    def orders(self) -> EntityCounts:
        return self.counts.get("order", EntityCounts())

    @property
    def users(self) -> EntityCounts:
        return self.counts.get("user", EntityCounts())

    def _shown(self) -> list[tuple[Kind, EntityCounts]]:
        """Orders and users always (the report's fixed keys), other kinds when the shop maps them."""
        return [(k, self.counts.get(k.name, EntityCounts())) for k in _REPORT_ORDER if k in self._kinds()]

    def _kinds(self) -> set[Kind]:
        return {ORDER, USER} | {kind(n) for n in self.counts}

    @property
    def ok(self) -> bool:
        """True exactly when every count but ``checked``, ``in_sync`` and ``done`` is zero."""
        entity_problems = any(
            v
            for _k, c in self._shown()
            for name, v in asdict(c).items()
            if name not in ("checked", "in_sync")
        )
        queue_problems = any(getattr(self.queue, k) for k in _QUEUE_KEYS if k != "done")
        return not entity_problems and not queue_problems

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k.plural: _block(c) for k, c in self._shown()}
        out["queue"] = {k: getattr(self.queue, k) for k in _QUEUE_KEYS}
        out["ok"] = self.ok
        out["portal"] = self.portal.to_dict()
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def to_text(self) -> str:
        lines: list[str] = []
        blocks: list[tuple[str, list[tuple[str, int]]]] = []
        for k, c in self._shown():
            noun, other = k.crm, k.crm_plural
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
            if k is ORDER:
                rows += [
                    ("changed in the CRM, not in the shop yet", c.changed_in_crm + c.needs_stage_mapping),
                    ("changed on both sides (conflicts)", c.conflict),
                ]
            blocks.append((f"{k.plural.capitalize()}: {c.checked} checked", rows))
        width = max(len(label) for _title, rows in blocks for label, _n in rows) + 1
        for title, rows in blocks:
            lines.append(title)
            lines += [f"  {label + ':':<{width}} {n:>7}" for label, n in rows]
        q = self.queue
        lines.append(
            f"Queue: {q.queued} queued, {q.running} running, {q.in_doubt} in doubt, {q.failed} failed, "
            f"{q.dead} dead, {q.done} done"
        )
        if self.ok:
            parts = [
                f"all {c.checked} {k.plural} have exactly one {k.crm}"
                if k is ORDER
                else f"all {c.checked} {k.plural} exactly one {k.crm}"
                for k, c in self._shown()
            ]
            lines.append(f"OK: {', '.join(parts[:-1])} and {parts[-1]}, in sync.")
        else:
            lines.append("NOT OK: problems remain (see above).")
        return "\n".join(lines)


def _block(c: EntityCounts) -> dict[str, int]:
    """A kind's counts as the JSON report has them: the push's keys as before, then the pull's two."""
    out = asdict(c)
    out["changed_in_crm"] = out.pop("changed_in_crm") + out.pop("needs_stage_mapping")
    out["conflicts"] = out.pop("conflict")
    return out
