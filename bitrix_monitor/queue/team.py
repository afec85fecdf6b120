"""The team's job queue: the same job store in a PostgreSQL database, shared by several desks and workers.

Everything about jobs is :class:`~bitrix_monitor.queue.store.JobQueue`'s own code; what differs lives here:

* the schema, created and migrated by the app itself (numbered, frozen DDL, as for the file);
* several runners at once: claims take rows ``FOR UPDATE SKIP LOCKED`` inside one ``UPDATE … RETURNING``
  (see :meth:`JobQueue.claim`), a unique partial index keeps one active job per record, leases are renewed
  by the runners' heartbeats and a dead runner's jobs are claimed again when its lease runs out; there is
  no runner lock;
* runners are woken by ``LISTEN/NOTIFY`` when jobs are queued, and poll when the notification is missed;
* every call is one short transaction, retried after the connection is lost (a database restart): a call
  whose commit went through but whose answer was lost is safe to repeat (a claim repeated leaves the first
  claim's jobs to run out their lease; a repeated outcome finds the lease gone);
* the portal's request budget lives here too (:class:`SharedBudget`), so runners share one rate limit, as
  does its operating-time budget per method (:class:`~bitrix_monitor.queue.store.OperatingBudget`, kept by
  the file too).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import random
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeVar

import psycopg
import sqlalchemy as sa

from bitrix_monitor import __version__
from bitrix_monitor.errors import ConfigError, UserFacingError
from bitrix_monitor.keepalive import libpq_keepalives
from bitrix_monitor.messages import Message
from bitrix_monitor.queue import model as m
from bitrix_monitor.queue.model import Job, TeamRunner
from bitrix_monitor.queue.schema import (
    DONE_INDEX_DDL,
    MIRROR_DDL,
    NO_ERROR,
    OPERATING_DDL,
    PULL_DDL,
    REMEMBERED_DDL,
    dumps,
    tidy_after_earlier_releases,
)
from bitrix_monitor.queue.store import Clock, Detail, JobQueue, RetryPolicy, _dt, _job, _opt_dt

log = logging.getLogger(__name__)

CHANNEL: Final = "bitrix_monitor_jobs"
_SCHEMES: Final = ("postgresql", "postgres", "postgresql+psycopg")
RECONNECT_SECONDS: Final = 60.0  # how long a call keeps trying while the database is away
_MIGRATION_LOCK: Final = 0x6269_7472_6978  # pg_advisory_xact_lock key: one migrator at a time
_NO_ERROR_SQL: Final = ", ".join(f"{column} = NULL" for column in NO_ERROR)  # what a success clears
# A runner unheard of for this long (neither a heartbeat nor its stop) is struck off the list of runners when
# another starts: every start of a desk, and every --sync run from cron, is a runner of its own, and the list
# would grow for ever. The window shows a day of them (RUNNERS_KEPT_IN_VIEW); the audit trail names who ran a
# job by this list, so a month of history keeps its desks' names, and an older line names the runner's host
# instead (as for a runner the list never held).
RUNNERS_FORGOTTEN_AFTER: Final = 30 * 86400.0


def is_queue_url(location: str) -> bool:
    """Whether ``location`` names a database (a URL) rather than a queue file."""
    return "://" in location


def check_queue_url(url: str) -> sa.URL:
    """Parse ``[queue] url``: a PostgreSQL URL without a password. Raises :class:`ConfigError`."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigError(
            Message("team.url", {"url": repr(url[:80])}),
            hint=Message(
                "config.hint.eg", {"example": '"postgresql://bitrix_monitor@db.example/bitrix_monitor"'}
            ),
        ) from None
    if parsed.drivername not in _SCHEMES:
        raise ConfigError(
            Message("team.url.backend", {"backend": repr(parsed.get_backend_name())}),
            hint=Message("team.url.backend.hint"),
        )
    if parsed.password is not None:
        said = {"section": "queue", "variable": "BITRIX_MONITOR_QUEUE_PASSWORD"}
        raise ConfigError(Message("config.password_in_url", said))
    if not parsed.database:
        raise ConfigError(Message("team.url.no_database"), hint=Message("team.url.no_database.hint"))
    return parsed


def describe(url: sa.URL) -> str:
    """The URL for messages: never a password."""
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


class QueueUnreachable(UserFacingError):
    """The team queue's database cannot be reached or refuses us."""

    def __init__(self, where: str, exc: BaseException) -> None:
        detail = " ".join(str(getattr(exc, "orig", exc)).split())[:300]
        super().__init__(
            Message("team.unreachable", {"where": where, "detail": detail}),
            hint=Message("team.unreachable.hint"),
        )


# --- schema ---------------------------------------------------------------------------------------------


