"""Pulling stage moves made in Bitrix24 back into the shop (issue 14), at the standard plan, in one run.

A shop on SQLite (default 300 orders, 60 users) synced once into the portal emulator, which enforces the
standard plan (burst 50, 2 requests a second); the desk's client is configured for the same plan. Then the
real ``bitrix-monitor --sync --watch 10`` runs as a subprocess while a manager (``as_user``: a person in
the CRM, not the webhook) moves deals, and four figures are measured:

(b) **idle cost**: portal requests a minute while nothing changes, counted on the emulator's side, with the
    operating time each method consumed (target ≤ 8 a minute): with the stage alone pulled (the default
    owners), and with a contact field pulled too (``[shop.users.owners] PHONE = "both"``: DATE_MODIFY polls);
(a) **latency**: a stage moved in the portal until the order's status in the shop says so, one move at a
    time at a random moment of the watch cycle; p50/p95/max (target p95 ≤ 20 s);
(c) **a burst**: 1,000 stage moves arrive (about 20 a second); requests refused by the portal's limits
    (``QUERY_LIMIT_EXCEEDED``/503, ``OPERATION_TIME_LIMIT``) must be 0 and every move reach the shop;
(d) **faults and SIGKILL**: the emulator answers with ``e503``, ``lost`` and ``timeout`` faults while more
    moves arrive and the worker is killed with SIGKILL in the middle and started again; no change may be
    lost (each order's status is its deal's final stage) or applied twice (a trigger logs every write of
    the status column: each order's writes must follow its deal's moves in order, each move at most once).

In every phase the app must not write to a deal at all (no echo): the moves are the manager's, the shop
does not change, so there is nothing to push.

    .venv/bin/python -m benchmarks.pull [--quick] [--orders N] [--changes N] [--samples N] [--idle S]

``--quick``: 80 orders, 30 s idle, 5 latency samples, 200 + 150 moves, one SIGKILL.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANAGER = 7  # the portal user who moves deals (a person, not the webhook's user 1)
STAGES = ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE", "APOLOGY")
FAULTS = "e503=0.15,lost=0.1,timeout=0.05:4"  # 3 requests in 10 fail; a timeout outlasts ours (3 s)
WATCH = 10
ORIGINATOR = "bench-pull"
CONFIG = f"""
[portal]
originator = "{ORIGINATOR}"
plan = "standard"
timeout = 3.0

[sync]
settle_delay = 1.0
retry_base = 0.5
retry_cap = 5.0
max_attempts = 30
"""
FIELD_OWNERS = '\n[shop.users.owners]\nPHONE = "both"\n'  # a contact field pulled by DATE_MODIFY
TARGET_P95 = 20.0
TARGET_IDLE_PER_MIN = 8.0
LOG_SQL = """
CREATE TABLE IF NOT EXISTS bench_status_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER, old TEXT, new TEXT
);
CREATE TRIGGER IF NOT EXISTS bench_status_written AFTER UPDATE OF status ON orders
BEGIN
    INSERT INTO bench_status_log (order_id, old, new) VALUES (NEW.order_id, OLD.status, NEW.status);
END;
"""


@dataclass
class Writes:
    """What the app did to the shop's status column and to deals during one phase."""

    moves: int = 0  # stage moves the manager made
    shop_writes: int = 0  # status writes by the app (trigger log)
    lost: list[str] = field(default_factory=list)  # orders whose status is not their deal's final stage
    twice: list[str] = field(default_factory=list)  # writes that repeat or do not follow a move
    deal_writes: int = 0  # crm.deal.update/add calls the app made (must be 0: no echo)
    requests: int = 0
    refused: int = 0  # QUERY_LIMIT_EXCEEDED (the bucket, not injected faults) + OPERATION_TIME_LIMIT
    faults: dict[str, int] = field(default_factory=dict)
    settle_s: float = 0.0  # from the last move until the shop held every final stage
    kills: int = 0


@dataclass
class Idle:
    """What watching cost the portal while nothing changed, counted by the emulator."""

    seconds: float = 0.0
    requests: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    operating: dict[str, float] = field(default_factory=dict)  # seconds each method ran

    @property
    def per_minute(self) -> float:
        return self.requests * 60.0 / self.seconds if self.seconds else float("nan")


