"""The local archive: the full record (all fields, multi-fields, contact bindings) of everything the app
is about to delete or merge away in the portal, written and fsynced before the delete, restorable later.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bitrix_monitor.compact import plain
from bitrix_monitor.files import not_a_regular_file
from bitrix_monitor.messages import Message, Param, os_reason

log = logging.getLogger(__name__)

_READ_ONLY = {
    "ID", "DATE_CREATE", "DATE_MODIFY", "CREATED_BY_ID", "MODIFY_BY_ID", "STAGE_SEMANTIC_ID", "IS_NEW",
    "HAS_PHONE", "HAS_EMAIL", "HAS_IMOL", "FACE_ID", "MOVED_BY_ID", "MOVED_TIME", "LAST_ACTIVITY_TIME",
    "LAST_ACTIVITY_BY",
}  # fmt: skip


_DUPLICATE_OF = re.compile(r"^duplicate of \w+ (?P<id>\d+)$")  # the reason a cleanup gives


def _aware(moment: datetime) -> datetime:
    """An archive file's time as an aware instant: the app writes UTC with its offset; a file written
    without one (by hand, or by an older version) is read as UTC too."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class ArchivedRecord:
    path: Path
    entity: str  # "deal" | "contact"
    portal_id: int
    shop_key: str
    archived_at: datetime
    reason: str
    record: Mapping[str, Any]
    contact_ids: tuple[int, ...]  # a deal's contact bindings
    restored_as: int | None = None
    merged_into: int | None = None  # the record the cleanup kept in its place (None: not known)

    def fields_for_restore(self) -> dict[str, Any]:
        """The record as fields for ``crm.X.add``: read-only fields dropped, multi-field value ids removed."""
        out: dict[str, Any] = {}
        for k, v in self.record.items():
            if k in _READ_ONLY or v is None:
                continue
            if isinstance(v, list):
                v = [{kk: vv for kk, vv in item.items() if kk not in ("ID", "TYPE_ID")} for item in v]
            out[k] = v
        if self.entity == "deal" and self.contact_ids:
            out["CONTACT_IDS"] = list(self.contact_ids)
        return out


class UnreadableArchive(ValueError):
    """An archive file that cannot be read as an archived record. ``why`` says what is wrong with it, a
    message said in the reader's language; ``reason`` (and ``str()``, with the path) is its English."""

    def __init__(self, path: Path, why: Message) -> None:
        self.path = path
        self.why = why
        self.reason = str(why)
        super().__init__(f"{path}: {self.reason}")


_T = TypeVar("_T")


@dataclass(frozen=True)
class _Fields:
    """An archive file's JSON object read field by field: a field that is missing, or whose value is not
    what the field holds, is an :class:`UnreadableArchive` naming the field (never Python's own words)."""

    path: Path
    data: Mapping[str, Any]

    def need(self, name: str, convert: Callable[[Any], _T]) -> _T:
        if name not in self.data:
            raise UnreadableArchive(self.path, Message("archive.why.no_field", {"field": repr(name)}))
        return self.read(name, convert)

    def read(self, name: str, convert: Callable[[Any], _T]) -> _T:
        value = self.data.get(name)
        try:
            return convert(value)
        except (TypeError, ValueError, AttributeError, OverflowError):
            said: dict[str, Param] = {"field": repr(name), "value": repr(value)[:40]}
            raise UnreadableArchive(self.path, Message("archive.why.bad_field", said)) from None


