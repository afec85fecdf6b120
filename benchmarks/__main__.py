"""All benchmarks, one command: ``.venv/bin/python -m benchmarks [--quick]``.

Runs, each in its own process so that one's memory and threads do not colour the next:

1. ``benchmarks.portal``    reads and creates against the emulator's sustained rate, vs. fast_bitrix24;
2. ``benchmarks.queue``     enqueue, claim+complete and event-log throughput, empty vs. 1M history;
3. ``benchmarks.queue_pg``  the team queue in PostgreSQL: enqueue, claim+complete with 1/4/8 runners,
                            pick-up latency via NOTIFY, empty vs. 1M history;
4. ``benchmarks.reconcile`` reconciliation of 100k orders and 20k users on PostgreSQL, and the incremental
                            passes after it (idle, and 100 changes);
5. ``benchmarks.window``    the orders model at a million rows in a real table view, offscreen, and Qt's model
                            tester on it;
6. ``benchmarks.chaos``     SIGKILLs, faults and a second desk at once (the suite runs a quick variant,
                            ``tests/sync/test_chaos.py``);
7. ``benchmarks.chaos_team`` three desks and a worker on one PostgreSQL queue, killed at random;
8. ``benchmarks.first_sync`` the first sync of 5,000 orders and 500 users at the standard plan's rate limit,
                            and the requests of the reconcile after it;
9. ``benchmarks.pull``      stage moves made in Bitrix24 reaching the shop under ``--sync --watch 10`` at the
                            standard plan: latency, idle cost, a burst of 1,000 moves, faults and a SIGKILL.

Every figure is a ratio measured in the same run (to the portal's ceiling, to the peer client, to the
empty queue, or to its target), so it holds on a noisy machine; the chaos runs count what must be zero
(duplicates, records missing, lost jobs). The output is one report, a table per benchmark; the exit
status is 0 when every benchmark ran clean.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

BENCHMARKS = (
    "portal", "queue", "queue_pg", "reconcile", "window", "chaos", "chaos_team", "first_sync", "pull",
)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (minutes instead of longer)")
    parser.add_argument("only", nargs="*", metavar="NAME", help=f"run only these of {', '.join(BENCHMARKS)}")
    args = parser.parse_args()
    unknown = [n for n in args.only if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    chosen = args.only or list(BENCHMARKS)
    failed: list[str] = []
    t0 = time.monotonic()
    for name in chosen:
        extra = ["--quick"] if args.quick and name != "window" else []
        if args.quick and name == "window":
            extra = ["--orders", "20000", "--users", "5000"]
        print(f"\n## {name}  (python -m benchmarks.{name} {' '.join(extra)})\n", flush=True)
        result = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *extra], check=False)
        if result.returncode != 0:
            failed.append(f"{name} (exit {result.returncode})")
    print(
        f"\nall benchmarks: {time.monotonic() - t0:.0f} s"
        + (f"; not clean: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
