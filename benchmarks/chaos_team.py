"""Team chaos run: three desks and a worker on one PostgreSQL queue, runners killed at random, the queue's
database server restarted once.

A shop on PostgreSQL (default 5,000 orders and 1,200 users, none synced), the portal emulator with faults
(as :mod:`benchmarks.chaos`) and a rate limit the client plans for exactly, one team queue in a database of
its own. Three desks run ``--sync --queue URL`` over and over and a worker runs ``--sync --watch 2 --queue
URL``; about every ``--every`` seconds one of the four, at random, is killed with SIGKILL and started
again. Halfway (``--restart-at``) the queue's PostgreSQL server is restarted: a fast shutdown ends every
session, the server stays down ``--down-for`` seconds (connections refused) and starts again; no runner is
killed for 20 s after it, so whether the runners working at that moment carry on by themselves can be
seen. Meanwhile a monitor asks the queue twice a second whether any record has two running jobs. At the
end a desk syncs in peace and the worker is stopped with SIGTERM. Figures:

* duplicates, records missing, shop ids not matching: 0 (exactly one deal and contact each);
* lost jobs: 0 (each job is done, or dead with a reason a person can read);
* records with two running jobs at once, at any poll: 0;
* a killed runner's jobs claimed again: the longest time from a kill to the reclaim, against the lease
  (30 s) + 5 s;
* requests the portal refused for its rate limit: 0 (the runners share one budget);
* the restart: runners working when it went down (connected to the queue's server), how many carried
  on by themselves (still running 20 s
  later, or their run ended as runs do: 0 or 1), how many of them ended in an error instead (0), and jobs
  completed twice over the whole run (0: no job has more 'completed' events than one plus its follow-ups,
  the runs it was queued again for because its record changed while it ran). A desk starting while the
  server is down says so at once and ends (exit 2); those are counted apart.

The queue's server is a throwaway PostgreSQL of the machine's version (:mod:`benchmarks.pgserver`): the
machine's own server (``pg_ctlcluster 15 main``) holds other work's databases -- and the shop's here -- so
restarting it would break them. It is stopped and deleted at the end whatever happens.

    .venv/bin/python -m benchmarks.chaos_team [--quick] [--orders N] [--users M] [--seconds S] [--every E]
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import sqlalchemy as sa

from benchmarks.chaos import CONFIG, FAULTS, POSTGRES, Result, _check, _cmd, _env
from benchmarks.pgserver import ThrowawayPostgres
from bitrix_monitor.queue import TeamQueue
from bitrix_monitor.sync.service import TEAM_LEASE_SECONDS

PLAN = "burst=50,drain=20"  # the emulator's limit and the client's plan: nothing should be refused


@dataclass
class TeamResult(Result):
    runners: int = 4
    double_running: int = 0  # polls that saw a record with two running jobs
    polls: int = 0
    refused: int = 0
    reclaim_delays: list[float] = field(default_factory=list)
    unreclaimed: int = 0  # kills whose jobs were never reclaimed (none were running, or they finished)
    restart_away: float = -1.0  # seconds the queue's server was away (-1: not restarted)
    working_at_restart: int = 0  # runner processes alive when it went down
    carried_on: int = 0  # of those: still running 20 s later, or ended as a run does (0 or 1)
    restart_errors: list[str] = field(default_factory=list)  # runs that failed meanwhile: status and why
    completed_twice: int = 0  # jobs completed more often than once plus their follow-ups
    refused_while_down: int = 0  # runs starting while the server was down: they said so and ended (exit 2)

    @property
    def team_passed(self) -> bool:
        late = [d for d in self.reclaim_delays if d > TEAM_LEASE_SECONDS + 5.0]
        return (
            self.passed
            and self.double_running == 0
            and self.refused == 0
            and not late
            and self.restart_away >= 0
            and self.carried_on == self.working_at_restart
            and not self.restart_errors
            and self.completed_twice == 0
        )


def _monitor(queue_url: str, result: TeamResult, stop: threading.Event) -> None:
    engine = sa.create_engine(queue_url, poolclass=sa.pool.NullPool)
    try:
        while not stop.wait(0.5):
            try:
                with engine.connect() as conn:
                    doubles = conn.exec_driver_sql(
                        "SELECT count(*) FROM (SELECT 1 FROM jobs WHERE state = 'running' "
                        "GROUP BY entity_type, entity_key, family HAVING count(*) > 1) AS d"
                    ).scalar_one()
            except sa.exc.ProgrammingError:  # no tables yet
                continue
            except sa.exc.OperationalError:  # the server is being restarted
                continue
            result.polls += 1
            result.double_running += bool(doubles)
    finally:
        engine.dispose()


def _connected(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds a connection to ``port`` on this machine."""
    try:
        conns = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(c.raddr and c.raddr.port == port for c in conns)


