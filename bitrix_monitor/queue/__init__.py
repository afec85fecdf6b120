"""The local job queue: one SQLite file (WAL) of jobs and their append-only event log.

See :mod:`bitrix_monitor.queue.store` for the job lifecycle. Qt-free; nothing but plain dataclasses leaves
this package.
"""

from bitrix_monitor.queue.lock import RunnerLock
from bitrix_monitor.queue.model import (
    ACTIVE_STATES,
    CANCELLED,
    DEAD,
    DONE,
    FAILED,
    IN_DOUBT,
    KINDS,
    QUEUED,
    RUNNING,
    STATES,
    ActivityPoint,
    EnqueueSummary,
    Job,
    JobError,
    JobEvent,
    LeaseLost,
    LoggedEvent,
    QueueBusy,
    QueueCounts,
    QueueFileError,
    RestoreEntry,
    RunnerInfo,
    error_signature,
    kind_info,
)
from bitrix_monitor.queue.schema import SCHEMA_VERSION, move_aside
from bitrix_monitor.queue.store import JobQueue, RetryPolicy

__all__ = [
    "ACTIVE_STATES",
    "CANCELLED",
    "DEAD",
    "DONE",
    "FAILED",
    "IN_DOUBT",
    "KINDS",
    "QUEUED",
    "RUNNING",
    "SCHEMA_VERSION",
    "STATES",
    "ActivityPoint",
    "EnqueueSummary",
    "Job",
    "JobError",
    "JobEvent",
    "JobQueue",
    "LeaseLost",
    "LoggedEvent",
    "QueueBusy",
    "QueueCounts",
    "QueueFileError",
    "RestoreEntry",
    "RetryPolicy",
    "RunnerInfo",
    "RunnerLock",
    "error_signature",
    "kind_info",
    "move_aside",
]
