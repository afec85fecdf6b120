"""Pull state in the job store, on both backends: read cursors and per-record baselines survive reopening,
a cancelled pull job releases the fields it held, and a newer change of a field supersedes an older pull
job's value of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bitrix_monitor.queue import JobQueue, RetryPolicy
from bitrix_monitor.queue.model import Job, JobError, PullField
from bitrix_monitor.queue.schema import jobs
from tests.queue.conftest import FakeClock, open_at


def test_a_cursor_is_none_until_set_and_survives_reopening(
    queue: JobQueue, queue_location: str, clock: FakeClock, policy: RetryPolicy
) -> None:
    assert queue.pull_cursor("stagehistory.deal") is None
    queue.set_pull_cursor("stagehistory.deal", 41)
    queue.set_pull_cursor("stagehistory.deal", 42)
    again = open_at(queue_location, clock, policy)
    try:
        assert again.pull_cursor("stagehistory.deal") == 42
        assert again.pull_cursor("other") is None
    finally:
        again.close()


def test_baselines_and_pending_changes_are_kept_per_record_and_field(queue: JobQueue) -> None:
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    queue.save_pull_fields(
        "order",
        "STAGE_ID",
        [
            PullField("1", agreed="NEW"),
            PullField("2", agreed="NEW", pending="C1:WON", state="needs_stage_mapping", pending_at=moved),
        ],
    )
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", agreed="WON")])
    queue.save_pull_fields("user", "STAGE_ID", [PullField("1", agreed="other kind")])
    got = queue.pull_fields("order", "STAGE_ID")
    assert got["1"] == PullField("1", agreed="WON")
    assert got["2"].pending == "C1:WON" and got["2"].state == "needs_stage_mapping"
    assert got["2"].pending_at == moved
    assert queue.pull_fields("order", "PHONE") == {}


def test_a_reading_replaces_no_change_stored_since_it_began(queue: JobQueue, clock: FakeClock) -> None:
    """A reconcile pass stores the values both sides agreed on as it read them: a change a pull stored while
    the pass ran (here, at the moment the pass began, and after it) is newer than what it read, and stays;
    what was stored before the pass began is replaced."""
    queue.save_pull_fields("order", "STAGE_ID", [PullField(k, agreed="NEW") for k in "123"])
    clock.advance(1)
    started = queue.now()
    queue.save_pull_fields(
        "order", "STAGE_ID", [PullField("1", agreed="NEW", pending="WON", state="conflict")]
    )
    clock.advance(1)
    queue.save_pull_fields("order", "STAGE_ID", [PullField("2", agreed="LOSE")])
    clock.advance(1)
    read = [PullField(k, agreed="PREPARATION") for k in "1234"]  # what the pass saw alike on both sides
    queue.save_pull_fields("order", "STAGE_ID", read, unchanged_since=started)
    got = queue.pull_fields("order", "STAGE_ID")
    assert got["1"] == PullField("1", agreed="NEW", pending="WON", state="conflict")  # the pull's, kept
    assert got["2"] == PullField("2", agreed="LOSE")
    assert got["3"] == PullField("3", agreed="PREPARATION") and got["4"] == PullField(
        "4", agreed="PREPARATION"
    )
    queue.save_pull_fields("order", "STAGE_ID", read)  # without the guard: every value replaced
    assert {k: f.agreed for k, f in queue.pull_fields("order", "STAGE_ID").items()} == dict.fromkeys(
        "1234", "PREPARATION"
    )


def _pull_job(queue: JobQueue, kind: str, key: str, field: str, value: str, at: datetime) -> Job:
    """A pull job as the pull queues it (its payload: the field, the CRM's value and its time)."""
    payload = {field: {"value": value, "at": at.isoformat(), "why": "why"}}
    return queue.enqueue(kind, key, payload=payload, created_by="pull")


def test_a_cancelled_pull_job_releases_the_changes_it_held(queue: JobQueue) -> None:
    """A person cancels a pull job: each change it was to write is seen and overruled (its value becomes the
    baseline, as "keep the shop's" settles a conflict), so the record is no longer held for it. A change of
    another record, one still carried by an active job, and one waiting for a person stay as they are."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)

    def waiting(key: str, value: str, state: str = "queued") -> PullField:
        return PullField(key, agreed="NEW", pending=value, state=state, pending_at=moved, note="why")

    stage = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "WON", moved)  # jobs first, as the pull
    other = _pull_job(queue, "deal.pull", "2", "STAGE_ID", "LOSE", moved)
    phone = _pull_job(queue, "contact.pull", "7", "PHONE", "+2", moved)
    queue.save_pull_fields("order", "STAGE_ID", [waiting("1", "WON"), waiting("2", "LOSE")])
    queue.save_pull_fields("user", "PHONE", [PullField("7", "+1", "+2", "queued", moved, "why")])
    queue.save_pull_fields("user", "EMAIL", [PullField("7", "a@b", "c@d", "conflict", moved, "why")])

    assert sorted(queue.cancel([stage.id, phone.id])) == sorted([stage.id, phone.id])

    stages = queue.pull_fields("order", "STAGE_ID")
    assert stages["1"] == PullField("1", agreed="WON")
    assert stages["2"] == waiting("2", "LOSE")  # its job is still queued: it writes it
    assert queue.get(other.id).state == "queued"  # type: ignore[union-attr]
    assert queue.pull_fields("user", "PHONE")["7"] == PullField("7", agreed="+2")
    assert queue.pull_fields("user", "EMAIL")["7"].state == "conflict"  # not the job's: a person's


def test_a_newer_pull_job_of_a_field_supersedes_the_value_a_dead_one_carried(queue: JobQueue) -> None:
    """A record's pull job died; a newer change of the same field was queued as a job of its own (a dead job
    takes no fold). The newer change supersedes the dead job's value: the dead job, left with nothing to
    write, is closed (cancelled, its history says by which job), and the record stays held for the newer
    job, which writes it."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    old = _dead_pull_job(queue, "STAGE_ID", "WON", moved)
    new = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "LOSE", moved)
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "LOSE", "queued", moved, "why")])
    assert new.id != old.id and new.payload["STAGE_ID"]["value"] == "LOSE"
    closed = queue.get(old.id)
    assert closed is not None and (closed.state, dict(closed.payload)) == ("cancelled", {})
    superseded = queue.events(old.id)[-1]
    assert superseded.type == "superseded"
    assert (superseded.detail["fields"], superseded.detail["by"]) == (["STAGE_ID"], new.id)
    assert queue.cancel([old.id]) == []  # nothing left to cancel: closed already
    assert queue.pull_fields("order", "STAGE_ID")["1"].state == "queued"  # held for the newer job


