"""Edits made in the CRM come back to the shop: every field whose owner is ``crm`` or ``both`` (a contact's
``PHONE``, a company's ``TITLE``, a mapped ``UF_CRM_*``; the stage has its own history, see
:mod:`bitrix_monitor.sync.pull`).

Found without a public URL, by polling: each kind's list method filtered by ``>=DATE_MODIFY`` from the last
window's start minus an overlap (rows saved late within a second are not missed), in the portal's own
time zone, paged by ``>ID``; every kind's first page and the portal's clock (``server.time``) go in one
``batch``. The window's end is the portal's clock, not the desk's. Rows read again in the overlap are
skipped when their ``DATE_MODIFY`` and values are the ones already settled (ties de-duplicated). The
cursor (the window's start, the portal's offset, the rows settled in the overlap) is kept in the job store
in the data dir and moves only after every row read has been settled: a crash reads them again, and
applying one again is harmless (the compare-and-set finds the shop holding the value: the sides agree).

Per record and field the CRM's value is merged against the baseline (:mod:`bitrix_monitor.sync.owners`):
the same as the shop's → agreed (also the app's own push coming back); only the CRM changed → written into
the shop by compare-and-set under the record's lock; only the shop changed → the push sends it; both
changed → the later change wins when both times are known (the shop's ``updated_at``, the record's
``DATE_MODIFY``), otherwise a conflict is left for a person.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from bitrix_monitor.bitrix import BitrixClient, records_of
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.kinds import kind as kind_of
from bitrix_monitor.messages import Message, Note, joined
from bitrix_monitor.queue.model import PullField
from bitrix_monitor.queue.port import JobStore
from bitrix_monitor.shop import ShopDatabase, ShopRow
from bitrix_monitor.shop.errors import ShopError, ShopPermissionError, value_reason
from bitrix_monitor.shop.mapping import cell_text
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.sync.owners import FieldOwners, FieldRule
from bitrix_monitor.sync.pull import (
    WAITING,
    Pulled,
    conflict_note,
    enqueue_pulls,
    newer_folded,
    parse_time,
    queued,
    queued_reason,
    said_note,
    supersede_settled,
)

log = logging.getLogger(__name__)

PAGE = 50
OVERLAP = timedelta(seconds=60)  # each window starts this long before the last one ended
CURSOR = "pull.modified.{crm}"  # the job store's memory of each CRM kind's window


@dataclass
class FieldPullOutcome:
    read: int = 0  # records read
    written: list[Pulled] = field(default_factory=list)
    waiting: dict[tuple[str, str], tuple[RecordState, Note]] = field(default_factory=dict)
    also: dict[str, Any] = field(default_factory=dict)  # the answers of the commands sent along


@dataclass
class _Window:
    since: datetime
    offset: str  # the portal's UTC offset, "+03:00"
    seen: dict[str, str]  # record id -> DATE_MODIFY already settled (rows of the overlap)

    @classmethod
    def load(cls, raw: Any) -> _Window | None:
        if not isinstance(raw, Mapping):
            return None
        try:
            since = datetime.fromtimestamp(float(raw["since"]), UTC)
        except (KeyError, TypeError, ValueError, OverflowError):
            return None
        seen = raw.get("seen")
        return cls(
            since,
            str(raw.get("offset") or "+00:00"),
            {str(k): str(v) for k, v in seen.items()} if isinstance(seen, Mapping) else {},
        )

    def dump(self) -> dict[str, Any]:
        return {"since": self.since.timestamp(), "offset": self.offset, "seen": self.seen}

    def start(self) -> str:
        """The filter's lower bound, in the portal's zone (with its offset: an absolute instant)."""
        return (self.since - OVERLAP).astimezone(_zone(self.offset)).isoformat(timespec="seconds")


def _mark(record: Mapping[str, Any]) -> str:
    """What a settled record is remembered by: its ``DATE_MODIFY`` and a digest of the values read with it.
    The portal's clock counts whole seconds, so a record the app settled and a manager then saved again
    within the same second keeps its ``DATE_MODIFY``; its values tell the two saves apart."""
    values = json.dumps(
        sorted((k, v) for k, v in record.items() if k not in ("ID", "DATE_MODIFY")),
        default=str,
        ensure_ascii=False,
    )
    digest = hashlib.blake2b(values.encode(), digest_size=8).hexdigest()
    return f"{record.get('DATE_MODIFY')}|{digest}"


def _settled(seen: str | None, record: Mapping[str, Any]) -> bool:
    """Whether ``record`` is the very save remembered as settled (``seen``: its :func:`_mark`, or, as kept
    before values were remembered too, its ``DATE_MODIFY`` alone)."""
    if seen is None:
        return False
    return seen == (_mark(record) if "|" in seen else str(record.get("DATE_MODIFY")))


def _zone(offset: str) -> timezone:
    try:
        moment = datetime.fromisoformat(f"2000-01-01T00:00:00{offset}")
    except ValueError:
        return UTC
    return moment.tzinfo if isinstance(moment.tzinfo, timezone) else UTC


def _offset_of(text: Any) -> str | None:
    """The UTC offset of a portal datetime ("+03:00"), or None."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.utcoffset() is None:
        return None
    return moment.isoformat()[19:] or None


