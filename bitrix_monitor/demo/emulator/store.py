"""The portal's data: deals, contacts, companies, their multi-fields, deal–contact and contact–company
bindings, and deals' ``COMPANY_ID``.

Rows are kept exactly as the portal sends them back (every scalar a string, unset values absent), indexed
by id (a sorted id list, so ``>ID`` filters and ``start=-1`` pages are a bisect away) and by
``ORIGINATOR_ID``/``ORIGIN_ID``; contacts' and companies' phones and e-mails are indexed for
``crm.duplicate.findbycomm``.

Everything is guarded by one re-entrant lock, so the HTTP threads, tests and the GUI demo can use a store
at once. With a ``state_path`` every mutation is written through to a SQLite file (one transaction per
mutation), so the portal survives restarts; without one it lives in memory.
"""

from __future__ import annotations

import bisect
import json
import operator
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bitrix_monitor.demo.emulator import php
from bitrix_monitor.demo.emulator.company_links import ContactCompanyLinks, LinkItem
from bitrix_monitor.demo.emulator.fields import (
    EMAIL_LABELS,
    EMPTY_ROW,
    FIELD_MAP,
    FIELDS,
    MULTIFIELD_DEFAULT_VALUE_TYPE,
    MULTIFIELD_TYPES,
    PORTAL_TZ,
    STAR_FIELDS,
    FieldDef,
    format_date,
    format_datetime,
    is_user_field,
    normalize_value,
    now_iso,
    parse_moment,
    stage_sort_key,
)
from bitrix_monitor.demo.emulator.pipelines import Pipelines
from bitrix_monitor.demo.emulator.stage_history import TYPE_CREATED, TYPE_FINAL, TYPE_MOVED, StageHistory
from bitrix_monitor.demo.emulator.user_fields import UserFieldError, UserFields

ENTITIES = ("deal", "contact", "company")
MULTI_ENTITIES = ("contact", "company")  # the kinds with PHONE/EMAIL/WEB/IM multi-fields
PAGE_SIZE = 50
ORIGIN_FIELDS = ("ORIGINATOR_ID", "ORIGIN_ID")
_NO_IDS: frozenset[int] = frozenset()
_SORT_AT_MOST = 1000  # ids an indexed filter may yield and still be sorted per query
DEFAULT_CURRENCY = "RUB"
# after the optional "!" (negation) and "+" (or unset) flags, in the order the portal tries them
_FILTER_OPS = ("><", ">=", "<=", "=%", "%=", "@", "%", "=", ">", "<")
_NEGATED_OPS = {"=": "!=", "@": "!@", "%": "!%", "><": "!><"}  # the tests that negate themselves
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE_EXTENSION_RE = re.compile(r"(?i)(ext\.?|extension|доб\.?|x|#|;|,)")


class RestError(Exception):
    """A REST error answer: ``{"error": code, "error_description": description}`` with an HTTP status.

    CRM business errors carry an empty code and HTTP 400, as on a real portal.
    """

    def __init__(
        self, description: str, code: str | int = "", status: int = 400, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.status = status
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "error_description": self.description, **self.extra}


def not_found(entity: str, action: str) -> RestError:
    """The portal's not-found answers, which differ per entity and action (reference §3.12, §11.1)."""
    if entity == "contact" and action == "update":
        return RestError("Contact is not found")
    if entity == "company" and action in ("update", "delete"):
        return RestError("Company is not found")
    if entity == "contact" and action == "delete":
        return RestError("Element not found", "ERROR_CORE")
    return RestError("Not found")


def invalid_id() -> RestError:
    return RestError("ID is not defined or invalid.")


def normalize_phone(value: str) -> str:
    """Digits only, and whatever follows an extension marker is ignored."""
    main = _PHONE_EXTENSION_RE.split(value, maxsplit=1)[0]
    return "".join(ch for ch in main if ch.isdigit())


def _weight(ch: str) -> str:
    """One character's weight under MySQL's ``utf8_general_ci``: the upper case of its base letter (accents
    dropped: é = E, ё = Е), ß = S, and every character outside the BMP the same (utf8mb4_general_ci)."""
    if ord(ch) > 0xFFFF:
        return "\ufffd"
    base = unicodedata.normalize("NFD", ch)[0]
    upper = base.upper()
    return upper[0] if len(upper) == 1 or base == "ß" else base


_WEIGHTS: dict[str, str] = {}


def weights(value: str) -> str:
    """``value`` character by character as its ``utf8_general_ci`` weights (same length)."""
    out = []
    for ch in value:
        w = _WEIGHTS.get(ch)
        if w is None:
            w = _WEIGHTS[ch] = _weight(ch)
        out.append(w)
    return "".join(out)


def collation_key(value: str) -> str:
    """What the portal's database compares text by: its ``utf8_general_ci`` collation, which is
    case-insensitive, accent-insensitive and ignores trailing spaces (PAD SPACE). Two strings are equal
    in a filter exactly when their keys are equal (``ORIGINATOR_ID = 'shop'`` finds ``'SHOP'`` and
    ``'shöp '``)."""
    return weights(value.rstrip(" "))


def normalize_comm(kind: str, value: str) -> str:
    return normalize_phone(value) if kind == "PHONE" else value.strip().casefold()


@dataclass
class _Table:
    entity: str
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    uf: dict[int, dict[str, Any]] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)
    next_id: int = 1
    origin: dict[str, dict[str, set[int]]] = field(default_factory=lambda: {f: {} for f in ORIGIN_FIELDS})
    # (DATE_MODIFY, id) as each write left the record, the newest write included: what a ``>DATE_MODIFY``
    # or ``>=DATE_MODIFY`` filter can match, found by bisection (a portal's database has this index; without
    # it every incremental read tested every record). Pairs a later write made stale stay until compacted;
    # the filter's own test still decides. Sorted when a query needs it.
    modified: list[tuple[str, int]] = field(default_factory=list)
    modified_sorted: bool = True

    def note_modified(self, ident: int) -> None:
        stamp = self.rows[ident].get("DATE_MODIFY")
        if not isinstance(stamp, str):
            return
        if self.modified and self.modified[-1] > (stamp, ident):
            self.modified_sorted = False
        self.modified.append((stamp, ident))

    def modified_since(self, bound: str) -> set[int] | None:
        """The ids whose DATE_MODIFY may be at or after ``bound`` (a superset: stale pairs, deleted ids);
        ``None`` when that is more than a quarter of them (testing every record is as quick)."""
        if len(self.modified) > 2 * len(self.rows) + 1000:  # compact: one pair per record
            self.modified = [
                (r["DATE_MODIFY"], i) for i, r in self.rows.items() if isinstance(r.get("DATE_MODIFY"), str)
            ]
            self.modified_sorted = False
        if not self.modified_sorted:
            self.modified.sort()
            self.modified_sorted = True
        at = bisect.bisect_left(self.modified, (bound,))
        if len(self.modified) - at > len(self.modified) // 4 + 100:
            return None
        return {ident for _stamp, ident in self.modified[at:]}


@dataclass
class _SelectPlan:
    fields: tuple[str, ...]
    star: bool
    uf: bool | frozenset[str]
    multi: tuple[str, ...]
    uf_blank: bool = False  # unset user fields read "" (multiple: false) as in get, not null as in list


@dataclass
class ListPage:
    rows: list[dict[str, Any]]
    total: int
    next: int | None


Predicate = Callable[[int, dict[str, Any]], bool]