def _audit(queue_url: str, result: TeamResult, kills: list[tuple[float, int]]) -> None:
    """No job lost; how long after each kill the killed runner's jobs were taken back."""
    with TeamQueue.connect(queue_url) as q:
        for job in q.list_jobs(limit=None):
            if job.state in ("done", "cancelled"):
                continue
            if job.state == "dead" and job.error is not None and job.error.message:
                result.dead_jobs.append(f"{job.kind} {job.entity_key}: {job.error.message}")
                continue
            result.lost_jobs += 1
        expired = q.event_log(types=["lease_expired"], limit=1_000_000)
        with q._read() as conn:  # a follow-up (requeued: changed again while it ran) runs once more
            result.completed_twice = conn.exec_driver_sql(
                "SELECT count(*) FROM (SELECT job_id FROM job_events GROUP BY job_id HAVING "
                "count(*) FILTER (WHERE type = 'completed') > 1 + count(*) FILTER (WHERE type = 'requeued')) "
                "AS t"
            ).scalar_one()
    first_reclaim: dict[int, float] = {}
    for e in expired:
        owner = str(e.event.detail.get("owner") or "")
        pid = int(owner.rpartition(":")[2]) if owner.rpartition(":")[2].isdigit() else -1
        at = e.event.at.timestamp()
        first_reclaim[pid] = min(first_reclaim.get(pid, at), at)
    for killed_at, pid in kills:
        if pid in first_reclaim:
            result.reclaim_delays.append(first_reclaim[pid] - killed_at)
        else:
            result.unreclaimed += 1


