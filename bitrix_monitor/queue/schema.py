"""The queue file: tables, numbered migrations, and opening a SQLite file safely.

Times are stored as UTC seconds since the epoch (REAL); JSON columns hold compact JSON text. The schema
version lives in the one-row table ``schema_version``. Migrations are frozen DDL (or a one-off repair of
what an earlier release left in the rows), one function per version, never rewritten once released: a file
written by any earlier release is brought up to :data:`SCHEMA_VERSION` when it is opened, in one
transaction.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from bitrix_monitor.kinds import ALL as ALL_KINDS
from bitrix_monitor.messages import Message
from bitrix_monitor.queue import model as m
from bitrix_monitor.queue.model import ACTIVE_STATES, DUE_STATES, QueueFileError, error_signature

BUSY_TIMEOUT_MS = 30_000

metadata = sa.MetaData()

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("entity_type", sa.Text, nullable=False),
    sa.Column("entity_key", sa.Text, nullable=False),
    sa.Column("family", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_run_at", sa.Float, nullable=False),
    sa.Column("lease_owner", sa.Text),
    sa.Column("lease_expires_at", sa.Float),
    sa.Column("sending_at", sa.Float),
    sa.Column("error_class", sa.Text),
    sa.Column("error_message", sa.Text),
    sa.Column("error_retryable", sa.Boolean),
    sa.Column("result", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("changed_again", sa.Boolean, nullable=False),
    sa.Column("error_signature", sa.Text),  # since version 2
    sqlite_autoincrement=True,
)

restores = sa.Table(  # since version 3
    "restores",
    metadata,
    sa.Column("restore_key", sa.Text, primary_key=True),
    sa.Column("entity_type", sa.Text, nullable=False),
    sa.Column("archived_id", sa.Integer, nullable=False),
    sa.Column("entity_key", sa.Text, nullable=False),
    sa.Column("marker", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("new_id", sa.Integer),
    sa.Column("outcome", sa.Text),
    sa.Column("sending_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

merge_conflicts = sa.Table(  # since version 3
    "merge_conflicts",
    metadata,
    sa.Column("entity_type", sa.Text, primary_key=True),
    sa.Column("entity_key", sa.Text, primary_key=True),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("ids", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

pull_cursors = sa.Table(  # since version 4
    "pull_cursors",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

pull_fields = sa.Table(  # since version 4
    "pull_fields",
    metadata,
    sa.Column("entity_type", sa.Text, primary_key=True),
    sa.Column("entity_key", sa.Text, primary_key=True),
    sa.Column("field", sa.Text, primary_key=True),
    sa.Column("agreed", sa.Text),  # the last value both sides agreed on (the baseline)
    sa.Column("pending", sa.Text),  # a CRM value not applied to the shop yet
    sa.Column("pending_state", sa.Text),  # why: "conflict", "needs_stage_mapping", "not_permitted", …
    sa.Column("pending_at", sa.Float),  # when the CRM changed it (epoch s), when known
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

remembered = sa.Table(  # since version 5
    "remembered",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON
    sa.Column("updated_at", sa.Float, nullable=False),
)

mirror_state = sa.Table(  # since version 8
    "mirror_state",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("generation", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # JSON
    sa.Column("written_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

mirror_items = sa.Table(  # since version 8
    "mirror_items",
    metadata,
    sa.Column("part", sa.Text, primary_key=True),
    sa.Column("item", sa.Text, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),  # JSON
)

job_events = sa.Table(
    "job_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("job_id", sa.Integer, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("actor", sa.Text),
    sa.Column("detail", sa.Text, nullable=False),
)


# What a done job, or one queued again as a success's follow-up, has for its error: none. The attempts
# that failed stay in its events, and "all with this error" no longer counts it.
NO_ERROR: Mapping[str, None] = {
    "error_class": None,
    "error_message": None,
    "error_retryable": None,
    "error_signature": None,
}

# A CRM change a pull job was to write, seen and overruled (as "keep the shop's" settles a conflict): it
# becomes its field's baseline, so the record is no longer held for it. Per (entity type ``e`` as the shop
# names it, key ``k``, field ``f``) at time ``t``; a change waiting for a person (a conflict, …) stays theirs.
RELEASE_PULL_FIELD = (
    pull_fields.update()
    .where(
        pull_fields.c.entity_type == sa.bindparam("e"),
        pull_fields.c.entity_key == sa.bindparam("k"),
        pull_fields.c.field == sa.bindparam("f"),
        pull_fields.c.pending_state == "queued",
    )
    .values(
        agreed=pull_fields.c.pending,
        pending=None,
        pending_state=None,
        pending_at=None,
        note="",
        updated_at=sa.bindparam("t"),
    )
)


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# --- migrations -----------------------------------------------------------------------------------------


def _v1_initial(conn: sa.Connection) -> None:
    """The first release: jobs, their event log, one active job per entity and family."""
    conn.exec_driver_sql(
        """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            entity_type TEXT NOT NULL,
            entity_key TEXT NOT NULL,
            family TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL CHECK (state IN
                ('queued', 'running', 'done', 'failed', 'in_doubt', 'dead', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_run_at REAL NOT NULL,
            lease_owner TEXT,
            lease_expires_at REAL,
            sending_at REAL,
            error_class TEXT,
            error_message TEXT,
            error_retryable INTEGER,
            result TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            changed_again INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    conn.exec_driver_sql(
        "CREATE UNIQUE INDEX ux_jobs_one_active ON jobs (entity_type, entity_key, family) "
        "WHERE state IN ('queued', 'running', 'failed', 'in_doubt')"
    )
    conn.exec_driver_sql(
        "CREATE INDEX ix_jobs_due ON jobs (kind, next_run_at, id) WHERE state IN ('queued', 'failed')"
    )
    conn.exec_driver_sql(
        "CREATE INDEX ix_jobs_due_any ON jobs (next_run_at, id) WHERE state IN ('queued', 'failed')"
    )
    conn.exec_driver_sql("CREATE INDEX ix_jobs_lease ON jobs (lease_expires_at) WHERE state = 'running'")
    conn.exec_driver_sql("CREATE INDEX ix_jobs_state ON jobs (state, updated_at)")
    conn.exec_driver_sql("CREATE INDEX ix_jobs_entity ON jobs (entity_type, entity_key)")
    conn.exec_driver_sql(
        """
        CREATE TABLE job_events (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL,
            at REAL NOT NULL,
            type TEXT NOT NULL,
            actor TEXT,
            detail TEXT NOT NULL DEFAULT '{}'
        )
        """
    )
    conn.exec_driver_sql("CREATE INDEX ix_job_events_job ON job_events (job_id, id)")
    conn.exec_driver_sql("CREATE INDEX ix_job_events_type_at ON job_events (type, at)")


def _v2_error_signature(conn: sa.Connection) -> None:
    """ "Retry all with this error": store each job's error signature, indexed, and fill it in."""
    conn.exec_driver_sql("ALTER TABLE jobs ADD COLUMN error_signature TEXT")
    rows = conn.exec_driver_sql(
        "SELECT id, error_class, error_message FROM jobs WHERE error_class IS NOT NULL"
    ).all()
    if rows:
        conn.exec_driver_sql(
            "UPDATE jobs SET error_signature = ? WHERE id = ?",
            [(error_signature(cls, msg or ""), id_) for id_, cls, msg in rows],
        )
    conn.exec_driver_sql(
        "CREATE INDEX ix_jobs_error_signature ON jobs (error_signature) WHERE state IN ('failed', 'dead')"
    )


def _v3_restores_and_conflicts(conn: sa.Connection) -> None:
    """The restore ledger (one row per archived record restored: exactly once, like creates) and the merge
    conflicts waiting for a person (re-planned only when their fingerprint changes)."""
    conn.exec_driver_sql(
        """
        CREATE TABLE restores (
            restore_key TEXT PRIMARY KEY,
            entity_type TEXT NOT NULL,
            archived_id INTEGER NOT NULL,
            entity_key TEXT NOT NULL,
            marker TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('sending', 'created', 'done')),
            new_id INTEGER,
            outcome TEXT,
            sending_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )
        """
    )
    conn.exec_driver_sql(
        """
        CREATE TABLE merge_conflicts (
            entity_type TEXT NOT NULL,
            entity_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            ids TEXT NOT NULL,
            message TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (entity_type, entity_key)
        )
        """
    )


PULL_DDL = (
    """
    CREATE TABLE pull_cursors (
        name TEXT PRIMARY KEY,
        value BIGINT NOT NULL,
        updated_at {real} NOT NULL
    )
    """,
    """
    CREATE TABLE pull_fields (
        entity_type TEXT NOT NULL,
        entity_key TEXT NOT NULL,
        field TEXT NOT NULL,
        agreed TEXT,
        pending TEXT,
        pending_state TEXT,
        pending_at {real},
        note TEXT NOT NULL DEFAULT '',
        updated_at {real} NOT NULL,
        PRIMARY KEY (entity_type, entity_key, field)
    )
    """,
)


def _v4_pull_state(conn: sa.Connection) -> None:
    """Pulling from the CRM: read cursors (a restart resumes) and per record and field the value both sides
    last agreed on, with a CRM change not applied yet and why."""
    for ddl in PULL_DDL:
        conn.exec_driver_sql(ddl.format(real="REAL"))


REMEMBERED_DDL = """
    CREATE TABLE remembered (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at {real} NOT NULL
    )
"""


def _v5_remembered(conn: sa.Connection) -> None:
    """What a costly search found, remembered by name (the deals made before origin ids, by title)."""
    conn.exec_driver_sql(REMEMBERED_DDL.format(real="REAL"))


# The portal's operating-time budget per webhook and method (the webhook as its portal and user id, never
# its secret): the last figure heard and when it was measured, when its oldest bucket drops out, until when
# the method is paused, and the next turn of a method called near its budget. Unix seconds.
OPERATING_DDL = """
    CREATE TABLE operating_budget (
        webhook TEXT NOT NULL,
        method TEXT NOT NULL,
        used {real},
        seen_at {real} NOT NULL,
        reset_at {real},
        paused_until {real},
        next_call_at {real} NOT NULL DEFAULT 0,
        PRIMARY KEY (webhook, method)
    )
"""


def _v6_operating_budget(conn: sa.Connection) -> None:
    """The portal's operating-time budget per method, kept for the next run (and, in a team's queue, for
    every runner)."""
    conn.exec_driver_sql(OPERATING_DDL.format(real="REAL"))


# When each record's last job was done ("last synced"), read by one grouped query over this index alone:
# the done jobs in (entity, key) order with their times, so the GROUP BY streams without a sort.
DONE_INDEX_DDL = (
    "CREATE INDEX ix_jobs_done ON jobs (entity_type, entity_key, updated_at) WHERE state = 'done'"
)


def _v7_done_index(conn: sa.Connection) -> None:
    """An index for each record's last done job (the window's "last synced")."""
    conn.exec_driver_sql(DONE_INDEX_DDL)


# What the last reconcile left for the next one to go on from incrementally (see
# :mod:`bitrix_monitor.sync.saved`): one row of state per name, its generation (a writer whose base is older
# than the stored one rewrites it whole), the state's format version and the identity of the shop, portal and
# mapping it belongs to (a fingerprint); and its items (shop rows, portal records) one row each, so that a
# pass writes only what it changed.
MIRROR_DDL = (
    """
    CREATE TABLE mirror_state (
        name TEXT PRIMARY KEY,
        generation BIGINT NOT NULL,
        version INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        written_by TEXT NOT NULL,
        updated_at {real} NOT NULL
    )
    """,
    """
    CREATE TABLE mirror_items (
        part TEXT NOT NULL,
        item TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (part, item)
    )
    """,
)


def _v8_mirror(conn: sa.Connection) -> None:
    """What the last reconcile read and where the next incremental one starts, kept with the queue."""
    for ddl in MIRROR_DDL:
        conn.exec_driver_sql(ddl.format(real="REAL"))


# Events that leave a queued job as it was: a change folded into it, a note that it was moved.
_NO_TRANSITION = (m.EV_FOLDED, m.EV_MOVED)


def tidy_after_earlier_releases(conn: sa.Connection) -> None:
    """What releases before this one left behind, put right once (both back-ends' migration; set-based, a
    no-op when run again):

    * a done job, or one queued again as a success's follow-up (the last of its events that changed it was
      the success: only changes folded in since), keeps no error of an earlier attempt, as finishing a job
      now leaves it (``updated_at`` stays: it is the record's "last synced");
    * a record held for a pull job that no longer writes it (cancelled, or done without writing it: no pull
      job of the record is active or dead) is released as cancelling the job now releases it
      (:data:`RELEASE_PULL_FIELD`).
    """
    has_error = sa.or_(*(jobs.c[column].is_not(None) for column in NO_ERROR))
    conn.execute(jobs.update().where(jobs.c.state == m.DONE, has_error).values(**NO_ERROR))
    ev = job_events.c
    last_said = (
        sa.select(ev.type)
        .where(ev.job_id == jobs.c.id, ev.type.not_in(_NO_TRANSITION))
        .order_by(ev.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    follow_up = last_said.in_((m.EV_COMPLETED, m.EV_REQUEUED))
    conn.execute(jobs.update().where(jobs.c.state == m.QUEUED, has_error, follow_up).values(**NO_ERROR))

    # The queued changes' rows first, locked (on PostgreSQL: a desk's pull writing one waits for this
    # transaction), then the pull jobs as they are now: a job queued meanwhile is seen, since a pull queues
    # the job before it marks the change queued.
    c = pull_fields.c
    queued = conn.execute(
        sa.select(c.entity_type, c.entity_key, c.field).where(c.pending_state == "queued").with_for_update()
    ).all()
    if not queued:
        return
    held = {
        (entity_type, key)
        for entity_type, key in conn.execute(
            sa.select(jobs.c.entity_type, jobs.c.entity_key).where(
                jobs.c.family == m.PULL, jobs.c.state.in_(m.PULL_HOLDING)
            )
        )
    }
    crm = {k.name: k.crm for k in ALL_KINDS}
    t = time.time()
    released = [
        {"e": e, "k": k, "f": f, "t": t} for e, k, f in queued if e in crm and (crm[e], k) not in held
    ]
    if released:
        conn.execute(RELEASE_PULL_FIELD, released)


def _v9_tidy_after_earlier_releases(conn: sa.Connection) -> None:
    """Done jobs and success's follow-ups lose the error of an earlier attempt; records held for a pull job
    cancelled (or otherwise gone) are released."""
    tidy_after_earlier_releases(conn)


MIGRATIONS: tuple[Callable[[sa.Connection], None], ...] = (
    _v1_initial,
    _v2_error_signature,
    _v3_restores_and_conflicts,
    _v4_pull_state,
    _v5_remembered,
    _v6_operating_budget,
    _v7_done_index,
    _v8_mirror,
    _v9_tidy_after_earlier_releases,
)
SCHEMA_VERSION = len(MIGRATIONS)

# Keep the Python side and the frozen DDL in step.
assert _sql_list(ACTIVE_STATES) == "'queued', 'running', 'failed', 'in_doubt'"
assert _sql_list(DUE_STATES) == "'queued', 'failed'"


# --- opening ----------------------------------------------------------------------------------------------


def _is_file_problem(exc: BaseException) -> Message | None:
    """Describe a SQLite error that means the file itself is unusable, or None for any other error."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return Message("queue.file.corrupt")
    if "readonly" in text or "read-only" in text:
        return Message("queue.file.read_only")
    if "unable to open" in text:
        return Message("queue.file.unopenable")
    if "disk is full" in text:
        return Message("queue.file.disk_full")
    if "disk i/o error" in text:
        return Message("queue.file.io_error")
    return None


@contextlib.contextmanager
def translate_file_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's "not a database", "malformed" and "read-only" errors into :class:`QueueFileError`."""
    try:
        yield
    except (sa.exc.DBAPIError, sqlite3.DatabaseError) as exc:
        problem = _is_file_problem(exc)
        if problem is None:
            raise
        raise QueueFileError(path, problem, hint=_hint_for(problem)) from exc


def _hint_for(problem: Message) -> Message:
    if problem.code == "queue.file.read_only":
        return Message("queue.file.read_only.hint")
    if problem.code in ("queue.file.disk_full", "queue.file.io_error"):
        return Message("queue.file.disk.hint")
    return Message("queue.file.corrupt.hint")


def make_engine(path: Path, *, immediate: bool) -> sa.Engine:
    """An engine on the queue file. ``immediate``: every transaction starts with ``BEGIN IMMEDIATE``, so
    writers queue up on SQLite's write lock (waiting up to the busy timeout) instead of failing when a read
    transaction would have to be upgraded."""
    engine = sa.create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        poolclass=sa.pool.QueuePool,
        pool_size=4,
        max_overflow=32,
        pool_timeout=BUSY_TIMEOUT_MS / 1000,
    )
    begin_sql = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous = NORMAL")  # WAL: durable against a crash of the app
            cursor.execute("PRAGMA cache_size = -16000")  # 16 MB: index pages of a long history stay hot
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql(begin_sql)

    return engine


def _looks_read_only(path: Path) -> bool:
    """The file is marked read-only (no write permission bit), or we may not write it or its folder."""
    if not path.exists():
        return not os.access(path.parent, os.W_OK)
    mode = path.stat().st_mode
    return not (mode & 0o222) or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)


def prepare(
    path: Path, engine: sa.Engine, *, upto: int = SCHEMA_VERSION, integrity_check: bool = True
) -> int:
    """Check the file, switch it to WAL and migrate it to version ``upto``. Returns the version it had.

    Raises :class:`QueueFileError` for a corrupted, foreign, read-only or newer file: it is never replaced.
    """
    if _looks_read_only(path):
        problem = Message("queue.file.read_only")
        raise QueueFileError(path, problem, hint=_hint_for(problem))
    with translate_file_errors(path):
        raw = engine.raw_connection()
        try:
            mode = raw.execute("PRAGMA journal_mode = WAL").fetchone()[0]  # not inside a transaction
        finally:
            raw.close()
        if str(mode).lower() != "wal":
            raise QueueFileError(path, Message("queue.file.wal", {"mode": str(mode)}))
        with engine.begin() as conn:
            found = _current_version(path, conn)
            if found > SCHEMA_VERSION:
                raise QueueFileError(
                    path,
                    Message("queue.file.newer", {"found": found, "known": SCHEMA_VERSION}),
                    hint=Message("queue.file.newer.hint"),
                )
            if found == 0:
                conn.exec_driver_sql("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                conn.exec_driver_sql("INSERT INTO schema_version (version) VALUES (0)")
            for version in range(found + 1, upto + 1):
                MIGRATIONS[version - 1](conn)
            # Always written, even when nothing changes: SQLite opens a file it may not write read-only
            # without a word, and this is where we find out rather than at the first enqueue.
            conn.exec_driver_sql("UPDATE schema_version SET version = ?", (max(found, upto),))
        if not integrity_check:
            return found
        with engine.connect() as conn:
            problems = conn.exec_driver_sql("PRAGMA quick_check(1)").scalar()
            conn.rollback()
        if problems != "ok":
            first = " ".join(str(problems).split())  # one line for the message
            problem = Message("queue.file.integrity", {"first": first})
            raise QueueFileError(path, problem, hint=_hint_for(problem))
    return found


def _current_version(path: Path, conn: sa.Connection) -> int:
    tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" in tables:
        version = conn.exec_driver_sql("SELECT version FROM schema_version").scalar()
        if not isinstance(version, int):
            raise QueueFileError(path, Message("queue.file.no_version"))
        return version
    if tables - {"sqlite_sequence"}:
        raise QueueFileError(path, Message("queue.file.foreign"), hint=Message("queue.file.foreign.hint"))
    return 0


def move_aside(path: str | Path, *, label: str = "corrupt") -> Path:
    """Rename an unusable queue file (and its -wal/-shm companions) to ``<name>.<label>-<UTC time>``.

    Returns the new path of the main file. Nothing is deleted.
    """
    path = Path(path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    path.rename(target)
    return target


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
