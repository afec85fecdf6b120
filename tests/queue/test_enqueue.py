"""Queuing and folding: one active job per entity and family, whoever queues and however often."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa

from bitrix_monitor.queue import JobError, JobQueue, open_queue
from tests.queue.conftest import FakeClock


def test_update_folded_into_pending_create_stays_the_create(queue: JobQueue) -> None:
    create = queue.enqueue("deal.create", "order-1", created_by="sync")
    again = queue.enqueue("deal.update", "order-1", created_by="watch")
    assert again.id == create.id
    assert again.kind == "deal.create"
    assert [e.type for e in queue.events(create.id)] == ["enqueued", "folded"]
    assert [e.actor for e in queue.events(create.id)] == ["sync", "watch"]


def test_create_folded_into_pending_update_becomes_the_create(queue: JobQueue) -> None:
    update = queue.enqueue("contact.update", "user-7")
    again = queue.enqueue("contact.create", "user-7")
    assert again.id == update.id
    assert again.kind == "contact.create"


def test_repeated_updates_become_one_job(queue: JobQueue) -> None:
    ids = {queue.enqueue("deal.update", "order-1").id for _ in range(5)}
    assert len(ids) == 1
    assert queue.counts().queued == 1


def test_cleanup_is_its_own_family_and_unites_the_extra_ids(queue: JobQueue) -> None:
    sync = queue.enqueue("deal.update", "order-1")
    first = queue.enqueue("deal.cleanup", "order-1", payload={"extra_ids": [5, 6]})
    second = queue.enqueue("deal.cleanup", "order-1", payload={"extra_ids": [6, 9]})
    assert first.id == second.id != sync.id
    assert second.payload == {"extra_ids": [5, 6, 9]}
    assert queue.active_job("deal", "order-1", "cleanup") == second
    assert queue.active_job("deal", "order-1") is not None
    assert queue.active_job("deal", "order-1").id == sync.id  # type: ignore[union-attr]


def test_relink_outranks_an_update_and_yields_to_a_create(queue: JobQueue) -> None:
    job = queue.enqueue("deal.update", "o")
    assert queue.enqueue("deal.relink", "o", payload={"portal_id": 42}).kind == "deal.relink"
    assert queue.enqueue("deal.update", "o").kind == "deal.relink"
    folded = queue.enqueue("deal.create", "o")
    assert (folded.id, folded.kind, folded.payload) == (job.id, "deal.create", {"portal_id": 42})


def test_deal_and_contact_with_the_same_key_are_different_entities(queue: JobQueue) -> None:
    assert queue.enqueue("deal.create", "1").id != queue.enqueue("contact.create", "1").id


def test_unknown_kind_is_refused(queue: JobQueue) -> None:
    with pytest.raises(ValueError, match="unknown job kind"):
        queue.enqueue("order.create", "1")


def test_change_while_running_runs_once_more_as_an_update(queue: JobQueue) -> None:
    job = queue.enqueue("deal.create", "order-1")
    (claimed,) = queue.claim("runner")
    folded = queue.enqueue("deal.update", "order-1", created_by="watch")
    assert (folded.id, folded.state, folded.changed_again) == (job.id, "running", True)

    after = queue.complete("runner", claimed.id, {"id": 501})
    assert (after.state, after.kind, after.attempts, after.changed_again) == (
        "queued",
        "deal.update",
        0,
        False,
    )
    assert after.result == {"id": 501}
    (rerun,) = queue.claim("runner")
    assert rerun.id == job.id
    assert queue.complete("runner", rerun.id, {"id": 501}).state == "done"
    assert [e.type for e in queue.events(job.id)] == [
        "enqueued",
        "claimed",
        "folded",
        "completed",
        "requeued",
        "claimed",
        "completed",
    ]


def test_queuing_into_a_failed_job_makes_it_due_now(queue: JobQueue, clock: FakeClock) -> None:
    job = queue.enqueue("deal.update", "order-1")
    queue.claim("runner")
    failed = queue.fail("runner", job.id, JobError("PortalError", "503", retryable=True))
    assert failed.state == "failed"
    assert failed.next_run_at > clock.now
    assert queue.claim("runner") == []

    again = queue.enqueue("deal.update", "order-1")
    assert (again.id, again.state, again.next_run_at) == (job.id, "queued", clock.now)
    assert [j.id for j in queue.claim("runner")] == [job.id]


def test_after_done_a_new_job_is_created(queue: JobQueue) -> None:
    job = queue.enqueue("deal.create", "order-1")
    queue.claim("r")
    queue.complete("r", job.id, {"id": 1})
    assert queue.enqueue("deal.update", "order-1").id != job.id


def test_enqueue_many_folds_within_the_batch_and_with_the_queue(queue: JobQueue) -> None:
    queue.enqueue("deal.update", "a")
    summary = queue.enqueue_many(
        [
            ("deal.update", "a", None),
            ("deal.create", "b", None),
            ("deal.update", "b", None),
            ("contact.create", "b", {"x": 1}),
            ("deal.create", "c", None),
        ],
        created_by="sync",
    )
    assert (summary.created, summary.folded) == (3, 2)
    assert summary.job_ids[1] == summary.job_ids[2]
    assert len(set(summary.job_ids)) == 4
    assert queue.get(summary.job_ids[2]).kind == "deal.create"  # type: ignore[union-attr]
    assert queue.counts().queued == 4


def test_enqueue_many_in_bulk_spans_chunks(queue: JobQueue) -> None:
    items = [("deal.create", str(i % 1500), None) for i in range(3000)]
    summary = queue.enqueue_many(items)
    assert (summary.created, summary.folded) == (1500, 1500)
    assert queue.counts().queued == 1500
    assert summary.job_ids[0] == summary.job_ids[1500]


def test_the_database_refuses_a_second_active_job(queue: JobQueue) -> None:
    job = queue.enqueue("deal.create", "order-1")
    with pytest.raises(sa.exc.IntegrityError), queue._writer.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO jobs (kind, entity_type, entity_key, family, state, next_run_at,"
                " created_at, updated_at, created_by)"
                " SELECT kind, entity_type, entity_key, family, 'failed', 0, 0, 0, 'x'"
                " FROM jobs WHERE id = :id"
            ),
            {"id": job.id},
        )


def test_sixteen_threads_queuing_the_same_keys_create_one_job_per_key(queue: JobQueue) -> None:
    keys = [f"order-{i}" for i in range(40)]
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i, key in enumerate(keys):
                if (i + n) % 2:
                    queue.enqueue("deal.update" if n % 3 else "deal.create", key, created_by=f"t{n}")
                else:
                    queue.enqueue_many([("deal.update", key, None), ("contact.update", key, None)])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    deals = queue.list_jobs(kinds=["deal.create", "deal.update"], limit=None)
    assert sorted(j.entity_key for j in deals) == sorted(keys)
    assert len(queue.list_jobs(kinds=["contact.update"], limit=None)) == len(keys)
    assert all(j.kind == "deal.create" for j in deals)  # thread 0 queued a create for every key


_OTHER_PROCESS = """
import sys
from bitrix_monitor.queue import open_queue
q = open_queue(sys.argv[1])
for round in range(3):
    for i in range(200):
        q.enqueue_many([("deal.update", f"order-{i}", None)], created_by="process")
