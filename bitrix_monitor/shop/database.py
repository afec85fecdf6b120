"""Mapped, typed access to the shop's orders and users (sync SQLAlchemy Core; the engine calls it from
worker threads through ``asyncio.to_thread``).

Reads page by primary key (keyset pagination: ``WHERE key > :last ORDER BY key LIMIT :n``), each page in a
short transaction of its own, rows converted straight into plain dataclasses: memory stays flat however
large the shop, and no transaction stays open while the caller works. A page whose connection drops is
read again once on a fresh connection; a second failure is a :class:`ShopConnectionLostError`.

Write-back is one compare-and-set ``UPDATE`` per id (a group of them in one transaction with
:meth:`ShopDatabase.set_ids`), never retried blindly: a lost connection during a write is reported, and the
caller re-reads to learn the outcome.
"""

from __future__ import annotations

import functools
import logging
import math
import operator
import os
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from itertools import repeat
from typing import Any, TypeVar, cast

import sqlalchemy as sa

from bitrix_monitor.compact import Make, layout, maker, read_sign, read_signs
from bitrix_monitor.config import (
    CompaniesMapping,
    OrdersMapping,
    ShopConfig,
    UsersMapping,
    field_owner,
    pullable_fields,
    shop_zone,
)
from bitrix_monitor.messages import Message, Note, joined
from bitrix_monitor.money import CENTS, LIMIT, AmountError, parse_amount
from bitrix_monitor.shop.connection import (
    Kind,
    create_engine,
    display,
    doing,
    is_disconnect,
    parse_url,
    raise_if_denied,
    translate,
)
from bitrix_monitor.shop.errors import (
    ShopError,
    ShopMappingError,
    ShopMissingDatabaseError,
    ShopPermissionError,
    ShopValueError,
)
from bitrix_monitor.shop.ids import IdStorage, LinkStorage, LostRace, storage
from bitrix_monitor.shop.locks import EntityLocks, make_locks
from bitrix_monitor.shop.mapping import (
    CompaniesMap,
    IdStore,
    KeyColumn,
    OrdersMap,
    ResolvedMapping,
    UsersMap,
    resolve,
)
from bitrix_monitor.shop.rows import NO_EXTRA, CompanyRow, OrderRow, ShopRow, UserRow, held_amount

log = logging.getLogger(__name__)

T = TypeVar("T")
_IN_CHUNK = 500  # keys per IN (...) list in get_orders/get_users
# Writes of one link undone for a race that the row shows no other writer won (see ShopDatabase.set_id)
_RACE_ATTEMPTS = 3


def read_id(value: Any) -> tuple[int | None, bool]:
    """A stored deal/contact id: ``(id, False)``, ``(None, False)`` for "no id" (NULL, 0, ``''``, ``'0'``:
    what the write-back's compare-and-set reads as no id), or ``(None, True)`` for a value that is neither
    (``-5``, ``'12abc'``, ``'1.0'``, ``' 12'``, fullwidth digits, NaN): the write-back could never match
    it, so it is a problem of its own, never "no id"."""
    if value is None or isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        return (value, False) if value > 0 else (None, value < 0)
    if isinstance(value, (float, Decimal)):
        if not math.isfinite(value):
            return None, True
        if value == 0:
            return None, False
        return (int(value), False) if value > 0 and value == int(value) else (None, True)
    text = str(value)
    if text in ("", "0"):
        return None, False
    if text.isascii() and text.isdigit() and str(int(text)) == text:
        return int(text), False
    return None, True


def parse_id(value: Any) -> int | None:
    """A stored deal/contact id as an int; ``None`` for no id and for a value that is not an id."""
    return read_id(value)[0]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _amount(value: Any) -> tuple[Decimal | None, Note]:
    """The amount in cents as the portal stores it, and ``""``; or ``None`` and why a non-empty value
    cannot be sent (text that is no number, NaN, an infinity, beyond ``DECIMAL(18,2)``)."""
    try:
        return parse_amount(value), ""
    except AmountError as exc:
        return None, exc.msg


# The most cents an amount may have (``DECIMAL(18,2)``), and the whole numbers an amount may be.
_MOST_CENTS = int(LIMIT.scaleb(2))
_WHOLE = range(-int(LIMIT), int(LIMIT) + 1)


def _held_amount(value: Any) -> tuple[int | Decimal | None, Note]:
    """The amount as an order row holds it (:func:`~bitrix_monitor.shop.rows.held_amount` of
    :func:`_amount`), and ``""``; or ``None`` and why not. A float with at most two places in its shortest
    text (what the shop wrote) and a whole number are read as their cents directly: the same number, a
    fifth of the time (a ``Decimal`` made, rounded, scaled and made an int again)."""
    kind = type(value)
    if kind is float:
        text = repr(value)
        whole, dot, places = text.partition(".")
        if dot and len(places) <= 2 and places.isdigit() and whole.lstrip("-").isdigit():
            cents = int(whole + places.ljust(2, "0"))  # "-0.5": "-050", -50
            if (cents or whole[0] != "-") and -_MOST_CENTS <= cents <= _MOST_CENTS:  # -0.0 is held as it is
                return cents, ""
    elif kind is int and value in _WHOLE:
        return value * 100, ""
    amount, problem = _amount(value)
    return held_amount(amount), problem


def _share(value: Any, ints: dict[int, int]) -> Any:
    """One object for each text (interned) and each whole number (``ints``) that repeats row to row; other
    values as they are (an int equal to a float or a bool is never swapped for one)."""
    kind = type(value)
    if kind is str:
        return sys.intern(value)
    if kind is int:
        return ints.setdefault(value, value)
    return value


def _names(m: UsersMap, full: str | None, first: str | None, last: str | None) -> tuple[str, str, str]:
    """A user's full, first and last names from its name columns' texts: first and last from the full name
    (last word = last name) when neither has a column, the full name from them when it has none; the first
    and last names interned (they repeat from user to user)."""
    if m.first_name is None and m.last_name is None:
        first, last = _split_name(full or "")
    elif full is None:
        full = " ".join(p for p in (first, last) if p)
    return full or "", sys.intern(first or ""), sys.intern(last or "")


def _stage_of(m: OrdersMap, value: Any) -> str | None:
    """An order's stage from its column's value: a STAGE_ID through ``stage_map`` when one is configured
    (None for a value outside it), else the value as text."""
    text = _text(value)
    return m.stage_map.get(text) if m.stage_map and text is not None else text


def _currency_of(m: OrdersMap, value: Any) -> str:
    """An order's currency from its column's value; the mapping's currency when it is empty."""
    return _text(value) or m.currency


def _by_value(col: Sequence[Any] | None, make: Callable[[Any], Any], default: Any) -> Iterable[Any] | None:
    """A column of text that repeats row to row (a stage, a currency) made a value each by ``make``, once
    for each distinct value; ``default`` for every row when there is no column; None for values other than
    text or NULL (1, 1.0 and True are one key of a dict, and not one text)."""
    if col is None:
        return repeat(default)
    if not set(map(type, col)) <= {str, type(None)}:
        return None
    made = {v: make(v) for v in set(col)}
    return list(map(made.__getitem__, col))


