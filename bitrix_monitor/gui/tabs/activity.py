"""What staff and the sync did, newest first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from bitrix_monitor.gui.models import ActivityModel, TableFilterProxy

from .common import make_table


class ActivityTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ActivityModel(self)
        self.proxy = TableFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        self.view = make_table(self.proxy)
        self.view.sortByColumn(ActivityModel.AT, Qt.SortOrder.DescendingOrder)
        layout.addWidget(self.view)
