"""Compact forms of what a reconciliation holds between passes, for shops of a million records.

Bitrix24 answers every field as text, and a list answer decodes into one dict per record: about 640 bytes
of dict for a deal's fifteen fields before any of their text; a shop row's column values were a dict each
too. A :class:`Record` keeps the values in a tuple and shares the field names with every record of the
same fields; :func:`portal_record` also shares the values that repeat from record to record (a stage, a
currency, a pipeline, the originator, a user or contact id).
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

# Field names (by the tuple of a record's names, in the portal's order) -> each name's place in the values.
_LAYOUTS: dict[tuple[str, ...], dict[str, int]] = {}
# Inside a multi-field value ({"ID", "VALUE_TYPE", "VALUE", "TYPE_ID"}): the parts that repeat.
_MULTI_SHARED = frozenset({"VALUE_TYPE", "TYPE_ID"})
_TIMES = frozenset({"DATE_CREATE", "DATE_MODIFY", "MOVED_TIME"})


def _repeats(name: str) -> bool:
    """Fields whose values repeat across records: ids of other things (stage, currency, pipeline, contact,
    company, the user who changed it) and the originator; not the record's own ids."""
    return name.endswith("_ID") and name != "ORIGIN_ID"


# Each field's value in the last record made: records come in id order, and those made or changed in one
# go carry one DATE_CREATE (or DATE_MODIFY), so a record often repeats the one before it.
_LAST: dict[str, str] = {}


def _shared(name: str, value: Any) -> Any:
    if isinstance(value, str):
        if _repeats(name):
            return sys.intern(value)
        last = _LAST.get(name)
        if last == value:
            return last
        _LAST[name] = value
        return value
    if isinstance(value, list):
        return [_shared_multi(v) for v in value]
    return value


def _shared_multi(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {k: sys.intern(v) if k in _MULTI_SHARED and isinstance(v, str) else v for k, v in value.items()}


def layout(names: tuple[str, ...]) -> Mapping[str, int]:
    """The shared place of each of these names (in this order) in a :class:`Record`'s values."""
    at = _LAYOUTS.get(names)
    if at is None:
        at = _LAYOUTS.setdefault(names, {name: i for i, name in enumerate(names)})
    return at


class Record(Mapping[str, Any]):
    """Named values, read-only, equal to the dict they were made from (``dict(rec)`` gives it back)."""

    __slots__ = ("_at", "_values")

    def __init__(self, at: Mapping[str, int], values: tuple[Any, ...]) -> None:
        self._at = at  # from :func:`layout`
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[self._at[name]]

    def get(self, name: str, default: Any = None) -> Any:
        i = self._at.get(name)
        return default if i is None else self._values[i]

    def __contains__(self, name: object) -> bool:
        return name in self._at

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def __eq__(self, other: object) -> bool:
        if type(other) is Record and other._at is self._at:  # one layout: the values, in one comparison
            return self._values == other._values
        return super().__eq__(other)  # as the dicts they hold

    __hash__ = None  # type: ignore[assignment]  # as a dict's

    def holds(self, values: tuple[Any, ...]) -> bool:
        """Whether ``values`` are this record's values (in its names' order) in every respect a value made
        from them could show: equal, of one type, and numbers and moments written alike (``1 == 1.0 ==
        True``, ``Decimal("1.1") == Decimal("1.10")``, ``0.0 == -0.0``, and moments equal in two zones
        are all equal, but do not read the same)."""
        mine = self._values
        if mine != values:
            return False
        kinds = tuple(map(type, mine))
        if kinds != tuple(map(type, values)):
            return False
        at = _TO_READ.get(kinds)
        if at is None:
            at = _TO_READ.setdefault(kinds, tuple(i for i, k in enumerate(kinds) if k not in _READ_ALIKE))
        return all(_alike(mine[i], values[i]) for i in at)

    def __repr__(self) -> str:
        return f"Record({dict(self)!r})"


# Types whose equal values read the same, whatever else: the values of most columns.
_READ_ALIKE = frozenset({str, int, type(None), bool, bytes, date})
# The types of a record's values (in order) -> where among them values must also be read (made once each).
_TO_READ: dict[tuple[type, ...], tuple[int, ...]] = {}


def _alike(a: Any, b: Any) -> bool:
    """Two equal values of one type that also read the same (see :meth:`Record.holds`)."""
    kind = type(a)
    if kind is float:
        return a is b or a != 0.0 or str(a) == str(b)  # equal floats read the same but for zero's sign
    if kind is Decimal:
        return a is b or str(a) == str(b)
    if kind is datetime or kind is time:
        return bool((a.tzinfo is b.tzinfo or a.tzinfo == b.tzinfo) and a.fold == b.fold)
    return True


def portal_record(record: Mapping[str, Any]) -> Record:
    """A portal record as a pass holds it (itself when it is held so already); multi-fields (e-mail,
    phone) stay lists of dicts."""
    if isinstance(record, Record):
        return record
    times: dict[str, str] = {}  # a record never moved or changed since made: one moment three times
    values = []
    for name, value in record.items():
        value = _shared(name, value)
        if name in _TIMES and isinstance(value, str):
            value = times.setdefault(value, value)
        values.append(value)
    return Record(layout(tuple(record)), tuple(values))


__all__ = ["Record", "layout", "portal_record"]


class _Pause:
    """Passes running with the cyclic collector paused, and whether it ran before the first began."""

    depth = 0
    was_enabled = False


_pausing = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a pass makes hundreds of thousands of objects at once,
    none of them garbage: it would walk them again at each full collection (at 1.2M records, 22 runs and a
    tenth of a full pass). Passes may overlap (threads, tasks): the collector runs again when the last one
    ends, if it ran before the first began. A pass calls :func:`collect_young` after each page it reads."""
    with _pausing:
        if _Pause.depth == 0:
            _Pause.was_enabled = gc.isenabled()
            gc.disable()
        _Pause.depth += 1
    try:
        yield
    finally:
        with _pausing:
            _Pause.depth -= 1
            if _Pause.depth == 0:
                gc.unfreeze()  # what was set aside joins the oldest generation again
                if _Pause.was_enabled:
                    gc.enable()


def collect_young() -> None:
    """While the collector is paused: collect the cyclic garbage made since the last call, and set what
    survives aside from the collections still to come (:func:`gc.freeze`). Each object is walked about once;
    and an HTTP answer, which httpx leaves in a reference cycle with its body (a megabyte a page), is freed
    a page later rather than at the end of the pass (40 MB more at the peak of 120k records)."""
    with _pausing:
        if _Pause.depth:
            gc.collect(0)
            gc.freeze()
