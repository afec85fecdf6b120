"""The queue file: WAL, migrations from older releases, restarts, and files the app must not trust."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest

from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import SCHEMA_VERSION, JobQueue, QueueFileError, move_aside, schema
from bitrix_monitor.queue.schema import make_engine, prepare
from tests.queue.conftest import FakeClock


def _sql(path: Path, statement: str, *args: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(statement, args).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


def test_a_new_queue_file_is_in_wal_mode_at_the_current_version(data_dirs: DataDirs) -> None:
    JobQueue.open(data_dirs.queue_file).close()
    assert _sql(data_dirs.queue_file, "PRAGMA journal_mode") == [("wal",)]
    assert _sql(data_dirs.queue_file, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_a_file_from_the_first_release_is_migrated_with_its_jobs(data_dirs: DataDirs) -> None:
    path = data_dirs.queue_file
    engine = make_engine(path, immediate=True)
    prepare(path, engine, upto=1)
    engine.dispose()
    _sql(
        path,
        "INSERT INTO jobs (kind, entity_type, entity_key, family, state, attempts, next_run_at, created_at,"
        " updated_at, created_by, error_class, error_message, error_retryable)"
        " VALUES ('deal.create', 'deal', 'o1', 'sync', 'dead', 8, 0, 0, 0, 'sync', 'PortalError',"
        " 'Access denied for deal 17', 0)",
    )
    assert _sql(path, "SELECT version FROM schema_version") == [(1,)]

    with JobQueue.open(path) as queue:
        assert _sql(path, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
        (job,) = queue.list_jobs()
        assert (job.kind, job.entity_key, job.state) == ("deal.create", "o1", "dead")
        assert job.error_signature == "PortalError: Access denied for deal #"
        assert queue.retry_matching("PortalError: Access denied for deal #") == [job.id]


def test_jobs_and_their_events_survive_a_restart(data_dirs: DataDirs, clock: FakeClock) -> None:
    with JobQueue.open(data_dirs.queue_file, clock=clock) as queue:
        job = queue.enqueue("deal.create", "o1", created_by="sync")
        queue.claim("crashing runner", lease_seconds=60)
        queue.mark_sending("crashing runner", [job.id], {"fields": {"ORIGIN_ID": "o1"}})
        # the process dies here: no complete, no release
    clock.advance(61)
    with JobQueue.open(data_dirs.queue_file, clock=clock) as queue:  # reclaims at open
        after = queue.get(job.id)
        assert after is not None
        assert after.state == "in_doubt"
        events = queue.events(job.id)
        assert [e.type for e in events] == ["enqueued", "claimed", "sending", "lease_expired", "in_doubt"]
        assert events[2].detail == {"fields": {"ORIGIN_ID": "o1"}}
        assert events[2].actor == "crashing runner"


def _expect_file_error(path: Path, problem: str) -> QueueFileError:
    with pytest.raises(QueueFileError) as info:
        JobQueue.open(path)
    error = info.value
    assert isinstance(error, UserFacingError)
    assert problem in str(error)
    assert str(path) in str(error)
    assert "\n" not in str(error)
    return error


def test_a_file_that_is_not_sqlite_is_refused_and_can_be_moved_aside(data_dirs: DataDirs) -> None:
    path = data_dirs.queue_file
    path.write_bytes(b"these are not the jobs you are looking for\n" * 200)
    error = _expect_file_error(path, "is corrupted or is not a queue database")
    assert "move it aside" in str(error)
    assert path.read_bytes().startswith(b"these are not")  # never replaced silently

    kept = move_aside(path)
    assert kept.name.startswith("queue.sqlite3.corrupt-")
    assert kept.read_bytes().startswith(b"these are not")
    with JobQueue.open(path) as queue:
        assert queue.counts().active == 0


def test_a_malformed_sqlite_file_is_refused(data_dirs: DataDirs) -> None:
    path = data_dirs.queue_file
    with JobQueue.open(path) as queue:
        queue.enqueue_many([("deal.create", f"order-{i:05}", {"pad": "x" * 200}) for i in range(2000)])
    page_size = _sql(path, "PRAGMA page_size")[0][0]
    assert isinstance(page_size, int)
    data = bytearray(path.read_bytes())
    for page in range(2, len(data) // page_size, 3):
        data[page * page_size : page * page_size + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))
    _expect_file_error(path, "is corrupted")


def test_a_file_from_a_newer_version_is_refused(data_dirs: DataDirs) -> None:
    path = data_dirs.queue_file
    JobQueue.open(path).close()
    _sql(path, "UPDATE schema_version SET version = ?", SCHEMA_VERSION + 5)
    error = _expect_file_error(path, "newer version of Bitrix Monitor")
    assert f"queue schema {SCHEMA_VERSION + 5}" in str(error)
    assert _sql(path, "SELECT version FROM schema_version") == [(SCHEMA_VERSION + 5,)]


def test_another_programs_database_is_refused(data_dirs: DataDirs) -> None:
    path = data_dirs.queue_file
    _sql(path, "CREATE TABLE orders (id INTEGER)")
    _expect_file_error(path, "is not a Bitrix Monitor queue")
    assert _sql(path, "SELECT name FROM sqlite_master WHERE type = 'table'") == [("orders",)]


def test_a_read_only_file_is_refused(data_dirs: DataDirs) -> None:
    path = data_dirs.queue_file
    JobQueue.open(path).close()
    path.chmod(0o444)
    try:
        error = _expect_file_error(path, "is read-only")
        assert "writable" in str(error)
    finally:
        path.chmod(0o644)


@pytest.mark.skipif(not shutil.which("chattr") or os.geteuid() != 0, reason="needs root and chattr")
def test_a_file_sqlite_can_only_read_is_refused_at_open(data_dirs: DataDirs) -> None:
    """Root ignores permission bits; an immutable file is read-only even for root, as on a read-only mount."""
    path = data_dirs.queue_file
    JobQueue.open(path).close()
    if subprocess.run(["chattr", "+i", str(path)], check=False, capture_output=True).returncode:
        pytest.skip("this file system has no immutable flag")
    try:
        with mock.patch.object(schema, "_looks_read_only", return_value=False):
            _expect_file_error(path, "is read-only")
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_move_aside_takes_the_wal_files_along(tmp_path: Path) -> None:
    tmp_path = tmp_path / "moving"
    tmp_path.mkdir()
    path = tmp_path / "queue.sqlite3"
    for name in ("queue.sqlite3", "queue.sqlite3-wal", "queue.sqlite3-shm"):
        (tmp_path / name).write_text(name)
    kept = move_aside(path)
    second = (tmp_path / "queue.sqlite3").write_text("again") and move_aside(path)
    assert kept != second
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [kept.name, kept.name + "-wal", kept.name + "-shm", second.name]
    )
    assert (tmp_path / (kept.name + "-wal")).read_text() == "queue.sqlite3-wal"


_KILLED_RUNNER = """
import sys
from bitrix_monitor.queue import JobQueue
q = JobQueue.open(sys.argv[1])
q.enqueue_many([("deal.create", f"o{i}", None) for i in range(30)], created_by="sync")
claimed = q.claim("doomed", limit=20, lease_seconds=60)
q.mark_sending("doomed", [j.id for j in claimed[:10]], {"method": "crm.deal.add"})
q.complete_many("doomed", [(j.id, {"id": j.id}) for j in claimed[10:15]])
print("ready", flush=True)
sys.stdin.readline()
"""


def test_a_runner_killed_mid_batch_leaves_nothing_lost(data_dirs: DataDirs, clock: FakeClock) -> None:
    path = data_dirs.queue_file
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED_RUNNER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as runner:
        assert runner.stdout is not None
        assert runner.stdout.readline().strip() == "ready"
        runner.kill()  # SIGKILL: no cleanup of any kind
        runner.wait(timeout=30)
    clock.t = time.time() + 61  # every lease has run out
    with JobQueue.open(path, clock=clock) as queue:
        counts = queue.counts()
        assert (counts.in_doubt, counts.done, counts.queued, counts.running) == (10, 5, 15, 0)
        assert all(j.sending_since is not None for j in queue.list_jobs(states=["in_doubt"]))


def test_a_full_disk_is_a_queue_file_error_that_says_so(tmp_path: Path) -> None:
    """SQLite's "database or disk is full" (here from a page limit) is the file's problem, not a bug."""
    from bitrix_monitor.queue.schema import translate_file_errors

    con = sqlite3.connect(tmp_path / "small.sqlite3")
    try:
        con.execute("PRAGMA max_page_count = 3")
        con.execute("CREATE TABLE t (x BLOB)")
        with (
            pytest.raises(QueueFileError, match="the disk is full") as caught,
            translate_file_errors(tmp_path / "queue.sqlite3"),
        ):
            con.execute("INSERT INTO t VALUES (randomblob(100000))")
    finally:
        con.close()
    assert "free some space" in str(caught.value)
