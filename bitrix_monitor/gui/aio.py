"""asyncio on the Qt loop: one ``spawn()`` helper and progress throttled at the edge (STYLE.md §7, §8)."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.sync.model import Progress

log = logging.getLogger(__name__)

_tasks: set[asyncio.Task[Any]] = set()

# Where user-facing errors from spawned tasks go (the main window installs its message bar here).
UserErrorSink = Callable[[UserFacingError], None]
_user_error_sink: UserErrorSink | None = None


def set_user_error_sink(sink: UserErrorSink | None) -> None:
    global _user_error_sink
    _user_error_sink = sink


def report_user_error(exc: UserFacingError) -> None:
    log.warning("%s", exc)
    if _user_error_sink is not None:
        _user_error_sink(exc)


def spawn(coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
    """Run ``coro`` as a task that stays referenced until done; failures are routed, never lost.

    A :class:`UserFacingError` becomes a message in the window; cancellation is ignored; anything else
    is a bug and goes to ``sys.excepthook`` (the crash dialog).
    """
    task = asyncio.ensure_future(coro)
    task.set_name(name)
    _tasks.add(task)
    task.add_done_callback(_task_done)
    return task


def _task_done(task: asyncio.Task[Any]) -> None:
    _tasks.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is None:
        return
    if isinstance(exc, UserFacingError):
        report_user_error(exc)
        return
    sys.excepthook(type(exc), exc, exc.__traceback__)


def running_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in _tasks if not t.done()]


async def cancel_all() -> None:
    """Cancel every spawned task and wait for them to finish (shutdown)."""
    tasks = running_tasks()
    for t in tasks:
        t.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


class LatestTask:
    """ "The newest request cancels the previous one": for loads that follow the selection."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.task: asyncio.Task[Any] | None = None

    def start(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.task = spawn(coro, self.name)
        return self.task


class ProgressRelay(QObject):
    """Turns ``Progress`` callbacks (any rate) into at most one ``changed`` signal per interval."""

    changed = Signal(object)  # Progress

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 250) -> None:
        super().__init__(parent)
        self.interval = interval_ms / 1000
        self._last_emit = 0.0
        self._pending: Progress | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    def __call__(self, progress: Progress) -> None:
        self._pending = progress
        wait = self._last_emit + self.interval - time.monotonic()
        if wait <= 0:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    def flush(self) -> None:
        """Emit the latest progress now, if one is pending."""
        self._timer.stop()
        if self._pending is None:
            return
        progress, self._pending = self._pending, None
        self._last_emit = time.monotonic()
        self.changed.emit(progress)
