"""One runner per queue: an OS file lock on a file beside the queue.

The desktop app and a cron ``bitrix-monitor --sync`` may both point at one data directory; only the one
holding this lock processes jobs. Enqueueing and reading never need it. The lock is the operating system's,
taken through :mod:`filelock` (``flock`` on POSIX, ``LockFileEx`` on Windows), so it is released when its
holder exits or dies, however it dies. Who holds it (pid, host, description, since) is written to a second
file for the message the other process shows.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import filelock

from bitrix_monitor.queue.model import QueueBusy, RunnerInfo

_POLL_SECONDS = 0.1


def _file_lock(queue_file: Path) -> filelock.BaseFileLock:
    # Not thread-local: a runner may take the lock on one thread and give it back on another.
    return filelock.FileLock(lock_path(queue_file), thread_local=False)


def lock_path(queue_file: Path) -> Path:
    return queue_file.with_name(queue_file.name + ".runner.lock")


def info_path(queue_file: Path) -> Path:
    return queue_file.with_name(queue_file.name + ".runner.json")


def _read_info(queue_file: Path) -> RunnerInfo | None:
    try:
        data = json.loads(info_path(queue_file).read_text(encoding="utf-8"))
        return RunnerInfo(
            pid=int(data["pid"]),
            host=str(data["host"]),
            description=str(data["description"]),
            since=datetime.fromisoformat(data["since"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


class RunnerLock:
    """Holds the queue's runner lock while entered::

        with queue.runner_lock("desktop app") as lock:   # QueueBusy if another runner has it
            ...process jobs...

    ``timeout``: 0 fails at once, a number of seconds waits that long, None waits for ever.
    """

    def __init__(self, queue_file: Path, description: str, *, timeout: float | None = 0.0) -> None:
        self.queue_file = queue_file
        self.description = description
        self.timeout = timeout
        self.info: RunnerInfo | None = None
        self._lock: filelock.BaseFileLock | None = None

    @property
    def held(self) -> bool:
        return self._lock is not None

    def acquire(self) -> Self:
        if self._lock is not None:
            raise RuntimeError("this runner lock is already held")
        lock = _file_lock(self.queue_file)
        try:
            # filelock: a negative timeout waits for ever
            lock.acquire(timeout=-1 if self.timeout is None else self.timeout, poll_interval=_POLL_SECONDS)
        except filelock.Timeout:
            raise QueueBusy(self.queue_file, _read_info(self.queue_file)) from None
        self._lock = lock
        self.info = RunnerInfo(os.getpid(), socket.gethostname(), self.description, datetime.now(UTC))
        record = {
            "pid": self.info.pid,
            "host": self.info.host,
            "description": self.info.description,
            "since": self.info.since.isoformat(),
        }
        info_path(self.queue_file).write_text(json.dumps(record), encoding="utf-8")
        return self

    def release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is None:
            return
        try:
            info_path(self.queue_file).unlink(missing_ok=True)
        finally:
            lock.release()

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    @staticmethod
    def holder(queue_file: Path) -> RunnerInfo | None:
        """Who runs this queue right now, or None when nobody does (for a status line)."""
        lock = _file_lock(queue_file)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            return _read_info(queue_file) or RunnerInfo(0, "?", "another process", datetime.now(UTC))
        except OSError:
            return None
        lock.release()
        return None