def _optional_id(value: Any) -> int | None:
    return None if value is None else int(value)


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root

    def save(
        self,
        entity: str,
        record: Mapping[str, Any],
        *,
        shop_key: str,
        reason: str,
        contact_ids: tuple[int, ...] = (),
        merged_into: int | None = None,
    ) -> ArchivedRecord:
        self.root.mkdir(parents=True, exist_ok=True)
        portal_id = int(record["ID"])
        now = datetime.now(UTC)
        path = self.root / f"{entity}-{portal_id}-{now:%Y%m%dT%H%M%S}-{time.monotonic_ns() % 10**6}.json"
        data = {
            "entity": entity,
            "portal_id": portal_id,
            "shop_key": shop_key,
            "archived_at": now.isoformat(),
            "reason": reason,
            "record": plain(record),
            "contact_ids": list(contact_ids),
            "restored_as": None,
            "merged_into": merged_into,
        }
        _write_durably(path, data)
        return self.load(path)

    def save_once(
        self,
        entity: str,
        record: Mapping[str, Any],
        *,
        shop_key: str,
        reason: str,
        contact_ids: tuple[int, ...] = (),
        merged_into: int | None = None,
    ) -> ArchivedRecord:
        """:meth:`save`, unless the archive already holds this record exactly as it is now (a cleanup that
        ran again, e.g. after a merge conflict): then that file is the archive, and none is written."""
        for path in sorted(self.root.glob(f"{entity}-{int(record['ID'])}-*.json"), reverse=True):
            try:
                same = self.load(path)
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if dict(same.record) == json.loads(json.dumps(plain(record))) and same.contact_ids == contact_ids:
                return same
        return self.save(
            entity, record, shop_key=shop_key, reason=reason, contact_ids=contact_ids, merged_into=merged_into
        )

    def load(self, path: Path) -> ArchivedRecord:
        """One archived record; :class:`UnreadableArchive` (a ``ValueError``) names what is wrong with it."""
        if problem := not_a_regular_file(path):
            raise UnreadableArchive(path, Message("archive.why.not_a_file", {"problem": Message.of(problem)}))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UnreadableArchive(path, os_reason(exc)) from None
        except UnicodeDecodeError:
            raise UnreadableArchive(path, Message("archive.why.not_utf8")) from None
        except json.JSONDecodeError as exc:
            said: dict[str, Param] = {"line": exc.lineno, "column": exc.colno}
            raise UnreadableArchive(path, Message("archive.why.not_json", said)) from None
        if not isinstance(data, dict):
            raise UnreadableArchive(path, Message("archive.why.not_object"))
        fields = _Fields(path, data)
        reason = fields.need("reason", str)
        merged_into = fields.read("merged_into", _optional_id)
        if merged_into is None:  # files written before the survivor was kept apart: from the reason
            named = _DUPLICATE_OF.match(reason)
            merged_into = int(named["id"]) if named else None
        return ArchivedRecord(
            path=path,
            entity=fields.need("entity", str),
            portal_id=fields.need("portal_id", int),
            shop_key=fields.need("shop_key", str),
            archived_at=fields.need("archived_at", lambda v: _aware(datetime.fromisoformat(v))),
            reason=reason,
            record=fields.need("record", dict),
            contact_ids=fields.read("contact_ids", lambda v: tuple(int(i) for i in v or [])),
            restored_as=fields.read("restored_as", _optional_id),
            merged_into=merged_into,
        )

    def scan(self) -> tuple[list[ArchivedRecord], list[UnreadableArchive]]:
        """Every archived record, and every file that could not be read as one (each on its own)."""
        records: list[ArchivedRecord] = []
        unreadable: list[UnreadableArchive] = []
        if not self.root.is_dir():
            return records, unreadable
        for p in sorted(self.root.glob("*.json")):
            try:
                records.append(self.load(p))
            except UnreadableArchive as bad:
                unreadable.append(bad)
        return records, unreadable

    def list(self) -> list[ArchivedRecord]:
        records, unreadable = self.scan()
        for bad in unreadable:
            log.warning("archive file %s is unreadable: %s", bad.path, bad.reason)
        return records

    def mark_restored(self, rec: ArchivedRecord, new_id: int) -> None:
        data = json.loads(rec.path.read_text(encoding="utf-8"))
        data["restored_as"] = new_id
        _write_durably(rec.path, data)


def _write_durably(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    if os.name != "posix":
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
