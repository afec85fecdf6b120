"""One runner per queue: the second one waits or is told who holds the queue; readers never wait."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobQueue, QueueBusy, RunnerLock

_HOLDER = """
import sys, time
from pathlib import Path
from bitrix_monitor.queue import RunnerLock
with RunnerLock(Path(sys.argv[1]), "cron --sync"):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_a_second_runner_is_told_who_holds_the_queue(file_queue: JobQueue) -> None:
    queue = file_queue
    with queue.runner_lock("desktop app") as lock:
        assert lock.held
        with pytest.raises(QueueBusy) as info:
            queue.runner_lock("cron --sync").acquire()
    message = str(info.value)
    assert isinstance(info.value, UserFacingError)
    assert "desktop app" in message
    assert f"pid {os.getpid()}" in message
    assert info.value.holder is not None
    assert info.value.holder.description == "desktop app"
    assert not lock.held
    with queue.runner_lock("cron --sync"):  # free again once released
        pass


def test_a_waiting_runner_gets_the_queue_when_the_first_one_stops(file_queue: JobQueue) -> None:
    queue = file_queue
    first = queue.runner_lock("first").acquire()
    got: list[RunnerLock] = []

    def second() -> None:
        got.append(queue.runner_lock("second", timeout=30).acquire())

    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.3)  # let it start waiting; correctness does not depend on this
    assert got == []
    first.release()
    waiter.join(timeout=30)
    assert len(got) == 1
    assert RunnerLock.holder(queue.path) is not None
    assert RunnerLock.holder(queue.path).description == "second"  # type: ignore[union-attr]
    got[0].release()
    assert RunnerLock.holder(queue.path) is None


def test_another_process_holding_the_lock_blocks_runners_but_not_readers(data_dirs: DataDirs) -> None:
    path = data_dirs.queue_file
    JobQueue.open(path).close()
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            with JobQueue.open(path) as queue:
                with pytest.raises(QueueBusy, match=rf"cron --sync \(pid {holder.pid} on "):
                    queue.runner_lock("desktop app", timeout=0.2).acquire()
                job = queue.enqueue("deal.create", "o1")  # queuing and reading need no runner lock
                assert queue.get(job.id) == job
                assert queue.counts().queued == 1
        finally:
            holder.kill()  # dies without releasing: the OS frees the lock
            holder.wait(timeout=30)
    with JobQueue.open(path) as queue, queue.runner_lock("desktop app", timeout=5) as lock:
        assert lock.info is not None
        assert lock.info.pid == os.getpid()
