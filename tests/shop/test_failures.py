"""Failures are typed, one clean line, and never show a password."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import ShopConfig
from bitrix_monitor.demo.shop import create_demo_shop
from bitrix_monitor.messages import Message, error_line
from bitrix_monitor.shop import (
    ShopConnectionLostError,
    ShopDatabase,
    ShopError,
    ShopMissingDatabaseError,
    ShopPermissionError,
    ShopUnreachableError,
)
from bitrix_monitor.shop.connection import display, parse_url, translate
from tests.conftest import MARIADB_ADMIN_URL, POSTGRES_ADMIN_URL, tcp_keepalive_of
from tests.shop.conftest import admin, admin_url, kind_of


@pytest.mark.parametrize(
    "url",
    ["postgresql://postgres:Hunter2secret@127.0.0.1:1/shop", "mysql://root:Hunter2secret@127.0.0.1:1/shop"],
)
def test_unreachable_server(url: str) -> None:
    with pytest.raises(ShopUnreachableError) as info:
        ShopDatabase.connect(url, ShopConfig())
    assert "127.0.0.1:1" in str(info.value)
    assert "Hunter2secret" not in str(info.value)


@pytest.mark.parametrize("admin_base", [POSTGRES_ADMIN_URL, MARIADB_ADMIN_URL], ids=["postgresql", "mariadb"])
def test_missing_database(admin_base: str) -> None:
    url = sa.make_url(admin_base).set(database="bm_no_such_shop_db").render_as_string(hide_password=False)
    try:
        with pytest.raises(ShopMissingDatabaseError, match=r"bm_no_such_shop_db does not exist"):
            ShopDatabase.connect(url, ShopConfig())
    except ShopUnreachableError:
        pytest.skip("server not running")


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope.sqlite3"
    with pytest.raises(ShopMissingDatabaseError, match="does not exist"):
        ShopDatabase.connect(f"sqlite:///{path}", ShopConfig())
    assert not path.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [("oracle://scott@db/shop", "not supported"), ("not a url", "not a valid URL")],
)
def test_unsupported_or_malformed_url(url: str, message: str) -> None:
    with pytest.raises(ShopError, match=message):
        ShopDatabase.connect(url, ShopConfig())


class _Killer:
    """Kills the server side of the connection a statement is about to run on."""

    def __init__(self, url: str, times: int) -> None:
        self.kind = kind_of(url)
        self.times = times
        self.killed = 0
        self.engine = sa.create_engine(
            admin_url(url), poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
        )
        self.conn = self.engine.connect()

    def __call__(self, conn: sa.Connection, *args: Any) -> None:
        if self.killed >= self.times:
            return
        self.killed += 1
        dbapi: Any = conn.connection.dbapi_connection
        if self.kind == "postgresql":
            pid = dbapi.info.backend_pid
            self.conn.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        else:
            self.conn.execute(sa.text(f"KILL {int(dbapi.thread_id())}"))

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


@pytest.mark.parametrize("server_url", ["postgresql", "mariadb"], indirect=True)
def test_connection_lost_mid_read_is_retried_once(server_url: str) -> None:
    create_demo_shop(server_url, orders=50, users=10)
    with ShopDatabase.connect(server_url, ShopConfig()) as db:
        pages = db.iter_orders(page_size=20)
        first = next(pages)
        killer = _Killer(server_url, times=1)
        sa.event.listen(db.engine, "before_cursor_execute", killer)
        try:
            rest = [row for page in pages for row in page]
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", killer)
            killer.close()
        assert killer.killed == 1
        assert [o.key for o in first + rest] == [str(i) for i in range(1, 51)]


@pytest.mark.parametrize("server_url", ["postgresql", "mariadb"], indirect=True)
def test_connection_lost_twice_fails_clearly_and_writes_nothing(server_url: str) -> None:
    create_demo_shop(server_url, orders=50, users=10)
    with ShopDatabase.connect(server_url, ShopConfig()) as db:
        pages = db.iter_orders(page_size=20)
        next(pages)
        killer = _Killer(server_url, times=1000)
        sa.event.listen(db.engine, "before_cursor_execute", killer)
        try:
            with pytest.raises(ShopConnectionLostError, match="lost while reading orders"):
                next(pages)
            with pytest.raises(ShopConnectionLostError, match="lost while writing orders"):
                db.set_deal_id("3", 33)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", killer)
            killer.close()
        assert db.get_orders(["3"])["3"].deal_id is None  # the connection recovers; nothing was written
    with admin(server_url) as conn:
        assert (
            conn.execute(sa.text("SELECT count(*) FROM orders WHERE bitrix_deal_id IS NOT NULL")).scalar()
            == 0
        )


def _english_left(text: str, *names: str) -> list[str]:
    """The words in Latin letters left in ``text`` once ``names`` (a database's address) are taken out."""
    for name in names:
        text = text.replace(name, " ")
    return re.findall(r"[A-Za-z]{2,}", text)


def test_what_was_being_done_when_the_connection_dropped_is_said_in_the_readers_language(
    postgres_url: str,
) -> None:
    """A connection to the shop lost while reading, writing or checking: the whole line in Russian (what
    the app was doing included, the kind as a word), only the database's address left as it is; the
    English (``str()``, logs) as before."""
    create_demo_shop(postgres_url, orders=5, users=2)
    with ShopDatabase.connect(postgres_url, ShopConfig()) as db:
        pages = db.iter_orders(page_size=2)
        next(pages)
        killer = _Killer(postgres_url, times=1000)
        sa.event.listen(db.engine, "before_cursor_execute", killer)
        lost: dict[str, ShopConnectionLostError] = {}
        try:
            for doing, act in {
                "reading orders": lambda: next(pages),
                "reading users": lambda: db.get_users(["1"]),
                "writing orders": lambda: db.set_deal_id("3", 33),
                "checking the connection": db.ping,
            }.items():
                with pytest.raises(ShopConnectionLostError) as caught:
                    act()
                lost[doing] = caught.value
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", killer)
            killer.close()
        where = db.where
    for doing, exc in lost.items():
        assert str(exc) == f"The connection to the shop database {where} was lost while {doing}"
    said = {doing: error_line(exc, "ru") for doing, exc in lost.items()}
    assert said == {
        doing: f"Соединение с базой данных магазина {where} прервалось (операция: {ru})"
        for doing, ru in [
            ("reading orders", "чтение заказов"),
            ("reading users", "чтение пользователей"),
            ("writing orders", "запись данных заказов"),
            ("checking the connection", "проверка соединения"),
        ]
    }
    assert all(_english_left(line, where) == [] for line in said.values())
    assert error_line(lost["reading orders"], "en") == str(lost["reading orders"])


class _DriverError(Exception):
    """A driver's exception as PostgreSQL's driver makes it: its text, and the SQLSTATE."""

    def __init__(self, text: str, sqlstate: str) -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "kind", "english", "russian"),
    [
        (
            "42501",
            ShopPermissionError,
            "Permission denied while reading companies (permission denied for table companies) "
            '(see README, "Shop database access and least privilege")',
            "Недостаточно прав (операция: чтение компаний; permission denied for table companies) "
            '(см. README, раздел "Shop database access and least privilege")',
        ),
        (
            "XX000",
            ShopError,
            "The shop database db failed while reading companies: permission denied for table companies",
            "Ошибка базы данных магазина db (операция: чтение компаний): permission denied for table "
            "companies",
        ),
    ],
    ids=["denied", "failed"],
)
def test_a_refused_or_failed_statement_says_what_was_being_done_in_the_readers_language(
    sqlstate: str, kind: type[ShopError], english: str, russian: str
) -> None:
    """What the app was doing is said in the reader's language; the server's own words (its text, and
    the README's section by its name) stay as they are."""
    orig = _DriverError("permission denied for table companies", sqlstate)
    exc = sa.exc.ProgrammingError("SELECT id FROM companies", {}, orig)
    err = translate(exc, "db", Message("shop.doing.reading", {"shop_entities": "company"}), connected=True)
    assert type(err) is kind
    assert str(err) == english
    assert error_line(err, "ru") == russian