_ZONE_OF = operator.attrgetter("tzinfo")
_EXACT = Context(prec=40)  # held_amount's: more digits than DECIMAL(18,2) has, so scaling never rounds
_SOME = functools.partial(operator.is_not, None)  # a C test: not None


def _in_zone(zone: tzinfo) -> Callable[[datetime], datetime]:  # a C callable: naive moment -> in zone
    return operator.methodcaller("replace", tzinfo=zone)


def _texts(col: Sequence[Any]) -> list[str | None]:
    """:func:`_text` of each value of a column (a C pass when they are all text)."""
    if set(map(type, col)) == {str}:
        return [text or None for text in map(str.strip, col)]
    return list(map(_text, col))


def _place(at: Mapping[str, int], col: sa.Column[Any] | None) -> int | None:
    return None if col is None else at[col.name]


def _company_value(value: Any) -> str | None:
    """A user's company key as :meth:`ShopDatabase._company_key` reads it from its column's value."""
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return None
    return _key_text(value)


def _key_text(value: Any) -> str | None:
    """A key referring to another row (an order's user, a user's company) as text, interned: the same text
    for every row that refers to it, and the referred row's own key."""
    if type(value) is int:
        return sys.intern(str(value))  # nothing to strip
    text = _text(value)
    return None if text is None else sys.intern(text)


def _row_problems(entity: str, key_value: Any, stored: Any, *more: Note) -> Note:
    """What makes a shop row impossible to sync as it is stored (a person must fix it), or ``""``."""
    if type(key_value) is int and (stored is None or (type(stored) is int and stored > 0)) and not any(more):
        return ""  # nearly every row: an integer key, no id or an id, nothing else to say
    problems: list[Note] = []
    if key_value is None or not str(key_value).strip():
        problems.append(Message("row.key_empty"))
    if read_id(stored)[1]:
        problems.append(Message("row.id_not_an_id", {"entity": entity, "value": repr(str(stored)[:40])}))
    return joined(*problems, *more)


