"""Local queue benchmark: throughput of the SQLite job queue, on an empty file and with a large history.

Each figure is measured twice in one run -- on a fresh queue file, and on one that already holds
``--history`` done jobs (default 1,000,000, each with three events, bulk-inserted) -- and printed with the
ratio with-history ÷ empty, so the table holds on a noisy machine:

* enqueue (bulk): ``enqueue_many`` of new jobs, 5,000 per call. Target ≥ 10,000/s.
* enqueue (folding): the same keys queued again, each folding into its queued job.
* claim+complete: ``claim`` 50 of one kind, ``complete_many`` them. Target ≥ 5,000 jobs/s.
* claim+sending+complete: the engine's cycle, with the write-ahead ``mark_sending`` in between.
* event log: ``record_events`` in batches of 500.

Throughput is meant to stay flat (within 20 %) from the empty queue to the full history. The open time
(migration check, WAL, integrity check, lease reclaim) and a ``counts()`` call are shown for information.

    .venv/bin/python -m benchmarks.queue [--quick] [--history N] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bitrix_monitor.queue import JobQueue

KINDS = ("deal.create", "deal.update", "contact.create", "contact.update")
ENQUEUE_TARGET = 10_000
CLAIM_TARGET = 5_000
FLAT_WITHIN = 0.20


@dataclass
class Figure:
    name: str
    unit: str
    empty: float = 0.0
    history: float = 0.0
    target: float | None = None  # a minimum rate
    flat: bool = True  # is "flat within 20 %" a target for this row

    @property
    def ratio(self) -> float:
        return self.history / self.empty if self.empty else 0.0

    def verdict(self) -> str:
        notes = []
        if self.target is not None:
            lowest = min(self.empty, self.history)
            notes.append("rate ok" if lowest >= self.target else f"rate MISSED (< {self.target:,.0f})")
        if self.flat:
            notes.append("flat" if abs(self.ratio - 1) <= FLAT_WITHIN else "NOT flat")
        return ", ".join(notes)


def build_history(path: Path, n: int) -> float:
    """Bulk-insert ``n`` done jobs with three events each (enqueued, claimed, completed). Returns seconds."""
    JobQueue.open(path).close()  # create the schema
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        now = time.time() - 86_400 * 30
        step = 50_000
        for start in range(0, n, step):
            ids = range(start + 1, min(n, start + step) + 1)
            conn.executemany(
                "INSERT INTO jobs (id, kind, entity_type, entity_key, family, payload, state, attempts,"
                " next_run_at, result, created_at, updated_at, created_by, changed_again)"
                " VALUES (?, ?, ?, ?, 'sync', '{}', 'done', 1, ?, ?, ?, ?, 'sync', 0)",
                (
                    (
                        i,
                        KINDS[i % 4],
                        KINDS[i % 4].split(".")[0],
                        f"hist-{i}",
                        now + i * 0.01,
                        json.dumps({"id": i}),
                        now + i * 0.01,
                        now + i * 0.01,
                    )
                    for i in ids
                ),
            )
            conn.executemany(
                "INSERT INTO job_events (job_id, at, type, actor, detail) VALUES (?, ?, ?, 'sync', ?)",
                (
                    (i, now + i * 0.01, type_, detail)
                    for i in ids
                    for type_, detail in (
                        ("enqueued", '{"kind":"deal.create","payload":null}'),
                        ("claimed", '{"attempt":1}'),
                        ("completed", f'{{"result":{{"id":{i}}}}}'),
                    )
                ),
            )
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return time.perf_counter() - started


def _rate(count: int, action: Callable[[], int]) -> float:
    started = time.perf_counter()
    done = action()
    seconds = time.perf_counter() - started
    assert done == count, f"expected {count}, processed {done}"
    return count / seconds


def open_timed(path: Path) -> tuple[JobQueue, float]:
    started = time.perf_counter()
    queue = JobQueue.open(path)
    return queue, (time.perf_counter() - started) * 1000


def measure_round(queue: JobQueue, jobs: int, round_: int) -> dict[str, float]:
    """One round of every figure on one queue; leaves no active job behind."""
    out: dict[str, float] = {}
    items = [(KINDS[i % 4], f"new-{round_}-{i}", None) for i in range(jobs)]

    def enqueue() -> int:
        return sum(
            queue.enqueue_many(items[s : s + 5000], created_by="bench").created for s in range(0, jobs, 5000)
        )

    out["enqueue"] = _rate(jobs, enqueue)

    def fold() -> int:
        return sum(
            queue.enqueue_many(items[s : s + 5000], created_by="bench").folded for s in range(0, jobs, 5000)
        )

    out["fold"] = _rate(jobs, fold)
    half = jobs // 2

    def claim_complete(with_sending: bool) -> Callable[[], int]:
        def run() -> int:
            done = 0
            while done < half:
                claimed = queue.claim("bench", limit=min(50, half - done))
                ids = [j.id for j in claimed]
                if with_sending:
                    ids = queue.mark_sending("bench", ids, {"method": "crm.deal.add"})
                done += len(queue.complete_many("bench", [(i, {"id": i}) for i in ids]))
            return done

        return run

    out["claim"] = _rate(half, claim_complete(False))
    out["claim_sending"] = _rate(half, claim_complete(True))

    target_ids = [j.id for j in queue.list_jobs(states=["done"], limit=500)]
    entries = [(target_ids[k % len(target_ids)], "sent", {"batch": k // 50, "n": k}) for k in range(jobs)]

    def events() -> int:
        return sum(queue.record_events(entries[s : s + 500], actor="bench") for s in range(0, jobs, 500))

    out["events"] = _rate(jobs, events)
    started = time.perf_counter()
    queue.counts()
    out["counts"] = (time.perf_counter() - started) * 1000
    return out


def best(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Best of the rounds: the highest rate, the lowest time in ms."""
    return {key: (min if key in ("counts", "open") else max)(r[key] for r in rounds) for key in rounds[0]}


