"""Per-entity locks held across "look up in the portal, create, write back".

Two copies of the app (two desks, or a desk and a cron job) must never create a deal for the same order
at the same time. Every holder takes *try*-locks and polls until its timeout, so holders asking for
overlapping sets of keys in different orders cannot deadlock; keys it did not get are returned to the
caller to skip or defer.

* **PostgreSQL**: session advisory locks (``pg_try_advisory_lock``) on a stable 64-bit hash of
  (entity, table, key), on the holder's own autocommit connection. Advisory locks are scoped to the
  database and need no grant.
* **MariaDB/MySQL**: ``GET_LOCK(name, 0)`` on the holder's own connection; a session may hold many. Lock
  names are server-wide, so the hash includes the database name; names are 19 characters (limit 64).
  No grant is needed.
* **SQLite**: the shop's own writers must not wait while a portal call runs, so ``BEGIN IMMEDIATE`` (which
  blocks every writer) is out. Instead each key is one byte of a sidecar file next to the database
  (``<db>.bitrix-monitor.lock``), locked with the OS's byte-range locks (``fcntl.lockf`` on POSIX,
  ``msvcrt.locking``, i.e. ``LockFileEx``, on Windows). This is the one hand-written lock left: the
  cross-platform libraries (``filelock``, ``portalocker``) lock a whole file or its first bytes, never a
  byte at an offset we choose, so they would need a lock file per key -- thousands of files and open
  descriptors for one batch of creates -- where one descriptor and a byte per key do. POSIX locks belong to
  the process and Windows locks to the handle, so within a process a registry tracks which holder owns which
  byte and all holders share one descriptor per file (closing a descriptor would drop every lock of the
  process on that file, and a second handle would conflict with the first).

A lock dies with its holder's connection or process: a crashed worker never leaves a key locked.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bitrix_monitor.messages import Message, os_reason
from bitrix_monitor.shop.connection import Kind, doing, is_disconnect, translate
from bitrix_monitor.shop.errors import ShopConnectionLostError, ShopError, ShopPermissionError

log = logging.getLogger(__name__)

_NAMESPACE = "bitrix-monitor"
# Byte offsets in the sidecar file. Windows takes offsets below 2**31 on every file system; a collision of
# two keys only makes one of them look busy for a moment (it is deferred, never run twice).
_SQLITE_RANGE = (1 << 31) - 1 if sys.platform == "win32" else 1 << 62


def lock_hash(scope: str, entity: str, key: str) -> int:
    """A stable signed 64-bit hash of (scope, entity, key): the same in every process and run."""
    blob = "\x00".join((_NAMESPACE, scope, entity, key)).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(blob, digest_size=8).digest(), "big", signed=True)


class EntityLocks:
    """A lock holder for one worker, made by :meth:`ShopDatabase.locks`.

    One worker uses it at a time (its calls may come from different threads one after another, as with
    ``asyncio.to_thread``); two workers that must exclude each other need two holders. ``close`` releases
    everything; so does the end of the process or of the holder's connection.
    """

    def __init__(self, tables: dict[str, str]) -> None:
        self._tables = tables
        self._held: dict[tuple[str, str], int] = {}
        self._closed = False

    def acquire(self, entity: str, keys: Sequence[str], *, timeout: float = 30.0) -> set[str]:
        """Lock as many of ``keys`` as possible, waiting up to ``timeout`` seconds for busy ones while this
        holder holds no lock at all. A holder that holds some never waits for more: two workers each
        holding a key the other wants (two desks taking overlapping groups of orders, or the users they
        share) would both wait out the whole timeout; each goes on with what it holds instead, and the
        other keys' jobs are retried.

        Returns the keys now held (including any this holder already held); the others are held by
        another worker or process.
        """
        if self._closed:
            raise RuntimeError("lock holder is closed")
        wanted = list(dict.fromkeys(str(k) for k in keys))
        got = {k for k in wanted if (entity, k) in self._held}
        pending = [k for k in wanted if k not in got]
        deadline = time.monotonic() + max(0.0, timeout)
        delay = 0.01
        while pending:
            busy = []
            for key in pending:
                token = lock_hash(self._tables[entity], entity, key)
                if self._try(token):
                    self._held[(entity, key)] = token
                    got.add(key)
                else:
                    busy.append(key)
            pending = busy
            remaining = deadline - time.monotonic()
            if not pending or remaining <= 0 or self._held:
                break
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.2)
        return got

    def held(self, entity: str) -> set[str]:
        return {k for (e, k) in self._held if e == entity}

    def release(self, entity: str, keys: Iterable[str]) -> None:
        for key in keys:
            token = self._held.pop((entity, str(key)), None)
            if token is not None:
                self._release(token)

    def release_all(self) -> None:
        tokens = list(self._held.values())
        self._held.clear()
        for token in tokens:
            self._release(token)

    def close(self) -> None:
        if not self._closed:
            try:
                self.release_all()
            finally:
                self._closed = True
                self._close()

    def __enter__(self) -> EntityLocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Back ends implement these three.
    def _try(self, token: int) -> bool:
        raise NotImplementedError

    def _release(self, token: int) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError


class _ServerLocks(EntityLocks):
    """Locks on a server: a dedicated autocommit connection per holder.

    If that connection drops, every lock it held is gone: the holder forgets them (``held`` is empty),
    the call that noticed raises :class:`ShopConnectionLostError`, and the next ``acquire`` reconnects.
    """

    def __init__(self, engine: sa.Engine, where: str, tables: dict[str, str]) -> None:
        super().__init__(tables)
        self._engine = engine
        self._where = where
        self._conn: sa.Connection | None = None
        self._connection()

    def _connection(self) -> sa.Connection:
        if self._conn is None:
            try:
                self._conn = self._engine.connect()
            except sa.exc.DBAPIError as exc:
                raise translate(exc, self._where, doing("connecting"), connected=False) from exc
        return self._conn

    def _scalar(self, stmt: sa.Executable, what: Message) -> Any:
        try:
            return self._connection().execute(stmt).scalar()
        except sa.exc.DBAPIError as exc:
            if is_disconnect(exc):
                self._held.clear()  # the locks died with the connection
                self._close()
            raise translate(exc, self._where, what, connected=True) from exc

    def _release_token(self, stmt: sa.Executable) -> None:
        if self._conn is None:
            return  # no connection, so nothing is held
        try:
            self._scalar(stmt, doing("unlocking"))
        except ShopConnectionLostError:
            log.warning("the lock connection to %s was lost; its locks are released", self._where)

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except sa.exc.DBAPIError:
                log.debug("closing a lock connection failed", exc_info=True)


class _PostgresLocks(_ServerLocks):
    def _try(self, token: int) -> bool:
        key = sa.literal(token, sa.BigInteger)
        return bool(self._scalar(sa.select(sa.func.pg_try_advisory_lock(key)), doing("locking")))

    def _release(self, token: int) -> None:
        self._release_token(sa.select(sa.func.pg_advisory_unlock(sa.literal(token, sa.BigInteger))))


class _MariaDBLocks(_ServerLocks):
    def __init__(self, engine: sa.Engine, where: str, database: str, tables: dict[str, str]) -> None:
        super().__init__(engine, where, {e: f"{database}\x00{t}" for e, t in tables.items()})

    @staticmethod
    def _name(token: int) -> str:
        return f"bm-{token & 0xFFFFFFFFFFFFFFFF:016x}"

    def _try(self, token: int) -> bool:
        got = self._scalar(sa.select(sa.func.get_lock(self._name(token), 0)), doing("locking"))
        return bool(got == 1)

    def _release(self, token: int) -> None:
        self._release_token(sa.select(sa.func.release_lock(self._name(token))))


class _Sidecar:
    """One open lock file per process, shared by every holder in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self.owners: dict[int, int] = {}  # byte offset -> id of the holder that owns it
        self.users = 0


