"""Chaos run: the promise "no duplicate, nothing lost, whatever happens" as figures anyone can reproduce.

A shop on PostgreSQL (default 2,000 orders and 500 users, none synced), the portal emulator with faults
(``e503=0.1,e500html=0.05,lost=0.05,timeout=0.02``), the headless ``--sync`` of desk A killed with SIGKILL
at random moments (default 30 times) and restarted, while desk B, a second copy with its own queue, syncs
the same shop at the same time. At the end every order must have exactly one deal carrying its origin id
and the shop must store that id (the same for users and contacts), no job may be lost (each is done, or
dead with a reason a person can read), and the report must say ``"ok": true``.

    .venv/bin/python -m benchmarks.chaos [--quick] [--orders N] [--users M] [--kills K] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

POSTGRES = os.environ.get("BM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
FAULTS = "e503=0.1,e500html=0.05,lost=0.05,timeout=0.02"
ORIGINATOR = "chaos-shop"
CONFIG = f"""
[portal]
originator = "{ORIGINATOR}"
plan = "burst=20,drain=10"
timeout = 2.0

[sync]
settle_delay = 1.0
retry_base = 0.3
retry_cap = 5.0
max_attempts = 25
"""


@dataclass
class Result:
    orders: int
    users: int
    kills: int = 0
    runs_a: int = 0
    runs_b: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    missing: int = 0
    wrong_links: int = 0
    lost_jobs: int = 0
    dead_jobs: list[str] = field(default_factory=list)
    report_ok: bool = False
    wall_s: float = 0.0

    @property
    def passed(self) -> bool:
        return (
            self.duplicates == 0
            and self.missing == 0
            and self.wrong_links == 0
            and self.lost_jobs == 0
            and self.report_ok
        )


def _cmd(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bitrix_monitor", "--data-dir", str(data_dir), *args]


def _env(shop_url: str, portal_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITRIX_MONITOR_")}
    env.update(BITRIX_MONITOR_SHOP_DB=shop_url, BITRIX_MONITOR_PORTAL=portal_url)
    return env


def _check(portal: Any, shop_url: str, result: Result) -> None:
    eng = sa.create_engine(shop_url)
    try:
        with eng.connect() as c:
            stored = {
                "deal": {
                    str(k): v for k, v in c.execute(sa.text("SELECT order_id, bitrix_deal_id FROM orders"))
                },
                "contact": {
                    str(k): v for k, v in c.execute(sa.text("SELECT id, bitrix_contact_id FROM users"))
                },
            }
    finally:
        eng.dispose()
    for entity, ids in stored.items():
        records = [r for r in portal.store.all(entity) if r.get("ORIGINATOR_ID") == ORIGINATOR]
        per_origin = Counter(r["ORIGIN_ID"] for r in records)
        result.duplicates += sum(n - 1 for n in per_origin.values() if n > 1)
        by_origin = {r["ORIGIN_ID"]: int(r["ID"]) for r in records}
        result.missing += sum(1 for k in ids if k not in by_origin)
        result.wrong_links += sum(1 for k, v in ids.items() if k in by_origin and v != by_origin[k])


def _queue_audit(data_dir: Path, result: Result) -> None:
    """No job lost: every job is done, or dead with a reason a person can read."""
    from bitrix_monitor.queue import JobQueue

    q = JobQueue.open(data_dir / "queue.sqlite3")
    try:
        for job in q.list_jobs(limit=None):
            if job.state == "done" or job.state == "cancelled":
                continue
            if job.state == "dead" and job.error is not None and job.error.message:
                result.dead_jobs.append(f"{job.kind} {job.entity_key}: {job.error.message}")
                continue
            result.lost_jobs += 1
    finally:
        q.close()


def run(
    orders: int, users: int, kills: int, seed: int, postgres: str = POSTGRES, verbose: bool = True
) -> Result:
    from bitrix_monitor.demo.emulator import PortalEmulator
    from bitrix_monitor.demo.shop import create_demo_shop

    rng = random.Random(seed)
    result = Result(orders, users)
    admin = sa.engine.make_url(postgres)
    name = f"bm_chaos_{uuid.uuid4().hex[:8]}"
    eng = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name}"))
    shop_url = admin.set(database=name).render_as_string(hide_password=False)
    t0 = time.monotonic()
    try:
        create_demo_shop(shop_url, orders=orders, users=users, seed=seed)
        with (
            tempfile.TemporaryDirectory(prefix="bm-chaos-") as tmp,
            PortalEmulator(limits="burst=40,drain=20", faults=FAULTS, seed=seed) as portal,
        ):
            desks = [Path(tmp) / "desk-a", Path(tmp) / "desk-b"]
            for d in desks:
                d.mkdir()
                (d / "config.toml").write_text(CONFIG)
            env = _env(shop_url, portal.webhook_url)
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            b = subprocess.Popen(_cmd(desks[1], "--sync", "--json"), env=env, **quiet)
            result.runs_b = 1
            while result.kills < kills:
                a = subprocess.Popen(_cmd(desks[0], "--sync", "--json"), env=env, **quiet)
                result.runs_a += 1
                time.sleep(rng.uniform(0.3, 2.0))
                if a.poll() is None:
                    a.send_signal(signal.SIGKILL)
                    result.kills += 1
                a.wait()
                if b.poll() is not None:  # desk B keeps syncing alongside, run after run
                    b = subprocess.Popen(_cmd(desks[1], "--sync", "--json"), env=env, **quiet)
                    result.runs_b += 1
                if verbose:
                    print(
                        f"\rkills {result.kills}/{kills}, deals so far {portal.store.count('deal')}", end=""
                    )
            b.wait()
            if verbose:
                print()
            # Desk A finishes in peace (faults still on): the end state must be exactly one of each.
            for _ in range(5):
                final = subprocess.run(
                    _cmd(desks[0], "--sync", "--json"), env=env, capture_output=True, text=True, check=False
                )
                result.runs_a += 1
                if final.returncode == 0:
                    break
            portal.set_faults("")
            report = subprocess.run(
                _cmd(desks[0], "--report", "--json"), env=env, capture_output=True, text=True, check=False
            )
            result.report_ok = bool(json.loads(report.stdout.strip().splitlines()[-1]).get("ok"))
            result.faults = dict(portal.stats.faults_fired)
            _check(portal, shop_url, result)
            for d in desks:
                _queue_audit(d, result)
    finally:
        result.wall_s = time.monotonic() - t0
        with eng.connect() as c:
            c.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        eng.dispose()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="300 orders, 80 users, 8 kills")
    args = parser.parse_args()
    if args.quick:
        args.orders, args.users, args.kills = 300, 80, 8
    r = run(args.orders, args.users, args.kills, args.seed)
    print(f"{'figure':32} value")
    print(f"{'orders / users':32} {r.orders} / {r.users}")
    print(f"{'SIGKILLs survived (desk A)':32} {r.kills}")
    print(f"{'sync runs desk A / desk B':32} {r.runs_a} / {r.runs_b}")
    print(f"{'faults fired':32} {', '.join(f'{k}={v}' for k, v in sorted(r.faults.items()))}")
    print(f"{'duplicates':32} {r.duplicates}")
    print(f"{'records missing':32} {r.missing}")
    print(f"{'shop ids not matching':32} {r.wrong_links}")
    print(f"{'lost jobs':32} {r.lost_jobs}")
    print(f"{'dead jobs (with reasons)':32} {len(r.dead_jobs)}")
    for line in r.dead_jobs[:10]:
        print(f"    {line}")
    print(f"{'report ok':32} {r.report_ok}")
    print(f"{'wall time':32} {r.wall_s:.0f} s")
    print("PASS" if r.passed else "FAIL")
    return 0 if r.passed else 1


if __name__ == "__main__":
    sys.exit(main())
