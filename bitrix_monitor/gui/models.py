"""One table model per entity (STYLE.md §9), and the filter proxy the tables sit behind.

Every string a cell shows, every sort key and every search text is computed once per row when the data
arrives; ``data()`` is a list lookup. Sorting happens in the source model (one ``sorted()`` over a
precomputed key column, persistent indexes kept), filtering through a precomputed mask, so a table of
100,000 rows sorts and filters without a Python call per comparison.

The records models (orders, users, companies: up to a million rows) go further and precompute nothing but
one byte per row for its state when rows arrive: :class:`RecordsModel` computes a cell when the view shows
it, a sort key column when first sorted by (or, for many rows, the orders by name, last sync and state and
the search texts while the window is idle), and filters with byte tables and ``itertools.compress``; a
refresh that changes a few rows in their places mends what was made instead of making it again. The lists
such work keeps (a million indexes, keys or texts) are swept out of the cyclic collector's young generations
while the window is idle, not by a pass at the next click.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import gc
import heapq
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import compress, islice, repeat
from operator import attrgetter, contains, gt, is_not, itemgetter
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF

from bitrix_monitor import localefmt
from bitrix_monitor.kinds import shop_of
from bitrix_monitor.sync.api import ActivityEntry, QueueRow, RunnerStatus
from bitrix_monitor.sync.archive import ArchivedRecord
from bitrix_monitor.sync.model import QueueMark, RecordState, RecordStatus, key_order
from bitrix_monitor.sync.service import DESK_DESCRIPTION

from .words import (
    QT_TRANSLATE_NOOP,
    error_text,
    kind_label,
    record_kind_label,
    said,
    state_label,
    team_event_text,
    who_label,
    window_language,
)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2
STATE_ROLE = Qt.ItemDataRole.UserRole + 3

AnyIndex = QModelIndex | QPersistentModelIndex

# Colour and shape per state: the word is always shown too, so the table reads without colour.
STATE_COLOURS: dict[str, str] = {
    RecordState.IN_SYNC: "#2e7d32",
    RecordState.MISSING: "#c62828",
    RecordState.UNLINKED: "#ef6c00",
    RecordState.STALE_LINK: "#6d4c41",
    RecordState.OUTDATED: "#f9a825",
    RecordState.DUPLICATED: "#6a1b9a",
    RecordState.INVALID: "#ad1457",
    RecordState.SHARED_LINK: "#00695c",
    # queue states
    "queued": "#1565c0",
    "running": "#00838f",
    "in_doubt": "#ef6c00",
    "failed": "#c62828",
    "dead": "#424242",
    "done": "#2e7d32",
    "cancelled": "#757575",
    # runner states
    "working": "#2e7d32",
    "stopped": "#757575",
    "silent": "#c62828",
}
_SHAPES: dict[str, str] = {
    RecordState.IN_SYNC: "disc",
    RecordState.MISSING: "ring",
    RecordState.UNLINKED: "triangle",
    RecordState.STALE_LINK: "cross",
    RecordState.OUTDATED: "diamond",
    RecordState.DUPLICATED: "squares",
    RecordState.INVALID: "cross",
    RecordState.SHARED_LINK: "rings",
    "queued": "ring",
    "running": "triangle",
    "in_doubt": "diamond",
    "failed": "cross",
    "dead": "cross",
    "done": "disc",
    "cancelled": "ring",
    "working": "disc",
    "stopped": "ring",
    "silent": "cross",
}
_icons: dict[str, QIcon] = {}
_brushes: dict[str, QBrush] = {}


def state_brush(state: str) -> QBrush | None:
    colour = STATE_COLOURS.get(state)
    if colour is None:
        return None
    if state not in _brushes:
        _brushes[state] = QBrush(QColor(colour))
    return _brushes[state]


def state_icon(state: str) -> QIcon | None:
    """A small icon whose *shape* differs per state (colour-blind readers), painted once."""
    if state not in STATE_COLOURS:
        return None
    if state in _icons:
        return _icons[state]
    pix = QPixmap(16, 16)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(STATE_COLOURS[state])
    p.setPen(QPen(colour, 2))
    shape = _SHAPES.get(state, "disc")
    if shape == "disc":
        p.setBrush(colour)
        p.drawEllipse(3, 3, 10, 10)
    elif shape == "ring":
        p.drawEllipse(3, 3, 10, 10)
    elif shape == "triangle":
        p.setBrush(colour)
        p.drawPolygon(QPolygonF([QPointF(8, 2), QPointF(14, 14), QPointF(2, 14)]))
    elif shape == "diamond":
        p.setBrush(colour)
        p.drawPolygon(QPolygonF([QPointF(8, 1), QPointF(15, 8), QPointF(8, 15), QPointF(1, 8)]))
    elif shape == "rings":  # two linked rings: one record, two holders
        p.drawEllipse(1, 4, 9, 9)
        p.drawEllipse(6, 3, 9, 9)
    elif shape == "cross":
        p.setPen(QPen(colour, 3))
        p.drawLine(3, 3, 13, 13)
        p.drawLine(13, 3, 3, 13)
    else:  # squares
        p.drawRect(2, 2, 8, 8)
        p.setBrush(colour)
        p.drawRect(6, 6, 8, 8)
    p.end()
    _icons[state] = QIcon(pix)
    return _icons[state]


local_time = localefmt.local


def fmt_time(value: datetime | None, *, date: bool = True) -> str:
    """An instant as this machine's local time, naming the zone, as the window's language writes it:
    ``2026-11-30 03:28:00 MSK``, ``30.11.2026 03:28:00 MSK``."""
    return localefmt.moment(value, window_language(), date=date)


def fmt_count(n: int) -> str:
    """A count as the window's language groups it: ``1 234`` / ``1,234``."""
    return localefmt.integer(n, window_language())


def fmt_number(value: float, places: int) -> str:
    """A measure with ``places`` decimals as the window's language writes it: ``1,5`` / ``1.5``."""
    return localefmt.decimal(Decimal(f"{value:.{places}f}"), window_language(), places)


# A key with a leading zero, among keys joined by newlines: "007" and "7" are one number (see key_order).
_LEADING_ZERO = re.compile(r"(?:^|\n)0[0-9]")


def time_key(value: datetime | None) -> float:
    return value.timestamp() if value else 0.0


