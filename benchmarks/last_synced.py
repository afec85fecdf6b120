""" "Last synced" at scale: each record's last done job, read from a history of a million jobs.

The window shows, per record, when its last job was done. The service reads it with one grouped query
(``JobStore.last_done``) over the whole history on its first snapshot, then only what was done since its last
read. This measures both, on the file queue (SQLite) and on the team queue (PostgreSQL, a fresh database on
``BM_BENCH_POSTGRES_URL``, dropped afterwards), with ``--history`` done jobs (default 1,000,000) over
``--records`` records (default 600,000 orders and users: most synced once or twice), and the whole read
again without the ``ix_jobs_done`` index for comparison on PostgreSQL (the file queue's query names the index
it reads, as SQLite's planner would otherwise take the state index and sort 600,000 groups in a temporary
b-tree, 2-4 times slower by a measure made while writing this):

* whole history: ``last_done()``, the rows turned into a key -> time map per kind (first run, then again);
* since: ``last_done(since=...)`` when the last 1,000 jobs are new.

    .venv/bin/python -m benchmarks.last_synced [--history N] [--records N] [--no-pg]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.queue_pg import fresh_database
from bitrix_monitor.queue import JobQueue, TeamQueue

TYPES = ("deal", "contact")
NEW = 1_000  # jobs done after the last read


def _rows(n: int, records: int, t0: float) -> list[tuple[Any, ...]]:
    """Done jobs: record ``i % records`` (deals for most, contacts for the rest), one a second."""
    out = []
    for i in range(n):
        r = i % records
        entity = TYPES[0] if r % 5 else TYPES[1]
        out.append(
            (f"{entity}.update", entity, str(r), "sync", "{}", "done", 1, t0 + i, t0 + i, t0 + i, "sync")
        )
    return out


_INSERT = (
    "INSERT INTO jobs (kind, entity_type, entity_key, family, payload, state, attempts, next_run_at,"
    " created_at, updated_at, created_by, changed_again) VALUES ({}, FALSE)"
)


def _timed(out: dict[str, Any], name: str, action: Callable[[], Any]) -> Any:
    """Wall time, and this process's CPU time (the database server's, for PostgreSQL, is not in it)."""
    started, cpu = time.perf_counter(), time.process_time()
    got = action()
    out[name] = (time.perf_counter() - started, time.process_time() - cpu)
    return got


def measure(queue: JobQueue, since: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {}
    found = _timed(out, "whole history, first", queue.last_done)
    _timed(out, "whole history, again", queue.last_done)
    out["records"] = sum(len(v) for v in found.values())
    recent = _timed(out, "since (the last 1,000 jobs)", lambda: queue.last_done(since=since))
    out["records since"] = sum(len(v) for v in recent.values())
    return out


def file_queue(n: int, records: int) -> tuple[dict[str, Any], None]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "queue.sqlite3"
        JobQueue.open(path).close()
        t0 = float(int(time.time()) - n - 3600)
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA synchronous = OFF")
        conn.executemany(_INSERT.format(", ".join("?" * 11)).replace("FALSE", "0"), _rows(n, records, t0))
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        since = datetime.fromtimestamp(t0 + n - NEW, UTC)
        queue = JobQueue.open(path)
        try:
            return measure(queue, since), None  # the query names its index: it cannot go without it
        finally:
            queue.close()


def team_queue(n: int, records: int) -> tuple[dict[str, Any], dict[str, Any]]:
    with fresh_database() as url:
        TeamQueue.connect(url).close()
        t0 = float(int(time.time()) - n - 3600)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        rows = _rows(n, records, t0)
        with engine.begin() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            with raw.cursor() as cur:  # type: ignore[attr-defined]
                cur.executemany(_INSERT.format(", ".join(["%s"] * 11)), rows)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE jobs")
        since = datetime.fromtimestamp(t0 + n - NEW, UTC)
        queue = TeamQueue.connect(url)
        try:
            with_index = measure(queue, since)
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP INDEX ix_jobs_done")
            without = measure(queue, since)
        finally:
            queue.close()
            engine.dispose()
    return with_index, without


def _print(title: str, with_index: dict[str, Any], without: dict[str, Any] | None) -> None:
    print(f"\n{title}: {int(with_index['records']):,} records, {int(with_index['records since']):,} since")
    print(f"{'wall / CPU, s':32} {'ix_jobs_done':>16} {'without it':>16}")
    for name in ("whole history, first", "whole history, again", "since (the last 1,000 jobs)"):
        a = with_index[name]
        b = f"{without[name][0]:>7.3f} / {without[name][1]:<6.3f}" if without else f"{'—':>16}"
        print(f"{name:32} {a[0]:>7.3f} / {a[1]:<6.3f} {b}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=600_000)
    parser.add_argument("--no-pg", action="store_true", help="the file queue only")
    args = parser.parse_args()
    print(f"last synced: {args.history:,} done jobs over {args.records:,} records")
    _print("file queue (SQLite)", *file_queue(args.history, args.records))
    if not args.no_pg:
        _print("team queue (PostgreSQL)", *team_queue(args.history, args.records))


if __name__ == "__main__":
    main()
