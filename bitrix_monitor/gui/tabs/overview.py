"""The overview: "Everything is in sync" or "Needs attention" with the next action, counts per state (each
a link to the filtered table, its tooltip and a legend saying what the state means), queue counts, what the
last reconcile cost the portal, the activity chart."""

from __future__ import annotations

from dataclasses import asdict
from html import escape

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bitrix_monitor import localefmt
from bitrix_monitor.bitrix.ratelimit import PortalCost
from bitrix_monitor.gui.models import fmt_number, state_icon
from bitrix_monitor.gui.widgets import ActivityChart, is_language_change
from bitrix_monitor.gui.words import QT_TRANSLATE_NOOP, state_help, state_label, window_language
from bitrix_monitor.sync.api import QueueSummary
from bitrix_monitor.sync.model import EntityCounts, RecordState

from .common import PROBLEMS, QUEUE_STATES

# The group box over each kind's counts.
PAIR_TITLES: dict[str, str] = {
    "order": QT_TRANSLATE_NOOP("OverviewTab", "Orders ↔ deals"),
    "user": QT_TRANSLATE_NOOP("OverviewTab", "Users ↔ contacts"),
    "company": QT_TRANSLATE_NOOP("OverviewTab", "Companies ↔ companies"),
}

# The states the legend under the counts explains (the others say what they mean in their names).
LEGEND_STATES = ("unlinked", "stale_link", "orphans", "in_doubt", "dead")
# Jobs a person must decide on: the overview names them as the next action.
QUEUE_ATTENTION = ("in_doubt", "dead")
# The counts look like the links they are; greyed out while their numbers are stale.
LINK_STYLE = "QPushButton { color: palette(link); text-decoration: underline; text-align: left; }"
STALE_STYLE = "QPushButton { color: #777777; font-style: italic; text-align: left; }"
IN_SYNC_STYLE = "#overviewStatus { background: #e8f5e9; border: 1px solid #2e7d32; padding: 6px; }"
ATTENTION_STYLE = (
    "#overviewStatus { background: #fff3e0; border: 1px solid #e65100; padding: 6px; font-weight: bold; }"
)


