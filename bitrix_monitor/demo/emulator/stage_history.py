"""Deal stage history (reference §16.3): a row per creation and per stage move, read with
``crm.stagehistory.list`` as the real engine method answers it.

Rows carry integers (``ID``, ``TYPE_ID``, ``OWNER_ID``, ``CATEGORY_ID``), ``CREATED_TIME`` in the portal's
zone, ``STAGE_ID`` and ``STAGE_SEMANTIC_ID``; no user. Deleting a deal deletes its rows (no tombstones).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bitrix_monitor.demo.emulator import php
from bitrix_monitor.demo.emulator.fields import format_datetime, parse_moment

TYPE_CREATED = 1
TYPE_MOVED = 2
TYPE_FINAL = 3
TYPE_CATEGORY = 5
PAGE = 50
ALLOWED = ("ID", "TYPE_ID", "OWNER_ID", "CREATED_TIME", "CATEGORY_ID", "STAGE_SEMANTIC_ID", "STAGE_ID")
_INTS = ("ID", "TYPE_ID", "OWNER_ID", "CATEGORY_ID")
_PREFIXES = ("!=", ">=", "<=", "=", "!", ">", "<", "@", "!@")  # longest first where they share a start


class HistoryError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class StageHistory:
    rows: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1

    def record(self, owner: int, type_id: int, category: int, stage: str, semantic: str, when: str) -> None:
        self.rows.append(
            {
                "ID": self.next_id,
                "TYPE_ID": type_id,
                "OWNER_ID": owner,
                "CREATED_TIME": when,
                "CATEGORY_ID": category,
                "STAGE_SEMANTIC_ID": semantic,
                "STAGE_ID": stage,
            }
        )
        self.next_id += 1

    def drop_owner(self, owner: int) -> None:
        self.rows = [r for r in self.rows if r["OWNER_ID"] != owner]

    def dumps(self) -> str:
        return json.dumps({"next": self.next_id, "rows": self.rows}, ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> StageHistory:
        data = json.loads(text)
        return cls(list(data["rows"]), int(data["next"]))

    def query(self, flt: Any, order: Any, select: Any) -> list[dict[str, Any]]:
        tests = _filter(flt)
        found = [r for r in self.rows if all(t(r) for t in tests)]
        for name, desc in reversed(_order(order)):
            found.sort(key=_sort_key(name), reverse=desc)
        names = _select(select)
        return [{n: _out(n, r[n]) for n in names} for r in found]


def _out(name: str, value: Any) -> Any:
    return format_datetime(parse_moment(value)) if name == "CREATED_TIME" and value else value  # type: ignore[arg-type]


def _sort_key(name: str) -> Callable[[dict[str, Any]], Any]:
    if name == "CREATED_TIME":
        return lambda r: parse_moment(r[name])
    return lambda r: r[name]


def _select(select: Any) -> list[str]:
    asked = [str(s) for s in select.values()] if isinstance(select, dict) else select
    asked = [s for s in asked if s in ALLOWED] if isinstance(asked, list) else []
    names = list(dict.fromkeys(asked)) or list(ALLOWED)
    return names if "ID" in names else ["ID", *names]


def _order(order: Any) -> list[tuple[str, bool]]:
    if not isinstance(order, dict):
        return []
    return [(k, php.to_string(v).upper() == "DESC") for k, v in order.items() if k in ALLOWED]


def _filter(flt: Any) -> list[Callable[[dict[str, Any]], bool]]:
    if flt is None or flt == "":
        return []
    if not isinstance(flt, dict):
        raise HistoryError("Invalid filter", "INVALID_ARG_VALUE")
    tests = []
    for key, value in flt.items():
        key = str(key)
        prefix = next((p for p in _PREFIXES if key.startswith(p)), "")
        name = key[len(prefix) :]
        if name not in ALLOWED:
            raise HistoryError(
                f"Invalid filter: field '{name}' is not allowed in filter", "INVALID_ARG_VALUE"
            )
        many = prefix in ("@", "!@")
        if php.is_array(value) != many:
            raise HistoryError(f"Invalid filter: field '{name}' has invalid value", "INVALID_ARG_VALUE")
        tests.append(_test(name, prefix or "=", value))
    return tests


def _conv(name: str, value: Any) -> Any:
    if name in _INTS:
        return php.intval(value)
    if name == "CREATED_TIME":
        moment = parse_moment(value)
        if moment is None:
            raise HistoryError("Incorrect date format.", "WRONG_DATETIME_FORMAT")
        return moment
    return php.to_string(value)


def _test(name: str, op: str, value: Any) -> Callable[[dict[str, Any]], bool]:
    if op in ("@", "!@"):
        wanted = {_conv(name, v) for v in (value.values() if isinstance(value, dict) else value)}
        return lambda r: (_conv(name, r[name]) in wanted) == (op == "@")
    want = _conv(name, value)
    compare: dict[str, Callable[[Any], bool]] = {
        "=": lambda v: v == want,
        "!": lambda v: v != want,
        "!=": lambda v: v != want,
        ">": lambda v: v > want,
        ">=": lambda v: v >= want,
        "<": lambda v: v < want,
        "<=": lambda v: v <= want,
    }
    check = compare[op]
    return lambda r: check(_conv(name, r[name]))


def page(rows: list[dict[str, Any]], start: int) -> tuple[list[dict[str, Any]], int | None, int | None]:
    """Rows of one page, the total and the next offset (``start = -1``: the first page, no total/next)."""
    if start < 0:
        return rows[:PAGE], None, None
    chunk = rows[start : start + PAGE]
    nxt = start + PAGE if start + PAGE < len(rows) else None
    return chunk, len(rows), nxt


__all__ = ["HistoryError", "StageHistory", "page"]