def run(
    orders: int,
    users: int,
    seconds: float,
    every: float,
    seed: int,
    *,
    restart_at: float | None = None,
    down_for: float = 5.0,
) -> TeamResult:
    from bitrix_monitor.demo.emulator import PortalEmulator
    from bitrix_monitor.demo.shop import create_demo_shop

    rng = random.Random(seed)
    result = TeamResult(orders, users)
    admin = sa.make_url(POSTGRES)
    shop_db = f"bm_chaos_{uuid.uuid4().hex[:8]}"
    eng = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {shop_db}"))
    shop_url = admin.set(database=shop_db).render_as_string(hide_password=False)
    queue_server = ThrowawayPostgres()
    queue_url = queue_server.url
    restart_at = seconds / 2 if restart_at is None else restart_at
    config = CONFIG.replace('plan = "burst=20,drain=10"', f'plan = "{PLAN}"')
    stop_monitor = threading.Event()
    monitor = threading.Thread(target=_monitor, args=(queue_url, result, stop_monitor), daemon=True)
    kills: list[tuple[float, int]] = []
    t0 = time.monotonic()
    try:
        queue_server.start()
        create_demo_shop(shop_url, orders=orders, users=users, seed=seed)
        TeamQueue.connect(queue_url).close()
        monitor.start()
        with (
            tempfile.TemporaryDirectory(prefix="bm-chaos-team-") as tmp,
            PortalEmulator(limits=PLAN, faults=FAULTS, seed=seed) as portal,
        ):
            dirs = [Path(tmp) / f"runner-{i}" for i in range(4)]
            for d in dirs:
                d.mkdir()
                (d / "config.toml").write_text(config)
            env = _env(shop_url, portal.webhook_url)
            logs: dict[int, Path] = {}  # pid -> its stderr, to say why a run failed

            modes = [["--sync"]] * 3 + [["--sync", "--watch", "2"]]  # three desks, one worker

            def start(i: int) -> subprocess.Popen[bytes]:
                err = dirs[i] / f"stderr-{time.monotonic_ns()}.log"
                with err.open("wb") as f:
                    p = subprocess.Popen(
                        _cmd(dirs[i], *modes[i], "--queue", queue_url),
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=f,
                    )
                logs[p.pid] = err
                return p

            def why(p: subprocess.Popen[bytes]) -> str:
                lines = [ln for ln in logs[p.pid].read_text(errors="replace").splitlines() if ln.strip()]
                return f"exit {p.returncode}: {lines[-1][:300] if lines else '(nothing said)'}"

            procs = [start(i) for i in range(4)]
            began = time.monotonic()
            deadline = began + seconds
            next_kill = time.monotonic() + rng.uniform(0.5, 1.5) * every
            restart: threading.Thread | None = None
            watched: list[subprocess.Popen[bytes]] = []  # runners working when the server went down
            quiet_until = 0.0  # no kills until then (after the restart)

            def restart_server() -> None:
                result.restart_away = queue_server.restart(down_for=down_for)

            while time.monotonic() < deadline:
                time.sleep(0.2)
                if restart is None and time.monotonic() - began >= restart_at:
                    # the runners working the queue: connected to its server (a run still starting when
                    # the server goes away is told so and ends, as a run started during it is)
                    watched = [p for p in procs if p.poll() is None and _connected(p.pid, queue_server.port)]
                    result.working_at_restart = len(watched)
                    restart = threading.Thread(target=restart_server)
                    restart.start()
                    quiet_until = time.monotonic() + down_for + 20.0
                for i, p in enumerate(procs):
                    status = p.poll()
                    if status is not None:  # a desk's run ended: it syncs again, as a person would
                        if p in watched:
                            watched.remove(p)
                            if status in (0, 1):
                                result.carried_on += 1
                            else:
                                result.restart_errors.append(why(p))
                        elif status == 2 and restart is not None and time.monotonic() < quiet_until:
                            result.refused_while_down += 1
                        procs[i] = start(i)
                        result.runs_a += i < 3
                if watched and time.monotonic() >= quiet_until:
                    result.carried_on += sum(p.poll() is None for p in watched)  # running all along
                    watched = []
                if time.monotonic() >= next_kill and time.monotonic() >= quiet_until:
                    i = rng.randrange(4)
                    victim = procs[i]
                    if victim.poll() is None:
                        victim.send_signal(signal.SIGKILL)
                        kills.append((time.time(), victim.pid))
                        result.kills += 1
                        victim.wait()
                    procs[i] = start(i)
                    next_kill = time.monotonic() + rng.uniform(0.5, 1.5) * every
                deals = portal.store.count("deal")
                print(f"\rkills {result.kills}, deals so far {deals}", end="", flush=True)
            print()
            if restart is not None:
                restart.join()
            for p in procs[:3]:
                p.wait()
            # A killed runner's claims stay leased to it until its lease runs out (its last heartbeat plus
            # one lease): the desk that finishes starts after that, or it would leave them for nobody.
            if kills:
                time.sleep(max(0.0, kills[-1][0] + TEAM_LEASE_SECONDS + 1.0 - time.time()))
            for _ in range(5):  # a desk finishes in peace (faults still on), next to the worker
                final = subprocess.run(
                    _cmd(dirs[0], "--sync", "--json", "--queue", queue_url),
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if final.returncode == 0:
                    break
            procs[3].send_signal(signal.SIGTERM)
            procs[3].wait(timeout=60)
            portal.set_faults("")
            report = subprocess.run(
                _cmd(dirs[0], "--report", "--json", "--queue", queue_url),
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            result.report_ok = bool(json.loads(report.stdout.strip().splitlines()[-1]).get("ok"))
            result.faults = dict(portal.stats.faults_fired)
            result.refused = portal.stats.rejected_rate_limit
            _check(portal, shop_url, result)
        stop_monitor.set()
        monitor.join()
        _audit(queue_url, result, kills)
    finally:
        stop_monitor.set()
        result.wall_s = time.monotonic() - t0
        queue_server.stop()
        with eng.connect() as c:
            c.execute(sa.text(f"DROP DATABASE IF EXISTS {shop_db} WITH (FORCE)"))
        eng.dispose()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--users", type=int, default=1200)
    parser.add_argument("--seconds", type=float, default=300.0, help="how long runners are killed")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between kills, on average")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--restart-at", type=float, default=None, help="restart the queue's server then (s)")
    parser.add_argument("--down-for", type=float, default=5.0, help="seconds the server stays down")
    parser.add_argument("--quick", action="store_true", help="600 orders, 150 users, 90 s of kills")
    args = parser.parse_args()
    if args.quick:
        args.orders, args.users, args.seconds = 600, 150, 90.0
    r = run(
        args.orders,
        args.users,
        args.seconds,
        args.every,
        args.seed,
        restart_at=args.restart_at,
        down_for=args.down_for,
    )
    delays = sorted(r.reclaim_delays)
    print(f"{'figure':44} value")
    print(f"{'orders / users':44} {r.orders} / {r.users}")
    print(f"{'runners (3 desks + 1 worker), SIGKILLs':44} {r.runners}, {r.kills}")
    print(f"{'desk runs':44} {r.runs_a}")
    print(f"{'faults fired':44} {', '.join(f'{k}={v}' for k, v in sorted(r.faults.items()))}")
    print(f"{'duplicates':44} {r.duplicates}")
    print(f"{'records missing':44} {r.missing}")
    print(f"{'shop ids not matching':44} {r.wrong_links}")
    print(f"{'lost jobs':44} {r.lost_jobs}")
    print(f"{'dead jobs (with reasons)':44} {len(r.dead_jobs)}")
    for line in r.dead_jobs[:10]:
        print(f"    {line}")
    print(f"{'polls with two running jobs for a record':44} {r.double_running} of {r.polls}")
    longest = f"{delays[-1]:.1f} s" if delays else "-"
    print(
        f"{'killed runner reclaimed: longest (lease+5 s)':44} {longest} ({TEAM_LEASE_SECONDS + 5:.0f} s); "
        f"{len(delays)} kills with jobs taken back, {r.unreclaimed} without (nothing was running)"
    )
    print(f"{'requests refused for the rate limit':44} {r.refused}")
    print(
        f"{'queue server restarted: away':44} {r.restart_away:.1f} s; runners working then "
        f"{r.working_at_restart}, carried on by themselves {r.carried_on}, runs ended in an error "
        f"meanwhile {len(r.restart_errors)}; runs starting while it was down "
        f"(told so, exit 2) {r.refused_while_down}"
    )
    for line in r.restart_errors:
        print(f"    {line}")
    print(f"{'jobs completed twice':44} {r.completed_twice}")
    print(f"{'report ok':44} {r.report_ok}")
    print(f"{'wall time':44} {r.wall_s:.0f} s")
    print("PASS" if r.team_passed else "FAIL")
    return 0 if r.team_passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
