"""The first sync at the rate limit: a shop of N orders and M users, an empty portal emulator with the
standard plan's rate limit (burst 50, 2 requests a second) on both sides, one reconcile-plan-run round as
``--sync`` does it, then a reconcile of the synced shop.

Prints two ratios measured in the same run:

* the first sync's time ÷ the time the rate limit alone requires for its creates (⌈N/50⌉ + ⌈M/50⌉ batches
  of 50, the first ``burst`` of them free; target ≤ 1.15): the lookups before creates and the reconcile
  are what it pays on top;
* the requests of the reconcile after it ÷ ⌈N/2,500⌉ + ⌈M/2,500⌉.

    .venv/bin/python -m benchmarks.first_sync [--quick] [--orders N] [--users M]

``--quick``: 1,000 orders and 100 users at burst 10, 2 requests a second (so the rate limit still binds).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
import tomllib
from pathlib import Path

TARGET = 1.15


async def _run(orders: int, users: int, plan: str) -> int:
    from bitrix_monitor import config
    from bitrix_monitor.bitrix.ratelimit import LeakyBucket
    from bitrix_monitor.config import parse_plan
    from bitrix_monitor.demo.emulator import PortalEmulator
    from bitrix_monitor.demo.shop import create_demo_shop
    from bitrix_monitor.paths import DataDirs
    from bitrix_monitor.wiring import open_service

    rate = parse_plan(plan)
    cfg = config.from_dict(
        tomllib.loads(
            f'[portal]\noriginator = "bench-first"\ntimeout = 60.0\nplan = "{plan}"\n'
            "[sync]\nsettle_delay = 1.0\n"
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        shop_url = f"sqlite:///{Path(tmp) / 'shop.db'}"
        create_demo_shop(shop_url, orders=orders, users=users, seed=5)
        with PortalEmulator(limits=plan, seed=1) as portal:
            service = await open_service(
                cfg, DataDirs.at(Path(tmp) / "data"), shop_url=shop_url, portal_url=portal.webhook_url
            )
            try:
                await asyncio.sleep(rate.burst / rate.drain)  # the bucket drains after the connect checks
                portal.stats.reset()
                t0 = time.perf_counter()
                snap = await service.snapshot()
                planned = len(snap.plan)
                t1 = time.perf_counter()
                await service.apply(snap.plan, actor="sync")
                t2 = time.perf_counter()
                stats = await service.run_queue(max_wait=30)
                elapsed = time.perf_counter() - t0
                split = (t1 - t0, t2 - t1, t0 + elapsed - t2)
                first = portal.stats.snapshot()
                after = await service.snapshot()
            finally:
                await service.aclose()
    kinds = {k: len(v) for k, v in snap.records.items()}
    creates = sum(math.ceil(n / 50) for n in kinds.values())
    alone = max(0.0, (creates - rate.burst) / rate.drain)
    floor = sum(math.ceil(n / 2500) for n in kinds.values())
    executed = {m: n for m, n in first["executed"].items() if m != "batch"}
    ratio = elapsed / alone if alone else float("nan")
    # The time the rate limit requires for every request made (lookups and reads too), at the bucket the
    # client keeps (a little under the portal's burst): what is left over is local work it did not hide.
    made = first["http_requests"]
    bucket = LeakyBucket(rate)
    made_alone = max(0.0, (made - bucket.capacity) * bucket.interval)
    per_50 = made / (sum(kinds.values()) / 50)
    print(
        f"records by kind: {kinds}; planned jobs {planned}; created {stats.created}, adopted {stats.adopted}"
    )
    print("reconcile / queueing the plan / running the queue (s): " + " / ".join(f"{x:.1f}" for x in split))
    print(f"portal requests of the first sync: {first['http_requests']} ({creates} carry creates)")
    print(f"commands run: {executed}; refused by the rate limit: {first['rejected_rate_limit']}")
    print()
    print(f"{'figure':58} {'value':>10}  target")
    print(f"{'first sync (s)':58} {elapsed:>10.1f}")
    print(f"{f'rate limit alone for {creates} create batches at {plan} (s)':58} {alone:>10.1f}")
    print(f"{'first sync ÷ rate limit alone':58} {ratio:>10.2f}  <= {TARGET}")
    print(f"{'portal requests per 50 records':58} {per_50:>10.2f}")
    print(f"{f'rate limit alone for the {made} requests made, client bucket (s)':58} {made_alone:>10.1f}")
    print(f"{'first sync ÷ that (local work left unhidden)':58} {elapsed / made_alone:>10.2f}  (reported)")
    print(f"{'reconcile after it: portal requests':58} {after.portal.requests:>10}")
    print(
        f"{'  ÷ sum of ceil(records/2,500) per kind':58} {after.portal.requests / floor:>10.2f}  (reported)"
    )
    print(f"{'  operating time per method (s)':58} {after.portal.operating_s}")
    in_sync = sum(c.in_sync for c in after.counts.values())
    checked = sum(c.checked for c in after.counts.values())
    print(f"{'in sync after the first sync':58} {in_sync:>10} of {checked}")
    return 0 if in_sync == checked and ratio <= TARGET else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--plan", default="standard", help="rate plan of both sides (default: standard)")
    parser.add_argument("--quick", action="store_true", help="1,000 orders, 100 users at burst=10,drain=2")
    args = parser.parse_args()
    if args.quick:
        args.orders, args.users, args.plan = 1000, 100, "burst=10,drain=2"
    return asyncio.run(_run(args.orders, args.users, args.plan))


if __name__ == "__main__":
    sys.exit(main())
