"""An in-memory, deterministic :class:`~bitrix_monitor.sync.api.MonitorApi` for the desktop window's tests
and the screenshot script.

200 orders and 50 users with a few records in every state. ``apply`` queues jobs and marks the records
queued; the fake runner (``run_once``, or a background task with ``auto_run``) marks them in sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bitrix_monitor.bitrix.ratelimit import PortalCost
from bitrix_monitor.config import AppConfig
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.messages import Message
from bitrix_monitor.sync.api import (
    ActivityEntry,
    BudgetLine,
    FieldOwnership,
    MergePreview,
    Outage,
    ProgressCallback,
    QueueRow,
    QueueSummary,
    RecordChanges,
    RunnerStatus,
    Snapshot,
)
from bitrix_monitor.sync.archive import ArchivedRecord
from bitrix_monitor.sync.model import (
    PORTAL_ENTITY,
    DuplicateEvidence,
    EntityCounts,
    EntityType,
    FieldDiff,
    Orphan,
    Plan,
    PlannedJob,
    Progress,
    QueueMark,
    RecordState,
    RecordStatus,
)
from bitrix_monitor.sync.restore import RestoreOutcome

BASE_TIME = datetime(2026, 11, 29, 9, 0, 0)
PORTAL = "https://example.bitrix24.com"


@dataclass
class _Record:
    entity: EntityType
    key: str
    label: str
    state: RecordState
    stored_id: int | None
    portal_id: int | None
    shop_values: dict[str, str]
    portal_values: dict[str, str] = field(default_factory=dict)
    duplicates: tuple[DuplicateEvidence, ...] = ()
    note: str = ""
    queue: QueueMark = QueueMark.NONE
    last_error: str = ""
    last_synced: datetime | None = None

    def status(self) -> RecordStatus:
        diffs = tuple(
            FieldDiff(name, self.shop_values.get(name), self.portal_values.get(name))
            for name in self.shop_values
            if self.portal_values and self.shop_values.get(name) != self.portal_values.get(name)
        )
        return RecordStatus(
            entity=self.entity,
            key=self.key,
            label=self.label,
            stored_id=self.stored_id,
            portal_id=self.portal_id,
            state=self.state,
            diffs=diffs if self.state is RecordState.OUTDATED else (),
            duplicates=self.duplicates,
            note=self.note,
            shop_values=dict(self.shop_values),
            portal_values=dict(self.portal_values),
            queue=self.queue,
            last_error=self.last_error,
            last_synced=self.last_synced,
        )


def _state_for(i: int) -> RecordState:
    if i % 10 == 3:
        return RecordState.MISSING
    if i % 25 == 7:
        return RecordState.OUTDATED
    if i % 40 == 11:
        return RecordState.DUPLICATED
    if i % 50 == 19:
        return RecordState.STALE_LINK
    if i % 50 == 29:
        return RecordState.UNLINKED
    if i % 50 == 39:
        return RecordState.SHARED_LINK
    return RecordState.IN_SYNC


def _make(entity: EntityType, i: int) -> _Record:
    state = _state_for(i)
    portal_id = (1000 if entity == "order" else 5000) + i
    if entity == "order":
        label = f"Order #{i} - svc{i % 7}"
        shop = {"TITLE": label, "OPPORTUNITY": f"{i * 10}.00", "CURRENCY_ID": "RUB", "STAGE_ID": "NEW"}
    else:
        label = f"User {i:03d}"
        shop = {"NAME": label, "EMAIL": f"user{i}@example.com", "PHONE": f"+7900{i:07d}"}
    rec = _Record(entity, str(i), label, state, portal_id, portal_id, shop, dict(shop))
    rec.last_synced = BASE_TIME - timedelta(minutes=i)
    if state is RecordState.MISSING:
        rec.stored_id = rec.portal_id = None
        rec.portal_values = {}
        rec.last_synced = None
    elif state is RecordState.OUTDATED:
        first = next(iter(shop))
        rec.portal_values[first] = shop[first] + " (old)"
    elif state is RecordState.DUPLICATED:
        rec.duplicates = (DuplicateEvidence((portal_id, portal_id + 90000), "origin id", str(i)),)
    elif state is RecordState.STALE_LINK:
        rec.portal_id = None
        rec.portal_values = {}
        rec.note = f"stored id {portal_id}: portal answered Not found"
    elif state is RecordState.UNLINKED:
        rec.stored_id = None
        rec.note = f"portal has {PORTAL_ENTITY[entity]} {portal_id} with origin id {i}"
    elif state is RecordState.SHARED_LINK:
        also = Message("evidence.also_stored", {"shop_entity": entity, "others": str(i + 1)})
        rec.duplicates = (DuplicateEvidence((portal_id,), "shared link", also, cleanable=False),)
        rec.note = f"{PORTAL_ENTITY[entity]} {portal_id} is {also}; no record clearly matches it"
    return rec


_CREATE_STATES = {RecordState.MISSING, RecordState.STALE_LINK}
_UPDATE_STATES = {RecordState.OUTDATED, RecordState.UNLINKED}


class FakeService:
    """Implements ``MonitorApi`` (what the window uses) and ``ConnectionTests`` (what the settings dialog
    uses)."""

    def __init__(self, orders: int = 200, users: int = 50, *, auto_run: bool = False, tick: float = 0.01):
        self.records: dict[tuple[str, str], _Record] = {}
        for i in range(1, orders + 1):
            self.records[("order", str(i))] = _make("order", i)
        for i in range(1, users + 1):
            self.records[("user", str(i))] = _make("user", i)
        self.jobs: dict[int, QueueRow] = {}
        self._job_keys: dict[int, tuple[str, str]] = {}
        self._activity: list[ActivityEntry] = []
        self._paused = False
        self._next_id = 1
        self.auto_run = auto_run
        self.tick = tick
        self.fail_keys: set[str] = set()  # records whose jobs fail
        self.closed = False
        self.snapshots_taken = 0
        self._runner: asyncio.Task[None] | None = None
        self.done_per_minute: dict[int, list[int]] = {}
        self.status = ""  # what the runner says (runner_status)
        self.resolved: list[tuple[str, str, str]] = []  # conflicts settled: (kind, key, "crm" | "shop")
        # Two deals and a contact a cleanup merged away; restoring the deal of order 51 re-points the order.
        self.archive = [
            _archived("deal", 1090, "11", 1011, "Order #11 - svc4 (copy)"),
            _archived("deal", 1091, "51", 1051, "Order #51 - svc2 (copy)"),
            _archived("contact", 5099, "11", 5011, "", name=("Анна", "Иванова")),
        ]
        self.restores: list[Path] = []
        self.down: tuple[Outage, ...] = ()  # what the fake cannot reach (set by a test)

    # -- MonitorApi ---------------------------------------------------------------------------------
    async def snapshot(self, progress: ProgressCallback | None = None, *, full: bool = False) -> Snapshot:
        self.full_snapshots = getattr(self, "full_snapshots", 0) + full
        total = len(self.records)
        for n, stage in enumerate(("reading shop", "reading portal deals", "comparing")):
            if progress:
                progress(Progress(stage, n * total // 3, total))
            await asyncio.sleep(0)
        orders = [r.status() for (e, _k), r in self.records.items() if e == "order"]
        users = [r.status() for (e, _k), r in self.records.items() if e == "user"]
        orphans = [Orphan("deal", 99001, "9999", "Order #9999 - deleted in shop")]
        snap = Snapshot(
            records={"user": users, "order": orders},
            counts={"user": _counts(users, orphans=0), "order": _counts(orders, orphans=1)},
            orphans=orphans,
            plan=Plan(()),
            taken_at=BASE_TIME,
            # What a reconcile of this size costs a real portal: a probe per list, a page of each.
            portal=PortalCost(4, {"crm.contact.list": 0.012, "crm.deal.list": 0.25}, {}),
        )
        plan = Plan(
            self.plan_for(snap, "order", [r.key for r in orders], "sync").jobs
            + self.plan_for(snap, "user", [r.key for r in users], "sync").jobs
        )
        self.snapshots_taken += 1
        if progress:
            progress(Progress("done", total, total))
        return dataclasses.replace(snap, plan=plan)

    async def refresh(self, progress: ProgressCallback | None = None, *, full: bool = False) -> Snapshot:
        self.refreshes = getattr(self, "refreshes", 0) + 1  # a real service pulls the CRM's changes first
        return await self.snapshot(progress, full=full)

    def plan_for(self, snapshot: Snapshot, entity: str, keys: Sequence[str], action: str) -> Plan:
        statuses = {r.key: r for r in (snapshot.orders if entity == "order" else snapshot.users)}
        portal = PORTAL_ENTITY["order" if entity == "order" else "user"]
        jobs = []
        for key in keys:
            rec = statuses.get(key)
            if rec is None or rec.queue in (QueueMark.QUEUED, QueueMark.RUNNING):
                continue
            kind = None
            if action == "create" and rec.state in _CREATE_STATES:
                kind = "create"
            elif action == "update" and rec.state in {*_UPDATE_STATES, RecordState.IN_SYNC}:
                kind = "update"
            elif action == "cleanup" and rec.state is RecordState.DUPLICATED:
                kind = "cleanup"
            elif action == "relink" and rec.state is RecordState.UNLINKED:
                kind = "update"
            elif action == "sync":
                kind = {
                    RecordState.MISSING: "create",
                    RecordState.STALE_LINK: "create",
                    RecordState.OUTDATED: "update",
                    RecordState.UNLINKED: "update",
                    RecordState.DUPLICATED: "cleanup",
                }.get(rec.state)
            if kind:
                stale = {"stale_id": rec.stored_id} if rec.state is RecordState.STALE_LINK else None
                jobs.append(PlannedJob(f"{portal}.{kind}", key, rec.state.label, stale))
        return Plan(tuple(jobs))

    async def apply(self, plan: Plan, *, actor: str = "staff") -> int:
        await asyncio.sleep(0)
        for job in plan.jobs:
            entity = "order" if job.kind.startswith("deal") else "user"
            job_id = self._next_id
            self._next_id += 1
            self.jobs[job_id] = QueueRow(
                job_id, job.kind, job.entity_key, "queued", 0, BASE_TIME, "", "", actor, BASE_TIME
            )
            self._job_keys[job_id] = (entity, job.entity_key)
            self.records[(entity, job.entity_key)].queue = QueueMark.QUEUED
        for kind, n in plan.counts().items():
            self._log(actor, f"queued {n} {kind}")
        if self.auto_run and (self._runner is None or self._runner.done()):
            self._runner = asyncio.ensure_future(self._run_forever())
        return len(plan)

    async def queue_rows(self, *, states: Sequence[str] | None = None, limit: int = 5000) -> list[QueueRow]:
        await asyncio.sleep(0)
        rows = [j for j in self.jobs.values() if states is None or j.state in states]
        return sorted(rows, key=lambda j: j.id, reverse=True)[:limit]

    async def queue_summary(self) -> QueueSummary:
        await asyncio.sleep(0)
        counts: dict[str, int] = {}
        for j in self.jobs.values():
            counts[j.state] = counts.get(j.state, 0) + 1
        return QueueSummary(**counts)

    async def retry_jobs(self, ids: Sequence[int]) -> int:
        n = 0
        for job_id in ids:
            job = self.jobs.get(job_id)
            if job and job.state in ("failed", "dead", "in_doubt", "cancelled"):
                self.jobs[job_id] = dataclasses.replace(
                    job, state="queued", last_error="", error_signature=""
                )
                self.records[self._job_keys[job_id]].queue = QueueMark.QUEUED
                n += 1
        self._log("staff", f"retried {n} jobs")
        return n

    async def cancel_jobs(self, ids: Sequence[int]) -> int:
        n = 0
        for job_id in ids:
            job = self.jobs.get(job_id)
            if job and job.state in ("queued", "failed", "in_doubt", "dead"):
                self.jobs[job_id] = dataclasses.replace(job, state="cancelled")
                self.records[self._job_keys[job_id]].queue = QueueMark.NONE
                n += 1
        self._log("staff", f"cancelled {n} jobs")
        return n

    async def resolve_conflict(self, kind: str, key: str, take: str) -> Message:
        """A conflict settled by a person: the record is in sync afterwards (whichever side was taken)."""
        await asyncio.sleep(0)
        rec = self.records[(kind, key)]  # type: ignore[index]
        assert rec.state is RecordState.CONFLICT
        rec.state = RecordState.IN_SYNC
        rec.note = ""
        self.resolved.append((kind, key, take))
        said = {"shop_entity": kind, "key": key, "fields": "STAGE_ID"}
        return Message("resolve.took_crm" if take == "crm" else "resolve.kept_shop", said)

    async def job_history(self, entity: str, key: str) -> list[str]:
        await asyncio.sleep(0)
        lines = [
            f"job {j.id} {j.kind}: {j.state}" + (f" ({j.last_error})" if j.last_error else "")
            for job_id, j in sorted(self.jobs.items())
            if self._job_keys[job_id] == (entity, key)
        ]
        return lines or ["no jobs yet"]

    async def record_changes(self, entity: str, key: str) -> RecordChanges:
        """Orders' stages travel both ways (the default owner); everything else is the shop's."""
        await asyncio.sleep(0)
        owned = (FieldOwnership("STAGE_ID", "both", agreed="EXECUTING"),) if entity == "order" else ()
        return RecordChanges(owned, datetime(2026, 11, 30, 6, 0, tzinfo=UTC), app_user=1)

    def pause_runner(self) -> None:
        self._paused = True
        self._log("staff", "paused the runner")

    def resume_runner(self) -> None:
        self._paused = False
        self._log("staff", "resumed the runner")

    @property
    def runner_paused(self) -> bool:
        return self._paused

    def budget(self) -> BudgetLine:
        busy = sum(1 for j in self.jobs.values() if j.state == "queued")
        return BudgetLine(
            tokens_left=max(0.0, 50.0 - busy), capacity=50.0, drain_per_s=2.0, operating={"crm.deal.add": 1.5}
        )

    def activity(self) -> list[ActivityEntry]:
        return list(self._activity)

    # This desk's own queue: no team, no runners, no team audit trail.
    async def team_activity(self) -> list[ActivityEntry]:
        return []

    async def team_runners(self) -> list[RunnerStatus]:
        return []

    @property
    def team_queue(self) -> str:
        return ""

    def record_url(self, entity: str, portal_id: int) -> str | None:
        kind = "deal" if entity in ("order", "deal") else "contact"
        return f"{PORTAL}/crm/{kind}/details/{portal_id}/"

    @property
    def runner_status(self) -> str:
        return self.status

    # -- the archive and cleanups -------------------------------------------------------------------
    def archived(self) -> list[ArchivedRecord]:
        return list(self.archive)

    async def restore_archived(self, path: Path) -> RestoreOutcome:
        await asyncio.sleep(0)
        self.restores.append(path)
        i, rec = next((i, r) for i, r in enumerate(self.archive) if r.path == path)
        if rec.restored_as is not None:
            return RestoreOutcome(rec.restored_as, Message.plain("restored already"), already=True)
        new_id = 7000 + len(self.restores)
        self.archive[i] = dataclasses.replace(rec, restored_as=new_id)
        self._log("staff", f"restored {rec.entity} {rec.portal_id} from the archive as {new_id}")
        return RestoreOutcome(new_id, "restored", repointed=rec.shop_key == "51")

    def outages(self) -> tuple[Outage, ...]:
        return self.down

    async def unlink(self, entity: str, links: Sequence[tuple[str, int]]) -> int:
        await asyncio.sleep(0)
        n = 0
        for key, stale in links:
            rec = self.records[(entity, key)]
            if rec.state is RecordState.STALE_LINK and rec.stored_id == stale:
                rec.stored_id, rec.state, rec.note = None, RecordState.MISSING, ""
                n += 1
        self._log("staff", f"unlinked {n}")
        return n

    async def cleanup_preview(self, plan: Plan) -> list[MergePreview]:
        await asyncio.sleep(0)
        out = []
        for job in plan.jobs:
            if not job.kind.endswith(".cleanup"):
                continue
            entity = "order" if job.kind.startswith("deal") else "user"
            rec = self.records[(entity, job.entity_key)]
            ids = sorted({i for d in rec.duplicates for i in d.ids})
            survivor = rec.stored_id if rec.stored_id in ids else min(ids)
            fields = {
                i: {**rec.portal_values, "DATE_CREATE": f"2026-11-{1 + n:02d}T10:00:00+03:00"}
                for n, i in enumerate(ids)
            }
            out.append(
                MergePreview(
                    job.kind.split(".")[0],
                    job.entity_key,
                    survivor,
                    tuple(i for i in ids if i != survivor),
                    fields,
                )
            )
        return out

    # -- connection tests (ConnectionTests) -----------------------------------------------------------
    async def test_portal(self, url: str) -> Message:
        await asyncio.sleep(0)
        if "/rest/" not in url:
            raise UserFacingError(
                "The portal did not accept the webhook URL", hint="copy it again from Bitrix24"
            )
        return Message.plain("Connected to example.bitrix24.com as user 1 (scope: crm)")

    async def test_shop(self, url: str, password: str | None = None) -> Message:
        await asyncio.sleep(0)
        if not url:
            raise UserFacingError("No shop database URL")
        return Message.plain("Connected: 200 orders, 50 users")

    async def test_queue(self, url: str, password: str | None = None) -> Message:
        await asyncio.sleep(0)
        if not url.startswith("postgresql"):
            raise UserFacingError("A team queue lives in PostgreSQL")
        return Message.plain("Connected to the team queue " + url)

    async def validate_mapping(self, cfg: AppConfig) -> list[UserFacingError]:
        await asyncio.sleep(0)
        table = cfg.shop.orders.table
        return [] if table == "orders" else [UserFacingError(f"no table {table!r}")]

    # -- settling, throughput, closing ----------------------------------------------------------------

    async def settle_jobs(self, ids: Sequence[int], outcome: str) -> int:
        n = 0
        for job_id in ids:
            job = self.jobs.get(job_id)
            if job and job.state == "in_doubt":
                self.jobs[job_id] = dataclasses.replace(job, state="done" if outcome == "done" else "queued")
                n += 1
        return n

    def throughput(self, minutes: int = 60) -> list[tuple[int, int, float]]:
        """(done, failed, seconds throttled) per minute, oldest first."""
        return [(i % 5 + (i // 10), int(i % 3 == 0), (i % 4) * 0.5) for i in range(minutes)]

    async def aclose(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        self.closed = True

    # -- the fake runner ----------------------------------------------------------------------------
    def run_once(self) -> int:
        """Finish every queued job (unless paused); jobs of ``fail_keys`` fail. Returns jobs handled."""
        if self._paused:
            return 0
        n = 0
        for job_id, job in list(self.jobs.items()):
            if job.state != "queued":
                continue
            rec = self.records[self._job_keys[job_id]]
            n += 1
            if rec.key in self.fail_keys:
                self.jobs[job_id] = dataclasses.replace(
                    job,
                    state="failed",
                    attempts=job.attempts + 1,
                    last_error="ACCESS_DENIED: not enough rights",
                    error_signature="ACCESS_DENIED",
                )
                rec.queue = QueueMark.FAILED
                rec.last_error = "ACCESS_DENIED: not enough rights"
                continue
            self.jobs[job_id] = dataclasses.replace(job, state="done", attempts=job.attempts + 1)
            base = 1000 if rec.entity == "order" else 5000
            rec.state = RecordState.IN_SYNC
            rec.stored_id = rec.portal_id = rec.portal_id or base + int(rec.key)
            rec.portal_values = dict(rec.shop_values)
            rec.duplicates = ()
            rec.note = ""
            rec.queue = QueueMark.NONE
            rec.last_error = ""
            rec.last_synced = BASE_TIME
        if n:
            self._log("sync", f"ran {n} jobs")
        return n

    async def _run_forever(self) -> None:
        while any(j.state == "queued" for j in self.jobs.values()):
            await asyncio.sleep(self.tick)
            self.run_once()

    def _log(self, actor: str, action: str) -> None:
        self._activity.append(
            ActivityEntry(BASE_TIME + timedelta(seconds=len(self._activity)), actor, action)
        )


def _archived(
    entity: str, portal_id: int, key: str, into: int, title: str, *, name: tuple[str, str] = ("", "")
) -> ArchivedRecord:
    record = {"ID": str(portal_id), "TITLE": title} if title else {"ID": str(portal_id), "NAME": name[0]}
    if not title:
        record["LAST_NAME"] = name[1]
    return ArchivedRecord(
        path=Path(f"archive/{entity}-{portal_id}.json"),
        entity=entity,
        portal_id=portal_id,
        shop_key=key,
        archived_at=datetime(2026, 11, 28, 12, 30, tzinfo=UTC),
        reason=f"duplicate of {entity} {into}",
        record=record,
        contact_ids=(),
        merged_into=into,
    )


def _counts(rows: Sequence[RecordStatus], *, orphans: int) -> EntityCounts:
    by_state = {s.value: 0 for s in RecordState}
    for r in rows:
        by_state[r.state.value] += 1
    return EntityCounts(checked=len(rows), orphans=orphans, **by_state)
