"""Reconciliation: read the shop and the portal, give every order and user exactly one state with its
evidence, and propose a plan.

Portal cost is about ⌈N/2,500⌉ requests for N records: records carrying our ORIGINATOR_ID are read with
the fast chained list form; only stored ids that are not among them are fetched by id, and contacts that
merely share an e-mail or phone are found with ``crm.duplicate.findbycomm`` or a full contact scan,
whichever costs fewer requests.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import operator
import re
import string
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from bitrix_monitor.bitrix import BitrixClient, NotExecuted
from bitrix_monitor.bitrix.client import BatchResult, Command
from bitrix_monitor.compact import Record, collect_young, collector_paused, portal_record
from bitrix_monitor.kinds import ALL as KINDS
from bitrix_monitor.kinds import COMPANY, ORDER, USER, Kind, crm_of, in_dependency_order, kind, shop_of
from bitrix_monitor.messages import Message, Note, Param, joined
from bitrix_monitor.queue.model import JobError
from bitrix_monitor.shop import CompanyRow, OrderRow, ShopDatabase, ShopRow, UserRow
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.api import ProgressCallback, Snapshot
from bitrix_monitor.sync.model import (
    DuplicateEvidence,
    EntityCounts,
    EntityType,
    FieldDiff,
    Judging,
    Orphan,
    Plan,
    PlannedJob,
    Progress,
    QueueMark,
    RecordState,
    RecordStatus,
    key_order,
)
from bitrix_monitor.sync.ownership import KEEPABLE, Owner, owner_of, stamp
from bitrix_monitor.sync.stages import category_of, pipeline_warning_of

log = logging.getLogger(__name__)

# What a caller reads in the full pass's first request (its commands), and what it does with the answers
# before the pass reads on (checks that may refuse the pass).
FirstAsk = tuple[Mapping[str, Command], Callable[[BatchResult], Awaitable[None]]]

ID_CHUNK = 500
# Records in the state nearly every record of a synced shop is in are judged without the questions that
# cannot change it (see Reconciler._ours_alone); the tests turn this off to hold both ways against each other.
FAST_PATH = True
# A full pass judges this many records between two turns of the event loop: 15-40 ms of judging (15-40 us a
# record), so that a window running the pass paints and answers while a million are judged.
JUDGE_PART = 1000
SHARE_PART = 50_000  # the last-synced moments keyed again between two turns of the loop (see _share_keys)
_NO_LEGACY: Mapping[str, list[int]] = {}  # contacts and companies: no deals of the old backend by title
T = TypeVar("T")
K = TypeVar("K")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# (kind, shop key, differences, the CRM record) -> the differences the push may send
PushFilter = Callable[[str, str, list[FieldDiff], Mapping[str, Any]], list[FieldDiff]]


@dataclass
class PortalView:
    """What was read from the portal for one entity type.

    ``full``: every record of the type was read (a full scan), not only ours and the ones reconciliation
    needs. Records go in through :meth:`put` (indexed as ours or restored when they are) or :meth:`keep`
    (by id only), out through :meth:`drop`; the e-mail and phone index is built on first use and kept up to
    date from then on.
    """

    by_id: dict[int, Mapping[str, Any]] = field(default_factory=dict)  # held compact (compact.Record)
    # Each origin id's records, as ours: the id alone, or the tuple of several in order (most origins have
    # one record: a tuple each cost 48 bytes); read through :meth:`ours`. With ``origin_rows``, a record that
    # the row its origin id names stores is not held here (see :meth:`_implied`).
    ours_by_origin: dict[str, int | tuple[int, ...]] = field(default_factory=dict)
    restored: set[int] = field(default_factory=set)  # ours, marked as restored from the archive
    full: bool = False
    _comm: tuple[CommIndex, CommIndex] | None = None
    # While a full pass reads: the kind's shop rows by key, so that the id of a record its row stores is
    # held as the row's own int (one object for the two, 32 bytes a record in sync). None after the reading.
    rows: Mapping[str, ShopRow] | None = field(default=None, repr=False, compare=False)
    # Which shop records store which id, where it holds some by the records' origin ids (see _Links): told
    # before a record held changes or goes.
    links: _Links | None = field(default=None, repr=False, compare=False)
    # The kind's shop rows by key (the mirror's, as they change), where each origin id's records are held by
    # the rows: an origin id's record that its row stores is not held in ``ours_by_origin`` (nearly every
    # record in sync: a million entries not held, about 40 MB). None: every origin id's records held there.
    origin_rows: Mapping[str, ShopRow] | None = field(default=None, repr=False, compare=False)
    originator: str | None = field(default=None, repr=False, compare=False)  # put's: whose records are ours
    # Records held by :meth:`keep` alone (a stored record, a candidate, a legacy deal): never indexed, so
    # never implied, whatever they carry (few: ours come through put).
    kept_only: set[int] = field(default_factory=set, repr=False, compare=False)
    # Records :meth:`keep` replaced with one carrying another origin id while indexed under the old one (the
    # index stays as put left it): that old origin id, from which :meth:`put` and :meth:`drop` take them out.
    _kept_over: dict[int, str] = field(default_factory=dict, repr=False, compare=False)

    def ours(self, origin: str) -> tuple[int, ...]:
        """The ids of our records carrying this origin id, in order."""
        ids = self.ours_by_origin.get(origin, ())
        held = (ids,) if isinstance(ids, int) else ids
        implied = self._implied(origin) if self.origin_rows is not None else None
        if implied is None or implied in held:
            return held
        return tuple(sorted((*held, implied))) if held else (implied,)

    def row_stands_for(self, origin: str, rid: int) -> bool:
        """Whether the row keyed ``origin`` stands for ``rid`` in the origin index: it stores ``rid``, which
        was not held by :meth:`keep` alone. (That the record is ours and carries ``origin``, the caller
        knows or checks: see :meth:`_implied`.)"""
        rows = self.origin_rows
        row = rows.get(origin) if rows is not None and origin else None
        return row is not None and row.crm_id == rid and rid not in self.kept_only

    def _implied(self, origin: str) -> int | None:
        """The id of the record that the row keyed ``origin`` stores, when that record is ours and carries
        ``origin`` as its origin id: one of :meth:`ours`, whether or not ``ours_by_origin`` holds it."""
        rows = self.origin_rows
        row = rows.get(origin) if rows is not None and origin else None
        rid = row.crm_id if row is not None else None
        if rid is None or self.originator is None or not self.row_stands_for(origin, rid):
            return None
        rec = self.by_id.get(rid)
        if rec is None or rec.get("ORIGIN_ID") != origin:
            return None
        return rid if owner_of(rec, self.originator) is Owner.OURS else None

    def pin(self, origin: str) -> None:
        """Before the row keyed ``origin`` changes the id it stores or goes: the record it implied as one of
        the origin id's, held in ``ours_by_origin``."""
        implied = self._implied(origin)
        if implied is None:
            return
        ids = self.ours(origin)
        self.ours_by_origin[origin] = ids if len(ids) > 1 else ids[0]

    def hold_origins(self, rows: Mapping[str, ShopRow] | None) -> None:
        """Read the origin ids' records by ``rows`` from now on (None: hold every one in ``ours_by_origin``,
        those the rows implied until now among them)."""
        if rows is None and self.origin_rows is not None:
            for origin in list(self.origin_rows):
                self.pin(origin)
        self.origin_rows = rows

    def is_ours(self, rid: int) -> bool:
        """Whether the record held under ``rid`` is indexed as ours (by its origin id)."""
        rec = self.by_id.get(rid)
        return rec is not None and self._indexed(rid, rec)

    def _indexed(self, rid: int, rec: Mapping[str, Any]) -> bool:
        origin = rec.get("ORIGIN_ID")
        return bool(origin) and rid in self.ours(str(origin))

    def keep(self, rid: int, rec: Mapping[str, Any]) -> None:
        """Hold ``rec`` by id (a stored record, a candidate sharing an e-mail, a legacy deal)."""
        old = self.by_id.get(rid)
        origin = old.get("ORIGIN_ID") if old is not None else None
        if origin:
            if self.origin_rows is not None and type(origin) is str and self._implied(origin) == rid:
                self.pin(origin)  # the origin id's records stay as they were: only put indexes
            moved = origin != rec.get("ORIGIN_ID")
            if moved and rid not in self._kept_over and rid in self.ours(str(origin)):
                self._kept_over[rid] = str(origin)
        self.kept_only.add(rid)
        self._store(rid, rec)

    def _store(self, rid: int, rec: Mapping[str, Any]) -> None:
        if self.links is not None and rid in self.by_id:
            self.links.pin(rid)
        if self._comm is not None and rid in self.by_id:
            self._unindex_comm(rid, self.by_id[rid])
        rec = portal_record(rec)
        self.by_id[rid] = rec
        if self._comm is not None:
            self._index_comm(rid, rec)

    def put(self, rec: Mapping[str, Any], originator: str) -> None:
        """Hold ``rec`` and index it as ours (by origin id, each origin's ids in order) or restored when it
        is."""
        rid = _int(rec.get("ID"))
        if rid is None:
            return
        if self.rows is not None:
            origin = rec.get("ORIGIN_ID")
            row = self.rows.get(origin) if type(origin) is str else None
            if row is not None and row.crm_id == rid:
                rid = row.crm_id
        self.originator = originator
        self.kept_only.discard(rid)
        if rid in self.by_id:
            self._unindex_owner(rid, self.by_id[rid])
        self._store(rid, rec)
        origin = rec.get("ORIGIN_ID")
        owner = owner_of(rec, originator)
        if owner is Owner.RESTORED:
            self.restored.add(rid)  # restored from the archive by a person: neither duplicate nor orphan
        elif origin and owner is Owner.OURS:
            key = str(origin)
            if key == origin and self.row_stands_for(key, rid):
                return  # the row it names stores it: read from the row (see _implied)
            held = self.ours_by_origin.get(key)
            if held is None:
                self.ours_by_origin[key] = rid
            else:
                ids = (held,) if isinstance(held, int) else held
                self.ours_by_origin[key] = (*ids, rid) if ids[-1] < rid else tuple(sorted((*ids, rid)))

    def drop(self, rid: int) -> Mapping[str, Any] | None:
        """Forget a record (deleted in the portal); returns what was held."""
        if self.links is not None and rid in self.by_id:
            self.links.pin(rid)
        rec = self.by_id.pop(rid, None)
        self.kept_only.discard(rid)
        if rec is not None:
            self._unindex_owner(rid, rec)
            if self._comm is not None:
                self._unindex_comm(rid, rec)
        return rec

    def _unindex_owner(self, rid: int, rec: Mapping[str, Any]) -> None:
        self.restored.discard(rid)
        for origin in (rec.get("ORIGIN_ID"), self._kept_over.pop(rid, None)):
            if origin:
                ids = self.ours_by_origin.get(str(origin), ())
                held = (ids,) if isinstance(ids, int) else ids
                if rid in held:  # one the rows implied goes with its record (see _implied)
                    _hold(self.ours_by_origin, str(origin), _without(held, rid))

    def comm_index(self) -> tuple[CommIndex, CommIndex]:
        """Ids of the records held, by normalised e-mail and by normalised phone (read through
        :func:`ids_with`)."""
        if self._comm is None:
            self._comm = ({}, {})
            for rid, rec in self.by_id.items():
                self._index_comm(rid, rec)
        return self._comm

    def _index_comm(self, rid: int, rec: Mapping[str, Any]) -> None:
        assert self._comm is not None
        for index, value in zip(self._comm, comm_keys(rec), strict=True):
            for v in value:
                held = index.get(v)
                index[v] = rid if held is None else (*ids_with(index, v), rid)

    def _unindex_comm(self, rid: int, rec: Mapping[str, Any]) -> None:
        assert self._comm is not None
        for index, value in zip(self._comm, comm_keys(rec), strict=True):
            for v in value:
                ids = ids_with(index, v)
                if rid in ids:
                    _hold(index, v, _without(ids, rid))