@dataclass
class Result:
    orders: int
    linked: int = 0
    idle: Idle = field(default_factory=Idle)  # the stage alone pulled (the default owners)
    idle_fields: Idle = field(default_factory=Idle)  # and a contact field ([shop.users.owners] PHONE)
    latencies: list[float] = field(default_factory=list)
    latency_missed: int = 0  # moves that did not reach the shop within the wait
    burst: Writes = field(default_factory=Writes)
    chaos: Writes = field(default_factory=Writes)
    report_ok: bool | None = None
    wall_s: float = 0.0

    def p(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]

    @property
    def counts_clean(self) -> bool:
        """What must be zero whatever the machine's load (the test asserts these)."""
        return (
            self.latency_missed == 0
            and all(not w.lost and not w.twice and w.deal_writes == 0 for w in (self.burst, self.chaos))
            and self.burst.refused == 0
            and self.report_ok is True
        )

    @property
    def passed(self) -> bool:
        return (
            self.counts_clean
            and self.p(0.95) <= TARGET_P95
            and max(self.idle.per_minute, self.idle_fields.per_minute) <= TARGET_IDLE_PER_MIN
        )


class Bench:
    """The shop file, the emulator and the worker subprocess of one run."""

    def __init__(self, tmp: Path, portal: Any, verbose: bool) -> None:
        self.tmp = tmp
        self.portal = portal
        self.verbose = verbose
        self.shop_path = tmp / "shop.sqlite3"
        self.data_dir = tmp / "desk"
        self.data_dir.mkdir()
        self.config("")
        self.worker: subprocess.Popen[bytes] | None = None
        self.worker_log = tmp / "worker.log"
        self.stage: dict[int, str] = {}  # deal id -> its stage in the CRM, as the manager left it
        self.order_of: dict[int, int] = {}  # deal id -> order key

    # ------------------------------------------------------------------ processes

    def config(self, extra: str) -> None:
        (self.data_dir / "config.toml").write_text(CONFIG + extra)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BITRIX_MONITOR_")}
        env.update(
            BITRIX_MONITOR_SHOP_DB=f"sqlite:///{self.shop_path}",
            BITRIX_MONITOR_PORTAL=self.portal.webhook_url,
        )
        return env

    def cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "bitrix_monitor", "--data-dir", str(self.data_dir), *args]

    def run_once(self, *args: str) -> tuple[int, dict[str, Any]]:
        done = subprocess.run(self.cli(*args), env=self.env(), capture_output=True, text=True, check=False)
        lines = done.stdout.strip().splitlines()
        try:
            return done.returncode, json.loads(lines[-1]) if lines else {}
        except ValueError:
            return done.returncode, {"stdout": done.stdout[-500:], "stderr": done.stderr[-500:]}

    def start_worker(self, wait: bool = True) -> None:
        """Start ``--sync --watch 10 --json``; with ``wait``, return once its first sync has reported."""
        log = self.worker_log.open("ab")
        lines_before = self._report_lines()
        self.worker = subprocess.Popen(
            self.cli("--sync", "--watch", str(WATCH), "--json"), env=self.env(), stdout=log, stderr=log
        )
        log.close()
        deadline = time.monotonic() + 300
        while wait and self._report_lines() <= lines_before:
            if self.worker.poll() is not None:
                raise RuntimeError(f"the worker ended with {self.worker.returncode}: see {self.worker_log}")
            if time.monotonic() > deadline:
                raise RuntimeError("the worker's first sync did not report within 5 minutes")
            time.sleep(0.2)

    def _report_lines(self) -> int:
        if not self.worker_log.exists():
            return 0
        return sum(
            1 for line in self.worker_log.read_text(errors="replace").splitlines() if line.startswith("{")
        )

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()

    def stop_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()
        self.worker = None

    # ------------------------------------------------------------------ the shop

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.shop_path, timeout=60)

    def statuses(self) -> dict[int, str]:
        with self.db() as c:
            return {int(k): str(s) for k, s in c.execute("SELECT order_id, status FROM orders")}

    def log_mark(self) -> int:
        with self.db() as c:
            return int(c.execute("SELECT COALESCE(MAX(id), 0) FROM bench_status_log").fetchone()[0])

    def writes_since(self, mark: int) -> list[tuple[int, str | None, str | None]]:
        with self.db() as c:
            rows = c.execute(
                "SELECT order_id, old, new FROM bench_status_log WHERE id > ? ORDER BY id", (mark,)
            )
            return [(int(o), old, new) for o, old, new in rows]

    def link(self) -> None:
        """After the first sync: which deal is which order's, and the stage each deal is in."""
        with self.db() as c:
            c.executescript(LOG_SQL)
            stored = {
                int(d): int(k) for k, d in c.execute("SELECT order_id, bitrix_deal_id FROM orders") if d
            }
        for deal in self.portal.store.all("deal"):
            ident = int(deal["ID"])
            if ident in stored and deal.get("ORIGINATOR_ID") == ORIGINATOR:
                self.order_of[ident] = stored[ident]
                self.stage[ident] = str(deal["STAGE_ID"])

    # ------------------------------------------------------------------ the manager

    def move(self, rng: random.Random, deal: int | None = None) -> tuple[int, str]:
        """A person moves a deal (a random one unless given) to another stage of its pipeline."""
        deal = deal if deal is not None else rng.choice(list(self.stage))
        new = rng.choice([s for s in STAGES if s != self.stage[deal]])
        self.portal.store.update("deal", deal, {"STAGE_ID": new}, as_user=MANAGER)
        self.stage[deal] = new
        return deal, new

    def settled(self) -> bool:
        now = self.statuses()
        return all(now.get(self.order_of[d]) == s for d, s in self.stage.items())

    def wait_settled(self, limit: float) -> float:
        t0 = time.monotonic()
        while not self.settled():
            if time.monotonic() - t0 > limit:
                break
            time.sleep(0.25)
        return time.monotonic() - t0

    def say(self, text: str) -> None:
        if self.verbose:
            print(text, flush=True)


