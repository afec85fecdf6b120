"""What every table tab shares: the table view, the search box, the selection kept across refreshes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView

from bitrix_monitor.gui.models import OBJECT_ROLE, TableFilterProxy, fmt_time

PROBLEMS = "problems"
QUEUE_STATES = ("queued", "running", "in_doubt", "failed", "dead", "done", "cancelled")


def make_table(proxy: TableFilterProxy) -> QTableView:
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.horizontalHeader().setResizeContentsPrecision(FIT_ROWS)
    view.setProperty("columnFitter", ColumnFitter(view, proxy))
    return view


FIT_ROWS = 200
MAX_FITTED_WIDTH = 360
# An instant as the window writes it, to size time columns whatever rows are shown first (empty times)
_SAMPLE_TIME = datetime(2026, 12, 30, 23, 58, 58, tzinfo=UTC)


class ColumnFitter(QObject):
    """Columns sized to their content: dates, Cyrillic headers and names are never cut.

    Every column but the last (which stretches) is widened to its header and its content -- measured on
    the first rows only, so a large table stays fast, capped at ``MAX_FITTED_WIDTH`` -- when rows arrive
    and when the language changes the headers, and a time column is at least as wide as a time written in
    the window's language even before a row has one. A column the person resized keeps the person's width.
    The last column fills the room left, and is as wide as its header when there is less room than that
    (the table scrolls sideways rather than cut it).
    """

    def __init__(self, view: QTableView, proxy: TableFilterProxy) -> None:
        super().__init__(view)
        self.view = view
        self.proxy = proxy
        self.by_hand: set[int] = set()  # columns the person resized
        self._fitting = False
        # The first fit with rows, and the first after a language switch, size each column to its content
        # (narrower than Qt's default too); later ones only widen, so columns do not jump as rows change.
        self._exact = True
        view.horizontalHeader().sectionResized.connect(self._resized)
        proxy.modelReset.connect(self.fit)
        proxy.rowsInserted.connect(self.fit)
        # After a language switch the model says its headers changed; its cells are new words too.
        proxy.headerDataChanged.connect(lambda *_a: QTimer.singleShot(0, self._refit))
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and shiboken6.isValid(self.view):
            self._place_last()
        return False

    def _place_last(self) -> None:
        view, header = self.view, self.view.horizontalHeader()
        last = self.proxy.columnCount() - 1
        if last < 0:
            return
        others = sum(header.sectionSize(c) for c in range(last) if not view.isColumnHidden(c))
        wanted = min(header.sectionSizeHint(last), MAX_FITTED_WIDTH)
        stretch = view.viewport().width() - others >= wanted
        self._fitting = True
        try:
            if header.stretchLastSection() != stretch:
                header.setStretchLastSection(stretch)
            if not stretch and header.sectionSize(last) < wanted:
                header.resizeSection(last, wanted)
        finally:
            self._fitting = False

    def _refit(self) -> None:
        self._exact = True
        self.fit()

    def _resized(self, column: int, _old: int, _new: int) -> None:
        if not self._fitting and column != self.proxy.columnCount() - 1:  # the last one stretches
            self.by_hand.add(column)

    def _time_width(self) -> int:
        return self.view.fontMetrics().horizontalAdvance(fmt_time(_SAMPLE_TIME)) + 16

    def fit(self, *_args: object) -> None:
        model, view = self.proxy, self.view
        if not shiboken6.isValid(view) or model.columnCount() == 0:
            return
        source = model.sourceModel()
        times = getattr(source, "TIME_COLUMNS", ())
        header = view.horizontalHeader()
        exact, self._exact = self._exact, self._exact and not model.rowCount()
        self._fitting = True
        try:
            for c in range(model.columnCount() - 1):
                if c in self.by_hand:
                    continue
                wanted = max(view.sizeHintForColumn(c) if model.rowCount() else 0, header.sectionSizeHint(c))
                if c in times:
                    wanted = max(wanted, self._time_width())
                wanted = min(wanted, MAX_FITTED_WIDTH)
                if wanted > header.sectionSize(c) or (exact and wanted != header.sectionSize(c)):
                    header.resizeSection(c, wanted)
        finally:
            self._fitting = False
        self._place_last()


def make_search(proxy: TableFilterProxy) -> QLineEdit:
    """A search box filtering ``proxy`` (its placeholder is set by the tab, in the current language)."""
    search = QLineEdit()
    search.setClearButtonEnabled(True)
    search.textChanged.connect(proxy.set_search)
    return search


class SelectionKeeper:
    """Keeps a table's selected rows (by identity) across filter changes and refreshes."""

    def __init__(self, view: QTableView, proxy: TableFilterProxy) -> None:
        self.view, self.proxy = view, proxy
        self.saved: set[Any] = set()
        self.current: Any = None
        proxy.modelAboutToBeReset.connect(self.save)
        proxy.modelReset.connect(self.restore)

    def save(self) -> None:
        model = self.proxy.source()
        self.saved = {model.identity(obj) for obj in selected_objects(self.view)}
        current = self.view.currentIndex()
        obj = current.data(OBJECT_ROLE) if current.isValid() else None
        self.current = model.identity(obj) if obj is not None else None

    def restore(self) -> None:
        if not self.saved:
            return
        source = self.proxy.source()
        rows = source.rows_of(self.saved)
        selection = QItemSelection()
        last = source.columnCount() - 1
        for r in rows:
            top = self.proxy.mapFromSource(source.index(r, 0))
            selection.select(top, self.proxy.mapFromSource(source.index(r, last)))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.view.selectionModel().select(selection, flags)
        current = source.rows_of({self.current}) if self.current is not None else []
        if current:
            self.view.selectionModel().setCurrentIndex(
                self.proxy.mapFromSource(source.index(current[0], 0)),
                QItemSelectionModel.SelectionFlag.NoUpdate,
            )
        self.saved = set()


def selected_objects(view: QTableView) -> list[Any]:
    rows = sorted({i.row() for i in view.selectionModel().selectedRows()})
    model = view.model()
    return [model.index(r, 0).data(OBJECT_ROLE) for r in rows]