@pytest.mark.parametrize("server_url", ["postgresql", "mariadb"], indirect=True)
def test_a_lock_holder_whose_connection_drops_forgets_its_locks_and_reconnects(server_url: str) -> None:
    create_demo_shop(server_url, orders=5, users=2)
    with ShopDatabase.connect(server_url, ShopConfig()) as db, db.locks() as mine, db.locks() as other:
        assert mine.acquire("order", ["1", "2"]) == {"1", "2"}
        killer = _Killer(server_url, times=1)
        lock_engine = mine._engine  # type: ignore[attr-defined]
        sa.event.listen(lock_engine, "before_cursor_execute", killer)
        try:
            with pytest.raises(ShopConnectionLostError) as lost:
                mine.acquire("order", ["3"])
            assert str(lost.value).endswith(" was lost while taking a lock")
            assert error_line(lost.value, "ru").endswith(" прервалось (операция: установка блокировки)")
        finally:
            sa.event.remove(lock_engine, "before_cursor_execute", killer)
            killer.close()
        assert mine.held("order") == set()
        assert other.acquire("order", ["1", "2"], timeout=30) == {"1", "2"}  # the server freed them
        assert mine.acquire("order", ["1", "3"], timeout=0) == {"3"}  # reconnected
        other.release_all()
        mine.release_all()


