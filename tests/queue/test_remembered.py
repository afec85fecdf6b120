"""What a costly search found, remembered in the job store on both backends: JSON values by name survive
reopening, None forgets, and a file from before the table is migrated with its jobs."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobQueue, RetryPolicy, schema
from bitrix_monitor.queue.schema import make_engine, prepare
from tests.queue.conftest import FakeClock, open_at


def test_a_value_is_none_until_remembered_and_survives_reopening(
    queue: JobQueue, queue_location: str, clock: FakeClock, policy: RetryPolicy
) -> None:
    assert queue.recall("legacy_titles") is None
    queue.remember("legacy_titles", {"prefix": "Order #", "found": {"7": [3, 9]}})
    queue.remember("legacy_titles", {"prefix": "Order #", "found": {"7": [3, 9], "Заказ": [11]}})
    queue.remember("other", [])
    again = open_at(queue_location, clock, policy)
    try:
        assert again.recall("legacy_titles") == {"prefix": "Order #", "found": {"7": [3, 9], "Заказ": [11]}}
        assert again.recall("other") == []
        again.remember("other", None)
        assert again.recall("other") is None
        assert again.recall("legacy_titles") is not None
    finally:
        again.close()


def test_a_file_from_before_the_table_is_migrated_with_its_jobs(data_dirs: DataDirs) -> None:
    path = data_dirs.queue_file
    engine = make_engine(path, immediate=True)
    before = schema.MIGRATIONS.index(schema._v5_remembered)  # the version the table came with, less one
    prepare(path, engine, upto=before)
    with engine.connect() as older:
        assert "remembered" not in sa.inspect(older).get_table_names()
    engine.dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute(
            "INSERT INTO jobs (kind, entity_type, entity_key, family, state, attempts, next_run_at,"
            " created_at, updated_at, created_by)"
            " VALUES ('deal.create', 'deal', 'o1', 'sync', 'queued', 0, 0, 0, 0, 'sync')"
        )
        conn.commit()
    finally:
        conn.close()
    with JobQueue.open(path) as queue:
        assert [j.entity_key for j in queue.list_jobs()] == ["o1"]
        queue.remember("legacy_titles", {"found": {}})
        assert queue.recall("legacy_titles") == {"found": {}}