class RowTableModel(QAbstractTableModel):
    """A read-only table of dataclass rows with precomputed cells, sort keys, search text and facets.

    Subclasses declare ``HEADERS`` (column constants index into it), ``STATE_COLUMN`` and ``FACETS``
    (named values the proxy can filter on), and implement :meth:`cells`.
    """

    HEADERS: ClassVar[tuple[str, ...]] = ()
    STATE_COLUMN: ClassVar[int] = -1
    FACETS: ClassVar[tuple[str, ...]] = ()
    TIME_COLUMNS: ClassVar[tuple[int, ...]] = ()  # columns of times (the views size them for one)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: Sequence[Any] = []
        self._display: list[tuple[str, ...]] = []
        self._keys: list[tuple[Any, ...]] = []
        self._search: list[str] = []
        self._facets: list[tuple[str, ...]] = []
        self._states: list[str] = []
        self._sorted: Sequence[int] = []  # every storage index, in sort order
        self._order: Sequence[int] = []  # view row -> storage index (sorted, filtered)
        self._needle = ""
        self._facet_filters: dict[int, frozenset[str]] = {}
        self._mask: bytearray | None = None  # by storage index; None: every row passes
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self.generation = 0  # bumped whenever the rows are replaced

    # -- to implement -------------------------------------------------------------------------------
    def cells(self, row: Any) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[str, ...], str]:
        """(display strings, sort keys, facet values, state) for one row."""
        raise NotImplementedError

    def identity(self, row: Any) -> Any:
        """What stays the same for a row across refreshes (to keep the selection)."""
        return id(row)

    def rows_of(self, identities: set[Any]) -> list[int]:
        """The view rows showing rows with these identities."""
        if not identities:
            return []
        rows, ident = self._rows, self.identity
        return [view_row for view_row, i in enumerate(self._order) if ident(rows[i]) in identities]

    # -- data in ------------------------------------------------------------------------------------
    def set_rows(self, rows: Iterable[Any]) -> None:
        """Replace every row (one model reset)."""
        rows = list(rows)
        cells = [self.cells(r) for r in rows]
        self.beginResetModel()
        self._rows = rows
        self._display = [c[0] for c in cells]
        self._keys = [c[1] for c in cells]
        self._facets = [c[2] for c in cells]
        self._states = [c[3] for c in cells]
        self._search = ["\x1f".join(d).casefold() for d in self._display]
        self._sorted = list(range(len(rows)))
        self._end_reset()

    def _end_reset(self) -> None:
        """New rows are in: sort and filter them as asked before, and end the model reset."""
        self.generation += 1
        if self._sort_column >= 0:
            self._apply_sort()
        self._mask = self.match_mask(self._needle, self._facet_filters)
        self._order = self._visible()
        self.endResetModel()

    def retranslate(self) -> None:
        """Compute the shown words again in the current language (after a language switch)."""
        self.set_rows(self._rows)
        if self.HEADERS:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)

    def total(self) -> int:
        """All rows, whether the filter shows them or not."""
        return len(self._rows)

    def set_filter(self, needle: str, facets: dict[int, frozenset[str]]) -> None:
        """Show only the rows that contain ``needle`` and whose facets are among the allowed values.

        One pass over precomputed strings and one model reset: no per-row call from Qt."""
        self._needle, self._facet_filters = needle, dict(facets)
        mask = self.match_mask(needle, self._facet_filters)
        self.beginResetModel()
        self._mask = mask
        self._order = self._visible()
        self.endResetModel()

    def _visible(self) -> Sequence[int]:
        mask = self._mask
        if mask is None:
            return list(self._sorted)
        return [i for i in self._sorted if mask[i]]

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_object(self, row: int) -> Any:
        return self._rows[self._order[row]]

    def storage_index(self, row: int) -> int:
        return self._order[row]

    def view_row_of(self, predicate: Callable[[Any], bool]) -> int:
        for view_row, i in enumerate(self._order):
            if predicate(self._rows[i]):
                return view_row
        return -1

    def match_mask(self, needle: str, facets: dict[int, frozenset[str]]) -> bytearray | None:
        """Which storage rows pass a search text and facet filters (None: all of them)."""
        needle = needle.casefold()
        if not needle and not facets:
            return None
        items = list(facets.items())
        if not items:
            return bytearray(needle in s for s in self._search)
        if not needle:
            return bytearray(all(f[k] in allowed for k, allowed in items) for f in self._facets)
        return bytearray(
            needle in s and all(f[k] in allowed for k, allowed in items)
            for s, f in zip(self._search, self._facets, strict=True)
        )

    def facet_values(self, facet: int) -> list[str]:
        return sorted({f[facet] for f in self._facets})

    # -- Qt model interface -------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(self.HEADERS):
            return QCoreApplication.translate("Column", self.HEADERS[section])
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        i = self._order[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display[i][col]
        if role == SORT_ROLE:
            return self._keys[i][col]
        if role == OBJECT_ROLE:
            return self._rows[i]
        if role == STATE_ROLE:
            return self._states[i]
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self._display[i][col]
            return text if len(text) > 40 else None
        if col == self.STATE_COLUMN:
            if role == Qt.ItemDataRole.DecorationRole:
                return state_icon(self._states[i])
            if role == Qt.ItemDataRole.ForegroundRole:
                return state_brush(self._states[i])
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        if not self._rows or not 0 <= column < len(self.HEADERS):
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept = [(self._order[p.row()], p.column()) for p in persistent]
        self._apply_sort()
        self._order = self._visible()
        position = [0] * len(self._rows)
        for view_row, i in enumerate(self._order):
            position[i] = view_row
        self.changePersistentIndexList(persistent, [self.index(position[i], c) for i, c in kept])
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        col = self._sort_column
        keys = [k[col] for k in self._keys]
        self._sorted = sorted(
            range(len(keys)), key=keys.__getitem__, reverse=self._sort_order == Qt.SortOrder.DescendingOrder
        )


# One byte per row: the member's position (StrEnum members hash as their values, so "missing" finds it too).
_STATE_CODE: dict[str, int] = {state: n for n, state in enumerate(RecordState)}
_QUEUE_CODE: dict[str, int] = {mark: n for n, mark in enumerate(QueueMark)}
_STATES = tuple(RecordState)
_MARKS = tuple(QueueMark)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Bulk work over a million rows makes a million index ints (lists without cycles): with the cyclic
    collector on, each of its passes meanwhile would walk every object of the snapshot for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _sweep_young() -> None:
    """The cyclic collector's two young generations collected (their objects made older), unless the
    collector is off (a full pass may have paused it)."""
    if gc.isenabled():
        gc.collect(1)


_KEY, _LABEL, _PORTAL_ID, _STORED_ID = map(attrgetter, ("key", "label", "portal_id", "stored_id"))
_ERROR_FIELDS = attrgetter("error", "last_error", "note")
_NO_ERROR = (None, "", "")  # what most rows hold: their error or note is ""
_JOINED = "\x1f".join


def _byte_table(codes: Iterable[int]) -> bytes:
    """A ``bytes.translate`` table: 1 for the given codes, 0 for every other byte."""
    table = bytearray(256)
    for code in codes:
        table[code] = 1
    return bytes(table)


def _time_keys(rows: Sequence[RecordStatus]) -> list[float]:
    """Each row's last sync as :func:`time_key` gives it: a C call each (no Python frame) unless some row
    was never synced."""
    times = list(map(attrgetter("last_synced"), rows))
    try:
        return list(map(datetime.timestamp, times))
    except TypeError:  # a None among them
        return [t.timestamp() if t else 0.0 for t in times]


def _and(a: bytes | None, b: bytes) -> bytes:
    """Two masks of 0/1 bytes, and-ed (one big-integer operation, not a loop)."""
    if a is None:
        return b
    return (int.from_bytes(a, "little") & int.from_bytes(b, "little")).to_bytes(len(b), "little")


def _or(a: bytes | None, b: bytes) -> bytes:
    """Two masks of 0/1 bytes, or-ed (one big-integer operation, not a loop)."""
    if a is None:
        return b
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(len(b), "little")


def _patched_bytes(
    codes: bytes, changed: list[int], rows: Sequence[Any], byte_of: Callable[[Any], int]
) -> bytes:
    """A byte column with the changed rows' bytes read again (``byte_of``: a row's byte)."""
    patched = bytearray(codes)
    for i in changed:
        patched[i] = byte_of(rows[i])
    return bytes(patched)


def _reorder(order: Sequence[int], keys: list[Any], new: Mapping[int, Any], moved: list[int]) -> None:
    """Mend, in place, a stable ascending order by ``keys`` (ties in index order) for the ``moved`` indexes'
    ``new`` keys, and put those in ``keys``: each index is taken out where its old key put it and put back
    where its new key goes. Found by bisection, moved by the list's own memmove: no other index is read,
    where a pass over a million indexes in sort order reads a million scattered ints (0.2 s)."""
    assert isinstance(order, list)  # a range is the key order, whose keys never move

    def place(j: int) -> tuple[Any, int]:
        return (keys[j], j)

    for at in sorted((bisect.bisect_left(order, place(i), key=place) for i in moved), reverse=True):
        del order[at]
    for i in moved:
        keys[i] = new[i]
    for i in sorted(moved, key=place):
        order.insert(bisect.bisect_left(order, place(i), key=place), i)


class RecordsModel(RowTableModel):
    """Shop records (orders or users) next to their portal record: a virtual model for a million rows.

    Columnar: the rows stay the snapshot's own objects; the model keeps one byte per row for the state, the
    queue mark and whether there is an error (read in one C-level pass when the rows arrive), and computes
    a cell's text only when the view asks for it. A sort computes its column's keys when first asked and
    keeps the index permutation (the other direction is that permutation reversed); the orders by name, by
    last sync and by state of many rows, and the texts a search looks in, are made beforehand, a step at a
    time while the window is idle (:meth:`_prepare`), so that a click only shows them; a filter is a byte
    table over the state bytes (``bytes.translate``) and ``itertools.compress`` over the order shown, so
    "needs attention" at a million rows is a few C passes, with no row object touched.
    """

    KEY, LABEL, PORTAL_ID, STATE, QUEUE, LAST_SYNCED, LAST_ERROR = range(7)
    HEADERS: ClassVar[tuple[str, ...]] = (
        QT_TRANSLATE_NOOP("Column", "Key"),
        QT_TRANSLATE_NOOP("Column", "Name"),
        QT_TRANSLATE_NOOP("Column", "Portal id"),
        QT_TRANSLATE_NOOP("Column", "State"),
        QT_TRANSLATE_NOOP("Column", "Queue"),
        QT_TRANSLATE_NOOP("Column", "Last synced"),
        QT_TRANSLATE_NOOP("Column", "Last error"),
    )
    STATE_COLUMN = STATE
    TIME_COLUMNS = (LAST_SYNCED,)
    FACETS = ("state", "queue", "error")
    FACET_STATE, FACET_QUEUE, FACET_ERROR = range(3)
    BYTE_COLUMNS = (STATE, QUEUE)  # their sort keys read off the model's byte columns, all at once
    # The columns whose order is made while the window is idle after rows arrive (see _prepare), for as many
    # rows as a sort by them takes longer than a click should (a million keys sorted: 0.1-0.5 s).
    PREPARED: ClassVar[tuple[int, ...]] = (LABEL, LAST_SYNCED, STATE)
    PREPARE_FROM: ClassVar[int] = 50_000  # rows: fewer sort in tens of ms when asked
    PREPARE_RUN: ClassVar[int] = 32_768  # rows a step of _prepare takes (10-40 ms at a million)
    PREPARE_SLICE: ClassVar[float] = 0.03  # seconds of preparing between two turns of the event loop
    PREPARE_AFTER_MS: ClassVar[int] = 100  # the first step after the view painted the new rows
    PATCH_MAX: ClassVar[int] = 5  # of each hundred rows, at most this many changed are mended in place
    # Rows whose key moved that an order takes out and puts back one at a time (each a memmove of the order:
    # about 0.5 ms at a million); more, and the order is made again (a sort: 0.1-0.5 s).
    REORDER_MAX: ClassVar[int] = 256
    # The collector's young generations swept this long after the last bulk work, the window idle (see _bulk)
    SWEEP_AFTER_MS: ClassVar[int] = 150

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._state_codes = b""
        self._queue_bytes: bytes | None = b""
        self._error_bytes: bytes | None = b""
        self._sort_keys: dict[int, list[Any]] = {}  # column -> key per row (this generation)
        self._ascending: dict[int, Sequence[int]] = {}  # column -> storage indexes in ascending key order
        self._gather: Callable[[bytearray], Any] | None = None  # bytes by storage index -> in sort order
        self._search_texts: list[str] | None = None  # computed on the first text search
        self._cells: dict[int, tuple[str, ...]] = {}  # the few rows the view shows
        self._sorted_as: tuple[int, Qt.SortOrder, int] | None = None  # (column, order, generation) shown
        self._preparing: Iterator[None] | None = None  # the orders of PREPARED being made (see _prepare)
        # What _prepare has made so far of a column's keys (by column) or of the search texts ("texts"): a
        # sort or search asked meanwhile makes the rest of it, not all of it again.
        self._partial: dict[int | str, list[Any]] = {}
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.timeout.connect(self._prepare_some)
        self._sweep_timer = QTimer(self)
        self._sweep_timer.setSingleShot(True)
        self._sweep_timer.timeout.connect(_sweep_young)

    @contextlib.contextmanager
    def _bulk(self) -> Iterator[None]:
        """Work over every row, the cyclic collector paused (see :func:`_collector_paused`), and its young
        generations swept once the window has been idle :attr:`SWEEP_AFTER_MS` after the last such work. What
        the work made and keeps (a million indexes, keys or texts in a list) sits in the youngest
        generation, and the collector's next pass walks every item of each such list (about 50 ms a million,
        and again a generation later): at whatever click comes next, were it not swept while idle."""
        with _collector_paused():
            yield
        if len(self._rows) >= self.PREPARE_FROM:
            self._sweep_timer.start(self.SWEEP_AFTER_MS)

    def identity(self, row: RecordStatus) -> Any:
        return row.key

    @property
    def _queue_codes(self) -> bytes:
        if self._queue_bytes is None:
            self._queue_bytes = bytes(map(_QUEUE_CODE.__getitem__, map(attrgetter("queue"), self._rows)))
        return self._queue_bytes

    @property
    def _errors(self) -> bytes:
        if self._error_bytes is None:
            self._error_bytes = bytes(map(bool, map(attrgetter("last_error"), self._rows)))
        return self._error_bytes

    def cells(self, row: RecordStatus) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[str, ...], str]:
        state, queue = row.state.value, row.queue.value
        facets = (state, queue, "error" if row.last_error else "")
        return self.display(row), tuple(self._key(c, row) for c in range(len(self.HEADERS))), facets, state

    @staticmethod
    def display(row: RecordStatus) -> tuple[str, ...]:
        portal = row.portal_id if row.portal_id is not None else row.stored_id
        return (
            row.key,
            row.label,
            str(portal) if portal is not None else "",
            state_label(row.state.value),
            state_label(row.queue.value),
            fmt_time(row.last_synced),
            RecordsModel._error(row),
        )

    @staticmethod
    def _key(column: int, row: RecordStatus) -> Any:
        if column == RecordsModel.KEY:
            return key_order(row.key)
        if column == RecordsModel.LABEL:
            return row.label.casefold()
        if column == RecordsModel.PORTAL_ID:
            portal = row.portal_id if row.portal_id is not None else row.stored_id
            return portal if portal is not None else -1
        if column == RecordsModel.STATE:
            return row.state.value
        if column == RecordsModel.QUEUE:
            return row.queue.value
        if column == RecordsModel.LAST_SYNCED:
            return time_key(row.last_synced)
        return RecordsModel._error(row)

    @staticmethod
    def _error(row: RecordStatus) -> str:
        return error_text(row.error, row.last_error) or said(row.note)

    def _column_keys(self, column: int) -> list[Any]:
        """The sort keys of a column, computed when first sorted by and kept for this generation."""
        keys = self._sort_keys.get(column)
        if keys is None:
            keys = self._partial.pop(column, None)
            if keys is None:
                keys = self._keys_of(column, self._rows)
            else:  # begun by the idle steps: the rest of it
                keys += self._keys_of(column, self._rows[len(keys) :])
            self._sort_keys[column] = keys
        return keys

    def _keys_of(self, column: int, rows: Sequence[RecordStatus]) -> list[Any]:
        """The sort keys of a column for these rows (all of them, or a run of them: see :meth:`_prepare`)."""
        if column == self.LABEL:
            return list(map(str.casefold, map(_LABEL, rows)))
        if column in self.BYTE_COLUMNS:  # every row's: the model's bytes, ranked by their values
            codes, members = (
                (self._state_codes, list(RecordState))
                if column == self.STATE
                else (self._queue_codes, list(QueueMark))
            )
            by_value = sorted(range(len(members)), key=lambda n: members[n].value)
            rank = bytearray(256)
            for position, code in enumerate(by_value):
                rank[code] = position
            return list(codes.translate(bytes(rank)))
        if column == self.LAST_SYNCED:
            return _time_keys(rows)
        return list(map(functools.partial(self._key, column), rows))

    def _key_order(self, column: int) -> list[int]:
        keys = self._column_keys(column)
        return sorted(range(len(keys)), key=keys.__getitem__)

    def _digit_key_order(self) -> Sequence[int] | None:
        """Keys that are all plain numbers in number order (as :meth:`_key` orders them): a shop's rows
        mostly arrive in key order already, which one pass over the numbers finds, and the order is then the
        rows' own (a ``range``, no million indexes). None when some key is not ASCII digits or has a leading
        zero (the general keys sort those: "007" and "7" are one number, ordered by their text)."""
        if self._sort_column != self.KEY:
            return None
        texts = list(map(_KEY, self._rows))
        digits = "".join(texts)
        if not (digits.isascii() and digits.isdigit() and all(texts)):
            return None
        del digits
        joined = "\n" + "\n".join(texts)
        if "\n0" in joined and _LEADING_ZERO.search(joined):  # a key "0" alone has no leading zero
            return None
        del joined
        # Without leading zeros, number order is (length, text) order: in rows in key order the lengths
        # never fall, and a text falls below the one before it only where the length grows ("9", "10").
        # A few C passes, no number made of each key: the view sorts by key as each snapshot arrives.
        lengths = list(map(len, texts))
        if lengths == sorted(lengths):
            falls = compress(range(len(texts) - 1), map(gt, texts, islice(texts, 1, None)))
            if all(lengths[i] < lengths[i + 1] for i in falls):
                return range(len(texts))
        numbers = list(map(int, texts))
        del texts
        return sorted(range(len(numbers)), key=numbers.__getitem__)

    # -- data in ------------------------------------------------------------------------------------
    def set_rows(self, rows: Iterable[Any]) -> None:
        """Replace every row (one model reset): no cell is computed here. Rows that are the rows shown but
        a few (the same objects in the same places, as a refresh gives them) change only those few."""
        with self._bulk():
            # A snapshot's tuple is taken as it is: a copy of a million rows would touch each row object
            rows = rows if type(rows) is tuple else list(rows)
            if not self._changed_in_place(rows):
                self._set_rows(rows)

    def _changed_in_place(self, rows: Sequence[Any]) -> bool:
        """Take ``rows`` as the rows shown with a few of them changed, when they are: as many, each the same
        object as the row in its place or one of the same key, and at most :attr:`PATCH_MAX` of each hundred
        not the same. A refresh of a million records gives the snapshot's statuses so (a record changed is
        judged again in its place), most of them the very objects shown: the state bytes, the sort keys and
        orders made, and the search texts are mended where rows changed, not made again (a new order by
        name, say, is the one kept with the changed rows taken out and put back where their keys go). False
        (nothing done) for any other rows; True, and no model reset, when none changed."""
        old, n = self._rows, len(rows)
        if n != len(old) or n < self.PREPARE_FROM:
            return False
        changed = list(compress(range(n), map(is_not, rows, old)))
        if len(changed) * 100 > n * self.PATCH_MAX:
            return False
        if any(rows[i].key != old[i].key for i in changed):
            return False
        if not changed:
            self._rows = rows
            return True
        self.beginResetModel()
        self._rows = rows
        self._partial = {}  # begun over the old rows (the idle steps begin again below)
        self._state_codes = _patched_bytes(self._state_codes, changed, rows, lambda r: _STATE_CODE[r.state])
        if self._queue_bytes is not None:
            self._queue_bytes = _patched_bytes(
                self._queue_bytes, changed, rows, lambda r: _QUEUE_CODE[r.queue]
            )
        if self._error_bytes is not None:
            self._error_bytes = _patched_bytes(self._error_bytes, changed, rows, lambda r: bool(r.last_error))
        for column, keys in list(self._sort_keys.items()):
            if column in self.BYTE_COLUMNS:  # made again from the byte column, in C passes
                every = self._keys_of(column, rows)
                new = {i: every[i] for i in changed}
            else:
                new = {i: self._keys_of(column, [rows[i]])[0] for i in changed}
            moved = [i for i in changed if new[i] != keys[i]]
            order = self._ascending.get(column)
            if order is not None and 0 < len(moved) <= self.REORDER_MAX:
                _reorder(order, keys, new, moved)
            else:
                for i in moved:
                    keys[i] = new[i]
                if moved:  # more than a sort costs: made again, by a sort now or the idle steps
                    self._ascending.pop(column, None)
        for column in [c for c in self._ascending if c not in self._sort_keys and c != self.KEY]:
            del self._ascending[column]  # (the key order stays: the keys are the same)
        if self._search_texts is not None:
            for i in changed:
                self._search_texts[i] = self._search_text(rows[i])
        self._cells = {}
        self._gather = None
        self._end_reset()
        if self._preparing is not None or any(c not in self._ascending for c in self.PREPARED):
            self._start_preparing()  # begun over old keys, or an order dropped: again (what is made stays)
        return True

    def _set_rows(self, rows: Sequence[Any]) -> None:
        states = bytes(map(_STATE_CODE.__getitem__, map(attrgetter("state"), rows)))
        self.beginResetModel()
        self._rows = rows
        self._state_codes = states
        self._queue_bytes = self._error_bytes = None  # read when first filtered on
        self._sort_keys, self._ascending, self._cells = {}, {}, {}
        self._search_texts = None
        self._sorted = range(len(rows))
        self._end_reset()
        self._start_preparing()

    def _start_preparing(self) -> None:
        """Make what :meth:`_prepare` makes for the rows shown, from the start, when they are many."""
        rows = self._rows
        self._partial = {}
        self._preparing = self._prepare(rows) if len(rows) >= self.PREPARE_FROM else None
        if self._preparing is not None:
            self._prepare_timer.start(self.PREPARE_AFTER_MS)
        else:
            self._prepare_timer.stop()

    def _prepare(self, rows: Sequence[RecordStatus]) -> Iterator[None]:
        """The ascending orders of :attr:`PREPARED` for these rows, then the texts a search looks in, made a
        step at a time while the window is idle (:meth:`_prepare_some`): each column's keys a run of rows at
        a time, each run sorted, the runs merged (stable, as one ``sorted`` of every key is); the order is
        then kept as a sort by that column makes it, which then only shows it. A million rows' names or
        last-synced times take 0.5-1 s to sort from the rows (issue 17: 300 ms a sort), and their search
        texts 1.5-2 s to make at the first search; in steps of a few tens of ms here. A sort or a search asked
        before its part is ready makes it at once; new rows, or a new language, drop what was begun."""
        run, n = self.PREPARE_RUN, len(rows)
        for column in self.PREPARED:
            if column in self._ascending:
                continue
            keys = self._sort_keys.get(column)
            if keys is None and column in self.BYTE_COLUMNS:  # read off a byte column: at once
                keys = self._sort_keys[column] = self._keys_of(column, rows)
                yield
            elif keys is None:
                keys = self._partial[column] = []
                for start in range(0, n, run):
                    if column in self._sort_keys:  # a sort made the rest meanwhile (see _column_keys)
                        break
                    keys += self._keys_of(column, rows[start : start + run])
                    yield
                else:
                    self._sort_keys[column] = keys
                self._partial.pop(column, None)
            if column in self._ascending:  # a sort asked for it meanwhile made it
                continue
            runs = []
            for start in range(0, n, run):
                runs.append(sorted(range(start, min(start + run, n)), key=keys.__getitem__))
                yield
            merged = heapq.merge(*runs, key=keys.__getitem__)
            order: list[int] = []
            while len(order) < n:
                order += islice(merged, run)
                yield
                if column in self._ascending:
                    break
            else:
                self._ascending[column] = order
        if self._search_texts is None:
            texts: list[str] = []
            self._partial["texts"] = texts
            run //= 2  # a text a row, of four fields: as long a step as a run of sort keys
            for start in range(0, n, run):
                if self._partial.get("texts") is not texts:  # a search took them and made the rest
                    break
                texts += self._search_texts_of(rows[start : start + run])
                yield
            else:
                self._search_texts = texts
            self._partial.pop("texts", None)

    def _prepare_some(self) -> None:
        """One step of :meth:`_prepare` (the work of about :attr:`PREPARE_SLICE` seconds), the next one after
        the event loop has run: the window paints and answers between them."""
        steps = self._preparing
        if steps is None:
            return
        until = time.perf_counter() + self.PREPARE_SLICE
        with self._bulk():
            for _step in steps:
                if time.perf_counter() >= until:
                    self._prepare_timer.start(0)
                    return
        if self._preparing is steps:
            self._preparing = None

    @property
    def preparing(self) -> bool:
        """Whether the orders of :attr:`PREPARED` or the search texts are still being made for the rows
        shown."""
        return self._preparing is not None

    def retranslate(self) -> None:
        """The words shown come from the current language when a cell is drawn: repaint them. A search
        looks in the words shown, so its texts (an error is said in the language) are made again when next
        searched (or while the window is idle, for many rows), and a search in force is made again now (one
        model reset, which repaints too)."""
        self._cells = {}
        self._search_texts = None
        self._partial.pop("texts", None)  # in the last language
        if self._preparing is not None or len(self._rows) >= self.PREPARE_FROM:
            self._start_preparing()  # the search texts, in the new language (the orders made stay)
        if self._needle:
            self.set_filter(self._needle, self._facet_filters)
        elif self._order:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._order) - 1, len(self.HEADERS) - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)

    def match_mask(self, needle: str, facets: dict[int, frozenset[str]]) -> bytearray | None:
        """Which storage rows pass a search text and facet filters (None: all of them): byte masks made by
        ``bytes.translate`` over the state and queue bytes, and-ed as big integers."""
        needle = needle.casefold()
        mask: bytes | None = None
        for facet, allowed in facets.items():
            if facet == self.FACET_STATE:
                table = _byte_table(_STATE_CODE[v] for v in allowed if v in _STATE_CODE)
                mask = _and(mask, self._state_codes.translate(table))
            elif facet == self.FACET_QUEUE:
                table = _byte_table(_QUEUE_CODE[v] for v in allowed if v in _QUEUE_CODE)
                mask = _and(mask, self._queue_codes.translate(table))
            elif facet == self.FACET_ERROR:
                table = _byte_table(code for code, value in ((0, ""), (1, "error")) if value in allowed)
                mask = _and(mask, self._errors.translate(table))
        if needle:
            if self._search_texts is None:
                texts = self._partial.pop("texts", None)
                if texts is None:
                    texts = self._search_texts_of(self._rows)
                else:  # begun by the idle steps: the rest of them
                    texts += self._search_texts_of(self._rows[len(texts) :])
                self._search_texts = texts
            found = bytes(map(contains, self._search_texts, repeat(needle)))
            mask = _and(mask, _or(self._worded(needle), found))
        return None if mask is None else bytearray(mask)

    def _worded(self, needle: str) -> bytes | None:
        """The rows whose state or queue mark, as the window words it now, contains ``needle`` (None: no
        word does). The handful of words is looked at once per search, the rows through their state and
        queue bytes: no text is made per row for them."""
        states = [n for n, state in enumerate(_STATES) if needle in state_label(state).casefold()]
        marks = [n for n, mark in enumerate(_MARKS) if mark and needle in state_label(mark).casefold()]
        mask = self._state_codes.translate(_byte_table(states)) if states else None
        if marks:
            mask = _or(mask, self._queue_codes.translate(_byte_table(marks)))
        return mask

    @staticmethod
    def _search_texts_of(rows: Sequence[RecordStatus]) -> list[str]:
        """:meth:`_search_text` of each row, made a column at a time (a million rows: one C pass over each of
        the key, the name and the portal id; the error or note made only for rows that have one)."""
        portals = list(map(_PORTAL_ID, rows))
        shown: Iterable[str]
        if None in portals:
            either = (q if q is not None else s for q, s in zip(portals, map(_STORED_ID, rows), strict=True))
            shown = ("" if p is None else str(p) for p in either)
        else:
            shown = map(str, portals)
        # shown and errors are made as each text is: a million short texts not held at once (70 MB)
        errors = (
            "" if held == _NO_ERROR else RecordsModel._error(row)
            for row, held in zip(rows, map(_ERROR_FIELDS, rows), strict=True)
        )
        texts = zip(map(_KEY, rows), map(_LABEL, rows), shown, errors, strict=True)
        return list(map(str.casefold, map(_JOINED, texts)))

    @staticmethod
    def _search_text(row: RecordStatus) -> str:
        """What a text search looks in besides the state and queue words (:meth:`_worded`): the key, the
        name, the portal id and the error or note."""
        portal = row.portal_id if row.portal_id is not None else row.stored_id
        shown = "" if portal is None else str(portal)
        return "\x1f".join((row.key, row.label, shown, RecordsModel._error(row))).casefold()

    def _visible(self) -> Sequence[int]:
        mask = self._mask
        if mask is None:
            return self._sorted
        if isinstance(self._sorted, range):  # every row in storage order, or that reversed
            shown = list(compress(range(len(mask)), mask))
            return shown if self._sorted.step > 0 else shown[::-1]
        if len(self._sorted) < 2:
            return [i for i in self._sorted if mask[i]]
        if self._gather is None:
            self._gather = itemgetter(*self._sorted)
        return list(compress(self._sorted, self._gather(mask)))

    def facet_values(self, facet: int) -> list[str]:
        if facet == self.FACET_STATE:
            return sorted(_STATES[c].value for c in set(self._state_codes))
        if facet == self.FACET_QUEUE:
            marks = list(QueueMark)
            return sorted(marks[c].value for c in set(self._queue_codes))
        return sorted({"error" if e else "" for e in set(self._errors)})

    # -- Qt model interface -------------------------------------------------------------------------
    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        i = self._order[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.ToolTipRole:
            shown = self._cells.get(i)
            if shown is None:
                if len(self._cells) > 4096:
                    self._cells.clear()
                shown = self._cells[i] = self.display(self._rows[i])
            text = shown[col]
            return text if role == Qt.ItemDataRole.DisplayRole or len(text) > 40 else None
        if role == SORT_ROLE:
            return self._key(col, self._rows[i])
        if role == OBJECT_ROLE:
            return self._rows[i]
        state = _STATES[self._state_codes[i]].value
        if role == STATE_ROLE:
            return state
        if col == self.STATE_COLUMN:
            if role == Qt.ItemDataRole.DecorationRole:
                return state_icon(state)
            if role == Qt.ItemDataRole.ForegroundRole:
                return state_brush(state)
        return None

    def set_filter(self, needle: str, facets: dict[int, frozenset[str]]) -> None:
        with self._bulk():
            super().set_filter(needle, facets)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        if not self._rows or not 0 <= column < len(self.HEADERS):
            return
        if self._sorted_as == (column, order, self.generation):
            # Already so: QTableView.sortByColumn sorts twice (once through the header's sort indicator,
            # once itself), and a layout change of a million rows costs the view and the proxy a pass each.
            return
        with self._bulk():
            self._sort()

    def _sort(self) -> None:
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept = [(self._order[p.row()], p.column()) for p in persistent]
        self._apply_sort()
        self._order = self._visible()
        # Where the kept rows went: the selection and the current row are a few rows (a list.index each,
        # a C scan); a big selection is looked up through one position map.
        order = self._order
        wanted = {i for i, _c in kept}
        if len(wanted) <= 16:
            found = {i: order.index(i) for i in wanted}
        else:
            found = {i: r for r, i in enumerate(order) if i in wanted}
        rows = [found[i] for i, _c in kept]
        self.changePersistentIndexList(
            persistent, [self.index(r, c) for r, (_i, c) in zip(rows, kept, strict=True)]
        )
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        col = self._sort_column
        ascending = self._ascending.get(col)
        if ascending is None:
            ascending = self._ascending[col] = self._digit_key_order() or self._key_order(col)
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        self._sorted = ascending[::-1] if descending else ascending
        self._sorted_as = (col, self._sort_order, self.generation)
        self._gather = None  # made when a filter needs it: gathers a mask into the order shown, in C


class OrdersModel(RecordsModel):
    HEADERS: ClassVar[tuple[str, ...]] = (
        QT_TRANSLATE_NOOP("Column", "Order"),
        QT_TRANSLATE_NOOP("Column", "Title"),
        QT_TRANSLATE_NOOP("Column", "Deal id"),
        QT_TRANSLATE_NOOP("Column", "State"),
        QT_TRANSLATE_NOOP("Column", "Queue"),
        QT_TRANSLATE_NOOP("Column", "Last synced"),
        QT_TRANSLATE_NOOP("Column", "Last error / note"),
    )


class UsersModel(RecordsModel):
    HEADERS: ClassVar[tuple[str, ...]] = (
        QT_TRANSLATE_NOOP("Column", "User"),
        QT_TRANSLATE_NOOP("Column", "Name"),
        QT_TRANSLATE_NOOP("Column", "Contact id"),
        QT_TRANSLATE_NOOP("Column", "State"),
        QT_TRANSLATE_NOOP("Column", "Queue"),
        QT_TRANSLATE_NOOP("Column", "Last synced"),
        QT_TRANSLATE_NOOP("Column", "Last error / note"),
    )


class CompaniesModel(RecordsModel):
    HEADERS: ClassVar[tuple[str, ...]] = (
        QT_TRANSLATE_NOOP("Column", "Company"),
        QT_TRANSLATE_NOOP("Column", "Name"),
        QT_TRANSLATE_NOOP("Column", "Company id"),
        QT_TRANSLATE_NOOP("Column", "State"),
        QT_TRANSLATE_NOOP("Column", "Queue"),
        QT_TRANSLATE_NOOP("Column", "Last synced"),
        QT_TRANSLATE_NOOP("Column", "Last error / note"),
    )


class QueueModel(RowTableModel):
    """Jobs in the queue."""

    ID, KIND, ENTITY, STATE, ATTEMPTS, NEXT_RUN, QUEUED_BY, RUN_BY, LAST_ERROR = range(9)
    HEADERS: ClassVar[tuple[str, ...]] = (
        QT_TRANSLATE_NOOP("Column", "Id"),
        QT_TRANSLATE_NOOP("Column", "Kind"),
        QT_TRANSLATE_NOOP("Column", "Record"),
        QT_TRANSLATE_NOOP("Column", "State"),
        QT_TRANSLATE_NOOP("Column", "Attempts"),
        QT_TRANSLATE_NOOP("Column", "Next run"),
        QT_TRANSLATE_NOOP("Column", "Queued by"),
        QT_TRANSLATE_NOOP("Column", "Run by"),
        QT_TRANSLATE_NOOP("Column", "Last error"),
    )
    TEAM_COLUMNS = (QUEUED_BY, RUN_BY)  # shown on a team queue, where more than this desk works the jobs
    STATE_COLUMN = STATE
    TIME_COLUMNS = (NEXT_RUN,)
    FACETS = ("state", "kind", "error", "runner")
    FACET_STATE, FACET_KIND, FACET_ERROR, FACET_RUNNER = range(4)

    def identity(self, row: QueueRow) -> Any:
        return row.id

    def cells(self, row: QueueRow) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[str, ...], str]:
        display = (
            str(row.id),
            kind_label(row.kind),
            row.entity_key,
            state_label(row.state),
            str(row.attempts),
            fmt_time(row.next_run_at),
            who_label(row.created_by),
            who_label(row.ran_by, row.ran_by_desk) if row.ran_by else "",
            error_text(row.error, row.last_error),
        )
        keys = (
            row.id,
            row.kind,
            row.entity_key,
            row.state,
            row.attempts,
            time_key(row.next_run_at),
            display[6],
            display[7],
            row.last_error,
        )
        return display, keys, (row.state, row.kind, row.error_signature, display[7]), row.state


