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
            lambda _i: self.proxy.set_facet(0, self._groups.get(self.who_filter.currentData()) or None)
        )
        bar.addWidget(self.who_filter, 1)
        self._actors: list[str] = []  # everyone the entries name, as the model has them
        self._desks: dict[str, str] = {}  # a runner (lease owner) -> its desk's name, from the rows
        # A choice of the "who" filter (its first actor) -> every actor it stands for: one choice for each
        # name shown, so a desk's person and its runners, and a runner's restarts, are one desk
        self._groups: dict[str, frozenset[str]] = {}
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
        self._fill_who()
        self._update_count()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def set_rows(self, rows: Sequence[ActivityEntry]) -> None:
        """The entries, and the "who" filter's choices: everyone who appears in them (a runner by its desk's
        name, as its lines name it), one choice for each name."""
        self.model.set_rows(rows)
        actors = [a for a in self.model.facet_values(0) if a]
        desks = {r.actor: r.desk for r in rows if r.desk}
        if actors != self._actors or desks != self._desks:
            self._actors, self._desks = actors, desks
            self._fill_who()

    def _fill_who(self) -> None:
        """The "who" choices in the language shown: the actors grouped by the name they are shown by; the
        choice made stays made (as the group holding the actor it was made by), and filters the same."""
        groups: dict[str, list[str]] = {}
        for actor in self._actors:
            groups.setdefault(who_label(actor, self._desks.get(actor, "")), []).append(actor)
        chosen = self._groups.get(self.who_filter.currentData(), frozenset())
        self._groups = {members[0]: frozenset(members) for members in groups.values()}
        self.who_filter.blockSignals(True)
        while self.who_filter.count() > 1:
            self.who_filter.removeItem(1)
        at = 0
        for label, members in groups.items():
            self.who_filter.addItem(label, members[0])
            if chosen & set(members) and not at:
                at = self.who_filter.count() - 1
        self.who_filter.setCurrentIndex(at)
        self.who_filter.blockSignals(False)
        now = self._groups.get(self.who_filter.currentData())
        if now != (chosen or None):  # the group grew, or the actor chosen is gone: filter by what is shown
            self.proxy.set_facet(0, now or None)

    def _update_count(self) -> None:
        self.count_label.setText(
            self.tr("{shown} of {total}").format(shown=self.proxy.rowCount(), total=self.model.total())
        )