def render(figures: list[Figure], history: int, jobs: int, build_seconds: float) -> str:
    lines = [
        f"Local queue: {jobs:,} jobs per measurement; history = {history:,} done jobs "
        f"+ {3 * history:,} events (built in {build_seconds:.1f} s)",
        "",
        f"| {'measure':<32} | {'empty':>12} | {'with history':>12} | {'ratio':>6} | verdict",
        f"|{'-' * 34}|{'-' * 14}|{'-' * 14}|{'-' * 8}|{'-' * 30}",
    ]
    for f in figures:
        lines.append(
            f"| {f.name + ' (' + f.unit + ')':<32} | {f.empty:>12,.0f} | {f.history:>12,.0f} | "
            f"{f.ratio:>6.2f} | {f.verdict()}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.queue", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="100,000 history rows and 10,000 jobs")
    p.add_argument("--history", type=int, default=None, help="done jobs in the history (default 1,000,000)")
    p.add_argument("--jobs", type=int, default=None, help="jobs per measurement (default 20,000)")
    p.add_argument("--rounds", type=int, default=5, help="rounds per figure; the best is shown (default 5)")
    args = p.parse_args(argv)
    history = args.history if args.history is not None else (100_000 if args.quick else 1_000_000)
    jobs = args.jobs if args.jobs is not None else (10_000 if args.quick else 20_000)

    with tempfile.TemporaryDirectory(prefix="bm-queue-bench-") as tmp:
        empty_path, full_path = Path(tmp) / "empty.sqlite3", Path(tmp) / "history.sqlite3"
        build_seconds = build_history(full_path, history)
        empty_queue, empty_open = open_timed(empty_path)
        full_queue, full_open = open_timed(full_path)
        empty_rounds: list[dict[str, float]] = []
        full_rounds: list[dict[str, float]] = []
        try:
            for round_ in range(args.rounds):  # interleaved, so machine noise hits both sides alike
                empty_rounds.append(measure_round(empty_queue, jobs, round_))
                full_rounds.append(measure_round(full_queue, jobs, round_))
        finally:
            empty_queue.close()
            full_queue.close()
        empty = best(empty_rounds) | {"open": empty_open}
        full = best(full_rounds) | {"open": full_open}

    figures = [
        Figure("enqueue, bulk", "jobs/s", target=ENQUEUE_TARGET),
        Figure("enqueue, folding", "jobs/s"),
        Figure("claim+complete", "jobs/s", target=CLAIM_TARGET),
        Figure("claim+sending+complete", "jobs/s", target=CLAIM_TARGET),
        Figure("event log", "events/s"),
        Figure("open", "ms", flat=False),
        Figure("counts()", "ms", flat=False),
    ]
    for figure, key in zip(
        figures, ("enqueue", "fold", "claim", "claim_sending", "events", "open", "counts"), strict=True
    ):
        figure.empty, figure.history = empty[key], full[key]
    print(render(figures, history, jobs, build_seconds))
    missed = [f for f in figures if "MISSED" in f.verdict() or "NOT" in f.verdict()]
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