class ActivityModel(RowTableModel):
    """What the app and the staff did."""

    AT, ACTOR, ACTION = range(3)
    HEADERS: ClassVar[tuple[str, ...]] = (
        QT_TRANSLATE_NOOP("Column", "When"),
        QT_TRANSLATE_NOOP("Column", "Who"),
        QT_TRANSLATE_NOOP("Column", "What"),
    )
    FACETS = ("actor",)
    TIME_COLUMNS = (AT,)

    def cells(self, row: ActivityEntry) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[str, ...], str]:
        what = (
            team_event_text(row.event, row.actor, row.kind, row.entity_key, row.job_id, row.desk)
            if row.event
            else said(row.action)
        )
        who = who_label(row.actor, row.desk)
        return (fmt_time(row.at), who, what), (time_key(row.at), who, what), (row.actor,), ""


class RunnersModel(RowTableModel):
    """The runners of a team queue: desks and workers, with their heartbeat, version and last error."""

    RUNNER, PROCESS, DESCRIPTION, VERSION, STATE, HEARTBEAT, STARTED, LAST_ERROR = range(8)
    HEADERS: ClassVar[tuple[str, ...]] = (
        QT_TRANSLATE_NOOP("Column", "Runner"),
        QT_TRANSLATE_NOOP("Column", "Process"),
        QT_TRANSLATE_NOOP("Column", "Runs as"),
        QT_TRANSLATE_NOOP("Column", "Version"),
        QT_TRANSLATE_NOOP("Column", "State"),
        QT_TRANSLATE_NOOP("Column", "Last heartbeat"),
        QT_TRANSLATE_NOOP("Column", "Started"),
        QT_TRANSLATE_NOOP("Column", "Last error"),
    )
    STATE_COLUMN = STATE
    TIME_COLUMNS = (HEARTBEAT, STARTED)
    FACETS = ("state",)

    def identity(self, row: RunnerStatus) -> Any:
        return row.runner.owner

    def cells(self, row: RunnerStatus) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[str, ...], str]:
        r = row.runner
        name = (
            QCoreApplication.translate("RunnersModel", "{host} (this window)").format(host=r.host)
            if row.this_desk
            else r.host
        )
        # An open window's own words for itself are said in the reader's language; a worker's command line
        # ("bitrix-monitor --sync --watch 60") is shown as it is.
        runs_as = (
            QCoreApplication.translate("RunnersModel", "the Bitrix Monitor window")
            if r.description == DESK_DESCRIPTION
            else r.description
        )
        display = (
            name,
            str(r.pid),
            runs_as,
            r.version,
            state_label(row.state),
            fmt_time(r.heartbeat_at),
            fmt_time(r.started_at),
            r.last_error or "",
        )
        keys = (
            name.casefold(),
            r.pid,
            r.description,
            r.version,
            row.state,
            time_key(r.heartbeat_at),
            time_key(r.started_at),
            r.last_error or "",
        )
        return display, keys, (row.state,), row.state