def _idle(bench: Bench, seconds: float, idle: Idle) -> None:
    time.sleep(2.0)  # the worker's first sync has reported; let its last answers land
    before = bench.portal.stats.snapshot()
    t0 = time.monotonic()
    time.sleep(seconds)
    after = bench.portal.stats.snapshot()
    idle.seconds = time.monotonic() - t0
    idle.requests = after["http_requests"] - before["http_requests"]
    idle.by_method = {
        m: n - before["requests"].get(m, 0)
        for m, n in after["requests"].items()
        if n - before["requests"].get(m, 0)
    }
    idle.operating = {
        m: round(t - before["operating"].get(m, 0.0), 4)
        for m, t in after["operating"].items()
        if t - before["operating"].get(m, 0.0) > 0
    }


def _audit(bench: Bench, mark: int, history: dict[int, list[str]], writes: Writes) -> None:
    """Each order's status writes since ``mark`` must follow its deal's moves (``history``: the stage it was
    in, then each move), in order, each move at most once; its status now must be its deal's last stage."""
    per_order: dict[int, list[tuple[str | None, str | None]]] = {}
    for order, old, new in bench.writes_since(mark):
        per_order.setdefault(order, []).append((old, new))
    deal_of = {o: d for d, o in bench.order_of.items()}
    for order, seq in per_order.items():
        writes.shop_writes += len(seq)
        moves = history.get(deal_of.get(order, -1), [])
        at = 0  # position in the moves of the last write matched
        for old, new in seq:
            nxt = next((i for i in range(at + 1, len(moves)) if moves[i] == new), None)
            if old == new or nxt is None:
                writes.twice.append(f"order {order}: wrote {old!r} → {new!r}; its deal moved {moves}")
                continue
            at = nxt
    now = bench.statuses()
    for deal, stage in bench.stage.items():
        order = bench.order_of[deal]
        if now.get(order) != stage:
            writes.lost.append(f"order {order}: status {now.get(order)!r}, its deal {deal} is in {stage!r}")


def _deal_writes(executed: dict[str, int]) -> int:
    return sum(n for m, n in executed.items() if m in ("crm.deal.update", "crm.deal.add", "crm.deal.delete"))


