"""Test harness: offscreen Qt, a temp data dir and a fake keyring per test, and fresh shop databases on
SQLite, PostgreSQL and MariaDB.

Database servers come from the environment, defaulting to the local servers:

* ``BM_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)
* ``BM_TEST_MARIADB_URL`` (default ``mysql+pymysql://root@127.0.0.1:3306/test``)

Each test gets a database of its own, created before and dropped after. When a server is unreachable its
tests are skipped with the reason -- except under ``CI``, where that is a failure.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt
os.environ.pop("BITRIX_MONITOR_PORTAL", None)
os.environ.pop("BITRIX_MONITOR_SHOP_DB", None)
os.environ.pop("BITRIX_MONITOR_SHOP_PASSWORD", None)
os.environ.pop("BITRIX_MONITOR_QUEUE", None)
os.environ.pop("BITRIX_MONITOR_QUEUE_PASSWORD", None)

import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import sqlalchemy as sa

from bitrix_monitor.paths import DataDirs
from tests.fakes import MemoryKeyring

POSTGRES_ADMIN_URL = os.environ.get(
    "BM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MARIADB_ADMIN_URL = os.environ.get("BM_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
ENGINES = ("sqlite", "postgresql", "mariadb")


@pytest.fixture(autouse=True)
def fake_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def data_dirs(tmp_path: Path) -> DataDirs:
    """Everything the app writes during a test lands under the test's own temp dir."""
    dirs = DataDirs(tmp_path / "data")
    dirs.ensure()
    return dirs


def _unreachable(name: str, url: str, exc: Exception) -> None:
    reason = (
        f"{name} server at {sa.engine.make_url(url).render_as_string(hide_password=True)} unreachable: {exc}"
    )
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI requires every database engine)")
    pytest.skip(reason)


class FreshDatabase:
    """Creates a uniquely named database on a server and drops it afterwards."""

    def __init__(self, kind: str, admin_url: str) -> None:
        self.kind = kind
        self.admin = sa.engine.make_url(admin_url)
        self.name = f"bm_test_{uuid.uuid4().hex[:12]}"

    def _admin_engine(self) -> sa.Engine:
        return sa.create_engine(self.admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)

    def create(self) -> str:
        engine = self._admin_engine()
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE {self.name}"))
        finally:
            engine.dispose()
        return self.admin.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        engine = self._admin_engine()
        try:
            with engine.connect() as conn:
                if self.kind == "postgresql":
                    conn.execute(sa.text(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"))
                else:
                    conn.execute(sa.text(f"DROP DATABASE IF EXISTS {self.name}"))
        finally:
            engine.dispose()


def _fresh_server_db(kind: str) -> Iterator[str]:
    admin = POSTGRES_ADMIN_URL if kind == "postgresql" else MARIADB_ADMIN_URL
    db = FreshDatabase(kind, admin)
    try:
        url = db.create()
    except sa.exc.OperationalError as exc:
        _unreachable(kind, admin, exc)
    try:
        yield url
    finally:
        db.drop()


@pytest.fixture(params=ENGINES)
def shop_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty shop database, once per engine."""
    kind: str = request.param
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    else:
        yield from _fresh_server_db(kind)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _fresh_server_db("postgresql")


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    yield from _fresh_server_db("mariadb")


@pytest.fixture
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database on a server engine; parametrize indirectly with "postgresql" or "mariadb"."""
    yield from _fresh_server_db(request.param)
