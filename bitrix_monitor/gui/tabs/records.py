"""One records tab (orders, users, and any kind the registry adds): search, state filter, table, actions
and the detail pane."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, Signal
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
from bitrix_monitor.gui.widgets import DetailPane, is_language_change
from bitrix_monitor.gui.words import QT_TRANSLATE_NOOP, state_label
from bitrix_monitor.sync.model import PORTAL_ENTITY, RecordState, RecordStatus

from .common import PROBLEMS, SelectionKeeper, make_search, make_table, selected_objects

ACTIONS: tuple[tuple[str, str], ...] = (
    ("create", QT_TRANSLATE_NOOP("RecordsTab", "Queue creation in Bitrix24")),
    ("update", QT_TRANSLATE_NOOP("RecordsTab", "Queue update from the shop")),
    ("cleanup", QT_TRANSLATE_NOOP("RecordsTab", "Queue merging of duplicates")),
    ("relink", QT_TRANSLATE_NOOP("RecordsTab", "Queue re-link")),
    ("unlink", QT_TRANSLATE_NOOP("RecordsTab", "Unlink deleted…")),
)
# The create button names what it creates.
CREATE_TEXTS: dict[str, str] = {
    "deal": QT_TRANSLATE_NOOP("RecordsTab", "Queue deal creation in Bitrix24"),
    "contact": QT_TRANSLATE_NOOP("RecordsTab", "Queue contact creation in Bitrix24"),
    "company": QT_TRANSLATE_NOOP("RecordsTab", "Queue company creation in Bitrix24"),
}
# The state filter: (value, text); record states come from the words table.
EXTRA_FILTERS: tuple[tuple[str, str], ...] = (
    ("queue:queued", QT_TRANSLATE_NOOP("RecordsTab", "with queued jobs")),
    ("queue:failed", QT_TRANSLATE_NOOP("RecordsTab", "with failed jobs")),
)


class RecordsTab(QWidget):
    """Orders, users or companies: search, state filter, table, actions and the detail pane."""

    action_requested = Signal(str, list, str)  # entity, keys, action
    current_changed = Signal(object)  # RecordStatus | None
    open_requested = Signal(object)  # RecordStatus
    resolve_requested = Signal(str, str, str)  # entity, key, "crm" | "shop": a conflict settled by a person

    def __init__(self, entity: str, model: RecordsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entity = entity
        self.portal_entity: str = PORTAL_ENTITY.get(entity, entity)  # type: ignore[call-overload]
        self.model = model
        self.proxy = TableFilterProxy(self)
        self.proxy.setSourceModel(model)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = make_search(self.proxy)
        bar.addWidget(self.search, 2)
        self.state_filter = QComboBox()
        for value in ("", PROBLEMS, *(s.value for s in RecordState), *(v for v, _t in EXTRA_FILTERS)):
            self.state_filter.addItem("", value)
        self.state_filter.currentIndexChanged.connect(self._state_filter_changed)
        bar.addWidget(self.state_filter, 1)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        layout.addLayout(bar)

        buttons = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        for action, _text in ACTIONS:
            button = QPushButton()
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
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.detail, 1)
        # A record changed on both sides: one click says which side's values stay.
        self.resolve_bar = QWidget()
        resolve_layout = QHBoxLayout(self.resolve_bar)
        resolve_layout.setContentsMargins(0, 0, 0, 0)
        self.take_shop = QPushButton()
        self.take_shop.setObjectName(f"{entity}-take-shop")
        self.take_crm = QPushButton()
        self.take_crm.setObjectName(f"{entity}-take-crm")
        for button, take in ((self.take_shop, "shop"), (self.take_crm, "crm")):
            button.clicked.connect(lambda _c=False, t=take: self._resolve(t))
            resolve_layout.addWidget(button)
        self.resolve_bar.setVisible(False)
        side_layout.addWidget(self.resolve_bar)
        split.addWidget(side)
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
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.take_shop.setText(self.tr("Take the shop's value"))
        self.take_shop.setToolTip(self.tr("Keep the shop's value; the next sync sends it to Bitrix24"))
        self.take_crm.setText(self.tr("Take the CRM's value"))
        self.take_crm.setToolTip(self.tr("Write the value from Bitrix24 into the shop"))
        self.search.setPlaceholderText(self.tr("Search key, name, id, state, error…"))
        extra = dict(EXTRA_FILTERS)
        for i in range(self.state_filter.count()):
            value = self.state_filter.itemData(i)
            if value == "":
                text = self.tr("All states")
            elif value in extra:
                text = self.tr(extra[value])
            else:
                text = state_label(value)
            self.state_filter.setItemText(i, text)
        for action, text in ACTIONS:
            if action == "create" and self.portal_entity in CREATE_TEXTS:
                text = CREATE_TEXTS[self.portal_entity]
            self.action_buttons[action].setText(self.tr(text))
        self.action_buttons["unlink"].setToolTip(
            self.tr(
                "For records whose Bitrix24 record was deleted there: the shop forgets that id, and the "
                "record shows as missing (asks first)"
            )
        )
        self._update_count()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

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
        self.count_label.setText(
            self.tr("{shown} of {total}").format(shown=self.proxy.rowCount(), total=self.model.total())
        )

    def selected(self) -> list[RecordStatus]:
        return selected_objects(self.view)

    def select_all_visible(self) -> None:
        self.view.selectAll()

    def request(self, action: str) -> None:
        keys = [r.key for r in self.selected()]
        self.action_requested.emit(self.entity, keys, action)

    def show_resolve(self, rec: RecordStatus | None) -> None:
        """The one-click buttons, for a record changed on both sides."""
        self.resolve_bar.setVisible(rec is not None and rec.state is RecordState.CONFLICT)

    def _resolve(self, take: str) -> None:
        rec = self.detail.record
        if rec is not None and rec.state is RecordState.CONFLICT:
            self.resolve_requested.emit(rec.entity, rec.key, take)

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
            act = menu.addAction(f"{self.tr(text)} ({n})")
            act.triggered.connect(lambda _c=False, a=action: self.request(a))
            act.setEnabled(n > 0)
        menu.addSeparator()
        copy = menu.addAction(self.tr("Copy id"))
        copy.triggered.connect(self.copy_ids)
        open_ = menu.addAction(self.tr("Open in Bitrix24"))
        open_.triggered.connect(self._open_current)
        current = self.view.currentIndex().data(OBJECT_ROLE)
        # A stored id Bitrix24 no longer has opens nothing: the pane offers re-create and unlink instead.
        open_.setEnabled(current is not None and current.state is not RecordState.STALE_LINK)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def copy_ids(self) -> None:
        lines = []
        for rec in self.selected():
            portal = rec.portal_id if rec.portal_id is not None else rec.stored_id
            lines.append(f"{rec.key}\t{portal if portal is not None else ''}")
        QGuiApplication.clipboard().setText("\n".join(lines))
