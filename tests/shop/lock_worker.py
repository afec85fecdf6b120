"""A second process for the lock tests: ``python -m tests.shop.lock_worker MODE URL ...``.

* ``hold URL KEY``: lock order KEY, print ``held`` (or ``busy``), wait for a line on stdin, release.
* ``race URL WORKER KEYS``: for each order key (comma-separated), under its lock: read the order and, if it
  has no deal, "create" one (a row in ``created_deals``) and write its id back.
"""

from __future__ import annotations

import sys
import time

import sqlalchemy as sa

from bitrix_monitor.config import ShopConfig
from bitrix_monitor.shop import ShopDatabase

CREATED = sa.Table(
    "created_deals",
    sa.MetaData(),
    sa.Column("deal_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("order_key", sa.String(20), nullable=False),
    sa.Column("worker", sa.String(20), nullable=False),
)


def race_step(db: ShopDatabase, record: sa.Engine, worker: str, number: int, key: str) -> str:
    """Look up, create, write back -- the sequence the sync engine runs under a lock."""
    if db.get_orders([key])[key].deal_id is not None:
        return "skipped"
    deal = number
    with record.begin() as conn:
        conn.execute(sa.insert(CREATED).values(deal_id=deal, order_key=key, worker=worker))
    time.sleep(0.005)  # the portal call: long enough for an unlocked rival to slip in
    return "won" if db.set_deal_id(key, deal) else "lost"


def main(argv: list[str]) -> int:
    mode, url = argv[0], argv[1]
    db = ShopDatabase.connect(url, ShopConfig())
    locks = db.locks()
    try:
        if mode == "hold":
            got = locks.acquire("order", [argv[2]], timeout=0)
            print("held" if got else "busy", flush=True)
            sys.stdin.readline()
            locks.release_all()
            print("released", flush=True)
            return 0
        worker, keys = argv[2], argv[3].split(",")
        record = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
        base = 1_000_000 * (1 + int(worker))
        for n, key in enumerate(keys):
            if not locks.acquire("order", [key], timeout=60):
                print(f"timeout {key}", flush=True)
                return 1
            try:
                print(race_step(db, record, worker, base + n, key), flush=True)
            finally:
                locks.release_all()
        record.dispose()
        return 0
    finally:
        locks.close()
        db.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