_sidecars: dict[Path, _Sidecar] = {}
_sidecars_lock = threading.Lock()


def _lock_byte(fd: int, offset: int, lock: bool) -> bool:
    """Lock (or unlock) one byte at ``offset`` without waiting; False when another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, offset, os.SEEK_SET)  # locking starts at the file position; the caller serialises
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK if lock else msvcrt.LK_UNLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.lockf(fd, (fcntl.LOCK_EX | fcntl.LOCK_NB) if lock else fcntl.LOCK_UN, 1, offset, os.SEEK_SET)
    except OSError:
        return False
    return True


class _SQLiteLocks(EntityLocks):
    def __init__(self, database: str, tables: dict[str, str]) -> None:
        super().__init__(tables)
        path = Path(database).resolve().with_name(Path(database).name + ".bitrix-monitor.lock")
        with _sidecars_lock:
            sidecar = _sidecars.get(path)
            if sidecar is None:
                try:
                    sidecar = _Sidecar(path)
                except OSError as exc:
                    raise ShopPermissionError(
                        Message("shop.lock_file", {"path": str(path), "error": os_reason(exc)}),
                        hint=Message("shop.lock_file.hint"),
                    ) from exc
                _sidecars[path] = sidecar
            sidecar.users += 1
        self._sidecar = sidecar

    def _try(self, token: int) -> bool:
        offset = token % _SQLITE_RANGE
        with _sidecars_lock:
            owner = self._sidecar.owners.get(offset)
            if owner is not None:
                return bool(owner == id(self))  # a hash collision with our own key: it is held
            if not _lock_byte(self._sidecar.fd, offset, True):
                return False
            self._sidecar.owners[offset] = id(self)
            return True

    def _release(self, token: int) -> None:
        offset = token % _SQLITE_RANGE
        with _sidecars_lock:
            if self._sidecar.owners.get(offset) == id(self) and token not in self._held.values():
                del self._sidecar.owners[offset]
                _lock_byte(self._sidecar.fd, offset, False)

    def _close(self) -> None:
        with _sidecars_lock:
            self._sidecar.users -= 1
            if self._sidecar.users == 0:
                _sidecars.pop(self._sidecar.path, None)
                os.close(self._sidecar.fd)


def make_locks(
    kind: Kind, engine: sa.Engine | None, where: str, database: str, tables: dict[str, str]
) -> EntityLocks:
    if kind == "sqlite":
        if not database or database == ":memory:":
            raise ShopError(Message("shop.lock_memory"))
        return _SQLiteLocks(database, tables)
    assert engine is not None
    if kind == "postgresql":
        return _PostgresLocks(engine, where, tables)
    return _MariaDBLocks(engine, where, database, tables)


__all__ = ["EntityLocks", "lock_hash"]