def archived_title(rec: ArchivedRecord) -> str:
    """What a person knows an archived record by: its title, or a contact's name."""
    r = rec.record
    title = r.get("TITLE")
    if title:
        return str(title)
    return " ".join(str(r[n]) for n in ("NAME", "SECOND_NAME", "LAST_NAME") if r.get(n)).strip()


class ArchiveModel(RowTableModel):
    """Records a cleanup archived before merging them away: what, when, into what, restored as what."""

    ARCHIVED_AT, RECORD, TITLE, SHOP_RECORD, MERGED_INTO, RESTORED_AS = range(6)
    HEADERS: ClassVar[tuple[str, ...]] = (
        QT_TRANSLATE_NOOP("Column", "Archived"),
        QT_TRANSLATE_NOOP("Column", "Record"),
        QT_TRANSLATE_NOOP("Column", "Title / name"),
        QT_TRANSLATE_NOOP("Column", "Shop record"),
        QT_TRANSLATE_NOOP("Column", "Merged into"),
        QT_TRANSLATE_NOOP("Column", "Restored as"),
    )
    FACETS = ("kind", "restored")
    TIME_COLUMNS = (ARCHIVED_AT,)
    FACET_KIND, FACET_RESTORED = range(2)

    def identity(self, row: ArchivedRecord) -> Any:
        return row.path

    def cells(self, row: ArchivedRecord) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[str, ...], str]:
        kind = record_kind_label(row.entity)
        shop = shop_of(row.entity) if row.entity in ("deal", "contact", "company") else row.entity
        display = (
            fmt_time(row.archived_at),
            f"{kind} {row.portal_id}",
            archived_title(row),
            f"{record_kind_label(shop)} {row.shop_key}",
            f"{kind} {row.merged_into}" if row.merged_into is not None else "",
            f"{kind} {row.restored_as}" if row.restored_as is not None else "",
        )
        keys = (
            time_key(row.archived_at),
            (row.entity, row.portal_id),
            display[2].casefold(),
            key_order(row.shop_key),
            row.merged_into or 0,
            row.restored_as or 0,
        )
        return display, keys, (row.entity, "restored" if row.restored_as else ""), ""