# Each normalised e-mail's (or phone's) records: the id alone, or the tuple of several in the order they came
# (most values belong to one record: a list each cost 88 bytes).
CommIndex = dict[str, int | tuple[int, ...]]


def ids_with(index: Mapping[str, int | tuple[int, ...]], value: str) -> tuple[int, ...]:
    """The ids of the records with this normalised e-mail or phone, in the order they came."""
    held = index.get(value, ())
    return (held,) if isinstance(held, int) else held


def comm_keys(rec: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """A portal record's normalised e-mails and phones."""
    out: tuple[list[str], list[str]] = ([], [])
    for values, norm, into in (("EMAIL", F.email_key, out[0]), ("PHONE", F.phone_key, out[1])):
        for v in rec.get(values) or []:
            if isinstance(v, Mapping) and v.get("VALUE"):
                into.append(norm(str(v["VALUE"])))
    return out


def _alone_in(index: CommIndex, value: str, pid: int | None, claimed: Callable[[int], bool]) -> bool:
    """Whether no record but ``pid`` and ``claimed`` ones has this e-mail or phone (``value`` normalised; ""
    for none): a record claimed by the shop or by us is never evidence against another."""
    return not value or all(i == pid or claimed(i) for i in ids_with(index, value))


@dataclass(frozen=True)
class QueueInfo:
    mark: QueueMark
    last_error: str = ""
    error: JobError | None = None  # the last error as codes, said in the reader's language


_NOT_QUEUED = QueueInfo(QueueMark.NONE)
_TITLE: Callable[[Any], str] = operator.attrgetter("title")  # an order's label
_IMPLIED_PIPELINE = 0  # the pipeline Mirror counts an order that stores an id in, unless it holds another


# Each kind's portal fields that hold a shop row's text as it is, with the row's attribute holding it.
SHARED: dict[str, tuple[tuple[str, str], ...]] = {
    "deal": (("TITLE", "title"),),
    "contact": (("NAME", "first_name"), ("LAST_NAME", "last_name")),
    "company": (("TITLE", "title"),),
}


def sharing_with(
    by_key: Mapping[str, ShopRow], fields: Sequence[tuple[str, str]]
) -> Callable[[Mapping[str, Any]], Record]:
    """:func:`portal_record`, with the values equal to those of the shop row the record carries the key
    of as its origin id (the origin id itself, a deal's title, a contact's names, an e-mail or a phone)
    replaced by the row's own text: equal values, so nothing read changes, and a million records in sync
    hold one text for each of them rather than two (about 120 bytes a deal). A decoded record (a dict) is
    changed in place; one held already (a :class:`Record`) is taken as it is."""

    def compact(rec: Mapping[str, Any]) -> Record:
        if type(rec) is not dict:
            return portal_record(rec)
        origin = rec.get("ORIGIN_ID")
        row = by_key.get(origin) if type(origin) is str else None
        if row is not None:
            rec["ORIGIN_ID"] = row.key
            if rec.get("ID") == str(row.crm_id):  # the id as the very number the row stores
                rec["ID"] = row.crm_id
            for name, attr in fields:
                mine = getattr(row, attr)
                if rec.get(name) == mine:
                    rec[name] = mine
            for name in ("EMAIL", "PHONE"):
                mine = getattr(row, name.lower(), None)
                multi = rec.get(name)
                if mine is not None and type(multi) is list:
                    for item in multi:
                        if type(item) is dict and item.get("VALUE") == mine:
                            item["VALUE"] = mine
        return portal_record(rec)

    return compact


class _Turns:
    """A turn of the event loop for others when the pass has held it for ``every`` seconds since the last:
    pages of a list read side by side wait in their queues while the first segment's are read, and are then
    taken one after the other without a wait (a quarter of the records each, seconds at a million)."""

    def __init__(self, every: float = 0.05) -> None:
        self.every = every
        self.at = time.perf_counter()

    async def __call__(self) -> None:
        if time.perf_counter() - self.at >= self.every:
            await asyncio.sleep(0)
            self.at = time.perf_counter()


async def _read_all(it: Iterable[list[Any]]) -> list[Any]:
    def read() -> list[Any]:
        out: list[Any] = []
        for page in it:
            out += page
            collect_young()
        return out

    return await asyncio.to_thread(read)


class Reconciler:
    def __init__(
        self,
        shop: ShopDatabase,
        client: BitrixClient,
        *,
        originator: str,
        queue_info: Mapping[tuple[str, str], QueueInfo] | None = None,
        last_synced: Mapping[str, Mapping[str, datetime]] | None = None,
        title_pattern: TitlePattern | None = None,
        conflicts: Mapping[tuple[str, str], str] | None = None,
        category: int = 0,
        legacy_known: Mapping[str, Sequence[int]] | None = None,
        push_diffs: PushFilter | None = None,
    ) -> None:
        # Of a record's differences, the ones the push may send (owners: a field the CRM changed is the
        # pull's); None: all of them.
        self.push_diffs = push_diffs
        self.category = category  # the configured deal pipeline
        self.shop = shop
        self.client = client
        self.originator = originator
        self.queue_info = queue_info or {}
        # shop kind -> key -> when its last job was done; a full pass's reading keys it by the rows' own key
        # texts (see _share_keys), in the mapping given when it is a dict
        self.last_synced = last_synced if last_synced is not None else {}
        self.conflicts = (
            conflicts or {}
        )  # (deal|contact, key) -> fingerprint of a merge conflict left for a person
        self.title_pattern = title_pattern
        # What an earlier legacy-title search found (shop key -> deal ids); None: search now. The search reads
        # the whole deal table on the portal, so it runs once per shop and when a person asks for it.
        self.legacy_known = legacy_known
        self.legacy_found: dict[str, list[int]] | None = None  # what this run's search found, to remember
        # The portal's clock before the first list of a full pass read anything (less a second): where the
        # next incremental pass starts reading; None until a pass read it.
        self.clock: str | None = None
        self._makers: dict[int, F.JudgedValues] = {}  # by pipeline: how judged records make their values
        self._judgings: dict[tuple[str, int], Judging] = {}  # by kind and pipeline: see _judging
        # What is read of each record: the compared fields and the mapped [shop.*.fields].
        self.select = {
            k.crm: F.select_for(k.crm, shop.extra_fields(k.name))
            for k in KINDS
            if k.name in shop.mapped_kinds
        }

    async def _scan_legacy(self, view: PortalView, head: BatchResult | None = None) -> dict[str, list[int]]:
        """Deals made before origin ids were used, recognised by the title template ("Order #123 - …").

        Searched (``%TITLE`` with an empty ``ORIGINATOR_ID``: a full scan of the portal's deal table) only
        when nothing is remembered; otherwise the remembered deals, read again with the stored ids, are
        checked to still be legacy deals with that title."""
        pattern = self.title_pattern
        if pattern is None or not pattern.prefix:
            return {}
        found: dict[str, list[int]] = defaultdict(list)

        def take(rec: Mapping[str, Any]) -> None:
            rid = _int(rec.get("ID"))
            key = pattern.key_of(str(rec.get("TITLE") or ""))
            if rid is None or key is None or owner_of(rec, self.originator) is not Owner.LEGACY:
                return
            if rid not in view.by_id:
                view.keep(rid, rec)
            found[key].append(rid)

        if self.legacy_known is not None:
            for rid in sorted(self.known_legacy_ids()):
                if rid in view.by_id:
                    take(view.by_id[rid])
        else:
            probed = (head, "legacy") if head is not None else None
            async for page in self.client.list_all(
                "crm.deal.list",
                filter=self._legacy_filter(),
                select=self.select["deal"],
                parallel=1,
                probed=probed,
            ):
                for rec in page:
                    take(rec)
        for ids in found.values():
            ids.sort()
        if self.legacy_known is None:
            self.legacy_found = {k: list(v) for k, v in found.items()}
        return found

    def _legacy_filter(self) -> dict[str, Any]:
        assert self.title_pattern is not None
        return {"%TITLE": self.title_pattern.prefix, "ORIGINATOR_ID": ""}

    def _head(self, kinds: Sequence[Kind], ask: Mapping[str, Command]) -> dict[str, Command]:
        """The full pass's first request: the portal's clock (before any list reads), the caller's commands,
        and the probe (first page and total) of every list the pass may read, none depending on another's
        answer: ours of each kind, all of each kind found by e-mail or phone (its total decides between a full
        scan and findbycomm), and the legacy-title search when it is to run. The scans' top ids come along
        (``top:`` + the probe's key): a long scan splits its ID range by it into segments read side by side,
        and asking for it later cost a request of its own."""
        cmds: dict[str, Command] = {"clock": ("server.time", {})}
        cmds.update(ask)
        for k in kinds:
            select, method = self.select[k.crm], f"crm.{k.crm}.list"
            ours = self._filter(ours_only=True)
            cmds[f"ours:{k.name}"] = self.client.probe_command(method, filter=ours, select=select)
            cmds[f"top:ours:{k.name}"] = self.client.top_command(method, filter=ours)
            if k.comm_type is not None:
                cmds[f"all:{k.name}"] = self.client.probe_command(method, select=select)
                cmds[f"top:all:{k.name}"] = self.client.top_command(method)
        pattern = self.title_pattern
        if ORDER in kinds and pattern is not None and pattern.prefix and self.legacy_known is None:
            cmds["legacy"] = self.client.probe_command(
                "crm.deal.list", filter=self._legacy_filter(), select=self.select["deal"]
            )
        return cmds

    def known_legacy_ids(self) -> set[int]:
        if self.legacy_known is None or self.title_pattern is None:
            return set()
        return {int(i) for ids in self.legacy_known.values() for i in ids}

    def _filter(self, *, ours_only: bool) -> dict[str, Any] | None:
        return {"ORIGINATOR_ID": self.originator} if ours_only else None

    async def _scan(
        self,
        entity: str,
        select: list[str],
        *,
        ours_only: bool,
        probed: tuple[BatchResult, str] | None = None,
        compact: Callable[[dict[str, Any]], Record] = portal_record,
        rows: Mapping[str, ShopRow] | None = None,
    ) -> PortalView:
        view = PortalView(full=not ours_only, rows=rows, origin_rows=rows)
        flt = self._filter(ours_only=ours_only)
        top = (probed[0], f"top:{probed[1]}") if probed is not None else None
        turn = _Turns()
        async for page in self.client.list_all(
            f"crm.{entity}.list", filter=flt, select=select, probed=probed, top=top, held=compact
        ):
            for rec in page:
                view.put(rec, self.originator)
            collect_young()
            await turn()
        return view

    async def _fetch_ids(
        self,
        entity: str,
        ids: Iterable[int],
        select: list[str],
        view: PortalView,
        compact: Callable[[dict[str, Any]], Record] = portal_record,
    ) -> None:
        wanted = sorted({i for i in ids if i not in view.by_id})
        turn = _Turns()
        for start in range(0, len(wanted), ID_CHUNK):
            chunk = wanted[start : start + ID_CHUNK]
            async for page in self.client.list_all(
                f"crm.{entity}.list", filter={"@ID": chunk}, select=select, held=compact
            ):
                for rec in page:
                    rid = _int(rec.get("ID"))
                    if rid is not None:
                        view.keep(rid, rec)
                collect_young()
                await turn()

    async def _read_comm(
        self,
        k: Kind,
        rows: Sequence[UserRow | CompanyRow],
        head: BatchResult,
        compact: Callable[[dict[str, Any]], Record],
        keyed: Mapping[str, ShopRow] | None = None,
    ) -> PortalView:
        """Our contacts (or companies), and every one that shares an e-mail or phone with a shop row.

        Either one scan of them all (2,500 a request) or a scan of ours plus one findbycomm command per
        value (50 a request): whichever costs fewer requests. The count, and both scans' first pages, came
        with the pass's first request (:meth:`_head`).
        """
        assert k.comm_type is not None
        select = self.select[k.crm]
        emails = sorted({r.email.strip() for r in rows if r.email})
        phones = sorted({r.phone.strip() for r in rows if r.phone})
        method, every = f"crm.{k.crm}.list", f"all:{k.name}"
        if every in head.errors:
            raise head.errors[every]
        if every not in head.results:
            raise NotExecuted(Message("bitrix.batch.count_not_executed", {"method": method}), method=method)
        total = head.totals.get(every) or 0
        if math.ceil(total / 2500) <= math.ceil((len(emails) + len(phones)) / 50):
            return await self._scan(
                k.crm, select, ours_only=False, probed=(head, every), compact=compact, rows=keyed
            )
        view = await self._scan(
            k.crm, select, ours_only=True, probed=(head, f"ours:{k.name}"), compact=compact, rows=keyed
        )
        candidates: set[int] = set()
        if emails:
            for ids in (await self.client.find_by_comm("EMAIL", emails, entity_type=k.comm_type)).values():
                candidates.update(int(i) for i in ids)
        if phones:
            for ids in (await self.client.find_by_comm("PHONE", phones, entity_type=k.comm_type)).values():
                candidates.update(int(i) for i in ids)
        await self._fetch_ids(k.crm, candidates, select, view, compact)
        return view

    async def _read_portal(
        self, k: Kind, rows: Sequence[ShopRow], keyed: Mapping[str, ShopRow], head: BatchResult
    ) -> PortalView:
        """The kind's records in the portal that reconciliation needs: ours, the stored ones, (for kinds
        found by e-mail or phone) the ones sharing a row's e-mail or phone, and (deals) the remembered deals
        made before origin ids, read with the stored ones."""
        compact = sharing_with(keyed, SHARED[k.crm])
        if k.comm_type is not None:
            comm = [r for r in rows if not isinstance(r, OrderRow)]
            view = await self._read_comm(k, comm, head, compact, keyed)
        else:
            ours = (head, f"ours:{k.name}")
            view = await self._scan(
                k.crm, self.select[k.crm], ours_only=True, probed=ours, compact=compact, rows=keyed
            )
        view.rows = None
        stored = [r.crm_id for r in rows if r.crm_id]
        also = self.known_legacy_ids() if k is ORDER else set()
        await self._fetch_ids(k.crm, [*stored, *also], self.select[k.crm], view, compact)
        return view

    async def read(
        self,
        progress: ProgressCallback | None = None,
        ask: FirstAsk | None = None,
        held: Mapping[str, Mapping[str, ShopRow]] | None = None,
    ) -> Mirror:
        """Read the shop and what reconciliation needs of the portal (a full pass's reading). ``ask``:
        commands sent in the pass's first request, and what to do with their answers before it reads on.
        ``held``: each kind's rows as the last pass left them, by key; a row read from the same values is
        that row again (see :meth:`ShopDatabase.iter_rows`)."""
        kinds = list(in_dependency_order(self.shop.mapped_kinds))
        report(progress, "reading shop")
        rows: dict[str, list[ShopRow]] = {}
        for k in kinds:
            rows[k.name] = await _read_all(self.shop.iter_rows(k.name, held=(held or {}).get(k.name)))
        commands, then = ask if ask is not None else ({}, None)
        head = await self.client.batch(self._head(kinds, commands))
        if "clock" in head.errors:
            raise head.errors["clock"]
        if "clock" not in head.results:
            raise NotExecuted(
                Message("bitrix.batch.not_executed", {"method": "server.time"}), method="server.time"
            )
        self.clock = portal_clock(head.results["clock"])  # where the next incremental pass starts
        if then is not None:
            await then(head)
        keyed = await asyncio.to_thread(by_key, kinds, rows)
        await self._share_keys(keyed)
        views: dict[str, PortalView] = {}
        for k in kinds:
            report(progress, f"reading portal {k.crm_plural}", 0, len(rows[k.name]))
            views[k.name] = await self._read_portal(k, rows[k.name], keyed[k.name], head)
        legacy = await self._scan_legacy(views[ORDER.name], head) if ORDER.name in views else {}

        def made() -> Mirror:
            mirror = Mirror(kinds, rows, views, dict(legacy), keyed)
            for k in kinds:  # the e-mail and phone index judging asks for first: made here too
                if k.comm_type is not None:
                    views[k.name].comm_index()
            return mirror

        # Made in a thread (its indexes of a million rows take a second or two), the event loop running
        # meanwhile: nothing else holds what it is made of.
        return await asyncio.to_thread(made)

    async def _share_keys(self, keyed: Mapping[str, Mapping[str, ShopRow]]) -> None:
        """Each kind's last-synced moments held by the shop rows' own key texts, not the job store's copies
        of them (one text a record, not two: about 55 bytes a record after a sync, 66 MB at 1.2M). The
        mapping given is changed in place, kind by kind, as its owner (the service) keeps it for the next
        pass; this runs between the shop's reading and the portal's, well below the pass's peak, as each
        kind's table is made again beside the last, ``SHARE_PART`` entries between two turns of the event loop
        (a second at a million; nothing else changes the tables while a pass runs)."""
        times = self.last_synced
        if not isinstance(times, dict):
            return
        for name, rows in keyed.items():
            table = times.get(name)
            if not table:
                continue
            shared: dict[str, datetime] = {}
            entries = iter(table.items())
            while part := list(itertools.islice(entries, SHARE_PART)):
                for key, at in part:
                    row = rows.get(key)
                    shared[key if row is None else row.key] = at
                await asyncio.sleep(0)
            times[name] = shared

    async def run(
        self,
        progress: ProgressCallback | None = None,
        ask: FirstAsk | None = None,
        held: Mapping[str, Mapping[str, ShopRow]] | None = None,
    ) -> Snapshot:
        """A full pass: read everything, judge every record. What it read stays in :attr:`mirror`, for
        incremental passes (:mod:`bitrix_monitor.sync.incremental`) to bring up to date. ``ask``, ``held``:
        see :meth:`read`."""
        with collector_paused():  # a million rows and records made, none of them garbage
            mirror = await self.read(progress, ask, held)
            total = sum(len(r) for r in mirror.rows.values())
            report(progress, "comparing", 0, total)
            done = 0
            # A part at a time, the event loop let run between them: the window's own loop, which paints,
            # answers a click and can cancel the pass meanwhile (judging a million records takes seconds).
            for judged in self._judging_all(mirror, None, JUDGE_PART):
                done += judged
                report(progress, "comparing", done, total)
                await asyncio.sleep(0)
        report(progress, "done", total, total)
        self.mirror = mirror
        return mirror.snapshot(self.category)

    def judge(self, m: Mirror, only: Mapping[str, Iterable[str]] | None = None) -> None:
        """Give the records their states (every record, or ``only`` these keys per kind), with their jobs,
        and the kinds' orphans (every origin id, or those of ``only``'s keys and ``origins``)."""
        for _judged in self._judging_all(m, only, None):
            pass

    def _judging_all(
        self, m: Mirror, only: Mapping[str, Iterable[str]] | None, part: int | None
    ) -> Iterator[int]:
        """:meth:`judge`, ``part`` records at a time (None: each kind's at once): yields how many records
        each part judged, between parts (a kind's orphans come after its last part)."""
        m.queue_info, m.conflicts = self.queue_info, self.conflicts
        refs = F.RefIndex(
            m.rows.get(USER.name, {}),  # type: ignore[arg-type]
            m.rows.get(COMPANY.name, {}),  # type: ignore[arg-type]
            alive={kind(name).crm: view.by_id.keys() for name, view in m.views.items()},
        )
        for k in m.kinds:
            table, view, links = m.rows[k.name], m.views[k.name], m.links[k.name]
            if only is None:
                rows = m.row_list(k.name)
                origins: Iterable[str] = view.ours_by_origin.keys()
                m.clear(k.name)
            else:
                keys = set(only.get(k.name, ()))
                for gone in keys - table.keys():
                    m.forget(k.name, gone)
                rows = [table[key] for key in sorted(keys & table.keys())]
                origins = keys | m.origins.pop(k.name, set())
            step = part or len(rows) or 1
            for start in range(0, len(rows), step):
                some = rows[start : start + step] if step < len(rows) else rows
                if k is ORDER:
                    orders = [r for r in some if isinstance(r, OrderRow)]
                    statuses = self._order_states(orders, view, refs, m.legacy, links)
                else:
                    statuses = self._comm_states(k, some, view, links, refs)
                for row, status in zip(some, statuses, strict=True):
                    m.record(
                        k.name, status, view.by_id.get(row.crm_id) if k is ORDER and row.crm_id else None
                    )
                yield len(some)
            for origin in list(origins):
                m.orphans[k.name].pop(origin, None)
                if origin not in table:
                    found = self._orphans(k.crm, view, origin)
                    if found:
                        m.orphans[k.name][origin] = found

    def _pushed(
        self, kind: str, key: str, diffs: list[FieldDiff], current: Mapping[str, Any] | None
    ) -> list[FieldDiff]:
        if current is None:
            return []
        return diffs if self.push_diffs is None else self.push_diffs(kind, key, diffs, current)

    def _queue(self, entity: str, key: str) -> QueueInfo:
        return self.queue_info.get((entity, key), _NOT_QUEUED)

    def _status(
        self,
        entity: str,
        key: str,
        label: str,
        stored: int | None,
        state: RecordState,
        portal_id: int | None,
        judged: tuple[ShopRow, F.Refs, Mapping[str, Any] | None, int] | None = None,
        **kw: Any,
    ) -> RecordStatus:
        """``judged``: the row, its references, the portal record and the pipeline it was judged with, which
        its shop and portal values are made from on access (none: no values)."""
        q = self._queue(entity, key)
        kw.update(
            queue=q.mark,
            last_error=q.last_error,
            last_synced=self.last_synced.get(shop_of(entity), {}).get(key),
            error=q.error,
        )
        if judged is None:
            return RecordStatus(shop_of(entity), key, label, stored, portal_id, state, **kw)
        row, refs, record, category = judged
        maker = self._maker(category)
        return RecordStatus.judged(
            shop_of(entity),
            key,
            label,
            stored,
            portal_id,
            state,
            row=row,
            contact_id=refs.contact_id,
            company_id=refs.company_id,
            record=record,
            maker=maker,
            **kw,
        )

    def _maker(self, category: int) -> F.JudgedValues:
        """How the records judged with this pipeline make their shop and portal values: one per pipeline."""
        maker = self._makers.get(category)
        if maker is None:
            maker = self._makers[category] = F.JudgedValues(self.originator, category)
        return maker

    def _invalid(self, entity: str, key: str, label: str, problem: Note) -> RecordStatus:
        """A row that cannot be synced as the shop stores it: shown with the reason, no job is planned."""
        note = Message("job.invalid_record", {"problem": problem})
        return self._status(entity, key, label, None, RecordState.INVALID, None, note=note)

    def _resolve(
        self, key: str, stored: int | None, view: PortalView, entity: str, links: _Links
    ) -> tuple[RecordState, int | None, list[DuplicateEvidence], Note]:
        ours = view.ours(key)
        # A record carrying this origin id that another shop record stores is not cleaned up from here:
        # the rule for shared links gives it to this record, the other one lets go of it first.
        held = [i for i in ours if i != stored and links.others(i, key)]
        free = [i for i in ours if i not in held]
        held_by: list[dict[str, Param]] = [
            {"entity": entity, "id": i, "shop_entity": links.entity, "keys": _keys(links.others(i, key))}
            for i in held
        ]
        note = joined(*(Message("note.origin_held", said) for said in held_by))
        if stored is not None:
            if stored not in view.by_id:
                stale = joined(
                    Message("note.stale", {"entity": entity, "id": stored}),
                    Message("note.carries_origin", {"entity": entity, "id": ours[0]}) if ours else "",
                )
                return RecordState.STALE_LINK, (ours[0] if ours else None), [], stale
            extra = [i for i in free if i != stored]
            if extra:
                ev = DuplicateEvidence(tuple([stored, *extra]), "origin id", key)
                return RecordState.DUPLICATED, stored, [ev], note
            return RecordState.IN_SYNC, stored, [], note
        if len(free) > 1:
            return RecordState.DUPLICATED, free[0], [DuplicateEvidence(tuple(free), "origin id", key)], note
        if ours:
            pid = (free or ours)[0]
            carries = Message("note.carries_origin", {"entity": entity, "id": pid})
            return RecordState.UNLINKED, pid, [], joined(carries, note)
        return RecordState.MISSING, None, [], ""

    def _shared(
        self, key: str, stored: int | None, links: _Links
    ) -> tuple[list[DuplicateEvidence], Note, tuple[str, ...], int | None] | None:
        """The evidence, note, other holders and id to release when ``stored`` is a shared link, else None.

        A stored id is shared when another shop record stores it too, or when its record is another shop
        record's (our originator, another origin id) or another integration's. The rule: the record whose
        origin id (exactly ours) or title template matches keeps it, the others let go of it and get their
        own; where nothing clearly matches it waits for a person.
        """
        rec = links.view.by_id.get(stored) if stored is not None else None
        if rec is None or stored is None:
            return None
        others = tuple(links.others(stored, key))
        owner = owner_of(rec, self.originator, key)
        if not others and owner in KEEPABLE:
            return None
        portal = crm_of(links.entity)
        evidence: list[DuplicateEvidence] = []
        if others:
            also = Message("evidence.also_stored", {"shop_entity": links.entity, "others": ", ".join(others)})
            evidence.append(DuplicateEvidence((stored,), "shared link", also, cleanable=False))
        if owner is Owner.FOREIGN:
            evidence.append(DuplicateEvidence((stored,), "another integration", stamp(rec), cleanable=False))
        elif owner is Owner.OURS_OTHER_KEY:
            evidence.append(DuplicateEvidence((stored,), "origin id", stamp(rec), cleanable=False))
        keeper, why = self._keeper(rec, (key, *others), links)
        said: dict[str, Param] = {"entity": portal, "id": stored, "record": _describe(rec)}
        if others:
            said |= {"shop_entity": links.entity, "others": ", ".join(others)}
        whose = Message("note.shared.also" if others else "note.shared.not_ours", said)
        kept = {"shop_entity": links.entity, "match": why, "keeper": keeper or "", "entity": portal}
        if keeper is None:
            rule = Message("note.shared.nobody")
        elif keeper == key:
            rule = Message("note.shared.keeps", kept)
        else:
            rule = Message("note.shared.other_keeps", kept)
        note = joined(whose, rule)
        release = stored if keeper is not None and keeper != key else None
        return evidence, note, others, release

    def _keeper(
        self, rec: Mapping[str, Any], holders: Sequence[str], links: _Links
    ) -> tuple[str | None, str]:
        """Which shop record a shared portal record belongs to, and why; (None, "") when none clearly does."""
        owner = owner_of(rec, self.originator)
        if owner is Owner.FOREIGN:
            return None, ""
        if owner is Owner.OURS:
            origin = rec.get("ORIGIN_ID")
            if isinstance(origin, str) and origin in links.keys:
                return origin, "origin id"
            return None, ""
        if links.entity == ORDER.name and self.title_pattern is not None:
            titled = self.title_pattern.key_of(str(rec.get("TITLE") or ""))
            if titled is not None and titled in holders:
                return titled, "title"
        return None, ""

    def _comm_states(
        self, k: Kind, rows: Sequence[ShopRow], view: PortalView, links: _Links, refs: F.RefIndex
    ) -> list[RecordStatus]:
        """States of a kind found by e-mail and phone too (users' contacts, companies)."""

        def claimed(i: int) -> bool:  # stored by a shop record, ours, or restored from the archive
            return links.stores(i) or view.is_ours(i) or i in view.restored

        by_email, by_phone = view.comm_index()
        out: list[RecordStatus] = []
        for u in rows:
            assert not isinstance(u, OrderRow)
            if u.problem:
                out.append(self._invalid(k.name, u.key, F.label_of(u), u.problem))
                continue
            current = self._ours_alone(u.key, u.crm_id, view, links, _NO_LEGACY) if FAST_PATH else None
            if (
                current is not None
                and _alone_in(by_email, F.email_key(u.email), u.crm_id, claimed)
                and _alone_in(by_phone, F.phone_key(u.phone), u.crm_id, claimed)
            ):
                out.append(self._by_differences(k.name, u, current, refs, 0))
                continue
            state, pid, dups, note = self._resolve(u.key, u.crm_id, view, k.crm, links)
            row_refs = refs.of(u)
            current = view.by_id.get(pid) if pid is not None else None
            # Contacts that share this user's e-mail or phone: made by hand or by the old backend (no
            # originator: duplicates to clean), or by another integration (reported, never touched).
            foreign: list[DuplicateEvidence] = []
            others_of_integrations: list[DuplicateEvidence] = []
            for label, index, value in (
                ("e-mail", by_email, F.email_key(u.email)),
                ("phone", by_phone, F.phone_key(u.phone)),
            ):
                if not value:
                    continue
                shown = (u.email if label == "e-mail" else u.phone) or ""
                others = sorted({i for i in ids_with(index, value) if not claimed(i) and i != pid})
                legacy = [i for i in others if owner_of(view.by_id[i], self.originator) is Owner.LEGACY]
                alien = [i for i in others if owner_of(view.by_id[i], self.originator) is Owner.FOREIGN]
                if legacy:
                    dup_ids = tuple(([pid] if pid is not None else []) + legacy)
                    foreign.append(DuplicateEvidence(dup_ids, label, shown))
                if alien:
                    stamps = joined(
                        *(Message("evidence.by_id", {"id": i, "stamp": stamp(view.by_id[i])}) for i in alien)
                    )
                    said_by = Message(
                        "evidence.integration", {"match": label, "value": shown, "stamps": stamps}
                    )
                    others_of_integrations.append(
                        DuplicateEvidence(
                            tuple(alien), "shared with another integration", said_by, cleanable=False
                        )
                    )
            diffs = F.diff(u, current, refs=row_refs) if current is not None else []
            diffs = self._pushed(k.name, u.key, diffs, current)
            hold: Note = ""
            if current is not None and pid is not None and pid == u.crm_id:
                diffs, hold = self._stamp(diffs, current, k.crm, pid, u.key)
            shared = self._shared(u.key, u.crm_id, links) if state is not RecordState.STALE_LINK else None
            linked = (RecordState.IN_SYNC, RecordState.OUTDATED, RecordState.DUPLICATED)
            shared_with: tuple[str, ...] = ()
            release_id: int | None = None
            if shared is not None:
                evidence, note, shared_with, release_id = shared
                state, dups = RecordState.SHARED_LINK, evidence
            elif foreign and state in linked:
                state = RecordState.DUPLICATED
                dups = [*dups, *foreign]
            elif state is RecordState.IN_SYNC and diffs:
                state = RecordState.OUTDATED
            hold = hold or self._waiting(k.crm, u.key, state, [d for d in dups if d.cleanable], view)
            if others_of_integrations:
                dups = [*dups, *others_of_integrations]
                note = joined(note, Message("note.foreign_comm", {"entity": k.crm}))
            out.append(
                self._status(
                    k.name,
                    u.key,
                    F.label_of(u),
                    u.crm_id,
                    state,
                    pid,
                    (u, row_refs, current, 0),
                    diffs=tuple(diffs),
                    duplicates=tuple(dups),
                    note=joined(note, hold),
                    hold=hold,
                    shared_with=shared_with,
                    release_id=release_id,
                )
            )
        return out

    def _waiting(
        self, entity: str, key: str, state: RecordState, dups: Sequence[DuplicateEvidence], view: PortalView
    ) -> Note:
        """A merge conflict left for a person is planned again only when something about it changed."""
        waiting = self.conflicts.get((entity, key))
        if state is not RecordState.DUPLICATED or waiting is None:
            return ""
        records = {i: view.by_id[i] for d in dups for i in d.ids if i in view.by_id}
        if F.conflict_fingerprint(entity, records) != waiting:
            return ""
        return Message("note.merge_waiting")

    def _stamp(
        self, diffs: list[FieldDiff], current: Mapping[str, Any], entity: str, pid: int, key: str
    ) -> tuple[list[FieldDiff], Note]:
        """A record the shop stores: ours by the shop's word, so it gets our origin ids if it lacks them
        (made before origin ids) -- unless it carries another integration's originator: then nothing is
        written to it and a person decides."""
        foreign = F.foreign_originator(current, self.originator)
        if foreign is not None:
            return diffs, Message(
                "note.foreign_originator", {"entity": entity, "id": pid, "originator": repr(foreign)}
            )
        return [*diffs, *F.origin_diff(current, originator=self.originator, key=key)], ""

    def _order_states(
        self,
        orders: Sequence[OrderRow],
        view: PortalView,
        refs: F.RefIndex,
        legacy: Mapping[str, list[int]],
        links: _Links,
    ) -> list[RecordStatus]:
        out: list[RecordStatus] = []
        for o in orders:
            if o.problem:
                out.append(self._invalid("order", o.key, o.title or o.key, o.problem))
                continue
            current = self._ours_alone(o.key, o.deal_id, view, links, legacy) if FAST_PATH else None
            if current is not None:
                out.append(self._by_differences("order", o, current, refs, self.category))
                continue
            state, pid, dups, note = self._resolve(o.key, o.deal_id, view, "deal", links)
            relink_to: int | None = None
            titled = [i for i in legacy.get(o.key, ()) if i != pid and i != o.deal_id]
            # A deal with this order's title that another order stores is never adopted nor cleaned up
            # from here: the clash is reported.
            clash = [i for i in titled if links.others(i, o.key)]
            old = [i for i in titled if i not in clash]
            if clash:
                holders = sorted({k for i in clash for k in links.others(i, o.key)}, key=key_order)
                held = {"title": o.title, "shop_entity": "order", "others": ", ".join(holders)}
                told = Message("evidence.title_stored", held)
                dups = [*dups, DuplicateEvidence(tuple(clash), "title pattern", told, cleanable=False)]
                clashed = {"ids": ", ".join(map(str, clash)), "keys": ", ".join(holders)}
                note = joined(note, Message("note.title_clash", clashed))
            if old:
                if state in (RecordState.MISSING, RecordState.STALE_LINK) and pid is None:
                    # The old backend made this order's deal before origin ids: adopt it, don't create.
                    pid, relink_to, old = old[0], old[0], old[1:]
                    note = joined(note, Message("note.title_legacy", {"id": pid}))
                    state = RecordState.UNLINKED if state is RecordState.MISSING else state
                if old:
                    ids = tuple([pid, *old]) if pid is not None else tuple(old)
                    dups = [*dups, DuplicateEvidence(ids, "title pattern", o.title)]
                    state = RecordState.DUPLICATED if relink_to is None else state
            row_refs = refs.of(o)
            current = view.by_id.get(pid) if pid is not None else None
            diffs = F.diff(o, current, refs=row_refs, category=self.category) if current is not None else []
            diffs = self._pushed("order", o.key, diffs, current)
            hold: Note = ""
            if current is not None and pid is not None and pid == o.deal_id:
                diffs, hold = self._stamp(diffs, current, "deal", pid, o.key)
            shared = self._shared(o.key, o.deal_id, links) if state is not RecordState.STALE_LINK else None
            shared_with: tuple[str, ...] = ()
            release_id: int | None = None
            if shared is not None:
                evidence, shared_note, shared_with, release_id = shared
                state, relink_to = RecordState.SHARED_LINK, None
                dups, note = [*evidence, *(d for d in dups if not d.cleanable)], joined(shared_note, note)
            elif state is RecordState.IN_SYNC and diffs:
                state = RecordState.OUTDATED
            hold = hold or self._waiting("deal", o.key, state, [d for d in dups if d.cleanable], view)
            out.append(
                self._status(
                    "order",
                    o.key,
                    o.title,
                    o.deal_id,
                    state,
                    pid,
                    (o, row_refs, current, self.category),
                    diffs=tuple(diffs),
                    duplicates=tuple(dups),
                    note=joined(note, hold),
                    relink_to=relink_to,
                    hold=hold,
                    shared_with=shared_with,
                    release_id=release_id,
                )
            )
        return out

    def _ours_alone(
        self, key: str, stored: int | None, view: PortalView, links: _Links, legacy: Mapping[str, list[int]]
    ) -> Mapping[str, Any] | None:
        """The record of a shop record in the state nearly every one of a synced shop is in, or None (then it
        is judged by every rule): the record it stores was read, is exactly ours and carries its origin id,
        no other of our records carries it, no other shop record stores it, and (``legacy``: orders) no deal
        of the old backend has its title. For such a record :meth:`_resolve` finds it in sync,
        :meth:`_stamp`, :meth:`_shared` and :meth:`_waiting` find nothing to say; what is left to judge is
        how its fields differ (and, for contacts and companies, whether others share its e-mail or phone)."""
        if stored is None or links.alone(stored) != key or key in legacy:
            return None
        held = view.ours_by_origin.get(key)
        if held is None:  # then it is ours alone when the row implies it (see PortalView._implied)
            if view.originator != self.originator or not view.row_stands_for(key, stored):
                return None
        elif held != stored:
            return None
        current = view.by_id.get(stored)
        if current is None or owner_of(current, self.originator, key) is not Owner.OURS:
            return None
        return current

    def _by_differences(
        self,
        kind_name: str,
        row: ShopRow,
        current: Mapping[str, Any],
        refs: F.RefIndex,
        category: int,
    ) -> RecordStatus:
        """A record :meth:`_ours_alone` found in the usual state: what every rule comes to for it, in sync or
        outdated by how its fields differ."""
        row_refs = refs.of(row)
        diffs = F.diff(row, current, refs=row_refs, category=category)
        diffs = self._pushed(kind_name, row.key, diffs, current)
        state = RecordState.OUTDATED if diffs else RecordState.IN_SYNC
        assert row.crm_id is not None  # _ours_alone: the record it stores
        q = self.queue_info.get((kind_name, row.key), _NOT_QUEUED)
        synced = self.last_synced.get(kind_name)
        return RecordStatus.judged_usual(
            self._judging(kind_name, category),
            row,
            state,
            tuple(diffs),
            q.mark,
            q.last_error,
            q.error,
            None if synced is None else synced.get(row.key),
            (row_refs.contact_id, row_refs.company_id, current),
        )

    def _judging(self, kind_name: str, category: int) -> Judging:
        """The kind and pipeline records are judged in, one for each: what their usual statuses share."""
        judging = self._judgings.get((kind_name, category))
        if judging is None:
            label = _TITLE if kind_name == ORDER.name else F.label_of
            entity: EntityType = kind_name  # type: ignore[assignment]  # a shop kind's name is its entity
            judging = self._judgings[kind_name, category] = Judging(entity, self._maker(category), label)
        return judging

    def _orphans(self, entity: str, view: PortalView, origin: str) -> list[Orphan]:
        """Our records carrying an origin id that no shop record has."""
        out = []
        for i in view.ours(origin):
            rec = view.by_id[i]
            title = str(rec.get("TITLE") or rec.get("NAME") or "")
            out.append(Orphan(crm_of(entity), i, origin, title))
        return out


class _Links:
    """Which shop records store which portal id: the facts behind shared links and title clashes. An id
    stored by one shop record maps to its key alone, by several to the tuple of their keys (most ids are
    stored once: a tuple each cost 48 bytes); ``keys`` is the kind's rows by key, as the mirror holds them.

    With ``implied`` (a mirror with one row a key), an id whose record carries the key of the row storing it
    as its origin id (nearly every record in sync) is not held at all: the record says which row to ask, and
    the row whether it stores the id (a million entries not held, 48 MB). Such a holder comes first among an
    id's holders (it was first to store it: a later one is held); before the record held under an id changes
    or goes, :meth:`pin` holds the holder it implied."""

    def __init__(
        self,
        entity: str,
        view: PortalView,
        keys: Mapping[str, ShopRow],
        stored: Iterable[tuple[str, int | None]],
        *,
        implied: bool = False,
    ) -> None:
        self.entity = entity  # "order" | "user"
        self.view = view
        self.keys = keys
        self._stored_by: dict[int, str | tuple[str, ...]] = {}
        self._implying = implied
        for key, pid in stored:
            self.add(key, pid)
        if implied:
            view.links = self

    def _implied(self, pid: int) -> str | None:
        """The key of the row that the record held under ``pid`` names as its origin id, when that row stores
        ``pid`` (whether or not it is held too)."""
        if not self._implying:
            return None
        rec = self.view.by_id.get(pid)
        if rec is None:
            return None
        origin = rec.get("ORIGIN_ID")
        if type(origin) is not str:
            return None
        row = self.keys.get(origin)
        return origin if row is not None and row.crm_id == pid else None

    def holders(self, pid: int) -> tuple[str, ...]:
        """The keys of the shop records that store ``pid``, in the order they came."""
        held = self._stored_by.get(pid, ())
        explicit = (held,) if isinstance(held, str) else held
        implied = self._implied(pid)
        return explicit if implied is None or implied in explicit else (implied, *explicit)

    def alone(self, pid: int) -> str | None:
        """The key of the one shop record that stores ``pid``; None when none or several do."""
        held = self._stored_by.get(pid)
        implied = self._implied(pid)
        if held is None:
            return implied
        if isinstance(held, str) and (implied is None or implied == held):
            return held
        return None

    def stores(self, pid: int) -> bool:
        """Whether a shop record stores ``pid``."""
        return pid in self._stored_by or self._implied(pid) is not None

    def add(self, key: str, pid: int | None) -> None:
        if pid is None:
            return
        held = self._stored_by.get(pid)
        if held is None and self._implied(pid) == key:
            return  # the record's origin id names the row, and the row stores it
        self._stored_by[pid] = key if held is None else (*((held,) if isinstance(held, str) else held), key)

    def remove(self, key: str, pid: int | None) -> None:
        if pid is None:
            return
        held = self._stored_by.get(pid, ())
        holders = (held,) if isinstance(held, str) else held
        if key in holders:
            _hold(self._stored_by, pid, _without(holders, key))

    def pin(self, pid: int) -> None:
        """Before the record held under ``pid`` changes or goes: the holder it implied, held (first)."""
        implied = self._implied(pid)
        held = self._stored_by.get(pid)
        if implied is not None and held != implied and not (isinstance(held, tuple) and implied in held):
            self._stored_by[pid] = (
                implied if held is None else (implied, *((held,) if isinstance(held, str) else held))
            )

    def others(self, pid: int, key: str) -> list[str]:
        """The shop records other than ``key`` that store ``pid``, in key order (numbers as numbers): what a
        record's state says of them reads the same whichever pass found them, and in whatever order the
        shop's changes came (:meth:`holders` keeps that order)."""
        return sorted((k for k in self.holders(pid) if k != key), key=key_order)


class Mirror:
    """What a full pass read and found, kept so that later passes read only what changed and judge only the
    records it touches (see :mod:`bitrix_monitor.sync.incremental`): the shop's rows by key, the portal's
    records by id with their indexes, which shop record stores which id, and every record's state, job and
    orphans, with running counts."""

    def __init__(
        self,
        kinds: Sequence[Kind],
        rows: Mapping[str, Sequence[ShopRow]],
        views: dict[str, PortalView],
        legacy: dict[str, list[int]],
        keyed: Mapping[str, dict[str, ShopRow]] | None = None,
    ) -> None:
        self.kinds = list(kinds)
        # ``keyed``: the rows by key, made already (see :func:`by_key`)
        self.rows: dict[str, dict[str, ShopRow]] = dict(keyed) if keyed is not None else by_key(kinds, rows)
        # Two rows with one key (a unique key column that allows several NULLs): only a full pass judges
        # them as the shop holds them.
        self.exact = all(len(self.rows[k.name]) == len(rows[k.name]) for k in kinds)
        self._lists: dict[str, Sequence[ShopRow]] | None = dict(rows)
        self.views = views
        self.legacy = legacy
        for k in kinds:  # each origin id's records read by the rows the mirror holds, when one a key
            views[k.name].hold_origins(self.rows[k.name] if self.exact else None)
        self.links = {
            k.name: _Links(
                k.name,
                views[k.name],
                self.rows[k.name],
                ((r.key, r.crm_id) for r in rows[k.name]),
                implied=self.exact,
            )
            for k in kinds
        }
        self.statuses: dict[str, dict[str, RecordStatus]] = {k.name: {} for k in kinds}
        self._kept: dict[str, list[RecordStatus]] = {k.name: [] for k in kinds}  # rows sharing a key
        self.jobs: dict[str, dict[str, PlannedJob]] = {k.name: {} for k in kinds}
        self._kept_jobs: list[PlannedJob] = []
        self.tally: dict[str, Counter[str]] = {k.name: Counter() for k in kinds}
        self.orphans: dict[str, dict[str, list[Orphan]]] = {k.name: {} for k in kinds}
        self.origins: dict[str, set[str]] = {}  # origin ids whose orphans the next judging looks at again
        # Each order's pipeline as counted in ``categories`` (the pipeline of the deal it stores), held only
        # where it is not what the order's state implies: pipeline 0 for an order that stores an id, none
        # for one that stores none. Nearly every order is as implied: a million entries not held.
        self._pipeline_unlike: dict[str, int | None] = {}
        self.categories: Counter[int] = Counter()
        self.queue_info: Mapping[tuple[str, str], QueueInfo] = {}  # as the last judging saw them
        self.conflicts: Mapping[tuple[str, str], str] = {}

    def row_list(self, kind_name: str) -> Sequence[ShopRow]:
        """The kind's rows as the shop gave them (the first judging), or as the mirror holds them."""
        if self._lists is not None and kind_name in self._lists:
            return self._lists.pop(kind_name)
        return list(self.rows[kind_name].values())

    def clear(self, kind_name: str) -> None:
        self.statuses[kind_name].clear()
        self._kept[kind_name].clear()
        self._kept_jobs = [j for j in self._kept_jobs if shop_of(j.kind.split(".")[0]) != kind_name]
        self.jobs[kind_name].clear()
        self.tally[kind_name].clear()
        self.orphans[kind_name].clear()
        if kind_name == ORDER.name:
            self._pipeline_unlike.clear()
            self.categories.clear()

    def forget(self, kind_name: str, key: str) -> None:
        """A shop record that is gone: its state, job and pipeline no longer count."""
        old = self.statuses[kind_name].pop(key, None)
        if old is not None:
            self.tally[kind_name][old.state.value] -= 1
        self.jobs[kind_name].pop(key, None)
        if kind_name == ORDER.name:
            if key in self._pipeline_unlike:
                pipeline = self._pipeline_unlike.pop(key)
            else:
                pipeline = _IMPLIED_PIPELINE if old is not None and old.stored_id is not None else None
            if pipeline is not None:
                self.categories[pipeline] -= 1

    def record(self, kind_name: str, status: RecordStatus, deal: Mapping[str, Any] | None) -> None:
        """A record's state as just judged (``deal``: the order's stored deal, for the pipeline warning)."""
        table, key = self.statuses[kind_name], status.key
        if key in table and self.exact:
            self.forget(kind_name, key)
        elif key in table:
            self._kept[kind_name].append(status)
            self.tally[kind_name][status.state.value] += 1
            if (job := job_for(status)) is not None:
                self._kept_jobs.append(job)
            return
        table[key] = status
        self.tally[kind_name][status.state.value] += 1
        job = None if status.plainly_in_sync else job_for(status)
        if job is not None:
            self.jobs[kind_name][key] = job
        if kind_name == ORDER.name:
            pipeline = category_of(deal) if deal is not None else None
            if pipeline is not None:
                self.categories[pipeline] += 1
            if pipeline != (_IMPLIED_PIPELINE if status.stored_id is not None else None):
                self._pipeline_unlike[key] = pipeline

    def snapshot(self, category: int) -> Snapshot:
        """Everything as it stands: the same snapshot a full pass over the same data gives."""
        records: dict[str, tuple[RecordStatus, ...]] = {}
        counts: dict[str, EntityCounts] = {}
        orphans: list[Orphan] = []
        for k in self.kinds:
            held, kept = self.statuses[k.name].values(), self._kept[k.name]  # kept: rows sharing a key
            statuses = (*held, *kept) if kept else tuple(held)  # tuple(): no list made first (8 MB at 1M)
            found = [o for group in self.orphans[k.name].values() for o in group]
            tally = {state: n for state, n in self.tally[k.name].items() if n}
            records[k.name] = statuses
            counts[k.name] = EntityCounts(checked=len(statuses), orphans=len(found), **tally)
            orphans += found
        jobs = [j for k in self.kinds for j in self.jobs[k.name].values()]
        warning = pipeline_warning_of(category, self.categories) if ORDER.name in self.rows else None
        return Snapshot(
            records=records,
            counts=counts,
            orphans=orphans,
            plan=Plan((*jobs, *self._kept_jobs)),
            taken_at=datetime.now(UTC),
            warnings=(warning,) if warning else (),
        )


def by_key(kinds: Sequence[Kind], rows: Mapping[str, Sequence[ShopRow]]) -> dict[str, dict[str, ShopRow]]:
    """Each kind's rows by key (of two rows with one key, the later), made once for a pass's reading of
    the portal and its :class:`Mirror`."""
    return {k.name: {r.key: r for r in rows[k.name]} for k in kinds}


def portal_clock(value: Any) -> str:
    """A moment of the portal's clock (``server.time``) as the next pass's ``>=DATE_MODIFY``: one second
    earlier (a record saved in that second is read again rather than missed), in the portal's own offset."""
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"the portal's clock has no offset: {value!r}")
    return (moment - timedelta(seconds=1)).isoformat(timespec="seconds")


