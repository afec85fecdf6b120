"""The mapping from the config's names to reflected tables and columns, checked once at connect.

Nothing from the config reaches SQL as text: a name is looked up among the reflected tables and columns,
and from then on only SQLAlchemy ``Table``/``Column`` objects are used. The title template is parsed into
literal text and column references (``{column}`` only: no positional fields, attribute or index access,
conversions or format specs), so rendering never evaluates anything from the config.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from bitrix_monitor.config import (
    LINKS,
    CompaniesMapping,
    LinksMapping,
    OrdersMapping,
    ShopConfig,
    UsersMapping,
)
from bitrix_monitor.kinds import ALL as ALL_KINDS
from bitrix_monitor.kinds import ShopKind
from bitrix_monitor.messages import Message, Note, Param
from bitrix_monitor.shop.connection import raise_if_denied
from bitrix_monitor.shop.errors import ShopMappingError

Entity = ShopKind

# Bitrix24 ids are positive 32-bit integers today; a text column must be able to hold ten digits.
MIN_TEXT_ID_LENGTH = 10
_NARROW_INTS = {"TINYINT", "SMALLINT", "MEDIUMINT"}  # MySQL's (BOOLEAN is TINYINT(1) there)


@dataclass(frozen=True)
class TemplatePart:
    literal: str
    column: str | None


@dataclass(frozen=True)
class IdColumn:
    """A deal/contact id column: integer or text, and what "no id" is written as."""

    column: sa.Column[Any]
    is_text: bool

    @property
    def empty_value(self) -> int | str | None:
        """Written when unlinking: NULL, or 0 / '' when the shop declared the column NOT NULL."""
        if self.column.nullable:
            return None
        return "" if self.is_text else 0

    def store(self, value: int | None) -> int | str | None:
        if value is None:
            return self.empty_value
        return str(value) if self.is_text else value

    def holds(self, value: int | None) -> sa.ColumnElement[bool]:
        """WHERE clause: the column holds ``value`` (``None`` = no id: NULL, 0 or empty text)."""
        col = self.column
        if value is None:
            if self.is_text:
                return sa.or_(col.is_(None), col == "", col == "0")
            return sa.or_(col.is_(None), col == 0)
        return col == (str(value) if self.is_text else value)


@dataclass(frozen=True)
class LinkTable:
    """``[shop.links]``: one row per (kind, shop key) holds a CRM id. ``unique`` says whether the database
    enforces one row per (kind, local id); without it a race between two app copies could add two."""

    table: sa.Table
    kind: sa.Column[Any]
    local_id: sa.Column[Any]
    local_is_int: bool
    crm_id: IdColumn
    values: dict[str, str]  # CRM record ("deal", "contact", "company") -> the kind column's value
    unique: bool

    def local_value(self, key: int | str) -> int | str | None:
        """A shop key as the local id column stores it, or ``None`` if that column cannot hold it."""
        if not self.local_is_int:
            return str(key)
        if isinstance(key, int):
            return key
        text = key.strip()
        return int(text) if text.isascii() and text.lstrip("-").isdigit() else None


@dataclass(frozen=True)
class LinkIds:
    """The CRM ids of one kind, kept in the link table under ``links.values[crm]``."""

    links: LinkTable
    crm: str

    @property
    def value(self) -> str:
        return self.links.values[self.crm]


IdStore = IdColumn | LinkIds


@dataclass(frozen=True)
class KeyColumn:
    column: sa.Column[Any]
    is_int: bool

    def parse(self, key: str) -> int | str | None:
        """The shop key as the column's type, or ``None`` if no row can have it."""
        if not self.is_int:
            return key
        try:
            return int(key)
        except ValueError:
            return None


@dataclass(frozen=True)
class ExtraField:
    """One ``[shop.*.fields]`` entry: a CRM field filled from a column or a ``{column}`` template."""

    name: str  # the CRM field (COMMENTS, UF_CRM_SHOP_ID, ...)
    parts: tuple[TemplatePart, ...]  # a plain column is one placeholder without literal text
    columns: tuple[sa.Column[Any], ...]

    @property
    def numeric(self) -> bool:
        """The value is always a number or empty: exactly one column, of a number type, nothing around it."""
        return (
            len(self.columns) == 1
            and not "".join(p.literal for p in self.parts).strip()
            and isinstance(self.columns[0].type, (sa.Integer, sa.Numeric, sa.Float))
            and not isinstance(self.columns[0].type, sa.Boolean)
        )

    @property
    def integral(self) -> bool:
        """A :attr:`numeric` value that is always a whole number (an integer column)."""
        return self.numeric and isinstance(self.columns[0].type, sa.Integer)

    def render(self, raw: Mapping[str, Any]) -> str:
        """The field's text for a row's values (``raw``, keyed by column name); NULL renders as ``""``."""
        return "".join(p.literal + ("" if p.column is None else cell_text(raw[p.column])) for p in self.parts)


