"""Incremental reconciliation: after a full pass, a reconcile reads only what changed on either side and
judges only the records those changes touch, on the :class:`~bitrix_monitor.sync.reconcile.Mirror` the full
pass left.

- **The portal**: one request lists the records of every kind modified since the last pass
  (``>=DATE_MODIFY``, first page with its total) together with the portal's clock (``server.time``, run
  first), so an idle refresh costs one request. The next pass starts one second before that clock,
  inclusive: a record saved during the read, or in the same second as an earlier one, is read again and
  compared (an unchanged record changes nothing). Stage moves change ``DATE_MODIFY`` too.
- **Deletions** leave no trace in those lists: on a slower cadence every portal id the mirror holds is
  checked in ``@ID`` pages (50 ids a command, 50 commands a request: 2,500 ids a request, ``select ID``).
- **The shop**: rows whose ``updated_at`` is at or after the last pass's start (less a two-minute overlap
  for late commits and clock skew), or, without such a column, every row compared by fingerprint; the rows
  of records whose jobs ran or whose portal records changed are read again by key (an id written back does
  not always move ``updated_at``); rows deleted from the shop are found when the table's count disagrees,
  and on the deletions' cadence by reading its keys.
- **What a change touches**: the record itself; the shop records that store, or carry the origin id or the
  title of, a changed portal record; those sharing its e-mail or phone (foreign duplicates); and the orders
  of a touched user, the users of a touched company (their references). Those are judged again with the
  same code as a full pass, against the same indexes, so an incremental pass finds what a full pass over
  the same data finds — up to deletions not checked yet and deals restored from the recycle bin (new id,
  old ``DATE_MODIFY``), which the next deletion check or full pass finds.

A full pass runs on demand and on a schedule (``[sync] full_every``); see :class:`IncrementalState`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bitrix_monitor.bitrix import BitrixClient, NotExecuted, records_of
from bitrix_monitor.compact import portal_record
from bitrix_monitor.kinds import COMPANY, ORDER, USER, Kind, shop_of
from bitrix_monitor.messages import Message
from bitrix_monitor.shop import ShopDatabase, ShopRow
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.api import ProgressCallback, Snapshot
from bitrix_monitor.sync.ownership import Owner, owner_of
from bitrix_monitor.sync.reconcile import Mirror, Reconciler, comm_keys, portal_clock, report

log = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=2)  # shop rows committed late, or stamped by a clock a little behind
ID_PAGE = 50  # ids per @ID command; 50 commands a request


def _row_state(row: ShopRow) -> tuple[object, ...]:
    return (row.digest, row.crm_id, row.problem, row.updated_at)


def _unchanged(held: ShopRow, read: ShopRow) -> bool:
    """Whether a row read again is as held: equal (every field the state covers compared, and the columns
    read; a row of the two minutes read again, or of a pile on one ``updated_at``, makes no digest), or
    else of the same state."""
    return held is read or held == read or _row_state(held) == _row_state(read)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class IncrementalState:
    """Where the next incremental pass starts: the portal's clock and each kind's shop watermark, and when
    the last full pass and the last deletion check ran (the schedule of the next ones)."""

    portal_from: str
    shop_from: dict[str, datetime | None]
    full_at: datetime
    deletions_at: datetime
    job_cursor: int = 0  # the highest job id seen: jobs queued and finished between two passes count too
    passes: int = 0  # incremental passes since the full one


@dataclass
class Changes:
    """What one incremental pass read and what it touched."""

    portal: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # kind -> records modified
    deleted: dict[str, set[int]] = field(default_factory=dict)  # kind -> portal ids gone
    touched: dict[str, set[str]] = field(default_factory=dict)  # kind -> shop keys judged again
    clock: str = ""


class ShopIndex:
    """The shop side's own indexes the portal's changes are traced back with: which users share an e-mail
    or phone, which orders belong to a user, which users to a company. A value held by one shop record
    maps to its key alone, by more to the tuple of their keys (most are held by one: a set each would cost
    about 200 bytes a row)."""

    def __init__(self, m: Mirror) -> None:
        self.comm: dict[str, tuple[dict[str, Keys], dict[str, Keys]]] = {}
        self.orders_of: dict[str, Keys] = {}
        self.users_of: dict[str, Keys] = {}
        for k in m.kinds:
            for row in m.rows[k.name].values():
                self.add(k, row)

    def _comm(self, k: Kind) -> tuple[dict[str, Keys], dict[str, Keys]]:
        return self.comm.setdefault(k.name, ({}, {}))

    @staticmethod
    def _values(row: ShopRow) -> tuple[str, str]:
        email = getattr(row, "email", None)
        phone = getattr(row, "phone", None)
        return (F.email_key(email) if email else "", F.phone_key(phone) if phone else "")

    def add(self, k: Kind, row: ShopRow) -> None:
        self._each(k, row, lambda index, value: _put(index, value, row.key))

    def remove(self, k: Kind, row: ShopRow) -> None:
        self._each(k, row, lambda index, value: _drop(index, value, row.key))

    def _each(self, k: Kind, row: ShopRow, do: Any) -> None:
        if k.comm_type is not None:
            for index, value in zip(self._comm(k), self._values(row), strict=True):
                if value:
                    do(index, value)
        user_key = getattr(row, "user_key", None)
        if k is ORDER and user_key:
            do(self.orders_of, user_key)
        company_key = getattr(row, "company_key", None)
        if k is USER and company_key:
            do(self.users_of, company_key)

    def sharing(self, k: Kind, rec: Mapping[str, Any]) -> set[str]:
        """Keys of the kind's shop rows sharing an e-mail or phone with the portal record ``rec``."""
        if k.comm_type is None:
            return set()
        out: set[str] = set()
        for index, values in zip(self._comm(k), comm_keys(rec), strict=True):
            for v in values:
                out |= keys_of(index, v)
        return out


