"""The demo shop: the first shop's schema with realistic, seeded data and the duplicates staff meet."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import ShopConfig
from bitrix_monitor.demo.emulator.store import PortalStore
from bitrix_monitor.demo.scenario import DEMO_FIELD, DEMO_ORIGINATOR, DemoPaths
from bitrix_monitor.demo.shop import STATUSES, create_demo_shop, create_schema, demo_metadata
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.shop import ShopDatabase, ShopError
from tests.shop.conftest import admin, admin_url


def _digits(phone: str | None) -> str:
    d = re.sub(r"\D", "", phone or "")
    return d[-10:]


def test_demo_shop_has_realistic_rows_and_real_duplicates(shop_url: str) -> None:
    info = create_demo_shop(shop_url, orders=200, users=60)
    assert (info.orders, info.users) == (200, 60)
    assert sum(info.orders_by_status.values()) == 200
    assert {m.matched_on for m in info.duplicate_users} == {"email", "phone"}
    with ShopDatabase.connect(shop_url, ShopConfig()) as db:
        users = db.get_users(str(i) for i in range(1, 61))
        orders = [o for page in db.iter_orders() for o in page]
    assert all(o.stage in STATUSES for o in orders)
    assert all(o.deal_id is None for o in orders)
    assert all(u.contact_id is None for u in users.values())
    assert all(o.amount and o.amount > 0 for o in orders)
    assert all(o.user_key in users for o in orders)
    assert len({u.email for u in users.values() if u.email}) > 40
    formats = {re.sub(r"\d", "9", u.phone or "") for u in users.values()}
    assert len(formats) >= 4  # "+7 (999) 999-99-99", "89999999999", "+7-999-999-99-99", ...
    for dup in info.duplicate_users:
        a, b = users[dup.first], users[dup.second]
        assert a.name == b.name
        if dup.matched_on == "email":
            assert a.email is not None
            assert b.email is not None
            assert a.email != b.email
            assert a.email.casefold() == b.email.casefold()
        else:
            assert a.phone != b.phone
            assert _digits(a.phone) == _digits(b.phone)
    assert all(u.updated_at is not None for u in users.values())


def test_same_seed_same_shop(tmp_path: Path) -> None:
    a = create_demo_shop(f"sqlite:///{tmp_path / 'a.sqlite3'}", orders=30, users=12, seed=3)
    b = create_demo_shop(f"sqlite:///{tmp_path / 'b.sqlite3'}", orders=30, users=12, seed=3)
    assert a.duplicate_users == b.duplicate_users
    with (
        ShopDatabase.connect(a.url, ShopConfig()) as da,
        ShopDatabase.connect(b.url, ShopConfig()) as db_,
    ):
        assert [o.fingerprint for p in da.iter_orders() for o in p] == [
            o.fingerprint for p in db_.iter_orders() for o in p
        ]


def test_demo_refuses_an_existing_shop_unless_replacing(shop_url: str) -> None:
    create_demo_shop(shop_url, orders=5, users=2)
    with pytest.raises(ShopError, match="already has"):
        create_demo_shop(shop_url, orders=5, users=2)
    assert create_demo_shop(shop_url, orders=7, users=3, replace=True).orders == 7


def test_new_rows_get_fresh_serial_ids_after_the_demo(shop_url: str) -> None:
    create_demo_shop(shop_url, orders=10, users=4)
    schema = demo_metadata()
    with admin(shop_url) as conn:
        conn.execute(
            sa.insert(schema.users).values(
                username="new", full_name="New Person", created_at=sa.func.now(), updated_at=sa.func.now()
            )
        )
        assert conn.execute(sa.select(sa.func.max(schema.users.c.id))).scalar() == 5


def test_create_schema_gives_empty_tables_for_own_rows(shop_url: str) -> None:
    engine = sa.create_engine(admin_url(shop_url), poolclass=sa.pool.NullPool)
    try:
        schema = create_schema(engine)
        with engine.begin() as conn:
            conn.execute(
                sa.insert(schema.users).values(
                    id=1,
                    username="u",
                    full_name="Ann Lee",
                    created_at=sa.func.now(),
                    updated_at=sa.func.now(),
                )
            )
    finally:
        engine.dispose()
    with ShopDatabase.connect(shop_url, ShopConfig()) as db:
        assert db.count_orders() == 0
        assert db.get_users(["1"])["1"].last_name == "Lee"


def _cli(dirs: DataDirs, *args: str) -> str:
    """The real entry point in a process of its own (it sets up logging for the whole process); its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "bitrix_monitor", "--data-dir", str(dirs.root), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_demo_keeps_its_queue_archive_and_activity_apart(tmp_path: Path) -> None:
    """A demo sync writes its jobs, its archive (the seeded duplicates it cleans up) and its activity under
    ``demo/``: the real configuration's queue, archive and activity stay untouched, ``--list-archive`` on the
    real setup lists nothing of the demo, and ``--demo --restore`` works on the demo's own shop."""
    dirs = DataDirs(tmp_path / "data")
    _cli(dirs, "--demo", "--sync")
    demo = dirs.demo()
    assert demo.root == dirs.root / "demo"
    assert not dirs.queue_file.exists() and not dirs.activity_file.exists()
    assert list(dirs.archive_dir.iterdir()) == []
    assert demo.queue_file.is_file() and demo.activity_file.read_text().strip()
    archived = sorted(demo.archive_dir.glob("deal-*.json"))
    assert archived  # the demo's duplicates were archived before the cleanup deleted them

    assert _cli(dirs, "--list-archive").splitlines() == [f"0 archived records in {dirs.archive_dir}"]
    assert str(archived[0]) in _cli(dirs, "--demo", "--list-archive")

    assert _cli(dirs, "--demo", "--restore", str(archived[0])).startswith("Restored deal ")
    # --restore and --list-archive speak --lang: the same restore again, in Russian, finds it done
    again = _cli(dirs, "--lang", "ru", "--demo", "--restore", str(archived[0]))
    assert again.startswith("сделка ") and ": уже восстановлено как сделка " in again, again
    listed = _cli(dirs, "--lang", "ru", "--demo", "--list-archive").splitlines()
    assert "ключ в магазине" in listed[0] and ", восстановлена как " in "\n".join(listed), listed
    assert re.fullmatch(rf"\d+ запис(ь|и|ей) в архиве {re.escape(str(demo.archive_dir))}", listed[-1]), listed
    assert not dirs.queue_file.exists() and not dirs.activity_file.exists()

    # The demo maps one custom field: every deal of the demo's carries its order id there (the restored
    # duplicate, marked so in ORIGIN_ID, kept the one it had).
    store = PortalStore(DemoPaths.of(dirs).portal)
    ours = [
        d for d in store.all("deal") if d.get("ORIGINATOR_ID") == DEMO_ORIGINATOR and d["ORIGIN_ID"].isdigit()
    ]
    assert ours and [(d["ORIGIN_ID"], d[DEMO_FIELD]) for d in ours if d[DEMO_FIELD] != d["ORIGIN_ID"]] == []


def test_the_pool_of_users_to_repeat_draws_as_random_choice_over_those_left() -> None:
    """The demo's second registrations pick whom they repeat in O(log n): the same users, in the same order,
    as ``random.choice`` over the list of those not yet taken (so a seed still makes the same shop)."""
    from bitrix_monitor.demo.shop import _Pool

    users = [{"id": i} for i in range(1, 400, 3)]
    pool, left = _Pool(list(users)), list(users)
    fast, naive = random.Random(5), random.Random(5)
    for _ in range(len(users)):
        picked = pool.pick(fast)
        assert picked is naive.choice(left)
        pool.take(picked)
        pool.take(picked)  # taken twice: counted once
        left.remove(picked)
    with pytest.raises(IndexError):
        pool.pick(fast)
