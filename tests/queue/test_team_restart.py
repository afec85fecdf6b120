"""The team queue rides out a restart of its database server: runners working the queue when the server
goes away (every session ended, connections refused for seconds) carry on by themselves once it is back,
no job is lost or completed twice, and an idle runner is woken by NOTIFY again. The server is a throwaway
one of our own (``benchmarks/pgserver.py``): the machine's server is shared with other tests."""

from __future__ import annotations

import threading
import time

import pytest

from benchmarks.pgserver import ThrowawayPostgres, why_not
from bitrix_monitor.queue import TeamQueue

pytestmark = [pytest.mark.timeout(300), pytest.mark.skipif(bool(why_not()), reason=why_not() or "-")]

JOBS = 1500


def _work(url: str, name: str, finished: list[tuple[float, int]], errors: list[BaseException]) -> None:
    """A runner: claim, "call the portal", complete, until the queue is empty; takes back expired leases
    (a claim whose answer was lost in the restart leaves its jobs leased to nobody until then)."""
    try:
        with TeamQueue.connect(url, reclaim=False) as queue:
            idle_since = None
            while True:
                claimed = queue.claim(name, limit=20, lease_seconds=3.0)
                if not claimed:
                    finished.append((time.time(), 0))  # reached the server: nothing left for this one
                    queue.reclaim_expired()
                    counts = queue.counts()
                    if counts.queued + counts.running + counts.failed == 0:
                        return
                    idle_since = idle_since or time.monotonic()
                    assert time.monotonic() - idle_since < 60, "the queue stopped moving"
                    time.sleep(0.1)
                    continue
                idle_since = None
                time.sleep(0.02)  # the portal call
                done = queue.complete_many(name, [(j.id, {"id": j.id}) for j in claimed])
                finished.append((time.time(), len(done)))
    except BaseException as exc:  # reported by the test
        errors.append(exc)


def test_runners_carry_on_through_a_restart_and_each_job_completes_once() -> None:
    with ThrowawayPostgres() as pg:
        with TeamQueue.connect(pg.url) as desk:
            desk.enqueue_many([("deal.update", f"o{i}", None) for i in range(JOBS)])
        finished: dict[str, list[tuple[float, int]]] = {f"runner-{n}": [] for n in range(3)}
        errors: list[BaseException] = []
        threads = [threading.Thread(target=_work, args=(pg.url, n, f, errors)) for n, f in finished.items()]
        for t in threads:
            t.start()
        while sum(n for f in finished.values() for _, n in f) < JOBS // 4 and not errors:
            time.sleep(0.05)
        away = pg.restart(down_for=3.0)  # every session ended; connections refused for 3 s
        back = time.time()
        for t in threads:
            t.join(timeout=200)
        assert not errors, errors
        assert away >= 3.0
        # every runner went on by itself after the restart: each reached the server again (one still in its
        # longest back-off may find the queue already emptied by the others), and the runners between them
        # completed jobs after it
        assert all(any(at > back for at, _ in f) for f in finished.values()), finished.keys()
        assert any(at > back and n for f in finished.values() for at, n in f)
        with TeamQueue.connect(pg.url) as queue:
            assert queue.counts().done == JOBS
            with queue._read() as conn:
                twice = conn.exec_driver_sql(
                    "SELECT count(*) FROM (SELECT job_id FROM job_events WHERE type = 'completed' "
                    "GROUP BY job_id HAVING count(*) > 1) AS t"
                ).scalar_one()
        assert twice == 0


def test_an_idle_runner_is_woken_by_notify_after_a_restart() -> None:
    with ThrowawayPostgres() as pg, TeamQueue.connect(pg.url) as runner, TeamQueue.connect(pg.url) as desk:
        assert not runner.wait_for_jobs(0.05)  # listening
        pg.restart(down_for=1.0)
        runner.wait_for_jobs(0.2)  # finds its listening connection gone: polls, and listens again next time
        queued = threading.Timer(0.5, lambda: desk.enqueue("deal.update", "o1"))
        queued.start()
        started = time.monotonic()
        woken = runner.wait_for_jobs(15.0)
        waited = time.monotonic() - started
        queued.join()  # the desk's call has given its connection back before the queues close
        assert woken
        assert waited < 5.0
