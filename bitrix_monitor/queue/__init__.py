"""The job queue: jobs and their append-only event log, in this desk's SQLite file (WAL) or in a team's
PostgreSQL database (:mod:`bitrix_monitor.queue.team`), both behind :class:`JobStore`.

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
    TeamRunner,
    error_signature,
    kind_info,
)
from bitrix_monitor.queue.port import JobStore
from bitrix_monitor.queue.schema import SCHEMA_VERSION, move_aside
from bitrix_monitor.queue.store import JobQueue, RetryPolicy
from bitrix_monitor.queue.team import QueueUnreachable, TeamQueue, open_queue

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
    "JobStore",
    "LeaseLost",
    "LoggedEvent",
    "QueueBusy",
    "QueueCounts",
    "QueueFileError",
    "QueueUnreachable",
    "RestoreEntry",
    "RetryPolicy",
    "RunnerInfo",
    "RunnerLock",
    "TeamQueue",
    "TeamRunner",
    "error_signature",
    "kind_info",
    "move_aside",
    "open_queue",
]
