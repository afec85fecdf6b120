"""What the queue view does: retry, cancel, retry all with one error, prune, and the queries behind it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from bitrix_monitor.queue import JobError, JobQueue, QueueCounts, error_signature, store
from tests.queue.conftest import FakeClock


def _dead(queue: JobQueue, kind: str, key: str, message: str, error_class: str = "PortalError") -> int:
    job = queue.enqueue(kind, key)
    queue.claim("r", kinds=[kind])
    queue.fail("r", job.id, JobError(error_class, message, retryable=False))
    return job.id


def test_error_signature_strips_ids_values_and_addresses() -> None:
    assert error_signature("PortalError", "Not found (deal 4711)") == "PortalError: Not found (deal #)"
    assert error_signature("PortalError", "Not found  (deal 12)") == "PortalError: Not found (deal #)"
    assert error_signature("ShopError", "user 'Ivan' <ivan@shop.example> missing") == (
        "ShopError: user '…' <<email>> missing"
    )
    assert error_signature("A", "x") != error_signature("B", "x")


def test_retry_all_with_this_error(queue: JobQueue) -> None:
    a = _dead(queue, "deal.create", "1", "Access denied for deal 10")
    b = _dead(queue, "deal.create", "2", "Access denied for deal 11")
    other = _dead(queue, "deal.create", "3", "Title is empty")

    signatures = queue.error_signatures()
    assert signatures == [
        ("PortalError: Access denied for deal #", 2),
        ("PortalError: Title is empty", 1),
    ]
    assert queue.count_jobs(signature=signatures[0][0]) == 2
    assert sorted(queue.retry_matching(signatures[0][0])) == [a, b]
    assert [queue.get(i).state for i in (a, b, other)] == ["queued", "queued", "dead"]  # type: ignore[union-attr]
    assert queue.get(a).attempts == 0  # type: ignore[union-attr]
    assert queue.error_signatures() == [("PortalError: Title is empty", 1)]


def test_a_dead_job_closed_as_done_has_no_error_one_closed_as_cancelled_keeps_it(queue: JobQueue) -> None:
    done = _dead(queue, "deal.create", "1", "Access denied for deal 10")
    superseded = _dead(queue, "deal.create", "2", "Access denied for deal 11")

    assert queue.resolve([done], "the record is in sync now") == [done]
    assert queue.resolve([superseded], "superseded by job 9", state="cancelled") == [superseded]
    closed, cancelled = queue.get(done), queue.get(superseded)
    assert closed is not None and cancelled is not None
    assert (closed.state, closed.error, closed.error_signature) == ("done", None, None)
    assert [e.type for e in queue.events(done)][-2:] == ["dead", "resolved"]  # the error stays in its history
    assert cancelled.state == "cancelled"
    assert cancelled.error is not None and cancelled.error.message == "Access denied for deal 11"


def test_retry_skips_jobs_whose_entity_has_another_active_job(queue: JobQueue) -> None:
    dead = _dead(queue, "deal.update", "1", "boom")
    newer = queue.enqueue("deal.update", "1")
    assert newer.id != dead
    assert queue.retry([dead, newer.id]) == []
    assert queue.get(dead).state == "dead"  # type: ignore[union-attr]


def test_two_dead_jobs_of_one_entity_retry_as_one(queue: JobQueue) -> None:
    first = _dead(queue, "deal.update", "1", "boom")
    second = _dead(queue, "deal.update", "1", "boom")
    assert queue.retry([first, second]) == [first]
    assert queue.counts() == QueueCounts(queued=1, dead=1)


def test_cancel_leaves_running_jobs_alone(queue: JobQueue) -> None:
    running = queue.enqueue("deal.create", "1")
    queue.claim("r")
    queued = queue.enqueue("deal.create", "2")
    dead = _dead(queue, "contact.create", "3", "boom")
    assert sorted(queue.cancel([running.id, queued.id, dead])) == sorted([queued.id, dead])
    assert queue.counts() == QueueCounts(running=1, cancelled=2)
    assert queue.events(queued.id)[-1].type == "cancelled"
    assert queue.retry([queued.id]) == [queued.id]  # a person can change their mind
    assert queue.get(queued.id).state == "queued"  # type: ignore[union-attr]


def test_list_jobs_filters_and_pages(queue: JobQueue) -> None:
    queue.enqueue_many([("deal.create", f"o{i}", None) for i in range(10)])
    queue.enqueue("contact.update", "u1")
    _dead(queue, "contact.create", "u2", "boom")
    assert queue.count_jobs() == 12
    assert [j.entity_key for j in queue.list_jobs(kinds=["deal.create"], limit=3)] == ["o9", "o8", "o7"]
    assert [j.entity_key for j in queue.list_jobs(kinds=["deal.create"], limit=3, offset=8)] == ["o1", "o0"]
    assert [j.entity_key for j in queue.list_jobs(states=["dead"])] == ["u2"]
    assert [j.kind for j in queue.list_jobs(entity_key="u1")] == ["contact.update"]


def test_history_for_an_entity_newest_first(queue: JobQueue) -> None:
    first = queue.enqueue("deal.create", "o1")
    queue.claim("r")
    queue.complete("r", first.id, {"id": 3})
    second = queue.enqueue("deal.update", "o1")
    queue.enqueue("deal.cleanup", "o1", payload={"extra_ids": [4]})
    history = queue.history_for("deal", "o1")
    assert [j.kind for j in history] == ["deal.cleanup", "deal.update", "deal.create"]
    assert history[1].id == second.id
    assert queue.history_for("contact", "o1") == []


def _done(queue: JobQueue, kind: str, key: str) -> int:
    job = queue.enqueue(kind, key)
    queue.claim("r", kinds=[kind])
    queue.complete("r", job.id, {"id": 1})
    return job.id


def test_delete_done_prunes_old_history_with_its_events(queue: JobQueue, clock: FakeClock) -> None:
    first = _done(queue, "deal.create", "o1")
    clock.advance(3600)
    last = _done(queue, "deal.update", "o1")  # o1's latest done job: its "last synced"
    alone = _done(queue, "contact.create", "o1")  # another kind, same key: a record of its own
    cancelled = queue.enqueue("deal.create", "o2").id
    queue.cancel([cancelled])
    old_dead = _dead(queue, "deal.update", "o3", "boom")
    clock.advance(86400 * 31)
    recent_old = _done(queue, "deal.create", "o4")
    clock.advance(60)
    recent = _done(queue, "deal.update", "o4")
    synced = queue.last_done()
    assert queue.pruned_job() == 0

    assert queue.delete_done(timedelta(days=30)) == 2
    assert queue.pruned_job() == max(first, cancelled)  # readers past it missed nothing pruned
    assert queue.get(first) is None
    assert queue.events(first) == []
    assert queue.get(cancelled) is None
    for kept in (last, alone, old_dead, recent_old, recent):
        assert queue.get(kept) is not None
    assert queue.events(last) != []
    assert queue.last_done() == synced  # every record's last-synced time is still there
    assert queue.delete_done(timedelta(days=30)) == 0  # nothing more to prune
    assert queue.pruned_job() == max(first, cancelled)
    assert queue.delete_done(timedelta(0)) == 1  # o4's older done job; its latest stays
    assert queue.pruned_job() == recent_old
    assert queue.get(recent) is not None
    assert queue.last_done() == synced
    queue.remember(store.PRUNED_JOB, 10**9)  # another desk's pruning went further (by these ids)
    clock.advance(1)
    _done(queue, "deal.update", "o4")
    clock.advance(1)
    assert queue.delete_done(timedelta(0)) == 1  # o4's last but one: recent
    assert queue.pruned_job() == 10**9  # never down


def _done_twice(queue: JobQueue, clock: FakeClock, n: int) -> tuple[list[int], list[int]]:
    """``n`` records each created and then updated, a day ago: the creates are superseded."""
    rounds = []
    for kind in ("deal.create", "deal.update"):
        ids = queue.enqueue_many([(kind, str(i), None) for i in range(n)]).job_ids
        queue.claim("r", limit=n)
        queue.complete_many("r", [(i, None) for i in ids])
        clock.advance(1)
        rounds.append(list(ids))
    clock.advance(86400)
    return rounds[0], rounds[1]


def test_delete_done_prunes_a_long_history_in_slices(
    queue: JobQueue, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More prunable jobs than a slice holds (cut to 30 here): every one goes, each record's latest stays."""
    monkeypatch.setattr(store, "_CHUNK", 3)
    _, again = _done_twice(queue, clock, 70)

    assert queue.delete_done(timedelta(hours=1)) == 70
    assert {j.id for j in queue.list_jobs(states=["done"], limit=None)} == set(again)


