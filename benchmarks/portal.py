"""Portal benchmark: sustained throughput of the Bitrix24 client against the in-process portal emulator.

Two tasks, each run by our client and by the third-party ``fast_bitrix24`` in the same run, against one
emulator with cloud-like limits (default ``burst=10,drain=20``):

1. a full scan of a large deal list (seeded directly in the emulator's store);
2. the creation of several thousand deals stamped with ``ORIGINATOR_ID``/``ORIGIN_ID``.

Throughput is printed as records/s and as a ratio to the ceiling the rate limit allows: ``drain × 2,500``
records/s for reads (one batch of 50 pages of 50 rows per request) and ``drain × 50`` for creates (one batch
of 50 adds per request). Between runs the emulator's bucket is left to drain, so each run starts fresh.

    .venv/bin/python -m benchmarks.portal [--quick] [--deals N] [--creates N] [--limits burst=10,drain=20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bitrix_monitor.bitrix import BitrixClient, BitrixError
from bitrix_monitor.config import parse_plan

SELECT = [
    "ID",
    "TITLE",
    "STAGE_ID",
    "OPPORTUNITY",
    "CURRENCY_ID",
    "ORIGINATOR_ID",
    "ORIGIN_ID",
    "DATE_MODIFY",
]
ROWS_PER_REQUEST = 2500
ADDS_PER_REQUEST = 50
MAX_IN_FLIGHT = 8  # concurrent HTTP requests, both clients


@dataclass
class Run:
    client: str
    task: str
    records: int
    seconds: float
    ceiling: float  # records/s the drain rate allows: drain × records per request
    burst_records: float = 0.0  # records the initial burst allows on top (burst × records per request)
    requests: int | None = None
    refused_503: int | None = None
    failures: int = 0
    note: str = ""

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / self.ceiling if self.ceiling else 0.0

    @property
    def strict_ratio(self) -> float:
        """Against what the portal allows in this run's time, counting the free initial burst too."""
        allowed = self.burst_records + self.ceiling * self.seconds
        return self.records / allowed if allowed else 0.0


def _stat(portal: Any, *names: str) -> int | None:
    stats = getattr(portal, "stats", None)
    for name in names:
        value = stats.get(name) if isinstance(stats, dict) else getattr(stats, name, None)
        if isinstance(value, int):
            return value
    return None


def _requests(portal: Any) -> int | None:
    return _stat(portal, "http_requests")


def _refusals(portal: Any) -> int | None:
    return _stat(portal, "rejected_rate_limit")


async def _measured(
    portal: Any, work: Callable[[], Awaitable[tuple[int, int, str]]]
) -> tuple[int, float, int, str, int | None, int | None]:
    req0, ref0 = _requests(portal), _refusals(portal)
    t0 = time.perf_counter()
    records, failures, note = await work()
    seconds = time.perf_counter() - t0
    req1, ref1 = _requests(portal), _refusals(portal)
    reqs = req1 - req0 if req0 is not None and req1 is not None else None
    refs = ref1 - ref0 if ref0 is not None and ref1 is not None else None
    return records, seconds, failures, note, reqs, refs


async def ours_scan(url: str, plan: str) -> tuple[int, int, str]:
    async with BitrixClient(url, plan=parse_plan(plan), max_in_flight=MAX_IN_FLIGHT) as client:
        seen = 0
        last = 0
        in_order = True
        async for page in client.list_all("crm.deal.list", select=SELECT):
            for row in page:
                rid = int(row["ID"])
                in_order = in_order and rid > last
                last = rid
            seen += len(page)
        b = client.budget()
        return seen, 0, f"503 retried: {b.rate_limited}, in ID order: {in_order}"


async def ours_create(url: str, plan: str, n: int) -> tuple[int, int, str]:
    items = [
        {
            "TITLE": f"Bench order {i}",
            "ORIGINATOR_ID": "bench-ours",
            "ORIGIN_ID": str(i),
            "OPPORTUNITY": 100 + i,
        }
        for i in range(n)
    ]
    async with BitrixClient(url, plan=parse_plan(plan), max_in_flight=MAX_IN_FLIGHT) as client:
        out = await client.add_many("deal", items)
        failures = [o for o in out if isinstance(o, BitrixError)]
        b = client.budget()
        return len(out) - len(failures), len(failures), f"503 retried: {b.rate_limited}"


def _fast_client(url: str, plan: str) -> Any:
    """fast_bitrix24 as its README says to set it up for a plan: pool = burst, rate = drain."""
    from fast_bitrix24 import BitrixAsync

    p = parse_plan(plan)
    return BitrixAsync(url, verbose=False, request_pool_size=int(p.burst), requests_per_second=p.drain)


async def fast_scan(url: str, plan: str) -> tuple[int, int, str]:
    rows = await _fast_client(url, plan).get_all("crm.deal.list", {"select": SELECT})
    return len(rows), 0, ""


