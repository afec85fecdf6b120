"""The overview: counts per state (each a button to the filtered table), queue counts, the activity chart."""

from __future__ import annotations

from dataclasses import asdict

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from bitrix_monitor.gui.models import state_icon, state_label
from bitrix_monitor.gui.widgets import ActivityChart
from bitrix_monitor.sync.api import QueueSummary
from bitrix_monitor.sync.model import EntityCounts, RecordState

from .common import PROBLEMS, QUEUE_STATES


class OverviewTab(QWidget):
    """Counts per state (each a button to the filtered table), queue counts and the activity chart."""

    show_records = Signal(str, str)  # entity, state filter
    show_queue = Signal(str)  # queue state

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.buttons: dict[tuple[str, str], QPushButton] = {}
        for entity, title in (("order", "Orders ↔ deals"), ("user", "Users ↔ contacts")):
            box = QGroupBox(title)
            grid = QGridLayout(box)
            states = [s.value for s in RecordState] + ["orphans", PROBLEMS]
            for i, state in enumerate(states):
                button = QPushButton()
                button.setFlat(True)
                button.setObjectName(f"overview-{entity}-{state}")
                button.setCursor(Qt.CursorShape.PointingHandCursor)
                icon = state_icon(state)
                if icon is not None:
                    button.setIcon(icon)
                button.clicked.connect(lambda _c=False, e=entity, s=state: self.show_records.emit(e, s))
                grid.addWidget(button, i // 2, i % 2)
                self.buttons[(entity, state)] = button
            top.addWidget(box)
        qbox = QGroupBox("Job queue")
        qgrid = QGridLayout(qbox)
        for i, state in enumerate(QUEUE_STATES):
            button = QPushButton()
            button.setFlat(True)
            button.setObjectName(f"overview-queue-{state}")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            icon = state_icon(state)
            if icon is not None:
                button.setIcon(icon)
            button.clicked.connect(lambda _c=False, s=state: self.show_queue.emit(s))
            qgrid.addWidget(button, i // 2, i % 2)
            self.buttons[("queue", state)] = button
        top.addWidget(qbox)
        layout.addLayout(top)
        self.snapshot_label = QLabel("No data yet")
        layout.addWidget(self.snapshot_label)
        chart_box = QGroupBox("Last hour: jobs done / failed per minute, time throttled")
        chart_layout = QVBoxLayout(chart_box)
        self.chart = ActivityChart()
        chart_layout.addWidget(self.chart)
        self.chart.setMaximumHeight(240)
        layout.addWidget(chart_box)
        layout.addStretch(1)
        self.set_counts("order", EntityCounts())
        self.set_counts("user", EntityCounts())
        self.set_queue(QueueSummary())

    def set_counts(self, entity: str, counts: EntityCounts) -> None:
        values = asdict(counts)
        for (e, state), button in self.buttons.items():
            if e != entity:
                continue
            n = counts.problems() if state == PROBLEMS else values[state]
            label = "needs attention" if state == PROBLEMS else state_label(state)
            button.setText(f"{label}: {n}")

    def set_queue(self, summary: QueueSummary) -> None:
        values = asdict(summary)
        for state in QUEUE_STATES:
            self.buttons[("queue", state)].setText(f"{state_label(state)}: {values[state]}")

    def count(self, entity: str, state: str) -> int:
        return int(self.buttons[(entity, state)].text().rsplit(":", 1)[1])
