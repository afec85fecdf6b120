"""Plain data that crosses from the sync services to the front ends: states, evidence, plans, progress.

Nothing here talks to a database or the network; the GUI's table models and the headless report are
built from these dataclasses only.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

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


def key_order(key: str) -> tuple[int, int, str]:
    """Shop keys in the order people read them: whole numbers by value (ties, such as "007" and "7", by
    their text), before any other text. ``isdecimal``, not ``isdigit``: a key such as "²" is a digit that
    ``int`` refuses, and sorts as text."""
    return (0, int(key), key) if key.isdecimal() else (1, 0, key)


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


@dataclass(frozen=True)
class _StatusFields:
    """The fields of :class:`RecordStatus`, as a dataclass declares them: they are its dataclass face
    (``dataclasses.fields``, ``replace`` and ``asdict`` work on it as on a dataclass)."""

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


class ValuesMaker(Protocol):
    """How a record judged by a reconciliation makes its shop and portal values when they are asked for."""

    def shop(self, row: Any, contact_id: int | None, company_id: int | None) -> Mapping[str, str]: ...

    def portal(self, record: Mapping[str, Any] | None) -> Mapping[str, str]: ...


# The fields most records leave as they are, in this order; a record whose are all so shares this tuple.
_REST: tuple[str, ...] = ("diffs", "duplicates", "note", "queue", "last_error", "relink_to", "hold")
_REST += ("shared_with", "release_id", "error")
_PLAIN: tuple[Any, ...] = ((), (), "", QueueMark.NONE, "", None, "", (), None, None)
_NAMES = tuple(f.name for f in dataclasses.fields(_StatusFields))


class RecordStatus:
    """One shop record next to its portal record: immutable, compared, shown and replaced
    (``dataclasses.replace``) as the dataclass of its fields (:class:`_StatusFields`, same order, same
    defaults), held lighter: a full pass keeps one for each of a million records. The fields most records
    leave as they are share one tuple, and a reconciliation's records make their shop and portal values
    (what the detail pane shows) on access from the row, the references and the portal record they were
    judged with, through :meth:`judged`.

    Two layouts share this face: the general one (``RecordStatus(...)``, :meth:`judged`), and a lighter one
    for the state nearly every record of a synced shop is in (:meth:`judged_usual` in sync with nothing else
    to say), which holds only the row, the portal record, the references and when it was last synced, and
    makes the rest on access from the row (6 slots, not 13: 56 bytes less for each record)."""

    __slots__ = ()
    __dataclass_fields__ = _StatusFields.__dataclass_fields__
    # In sync with the record its row stores, with no job, error or evidence: the light layout, which a
    # reader may take as that without asking each field.
    plainly_in_sync: ClassVar[bool] = False

    if TYPE_CHECKING:  # each layout's slots or properties

        @property
        def entity(self) -> EntityType: ...
        @property
        def key(self) -> str: ...
        @property
        def label(self) -> str: ...
        @property
        def stored_id(self) -> int | None: ...
        @property
        def portal_id(self) -> int | None: ...
        @property
        def state(self) -> RecordState: ...
        @property
        def last_synced(self) -> datetime | None: ...
        @property
        def _rest(self) -> tuple[Any, ...]: ...

    def __new__(cls, *args: Any, **kwargs: Any) -> RecordStatus:
        return object.__new__(_Judged)  # the general layout, whichever class is called

    def __init__(
        self,
        entity: EntityType,
        key: str,
        label: str,
        stored_id: int | None,
        portal_id: int | None,
        state: RecordState,
        diffs: tuple[FieldDiff, ...] = (),
        duplicates: tuple[DuplicateEvidence, ...] = (),
        note: Note = "",
        shop_values: Mapping[str, str] | None = None,
        portal_values: Mapping[str, str] | None = None,
        queue: QueueMark = QueueMark.NONE,
        last_error: str = "",
        last_synced: datetime | None = None,
        relink_to: int | None = None,
        hold: Note = "",
        shared_with: tuple[str, ...] = (),
        release_id: int | None = None,
        error: JobError | None = None,
    ) -> None:
        shop = {} if shop_values is None else shop_values
        portal = {} if portal_values is None else portal_values
        fields: tuple[Any, ...] = (entity, key, label, stored_id, portal_id, state, last_synced)
        fields += (shop, portal, None, None, None)
        rest = (diffs, duplicates, note, queue, last_error, relink_to, hold, shared_with, release_id, error)
        _fill(self, fields, _PLAIN if _plain(rest) else rest)

    @classmethod
    def judged(
        cls,
        *fields: Any,
        row: Any,
        contact_id: int | None,
        company_id: int | None,
        record: Mapping[str, Any] | None,
        maker: ValuesMaker,
        **rest: Any,
    ) -> RecordStatus:
        """A record as a reconciliation judged it (``fields``, ``rest``: as the constructor takes them but the
        values): its shop values made on access by ``maker`` from the row and the references
        (``contact_id``, ``company_id``) it was judged with, its portal values from the portal ``record``."""
        rest.update(shop_values=row, portal_values=record)
        status = cls(*fields, **rest)
        put = object.__setattr__
        put(status, "_maker", maker)
        put(status, "_contact", contact_id)
        put(status, "_company", company_id)
        return status

    @classmethod
    def judged_usual(
        cls,
        judging: Judging,
        row: Any,
        state: RecordState,
        diffs: tuple[FieldDiff, ...],
        queue: QueueMark,
        last_error: str,
        error: JobError | None,
        last_synced: datetime | None,
        judged: tuple[int | None, int | None, Mapping[str, Any] | None],
    ) -> RecordStatus:
        """What :meth:`judged` makes of a record judged in the usual state (the record its ``row`` stores, in
        sync or outdated, nothing else to say), made directly: a full pass makes a million of them.
        ``judging``: the kind and pipeline it was judged in; ``judged``: the contact and company ids and the
        portal record it was judged with."""
        contact_id, company_id, record = judged
        plain = not diffs and queue is QueueMark.NONE and last_error == "" and error is None
        if state is RecordState.IN_SYNC and plain and record is not None:
            # The references are the record's own (nearly always, in sync): read from it, not held.
            own = contact_id == _ref(record, "CONTACT_ID") and company_id == _ref(record, "COMPANY_ID")
            status: RecordStatus = object.__new__(judging.in_sync[0 if own else 1])
            put = object.__setattr__
            put(status, "_row", row)
            put(status, "_record", record)
            if not own:
                put(status, "_contact", contact_id)
                put(status, "_company", company_id)
            put(status, "last_synced", last_synced)
            return status
        status = object.__new__(_Judged)
        crm_id = row.crm_id
        fields: tuple[Any, ...] = (judging.entity, row.key, judging.label(row), crm_id, crm_id, state)
        fields += (last_synced, row, {} if record is None else record, judging.maker, contact_id, company_id)
        rest = (diffs, (), "", queue, last_error, None, "", (), None, error)
        _fill(status, fields, _PLAIN if _plain(rest) else rest)
        return status

    @property
    def shop_values(self) -> Mapping[str, str]:
        raise NotImplementedError

    @property
    def portal_values(self) -> Mapping[str, str]:
        raise NotImplementedError

    @property
    def diffs(self) -> tuple[FieldDiff, ...]:
        return self._rest[0]  # type: ignore[no-any-return]

    @property
    def duplicates(self) -> tuple[DuplicateEvidence, ...]:
        return self._rest[1]  # type: ignore[no-any-return]

    @property
    def note(self) -> Note:
        return self._rest[2]  # type: ignore[no-any-return]

    @property
    def queue(self) -> QueueMark:
        return self._rest[3]  # type: ignore[no-any-return]

    @property
    def last_error(self) -> str:
        return self._rest[4]  # type: ignore[no-any-return]

    @property
    def relink_to(self) -> int | None:
        return self._rest[5]  # type: ignore[no-any-return]

    @property
    def hold(self) -> Note:
        return self._rest[6]  # type: ignore[no-any-return]

    @property
    def shared_with(self) -> tuple[str, ...]:
        return self._rest[7]  # type: ignore[no-any-return]

    @property
    def release_id(self) -> int | None:
        return self._rest[8]  # type: ignore[no-any-return]

    @property
    def error(self) -> JobError | None:
        return self._rest[9]  # type: ignore[no-any-return]

    def _layout(self) -> tuple[Any, ...]:
        """What :func:`_fill` takes first to make this record in the general layout."""
        raise NotImplementedError

    def replace(self, **changes: Any) -> RecordStatus:
        """This record with ``changes`` (names of fields), as ``dataclasses.replace`` makes it."""
        new = object.__new__(_Judged)
        fields = list(self._layout())
        if "shop_values" in changes or "portal_values" in changes:
            fields[7] = changes.pop("shop_values", self.shop_values)
            fields[8] = changes.pop("portal_values", self.portal_values)
            fields[9] = None
        rest = dict(zip(_REST, self._rest, strict=True))
        for name, value in changes.items():
            if name in rest:
                rest[name] = value
            elif name in _FILLED:
                fields[_FILLED[name]] = value
            else:
                raise TypeError(f"RecordStatus has no field {name!r}")
        values = tuple(rest.values())
        _fill(new, tuple(fields), _PLAIN if _plain(values) else values)
        return new

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _NAMES)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RecordStatus):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        said = ", ".join(f"{name}={getattr(self, name)!r}" for name in _NAMES)
        return f"RecordStatus({said})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_remade, (self._fields(),))


# The fields :func:`_fill` sets by name, at their place in its ``fields``.
_FILLED = {name: i for i, name in enumerate(("entity", "key", "label", "stored_id", "portal_id", "state"))}
_FILLED["last_synced"] = 6


class _Judged(RecordStatus):
    """The general layout: every field held (the shop and portal values, or what makes them)."""

    __slots__ = (
        *("_company", "_contact", "_maker", "_portal", "_rest", "_shop"),
        *("entity", "key", "label", "last_synced", "portal_id", "state", "stored_id"),
    )

    _shop: Any  # the shop values, or (judged) the row
    _portal: Any  # the portal values, or (judged) the portal record
    _maker: ValuesMaker | None
    _contact: int | None
    _company: int | None

    @property
    def shop_values(self) -> Mapping[str, str]:
        if self._maker is None:
            return self._shop  # type: ignore[no-any-return]
        return self._maker.shop(self._shop, self._contact, self._company)

    @property
    def portal_values(self) -> Mapping[str, str]:
        if self._maker is None:
            return self._portal  # type: ignore[no-any-return]
        return self._maker.portal(self._portal)

    def _layout(self) -> tuple[Any, ...]:
        fields = (self.entity, self.key, self.label, self.stored_id, self.portal_id, self.state)
        return (
            *fields,
            self.last_synced,
            self._shop,
            self._portal,
            self._maker,
            self._contact,
            self._company,
        )


def _ref(record: Mapping[str, Any], name: str) -> int | None:
    """The id a portal record points at in ``name`` (``CONTACT_ID``, ``COMPANY_ID``), as a reference of a
    record judged with it is held: None for none (absent, empty, ``"0"``)."""
    value = record.get(name)
    if type(value) is str:
        return int(value) if value.isascii() and value.isdigit() and value[:1] != "0" else None
    return value if type(value) is int and value > 0 else None


class _InSync(RecordStatus):
    """The light layout (:meth:`RecordStatus.judged_usual`): a record in sync with the record its row stores,
    with no job, error or evidence; its other fields are read from the row and the kind it was judged in.

    Each :class:`Judging` has its own two classes (``Judging.in_sync``), which hold it as a class attribute:
    this one, whose references are the portal record's own (``CONTACT_ID``, ``COMPANY_ID``: nearly every
    record in sync), read from it; and :class:`_InSyncHeld`, which holds them (3 and 5 slots, not 6: 24
    bytes less for each of a million records)."""

    __slots__ = ("_record", "_row", "last_synced")

    _row: Any
    _record: Mapping[str, Any]
    _judging: ClassVar[Judging]
    _rest = _PLAIN

    @property
    def _contact(self) -> int | None:
        return _ref(self._record, "CONTACT_ID")

    @property
    def _company(self) -> int | None:
        return _ref(self._record, "COMPANY_ID")

    state = RecordState.IN_SYNC
    plainly_in_sync = True

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # called as a class (``dataclasses.replace``): the general layout
        return RecordStatus(*args, **kwargs)

    @property
    def entity(self) -> EntityType:
        return self._judging.entity

    @property
    def key(self) -> str:
        return self._row.key  # type: ignore[no-any-return]

    @property
    def label(self) -> str:
        return self._judging.label(self._row)

    @property
    def stored_id(self) -> int | None:
        return self._row.crm_id  # type: ignore[no-any-return]

    @property
    def portal_id(self) -> int | None:
        return self._row.crm_id  # type: ignore[no-any-return]

    @property
    def shop_values(self) -> Mapping[str, str]:
        return self._judging.maker.shop(self._row, self._contact, self._company)

    @property
    def portal_values(self) -> Mapping[str, str]:
        return self._judging.maker.portal(self._record)

    def _layout(self) -> tuple[Any, ...]:
        row, crm_id, judging = self._row, self._row.crm_id, self._judging
        return (
            *(judging.entity, row.key, judging.label(row), crm_id, crm_id, RecordState.IN_SYNC),
            *(self.last_synced, row, self._record, judging.maker, self._contact, self._company),
        )


class _InSyncHeld(_InSync):
    """:class:`_InSync` with references other than its portal record's, held."""

    __slots__ = ("_company", "_contact")

    _contact: int | None
    _company: int | None