def cell_text(value: Any) -> str:
    """A shop value as the text a CRM field receives: NULL is empty, a whole float has no ``.0``, booleans
    are ``1``/``0`` (as the portal writes them), times ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


@dataclass(frozen=True)
class OrdersMap:
    table: sa.Table
    key: KeyColumn
    deal_id: IdStore
    user: sa.Column[Any] | None
    amount: sa.Column[Any] | None
    currency_column: sa.Column[Any] | None
    currency: str
    stage: sa.Column[Any] | None
    stage_map: dict[str, str]
    updated_at: sa.Column[Any] | None
    title: tuple[TemplatePart, ...]
    selected: tuple[sa.Column[Any], ...]
    extra: tuple[ExtraField, ...] = ()


@dataclass(frozen=True)
class UsersMap:
    table: sa.Table
    key: KeyColumn
    contact_id: IdStore
    name: sa.Column[Any] | None
    first_name: sa.Column[Any] | None
    last_name: sa.Column[Any] | None
    email: sa.Column[Any] | None
    phone: sa.Column[Any] | None
    updated_at: sa.Column[Any] | None
    selected: tuple[sa.Column[Any], ...]
    extra: tuple[ExtraField, ...] = ()
    company_ref: sa.Column[Any] | None = None  # the user's company: a key of [shop.companies]


@dataclass(frozen=True)
class CompaniesMap:
    table: sa.Table
    key: KeyColumn
    company_id: IdStore
    title: sa.Column[Any]
    email: sa.Column[Any] | None
    phone: sa.Column[Any] | None
    updated_at: sa.Column[Any] | None
    selected: tuple[sa.Column[Any], ...]
    extra: tuple[ExtraField, ...] = ()


@dataclass(frozen=True)
class ResolvedMapping:
    orders: OrdersMap
    users: UsersMap
    companies: CompaniesMap | None = None  # None: [shop.companies] has no table
    links: LinkTable | None = None
    warnings: tuple[Note, ...] = ()  # what works but deserves a look (shown by the connection check)


def parse_template(template: str, section: str = "[shop.orders] title") -> list[TemplatePart]:
    """Split a title template into literal text and ``{column}`` references."""
    if not template.strip():
        raise ShopMappingError(
            Message("mapping.empty", {"where": section}),
            hint=Message("config.hint.eg", {"example": '"Order #{order_id}"'}),
        )
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        said: dict[str, Param] = {
            "where": section,
            "template": repr(template),
            "error": _template_error(str(exc)),
        }
        raise ShopMappingError(
            Message("mapping.template", said),
            hint=Message("mapping.template.brace.hint", {"open": "{{", "close": "}}"}),
        ) from None
    parts: list[TemplatePart] = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            parts.append(TemplatePart(literal, None))
            continue
        bad = (
            Message("mapping.template.empty", {"braces": "{}"})
            if name == ""
            else Message("mapping.template.positional")
            if name.isdigit()
            else Message("mapping.template.access")
            if "." in name or "[" in name
            else Message("mapping.template.conversion")
            if conversion
            else Message("mapping.template.spec")
            if spec
            else None
        )
        if bad:
            raise ShopMappingError(
                Message("mapping.template.bad", {"where": section, "template": repr(template), "bad": bad}),
                hint=Message("mapping.template.bad.hint", {"example": "{column_name}"}),
            )
        parts.append(TemplatePart(literal, name))
    return parts


# Python's words for a template it cannot parse (string.Formatter), as codes; the brace they name a parameter.
_TEMPLATE_ERRORS = [
    (r"Single ('[{}]') encountered in format string", "mapping.template.single"),
    (r"expected ('}') before end of string", "mapping.template.unclosed"),
    (r"unmatched ('{') in format spec", "mapping.template.unmatched"),
    (r"end of string while looking for conversion specifier()", "mapping.template.conversion_end"),
    (r"expected ':' after conversion specifier()", "mapping.template.conversion_colon"),
]


def _template_error(text: str) -> Message:
    """Why Python cannot parse a template, said in the reader's language (any other reason as it is)."""
    for pattern, code in _TEMPLATE_ERRORS:
        found = re.fullmatch(pattern, text)
        if found:
            return Message(code, {"brace": found[1]} if found[1] else {})
    return Message.plain(text)


