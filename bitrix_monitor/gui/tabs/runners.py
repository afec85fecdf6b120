"""The team queue's runners (desks and workers): heartbeat, version, last error; a silent one is flagged."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from bitrix_monitor.gui.models import RunnersModel, TableFilterProxy, fmt_count
from bitrix_monitor.gui.widgets import is_language_change
from bitrix_monitor.sync.api import RunnerStatus

from .common import make_table


class RunnersTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RunnersModel(self)
        self.proxy = TableFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.queue_location = ""
        self.statuses: list[RunnerStatus] = []
        layout = QVBoxLayout(self)
        self.queue_label = QLabel()
        self.queue_label.setObjectName("teamQueueLabel")
        self.queue_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.queue_label)
        self.silent_label = QLabel()
        self.silent_label.setObjectName("silentRunners")
        self.silent_label.setWordWrap(True)
        self.silent_label.setStyleSheet("color: #b00020;")
        self.silent_label.hide()
        layout.addWidget(self.silent_label)
        self.view = make_table(self.proxy)
        self.view.sortByColumn(RunnersModel.HEARTBEAT, Qt.SortOrder.DescendingOrder)
        layout.addWidget(self.view, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.queue_label.setText(
            self.tr("Team queue: {where}").format(where=self.queue_location) if self.queue_location else ""
        )
        self._show_silent()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
            self.model.retranslate()
        super().changeEvent(event)

    def set_runners(self, queue_location: str, statuses: Sequence[RunnerStatus]) -> None:
        self.queue_location = queue_location
        self.statuses = list(statuses)
        self.model.set_rows(self.statuses)
        self.retranslate_ui()

    def silent(self) -> list[RunnerStatus]:
        return [s for s in self.statuses if s.state == "silent"]

    def _show_silent(self) -> None:
        silent = self.silent()
        if not silent:
            self.silent_label.hide()
            return
        names = ", ".join(
            self.tr("{host} (process {pid})").format(host=s.runner.host, pid=s.runner.pid) for s in silent
        )
        self.silent_label.setText(
            self.tr(
                "%n runner(s) silent: {names}. No heartbeat for longer than a lease ({seconds} s): killed, "
                "hung or cut off from the queue's database. Their jobs are picked up again when their "
                "leases run out.",
                "",
                len(silent),
            ).format(names=names, seconds=fmt_count(round(silent[0].lease_seconds)))
        )
        self.silent_label.show()