class TableFilterProxy(QSortFilterProxyModel):
    """Text search plus facet filters (state, queue mark, kind, error…) over a :class:`RowTableModel`.

    The proxy keeps the filter and the sort API the views use, and hands both to its source model, which
    answers from precomputed strings and keys in one pass (a ``sorted()``, a list comprehension). Qt
    then never calls back into Python per row, which is what keeps 100,000 rows under 200 ms: the
    default ``filterAcceptsRow`` (empty pattern) and no proxy-side sort stay in C++.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._needle = ""
        self._facet_filters: dict[int, frozenset[str]] = {}
        self._source: RowTableModel | None = None

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        assert isinstance(model, RowTableModel)
        self._source = model
        super().setSourceModel(model)
        self._apply()

    def source(self) -> RowTableModel:
        assert self._source is not None
        return self._source

    @property
    def search_text(self) -> str:
        return self._needle

    def facet_filter(self, facet: int) -> frozenset[str] | None:
        return self._facet_filters.get(facet)

    def set_search(self, text: str) -> None:
        self._needle = text.strip()
        self._apply()

    def set_facet(self, facet: int, values: Iterable[str] | None) -> None:
        """Only rows whose facet value is in ``values`` (None: no filter on this facet)."""
        if values is None:
            self._facet_filters.pop(facet, None)
        else:
            self._facet_filters[facet] = frozenset(values)
        self._apply()

    def set_filters(self, text: str, facets: dict[int, Iterable[str] | None]) -> None:
        """Change the search and several facets in one pass."""
        self._needle = text.strip()
        for facet, values in facets.items():
            if values is None:
                self._facet_filters.pop(facet, None)
            else:
                self._facet_filters[facet] = frozenset(values)
        self._apply()

    def clear_filters(self) -> None:
        self._needle = ""
        self._facet_filters.clear()
        self._apply()

    def _apply(self) -> None:
        if self._source is not None:
            self._source.set_filter(self._needle, self._facet_filters)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.source().sort(column, order)

    def objects(self, rows: Sequence[int] | None = None) -> list[Any]:
        """The row dataclasses of these proxy rows (all visible rows when None)."""
        if rows is None:
            rows = range(self.rowCount())
        out = []
        for r in rows:
            obj = self.index(r, 0).data(OBJECT_ROLE)
            if obj is not None:
                out.append(obj)
        return out
