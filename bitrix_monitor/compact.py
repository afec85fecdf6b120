"""Compact forms of what a reconciliation holds between passes, for shops of a million records.

Bitrix24 answers every field as text, and a list answer decodes into one dict per record: about 640 bytes
of dict for a deal's fifteen fields before any of their text; a shop row's column values were a dict each
too. A :class:`Record` is the tuple of its values, and shares the field names with every record of the
same fields; :func:`portal_record` also shares the values that repeat from record to record (a stage, a
currency, a pipeline, the originator, a user or contact id), and leaves the few of them that a million
records share a handful of values of to the record's class (one class for each mix of those values).
"""

from __future__ import annotations

import ctypes
import gc
import math
import operator
import sys
import threading
from abc import ABCMeta
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from itertools import repeat
from typing import Any, cast

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

# What portal_record does with each field's text, by the tuple of a record's names: made once per layout.
_AS_IS, _INTERN, _TIME, _ID = 0, 1, 2, 3

# Fields whose value a portal record's class holds, not the record (see _shaped): ids of other things that a
# million records share a handful of values of (not a contact or company: thousands). A layout's records
# take at most _SHAPES_MAX such classes; a record of another mix of these values then holds them itself.
_SHAPED = frozenset(
    {"CURRENCY_ID", "STAGE_ID", "CATEGORY_ID", "ORIGINATOR_ID", "MODIFY_BY_ID", "MOVED_BY_ID"}
)
_SHAPES_MAX = 1024
# A layout's shaping: the places of its shaped fields, of the others, and its classes by the shaped values.
_Shaping = tuple[tuple[int, ...], tuple[int, ...], dict[tuple[Any, ...], "Make"]]
_PLANS: dict[tuple[str, ...], tuple[tuple[int, ...], Make, _Shaping]] = {}


def _plan(names: tuple[str, ...]) -> tuple[tuple[int, ...], Make, _Shaping]:
    made = _PLANS.get(names)
    if made is None:
        ways = tuple(
            _ID if n == "ID" else _INTERN if _repeats(n) else _TIME if n in _TIMES else _AS_IS for n in names
        )
        places = tuple(i for i, n in enumerate(names) if n in _SHAPED)
        rest = tuple(i for i in range(len(names)) if i not in places)
        made = _PLANS.setdefault(names, (ways, maker(layout(names)), (places, rest, {})))
    return made


class Multi(Mapping[str, Any]):
    """One value of a multi-field (an e-mail or a phone) as the portal answers it, ``{"ID", "VALUE_TYPE",
    "VALUE", "TYPE_ID"}`` in that order, held in four slots: 64 bytes against a dict's 200 or so (two values a
    contact, about 55 MB at 200,000 contacts). Read-only; it reads, compares and copies as that dict, but the
    :mod:`json` module does not know it: write :func:`plain` of the record that holds it."""

    __slots__ = ("ID", "TYPE_ID", "VALUE", "VALUE_TYPE")
    _NAMES = ("ID", "VALUE_TYPE", "VALUE", "TYPE_ID")
    _AT = frozenset(_NAMES)
    ID: Any
    VALUE_TYPE: Any
    VALUE: Any
    TYPE_ID: Any

    def __init__(self, id_: Any, value_type: Any, value: Any, type_id: Any) -> None:
        put = object.__setattr__
        put(self, "ID", id_)
        put(self, "VALUE_TYPE", value_type)
        put(self, "VALUE", value)
        put(self, "TYPE_ID", type_id)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a multi-field value is read-only: {name}")

    def __getitem__(self, name: str) -> Any:
        if name in self._AT:
            return getattr(self, name)
        raise KeyError(name)

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name) if name in self._AT else default

    def __contains__(self, name: object) -> bool:
        return name in self._AT

    def __iter__(self) -> Iterator[str]:
        return iter(self._NAMES)

    def __len__(self) -> int:
        return 4

    def _values(self) -> tuple[Any, Any, Any, Any]:
        return (self.ID, self.VALUE_TYPE, self.VALUE, self.TYPE_ID)

    def __eq__(self, other: object) -> bool:
        if type(other) is Multi:
            return self._values() == other._values()
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]  # as a dict's

    def __reduce__(self) -> tuple[Any, ...]:
        return (Multi, self._values())

    def __repr__(self) -> str:
        return f"Multi({dict(self)!r})"


def _shared_multi(value: Any) -> Any:
    """A multi-field's value as held: a :class:`Multi` when it has the portal's four parts in the portal's
    order (the repeating ones interned), else a dict with those interned."""
    if not isinstance(value, dict):
        return value
    if tuple(value) == Multi._NAMES:
        id_, kind, text, type_id = value.values()
        if kind.__class__ is str:
            kind = sys.intern(kind)
        if type_id.__class__ is str:
            type_id = sys.intern(type_id)
        return Multi(id_, kind, text, type_id)
    return {k: sys.intern(v) if k in _MULTI_SHARED and isinstance(v, str) else v for k, v in value.items()}


