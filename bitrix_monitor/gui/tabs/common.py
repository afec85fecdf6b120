"""What every table tab shares: the table view, the search box, the selection kept across refreshes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView

from bitrix_monitor.gui.models import OBJECT_ROLE, TableFilterProxy

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
    # Columns fit their content (dates, Cyrillic headers and names) when the first rows arrive, measured on
    # the first rows only so a large table stays fast; after that the person's widths are kept.
    view.horizontalHeader().setResizeContentsPrecision(FIT_ROWS)
    proxy.modelReset.connect(lambda: fit_columns(view))
    return view


FIT_ROWS = 200
MAX_FITTED_WIDTH = 360


def fit_columns(view: QTableView) -> None:
    """Size every column but the last to its content once (capped), the first time the table has rows."""
    model = view.model()
    if view.property("columnsFitted") or model is None or model.rowCount() == 0:
        return
    view.setProperty("columnsFitted", True)
    header = view.horizontalHeader()
    for c in range(model.columnCount() - 1):
        view.resizeColumnToContents(c)
        header.resizeSection(c, min(header.sectionSize(c), MAX_FITTED_WIDTH))


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