def _v1_initial(conn: sa.Connection) -> None:
    """The job store as the file has it at its version 3, in PostgreSQL types."""
    for ddl in (
        """
        CREATE TABLE jobs (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            kind TEXT NOT NULL,
            entity_type TEXT NOT NULL,
            entity_key TEXT NOT NULL,
            family TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL CHECK (state IN
                ('queued', 'running', 'done', 'failed', 'in_doubt', 'dead', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_run_at DOUBLE PRECISION NOT NULL,
            lease_owner TEXT,
            lease_expires_at DOUBLE PRECISION,
            sending_at DOUBLE PRECISION,
            error_class TEXT,
            error_message TEXT,
            error_retryable BOOLEAN,
            result TEXT,
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            created_by TEXT NOT NULL,
            changed_again BOOLEAN NOT NULL DEFAULT FALSE,
            error_signature TEXT
        )
        """,
        "CREATE UNIQUE INDEX ux_jobs_one_active ON jobs (entity_type, entity_key, family) "
        "WHERE state IN ('queued', 'running', 'failed', 'in_doubt')",
        "CREATE INDEX ix_jobs_due ON jobs (kind, next_run_at, id) WHERE state IN ('queued', 'failed')",
        "CREATE INDEX ix_jobs_due_any ON jobs (next_run_at, id) WHERE state IN ('queued', 'failed')",
        "CREATE INDEX ix_jobs_lease ON jobs (lease_expires_at) WHERE state = 'running'",
        "CREATE INDEX ix_jobs_state ON jobs (state, updated_at)",
        "CREATE INDEX ix_jobs_entity ON jobs (entity_type, entity_key)",
        "CREATE INDEX ix_jobs_error_signature ON jobs (error_signature) WHERE state IN ('failed', 'dead')",
        """
        CREATE TABLE job_events (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            job_id BIGINT NOT NULL,
            at DOUBLE PRECISION NOT NULL,
            type TEXT NOT NULL,
            actor TEXT,
            detail TEXT NOT NULL DEFAULT '{}'
        )
        """,
        "CREATE INDEX ix_job_events_job ON job_events (job_id, id)",
        "CREATE INDEX ix_job_events_type_at ON job_events (type, at)",
        """
        CREATE TABLE restores (
            restore_key TEXT PRIMARY KEY,
            entity_type TEXT NOT NULL,
            archived_id BIGINT NOT NULL,
            entity_key TEXT NOT NULL,
            marker TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('sending', 'created', 'done')),
            new_id BIGINT,
            outcome TEXT,
            sending_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL
        )
        """,
        """
        CREATE TABLE merge_conflicts (
            entity_type TEXT NOT NULL,
            entity_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            ids TEXT NOT NULL,
            message TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (entity_type, entity_key)
        )
        """,
    ):
        conn.exec_driver_sql(ddl)


def _v2_team(conn: sa.Connection) -> None:
    """What only a shared queue has: the portal's request budget, the runners, jobs moved from desks."""
    for ddl in (
        """
        CREATE TABLE rate_budget (
            portal TEXT PRIMARY KEY,
            tat DOUBLE PRECISION NOT NULL  -- theoretical arrival time of the next request (GCRA), epoch s
        )
        """,
        """
        CREATE TABLE runners (
            owner TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            description TEXT NOT NULL,
            version TEXT NOT NULL,
            started_at DOUBLE PRECISION NOT NULL,
            heartbeat_at DOUBLE PRECISION NOT NULL,
            stopped_at DOUBLE PRECISION,
            last_error TEXT
        )
        """,
        """
        CREATE TABLE moved_jobs (
            source TEXT NOT NULL,
            source_job_id BIGINT NOT NULL,
            job_id BIGINT NOT NULL,
            moved_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (source, source_job_id)
        )
        """,
    ):
        conn.exec_driver_sql(ddl)


def _v3_pull_state(conn: sa.Connection) -> None:
    """Pulling from the CRM: read cursors and per-record baselines (as the file queue's version 4)."""
    for ddl in PULL_DDL:
        conn.exec_driver_sql(ddl.format(real="DOUBLE PRECISION"))


def _v4_remembered(conn: sa.Connection) -> None:
    """What a costly search found, remembered by name (as the file queue's version 5)."""
    conn.exec_driver_sql(REMEMBERED_DDL.format(real="DOUBLE PRECISION"))


def _v5_operating_budget(conn: sa.Connection) -> None:
    """The portal's operating-time budget per method, shared by the runners (the file queue's version 6)."""
    conn.exec_driver_sql(OPERATING_DDL.format(real="DOUBLE PRECISION"))


def _v6_done_index(conn: sa.Connection) -> None:
    """An index for each record's last done job (the file queue's version 7)."""
    conn.exec_driver_sql(DONE_INDEX_DDL)


def _v7_mirror(conn: sa.Connection) -> None:
    """What the last reconcile read, for any desk to go on from incrementally (the file queue's version 8)."""
    for ddl in MIRROR_DDL:
        conn.exec_driver_sql(ddl.format(real="DOUBLE PRECISION"))


