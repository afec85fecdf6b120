"""Test harness: offscreen Qt, a temp data dir and a fake keyring per test, and fresh shop databases on
SQLite, PostgreSQL and MariaDB.

Database servers come from the environment, defaulting to the local servers:

* ``BM_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)
* ``BM_TEST_MARIADB_URL`` (default ``mysql+pymysql://root@127.0.0.1:3306/test``)

Each test gets a database of its own, fresh and empty, dropped after it (made and dropped on a thread,
while other tests run). When a server is unreachable its
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
# The headless front end speaks the system locale's language: tests read its English unless they ask
os.environ["LANGUAGE"] = "en"

import compileall
import contextlib
import json
import logging
import socket
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import keyring
import pytest
import sqlalchemy as sa

from bitrix_monitor.bitrix import client as bitrix_client
from bitrix_monitor.compact import Record
from bitrix_monitor.paths import DataDirs
from tests.fakes import MemoryKeyring

POSTGRES_ADMIN_URL = os.environ.get(
    "BM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MARIADB_ADMIN_URL = os.environ.get("BM_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
ENGINES = ("sqlite", "postgresql", "mariadb")


def pytest_configure(config: pytest.Config) -> None:
    """The package's bytecode is compiled once, by the run that starts the workers: where the environment
    sets ``PYTHONDONTWRITEBYTECODE`` (as this project's CI machine does), no ``.pyc`` is ever written, and
    every worker and every subprocess of the real entry point (some hundreds a run) compiled 1.5 MB of
    source again, about a third of what such a subprocess spends importing."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        root = Path(__file__).resolve().parent.parent
        for package in ("bitrix_monitor", "benchmarks"):
            compileall.compile_dir(root / package, quiet=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On several workers (``-n``) the end-to-end tests (marked ``slow``) start first, so that the run ends
    on short tests shared among the workers, not on one worker finishing a long test while the others wait.
    The order is the same on every worker, as xdist requires."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def fake_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _app_logging_undone() -> Iterator[None]:
    """The app's logging, as a test's ``main()`` set it up, ends with the test: its stderr handler writes to
    whatever stderr is, so one left at a ``--verbose`` test's DEBUG level would print the next test's
    records (an emulator's "listening" line) into that test's captured stderr."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in list(root.handlers):
        if getattr(handler, "_bitrix_monitor", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture(autouse=True)
def quick_request_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """In this process the Bitrix client retries a failed request after milliseconds, not after half a second
    doubling: tests check where the retries end (an answer, or one clear error), not how long they wait."""
    monkeypatch.setattr(bitrix_client, "RETRY_BACKOFF", 0.01)


@pytest.fixture(autouse=True)
def data_dirs(tmp_path: Path) -> DataDirs:
    """Everything the app writes during a test lands under the test's own temp dir."""
    dirs = DataDirs(tmp_path / "data")
    dirs.ensure()
    return dirs


def tcp_keepalive_of(fd: int) -> tuple[int, int, int, int, int]:
    """What a connected TCP socket was set to: keepalives on, the idle seconds before the first probe, the
    seconds between probes, the probes before giving up, the user timeout in ms (Linux only: elsewhere the
    test asking is skipped)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads the socket's keepalive options as Linux names them")
    with socket.socket(fileno=os.dup(fd)) as sock:
        return (
            sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
            sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
            sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
            sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
            sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
        )


def _unreachable(name: str, url: str, exc: Exception) -> None:
    reason = (
        f"{name} server at {sa.engine.make_url(url).render_as_string(hide_password=True)} unreachable: {exc}"
    )
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI requires every database engine)")
    pytest.skip(reason)


class DatabaseServer:
    """Uniquely named databases on one server, made and dropped on a thread of its own: while a test runs,
    the next test's database is made and the last one's dropped, so no test waits for a ``CREATE DATABASE``
    or a ``DROP DATABASE`` (each test still gets a database of its own, fresh and empty)."""

    def __init__(self, kind: str, admin_url: str) -> None:
        self.kind = kind
        self.admin = sa.engine.make_url(admin_url)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"bm-test-{kind}")
        self._spare: Future[str] | None = None
        self._drops: list[Future[None]] = []

    def _execute(self, sql: str) -> None:
        engine = sa.create_engine(self.admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(sql))
        finally:
            engine.dispose()

    def _create(self) -> str:
        name = f"bm_test_{uuid.uuid4().hex[:12]}"
        self._execute(f"CREATE DATABASE {name}")
        return name

    def _drop(self, name: str) -> None:
        force = " WITH (FORCE)" if self.kind == "postgresql" else ""
        self._execute(f"DROP DATABASE IF EXISTS {name}{force}")

    def take(self) -> str:
        """A fresh database's name; raises ``OperationalError`` when the server cannot be reached."""
        name = None
        if self._spare is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                name = self._spare.result()
            self._spare = None
        if name is None:
            name = self._create()
        self._spare = self._thread.submit(self._create)
        return name

    def url(self, name: str) -> str:
        return self.admin.set(database=name).render_as_string(hide_password=False)

    def give_back(self, name: str) -> None:
        self._drops.append(self._thread.submit(self._drop, name))

    def close(self) -> None:
        """Drops the spare and waits for every drop; raises the first drop that failed."""
        if self._spare is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self.give_back(self._spare.result())
        self._thread.shutdown(wait=True)
        for drop in self._drops:
            drop.result()


@pytest.fixture(scope="session")
def database_servers() -> Iterator[dict[str, DatabaseServer]]:
    servers = {
        "postgresql": DatabaseServer("postgresql", POSTGRES_ADMIN_URL),
        "mariadb": DatabaseServer("mariadb", MARIADB_ADMIN_URL),
    }
    yield servers
    for server in servers.values():
        server.close()


def _fresh_server_db(request: pytest.FixtureRequest, kind: str) -> Iterator[str]:
    server: DatabaseServer = request.getfixturevalue("database_servers")[kind]
    try:
        name = server.take()
    except sa.exc.OperationalError as exc:
        _unreachable(kind, str(server.admin), exc)
    try:
        yield server.url(name)
    finally:
        server.give_back(name)


@pytest.fixture(params=ENGINES)
def shop_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty shop database, once per engine."""
    kind: str = request.param
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    else:
        yield from _fresh_server_db(request, kind)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _fresh_server_db(request, "postgresql")


@pytest.fixture
def mariadb_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _fresh_server_db(request, "mariadb")


@pytest.fixture
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database on a server engine; parametrize indirectly with "postgresql" or "mariadb"."""
    yield from _fresh_server_db(request, request.param)


# A compact.Record is a tuple to the json module, which would write it as an array of its values: whatever
# is written as JSON (the saved state, job payloads, requests, reports) must get ``dict(rec)``. Every test
# runs with the encoder refusing one, wherever in the value it is.
_json_encode = json.JSONEncoder.encode


def _no_record(value: object, depth: int = 0) -> None:
    if isinstance(value, Record):
        raise AssertionError(f"a compact.Record went to the json module as it is: {value!r}")
    if depth < 50 and isinstance(value, dict):
        for v in value.values():
            _no_record(v, depth + 1)
    elif depth < 50 and isinstance(value, list | tuple):
        for v in value:
            _no_record(v, depth + 1)


def _encode_without_records(self: json.JSONEncoder, o: object) -> str:
    _no_record(o)
    return _json_encode(self, o)


json.JSONEncoder.encode = _encode_without_records  # type: ignore[method-assign]
