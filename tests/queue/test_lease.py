"""Claims, leases, write-ahead and outcomes: only the lease owner decides a job's fate."""

from __future__ import annotations

import threading

import pytest

from bitrix_monitor.queue import JobError, JobQueue, LeaseLost
from tests.queue.conftest import FakeClock

RETRYABLE = JobError("PortalUnavailable", "portal answered 503", retryable=True)


def test_claim_takes_one_kind_in_groups_of_up_to_the_limit(queue: JobQueue, clock: FakeClock) -> None:
    queue.enqueue_many([("contact.create", f"u{i}", None) for i in range(3)])
    clock.advance(1)
    queue.enqueue_many([("deal.create", f"o{i}", None) for i in range(70)])

    first = queue.claim("runner", limit=50)
    assert [j.kind for j in first] == ["contact.create"] * 3  # the kind of the oldest due job
    second = queue.claim("runner", limit=50)
    assert len(second) == 50
    assert {j.kind for j in second} == {"deal.create"}
    assert [j.entity_key for j in second] == [f"o{i}" for i in range(50)]  # oldest first
    assert all((j.state, j.attempts, j.lease_owner) == ("running", 1, "runner") for j in second)
    assert all(j.lease_expires_at == clock.later(120) for j in second)
    assert len(queue.claim("runner", limit=50)) == 20
    assert queue.claim("runner") == []


def test_claim_only_the_given_kinds(queue: JobQueue) -> None:
    queue.enqueue("deal.create", "o1")
    queue.enqueue("contact.update", "u1")
    assert [j.kind for j in queue.claim("r", kinds=["contact.update", "contact.create"])] == [
        "contact.update"
    ]
    assert queue.claim("r", kinds=["contact.update"]) == []


def test_two_runners_never_claim_the_same_job(queue: JobQueue) -> None:
    queue.enqueue_many([("deal.update", str(i), None) for i in range(30)])
    a = queue.claim("a", limit=20)
    b = queue.claim("b", limit=20)
    assert len(a) == 20
    assert len(b) == 10
    assert not {j.id for j in a} & {j.id for j in b}


def test_a_job_whose_lease_was_lost_cannot_be_completed_by_its_old_owner(
    queue: JobQueue, clock: FakeClock
) -> None:
    job = queue.enqueue("deal.create", "o1")
    queue.claim("old", lease_seconds=30)
    clock.advance(31)
    assert queue.reclaim_expired() == 1
    (again,) = queue.claim("new")
    assert again.id == job.id
    assert again.attempts == 2

    with pytest.raises(LeaseLost):
        queue.complete("old", job.id, {"id": 1})
    with pytest.raises(LeaseLost):
        queue.fail("old", job.id, RETRYABLE)
    with pytest.raises(LeaseLost):
        queue.mark_in_doubt("old", job.id)
    assert queue.mark_sending("old", [job.id]) == []
    assert queue.renew("old", [job.id]) == []
    assert queue.complete_many("old", [(job.id, None)]) == []
    assert queue.get(job.id).lease_owner == "new"  # type: ignore[union-attr]
    assert queue.complete("new", job.id, {"id": 9}).state == "done"


def test_renewed_leases_are_not_reclaimed(queue: JobQueue, clock: FakeClock) -> None:
    ids = [j.id for j in (queue.enqueue("deal.update", str(i)) for i in range(3))]
    queue.claim("r", lease_seconds=60)
    clock.advance(50)
    assert sorted(queue.renew("r", ids[:2], 60)) == ids[:2]
    clock.advance(20)
    assert queue.reclaim_expired() == 1
    assert [queue.get(i).state for i in ids] == ["running", "running", "queued"]  # type: ignore[union-attr]


def test_expired_lease_after_sending_puts_the_job_in_doubt(queue: JobQueue, clock: FakeClock) -> None:
    a, b = (queue.enqueue("deal.create", k) for k in ("sent", "not-sent"))
    queue.claim("r", lease_seconds=10)
    assert queue.mark_sending("r", [a.id], {"fields": {"TITLE": "Order sent"}}) == [a.id]
    clock.advance(11)
    assert queue.reclaim_expired() == 2

    doubtful, requeued = queue.get(a.id), queue.get(b.id)
    assert doubtful is not None
    assert requeued is not None
    assert (doubtful.state, doubtful.sending_since) == ("in_doubt", clock.later(-11))
    assert (requeued.state, requeued.attempts) == ("queued", 1)
    sending = [e for e in queue.events(a.id) if e.type == "sending"]
    assert sending[0].detail == {"fields": {"TITLE": "Order sent"}}
    assert [e.type for e in queue.events(a.id)][-2:] == ["lease_expired", "in_doubt"]
    assert [j.id for j in queue.claim("r")] == [b.id]  # in-doubt jobs wait for a settling lookup