def _v8_tidy_after_earlier_releases(conn: sa.Connection) -> None:
    """Done jobs and success's follow-ups lose the error of an earlier attempt; records held for a pull job
    cancelled (or otherwise gone) are released (the file queue's version 9)."""
    tidy_after_earlier_releases(conn)


MIGRATIONS: tuple[Callable[[sa.Connection], None], ...] = (
    _v1_initial,
    _v2_team,
    _v3_pull_state,
    _v4_remembered,
    _v5_operating_budget,
    _v6_done_index,
    _v7_mirror,
    _v8_tidy_after_earlier_releases,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


def prepare(engine: sa.Engine, where: str, *, upto: int = SCHEMA_VERSION) -> int:
    """Create or migrate the queue's tables to version ``upto``, one migrator at a time. Returns the version
    found. Raises :class:`QueueFileError`-like :class:`UserFacingError` for a newer or foreign schema."""
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        tables = set(sa.inspect(conn).get_table_names())
        if "schema_version" in tables:
            found = conn.exec_driver_sql("SELECT version FROM schema_version").scalar()
            if not isinstance(found, int):
                raise UserFacingError(Message("team.no_version", {"where": where}))
        elif "jobs" in tables:
            raise _not_ours(where)
        else:
            found = 0
            conn.exec_driver_sql("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            conn.exec_driver_sql("INSERT INTO schema_version (version) VALUES (0)")
        if found > SCHEMA_VERSION:
            raise _newer(where, found)
        for version in range(found + 1, upto + 1):
            MIGRATIONS[version - 1](conn)
        if upto > found:
            conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": upto})
    return found


def _not_ours(where: str) -> UserFacingError:
    return UserFacingError(Message("team.not_ours", {"where": where}), hint=Message("team.not_ours.hint"))


def _newer(where: str, found: int) -> UserFacingError:
    return UserFacingError(
        Message("team.newer", {"where": where, "found": found, "known": SCHEMA_VERSION}),
        hint=Message("team.newer.hint"),
    )


def _driver_url(url: str, password: str | None) -> tuple[sa.URL, sa.URL]:
    """``[queue] url`` checked, and the URL the driver connects with (the password added)."""
    parsed = check_queue_url(url)
    full = parsed.set(drivername="postgresql+psycopg")
    return parsed, full if password is None else full.set(password=password)


def _connect_args(url: sa.URL, application_name: str) -> dict[str, Any]:
    """What the app adds to ``[queue] url`` when it connects: a time limit on connecting, its name in the
    server's list of sessions, and keepalives, so that a call on a connection whose network went away fails
    in about 40 s (and is made again on a new one) instead of waiting for the system to give up; whatever
    the URL's query sets itself is left as it says."""
    wanted: dict[str, Any] = {"connect_timeout": 10, "application_name": application_name}
    return {k: v for k, v in wanted.items() if k not in url.query} | libpq_keepalives(url.query)


def probe_queue(url: str, password: str | None = None) -> Message:
    """Connect to the team queue at ``url`` and say in one line what is there, changing nothing: the queue's
    schema and its runners, or that the app will set the queue up on its first start. Raises
    :class:`ConfigError` for a URL that cannot be a team queue, :class:`QueueUnreachable` when the database
    cannot be reached or refuses us."""
    parsed, full = _driver_url(url, password)
    where = describe(parsed)
    engine = sa.create_engine(
        full,
        poolclass=sa.pool.NullPool,
        connect_args=_connect_args(full, "bitrix-monitor test"),
    )
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            if "schema_version" not in tables:
                if "jobs" in tables:
                    raise _not_ours(where)
                return Message("probe.queue.empty", {"where": where})
            version = conn.exec_driver_sql("SELECT version FROM schema_version").scalar()
            working = total = 0
            if "runners" in tables:
                working, total = conn.execute(
                    sa.text("SELECT COUNT(*) FILTER (WHERE stopped_at IS NULL), COUNT(*) FROM runners")
                ).one()
            if isinstance(version, int) and version > SCHEMA_VERSION:
                raise _newer(where, version)
            return Message(
                "probe.queue",
                {"where": where, "version": str(version), "working": working, "total": total},
            )
    except sa.exc.DBAPIError as exc:
        raise QueueUnreachable(where, exc) from exc
    finally:
        engine.dispose()


# --- the store --------------------------------------------------------------------------------------------

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")

# SQLSTATEs worth running a whole call again for: deadlock, serialization failure, a unique violation (two
# desks queueing one record at once: the second, run again, folds into the first), the server shutting down.
_RETRY_STATES: Final = frozenset({"40P01", "40001", "23505", "57P01", "57P02", "57P03"})


def _lost_connection(exc: sa.exc.DBAPIError) -> bool:
    return bool(exc.connection_invalidated) or isinstance(exc, sa.exc.OperationalError)


def _retry_state(exc: sa.exc.DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in _RETRY_STATES


def _reconnecting(method: _F) -> _F:
    """Run a store call again when the connection was lost or the database asks for it (see the module)."""

    @functools.wraps(method)
    def call(self: TeamQueue, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + self.reconnect_seconds
        delay = 0.1
        conflicts = 0
        while True:
            try:
                return method(self, *args, **kwargs)
            except sa.exc.DBAPIError as exc:
                lost = _lost_connection(exc)
                if not lost and not (_retry_state(exc) and conflicts < 5):
                    raise
                conflicts += not lost
                if time.monotonic() + delay > deadline:
                    raise QueueUnreachable(self.location, exc) from exc
                log.warning(
                    "team queue: %s (%s); trying again in %.1f s",
                    "connection lost" if lost else "conflict",
                    type(getattr(exc, "orig", exc)).__name__,
                    delay,
                )
                time.sleep(delay * (0.5 + random.random() / 2))
                delay = min(delay * 2, 5.0)

    return call  # type: ignore[return-value]


# Every method of the job store: each is one transaction (or a few), retried as a whole.
_STORE_METHODS: Final = (
    "enqueue_many", "renew", "reclaim_expired", "mark_sending", "record_events",
    "fail_many", "mark_in_doubt_many", "settle", "retry", "cancel", "resolve", "retry_matching",
    "error_signatures", "delete_done", "counts", "get", "list_jobs", "count_jobs", "events", "event_log",
    "ran_by", "last_done",
    "active_job", "history_for", "next_due_at", "activity", "restore_entry", "restore_sending",
    "restore_created", "restore_done", "conflict_fingerprints", "record_conflict", "clear_conflicts",
    "operating_before_call", "operating_seen", "pull_cursor", "set_pull_cursor", "pull_fields",
    "save_pull_fields", "supersede_pull_fields", "recall", "remember", "mirror_head", "load_mirror",
    "save_mirror", "drop_mirror", "pruned_job",
)  # fmt: skip


CLOCK_REMEASURED_AFTER: Final = 60.0  # seconds between measurements of this machine's clock offset


class _ServerClock:
    """This machine's clock moved by its offset from the database server's, measured when made and again
    when read after :data:`CLOCK_REMEASURED_AFTER` seconds, or at once when this machine's clock stepped
    since (its wall time moved against its monotonic time: a laptop waking, a time sync's correction): a desk
    still stamps jobs, leases and a pass's start in the server's time, which other desks compare them with.
    A measurement that fails, or whose round trip took long enough to blur it, keeps the last offset (the
    call reading the time fails on its own if the database is away).

    It measures on a connection of its own (``engine``: no pool), never on one of the queue's pool: the
    queue reads the clock inside its transactions, and a measurement that waited for a pooled connection
    while every one was held by such a transaction would stall that call for the pool's timeout."""

    SLOW: Final = 0.5  # seconds: a longer round trip says little about the offset

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.offset = 0.0
        self.measured = 0.0
        self.drift = 0.0  # this machine's wall time less its monotonic time, when last measured
        self._measure(first=True)

    def _measure(self, *, first: bool = False) -> None:
        with self.engine.connect() as conn:
            before = time.time()
            server = float(conn.exec_driver_sql("SELECT EXTRACT(EPOCH FROM clock_timestamp())").scalar_one())
            after = time.time()
        offset = server - (before + after) / 2
        self.measured, self.drift = time.monotonic(), time.time() - time.monotonic()
        if not first and after - before > self.SLOW and abs(offset - self.offset) < after - before:
            return  # blurred, and no step it could show
        if abs(offset) > 2.0 and abs(offset - self.offset) > 2.0:
            log.warning(
                "this machine's clock is %.1f s off the queue database's; the queue keeps the latter", offset
            )
        self.offset = offset

    def __call__(self) -> float:
        now = time.monotonic()
        stepped = abs(time.time() - now - self.drift) > 1.0
        if stepped or now - self.measured > CLOCK_REMEASURED_AFTER:
            try:
                self._measure()
            except sa.exc.SQLAlchemyError as exc:
                self.measured = time.monotonic()  # not again before the next interval
                self.drift = time.time() - self.measured
                log.info(
                    "the queue database's clock not read again (%s): the last offset kept", type(exc).__name__
                )
        return time.time() + self.offset


def _server_clock(url: sa.URL) -> _ServerClock:
    """This machine's clock moved by its offset from the database server's at ``url`` (see
    :class:`_ServerClock`), measured on connections made for it alone."""
    engine = sa.create_engine(
        url, poolclass=sa.pool.NullPool, connect_args=_connect_args(url, "bitrix-monitor clock")
    )
    try:
        return _ServerClock(engine)
    except BaseException:
        engine.dispose()
        raise


class TeamQueue(JobQueue):
    """The job queue in a PostgreSQL database, shared by every desk and worker pointed at it."""

    def __init__(
        self, url: sa.URL, engine: sa.Engine, *, policy: RetryPolicy, clock: Clock, rng: random.Random
    ):
        super().__init__(None, policy=policy, clock=clock, rng=rng, writer=engine, reader=engine)
        self.url = url
        self.reconnect_seconds = RECONNECT_SECONDS
        self._runs = 0  # runner_lock held within itself
        self._listener: psycopg.Connection[Any] | None = None
        self._server: _ServerClock | None = None  # the server's clock, when the queue keeps it

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        password: str | None = None,
        policy: RetryPolicy | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        reclaim: bool = True,
        pool_size: int = 4,
    ) -> TeamQueue:
        """Connect to the team queue at ``url`` (no password in it: ``password`` comes from the keyring or
        the environment), create or migrate its tables, and take back leases that ran out.

        Leases and due times are compared across machines, so by default the queue keeps the database
        server's time (this machine's clock, corrected by its offset from the server's when connecting)."""
        parsed, full = _driver_url(url, password)
        engine = sa.create_engine(
            full,
            # No pre-ping (a round trip per call): a connection lost in a restart fails its call, SQLAlchemy
            # drops the whole pool, and _reconnecting makes the call again on a new connection.
            pool_size=pool_size,
            max_overflow=16,
            connect_args=_connect_args(full, "bitrix-monitor"),
        )
        queue = cls(
            parsed,
            engine,
            policy=policy or RetryPolicy(),
            clock=clock or time.time,
            rng=rng or random.Random(),
        )
        try:
            try:
                with queue._errors():
                    prepare(engine, queue.location)
                    if clock is None:
                        queue._clock = queue._server = _server_clock(full)
            except sa.exc.OperationalError as exc:  # not there, or not letting us in: say so at once
                raise QueueUnreachable(queue.location, exc) from exc
            if reclaim:
                queue.reclaim_expired()
        except BaseException:
            engine.dispose()
            if queue._server is not None:
                queue._server.engine.dispose()
            raise
        return queue

    @property
    def location(self) -> str:
        return describe(self.url)

    @property
    def exclusive(self) -> bool:
        return False

    def close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(psycopg.Error):
                self._listener.close()
            self._listener = None
        if self._server is not None:
            self._server.engine.dispose()
        super().close()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Missing grants are the user's to fix; lost connections go on to :func:`_reconnecting`."""
        try:
            yield
        except sa.exc.ProgrammingError as exc:
            if isinstance(exc.orig, psycopg.errors.InsufficientPrivilege | psycopg.errors.UndefinedTable):
                raise QueueUnreachable(self.location, exc) from exc
            raise

    def _jobs_due_now(self, conn: sa.Connection) -> None:
        conn.exec_driver_sql(f"NOTIFY {CHANNEL}")

    # --- the hot path: claim and complete, one statement each -------------------------------------------
    # What JobQueue.claim and complete_many do in several statements (pick the kind, lease the jobs, note the
    # runner's heartbeat, log the events; lock the leased rows, finish them, log the events) is here one
    # statement of data-modifying CTEs: one round trip and one commit per batch, whatever the load on the
    # machine does to each round trip.

    @_reconnecting
    def claim(
        self,
        owner: str,
        *,
        kinds: Sequence[str] | None = None,
        limit: int = 50,
        lease_seconds: float = 120.0,
        now: datetime | None = None,
    ) -> list[Job]:
        if not owner:
            raise ValueError("a lease owner is required")
        t = self._now(now)
        only = "" if kinds is None else "AND kind = ANY(%(kinds)s::TEXT[]) "
        with self._write() as conn:
            rows = conn.exec_driver_sql(
                "WITH first AS (SELECT kind FROM jobs WHERE state IN ('queued', 'failed') "
                f"AND next_run_at <= %(t)s {only}ORDER BY next_run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED), "
                "due AS (SELECT id FROM jobs WHERE state IN ('queued', 'failed') "
                "AND kind = (SELECT kind FROM first) AND next_run_at <= %(t)s "
                "ORDER BY next_run_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED), "
                "seen AS (UPDATE runners SET heartbeat_at = %(t)s WHERE owner = %(owner)s), "
                "claimed AS (UPDATE jobs SET state = 'running', attempts = attempts + 1, "
                "lease_owner = %(owner)s, lease_expires_at = %(until)s, sending_at = NULL, "
                "changed_again = FALSE, updated_at = %(t)s WHERE id IN (SELECT id FROM due) RETURNING *), "
                "logged AS (INSERT INTO job_events (job_id, at, type, actor, detail) "
                "SELECT id, %(t)s, %(event)s, %(owner)s, '{\"attempt\":' || attempts || '}' FROM claimed "
                "ORDER BY next_run_at, id) "
                "SELECT * FROM claimed",
                {
                    "t": t,
                    "owner": owner,
                    "until": t + lease_seconds,
                    "limit": limit,
                    "kinds": None if kinds is None else list(kinds),
                    "event": m.EV_CLAIMED,
                },
            ).all()
        return sorted((_job(r) for r in rows), key=lambda j: (j.next_run_at, j.id))

    @_reconnecting
    def complete_many(
        self,
        owner: str,
        results: Iterable[tuple[int, Mapping[str, Any] | None]],
        detail: Detail = None,
        *,
        now: datetime | None = None,
    ) -> list[int]:
        by_id = dict(results)
        if not by_id:
            return []
        t = self._now(now)
        with self._write() as conn:
            rows = conn.exec_driver_sql(
                "WITH v AS (SELECT * FROM unnest(%(ids)s::BIGINT[], %(results)s::TEXT[], "
                "%(details)s::TEXT[]) WITH ORDINALITY AS v(id, result, detail, n)), "
                "held AS (SELECT j.id, j.kind, j.changed_again FROM jobs j JOIN v ON v.id = j.id "
                "WHERE j.state = 'running' AND j.lease_owner = %(owner)s FOR UPDATE OF j), "
                "follow AS (SELECT * FROM unnest(%(from)s::TEXT[], %(to)s::TEXT[]) AS f(kind, next_kind)), "
                "finished AS (UPDATE jobs SET "
                "state = CASE WHEN held.changed_again THEN 'queued' ELSE 'done' END, "
                "kind = CASE WHEN held.changed_again THEN COALESCE(follow.next_kind, jobs.kind) "
                "ELSE jobs.kind END, "
                "attempts = CASE WHEN held.changed_again THEN 0 ELSE jobs.attempts END, "
                "result = v.result, next_run_at = %(t)s, updated_at = %(t)s, lease_owner = NULL, "
                "lease_expires_at = NULL, sending_at = NULL, changed_again = FALSE, "
                f"{_NO_ERROR_SQL} "
                "FROM held JOIN v ON v.id = held.id LEFT JOIN follow ON follow.kind = held.kind "
                "WHERE jobs.id = held.id RETURNING jobs.id, jobs.state, jobs.kind, v.detail, v.n), "
                "logged AS (INSERT INTO job_events (job_id, at, type, actor, detail) "
                "SELECT e.id, %(t)s, e.type, %(owner)s, e.detail FROM ("
                "SELECT id, n, 1 AS o, %(completed)s AS type, detail FROM finished UNION ALL "
                "SELECT id, n, 2, %(requeued)s, '{\"kind\":' || to_json(kind)::TEXT || '}' FROM finished "
                "WHERE state = 'queued') AS e ORDER BY e.n, e.o) "
                "SELECT id FROM finished ORDER BY n",
                {
                    "ids": list(by_id),
                    "results": [None if r is None else dumps(dict(r)) for r in by_id.values()],
                    "details": [dumps({**(detail or {}), "result": r}) for r in by_id.values()],
                    "owner": owner,
                    "t": t,
                    "from": list(m.KINDS),
                    "to": [m.follow_up_kind(k) for k in m.KINDS],
                    "completed": m.EV_COMPLETED,
                    "requeued": m.EV_REQUEUED,
                },
            ).all()
        return [r[0] for r in rows]

    # The two statements every claim and outcome makes, one statement per batch instead of one per job (the
    # rows travel as arrays): fewer round trips and plans than a driver-level executemany.

    def _add_events(
        self, conn: sa.Connection, t: float, actor: str | None, entries: Iterable[tuple[int, str, Detail]]
    ) -> None:
        ids: list[int] = []
        types: list[str] = []
        details: list[str] = []
        for job_id, type_, detail in entries:
            ids.append(job_id)
            types.append(type_)
            details.append(dumps(dict(detail or {})))
        if ids:
            conn.exec_driver_sql(
                "INSERT INTO job_events (job_id, at, type, actor, detail) "
                "SELECT u.job_id, %(t)s, u.type, %(a)s, u.detail "
                "FROM unnest(%(i)s::BIGINT[], %(y)s::TEXT[], %(d)s::TEXT[]) WITH ORDINALITY "
                "AS u(job_id, type, detail, n) ORDER BY u.n",
                {"t": t, "a": actor, "i": ids, "y": types, "d": details},
            )

    def _write_finished(self, conn: sa.Connection, params: list[dict[str, Any]]) -> None:
        conn.exec_driver_sql(
            "UPDATE jobs SET state = v.state, kind = v.kind, attempts = COALESCE(v.attempts, jobs.attempts), "
            "result = v.result, next_run_at = v.t, updated_at = v.t, lease_owner = NULL, "
            f"lease_expires_at = NULL, sending_at = NULL, changed_again = FALSE, {_NO_ERROR_SQL} "
            "FROM unnest(%(i)s::BIGINT[], %(s)s::TEXT[], %(k)s::TEXT[], %(n)s::INTEGER[], %(r)s::TEXT[], "
            "%(t)s::DOUBLE PRECISION[]) AS v(id, state, kind, attempts, result, t) WHERE jobs.id = v.id",
            {
                "i": [p["b_id"] for p in params],
                "s": [p["b_state"] for p in params],
                "k": [p["b_kind"] for p in params],
                "n": [p["b_attempts"] for p in params],
                "r": [p["b_result"] for p in params],
                "t": [p["b_t"] for p in params],
            },
        )

    def _runner_seen(self, conn: sa.Connection, owner: str, t: float) -> None:
        conn.execute(sa.text("UPDATE runners SET heartbeat_at = :t WHERE owner = :o"), {"t": t, "o": owner})

    @_reconnecting
    def run_in_transaction(self, work: Callable[..., _T], *args: Any) -> _T:
        """``work(conn, *args)`` in one transaction, made again from the start if the connection is lost."""
        with self._write() as conn:
            return work(conn, *args)

    # --- runners ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def runner_lock(
        self, description: str, *, timeout: float | None = 0.0, desk: str | None = None
    ) -> Iterator[None]:
        """No lock: many runners share the queue. The runner is listed (its desk's name, pid, version,
        heartbeat) while it runs, for the team to see; held within itself (a worker's run inside its watch),
        the outer one names it and ends it (and strikes runners long gone off the list, see
        :data:`RUNNERS_FORGOTTEN_AFTER`). Its lease owner is this host and process, whatever ``desk``."""
        owner = f"{socket.gethostname()}:{os.getpid()}"
        outer = self._runs == 0
        self.heartbeat(owner, description if outer else None, desk=desk)
        self._runs += 1
        try:
            yield
        finally:
            self._runs -= 1
            if outer:
                with contextlib.suppress(UserFacingError, sa.exc.DBAPIError):
                    self._stopped(owner)

    @_reconnecting
    def heartbeat(
        self,
        owner: str,
        description: str | None = None,
        *,
        last_error: str | None = None,
        desk: str | None = None,
    ) -> None:
        """Say that ``owner`` is alive (and, if given, what it is and its last error). A runner is listed by
        ``desk`` ([queue] desk), else by the host its owner names: when first heard of, and again by the
        heartbeat that describes it (a run starting: a new process may have this owner's pid, under another
        desk). That heartbeat also strikes runners unheard of for :data:`RUNNERS_FORGOTTEN_AFTER` off the
        list; the others write the row's heartbeat, as ever."""
        t = self._clock()
        host, _, pid = owner.rpartition(":")
        name = desk or host or socket.gethostname()
        with self._write() as conn:
            if description is not None:
                # Rows another runner's start is striking off at this moment are passed over (SKIP LOCKED).
                conn.execute(
                    sa.text(
                        "DELETE FROM runners WHERE owner IN (SELECT owner FROM runners "
                        "WHERE GREATEST(heartbeat_at, COALESCE(stopped_at, heartbeat_at)) < :before "
                        "AND owner <> :o FOR UPDATE SKIP LOCKED)"
                    ),
                    {"before": t - RUNNERS_FORGOTTEN_AFTER, "o": owner},
                )
            conn.execute(
                sa.text(
                    "INSERT INTO runners (owner, host, pid, description, version, started_at, heartbeat_at, "
                    "last_error) VALUES (:o, :h, :p, :d, :v, :t, :t, :e) ON CONFLICT (owner) DO UPDATE SET "
                    "heartbeat_at = :t, stopped_at = NULL, version = :v, "
                    "host = COALESCE(:h2, runners.host), "
                    "description = COALESCE(:d2, runners.description), "
                    "last_error = COALESCE(:e, runners.last_error)"
                ),
                {
                    "o": owner,
                    "h": name,
                    "h2": None if description is None else name,
                    "p": int(pid) if pid.isdecimal() else 0,
                    "d": description or owner,
                    "d2": description,
                    "v": __version__,
                    "t": t,
                    "e": last_error,
                },
            )

    @_reconnecting
    def _stopped(self, owner: str) -> None:
        with self._write() as conn:
            conn.execute(
                sa.text("UPDATE runners SET stopped_at = :t WHERE owner = :o"),
                {"t": self._clock(), "o": owner},
            )

    @_reconnecting
    def runners(self) -> list[TeamRunner]:
        """Every runner that ever worked this queue, the most recently alive first."""
        with self._read() as conn:
            rows = conn.execute(sa.text("SELECT * FROM runners ORDER BY heartbeat_at DESC")).mappings().all()
        return [
            TeamRunner(
                owner=r["owner"],
                host=r["host"],
                pid=r["pid"],
                description=r["description"],
                version=r["version"],
                started_at=_dt(r["started_at"]),
                heartbeat_at=_dt(r["heartbeat_at"]),
                stopped_at=_opt_dt(r["stopped_at"]),
                last_error=r["last_error"],
            )
            for r in rows
        ]

    @_reconnecting
    def runner_desks(self, owners: Iterable[str]) -> dict[str, str]:
        """The name each of these lease owners is listed by (the ``host`` its run's start wrote: its desk's,
        or its host before desks were named), in one query; owners not listed are left out."""
        wanted = sorted(set(owners))
        if not wanted:
            return {}
        with self._read() as conn:
            rows = conn.execute(
                sa.text("SELECT owner, host FROM runners WHERE owner = ANY(:owners)"), {"owners": wanted}
            ).all()
        return {owner: host for owner, host in rows}

    # --- waking runners -----------------------------------------------------------------------------------

    def wait_for_jobs(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a notification that jobs were queued. Without a listening
        connection (the database is away) this sleeps: the runner polls."""
        try:
            listener = self._listen()
            for _ in listener.notifies(timeout=max(0.0, timeout), stop_after=1):
                while listener.pgconn.notifies() is not None:  # drain the rest: one wake-up is enough
                    pass
                return True
            return False
        except psycopg.Error as exc:
            log.info("team queue: not listening for new jobs (%s); polling", type(exc).__name__)
            with contextlib.suppress(psycopg.Error):
                if self._listener is not None:
                    self._listener.close()
            self._listener = None
            time.sleep(max(0.0, timeout))
            return False

    def _listen(self) -> psycopg.Connection[Any]:
        if self._listener is None or self._listener.closed:
            # As the engine connects (the URL's query included), with keepalives: a listener whose network
            # went away fails, and is made again, instead of waiting for notifications that never come.
            u = self._writer.url
            _, params = self._writer.dialect.create_connect_args(u)
            params.pop("context", None)  # the engine's type adapters: this connection only listens
            params.update(_connect_args(u, "bitrix-monitor listener"))
            self._listener = psycopg.connect(**params, autocommit=True)
            self._listener.execute(f"LISTEN {CHANNEL}")
        return self._listener

    # --- the portal's request budget -------------------------------------------------------------------

    def budget(self, portal: str, burst: float, drain: float) -> SharedBudget:
        """The request budget of ``portal`` (its address, never the webhook secret) that every runner on
        this queue takes its requests from."""
        return SharedBudget(self, portal, burst, drain)

    @_reconnecting
    def take_slot(
        self, portal: str, interval: float, tolerance: float, *, at: float | None = None
    ) -> tuple[float, float]:
        """Reserve the portal's next request slot: a generic cell-rate algorithm over one row, in one
        atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING``. Returns (when the request may go out, now),
        epoch seconds by the database's clock (``at`` replaces it, for tests)."""
        with self._write() as conn:
            slot, now = conn.execute(
                sa.text(
                    "WITH t AS (SELECT COALESCE(CAST(:at AS DOUBLE PRECISION), "
                    "EXTRACT(EPOCH FROM clock_timestamp())::DOUBLE PRECISION) AS now) "
                    "INSERT INTO rate_budget AS b (portal, tat) SELECT :p, t.now + :i FROM t "
                    "ON CONFLICT (portal) DO UPDATE SET tat = GREATEST(b.tat, (SELECT now FROM t)) + :i "
                    "RETURNING GREATEST(b.tat - :i - :tol, (SELECT now FROM t)), (SELECT now FROM t)"
                ),
                {"at": at, "p": portal, "i": interval, "tol": tolerance},
            ).one()
        return float(slot), float(now)

    @_reconnecting
    def budget_refused(self, portal: str, interval: float, tolerance: float) -> None:
        """The portal refused a request (its bucket is full): nobody sends before the bucket drained."""
        with self._write() as conn:
            conn.execute(
                sa.text(
                    "UPDATE rate_budget SET tat = GREATEST(tat, EXTRACT(EPOCH FROM clock_timestamp()) "
                    "+ :tol + :i) WHERE portal = :p"
                ),
                {"p": portal, "i": interval, "tol": tolerance},
            )


for _name in _STORE_METHODS:
    setattr(TeamQueue, _name, _reconnecting(getattr(JobQueue, _name)))


class SharedBudget:
    """A leaky bucket kept in the queue's database: the portal's one rate limit, shared by every runner.

    Plugs into :class:`~bitrix_monitor.bitrix.ratelimit.LeakyBucket` as its slot source."""

    def __init__(self, queue: TeamQueue, portal: str, burst: float, drain: float, *, margin: float = 2.0):
        self.queue = queue
        self.portal = portal
        self.interval = 1.0 / drain
        capacity = max(1.0, burst - margin)
        self.tolerance = (capacity - 1.0) * self.interval

    def reserve(self) -> float:
        """Take the next slot; returns how long to wait before sending (0 = now)."""
        slot, now = self.queue.take_slot(self.portal, self.interval, self.tolerance)
        return max(0.0, slot - now)

    def refused(self) -> None:
        self.queue.budget_refused(self.portal, self.interval, self.tolerance)


def open_queue(
    location: str | Path,
    *,
    password: str | None = None,
    policy: RetryPolicy | None = None,
    clock: Clock = time.time,
    rng: random.Random | None = None,
) -> JobQueue:
    """The queue at ``location``: a team queue for a PostgreSQL URL, else this desk's queue file."""
    if isinstance(location, str) and is_queue_url(location):
        return TeamQueue.connect(
            location, password=password, policy=policy, clock=None if clock is time.time else clock, rng=rng
        )
    return JobQueue.open(Path(location), policy=policy, clock=clock, rng=rng)
