"""Team queue benchmark: throughput of the job queue in PostgreSQL, with 1, 4 and 8 runners at once.

Runs on a fresh database of its own (``bm_bench_<random>``, dropped afterwards) on the server named by
``BM_BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``, a superuser
that may create databases). Each figure is measured on the empty queue and again after ``--history`` done
jobs (three events each) were bulk-inserted, with the ratio with-history ÷ empty, so it holds on a noisy
machine:

* enqueue (bulk): ``enqueue_many`` of new jobs, 5,000 per call.
* claim+complete, N runners: N processes each ``claim`` 50 of one kind and ``complete_many`` them until
  the queue is empty; jobs/s over all of them. Target ≥ 2,000 jobs/s with 4 runners.
* claim+complete, 4 runners, one statement per step (before): the same with the file queue's claim and
  complete (several statements and round trips per batch, one row per statement for the events), which
  the team queue used until it made each of them one statement: the before/after of that change, in the
  same run.
* pick-up latency: a runner waits in ``wait_for_jobs``; a desk queues one job; the time until the runner
  has claimed it (via NOTIFY), p50 and p95 of ``--pickups`` samples. Target p95 ≤ 1 s.
* shared request budget: 4 runner processes call the portal emulator (standard plan: burst 50, 2 req/s)
  as fast as they may for ``--budget-seconds``, every one taking its requests from the budget in the
  queue's database: the portal's requests per second after the first burst (target ≤ 2) and the requests
  it refused (target 0).

The history is written in bulk and checkpointed before the second round, so that round measures a queue
with a long history rather than the server writing out a 4-million-row load.

    .venv/bin/python -m benchmarks.queue_pg [--quick] [--history N] [--jobs N]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from bitrix_monitor.bitrix import BitrixClient
from bitrix_monitor.config import PLANS
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.queue import JobQueue, TeamQueue

ADMIN_URL = os.environ.get("BM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
KINDS = ("deal.create", "deal.update", "contact.create", "contact.update")
CLAIM_TARGET = 2_000  # jobs/s with 4 runners
PICKUP_TARGET = 1.0  # seconds, p95
FLAT_WITHIN = 0.20
RUNNERS = (1, 4, 8)


@contextmanager
def fresh_database() -> Iterator[str]:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"bm_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def build_history(url: str, n: int) -> float:
    """``n`` done jobs with three events each, in one statement per table. Returns seconds."""
    started = time.perf_counter()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        t0 = time.time() - 86_400 * 30
        conn.exec_driver_sql(
            "INSERT INTO jobs (kind, entity_type, entity_key, family, payload, state, attempts, next_run_at,"
            " result, created_at, updated_at, created_by, changed_again)"
            " SELECT (ARRAY['deal.create','deal.update','contact.create','contact.update'])[1 + i %% 4],"
            " (ARRAY['deal','deal','contact','contact'])[1 + i %% 4], 'hist-' || i, 'sync', '{}', 'done', 1,"
            f" {t0} + i * 0.01, '{{\"id\":' || i || '}}', {t0} + i * 0.01, {t0} + i * 0.01, 'sync', false"
            f" FROM generate_series(1, {n}) AS i"
        )
        conn.exec_driver_sql(
            "INSERT INTO job_events (job_id, at, type, actor, detail)"
            " SELECT j.id, j.created_at, t.type, 'sync', t.detail FROM jobs j CROSS JOIN (VALUES"
            " ('enqueued', '{\"kind\":\"deal.create\",\"payload\":null}'), ('claimed', '{\"attempt\":1}'),"
            " ('completed', '{\"result\":{}}')) AS t(type, detail) WHERE j.entity_key LIKE 'hist-%%'"
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        conn.exec_driver_sql("CHECKPOINT")  # the load's dirty pages written now, not during the measurement
    engine.dispose()
    return time.perf_counter() - started


def enqueue_rate(queue: TeamQueue, jobs: int, tag: str) -> float:
    items = [(KINDS[i % 4], f"{tag}-{i}", None) for i in range(jobs)]
    started = time.perf_counter()
    created = sum(
        queue.enqueue_many(items[s : s + 5000], created_by="bench").created for s in range(0, jobs, 5000)
    )
    seconds = time.perf_counter() - started
    assert created == jobs, (created, jobs)
    return jobs / seconds


class StepByStep(TeamQueue):
    """The team queue with the file queue's claim and complete: several statements per batch (the before)."""

    claim = JobQueue.claim  # type: ignore[assignment]
    complete_many = JobQueue.complete_many  # type: ignore[assignment]
    _add_events = JobQueue._add_events
    _write_finished = JobQueue._write_finished


