"""The local archive: the full record (all fields, multi-fields, contact bindings) of everything the app
is about to delete or merge away in the portal, written and fsynced before the delete, restorable later.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bitrix_monitor.files import not_a_regular_file

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
    """An archive file that cannot be read as an archived record."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


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
            "record": dict(record),
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
            if dict(same.record) == json.loads(json.dumps(dict(record))) and same.contact_ids == contact_ids:
                return same
        return self.save(
            entity, record, shop_key=shop_key, reason=reason, contact_ids=contact_ids, merged_into=merged_into
        )

    def load(self, path: Path) -> ArchivedRecord:
        """One archived record; :class:`UnreadableArchive` (a ``ValueError``) names what is wrong with it."""
        if problem := not_a_regular_file(path):
            raise UnreadableArchive(path, str(problem))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            restored_as = data.get("restored_as")
            merged_into = data.get("merged_into")
            if merged_into is None:  # files written before the survivor was kept apart: from the reason
                named = _DUPLICATE_OF.match(str(data["reason"]))
                merged_into = named["id"] if named else None
            return ArchivedRecord(
                path=path,
                entity=str(data["entity"]),
                portal_id=int(data["portal_id"]),
                shop_key=str(data["shop_key"]),
                archived_at=_aware(datetime.fromisoformat(data["archived_at"])),
                reason=str(data["reason"]),
                record=dict(data["record"]),
                contact_ids=tuple(int(i) for i in data.get("contact_ids") or []),
                restored_as=None if restored_as is None else int(restored_as),
                merged_into=None if merged_into is None else int(merged_into),
            )
        except OSError as exc:
            raise UnreadableArchive(path, exc.strerror or type(exc).__name__) from None
        except UnicodeDecodeError:
            raise UnreadableArchive(path, "not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise UnreadableArchive(path, f"not JSON ({exc.msg})") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UnreadableArchive(path, f"not an archived record ({type(exc).__name__}: {exc})") from None

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