async def fast_create(url: str, plan: str, n: int) -> tuple[int, int, str]:
    items = [
        {
            "fields": {
                "TITLE": f"Bench order {i}",
                "ORIGINATOR_ID": "bench-fb24",
                "ORIGIN_ID": str(i),
                "OPPORTUNITY": 100 + i,
            }
        }
        for i in range(n)
    ]
    out = await _fast_client(url, plan).call("crm.deal.add", items)
    ids = [o for o in (out if isinstance(out, list | tuple) else [out]) if o]
    return len(ids), n - len(ids), ""


def _seed(portal: Any, n: int) -> None:
    stages = ["NEW", "PREPARATION", "EXECUTING", "WON"]
    for i in range(n):
        portal.store.add(
            "deal",
            {
                "TITLE": f"Seeded deal {i}",
                "STAGE_ID": stages[i % 4],
                "OPPORTUNITY": str(10 + i % 1000),
                "CURRENCY_ID": "RUB",
                "ORIGINATOR_ID": "seed",
                "ORIGIN_ID": str(i),
            },
        )


def _count_origin(portal: Any, originator: str) -> tuple[int, int]:
    rows = [r for r in portal.store.all("deal") if r.get("ORIGINATOR_ID") == originator]
    origins = [r.get("ORIGIN_ID") for r in rows]
    return len(rows), len(origins) - len(set(origins))


async def run(deals: int, creates: int, limits: str) -> list[Run]:
    from bitrix_monitor.demo.emulator import PortalEmulator

    plan = parse_plan(limits)
    rest = plan.burst / plan.drain + 0.5
    runs: list[Run] = []
    with PortalEmulator(limits=limits, seed=1) as portal:
        _seed(portal, deals)
        url = portal.webhook_url
        tasks: list[tuple[str, str, int, Callable[[], Awaitable[tuple[int, int, str]]]]] = [
            ("bitrix-monitor", "scan", ROWS_PER_REQUEST, lambda: ours_scan(url, limits)),
            ("fast_bitrix24", "scan", ROWS_PER_REQUEST, lambda: fast_scan(url, limits)),
            ("bitrix-monitor", "create", ADDS_PER_REQUEST, lambda: ours_create(url, limits, creates)),
            ("fast_bitrix24", "create", ADDS_PER_REQUEST, lambda: fast_create(url, limits, creates)),
        ]
        for name, task, per_request, work in tasks:
            ceiling = plan.drain * per_request
            burst_records = plan.burst * per_request
            await asyncio.sleep(rest)  # let the portal's bucket drain
            try:
                records, seconds, failures, note, reqs, refs = await _measured(portal, work)
            except Exception as exc:  # a peer that crashes is a result too
                records, seconds, failures, reqs, refs = 0, 0.0, 1, None, None
                note = f"crashed: {type(exc).__name__}: {exc}"[:70]
            if task == "create":
                made, dupes = _count_origin(
                    portal, "bench-ours" if name == "bitrix-monitor" else "bench-fb24"
                )
                note = f"{note}; in portal: {made}, duplicates: {dupes}".strip("; ")
            runs.append(Run(name, task, records, seconds, ceiling, burst_records, reqs, refs, failures, note))
    return runs


def render(runs: list[Run], limits: str, deals: int, creates: int) -> str:
    head = (
        f"Portal benchmark: emulator limits {limits}; scan of {deals:,} deals; creation of {creates:,} deals"
    )
    cols = (
        f"{'client':<15}{'task':<8}{'records':>9}{'seconds':>9}{'rec/s':>10}{'ceiling':>9}{'ratio':>7}"
        f"{'strict':>7}{'reqs':>6}{'503s':>6}{'fail':>6}  note"
    )
    lines = [head, cols, "-" * len(cols)]
    for r in runs:
        reqs = "" if r.requests is None else str(r.requests)
        refs = "" if r.refused_503 is None else str(r.refused_503)
        lines.append(
            f"{r.client:<15}{r.task:<8}{r.records:>9,}{r.seconds:>9.2f}{r.rate:>10,.0f}{r.ceiling:>9,.0f}"
            f"{r.ratio:>7.2f}{r.strict_ratio:>7.2f}{reqs:>6}{refs:>6}{r.failures:>6}  {r.note}"
        )
    lines.append(
        "ratio = records/s ÷ ceiling (drain × 2,500 rows or × 50 adds per request); strict also counts the "
        "burst the portal allows at the start; 503s = QUERY_LIMIT_EXCEEDED answers (retried, not failures)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.portal", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes (a few seconds)")
    p.add_argument("--deals", type=int, help="deals to seed for the scan (default 100,000; quick 20,000)")
    p.add_argument("--creates", type=int, help="deals to create per client (default 5,000; quick 1,000)")
    p.add_argument(
        "--limits", default="burst=10,drain=20", help="emulator rate plan (default burst=10,drain=20)"
    )
    args = p.parse_args(argv)
    deals = args.deals or (20_000 if args.quick else 100_000)
    creates = args.creates or (1_000 if args.quick else 5_000)
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # a crashed peer's orphaned tasks
    import fast_bitrix24  # noqa: F401  (its logger sets itself to DEBUG on import)

    logging.getLogger("fast_bitrix24").setLevel(logging.ERROR)
    runs = asyncio.run(run(deals, creates, args.limits))
    print(render(runs, args.limits, deals, creates))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