def _dead_pull_job(queue: JobQueue, field: str, value: str, at: datetime) -> Job:
    """Record 1's pull job of ``field``, dead (the shop refused it): it holds the record until a person
    retries or cancels it."""
    job = _pull_job(queue, "deal.pull", "1", field, value, at)
    (claimed,) = queue.claim("runner")
    queue.fail("runner", claimed.id, JobError("ShopError", "refused", retryable=False))
    assert queue.get(job.id).state == "dead"  # type: ignore[union-attr]
    return job


def _retried_payload(queue: JobQueue, job_id: int) -> dict[str, Any]:
    """What a person's retry of a job makes the runner write: the payload it claims."""
    assert queue.retry([job_id]) == [job_id]
    (claimed,) = queue.claim("runner")
    assert claimed.id == job_id
    return dict(claimed.payload)


def test_cancelling_a_newer_pull_job_releases_the_field_a_dead_one_carried_an_older_value_of(
    queue: JobQueue,
) -> None:
    """A record's pull job died carrying the CRM's STAGE_ID "WON"; the CRM's newer "LOSE" was queued as a job
    of its own; a person cancels that one (keep the shop's). The cancel releases STAGE_ID ("LOSE" is the
    baseline now, the push sends the shop's stage), and a retry of the dead job does not write the older
    "WON" into the shop: that value was superseded by the newer change, which the person overruled."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    old = _dead_pull_job(queue, "STAGE_ID", "WON", moved)
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "WON", "queued", moved, "why")])
    new = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "LOSE", moved)
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "LOSE", "queued", moved, "why")])
    assert queue.cancel([new.id]) == [new.id]
    assert queue.pull_fields("order", "STAGE_ID")["1"] == PullField("1", agreed="LOSE")
    assert "STAGE_ID" not in _retried_payload(queue, old.id)


def test_a_newer_pull_job_done_leaves_no_older_value_for_a_retry_of_a_dead_one(queue: JobQueue) -> None:
    """The same, with the newer job written into the shop (done) instead of cancelled: a retry of the dead
    job would write the older value over the newer one the shop holds now. It writes nothing of STAGE_ID."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    old = _dead_pull_job(queue, "STAGE_ID", "WON", moved)
    new = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "LOSE", moved)
    (claimed,) = queue.claim("runner")
    assert claimed.id == new.id
    assert queue.complete("runner", new.id, {"pulled": "status written"}).state == "done"
    assert "STAGE_ID" not in _retried_payload(queue, old.id)


