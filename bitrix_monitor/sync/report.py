"""The verification report: the facts the shop's review once checked by hand, computed on every run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from bitrix_monitor import localefmt
from bitrix_monitor.bitrix.ratelimit import PortalCost
from bitrix_monitor.kinds import COMPANY, ORDER, USER, Kind, kind
from bitrix_monitor.messages import Message, render
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
    taken_at: datetime | None = None  # when the reconcile behind it read both sides (aware)
    reconcile: str = "full"  # that reconcile read everything ("full") or what changed ("incremental")

    @classmethod
    def of(cls, snapshot: Snapshot, queue: QueueSummary) -> Report:
        return cls(dict(snapshot.counts), queue, snapshot.portal, snapshot.taken_at, snapshot.pass_kind)

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
        out["reconcile"] = self.reconcile
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def to_text(self, lang: str = "en") -> str:
        """The report for people, in ``lang`` (``en``, ``ru``): numbers as the language writes them, the
        time it was taken in this machine's zone, named. Words come from the message catalogue
        (:mod:`bitrix_monitor.messages`), the same the window translates with."""

        def say(code: str, **params: str | int) -> str:
            return render(Message(code, params), lang)

        def num(n: int) -> str:
            return localefmt.integer(n, lang)

        lines: list[str] = []
        if self.taken_at is not None:
            lines.append(say("report.taken", time=localefmt.moment(self.taken_at, lang)))
        blocks: list[tuple[str, list[tuple[str, int]]]] = []
        for k, c in self._shown():
            name = k.name
            rows = [
                (say(f"report.{name}.in_sync"), c.in_sync),
                (say(f"report.{name}.missing"), c.missing),
                (say(f"report.{name}.unlinked"), c.unlinked),
                (say(f"report.{name}.stale_link"), c.stale_link),
                (say("report.outdated"), c.outdated),
                (say(f"report.{name}.duplicated"), c.duplicated),
                (say(f"report.{name}.orphans"), c.orphans),
                (say("report.invalid"), c.invalid),
                (say(f"report.{name}.shared_link"), c.shared_link),
            ]
            if k is ORDER:
                rows += [
                    (say("report.changed_in_crm"), c.changed_in_crm + c.needs_stage_mapping),
                    (say("report.conflicts"), c.conflict),
                ]
            blocks.append((say(f"report.{name}.checked", n=c.checked), rows))
        width = max(len(label) for _title, rows in blocks for label, _n in rows) + 1
        for title, rows in blocks:
            lines.append(title)
            lines += [f"  {label + ':':<{width}} {num(n):>7}" for label, n in rows]
        lines.append(say("report.queue", **{key: num(getattr(self.queue, key)) for key in _QUEUE_KEYS}))
        if self.ok:
            parts = [say(f"report.ok.{k.name}", n=c.checked) for k, c in self._shown()]
            listed = say("report.and", first=", ".join(parts[:-1]), last=parts[-1]) if parts[1:] else parts[0]
            lines.append(say("report.ok", list=listed))
        else:
            lines.append(say("report.not_ok"))
        return "\n".join(lines)


def _block(c: EntityCounts) -> dict[str, int]:
    """A kind's counts as the JSON report has them: the push's keys as before, then the pull's two."""
    out = asdict(c)
    out["changed_in_crm"] = out.pop("changed_in_crm") + out.pop("needs_stage_mapping")
    out["conflicts"] = out.pop("conflict")
    return out