def report(progress: ProgressCallback | None, stage: str, done: int = 0, total: int | None = None) -> None:
    if progress:
        progress(Progress(stage, done, total))


def _hold(index: dict[K, T | tuple[T, ...]], at: K, rest: tuple[T, ...]) -> None:
    """What is left under ``at`` held as the indexes hold it: the tuple of several, one alone, or nothing."""
    if len(rest) > 1:
        index[at] = rest
    elif rest:
        index[at] = rest[0]
    else:
        del index[at]


def _without(items: tuple[T, ...], item: T) -> tuple[T, ...]:
    """``items`` less the first ``item`` (indexes hold tuples: a list of one costs twice as much)."""
    i = items.index(item)
    return items[:i] + items[i + 1 :]


def _keys(keys: Iterable[str]) -> str:
    return ", ".join(keys)


def _describe(rec: Mapping[str, Any]) -> Message:
    """A portal record as shared-link evidence shows it: title or name, origin id, contact."""
    title = rec.get("TITLE")
    if title is None:
        title = " ".join(str(rec.get(k) or "") for k in ("NAME", "LAST_NAME")).strip()
    said: dict[str, Param] = {"title": repr(str(title or "")), "stamp": stamp(rec)}
    if rec.get("CONTACT_ID"):
        return Message("evidence.record_contact", said | {"contact": str(rec["CONTACT_ID"])})
    return Message("evidence.record", said)