def _phase(
    bench: Bench,
    rng: random.Random,
    moves: int,
    seconds: float,
    writes: Writes,
    during: Callable[[int], None] | None = None,
    settle_limit: float = 300.0,
) -> None:
    """``moves`` moves spread over ``seconds``; ``during(i)`` runs before move i (kills). Then wait until the
    shop holds every deal's final stage and audit the writes."""
    stats = bench.portal.stats
    before = stats.snapshot()
    mark = bench.log_mark()
    history: dict[int, list[str]] = {d: [s] for d, s in bench.stage.items()}
    t0 = time.monotonic()
    for i in range(moves):
        if during is not None:
            during(i)
        deal, new = bench.move(rng)
        history[deal].append(new)
        writes.moves += 1
        lag = t0 + (i + 1) * seconds / moves - time.monotonic()
        if lag > 0:
            time.sleep(lag)
    writes.settle_s = bench.wait_settled(settle_limit)
    after = stats.snapshot()
    writes.requests = after["http_requests"] - before["http_requests"]
    writes.refused = (after["rejected_rate_limit"] - before["rejected_rate_limit"]) + (
        after["rejected_operating"] - before["rejected_operating"]
    )
    writes.faults = {
        k: n - before["faults_fired"].get(k, 0)
        for k, n in after["faults_fired"].items()
        if n - before["faults_fired"].get(k, 0)
    }
    writes.deal_writes = _deal_writes(after["executed"]) - _deal_writes(before["executed"])
    _audit(bench, mark, history, writes)


def run(
    orders: int = 300,
    users: int = 60,
    idle: float = 120.0,
    samples: int = 20,
    changes: int = 1000,
    chaos_changes: int = 500,
    kills: int = 3,
    seed: int = 1,
    verbose: bool = True,
    keep_log: Path | None = None,
) -> Result:
    from bitrix_monitor.demo.emulator import PortalEmulator
    from bitrix_monitor.demo.shop import create_demo_shop

    rng = random.Random(seed)
    result = Result(orders)
    t_start = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="bm-pull-") as tmp_name,
        PortalEmulator(limits="standard", seed=seed) as portal,
    ):
        bench = Bench(Path(tmp_name), portal, verbose)
        try:
            create_demo_shop(f"sqlite:///{bench.shop_path}", orders=orders, users=users, seed=seed)
            bench.say(f"first sync of {orders} orders and {users} users at the standard plan …")
            for _ in range(3):
                code, report = bench.run_once("--sync", "--json")
                if code == 0:
                    break
            if code not in (0, 1):
                raise RuntimeError(f"the first sync ended with {code}: {report}")
            bench.link()
            result.linked = len(bench.stage)

            # (b) Nothing changes: what does the watching cost? With the stage alone pulled (the default),
            # then with a contact field pulled by DATE_MODIFY too — measured second, when the contacts the
            # first sync wrote are older than the DATE_MODIFY window's overlap (else they are read again).
            bench.say(f"(b) idle for {idle:.0f} s, then {idle:.0f} s with PHONE pulled too …")
            bench.start_worker()
            _idle(bench, idle, result.idle)
            bench.stop_worker()
            bench.config(FIELD_OWNERS)
            bench.start_worker()
            _idle(bench, idle, result.idle_fields)
            bench.stop_worker()
            bench.config("")
            bench.start_worker()

            # (a) One move at a time, at a random moment of the watch cycle.
            bench.say(f"(a) {samples} single moves …")
            for _ in range(samples):
                time.sleep(rng.uniform(0.0, WATCH))
                deal, new = bench.move(rng)
                order = bench.order_of[deal]
                t0 = time.monotonic()
                while bench.statuses().get(order) != new:
                    if time.monotonic() - t0 > 120:
                        result.latency_missed += 1
                        break
                    time.sleep(0.1)
                else:
                    result.latencies.append(time.monotonic() - t0)

            # (c) A burst of moves.
            bench.say(f"(c) {changes} moves …")
            _phase(bench, rng, changes, changes / 20.0, result.burst)

            # (d) Faults, and the worker killed in the middle.
            bench.say(f"(d) {chaos_changes} moves with faults {FAULTS} and {kills} SIGKILL(s) …")
            portal.set_faults(FAULTS)
            at = {round(chaos_changes * (k + 1) / (kills + 1)) for k in range(kills)}

            def kill(i: int) -> None:
                if i in at:
                    bench.kill_worker()
                    result.chaos.kills += 1
                    bench.start_worker(wait=False)  # the moves go on while it starts again

            _phase(bench, rng, chaos_changes, chaos_changes / 10.0, result.chaos, kill)
            portal.set_faults("")
            bench.stop_worker()
            code, report = bench.run_once("--report", "--json")
            result.report_ok = bool(report.get("ok"))
            if not result.report_ok:
                bench.say(f"report: {report}")
        finally:
            bench.stop_worker()
            if keep_log is not None:  # the worker's output, then the app's log files
                logs = [bench.worker_log, *sorted((bench.data_dir / "logs").glob("*.log*"))]
                keep_log.write_bytes(b"".join(f.read_bytes() for f in logs if f.exists()))
            result.wall_s = time.monotonic() - t_start
    return result