def _runner(url: str, name: str, ready: Any, start: Any, out: Any, before: bool = False) -> None:
    queue = (StepByStep if before else TeamQueue).connect(url, reclaim=False, pool_size=1)
    queue.counts()  # connected
    ready.put(name)
    start.wait()
    done = 0
    while claimed := queue.claim(name, limit=50):
        done += len(queue.complete_many(name, [(j.id, {"id": j.id}) for j in claimed]))
    queue.close()
    out.put(done)


def claim_rate(url: str, runners: int, jobs: int, *, before: bool = False) -> float:
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    ready = ctx.Queue()
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_runner, args=(url, f"bench-{n}", ready, start, out, before))
        for n in range(runners)
    ]
    for p in procs:
        p.start()
    for _ in procs:  # the clock starts when every runner is connected and ready to claim
        ready.get(timeout=120)
    started = time.perf_counter()
    start.set()
    total = sum(out.get(timeout=600) for _ in procs)
    seconds = time.perf_counter() - started
    for p in procs:
        p.join()
    assert total == jobs, (total, jobs)
    return jobs / seconds


def _pick_up(runner: TeamQueue, ready: threading.Event, claimed_at: list[float]) -> None:
    ready.set()
    while not runner.wait_for_jobs(5.0):
        pass
    while not (jobs := runner.claim("pickup")):
        pass
    claimed_at.append(time.perf_counter())
    runner.complete_many("pickup", [(j.id, None) for j in jobs])


def pickup_latencies(url: str, samples: int) -> list[float]:
    runner = TeamQueue.connect(url, reclaim=False)
    desk = TeamQueue.connect(url, reclaim=False)
    latencies: list[float] = []
    try:
        runner.wait_for_jobs(0.01)  # listening
        for i in range(samples):
            ready = threading.Event()
            claimed_at: list[float] = []
            t = threading.Thread(target=_pick_up, args=(runner, ready, claimed_at))
            t.start()
            ready.wait()
            time.sleep(0.05)
            queued_at = time.perf_counter()
            desk.enqueue("deal.update", f"pickup-{i}")
            t.join(timeout=30)
            latencies.append(claimed_at[0] - queued_at)
    finally:
        runner.close()
        desk.close()
    return latencies


def _budget_runner(url: str, webhook: str, seconds: float, ready: Any, start: Any, out: Any) -> None:
    queue = TeamQueue.connect(url, reclaim=False, pool_size=1)
    plan = PLANS["standard"]
    client = BitrixClient(webhook, plan=plan)
    client.share_budget(queue.budget(client.webhook.portal_base, plan.burst, plan.drain))
    client.share_operating(
        queue.operating_budget(f"{client.webhook.portal_base}/rest/{client.webhook.user_id}")
    )

    async def calls() -> int:
        end = time.monotonic() + seconds
        n = 0
        while time.monotonic() < end:
            await client.call("crm.deal.list", {"select": ["ID"]})
            n += 1
        await client.aclose()
        return n

    ready.put(True)
    start.wait()
    out.put(asyncio.run(calls()))
    queue.close()


def shared_budget(url: str, runners: int, seconds: float) -> dict[str, float]:
    """Runners calling the emulator at the standard plan through one budget in the queue's database."""
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    ready = ctx.Queue()
    out = ctx.Queue()
    plan = PLANS["standard"]
    with PortalEmulator(limits="standard") as portal:
        procs = [
            ctx.Process(target=_budget_runner, args=(url, portal.webhook_url, seconds, ready, start, out))
            for _ in range(runners)
        ]
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=120)
        began = time.monotonic()
        start.set()
        time.sleep(seconds)
        sent = portal.stats.http_requests
        elapsed = time.monotonic() - began
        calls = sum(out.get(timeout=120) for _ in procs)
        for p in procs:
            p.join()
        refused = portal.stats.rejected_rate_limit
    return {
        "requests": sent,
        "calls": calls,
        "seconds": elapsed,
        "after_burst": max(0.0, sent - (plan.burst - 2)) / elapsed,  # the clients keep 2 of the burst spare
        "allowed": plan.burst + plan.drain * elapsed,
        "refused": refused,
    }