def test_a_job_that_keeps_dying_becomes_dead_with_the_reason(queue: JobQueue, clock: FakeClock) -> None:
    job = queue.enqueue("contact.create", "u1")
    for _ in range(3):  # policy.max_attempts
        assert [j.id for j in queue.claim("r", lease_seconds=5)] == [job.id]
        clock.advance(6)
        queue.reclaim_expired()
    dead = queue.get(job.id)
    assert dead is not None
    assert dead.state == "dead"
    assert dead.error is not None
    assert dead.error.message == "the runner stopped 3 times while processing this job"
    assert queue.claim("r") == []


def test_complete_many_records_every_result(queue: JobQueue) -> None:
    ids = queue.enqueue_many([("deal.create", str(i), None) for i in range(5)]).job_ids
    queue.claim("r")
    assert sorted(queue.complete_many("r", [(i, {"id": 100 + i}) for i in ids])) == sorted(ids)
    assert [queue.get(i).result for i in ids] == [{"id": 100 + i} for i in ids]  # type: ignore[union-attr]
    assert queue.counts().done == 5


def test_retryable_failure_backs_off_exponentially_with_jitter(queue: JobQueue, clock: FakeClock) -> None:
    job = queue.enqueue("deal.update", "o1")
    delays = []
    for _ in range(2):
        clock.advance(3600)
        queue.claim("r")
        failed = queue.fail("r", job.id, RETRYABLE)
        assert failed.state == "failed"
        assert failed.error == RETRYABLE
        delays.append((failed.next_run_at - clock.now).total_seconds())
    # base 10 s, then 20 s; each waits between half and all of it
    assert 5 <= delays[0] <= 10
    assert 10 <= delays[1] <= 20
    assert queue.claim("r", now=clock.later(delays[1] - 0.5)) == []
    assert [j.id for j in queue.claim("r", now=clock.later(delays[1]))] == [job.id]


def test_backoff_is_capped() -> None:
    import random

    from bitrix_monitor.queue import RetryPolicy

    policy = RetryPolicy(backoff_base=10, backoff_cap=60)
    assert all(30 <= policy.delay(20, random.Random(n)) <= 60 for n in range(50))


def test_non_retryable_failure_is_dead_at_once_with_its_message(queue: JobQueue) -> None:
    job = queue.enqueue("deal.create", "o1")
    queue.claim("r")
    error = JobError("MappingError", "The stage 'NEW' is not in the stage map", retryable=False)
    dead = queue.fail("r", job.id, error)
    assert (dead.state, dead.error, dead.attempts) == ("dead", error, 1)
    assert queue.events(job.id)[-1].detail["reason"] == "the error is not retryable"


def test_after_max_attempts_a_failing_job_is_dead(queue: JobQueue, clock: FakeClock) -> None:
    job = queue.enqueue("deal.update", "o1")
    states = []
    for _ in range(3):
        clock.advance(3600)
        queue.claim("r")
        states.append(queue.fail("r", job.id, RETRYABLE).state)
    assert states == ["failed", "failed", "dead"]
    assert queue.events(job.id)[-1].detail["reason"] == "gave up after 3 attempts"


def test_in_doubt_settles_back_to_queued_or_to_done(queue: JobQueue) -> None:
    a, b = (queue.enqueue("deal.create", k) for k in ("a", "b"))
    queue.claim("r")
    queue.mark_sending("r", [a.id, b.id], [{"TITLE": "a"}, {"TITLE": "b"}])
    assert queue.mark_in_doubt("r", a.id, {"error": "timeout"}).state == "in_doubt"
    assert queue.mark_in_doubt("r", b.id, {"error": "timeout"}).state == "in_doubt"
    assert queue.counts().in_doubt == 2

    found = queue.settle(a.id, "done", result={"id": 77}, detail={"found_by": "origin id"})
    assert found is not None
    assert (found.state, found.result) == ("done", {"id": 77})
    missing = queue.settle(b.id, "queued", detail={"found_by": None})
    assert missing is not None
    assert (missing.state, missing.sending_since) == ("queued", None)
    assert queue.settle(b.id, "done") is None  # no longer in doubt
    assert [j.id for j in queue.claim("r")] == [b.id]