@pytest.mark.parametrize(
    ("url", "driver", "kind"),
    [
        ("postgresql://shop@db/shop", "postgresql+psycopg", "postgresql"),
        ("postgres://shop@db/shop", "postgresql+psycopg", "postgresql"),
        ("mysql://shop@db/shop", "mysql+pymysql", "mariadb"),
        ("mariadb://shop@db/shop", "mariadb+pymysql", "mariadb"),
        ("sqlite:///shop.sqlite3", "sqlite", "sqlite"),
        ("postgresql+psycopg://shop@db/shop", "postgresql+psycopg", "postgresql"),
    ],
)
def test_plain_urls_pick_the_shipped_drivers(url: str, driver: str, kind: str) -> None:
    u, got_kind = parse_url(url, "p@ss/w:rd")
    assert (u.drivername, got_kind) == (driver, kind)
    if kind != "sqlite":
        assert u.password == "p@ss/w:rd"
        assert "p@ss/w:rd" not in display(u)


def test_ping_of_a_sqlite_shop_whose_file_went_away(tmp_path: Path) -> None:
    """The pooled connections keep the old file open, so the ping looks at the path: a file renamed away is
    missing (and none is made in its place); one put back in its place (another file) is read afresh."""
    path = tmp_path / "shop.sqlite3"
    create_demo_shop(f"sqlite:///{path}", orders=5, users=2)
    db = ShopDatabase.connect(f"sqlite:///{path}", ShopConfig())
    try:
        db.ping()
        assert db.count("order") == 5
        path.rename(tmp_path / "away.sqlite3")
        with pytest.raises(ShopMissingDatabaseError, match="does not exist"):
            db.ping()
        assert not path.exists()
        create_demo_shop(f"sqlite:///{path}", orders=7, users=2)  # another shop at the same path
        db.ping()
        assert db.count("order") == 7
    finally:
        db.close()


def test_ping_of_a_postgresql_shop_dropped_meanwhile(postgres_url: str) -> None:
    """A database dropped under the shop's pooled connections (they are ended with it): the ping says it
    no longer exists. (MariaDB lets a connection outlive its database, and SELECT 1 needs none.)"""
    create_demo_shop(postgres_url, orders=5, users=2)
    db = ShopDatabase.connect(postgres_url, ShopConfig())
    name = sa.make_url(postgres_url).database
    try:
        db.ping()
        with admin(POSTGRES_ADMIN_URL) as conn:
            conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
        with pytest.raises(ShopMissingDatabaseError, match=f"{name} does not exist"):
            db.ping()
    finally:
        db.close()


KEPT_ALIVE = (1, 20, 5, 4, 40_000)  # on, first probe after 20 s idle, then every 5 s, 4 of them; 40 s unacked


def _fd(conn: sa.Connection) -> int:
    raw = conn.connection.driver_connection
    return int(raw.fileno() if hasattr(raw, "fileno") else raw._sock.fileno())  # type: ignore[union-attr]


@pytest.mark.parametrize("server_url", ["postgresql", "mariadb"], indirect=True)
def test_shop_connections_find_a_silent_server_out_within_about_40_seconds(server_url: str) -> None:
    """A desk whose network went away (suspended, VPN dropped) learns it from the shop's connections in about
    40 s, not when the system gives up: TCP keepalives on the shop's pool and on a lock holder's connection
    (libpq's options on PostgreSQL; PyMySQL's socket, which has them on with the system's timings)."""
    create_demo_shop(server_url, orders=5, users=2)
    with ShopDatabase.connect(server_url, ShopConfig()) as db, db.locks() as locks:
        db.ping()
        with db.engine.connect() as conn:
            assert tcp_keepalive_of(_fd(conn)) == KEPT_ALIVE
        assert locks.acquire("order", ["1"]) == {"1"}
        assert tcp_keepalive_of(_fd(locks._conn)) == KEPT_ALIVE  # type: ignore[attr-defined]
        locks.release_all()


def test_keepalive_settings_in_a_postgresql_shops_url_are_kept(postgres_url: str) -> None:
    create_demo_shop(postgres_url, orders=5, users=2)
    url = f"{postgres_url}?keepalives_idle=90&keepalives_count=2"
    with ShopDatabase.connect(url, ShopConfig()) as db, db.engine.connect() as conn:
        assert tcp_keepalive_of(_fd(conn)) == (1, 90, 5, 2, 40_000)
