"""The archive: every record a duplicate cleanup archived before merging it away (what it was merged into
and when), and restoring one of them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from bitrix_monitor.gui.models import ArchiveModel, TableFilterProxy
from bitrix_monitor.gui.widgets import is_language_change
from bitrix_monitor.gui.words import record_kind_label
from bitrix_monitor.sync.archive import ArchivedRecord

from .common import SelectionKeeper, make_search, make_table, selected_objects


class ArchiveTab(QWidget):
    """Archived records, newest first, and the restore button (one record at a time)."""

    restore_requested = Signal(object)  # ArchivedRecord

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.blocked = ""  # why restoring cannot work now (Bitrix24 or the shop cannot be reached)
        self.model = ArchiveModel(self)
        self.proxy = TableFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        bar = QHBoxLayout()
        self.search = make_search(self.proxy)
        bar.addWidget(self.search, 2)
        self.restore_button = QPushButton()
        self.restore_button.setObjectName("restoreButton")
        self.restore_button.clicked.connect(self._restore_current)
        bar.addWidget(self.restore_button)
        layout.addLayout(bar)
        self.view = make_table(self.proxy)
        self.view.sortByColumn(ArchiveModel.ARCHIVED_AT, Qt.SortOrder.DescendingOrder)
        self.keeper = SelectionKeeper(self.view, self.proxy)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._name_button())
        self.view.doubleClicked.connect(lambda _i: self._restore_current())
        self.proxy.modelReset.connect(self._name_button)
        layout.addWidget(self.view, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.intro.setText(
            self.tr(
                "Before a duplicate cleanup merges records away in Bitrix24, it saves each one here in full. "
                "Restoring one creates it again in Bitrix24 (with a new id)."
            )
        )
        self.search.setPlaceholderText(self.tr("Search record, title, shop record…"))
        self._name_button()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def set_records(self, records: Sequence[ArchivedRecord]) -> None:
        self.model.set_rows(records)

    def current(self) -> ArchivedRecord | None:
        chosen = selected_objects(self.view)
        return chosen[0] if len(chosen) == 1 else None

    def _name_button(self) -> None:
        rec = self.current()
        if rec is None:
            self.restore_button.setText(self.tr("Restore…"))
            self.restore_button.setEnabled(False)
            self.restore_button.setToolTip(self.tr("Select one archived record to restore it"))
            return
        self.restore_button.setText(
            self.tr("Restore {record}…").format(record=f"{record_kind_label(rec.entity)} {rec.portal_id}")
        )
        self.restore_button.setEnabled(not self.blocked)
        self.restore_button.setToolTip(
            self.blocked or self.tr("Create this record again in Bitrix24, after a confirmation")
        )

    def set_blocked(self, reason: str) -> None:
        """Disable restoring with ``reason`` as its tooltip ("": enabled again)."""
        self.blocked = reason
        self._name_button()

    def _restore_current(self) -> None:
        rec = self.current()
        if rec is not None:
            self.restore_requested.emit(rec)
