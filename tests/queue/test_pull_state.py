"""Pull state in the job store, on both backends: read cursors and per-record baselines survive reopening,
and a migrated file keeps its jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from bitrix_monitor.queue import JobQueue, RetryPolicy
from bitrix_monitor.queue.model import Job, JobError, PullField
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


def test_cancelling_a_dead_pull_job_leaves_the_change_a_newer_job_carries(queue: JobQueue) -> None:
    """A record's pull job died; a newer change of it was queued as a job of its own (a dead job takes no
    fold). Cancelling the dead one (``--cancel-dead``) leaves the record held: the newer job writes it."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    old = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "WON", moved)
    (claimed,) = queue.claim("runner")
    queue.fail("runner", claimed.id, JobError("ShopError", "refused", retryable=False))
    new = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "LOSE", moved)
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "LOSE", "queued", moved, "why")])
    assert new.id != old.id and queue.get(old.id).state == "dead"  # type: ignore[union-attr]
    assert queue.cancel([old.id]) == [old.id]
    assert queue.pull_fields("order", "STAGE_ID")["1"].pending == "LOSE"


def _dead_pull_job(queue: JobQueue, field: str, value: str, at: datetime) -> Job:
    """Record 1's pull job of ``field``, dead (the shop refused it): it holds the record until a person
    retries or cancels it."""
    job = _pull_job(queue, "deal.pull", "1", field, value, at)
    (claimed,) = queue.claim("runner")
    queue.fail("runner", claimed.id, JobError("ShopError", "refused", retryable=False))
    assert queue.get(job.id).state == "dead"  # type: ignore[union-attr]
    return job


def test_cancelling_a_newer_pull_job_leaves_the_change_a_dead_one_holds(queue: JobQueue) -> None:
    """A record's pull job died holding STAGE_ID; a newer change of it was queued as a job of its own.
    Cancelling the newer one leaves STAGE_ID held: the dead one is still to bring the CRM's value into the
    shop (a person retries or cancels it), and a push must not send the shop's over it meanwhile."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    old = _dead_pull_job(queue, "STAGE_ID", "WON", moved)
    new = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "LOSE", moved)
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "LOSE", "queued", moved, "why")])
    assert queue.cancel([new.id]) == [new.id]
    assert queue.pull_fields("order", "STAGE_ID")["1"].state == "queued"
    assert queue.get(old.id).state == "dead"  # type: ignore[union-attr]
    # Cancelling the dead one too releases it: no job of the record holds it any more.
    assert queue.cancel([old.id]) == [old.id]
    assert queue.pull_fields("order", "STAGE_ID")["1"] == PullField("1", agreed="LOSE")


def test_a_cancelled_pull_job_releases_the_fields_no_other_job_of_its_record_holds(queue: JobQueue) -> None:
    """The hold is per field: cancelling a record's pull job releases the fields it carries that no other
    active or dead pull job of the record carries, and leaves those another one does (held for the whole
    record, a field only the cancelled job carried stayed held with no job left to write or release it)."""
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    _dead_pull_job(queue, "STAGE_ID", "WON", moved)
    newer = _pull_job(queue, "deal.pull", "1", "STAGE_ID", "LOSE", moved)
    _pull_job(queue, "deal.pull", "1", "TITLE", "New", moved)  # folds into the same active job
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", "NEW", "LOSE", "queued", moved, "why")])
    queue.save_pull_fields("order", "TITLE", [PullField("1", "Old", "New", "queued", moved, "why")])
    both = queue.get(newer.id)
    assert both is not None and set(both.payload) == {"STAGE_ID", "TITLE"}
    assert queue.cancel([newer.id]) == [newer.id]
    assert queue.pull_fields("order", "STAGE_ID")["1"].state == "queued"  # the dead job's too
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
