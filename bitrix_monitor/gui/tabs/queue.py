"""The job queue: filters by state, kind and error, the job actions and the rate budget line."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bitrix_monitor.gui.models import QueueModel, TableFilterProxy
from bitrix_monitor.gui.widgets import is_language_change
from bitrix_monitor.gui.words import error_groups, kind_label, state_help, state_label
from bitrix_monitor.queue.model import PULL, kind_info
from bitrix_monitor.sync.api import QueueRow

from .common import QUEUE_STATES, SelectionKeeper, make_search, make_table, selected_objects

# The jobs each job button changes (the store leaves the others alone): retry, drop, and settle an in-doubt
# job as done or re-queue it.
ACTS_ON: dict[str, frozenset[str]] = {
    "retry": frozenset({"failed", "dead", "cancelled"}),
    "cancel": frozenset({"queued", "failed", "in_doubt", "dead"}),
    "done": frozenset({"in_doubt"}),
    "requeue": frozenset({"in_doubt"}),
}
ACTIONS = ("retry", "cancel", "done", "requeue")  # the job buttons' order


class QueueTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QueueModel(self)
        self.proxy = TableFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = make_search(self.proxy)
        bar.addWidget(self.search, 2)
        self.state_filter = QComboBox()
        self.kind_filter = QComboBox()
        self.error_filter = QComboBox()
        self.runner_filter = QComboBox()  # who ran the jobs: shown on a team queue
        self.runner_filter.setVisible(False)
        self.state_filter.addItem("", "")
        for s in QUEUE_STATES:
            self.state_filter.addItem("", s)
        self.kind_filter.addItem("", "")
        self.error_filter.addItem("", "")
        self.runner_filter.addItem("", "")
        for combo, facet in (
            (self.state_filter, QueueModel.FACET_STATE),
            (self.kind_filter, QueueModel.FACET_KIND),
            (self.error_filter, QueueModel.FACET_ERROR),
            (self.runner_filter, QueueModel.FACET_RUNNER),
        ):
            combo.currentIndexChanged.connect(
                lambda _i, c=combo, f=facet: self.proxy.set_facet(
                    f, {c.currentData()} if c.currentData() else None
                )
            )
            bar.addWidget(combo, 1)
        layout.addLayout(bar)
        buttons = QHBoxLayout()
        self.retry_button = QPushButton()
        self.cancel_button = QPushButton()
        self.settle_done_button = QPushButton()
        self.settle_retry_button = QPushButton()
        self.pause_button = QPushButton()
        self.pause_button.setCheckable(True)
        self.job_buttons = (
            self.retry_button,
            self.cancel_button,
            self.settle_done_button,
            self.settle_retry_button,
        )
        for b in self.job_buttons:
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.pause_button)
        layout.addLayout(buttons)
        # While the queue runs: jobs ended of the run's total, the rate, the time left and a Stop button.
        self.run_box = QWidget()
        run_row = QHBoxLayout(self.run_box)
        run_row.setContentsMargins(0, 0, 0, 0)
        self.run_bar = QProgressBar()
        self.run_bar.setMaximumWidth(240)
        self.run_label = QLabel()
        self.run_label.setObjectName("runLabel")
        self.stop_button = QPushButton()
        run_row.addWidget(self.run_bar)
        run_row.addWidget(self.run_label, 1)
        run_row.addWidget(self.stop_button)
        self.run_box.hide()
        layout.addWidget(self.run_box)
        self.view = make_table(self.proxy)
        self.view.sortByColumn(QueueModel.ID, Qt.SortOrder.DescendingOrder)
        self.keeper = SelectionKeeper(self.view, self.proxy)
        layout.addWidget(self.view, 1)
        # The job buttons name what they act on, and how many: the selection, or all the filter shows.
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._name_buttons())
        for sig in (self.proxy.modelReset, self.proxy.layoutChanged):
            sig.connect(self._name_buttons)
        self.budget_label = QLabel()
        self.budget_label.setObjectName("budgetLabel")
        self.budget_label.setWordWrap(True)  # a long line (Russian, many methods) must not widen the window
        layout.addWidget(self.budget_label)
        self.retranslate_ui()
        self.budget_label.setText(self.tr("Bitrix24 request budget: —"))

    def retranslate_ui(self) -> None:
        self.search.setPlaceholderText(self.tr("Search kind, record, error…"))
        self.state_filter.setItemText(0, self.tr("All states"))
        for i in range(1, self.state_filter.count()):
            value = self.state_filter.itemData(i)
            self.state_filter.setItemText(i, state_label(value))
            self.state_filter.setItemData(i, state_help(value), Qt.ItemDataRole.ToolTipRole)
        self.kind_filter.setItemText(0, self.tr("All kinds"))
        for i in range(1, self.kind_filter.count()):
            self.kind_filter.setItemText(i, kind_label(self.kind_filter.itemData(i)))
        self.error_filter.setItemText(0, self.tr("All errors"))
        self.runner_filter.setItemText(0, self.tr("All runners"))
        self.stop_button.setText(self.tr("Stop"))
        self.stop_button.setToolTip(
            self.tr("Stop the run after the jobs in hand and pause the runner; Resume runner goes on")
        )
        which = self.tr("Acts on the selected jobs, or on every job the filter shows when none is selected.")
        tips = (
            self.tr("Runs failed, dead and dropped jobs again; the others are left as they are."),
            self.tr(
                "Drops waiting, failed, in-doubt and dead jobs: they will not run (Retry brings them back); "
                "the others are left as they are."
            ),
            self.tr(
                "For in-doubt jobs whose change did reach Bitrix24: marks them done without sending it again."
            ),
            self.tr("For in-doubt jobs whose change did not reach Bitrix24: queues them to run again."),
        )
        for b, tip in zip(self.job_buttons, tips, strict=True):
            b.setToolTip(f"{tip}\n{which}")
        self._name_buttons()

    def _name_buttons(self) -> None:
        """Each button names how many jobs it will change: of the selection, or of all the filter shows."""
        selected = selected_objects(self.view)
        rows = selected or self.proxy.objects()
        counts = [sum(1 for r in rows if r.state in ACTS_ON[a]) for a in ACTIONS]
        if selected:
            texts = (
                self.tr("Retry %n selected", "", counts[0]),
                self.tr("Drop %n selected", "", counts[1]),
                self.tr("Mark %n selected as done", "", counts[2]),
                self.tr("Re-queue %n selected", "", counts[3]),
            )
        else:
            texts = (
                self.tr("Retry %n shown", "", counts[0]),
                self.tr("Drop %n shown", "", counts[1]),
                self.tr("Mark %n shown as done", "", counts[2]),
                self.tr("Re-queue %n shown", "", counts[3]),
            )
        for button, text, n in zip(self.job_buttons, texts, counts, strict=True):
            button.setText(text)
            button.setEnabled(n > 0)

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def set_rows(self, rows: Sequence[QueueRow]) -> None:
        self.model.set_rows(rows)
        groups = error_groups(rows)
        for combo, facet, label in (
            (self.kind_filter, QueueModel.FACET_KIND, kind_label),
            (self.error_filter, QueueModel.FACET_ERROR, lambda v: groups.get(v) or str(v)),
            (self.runner_filter, QueueModel.FACET_RUNNER, str),
        ):
            current = combo.currentData()
            values = [v for v in self.model.facet_values(facet) if v]
            items = [(label(v), v) for v in values]
            known = [(combo.itemText(i), combo.itemData(i)) for i in range(1, combo.count())]
            if items != known:  # other values, or the same in another language
                combo.blockSignals(True)
                while combo.count() > 1:
                    combo.removeItem(1)
                for text, v in items:
                    combo.addItem(text, v)
                combo.setCurrentIndex(max(combo.findData(current), 0))
                combo.blockSignals(False)

    def has_selection(self) -> bool:
        return self.view.selectionModel().hasSelection()

    def pulls_among(self, ids: Sequence[int]) -> bool:
        """Whether any of these jobs (as the table holds them) pulls a CRM change into the shop."""
        wanted = set(ids)
        return any(kind_info(r.kind).family == PULL for r in self.model.rows() if r.id in wanted)

    def target_ids(self, action: str | None = None) -> list[int]:
        """The selected jobs, or every job the filter shows when nothing is selected; with ``action``, those
        of them it changes."""
        rows = selected_objects(self.view) or self.proxy.objects()
        return [r.id for r in rows if action is None or r.state in ACTS_ON[action]]