def test_delete_done_with_a_limit_deletes_that_many_and_goes_on_where_it_stopped(
    queue: JobQueue, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pruning with a budget (a window's look) deletes at most that many, in slices as ever, and says so
    by returning the limit; the next goes on; the last returns fewer."""
    monkeypatch.setattr(store, "_CHUNK", 2)  # slices of 20
    ids, again = _done_twice(queue, clock, 45)

    assert [queue.delete_done(timedelta(hours=1), limit=25) for _ in range(3)] == [25, 20, 0]
    assert {j.id for j in queue.list_jobs(states=["done"], limit=None)} == set(again)
    assert queue.pruned_job() == max(ids)
    assert queue.delete_done(timedelta(hours=1), limit=0) == 0


@pytest.mark.parametrize("seed", range(3))
def test_delete_done_removes_exactly_what_it_may_whatever_the_history(
    queue: JobQueue, clock: FakeClock, seed: int
) -> None:
    """Random histories (jobs done, cancelled, dead, running, several per record, some finishing at one
    moment), pruned at random ages: exactly the done jobs a later done job of their record supersedes and the
    cancelled jobs, each older than the age, go with their events; every record's last-synced time stays."""
    rng = random.Random(seed)
    keys = [str(i) for i in range(12)]
    for _ in range(150):
        kind = rng.choice(["deal.update", "contact.update"])
        job = queue.enqueue(kind, rng.choice(keys))
        what = rng.random()
        if what < 0.8 and (got := queue.claim("r", limit=1)):
            if what < 0.7:
                queue.complete("r", got[0].id)
            else:
                queue.fail("r", got[0].id, JobError("X", "no", retryable=False))
        elif what < 0.9:
            queue.cancel([job.id])
        clock.advance(rng.choice([0, 0, 60, 3600, 86400]))
    for _ in range(4):
        jobs = queue.list_jobs(limit=None)
        synced = queue.last_done()
        age = timedelta(seconds=rng.uniform(0, 10 * 86400))
        cutoff = clock.now - age
        latest: dict[tuple[str, str], datetime] = {}
        for j in jobs:
            if j.state == "done":
                at = latest.get((j.entity_type, j.entity_key))
                latest[(j.entity_type, j.entity_key)] = j.updated_at if at is None else max(at, j.updated_at)
        expected = {
            j.id
            for j in jobs
            if j.updated_at < cutoff
            and (
                j.state == "cancelled"
                or (j.state == "done" and j.updated_at < latest[(j.entity_type, j.entity_key)])
            )
        }
        assert queue.delete_done(age) == len(expected)
        left = {j.id for j in queue.list_jobs(limit=None)}
        assert left == {j.id for j in jobs} - expected
        assert all(queue.events(i) == [] for i in expected)
        assert queue.last_done() == synced
        clock.advance(rng.choice([0, 86400]))


def test_activity_counts_outcomes_per_minute(queue: JobQueue, clock: FakeClock) -> None:
    start = clock.now
    ids = queue.enqueue_many([("deal.create", str(i), None) for i in range(4)]).job_ids
    queue.claim("r")
    queue.complete_many("r", [(i, None) for i in ids[:3]])
    queue.fail("r", ids[3], JobError("X", "y", retryable=True))
    clock.advance(120)
    queue.claim("r", now=clock.later(3600))
    queue.complete("r", ids[3], None)

    points = queue.activity(start)
    assert [(p.minute, p.done, p.failed) for p in points] == [
        (start, 3, 1),
        (start + timedelta(minutes=2), 1, 0),
    ]
    assert queue.activity(start + timedelta(minutes=1)) == points[1:]


def test_counts_cover_every_state(queue: JobQueue) -> None:
    ids = queue.enqueue_many([("deal.update", str(i), None) for i in range(6)]).job_ids
    queue.claim("r", limit=5)
    queue.complete("r", ids[0], None)
    queue.fail("r", ids[1], JobError("X", "y", retryable=True))
    queue.fail("r", ids[2], JobError("X", "y", retryable=False))
    queue.mark_in_doubt("r", ids[3])
    queue.cancel([ids[5]])
    counts = queue.counts()
    assert counts == QueueCounts(queued=0, running=1, in_doubt=1, failed=1, dead=1, done=1, cancelled=1)
    assert counts.report() == {"queued": 0, "running": 1, "in_doubt": 1, "failed": 1, "dead": 1, "done": 1}
    assert (counts.active, counts.problems) == (3, 3)


def test_next_due_at(queue: JobQueue, clock: FakeClock) -> None:
    assert queue.next_due_at() is None
    job = queue.enqueue("deal.update", "1")
    assert queue.next_due_at() == clock.now
    queue.claim("r")
    failed = queue.fail("r", job.id, JobError("X", "y", retryable=True))
    assert queue.next_due_at() == failed.next_run_at
    assert queue.next_due_at(kinds=["contact.update"]) is None


def test_event_log_says_who_did_what_newest_first(queue: JobQueue, clock: FakeClock) -> None:
    start = clock.now
    queue.enqueue("deal.create", "o1", created_by="staff")
    clock.advance(10)
    job = queue.enqueue("contact.update", "u1", created_by="watch")
    queue.cancel([job.id], actor="staff")

    log = queue.event_log(since=start)
    assert [(e.event.type, e.event.actor, e.kind, e.entity_key) for e in log] == [
        ("cancelled", "staff", "contact.update", "u1"),
        ("enqueued", "watch", "contact.update", "u1"),
        ("enqueued", "staff", "deal.create", "o1"),
    ]
    assert [e.entity_key for e in queue.event_log(actors=["watch"])] == ["u1"]
    assert [e.event.type for e in queue.event_log(types=["cancelled"])] == ["cancelled"]
    assert len(queue.event_log(since=clock.later(1))) == 0
    assert len(queue.event_log(limit=1)) == 1


def test_each_job_names_the_runner_that_ran_it_last_and_the_audit_trail_who_retried_it(
    queue: JobQueue,
) -> None:
    ran = _dead(queue, "deal.create", "1", "Access denied")  # run by "r"
    never = queue.enqueue("deal.create", "2").id
    assert queue.ran_by([ran, never]) == {ran: "r"}
    assert queue.retry([ran], actor="staff@desk-anna") == [ran]
    [again] = queue.claim("desk-anna:4242", kinds=["deal.create"], limit=1)
    assert again.id == ran
    assert queue.ran_by([ran, never, 999]) == {ran: "desk-anna:4242"}
    trail = queue.event_log(types=["retried"])
    assert [(e.event.job_id, e.event.actor, e.kind, e.entity_key) for e in trail] == [
        (ran, "staff@desk-anna", "deal.create", "1")
    ]


def test_the_queue_tells_its_own_time(queue: JobQueue, clock: FakeClock) -> None:
    """Leases and heartbeats are kept in the queue's time (a team queue's: the database server's); a desk
    judges who is silent by it, not by its own clock."""
    assert queue.now() == clock.now
    clock.advance(90)
    assert queue.now() == clock.now
