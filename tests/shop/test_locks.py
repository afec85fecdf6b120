"""Per-entity locks: two workers -- threads with their own holders, or separate processes -- never run
"look up, create, write back" for the same order at the same time."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.shop.locks import lock_hash
from tests.shop.conftest import admin
from tests.shop.lock_worker import CREATED, race_step

ROOT = Path(__file__).resolve().parents[2]


def _worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.shop.lock_worker", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def created(demo_url: str) -> None:
    with admin(demo_url) as conn:
        CREATED.metadata.create_all(conn)


def _line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline().strip()


def _created(url: str) -> Counter[str]:
    with admin(url) as conn:
        return Counter(conn.execute(sa.select(CREATED.c.order_key)).scalars())


def test_a_held_key_is_refused_to_another_holder_until_released(shop: ShopDatabase) -> None:
    with shop.locks() as a, shop.locks() as b:
        assert a.acquire("order", ["2", "4"]) == {"2", "4"}
        assert b.acquire("order", ["1", "2", "3", "4", "5"], timeout=0) == {"1", "3", "5"}
        assert b.acquire("user", ["2"], timeout=0) == {"2"}  # users and orders are separate
        assert a.acquire("order", ["2"], timeout=0) == {"2"}  # a holder keeps what it holds
        a.release("order", ["2"])
        assert b.acquire("order", ["2", "4"], timeout=0.05) == {"2"}
        assert a.held("order") == {"4"}
        a.release_all()
        assert b.acquire("order", ["4"], timeout=0) == {"4"}
    with shop.locks() as c:  # closing released everything
        assert c.acquire("order", ["1", "2", "3", "4", "5"], timeout=0) == {"1", "2", "3", "4", "5"}


def test_a_waiting_holder_gets_the_key_when_it_is_released(shop: ShopDatabase) -> None:
    with shop.locks() as a, shop.locks() as b:
        assert a.acquire("order", ["7"]) == {"7"}
        releaser = threading.Timer(0.2, a.release_all)
        releaser.start()
        try:
            assert b.acquire("order", ["7"], timeout=30) == {"7"}
        finally:
            releaser.join()


def test_a_holder_that_holds_a_key_never_waits_for_another(
    shop: ShopDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No hold and wait: two holders each holding a key the other wants both go on at once with what
    they got (a 30-second stall of two desks racing on MariaDB, each waiting out the other's timeout)."""
    with shop.locks() as a, shop.locks() as b:
        assert a.acquire("order", ["1"]) == {"1"}
        assert b.acquire("order", ["2"]) == {"2"}

        def waited(seconds: float) -> None:
            raise AssertionError(f"a holder that holds a lock waited {seconds} s for another")

        monkeypatch.setattr("bitrix_monitor.shop.locks.time.sleep", waited)
        assert a.acquire("order", ["2", "3"], timeout=30) == {"3"}
        assert b.acquire("order", ["1", "4"], timeout=30) == {"4"}
        assert b.acquire("user", ["1"], timeout=30) == {"1"}  # and a free key of another kind, at once
        assert a.acquire("user", ["1"], timeout=30) == set()  # held by b, while a holds orders


def test_two_threads_with_their_own_holders_create_each_deal_once(
    shop: ShopDatabase, demo_url: str, created: None
) -> None:
    keys = [str(i) for i in range(1, 31)]
    outcomes: list[str] = []
    record = sa.create_engine(shop.engine.url, poolclass=sa.pool.NullPool)

    def work(worker: int) -> None:
        order = keys[:] if worker == 0 else keys[::-1]
        random.Random(worker).shuffle(order)
        with shop.locks() as locks:
            for n, key in enumerate(order):
                assert locks.acquire("order", [key], timeout=60) == {key}
                try:
                    outcomes.append(race_step(shop, record, str(worker), 1000 * (worker + 1) + n, key))
                finally:
                    locks.release_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    record.dispose()
    assert Counter(outcomes) == {"won": 30, "skipped": 30}
    assert _created(demo_url) == Counter({k: 1 for k in keys})
    orders = shop.get_orders(keys)
    assert all(orders[k].deal_id is not None for k in keys)