class OverviewTab(QWidget):
    """Counts per state (each a button to the filtered table), queue counts and the activity chart."""

    show_records = Signal(str, str)  # entity, state filter
    show_queue = Signal(str)  # queue state

    def __init__(self, parent: QWidget | None = None, *, kinds: tuple[str, ...] = ("order", "user")) -> None:
        super().__init__(parent)
        # The page scrolls rather than making the window taller or wider than a laptop's screen.
        page = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(page)
        # Shown while Bitrix24 or the shop cannot be reached: what is out, since when, and that the counts
        # below are as old as the last snapshot.
        self.offline_banner = QLabel()
        self.offline_banner.setObjectName("offlineBanner")
        self.offline_banner.setWordWrap(True)
        self.offline_banner.setStyleSheet(
            "#offlineBanner { background: #fdecea; border: 1px solid #c62828; padding: 6px; }"
        )
        self.offline_banner.hide()
        layout.addWidget(self.offline_banner)
        # "Everything is in sync", or "needs attention" with a button per next action.
        self.status = QLabel()
        self.status.setObjectName("overviewStatus")
        self.status.hide()
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        # The next actions two to a row: five long Russian buttons in one row would widen the window.
        actions = QGridLayout()
        status_row.addLayout(actions)
        self.next_actions: dict[str, QPushButton] = {}
        for n, key in enumerate((*kinds, *QUEUE_ATTENTION)):
            action = QPushButton()
            action.setObjectName(f"overview-next-{key}")
            action.hide()
            if key in QUEUE_ATTENTION:
                action.clicked.connect(lambda _c=False, s=key: self.show_queue.emit(s))
            else:
                action.clicked.connect(lambda _c=False, e=key: self.show_records.emit(e, PROBLEMS))
            actions.addWidget(action, n // 2, n % 2)
            self.next_actions[key] = action
        layout.addLayout(status_row)
        self._has_data = False  # no snapshot yet: neither "in sync" nor "needs attention"
        self._offline = False  # counts stale while a side cannot be reached: no verdict on them either
        # The counts' boxes side by side, two to a row when there are four (with companies): four in one
        # row make the window wider than a 1280-pixel screen in Russian.
        top = QGridLayout()
        per_row = 2 if len(kinds) + 1 > 3 else len(kinds) + 1
        self.buttons: dict[tuple[str, str], QPushButton] = {}
        self.counts: dict[tuple[str, str], int] = {}
        self.boxes: dict[str, QGroupBox] = {}
        for entity in kinds:
            box = QGroupBox()
            grid = QGridLayout(box)
            states = [s.value for s in RecordState] + ["orphans", PROBLEMS]
            for i, state in enumerate(states):
                button = self._count_button(f"overview-{entity}-{state}", state)
                button.clicked.connect(lambda _c=False, e=entity, s=state: self.show_records.emit(e, s))
                grid.addWidget(button, i // 2, i % 2)
                self.buttons[(entity, state)] = button
            self.boxes[entity] = box
            at = len(self.boxes) - 1
            top.addWidget(box, at // per_row, at % per_row)
        self.queue_box = QGroupBox()
        qgrid = QGridLayout(self.queue_box)
        for i, state in enumerate(QUEUE_STATES):
            button = self._count_button(f"overview-queue-{state}", state)
            button.clicked.connect(lambda _c=False, s=state: self.show_queue.emit(s))
            qgrid.addWidget(button, i // 2, i % 2)
            self.buttons[("queue", state)] = button
        top.addWidget(self.queue_box, len(kinds) // per_row, len(kinds) % per_row)
        layout.addLayout(top)
        self.legend = QLabel()
        self.legend.setObjectName("overview-legend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.legend)
        self.snapshot_label = QLabel()
        self.snapshot_label.setWordWrap(True)
        layout.addWidget(self.snapshot_label)
        # What the last reconcile cost the portal: its requests, and the operating time per method (the
        # portal's per-method budget).
        self.cost = PortalCost()
        self.cost_box = QGroupBox()
        self.cost_box.setObjectName("overview-cost")
        cost_layout = QVBoxLayout(self.cost_box)
        self.cost_requests = QLabel()
        self.cost_requests.setObjectName("overview-cost-requests")
        self.cost_methods = QGridLayout()
        cost_layout.addWidget(self.cost_requests)
        cost_layout.addLayout(self.cost_methods)
        self.method_labels: dict[str, tuple[QLabel, QLabel]] = {}
        layout.addWidget(self.cost_box)
        self.cost_box.setVisible(False)  # until a reconcile has run
        self.chart_box = QGroupBox()
        chart_layout = QVBoxLayout(self.chart_box)
        self.chart = ActivityChart()
        chart_layout.addWidget(self.chart)
        self.chart.setMaximumHeight(240)
        layout.addWidget(self.chart_box)
        layout.addStretch(1)
        for entity in kinds:
            self.set_counts(entity, EntityCounts())
        self.set_queue(QueueSummary())
        self._has_data = False
        self.set_offline(None)
        self.snapshot_label.setText(self.tr("No data yet"))
        self.retranslate_ui()

    @staticmethod
    def _count_button(name: str, state: str) -> QPushButton:
        button = QPushButton()
        button.setFlat(True)
        button.setObjectName(name)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        icon = state_icon(state)
        if icon is not None:
            button.setIcon(icon)
        return button

    def retranslate_ui(self) -> None:
        for entity, box in self.boxes.items():
            box.setTitle(self.tr(PAIR_TITLES[entity]) if entity in PAIR_TITLES else entity)
        self.queue_box.setTitle(self.tr("Job queue"))
        self.cost_box.setTitle(self.tr("What the last reconcile cost the portal"))
        self._show_cost()
        self.chart_box.setTitle(self.tr("Last hour: jobs done / failed per minute, time throttled"))
        for key, button in self.buttons.items():
            self._show_count(key, button)
            button.setToolTip(state_help(key[1]))
        self.legend.setText(
            "<small>"
            + " · ".join(f"<b>{escape(state_label(s))}</b>: {escape(state_help(s))}" for s in LEGEND_STATES)
            + "</small>"
        )
        self._show_status()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def _show_count(self, key: tuple[str, str], button: QPushButton) -> None:
        count = localefmt.integer(self.counts.get(key, 0), window_language())  # 1 234 / 1,234
        button.setText(f"{state_label(key[1])}: {count}")

    def show_kind(self, entity: str, shown: bool) -> None:
        if entity in self.boxes:
            self.boxes[entity].setVisible(shown)

    def set_counts(self, entity: str, counts: EntityCounts) -> None:
        values = asdict(counts)
        for (e, state), button in self.buttons.items():
            if e != entity:
                continue
            self.counts[(e, state)] = counts.problems() if state == PROBLEMS else values[state]
            self._show_count((e, state), button)
        self._has_data = True
        self._show_status()

    def set_queue(self, summary: QueueSummary) -> None:
        values = asdict(summary)
        for state in QUEUE_STATES:
            self.counts[("queue", state)] = values[state]
            self._show_count(("queue", state), self.buttons[("queue", state)])
        self._show_status()

    def _show_status(self) -> None:
        """Say "Everything is in sync" when no record and no job needs a person, else "Needs attention"
        with a button to each list of them."""
        shown = self._has_data and not self._offline
        self.status.setVisible(shown)
        needing = {e: self.counts.get((e, PROBLEMS), 0) for e in self.boxes}
        needing.update({s: self.counts.get(("queue", s), 0) for s in QUEUE_ATTENTION})
        for key, action in self.next_actions.items():
            n = needing.get(key, 0)
            action.setVisible(shown and n > 0)
            if key == "in_doubt":
                action.setText(self.tr("Show the %n job(s) in doubt", "", n))
            elif key == "dead":
                action.setText(self.tr("Show the %n dead job(s)", "", n))
            else:
                title = self.tr(PAIR_TITLES[key]) if key in PAIR_TITLES else key
                text = self.tr("{kinds}: show the %n record(s) that need attention", "", n)
                action.setText(text.format(kinds=title))
        if any(needing.values()):
            self.status.setText(self.tr("Needs attention"))
            self.status.setStyleSheet(ATTENTION_STYLE)
        else:
            self.status.setText(self.tr("Everything is in sync"))
            self.status.setStyleSheet(IN_SYNC_STYLE)

    def set_offline(self, text: str | None) -> None:
        """Show ``text`` (what cannot be reached and how old the counts are) and grey the counts out as
        stale; None: everything answers, the counts are current."""
        self.offline_banner.setText(text or "")
        self.offline_banner.setVisible(bool(text))
        for box in (*self.boxes.values(), self.queue_box):
            box.setStyleSheet(STALE_STYLE if text else LINK_STYLE)
        self._offline = bool(text)
        self._show_status()

    def count(self, entity: str, state: str) -> int:
        return self.counts[(entity, state)]

    def set_cost(self, cost: PortalCost) -> None:
        """Show a reconcile's cost: the requests it made and each method's operating time."""
        self.cost = cost
        for name, pair in list(self.method_labels.items()):
            if name not in cost.operating_s:
                for label in pair:
                    self.cost_methods.removeWidget(label)
                    label.deleteLater()
                del self.method_labels[name]
        for row, name in enumerate(sorted(cost.operating_s)):
            if name not in self.method_labels:
                seconds = QLabel()
                seconds.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.method_labels[name] = (QLabel(name), seconds)
            pair = self.method_labels[name]
            self.cost_methods.addWidget(pair[0], row, 0)
            self.cost_methods.addWidget(pair[1], row, 1)
        self.cost_box.setVisible(True)
        self._show_cost()

    def _show_cost(self) -> None:
        self.cost_requests.setText(
            self.tr("%n portal request(s); operating time per method:", "", self.cost.requests)
            if self.cost.operating_s
            else self.tr("%n portal request(s)", "", self.cost.requests)
        )
        for name, (_method, seconds) in self.method_labels.items():
            seconds.setText(self.tr("{seconds} s").format(seconds=fmt_number(self.cost.operating_s[name], 3)))

    def method_cost(self, method: str) -> str:
        """The operating time shown for ``method`` ("" when it is not listed)."""
        pair = self.method_labels.get(method)
        return pair[1].text() if pair else ""