@dataclass(frozen=True, slots=True)
class Judging:
    """The kind and pipeline a reconciliation judged records in (one per kind and pipeline): the records'
    entity, how they make their values, and their label from their row; and the two classes of its light
    statuses (see :class:`_InSync`)."""

    entity: EntityType
    maker: ValuesMaker
    label: Callable[[Any], str]
    in_sync: tuple[type[_InSync], type[_InSyncHeld]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        own = {"__slots__": (), "_judging": self}
        made = tuple(type(base.__name__, (base,), own) for base in (_InSync, _InSyncHeld))
        object.__setattr__(self, "in_sync", made)


def _remade(values: tuple[Any, ...]) -> RecordStatus:
    return RecordStatus(*values)


_PLAIN_TYPES = tuple(map(type, _PLAIN))


def _fill(status: RecordStatus, fields: tuple[Any, ...], rest: tuple[Any, ...]) -> None:
    """Set a new status's slots: ``fields`` (entity, key, label, stored_id, portal_id, state, last_synced,
    then the shop values or row, the portal values or record, the values' maker, the contact and company
    ids), then ``rest`` (``_REST``'s values: ``_PLAIN`` itself when every one is the default). Written out,
    not looped over names: a full pass makes a million statuses (1.9 -> 1.0 us each)."""
    put = object.__setattr__
    entity, key, label, stored, portal_id, state, synced, shop, portal, maker, contact, company = fields
    put(status, "entity", entity)
    put(status, "key", key)
    put(status, "label", label)
    put(status, "stored_id", stored)
    put(status, "portal_id", portal_id)
    put(status, "state", state)
    put(status, "last_synced", synced)
    put(status, "_shop", shop)
    put(status, "_portal", portal)
    put(status, "_maker", maker)
    put(status, "_contact", contact)
    put(status, "_company", company)
    put(status, "_rest", rest)


def _plain(rest: tuple[Any, ...]) -> bool:
    """Every value the shared default's, of its very type (a ``0`` is not ``None``, ``False`` not ``""``)."""
    return rest == _PLAIN and tuple(map(type, rest)) == _PLAIN_TYPES


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