# The kind of record each table section maps (the link table's, [shop.links], is none).
_SECTION_KINDS = {f"shop.{k.plural}": k.name for k in ALL_KINDS}


class _Resolver:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.inspector = sa.inspect(conn)
        self.tables = sorted(self.inspector.get_table_names())
        self.links: LinkTable | None = None

    def table(self, section: str, name: str) -> sa.Table:
        if not name:
            raise ShopMappingError(Message("mapping.table_empty", {"section": section}))
        schema, tables = None, self.tables
        if name not in tables and "." in name and not any(t.casefold() == name.casefold() for t in tables):
            # ``schema.table``: a PostgreSQL schema, a MariaDB database, an attached SQLite database.
            schema, name = name.split(".", 1)
            tables = self._tables_in(section, schema)
        found = name if name in tables else None
        if found is None:
            folded = [t for t in tables if t.casefold() == name.casefold()]
            found = folded[0] if len(folded) == 1 else None
        if found is None:
            listing: Param = ", ".join(tables[:12]) + (", ..." if len(tables) > 12 else "")
            said: dict[str, Param] = {"section": section, "name": repr(name)}
            missing = (
                Message("mapping.no_table", said)
                if schema is None
                else Message("mapping.no_table.schema", {**said, "schema": repr(schema)})
            )
            hint = Message("mapping.tables.hint", {"tables": listing or Message("config.none")})
            raise ShopMappingError(missing, hint=hint)
        try:
            return sa.Table(found, sa.MetaData(), schema=schema, autoload_with=self.conn, resolve_fks=False)
        except sa.exc.DBAPIError as exc:
            kind = _SECTION_KINDS.get(section)
            denied = (
                Message("shop.denied.read_links", {"table": repr(found)})
                if kind is None
                else Message("shop.denied.read", {"shop_entities": kind, "table": repr(found)})
            )
            raise_if_denied(exc, denied)
            raise

    def _tables_in(self, section: str, schema: str) -> list[str]:
        names: list[str] | None
        try:
            names = sorted(self.inspector.get_table_names(schema=schema))
        except sa.exc.DBAPIError:
            # Rolled back: a failed statement leaves a PostgreSQL transaction unusable for the next one.
            self.conn.rollback()
            names = None
        schemas = [n for n in self.inspector.get_schema_names() if n != "information_schema"]
        if names or (names is not None and schema in schemas):
            return names
        listed: Param = ", ".join(schemas) or Message("config.none")
        raise ShopMappingError(
            Message("mapping.no_schema", {"section": section, "schema": repr(schema)}),
            hint=Message("mapping.schemas.hint", {"schemas": listed}),
        )

    @staticmethod
    def column(section: str, key: str | Message, table: sa.Table, name: str) -> sa.Column[Any]:
        if name in table.c:
            return table.c[name]
        folded = [c for c in table.c if c.name.casefold() == name.casefold()]
        if len(folded) == 1:
            return folded[0]
        raise ShopMappingError(
            Message(
                "mapping.no_column",
                {"section": section, "key": key, "name": repr(name), "table": repr(table.name)},
            ),
            hint=Message("mapping.columns.hint", {"columns": ", ".join(c.name for c in table.c)}),
        )

    def optional(self, section: str, key: str, table: sa.Table, name: str) -> sa.Column[Any] | None:
        return self.column(section, key, table, name) if name else None

    def required(self, section: str, key: str, table: sa.Table, name: str) -> sa.Column[Any]:
        if not name:
            raise ShopMappingError(Message("mapping.required", {"section": section, "key": key}))
        return self.column(section, key, table, name)

    def key(self, section: str, table: sa.Table, name: str) -> KeyColumn:
        col = self.required(section, "key", table, name)
        unique = [c.name for c in table.primary_key.columns] == [col.name]
        if not unique:
            unique = [col.name] in self.unique_sets(table)
        if not unique:
            said = {"section": section, "name": repr(name), "column": f"{table.name}.{col.name}"}
            raise ShopMappingError(
                Message("mapping.key_not_unique", said), hint=Message("mapping.key_not_unique.hint")
            )
        return KeyColumn(col, isinstance(col.type, sa.Integer))

    @staticmethod
    def id_column(section: str, key: str, col: sa.Column[Any]) -> IdColumn:
        where = Message(
            "mapping.where_column",
            {
                "section": section,
                "key": key,
                "name": repr(col.name),
                "column": f"{col.table.name}.{col.name}",
            },
        )
        if isinstance(col.type, sa.Integer) and not isinstance(col.type, sa.Boolean):
            if isinstance(col.type, sa.SmallInteger) or type(col.type).__name__ in _NARROW_INTS:
                raise ShopMappingError(
                    Message("mapping.id_too_small", {"where": where, "type": _type_name(col)})
                )
            return IdColumn(col, is_text=False)
        if isinstance(col.type, sa.String):
            length = col.type.length
            if length is not None and length < MIN_TEXT_ID_LENGTH:
                said: dict[str, Param] = {"where": where, "length": length, "needed": MIN_TEXT_ID_LENGTH}
                raise ShopMappingError(
                    Message("mapping.id_too_short", said), hint=Message("mapping.id_too_short.hint")
                )
            return IdColumn(col, is_text=True)
        raise ShopMappingError(Message("mapping.id_type", {"where": where, "type": _type_name(col)}))

    def ids(self, section: str, key: str, table: sa.Table, name: str, crm: str) -> IdStore:
        """Where the ids of ``[section] key`` live: a column of ``table``, or the link table."""
        if name == LINKS:
            if self.links is None:
                said = {"section": section, "key": key, "links": LINKS}
                raise ShopMappingError(Message("config.links_no_table", said))
            ids = LinkIds(self.links, crm)
            allowed = list(getattr(self.links.kind.type, "enums", None) or [])
            if allowed and ids.value not in allowed:
                col = self.links.kind
                said = {"value": repr(ids.value), "crm": crm, "column": f"{col.table.name}.{col.name}"}
                raise ShopMappingError(
                    Message("mapping.kind_value", said),
                    hint=Message("mapping.kind_value.hint", {"values": ", ".join(allowed)}),
                )
            return ids
        return self.id_column(section, key, self.required(section, key, table, name))

    def link_table(self, m: LinksMapping) -> tuple[LinkTable, Note]:
        """The link table and its columns; and a warning when nothing keeps (kind, local id) unique."""
        s = "shop.links"
        table = self.table(s, m.table)
        kind = self.required(s, "kind", table, m.kind)
        self.typed(s, "kind", kind, (sa.String,), Message("mapping.expect.text"))
        local = self.required(s, "local_id", table, m.local_id)
        if isinstance(local.type, sa.Boolean) or not isinstance(local.type, (sa.Integer, sa.String)):
            said = {
                "section": s,
                "key": "local_id",
                "name": repr(local.name),
                "column": f"{table.name}.{local.name}",
            }
            where = Message("mapping.where_column", said)
            expected = Message("mapping.expect.id")
            raise ShopMappingError(
                Message("mapping.type", {"where": where, "type": _type_name(local), "expected": expected})
            )
        crm_id = self.id_column(s, "crm_id", self.required(s, "crm_id", table, m.crm_id))
        mapped = {kind.name, local.name, crm_id.column.name}
        if len(mapped) < 3:
            raise ShopMappingError(Message("mapping.links_three", {"section": s}))
        for col in table.c:
            if col.name in mapped or col.nullable or col.server_default is not None:
                continue
            if col is table.autoincrement_column or col.identity is not None or col.computed is not None:
                continue
            said = {"section": s, "table": repr(table.name), "column": repr(col.name)}
            raise ShopMappingError(
                Message("mapping.not_null", said), hint=Message("mapping.not_null.hint", {"column": col.name})
            )
        unique = any(cols and set(cols) <= {kind.name, local.name} for cols in self.unique_sets(table))
        said = {"section": s, "table": repr(table.name), "columns": f"{kind.name}, {local.name}"}
        warning: Note = "" if unique else Message("warning.links_not_unique", said)
        values = {crm: m.value(crm) for crm in ("deal", "contact", "company")}
        links = LinkTable(table, kind, local, isinstance(local.type, sa.Integer), crm_id, values, unique)
        return links, warning

    def unique_sets(self, table: sa.Table) -> list[list[str | None]]:
        """The column lists the database keeps unique: the primary key, unique constraints and indexes."""
        sets: list[list[str | None]] = [[c.name for c in table.primary_key.columns]]
        sets += [
            list(u["column_names"])
            for u in self.inspector.get_unique_constraints(table.name, schema=table.schema)
        ]
        sets += [
            list(i["column_names"])
            for i in self.inspector.get_indexes(table.name, schema=table.schema)
            if i["unique"]
        ]
        return sets

    @staticmethod
    def typed(
        section: str, key: str, col: sa.Column[Any] | None, kinds: tuple[type, ...], what: Message
    ) -> None:
        if col is not None and not isinstance(col.type, kinds):
            said = {
                "section": section,
                "key": key,
                "name": repr(col.name),
                "column": f"{col.table.name}.{col.name}",
            }
            where = Message("mapping.where_column", said)
            raise ShopMappingError(
                Message("mapping.type", {"where": where, "type": _type_name(col), "expected": what})
            )