def plain(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as the dict it was made from, its multi-fields' values as dicts too: what :mod:`json` writes
    (it writes a :class:`Record` as an array, and knows no :class:`Multi`)."""
    out = dict(record)
    for name, value in out.items():
        if type(value) is list and any(type(v) is Multi for v in value):
            out[name] = [dict(v) if type(v) is Multi else v for v in value]
    return out


def layout(names: tuple[str, ...]) -> Mapping[str, int]:
    """The shared place of each of these names (in this order) in a :class:`Record`'s values."""
    at = _LAYOUTS.get(names)
    if at is None:
        at = _LAYOUTS.setdefault(names, {name: i for i, name in enumerate(names)})
    return at


# A layout made by :func:`layout` (by its id: layouts live as long as the process) -> its records' class.
_CLASSES: dict[int, Any] = {}
_CLASSES_MADE = threading.Lock()
_get = tuple.__getitem__
_same = tuple.__eq__
_ALL = slice(None)


class Record(tuple[Any, ...], Mapping[str, Any]):  # a tuple of values that reads as a Mapping
    """Named values, read-only, equal to the dict they were made from (``dict(rec)`` gives it back).

    A record is the tuple of its values itself (one object, not a wrapper holding a tuple: 48 bytes less
    for each of a million rows and records); the names are its class's, one class for each layout. It is
    a Mapping in every respect a caller sees (iterating gives the names, ``len`` and ``in`` count names,
    ``[name]``), but :mod:`json` writes a tuple as an array, so it is written as ``dict(rec)``."""

    __slots__ = ()
    _at: Mapping[str, int]
    # values_of's: each name's place among the values the record holds followed by ``_tail``, the values
    # its class holds (see _shaped; none for a layout's own class)
    _at_all: Mapping[str, int]
    _tail: tuple[Any, ...] = ()
    _getters: dict[int, tuple[tuple[str, ...], Any]]  # values_of's: by the id of the names, with them

    def __new__(cls, at: Mapping[str, int], values: tuple[Any, ...]) -> Record:
        return maker(at)(values)

    def __getitem__(self, name: str) -> Any:  # type: ignore[override]
        return _get(self, self._at[name])

    def get(self, name: str, default: Any = None) -> Any:
        i = self._at.get(name)
        return default if i is None else _get(self, i)

    def __contains__(self, name: object) -> bool:
        return name in self._at

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):  # one layout: the values, in one comparison
            return _same(self, other)
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())  # as the dicts they hold
        return False if isinstance(other, tuple | list) else NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]  # as a dict's

    def __reduce__(self) -> tuple[Any, ...]:  # copied and pickled as made, not as a tuple of values
        return (_remade, (tuple(self._at), _get(self, _ALL)))

    @property
    def values_held(self) -> tuple[Any, ...]:
        """The values, in the names' order, as a plain tuple."""
        return _get(self, _ALL)

    def __repr__(self) -> str:
        return f"Record({dict(self)!r})"


class _ShapedMethods:
    """What a record whose class holds some of its values (:func:`_shaped`) reads differently: ``_at`` places
    the names the record holds, ``_const`` gives the others' values, ``_names`` all of them in order."""

    _at: Mapping[str, int]
    _const: Mapping[str, Any]
    _names: tuple[str, ...]

    def __getitem__(self, name: str) -> Any:
        i = self._at.get(name)
        return self._const[name] if i is None else _get(self, i)  # type: ignore[call-overload]

    def get(self, name: str, default: Any = None) -> Any:
        i = self._at.get(name)
        return self._const.get(name, default) if i is None else _get(self, i)  # type: ignore[call-overload]

    def __contains__(self, name: object) -> bool:
        return name in self._at or name in self._const

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_reshaped, (self._names, self.values_held))

    @property
    def values_held(self) -> tuple[Any, ...]:
        return tuple([self[n] for n in self._names])


_SHAPED_METHODS = {
    name: vars(_ShapedMethods)[name]
    for name in ("__getitem__", "get", "__contains__", "__iter__", "__len__", "__reduce__", "values_held")
}


def _shaped(names: tuple[str, ...], places: tuple[int, ...], values: tuple[Any, ...]) -> Make:
    """The class of records of these names whose fields at ``places`` hold ``values``: the class holds them
    (8 bytes a field less for each record; a deal's six, 48 MB at a million deals)."""
    const = {names[i]: v for i, v in zip(places, values, strict=True)}
    held = tuple(n for n in names if n not in const)
    own = {"__slots__": (), "__new__": tuple.__new__, "_getters": {}, **_SHAPED_METHODS}
    own |= {"_at": {n: i for i, n in enumerate(held)}, "_const": const, "_names": names}
    own["_tail"] = tuple(const.values())  # values_of reads the held values followed by these
    own["_at_all"] = {n: i for i, n in enumerate((*held, *const))}
    return cast(Make, ABCMeta("Record", (Record,), own))


