"""Engines for the shop database, and translation of driver errors into typed user-facing errors.

Plain URLs pick the drivers the app ships with: ``postgresql://`` -> psycopg 3, ``mysql://`` and
``mariadb://`` -> PyMySQL. The password comes from the keyring or the environment, is registered with the
log redactor, and never appears in a message: URLs are rendered with the password hidden.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote

import sqlalchemy as sa

from bitrix_monitor.keepalive import keep_socket_alive, libpq_keepalives
from bitrix_monitor.log import redact, register_secret
from bitrix_monitor.messages import Message
from bitrix_monitor.shop.errors import (
    ShopAuthError,
    ShopConnectionLostError,
    ShopError,
    ShopMissingDatabaseError,
    ShopPermissionError,
    ShopUnreachableError,
)

Kind = Literal["sqlite", "postgresql", "mariadb"]

CONNECT_TIMEOUT = 10  # seconds; a desk app must not hang on a dead host
README_HINT = Message("shop.denied.hint")  # 'see README, "Shop database access and least privilege"'

_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
    "sqlite": "sqlite",
}

# PyMySQL error numbers.
_MY_UNREACHABLE = {2003, 2005}
_MY_LOST = {2006, 2013, 2055}
_MY_AUTH = {1045, 1698}
_MY_NO_DB = {1049}
_MY_DENIED = {1044, 1142, 1143, 1227, 1370}
# PostgreSQL SQLSTATEs.
_PG_AUTH = {"28P01", "28000"}
_PG_NO_DB = {"3D000"}
_PG_DENIED = {"42501"}
_PG_LOST = {"57P01", "57P02", "57P03", "08000", "08003", "08006"}
_PG_UNREACHABLE_TEXT = ("connection refused", "could not connect", "timeout expired", "translate host name")


_QUERY_PASSWORD_KEYS = ("password", "passwd", "pwd")


def register_url_secrets(url: str) -> None:
    """Register every password a database URL may carry with the log redactor, before anything can print
    it: the user info as written (an unescaped ``@`` in it included) and decoded, and ``?password=``."""
    rest = url.partition("://")[2]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in authority:
        userinfo = authority.rpartition("@")[0]
        if ":" in userinfo:
            raw = userinfo.partition(":")[2]
            register_secret(raw)
            register_secret(unquote(raw))
    for key, value in parse_qsl(url.partition("?")[2].partition("#")[0]):
        if key.lower() in _QUERY_PASSWORD_KEYS:
            register_secret(value)


def check_url(url: str) -> sa.URL:
    """Parse a shop database URL strictly; every way it can be wrong is a :class:`ShopError` that names
    the problem without echoing the URL (it may hold a password)."""
    register_url_secrets(url)
    example = Message("config.hint.eg", {"example": "postgresql://shop@host:5432/shop"})
    try:
        u = sa.make_url(url.strip())
    except ValueError as exc:
        if "int()" in str(exc):
            raise ShopError(Message("shop.url.port"), hint=example) from None
        raise ShopError(Message("shop.url.invalid"), hint=example) from None
    except sa.exc.ArgumentError:
        raise ShopError(Message("shop.url.invalid"), hint=example) from None
    if u.host and "@" in u.host:
        raise ShopError(Message("shop.url.at"), hint=Message("shop.url.at.hint"))
    if u.port is not None and not 0 < u.port < 65536:
        raise ShopError(Message("shop.url.port_range", {"port": u.port}), hint=example)
    return u


def without_query_password(u: sa.URL) -> sa.URL:
    """``u`` without a password given as a query parameter (for display)."""
    drop = [k for k in u.query if k.lower() in _QUERY_PASSWORD_KEYS]
    return u.difference_update_query(drop) if drop else u


def parse_url(url: str, password: str | None = None) -> tuple[sa.URL, Kind]:
    """The SQLAlchemy URL with the shipped driver (and the password), and the kind of server."""
    u = check_url(url)
    backend = u.drivername.split("+", 1)[0]
    if backend not in _DRIVERS:
        raise ShopError(
            Message("shop.url.backend", {"backend": repr(backend)}), hint=Message("shop.url.backend.hint")
        )
    if "+" not in u.drivername:
        u = u.set(drivername=_DRIVERS[backend])
    register_secret(u.password if isinstance(u.password, str) else None)
    if password:
        register_secret(password)
        u = u.set(password=password)
    kind: Kind = (
        "sqlite" if backend == "sqlite" else "postgresql" if backend.startswith("postgres") else "mariadb"
    )
    return u, kind


def display(u: sa.URL) -> str:
    return redact(without_query_password(u).render_as_string(hide_password=True))


def create_engine(u: sa.URL, kind: Kind, **kwargs: Any) -> sa.Engine:
    """An engine for the shop database ``u``: connecting given up after :data:`CONNECT_TIMEOUT`, a server
    gone silent found out in about 40 s (TCP keepalives, see :mod:`bitrix_monitor.keepalive`; on
    PostgreSQL unless the URL's query sets them itself), connections checked when taken from the pool.

    MariaDB gets no ``read_timeout``/``write_timeout``: a read timeout bounds every wait for an answer, and
    legitimate ones can be long (the changed rows read in one statement, sorted by the server first; an
    UPDATE waiting out ``innodb_lock_wait_timeout``, 50 s by default); it would end the connection as lost
    and the same statement would fail again. Keepalives on PyMySQL's socket tell a dead server from a slow
    one instead."""
    connect_args: dict[str, Any] = {}
    if kind == "postgresql":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
        connect_args.update(libpq_keepalives(u.query))
    elif kind == "mariadb":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
        connect_args["charset"] = "utf8mb4"
    else:
        path = u.database or ""
        if path and path != ":memory:" and not path.startswith("file:") and not Path(path).is_file():
            raise ShopMissingDatabaseError(Message("shop.file_missing", {"path": path}))
    kwargs.setdefault("pool_pre_ping", True)
    try:
        engine = sa.create_engine(u, connect_args=connect_args, **kwargs)
    except ImportError as exc:  # the driver's package is missing or broken
        raise ShopError(Message("shop.no_driver", {"driver": u.drivername})) from exc
    except sa.exc.NoSuchModuleError as exc:  # a driver named in the URL that SQLAlchemy does not know
        raise ShopError(
            Message("shop.no_driver.unknown", {"driver": u.drivername}), hint=Message("shop.url.backend.hint")
        ) from exc
    if kind == "mariadb":
        sa.event.listen(engine, "connect", _keep_mysql_alive)
    return engine


def _keep_mysql_alive(dbapi_connection: Any, _record: Any) -> None:
    """PyMySQL takes no keepalive options: its connected socket gets them."""
    sock = getattr(dbapi_connection, "_sock", None)
    if isinstance(sock, socket.socket):
        keep_socket_alive(sock)


def is_disconnect(exc: BaseException) -> bool:
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", exc)
    code = _mysql_code(orig)
    if code in _MY_LOST:
        return True
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _PG_LOST:
        return True
    text = str(orig).lower()
    return any(
        t in text
        for t in ("server closed the connection", "connection is closed", "consuming input failed", "lost")
    )


# Duplicate key, deadlock, and the deadlock as InnoDB reports it when the victim waited for a table's
# AUTO-INC lock (an INSERT … SELECT racing another transaction's insert of the same link).
_MY_RACE = {1062, 1213, 1467}
_PG_RACE = {"23505", "40P01", "40001"}  # unique violation, deadlock, serialization failure


def is_lost_race(exc: BaseException) -> bool:
    """Whether ``exc`` is the database settling a race between two writers (a unique violation, a deadlock):
    the other writer won."""
    orig = getattr(exc, "orig", exc)
    if _mysql_code(orig) in _MY_RACE or getattr(orig, "sqlstate", None) in _PG_RACE:
        return True
    return "UNIQUE constraint failed" in str(orig)


def _mysql_code(orig: object) -> int | None:
    args = getattr(orig, "args", ())
    if type(orig).__module__.startswith("pymysql") and args and isinstance(args[0], int):
        return args[0]
    return None


Doing = Literal["connecting", "checking", "reading", "writing", "locking", "unlocking"]


def doing(action: Doing, kind: str | None = None) -> Message:
    """What the app was doing in the shop database, as a message's ``{what}``: ``reading`` or ``writing``
    a kind's records (``"order"``, said as the plural word), ``checking`` the connection, ``connecting``,
    ``locking``, ``unlocking``. ``str()`` of it is the English, for logs."""
    return Message(f"shop.doing.{action}", {} if kind is None else {"shop_entities": kind})


def translate(exc: BaseException, where: str, what: Message, *, connected: bool) -> ShopError:
    """A typed error for a driver exception. ``where`` names the database, ``what`` the operation (a
    :func:`doing` message, said in the reader's language); ``connected`` says whether the connection had
    worked before (lost vs unreachable)."""
    orig = getattr(exc, "orig", None) or exc
    code = _mysql_code(orig)
    sqlstate = getattr(orig, "sqlstate", None)
    raw = orig.args[1] if code is not None and len(orig.args) > 1 else orig
    text = str(raw).strip().splitlines()[0] if str(raw).strip() else type(orig).__name__
    detail = redact(text)
    if code in _MY_AUTH or sqlstate in _PG_AUTH or "password authentication failed" in text:
        return ShopAuthError(Message("shop.auth", {"where": where}), hint=Message("shop.auth.hint"))
    if code in _MY_NO_DB or sqlstate in _PG_NO_DB or ("database" in text and "does not exist" in text):
        return ShopMissingDatabaseError(Message("shop.missing", {"where": where}))
    if code in _MY_DENIED or sqlstate in _PG_DENIED or "readonly database" in text:
        return ShopPermissionError(
            Message("shop.denied_while", {"what": what, "detail": detail}), hint=README_HINT
        )
    lost = Message("shop.lost", {"where": where, "what": what})
    if connected and is_disconnect(exc):
        return ShopConnectionLostError(lost)
    if code in _MY_UNREACHABLE or (sqlstate is None and any(t in text.lower() for t in _PG_UNREACHABLE_TEXT)):
        return ShopUnreachableError(
            Message("shop.unreachable", {"where": where}), hint=Message("shop.unreachable.hint")
        )
    if is_disconnect(exc):
        return ShopConnectionLostError(lost)
    return ShopError(Message("shop.failed", {"where": where, "what": what, "detail": detail}))


def raise_if_denied(exc: sa.exc.DBAPIError, message: Message) -> None:
    """Raise a :class:`ShopPermissionError` saying ``message`` (a ``shop.denied.*`` code) if ``exc`` is the
    server refusing a right."""
    if isinstance(translate(exc, "", doing("checking"), connected=True), ShopPermissionError):
        raise ShopPermissionError(message, hint=README_HINT) from exc


__all__ = [
    "Kind",
    "check_url",
    "create_engine",
    "display",
    "doing",
    "is_disconnect",
    "is_lost_race",
    "parse_url",
    "raise_if_denied",
    "register_url_secrets",
    "translate",
]
