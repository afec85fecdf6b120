"""Benchmark (not a test): stream 100k orders from PostgreSQL with ``iter_orders``.

    .venv/bin/python -m tests.shop.bench_read [--orders 100000] [--page-size 2000] [--links]

Creates a scratch database on the test PostgreSQL server, fills it with the demo shop in a child process,
then reads every order in a fresh child process and reports seconds, rows/s, the process's peak RSS
(before and after the read) and, in a second pass, the Python heap's peak (tracemalloc). Drops the
database at the end. With ``--links`` the deal ids live in a link table (every other order linked), read
through the outer join.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
ADMIN = os.environ.get("BM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read(url: str, page_size: int, links: bool) -> dict[str, float]:
    from bitrix_monitor.config import ShopConfig
    from bitrix_monitor.shop import ShopDatabase
    from tests.shop.test_links import LINKED

    with ShopDatabase.connect(url, LINKED if links else ShopConfig()) as db:
        rss_before = _rss_mb()
        start = time.perf_counter()
        rows = sum(len(page) for page in db.iter_orders(page_size=page_size))
        seconds = time.perf_counter() - start
        rss_after = _rss_mb()
        tracemalloc.start()
        for _ in db.iter_orders(page_size=page_size):
            pass
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "peak_rss_mb_before_read": round(rss_before, 1),
        "peak_rss_mb_after_read": round(rss_after, 1),
        "python_heap_peak_mb_during_read": round(heap_peak / 2**20, 1),
    }


def _link_every_other_order(url: str) -> None:
    from tests.shop.test_links import create_links

    table = create_links(url)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            orders = sa.table("orders", sa.column("order_id"))
            picked = sa.select(sa.literal("deal"), orders.c.order_id, orders.c.order_id + 1000)
            picked = picked.where(orders.c.order_id % 2 == 0)
            conn.execute(sa.insert(table).from_select(["entity_type", "local_id", "bitrix_id"], picked))
    finally:
        engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--page-size", type=int, default=2000)
    ap.add_argument("--links", action="store_true", help="deal and contact ids in a link table")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "URL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, url = args.child
        if mode == "fill":
            from bitrix_monitor.demo.shop import create_demo_shop

            create_demo_shop(url, orders=args.orders, users=max(1, args.orders // 20))
            if args.links:
                _link_every_other_order(url)
        else:
            print(json.dumps(read(url, args.page_size, args.links)))
        return 0
    name = f"bm_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = sa.make_url(ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        me = [sys.executable, "-m", "tests.shop.bench_read", "--orders", str(args.orders)]
        me += ["--links"] if args.links else []
        start = time.perf_counter()
        subprocess.run([*me, "--child", "fill", url], cwd=ROOT, check=True)
        print(f"filled {args.orders} orders in {time.perf_counter() - start:.1f} s")
        out = subprocess.run(
            [*me, "--page-size", str(args.page_size), "--child", "read", url],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        print(out.stdout.strip())
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