def _make_shaped(names: tuple[str, ...], values: list[Any], shaping: _Shaping) -> Record | None:
    """``values`` made a record whose class holds its shaped fields (``shaping``: its layout's, from
    :func:`_plan`); None when its layout has none, or took as many classes as it may, or a value is not
    text (the portal's are: a class is found by equal values, and ``1``, ``True`` and ``1.0`` are equal)."""
    places, rest, classes = shaping
    if not places:
        return None
    key = tuple([values[i] for i in places])
    for value in key:
        if value.__class__ is not str and value is not None:
            return None
    make = classes.get(key)
    if make is None:
        with _CLASSES_MADE:  # the count checked with the class made: threads reading pages do not pass it
            make = classes.get(key)
            if make is None:
                if len(classes) >= _SHAPES_MAX:
                    return None
                make = classes[key] = _shaped(names, places, key)
    return make([values[i] for i in rest])


Make = Callable[[Iterable[Any]], Record]  # values, in the layout's order -> the record


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()  # values_of's value of a name the record does not hold


def values_of(rec: Mapping[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    """The values of these names in ``rec`` (:data:`ABSENT` for a name it does not hold): in one step for a
    :class:`Record`, whose layout keeps a getter for ``names`` (two names or more; best a module's constant,
    as the getter is found by the tuple's identity)."""
    if _is_record(rec):
        held = cast(Record, rec)
        getters: dict[int, tuple[tuple[str, ...], Any]] = type(held)._getters
        kept = getters.get(id(names))
        if kept is None or kept[0] is not names:  # made for another tuple that had this id: made again
            at = held._at_all
            got = operator.itemgetter(*(at[n] for n in names)) if all(n in at for n in names) else None
            kept = getters[id(names)] = (names, got)
        if kept[1] is not None:
            tail = held._tail
            return kept[1](_get(held, _ALL) + tail if tail else _get(held, _ALL))  # type: ignore[no-any-return]
    return tuple(rec.get(n, ABSENT) for n in names)


def _is_record(value: object) -> bool:
    """Whether ``value`` is a layout's record: ``isinstance(value, Record)``, without the ABC's slower
    check (every record's class is a layout's, made by :func:`maker`)."""
    return type(value).__base__ is Record


def maker(at: Mapping[str, int]) -> Make:
    """The class of records of this layout: ``maker(at)(values)`` is ``Record(at, values)``, made faster.
    A layout not made by :func:`layout` gets a class of its own each time (compared as dicts)."""
    made = _CLASSES.get(id(at))
    if made is None or made._at is not at:
        made = ABCMeta(
            "Record",
            (Record,),
            {"__slots__": (), "_at": at, "_at_all": at, "__new__": tuple.__new__, "_getters": {}},
        )
        if any(at is known for known in _LAYOUTS.values()):
            with _CLASSES_MADE:
                made = _CLASSES.setdefault(id(at), made)
    return cast(Make, made)


def _remade(names: tuple[str, ...], values: tuple[Any, ...]) -> Record:
    return maker(layout(names))(values)


def _reshaped(names: tuple[str, ...], values: tuple[Any, ...]) -> Record:
    return _make_shaped(names, list(values), _plan(names)[2]) or _remade(names, values)


# Types whose equal values read the same, whatever else: the values of most columns.
_READ_ALIKE = frozenset({str, int, type(None), bool, bytes, date})
# The types of a record's values (in order) -> where among them values must also be read (made once each).
_TO_READ: dict[tuple[type, ...], tuple[int, ...]] = {}


def _look(value: Any) -> Any:
    """What of a value a row made from it could show beyond equality and type (``1 == 1.0 == True``,
    ``Decimal("1.1") == Decimal("1.10")``, ``0.0 == -0.0``, and moments equal in two zones are all equal, but
    do not read the same): a zero float's sign, a ``Decimal``'s text, a moment's zone and fold."""
    kind = type(value)
    if kind is float:
        return value == 0.0 and math.copysign(1.0, value)
    if kind is Decimal:
        return str(value)
    if kind is datetime or kind is time:
        return (value.tzinfo, value.fold)
    return None


def read_sign(values: tuple[Any, ...]) -> int | None:
    """A number standing for ``values`` as a row made from them reads them: the values, their types and
    how the values of other types read (a float's or a ``Decimal``'s text, a moment's zone). Two rows read
    from values with one sign are made alike, so a row held can stand for a row read again without keeping
    the values it was made from (about 200 bytes a row). None when no sign is safe: a value that cannot be
    hashed, or -1 (whose hash is -2's: a -1 becoming -2 would go unseen). Valid in this process only (text's
    hash is seeded per process); two different values share a sign with a chance of about one in 2**64."""
    kinds = tuple(map(type, values))
    at = _TO_READ.get(kinds)
    if at is None:
        at = _TO_READ.setdefault(kinds, tuple(i for i, k in enumerate(kinds) if k not in _READ_ALIKE))
    try:
        if -1 in values:
            return None
        if at:
            return hash((values, kinds, tuple([_look(values[i]) for i in at])))
        return hash((values, kinds))
    except TypeError:  # a list or a dict (an array or JSON column), a zone that cannot be hashed: no sign
        return None


def read_signs(rows: Sequence[tuple[Any, ...]], columns: Sequence[Sequence[Any]]) -> list[int | None]:
    """:func:`read_sign` of each of a page's ``rows`` (``columns``: the same values by column), the same
    numbers: in a few C passes when each column holds values of one type that read alike (no zero float,
    one zone and fold a column), which is a shop's usual page; row by row otherwise."""
    kinds: list[type] = []
    looks: list[Any] = []
    for column in columns:
        types = set(map(type, column))
        if len(types) != 1:
            return list(map(read_sign, rows))
        kind = types.pop()
        kinds.append(kind)
        if kind in _READ_ALIKE:
            continue
        if kind is float and 0.0 not in column:  # -0.0 == 0.0: a zero of either sign is read row by row
            looks.append(False)
            continue
        if kind is datetime or kind is time:
            zones, folds = set(map(_ZONE, column)), set(map(_FOLD, column))
            if len(zones) == len(folds) == 1:
                looks.append((zones.pop(), folds.pop()))
                continue
        return list(map(read_sign, rows))
    if any(map(operator.contains, rows, repeat(-1))):
        return list(map(read_sign, rows))
    held = tuple(kinds)
    try:
        if looks:
            return list(map(hash, zip(rows, repeat(held), repeat(tuple(looks)))))
        return list(map(hash, zip(rows, repeat(held))))
    except TypeError:  # a zone that cannot be hashed
        return list(map(read_sign, rows))


_ZONE, _FOLD = operator.attrgetter("tzinfo"), operator.attrgetter("fold")


def portal_record(record: Mapping[str, Any]) -> Record:
    """A portal record as a pass holds it (itself when it is held so already); multi-fields (e-mail,
    phone) stay lists, of :class:`Multi` values.

    Text that repeats from record to record is one object: ids of other things (stage, currency, pipeline,
    contact, company, the user who changed it) and the originator are interned; any other field's text is
    the last record's when equal; and a record never moved or changed since made holds one moment three
    times. The record's own ``ID`` is held as its number (the key a view holds it by: 54 bytes of text
    less), which reads, formats and converts as the portal's text does (``int(rec["ID"])``,
    ``str(rec["ID"])``)."""
    if _is_record(record):
        return cast(Record, record)
    names = tuple(record)
    ways, make, shaping = _PLANS.get(names) or _plan(names)
    last, intern = _LAST, sys.intern
    times: dict[str, str] | None = None
    values = []
    for way, name, value in zip(ways, names, record.values(), strict=True):
        if isinstance(value, str):
            if way == _ID:
                if value.isascii() and value.isdigit() and value[:1] != "0":
                    value = int(value)  # the id's number: the object the view holds the record by
            elif way == _INTERN:
                value = intern(value)
            else:
                held = last.get(name)
                if held == value:
                    value = held
                else:
                    last[name] = value
                if way == _TIME:
                    if times is None:
                        times = {}
                    value = times.setdefault(value, value)
        elif isinstance(value, list):
            value = [_shared_multi(v) for v in value]
        values.append(value)
    shaped = _make_shaped(names, values, shaping)
    return make(values) if shaped is None else shaped


__all__ = [
    "ABSENT",
    "Multi",
    "Record",
    "layout",
    "maker",
    "plain",
    "portal_record",
    "read_sign",
    "read_signs",
    "values_of",
]


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
    a page later rather than at the end of the pass (40 MB more at the peak of 120k records). Then the C
    library is asked to give the memory freed back to the system (:func:`release_freed`)."""
    with _pausing:
        if not _Pause.depth:
            return
        gc.collect(0)
        gc.freeze()
    release_freed()


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (Linux), or None where the C library has none (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own C library
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return cast(Callable[[int], int], trim)


_TRIM = _malloc_trim()


def release_freed() -> bool:
    """Give the memory the process freed back to the system, where the C library can (glibc's
    ``malloc_trim``; whether it could). A page of a portal answer decodes into dicts whose tables glibc
    allocates, and frees among what the pass keeps: the free pages in between stayed in the process until
    it ended (8 MB of the peak at 120k records). A call with nothing to give back costs microseconds."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
