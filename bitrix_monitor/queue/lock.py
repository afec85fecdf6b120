"""One runner per queue: an OS file lock on a file beside the queue.

The desktop app and a cron ``bitrix-monitor --sync`` may both point at one data directory; only the one
holding this lock processes jobs. Enqueueing and reading never need it. The lock is the operating system's
(``fcntl.flock``, ``msvcrt.locking`` on Windows), so it is released when its holder exits or dies, however it
dies. Who holds it (pid, host, description, since) is written to a second file for the message the other
process shows.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Self

from bitrix_monitor.queue.model import QueueBusy, RunnerInfo

_POLL_SECONDS = 0.1

if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


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
        self._handle: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> Self:
        if self._handle is not None:
            raise RuntimeError("this runner lock is already held")
        handle = open(lock_path(self.queue_file), "a+b")  # noqa: SIM115 - kept open while the lock is held
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while not _try_lock(handle):
            if deadline is not None and time.monotonic() >= deadline:
                handle.close()
                raise QueueBusy(self.queue_file, _read_info(self.queue_file))
            time.sleep(
                _POLL_SECONDS
                if deadline is None
                else max(0.0, min(_POLL_SECONDS, deadline - time.monotonic()))
            )
        self._handle = handle
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
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            info_path(self.queue_file).unlink(missing_ok=True)
            _unlock(handle)
        finally:
            handle.close()

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    @staticmethod
    def holder(queue_file: Path) -> RunnerInfo | None:
        """Who runs this queue right now, or None when nobody does (for a status line)."""
        try:
            handle = open(lock_path(queue_file), "a+b")  # noqa: SIM115
        except OSError:
            return None
        with handle:
            if _try_lock(handle):
                _unlock(handle)
                return None
        return _read_info(queue_file) or RunnerInfo(0, "?", "another process", datetime.now(UTC))