def _type_name(col: sa.Column[Any]) -> str:
    try:
        return str(col.type)
    except Exception:  # some reflected types cannot render without a dialect
        return type(col.type).__name__


def _own(ids: IdStore) -> sa.Column[Any] | None:
    """The id column on the entity's own table (read with its other columns), if the ids live there."""
    return ids.column if isinstance(ids, IdColumn) else None


def _unique_columns(*cols: sa.Column[Any] | None) -> tuple[sa.Column[Any], ...]:
    seen: dict[str, sa.Column[Any]] = {}
    for c in cols:
        if c is not None and c.name not in seen:
            seen[c.name] = c
    return tuple(seen.values())


_TIMESTAMP = (sa.DateTime, sa.Date)
_NUMBER_OR_TEXT = (sa.Numeric, sa.Float, sa.Integer, sa.String)


def _placeholder(key: str, column: str) -> Message:
    """A template's placeholder named as where it is: ``title placeholder {order_id}``."""
    return Message("mapping.placeholder", {"key": key, "placeholder": f"{{{column}}}"})


def _extra(r: _Resolver, section: str, table: sa.Table, mapped: Mapping[str, str]) -> tuple[ExtraField, ...]:
    """``[shop.<section>.fields]``: each value is a column name, or a template when it has braces (parsed
    by :func:`parse_template`: placeholders only, nothing evaluated)."""
    s = f"{section}.fields"
    out: list[ExtraField] = []
    for name, source in mapped.items():
        if "{" in source or "}" in source:
            parts = parse_template(source, f"[{s}] {name}")
            cols = [r.column(s, _placeholder(name, p.column), table, p.column) for p in parts if p.column]
            found = iter(cols)
            resolved = tuple(TemplatePart(p.literal, next(found).name if p.column else None) for p in parts)
        else:
            cols = [r.required(s, name, table, source.strip())]
            resolved = (TemplatePart("", cols[0].name),)
        out.append(ExtraField(name, resolved, tuple(cols)))
    return tuple(out)


