"""Plain data that crosses the queue's API: kinds, states, jobs, events, counts.

Nothing here touches the database; :mod:`bitrix_monitor.queue.store` turns rows into these dataclasses,
and the engine, the headless report and the GUI see nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from bitrix_monitor.errors import EXIT_PROBLEMS, UserFacingError
from bitrix_monitor.kinds import ALL as ALL_KINDS
from bitrix_monitor.messages import Message, Param

JsonDict = dict[str, Any]

# --- states -------------------------------------------------------------------------------------------

QUEUED: Final = "queued"
RUNNING: Final = "running"
DONE: Final = "done"
FAILED: Final = "failed"  # retryable error; runs again at next_run_at
IN_DOUBT: Final = "in_doubt"  # the outcome is unknown; a lookup in the portal must settle it
DEAD: Final = "dead"  # will not run again without a person
CANCELLED: Final = "cancelled"

STATES: Final = (QUEUED, RUNNING, IN_DOUBT, FAILED, DEAD, DONE, CANCELLED)
# At most one job in these states per (entity type, entity key, family): enforced by a unique index.
ACTIVE_STATES: Final = (QUEUED, RUNNING, FAILED, IN_DOUBT)
# States a claim takes jobs from (when next_run_at has come).
DUE_STATES: Final = (QUEUED, FAILED)
# The states in which a pull job holds its record's fields: active (the runner is to write them) or dead (a
# person is to retry or cancel it). Each field it still carries: a newer change of a field supersedes an
# older job's value of it (see PULL_SUPERSEDED).
PULL_HOLDING: Final = (*ACTIVE_STATES, DEAD)
# The pull jobs that lose a field when a newer change of it is queued for their record (or a cancel settles
# it): those a person may run again, whose retry would write the older value. The record's active pull job is
# the one the newer change folds into; a dead one left with nothing to write is closed (cancelled).
PULL_SUPERSEDED: Final = (DEAD, CANCELLED)
# The pull jobs that lose a field when a newer CRM value of it is settled in the shop with no job (a pull
# wrote it, found the shop holding it, or left it for a person: JobQueue.supersede_pull_fields): every one
# not held by a runner, the active one too (one left with nothing to write is closed, cancelled). A job a
# runner holds (PULL_RUNNING) is never edited under it: the newer value is queued into it instead.
PULL_OUTDATED: Final = (QUEUED, FAILED, DEAD, CANCELLED)
PULL_RUNNING: Final = (RUNNING, IN_DOUBT)

# --- kinds --------------------------------------------------------------------------------------------

ENTITY_TYPES: Final = tuple(k.crm for k in ALL_KINDS)  # the CRM side of every kind
SYNC: Final = "sync"
CLEANUP: Final = "cleanup"
PULL: Final = "pull"  # a CRM change the shop could not take when it was pulled: written by the runner

# Within the sync family a stronger kind absorbs a weaker one when jobs fold together: a pending create
# stays a create when an update arrives, a pending update becomes the create when a create arrives.
# A relink (payload: the portal id found by origin id) outranks a plain update.
_ACTION_FAMILY: Final = {"update": SYNC, "relink": SYNC, "create": SYNC, "cleanup": CLEANUP, "pull": PULL}
_ACTION_RANK: Final = {"update": 0, "relink": 1, "create": 2, "cleanup": 0, "pull": 0}

KINDS: Final = tuple(f"{entity}.{action}" for entity in ENTITY_TYPES for action in _ACTION_FAMILY)


@dataclass(frozen=True, slots=True)
class KindInfo:
    kind: str
    entity_type: str
    action: str
    family: str
    rank: int


def kind_info(kind: str) -> KindInfo:
    """Split ``"deal.create"`` into its parts; an unknown kind is a programming error (ValueError)."""
    entity_type, _, action = kind.partition(".")
    if entity_type not in ENTITY_TYPES or action not in _ACTION_FAMILY:
        raise ValueError(f"unknown job kind {kind!r}; known kinds: {', '.join(KINDS)}")
    return KindInfo(kind, entity_type, action, _ACTION_FAMILY[action], _ACTION_RANK[action])


def stronger_kind(current: str, incoming: str) -> str:
    """The kind a job has after ``incoming`` folds into a pending job of kind ``current`` (same family)."""
    return incoming if kind_info(incoming).rank > kind_info(current).rank else current


def follow_up_kind(kind: str) -> str:
    """The kind a job runs as again when its entity changed while it was running.

    After a successful sync job the entity is linked in the portal, so the follow-up is an update; a
    cleanup follows up as a cleanup.
    """
    info = kind_info(kind)
    return f"{info.entity_type}.update" if info.family == SYNC else kind


def merge_payload(current: Mapping[str, Any], incoming: Mapping[str, Any] | None) -> JsonDict:
    """Fold ``incoming`` into ``current``: lists are united (order kept, no repeats), other values replaced.

    So two cleanups of one order carrying ``{"extra_ids": [5]}`` and ``{"extra_ids": [7]}`` become one with
    ``[5, 7]``.
    """
    merged = dict(current)
    for key, value in (incoming or {}).items():
        old = merged.get(key)
        if isinstance(old, list) and isinstance(value, list):
            merged[key] = old + [v for v in value if v not in old]
        else:
            merged[key] = value
    return merged


# --- event types --------------------------------------------------------------------------------------

EV_ENQUEUED: Final = "enqueued"
EV_FOLDED: Final = "folded"
EV_CLAIMED: Final = "claimed"
EV_SENDING: Final = "sending"
EV_SENT: Final = "sent"
EV_ADOPTED: Final = "adopted"
EV_COMPLETED: Final = "completed"
EV_REQUEUED: Final = "requeued"  # completed, but changed again while running: runs once more
EV_FAILED: Final = "failed"
EV_IN_DOUBT: Final = "in_doubt"
EV_SETTLED: Final = "settled"
EV_DEAD: Final = "dead"
EV_CANCELLED: Final = "cancelled"
EV_RETRIED: Final = "retried"
EV_LEASE_EXPIRED: Final = "lease_expired"
EV_RESOLVED: Final = "resolved"  # a failed or dead job closed because its record is in sync now
EV_MOVED: Final = "moved"  # copied from a desk's queue file into the team queue
EV_SUPERSEDED: Final = (
    "superseded"  # a pull job lost fields a newer change of them carries (queued or settled)
)

# --- errors -------------------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_QUOTED_RE = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER_RE = re.compile(r"\d+")
_SPACE_RE = re.compile(r"\s+")
SIGNATURE_MAX = 200


def reason_detail(reason: Message | str) -> dict[str, Any]:
    """Why the queue moved a job, as its event stores it: the English text under ``reason`` (the technical
    details, and what events stored before codes have), the code under ``reason_code`` (its history says it in
    the reader's language)."""
    if isinstance(reason, Message):
        return {"reason": str(reason), "reason_code": reason.to_dict()}
    return {"reason": reason}


def error_signature(error_class: str, message: str) -> str:
    """What "retry all with this error" groups by: the class and the message with ids stripped.

    ``PortalError: Not found (deal 4711)`` and ``PortalError: Not found (deal 12)`` share the signature
    ``PortalError: Not found (deal #)``; quoted values and e-mail addresses are stripped the same way.
    """
    text = _EMAIL_RE.sub("<email>", message)
    text = _QUOTED_RE.sub("'…'", text)
    text = _NUMBER_RE.sub("#", text)
    text = _SPACE_RE.sub(" ", text).strip()
    return f"{error_class}: {text}"[:SIGNATURE_MAX]


@dataclass(frozen=True, slots=True)
class PullField:
    """One record's field as pulling sees it: the value both sides last agreed on, and a CRM change not
    applied to the shop yet (``pending``) with why (``state``: "conflict", "needs_stage_mapping", …)."""

    entity_key: str
    agreed: str | None = None
    pending: str | None = None
    state: str = ""
    pending_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class JobError:
    """The last error of a job. ``retryable`` decides between a retry with backoff and ``dead`` at once.

    ``msg`` (and ``hint``) are the error as message codes, said in the reader's language; ``message`` is
    its English text. What the store keeps is the code (:attr:`stored`) and what "retry all with this
    error" groups by is the code with its parameters, numbers stripped (:attr:`signature`): a translation
    never splits a group. Rows stored before codes have no ``msg`` and keep their text and signature.
    """

    error_class: str
    message: str
    retryable: bool
    msg: Message | None = None
    hint: Message | None = None

    @classmethod
    def of(cls, exc: BaseException, *, retryable: bool) -> JobError:
        msg = getattr(exc, "msg", None)
        hint = getattr(exc, "hint_msg", None)
        return cls(
            type(exc).__name__,
            str(exc) or type(exc).__name__,
            retryable,
            msg if isinstance(msg, Message) else None,
            hint if isinstance(hint, Message) else None,
        )

    @classmethod
    def coded(cls, error_class: str, msg: Message, retryable: bool, hint: Message | None = None) -> JobError:
        text = str(msg) if hint is None else f"{msg} ({hint})"
        return cls(error_class, text, retryable, msg, hint)

    @classmethod
    def from_stored(cls, error_class: str, stored: str | None, retryable: bool) -> JobError:
        """What :attr:`stored` wrote (or the English text of a row stored before codes)."""
        data = _stored_json(stored)
        try:
            msg = None if data is None else _message(data)
            hint = _message(data["hint"]) if data and isinstance(data.get("hint"), dict) else None
        except (KeyError, TypeError, ValueError):  # a code this version does not know: its English text
            msg = hint = None
        if msg is None:
            text = str(data.get("text", stored)) if data else stored or ""
            return cls(error_class, text, retryable)
        return cls.coded(error_class, msg, retryable, hint)

    @property
    def stored(self) -> str:
        """The error as the job store keeps it: the code and parameters as JSON (with the English text,
        for a reader that does not know the code), or the text of an error made without a code."""
        if self.msg is None:
            return self.message
        data: dict[str, Any] = {**self.msg.to_dict(), "text": self.message}
        if self.hint is not None:
            data["hint"] = self.hint.to_dict()
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @property
    def signature(self) -> str:
        if self.msg is None or self.msg.code == "text":
            return error_signature(self.error_class, self.message if self.msg is None else str(self.msg))
        return error_signature(self.error_class, _coded(self.msg))


def _message(data: Mapping[str, Any]) -> Message:
    return Message.from_dict(data)


def _coded(msg: Message) -> str:
    """A message as its code and parameters (one that is a message itself, the same way, in brackets)."""
    said = " ".join(
        f"{k}=({_coded(v)})" if isinstance(v, Message) else f"{k}={v}" for k, v in sorted(msg.params.items())
    )
    return f"[{msg.code}] {said}".strip()


def _stored_json(stored: str | None) -> dict[str, Any] | None:
    if not stored or not stored.startswith('{"code"'):
        return None
    try:
        data = json.loads(stored)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# --- rows ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    entity_type: str  # "deal" | "contact"
    entity_key: str  # the shop key
    family: str  # "sync" | "cleanup"
    payload: Mapping[str, Any]
    state: str
    attempts: int
    next_run_at: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    sending_since: datetime | None  # write-ahead marker: the portal call may have happened
    error: JobError | None
    error_signature: str | None
    result: Mapping[str, Any] | None
    created_at: datetime
    updated_at: datetime
    created_by: str
    changed_again: bool  # something was queued for this entity while it ran: it runs once more

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


@dataclass(frozen=True, slots=True)
class JobEvent:
    id: int
    job_id: int
    at: datetime
    type: str
    actor: str | None
    detail: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event with the job it belongs to, for the activity log ("staff queued deal.create for 17")."""

    event: JobEvent
    kind: str
    entity_type: str
    entity_key: str


@dataclass(frozen=True, slots=True)
class QueueCounts:
    queued: int = 0
    running: int = 0
    in_doubt: int = 0
    failed: int = 0
    dead: int = 0
    done: int = 0
    cancelled: int = 0

    @property
    def active(self) -> int:
        return self.queued + self.running + self.in_doubt + self.failed

    @property
    def problems(self) -> int:
        """Jobs that make a headless run end with "problems remain"."""
        return self.failed + self.dead + self.in_doubt

    def report(self) -> dict[str, int]:
        """The ``queue`` object of the verification report's JSON."""
        return {
            "queued": self.queued,
            "running": self.running,
            "in_doubt": self.in_doubt,
            "failed": self.failed,
            "dead": self.dead,
            "done": self.done,
        }


@dataclass(frozen=True, slots=True)
class RestoreEntry:
    """One archived record being restored, or restored: the ledger that makes a restore exactly-once."""

    restore_key: str  # "deal:123": the archived record's identity
    entity_type: str
    archived_id: int
    entity_key: str  # the shop key the archived record belonged to
    marker: str  # ORIGIN_ID the restored record is created with: finds it again if the answer is lost
    state: str  # "sending" (write-ahead) | "created" (new_id known) | "done"
    new_id: int | None
    outcome: str | None  # what the finished restore said
    sending_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class EnqueueSummary:
    created: int
    folded: int
    job_ids: tuple[int, ...]  # one per input item, in input order (folded items repeat an id)


@dataclass(frozen=True, slots=True)
class ActivityPoint:
    minute: datetime  # start of the minute, UTC
    done: int
    failed: int  # failed and dead


@dataclass(frozen=True, slots=True)
class TeamRunner:
    """A runner of a shared queue (a desk, a worker), as the team sees it."""

    owner: str  # "host:pid": the lease owner its jobs and events name
    host: str  # what the team calls it: its desk's name ([queue] desk: "anna@termsrv"), else its host
    pid: int
    description: str  # e.g. "bitrix-monitor --sync --watch 60"
    version: str  # of Bitrix Monitor
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None  # None while it runs
    last_error: str | None

    def silent(self, now: datetime, after: float = 120.0) -> bool:
        """Running, but not heard of for ``after`` seconds: killed, hung, or cut off from the database."""
        return self.stopped_at is None and (now - self.heartbeat_at).total_seconds() > after


@dataclass(frozen=True, slots=True)
class RunnerInfo:
    """Who holds a queue's runner lock."""

    pid: int
    host: str
    description: str
    since: datetime

    def describe(self) -> str:
        return f"{self.description} (pid {self.pid} on {self.host}, since {self.since:%Y-%m-%d %H:%M:%S} UTC)"


@dataclass(frozen=True, slots=True)
class MirrorHead:
    """Which saved reconcile state a job store holds: its generation (one more at each write), its format
    version and the fingerprint of the shop, portal and mapping it belongs to."""

    generation: int
    version: int
    fingerprint: str
    written_by: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SavedMirror:
    """A saved reconcile state as the job store keeps it: the head, the state (JSON text) and the items
    (JSON text) by part and item, all read in one transaction."""

    head: MirrorHead
    state: str
    items: dict[str, list[tuple[str, str]]]


# --- exceptions ---------------------------------------------------------------------------------------


class LeaseLost(Exception):
    """The job is no longer running under this owner (its lease expired and it was reclaimed, or a person
    cancelled it). The caller must not treat its outcome as recorded. Not user-facing: the engine handles it.
    """

    def __init__(self, job_id: int, owner: str) -> None:
        super().__init__(f"job {job_id} is not running under lease owner {owner!r}")
        self.job_id = job_id
        self.owner = owner


class QueueFileError(UserFacingError):
    """The queue file cannot be used as it is: corrupted, foreign, read-only, or from a newer version.

    The app never starts a new queue over it; the front end offers :func:`~bitrix_monitor.queue.move_aside`.
    """

    def __init__(self, path: object, problem: Message | str, *, hint: Message | None = None) -> None:
        super().__init__(
            Message("queue.file", {"path": str(path), "problem": problem}),
            hint=hint or Message("queue.file.hint"),
        )
        self.path = path
        self.problem = problem


class QueueBusy(UserFacingError):
    """Another runner is processing this queue."""

    exit_status = EXIT_PROBLEMS

    def __init__(self, path: object, holder: RunnerInfo | None) -> None:
        if holder is None:
            who = Message("queue.busy.unknown")
        else:
            said: dict[str, Param] = {
                "what": holder.description,
                "pid": holder.pid,
                "host": holder.host,
                "since": f"{holder.since:%Y-%m-%d %H:%M:%S}",
            }
            who = Message("queue.busy.holder", said)
        super().__init__(
            Message("queue.busy", {"path": str(path), "who": who}), hint=Message("queue.busy.hint")
        )
        self.holder = holder
