"""A store written by an earlier release, opened by this one, on both backends: what that release left in
the rows and this one would not have is put right once -- a done job's (or a success's follow-up's) error of
an earlier attempt, a record held for a pull job that was cancelled -- and nothing else is touched."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bitrix_monitor.queue import RetryPolicy, schema
from bitrix_monitor.queue import team as team_module
from bitrix_monitor.queue.model import PullField, kind_info
from bitrix_monitor.queue.schema import job_events, jobs, make_engine, prepare, pull_fields
from tests.queue.conftest import FakeClock, open_at

# The last versions before the repair: the file's 8 (the mirror), the team queue's 7.
FILE_BEFORE = 8
TEAM_BEFORE = 7

T = 1_700_000_000.0  # when the earlier release wrote it all
ERROR = {
    "error_class": "PortalError",
    "error_message": "Access denied",
    "error_retryable": True,
    "error_signature": "PortalError: Access denied",
}
NONE = dict.fromkeys(ERROR)


def _engine(location: str) -> sa.Engine:
    if location.startswith("postgresql"):
        return sa.create_engine(location, poolclass=sa.pool.NullPool)
    return sa.create_engine(f"sqlite:///{location}", poolclass=sa.pool.NullPool)


def _older_store(location: str) -> None:
    """An empty store as the release before the repair left it."""
    if location.startswith("postgresql"):
        engine = _engine(location)
        assert team_module.prepare(engine, "test", upto=TEAM_BEFORE) == 0
    else:
        engine = make_engine(Path(location), immediate=True)
        assert prepare(Path(location), engine, upto=FILE_BEFORE) == 0
    engine.dispose()


def _add_job(
    conn: sa.Connection,
    kind: str,
    key: str,
    state: str,
    events: tuple[str, ...],
    *,
    error: dict[str, Any] | None = None,
    payload: str = "{}",
) -> None:
    info = kind_info(kind)
    row = {
        "kind": kind,
        "entity_type": info.entity_type,
        "entity_key": key,
        "family": info.family,
        "payload": payload,
        "state": state,
        "attempts": 2,
        "next_run_at": T,
        "created_at": T - 60,
        "updated_at": T,
        "created_by": "sync",
        "changed_again": False,
        **(error or {}),
    }
    job_id = conn.execute(jobs.insert().returning(jobs.c.id), row).scalar_one()
    conn.execute(
        job_events.insert(),
        [{"job_id": job_id, "at": T, "type": e, "actor": "runner", "detail": "{}"} for e in events],
    )


def _held(conn: sa.Connection, entity_type: str, key: str, field: str, state: str = "queued") -> None:
    conn.execute(
        pull_fields.insert(),
        {
            "entity_type": entity_type,
            "entity_key": key,
            "field": field,
            "agreed": "NEW",
            "pending": "WON",
            "pending_state": state,
            "pending_at": T - 30,
            "note": "the record was busy (locked)",
            "updated_at": T,
        },
    )


def _stale_rows(location: str) -> None:
    """What the release before the repair left: jobs with an error and records held for pull jobs."""
    _older_store(location)
    engine = _engine(location)
    failing = ("enqueued", "claimed", "failed", "claimed")
    with engine.begin() as conn:
        _add_job(conn, "deal.update", "done", "done", (*failing, "completed"), error=ERROR)
        _add_job(conn, "deal.update", "failed", "failed", failing[:3], error=ERROR)
        _add_job(conn, "deal.update", "dead", "dead", (*failing, "dead"), error=ERROR)
        _add_job(conn, "deal.update", "cancelled", "cancelled", (*failing[:3], "cancelled"), error=ERROR)
        # completed while the record changed again: queued as the follow-up, then another change folded in
        follow_up = (*failing, "completed", "requeued", "folded")
        _add_job(conn, "contact.update", "follow-up", "queued", follow_up, error=ERROR)
        # failed, then a change folded in made it due again: its error is still its last attempt's
        _add_job(conn, "contact.update", "refolded", "queued", (*failing[:3], "folded"), error=ERROR)
        stage = '{"STAGE_ID":{"value":"WON","at":null,"why":"why"}}'
        _add_job(conn, "deal.pull", "3", "cancelled", ("enqueued", "cancelled"), payload=stage)
        _held(conn, "order", "3", "STAGE_ID")
        phone = '{"PHONE":{"value":"WON","at":null,"why":"why"}}'
        _add_job(conn, "contact.pull", "7", "queued", ("enqueued",), payload=phone)
        _held(conn, "user", "7", "PHONE")
        _add_job(conn, "deal.pull", "4", "dead", ("enqueued", "claimed", "dead"), error=ERROR, payload=stage)
        _held(conn, "order", "4", "STAGE_ID")
        _held(conn, "order", "8", "STAGE_ID", state="conflict")  # waiting for a person, no job
        _held(conn, "company", "9", "TITLE")  # its cancelled pull job pruned since (delete_done)
    engine.dispose()


def _contents(location: str) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str, str], tuple[Any, ...]]]:
    """Every job's state and error columns by key, every pull field row."""
    engine = _engine(location)
    with engine.connect() as conn:
        by_key = {
            r.entity_key: {
                "state": r.state,
                "updated_at": r.updated_at,
                **{column: r._mapping[column] for column in ERROR},
            }
            for r in conn.execute(sa.select(jobs))
        }
        fields = {
            (r.entity_type, r.entity_key, r.field): tuple(r)[3:] for r in conn.execute(sa.select(pull_fields))
        }
    engine.dispose()
    for job in by_key.values():
        if job["error_retryable"] is not None:
            job["error_retryable"] = bool(job["error_retryable"])
    return by_key, fields