def _orders(r: _Resolver, m: OrdersMapping) -> OrdersMap:
    s = "shop.orders"
    table = r.table(s, m.table)
    key = r.key(s, table, m.key)
    deal_id = r.ids(s, "deal_id", table, m.deal_id, "deal")
    user = r.optional(s, "user", table, m.user)
    amount = r.optional(s, "amount", table, m.amount)
    r.typed(s, "amount", amount, _NUMBER_OR_TEXT, Message("mapping.expect.number"))
    currency_column = r.optional(s, "currency_column", table, m.currency_column)
    if currency_column is None and not m.currency.strip():
        raise ShopMappingError(
            Message("mapping.currency", {"section": s}), hint=Message("mapping.currency.hint")
        )
    stage = r.optional(s, "stage", table, m.stage)
    updated_at = r.optional(s, "updated_at", table, m.updated_at)
    r.typed(s, "updated_at", updated_at, _TIMESTAMP, Message("mapping.expect.datetime"))
    parts = parse_template(m.title, f"[{s}] title")
    template_cols = [r.column(s, _placeholder("title", p.column), table, p.column) for p in parts if p.column]
    # Placeholders are resolved to the real column names (case may differ from the template).
    resolved = iter(template_cols)
    title = tuple(TemplatePart(p.literal, next(resolved).name if p.column else None) for p in parts)
    extra = _extra(r, s, table, m.fields)
    return OrdersMap(
        table=table,
        key=key,
        deal_id=deal_id,
        user=user,
        amount=amount,
        currency_column=currency_column,
        currency=m.currency.strip(),
        stage=stage,
        stage_map=dict(m.stage_map),
        updated_at=updated_at,
        title=title,
        selected=_unique_columns(
            key.column,
            user,
            _own(deal_id),
            amount,
            currency_column,
            stage,
            updated_at,
            *template_cols,
            *(c for f in extra for c in f.columns),
        ),
        extra=extra,
    )


