"""The job store: enqueue with folding, claim with a lease, outcomes, manual operations and queries.

Synchronous SQLAlchemy Core over one SQLite file in WAL mode. Every method is one short transaction and is
safe to call from several threads and processes at once: writers start with ``BEGIN IMMEDIATE`` and so
queue up on SQLite's write lock, and a unique partial index makes a second active job for one entity and
family impossible whatever the caller does. The asyncio engine calls the cheap methods directly and the
bulk ones through :func:`asyncio.to_thread`.

Job lifecycle::

    enqueue ─► queued ─claim─► running ─complete─► done         (or back to queued when changed again)
                  ▲               │ ├─fail (retryable)─► failed ─(next_run_at)─► claimed again
                  │               │ ├─fail (not retryable, or attempts ≥ max)─► dead
                  │               │ └─mark_in_doubt, or lease expired after "sending"─► in_doubt ─settle─►
                  └─ lease expired ┘                                                     queued | done
    retry: failed/dead/cancelled ─► queued        cancel: queued/failed/in_doubt/dead ─► cancelled
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal, Self

import sqlalchemy as sa

from bitrix_monitor.files import not_a_regular_file
from bitrix_monitor.kinds import crm_of, shop_of
from bitrix_monitor.messages import Message
from bitrix_monitor.queue import model as m
from bitrix_monitor.queue.lock import RunnerLock
from bitrix_monitor.queue.model import (
    ActivityPoint,
    EnqueueSummary,
    Job,
    JobError,
    JobEvent,
    KindInfo,
    LeaseLost,
    LoggedEvent,
    MirrorHead,
    QueueCounts,
    QueueFileError,
    RestoreEntry,
    SavedMirror,
)
from bitrix_monitor.queue.schema import (
    NO_ERROR,
    RELEASE_PULL_FIELD,
    dumps,
    job_events,
    jobs,
    make_engine,
    merge_conflicts,
    mirror_items,
    mirror_state,
    prepare,
    pull_cursors,
    pull_fields,
    remembered,
    restores,
    translate_file_errors,
)

log = logging.getLogger(__name__)

# Literal SQL for the partial indexes' conditions: SQLite only uses a partial index when the query repeats
# its WHERE term, and a bound parameter would not.
_ACTIVE = sa.text("jobs.state IN ('queued', 'running', 'failed', 'in_doubt')")
_DUE = sa.text("jobs.state IN ('queued', 'failed')")
_RUNNING = sa.text("jobs.state = 'running'")
_ERRORED = sa.text("jobs.state IN ('failed', 'dead')")
_DONE = sa.text("jobs.state = 'done'")
_CHUNK = 500  # keys per IN (...) list; SQLite allows 32,766 variables
PRUNED_JOB = "pruned_job"  # remembered: the highest job id delete_done deleted
_INSERT_EVENT = {
    "qmark": "INSERT INTO job_events (job_id, at, type, actor, detail) VALUES (?, ?, ?, ?, ?)",
    "format": "INSERT INTO job_events (job_id, at, type, actor, detail) VALUES (%s, %s, %s, %s, %s)",
}
_INSERT_ITEM = {
    "qmark": "INSERT INTO mirror_items (part, item, data) VALUES (?, ?, ?)",
    "format": "INSERT INTO mirror_items (part, item, data) VALUES (%s, %s, %s)",
}
Detail = Mapping[str, Any] | None
Clock = Callable[[], float]


def _ts(value: datetime) -> float:
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware (UTC)")
    return value.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _opt_dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _loads(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))


def _job(r: Sequence[Any]) -> Job:
    """A row of ``jobs`` (all columns, table order) as a :class:`Job`."""
    error = None if r[12] is None else JobError.from_stored(r[12], r[13], bool(r[14]))
    return Job(
        id=r[0],
        kind=r[1],
        entity_type=r[2],
        entity_key=r[3],
        family=r[4],
        payload=json.loads(r[5]),
        state=r[6],
        attempts=r[7],
        next_run_at=_dt(r[8]),
        lease_owner=r[9],
        lease_expires_at=_opt_dt(r[10]),
        sending_since=_opt_dt(r[11]),
        error=error,
        error_signature=r[20],
        result=_loads(r[15]),
        created_at=_dt(r[16]),
        updated_at=_dt(r[17]),
        created_by=r[18],
        changed_again=bool(r[19]),
    )


def _event(r: Sequence[Any]) -> JobEvent:
    return JobEvent(id=r[0], job_id=r[1], at=_dt(r[2]), type=r[3], actor=r[4], detail=json.loads(r[5]))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt n waits between half and all of min(cap, base × 2^(n-1))."""

    max_attempts: int = 8
    backoff_base: float = 5.0
    backoff_cap: float = 3600.0

    def delay(self, attempts: int, rng: random.Random) -> float:
        full: float = min(self.backoff_cap, self.backoff_base * 2.0 ** max(0, attempts - 1))
        return full / 2 + rng.uniform(0, full / 2)


@dataclass(slots=True)
class _Pending:
    """Items of one enqueue batch that land on the same (entity type, key, family) slot."""

    info: KindInfo
    kind: str
    payload: dict[str, Any]
    items: list[tuple[int, str, Detail]]  # (input index, kind, payload)


def _by_type(rows: Iterable[tuple[str, str, float]]) -> dict[str, dict[str, datetime]]:
    """(entity type, key, when) rows, grouped by type, as :meth:`JobQueue.last_done` answers: a type's keys
    with their moments. Jobs completed together (a batch of up to 50, :meth:`JobQueue.complete_many`) share
    one moment, which is one ``datetime`` for them all: after a first sync of a million records, 48 bytes a
    record not held."""
    at = functools.partial(datetime.fromtimestamp, tz=UTC)
    made: dict[float, datetime] = {}
    out: dict[str, dict[str, datetime]] = {}
    for entity_type, group in itertools.groupby(rows, itemgetter(0)):
        times = out[entity_type] = {}
        for _type, key, t in group:
            moment = made.get(t)
            if moment is None:
                moment = made[t] = at(t)
            times[key] = moment
    return out


