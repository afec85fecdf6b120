"""Moving a desk's queue into the team's: ``bitrix-monitor --move-queue URL``.

Every job of the desk's file — pending ones and history, each with its whole event log — is copied into
the team queue in one transaction, with the restore ledger and the merge conflicts waiting for a person.
The team queue remembers which desk job became which team job (``moved_jobs``), so a second run moves
nothing. A pending job whose record already has an active job in the team queue is not copied: that job
covers it (its log says so). The desk's pending jobs are then cancelled in the file ("moved to the team
queue"), so a desk that goes back to its file does not run them a second time.

The caller holds the desk's runner lock: no desk process works the file meanwhile.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from bitrix_monitor.messages import Message, joined
from bitrix_monitor.queue import model as m
from bitrix_monitor.queue.schema import dumps, job_events, jobs, merge_conflicts, restores
from bitrix_monitor.queue.store import JobQueue
from bitrix_monitor.queue.team import TeamQueue

ACTOR = "move-queue"
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class MoveSummary:
    pending: int  # pending jobs copied (queued, failed, in doubt; running ones as queued or in doubt)
    history: int  # finished jobs copied (done, dead, cancelled)
    covered: int  # pending jobs not copied: the team queue has an active job for their record
    events: int  # events copied
    already: int  # jobs moved by an earlier run
    restores: int
    conflicts: int

    @property
    def moved(self) -> int:
        return self.pending + self.history

    def describe(self, source: str, target: str) -> Message:
        """What was moved, as a message (``str()``: the English)."""
        where = {"source": source, "target": target}
        if not (self.moved or self.covered or self.restores or self.conflicts):
            if self.already:
                return Message("move.nothing.before", {**where, "n": self.already})
            return Message("move.nothing", where)
        said = {"n": self.moved, "pending": self.pending, "history": self.history, "events": self.events}
        parts: list[Message] = [Message("move.moved", {**where, **said})]
        if self.covered:
            parts.append(Message("move.covered", {"n": self.covered}))
        if self.restores or self.conflicts:
            parts.append(Message("move.came_along", {"restores": self.restores, "conflicts": self.conflicts}))
        if self.already:
            parts.append(Message("move.before", {"n": self.already}))
        return Message("move.done", {"summary": joined(*parts)})


def source_name(desk: JobQueue) -> str:
    """The desk queue's identity in ``moved_jobs``: this host and the file's full path."""
    return f"{socket.gethostname()}:{desk.file.resolve()}"


def move_queue(desk: JobQueue, team: TeamQueue) -> MoveSummary:
    """Copy ``desk``'s jobs into ``team`` once (see the module). The caller holds the desk's runner lock."""
    desk.reclaim_expired(all_but=ACTOR)  # a running job's runner is gone (we hold the lock)
    source = source_name(desk)
    with desk._read() as src:
        rows = [dict(r._mapping) for r in src.execute(sa.select(jobs).order_by(jobs.c.id))]
        ledger = [dict(r._mapping) for r in src.execute(sa.select(restores))]
        conflicts = [dict(r._mapping) for r in src.execute(sa.select(merge_conflicts))]
    summary = team.run_in_transaction(_copy, source, rows, ledger, conflicts, desk)
    _cancel_moved(desk, team, source)
    return summary


def _copy(
    conn: sa.Connection,
    source: str,
    rows: Sequence[dict[str, Any]],
    ledger: Sequence[dict[str, Any]],
    conflicts: Sequence[dict[str, Any]],
    desk: JobQueue,
) -> MoveSummary:
    t = desk._clock()
    moved_before = set(
        conn.execute(
            sa.text("SELECT source_job_id FROM moved_jobs WHERE source = :s"), {"s": source}
        ).scalars()
    )
    todo = [r for r in rows if r["id"] not in moved_before]
    active = {
        (r.entity_type, r.entity_key, r.family): r.id
        for r in conn.execute(
            sa.select(jobs.c.entity_type, jobs.c.entity_key, jobs.c.family, jobs.c.id)
            .where(jobs.c.state.in_(m.ACTIVE_STATES))
            .with_for_update()
        )
    }
    pending = history = covered = n_events = 0
    mapping: list[dict[str, Any]] = []
    for start in range(0, len(todo), _CHUNK):
        chunk = todo[start : start + _CHUNK]
        inserts: list[dict[str, Any]] = []
        for row in chunk:
            slot = (row["entity_type"], row["entity_key"], row["family"])
            if row["state"] in m.ACTIVE_STATES:
                if slot in active:
                    covered += 1
                    mapping.append({"s": source, "sid": row["id"], "jid": active[slot], "t": t})
                    _note(conn, t, active[slot], source, row)
                    continue
                if row["state"] == m.RUNNING:  # not after reclaim_expired; kept for safety
                    row = {**row, "state": m.QUEUED}
                pending += 1
            else:
                history += 1
            inserts.append(row)
        if not inserts:
            continue
        new_ids = list(
            conn.execute(
                jobs.insert().returning(jobs.c.id, sort_by_parameter_order=True),
                [{k: v for k, v in r.items() if k != "id"} for r in inserts],
            ).scalars()
        )
        old_to_new = dict(zip((r["id"] for r in inserts), new_ids, strict=True))
        for r, new_id in zip(inserts, new_ids, strict=True):
            mapping.append({"s": source, "sid": r["id"], "jid": new_id, "t": t})
            if r["state"] in m.ACTIVE_STATES:
                active[(r["entity_type"], r["entity_key"], r["family"])] = new_id
        n_events += _copy_events(conn, desk, old_to_new, source, t)
    if mapping:
        conn.execute(
            sa.text(
                "INSERT INTO moved_jobs (source, source_job_id, job_id, moved_at) VALUES (:s, :sid, :jid, :t)"
            ),
            mapping,
        )
    n_restores = n_conflicts = 0
    if ledger:
        n_restores = len(
            conn.execute(
                pg_insert(restores).values(ledger).on_conflict_do_nothing().returning(restores.c.restore_key)
            ).all()
        )
    if conflicts:
        n_conflicts = len(
            conn.execute(
                pg_insert(merge_conflicts)
                .values(conflicts)
                .on_conflict_do_nothing()
                .returning(merge_conflicts.c.entity_key)
            ).all()
        )
    if pending:
        conn.exec_driver_sql("NOTIFY bitrix_monitor_jobs")
    return MoveSummary(
        pending=pending,
        history=history,
        covered=covered,
        events=n_events,
        already=len(rows) - len(todo),
        restores=n_restores,
        conflicts=n_conflicts,
    )


def _copy_events(
    conn: sa.Connection, desk: JobQueue, old_to_new: dict[int, int], source: str, t: float
) -> int:
    with desk._read() as src:
        events = [
            {**dict(e._mapping), "job_id": old_to_new[e.job_id]}
            for e in src.execute(
                sa.select(job_events)
                .where(job_events.c.job_id.in_(list(old_to_new)))
                .order_by(job_events.c.id)
            )
        ]
    moved = [
        {
            "job_id": new,
            "at": t,
            "type": m.EV_MOVED,
            "actor": ACTOR,
            "detail": dumps({"from": source, "job": old}),
        }
        for old, new in old_to_new.items()
    ]
    rows = [{k: v for k, v in e.items() if k != "id"} for e in events] + moved
    conn.execute(job_events.insert(), rows)
    return len(events)


def _note(conn: sa.Connection, t: float, job_id: int, source: str, row: dict[str, Any]) -> None:
    detail = {"from": source, "job": row["id"], "kind": row["kind"], "covered": True}
    conn.execute(
        job_events.insert(),
        [{"job_id": job_id, "at": t, "type": m.EV_MOVED, "actor": ACTOR, "detail": dumps(detail)}],
    )


def _cancel_moved(desk: JobQueue, team: TeamQueue, source: str) -> None:
    """Cancel in the desk's file the pending jobs the team queue has taken over (also those of an earlier
    run that stopped before this step)."""
    with team._read() as conn:
        moved = set(
            conn.execute(
                sa.text("SELECT source_job_id FROM moved_jobs WHERE source = :s"), {"s": source}
            ).scalars()
        )
    pending = [j.id for j in desk.list_jobs(states=list(m.ACTIVE_STATES), limit=None) if j.id in moved]
    desk.cancel(pending, actor=ACTOR)
