"""One records tab (orders, users, and any kind the registry adds): search, state filter, table, actions
and the detail pane."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from bitrix_monitor.gui.models import OBJECT_ROLE, RecordsModel, TableFilterProxy
from bitrix_monitor.gui.widgets import DetailPane
from bitrix_monitor.sync.model import PORTAL_ENTITY, RecordState, RecordStatus

from .common import PROBLEMS, SelectionKeeper, make_search, make_table, selected_objects

ACTIONS = (
    ("create", "Queue creation in Bitrix24"),
    ("update", "Queue update from the shop"),
    ("cleanup", "Queue clean-up of duplicates"),
    ("relink", "Queue re-link"),
)


class RecordsTab(QWidget):
    """Orders or users: search, state filter, table, actions and the detail pane."""

    action_requested = Signal(str, list, str)  # entity, keys, action
    current_changed = Signal(object)  # RecordStatus | None
    open_requested = Signal(object)  # RecordStatus

    def __init__(self, entity: str, model: RecordsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entity = entity
        self.model = model
        self.proxy = TableFilterProxy(self)
        self.proxy.setSourceModel(model)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = make_search(self.proxy, "Search key, name, id, error…")
        bar.addWidget(self.search, 2)
        self.state_filter = QComboBox()
        self.state_filter.addItem("All states", "")
        self.state_filter.addItem("Needs attention", PROBLEMS)
        for state in RecordState:
            self.state_filter.addItem(state.label, state.value)
        self.state_filter.addItem("queued", "queue:queued")
        self.state_filter.addItem("failed jobs", "queue:failed")
        self.state_filter.currentIndexChanged.connect(self._state_filter_changed)
        bar.addWidget(self.state_filter, 1)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        layout.addLayout(bar)

        buttons = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        portal = PORTAL_ENTITY["order" if entity == "order" else "user"]
        for action, text in ACTIONS:
            button = QPushButton(text.replace("creation", f"{portal} creation"))
            button.setObjectName(f"{entity}-{action}")
            button.clicked.connect(lambda _c=False, a=action: self.request(a))
            buttons.addWidget(button)
            self.action_buttons[action] = button
        buttons.addStretch(1)
        layout.addLayout(buttons)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.view = make_table(self.proxy)
        self.keeper = SelectionKeeper(self.view, self.proxy)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.view.doubleClicked.connect(lambda _i: self._open_current())
        split.addWidget(self.view)
        self.detail = DetailPane()
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        for sig in (
            self.proxy.modelReset,
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.layoutChanged,
        ):
            sig.connect(self._update_count)
        self._update_count()

    def set_state_filter(self, value: str) -> None:
        i = self.state_filter.findData(value)
        self.state_filter.setCurrentIndex(max(i, 0))

    def _state_filter_changed(self) -> None:
        value = self.state_filter.currentData() or ""
        state: set[str] | None = None
        queue: set[str] | None = None
        if value == PROBLEMS:
            state = {s.value for s in RecordState if s is not RecordState.IN_SYNC}
        elif value.startswith("queue:"):
            queue = {value.removeprefix("queue:")}
        elif value:
            state = {value}
        self.proxy.set_filters(
            self.proxy.search_text, {RecordsModel.FACET_STATE: state, RecordsModel.FACET_QUEUE: queue}
        )

    def _update_count(self) -> None:
        self.count_label.setText(f"{self.proxy.rowCount()} of {self.model.total()}")

    def selected(self) -> list[RecordStatus]:
        return selected_objects(self.view)

    def select_all_visible(self) -> None:
        self.view.selectAll()

    def request(self, action: str) -> None:
        keys = [r.key for r in self.selected()]
        self.action_requested.emit(self.entity, keys, action)

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_changed.emit(current.data(OBJECT_ROLE) if current.isValid() else None)

    def _open_current(self) -> None:
        rec = self.view.currentIndex().data(OBJECT_ROLE)
        if rec is not None:
            self.open_requested.emit(rec)

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        n = len(self.selected())
        for action, text in ACTIONS:
            act = menu.addAction(f"{text} ({n})")
            act.triggered.connect(lambda _c=False, a=action: self.request(a))
            act.setEnabled(n > 0)
        menu.addSeparator()
        copy = menu.addAction("Copy id")
        copy.triggered.connect(self.copy_ids)
        open_ = menu.addAction("Open in Bitrix24")
        open_.triggered.connect(self._open_current)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def copy_ids(self) -> None:
        lines = []
        for rec in self.selected():
            portal = rec.portal_id if rec.portal_id is not None else rec.stored_id
            lines.append(f"{rec.key}\t{portal if portal is not None else ''}")
        QGuiApplication.clipboard().setText("\n".join(lines))