def test_two_processes_create_each_deal_once(shop: ShopDatabase, demo_url: str, created: None) -> None:
    keys = [str(i) for i in range(1, 41)]
    procs = [
        _worker("race", demo_url, "0", ",".join(keys)),
        _worker("race", demo_url, "1", ",".join(keys[::-1])),
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    outcomes = Counter(line for out, _ in outputs for line in out.split())
    assert outcomes == {"won": 40, "skipped": 40}
    assert _created(demo_url) == Counter({k: 1 for k in keys})


def test_a_lock_held_by_another_process_is_refused_and_dies_with_it(shop: ShopDatabase) -> None:
    holder = _worker("hold", shop_url_of(shop), "12")
    try:
        assert _line(holder) == "held"
        with shop.locks() as mine:
            assert mine.acquire("order", ["12", "13"], timeout=0) == {"13"}
            os.kill(holder.pid, signal.SIGKILL)  # a crashed worker leaves nothing locked
            holder.wait(timeout=30)
            # The server frees a dead session's locks when it notices the connection closed, a moment after
            # the process is gone; a holder that holds a lock tries once and never waits (no hold and wait),
            # so this one lets go of 13 first and then waits for 12 as any holder holding nothing does.
            mine.release_all()
            assert mine.acquire("order", ["12"], timeout=30) == {"12"}
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate(timeout=30)


def test_another_process_gets_the_key_after_release(shop: ShopDatabase) -> None:
    mine = shop.locks()
    try:
        assert mine.acquire("order", ["21"]) == {"21"}
        other = _worker("hold", shop_url_of(shop), "21")
        assert _line(other) == "busy"
        other.communicate("\n", timeout=30)
        mine.release_all()
        other = _worker("hold", shop_url_of(shop), "21")
        assert _line(other) == "held"
        assert mine.acquire("order", ["21"], timeout=0) == set()
        other.communicate("\n", timeout=30)
        assert mine.acquire("order", ["21"], timeout=30) == {"21"}
    finally:
        mine.close()


def shop_url_of(shop: ShopDatabase) -> str:
    return shop.engine.url.render_as_string(hide_password=False)


def test_lock_hash_is_stable_across_processes() -> None:
    code = "from bitrix_monitor.shop.locks import lock_hash; print(lock_hash('orders', 'order', '42'))"
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert int(other.stdout) == lock_hash("orders", "order", "42")
    assert lock_hash("orders", "order", "42") != lock_hash("orders", "order", "43")


class _FakeMsvcrt:
    """``msvcrt.locking`` as Windows does it, for the byte-range branch on any machine: it locks ``n`` bytes
    from the descriptor's current position, a byte held through another handle refuses (OSError), and only
    the handle that locked a byte unlocks it."""

    LK_UNLCK, LK_NBLCK = 0, 2

    def __init__(self) -> None:
        self.held: dict[int, int] = {}  # position -> descriptor

    def locking(self, fd: int, mode: int, n: int) -> None:
        assert n == 1
        pos = os.lseek(fd, 0, os.SEEK_CUR)
        if mode == self.LK_NBLCK:
            if pos in self.held:  # Windows refuses a byte locked already, even through the same handle
                raise PermissionError(13, "locked")
            self.held[pos] = fd
        elif self.held.get(pos) == fd:
            del self.held[pos]
        else:
            raise PermissionError(13, "not locked by this handle")


def test_the_windows_branch_locks_the_byte_of_the_key_through_its_own_handle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bitrix_monitor.shop import locks

    fake = _FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setattr(sys, "platform", "win32")
    one = os.open(tmp_path / "shop.lock", os.O_RDWR | os.O_CREAT)
    other = os.open(tmp_path / "shop.lock", os.O_RDWR)  # another process's handle
    try:
        offset = (1 << 31) - 2  # the highest byte a Windows key uses
        assert locks._lock_byte(one, offset, True)
        assert fake.held == {offset: one}
        assert not locks._lock_byte(other, offset, True)
        assert not locks._lock_byte(one, offset, True)  # no re-entry: the registry answers for a holder
        assert locks._lock_byte(one, offset, False)
        assert locks._lock_byte(other, offset, True)
        assert not locks._lock_byte(one, 7, False)  # never held
    finally:
        os.close(one)
        os.close(other)
