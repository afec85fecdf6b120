"""Stage moves made in the CRM come back to the shop: read ``crm.stagehistory.list`` from a persisted ``>ID``
cursor, merge each moved deal of ours against the value both sides last agreed on, and write the shop's
status by compare-and-set under the per-record lock.

Per deal the newest history row after the cursor is the CRM's value; ``agreed`` is the baseline kept in the
job store (:class:`bitrix_monitor.queue.model.PullField`):

- the CRM's stage is the shop's → nothing to do (this is also how the app's own pushes come back: a stage
  the app sent is the shop's, so it is never taken for a CRM change);
- only the CRM changed (the shop still says ``agreed``) → the shop's status becomes the stage's status;
- only the shop changed → nothing here: the push sends it;
- both changed → the later change wins when both times are known (the shop's ``updated_at`` against the
  history row's ``CREATED_TIME``), otherwise a conflict is left for a person (the push holds off too);
- a stage with no status to write (``stage_map_back``) → "needs a stage mapping", naming it; nothing guessed.

A move the shop cannot take now (the shop unreachable or erroring, the row locked, the write refused)
becomes a ``deal.pull`` job of the queue (:func:`enqueue_pulls`), which the runner writes by the same merge
and compare-and-set (:meth:`StagePuller.apply_job`), with retries, dead with its reason, retried by staff.

The cursor moves only after every row read has been settled (written, or its job queued), so a crash reads
them again; applying one again is harmless (the compare-and-set finds the shop already holding the value:
the sides agree), and queueing one again folds into the record's one active pull job.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bitrix_monitor.bitrix import BitrixClient
from bitrix_monitor.bitrix.errors import BitrixError
from bitrix_monitor.config import OrdersMapping
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.kinds import crm_of
from bitrix_monitor.messages import Message, Note, Param
from bitrix_monitor.queue.model import PullField
from bitrix_monitor.queue.port import JobStore
from bitrix_monitor.shop import OrderRow, ShopDatabase
from bitrix_monitor.shop.errors import ShopError, ShopPermissionError
from bitrix_monitor.sync.api import Snapshot
from bitrix_monitor.sync.model import Plan, RecordState

log = logging.getLogger(__name__)

CURSOR = "stagehistory.deal"
FIELD = "STAGE_ID"
KIND = "order"
PAGE = 50
QUEUED = "queued as a pull job: "  # a queued change's note began so before notes were codes; the rest is why


def said_note(note: str) -> Note:
    """A stored pull note as the message it was stored as (a note stored before codes: its text)."""
    return Message.from_json(note) or note


def queued_reason(note: str) -> Note:
    """Why a change was queued as a pull job, from its stored note."""
    msg = Message.from_json(note)
    if msg is not None and msg.code == "pull.queued":
        reason = msg.params.get("reason", "")
        return reason if isinstance(reason, Message) else str(reason)
    return note.removeprefix(QUEUED)


def conflict_note(field: str | None, shop: str | None, crm: str | None, agreed: str | None) -> Message:
    """Changed on both sides (``field``: None for the deal's stage): the note a person reads."""
    said: dict[str, Param] = {"shop": repr(shop or "(empty)"), "crm": repr(crm or "(empty)")}
    if agreed is not None:
        said["agreed"] = repr(agreed)
    code = "pull.conflict" if field is None else "pull.field.conflict"
    return Message(
        code + ("" if agreed is None else ".before"), said | ({} if field is None else {"field": field})
    )


# What a pending CRM change waits for, as the record's state.
WAITING: dict[str, RecordState] = {
    "conflict": RecordState.CONFLICT,
    "needs_stage_mapping": RecordState.NEEDS_STAGE_MAPPING,
    "not_permitted": RecordState.CHANGED_IN_CRM,
    "changed": RecordState.CHANGED_IN_CRM,
    "queued": RecordState.CHANGED_IN_CRM,  # a pull job of the queue writes it (the puller leaves it be)
}


@dataclass(frozen=True, slots=True)
class Move:
    """A deal's newest stage in the history read: the CRM's side of the merge."""

    deal_id: int
    stage: str
    category: int | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Pulled:
    """One field value a pull wrote into the shop (a contact's ``PHONE``, …; stages are in ``pulled``)."""

    kind: str
    key: str
    field: str
    value: str
    before: str = ""  # the shop's value it replaced
    portal_id: int | None = None  # the portal record it came from


@dataclass(frozen=True, slots=True)
class StageMoved:
    """A stage move made in the CRM that a pull wrote into the shop: for the activity log."""

    key: str  # the order's
    deal_id: int | None
    before: str | None  # the stage both sides held before (else the shop's)
    stage: str  # the stage the CRM moved the deal to
    status: str  # what was written into the order's status


@dataclass
class PullOutcome:
    """What one pull did. ``waiting``: order key → (state, note) of the stage moves not applied; ``fields``
    and ``fields_waiting``: the same for the other fields the CRM may change, of every kind."""

    read: int = 0  # history rows read (and records read by DATE_MODIFY)
    pulled: dict[str, str] = field(default_factory=dict)  # shop key → the status written
    moved: list[StageMoved] = field(default_factory=list)  # the same, with the deal and the stages
    waiting: dict[str, tuple[RecordState, Note]] = field(default_factory=dict)
    fields: list[Pulled] = field(default_factory=list)
    fields_waiting: dict[tuple[str, str], tuple[RecordState, Note]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether the pull wrote anything into the shop."""
        return bool(self.pulled or self.fields)

    def written(self) -> dict[str, set[str]]:
        """Kind → keys of the shop records the pull wrote to."""
        out: dict[str, set[str]] = {KIND: set(self.pulled)} if self.pulled else {}
        for p in self.fields:
            out.setdefault(p.kind, set()).add(p.key)
        return out

    def count(self, state: RecordState) -> int:
        return sum(1 for s, _n in self.waiting.values() if s is state)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time of the portal (with its offset) as an aware UTC instant; None when not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _items(result: Any) -> list[Mapping[str, Any]]:
    """The rows of a ``crm.stagehistory.list`` answer (``{"items": [...]}``); any other shape is the portal's
    fault, said once (:class:`UserFacingError`), not taken for "nothing moved"."""
    items = result.get("items") if isinstance(result, Mapping) else None
    if not isinstance(items, list):
        raise UserFacingError(
            Message("pull.not_history", {"type": type(result).__name__}), hint=Message("pull.answer.hint")
        )
    return [r for r in items if isinstance(r, Mapping)]


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


class StagePuller:
    """Pulls stage moves into the shop's status column, for ``[shop.orders.owners] STAGE_ID`` = both/crm."""

    def __init__(
        self, shop: ShopDatabase, client: BitrixClient, queue: JobStore, orders: OrdersMapping
    ) -> None:
        self.shop = shop
        self.client = client
        self.queue = queue
        self.orders = orders

    @property
    def enabled(self) -> bool:
        return self.orders.stage_owner != "shop" and bool(self.orders.stage)

    async def newest_id(self) -> int:
        """The id of the newest stage history row (0 when there is none)."""
        answer = await self.client.call(
            "crm.stagehistory.list",
            {"entityTypeId": 2, "order": {"ID": "DESC"}, "select": ["ID"], "start": -1},
        )
        ids = [_int(r.get("ID")) for r in _items(answer.result)]
        return max((i for i in ids if i is not None), default=0)

    @staticmethod
    def page(after: int) -> tuple[str, dict[str, Any]]:
        """The command that reads the history's rows after id ``after``."""
        return "crm.stagehistory.list", {
            "entityTypeId": 2,
            "filter": {">ID": after},
            "order": {"ID": "ASC"},
            "select": ["ID", "OWNER_ID", "STAGE_ID", "CATEGORY_ID", "CREATED_TIME"],
            "start": -1,
        }

    async def first_page(self) -> tuple[int, tuple[str, dict[str, Any]]] | None:
        """The cursor and the command of the next pull's first page, for a caller that sends it in a batch of
        its own (:meth:`run` ``first=``); None when nothing is pulled or the history is read for the first
        time."""
        if not self.enabled:
            return None
        after = await asyncio.to_thread(self.queue.pull_cursor, CURSOR)
        return None if after is None else (after, self.page(after))

    async def read_moves(self, after: int, first: Any = None) -> tuple[dict[int, Move], int, int]:
        """The newest row per deal after ``after`` (key paging by ``>ID``), the last id and rows read;
        ``first``: the first page's answer, already read."""
        moves: dict[int, Move] = {}
        last, read = after, 0
        while True:
            if first is not None:
                result, first = first, None
            else:
                result = (await self.client.call(*self.page(last))).result
            rows = _items(result)
            for row in rows:
                ident, owner = _int(row.get("ID")), _int(row.get("OWNER_ID"))
                if ident is None or owner is None:
                    continue
                last = max(last, ident)
                read += 1
                stage = row.get("STAGE_ID")
                if isinstance(stage, str) and stage:
                    moves[owner] = Move(
                        owner, stage, _int(row.get("CATEGORY_ID")), parse_time(row.get("CREATED_TIME"))
                    )
            if len(rows) < PAGE:
                return moves, last, read

    async def run(self, first: tuple[int, Any] | None = None) -> PullOutcome:
        """One pull; ``first``: the cursor a caller read the first page from (:meth:`first_page`) and that
        page's answer, sent in the caller's batch."""
        outcome = PullOutcome()
        if not self.enabled:
            return outcome
        after = await asyncio.to_thread(self.queue.pull_cursor, CURSOR)
        if after is None:
            # The first pull starts at the history's end: what was moved before the app pulled is not taken
            # for a change (the shop's statuses stand, as before); the push's rows after it agree.
            await asyncio.to_thread(self.queue.set_pull_cursor, CURSOR, await self.newest_id())
            return outcome
        page = None
        if first is not None and first[0] == after:  # else another runner moved the cursor: read afresh
            page = first[1]
        moves, last, outcome.read = await self.read_moves(after, page)
        stored = await asyncio.to_thread(self.shop.keys_storing, KIND, list(moves))
        known = await asyncio.to_thread(self._known, [k for keys in stored.values() for k in keys])
        by_key: dict[str, Move] = {}
        for deal_id, keys in stored.items():
            move = moves[deal_id]
            if len(keys) == 1 and (move.category is None or move.category == self.orders.category):
                by_key[keys[0]] = move
        # CRM changes left waiting by an earlier pull are looked at again (a mapping added since, a grant).
        for key, f in known.items():
            if f.pending is not None and key not in by_key and f.state != "queued":
                by_key[key] = Move(0, f.pending, None, f.pending_at)
        if by_key:
            await self._settle(by_key, known, outcome)
        if last != after:
            await asyncio.to_thread(self.queue.set_pull_cursor, CURSOR, last)
        if outcome.pulled:
            log.info("pulled %d stage moves from the CRM into the shop", len(outcome.pulled))
        return outcome

    def _known(self, keys: list[str]) -> dict[str, PullField]:
        """The baselines of these records and of every record whose CRM stage still waits."""
        return {
            **self.queue.pull_fields(KIND, FIELD, keys),
            **self.queue.pull_fields(KIND, FIELD, pending_only=True),
        }

    async def _settle(
        self, by_key: dict[str, Move], known: Mapping[str, PullField], outcome: PullOutcome
    ) -> None:
        locks = await asyncio.to_thread(self.shop.locks)
        try:
            got = await asyncio.to_thread(locks.acquire, KIND, sorted(by_key), timeout=30.0)
            orders = await asyncio.to_thread(self.shop.get_orders, sorted(got))
            saved: list[PullField] = []
            for key in sorted(got):
                order = orders.get(key)
                if order is None:
                    continue
                saved.append(
                    await asyncio.to_thread(self._merge, order, by_key[key], known.get(key), outcome)
                )
            # Keys another worker held: their changes become pull jobs, which the runner writes with retries.
            for key in sorted(set(by_key) - got):
                move = by_key[key]
                prev = known.get(key) or PullField(key)
                saved.append(queued(key, prev.agreed, move.stage, move.at, "the record was busy (locked)"))
            # Still under the records' locks: the values settled here supersede the older ones of the
            # records' pull jobs (one a runner holds gets the newer value queued into it instead).
            saved = await asyncio.to_thread(supersede_settled, self.queue, KIND, FIELD, saved)
            # The jobs are in the queue before the baselines and, after them, the cursor move: a crash in
            # between reads the change again and finds its job queued (one active pull job per record).
            await asyncio.to_thread(enqueue_pulls, self.queue, KIND, FIELD, saved)
            await asyncio.to_thread(self.queue.save_pull_fields, KIND, FIELD, saved)
        finally:
            await asyncio.to_thread(locks.close)

    def _merge(self, order: OrderRow, move: Move, prev: PullField | None, outcome: PullOutcome) -> PullField:
        key, crm = order.key, move.stage
        agreed = prev.agreed if prev else None
        shop_stage = order.stage
        if crm == shop_stage:
            return PullField(key, agreed=crm)  # the sides agree (also: our own push coming back)
        shop_changed = self.orders.stage_owner != "crm" and agreed != shop_stage
        crm_changed = agreed != crm
        if not crm_changed:
            # Only the shop changed: the push sends it. The CRM's newest stage is the agreed one, which
            # settles the field: an older move a pull job carries, or one left waiting, is over.
            return PullField(key, agreed=agreed)
        if shop_changed:
            if agreed is None and shop_stage is None:
                shop_changed = False
            elif order.updated_at is not None and move.at is not None:
                if order.updated_at >= move.at:
                    # The shop's change is the later one: the CRM's is seen and overruled, so the push
                    # sends the shop's stage over it (the push sends a "both" field only over the baseline).
                    return PullField(key, agreed=crm)
                shop_changed = False  # the CRM's is later: it wins
        if shop_changed:
            note = conflict_note(None, shop_stage, crm, agreed)
            return self._wait(key, agreed, move, "conflict", note, outcome)
        status = self.orders.status_for(crm)
        if status is None:
            note = Message("pull.no_status", {"stage": repr(crm)})
            return self._wait(key, agreed, move, "needs_stage_mapping", note, outcome)
        seen = order.raw.get(self.orders.stage)
        expected = None if seen is None else str(seen)
        try:
            won = self.shop.set_status(key, status, expected=expected)
        except ShopPermissionError as exc:
            note = Message("pull.stage_denied", {"error": exc.msg})
            return self._wait(key, agreed, move, "not_permitted", note, outcome)
        except (ShopError, sa.exc.SQLAlchemyError) as exc:  # unreachable, erroring: the queue retries it
            reason: Note = exc.msg if isinstance(exc, ShopError) else f"{type(exc).__name__}: {exc}"
            outcome.waiting[key] = (RecordState.CHANGED_IN_CRM, reason)
            return queued(key, agreed, move.stage, move.at, reason)
        if not won:
            note = Message("pull.status_changed")
            return self._wait(key, agreed, move, "changed", note, outcome)
        outcome.pulled[key] = status
        before = agreed if agreed is not None else shop_stage
        outcome.moved.append(StageMoved(key, order.deal_id, before, crm, status))
        return PullField(key, agreed=crm)

    async def apply_job(
        self, key: str, payload: Mapping[str, Any], job_id: int | None = None
    ) -> tuple[str, Note]:
        """Write a pull job's stage into the shop: the same merge and compare-and-set as a pull, under the
        record's lock. Returns ("done", what) when the change holds now (written, or the shop already held
        it, or it became a state for a person: a conflict, a missing mapping), else ("retry"|"refused",
        why). A shop that cannot be reached raises (the runner retries the job).

        ``job_id``: the running job ``payload`` was claimed with. A pull that settled a newer value of the
        stage meanwhile queued it into that job (:func:`supersede_settled`); read again under the lock, the
        job then carries another value, and the claimed older one is not written (done: the job runs again,
        "changed again", and writes the newer)."""
        entry = payload.get(FIELD)
        if not isinstance(entry, Mapping) or not isinstance(entry.get("value"), str):
            return "refused", Message("pull.no_value", {"field": FIELD})
        move = Move(0, entry["value"], None, parse_time(entry.get("at")))
        locks = await asyncio.to_thread(self.shop.locks)
        try:
            got = await asyncio.to_thread(locks.acquire, KIND, [key], timeout=30.0)
            if key not in got:
                return "retry", Message("pull.busy")
            if FIELD in await asyncio.to_thread(newer_folded, self.queue, job_id, payload):
                return "done", Message("pull.newer_queued", {"field": FIELD})
            order = (await asyncio.to_thread(self.shop.get_orders, [key])).get(key)
            if order is None:
                return "done", Message("pull.order_gone")
            prev = (await asyncio.to_thread(self.queue.pull_fields, KIND, FIELD, [key])).get(key)
            outcome = PullOutcome()
            f = await asyncio.to_thread(self._merge, order, move, prev, outcome)
            if f.state in ("queued", "changed"):
                return "retry", queued_reason(f.note)  # the job keeps the change: merged afresh next
            await asyncio.to_thread(self.queue.save_pull_fields, KIND, FIELD, [f])
            if f.state == "not_permitted":
                return "refused", said_note(f.note)
            if outcome.pulled:
                return "done", Message("pull.status_written", {"status": repr(outcome.pulled[key])})
            return "done", said_note(f.note) if f.note else Message("pull.already")
        finally:
            await asyncio.to_thread(locks.close)

    @staticmethod
    def _wait(
        key: str, agreed: str | None, move: Move, state: str, note: Message, outcome: PullOutcome
    ) -> PullField:
        outcome.waiting[key] = (WAITING[state], note)
        return PullField(key, agreed, move.stage, state, move.at, note.to_json())

    async def movers(self, deal_ids: Sequence[int]) -> dict[int, str]:
        """Who moved each deal last, as the portal says (``MOVED_BY_ID``: the stage history names no one),
        read in one batch of lists per 2,500 deals; {} when the portal does not answer (only the activity
        log is poorer for it)."""
        ids = sorted({i for i in deal_ids if i > 0})
        commands = [
            (
                "crm.deal.list",
                {"filter": {"@ID": ids[i : i + PAGE]}, "select": ["ID", "MOVED_BY_ID"], "start": -1},
            )
            for i in range(0, len(ids), PAGE)
        ]
        if not commands:
            return {}
        try:
            answer = await self.client.batch(commands)
        except BitrixError as exc:
            log.info("who moved the deals pulled: not read (%s)", exc)
            return {}
        out: dict[int, str] = {}
        for rows in answer.results.values():
            for row in rows if isinstance(rows, list) else ():
                if not isinstance(row, Mapping):
                    continue
                ident, by = _int(row.get("ID")), row.get("MOVED_BY_ID")
                if ident is not None and isinstance(by, str | int) and str(by).strip():
                    out[ident] = str(by).strip()
        return out

    async def remember_agreed(self, statuses: Sequence[tuple[str, str]]) -> None:
        """Records found in sync agree on their stage: that is the baseline of the next merge."""
        if not self.enabled:
            return
        known = await asyncio.to_thread(self.queue.pull_fields, KIND, FIELD)
        fresh = [
            PullField(key, agreed=stage)
            for key, stage in statuses
            if (f := known.get(key)) is None or f.agreed != stage or f.pending is not None
        ]
        await asyncio.to_thread(self.queue.save_pull_fields, KIND, FIELD, fresh)

    async def waiting(self) -> dict[str, tuple[RecordState, Note]]:
        """Shop key → (state, note) of every CRM change not applied to the shop."""
        if not self.enabled:
            return {}
        known = await asyncio.to_thread(self.queue.pull_fields, KIND, FIELD)
        return {
            k: (WAITING.get(f.state, RecordState.CHANGED_IN_CRM), said_note(f.note))
            for k, f in known.items()
            if f.pending
        }


def queued(key: str, agreed: str | None, value: str, at: datetime | None, reason: Note) -> PullField:
    """The pending change of a record the shop could not take now, to be written by a pull job."""
    return PullField(key, agreed, value, "queued", at, Message("pull.queued", {"reason": reason}).to_json())


def supersede_settled(
    queue: JobStore, kind_name: str, name: str, fields: Sequence[PullField]
) -> list[PullField]:
    """The changes a pull settled here with no job (written, found in the shop already, left for a person:
    every one not ``queued``) are the newest values of their field: the older ones leave the records' pull
    jobs (:meth:`~bitrix_monitor.queue.store.JobQueue.supersede_pull_fields`), so none is written over them
    by a retry or a run. Called under the records' locks, after the writes. A record whose pull job a runner
    holds keeps it as it is: its change is returned ``queued`` instead, and :func:`enqueue_pulls` folds it
    into that job (changed again: it runs once more after the runner, whose write sees the newer value
    folded in and skips the older, :func:`newer_folded`). Returns ``fields`` so amended."""
    settled = [(f.entity_key, name) for f in fields if f.state != "queued"]
    if not settled:
        return list(fields)
    busy = {key for key, _name in queue.supersede_pull_fields(kind_name, settled, actor="pull")}
    reason = Message("pull.runner_holds")

    def value(f: PullField) -> str:  # the CRM's value the pull settled: pending, else agreed on
        return (f.agreed or "") if f.pending is None else f.pending

    return [
        queued(f.entity_key, f.agreed, value(f), f.pending_at, reason)
        if f.entity_key in busy and f.state != "queued"
        else f
        for f in fields
    ]


def newer_folded(queue: JobStore, job_id: int | None, payload: Mapping[str, Any]) -> set[str]:
    """The fields of a claimed pull job's ``payload`` whose value the job no longer carries as claimed: a
    newer change folded into it since (it runs again, "changed again", with that one). Read under the
    record's lock, after a pull that settled a newer value queued it there (:func:`supersede_settled`).
    None for ``job_id``: nothing to compare (a caller with no job)."""
    if job_id is None:
        return set()
    job = queue.get(job_id)
    if job is None:
        return set()
    return {name for name, entry in payload.items() if job.payload.get(name) != entry}


def enqueue_pulls(queue: JobStore, kind_name: str, name: str, fields: Sequence[PullField]) -> None:
    """Queue a pull job for every change left ``queued`` (into a record's active pull job, when it has one:
    its payload keeps one entry per field). The change supersedes the value of its field in the record's dead
    and cancelled pull jobs (:meth:`~bitrix_monitor.queue.store.JobQueue.enqueue_many`)."""
    items = [
        (f"{crm_of(kind_name)}.pull", f.entity_key, pull_payload(name, f))
        for f in fields
        if f.state == "queued"
    ]
    if items:
        queue.enqueue_many(items, created_by="pull")


def pull_payload(name: str, f: PullField) -> dict[str, Any]:
    """A pull job's payload: the field, the CRM's value and its portal time (folding keeps one per field)."""
    at = None if f.pending_at is None else f.pending_at.isoformat()
    return {name: {"value": f.pending, "at": at, "why": f.note}}


def hold_waiting(
    snapshot: Snapshot, waiting: Mapping[str, tuple[RecordState, Note]], kind_name: str = KIND
) -> Snapshot:
    """The snapshot with every record of ``kind_name`` whose CRM change is not applied yet shown in its pull
    state, and held: the push must not send the shop's old value over a change made in the CRM."""
    if not waiting:
        return snapshot
    statuses = list(snapshot.statuses(kind_name))
    counts = snapshot.counts_of(kind_name)
    held: set[str] = set()
    for i, s in enumerate(statuses):
        found = waiting.get(s.key)
        if found is None or s.state not in (RecordState.OUTDATED, RecordState.IN_SYNC):
            continue
        state, note = found
        statuses[i] = s.replace(state=state, hold=note, note=note)
        counts = dataclasses.replace(
            counts,
            **{
                s.state.value: getattr(counts, s.state.value) - 1,
                state.value: getattr(counts, state.value) + 1,
            },
        )
        held.add(s.key)
    if not held:
        return snapshot
    prefix = f"{crm_of(kind_name)}."
    jobs = tuple(j for j in snapshot.plan.jobs if not (j.entity_key in held and j.kind.startswith(prefix)))
    return dataclasses.replace(
        snapshot,
        records={**snapshot.records, kind_name: tuple(statuses)},
        counts={**snapshot.counts, kind_name: counts},
        plan=Plan(jobs),
    )


__all__ = [
    "CURSOR",
    "Move",
    "PullOutcome",
    "Pulled",
    "StageMoved",
    "StagePuller",
    "enqueue_pulls",
    "hold_waiting",
    "newer_folded",
    "parse_time",
    "pull_payload",
    "queued",
    "supersede_settled",
]