Keys = str | tuple[str, ...]  # in a ShopIndex: one shop key, or the tuple of several (a set cost 216 bytes)


def keys_of(index: Mapping[str, Keys], value: str) -> set[str]:
    """The shop keys a :class:`ShopIndex` index holds under ``value``."""
    held = index.get(value)
    if held is None:
        return set()
    return {held} if isinstance(held, str) else set(held)


def _put(index: dict[str, Keys], value: str, key: str) -> None:
    held = index.get(value)
    if held is None:
        index[value] = key
    elif isinstance(held, str):
        if held != key:
            index[value] = (held, key)
    elif key not in held:
        index[value] = (*held, key)


def _drop(index: dict[str, Keys], value: str, key: str) -> None:
    held = index.get(value)
    if held == key:
        del index[value]
    elif isinstance(held, tuple) and key in held:
        rest = tuple(k for k in held if k != key)
        index[value] = rest if len(rest) > 1 else rest[0]


class Refresher:
    """Brings a :class:`Mirror` up to date with what changed since the last pass, and judges again what the
    changes touch. One per mirror; each pass gets the reconciler of its moment (queue marks, conflicts)."""

    def __init__(self, mirror: Mirror, state: IncrementalState) -> None:
        self.mirror = mirror
        self.state = state
        self.index = ShopIndex(mirror)
        self.baselines: Any = {}  # what the caller judged the last pass with (the fields' pull baselines)
        # What is kept in the job store (bitrix_monitor.sync.saved): the generation this mirror was saved as
        # or loaded from (None: not saved yet), and what changed since -- shop keys and portal ids per kind,
        # and the baselines as saved.
        self.generation: int | None = None
        self.dirty_rows: dict[str, set[str]] = {}
        self.dirty_records: dict[str, set[int]] = {}
        self.saved_baselines: Any = {}

    @classmethod
    def after_full(
        cls, reconciler: Reconciler, *, portal_from: str, shop_from: Mapping[str, datetime | None]
    ) -> Refresher:
        """The refresher of the mirror a full pass just left (``portal_from``/``shop_from``: the clocks read
        before it started)."""
        now = datetime.now(UTC)
        state = IncrementalState(portal_from, dict(shop_from), full_at=now, deletions_at=now)
        return cls(reconciler.mirror, state)

    def saved(self, generation: int) -> None:
        """The mirror as it stands is kept in the job store as ``generation``."""
        self.generation = generation
        self.dirty_rows.clear()
        self.dirty_records.clear()
        self.saved_baselines = self.baselines

    def _touch(self, kind_name: str, rid: int) -> None:
        self.dirty_records.setdefault(kind_name, set()).add(rid)

    async def refresh(
        self,
        reconciler: Reconciler,
        *,
        deletions: bool = False,
        also: Mapping[str, Iterable[str]] | None = None,
        ran: Mapping[str, Iterable[str]] | None = None,
        judge: Mapping[str, Iterable[str]] | None = None,
        progress: ProgressCallback | None = None,
    ) -> tuple[Snapshot, Changes]:
        """One incremental pass. ``deletions``: check every held portal id still exists; ``also``: shop keys
        per kind to read and judge again whatever else changed; ``ran``: those of records whose jobs merged
        portal records away (their portal ids are checked to still exist); ``judge``: shop keys per kind to
        judge again as they are held (what the reconciler knows of them moved: when they were synced)."""
        m, client, shop = self.mirror, reconciler.client, reconciler.shop
        changes = Changes()
        report(progress, "reading changes")
        await self._read_portal(reconciler, client, changes)
        jobs: dict[str, set[str]] = {k.name: set(ran.get(k.name, ())) if ran else set() for k in m.kinds}
        reread: dict[str, set[str]] = {k.name: set(jobs[k.name]) for k in m.kinds}
        for kind_name, keys in (also or {}).items():
            reread.setdefault(kind_name, set()).update(keys)
        if deletions:
            report(progress, "checking deletions")
            await self._read_deletions(
                reconciler, client, changes, {k: set(v.by_id) for k, v in m.views.items()}
            )
            self.state.deletions_at = datetime.now(UTC)
        elif any(jobs.values()):  # records whose cleanups ran: what they merged away is gone now
            await self._read_deletions(reconciler, client, changes, self._related(jobs))
        touched: dict[str, set[str]] = {
            k.name: set(judge.get(k.name, ())) if judge else set() for k in m.kinds
        }
        for k in m.kinds:
            self._apply_portal(reconciler, k, changes, touched, reread)
        self._queue_marks(reconciler, touched, reread)
        for k in m.kinds:
            await self._read_shop(shop, k, reread[k.name], touched, deletions=deletions)
        await self._read_stored(reconciler, client, changes, touched)
        self._dependents(touched)
        changes.touched = touched
        report(progress, "comparing", 0, sum(len(t) for t in touched.values()))
        reconciler.judge(m, only=touched)
        self.state.portal_from = changes.clock
        self.state.passes += 1
        report(progress, "done")
        return m.snapshot(reconciler.category), changes

    # -- the portal -------------------------------------------------------------------------------------
    async def _read_portal(self, r: Reconciler, client: BitrixClient, changes: Changes) -> None:
        m, since = self.mirror, self.state.portal_from
        cmds: dict[str, tuple[str, Mapping[str, Any] | None]] = {"clock": ("server.time", {})}
        for k in m.kinds:
            params = {
                "order": {"ID": "ASC"},
                "filter": {">=DATE_MODIFY": since},
                "select": r.select[k.crm],
                "start": 0,
            }
            cmds[k.name] = (f"crm.{k.crm}.list", params)
        res = await client.batch(cmds)
        for key in cmds:
            if key in res.errors:
                raise res.errors[key]
            if key not in res.results:
                raise NotExecuted(
                    Message("bitrix.batch.since_not_executed", {"method": cmds[key][0], "since": str(since)}),
                    method=cmds[key][0],
                )
        changes.clock = portal_clock(res.results["clock"])
        for k in m.kinds:
            rows = [dict(rec) for rec in records_of(res.results[k.name], cmds[k.name][0])]
            total = res.totals.get(k.name)
            if rows and (total is None or total > len(rows)):
                last = max(_int(rec.get("ID")) or 0 for rec in rows)
                flt = {">=DATE_MODIFY": since, ">ID": last}
                async for page in client.list_all(f"crm.{k.crm}.list", filter=flt, select=r.select[k.crm]):
                    rows += page
            changes.portal[k.name] = rows

    def _related(self, keys: Mapping[str, set[str]]) -> dict[str, set[int]]:
        """The portal ids a shop record's state rests on: the one it stores, the ones carrying its origin id
        or its title, and its duplicates' (what a cleanup merges away)."""
        m = self.mirror
        out: dict[str, set[int]] = {}
        for kind_name, wanted in keys.items():
            view, rows, statuses = m.views[kind_name], m.rows[kind_name], m.statuses[kind_name]
            ids = out.setdefault(kind_name, set())
            for key in wanted:
                ids.update(view.ours(key))
                row = rows.get(key)
                if row is not None and row.crm_id is not None:
                    ids.add(row.crm_id)
                if kind_name == ORDER.name:
                    ids.update(m.legacy.get(key, ()))
                status = statuses.get(key)
                if status is not None:
                    ids.update(i for d in status.duplicates for i in d.ids)
            ids &= view.by_id.keys()
        return out

    async def _read_deletions(
        self, r: Reconciler, client: BitrixClient, changes: Changes, held: Mapping[str, set[int]]
    ) -> None:
        """Which of the ``held`` portal ids no longer exist, in ``@ID`` pages of 50 (50 to a request); the
        records that referred to one of them (a deal's contact, a contact's company) lose that reference
        without their ``DATE_MODIFY`` moving, so they are read again."""
        m = self.mirror
        gone: dict[str, set[int]] = {}
        for k in m.kinds:
            ids = sorted(held.get(k.name, ()))
            alive: set[int] = set()
            async for page in self._by_ids(client, k, ids, ["ID"]):
                alive.update(i for rec in page if (i := _int(rec.get("ID"))) is not None)
            gone[k.name] = set(ids) - alive
            changes.deleted[k.name] = gone[k.name]
        for k in m.kinds:
            view = m.views[k.name]
            refer = (
                [
                    rid
                    for rid, rec in view.by_id.items()
                    if any(
                        _int(rec.get(f"{other.crm.upper()}_ID")) in gone.get(other.name, ())
                        for other in m.kinds
                        if other is not k
                    )
                ]
                if any(gone.get(o.name) for o in m.kinds if o is not k)
                else []
            )
            async for page in self._by_ids(client, k, refer, r.select[k.crm]):
                changes.portal.setdefault(k.name, []).extend(page)

    async def _read_stored(
        self, r: Reconciler, client: BitrixClient, changes: Changes, touched: Mapping[str, set[str]]
    ) -> None:
        """The portal records that touched shop rows store and the mirror does not hold, read by id as a full
        pass reads stored ids: a row that took an id the last pass had no reason to read, or a record this
        pass read changed into one that is no longer ours before the shop row storing it was read again (an
        id written back by a job). Costs nothing when every stored id is held."""
        m = self.mirror
        for k in m.kinds:
            view, rows = m.views[k.name], m.rows[k.name]
            gone = changes.deleted.get(k.name, set())
            wanted = sorted(
                {
                    row.crm_id
                    for key in touched.get(k.name, ())
                    if (row := rows.get(key)) is not None
                    and row.crm_id is not None
                    and row.crm_id not in view.by_id
                    and row.crm_id not in gone
                }
            )
            async for page in self._by_ids(client, k, wanted, r.select[k.crm]):
                for rec in page:
                    view.put(rec, r.originator)
                    if (rid := _int(rec.get("ID"))) is not None:
                        self._touch(k.name, rid)

    @staticmethod
    async def _by_ids(
        client: BitrixClient, k: Kind, ids: Sequence[int], select: Sequence[str]
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """The records with these ids that exist, read in ``@ID`` pages of 50, 50 pages to a request."""
        method = f"crm.{k.crm}.list"
        for start in range(0, len(ids), ID_PAGE * ID_PAGE):
            part = ids[start : start + ID_PAGE * ID_PAGE]
            cmds: dict[str, tuple[str, Mapping[str, Any] | None]] = {
                f"d{n}": (
                    method,
                    {"filter": {"@ID": part[i : i + ID_PAGE]}, "select": list(select), "start": -1},
                )
                for n, i in enumerate(range(0, len(part), ID_PAGE))
            }
            res = await client.batch(cmds)
            for key in cmds:
                if key in res.errors:
                    raise res.errors[key]
                if key not in res.results:
                    raise NotExecuted(
                        Message("bitrix.batch.ids_not_executed", {"method": method}), method=method
                    )
                yield [dict(rec) for rec in records_of(res.results[key], method)]

    def _apply_portal(
        self,
        r: Reconciler,
        k: Kind,
        changes: Changes,
        touched: dict[str, set[str]],
        reread: dict[str, set[str]],
    ) -> None:
        m = self.mirror
        view, links = m.views[k.name], m.links[k.name]
        legacy_ids: set[int] = set()
        if k is ORDER:
            legacy_ids = {i for ids in m.legacy.values() for i in ids} | r.known_legacy_ids()
        affected: set[int] = set()
        olds: list[Mapping[str, Any]] = []
        for rec in changes.portal.get(k.name, ()):
            rid = _int(rec.get("ID"))
            if rid is None:
                continue
            old = view.by_id.get(rid)
            if old is not None and old == portal_record(rec):  # compared as held (the id as its number)
                continue  # read again (same second, or the overlap): nothing changed
            if old is None and not self._relevant(r, k, rid, rec, legacy_ids):
                continue
            if old is not None:
                olds.append(old)
            view.put(rec, r.originator)
            self._touch(k.name, rid)
            affected.add(rid)
            olds.append(rec)
        for rid in changes.deleted.get(k.name, ()):
            old = view.drop(rid)
            if old is not None:
                self._touch(k.name, rid)
                olds.append(old)
                affected.add(rid)
        if not affected:
            return
        if k is ORDER and r.title_pattern is not None:
            self._legacy(r, affected, legacy_ids)
        keys = touched[k.name]
        for seen in olds:
            origin = seen.get("ORIGIN_ID")
            if isinstance(origin, str) and origin:
                keys.add(origin)
            if k is ORDER and r.title_pattern is not None:
                titled = r.title_pattern.key_of(str(seen.get("TITLE") or ""))
                if titled is not None:
                    keys.add(titled)
            keys |= self.index.sharing(k, seen)
        for rid in affected:
            keys.update(links.holders(rid))
        m.origins.setdefault(k.name, set()).update(keys)
        reread[k.name] |= keys

    def _relevant(
        self, r: Reconciler, k: Kind, rid: int, rec: Mapping[str, Any], legacy_ids: set[int]
    ) -> bool:
        """Whether a full pass would hold this record: every one when it scanned them all; else ours (or
        restored), one a shop record stores, a remembered legacy deal, or (contacts, companies) one sharing
        an e-mail or phone with a shop record."""
        return (
            self.mirror.views[k.name].full
            or owner_of(rec, r.originator) in (Owner.OURS, Owner.RESTORED)
            or self.mirror.links[k.name].stores(rid)
            or rid in legacy_ids
            or bool(self.index.sharing(k, rec))
        )

    def _legacy(self, r: Reconciler, affected: set[int], legacy_ids: set[int]) -> None:
        """The remembered deals made before origin ids that changed: filed again under their title's key,
        while they are still such deals."""
        m, pattern = self.mirror, r.title_pattern
        assert pattern is not None
        view = m.views[ORDER.name]
        for rid in affected & legacy_ids:
            for key, ids in list(m.legacy.items()):
                if rid in ids:
                    ids.remove(rid)
                    if not ids:
                        del m.legacy[key]
            rec = view.by_id.get(rid)
            if rec is None or owner_of(rec, r.originator) is not Owner.LEGACY:
                continue
            titled = pattern.key_of(str(rec.get("TITLE") or ""))
            if titled is not None:
                m.legacy.setdefault(titled, []).append(rid)
                m.legacy[titled].sort()

    # -- the queue --------------------------------------------------------------------------------------
    def _queue_marks(self, r: Reconciler, touched: dict[str, set[str]], reread: dict[str, set[str]]) -> None:
        """Records whose queue mark or waiting merge conflict changed are judged again (and read again: a
        job that ran may have written an id back)."""
        m = self.mirror
        old, new = m.queue_info, r.queue_info
        for key in {*old, *new}:
            if old.get(key) != new.get(key):
                entity, shop_key = key
                kind_name = shop_of(entity)
                if kind_name in touched:
                    touched[kind_name].add(shop_key)
                    reread[kind_name].add(shop_key)
        old_c, new_c = m.conflicts, r.conflicts
        for key in {*old_c, *new_c}:
            if old_c.get(key) != new_c.get(key):
                kind_name = shop_of(key[0])
                if kind_name in touched:
                    touched[kind_name].add(key[1])

    # -- the shop ---------------------------------------------------------------------------------------
    async def _read_shop(
        self, shop: ShopDatabase, k: Kind, reread: set[str], touched: dict[str, set[str]], *, deletions: bool
    ) -> None:
        m = self.mirror
        table = m.rows[k.name]
        since = self.state.shop_from.get(k.name)
        fresh: dict[str, ShopRow | None] = {}
        full_scan = since is None or not shop.has_updated_at(k.name)
        if not full_scan:
            newest = await asyncio.to_thread(shop.max_updated_at, k.name)
            assert since is not None
            pages = await asyncio.to_thread(
                lambda: list(shop.iter_rows(k.name, since=since - OVERLAP, held=table))
            )
            for page in pages:
                for got in page:
                    fresh[got.key] = got
            if newest is not None:
                self.state.shop_from[k.name] = max(newest, since)
            wanted = [key for key in reread if key not in fresh]
            if wanted:
                found = await asyncio.to_thread(shop.get_rows, k.name, wanted)
                for key in wanted:
                    fresh[key] = found.get(key)
        else:
            seen: set[str] = set()
            for page in await asyncio.to_thread(lambda: list(shop.iter_rows(k.name, held=table))):
                for got in page:
                    seen.add(got.key)
                    fresh[got.key] = got
            for key in table.keys() - seen:
                fresh[key] = None
        for key, row in fresh.items():
            self._apply_row(k, key, row, touched)
        if not full_scan and (deletions or await asyncio.to_thread(shop.count, k.name) != len(table)):
            keys = set(await asyncio.to_thread(shop.keys, k.name))
            for key in table.keys() - keys:
                self._apply_row(k, key, None, touched)
            missed = keys - table.keys()
            if missed:
                found = await asyncio.to_thread(shop.get_rows, k.name, missed)
                for key in missed:
                    self._apply_row(k, key, found.get(key), touched)

    def _apply_row(self, k: Kind, key: str, row: ShopRow | None, touched: dict[str, set[str]]) -> None:
        m = self.mirror
        table, links, view = m.rows[k.name], m.links[k.name], m.views[k.name]
        old = table.get(key)
        if old is None and row is None:
            return
        if old is not None and row is not None and _unchanged(old, row):
            return
        self.dirty_rows.setdefault(k.name, set()).add(key)
        ids: set[int] = set(view.ours(key))
        if old is not None and (row is None or row.crm_id != old.crm_id):
            view.pin(key)  # the record it stored stays one of the origin id's, as the portal holds it
        if old is not None:
            links.remove(key, old.crm_id)
            self.index.remove(k, old)
            if old.crm_id is not None:
                ids.add(old.crm_id)
            del table[key]
        if row is not None:
            table[key] = row
            links.add(key, row.crm_id)
            self.index.add(k, row)
            if row.crm_id is not None:
                ids.add(row.crm_id)
        keys = touched[k.name]
        keys.add(key)
        if k is ORDER:
            ids.update(m.legacy.get(key, ()))
        for pid in ids:
            keys.update(links.holders(pid))
            rec = view.by_id.get(pid)
            if rec is None:
                continue
            origin = rec.get("ORIGIN_ID")
            if isinstance(origin, str) and origin in table:
                keys.add(origin)
            keys |= self.index.sharing(k, rec)
        m.origins.setdefault(k.name, set()).add(key)

    def _dependents(self, touched: dict[str, set[str]]) -> None:
        """Orders refer to their user's contact and company, users to their company: judged again when
        those are."""
        if COMPANY.name in touched and USER.name in touched:
            for company in list(touched[COMPANY.name]):
                touched[USER.name] |= keys_of(self.index.users_of, company)
        if USER.name in touched and ORDER.name in touched:
            for user in list(touched[USER.name]):
                touched[ORDER.name] |= keys_of(self.index.orders_of, user)


def due(last: datetime, every: float, now: datetime | None = None) -> bool:
    """Whether something done at ``last`` is due again (``every`` seconds; 0: never by schedule)."""
    return every > 0 and ((now or datetime.now(UTC)) - last).total_seconds() >= every


__all__ = ["Changes", "IncrementalState", "Refresher", "due"]