def test_an_older_store_loses_stale_errors_and_holds_once_and_keeps_the_rest(
    queue_location: str, clock: FakeClock, policy: RetryPolicy
) -> None:
    _stale_rows(queue_location)
    old_jobs, old_fields = _contents(queue_location)

    queue = open_at(queue_location, clock, policy)
    try:
        got_jobs, got_fields = _contents(queue_location)
        # a done job and a success's follow-up: no error of an earlier attempt; "last synced" as it was
        assert got_jobs["done"] == {"state": "done", "updated_at": T, **NONE}
        assert got_jobs["follow-up"] == {"state": "queued", "updated_at": T, **NONE}
        # failed, dead, cancelled, queued after a failure: the error they stopped with stays; no other job
        # changes
        assert {k: j for k, j in got_jobs.items() if k not in ("done", "follow-up")} == {
            k: j for k, j in old_jobs.items() if k not in ("done", "follow-up")
        }
        # the record held for the cancelled pull job is released: the CRM's value is the baseline
        assert queue.pull_fields("order", "STAGE_ID", ["3"]) == {"3": PullField("3", agreed="WON")}
        assert queue.pull_fields("company", "TITLE", ["9"]) == {"9": PullField("9", agreed="WON")}
        # held for an active pull job, for a dead one (a person retries or cancels it), for a person
        assert queue.pull_fields("user", "PHONE")["7"].state == "queued"
        assert queue.pull_fields("order", "STAGE_ID", ["4"])["4"].state == "queued"
        assert queue.pull_fields("order", "STAGE_ID", ["8"])["8"].state == "conflict"
        released = {("order", "3", "STAGE_ID"), ("company", "9", "TITLE")}
        assert {k: f for k, f in got_fields.items() if k not in released} == {
            k: f for k, f in old_fields.items() if k not in released
        }
        (done,) = queue.history_for("deal", "done")
        assert (done.error, done.error_signature) == (None, None)
        assert queue.error_signatures() == [("PortalError: Access denied", 3)]  # failed and dead ones'
    finally:
        queue.close()

    # Opened again, or the repair run again: nothing changes.
    again = open_at(queue_location, clock, policy)
    again.close()
    assert _contents(queue_location) == (got_jobs, got_fields)
    engine = _engine(queue_location)
    with engine.begin() as conn:
        schema.tidy_after_earlier_releases(conn)
    engine.dispose()
    assert _contents(queue_location) == (got_jobs, got_fields)


def test_desks_opening_an_older_team_queue_at_once_repair_it_once(
    postgres_url: str, clock: FakeClock, policy: RetryPolicy
) -> None:
    _stale_rows(postgres_url)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_it() -> None:
        try:
            barrier.wait()
            open_at(postgres_url, clock, policy).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got_jobs, got_fields = _contents(postgres_url)
    assert got_jobs["done"]["error_class"] is None and got_jobs["failed"]["error_class"] == "PortalError"
    assert got_fields[("order", "3", "STAGE_ID")][:3] == ("WON", None, None)
    assert got_fields[("user", "7", "PHONE")][2] == "queued"