def test_a_pair_an_earlier_release_left_is_told_apart_by_which_job_is_newer(queue: JobQueue) -> None:
    """A queue of an earlier release may hold a dead pull job and a newer one carrying the same field (the
    newer change did not take it from the dead one then). Cancelling the dead one leaves the field held for
    the newer job; cancelling the newer one then releases it and takes it from the older job, so a retry
    of that one does not write its older value."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    old = _dead_pull_job(queue, "STAGE_ID", "WON", moved)
    new = _pull_job(queue, "deal.pull", "1", "TITLE", "New", moved)
    newer = {"STAGE_ID": {"value": "LOSE", "at": moved.isoformat(), "why": "why"}}
    with queue._writer.begin() as conn:  # as the earlier release queued it: the dead job keeps STAGE_ID
        conn.execute(jobs.update().where(jobs.c.id == new.id).values(payload=json.dumps(newer)))
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "LOSE", "queued", moved, "why")])
    assert queue.cancel([old.id]) == [old.id]
    assert queue.pull_fields("order", "STAGE_ID")["1"].state == "queued"  # held for the newer job
    assert queue.cancel([new.id]) == [new.id]
    assert queue.pull_fields("order", "STAGE_ID")["1"] == PullField("1", agreed="LOSE")
    assert "STAGE_ID" not in _retried_payload(queue, old.id)


def test_a_dead_pull_job_keeps_the_fields_a_newer_job_does_not_carry(queue: JobQueue) -> None:
    """A dead pull job carrying STAGE_ID and TITLE; a newer job carries STAGE_ID only. The dead job loses
    STAGE_ID alone: it stays dead with TITLE, the record stays held for it there, and cancelling the newer
    job releases STAGE_ID but not TITLE; a retry writes TITLE and not STAGE_ID."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    at = moved.isoformat()
    old = queue.enqueue(
        "deal.pull",
        "1",
        payload={
            "STAGE_ID": {"value": "WON", "at": at, "why": "why"},
            "TITLE": {"value": "New", "at": at, "why": "why"},
        },
        created_by="pull",
    )
    (claimed,) = queue.claim("runner")
    queue.fail("runner", claimed.id, JobError("ShopError", "refused", retryable=False))
    new = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "LOSE", moved)
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "LOSE", "queued", moved, "why")])
    queue.save_pull_fields("order", "TITLE", [PullField("1", "Old", "New", "queued", moved, "why")])
    dead = queue.get(old.id)
    assert dead is not None and dead.state == "dead" and set(dead.payload) == {"TITLE"}
    assert queue.cancel([new.id]) == [new.id]
    assert queue.pull_fields("order", "STAGE_ID")["1"] == PullField("1", agreed="LOSE")
    assert queue.pull_fields("order", "TITLE")["1"].state == "queued"  # the dead job's still
    assert set(_retried_payload(queue, old.id)) == {"TITLE"}


