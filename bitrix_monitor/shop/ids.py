"""Where a shop row's CRM id lives, behind one interface: a column of the row's own table
(:class:`ColumnStorage`) or a row of the link table (:class:`LinkStorage`).

Both answer the same questions: what to join and select to read the stored id with the row, which rows
store given ids, and a compare-and-set write. The write's contract is the same for both: change the id
only if the row currently stores ``expected`` (``None`` = no id) and the shop row exists; ``True`` if
this call changed it. In a link table "no id" is no row (or a row without an id): linking inserts one,
relinking updates it, unlinking deletes exactly that row. Two writers racing to insert the same link are
settled by the database (a unique violation or a deadlock): the loser gets ``False``, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bitrix_monitor.messages import Message, Note
from bitrix_monitor.shop.connection import README_HINT, is_lost_race, raise_if_denied
from bitrix_monitor.shop.errors import ShopPermissionError
from bitrix_monitor.shop.mapping import IdColumn, IdStore, KeyColumn, LinkIds, LinkTable

_NEXTVAL = re.compile(r"nextval\('([^']+)'")


class LostRace(Exception):
    """Another writer changed the link first (raised inside the write's transaction, which rolls back)."""


@dataclass(frozen=True)
class Source:
    """How a read gets the stored id: from ``from_`` select ``stored`` (and ``other``: a second, different
    id when a link table without a unique constraint holds two rows for the record; else NULL)."""

    from_: sa.FromClause
    stored: sa.ColumnElement[Any]
    other: sa.ColumnElement[Any]


class ColumnStorage:
    """The id in a column of the row's own table (``orders.bitrix_deal_id``)."""

    def __init__(self, ids: IdColumn) -> None:
        self.ids = ids

    def source(self, table: sa.Table, key: KeyColumn) -> Source:
        return Source(table, self.ids.column, sa.null())

    def problem(self, key: Any) -> Note:
        return ""

    def storing(self, table: sa.Table, key: KeyColumn, values: Sequence[int]) -> sa.Select[Any]:
        idc = self.ids
        return (
            sa.select(key.column, idc.column)
            .where(idc.column.in_([idc.store(v) for v in values]))
            .order_by(key.column)
        )

    def write(
        self,
        conn: sa.Connection,
        table: sa.Table,
        key: KeyColumn,
        k: Any,
        new: int | None,
        expected: int | None,
    ) -> bool:
        idc = self.ids
        stmt = (
            sa.update(table)
            .where(key.column == k, idc.holds(expected))
            .values({idc.column.name: idc.store(new)})
        )
        return bool(conn.execute(stmt).rowcount == 1)

    def probe(self, engine: sa.Engine) -> None:
        """UPDATE rights on the id column: an UPDATE that matches no row, rolled back."""
        col = self.ids.column
        try:
            with engine.connect() as conn, conn.begin() as trans:
                conn.execute(sa.update(col.table).where(sa.false()).values({col.name: col}))
                trans.rollback()
        except sa.exc.DBAPIError as exc:
            raise_if_denied(exc, Message("shop.denied.update", {"column": f"{col.table.name}.{col.name}"}))
            raise


class LinkStorage:
    """The id in the link table, in the row whose kind column says this kind and whose local id is the
    row's key."""

    def __init__(self, ids: LinkIds) -> None:
        self.ids = ids
        self.links: LinkTable = ids.links

    def _matches(self, local: sa.ColumnElement[Any], key: KeyColumn) -> sa.ColumnElement[bool]:
        """The link's local id names the shop row: compared as text when one side is text."""
        if self.links.local_is_int == key.is_int:
            return local == key.column
        if self.links.local_is_int:
            return sa.cast(local, sa.String) == key.column
        return local == sa.cast(key.column, sa.String)

    def source(self, table: sa.Table, key: KeyColumn) -> Source:
        link = self.links
        if link.unique:
            on = sa.and_(link.kind == self.ids.value, self._matches(link.local_id, key))
            return Source(table.outerjoin(link.table, on), link.crm_id.column, sa.null())
        # Nothing keeps one row per record: read the lowest and highest id so a record with two different
        # ids is seen (a problem a person must settle), and a duplicate row does not duplicate the record.
        crm = link.crm_id.column
        per_record = (
            sa.select(
                link.local_id.label("local_id"), sa.func.min(crm).label("low"), sa.func.max(crm).label("high")
            )
            .where(link.kind == self.ids.value)
            .group_by(link.local_id)
            .subquery("bm_links")
        )
        on = self._matches(per_record.c.local_id, key)
        return Source(table.outerjoin(per_record, on), per_record.c.low, per_record.c.high)

    def problem(self, key: Any) -> Note:
        if key is not None and self.links.local_value(key) is None:
            col = self.links.local_id
            where = f"{col.table.name}.{col.name}"
            return Message("row.key_not_integer", {"key": repr(str(key)[:40]), "column": where})
        return ""

    def storing(self, table: sa.Table, key: KeyColumn, values: Sequence[int]) -> sa.Select[Any]:
        link = self.links
        crm = link.crm_id
        on = sa.and_(link.kind == self.ids.value, self._matches(link.local_id, key))
        return (
            sa.select(key.column, crm.column)
            .select_from(table.join(link.table, on))
            .where(crm.column.in_([crm.store(v) for v in values]))
            .order_by(key.column)
        )

    def write(
        self,
        conn: sa.Connection,
        table: sa.Table,
        key: KeyColumn,
        k: Any,
        new: int | None,
        expected: int | None,
    ) -> bool:
        link = self.links
        local = link.local_value(k)
        if local is None:
            return False
        crm = link.crm_id
        this = sa.and_(link.kind == self.ids.value, link.local_id == local)
        exists = sa.exists(sa.select(1).select_from(table).where(key.column == k))
        try:
            if new is None:
                if expected is None:  # nothing to clear: "won" when the record exists and has no id
                    has_id = sa.exists(sa.select(1).select_from(link.table).where(this, ~crm.holds(None)))
                    found = conn.execute(sa.select(sa.literal(1)).where(exists, ~has_id)).first()
                    return found is not None
                gone = conn.execute(sa.delete(link.table).where(this, crm.holds(expected), exists))
                return bool(gone.rowcount >= 1)
            changed = conn.execute(
                sa.update(link.table)
                .where(this, crm.holds(expected), exists)
                .values({crm.column.name: crm.store(new)})
            )
            if changed.rowcount >= 1 or expected is not None:
                return bool(changed.rowcount >= 1)
            # No row yet: add one, only for an existing record and only while no row exists (a concurrent
            # insert of the same link is a unique violation or a deadlock: the race is lost).
            values = sa.select(
                sa.literal(self.ids.value, link.kind.type),
                sa.literal(local, link.local_id.type),
                sa.literal(crm.store(new), crm.column.type),
            ).where(exists, ~sa.exists(sa.select(1).select_from(link.table).where(this)))
            names = [link.kind.name, link.local_id.name, crm.column.name]
            insert = sa.insert(link.table).from_select(names, values)
            # An INSERT's row count is kept only when asked for (psycopg's would read -1).
            added = conn.execute(insert.execution_options(preserve_rowcount=True))
            return bool(added.rowcount >= 1)
        except sa.exc.DBAPIError as exc:
            if is_lost_race(exc):
                raise LostRace from exc
            raise

    def probe(self, engine: sa.Engine) -> None:
        """SELECT, INSERT, UPDATE and DELETE rights on the link table: statements that touch no row, rolled
        back (the server checks rights before it looks for rows)."""
        link = self.links
        cols = (link.kind, link.local_id, link.crm_id.column)
        name = link.table.name
        crm = link.crm_id.column
        table = {"table": repr(name)}
        checks: list[tuple[Message, sa.Executable]] = [
            (Message("shop.denied.read_links", table), sa.select(*cols).where(sa.false()).limit(1)),
            (
                Message("shop.denied.insert_links", table),
                sa.insert(link.table).from_select([c.name for c in cols], sa.select(*cols).where(sa.false())),
            ),
            (
                Message("shop.denied.update", {"column": f"{name}.{crm.name}"}),
                sa.update(link.table).where(sa.false()).values({crm.name: crm}),
            ),
            (Message("shop.denied.delete_links", table), sa.delete(link.table).where(sa.false())),
        ]
        for denied, stmt in checks:
            try:
                with engine.connect() as conn, conn.begin() as trans:
                    conn.execute(stmt)
                    trans.rollback()
            except sa.exc.DBAPIError as exc:
                raise_if_denied(exc, denied)
                raise
        if engine.dialect.name == "postgresql":
            self._probe_sequences(engine)

    def _probe_sequences(self, engine: sa.Engine) -> None:
        """A serial column's sequence is used by every INSERT, which a probe that adds no row never does:
        ask PostgreSQL whether the user may use it."""
        for col in self.links.table.c:
            default = col.server_default
            found = _NEXTVAL.search(str(getattr(default, "arg", ""))) if default is not None else None
            if found is None:
                continue
            sequence = found.group(1)
            with engine.connect() as conn:
                allowed = conn.execute(sa.select(sa.func.has_sequence_privilege(sequence, "USAGE"))).scalar()
            if not allowed:
                said = {"sequence": sequence, "column": f"{self.links.table.name}.{col.name}"}
                raise ShopPermissionError(
                    Message("shop.denied.sequence", said),
                    hint=Message("shop.denied.sequence.hint", {"sequence": sequence, "readme": README_HINT}),
                )


IdStorage = ColumnStorage | LinkStorage


def storage(ids: IdStore) -> IdStorage:
    return ColumnStorage(ids) if isinstance(ids, IdColumn) else LinkStorage(ids)


__all__ = ["ColumnStorage", "IdStorage", "LinkStorage", "LostRace", "Source", "storage"]
