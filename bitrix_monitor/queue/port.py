"""The job store as the rest of the app sees it (STYLE.md §20): what the engine, the cleanup and restore
jobs, the service and through it the GUI use, and nothing more.

Two adapters stand behind it: :class:`~bitrix_monitor.queue.store.JobQueue` over this desk's SQLite file
and :class:`~bitrix_monitor.queue.team.TeamQueue` over a team's PostgreSQL database. One contract test
suite (``tests/queue/test_contract.py``) runs against both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from bitrix_monitor.messages import Message
from bitrix_monitor.queue.model import (
    ActivityPoint,
    EnqueueSummary,
    Job,
    JobError,
    JobEvent,
    LoggedEvent,
    MirrorHead,
    PullField,
    QueueCounts,
    RestoreEntry,
    SavedMirror,
    TeamRunner,
)

if TYPE_CHECKING:
    from bitrix_monitor.queue.store import OperatingBudget

Detail = Mapping[str, Any] | None


class JobStore(Protocol):
    @property
    def location(self) -> str:
        """Where the queue is, for messages (never with a password)."""

    @property
    def exclusive(self) -> bool:
        """True when the holder of :meth:`runner_lock` is the only runner (every other lease is a dead
        runner's); False when several runners share the queue."""

    def close(self) -> None: ...

    def runner_lock(
        self, description: str, *, timeout: float | None = 0.0, desk: str | None = None
    ) -> contextlib.AbstractContextManager[Any]:
        """This process as the queue's runner while held; ``desk`` is the name a shared queue lists it by."""

    def runners(self) -> list[TeamRunner]:
        """The runners of a shared queue (none for the file), the most recently alive first."""

    def runner_desks(self, owners: Iterable[str]) -> dict[str, str]:
        """The name each of these lease owners ("host:pid") is listed by among a shared queue's runners: its
        desk's (``[queue] desk``), or its host for a runner of a version before desks were named. Owners not
        listed are left out, and so are all on the file queue."""

    def now(self) -> datetime:
        """The queue's time, which its leases and heartbeats are kept in."""

    def heartbeat(
        self, owner: str, description: str | None = None, *, last_error: str | None = None
    ) -> None: ...

    def wait_for_jobs(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for news of new jobs (True if there was some)."""

    # --- enqueue, claim, lease
    def enqueue(
        self, kind: str, entity_key: str, *, payload: Detail = None, created_by: str = "staff"
    ) -> Job: ...

    def enqueue_many(
        self,
        items: Iterable[tuple[str, str, Detail]],
        *,
        created_by: str = "staff",
        now: datetime | None = None,
        reasons: Sequence[Message | str] | None = None,
    ) -> EnqueueSummary: ...

    def claim(
        self,
        owner: str,
        *,
        kinds: Sequence[str] | None = None,
        limit: int = 50,
        lease_seconds: float = 120.0,
        now: datetime | None = None,
    ) -> list[Job]: ...

    def renew(
        self, owner: str, ids: Sequence[int], lease_seconds: float = 120.0, *, now: datetime | None = None
    ) -> list[int]: ...

    def reclaim_expired(
        self, now: datetime | None = None, *, all_but: str | None = None, owner: str | None = None
    ) -> int: ...

    # --- write-ahead and outcomes
    def mark_sending(
        self,
        owner: str,
        ids: Sequence[int],
        detail: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        now: datetime | None = None,
    ) -> list[int]: ...

    def complete(
        self,
        owner: str,
        job_id: int,
        result: Mapping[str, Any] | None = None,
        detail: Detail = None,
        *,
        now: datetime | None = None,
    ) -> Job: ...

    def complete_many(
        self,
        owner: str,
        results: Iterable[tuple[int, Mapping[str, Any] | None]],
        detail: Detail = None,
        *,
        now: datetime | None = None,
    ) -> list[int]:
        """:meth:`complete` for a group in one transaction; returns the ids completed (those whose lease
        ``owner`` lost are left alone and left out)."""

    def fail(self, owner: str, job_id: int, error: JobError, *, now: datetime | None = None) -> Job: ...

    def mark_in_doubt(
        self, owner: str, job_id: int, detail: Detail = None, *, now: datetime | None = None
    ) -> Job: ...

    def settle(
        self,
        job_id: int,
        outcome: Literal["queued", "done"],
        *,
        result: Mapping[str, Any] | None = None,
        detail: Detail = None,
        actor: str = "sync",
        now: datetime | None = None,
    ) -> Job | None: ...

    # --- by staff
    def retry(
        self, ids: Iterable[int], *, actor: str = "staff", now: datetime | None = None
    ) -> list[int]: ...

    def cancel(
        self, ids: Iterable[int], *, actor: str = "staff", now: datetime | None = None
    ) -> list[int]: ...

    def resolve(
        self,
        ids: Iterable[int],
        reason: Message | str,
        *,
        state: Literal["done", "cancelled"] = "done",
        actor: str = "sync",
        now: datetime | None = None,
    ) -> list[int]: ...

    def delete_done(
        self, older_than: datetime | timedelta, *, now: datetime | None = None, limit: int | None = None
    ) -> int:
        """Delete done and cancelled jobs (with their events) older than ``older_than``, each record's
        latest done job kept, at most ``limit`` (None: all); returns how many were deleted."""

    def pruned_job(self) -> int:
        """The highest id of a job :meth:`delete_done` deleted (0: none yet)."""

    # --- queries
    def counts(self) -> QueueCounts: ...

    def get(self, job_id: int) -> Job | None: ...

    def list_jobs(
        self,
        *,
        states: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        entity_key: str | None = None,
        signature: str | None = None,
        limit: int | None = 500,
        offset: int = 0,
    ) -> list[Job]: ...

    def last_done(self, *, since: datetime | None = None) -> dict[str, dict[str, datetime]]:
        """When each record's last job was done (entity type -> key -> time), in one query; ``since``: only
        records with a job done at or after it."""

    def events(self, job_id: int) -> list[JobEvent]: ...

    def event_log(
        self,
        *,
        since: datetime | None = None,
        actors: Sequence[str] | None = None,
        types: Sequence[str] | None = None,
        limit: int = 1000,
    ) -> list[LoggedEvent]:
        """The newest events of all jobs, newest first: the audit trail of who did what."""

    def ran_by(self, ids: Iterable[int]) -> dict[int, str]:
        """Who ran each of these jobs last (the lease owner of its latest claim)."""

    def history_for(self, entity_type: str, entity_key: str) -> list[Job]: ...

    def next_due_at(self, *, kinds: Sequence[str] | None = None) -> datetime | None: ...

    def activity(self, since: datetime, *, until: datetime | None = None) -> list[ActivityPoint]: ...

    # --- the restore ledger and merge conflicts
    def restore_entry(self, restore_key: str) -> RestoreEntry | None: ...

    def restore_sending(
        self, restore_key: str, entity_type: str, archived_id: int, entity_key: str, marker: str
    ) -> None: ...

    def restore_created(self, restore_key: str, new_id: int) -> None: ...

    def restore_done(self, restore_key: str, outcome: str) -> None: ...

    def conflict_fingerprints(self) -> dict[tuple[str, str], str]: ...

    def record_conflict(
        self, entity_type: str, entity_key: str, fingerprint: str, ids: Sequence[int], message: str
    ) -> None: ...

    def clear_conflicts(self, entity_type: str, keys: Iterable[str]) -> int: ...

    # Pulling from the CRM: read cursors (a restart resumes) and per record and field the value both sides
    # last agreed on, with a CRM change not applied yet.
    def pull_cursor(self, name: str) -> int | None: ...

    def set_pull_cursor(self, name: str, value: int) -> None: ...

    def pull_fields(
        self, entity_type: str, field: str, keys: Iterable[str] | None = None, *, pending_only: bool = False
    ) -> dict[str, PullField]: ...

    def save_pull_fields(
        self,
        entity_type: str,
        field: str,
        items: Iterable[PullField],
        *,
        unchanged_since: datetime | None = None,
    ) -> None: ...

    # A newer CRM value of each (key, field) settled in the shop with no job (``pushed``: the push wrote the
    # shop's value into the CRM): the record's pull jobs not held by a runner lose the field; the pairs a
    # running job carries are returned (queue the value into it).
    def supersede_pull_fields(
        self,
        entity_type: str,
        items: Iterable[tuple[str, str]],
        *,
        actor: str = "pull",
        now: datetime | None = None,
        pushed: bool = False,
    ) -> set[tuple[str, str]]: ...

    # What a costly search found (the deals made before origin ids), remembered by name as JSON.
    def recall(self, name: str) -> Any | None: ...

    def remember(self, name: str, value: Any | None) -> None: ...

    # The portal's operating-time budget per method of a webhook, kept for the next run and, in a team's
    # queue, shared by every runner (the Bitrix client's OperatingSource).
    def operating_budget(self, webhook: str) -> OperatingBudget: ...

    # What the last reconcile read and where the next incremental one starts (bitrix_monitor.sync.saved):
    # versioned by a generation, written whole or as the changes to the generation it was based on.
    def mirror_head(self) -> MirrorHead | None: ...

    def load_mirror(self) -> SavedMirror | None: ...

    def save_mirror(
        self,
        *,
        base: int | None,
        version: int,
        fingerprint: str,
        state: str,
        items: Iterable[tuple[str, str, str]],
        gone: Iterable[tuple[str, str]] = (),
        whole: bool,
        written_by: str,
    ) -> int | None: ...

    def drop_mirror(self) -> None: ...