class JobQueue:
    """The job queue: the local one in a SQLite file (open it with :meth:`open`), or, through the subclass
    :class:`~bitrix_monitor.queue.team.TeamQueue`, a team's in PostgreSQL. Close it with :meth:`close`.

    One implementation serves both: the statements are SQLAlchemy Core, and where the engines differ (row
    locks a shared queue needs, the driver's parameter style) the difference is in the statement, not in a
    second copy of the method.
    """

    def __init__(
        self,
        path: Path | None,
        *,
        policy: RetryPolicy,
        clock: Clock,
        rng: random.Random,
        writer: sa.Engine,
        reader: sa.Engine,
    ) -> None:
        self.path = path
        self.policy = policy
        self._clock = clock
        self._rng = rng
        self._writer = writer
        self._reader = reader

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        policy: RetryPolicy | None = None,
        clock: Clock = time.time,
        rng: random.Random | None = None,
        reclaim: bool = True,
        integrity_check: bool = True,
    ) -> JobQueue:
        """Open (or create) the queue file, migrate it, and reclaim expired leases.

        Raises :class:`~bitrix_monitor.queue.model.QueueFileError` when the file is corrupted, not a queue,
        read-only or from a newer version; it is never replaced silently (see :func:`move_aside`).
        ``integrity_check`` runs SQLite's ``quick_check`` over the whole file (about 1.4 s for a million
        done jobs with their events), which catches damage before any job is touched.
        """
        path = Path(path)
        if problem := not_a_regular_file(path):
            # SQLite would "open" /dev/null and fail later, or block on a FIFO: refuse before touching it.
            raise QueueFileError(path, problem)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = make_engine(path, immediate=True)
        reader = make_engine(path, immediate=False)
        try:
            prepare(path, writer, integrity_check=integrity_check)
        except BaseException:
            writer.dispose()
            reader.dispose()
            raise
        queue = cls(
            path,
            policy=policy or RetryPolicy(),
            clock=clock,
            rng=rng or random.Random(),
            writer=writer,
            reader=reader,
        )
        if reclaim:
            queue.reclaim_expired()
        return queue

    def close(self) -> None:
        self._writer.dispose()
        self._reader.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> str:
        """Where the queue is, for messages (never with a password)."""
        return str(self.path)

    @property
    def file(self) -> Path:
        """The queue file (only a file-backed queue has one)."""
        if self.path is None:
            raise TypeError(f"the queue at {self.location} is not a file")
        return self.path

    @property
    def exclusive(self) -> bool:
        """Whether a runner holding :meth:`runner_lock` is the queue's only runner, so that every lease it
        does not hold belongs to a runner that is gone. True for the file; a shared queue says False."""
        return True

    def runner_lock(
        self, description: str, *, timeout: float | None = 0.0, desk: str | None = None
    ) -> contextlib.AbstractContextManager[Any]:
        """The lock that makes this process the queue's only runner (see :class:`RunnerLock`); the file's
        one runner is told by its process and machine, so ``desk`` is not needed."""
        return RunnerLock(self.file, description, timeout=timeout)

    def runners(self) -> list[m.TeamRunner]:
        """The runners of a shared queue; the file's one runner is told by its lock (:class:`QueueBusy`)."""
        return []

    def runner_desks(self, owners: Iterable[str]) -> dict[str, str]:
        """No list of runners: the file's one runner is this desk."""
        return {}

    def now(self) -> datetime:
        """The queue's time, which its leases and heartbeats are kept in (a team queue: the database
        server's, whatever this machine's clock says)."""
        return _dt(self._clock())

    def heartbeat(self, owner: str, description: str | None = None, *, last_error: str | None = None) -> None:
        """Say that runner ``owner`` is alive, and its last error. The file's one runner is described by its
        lock (see :class:`RunnerLock`); the shared queue lists its runners."""

    def wait_for_jobs(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for news of new jobs; True if there was news. The file has no
        way to tell, so this only sleeps; the shared queue listens."""
        time.sleep(max(0.0, timeout))
        return False

    # --- plumbing -------------------------------------------------------------------------------------

    def _now(self, now: datetime | None) -> float:
        return self._clock() if now is None else _ts(now)

    def _errors(self) -> contextlib.AbstractContextManager[None]:
        """Turns the database's errors about the queue itself into user-facing ones."""
        return translate_file_errors(self.file)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self._errors(), self._writer.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self._errors(), self._reader.connect() as conn:
            yield conn

    def _jobs_due_now(self, conn: sa.Connection) -> None:
        """Hook: jobs became due in this transaction (the shared queue wakes its runners)."""

    def _runner_seen(self, conn: sa.Connection, owner: str, t: float) -> None:
        """Hook: ``owner`` is claiming, so alive (the shared queue keeps its runners' heartbeats)."""

    def _add_events(
        self, conn: sa.Connection, t: float, actor: str | None, entries: Iterable[tuple[int, str, Detail]]
    ) -> None:
        rows = [(job_id, t, type_, actor, dumps(dict(detail or {}))) for job_id, type_, detail in entries]
        if rows:  # the hottest statement of all: straight to the driver, no per-row parameter processing
            sql = _INSERT_EVENT["qmark" if conn.dialect.paramstyle == "qmark" else "format"]
            conn.exec_driver_sql(sql, rows)

    # --- enqueue ----------------------------------------------------------------------------------------

    def enqueue(
        self, kind: str, entity_key: str, *, payload: Detail = None, created_by: str = "staff"
    ) -> Job:
        """Queue one job, or fold it into the entity's active job of the same family; returns that job."""
        summary = self.enqueue_many([(kind, entity_key, payload)], created_by=created_by)
        job = self.get(summary.job_ids[0])
        assert job is not None
        return job

    def enqueue_many(
        self,
        items: Iterable[tuple[str, str, Detail]],
        *,
        created_by: str = "staff",
        now: datetime | None = None,
        reasons: Sequence[Message | str] | None = None,
    ) -> EnqueueSummary:
        """Queue many ``(kind, entity_key, payload)`` items in one transaction, folding as :meth:`enqueue`.
        ``reasons`` (one per item: why it is queued, a plan's reason) go with each item's event.

        Folding rules, per (entity type, entity key, family):

        * into a **queued** job: the stronger kind wins (create > relink > update), payloads merge;
        * into a **failed** job: the same, and it is due now;
        * into a **running** or **in-doubt** job: it is flagged "changed again" and, once it completes, runs
          once more as an update (a cleanup as a cleanup), so no change is lost;
        * otherwise a new job is created.

        A pull job's fields are its record's newest CRM changes of them: the record's dead and cancelled pull
        jobs lose those fields (:meth:`_supersede_pulls`), so a retry of one never writes an older value.
        """
        parsed = [(m.kind_info(kind), str(key), payload) for kind, key, payload in items]
        t = self._now(now)
        ids = [0] * len(parsed)
        created = folded = 0
        with self._write() as conn:
            for start in range(0, len(parsed), _CHUNK):
                c, f = self._enqueue_chunk(conn, parsed, start, ids, created_by, t, reasons)
                created += c
                folded += f
            if parsed:
                self._jobs_due_now(conn)
        return EnqueueSummary(created=created, folded=folded, job_ids=tuple(ids))

    def _enqueue_chunk(
        self,
        conn: sa.Connection,
        parsed: list[tuple[KindInfo, str, Detail]],
        start: int,
        ids: list[int],
        created_by: str,
        t: float,
        reasons: Sequence[Message | str] | None = None,
    ) -> tuple[int, int]:
        def why(index: int) -> dict[str, Any]:
            return m.reason_detail(reasons[index]) if reasons and reasons[index] else {}

        slots: dict[tuple[str, str, str], _Pending] = {}
        for index in range(start, min(start + _CHUNK, len(parsed))):
            info, key, payload = parsed[index]
            slot = (info.entity_type, key, info.family)
            pending = slots.get(slot)
            if pending is None:
                slots[slot] = _Pending(info, info.kind, dict(payload or {}), [(index, info.kind, payload)])
            else:
                pending.kind = m.stronger_kind(pending.kind, info.kind)
                pending.payload = m.merge_payload(pending.payload, payload)
                pending.items.append((index, info.kind, payload))

        existing = self._active_rows(conn, slots)
        updates: list[dict[str, Any]] = []
        inserts: list[tuple[_Pending, dict[str, Any]]] = []
        events: list[tuple[int, str, Detail]] = []
        newest: list[tuple[int, str, str, set[str]]] = []  # pull jobs and the fields they now carry newest
        for slot, pending in slots.items():
            row = existing.get(slot)
            if row is None:
                inserts.append((pending, self._new_row(pending, slot[1], created_by, t)))
                continue
            job_id, kind, payload_text, state, next_run_at, changed_again = row
            if pending.info.family == m.PULL:
                newest.append((job_id, slot[0], slot[1], set(pending.payload)))
            payload = m.merge_payload(json.loads(payload_text), pending.payload)
            if state in (m.QUEUED, m.FAILED):
                kind = m.stronger_kind(kind, pending.kind)
                if state == m.FAILED:
                    state, next_run_at = m.QUEUED, t
            else:  # running or in doubt: run once more afterwards
                changed_again = True
            updates.append(
                {
                    "b_id": job_id,
                    "b_kind": kind,
                    "b_payload": dumps(payload),
                    "b_state": state,
                    "b_next": next_run_at,
                    "b_changed": changed_again,
                    "b_t": t,
                }
            )
            for index, item_kind, item_payload in pending.items:
                ids[index] = job_id
                folded = {"kind": item_kind, "payload": item_payload, "into": row[3]}
                events.append((job_id, m.EV_FOLDED, folded | why(index)))

        if updates:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == sa.bindparam("b_id"))
                .values(
                    kind=sa.bindparam("b_kind"),
                    payload=sa.bindparam("b_payload"),
                    state=sa.bindparam("b_state"),
                    next_run_at=sa.bindparam("b_next"),
                    changed_again=sa.bindparam("b_changed"),
                    updated_at=sa.bindparam("b_t"),
                ),
                updates,
            )
        if inserts:
            result = conn.execute(
                jobs.insert().returning(jobs.c.id, sort_by_parameter_order=True), [row for _, row in inserts]
            )
            for (pending, inserted), job_id in zip(inserts, result.scalars(), strict=True):
                if pending.info.family == m.PULL:
                    newest.append(
                        (job_id, pending.info.entity_type, inserted["entity_key"], set(pending.payload))
                    )
                first, *rest = pending.items
                ids[first[0]] = job_id
                events.append(
                    (job_id, m.EV_ENQUEUED, {"kind": first[1], "payload": first[2]} | why(first[0]))
                )
                for index, item_kind, item_payload in rest:
                    ids[index] = job_id
                    events.append(
                        (job_id, m.EV_FOLDED, {"kind": item_kind, "payload": item_payload} | why(index))
                    )
        self._add_events(conn, t, created_by, events)
        self._supersede_pulls(conn, newest, t, created_by)
        new = len(inserts)
        return new, sum(len(p.items) for p in slots.values()) - new

    @staticmethod
    def _new_row(pending: _Pending, key: str, created_by: str, t: float) -> dict[str, Any]:
        return {
            "kind": pending.kind,
            "entity_type": pending.info.entity_type,
            "entity_key": key,
            "family": pending.info.family,
            "payload": dumps(pending.payload),
            "state": m.QUEUED,
            "attempts": 0,
            "next_run_at": t,
            "created_at": t,
            "updated_at": t,
            "created_by": created_by,
            "changed_again": False,
        }

    @staticmethod
    def _active_rows(
        conn: sa.Connection, slots: Mapping[tuple[str, str, str], _Pending]
    ) -> dict[tuple[str, str, str], tuple[Any, ...]]:
        by_group: dict[tuple[str, str], list[str]] = {}
        for entity_type, key, family in slots:
            by_group.setdefault((entity_type, family), []).append(key)
        found: dict[tuple[str, str, str], tuple[Any, ...]] = {}
        cols = (
            jobs.c.id,
            jobs.c.kind,
            jobs.c.payload,
            jobs.c.state,
            jobs.c.next_run_at,
            jobs.c.changed_again,
        )
        for (entity_type, family), keys in by_group.items():
            query = sa.select(jobs.c.entity_key, *cols).where(
                jobs.c.entity_type == entity_type,
                jobs.c.family == family,
                jobs.c.entity_key.in_(keys),
                _ACTIVE,
            )
            # A shared queue locks them: a runner's claim must not slip in between this read and the fold.
            query = query.order_by(jobs.c.id).with_for_update()
            for key, *rest in conn.execute(query):
                found[(entity_type, key, family)] = tuple(rest)
        return found

    # --- claim and lease ------------------------------------------------------------------------------

    def claim(
        self,
        owner: str,
        *,
        kinds: Sequence[str] | None = None,
        limit: int = 50,
        lease_seconds: float = 120.0,
        now: datetime | None = None,
    ) -> list[Job]:
        """Lease up to ``limit`` due jobs, all of one kind (that of the oldest due job among ``kinds``), so
        one portal batch carries them. Each claim counts an attempt. Returns them oldest first."""
        if not owner:
            raise ValueError("a lease owner is required")
        t = self._now(now)
        with self._write() as conn:
            # Oldest due first, straight from the due index (no sort of the whole backlog).
            first = (
                sa.select(jobs.c.kind)
                .with_hint(jobs, "INDEXED BY ix_jobs_due_any", "sqlite")
                .where(_DUE, jobs.c.next_run_at <= t)
            )
            if kinds is not None:
                first = first.where(jobs.c.kind.in_(list(kinds)))
            # FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite has one writer and ignores it): claimers working one
            # queue at once pass over each other's rows instead of queueing up behind them.
            first = first.order_by(jobs.c.next_run_at, jobs.c.id).limit(1).with_for_update(skip_locked=True)
            kind = conn.execute(first).scalar()
            self._runner_seen(conn, owner, t)
            if kind is None:
                return []
            due = (
                sa.select(jobs.c.id)
                .where(_DUE, jobs.c.kind == kind, jobs.c.next_run_at <= t)
                .order_by(jobs.c.next_run_at, jobs.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = conn.execute(
                jobs.update()
                .where(jobs.c.id.in_(due.scalar_subquery()))
                .values(
                    state=m.RUNNING,
                    attempts=jobs.c.attempts + 1,
                    lease_owner=owner,
                    lease_expires_at=t + lease_seconds,
                    sending_at=None,
                    changed_again=False,
                    updated_at=t,
                )
                .returning(*jobs.c)
            ).all()
            claimed = sorted((_job(r) for r in rows), key=lambda j: (j.next_run_at, j.id))
            self._add_events(conn, t, owner, ((j.id, m.EV_CLAIMED, {"attempt": j.attempts}) for j in claimed))
        return claimed

    def renew(
        self, owner: str, ids: Sequence[int], lease_seconds: float = 120.0, *, now: datetime | None = None
    ) -> list[int]:
        """Extend the leases ``owner`` still holds; returns the ids renewed (the others were lost)."""
        t = self._now(now)
        with self._write() as conn:
            return list(
                conn.execute(
                    jobs.update()
                    .where(jobs.c.id.in_(list(ids)), _RUNNING, jobs.c.lease_owner == owner)
                    .values(lease_expires_at=t + lease_seconds, updated_at=t)
                    .returning(jobs.c.id)
                ).scalars()
            )

    def reclaim_expired(
        self, now: datetime | None = None, *, all_but: str | None = None, owner: str | None = None
    ) -> int:
        """Take back running jobs whose lease expired (their runner stopped). A job that had recorded
        "sending" goes to ``in_doubt`` (a lookup must settle it); one that reached the attempt limit goes to
        ``dead``; any other goes back to ``queued``, due now. Returns how many were reclaimed.

        ``all_but=owner`` takes back every running job not leased by ``owner``, expired or not: only for a
        runner that holds the runner lock, which proves every other lease belongs to a runner that is gone
        (e.g. killed with SIGKILL). ``owner=`` gives back the leases ``owner`` holds itself (a runner that
        was interrupted)."""
        t = self._now(now)
        with self._write() as conn:
            which = _RUNNING & (jobs.c.lease_expires_at < t)
            if all_but is not None:
                which = _RUNNING & ((jobs.c.lease_owner != all_but) | jobs.c.lease_owner.is_(None))
            if owner is not None:
                which = _RUNNING & (jobs.c.lease_owner == owner)
            rows = conn.execute(
                sa.select(jobs.c.id, jobs.c.attempts, jobs.c.sending_at, jobs.c.lease_owner)
                .where(which)
                .with_for_update(skip_locked=True)
            ).all()
            events: list[tuple[int, str, Detail]] = []
            for job_id, attempts, sending_at, owner in rows:
                values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None, "updated_at": t}
                expired = {"owner": owner, "attempt": attempts}
                events.append((job_id, m.EV_LEASE_EXPIRED, expired))
                if sending_at is not None:
                    values["state"] = m.IN_DOUBT
                    events.append((job_id, m.EV_IN_DOUBT, m.reason_detail(Message("reason.stopped_sending"))))
                elif attempts >= self.policy.max_attempts:
                    stopped = Message("job.lease_expired", {"n": attempts})
                    error = JobError.coded("LeaseExpired", stopped, False)
                    values |= self._error_values(error) | {"state": m.DEAD, "changed_again": False}
                    events.append((job_id, m.EV_DEAD, m.reason_detail(stopped)))
                else:
                    values |= {"state": m.QUEUED, "next_run_at": t, "changed_again": False}
                conn.execute(jobs.update().where(jobs.c.id == job_id).values(**values))
            self._add_events(conn, t, "queue", events)
        if rows:
            log.info("reclaimed %d job(s) whose lease expired", len(rows))
        return len(rows)

    # --- events and write-ahead -------------------------------------------------------------------------

    def mark_sending(
        self,
        owner: str,
        ids: Sequence[int],
        detail: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        now: datetime | None = None,
    ) -> list[int]:
        """Write-ahead: record that the portal call for these jobs is about to be made, before making it.

        ``detail`` is what will be sent: one mapping for all jobs, or one per id. Returns the ids whose lease
        ``owner`` still holds; send only those. After a crash such a job is recognised as in doubt.
        """
        details = self._details_for(ids, detail)
        t = self._now(now)
        with self._write() as conn:
            marked = set(
                conn.execute(
                    jobs.update()
                    .where(jobs.c.id.in_(list(ids)), _RUNNING, jobs.c.lease_owner == owner)
                    .values(sending_at=t, updated_at=t)
                    .returning(jobs.c.id)
                ).scalars()
            )
            self._add_events(
                conn,
                t,
                owner,
                ((i, m.EV_SENDING, d) for i, d in zip(ids, details, strict=True) if i in marked),
            )
        return [i for i in ids if i in marked]

    @staticmethod
    def _details_for(
        ids: Sequence[int], detail: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
    ) -> list[Detail]:
        if detail is None or isinstance(detail, Mapping):
            return [detail] * len(ids)
        if len(detail) != len(ids):
            raise ValueError("give one detail per id, or one for all")
        return list(detail)

    def record_event(
        self, job_id: int, type_: str, detail: Detail = None, *, actor: str | None = None
    ) -> None:
        """Append a fact to a job's log (e.g. ``sent``, ``adopted``: what was sent, what came back)."""
        self.record_events([(job_id, type_, detail)], actor=actor)

    def record_events(
        self,
        entries: Iterable[tuple[int, str, Detail]],
        *,
        actor: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """Append many facts in one transaction; returns how many. The log is append-only."""
        entries = list(entries)
        t = self._now(now)
        with self._write() as conn:
            self._add_events(conn, t, actor, entries)
        return len(entries)

    # --- outcomes ---------------------------------------------------------------------------------------

    def complete(
        self,
        owner: str,
        job_id: int,
        result: Mapping[str, Any] | None = None,
        detail: Detail = None,
        *,
        now: datetime | None = None,
    ) -> Job:
        """The job succeeded: ``done`` with its result (e.g. the portal id), or back to ``queued`` as a
        follow-up when its entity changed again while it ran; either way without the error of an earlier
        attempt (its events keep it). Raises :class:`LeaseLost` if ``owner`` no longer holds it."""
        if not self.complete_many(owner, [(job_id, result)], detail, now=now):
            raise LeaseLost(job_id, owner)
        job = self.get(job_id)
        assert job is not None
        return job

    def complete_many(
        self,
        owner: str,
        results: Iterable[tuple[int, Mapping[str, Any] | None]],
        detail: Detail = None,
        *,
        now: datetime | None = None,
    ) -> list[int]:
        """:meth:`complete` for a whole batch in one transaction; returns the ids completed (jobs whose lease
        was lost are left alone and left out)."""
        by_id = dict(results)
        t = self._now(now)
        with self._write() as conn:
            rows = conn.execute(
                sa.select(jobs.c.id, jobs.c.kind, jobs.c.changed_again)
                .where(jobs.c.id.in_(list(by_id)), _RUNNING, jobs.c.lease_owner == owner)
                .with_for_update()
            ).all()
            self._finish(conn, [(r[0], r[1], r[2], by_id[r[0]]) for r in rows], detail, owner, t)
        return [r[0] for r in rows]

    def _finish(
        self,
        conn: sa.Connection,
        rows: Sequence[tuple[int, str, bool, Mapping[str, Any] | None]],
        detail: Detail,
        actor: str | None,
        t: float,
    ) -> None:
        """Record success for (id, kind, changed_again, result) rows: done, or queued again as a follow-up."""
        params: list[dict[str, Any]] = []
        events: list[tuple[int, str, Detail]] = []
        for job_id, kind, changed_again, result in rows:
            requeue = bool(changed_again)
            params.append(
                {
                    "b_id": job_id,
                    "b_state": m.QUEUED if requeue else m.DONE,
                    "b_kind": m.follow_up_kind(kind) if requeue else kind,
                    "b_attempts": 0 if requeue else None,
                    "b_result": None if result is None else dumps(dict(result)),
                    "b_t": t,
                }
            )
            events.append((job_id, m.EV_COMPLETED, {**(detail or {}), "result": result}))
            if requeue:
                events.append((job_id, m.EV_REQUEUED, {"kind": m.follow_up_kind(kind)}))
        if params:
            self._write_finished(conn, params)
        self._add_events(conn, t, actor, events)

    def _write_finished(self, conn: sa.Connection, params: list[dict[str, Any]]) -> None:
        """Write finished jobs: done, or queued again (``b_id``, ``b_state``, ``b_kind``, ``b_attempts``,
        ``b_result``, ``b_t`` per job), without the error of an attempt before."""
        conn.execute(
            jobs.update()
            .where(jobs.c.id == sa.bindparam("b_id"))
            .values(
                state=sa.bindparam("b_state"),
                kind=sa.bindparam("b_kind"),
                attempts=sa.func.coalesce(sa.bindparam("b_attempts", type_=sa.Integer), jobs.c.attempts),
                result=sa.bindparam("b_result"),
                next_run_at=sa.bindparam("b_t"),
                updated_at=sa.bindparam("b_t"),
                lease_owner=None,
                lease_expires_at=None,
                sending_at=None,
                changed_again=False,
                **NO_ERROR,
            ),
            params,
        )

    @staticmethod
    def _error_values(error: JobError) -> dict[str, Any]:
        return {
            "error_class": error.error_class,
            "error_message": error.stored,
            "error_retryable": error.retryable,
            "error_signature": error.signature,
        }

    def fail(self, owner: str, job_id: int, error: JobError, *, now: datetime | None = None) -> Job:
        """The job failed for certain (the portal refused, or nothing was sent).

        Retryable: ``failed``, due again after exponential backoff with jitter. Not retryable, or the
        attempt limit reached: ``dead`` with the message. A "changed again" flag is dropped: the retry reads
        the shop's values when it runs. Raises :class:`LeaseLost` if ``owner`` no longer holds it.
        """
        failed = self.fail_many(owner, [(job_id, error)], now=now)
        if not failed:
            raise LeaseLost(job_id, owner)
        return failed[0]

    def fail_many(
        self, owner: str, failures: Iterable[tuple[int, JobError]], *, now: datetime | None = None
    ) -> list[Job]:
        """:meth:`fail` for several jobs (e.g. a whole batch refused) in one transaction. Returns the jobs
        failed; those whose lease ``owner`` lost are left alone and left out."""
        t = self._now(now)
        failed: list[Job] = []
        with self._write() as conn:
            for job_id, error in failures:
                attempts = conn.execute(
                    sa.select(jobs.c.attempts)
                    .where(jobs.c.id == job_id, _RUNNING, jobs.c.lease_owner == owner)
                    .with_for_update()
                ).scalar()
                if attempts is None:
                    continue
                values = self._error_values(error) | {
                    "lease_owner": None,
                    "lease_expires_at": None,
                    "sending_at": None,
                    "changed_again": False,
                    "updated_at": t,
                }
                detail: dict[str, Any] = {
                    "error_class": error.error_class,
                    "message": error.message,
                    "retryable": error.retryable,
                    "attempt": attempts,
                }
                if error.msg is not None:  # the code, for the history in the reader's language
                    detail |= error.msg.to_dict()
                if not error.retryable or attempts >= self.policy.max_attempts:
                    values["state"] = m.DEAD
                    reason = (
                        Message("reason.not_retryable")
                        if not error.retryable
                        else Message("reason.gave_up", {"n": attempts})
                    )
                    event = (job_id, m.EV_DEAD, detail | m.reason_detail(reason))
                else:
                    values["state"] = m.FAILED
                    values["next_run_at"] = t + self.policy.delay(attempts, self._rng)
                    event = (
                        job_id,
                        m.EV_FAILED,
                        detail | {"next_run_at": _dt(values["next_run_at"]).isoformat()},
                    )
                row = conn.execute(
                    jobs.update().where(jobs.c.id == job_id).values(**values).returning(*jobs.c)
                ).one()
                self._add_events(conn, t, owner, [event])
                failed.append(_job(row))
        return failed

    def mark_in_doubt(
        self, owner: str, job_id: int, detail: Detail = None, *, now: datetime | None = None
    ) -> Job:
        """The outcome is unknown (timeout, dropped connection, 5xx after sending): ``in_doubt`` until a
        lookup in the portal settles it with :meth:`settle`. Raises :class:`LeaseLost`."""
        marked = self.mark_in_doubt_many(owner, [job_id], detail, now=now)
        if not marked:
            raise LeaseLost(job_id, owner)
        return marked[0]

    def mark_in_doubt_many(
        self, owner: str, ids: Sequence[int], detail: Detail = None, *, now: datetime | None = None
    ) -> list[Job]:
        """:meth:`mark_in_doubt` for a batch whose response was lost. Returns the jobs marked; those whose
        lease ``owner`` lost are left out."""
        t = self._now(now)
        with self._write() as conn:
            rows = conn.execute(
                jobs.update()
                .where(jobs.c.id.in_(list(ids)), _RUNNING, jobs.c.lease_owner == owner)
                .values(state=m.IN_DOUBT, lease_owner=None, lease_expires_at=None, updated_at=t)
                .returning(*jobs.c)
            ).all()
            marked = sorted((_job(r) for r in rows), key=lambda j: j.id)
            self._add_events(conn, t, owner, ((j.id, m.EV_IN_DOUBT, detail) for j in marked))
        return marked

    def settle(
        self,
        job_id: int,
        outcome: Literal["queued", "done"],
        *,
        result: Mapping[str, Any] | None = None,
        detail: Detail = None,
        actor: str = "sync",
        now: datetime | None = None,
    ) -> Job | None:
        """Settle an in-doubt job after a lookup: ``"done"`` (the portal has the record: ``result`` carries
        its id) or ``"queued"`` (it does not: run again). Returns the job, or None if it was not in doubt."""
        if outcome not in (m.QUEUED, m.DONE):
            raise ValueError(f"settle outcome must be 'queued' or 'done', not {outcome!r}")
        t = self._now(now)
        with self._write() as conn:
            row = conn.execute(
                sa.select(jobs.c.kind, jobs.c.changed_again)
                .where(jobs.c.id == job_id, jobs.c.state == m.IN_DOUBT)
                .with_for_update()
            ).one_or_none()
            if row is None:
                return None
            self._add_events(conn, t, actor, [(job_id, m.EV_SETTLED, {**(detail or {}), "outcome": outcome})])
            if outcome == m.DONE:
                self._finish(conn, [(job_id, row[0], row[1], result)], {"settled": True}, actor, t)
            else:
                conn.execute(
                    jobs.update()
                    .where(jobs.c.id == job_id)
                    .values(state=m.QUEUED, next_run_at=t, sending_at=None, changed_again=False, updated_at=t)
                )
                self._jobs_due_now(conn)
        return self.get(job_id)

    # --- manual operations (the GUI's queue view) -----------------------------------------------------

    def retry(self, ids: Iterable[int], *, actor: str = "staff", now: datetime | None = None) -> list[int]:
        """Run failed, dead or cancelled jobs again now, with a fresh attempt count. A job whose entity
        already has another active job of its family is left as it is (that job covers it). Returns the ids
        queued again."""
        t = self._now(now)
        retried: list[int] = []
        other = jobs.alias("other")
        with self._write() as conn:
            for job_id in ids:
                covered = (
                    sa.select(other.c.id)
                    .where(
                        other.c.entity_type == jobs.c.entity_type,
                        other.c.entity_key == jobs.c.entity_key,
                        other.c.family == jobs.c.family,
                        other.c.state.in_(m.ACTIVE_STATES),
                    )
                    .exists()
                )
                done = conn.execute(
                    jobs.update()
                    .where(
                        jobs.c.id == job_id,
                        jobs.c.state.in_((m.FAILED, m.DEAD, m.CANCELLED)),
                        ~covered,
                    )
                    .values(state=m.QUEUED, attempts=0, next_run_at=t, changed_again=False, updated_at=t)
                    .returning(jobs.c.id)
                ).scalar()
                if done is not None:
                    retried.append(done)
            self._add_events(conn, t, actor, ((i, m.EV_RETRIED, None) for i in retried))
            if retried:
                self._jobs_due_now(conn)
        return retried

    def cancel(self, ids: Iterable[int], *, actor: str = "staff", now: datetime | None = None) -> list[int]:
        """Cancel queued, failed, in-doubt or dead jobs (a running job finishes or fails first); a cancelled
        pull job releases the fields it held that no newer pull job of the record holds
        (:meth:`_release_pulls`). Returns the ids cancelled."""
        t = self._now(now)
        cancelled: list[int] = []
        id_list = list(ids)
        with self._write() as conn:
            for start in range(0, len(id_list), _CHUNK):
                cancelled += conn.execute(
                    jobs.update()
                    .where(
                        jobs.c.id.in_(id_list[start : start + _CHUNK]),
                        jobs.c.state.in_((m.QUEUED, m.FAILED, m.IN_DOUBT, m.DEAD)),
                    )
                    .values(state=m.CANCELLED, changed_again=False, updated_at=t)
                    .returning(jobs.c.id)
                ).scalars()
            self._add_events(conn, t, actor, ((i, m.EV_CANCELLED, None) for i in cancelled))
            self._release_pulls(conn, cancelled, t, actor)
        return cancelled

    def _release_pulls(self, conn: sa.Connection, ids: Sequence[int], t: float, actor: str) -> None:
        """The CRM changes these cancelled pull jobs were to write are seen and overruled, as "keep the
        shop's" settles a conflict: each becomes its field's baseline, so the record is no longer held for
        it (judged like any other, the push sends the shop's value), and the record's dead and cancelled
        pull jobs no longer carry the field (:meth:`_supersede_pulls`: an older value of it is stale now).

        A field a newer pull job of the record carries stays held, for that job: an active one (a change
        queued while this one was dead) is to write it, a dead one waits for a person to retry or cancel it
        (released then), and a push must not overwrite the CRM's value meanwhile. A newer change takes the
        field from the older jobs when it is queued, so only a pair an earlier release left behind has an
        older job carrying it too; the newer job's id tells them apart. The hold is per field, not per
        record: a field no newer job carries is released, else nothing would be left to write or release
        it."""
        for start in range(0, len(ids), _CHUNK):
            rows = conn.execute(
                sa.select(jobs.c.id, jobs.c.entity_type, jobs.c.entity_key, jobs.c.payload).where(
                    jobs.c.id.in_(ids[start : start + _CHUNK]), jobs.c.family == m.PULL
                )
            ).all()
            keys: dict[str, set[str]] = {}
            for _id, entity_type, key, _payload in rows:
                keys.setdefault(entity_type, set()).add(key)
            # The record's other pull jobs that still hold it (those being cancelled are not among them any
            # more: their state is cancelled already).
            holding: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
            for entity_type, of_type in keys.items():
                for job_id, key, _state, payload in self._pull_jobs(
                    conn, entity_type, of_type, m.PULL_HOLDING
                ):
                    holding.setdefault((entity_type, key), []).append((job_id, payload))
            released: list[tuple[int, str, str, set[str]]] = []
            params: list[dict[str, Any]] = []
            for job_id, entity_type, key, payload in rows:
                kept = {
                    name
                    for other, carried in holding.get((entity_type, key), [])
                    if other > job_id
                    for name in carried
                }
                free = set(_loads(payload) or {}) - kept
                released.append((job_id, entity_type, key, free))
                params += [{"e": shop_of(entity_type), "k": key, "f": name, "t": t} for name in sorted(free)]
            if params:
                conn.execute(RELEASE_PULL_FIELD, params)
            self._supersede_pulls(conn, released, t, actor)

    def supersede_pull_fields(
        self,
        entity_type: str,
        items: Iterable[tuple[str, str]],
        *,
        actor: str = "pull",
        now: datetime | None = None,
        pushed: bool = False,
    ) -> set[tuple[str, str]]:
        """A newer CRM value of each (record key, field) of ``items`` is settled in the shop directly (a pull
        wrote it, found the shop holding it, or left it for a person; with ``pushed``, the push just wrote
        the shop's value into the CRM: then only dead and cancelled jobs lose it, as a queued or failed one
        may carry a change made after that write), not by a pull job: every older value
        of the field is stale. The record's pull jobs that are not running, queued, failed, dead and
        cancelled (:data:`~bitrix_monitor.queue.model.PULL_OUTDATED`), lose the field as a newer job's queue
        takes it (:meth:`_supersede_pulls`: a ``superseded`` event; one left with nothing to write is closed
        as cancelled, an active one too).

        A job a runner holds (running, in doubt) is not edited under it: the pairs one of them carries are
        returned, left as they are; the caller is not to settle them directly but to queue the newer value,
        which folds into that job ("changed again": it runs once more, after the runner's write, with the
        newer value; the runner's write sees the newer one queued and skips the older). ``entity_type``: as
        the shop or the CRM names it. The record's jobs are read in one go, their rows locked (on PostgreSQL),
        so a job claimed meanwhile is either edited before its claim or seen running."""
        crm = crm_of(entity_type)
        fields: dict[str, set[str]] = {}
        for key, name in items:
            fields.setdefault(str(key), set()).add(name)
        if not fields:
            return set()
        t = self._now(now)
        with self._write() as conn:
            return self._supersede_pulls(
                conn,
                [(None, crm, key, names) for key, names in fields.items()],
                t,
                actor,
                settled=True,
                pushed=pushed,
            )

    def _supersede_pulls(
        self,
        conn: sa.Connection,
        newest: Sequence[tuple[int | None, str, str, set[str]]],
        t: float,
        actor: str | None,
        *,
        settled: bool = False,
        pushed: bool = False,
    ) -> set[tuple[str, str]]:
        """A newer change of a field supersedes every older value of it. For each (pull job id, entity type
        as the CRM names it, key, fields) whose fields are its record's newest CRM changes (just queued, or
        just settled by a cancel), the record's other pull jobs a person may run again, dead and cancelled
        ones (:data:`~bitrix_monitor.queue.model.PULL_SUPERSEDED`), lose those fields, each with a
        ``superseded`` event naming them and the newer job. A dead job left with nothing to write is closed
        as cancelled (its result says why); the fields it still carries stay held for it. Their rows are
        locked (on PostgreSQL): a person's retry of one waits, then finds it without them.

        ``settled`` (:meth:`supersede_pull_fields`): the fields' newest values were settled in the shop with
        no job (the id is None), so the record's queued and failed pull jobs lose them too (an active one left
        with nothing is closed as well), and the (key, field) pairs a running or in-doubt job carries are
        returned instead, none of them taken from any job."""
        by_record: dict[tuple[str, str], list[tuple[int | None, set[str]]]] = {}
        keys: dict[str, set[str]] = {}
        for job_id, entity_type, key, fields in newest:
            if fields:
                by_record.setdefault((entity_type, key), []).append((job_id, fields))
                keys.setdefault(entity_type, set()).add(key)
        # The push's write (``pushed``) takes the field from the jobs a person may run again only: a queued or
        # failed one may carry a CRM change made after the push wrote (the pull settles it when it reads).
        states = m.PULL_OUTDATED + m.PULL_RUNNING if settled and not pushed else m.PULL_SUPERSEDED
        busy: set[tuple[str, str]] = set()
        params: list[dict[str, Any]] = []
        events: list[tuple[int, str, Detail]] = []
        for entity_type, of_type in keys.items():
            found = self._pull_jobs(conn, entity_type, of_type, states, lock="update")
            held = {
                (key, name)
                for _id, key, state, payload in found
                if state in m.PULL_RUNNING
                for name in payload
            }
            for job_id, key, state, payload in found:
                if state in m.PULL_RUNNING:
                    continue
                dropped: set[str] = set()
                by: int | None = None
                for newer, fields in by_record[(entity_type, key)]:
                    taken = {name for name in fields & payload.keys() if (key, name) not in held}
                    if newer != job_id and taken:
                        dropped |= taken
                        if newer is not None:
                            by = max(by or 0, newer)
                if not dropped:
                    continue
                left = {name: value for name, value in payload.items() if name not in dropped}
                closed = state in (m.DEAD, m.QUEUED, m.FAILED) and not left
                said_fields = ",".join(sorted(dropped))
                reason = (
                    Message("reason.superseded", {"fields": said_fields, "job": by})
                    if by is not None
                    else Message(
                        "reason.superseded_pushed" if pushed else "reason.superseded_settled",
                        {"fields": said_fields},
                    )
                )
                params.append(
                    {
                        "b_id": job_id,
                        "b_payload": dumps(left),
                        "b_state": m.CANCELLED if closed else state,
                        "b_result": dumps({"resolved": str(reason)}) if closed else None,
                        "b_t": t,
                    }
                )
                said = {"fields": sorted(dropped), "by": by, "closed": closed} | m.reason_detail(reason)
                events.append((job_id, m.EV_SUPERSEDED, said))
            if settled:
                busy |= {
                    (key, name)
                    for (of, key), newer in by_record.items()
                    if of == entity_type
                    for _job, fields in newer
                    for name in fields
                    if (key, name) in held
                }
        if params:
            conn.execute(
                jobs.update()
                .where(jobs.c.id == sa.bindparam("b_id"))
                .values(
                    payload=sa.bindparam("b_payload"),
                    state=sa.bindparam("b_state"),
                    result=sa.func.coalesce(sa.bindparam("b_result", type_=sa.Text), jobs.c.result),
                    updated_at=sa.bindparam("b_t"),
                ),
                params,
            )
        self._add_events(conn, t, actor, events)
        return busy

    @staticmethod
    def _pull_jobs(
        conn: sa.Connection,
        entity_type: str,
        keys: Iterable[str],
        states: Sequence[str],
        *,
        lock: Literal["share", "update"] | None = None,
    ) -> list[tuple[int, str, str, dict[str, Any]]]:
        """The pull jobs in ``states`` of these records (``entity_type`` as the CRM names it), oldest first:
        (id, key, state, payload). ``lock``: their rows are read ``FOR SHARE`` or ``FOR UPDATE`` (on
        PostgreSQL; SQLite's writer holds the whole file)."""
        wanted = sorted(set(keys))
        found: list[tuple[int, str, str, dict[str, Any]]] = []
        for start in range(0, len(wanted), _CHUNK):
            query = (
                sa.select(jobs.c.id, jobs.c.entity_key, jobs.c.state, jobs.c.payload)
                .where(
                    jobs.c.entity_type == entity_type,
                    jobs.c.family == m.PULL,
                    jobs.c.entity_key.in_(wanted[start : start + _CHUNK]),
                    jobs.c.state.in_(states),
                )
                .order_by(jobs.c.id)
            )
            if lock is not None:
                query = query.with_for_update(read=lock == "share")
            found += [(r[0], r[1], r[2], _loads(r[3]) or {}) for r in conn.execute(query)]
        return found

    def resolve(
        self,
        ids: Iterable[int],
        reason: Message | str,
        *,
        state: Literal["done", "cancelled"] = "done",
        actor: str = "sync",
        now: datetime | None = None,
    ) -> list[int]:
        """Close failed or dead jobs that need nobody any more: ``done`` when their effect holds anyway (the
        record is in sync now: its error is no longer current), ``cancelled`` when a newer job of the record
        took over (it keeps the error it stopped with); ``{"resolved": reason}`` is the result and the
        reason is in their history. Returns the ids closed."""
        t = self._now(now)
        closed: list[int] = []
        id_list = list(ids)
        with self._write() as conn:
            for start in range(0, len(id_list), _CHUNK):
                closed += conn.execute(
                    jobs.update()
                    .where(jobs.c.id.in_(id_list[start : start + _CHUNK]), _ERRORED)
                    .values(
                        state=state,
                        result=dumps({"resolved": str(reason)}),
                        lease_owner=None,
                        lease_expires_at=None,
                        sending_at=None,
                        changed_again=False,
                        updated_at=t,
                        **(NO_ERROR if state == m.DONE else {}),
                    )
                    .returning(jobs.c.id)
                ).scalars()
            said = m.reason_detail(reason)
            self._add_events(conn, t, actor, ((i, m.EV_RESOLVED, said) for i in closed))
        return closed

    def retry_matching(self, signature: str, *, actor: str = "staff") -> list[int]:
        """ "Retry all with this error": :meth:`retry` every failed or dead job with this error signature."""
        with self._read() as conn:
            ids = conn.execute(
                sa.select(jobs.c.id).where(jobs.c.error_signature == signature, _ERRORED).order_by(jobs.c.id)
            ).scalars()
            id_list = list(ids)
        return self.retry(id_list, actor=actor)

    def error_signatures(self) -> list[tuple[str, int]]:
        """The errors of failed and dead jobs, grouped by signature, most frequent first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(jobs.c.error_signature, sa.func.count())
                .where(_ERRORED, jobs.c.error_signature.is_not(None))
                .group_by(jobs.c.error_signature)
                .order_by(sa.func.count().desc(), jobs.c.error_signature)
            ).all()
        return [(r[0], r[1]) for r in rows]

    def delete_done(
        self, older_than: datetime | timedelta, *, now: datetime | None = None, limit: int | None = None
    ) -> int:
        """Prune history: delete done and cancelled jobs (with their events) last changed before
        ``older_than`` (a time, or an age), at most ``limit`` of them (None: all). Returns how many jobs
        were deleted: ``limit`` when some may be left.

        A record's latest done job stays, however old: it is what :meth:`last_done` reads (the "last
        synced" time each record shows), so pruning never makes a record look as if it had never been
        synced. Every older done job of that record, and every cancelled job, goes."""
        cutoff = (
            self._now(now) - older_than.total_seconds()
            if isinstance(older_than, timedelta)
            else _ts(older_than)
        )
        later = jobs.alias("later")
        superseded = (  # a done job of the same record finished after this one (ix_jobs_done answers it)
            sa.select(sa.literal(1))
            .where(
                later.c.state == m.DONE,
                later.c.entity_type == jobs.c.entity_type,
                later.c.entity_key == jobs.c.entity_key,
                later.c.updated_at > jobs.c.updated_at,
            )
            .exists()
        )
        prunable = sa.or_(jobs.c.state == m.CANCELLED, sa.and_(jobs.c.state == m.DONE, superseded))
        deleted = 0
        while limit is None or deleted < limit:  # in slices, so other writers are never held up for long
            take = _CHUNK * 10 if limit is None else min(_CHUNK * 10, limit - deleted)
            with self._write() as conn:
                ids = list(
                    conn.execute(
                        sa.select(jobs.c.id)
                        .where(jobs.c.state.in_((m.DONE, m.CANCELLED)), jobs.c.updated_at < cutoff, prunable)
                        .limit(take)
                    ).scalars()
                )
                for start in range(0, len(ids), _CHUNK):
                    chunk = ids[start : start + _CHUNK]
                    conn.execute(job_events.delete().where(job_events.c.job_id.in_(chunk)))
                    conn.execute(jobs.delete().where(jobs.c.id.in_(chunk)))
                if ids:  # in the same transaction: a reader never sees jobs gone and the mark not moved
                    self._raise_pruned_mark(conn, max(ids))
            deleted += len(ids)
            if len(ids) < take:
                break
        return deleted

    # --- queries ----------------------------------------------------------------------------------------

    def counts(self) -> QueueCounts:
        with self._read() as conn:
            rows = conn.execute(sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state)).all()
        return QueueCounts(**{state: n for state, n in rows})

    def get(self, job_id: int) -> Job | None:
        with self._read() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).one_or_none()
        return None if row is None else _job(row)

    def _filtered(
        self,
        query: sa.Select[Any],
        states: Sequence[str] | None,
        kinds: Sequence[str] | None,
        entity_key: str | None,
        signature: str | None,
    ) -> sa.Select[Any]:
        if states is not None:
            query = query.where(jobs.c.state.in_(list(states)))
        if kinds is not None:
            query = query.where(jobs.c.kind.in_(list(kinds)))
        if entity_key is not None:
            query = query.where(jobs.c.entity_key == entity_key)
        if signature is not None:
            query = query.where(jobs.c.error_signature == signature)
        return query

    def list_jobs(
        self,
        *,
        states: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        entity_key: str | None = None,
        signature: str | None = None,
        limit: int | None = 500,
        offset: int = 0,
    ) -> list[Job]:
        """Jobs matching every given filter, newest first, one page at a time (``limit=None``: all)."""
        query = self._filtered(sa.select(jobs), states, kinds, entity_key, signature)
        query = query.order_by(jobs.c.id.desc()).limit(limit).offset(offset)
        with self._read() as conn:
            return [_job(r) for r in conn.execute(query)]

    def count_jobs(
        self,
        *,
        states: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        entity_key: str | None = None,
        signature: str | None = None,
    ) -> int:
        """How many jobs :meth:`list_jobs` would list without a limit."""
        query = self._filtered(
            sa.select(sa.func.count()).select_from(jobs), states, kinds, entity_key, signature
        )
        with self._read() as conn:
            return int(conn.execute(query).scalar_one())

    def last_done(self, *, since: datetime | None = None) -> dict[str, dict[str, datetime]]:
        """When each record's last job was done, by entity type and key: one grouped query. The whole history
        is read from the done jobs' own index, in its order (SQLite is told to: without statistics it would
        take the state index and sort); ``since``: only records with a job done at or after that time,
        found through the state index (a caller that keeps the answer asks for what is new). A million rows
        go through the driver's cursor as they come (SQLAlchemy's rows would double the time)."""
        with self._read() as conn:
            hint = " INDEXED BY ix_jobs_done" if conn.dialect.name == "sqlite" and since is None else ""
            after = "" if since is None else f" AND updated_at >= {float(_ts(since))!r}"
            sql = (
                f"SELECT entity_type, entity_key, max(updated_at) FROM jobs{hint} WHERE state = 'done'{after}"
                " GROUP BY entity_type, entity_key ORDER BY entity_type"
            )
            raw = conn.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            try:
                cursor.execute(sql)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        return _by_type(rows)

    def events(self, job_id: int) -> list[JobEvent]:
        """A job's log, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(job_events).where(job_events.c.job_id == job_id).order_by(job_events.c.id)
            )
            return [_event(r) for r in rows]

    def ran_by(self, ids: Iterable[int]) -> dict[int, str]:
        """Who ran each of these jobs last: the lease owner ("host:pid") its latest claim names; jobs that
        never ran are left out."""
        id_list = list(ids)
        found: dict[int, str] = {}
        chunk = _CHUNK * 10  # one round trip for the queue view's 5,000 rows, within SQLite's 32,766
        with self._read() as conn:
            for start in range(0, len(id_list), chunk):
                latest = (
                    sa.select(sa.func.max(job_events.c.id))
                    .where(
                        job_events.c.job_id.in_(id_list[start : start + chunk]),
                        job_events.c.type == m.EV_CLAIMED,
                    )
                    .group_by(job_events.c.job_id)
                )
                rows = conn.execute(
                    sa.select(job_events.c.job_id, job_events.c.actor).where(
                        job_events.c.id.in_(latest.scalar_subquery())
                    )
                )
                found.update((job_id, actor) for job_id, actor in rows if actor)
        return found

    def event_log(
        self,
        *,
        since: datetime | None = None,
        actors: Sequence[str] | None = None,
        types: Sequence[str] | None = None,
        limit: int = 1000,
    ) -> list[LoggedEvent]:
        """The newest events of all jobs, newest first, with each job's kind and entity: the activity log
        of who queued, ran, retried or cancelled what."""
        query = (
            sa.select(job_events, jobs.c.kind, jobs.c.entity_type, jobs.c.entity_key)
            .join(jobs, jobs.c.id == job_events.c.job_id)
            .order_by(job_events.c.id.desc())
            .limit(limit)
        )
        if since is not None:
            query = query.where(job_events.c.at >= _ts(since))
        if actors is not None:
            query = query.where(job_events.c.actor.in_(list(actors)))
        if types is not None:
            query = query.where(job_events.c.type.in_(list(types)))
        with self._read() as conn:
            return [LoggedEvent(_event(r[:6]), r[6], r[7], r[8]) for r in conn.execute(query)]

    def active_job(self, entity_type: str, entity_key: str, family: str = m.SYNC) -> Job | None:
        """The entity's one active (queued, running, failed or in-doubt) job of this family, if any."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(jobs).where(
                    jobs.c.entity_type == entity_type,
                    jobs.c.entity_key == entity_key,
                    jobs.c.family == family,
                    _ACTIVE,
                )
            ).one_or_none()
        return None if row is None else _job(row)

    def history_for(self, entity_type: str, entity_key: str) -> list[Job]:
        """Every job of one entity still in the queue file, newest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(jobs)
                .where(jobs.c.entity_type == entity_type, jobs.c.entity_key == entity_key)
                .order_by(jobs.c.id.desc())
            )
            return [_job(r) for r in rows]

    def next_due_at(self, *, kinds: Sequence[str] | None = None) -> datetime | None:
        """When the next queued or failed job becomes due (the runner may sleep until then)."""
        query = sa.select(sa.func.min(jobs.c.next_run_at)).where(_DUE)
        if kinds is not None:
            query = query.where(jobs.c.kind.in_(list(kinds)))
        with self._read() as conn:
            value = conn.execute(query).scalar()
        return _opt_dt(value)

    def activity(self, since: datetime, *, until: datetime | None = None) -> list[ActivityPoint]:
        """Completed and failed (or dead) outcomes per minute from the event log, for the overview chart.
        Minutes without any are left out."""
        minute = (
            sa.cast(job_events.c.at / 60, sa.Integer)  # SQLite's cast truncates
            if self._writer.dialect.name == "sqlite"
            else sa.cast(sa.func.floor(job_events.c.at / 60), sa.BigInteger)  # PostgreSQL's rounds
        )
        kind = job_events.c.type
        query = (
            sa.select(
                minute,
                sa.func.sum(sa.case((kind == m.EV_COMPLETED, 1), else_=0)),
                sa.func.sum(sa.case((kind.in_((m.EV_FAILED, m.EV_DEAD)), 1), else_=0)),
            )
            .where(kind.in_((m.EV_COMPLETED, m.EV_FAILED, m.EV_DEAD)), job_events.c.at >= _ts(since))
            .group_by(minute)
            .order_by(minute)
        )
        if until is not None:
            query = query.where(job_events.c.at < _ts(until))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [ActivityPoint(minute=_dt(r[0] * 60), done=int(r[1]), failed=int(r[2])) for r in rows]

    # --- the restore ledger ---------------------------------------------------------------------------

    def restore_entry(self, restore_key: str) -> RestoreEntry | None:
        with self._read() as conn:
            row = conn.execute(sa.select(restores).where(restores.c.restore_key == restore_key)).one_or_none()
        if row is None:
            return None
        return RestoreEntry(
            restore_key=row.restore_key,
            entity_type=row.entity_type,
            archived_id=row.archived_id,
            entity_key=row.entity_key,
            marker=row.marker,
            state=row.state,
            new_id=row.new_id,
            outcome=row.outcome,
            sending_at=_dt(row.sending_at),
            updated_at=_dt(row.updated_at),
        )

    def restore_sending(
        self, restore_key: str, entity_type: str, archived_id: int, entity_key: str, marker: str
    ) -> None:
        """Write-ahead: the create for this restore is about to be sent (a crash leaves the lookup to
        settle it). Only a ledger entry without a new id is (re)marked."""
        t = self._clock()
        with self._write() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO restores (restore_key, entity_type, archived_id, entity_key, marker, state, "
                    "sending_at, updated_at) VALUES (:k, :e, :a, :ek, :m, 'sending', :t, :t) "
                    "ON CONFLICT (restore_key) DO UPDATE SET sending_at = :t, updated_at = :t "
                    "WHERE restores.state = 'sending'"
                ),
                {"k": restore_key, "e": entity_type, "a": archived_id, "ek": entity_key, "m": marker, "t": t},
            )

    def restore_created(self, restore_key: str, new_id: int) -> None:
        """The restored record exists as ``new_id`` (created, or found by its marker)."""
        with self._write() as conn:
            conn.execute(
                restores.update()
                .where(restores.c.restore_key == restore_key, restores.c.state == "sending")
                .values(state="created", new_id=new_id, updated_at=self._clock())
            )

    def restore_done(self, restore_key: str, outcome: str) -> None:
        with self._write() as conn:
            conn.execute(
                restores.update()
                .where(restores.c.restore_key == restore_key, restores.c.new_id.is_not(None))
                .values(state="done", outcome=outcome, updated_at=self._clock())
            )

    # --- merge conflicts waiting for a person ---------------------------------------------------------

    def conflict_fingerprints(self) -> dict[tuple[str, str], str]:
        """(entity type, key) -> fingerprint of every merge conflict waiting for a person."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(
                    merge_conflicts.c.entity_type, merge_conflicts.c.entity_key, merge_conflicts.c.fingerprint
                )
            ).all()
        return {(r[0], r[1]): r[2] for r in rows}

    def record_conflict(
        self, entity_type: str, entity_key: str, fingerprint: str, ids: Sequence[int], message: str
    ) -> None:
        """Remember a merge conflict left for a person, with the fingerprint of what conflicted."""
        with self._write() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO merge_conflicts (entity_type, entity_key, fingerprint, ids, message, "
                    "created_at) VALUES (:e, :k, :f, :i, :m, :t) ON CONFLICT (entity_type, entity_key) "
                    "DO UPDATE SET fingerprint = :f, ids = :i, message = :m, created_at = :t"
                ),
                {
                    "e": entity_type,
                    "k": entity_key,
                    "f": fingerprint,
                    "i": dumps(list(ids)),
                    "m": message,
                    "t": self._clock(),
                },
            )

    def clear_conflicts(self, entity_type: str, keys: Iterable[str]) -> int:
        """Forget conflicts that are over (merged, by the app or by a person). Returns how many."""
        key_list = list(keys)
        n = 0
        with self._write() as conn:
            for start in range(0, len(key_list), _CHUNK):
                n += conn.execute(
                    merge_conflicts.delete().where(
                        merge_conflicts.c.entity_type == entity_type,
                        merge_conflicts.c.entity_key.in_(key_list[start : start + _CHUNK]),
                    )
                ).rowcount
        return n

    # --- pulling from the CRM: cursors and per-record baselines -----------------------------------------

    def pull_cursor(self, name: str) -> int | None:
        """Where reading ``name`` (e.g. ``stagehistory.deal``) stopped: the last id applied, or None."""
        with self._read() as conn:
            value = conn.execute(sa.select(pull_cursors.c.value).where(pull_cursors.c.name == name)).scalar()
        return None if value is None else int(value)

    def set_pull_cursor(self, name: str, value: int) -> None:
        with self._write() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO pull_cursors (name, value, updated_at) VALUES (:n, :v, :t) "
                    "ON CONFLICT (name) DO UPDATE SET value = :v, updated_at = :t"
                ),
                {"n": name, "v": int(value), "t": self._clock()},
            )

    def pull_fields(
        self, entity_type: str, field: str, keys: Iterable[str] | None = None, *, pending_only: bool = False
    ) -> dict[str, m.PullField]:
        """Every record's baseline and pending CRM change of one field, by shop key (with ``keys``: of
        those records only; ``pending_only``: of the records whose CRM change is not applied yet)."""
        c = pull_fields.c
        base = sa.select(c.entity_key, c.agreed, c.pending, c.pending_state, c.pending_at, c.note).where(
            c.entity_type == entity_type, c.field == field
        )
        if pending_only:
            base = base.where(c.pending.is_not(None))
        wanted = None if keys is None else sorted(set(keys))
        with self._read() as conn:
            if wanted is None:
                rows = conn.execute(base).all()
            else:
                rows = []
                for i in range(0, len(wanted), 500):
                    rows += conn.execute(base.where(c.entity_key.in_(wanted[i : i + 500]))).all()
        return {r[0]: m.PullField(r[0], r[1], r[2], r[3] or "", _opt_dt(r[4]), r[5] or "") for r in rows}

    def save_pull_fields(
        self,
        entity_type: str,
        field: str,
        items: Iterable[m.PullField],
        *,
        unchanged_since: datetime | None = None,
    ) -> None:
        """Store records' baselines and pending changes (each replaces what the record had). A change
        marked ``queued`` that no active or dead pull job of its record carries is stored released, as
        cancelling that job releases it (:meth:`_release_pulls`): a pull queues the job first and marks the
        change after, and a cancel in between (another desk's) found nothing to release yet.
        ``unchanged_since``: replace only what was not written at or after that moment (the queue's time,
        :meth:`now`), as a reconcile's reading does: a change a pull stored while the pass read the portal
        is newer than what the pass saw, and stays."""
        t = self._clock()
        fields = list(items)
        params = [
            {
                "e": entity_type,
                "k": i.entity_key,
                "f": field,
                "a": i.agreed,
                "p": i.pending,
                "s": i.state or None,
                "at": None if i.pending_at is None else i.pending_at.timestamp(),
                "n": i.note,
                "t": t,
            }
            for i in fields
        ]
        if not params:
            return
        guard = ""
        if unchanged_since is not None:
            guard = " WHERE pull_fields.updated_at < :since"
            for p in params:
                p["since"] = _ts(unchanged_since)
        with self._write() as conn:
            marked = {i.entity_key for i in fields if i.state == "queued"}
            carried = self._pulls_carrying(conn, entity_type, field, marked) if marked else set()
            for p in params:
                if p["k"] in marked - carried:
                    p.update(a=p["p"], p=None, s=None, at=None, n="")
            conn.execute(
                sa.text(
                    "INSERT INTO pull_fields (entity_type, entity_key, field, agreed, pending, "
                    "pending_state, pending_at, note, updated_at) "
                    "VALUES (:e, :k, :f, :a, :p, :s, :at, :n, :t) "
                    "ON CONFLICT (entity_type, entity_key, field) DO UPDATE SET agreed = :a, pending = :p, "
                    "pending_state = :s, pending_at = :at, note = :n, updated_at = :t" + guard
                ),
                params,
            )

    @classmethod
    def _pulls_carrying(
        cls, conn: sa.Connection, entity_type: str, field: str, keys: Iterable[str]
    ) -> set[str]:
        """The records of ``keys`` with an active or dead pull job carrying ``field``. Their jobs are read
        ``FOR SHARE`` (on PostgreSQL): a cancel of one not committed yet is waited for and then seen, and
        one that comes later waits for the caller, so finds the change marked and releases it."""
        held = cls._pull_jobs(conn, crm_of(entity_type), keys, m.PULL_HOLDING, lock="share")
        return {key for _id, key, _state, payload in held if field in payload}

    # --- the portal's operating-time budget per method ----------------------------------------------------

    def operating_budget(self, webhook: str) -> OperatingBudget:
        """The operating-time budget of ``webhook`` (its portal and user id, never its secret), kept here:
        for the next run, and in a team's queue for every runner."""
        return OperatingBudget(self, webhook)

    def operating_before_call(
        self, webhook: str, method: str, slow_at: float, spacing: float, now: float
    ) -> tuple[float | None, float | None, float | None, float]:
        """What is known of ``method``'s budget: (seconds used, reset at, paused until, wait). A pause that
        ended is forgotten with its figure; near the budget (``slow_at`` used, not paused) this takes the
        method's next turn, ``spacing`` seconds after the last one taken, in one atomic UPDATE."""
        key = {"w": webhook, "m": method}
        with self._write() as conn:
            row = conn.execute(
                sa.text(
                    "UPDATE operating_budget SET "
                    "next_call_at = CASE WHEN paused_until IS NULL AND used >= :slow THEN "
                    "(CASE WHEN next_call_at > :now THEN next_call_at ELSE :now END) + :sp "
                    "ELSE next_call_at END, "
                    "used = CASE WHEN paused_until <= :now THEN NULL ELSE used END, "
                    "paused_until = CASE WHEN paused_until <= :now THEN NULL ELSE paused_until END "
                    "WHERE webhook = :w AND method = :m "
                    "AND (paused_until <= :now OR (paused_until IS NULL AND used >= :slow)) "
                    "RETURNING used, reset_at, paused_until, next_call_at"
                ),
                {**key, "slow": slow_at, "sp": spacing, "now": now},
            ).one_or_none()
            if row is None:
                row = conn.execute(
                    sa.text(
                        "SELECT used, reset_at, paused_until, NULL FROM operating_budget "
                        "WHERE webhook = :w AND method = :m"
                    ),
                    key,
                ).one_or_none()
        if row is None:
            return None, None, None, 0.0
        used, reset_at, paused_until, turn = row
        wait = 0.0 if turn is None or paused_until is not None else max(0.0, turn - spacing - now)
        return used, reset_at, paused_until, wait

    def operating_seen(
        self,
        webhook: str,
        figures: Sequence[tuple[str, float, float | None, float]],
        pauses: Mapping[str, float],
    ) -> None:
        """Record answers' figures, (method, seconds used, reset at, measured at): the latest measurement
        of a method wins whatever order they arrive in; and pauses, by method: the later end wins. Rows are
        written in method order, so two runners never wait on each other's rows."""
        latest: dict[str, tuple[float | None, float | None, float]] = {}
        for method, figure, reset_at, at in figures:
            if method not in latest or at >= latest[method][2]:
                latest[method] = (figure, reset_at, at)
        unknown: tuple[float | None, float | None, float] = (None, None, 0.0)
        rows = []
        for method in sorted(latest.keys() | pauses.keys()):
            used, reset_at, at = latest.get(method, unknown)
            pause = pauses.get(method)
            rows.append({"w": webhook, "m": method, "u": used, "r": reset_at, "s": at, "p": pause})
        if not rows:
            return
        newer = "(excluded.used IS NOT NULL AND excluded.seen_at >= o.seen_at)"
        with self._write() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO operating_budget AS o "
                    "(webhook, method, used, seen_at, reset_at, paused_until) "
                    "VALUES (:w, :m, :u, :s, :r, :p) ON CONFLICT (webhook, method) DO UPDATE SET "
                    f"used = CASE WHEN {newer} THEN excluded.used ELSE o.used END, "
                    f"reset_at = CASE WHEN {newer} THEN COALESCE(excluded.reset_at, o.reset_at) "
                    "ELSE o.reset_at END, "
                    f"seen_at = CASE WHEN {newer} THEN excluded.seen_at ELSE o.seen_at END, "
                    "paused_until = CASE WHEN o.paused_until IS NULL "
                    "OR excluded.paused_until > o.paused_until THEN excluded.paused_until "
                    "ELSE o.paused_until END"
                ),
                rows,
            )

    # --- what a costly search found, remembered by name ----------------------------------------------------

    def recall(self, name: str) -> Any | None:
        """What :meth:`remember` kept under ``name`` (JSON values), or None."""
        with self._read() as conn:
            value = conn.execute(sa.select(remembered.c.value).where(remembered.c.name == name)).scalar()
        return None if value is None else json.loads(value)

    def remember(self, name: str, value: Any | None) -> None:
        """Keep ``value`` (JSON) under ``name``; None forgets it."""
        with self._write() as conn:
            if value is None:
                conn.execute(sa.delete(remembered).where(remembered.c.name == name))
                return
            conn.execute(
                sa.text(
                    "INSERT INTO remembered (name, value, updated_at) VALUES (:n, :v, :t) "
                    "ON CONFLICT (name) DO UPDATE SET value = :v, updated_at = :t"
                ),
                {"n": name, "v": json.dumps(value, ensure_ascii=False), "t": self._clock()},
            )

    def _raise_pruned_mark(self, conn: sa.Connection, job_id: int) -> None:
        """:data:`PRUNED_JOB` up to ``job_id``, never down: the upsert compares with the value it finds, which
        two desks pruning at once on a team's queue take in turn (the row is locked by the first)."""
        conn.execute(
            sa.text(
                "INSERT INTO remembered (name, value, updated_at) VALUES (:n, :v, :t) "
                "ON CONFLICT (name) DO UPDATE SET updated_at = :t, value = CASE "
                "WHEN CAST(remembered.value AS BIGINT) >= :m THEN remembered.value ELSE :v END"
            ),
            {"n": PRUNED_JOB, "v": json.dumps(job_id), "m": job_id, "t": self._clock()},
        )

    def pruned_job(self) -> int:
        """The highest id of a job :meth:`delete_done` deleted (0: none yet). A reader that saw every job up
        to an id at least this high has missed none of those deleted."""
        found = self.recall(PRUNED_JOB)
        return found if isinstance(found, int) else 0

    # --- what the last reconcile read, for the next one to go on from (see bitrix_monitor.sync.saved) -------

    def mirror_head(self) -> MirrorHead | None:
        """The saved reconcile state's generation, version and fingerprint (None: nothing saved)."""
        with self._read() as conn:
            row = conn.execute(self._head_query()).first()
        return None if row is None else _mirror_head(row)

    @staticmethod
    def _head_query() -> sa.Select[Any]:
        c = mirror_state.c
        return sa.select(c.generation, c.version, c.fingerprint, c.written_by, c.updated_at).where(
            c.name == MIRROR
        )

    def load_mirror(self) -> SavedMirror | None:
        """The saved reconcile state with all its items, as one transaction saw them (None: nothing saved)."""
        with self._read() as conn:
            if conn.dialect.name == "postgresql":  # one snapshot for both statements
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            row = conn.execute(sa.select(mirror_state.c.state).where(mirror_state.c.name == MIRROR)).first()
            if row is None:
                return None
            head = _mirror_head(conn.execute(self._head_query()).one())
            items: dict[str, list[tuple[str, str]]] = {}
            c = mirror_items.c
            for part, item, data in conn.execute(sa.select(c.part, c.item, c.data)):
                items.setdefault(part, []).append((item, data))
        return SavedMirror(head, row[0], items)

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
    ) -> int | None:
        """Write the reconcile state; returns its new generation. ``whole``: ``items`` are all of them (every
        item saved before is replaced); else they and ``gone`` (items to delete) change the state saved at
        generation ``base``, and nothing is written when the store holds another generation (None: the
        caller's base is out of date, and it writes the whole state or reloads)."""
        c = mirror_state.c
        with self._write() as conn:
            found = conn.execute(
                sa.select(c.generation, c.version, c.fingerprint).where(c.name == MIRROR).with_for_update()
            ).first()
            if not whole and (found is None or tuple(found) != (base, version, fingerprint)):
                return None
            generation = (found[0] if found is not None else 0) + 1
            values = {
                "generation": generation,
                "version": version,
                "fingerprint": fingerprint,
                "state": state,
                "written_by": written_by,
                "updated_at": self._clock(),
            }
            if found is None:
                conn.execute(sa.insert(mirror_state).values(name=MIRROR, **values))
            else:
                conn.execute(sa.update(mirror_state).where(c.name == MIRROR).values(**values))
            if whole:
                conn.execute(sa.delete(mirror_items))
                self._insert_items(conn, items)
                return generation
            dropped = [{"p": part, "i": item} for part, item in gone]
            if dropped:
                conn.execute(
                    sa.delete(mirror_items).where(
                        mirror_items.c.part == sa.bindparam("p"), mirror_items.c.item == sa.bindparam("i")
                    ),
                    dropped,
                )
            changed = [{"p": p, "i": i, "d": d} for p, i, d in items]
            if changed:
                conn.execute(
                    sa.text(
                        "INSERT INTO mirror_items (part, item, data) VALUES (:p, :i, :d) "
                        "ON CONFLICT (part, item) DO UPDATE SET data = excluded.data"
                    ),
                    changed,
                )
        return generation

    @staticmethod
    def _insert_items(conn: sa.Connection, items: Iterable[tuple[str, str, str]]) -> None:
        """Many rows: through the driver's executemany (no statement compiled per batch)."""
        sql = _INSERT_ITEM["qmark" if conn.dialect.paramstyle == "qmark" else "format"]
        batch: list[tuple[str, str, str]] = []
        for item in items:
            batch.append(item)
            if len(batch) >= 5_000:
                conn.exec_driver_sql(sql, batch)
                batch = []
        if batch:
            conn.exec_driver_sql(sql, batch)

    def drop_mirror(self) -> None:
        """Forget the saved reconcile state (the next reconcile of any process is a full pass)."""
        with self._write() as conn:
            conn.execute(sa.delete(mirror_state).where(mirror_state.c.name == MIRROR))
            conn.execute(sa.delete(mirror_items))


MIRROR = "reconcile"  # the one saved reconcile state's name


def _mirror_head(row: Sequence[Any]) -> MirrorHead:
    return MirrorHead(int(row[0]), int(row[1]), str(row[2]), str(row[3]), _dt(float(row[4])))


class OperatingBudget:
    """One webhook's operating-time budget per method in a job store, as the Bitrix client's
    :class:`~bitrix_monitor.bitrix.ratelimit.OperatingSource`."""

    def __init__(self, queue: JobQueue, webhook: str) -> None:
        self.queue = queue
        self.webhook = webhook

    def before_call(
        self, method: str, *, slow_at: float, spacing: float, now: float
    ) -> tuple[float | None, float | None, float | None, float]:
        return self.queue.operating_before_call(self.webhook, method, slow_at, spacing, now)

    def seen(
        self, figures: Sequence[tuple[str, float, float | None, float]], pauses: Mapping[str, float]
    ) -> None:
        self.queue.operating_seen(self.webhook, figures, pauses)