def test_a_cancelled_pull_job_releases_the_fields_no_other_job_of_its_record_holds(queue: JobQueue) -> None:
    """The hold is per field: cancelling a record's pull job releases the fields it carries and leaves those
    only another active or dead pull job of the record carries (held for the whole record, a field only the
    cancelled job carried stayed held with no job left to write or release it)."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    _dead_pull_job(queue, "OPPORTUNITY", "100.00", moved)
    newer = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "LOSE", moved)
    _pull_job(queue, "deal.pull", "1", "TITLE", "New", moved)  # folds into the same active job
    amount = PullField("1", "90.00", "100.00", "queued", moved, "why")
    queue.save_pull_fields("order", "OPPORTUNITY", [amount])
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "LOSE", "queued", moved, "why")])
    queue.save_pull_fields("order", "TITLE", [PullField("1", "Old", "New", "queued", moved, "why")])
    both = queue.get(newer.id)
    assert both is not None and set(both.payload) == {"STAGE_ID", "TITLE"}
    assert queue.cancel([newer.id]) == [newer.id]
    assert queue.pull_fields("order", "OPPORTUNITY")["1"].state == "queued"  # the dead job's
    assert queue.pull_fields("order", "STAGE_ID")["1"] == PullField("1", agreed="LOSE")
    assert queue.pull_fields("order", "TITLE")["1"] == PullField("1", agreed="New")


def test_cancelling_a_dead_pull_job_releases_a_field_the_newer_job_does_not_carry(queue: JobQueue) -> None:
    """A dead pull job of STAGE_ID and a newer active one of TITLE: cancelling the dead one releases
    STAGE_ID (no job of the record carries it any more) and leaves TITLE held for the newer job."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    old = _dead_pull_job(queue, "STAGE_ID", "WON", moved)
    _pull_job(queue, "deal.pull", "1", "TITLE", "New", moved)
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "WON", "queued", moved, "why")])
    queue.save_pull_fields("order", "TITLE", [PullField("1", "Old", "New", "queued", moved, "why")])
    assert queue.cancel([old.id]) == [old.id]
    assert queue.pull_fields("order", "STAGE_ID")["1"] == PullField("1", agreed="WON")
    assert queue.pull_fields("order", "TITLE")["1"].state == "queued"


