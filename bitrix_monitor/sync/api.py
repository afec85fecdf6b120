"""The surface the front ends (desktop window, headless mode) use. Implemented by
:class:`bitrix_monitor.sync.service.MonitorService`; the GUI depends on this protocol only, so its tests can
drive it with a fake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from bitrix_monitor.bitrix.ratelimit import PortalCost
from bitrix_monitor.config import AppConfig
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.messages import Message, Note
from bitrix_monitor.queue.model import JobError, QueueCounts, TeamRunner
from bitrix_monitor.sync.archive import ArchivedRecord
from bitrix_monitor.sync.model import EntityCounts, Orphan, Plan, Progress, RecordStatus
from bitrix_monitor.sync.restore import RestoreOutcome

ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A job as the queue view shows it."""

    id: int
    kind: str
    entity_key: str
    state: str
    attempts: int
    next_run_at: datetime | None
    last_error: str
    error_signature: str
    created_by: str
    updated_at: datetime | None
    ran_by: str = ""  # the lease owner ("host:pid") of the job's last run, "" if it never ran
    # the name its desk goes by among the team's runners ("anna@termsrv"), "" if not listed (nor on the file)
    ran_by_desk: str = ""
    error: JobError | None = None  # ``last_error`` as codes, said in the reader's language


# The queue's counts per state, as the job store reports them.
QueueSummary = QueueCounts


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """The portal's live rate budget, for the status line."""

    tokens_left: float
    capacity: float
    drain_per_s: float
    throttled_waits: int = 0
    rejected_503: int = 0
    operating: dict[str, float] = field(default_factory=dict)  # method -> seconds used in the window


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything reconciliation found: one status per shop record, orphans, counts and the plan.

    ``records`` and ``counts`` are keyed by kind (``"order"``, ``"user"``, ``"company"``: see
    :mod:`bitrix_monitor.kinds`), dependencies first; a kind the shop does not map is absent.
    """

    records: Mapping[str, Sequence[RecordStatus]]
    counts: Mapping[str, EntityCounts]
    orphans: Sequence[Orphan]
    plan: Plan
    taken_at: datetime
    warnings: tuple[Note, ...] = ()  # one line each, for a person (e.g. deals in another pipeline), as codes
    # What this reconcile cost the portal: requests made, operating time consumed per method.
    portal: PortalCost = field(default_factory=PortalCost)
    # "full": everything was read; "incremental": only what changed since the last pass (the rest as it was)
    pass_kind: str = "full"

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.records)

    def statuses(self, kind: str) -> Sequence[RecordStatus]:
        return self.records.get(kind, ())

    def all_statuses(self) -> Iterator[RecordStatus]:
        return (s for group in self.records.values() for s in group)

    def counts_of(self, kind: str) -> EntityCounts:
        return self.counts.get(kind, EntityCounts())

    @property
    def orders(self) -> Sequence[RecordStatus]:
        return self.statuses("order")

    @property
    def users(self) -> Sequence[RecordStatus]:
        return self.statuses("user")

    @property
    def companies(self) -> Sequence[RecordStatus]:
        return self.statuses("company")

    @property
    def order_counts(self) -> EntityCounts:
        return self.counts_of("order")

    @property
    def user_counts(self) -> EntityCounts:
        return self.counts_of("user")


@dataclass(frozen=True, slots=True)
class FieldOwnership:
    """One field of one record that the CRM may change (``[shop.<plural>.owners]`` says ``crm`` or ``both``),
    and what pulling knows of it: the value both sides last agreed on, a CRM change not applied yet."""

    field: str  # the CRM's name: STAGE_ID, PHONE, …
    owner: str  # "crm" | "both"
    agreed: str | None = None
    pending: str | None = None  # the CRM's value waiting to be applied to the shop
    pending_at: datetime | None = None  # when the CRM made that change, as the portal says
    state: str = ""  # why it waits: "conflict", "needs_stage_mapping", "not_permitted", "changed"


@dataclass(frozen=True, slots=True)
class RecordChanges:
    """What the detail pane shows beside a record's values: who owns its fields (every field not listed in
    ``owned`` is the shop's: pushed, never pulled) and the shop's side of its last change. The portal's side
    (``DATE_MODIFY``/``MODIFY_BY_ID``, a deal's ``MOVED_TIME``/``MOVED_BY_ID``) comes with the record's
    portal values; ``app_user`` is the portal user the app writes as, so its own changes are told apart."""

    owned: tuple[FieldOwnership, ...] = ()
    shop_changed_at: datetime | None = None  # the row's updated_at (the shop does not say who)
    app_user: int | None = None


@dataclass(frozen=True, slots=True)
class Outage:
    """One side the app cannot reach now: ``"portal"`` (Bitrix24) or ``"shop"`` (the shop's database), since
    when (the first failure of this outage), and the last error that said so (its codes and hint, said in
    the window's language; an error without codes as its text). The service tries the side again by itself
    and forgets the outage when it answers."""

    side: str
    since: datetime
    reason: Note
    hint: Message | None = None


@dataclass(frozen=True, slots=True)
class MergePreview:
    """What one queued duplicate cleanup would do, as the records are now: the record that stays, each one
    that disappears (archived first, then merged into it), and their key fields by record id (values as
    text; ``None``: a record that no longer exists). Records of another integration are left alone."""

    entity: str  # the CRM kind: "deal", "contact", "company"
    key: str  # the shop record's key
    survivor: int | None  # None: none of the records exists any more (the job will do nothing)
    removed: tuple[int, ...]
    fields: Mapping[int, Mapping[str, str]]
    left_alone: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    """A line of the activity log: this desk's own summary (``action``), or, on a team queue, a job's event
    from the queue's audit trail (``event`` with its job; ``action`` empty), which names who did it."""

    at: datetime
    # "staff", "sync", "watch"; on a team queue "staff@desk" (a person at that desk), or a runner "host:pid"
    actor: str
    # Message("activity.queued", {"n": 12, "kind": "deal.create"}), said in the reader's language; text
    # from before codes, or made outside; "" for a job's event
    action: Message | str
    event: str = ""  # the job event's type: "retried", "cancelled", "completed", …
    kind: str = ""  # the job's kind ("deal.create")
    entity_key: str = ""
    job_id: int = 0
    # a runner's (``actor`` a lease owner) desk's name among the team's runners, "" when not listed or not one
    desk: str = ""


@dataclass(frozen=True, slots=True)
class RunnerStatus:
    """A runner of the team's queue (a desk, a worker) as the desks see it."""

    runner: TeamRunner
    state: str  # "working", "stopped" (ended cleanly), "silent" (no heartbeat for longer than a lease)
    this_desk: bool
    lease_seconds: float  # how long a runner may stay unheard of before it counts as silent


class MonitorApi(Protocol):
    async def snapshot(self, progress: ProgressCallback | None = None, *, full: bool = False) -> Snapshot:
        """Reconcile: what changed since the last pass, or (``full``) everything."""
        ...

    async def refresh(self, progress: ProgressCallback | None = None, *, full: bool = False) -> Snapshot:
        """A person's Refresh: the CRM's changes pulled first (as ``--sync`` does), then :meth:`snapshot`."""
        ...

    def plan_for(
        self, snapshot: Snapshot, entity: str, keys: Sequence[str], action: str
    ) -> Plan: ...  # action: "create" | "update" | "cleanup" | "relink" | "sync"

    async def apply(self, plan: Plan, *, actor: str = "staff") -> int: ...

    async def queue_rows(
        self, *, states: Sequence[str] | None = None, limit: int = 5000
    ) -> list[QueueRow]: ...

    async def queue_summary(self) -> QueueSummary: ...

    async def retry_jobs(self, ids: Sequence[int]) -> int: ...

    async def cancel_jobs(self, ids: Sequence[int]) -> int: ...

    async def job_history(self, entity: str, key: str) -> list[str]: ...

    async def resolve_conflict(self, kind: str, key: str, take: str) -> Message:
        """Settle a record's CRM changes waiting for a person: ``take="crm"`` writes the CRM's values into the
        shop, ``"shop"`` keeps the shop's (the next push sends them). Returns what was done, one line."""
        ...

    async def record_changes(self, entity: str, key: str) -> RecordChanges: ...

    def pause_runner(self) -> None: ...

    def resume_runner(self) -> None: ...

    @property
    def runner_paused(self) -> bool: ...

    def budget(self) -> BudgetLine: ...

    def activity(self) -> list[ActivityEntry]:
        """This desk's own lines, oldest first; on a team queue only those its audit trail
        (:meth:`team_activity`) does not tell job by job, so the two together say each action once."""
        ...

    async def team_activity(self) -> list[ActivityEntry]:
        """The team queue's audit trail: who queued, ran, retried, cancelled or settled which job, newest
        first (empty for this desk's own queue file, where :meth:`activity` says it all)."""
        ...

    async def team_runners(self) -> list[RunnerStatus]:
        """Every runner of the team queue, the most recently alive first (none for the queue file)."""
        ...

    @property
    def team_queue(self) -> str:
        """Where the team's shared queue is (no password), or "" when this desk works its own file."""
        ...

    def record_url(self, entity: str, portal_id: int) -> str | None: ...

    async def settle_jobs(self, ids: Sequence[int], outcome: str) -> int: ...  # outcome: "done" | "retry"

    def throughput(self, minutes: int = 60) -> list[tuple[int, int, float]]:
        """Per minute, oldest first: jobs done, jobs failed, seconds held back by the rate limit."""
        ...

    @property
    def runner_status(self) -> str:
        """What the background runner last said (who holds the queue, a connection error), or ``""``."""
        ...

    def archived(self) -> list[ArchivedRecord]:
        """Every record a cleanup archived before merging it away, oldest first."""
        ...

    async def restore_archived(self, path: Path) -> RestoreOutcome:
        """Re-create an archived record in Bitrix24 (exactly once) and re-point the shop where it can."""
        ...

    def outages(self) -> tuple[Outage, ...]:
        """The sides that cannot be reached now (none: both answer)."""
        ...

    async def unlink(self, entity: str, links: Sequence[tuple[str, int]]) -> int:
        """Make shop records (key, stored id) forget ids of Bitrix24 records that no longer exist."""
        ...

    async def cleanup_preview(self, plan: Plan) -> list[MergePreview]:
        """For each cleanup job of ``plan``: which record stays and which disappear, with key fields."""
        ...

    async def aclose(self) -> None: ...


class ConnectionTests(Protocol):
    """The settings dialog's "Test connection" and "Check the mapping": each answers one line a person can
    act on, or raises a :class:`~bitrix_monitor.errors.UserFacingError`. Implemented by
    :class:`bitrix_monitor.sync.probe.ConnectionTester`; they work before any service exists."""

    async def test_portal(self, url: str) -> Message: ...

    async def test_shop(self, url: str, password: str | None = None) -> Message: ...

    async def test_queue(self, url: str, password: str | None = None) -> Message: ...

    async def validate_mapping(self, cfg: AppConfig) -> list[UserFacingError]: ...