def _print(r: Result) -> None:
    def row(name: str, value: str, target: str = "") -> None:
        print(f"{name:58} {value:>24}  {target}")

    print(f"\n{r.orders} orders ({r.linked} with deals), standard plan (burst 50, 2 req/s), --watch {WATCH}")
    row("figure", "value", "target")
    for name, idle in (("(b) idle, stage pulled", r.idle), ("(b) idle, stage + PHONE pulled", r.idle_fields)):
        row(f"{name}: portal requests a minute", f"{idle.per_minute:.2f}", f"<= {TARGET_IDLE_PER_MIN:g}")
        row(
            "    requests per method", ", ".join(f"{m} {n}" for m, n in sorted(idle.by_method.items())) or "-"
        )
        row(
            "    operating time per method (s)",
            ", ".join(f"{m} {t:.3f}" for m, t in sorted(idle.operating.items())) or "-",
        )
        row(f"    over {idle.seconds:.0f} s", f"{idle.requests} requests")
    row(
        f"(a) move → shop status, {len(r.latencies)} samples: p50 / p95 / max (s)",
        f"{r.p(0.5):.1f} / {r.p(0.95):.1f} / {max(r.latencies, default=float('nan')):.1f}",
        f"p95 <= {TARGET_P95:g}",
    )
    row("    moves that did not arrive within 120 s", str(r.latency_missed), "0")
    for name, w in (("(c) burst", r.burst), ("(d) faults + SIGKILL", r.chaos)):
        row(f"{name}: moves / shop writes / requests", f"{w.moves} / {w.shop_writes} / {w.requests}")
        row("    refused by the portal's limits (503/429)", str(w.refused), "0" if w is r.burst else "")
        row("    changes lost / applied twice", f"{len(w.lost)} / {len(w.twice)}", "0 / 0")
        row("    deal writes by the app (echo)", str(w.deal_writes), "0")
        row("    last move → all in the shop (s)", f"{w.settle_s:.1f}")
        if w.faults or w.kills:
            faults = ", ".join(f"{k} {n}" for k, n in sorted(w.faults.items()))
            row("    faults fired / SIGKILLs", f"{faults} / {w.kills}")
        for line in (w.lost + w.twice)[:5]:
            print(f"      {line}")
    row("report after the run", "ok" if r.report_ok else f"NOT ok ({r.report_ok})", "ok")
    row("wall time (s)", f"{r.wall_s:.0f}")
    print("PASS" if r.passed else "FAIL")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--idle", type=float, default=120.0, help="seconds of nothing changing")
    parser.add_argument("--samples", type=int, default=20, help="single moves timed")
    parser.add_argument("--changes", type=int, default=1000, help="moves of the burst")
    parser.add_argument("--chaos-changes", type=int, default=500, help="moves under faults and SIGKILLs")
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log", type=Path, help="keep the worker's output (and log lines) in this file")
    parser.add_argument(
        "--quick", action="store_true", help="80 orders, 30 s idle, 5 samples, 200 + 150 moves"
    )
    args = parser.parse_args()
    if args.quick:
        args.orders, args.users, args.idle, args.samples = 80, 20, 30.0, 5
        args.changes, args.chaos_changes, args.kills = 200, 150, 1
    r = run(
        args.orders,
        args.users,
        args.idle,
        args.samples,
        args.changes,
        args.chaos_changes,
        args.kills,
        args.seed,
        keep_log=args.log,
    )
    _print(r)
    return 0 if r.passed else 1


if __name__ == "__main__":
    sys.exit(main())