def _users(r: _Resolver, m: UsersMapping) -> UsersMap:
    s = "shop.users"
    table = r.table(s, m.table)
    key = r.key(s, table, m.key)
    contact_id = r.ids(s, "contact_id", table, m.contact_id, "contact")
    name = r.optional(s, "name", table, m.name)
    first_name = r.optional(s, "first_name", table, m.first_name)
    last_name = r.optional(s, "last_name", table, m.last_name)
    if name is None and first_name is None and last_name is None:
        raise ShopMappingError(
            Message("mapping.no_name", {"section": s}), hint=Message("mapping.no_name.hint")
        )
    email = r.optional(s, "email", table, m.email)
    phone = r.optional(s, "phone", table, m.phone)
    company_ref = r.optional(s, "company_ref", table, m.company_ref)
    r.typed(s, "company_ref", company_ref, (sa.Integer, sa.String), Message("mapping.expect.company_key"))
    updated_at = r.optional(s, "updated_at", table, m.updated_at)
    r.typed(s, "updated_at", updated_at, _TIMESTAMP, Message("mapping.expect.datetime"))
    extra = _extra(r, s, table, m.fields)
    return UsersMap(
        table=table,
        key=key,
        contact_id=contact_id,
        name=name,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        updated_at=updated_at,
        selected=_unique_columns(
            key.column,
            _own(contact_id),
            name,
            first_name,
            last_name,
            email,
            phone,
            updated_at,
            company_ref,
            *(c for f in extra for c in f.columns),
        ),
        extra=extra,
        company_ref=company_ref,
    )


def _companies(r: _Resolver, m: CompaniesMapping) -> CompaniesMap | None:
    if not m.table.strip():
        return None
    s = "shop.companies"
    table = r.table(s, m.table.strip())
    key = r.key(s, table, m.key)
    company_id = r.ids(s, "company_id", table, m.company_id, "company")
    title = r.required(s, "title", table, m.title)
    email = r.optional(s, "email", table, m.email)
    phone = r.optional(s, "phone", table, m.phone)
    updated_at = r.optional(s, "updated_at", table, m.updated_at)
    r.typed(s, "updated_at", updated_at, _TIMESTAMP, Message("mapping.expect.datetime"))
    extra = _extra(r, s, table, m.fields)
    return CompaniesMap(
        table=table,
        key=key,
        company_id=company_id,
        title=title,
        email=email,
        phone=phone,
        updated_at=updated_at,
        selected=_unique_columns(
            key.column,
            _own(company_id),
            title,
            email,
            phone,
            updated_at,
            *(c for f in extra for c in f.columns),
        ),
        extra=extra,
    )


def resolve(conn: sa.Connection, mapping: ShopConfig) -> ResolvedMapping:
    """Reflect the mapped tables and check every key; raises one :class:`ShopMappingError`."""
    r = _Resolver(conn)
    warnings: list[Note] = []
    ids = [mapping.orders.deal_id, mapping.users.contact_id]
    ids += [mapping.companies.company_id] if mapping.companies.table.strip() else []
    if LINKS in ids and mapping.links.table.strip():
        r.links, warning = r.link_table(mapping.links)
        warnings += [warning] if warning else []
    if mapping.users.company.strip():  # retired: read by nothing (a contact has no company-name field)
        warnings.append(Message("warning.users_company", {"value": repr(mapping.users.company[:60])}))
    return ResolvedMapping(
        orders=_orders(r, mapping.orders),
        users=_users(r, mapping.users),
        companies=_companies(r, mapping.companies),
        links=r.links,
        warnings=tuple(warnings),
    )


__all__ = [
    "CompaniesMap",
    "Entity",
    "ExtraField",
    "IdColumn",
    "IdStore",
    "KeyColumn",
    "LinkIds",
    "LinkTable",
    "OrdersMap",
    "ResolvedMapping",
    "UsersMap",
    "cell_text",
    "parse_template",
]