def _count(statuses: Sequence[RecordStatus], orphans: int) -> EntityCounts:
    c: dict[str, int] = defaultdict(int)
    for s in statuses:
        c[s.state.value] += 1
    return EntityCounts(checked=len(statuses), orphans=orphans, **{k: v for k, v in c.items()})


def job_for(status: RecordStatus) -> PlannedJob | None:
    """The job that brings one record into sync, or None when it is in sync."""
    prefix = crm_of(status.entity)
    s = status.state
    if status.hold:
        return None
    if status.relink_to is not None:
        reason = Message("plan.adopt", {"entity": prefix, "id": status.relink_to, "note": status.note})
        return PlannedJob(f"{prefix}.relink", status.key, reason, {"portal_id": status.relink_to})
    if s is RecordState.MISSING:
        return PlannedJob(f"{prefix}.create", status.key, Message("plan.missing"))
    if s is RecordState.UNLINKED:
        said: dict[str, str | int] = {"entity": prefix, "id": status.portal_id or ""}
        return PlannedJob(f"{prefix}.create", status.key, Message("plan.unlinked", said))
    if s is RecordState.STALE_LINK:
        why = Message.of(status.note) if status.note else Message("plan.stale")
        return PlannedJob(f"{prefix}.create", status.key, why, {"stale_id": status.stored_id})
    if s is RecordState.OUTDATED:
        changed = ",".join(d.field for d in status.diffs)
        return PlannedJob(f"{prefix}.update", status.key, Message("plan.differs", {"fields": changed}))
    if s is RecordState.DUPLICATED:
        evidence = [d for d in status.duplicates if d.cleanable]
        ids = sorted({i for d in evidence for i in d.ids})
        keys = ", ".join(sorted({d.matched_by for d in evidence}))
        said = {"n": len(ids), "keys": keys}
        return PlannedJob(f"{prefix}.cleanup", status.key, Message("plan.duplicates", said), {"ids": ids})
    if s is RecordState.SHARED_LINK and status.release_id is not None:
        # The rule gives the shared record to another shop record: let go of it (compare-and-set under the
        # record's lock), then the create path finds this record's own by origin id or makes it.
        released: dict[str, Param] = {"entity": prefix, "id": status.release_id, "note": status.note}
        reason = Message("plan.release", released)
        return PlannedJob(f"{prefix}.create", status.key, reason, {"release_id": status.release_id})
    return None


def plan_from(*groups: Iterable[RecordStatus]) -> Plan:
    jobs = [j for g in groups for s in g if (j := job_for(s)) is not None]
    return Plan(tuple(jobs))


@dataclass(frozen=True)
class TitlePattern:
    """Recognises the shop key in deal titles made from the title template, e.g. "Order #{order_id} - …"."""

    prefix: str
    regex: re.Pattern[str]

    @classmethod
    def of(cls, template: str, key_column: str) -> TitlePattern | None:
        parts = list(string.Formatter().parse(template))
        if not any(name == key_column for _lit, name, _spec, _conv in parts):
            return None
        regex = "^"
        seen_key = False
        for literal, name, _spec, _conv in parts:
            regex += re.escape(literal)
            if name is None:
                continue
            if name == key_column and not seen_key:
                regex += r"(?P<key>[^\s]+?)"
                seen_key = True
            else:
                regex += ".*?"
        prefix = parts[0][0] if parts else ""
        return cls(prefix, re.compile(regex + "$", re.DOTALL))

    def key_of(self, title: str) -> str | None:
        m = self.regex.match(title)
        return m.group("key") if m else None
