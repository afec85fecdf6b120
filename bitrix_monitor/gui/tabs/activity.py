"""What staff and the sync did, newest first: searchable, and filtered by who did it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from bitrix_monitor.gui.models import ActivityModel, TableFilterProxy
from bitrix_monitor.gui.widgets import is_language_change
from bitrix_monitor.gui.words import who_label
from bitrix_monitor.sync.api import ActivityEntry

from .common import make_search, make_table


class ActivityTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ActivityModel(self)
        self.proxy = TableFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = make_search(self.proxy)
        bar.addWidget(self.search, 2)
        self.who_filter = QComboBox()
        self.who_filter.setObjectName("activityWho")
        self.who_filter.addItem("", "")
        self.who_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_facet(
                0, {self.who_filter.currentData()} if self.who_filter.currentData() else None
            )
        )
        bar.addWidget(self.who_filter, 1)
        self._desks: dict[str, str] = {}  # a runner (lease owner) -> its desk's name, from the rows
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        layout.addLayout(bar)
        self.view = make_table(self.proxy)
        self.view.sortByColumn(ActivityModel.AT, Qt.SortOrder.DescendingOrder)
        layout.addWidget(self.view)
        for sig in (self.proxy.modelReset, self.proxy.layoutChanged):
            sig.connect(self._update_count)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.search.setPlaceholderText(self.tr("Search what was done, by whom, which record…"))
        self.who_filter.setItemText(0, self.tr("Everyone"))
        for i in range(1, self.who_filter.count()):
            actor = self.who_filter.itemData(i)
            self.who_filter.setItemText(i, who_label(actor, self._desks.get(actor, "")))
        self._update_count()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def set_rows(self, rows: Sequence[ActivityEntry]) -> None:
        """The entries, and the "who" filter's choices: everyone who appears in them (a runner by its desk's
        name, as its lines name it)."""
        self.model.set_rows(rows)
        actors = [a for a in self.model.facet_values(0) if a]
        known = [self.who_filter.itemData(i) for i in range(1, self.who_filter.count())]
        desks = {r.actor: r.desk for r in rows if r.desk}
        if actors != known or desks != self._desks:
            self._desks = desks
            current = self.who_filter.currentData()
            self.who_filter.blockSignals(True)
            while self.who_filter.count() > 1:
                self.who_filter.removeItem(1)
            for actor in actors:
                self.who_filter.addItem(who_label(actor, desks.get(actor, "")), actor)
            self.who_filter.setCurrentIndex(max(self.who_filter.findData(current), 0))
            self.who_filter.blockSignals(False)

    def _update_count(self) -> None:
        self.count_label.setText(
            self.tr("{shown} of {total}").format(shown=self.proxy.rowCount(), total=self.model.total())
        )