def _moment(value: Any, zone: tzinfo | None) -> datetime | None:
    """A shop timestamp as an aware UTC instant: one with a zone is converted, one without (and a DATE,
    read as its midnight) is read in ``zone``, the ``[shop] timezone`` (``None``: this machine's zone)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    try:
        if moment.tzinfo is None and zone is not None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(UTC)  # a naive one is taken in this machine's zone on the way
    except (OverflowError, ValueError, OSError):  # year 1 or 9999 moved past the calendar's end
        return None


def _shop_time(moment: datetime, zone: tzinfo | None) -> datetime:
    """An instant as the shop writes timestamps without a zone: wall time in ``zone``, naive. A naive
    ``moment`` is taken as such a wall time already."""
    if moment.tzinfo is None:
        return moment
    return (moment.astimezone(zone) if zone is not None else moment.astimezone()).replace(tzinfo=None)


class _LenientTimestamp(sa.types.TypeDecorator[datetime]):
    impl = sa.String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.strip())
            except ValueError:
                return None
        return None


def _split_name(full: str) -> tuple[str, str]:
    words = full.split()
    if len(words) < 2:
        return full, ""
    return " ".join(words[:-1]), words[-1]


@dataclass(frozen=True)
class _Spec:
    """One mapped kind as the database layer reads and writes it."""

    entity: str
    plural: str  # "orders": messages
    crm: str  # "deal": the CRM record whose id the row stores
    table: sa.Table
    key: KeyColumn
    ids: IdStorage
    updated_at: sa.Column[Any] | None
    selected: tuple[sa.Column[Any], ...]  # the entity table's mapped columns, the key first
    source: sa.FromClause  # the table, joined with the link table when the ids live there
    columns: list[sa.ColumnElement[Any]]  # ``selected`` (lenient timestamps), the stored id, a second id
    build: Callable[
        [Mapping[str, Any], Any, Note], Any
    ]  # (raw values by column name, stored id, problem) -> row
    names: Mapping[str, int]  # ``selected``'s names: a row's raw values are a compact.Record of them
    # of ``selected``, the columns whose values repeat row to row (stage, currency, the order's user)
    shared: frozenset[int]
    stored_at: int | None  # of ``selected``, the stored id's column when the id is in the row's own table
    record: Make  # ``names``' records (compact.maker)
    # Of ``selected``, the columns whose values a row keeps as its ``raw`` (those a pull writes to), their
    # records' maker, and whether they all repeat row to row (then rows share one record for equal values);
    # ``kept`` None: every column's (``raw`` is the whole record)
    kept: tuple[int, ...] | None = None
    lean: Make | None = None
    lean_shared: bool = False
    leans: dict[tuple[tuple[Any, ...], tuple[type, ...]], Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _OrderPlaces:
    """Where each mapped value of an order is among its selected columns' values, and its title made from
    them (the template's parts: text, and a column's value when it has one)."""

    key: int
    user: int | None
    stage: int | None
    currency: int | None
    amount: int | None
    updated_at: int | None
    title: Callable[[Sequence[Any]], str]

    @classmethod
    def of(cls, m: OrdersMap) -> _OrderPlaces:
        at = {c.name: i for i, c in enumerate(m.selected)}

        def place(col: sa.Column[Any] | None) -> int | None:
            return None if col is None else at[col.name]

        parts = tuple((p.literal, None if p.column is None else at[p.column]) for p in m.title)
        return cls(
            at[m.key.column.name], place(m.user), place(m.stage), place(m.currency_column), place(m.amount),
            place(m.updated_at), _titler(parts),
        )  # fmt: skip


def _titler(parts: tuple[tuple[str, int | None], ...]) -> Callable[[Sequence[Any]], str]:
    """A title template as a function of a row's values: each part's text, followed by its column's value
    when it has a column and the value is not NULL; the whole stripped."""
    places = [i for _t, i in parts if i is not None]
    if len(places) == len(parts) == 1:  # "Order #{id}": the usual templates, made directly
        a, i = parts[0][0], places[0]
        return lambda v: (a if v[i] is None else a + str(v[i])).strip()
    if len(places) == len(parts) == 2:  # "Order #{id} - {service}"
        (a, b), (i, j) = (t for t, _i in parts), places
        return lambda v: (
            (a if v[i] is None else a + str(v[i])) + (b if v[j] is None else b + str(v[j]))
        ).strip()
    return lambda v: "".join([t if i is None or v[i] is None else t + str(v[i]) for t, i in parts]).strip()


class ShopDatabase:
    """The shop's database seen through the mapping. Thread-safe: each call checks out a pooled connection."""

    def __init__(
        self,
        engine: sa.Engine,
        kind: Kind,
        where: str,
        orders: OrdersMap,
        users: UsersMap,
        zone: tzinfo | None = None,
        companies: CompaniesMap | None = None,
        written: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        """``written``: by kind, the columns (names, any case) a pull may write to, whose values each row
        keeps as it read them (its ``raw``); None: every column's. Rows read again from the same values
        are recognised by :func:`~bitrix_monitor.compact.read_sign`, not by values kept."""
        self.engine = engine
        self.zone = zone  # of timestamps stored without one; None: this machine's zone
        self.kind: Kind = kind
        self.where = where
        self.orders_map = orders
        self.users_map = users
        self.companies_map = companies  # None: companies are not mapped
        self._lock_engine: sa.Engine | None = None
        self._order_at = _OrderPlaces.of(orders)  # where each mapped value of an order is
        self.warnings: tuple[Note, ...] = ()  # from the mapping check: works, but deserves a look
        # (kind, CRM field) -> why pulling it is not permitted (no UPDATE on its column): the connect check
        self.pull_denied: dict[tuple[str, str], Message] = {}
        self._specs: dict[str, _Spec] = {
            "order": self._spec(
                "order",
                "orders",
                "deal",
                orders,
                orders.deal_id,
                self._order,
                (orders.stage, orders.currency_column, orders.user),
                None if written is None else written.get("order", ()),
            ),
            "user": self._spec(
                "user",
                "users",
                "contact",
                users,
                users.contact_id,
                self._user,
                (users.company_ref,),
                None if written is None else written.get("user", ()),
            ),
        }
        if companies is not None:
            self._specs["company"] = self._spec(
                "company",
                "companies",
                "company",
                companies,
                companies.company_id,
                self._company,
                (),
                None if written is None else written.get("company", ()),
            )
        self._lock_engine_guard = threading.Lock()
        self._file = self._file_identity()  # SQLite: the file the pooled connections have open

    def _spec(
        self,
        entity: str,
        plural: str,
        crm: str,
        m: OrdersMap | UsersMap | CompaniesMap,
        ids: IdStore,
        build: Callable[[Mapping[str, Any], Any, Note], Any],
        shared: Sequence[sa.Column[Any] | None] = (),
        written: Collection[str] | None = None,
    ) -> _Spec:
        store = storage(ids)
        src = store.source(m.table, m.key)
        columns = [
            *self._select_list(m.selected, m.updated_at),
            src.stored.label("bm_stored_id"),
            src.other.label("bm_other_id"),
        ]
        names = layout(tuple(c.name for c in m.selected))
        repeats = frozenset(names[c.name] for c in shared if c is not None and c.name in names)
        stored_at = next((i for i, c in enumerate(m.selected) if c is src.stored), None)
        kept: tuple[int, ...] | None = None
        lean: Make | None = None
        shares = False
        if written is not None:
            folded = {w.casefold() for w in written}
            kept = tuple(i for i, c in enumerate(m.selected) if c.name.casefold() in folded)
            lean = maker(layout(tuple(m.selected[i].name for i in kept)))
            shares = repeats.issuperset(kept)
        return _Spec(
            entity, plural, crm, m.table, m.key, store, m.updated_at, m.selected, src.from_, columns, build,
            names, repeats, stored_at, maker(names), kept, lean, shares,
        )  # fmt: skip

    @property
    def mapped_kinds(self) -> tuple[str, ...]:
        """The kinds this shop maps: ``"order"``, ``"user"``, and ``"company"`` when ``[shop.companies]``
        has a table."""
        return tuple(self._specs)

    def extra_fields(self, kind: str) -> tuple[str, ...]:
        """The CRM field names of the kind's ``[shop.<plural>.fields]``."""
        maps: dict[str, OrdersMap | UsersMap | CompaniesMap | None] = {
            "order": self.orders_map,
            "user": self.users_map,
            "company": self.companies_map,
        }
        m = maps.get(kind)
        return tuple(f.name for f in m.extra) if m is not None else ()

    def _of(self, entity: str) -> _Spec:
        try:
            return self._specs[entity]
        except KeyError:
            raise ShopValueError(Message("shop.unmapped_kind", {"shop_entities": entity})) from None

    def _select_list(
        self, selected: Sequence[sa.Column[Any]], updated_at: sa.Column[Any] | None
    ) -> list[sa.ColumnElement[Any]]:
        """The columns to read; on SQLite the timestamp is parsed leniently (it is whatever text the shop
        wrote: an unreadable value becomes ``None`` instead of failing the whole page)."""
        if self.kind != "sqlite" or updated_at is None:
            return list(selected)
        return [
            sa.type_coerce(c, _LenientTimestamp()).label(c.name) if c is updated_at else c for c in selected
        ]

    # -- connecting ---------------------------------------------------------------------------------
    @classmethod
    def connect(cls, url: str, mapping: ShopConfig, *, password: str | None = None) -> ShopDatabase:
        """Connect, reflect and validate the mapping (tables, columns, types, the id columns writable)."""
        u, kind = parse_url(url, password)
        where = display(u)
        engine = create_engine(u, kind)
        try:
            with engine.connect() as conn:
                resolved = resolve(conn, mapping)
            maps: list[tuple[OrdersMap | UsersMap | CompaniesMap, str, IdStore]] = [
                (resolved.orders, "order", resolved.orders.deal_id),
                (resolved.users, "user", resolved.users.contact_id),
            ]
            if resolved.companies is not None:
                maps.append((resolved.companies, "company", resolved.companies.company_id))
            for m, entity, _ids in maps:
                _probe_select(engine, m.table, m.selected, entity)
            stores = [storage(ids) for _m, _entity, ids in maps]
            for store in [s for s in stores if not isinstance(s, LinkStorage)] + [
                s for s in stores if isinstance(s, LinkStorage)
            ][:1]:  # the link table is one table: checked once
                store.probe(engine)
            denied = _probe_pulls(engine, resolved, mapping)
        except ShopError:
            engine.dispose()
            raise
        except sa.exc.DBAPIError as exc:
            engine.dispose()
            raise translate(exc, where, doing("connecting"), connected=False) from exc
        log.info("connected to shop database %s (%s)", where, kind)
        for warning in (*resolved.warnings, *denied.values()):
            log.warning("%s", warning)
        zone = shop_zone(mapping.timezone)
        db = cls(
            engine, kind, where, resolved.orders, resolved.users, zone, resolved.companies, _written(mapping)
        )
        db.warnings = (*resolved.warnings, *denied.values())
        db.pull_denied = denied
        return db

    def ping(self) -> None:
        """Check, cheaply and without writing anything, that the shop still answers: ``SELECT 1`` on a
        pooled connection (which the pool checks first and replaces when it dropped, so a stopped server, a
        dropped database or a refused password come out as the typed error :meth:`_run` makes of them).

        A SQLite shop is a file: one removed or renamed away is missing even while the pooled connections
        still read the old one (they hold it open), so the file is looked at first, and the pool let go
        when the file there is not the one it had open; a new connection then opens whatever is at the path
        again (never creating a file, since a missing one is reported before any connection is made)."""
        if self.kind == "sqlite":
            path = self._sqlite_path()
            if path is not None:
                now = self._file_identity()
                if now != self._file:
                    self.engine.dispose()  # its connections have another file (or none) open
                    self._file = now
                if now is None:
                    raise ShopMissingDatabaseError(Message("shop.missing", {"where": self.where}))
        self._run(doing("checking"), lambda conn: conn.execute(sa.text("SELECT 1")).scalar())

    def _sqlite_path(self) -> str | None:
        """The SQLite shop's file (None for an in-memory or URI database, and on servers)."""
        path = self.engine.url.database or ""
        if self.kind != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
            return None
        return path

    def _file_identity(self) -> tuple[int, int] | None:
        """The SQLite shop file's device and inode (None when there is no file at its path, or no file)."""
        path = self._sqlite_path()
        if path is None:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def close(self) -> None:
        self.engine.dispose()
        if self._lock_engine is not None:
            self._lock_engine.dispose()

    def __enter__(self) -> ShopDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ShopDatabase {self.kind} {self.where}>"

    def _run(self, what: Message, fn: Callable[[sa.Connection], T], *, retry: bool = True) -> T:
        """Run ``fn`` in a short transaction; on a dropped connection try once more if ``retry``."""
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    return fn(conn)
            except sa.exc.DBAPIError as exc:
                if retry and attempt == 1 and is_disconnect(exc):
                    log.warning("shop database connection lost while %s; retrying once", what)
                    continue
                raise translate(exc, self.where, what, connected=True) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # -- by kind: ``"order"``, ``"user"``; the per-kind methods below are thin wrappers -------------------
    def count(self, kind: str) -> int:
        """How many rows the kind's table holds."""
        spec = self._of(kind)
        stmt = sa.select(sa.func.count()).select_from(spec.table)
        return int(self._run(doing("reading", spec.entity), lambda c: c.execute(stmt).scalar_one()))

    def iter_rows(
        self,
        kind: str,
        *,
        page_size: int = 2000,
        since: datetime | None = None,
        held: Mapping[str, ShopRow] | None = None,
    ) -> Iterator[list[ShopRow]]:
        """Pages of the kind's rows in key order; with ``since``, only those changed at or after it.

        Without an ``updated_at`` column ``since`` is ignored (every row comes back; compare fingerprints).
        ``held``: rows read before, by key; a row read again from the same values (and the same stored id,
        no second one) comes back as the row held, not made again (a row made is about ten times the cost
        of reading its values).
        """
        spec = self._of(kind)
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        return self._pages(spec, page_size, since, held)

    def _pages(
        self, spec: _Spec, page_size: int, since: datetime | None, held: Mapping[str, ShopRow] | None = None
    ) -> Iterator[list[ShopRow]]:
        key = spec.key.column
        ints: dict[int, int] = {}  # one object for each whole number that repeats in a shared column
        if since is not None and spec.updated_at is not None:
            yield from self._changed_pages(spec, page_size, since, held, ints)
            return
        base = sa.select(*spec.columns).select_from(spec.source).order_by(key).limit(page_size)
        last: Any = None
        while True:
            stmt = base if last is None else base.where(key > last)
            rows = self._run(doing("reading", spec.entity), lambda c, s=stmt: c.execute(s).all())  # type: ignore[misc]
            if not rows:
                return
            last = rows[-1][0]
            page = self._made(spec, rows, held, ints)
            del rows
            yield page
            if len(page) < page_size:
                return

    def _changed_pages(
        self,
        spec: _Spec,
        page_size: int,
        since: datetime,
        held: Mapping[str, ShopRow] | None,
        ints: dict[int, int],
    ) -> Iterator[list[ShopRow]]:
        """The rows changed at or after ``since``, in key order: one statement, its answer made into rows a
        page at a time. Pages by key with the stamp as a filter walk the whole key index when many rows
        share the window (a bulk update; the demo shop's 92,990 orders on its one 'now' among a million took
        1.5 s in 47 pages, 0.7 s in one statement, the rows held). A connection that drops before the first
        page is tried once more."""
        stamp = spec.updated_at
        assert stamp is not None
        key = spec.key.column
        stmt = (
            sa.select(*spec.columns).select_from(spec.source).where(self._since(stamp, since)).order_by(key)
        )
        what = doing("reading", spec.entity)
        for attempt in (1, 2):
            given = False
            try:
                with self.engine.connect() as conn:
                    # Not a server-side cursor: PostgreSQL plans one for its first rows, by walking the key
                    # index. The driver holds the answer in its compact form; rows are made a page at a time.
                    for rows in conn.execute(stmt).partitions(page_size):
                        given = True
                        yield self._made(spec, rows, held, ints)
                return
            except sa.exc.DBAPIError as exc:
                if attempt == 1 and not given and is_disconnect(exc):
                    log.warning("shop database connection lost while %s; retrying once", what)
                    continue
                raise translate(exc, self.where, what, connected=True) from exc

    def _made(
        self,
        spec: _Spec,
        rows: Sequence[sa.Row[Any]],
        held: Mapping[str, ShopRow] | None,
        ints: dict[int, int],
    ) -> list[ShopRow]:
        if held is None or spec.stored_at is None:  # ids in a link table: always made
            by_column = self._order_page if spec.entity == "order" else self._user_page
            if spec.entity in ("order", "user") and (page := by_column(spec, rows, ints)) is not None:
                return page
            return [self._convert(spec, r, ints) for r in rows]
        return self._held_page(spec, rows, held, ints)

    def _held_page(
        self, spec: _Spec, rows: Sequence[sa.Row[Any]], held: Mapping[str, ShopRow], ints: dict[int, int]
    ) -> list[ShopRow]:
        """Each row held under a row's key when :meth:`_convert` would make one equal to it: made from the
        same values (the stored id among them, in the row's own column), without a second id then or now,
        and with nothing wrong with it; else the row made. A full pass reading the shop again finds nearly
        every row held: the page's signs come in a few C passes, the rows held in one."""
        n = len(spec.selected)
        cols = list(zip(*rows, strict=True))
        signs = read_signs(list(zip(*cols[:n], strict=True)), cols[:n])
        found = map(held.get, map(str, cols[0]))
        return [
            row
            if other is None
            and row is not None
            and not row.problem
            and sign is not None
            and row._read == sign
            else self._convert(spec, r, ints)
            for r, row, sign, other in zip(rows, found, signs, cols[n + 1], strict=True)
        ]

    def _order_page(
        self, spec: _Spec, rows: Sequence[sa.Row[Any]], ints: dict[int, int]
    ) -> list[ShopRow] | None:
        """A page of orders made column by column: the rows :meth:`_convert` makes of them, equal in every
        field, or None when the page is not the usual one this handles (see :meth:`_page_columns`; and an
        amount with other than two places or a zero of either sign). A full pass reads a million orders: a C
        pass over each column instead of a dozen calls a row (9.1 -> 6.0 us an order made, 100,000 orders)."""
        m, at = self.orders_map, self._order_at
        page = None if m.extra else self._page_columns(spec, rows, ints, at.updated_at)
        if page is None:
            return None
        cols, stored, stamps = page
        amounts = self._page_amounts(None if at.amount is None else cols[at.amount])
        if amounts is None:
            return None
        stages = _by_value(
            None if at.stage is None else cols[at.stage], functools.partial(_stage_of, m), None
        )
        currency = None if at.currency is None else cols[at.currency]
        currencies = _by_value(currency, functools.partial(_currency_of, m), m.currency)
        if stages is None or currencies is None:
            return None
        users: Iterable[str | None] = repeat(None)
        if at.user is not None:
            col = cols[at.user]
            made = set(map(type, col)) == {int}
            users = list(map(sys.intern, map(str, col))) if made else list(map(_key_text, col))
        values, raws, signs = self._page_values(spec, cols)
        return list(
            map(
                OrderRow.made,
                map(str, cols[at.key]),
                users,
                stored,
                map(at.title, values),
                amounts,
                currencies,
                stages,
                stamps,
                raws,
                repeat(""),
                repeat(NO_EXTRA),
                signs,
            )
        )

    def _user_page(
        self, spec: _Spec, rows: Sequence[sa.Row[Any]], ints: dict[int, int]
    ) -> list[ShopRow] | None:
        """A page of users made column by column, as :meth:`_order_page` makes orders."""
        m = self.users_map
        at = spec.names
        page = None if m.extra else self._page_columns(spec, rows, ints, _place(at, m.updated_at))
        if page is None:
            return None
        cols, stored, stamps = page

        def texts(column: sa.Column[Any] | None) -> Iterable[str | None]:
            return repeat(None) if column is None else _texts(cols[at[column.name]])

        names = map(functools.partial(_names, m), texts(m.name), texts(m.first_name), texts(m.last_name))
        full, first, last = zip(*names, strict=True)
        companies: Iterable[str | None] = repeat(None)
        if m.company_ref is not None:
            companies = list(map(_company_value, cols[at[m.company_ref.name]]))
        _values, raws, signs = self._page_values(spec, cols)
        return list(
            map(
                UserRow.made,
                map(sys.intern, map(str, cols[at[m.key.column.name]])),  # the orders' user_key: one text
                stored,
                full,
                first,
                last,
                texts(m.email),
                texts(m.phone),
                stamps,
                raws,
                repeat(""),
                companies,
                repeat(NO_EXTRA),
                signs,
            )
        )

    def _page_columns(
        self, spec: _Spec, rows: Sequence[sa.Row[Any]], ints: dict[int, int], stamp: int | None
    ) -> tuple[list[Sequence[Any]], Sequence[int | None], Iterable[datetime | None]] | None:
        """A page's selected columns (the values that repeat shared, as :meth:`_convert` shares them), its
        stored ids and its timestamps (``stamp``: their column's place) as made rows hold them; or None when
        the page is not the usual one: a key that is no integer, a stored id that is none, a second link, a
        timestamp that is NULL, a DATE or out of the calendar. Such rows have nothing wrong with them."""
        if not rows:
            return None
        n = len(spec.selected)
        cols: list[Sequence[Any]] = list(zip(*rows, strict=True))
        if cols.pop().count(None) != len(rows):  # a second id stored somewhere: said by _convert
            return None
        for i in spec.shared:
            col = cols[i]
            kinds = set(map(type, col))
            if kinds == {str}:
                cols[i] = list(map(sys.intern, col))
            elif kinds == {int}:
                cols[i] = list(map(ints.setdefault, col, col))
            else:
                cols[i] = [_share(v, ints) for v in col]
        keys = cols[0]  # the key's column is the first selected
        stored = cols.pop() if spec.stored_at is None else cols[spec.stored_at]
        if set(map(type, keys)) != {int} or not set(map(type, stored)) <= {int, type(None)}:
            return None
        if min(filter(_SOME, stored), default=1) <= 0 or any(map(spec.ids.problem, keys)):
            return None
        stamps = self._page_moments(None if stamp is None else cols[stamp])
        return None if stamps is None else (cols[:n], stored, stamps)

    @staticmethod
    def _page_values(
        spec: _Spec, cols: list[Sequence[Any]]
    ) -> tuple[list[tuple[Any, ...]], list[Any], list[Any]]:
        """A page's rows of values, the ``raw`` each made row holds and the signs of its values read."""
        values = list(zip(*cols, strict=True))
        if spec.lean is None:
            raws: list[Any] = list(map(spec.record, values))
        else:
            assert spec.kept is not None
            kept = list(zip(*(cols[i] for i in spec.kept), strict=True)) if spec.kept else [()] * len(values)
            if spec.lean_shared:  # one record for equal values of one type, as _convert shares them
                leans, lean = spec.leans, spec.lean
                types = [set(map(type, cols[i])) for i in spec.kept]
                if all(len(t) == 1 for t in types):  # each column of one type: the types are the page's
                    alike = list(zip(kept, repeat(tuple(t.pop() for t in types))))
                else:
                    alike = [(mine, tuple(map(type, mine))) for mine in kept]
                for key in set(alike).difference(leans):
                    leans[key] = lean(key[0])
                raws = list(map(leans.__getitem__, alike))
            else:
                raws = list(map(spec.lean, kept))
        return values, raws, read_signs(values, cols)

    @staticmethod
    def _page_amounts(col: Sequence[Any] | None) -> Iterable[int | None] | None:
        """A page's amounts as :func:`_held_amount` holds them, in C passes: floats with at most two places
        (each the float nearest its cents / 100: no other float is), whole numbers, or ``Decimal``s; None
        for any other page (a float of three places, a zero of either sign, a NaN, beyond 10**13, mixed
        types)."""
        if col is None:
            return repeat(None)
        kinds = set(map(type, col))
        if kinds == {float}:
            if not all(map(math.isfinite, col)) or max(map(abs, col), default=0.0) >= 1e13 or 0.0 in col:
                return None
            cents = list(map(round, map((100.0).__mul__, col)))
            if list(map(float.__truediv__, map(float, cents), repeat(100.0))) != list(col):
                return None
            return cents
        if kinds == {int} and min(col) in _WHOLE and max(col) in _WHOLE:
            return list(map((100).__mul__, col))
        if kinds == {Decimal} and all(map(Decimal.is_finite, col)) and max(map(abs, col)) <= LIMIT:
            # parse_amount's rounding to cents, then held_amount's cents (a DECIMAL column; MariaDB's DOUBLE
            # as SQLAlchemy reads it); a zero of either sign is read row by row
            rounded = list(map(Decimal.quantize, col, repeat(CENTS), repeat(ROUND_HALF_UP)))
            if any(map(Decimal.is_zero, rounded)):
                return None
            return list(map(int, map(Decimal.scaleb, rounded, repeat(2), repeat(_EXACT))))
        return None

    def _page_moments(self, col: Sequence[Any] | None) -> Iterable[datetime | None] | None:
        """A page's timestamps as :func:`_moment` makes them, in C passes; None for a page with a NULL or a
        DATE among them, naive and aware ones mixed under ``[shop] timezone``, or one out of the calendar."""
        if col is None:
            return repeat(None)
        if set(map(type, col)) != {datetime}:
            return None
        try:
            if self.zone is not None:
                zones = set(map(_ZONE_OF, col))
                if zones == {None}:
                    return list(map(datetime.astimezone, map(_in_zone(self.zone), col), repeat(UTC)))
                if None in zones:
                    return None
            return list(map(datetime.astimezone, col, repeat(UTC)))
        except (OverflowError, ValueError, OSError):
            return None

    def keys(self, kind: str, *, page_size: int = 50_000) -> list[str]:
        """Every key of the kind's table, in key order (read in pages, the key column alone)."""
        spec = self._of(kind)
        key = spec.key.column
        base = sa.select(key).order_by(key).limit(page_size)
        out: list[str] = []
        last: Any = None
        while True:
            stmt = base if last is None else base.where(key > last)
            page = self._run(doing("reading", spec.entity), lambda c, s=stmt: c.execute(s).scalars().all())  # type: ignore[misc]
            out += (str(v) for v in page)
            if len(page) < page_size:
                return out
            last = page[-1]

    def get_rows(self, kind: str, keys: Iterable[str]) -> dict[str, ShopRow]:
        """The kind's rows with these keys (missing keys are simply absent)."""
        spec = self._of(kind)
        key = spec.key
        wanted = list(dict.fromkeys(v for v in (key.parse(str(k)) for k in keys) if v is not None))
        found: dict[str, ShopRow] = {}
        ints: dict[int, int] = {}
        for i in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[i : i + _IN_CHUNK]
            stmt = sa.select(*spec.columns).select_from(spec.source).where(key.column.in_(chunk))
            rows = self._run(doing("reading", spec.entity), lambda c, s=stmt: c.execute(s).all())  # type: ignore[misc]
            for row in self._made(spec, rows, None, ints):
                found[row.key] = row
        return found

    @staticmethod
    def _convert(spec: _Spec, r: sa.Row[Any], ints: dict[int, int]) -> ShopRow:
        n = len(spec.selected)
        values = tuple(r[:n])
        if spec.shared:
            held = list(values)
            for i in spec.shared:
                held[i] = _share(held[i], ints)
            values = tuple(held)
        raw = spec.record(values)
        # The id read from the row's own column is the raw value's object, not a second one just like it.
        stored = r[n] if spec.stored_at is None else values[spec.stored_at]
        other = r[n + 1]
        problem = spec.ids.problem(values[0])  # the key's value: the first selected
        if other is not None and other != stored:
            problem = Message("row.two_links", {"entity": spec.crm, "ids": f"{stored}, {other}"})
        row: ShopRow = spec.build(raw, stored, problem)
        put = object.__setattr__
        if spec.lean is not None:  # the values of the columns a pull writes to; the others go
            assert spec.kept is not None
            mine = tuple([values[i] for i in spec.kept])
            if spec.lean_shared:  # one record for equal values of one type (1, 1.0 and True are not one)
                alike = (mine, tuple(map(type, mine)))
                lean = spec.leans.get(alike)
                put(row, "raw", spec.leans.setdefault(alike, spec.lean(mine)) if lean is None else lean)
            else:
                put(row, "raw", spec.lean(mine))
        put(row, "_read", read_sign(values))
        return row

    def set_id(self, kind: str, key: str, new: int | None, *, expected: int | None = None) -> bool:
        """Compare-and-set the row's CRM id: only if it currently holds ``expected`` (``None`` = no id).

        Returns True if this call changed it (it "won"), False if the row is gone or holds another id.
        """
        if new is not None and (isinstance(new, bool) or new <= 0):
            raise ShopValueError(Message("shop.not_an_id", {"value": repr(new)}))
        spec = self._of(kind)
        k = spec.key.parse(str(key))
        if k is None:
            return False
        attempt = 1
        while True:
            try:
                return self._run(
                    doing("writing", spec.entity),
                    lambda c: spec.ids.write(c, spec.table, spec.key, k, new, expected),
                    retry=False,
                )
            except LostRace:
                # Undone for a race. Lost when the row now holds another id (or is gone); when it still holds
                # ``expected``, the database undid it for another writer's lock on a neighbouring link (a
                # deadlock over an index gap: MariaDB), not for this one: written again.
                row = self.get_rows(kind, [str(key)]).get(str(key))
                if row is None or row.crm_id != expected or attempt == _RACE_ATTEMPTS:
                    log.info("another writer linked %s %s first", spec.entity, key)
                    return False
                log.info("writing the link of %s %s again after a deadlock", spec.entity, key)
                time.sleep(0.01 * attempt)
                attempt += 1

    def set_ids(self, kind: str, changes: Sequence[tuple[str, int, int | None]]) -> set[str]:
        """:meth:`set_id` for many rows in one transaction: each ``(key, new id, expected id)`` is its own
        compare-and-set, exactly as :meth:`set_id` does it. Returns the keys whose id this call changed.

        One commit for a group instead of one per row. When another writer races one of the links (a link
        table's insert that loses: a unique violation or a deadlock, which undoes the whole transaction),
        every change is made again one by one, so the others still land and the loser learns it lost.
        """
        for _key, new, _expected in changes:
            if isinstance(new, bool) or new <= 0:
                raise ShopValueError(Message("shop.not_an_id", {"value": repr(new)}))
        spec = self._of(kind)
        parsed = [
            (key, k, new, exp) for key, new, exp in changes if (k := spec.key.parse(str(key))) is not None
        ]
        if not parsed:
            return set()

        def write(conn: sa.Connection) -> set[str]:
            return {
                key for key, k, new, exp in parsed if spec.ids.write(conn, spec.table, spec.key, k, new, exp)
            }

        try:
            return self._run(doing("writing", spec.entity), write, retry=False)
        except LostRace:
            log.info("another writer linked one of %d %s first; one by one now", len(parsed), spec.plural)
        return {key for key, _k, new, exp in parsed if self.set_id(kind, key, new, expected=exp)}

    def set_status(self, key: str, new: str, *, expected: str | None) -> bool:
        """Compare-and-set the order's status column (``[shop.orders] stage``) to a value pulled from the
        CRM: only while it still holds ``expected``, the value the app last saw (``None``: empty). Returns
        True if this call changed it, False if the row is gone or holds another value (a shop change in
        between: a merge, never an overwrite). No UPDATE grant on the column: :class:`ShopPermissionError`."""
        m = self.orders_map
        if m.stage is None:
            raise ShopMappingError(Message("mapping.no_stage"))
        spec = self._of("order")
        k = spec.key.parse(str(key))
        if k is None:
            return False
        col = m.stage
        holds = col.is_(None) if expected is None else sa.cast(col, sa.String) == expected
        stmt = sa.update(col.table).where(spec.key.column == k, holds).values({col.name: new})
        return bool(
            self._run(doing("writing", spec.entity), lambda c: c.execute(stmt).rowcount == 1, retry=False)
        )

    def column_of(self, kind: str, name: str) -> sa.Column[Any] | None:
        """The mapped column of ``kind`` called ``name`` (as the configuration writes it), or None."""
        spec = self._of(kind)
        found = [c for c in spec.selected if c.name == name]
        found = found or [c for c in spec.selected if c.name.casefold() == name.casefold()]
        return found[0] if found else None

    def set_field(self, kind: str, key: str, column: str, new: str, *, expected: Any) -> bool:
        """Compare-and-set one mapped column of a row to a value pulled from the CRM (text; empty is NULL,
        or ``''`` in a NOT NULL column; a number column gets the number): only while it still holds
        ``expected``, the value the app last read. Returns True if this call changed it, False if the row
        is gone or holds another value (a shop change in between: a merge, never an overwrite). No UPDATE
        grant on the column: :class:`ShopPermissionError`; a value the column cannot hold:
        :class:`ShopValueError` (a ``ValueError``)."""
        spec = self._of(kind)
        col = self.column_of(kind, column)
        if col is None:
            raise ShopMappingError(
                Message("mapping.unmapped_column", {"section": f"shop.{spec.plural}", "column": repr(column)})
            )
        k = spec.key.parse(str(key))
        if k is None:
            return False
        value = _column_value(col, new)
        holds = col.is_(None) if expected is None else col == expected
        stmt = sa.update(col.table).where(spec.key.column == k, holds).values({col.name: value})
        return bool(
            self._run(doing("writing", spec.entity), lambda c: c.execute(stmt).rowcount == 1, retry=False)
        )

    def keys_storing(self, entity: str, ids: Iterable[int]) -> dict[int, list[str]]:
        """The keys of the rows that store each of these CRM ids (deal ids for ``order``, contact ids for
        ``user``), in key order; ids no row stores are absent. An id stored by two rows is a shared link."""
        spec = self._of(entity)
        wanted = sorted({i for i in ids if i > 0})
        found: dict[int, list[str]] = {}
        for i in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[i : i + _IN_CHUNK]
            stmt = spec.ids.storing(spec.table, spec.key, chunk)
            for key, value in self._run(doing("reading", spec.entity), lambda c, s=stmt: c.execute(s).all()):  # type: ignore[misc]
                pid = parse_id(value)
                keys = found.setdefault(pid, []) if pid in chunk else None
                if keys is not None and (not keys or keys[-1] != str(key)):  # a link row twice: one key
                    keys.append(str(key))
        return found

    def has_updated_at(self, entity: str) -> bool:
        """Whether changes can be read since a watermark; if not, compare fingerprints."""
        return self._of(entity).updated_at is not None

    def max_updated_at(self, entity: str) -> datetime | None:
        """The newest ``updated_at`` (a watermark), or ``None`` when unmapped or the table is empty."""
        spec = self._of(entity)
        col = spec.updated_at
        if col is None:
            return None
        newest: sa.ColumnElement[Any] = sa.func.max(col)
        if self.kind == "sqlite":
            newest = sa.type_coerce(sa.func.max(sa.func.datetime(col)), _LenientTimestamp())
        stmt = sa.select(newest)
        return _moment(
            self._run(doing("reading", spec.entity), lambda c: c.execute(stmt).scalar()), self.zone
        )

    def _since(self, col: sa.Column[Any], since: datetime) -> sa.ColumnElement[bool]:
        """``col`` at or after the instant ``since`` (aware; a naive one is a wall time of the shop's zone).
        A column without a zone holds the shop's wall times, so it is compared with ``since`` in that zone;
        a column with one (PostgreSQL ``timestamptz``) with the instant itself."""
        if self.kind == "sqlite":
            # SQLite stores timestamps as text in whatever format the shop wrote ("T" or " ", with or
            # without fractions); compare normalised values, to the second (at/after stays inclusive).
            wall = _shop_time(since, self.zone)
            return sa.func.datetime(col) >= sa.func.datetime(wall.isoformat(sep=" "))
        if getattr(col.type, "timezone", False):
            if since.tzinfo is None:
                since = _moment(since, self.zone) or since
            return col >= since
        return col >= _shop_time(since, self.zone)

    # -- per kind -----------------------------------------------------------------------------------
    def count_orders(self) -> int:
        return self.count("order")

    def count_users(self) -> int:
        return self.count("user")

    def iter_orders(
        self, *, page_size: int = 2000, since: datetime | None = None
    ) -> Iterator[list[OrderRow]]:
        """Pages of orders in key order; see :meth:`iter_rows`."""
        return cast(Iterator[list[OrderRow]], self.iter_rows("order", page_size=page_size, since=since))

    def iter_users(self, *, page_size: int = 2000, since: datetime | None = None) -> Iterator[list[UserRow]]:
        """Pages of users in key order; see :meth:`iter_rows`."""
        return cast(Iterator[list[UserRow]], self.iter_rows("user", page_size=page_size, since=since))

    def get_orders(self, keys: Iterable[str]) -> dict[str, OrderRow]:
        """The orders with these keys (missing keys are simply absent)."""
        return cast(dict[str, OrderRow], self.get_rows("order", keys))

    def get_users(self, keys: Iterable[str]) -> dict[str, UserRow]:
        return cast(dict[str, UserRow], self.get_rows("user", keys))

    def set_deal_id(self, order_key: str, new: int | None, *, expected: int | None = None) -> bool:
        """Compare-and-set the order's deal id; see :meth:`set_id`."""
        return self.set_id("order", order_key, new, expected=expected)

    def set_contact_id(self, user_key: str, new: int | None, *, expected: int | None = None) -> bool:
        """Compare-and-set the user's contact id; see :meth:`set_id`."""
        return self.set_id("user", user_key, new, expected=expected)

    def count_companies(self) -> int:
        return self.count("company")

    def iter_companies(
        self, *, page_size: int = 2000, since: datetime | None = None
    ) -> Iterator[list[CompanyRow]]:
        """Pages of companies in key order; see :meth:`iter_rows` (a :class:`ValueError` when companies are
        not mapped)."""
        return cast(Iterator[list[CompanyRow]], self.iter_rows("company", page_size=page_size, since=since))

    def get_companies(self, keys: Iterable[str]) -> dict[str, CompanyRow]:
        return cast(dict[str, CompanyRow], self.get_rows("company", keys))

    def set_company_id(self, company_key: str, new: int | None, *, expected: int | None = None) -> bool:
        """Compare-and-set the company's id; see :meth:`set_id`."""
        return self.set_id("company", company_key, new, expected=expected)

    # -- rows ---------------------------------------------------------------------------------------
    def _order(self, raw: Mapping[str, Any], stored: Any, id_problem: Note) -> OrderRow:
        m = self.orders_map
        at = self._order_at
        # The values by place, not by name: a million rows each read about ten of them.
        try:
            v = raw.values_held  # type: ignore[attr-defined]  # a compact.Record, as read
        except AttributeError:
            v = tuple(raw[c.name] for c in m.selected)
        stage = None if at.stage is None else _stage_of(m, v[at.stage])
        currency = m.currency if at.currency is None else _currency_of(m, v[at.currency])
        amount, amount_problem = _held_amount(None if at.amount is None else v[at.amount])
        key = v[at.key]
        return OrderRow.made(
            str(key),
            None if at.user is None else _key_text(v[at.user]),
            parse_id(stored),
            at.title(v),
            amount,
            currency,
            stage,
            None if at.updated_at is None else _moment(v[at.updated_at], self.zone),
            raw,
            _row_problems("deal", key, stored, amount_problem, id_problem),
            {f.name: f.render(raw) for f in m.extra} if m.extra else NO_EXTRA,
        )

    def _user(self, raw: Mapping[str, Any], stored: Any, id_problem: Note) -> UserRow:
        m = self.users_map

        def text(col: sa.Column[Any] | None) -> str | None:
            return None if col is None else _text(raw[col.name])

        full, first, last = _names(m, text(m.name), text(m.first_name), text(m.last_name))
        key = raw[m.key.column.name]
        return UserRow.made(
            sys.intern(str(key)),  # the orders' user_key: one text for both
            parse_id(stored),
            full,
            first,
            last,
            text(m.email),
            text(m.phone),
            None if m.updated_at is None else _moment(raw[m.updated_at.name], self.zone),
            raw,
            _row_problems("contact", key, stored, id_problem),
            self._company_key(raw),
            {f.name: f.render(raw) for f in m.extra} if m.extra else NO_EXTRA,
        )

    def _company_key(self, raw: Mapping[str, Any]) -> str | None:
        """The user's company key; ``None`` when empty, or 0 in an integer column (a shop's "none")."""
        col = self.users_map.company_ref
        if col is None:
            return None
        return _company_value(raw[col.name])

    def _company(self, raw: Mapping[str, Any], stored: Any, id_problem: Note) -> CompanyRow:
        m = self.companies_map
        assert m is not None

        def text(col: sa.Column[Any] | None) -> str | None:
            return None if col is None else _text(raw[col.name])

        return CompanyRow(
            key=sys.intern(str(raw[m.key.column.name])),  # the users' company_key: one text for both
            company_id=parse_id(stored),
            title=text(m.title) or "",
            email=text(m.email),
            phone=text(m.phone),
            updated_at=None if m.updated_at is None else _moment(raw[m.updated_at.name], self.zone),
            raw=raw,
            problem=_row_problems("company", raw[m.key.column.name], stored, id_problem),
            extra={f.name: f.render(raw) for f in m.extra} if m.extra else NO_EXTRA,
        )

    # -- locks --------------------------------------------------------------------------------------
    def locks(self) -> EntityLocks:
        """A fresh lock holder with a connection of its own; one per worker."""
        with self._lock_engine_guard:
            if self._lock_engine is None and self.kind != "sqlite":
                # Made as the shop's engine is (time limit on connecting, keepalives): a holder's
                # connection sits idle while the portal is asked, the locks held on it.
                self._lock_engine = create_engine(
                    self.engine.url,
                    self.kind,
                    poolclass=sa.pool.NullPool,
                    isolation_level="AUTOCOMMIT",
                    pool_pre_ping=False,
                )
        return make_locks(
            self.kind,
            self._lock_engine,
            self.where,
            self.engine.url.database or "",
            {"company": "companies"} | {e: spec.table.fullname for e, spec in self._specs.items()},
        )


def _column_value(col: sa.Column[Any], text: str) -> Any:
    """A pulled value as ``col`` stores it (a :class:`ShopValueError` when it cannot hold it)."""
    text = text.strip()
    if not text:
        return None if col.nullable else ("" if isinstance(col.type, sa.String) else None)
    if isinstance(col.type, sa.Boolean):
        raise ShopValueError(Message("shop.value.boolean", {"value": repr(text)}))
    if isinstance(col.type, (sa.Integer, sa.Numeric, sa.Float)):
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ShopValueError(Message("shop.value.not_a_number", {"value": repr(text[:40])})) from None
        if not number.is_finite():
            raise ShopValueError(Message("shop.value.not_a_number", {"value": repr(text[:40])}))
        if not isinstance(col.type, sa.Integer):
            return number
        if number != number.to_integral_value():
            raise ShopValueError(Message("shop.value.not_whole", {"value": repr(text)}))
        return int(number)
    length = getattr(col.type, "length", None)
    if isinstance(length, int) and len(text) > length:
        raise ShopValueError(Message("shop.value.too_long", {"value": repr(text[:40]), "length": length}))
    return text


def _written(mapping: ShopConfig) -> dict[str, list[str]]:
    """By kind, the columns a pull may write to (fields whose owner is ``crm`` or ``both``), and the orders'
    status column, which a stage without a status is told by: the columns whose values rows keep."""
    sections: list[tuple[str, str, OrdersMapping | UsersMapping | CompaniesMapping]] = [
        ("order", "orders", mapping.orders),
        ("user", "users", mapping.users),
        ("company", "companies", mapping.companies),
    ]
    out: dict[str, list[str]] = {}
    for kind, plural, m in sections:
        pulled = pullable_fields(plural, m)
        out[kind] = [column for name, column in pulled.items() if field_owner(m, name) != "shop"]
    if mapping.orders.stage.strip():
        out["order"].append(mapping.orders.stage.strip())
    return out


def _probe_pulls(
    engine: sa.Engine, resolved: ResolvedMapping, mapping: ShopConfig
) -> dict[tuple[str, str], Message]:
    """UPDATE rights on the columns the CRM's values are written to (fields whose owner is ``crm`` or
    ``both``): an UPDATE that matches no row, rolled back. A missing grant stops nothing: pulling that
    field is reported as not permitted, in one line naming the grant."""
    sections: list[tuple[str, str, OrdersMapping | UsersMapping | CompaniesMapping, Any]] = [
        ("order", "orders", mapping.orders, resolved.orders),
        ("user", "users", mapping.users, resolved.users),
    ]
    if resolved.companies is not None:
        sections.append(("company", "companies", mapping.companies, resolved.companies))
    denied: dict[tuple[str, str], Message] = {}
    for kind, plural, m, r in sections:
        for name, column in pullable_fields(plural, m).items():
            if field_owner(m, name) == "shop":
                continue
            cols = [c for c in r.table.c if c.name.casefold() == column.casefold()]
            if not cols:
                continue
            col = cols[0]
            try:
                with engine.connect() as conn, conn.begin() as trans:
                    conn.execute(sa.update(col.table).where(sa.false()).values({col.name: col}))
                    trans.rollback()
            except sa.exc.DBAPIError as exc:
                try:
                    raise_if_denied(
                        exc, Message("shop.denied.update", {"column": f"{col.table.name}.{col.name}"})
                    )
                except ShopPermissionError:
                    said = {"name": name, "table": col.table.name, "column": col.name, "plural": plural}
                    denied[(kind, name)] = Message("warning.pull_denied", said)
                    continue
                raise
    return denied


def _probe_select(engine: sa.Engine, table: sa.Table, cols: Sequence[sa.Column[Any]], kind: str) -> None:
    """SELECT rights on every mapped column of the ``kind``'s table (the server checks them when it plans
    the query)."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.select(*cols).where(sa.false()).limit(1)).all()
    except sa.exc.DBAPIError as exc:
        raise_if_denied(exc, Message("shop.denied.read", {"shop_entities": kind, "table": repr(table.name)}))
        raise


__all__ = ["ShopDatabase", "parse_id"]