def test_a_change_marked_queued_after_its_job_was_cancelled_is_released(queue: JobQueue) -> None:
    """A pull queues its job, then marks the change queued (two transactions). When a person cancels the
    job in between (another desk, on a team queue), the cancel finds nothing queued to release yet; the
    mark that follows then held the record with no job left to write or release it. Marking a change
    queued that no active or dead pull job of the record carries releases it instead, as the cancel would
    have, had it come after the mark."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    job = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "WON", moved)
    _pull_job(queue, "deal.pull", "2", "TITLE", "New", moved)
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "WON", "queued", moved, "why")])
    queue.save_pull_fields("order", "TITLE", [PullField("2", "Old", "New", "queued", moved, "why")])
    _pull_job(queue, "deal.pull", "1", "TITLE", "New", moved)  # a pull's fold: the first of its two steps
    assert queue.cancel([job.id]) == [job.id]  # the other desk, between the pull's two steps
    queue.save_pull_fields("order", "TITLE", [PullField("1", "Old", "New", "queued", moved, "why")])
    assert queue.pull_fields("order", "STAGE_ID")["1"] == PullField("1", agreed="WON")
    assert queue.pull_fields("order", "TITLE") == {
        "1": PullField("1", agreed="New"),
        "2": PullField("2", "Old", "New", "queued", moved, "why"),  # its job carries it: held
    }


def test_a_value_settled_with_no_job_takes_its_field_from_the_records_pull_jobs_not_running(
    queue: JobQueue,
) -> None:
    """A pull wrote the CRM's newer STAGE_ID straight into the shop (no job). The record's dead job loses
    STAGE_ID and keeps TITLE; its queued job carrying STAGE_ID alone is closed (cancelled); each says so in a
    ``superseded`` event. A field no job carries, and another record's job, are left as they are."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    at = moved.isoformat()
    dead = queue.enqueue(
        "deal.pull",
        "1",
        payload={
            "STAGE_ID": {"value": "WON", "at": at, "why": "why"},
            "TITLE": {"value": "New", "at": at, "why": "why"},
        },
        created_by="pull",
    )
    (claimed,) = queue.claim("runner")
    queue.fail("runner", claimed.id, JobError("ShopError", "refused", retryable=False))
    queued = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "LOSE", moved)
    with queue._writer.begin() as conn:  # as an earlier release left them: both carry STAGE_ID
        conn.execute(jobs.update().where(jobs.c.id == dead.id).values(payload=json.dumps(dead.payload)))
    assert set(queue.get(dead.id).payload) == {"STAGE_ID", "TITLE"}  # type: ignore[union-attr]
    other = _pull_job(queue, "deal.pull", "2", "STAGE_ID", "LOSE", moved)

    assert queue.supersede_pull_fields("order", [("1", "STAGE_ID"), ("1", "OPPORTUNITY")]) == set()
    left = queue.get(dead.id)
    assert left is not None and (left.state, set(left.payload)) == ("dead", {"TITLE"})
    closed = queue.get(queued.id)
    assert closed is not None and (closed.state, closed.payload) == ("cancelled", {})
    assert "superseded" in (closed.result or {}).get("resolved", "")
    said = queue.events(queued.id)[-1]
    assert said.type == "superseded" and said.detail["fields"] == ["STAGE_ID"] and said.detail["by"] is None
    assert queue.get(other.id).payload == other.payload  # type: ignore[union-attr]


def test_a_value_settled_with_no_job_leaves_a_running_job_as_it_is_and_names_it(queue: JobQueue) -> None:
    """A runner holds the record's pull job carrying STAGE_ID: it is not edited under the runner; the pair is
    returned (the pull queues its newer value into that job instead of settling it)."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    job = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "WON", moved)
    (claimed,) = queue.claim("runner")
    assert queue.supersede_pull_fields("deal", [("1", "STAGE_ID")]) == {("1", "STAGE_ID")}
    running = queue.get(job.id)
    assert running is not None and running.state == "running" and running.payload == claimed.payload
    assert [e.type for e in queue.events(job.id)].count("superseded") == 0


def test_a_value_the_push_sent_takes_its_field_from_a_cancelled_pull_job_and_says_so(queue: JobQueue) -> None:
    """The push wrote the shop's STAGE_ID into the CRM: the record's cancelled pull job loses its older CRM
    value, with the push as its reason."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    job = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "WON", moved)
    queue.cancel([job.id], actor="staff")
    assert queue.supersede_pull_fields("order", [("1", "STAGE_ID")], actor="runner", pushed=True) == set()
    left = queue.get(job.id)
    assert left is not None and (left.state, left.payload) == ("cancelled", {})
    said = queue.events(job.id)[-1]
    assert said.type == "superseded" and said.detail["fields"] == ["STAGE_ID"]
    assert "sent to the CRM" in str(said.detail)


def test_a_value_the_push_sent_leaves_a_queued_pull_job_as_it_is(queue: JobQueue) -> None:
    """A queued pull job may carry a CRM change made after the push wrote (the pull queued it meanwhile): the
    push's word takes nothing from it; the pull settles it when it reads the CRM again."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    job = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "WON", moved)
    assert queue.supersede_pull_fields("order", [("1", "STAGE_ID")], actor="runner", pushed=True) == set()
    kept = queue.get(job.id)
    assert kept is not None and (kept.state, kept.payload) == ("queued", job.payload)
    assert [e.type for e in queue.events(job.id)].count("superseded") == 0