q.close()
"""


def test_two_processes_queuing_the_same_keys_create_one_job_per_key(queue_location: str) -> None:
    open_queue(queue_location).close()
    other = subprocess.Popen([sys.executable, "-c", _OTHER_PROCESS, queue_location])
    with open_queue(queue_location) as queue:
        for _ in range(3):
            for i in reversed(range(200)):
                queue.enqueue("deal.create", f"order-{i}")
        assert other.wait(timeout=60) == 0
        jobs = queue.list_jobs(limit=None)
        assert sorted(j.entity_key for j in jobs) == sorted(f"order-{i}" for i in range(200))
        assert {j.kind for j in jobs} == {"deal.create"}
        actors = {e.actor for j in jobs for e in queue.events(j.id)}
        assert actors == {"staff", "process"}  # both really queued every key


def test_why_a_job_was_queued_is_stored_with_its_event_as_a_code(queue: JobQueue) -> None:
    """A plan's reason goes with the enqueued (or folded) event as its code beside its English, so the job
    history says it in the reader's language; an item without a reason stores none."""
    from bitrix_monitor.messages import Message, render

    missing = Message("plan.missing")
    differs = Message("plan.differs", {"fields": "TITLE,OPPORTUNITY"})
    queue.enqueue_many(
        [("deal.create", "1", None), ("deal.update", "1", None), ("deal.update", "2", None)],
        reasons=[missing, differs, ""],
    )
    (job1,) = [j for j in queue.list_jobs(limit=None) if j.entity_key == "1"]
    enqueued, folded = queue.events(job1.id)
    assert enqueued.detail["reason"] == "no record in the portal"
    assert Message.from_dict(enqueued.detail["reason_code"]) == missing
    assert render(Message.from_dict(folded.detail["reason_code"]), "ru") == "отличается: Название, Сумма"
    (job2,) = [j for j in queue.list_jobs(limit=None) if j.entity_key == "2"]
    assert "reason" not in queue.events(job2.id)[0].detail