def measure(url: str, jobs: int, tag: str, pickups: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with TeamQueue.connect(url) as queue:
        out["enqueue"] = enqueue_rate(queue, jobs, f"{tag}-e")  # claimed below by the one runner
    out["claim_1"] = claim_rate(url, 1, jobs)
    for n in RUNNERS[1:]:
        with TeamQueue.connect(url) as queue:
            enqueue_rate(queue, jobs, f"{tag}-{n}")
        out[f"claim_{n}"] = claim_rate(url, n, jobs)
    with TeamQueue.connect(url) as queue:
        enqueue_rate(queue, jobs, f"{tag}-before")
    out["claim_4_before"] = claim_rate(url, 4, jobs, before=True)
    lat = sorted(pickup_latencies(url, pickups))
    out["pickup_p50"] = statistics.median(lat)
    out["pickup_p95"] = lat[max(0, round(0.95 * len(lat)) - 1)]
    return out


def render(empty: dict[str, float], hist: dict[str, float], history: int, jobs: int, built: float) -> str:
    lines = [
        f"Team queue (PostgreSQL): {jobs:,} jobs per measurement; history = {history:,} done jobs "
        f"+ {3 * history:,} events (built in {built:.1f} s)",
        "",
        f"| {'measure':<34} | {'empty':>10} | {'with history':>12} | {'ratio':>6} | verdict",
        f"|{'-' * 36}|{'-' * 12}|{'-' * 14}|{'-' * 8}|{'-' * 30}",
    ]
    rows: list[tuple[str, str, int | None]] = [("enqueue (jobs/s)", "enqueue", None)]
    for n in RUNNERS:
        label = f"claim+complete, {n} runner{'s' if n > 1 else ''} (jobs/s)"
        rows.append((label, f"claim_{n}", CLAIM_TARGET if n == 4 else None))
    rows.append(("  4 runners, step by step (before)", "claim_4_before", None))
    for label, key, target in rows:
        ratio = hist[key] / empty[key] if empty[key] else 0.0
        notes = []
        if target is not None:
            notes.append("rate ok" if min(empty[key], hist[key]) >= target else f"rate MISSED (< {target:,})")
        notes.append("flat" if abs(ratio - 1) <= FLAT_WITHIN else "NOT flat")
        lines.append(
            f"| {label:<34} | {empty[key]:>10,.0f} | {hist[key]:>12,.0f} | {ratio:>6.2f} | {', '.join(notes)}"
        )
    for key in ("pickup_p50", "pickup_p95"):
        verdict = ""
        if key.endswith("95"):
            verdict = "ok" if max(hist[key], empty[key]) <= PICKUP_TARGET else "MISSED"
        lines.append(
            f"| {'pick-up via NOTIFY, ' + key[-3:] + ' (ms)':<34} | {empty[key] * 1000:>10,.0f} | "
            f"{hist[key] * 1000:>12,.0f} | {'':>6} | {verdict}"
        )
    lines.append("")
    lines.append(
        "one statement per step ÷ step by step, 4 runners: "
        f"{empty['claim_4'] / empty['claim_4_before']:.2f} (empty), "
        f"{hist['claim_4'] / hist['claim_4_before']:.2f} (with history)"
    )
    return "\n".join(lines)


def render_budget(b: dict[str, float], runners: int) -> str:
    rate_ok = b["after_burst"] <= 2.0 * 1.05 and b["requests"] <= b["allowed"]
    return (
        f"Shared request budget: {runners} runner processes, standard plan (burst 50, 2 req/s), "
        f"{b['seconds']:.0f} s: the portal got {b['requests']:.0f} requests (it allows {b['allowed']:.0f}), "
        f"{b['after_burst']:.2f} req/s after the first burst ({'ok' if rate_ok else 'MISSED'}, ≤ 2); "
        f"refused {b['refused']:.0f} ({'ok' if b['refused'] == 0 else 'MISSED'})"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.queue_pg", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="100,000 history rows and 5,000 jobs")
    p.add_argument("--history", type=int, default=None, help="done jobs in the history (default 1,000,000)")
    p.add_argument("--jobs", type=int, default=None, help="jobs per measurement (default 20,000)")
    p.add_argument("--pickups", type=int, default=40, help="pick-up latency samples (default 40)")
    p.add_argument(
        "--budget-seconds", type=float, default=None, help="the shared budget's run (default 60; 20 quick)"
    )
    args = p.parse_args(argv)
    history = args.history if args.history is not None else (100_000 if args.quick else 1_000_000)
    jobs = args.jobs if args.jobs is not None else (5_000 if args.quick else 20_000)
    with fresh_database() as url:
        TeamQueue.connect(url).close()
        empty = measure(url, jobs, "empty", args.pickups)
        built = build_history(url, history)
        hist = measure(url, jobs, "hist", args.pickups)
        budget = shared_budget(url, 4, args.budget_seconds or (20.0 if args.quick else 60.0))
    print(render(empty, hist, history, jobs, built))
    print()
    print(render_budget(budget, 4))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