class PortalStore:
    """Deals, contacts and companies of one emulated portal. All public methods are thread-safe."""

    def __init__(self, state_path: str | Path | None = None, *, user_id: int = 1) -> None:
        self.user_id = user_id
        self.lock = threading.RLock()
        self._tables = {entity: _Table(entity) for entity in ENTITIES}
        self._fm: dict[str, dict[int, dict[str, list[dict[str, str]]]]] = {e: {} for e in MULTI_ENTITIES}
        self._fm_next_id = 1
        self._comm: dict[str, dict[str, dict[str, set[int]]]] = {
            e: {"PHONE": {}, "EMAIL": {}} for e in MULTI_ENTITIES
        }
        self._comm_keys: dict[str, dict[int, dict[str, set[str]]]] = {e: {} for e in MULTI_ENTITIES}
        self._company_links = ContactCompanyLinks()
        self.user_fields = UserFields()
        self._bindings: dict[int, list[dict[str, Any]]] = {}
        self._contact_deals: dict[int, set[int]] = {}
        self._meta: dict[str, str] = {}
        self.pipelines = Pipelines()
        self.history = StageHistory()
        self._history_dirty = False
        self._db: sqlite3.Connection | None = None
        self._dirty: set[tuple[str, int]] = set()
        self._tx_depth = 0
        if state_path is not None:
            self._open(Path(state_path))

    # ------------------------------------------------------------------ persistence

    def _open(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS records ("
            " entity TEXT NOT NULL, id INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (entity, id))"
        )
        self._meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        for entity, table in self._tables.items():
            table.next_id = int(self._meta.get(f"next_id.{entity}", "1"))
        self._fm_next_id = int(self._meta.get("next_id.fm", "1"))
        if "user_fields" in self._meta:
            self.user_fields.loads(json.loads(self._meta["user_fields"]))
        if "pipelines" in self._meta:
            self.pipelines = Pipelines.loads(self._meta["pipelines"])
        if "stage_history" in self._meta:
            self.history = StageHistory.loads(self._meta["stage_history"])
        for entity, ident, data in db.execute("SELECT entity, id, data FROM records ORDER BY entity, id"):
            self._load_record(entity, int(ident), json.loads(data))
        self._db = db

    def _load_record(self, entity: str, ident: int, data: dict[str, Any]) -> None:
        table = self._tables[entity]
        table.rows[ident] = data["f"]
        if data.get("uf"):
            table.uf[ident] = data["uf"]
        table.ids.append(ident)
        table.note_modified(ident)
        self._index_origin(table, ident, data["f"])
        if entity in MULTI_ENTITIES:
            self._fm[entity][ident] = data.get("fm") or {}
            self._reindex_comm(entity, ident)
        if entity == "contact":
            self._company_links.load(ident, data.get("cc") or [])
        if entity == "deal":
            self._set_bindings(ident, data.get("b") or [])

    def close(self) -> None:
        with self.lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            return self._meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self._meta[key] = value
            if self._db is not None:
                self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """Group a mutation: on the way out, write every touched record and the counters at once."""
        with self.lock:
            self._tx_depth += 1
            try:
                yield
            finally:
                self._tx_depth -= 1
                if self._tx_depth == 0:
                    self._flush()

    def _touch(self, entity: str, ident: int) -> None:
        self._dirty.add((entity, ident))
        table = self._tables[entity]
        if ident in table.rows:
            table.note_modified(ident)

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, set()
        history, self._history_dirty = self._history_dirty, False
        if self._db is None or not dirty:
            return
        db = self._db
        db.execute("BEGIN")
        try:
            if history:
                self._meta["stage_history"] = self.history.dumps()
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    ("stage_history", self._meta["stage_history"]),
                )
            for entity, ident in sorted(dirty):
                table = self._tables[entity]
                if ident in table.rows:
                    data: dict[str, Any] = {"f": table.rows[ident]}
                    if ident in table.uf:
                        data["uf"] = table.uf[ident]
                    if entity in MULTI_ENTITIES:
                        data["fm"] = self._fm[entity].get(ident, {})
                    if entity == "contact":
                        data["cc"] = self._company_links.dump(ident)
                    if entity == "deal":
                        data["b"] = self._bindings.get(ident, [])
                    db.execute(
                        "INSERT OR REPLACE INTO records (entity, id, data) VALUES (?, ?, ?)",
                        (entity, ident, json.dumps(data, ensure_ascii=False)),
                    )
                else:
                    db.execute("DELETE FROM records WHERE entity = ? AND id = ?", (entity, ident))
            counters = {f"next_id.{e}": str(t.next_id) for e, t in self._tables.items()}
            counters["next_id.fm"] = str(self._fm_next_id)
            for key, value in counters.items():
                self._meta[key] = value
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ indexes

    def _index_origin(self, table: _Table, ident: int, row: dict[str, Any]) -> None:
        for name in ORIGIN_FIELDS:
            value = row.get(name)
            if value:
                table.origin[name].setdefault(collation_key(value), set()).add(ident)

    def _unindex_origin(self, table: _Table, ident: int, row: dict[str, Any]) -> None:
        for name in ORIGIN_FIELDS:
            value = row.get(name)
            if value:
                bucket = table.origin[name].get(collation_key(value))
                if bucket is not None:
                    bucket.discard(ident)
                    if not bucket:
                        del table.origin[name][collation_key(value)]

    def _reindex_comm(self, entity: str, ident: int) -> None:
        comm, comm_keys = self._comm[entity], self._comm_keys[entity]
        for kind, keys in comm_keys.pop(ident, {}).items():
            for key in keys:
                bucket = comm[kind].get(key)
                if bucket is not None:
                    bucket.discard(ident)
                    if not bucket:
                        del comm[kind][key]
        fm = self._fm[entity].get(ident)
        if not fm:
            return
        new_keys: dict[str, set[str]] = {}
        for kind in ("PHONE", "EMAIL"):
            keys = {normalize_comm(kind, v["VALUE"]) for v in fm.get(kind, [])} - {""}
            if keys:
                new_keys[kind] = keys
                for key in keys:
                    comm[kind].setdefault(key, set()).add(ident)
        comm_keys[ident] = new_keys

    def _set_bindings(self, deal_id: int, bindings: list[dict[str, Any]]) -> None:
        for old in self._bindings.pop(deal_id, []):
            deals = self._contact_deals.get(old["CONTACT_ID"])
            if deals is not None:
                deals.discard(deal_id)
                if not deals:
                    del self._contact_deals[old["CONTACT_ID"]]
        if bindings:
            self._bindings[deal_id] = bindings
            for binding in bindings:
                self._contact_deals.setdefault(binding["CONTACT_ID"], set()).add(deal_id)

    # ------------------------------------------------------------------ field writing

    def _field(self, entity: str, name: str) -> FieldDef | None:
        found = FIELD_MAP[entity].get(name)
        if found is None and is_user_field(name):
            defined = self.user_fields.get(entity, name)
            return None if defined is None else defined.filter_def()
        return found

    def _apply_fields(
        self, entity: str, row: dict[str, Any], uf: dict[str, Any], fields: dict[Any, Any], *, creating: bool
    ) -> None:
        """Write the plain (non-multi, non-binding) fields; unknown, read-only, immutable ones are dropped."""
        for key, value in fields.items():
            if not isinstance(key, str):
                continue
            if is_user_field(key):
                defined = self.user_fields.get(entity, key)  # an undefined one is dropped
                if defined is not None:
                    ok, stored_uf = defined.cast(value)
                    if ok:
                        uf[key] = stored_uf
                continue
            definition = FIELD_MAP[entity].get(key)
            if definition is None or definition.multiple or key == "ID" or key in _BINDING_FIELDS[entity]:
                continue
            if definition.read_only or (definition.immutable and not creating):
                continue
            ok, stored = normalize_value(definition, value)
            if not ok:
                continue
            if stored is None:
                row.pop(key, None)
            else:
                row[key] = stored

    def _validate_multifields(self, entity: str, fields: dict[Any, Any]) -> None:
        for item in php.values_of(fields.get("EMAIL")):
            if isinstance(item, dict) and not php.truthy(item.get("DELETE")):
                value = (
                    php.to_string(item.get("VALUE")).strip() if not php.is_array(item.get("VALUE")) else ""
                )
                if value and not _EMAIL_RE.match(value):
                    if entity == "company":  # the company's own wording (reference §11.1)
                        raise RestError("The `E-mail` field contains an invalid address", "ERROR_CORE")
                    label = EMAIL_LABELS.get(php.to_string(item.get("VALUE_TYPE")).upper(), "Work e-mail")
                    raise RestError(f"The field `{label}` contains an invalid address", "ERROR_CORE")

    def _apply_multifields(
        self, entity: str, owner_id: int, fields: dict[Any, Any], *, creating: bool
    ) -> bool:
        """PHONE/EMAIL/WEB/IM write rules: no ID adds a value; ID+VALUE changes it; ID with DELETE=Y or an
        empty VALUE deletes it; values not mentioned stay."""
        changed = False
        fm = self._fm[entity].setdefault(owner_id, {})
        for kind in MULTIFIELD_TYPES:
            if kind not in fields or kind == "LINK":
                continue
            items = php.values_of(fields[kind])
            current = fm.setdefault(kind, [])
            for item in items:
                if not isinstance(item, dict):
                    continue
                raw_value = item.get("VALUE")
                value = "" if php.is_array(raw_value) else php.to_string(raw_value).strip()
                value_type = php.to_string(item.get("VALUE_TYPE")).strip().upper()
                ident = php.intval(item.get("ID")) if not creating else 0
                if ident > 0:
                    existing = next((v for v in current if v["ID"] == str(ident)), None)
                    if existing is None:
                        continue
                    if php.to_string(item.get("DELETE")).upper() == "Y" or value == "":
                        current.remove(existing)
                    else:
                        existing["VALUE"] = value
                        if value_type:
                            existing["VALUE_TYPE"] = value_type
                    changed = True
                elif value:
                    current.append(
                        {
                            "ID": str(self._fm_next_id),
                            "VALUE_TYPE": value_type or MULTIFIELD_DEFAULT_VALUE_TYPE[kind],
                            "VALUE": value,
                            "TYPE_ID": kind,
                        }
                    )
                    self._fm_next_id += 1
                    changed = True
            if not current:
                del fm[kind]
        return changed

    def _refresh_comm_flags(self, entity: str, ident: int, row: dict[str, Any]) -> None:
        fm = self._fm[entity].get(ident, {})
        row["HAS_PHONE"] = "Y" if fm.get("PHONE") else "N"
        row["HAS_EMAIL"] = "Y" if fm.get("EMAIL") else "N"
        row["HAS_IMOL"] = "Y" if any(v["VALUE_TYPE"] == "IMOL" for v in fm.get("IM", [])) else "N"

    def _contact_ids_from(self, fields: dict[Any, Any]) -> list[int] | None:
        """The deal's new contact set from CONTACT_IDS (or the deprecated CONTACT_ID); None if neither."""
        if "CONTACT_IDS" in fields:
            raw = fields["CONTACT_IDS"]
            values = php.values_of(raw) if php.is_array(raw) else ([raw] if raw not in (None, "") else [])
        elif "CONTACT_ID" in fields:
            raw = fields["CONTACT_ID"]
            values = [] if raw in (None, "") or php.is_array(raw) else [raw]
        else:
            return None
        result: list[int] = []
        for value in values:
            ident = php.intval(value)
            if ident > 0 and ident not in result and ident in self._tables["contact"].rows:
                result.append(ident)
        return result

    @staticmethod
    def _bindings_for(contact_ids: list[int]) -> list[dict[str, Any]]:
        return [
            {"CONTACT_ID": cid, "SORT": (i + 1) * 10, "ROLE_ID": 0, "IS_PRIMARY": "Y" if i == 0 else "N"}
            for i, cid in enumerate(contact_ids)
        ]

    # ------------------------------------------------------------------ pipelines (reference §10)

    def _stage_on_add(self, row: dict[str, Any]) -> None:
        """A new deal's pipeline is its CATEGORY_ID (an unknown one files it in pipeline 0, without error);
        a STAGE_ID of another pipeline, or none, becomes a stage of that pipeline."""
        category = max(php.intval(row.get("CATEGORY_ID")), 0)
        if self.pipelines.get(category) is None:
            category = 0
        row["CATEGORY_ID"] = str(category)
        row["STAGE_ID"] = self.pipelines.stage_on_add(category, row.get("STAGE_ID"))

    def _stage_on_update(self, row: dict[str, Any], old: dict[str, Any]) -> None:
        """A STAGE_ID that is not a stage of the deal's pipeline is ignored (the call still succeeds)."""
        category = php.intval(old.get("CATEGORY_ID"))
        stage = row.get("STAGE_ID")
        if stage and self.pipelines.stage(category, stage) is None:
            row["STAGE_ID"] = old.get("STAGE_ID")

    def add_pipeline(
        self, name: str, *, sort: int = 500, origin_id: str = "", originator_id: str = ""
    ) -> int:
        """A new deal pipeline with the default stages (``C<id>:NEW`` …); returns its id."""
        with self.lock:
            made = self.pipelines.add(
                name, sort=sort, created=now_iso(), origin_id=origin_id, originator_id=originator_id
            )
            self.set_meta("pipelines", self.pipelines.dumps())
            return made.id

    def ensure_pipeline(self, name: str) -> int:
        """The id of the pipeline called ``name``, made (with the default stages) when there is none."""
        with self.lock:
            found = next((c.id for c in self.pipelines.listed() if c.id and c.name == name), None)
            return self.add_pipeline(name) if found is None else found

    def stage_rows(self, directory: str | None) -> list[dict[str, Any]]:
        """``crm.status.list`` rows of a stage directory (``DEAL_STAGE``, ``DEAL_STAGE_<id>``), or all."""
        with self.lock:
            return self.pipelines.rows(directory)

    # ------------------------------------------------------------------ public CRUD

    def add(self, entity: str, fields: Any, params: Any = None, *, as_user: int | None = None) -> int:
        """``crm.{entity}.add``: returns the new id; raises :class:`RestError` on bad input. ``as_user``: made
        by that person in the CRM, not through the webhook (its user)."""
        self._check_entity(entity)
        if fields is None:
            fields = {}
        fields = php.from_json(fields) if isinstance(fields, list) else fields
        if not isinstance(fields, dict):
            raise RestError("Parameter 'fields' must be array.")
        if params is not None and not php.is_array(params):
            raise RestError("Parameter 'params' must be array.")
        with self._tx():
            table = self._tables[entity]
            if entity in MULTI_ENTITIES:
                self._validate_multifields(entity, fields)
            ident = table.next_id
            stamp = now_iso()
            user = str(as_user or self.user_id)
            row: dict[str, Any] = {"ID": str(ident)}
            uf: dict[str, Any] = {}
            if entity == "deal":
                today = date.today()
                row.update(
                    {
                        "TITLE": f"Deal #{ident}",
                        "TYPE_ID": "SALE",
                        "CURRENCY_ID": DEFAULT_CURRENCY,
                        "OPPORTUNITY": "0.00",
                        "IS_MANUAL_OPPORTUNITY": "N",
                        "TAX_VALUE": "0.00",
                        "COMPANY_ID": "0",
                        "BEGINDATE": format_date(today),
                        "CLOSEDATE": format_date(today + timedelta(days=7)),
                        "OPENED": "Y",
                        "CLOSED": "N",
                        "CATEGORY_ID": "0",
                        "IS_NEW": "Y",
                        "IS_RECURRING": "N",
                        "IS_RETURN_CUSTOMER": "N",
                        "IS_REPEATED_APPROACH": "N",
                    }
                )
            elif entity == "contact":
                row.update(
                    {
                        "TYPE_ID": "CLIENT",
                        "SOURCE_ID": "SELF",
                        "OPENED": "Y",
                        "EXPORT": "Y",
                    }
                )
            else:
                row.update(_company_defaults(ident))
            row.update(
                {
                    "ASSIGNED_BY_ID": user,
                    "CREATED_BY_ID": user,
                    "MODIFY_BY_ID": user,
                    "DATE_CREATE": stamp,
                    "DATE_MODIFY": stamp,
                    "LAST_ACTIVITY_TIME": stamp,
                    "LAST_ACTIVITY_BY": user,
                }
            )
            importing = (
                entity in ("contact", "company")
                and isinstance(params, dict)
                and php.to_string(_resolve(params, "IMPORT")).upper() == "Y"
            )
            writable = dict(fields)
            if importing:
                for name in _IMPORT_FIELDS:
                    if name in fields:
                        ok, stored = normalize_value(FIELD_MAP[entity][name], fields[name])
                        if ok and stored is not None:
                            row[name] = stored
                    writable.pop(name, None)
            self._apply_fields(entity, row, uf, writable, creating=True)
            if entity == "deal":
                self._stage_on_add(row)
                self._refresh_stage(row, stamp, moved=True, user=user)
                self._record_stage(ident, row, stamp, TYPE_CREATED)
                contacts = self._contact_ids_from(fields) or []
            row = {k: v for k, v in row.items() if v is not None}
            table.rows[ident] = row
            if uf:
                table.uf[ident] = {k: v for k, v in uf.items() if v is not None}
            table.ids.append(ident)
            table.next_id = ident + 1
            self._index_origin(table, ident, row)
            if entity in MULTI_ENTITIES:
                self._apply_multifields(entity, ident, fields, creating=True)
                self._refresh_comm_flags(entity, ident, row)
                self._reindex_comm(entity, ident)
                self._link_from_fields(entity, ident, fields)
            else:
                self._set_bindings(ident, self._bindings_for(contacts))
            self._touch(entity, ident)
            return ident

    def _record_stage(self, ident: int, row: dict[str, Any], stamp: str, type_id: int) -> None:
        """A stage history row (§16.3): entering a final stage is TYPE_ID 3, also at creation."""
        semantic = str(row.get("STAGE_SEMANTIC_ID") or "P")
        if semantic in ("S", "F"):
            type_id = TYPE_FINAL
        category = php.intval(row.get("CATEGORY_ID"))
        self.history.record(ident, type_id, category, str(row.get("STAGE_ID")), semantic, stamp)
        self._history_dirty = True

    def _refresh_stage(self, row: dict[str, Any], stamp: str, *, moved: bool, user: str) -> None:
        semantic = self.pipelines.semantic_id(php.intval(row.get("CATEGORY_ID")), row.get("STAGE_ID"))
        row["STAGE_SEMANTIC_ID"] = semantic
        if semantic in ("S", "F"):
            row["CLOSED"] = "Y"
        elif moved:
            row["CLOSED"] = "N"
        if moved:
            row["MOVED_BY_ID"] = user
            row["MOVED_TIME"] = stamp

    def update(
        self, entity: str, ident: Any, fields: Any, params: Any = None, *, as_user: int | None = None
    ) -> bool:
        """``crm.{entity}.update``: False when the record does not exist; :class:`RestError` on bad input.
        ``as_user``: saved by that person in the CRM (a manager moving a deal), not through the webhook:
        ``MODIFY_BY_ID``/``MOVED_BY_ID`` name them."""
        self._check_entity(entity)
        ident = php.intval(ident)
        if ident <= 0:
            raise invalid_id()
        if fields is None:
            fields = {}
        fields = php.from_json(fields) if isinstance(fields, list) else fields
        if not isinstance(fields, dict):
            raise RestError("Parameter 'fields' must be array.")
        if params is not None and not php.is_array(params):
            raise RestError("Parameter 'params' must be array.")
        with self._tx():
            table = self._tables[entity]
            old = table.rows.get(ident)
            if old is None:
                return False
            if entity in MULTI_ENTITIES:
                self._validate_multifields(entity, fields)
            row = dict(old)
            uf = dict(table.uf.get(ident, {}))
            stamp = now_iso()
            user = str(as_user or self.user_id)
            self._apply_fields(entity, row, uf, fields, creating=False)
            if entity == "deal":
                self._stage_on_update(row, old)
                stage_changed = row.get("STAGE_ID") != old.get("STAGE_ID")
                if not row.get("STAGE_ID"):
                    row["STAGE_ID"] = old.get("STAGE_ID", "NEW")
                    stage_changed = False
                self._refresh_stage(row, stamp, moved=stage_changed, user=user)
                if stage_changed:
                    self._record_stage(ident, row, stamp, TYPE_MOVED)
                contacts = self._contact_ids_from(fields)
                if contacts is not None:
                    self._set_bindings(ident, self._bindings_for(contacts))
            else:
                self._apply_multifields(entity, ident, fields, creating=False)
                self._refresh_comm_flags(entity, ident, row)
                self._reindex_comm(entity, ident)
                self._link_from_fields(entity, ident, fields)
            row["DATE_MODIFY"] = stamp
            row["MODIFY_BY_ID"] = user
            self._unindex_origin(table, ident, old)
            table.rows[ident] = row
            self._index_origin(table, ident, row)
            uf = {k: v for k, v in uf.items() if v is not None}
            if uf:
                table.uf[ident] = uf
            else:
                table.uf.pop(ident, None)
            self._touch(entity, ident)
            return True

    def delete(self, entity: str, ident: Any) -> bool:
        """``crm.{entity}.delete``: False when the record does not exist."""
        self._check_entity(entity)
        ident = php.intval(ident)
        with self._tx():
            table = self._tables[entity]
            row = table.rows.pop(ident, None)
            if row is None:
                return False
            table.uf.pop(ident, None)
            pos = bisect.bisect_left(table.ids, ident)
            if pos < len(table.ids) and table.ids[pos] == ident:
                del table.ids[pos]
            self._unindex_origin(table, ident, row)
            if entity == "deal":
                self._set_bindings(ident, [])
                self.history.drop_owner(ident)
                self._history_dirty = True
            else:
                self._fm[entity].pop(ident, None)
                self._reindex_comm(entity, ident)
            if entity == "company":
                self._unlink_company(ident)
            if entity == "contact":
                self._company_links.drop_contact(ident)
                for deal_id in sorted(self._contact_deals.pop(ident, set())):
                    remaining = [
                        b["CONTACT_ID"] for b in self._bindings.get(deal_id, []) if b["CONTACT_ID"] != ident
                    ]
                    self._set_bindings(deal_id, self._bindings_for(remaining))
                    self._touch("deal", deal_id)
            self._touch(entity, ident)
            return True

    def get(self, entity: str, ident: Any) -> dict[str, Any] | None:
        """The record as ``crm.{entity}.get`` returns it (string-typed), or None."""
        self._check_entity(entity)
        ident = php.intval(ident)
        with self.lock:
            table = self._tables[entity]
            if ident not in table.rows:
                return None
            plan = _SelectPlan(
                STAR_FIELDS[entity], True, True, MULTIFIELD_TYPES if entity in MULTI_ENTITIES else (), True
            )
            return self._render(table, ident, plan)

    def exists(self, entity: str, ident: int) -> bool:
        with self.lock:
            return ident in self._tables[entity].rows

    def all(self, entity: str) -> list[dict[str, Any]]:
        self._check_entity(entity)
        with self.lock:
            return [r for r in (self.get(entity, i) for i in list(self._tables[entity].ids)) if r is not None]

    def count(self, entity: str) -> int:
        self._check_entity(entity)
        with self.lock:
            return len(self._tables[entity].ids)

    def deal_contacts(self, deal_id: int) -> list[int]:
        with self.lock:
            return [b["CONTACT_ID"] for b in self._bindings.get(php.intval(deal_id), [])]

    @staticmethod
    def _check_entity(entity: str) -> None:
        if entity not in ENTITIES:
            raise ValueError(f"unknown entity {entity!r}: use 'deal', 'contact' or 'company'")

    # ------------------------------------------------------------------ rendering

    def _render(self, table: _Table, ident: int, plan: _SelectPlan) -> dict[str, Any]:
        stored = table.rows[ident]
        if plan.star:
            row = EMPTY_ROW[table.entity].copy()
            row.update(stored)
        else:
            row = {name: stored.get(name) for name in plan.fields}
        if table.entity == "deal" and "CONTACT_ID" in row:
            bindings = self._bindings.get(ident)
            row["CONTACT_ID"] = str(bindings[0]["CONTACT_ID"]) if bindings else None
        if table.entity == "contact" and "COMPANY_ID" in row:
            primary = self._company_links.primary_company(ident)
            row["COMPANY_ID"] = None if primary is None else str(primary)
        if plan.uf:
            values = table.uf.get(ident, {})
            for defined in self.user_fields.of(table.entity):
                if plan.uf is True or defined.name in plan.uf:
                    value = values.get(defined.name)
                    if value is None and plan.uf_blank:
                        value = defined.unset_value()
                    row[defined.name] = list(value) if isinstance(value, list) else value
        if plan.multi:
            fm = self._fm[table.entity].get(ident, {})
            for kind in plan.multi:
                values_list = fm.get(kind)
                if values_list:
                    row[kind] = [dict(v) for v in values_list]
        return row

    def _select_plan(self, entity: str, select: Any) -> _SelectPlan:
        items = [v for v in php.values_of(select) if isinstance(v, str)] if php.is_array(select) else []
        if not items:
            return _SelectPlan(STAR_FIELDS[entity], True, True, ())
        # `*`, `UF_*`, user-field and multi-field names are matched exactly; standard names are upper-cased
        star = "*" in items
        uf: bool | frozenset[str] = "UF_*" in items or frozenset(n for n in items if is_user_field(n))
        multi = tuple(k for k in MULTIFIELD_TYPES if k in items and entity in MULTI_ENTITIES)
        wanted = {n.upper() for n in items}
        if star or multi:
            wanted.add("ID")
        fields = tuple(
            f.name
            for f in FIELDS[entity]
            if f.in_star and (star or f.name in wanted) and f.type != "crm_multifield"
        )
        return _SelectPlan(fields, star and len(fields) == len(STAR_FIELDS[entity]), uf or False, multi)

    # ------------------------------------------------------------------ list

    def field_descriptions(self, entity: str) -> dict[str, Any]:
        """``crm.{entity}.fields``."""
        with self.lock:
            result = {f.name: f.describe() for f in FIELDS[entity]}
            for defined in self.user_fields.of(entity):
                result[defined.name] = defined.describe()
            return result

    def query(
        self, entity: str, *, filter: Any = None, order: Any = None, select: Any = None, start: int = 0
    ) -> ListPage:
        """``crm.{entity}.list``: a page of 50 (``start`` rounded down to a multiple of 50), or with
        ``start < 0`` the first 50 matches without counting (``total`` 0, no ``next``)."""
        self._check_entity(entity)
        for name, value in (("filter", filter), ("order", order)):
            if value is not None and value != "" and not php.is_array(value):
                raise RestError(f"Parameter '{name}' must be array.")
        with self.lock:
            table = self._tables[entity]
            candidates, predicates = self._plan_filter(table, filter if isinstance(filter, dict) else {})
            sort = self._order_spec(entity, order if isinstance(order, dict) else {})
            plan = self._select_plan(entity, select)

            def matches(ident: int) -> bool:
                row = table.rows[ident]
                return all(p(ident, row) for p in predicates)

            page_ids: list[int]
            if sort in ("asc", "desc"):
                ordered: Iterator[int] = iter(candidates) if sort == "asc" else reversed(candidates)
                if start < 0:
                    page_ids = []
                    for ident in ordered:
                        if not predicates or matches(ident):
                            page_ids.append(ident)
                            if len(page_ids) == PAGE_SIZE:
                                break
                    total = 0
                else:
                    offset = (start // PAGE_SIZE) * PAGE_SIZE
                    if not predicates:
                        total = len(candidates)
                        if sort == "asc":
                            page_ids = list(candidates[offset : offset + PAGE_SIZE])
                        else:
                            hi = total - offset
                            page_ids = list(reversed(candidates[max(hi - PAGE_SIZE, 0) : max(hi, 0)]))
                    else:
                        page_ids, total = [], 0
                        for ident in ordered:
                            if matches(ident):
                                if offset <= total < offset + PAGE_SIZE:
                                    page_ids.append(ident)
                                total += 1
            else:
                matching = [i for i in candidates if not predicates or matches(i)]
                for name, descending, key in reversed(sort):
                    matching.sort(key=lambda i, k=key, n=name: k(i, table.rows[i].get(n)), reverse=descending)  # type: ignore[misc]
                if start < 0:
                    page_ids, total = matching[:PAGE_SIZE], 0
                else:
                    offset = (start // PAGE_SIZE) * PAGE_SIZE
                    page_ids, total = matching[offset : offset + PAGE_SIZE], len(matching)
            rows = [self._render(table, i, plan) for i in page_ids]
            next_start: int | None = None
            if start >= 0:
                offset = (start // PAGE_SIZE) * PAGE_SIZE
                if offset + len(rows) < total:
                    next_start = offset + len(rows)
            return ListPage(rows, total, next_start)

    def _order_spec(self, entity: str, order: dict[Any, Any]) -> Any:
        spec: list[tuple[str, bool, Callable[[int, Any], Any]]] = []
        for raw_name, raw_dir in order.items():
            name = str(raw_name).upper()
            descending = php.to_string(raw_dir).strip().upper() != "ASC"  # anything but ASC is DESC
            definition = self._field(entity, name)
            if definition is None or definition.multiple:
                continue
            if name == "ID":
                spec.append((name, descending, lambda i, _v: i))
            elif name == "STAGE_ID":
                spec.append((name, descending, lambda _i, v: stage_sort_key(v)))
            elif definition.numeric:
                spec.append((name, descending, lambda _i, v: (0, 0.0) if v is None else (1, php.floatval(v))))
            else:
                spec.append(
                    (
                        name,
                        descending,
                        lambda _i, v: (0, "") if v is None else (1, collation_key(php.to_string(v))),
                    )
                )
        if not spec:
            return "asc"
        if len(spec) == 1 and spec[0][0] == "ID":
            return "desc" if spec[0][1] else "asc"
        if spec[-1][0] != "ID":
            spec.append(("ID", False, lambda i, _v: i))
        return spec

    def _plan_filter(self, table: _Table, flt: dict[Any, Any]) -> tuple[Sequence[int], list[Predicate]]:
        """Split the filter into what the indexes answer (ids, id ranges, origin ids) and row predicates."""
        predicates: list[Predicate] = []
        low: tuple[float, bool] | None = None  # (bound, inclusive)
        high: tuple[float, bool] | None = None
        exact: AbstractSet[int] | None = None
        for raw_key, value in flt.items():
            op, name, negated, or_unset = _split_filter_key(str(raw_key))  # the name is exact (§13)
            if negated or or_unset:
                predicate = self._flagged_predicate(
                    table, op, name, value, negated=negated, or_unset=or_unset
                )
                if predicate is not None:
                    predicates.append(predicate)
                continue
            scalars = (
                [v for v in php.values_of(value) if not php.is_array(v)] if php.is_array(value) else [value]
            )
            if name == "ID":
                if op in (">", ">=", "<", "<=") and not php.is_array(value) and php.is_numeric(value):
                    bound = (php.floatval(value), op.endswith("="))
                    if op.startswith(">"):
                        low = bound if low is None or bound[0] > low[0] else low
                    else:
                        high = bound if high is None or bound[0] < high[0] else high
                    continue
                if op in ("=", "@") and not (not php.is_array(value) and value in (None, "")):
                    wanted = {php.intval(v) for v in scalars}
                    exact = wanted if exact is None else exact & wanted
                    continue
            if name in ORIGIN_FIELDS and op in ("=", "@"):
                keys = [collation_key(php.to_string(v)) for v in scalars]
                if keys and all(keys):
                    sets = [table.origin[name].get(key, _NO_IDS) for key in keys]
                    # one key: the index's own set, read and never changed (copying a million ids per page
                    # is what made reading every deal of one originator slow)
                    found = sets[0] if len(sets) == 1 else set().union(*sets)
                    exact = found if exact is None else exact & found
                    continue
            predicate = self._predicate(table, op, name, value)
            if predicate is not None:
                predicates.append(predicate)
                if name == "DATE_MODIFY" and op in (">", ">=") and not php.is_array(value):
                    moment = parse_moment(value)
                    if moment is not None:  # the predicate above still tests each candidate
                        since = table.modified_since(format_datetime(moment))
                        if since is not None:
                            exact = since if exact is None else exact & since

        def in_range(ident: int) -> bool:
            if low is not None and (ident < low[0] or (ident == low[0] and not low[1])):
                return False
            return not (high is not None and (ident > high[0] or (ident == high[0] and not high[1])))

        if exact is not None and len(exact) <= _SORT_AT_MOST:
            return sorted(i for i in exact if i in table.rows and in_range(i)), predicates
        if exact is not None:
            # Many ids (every deal of one originator): walk the id range and test membership, so a page of
            # 50 costs about 50 look-ups rather than sorting the whole set for each page.
            among = exact
            predicates.insert(0, lambda ident, _row: ident in among)
        lo, hi = 0, len(table.ids)
        if low is not None:
            lo = (bisect.bisect_left if low[1] else bisect.bisect_right)(table.ids, low[0])
        if high is not None:
            hi = (bisect.bisect_right if high[1] else bisect.bisect_left)(table.ids, high[0])
        return _IdRange(table.ids, lo, max(lo, hi)), predicates

    def _flagged_predicate(
        self, table: _Table, op: str, name: str, value: Any, *, negated: bool, or_unset: bool
    ) -> Predicate | None:
        """A condition with ``!`` (not) and/or ``+`` (or the field is unset)."""
        wrap_not = negated and op not in _NEGATED_OPS
        base = self._predicate(table, _NEGATED_OPS[op] if negated and not wrap_not else op, name, value)
        if base is None:
            return None
        test = base
        if wrap_not:

            def test(ident: int, row: dict[str, Any]) -> bool:
                return not base(ident, row)

        unset = self._predicate(table, "=", name, "") if or_unset else None
        if unset is None:
            return test
        return lambda ident, row: test(ident, row) or unset(ident, row)

    def _predicate(self, table: _Table, op: str, name: str, value: Any) -> Predicate | None:
        entity = table.entity
        if entity == "deal" and name == "CONTACT_ID":
            wanted = {php.intval(v) for v in (php.values_of(value) if php.is_array(value) else [value])}
            negate = op.startswith("!")
            bindings = self._bindings

            def by_contact(ident: int, _row: dict[str, Any]) -> bool:
                bound = {b["CONTACT_ID"] for b in bindings.get(ident, [])}
                return bool(bound & wanted) != negate

            return by_contact
        if entity == "contact" and name == "COMPANY_ID":
            links = self._company_links
            wanted = {php.intval(v) for v in (php.values_of(value) if php.is_array(value) else [value])}
            negate = op.startswith("!")

            def by_company(ident: int, _row: dict[str, Any]) -> bool:
                return bool(set(links.company_ids(ident)) & wanted) != negate

            return by_company
        if entity in MULTI_ENTITIES and name in MULTIFIELD_TYPES:
            if op not in ("=", "@"):
                return None
            wanted_values = {php.to_string(v).strip().casefold() for v in (php.values_of(value) or [value])}
            fm_all = self._fm[entity]

            def by_multifield(ident: int, _row: dict[str, Any]) -> bool:
                return any(
                    v["VALUE"].casefold() in wanted_values for v in fm_all.get(ident, {}).get(name, [])
                )

            return by_multifield
        definition = self._field(entity, name)
        if definition is None or definition.type == "crm_multifield" or definition.multiple:
            return None
        getter: Callable[[int, dict[str, Any]], Any]
        if is_user_field(name):
            uf = table.uf

            def getter(ident: int, _row: dict[str, Any]) -> Any:
                return uf.get(ident, {}).get(name)

        elif name == "ID":
            getter = _id_getter
        else:
            getter = _field_getter(name)

        test = _make_test(definition, op, value)
        if test is None:
            return None

        def predicate(ident: int, row: dict[str, Any]) -> bool:
            stored = getter(ident, row)
            if isinstance(stored, list):
                return any(test(s) for s in stored) if stored else test(None)
            return test(stored)

        return predicate

    # ------------------------------------------------------------------ bindings

    def contact_items(self, deal_id: Any) -> list[dict[str, Any]]:
        """``crm.deal.contact.items.get``."""
        ident = php.intval(deal_id)
        if ident <= 0:
            raise RestError("The parameter ownerEntityID is invalid or not defined.")
        with self.lock:
            if ident not in self._tables["deal"].rows:
                raise RestError("Not found.")
            return [dict(b) for b in self._bindings.get(ident, [])]

    def set_contact_items(self, deal_id: Any, items: Any) -> None:
        """``crm.deal.contact.items.set``: replaces the whole set; the first primary (or the first) wins."""
        ident = php.intval(deal_id)
        if ident <= 0:
            raise RestError("The parameter ownerEntityID is invalid or not defined.")
        if not php.is_array(items):
            raise RestError("The parameter items must be array.")
        with self._tx():
            if ident not in self._tables["deal"].rows:
                raise RestError("Not found.")
            bindings: list[dict[str, Any]] = []
            for i, item in enumerate(php.values_of(items)):
                if not isinstance(item, dict):
                    continue
                contact_id = php.intval(item.get("CONTACT_ID"))
                if contact_id <= 0 or any(b["CONTACT_ID"] == contact_id for b in bindings):
                    continue
                if contact_id not in self._tables["contact"].rows:
                    raise RestError(f"Contact with ID {contact_id} is not found.", "ERROR_CORE")
                sort = php.intval(item["SORT"]) if "SORT" in item else (i + 1) * 10
                primary = php.to_string(item.get("IS_PRIMARY")).upper() == "Y"
                bindings.append({"CONTACT_ID": contact_id, "SORT": sort, "ROLE_ID": 0, "IS_PRIMARY": primary})
            first_primary = next((b for b in bindings if b["IS_PRIMARY"]), bindings[0] if bindings else None)
            for binding in bindings:
                binding["IS_PRIMARY"] = "Y" if binding is first_primary else "N"
            bindings.sort(key=lambda b: (b["IS_PRIMARY"] != "Y", b["SORT"]))
            self._set_bindings(ident, bindings)
            self._touch_modified("deal", ident)

    def add_contact_binding(self, deal_id: Any, fields: Any) -> None:
        """``crm.deal.contact.add``: adds one contact to the deal's set."""
        ident = php.intval(deal_id)
        if ident <= 0:
            raise RestError("The parameter ownerEntityID is invalid or not defined.")
        if not isinstance(fields, dict):
            raise RestError("The parameter fields must be array.")
        contact_id = php.intval(fields.get("CONTACT_ID"))
        if contact_id <= 0:
            raise RestError("The parameter fields must contain CONTACT_ID.")
        with self._tx():
            if ident not in self._tables["deal"].rows:
                raise RestError("Not found.")
            if contact_id not in self._tables["contact"].rows:
                raise RestError(f"Contact with ID {contact_id} is not found.", "ERROR_CORE")
            items = [b for b in self._bindings.get(ident, []) if b["CONTACT_ID"] != contact_id]
            primary = php.to_string(fields.get("IS_PRIMARY")).upper() == "Y" or not items
            new = {
                "CONTACT_ID": contact_id,
                "SORT": php.intval(fields["SORT"]) if "SORT" in fields else (len(items) + 1) * 10,
                "ROLE_ID": 0,
                "IS_PRIMARY": "Y" if primary else "N",
            }
            if primary:
                items = [{**b, "IS_PRIMARY": "N"} for b in items]
                items.insert(0, new)
            else:
                items.append(new)
            self._set_bindings(ident, items)
            self._touch_modified("deal", ident)

    def remove_contact_binding(self, deal_id: Any, contact_id: Any | None) -> None:
        """``crm.deal.contact.delete`` (one contact) / ``crm.deal.contact.items.delete`` (all: None)."""
        ident = php.intval(deal_id)
        if ident <= 0:
            raise RestError("The parameter ownerEntityID is invalid or not defined.")
        with self._tx():
            if ident not in self._tables["deal"].rows:
                raise RestError("Not found.")
            if contact_id is None:
                remaining: list[int] = []
            else:
                cid = php.intval(contact_id)
                remaining = [b["CONTACT_ID"] for b in self._bindings.get(ident, []) if b["CONTACT_ID"] != cid]
            self._set_bindings(ident, self._bindings_for(remaining))
            self._touch_modified("deal", ident)

    def _touch_modified(self, entity: str, ident: int) -> None:
        row = self._tables[entity].rows[ident]
        row["DATE_MODIFY"] = now_iso()
        row["MODIFY_BY_ID"] = str(self.user_id)
        self._touch(entity, ident)

    # ------------------------------------------------------------------ user fields

    def add_user_field(self, entity: str, fields: Any) -> int:
        """``crm.<entity>.userfield.add`` (and seeding): defines a ``UF_CRM_*`` field; returns its id."""
        self._check_entity(entity)
        with self.lock:
            try:
                made = self.user_fields.add(entity, fields)
            except UserFieldError as exc:
                raise RestError(str(exc)) from None
            self.set_meta("user_fields", json.dumps(self.user_fields.dumps(), ensure_ascii=False))
            return made.id

    def user_field_rows(self, entity: str, order: Any, filter: Any) -> list[dict[str, Any]]:
        """``crm.<entity>.userfield.list``."""
        self._check_entity(entity)
        for name, value in (("order", order), ("filter", filter)):
            if value is not None and not php.is_array(value):
                raise RestError(f"Parameter '{name}' must be array.")
        with self.lock:
            return self.user_fields.rows(entity, order, filter)

    # ------------------------------------------------------------------ contact–company bindings

    def _link_from_fields(self, entity: str, ident: int, fields: dict[Any, Any]) -> None:
        """A contact's ``COMPANY_IDS`` (or the deprecated ``COMPANY_ID``) replaces its companies, the first
        primary; a company's ``CONTACT_ID`` list replaces its contacts. Ids of missing records are skipped.

        The deprecated ``COMPANY_ID`` alone naming a company the contact is already bound to changes nothing:
        the portal only simulates single-company mode when the company is not among the bindings, so it
        neither drops the others nor makes that one primary (``CCrmContact::Update``, "For backward
        compatibility only")."""
        if entity == "contact":
            companies = self._ids_from(fields, "COMPANY_IDS", "COMPANY_ID", "company")
            if companies is not None and "COMPANY_IDS" not in fields and "COMPANY_ID" in fields:
                single = php.intval(fields["COMPANY_ID"]) if not php.is_array(fields["COMPANY_ID"]) else 0
                if single > 0 and single in self._company_links.company_ids(ident):
                    return
            if companies is not None:
                self._company_links.set_companies(ident, [LinkItem(c) for c in companies])
        elif "CONTACT_ID" in fields:
            contacts = self._ids_from(fields, "CONTACT_ID", None, "contact") or []
            for contact in self._company_links.set_contacts(ident, [LinkItem(c) for c in contacts]):
                self._touch("contact", contact)

    def _ids_from(self, fields: dict[Any, Any], many: str, single: str | None, kind: str) -> list[int] | None:
        if many in fields:
            raw = fields[many]
            values = php.values_of(raw) if php.is_array(raw) else ([raw] if raw not in (None, "") else [])
        elif single is not None and single in fields:
            raw = fields[single]
            values = [] if raw in (None, "") or php.is_array(raw) else [raw]
        else:
            return None
        rows = self._tables[kind].rows
        result: list[int] = []
        for value in values:
            ident = php.intval(value)
            if ident > 0 and ident not in result and ident in rows:
                result.append(ident)
        return result

    def _unlink_company(self, company_id: int) -> None:
        """A deleted company leaves its contacts (their primary recomputed) and its deals (COMPANY_ID 0)."""
        for contact in self._company_links.drop_company(company_id):
            self._touch("contact", contact)
        deals = self._tables["deal"]
        for deal_id, row in deals.rows.items():
            if row.get("COMPANY_ID") == str(company_id):
                row["COMPANY_ID"] = "0"
                self._touch("deal", deal_id)

    def _merge_company_links(self, entity: str, root: int, others: list[int]) -> None:
        """A merged contact keeps every company of the others; a merged company every contact and deal."""
        links = self._company_links
        if entity == "contact":
            items = [
                LinkItem(r["COMPANY_ID"], r["SORT"], r["IS_PRIMARY"] == "Y") for r in links.companies_of(root)
            ]
            for other in others:
                items += [LinkItem(r["COMPANY_ID"], r["SORT"]) for r in links.companies_of(other)]
            links.set_companies(root, items)
            return
        items = [
            LinkItem(r["CONTACT_ID"], r["SORT"], r["IS_PRIMARY"] == "Y") for r in links.contacts_of(root)
        ]
        for other in others:
            items += [LinkItem(r["CONTACT_ID"], r["SORT"]) for r in links.contacts_of(other)]
        for contact in links.set_contacts(root, items):
            self._touch("contact", contact)
        for deal_id, row in self._tables["deal"].rows.items():
            if php.intval(row.get("COMPANY_ID")) in others:
                row["COMPANY_ID"] = str(root)
                self._touch("deal", deal_id)

    def company_items(self, owner: str, owner_id: Any) -> list[dict[str, Any]]:
        """``crm.contact.company.items.get`` (owner ``contact``) / ``crm.company.contact.items.get`` (owner
        ``company``): no existence check, a missing owner has none."""
        ident = php.intval(owner_id)
        if ident <= 0:
            raise RestError("The parameter ownerEntityID is invalid or not defined.")
        with self.lock:
            links = self._company_links
            return links.companies_of(ident) if owner == "contact" else links.contacts_of(ident)

    def set_company_items(self, owner: str, owner_id: Any, items: Any) -> None:
        """``crm.contact.company.items.set`` (owner ``contact``) / ``crm.company.contact.items.set`` (owner
        ``company``): replace the owner's whole set; ``None`` items clears it (``*.items.delete``)."""
        ident = php.intval(owner_id)
        if ident <= 0:
            raise RestError("The parameter ownerEntityID is invalid or not defined.")
        if items is not None and not php.is_array(items):
            raise RestError("The parameter items must be array.")
        other, key = ("company", "COMPANY_ID") if owner == "contact" else ("contact", "CONTACT_ID")
        with self._tx():
            if ident not in self._tables[owner].rows:
                raise RestError("Not found.")
            given: list[LinkItem] = []
            for item in php.values_of(items):
                if not isinstance(item, dict):
                    continue
                other_id = php.intval(item.get(key))
                if other_id <= 0:
                    continue
                if other_id not in self._tables[other].rows:
                    raise RestError(f"{other.capitalize()} with ID {other_id} is not found.", "ERROR_CORE")
                sort = php.intval(item["SORT"]) if item.get("SORT") is not None else None
                given.append(LinkItem(other_id, sort, php.to_string(item.get("IS_PRIMARY")).upper() == "Y"))
            if owner == "contact":
                self._company_links.set_companies(ident, given)
                self._touch("contact", ident)
            else:
                for contact in self._company_links.set_contacts(ident, given):
                    self._touch("contact", contact)

    def contact_companies(self, contact_id: int) -> list[int]:
        """The contact's company ids, by SORT (for tests and the demo)."""
        with self.lock:
            return self._company_links.company_ids(php.intval(contact_id))

    # ------------------------------------------------------------------ duplicates

    def find_by_comm(self, kind: str, values: list[Any], entity_type: str | None) -> dict[str, list[int]]:
        """``crm.duplicate.findbycomm``: contacts and companies (or only ``entity_type``'s) whose PHONE/EMAIL
        matches one of up to 20 values; leads are not kept here, so ``LEAD`` finds nothing."""
        result: dict[str, list[int]] = {}
        with self.lock:
            for entity in MULTI_ENTITIES:
                if entity_type not in (None, entity.upper()):
                    continue
                seen: set[str] = set()
                found: list[int] = []
                for value in values:
                    if not isinstance(value, str) or value == "":
                        continue
                    key = normalize_comm(kind, value)
                    if key in seen:
                        continue
                    seen.add(key)
                    if key:
                        for ident in sorted(self._comm[entity][kind].get(key, set()))[:20]:
                            if ident not in found:
                                found.append(ident)
                    if len(seen) >= 20:
                        break
                if found:
                    result[entity.upper()] = found
        return result

    def merge(self, entity: str, ids: list[int]) -> dict[str, Any]:
        """``crm.entity.mergeBatch``: the first id survives. Differing non-empty values of a compared field
        give ``CONFLICT`` and change nothing; otherwise empty fields are filled from the others, multi-fields
        and deal–contact bindings are merged, and the others are deleted."""
        with self._tx():
            table = self._tables[entity]
            effective: list[int] = []
            for ident in ids:
                if ident in table.rows and ident not in effective:
                    effective.append(ident)
            if not effective:
                raise RestError("The parameter entityIds does not contains valid elements.", 0)
            if len(effective) < 2:
                raise RestError("The parameter entityIds must contains at least two elements.", 0)
            root, others = effective[0], effective[1:]
            compared = [f.name for f in FIELDS[entity] if f.merge]
            merged = dict(table.rows[root])
            merged_uf = dict(table.uf.get(root, {}))
            for name in compared:
                values = {_merge_value(table.rows[i].get(name)) for i in effective} - {None}
                if len(values) > 1:
                    return {"STATUS": "CONFLICT", "ENTITY_IDS": others}
                if _merge_value(merged.get(name)) is None and values:
                    merged[name] = next(
                        table.rows[i][name]
                        for i in others
                        if _merge_value(table.rows[i].get(name)) is not None
                    )
            uf_names = {n for i in effective for n in table.uf.get(i, {})}
            for name in sorted(uf_names):
                values_uf = {json.dumps(table.uf.get(i, {}).get(name)) for i in effective} - {
                    "null",
                    '""',
                    "[]",
                }
                if len(values_uf) > 1:
                    return {"STATUS": "CONFLICT", "ENTITY_IDS": others}
                if merged_uf.get(name) in (None, "", []) and values_uf:
                    merged_uf[name] = json.loads(next(iter(values_uf)))
            stamp = now_iso()
            merged["DATE_MODIFY"] = stamp
            merged["MODIFY_BY_ID"] = str(self.user_id)
            self._unindex_origin(table, root, table.rows[root])
            table.rows[root] = merged
            self._index_origin(table, root, merged)
            if merged_uf:
                table.uf[root] = merged_uf
            if entity in MULTI_ENTITIES:
                fm = self._fm[entity].setdefault(root, {})
                for other in others:
                    for kind, values_fm in self._fm[entity].get(other, {}).items():
                        mine = fm.setdefault(kind, [])
                        have = {normalize_comm(kind, v["VALUE"]) or v["VALUE"] for v in mine}
                        for value in values_fm:
                            key = normalize_comm(kind, value["VALUE"]) or value["VALUE"]
                            if key not in have:
                                mine.append({**value, "ID": str(self._fm_next_id)})
                                self._fm_next_id += 1
                                have.add(key)
                self._refresh_comm_flags(entity, root, merged)
                self._reindex_comm(entity, root)
                self._merge_company_links(entity, root, others)
            if entity == "contact":
                for other in others:
                    for deal_id in sorted(self._contact_deals.get(other, set())):
                        current = [b["CONTACT_ID"] for b in self._bindings.get(deal_id, [])]
                        rebound: list[int] = []
                        for cid in current:
                            cid = root if cid == other else cid
                            if cid not in rebound:
                                rebound.append(cid)
                        self._set_bindings(deal_id, self._bindings_for(rebound))
                        self._touch("deal", deal_id)
            if entity == "deal":
                contacts = [b["CONTACT_ID"] for b in self._bindings.get(root, [])]
                for other in others:
                    for binding in self._bindings.get(other, []):
                        if binding["CONTACT_ID"] not in contacts:
                            contacts.append(binding["CONTACT_ID"])
                self._set_bindings(root, self._bindings_for(contacts))
            self._touch(entity, root)
            for other in others:
                self.delete(entity, other)
            return {"STATUS": "SUCCESS", "ENTITY_IDS": others}


_IMPORT_FIELDS = ("DATE_CREATE", "DATE_MODIFY", "CREATED_BY_ID", "MODIFY_BY_ID")
# Fields written to binding tables, not to the record (a contact's COMPANY_ID is its primary company).
_BINDING_FIELDS = {"deal": ("CONTACT_ID",), "contact": ("COMPANY_ID",), "company": ()}


class _IdRange(Sequence[int]):
    """A window ``ids[lo:hi]`` over the sorted id list, without copying it."""

    def __init__(self, ids: list[int], lo: int, hi: int) -> None:
        self._ids, self._lo, self._hi = ids, lo, hi

    def __len__(self) -> int:
        return self._hi - self._lo

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            return self._ids[self._lo + start : self._lo + stop : step]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._ids[self._lo + index]

    def __iter__(self) -> Iterator[int]:
        ids = self._ids
        for i in range(self._lo, self._hi):
            yield ids[i]

    def __reversed__(self) -> Iterator[int]:
        ids = self._ids
        for i in range(self._hi - 1, self._lo - 1, -1):
            yield ids[i]


def _company_defaults(ident: int) -> dict[str, Any]:
    """A new company's values before its fields apply: a placeholder title (reference §11.1)."""
    return {
        "TITLE": f"Company #{ident}",
        "COMPANY_TYPE": "CUSTOMER",
        "REVENUE": "0",
        "CURRENCY_ID": DEFAULT_CURRENCY,
        "OPENED": "Y",
        "IS_MY_COMPANY": "N",
    }


def _id_getter(ident: int, _row: dict[str, Any]) -> Any:
    return str(ident)


def _field_getter(name: str) -> Callable[[int, dict[str, Any]], Any]:
    def getter(_ident: int, row: dict[str, Any]) -> Any:
        return row.get(name)

    return getter


def _resolve(params: dict[Any, Any], name: str) -> Any:
    for key in (name.lower(), name.upper(), name.capitalize(), "ar" + name.capitalize()):
        if key in params:
            return params[key]
    return None


def _merge_value(value: Any) -> str | None:
    """A compared field's value for merging, None when it counts as empty."""
    if value is None:
        return None
    text = php.to_string(value).strip()
    if text in ("", "0", "0.00"):
        return None
    return text


def _split_filter_key(key: str) -> tuple[str, str, bool, bool]:
    """``GetFilterOperation``: ``(operation, field name, negated, or unset)`` of a filter key such as
    ``!>=DATE_MODIFY`` or ``+>OPPORTUNITY``: ``!`` first, then ``+``, then the operation (default ``=``)."""
    negated = key.startswith("!")
    if negated:
        key = key[1:]
    or_unset = key.startswith("+")
    if or_unset:
        key = key[1:]
    for op in _FILTER_OPS:
        if key.startswith(op):
            return op, key[len(op) :], negated, or_unset
    return "=", key, negated, or_unset


def _like_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for ch in pattern:
        if ch == "%":
            parts.append(".*")
        elif ch == "_":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _make_test(definition: FieldDef, op: str, value: Any) -> Callable[[Any], bool] | None:
    """A test of one stored value (a string or None) against one filter condition."""
    kind = definition.type
    if kind in ("date", "datetime"):

        def conv(v: Any) -> Any:
            moment = parse_moment(v)
            if moment is None:
                return None
            return format_date(moment.date()) if kind == "date" else format_datetime(moment)

        def conv_stored(v: Any) -> Any:
            return v

    elif definition.numeric:

        def conv(v: Any) -> Any:
            return php.floatval(v)

        def conv_stored(v: Any) -> Any:
            return php.floatval(v)

    else:

        def conv(v: Any) -> Any:
            return collation_key(php.to_string(v))

        def conv_stored(v: Any) -> Any:
            return collation_key(php.to_string(v))

    many = php.is_array(value)
    options = [v for v in php.values_of(value) if not php.is_array(v)] if many else [value]

    def empty(v: Any) -> bool:
        return v is None or v == ""

    if op in ("=", "@", "!", "!=", "!@"):
        negate = op.startswith("!")
        if not many and op in ("=", "!", "!=") and empty(value):
            return (lambda s: not empty(s)) if negate else empty
        if many and not options:
            return (lambda s: True) if negate else (lambda s: False)
        wanted = {conv(v) for v in options} - {None}

        def member(s: Any) -> bool:
            return not empty(s) and conv_stored(s) in wanted

        return (lambda s: not member(s)) if negate else member
    if op in (">", ">=", "<", "<="):
        bounds = [b for b in (conv(v) for v in options) if b is not None]
        if not bounds:
            return None
        compare: Callable[[Any, Any], bool] = {
            ">": operator.gt,
            ">=": operator.ge,
            "<": operator.lt,
            "<=": operator.le,
        }[op]

        def ordered(s: Any) -> bool:
            if empty(s):
                return False
            current = conv_stored(s)
            return any(compare(current, b) for b in bounds)

        return ordered
    if op in ("%", "!%"):
        needles = [weights(php.to_string(v)) for v in options]
        if not any(needles):
            return None

        def contains(s: Any) -> bool:
            return not empty(s) and any(n in weights(php.to_string(s)) for n in needles)

        return (lambda s: not contains(s)) if op == "!%" else contains
    if op in ("=%", "%="):
        patterns = [_like_regex(php.to_string(v)) for v in options]

        def like(s: Any) -> bool:
            return not empty(s) and any(p.fullmatch(php.to_string(s)) for p in patterns)

        return like
    if op in ("><", "!><"):
        if len(options) < 2:
            return None
        low, high = conv(options[0]), conv(options[1])
        if low is None or high is None:
            return None

        def between(s: Any) -> bool:
            return not empty(s) and low <= conv_stored(s) <= high

        return (lambda s: not between(s)) if op == "!><" else between
    return None


__all__ = [
    "ENTITIES",
    "PAGE_SIZE",
    "PORTAL_TZ",
    "ListPage",
    "PortalStore",
    "RestError",
    "invalid_id",
    "not_found",
]