def _rows(result: Any, method: str) -> list[Mapping[str, Any]]:
    if not isinstance(result, list):
        raise UserFacingError(
            Message("pull.not_records", {"method": method, "type": type(result).__name__}),
            hint=Message("pull.answer.hint"),
        )
    return list(records_of(result, method))  # a record whose ID is not an id: BadResponse


class FieldPuller:
    """Pulls edits of the fields the CRM may change (owners ``crm``/``both``, the stage aside)."""

    def __init__(
        self, shop: ShopDatabase, client: BitrixClient, queue: JobStore, owners: FieldOwners
    ) -> None:
        self.shop = shop
        self.client = client
        self.queue = queue
        self.owners = owners

    def kinds(self) -> list[str]:
        return [k for k in self.owners.kinds if self.owners.pulled(k) and k in self.shop.mapped_kinds]

    @property
    def enabled(self) -> bool:
        return bool(self.kinds())

    async def run(self, also: Mapping[str, tuple[str, Mapping[str, Any]]] | None = None) -> FieldPullOutcome:
        """One pull. ``also``: more commands (key → method and params) for the first batch, e.g. the stage
        history's first page: their answers are in the outcome's ``also`` when they were sent (not when
        nothing is pulled here, or on a kind's first pull)."""
        outcome = FieldPullOutcome()
        kinds = self.kinds()
        if not kinds:
            return outcome
        windows = {
            k: _Window.load(await asyncio.to_thread(self.queue.recall, self._cursor(k))) for k in kinds
        }
        first = [k for k, w in windows.items() if w is None]
        if first:
            # The first pull starts at the portal's "now": edits made before the app pulled are not taken for
            # changes (the shop's values stand; the snapshot records what both sides agree on).
            now, offset = await self._portal_now({})
            for k in first:
                await asyncio.to_thread(self.queue.remember, self._cursor(k), _Window(now, offset, {}).dump())
        ready = {k: w for k, w in windows.items() if w is not None}
        if not ready:
            return outcome
        rows, now, offset = await self._read(ready, also or {}, outcome)
        for k, window in ready.items():
            found = rows.get(k, [])
            outcome.read += len(found)
            fresh = [r for r in found if not _settled(window.seen.get(str(r.get("ID"))), r)]
            await self._settle(k, fresh, outcome)
            # The next window starts at the portal's clock before this read; the rows of its overlap that were
            # settled now are remembered, so the next read skips them (unless saved again since).
            keep = now - OVERLAP
            seen = {
                str(r.get("ID")): _mark(r)
                for r in found
                if (t := parse_time(r.get("DATE_MODIFY"))) is not None and t >= keep
            }
            await asyncio.to_thread(self.queue.remember, self._cursor(k), _Window(now, offset, seen).dump())
        if outcome.written:
            log.info("pulled %d field values from the CRM into the shop", len(outcome.written))
        return outcome

    @staticmethod
    def _cursor(kind: str) -> str:
        return CURSOR.format(crm=kind_of(kind).crm)

    async def _portal_now(self, answers: Mapping[str, Any]) -> tuple[datetime, str]:
        """The portal's clock and offset: from a ``server.time`` answer of the batch, else asked now."""
        text = answers.get("now")
        if text is None:
            text = (await self.client.call("server.time")).result
        moment = parse_time(text)
        if moment is None:
            raise UserFacingError(Message("pull.not_time", {"value": repr(str(text)[:40])}))
        return moment, _offset_of(text) or "+00:00"

    def _list(self, kind: str, window: _Window, after: int) -> tuple[str, dict[str, Any]]:
        crm = kind_of(kind).crm
        select = ["ID", "DATE_MODIFY", "MODIFY_BY_ID", *(r.name for r in self.owners.pulled(kind))]
        return f"crm.{crm}.list", {
            "filter": {">=DATE_MODIFY": window.start(), ">ID": after},
            "order": {"ID": "ASC"},
            "select": list(dict.fromkeys(select)),
            "start": -1,
        }

    async def _read(
        self,
        windows: Mapping[str, _Window],
        also: Mapping[str, tuple[str, Mapping[str, Any]]],
        outcome: FieldPullOutcome,
    ) -> tuple[dict[str, list[Mapping[str, Any]]], datetime, str]:
        """Every kind's rows of its window (key paging by ``>ID``), several lists a batch; the portal's clock
        is read in the first batch, before any list, and ``also`` goes with it."""
        rows: dict[str, list[Mapping[str, Any]]] = {k: [] for k in windows}
        after = dict.fromkeys(windows, 0)
        todo = list(windows)
        commands: dict[str, tuple[str, Mapping[str, Any] | None]] = {"now": ("server.time", None)}
        commands |= {f"also.{k}": c for k, c in also.items()}
        now: tuple[datetime, str] | None = None
        while todo:
            for k in todo:
                commands[k] = self._list(k, windows[k], after[k])
            answer = await self.client.batch(commands)
            if answer.errors:
                raise next(iter(answer.errors.values()))
            if answer.not_run:
                raise UserFacingError(Message("pull.not_run", {"commands": ", ".join(answer.not_run)}))
            if now is None:
                now = await self._portal_now(answer.results)
                outcome.also = {k: answer.results[f"also.{k}"] for k in also}
            more = []
            for k in todo:
                method = commands[k][0]
                page = _rows(answer.results.get(k), method)
                rows[k] += page
                ids = [i for i in (_int(r.get("ID")) for r in page) if i is not None]
                if len(page) >= PAGE and ids:
                    after[k] = max(ids)
                    more.append(k)
            todo, commands = more, {}
        assert now is not None
        return rows, now[0], now[1]

    async def _settle(self, kind: str, rows: Sequence[Mapping[str, Any]], outcome: FieldPullOutcome) -> None:
        rules = self.owners.pulled(kind)
        by_id = {i: r for r in rows if (i := _int(r.get("ID"))) is not None}
        stored = await asyncio.to_thread(self.shop.keys_storing, kind, list(by_id))
        records: dict[str, Mapping[str, Any]] = {
            keys[0]: by_id[i] for i, keys in stored.items() if len(keys) == 1
        }
        # field -> key -> baseline, of the records read and of those whose CRM change still waits
        known = {r.name: await asyncio.to_thread(self._known, kind, r.name, list(records)) for r in rules}
        # CRM changes left waiting by an earlier pull are looked at again (a grant given since, …).
        # (A change a pull job holds is the runner's to write: not looked at here.)
        waiting = {
            k
            for by_key in known.values()
            for k, f in by_key.items()
            if f.pending is not None and f.state != "queued"
        }
        keys = sorted(set(records) | waiting)
        if not keys:
            return
        locks = await asyncio.to_thread(self.shop.locks)
        try:
            got = await asyncio.to_thread(locks.acquire, kind, keys, timeout=30.0)
            shop_rows = await asyncio.to_thread(self.shop.get_rows, kind, sorted(got))
            for rule in rules:
                saved: list[PullField] = []
                for key in keys:
                    prev = known[rule.name].get(key)
                    record = records.get(key)
                    if record is None:
                        if prev is None or prev.pending is None or prev.state == "queued":
                            continue
                        record = _pending_record(rule, prev)
                    if key not in got:  # another worker holds it: a pull job writes it
                        at = parse_time(record.get("DATE_MODIFY"))
                        agreed = prev.agreed if prev else None
                        saved.append(
                            queued(key, agreed, rule.crm_value(record), at, "the record was busy (locked)")
                        )
                        continue
                    row = shop_rows.get(key)
                    if row is None or row.problem:
                        continue
                    saved.append(await asyncio.to_thread(self._merge, rule, row, record, prev, outcome))
                # Still under the records' locks: the values settled here supersede the older ones of the
                # records' pull jobs (one a runner holds gets the newer value queued into it instead).
                saved = await asyncio.to_thread(supersede_settled, self.queue, kind, rule.name, saved)
                # Jobs before baselines before the cursor: a crash in between reads the change again and
                # folds it into the record's one active pull job.
                await asyncio.to_thread(enqueue_pulls, self.queue, kind, rule.name, saved)
                await asyncio.to_thread(self.queue.save_pull_fields, kind, rule.name, saved)
        finally:
            await asyncio.to_thread(locks.close)

    def _known(self, kind: str, name: str, keys: list[str]) -> dict[str, PullField]:
        return {
            **self.queue.pull_fields(kind, name, keys),
            **self.queue.pull_fields(kind, name, pending_only=True),
        }

    def _merge(
        self,
        rule: FieldRule,
        row: ShopRow,
        record: Mapping[str, Any],
        prev: PullField | None,
        outcome: FieldPullOutcome,
    ) -> PullField:
        key = row.key
        column = self.shop.column_of(rule.kind, rule.column)
        raw = None if column is None else row.raw.get(column.name)
        shop = cell_text(raw).strip()
        crm = rule.crm_value(record)
        at = parse_time(record.get("DATE_MODIFY"))
        agreed = prev.agreed if prev else None
        if rule.crm_holds(record, shop):
            return PullField(key, agreed=shop)  # the sides agree (also: our own push coming back)
        if agreed is not None and rule.crm_holds(record, agreed):
            # Only the shop changed: the push sends it. The CRM's newest value is the agreed one, which
            # settles the field: an older change a pull job carries, or one left waiting, is over.
            return PullField(key, agreed=agreed)
        shop_changed = rule.owner != "crm" and (
            rule.key(shop) != rule.key(agreed) if agreed is not None else bool(shop)
        )
        if shop_changed and row.updated_at is not None and at is not None:
            if row.updated_at >= at:
                return PullField(key, agreed=crm)  # the shop's change is the later one: the push sends it
            shop_changed = False  # the CRM's is later: it wins
        if shop_changed:
            note = conflict_note(rule.name, shop, crm, agreed)
            return self._wait(rule, key, agreed, crm, at, "conflict", note, outcome)
        try:
            won = self.shop.set_field(rule.kind, key, rule.column, crm, expected=raw)
        except ShopPermissionError as exc:
            note = Message("pull.field.denied", {"field": rule.name, "error": exc.msg})
            return self._wait(rule, key, agreed, crm, at, "not_permitted", note, outcome)
        except (ShopError, sa.exc.SQLAlchemyError) as exc:  # unreachable, erroring: the queue retries it
            reason: Note = exc.msg if isinstance(exc, ShopError) else f"{type(exc).__name__}: {exc}"
            outcome.waiting[(rule.kind, key)] = (RecordState.CHANGED_IN_CRM, reason)
            return queued(key, agreed, crm, at, reason)
        except ValueError as exc:
            note = Message("pull.field.unwritable", {"field": rule.name, "error": value_reason(exc)})
            return self._wait(rule, key, agreed, crm, at, "changed", note, outcome)
        if not won:
            note = Message("pull.field.changed", {"column": rule.column})
            return self._wait(rule, key, agreed, crm, at, "changed", note, outcome)
        outcome.written.append(
            Pulled(rule.kind, key, rule.name, crm, before=shop, portal_id=_int(record.get("ID")))
        )
        return PullField(key, agreed=crm)

    async def apply_job(
        self, kind: str, key: str, payload: Mapping[str, Any], job_id: int | None = None
    ) -> tuple[str, Note]:
        """Write a pull job's fields into the shop: the same merge and compare-and-set as a pull, under the
        record's lock (:meth:`StagePuller.apply_job` says the verdicts; ``job_id``: a field whose newer value
        a pull queued into the running job meanwhile is not written as claimed, the job's next run writes
        the newer)."""
        rules = [r for r in self.owners.pulled(kind) if isinstance(payload.get(r.name), Mapping)]
        if not rules:
            return "refused", Message("pull.no_field")
        locks = await asyncio.to_thread(self.shop.locks)
        try:
            got = await asyncio.to_thread(locks.acquire, kind, [key], timeout=30.0)
            if key not in got:
                return "retry", Message("pull.busy")
            row = (await asyncio.to_thread(self.shop.get_rows, kind, [key])).get(key)
            if row is None or row.problem:
                return "done", Message("pull.record_gone")
            newer = await asyncio.to_thread(newer_folded, self.queue, job_id, payload)
            said: list[tuple[str, Note]] = []
            for rule in rules:
                if rule.name in newer:
                    said.append(("done", Message("pull.newer_queued", {"field": rule.name})))
                    continue
                entry = payload[rule.name]
                pending = PullField(
                    key, pending=str(entry.get("value") or ""), pending_at=parse_time(entry.get("at"))
                )
                prev = (await asyncio.to_thread(self.queue.pull_fields, kind, rule.name, [key])).get(key)
                outcome = FieldPullOutcome()
                record = _pending_record(rule, pending)
                f = await asyncio.to_thread(self._merge, rule, row, record, prev, outcome)
                if f.state in ("queued", "changed"):
                    said.append(("retry", queued_reason(f.note)))
                    continue
                await asyncio.to_thread(self.queue.save_pull_fields, kind, rule.name, [f])
                if f.state == "not_permitted":
                    said.append(("refused", said_note(f.note)))
                else:
                    done = "pull.field_written" if outcome.written else "pull.field_held"
                    said.append(("done", Message(done, {"field": rule.name})))
            for verdict in ("retry", "refused"):
                if notes := [n for v, n in said if v == verdict]:
                    return verdict, joined(*notes)
            return "done", joined(*(n for _v, n in said))
        finally:
            await asyncio.to_thread(locks.close)

    @staticmethod
    def _wait(
        rule: FieldRule,
        key: str,
        agreed: str | None,
        crm: str,
        at: datetime | None,
        state: str,
        note: Message,
        outcome: FieldPullOutcome,
    ) -> PullField:
        outcome.waiting[(rule.kind, key)] = (WAITING[state], note)
        return PullField(key, agreed, crm, state, at, note.to_json())


def _pending_record(rule: FieldRule, f: PullField) -> dict[str, Any]:
    """A record holding a field's pending CRM value (what an earlier pull read), to merge it again."""
    value = f.pending or ""
    at = "" if f.pending_at is None else f.pending_at.isoformat()
    if rule.multi:
        return {rule.name: [{"VALUE": value}] if value else [], "DATE_MODIFY": at}
    return {rule.name: value, "DATE_MODIFY": at}


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


__all__ = ["OVERLAP", "FieldPullOutcome", "FieldPuller"]
