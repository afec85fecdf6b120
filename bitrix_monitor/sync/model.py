"""Plain data that crosses from the sync services to the front ends: states, evidence, plans, progress.

Nothing here talks to a database or the network; the GUI's table models and the headless report are
built from these dataclasses only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bitrix_monitor.kinds import ALL as KINDS
from bitrix_monitor.kinds import CrmKind, ShopKind
from bitrix_monitor.messages import Message, Note
from bitrix_monitor.queue.model import JobError

EntityType = ShopKind
PortalEntity = CrmKind

PORTAL_ENTITY: dict[EntityType, PortalEntity] = {k.name: k.crm for k in KINDS}


class RecordState(enum.StrEnum):
    """Exactly one state per shop record, as computed by reconciliation."""

    IN_SYNC = "in_sync"
    MISSING = "missing"  # no id stored, nothing in the portal
    UNLINKED = "unlinked"  # the portal has a record with our origin id, the shop does not store its id
    STALE_LINK = "stale_link"  # the stored id points at a record the portal does not have
    OUTDATED = "outdated"  # linked, but field values differ
    DUPLICATED = "duplicated"  # more than one portal record for this shop record
    INVALID = "invalid"  # the shop row cannot be synced as stored (empty key, an id that is not one, …)
    # the stored id is also stored by another shop record, or its record is another record's (another
    # origin id, another integration): nothing is written to it until the rule or a person resolves it
    SHARED_LINK = "shared_link"
    # pulling from the CRM: a change made there not applied to the shop yet (waiting for a retry or a grant),
    # one made on both sides that a person must settle, a stage the shop has no status for
    CHANGED_IN_CRM = "changed_in_crm"
    CONFLICT = "conflict"
    NEEDS_STAGE_MAPPING = "needs_stage_mapping"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class QueueMark(enum.StrEnum):
    """What the job queue says about a record, shown next to its reconciliation state."""

    NONE = ""
    QUEUED = "queued"
    RUNNING = "running"
    FAILED = "failed"
    IN_DOUBT = "in_doubt"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class FieldDiff:
    field: str
    shop: str | None
    portal: str | None


@dataclass(frozen=True, slots=True)
class DuplicateEvidence:
    """Portal records that belong to one shop record, and the key that matched them.

    ``cleanable`` is False for evidence shown to a person but never cleaned up: records of another
    integration, and records another shop record stores.
    """

    ids: tuple[int, ...]
    matched_by: str  # "origin id", "e-mail", "phone", "title pattern", "stored id", "shared link", …
    value: Note = ""  # what matched (a key, an e-mail), or whose the record is, as codes (str(): English)
    cleanable: bool = True


@dataclass(frozen=True, slots=True)
class RecordStatus:
    """One shop record next to its portal record."""

    entity: EntityType
    key: str
    label: str  # order title / user name
    stored_id: int | None
    portal_id: int | None  # the record we consider the match (stored, or found by origin id)
    state: RecordState
    diffs: tuple[FieldDiff, ...] = ()
    duplicates: tuple[DuplicateEvidence, ...] = ()
    note: Note = ""  # e.g. "stored id 123: portal answered Not found", as codes (str() is the English)
    shop_values: Mapping[str, str] = field(default_factory=dict)
    portal_values: Mapping[str, str] = field(default_factory=dict)
    queue: QueueMark = QueueMark.NONE
    last_error: str = ""
    last_synced: datetime | None = None
    relink_to: int | None = None  # a record found by another key (title pattern) that a relink adopts
    hold: Note = ""  # why nothing is planned for it: a person must act first (no job while this is set)
    shared_with: tuple[str, ...] = ()  # SHARED_LINK: the other shop records that store the same id
    release_id: int | None = None  # SHARED_LINK resolved by the rule: the id this record gives up
    error: JobError | None = None  # ``last_error`` as codes, said in the reader's language


@dataclass(frozen=True, slots=True)
class Orphan:
    """A portal record with our originator whose origin id matches no shop row."""

    entity: PortalEntity
    portal_id: int
    origin_id: str
    title: str


@dataclass(frozen=True, slots=True)
class EntityCounts:
    checked: int = 0
    in_sync: int = 0
    missing: int = 0
    unlinked: int = 0
    stale_link: int = 0
    outdated: int = 0
    duplicated: int = 0
    orphans: int = 0
    invalid: int = 0
    shared_link: int = 0
    # named as the states (the overview reads them so); the report's JSON says "changed_in_crm" for the
    # first and the last together, and "conflicts"
    changed_in_crm: int = 0  # CRM changes not applied to the shop yet (waiting for a retry or a grant)
    conflict: int = 0  # changed on both sides, left for a person
    needs_stage_mapping: int = 0  # a stage moved in the CRM that the shop has no status for

    def problems(self) -> int:
        return (
            self.missing
            + self.unlinked
            + self.stale_link
            + self.outdated
            + self.duplicated
            + self.orphans
            + self.invalid
            + self.shared_link
            + self.changed_in_crm
            + self.conflict
            + self.needs_stage_mapping
        )


@dataclass(frozen=True, slots=True)
class PlannedJob:
    kind: str  # deal.create, deal.update, contact.create, contact.update, deal.cleanup, contact.cleanup
    entity_key: str
    reason: Message | str  # why, as a code (bitrix_monitor.messages); text from outside stays text
    payload: Mapping[str, object] | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What reconciliation proposes; nothing changes until someone applies it."""

    jobs: tuple[PlannedJob, ...]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for job in self.jobs:
            out[job.kind] = out.get(job.kind, 0) + 1
        return dict(sorted(out.items()))

    def __len__(self) -> int:
        return len(self.jobs)


@dataclass(frozen=True, slots=True)
class Progress:
    """Progress as data (STYLE.md §8): front ends decide how often to repaint."""

    stage: str  # "reading shop", "reading portal", "processing queue", …
    done: int = 0
    total: int | None = None
    detail: str = ""