def test_settled_job_that_changed_meanwhile_runs_again_as_update(queue: JobQueue) -> None:
    job = queue.enqueue("deal.create", "a")
    queue.claim("r")
    queue.mark_in_doubt("r", job.id)
    assert queue.enqueue("deal.update", "a").changed_again
    settled = queue.settle(job.id, "done", result={"id": 5})
    assert settled is not None
    assert (settled.state, settled.kind) == ("queued", "deal.update")


def _failed_once_then_claimed(queue: JobQueue, clock: FakeClock, kind: str = "deal.update") -> int:
    """A job whose first attempt failed (retryable), claimed again for its second."""
    job = queue.enqueue(kind, "o1")
    queue.claim("r")
    queue.fail("r", job.id, RETRYABLE)
    clock.advance(3600)
    assert [j.id for j in queue.claim("r")] == [job.id]
    return job.id


def test_a_job_done_after_a_failed_attempt_has_no_error_and_keeps_the_failure_in_its_history(
    queue: JobQueue, clock: FakeClock
) -> None:
    job_id = _failed_once_then_claimed(queue, clock)
    signature = queue.get(job_id).error_signature  # type: ignore[union-attr]
    assert signature == RETRYABLE.signature

    done = queue.complete("r", job_id, {"id": 7})
    assert (done.state, done.error, done.error_signature) == ("done", None, None)
    assert [e.detail["message"] for e in queue.events(job_id) if e.type == "failed"] == [RETRYABLE.message]
    # "All with this error" no longer counts it
    assert queue.list_jobs(signature=signature) == []
    assert queue.error_signatures() == []


def test_a_follow_up_queued_by_a_success_carries_no_error_of_the_attempt_before(
    queue: JobQueue, clock: FakeClock
) -> None:
    job_id = _failed_once_then_claimed(queue, clock, "deal.create")
    assert queue.enqueue("deal.update", "o1").changed_again

    again = queue.complete("r", job_id, {"id": 7})
    assert (again.state, again.kind, again.attempts) == ("queued", "deal.update", 0)
    assert (again.error, again.error_signature) == (None, None)


def test_an_in_doubt_job_settled_as_done_has_no_error_of_an_earlier_attempt(
    queue: JobQueue, clock: FakeClock
) -> None:
    job_id = _failed_once_then_claimed(queue, clock)
    queue.mark_in_doubt("r", job_id, {"error": "timeout"})

    settled = queue.settle(job_id, "done", result={"id": 7})
    assert settled is not None
    assert (settled.state, settled.error, settled.error_signature) == ("done", None, None)


def test_a_refused_batch_fails_together_and_a_lost_one_is_in_doubt_together(queue: JobQueue) -> None:
    ids = list(queue.enqueue_many([("deal.create", str(i), None) for i in range(6)]).job_ids)
    queue.claim("r")
    error = JobError("PortalUnavailable", "503", retryable=True)
    failed = queue.fail_many("r", [(i, error) for i in ids[:3]] + [(999, error)])
    assert [(j.id, j.state) for j in failed] == [(i, "failed") for i in ids[:3]]
    doubtful = queue.mark_in_doubt_many("r", [*ids[3:], *ids[:1]], {"error": "read timeout"})
    assert [(j.id, j.state) for j in doubtful] == [(i, "in_doubt") for i in ids[3:]]
    assert queue.events(ids[3])[-1].detail == {"error": "read timeout"}


def test_runners_claiming_at_once_each_job_is_completed_exactly_once(queue: JobQueue) -> None:
    ids = set(queue.enqueue_many([("deal.update", str(i), None) for i in range(1000)]).job_ids)
    completed: list[list[int]] = [[] for _ in range(8)]
    barrier = threading.Barrier(8)

    def runner(n: int) -> None:
        barrier.wait()
        while claimed := queue.claim(f"runner-{n}", limit=20):
            completed[n] += queue.complete_many(f"runner-{n}", [(j.id, None) for j in claimed])

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [i for done in completed for i in done]
    assert sorted(everything) == sorted(ids)  # none twice, none missing
    assert queue.counts().done == 1000
    assert {e.type for i in list(ids)[:50] for e in queue.events(i)} == {"enqueued", "claimed", "completed"}


def test_the_owner_may_still_complete_after_its_lease_ran_out_if_nobody_took_the_job(
    queue: JobQueue, clock: FakeClock
) -> None:
    job = queue.enqueue("deal.update", "o1")
    queue.claim("slow", lease_seconds=10)
    clock.advance(60)  # expired, but not reclaimed: no other runner has it
    assert queue.complete("slow", job.id, None).state == "done"
