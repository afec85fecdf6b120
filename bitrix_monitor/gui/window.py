"""The main window: its tabs (one module each in :mod:`bitrix_monitor.gui.tabs`), toolbar, status bar and
start page, and their texts in the current language; what they do is in :mod:`bitrix_monitor.gui.controller`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from bitrix_monitor import APP_TITLE
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import ConnectionTests, MonitorApi, Outage, QueueSummary, Snapshot
from bitrix_monitor.sync.queue_run import QueueRun

from .aio import LatestTask, ProgressRelay, set_user_error_sink
from .controller import ServiceFactory, WindowController
from .models import CompaniesModel, OrdersModel, RecordsModel, UsersModel
from .tabs import ActivityTab, ArchiveTab, OverviewTab, QueueTab, RecordsTab, RunnersTab
from .tabs.queue import ACTIONS
from .widgets import MessageBar, is_language_change
from .words import QT_TRANSLATE_NOOP

__all__ = ["MainWindow", "ServiceFactory"]

log = logging.getLogger(__name__)


# One records tab per kind, in this order (kinds the registry adds get a tab when their model is here).
# One tab per kind (see bitrix_monitor.kinds); a kind the shop does not map keeps its tab hidden.
RECORD_MODELS: dict[str, type[RecordsModel]] = {
    "order": OrdersModel,
    "user": UsersModel,
    "company": CompaniesModel,
}
RECORD_TAB_TITLES: dict[str, str] = {
    "order": QT_TRANSLATE_NOOP("MainWindow", "Orders"),
    "user": QT_TRANSLATE_NOOP("MainWindow", "Users"),
    "company": QT_TRANSLATE_NOOP("MainWindow", "Companies"),
}


class MainWindow(WindowController, QMainWindow):
    """The window staff work in. ``closed`` fires when the user closes it (the app then shuts down)."""

    closed = Signal()
    dialog_opened = Signal(QDialog)  # every dialog the window awaits (tests answer them)

    def __init__(
        self,
        *,
        config_path: Path,
        data_dirs: DataDirs,
        service_factory: ServiceFactory | None = None,
        poll_interval_ms: int = 1000,
        tester: ConnectionTests | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle(APP_TITLE)
        self.resize(1280, 800)
        self.config_path = config_path
        self.data_dirs = data_dirs
        self.service_factory = service_factory
        self.tester = tester  # offers test_portal/test_shop/validate_mapping before a service exists
        self.service: MonitorApi | None = None
        self.snapshot: Snapshot | None = None
        self.demo = False
        self._refreshing: asyncio.Task[Any] | None = None
        self._polling = False
        self._last_summary: QueueSummary | None = None
        self._history = LatestTask("job history")
        self._long_task: asyncio.Task[Any] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._snapshot_lock = asyncio.Lock()
        self._snapshot_summary: QueueSummary | None = None  # the queue when the shown snapshot began
        self._status_text: Callable[[], str] | None = None
        self._start_text: Callable[[], str] = lambda: ""
        self._outages: tuple[Outage, ...] = ()  # what cannot be reached, as last shown
        self._runners_due = 0.0
        self._run: QueueRun | None = None

        self.message_bar = MessageBar()
        set_user_error_sink(self.message_bar.show_error)
        self.pages = QStackedWidget()
        self.start_page = self._build_start_page()
        self.tabs = QTabWidget()
        self.overview = OverviewTab(kinds=tuple(RECORD_MODELS))
        self.record_tabs: dict[str, RecordsTab] = {
            kind: RecordsTab(kind, model(self)) for kind, model in RECORD_MODELS.items()
        }
        self.orders, self.users = self.record_tabs["order"], self.record_tabs["user"]
        self.queue = QueueTab()
        self.activity = ActivityTab()
        self.activity_model, self.activity_proxy = self.activity.model, self.activity.proxy
        self.activity_view = self.activity.view
        self.runners = RunnersTab()
        self.archive = ArchiveTab()
        self.tabs.addTab(self.overview, "")
        for tab in self.record_tabs.values():
            self.tabs.addTab(tab, "")
        self.tabs.addTab(self.queue, "")
        self.tabs.addTab(self.activity, "")
        self.tabs.addTab(self.runners, "")
        self.tabs.setTabVisible(self.tabs.indexOf(self.runners), False)  # shown on a team queue
        self.tabs.addTab(self.archive, "")
        self.pages.addWidget(self.start_page)
        self.pages.addWidget(self.tabs)
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.message_bar)
        cl.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self._build_toolbar()
        self._build_status_bar()

        self.progress_relay = ProgressRelay(self)
        self.progress_relay.changed.connect(self._show_progress)
        for tab in self.record_tabs.values():
            tab.action_requested.connect(
                lambda entity, keys, action: self.run(self.queue_action(entity, keys, action), "queue action")
            )
            tab.current_changed.connect(lambda rec, t=tab: self._show_detail(t, rec))
            tab.open_requested.connect(self.open_in_portal)
            tab.detail.link_clicked.connect(lambda url, t=tab: self.pane_link(t, url))
            tab.resolve_requested.connect(
                lambda entity, key, take: self.run(self.resolve_conflict(entity, key, take), "resolve")
            )
        self.overview.show_records.connect(self.show_records)
        self.overview.show_queue.connect(self.show_queue)
        for button, action in zip(self.queue.job_buttons, ACTIONS, strict=True):
            button.clicked.connect(lambda _c=False, a=action: self.run(self.queue_button(a), a))
        self.queue.pause_button.toggled.connect(self.set_runner_paused)
        self.queue.stop_button.clicked.connect(self.stop_run)
        self.queue.view.customContextMenuRequested.connect(self._queue_menu)
        self.archive.restore_requested.connect(lambda rec: self.run(self.restore_archived(rec), "restore"))

        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(poll_interval_ms)
        self.poll_timer.timeout.connect(self._tick)
        self._set_connected(False)
        self.retranslate_ui()

    # -- language -------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        """Every text the window sets itself, in the current language (the tabs do their own)."""
        self.setWindowTitle(self.tr("{app} — demo").format(app=APP_TITLE) if self.demo else APP_TITLE)
        self.tabs.setTabText(self.tabs.indexOf(self.overview), self.tr("Overview"))
        for kind, tab in self.record_tabs.items():
            title = RECORD_TAB_TITLES.get(kind)
            self.tabs.setTabText(self.tabs.indexOf(tab), self.tr(title) if title else kind)
        self.tabs.setTabText(self.tabs.indexOf(self.queue), self.tr("Queue"))
        self.tabs.setTabText(self.tabs.indexOf(self.activity), self.tr("Activity"))
        self.tabs.setTabText(self.tabs.indexOf(self.runners), self.tr("Runners"))
        self.tabs.setTabText(self.tabs.indexOf(self.archive), self.tr("Archive"))
        self.start_settings_button.setText(self.tr("Settings…"))
        self.start_demo_button.setText(self.tr("Open demo"))
        self.toolbar.setWindowTitle(self.tr("Main"))
        self.refresh_action.setText(self.tr("Refresh"))
        self.full_check_action.setText(self.tr("Check everything"))
        self.full_check_action.setToolTip(
            self.tr("Read the whole shop and every record in Bitrix24 again, not only what changed")
        )
        self.sync_action.setText(self.tr("Sync everything that needs it"))
        self.export_action.setText(self.tr("Export CSV…"))
        self.settings_action.setText(self.tr("Settings…"))
        self.quit_action.setText(self.tr("Quit"))
        self.cancel_button.setText(self.tr("Cancel"))
        self._show_start_message()
        self._show_status()
        self._show_outages()
        self._show_run()
        self._update_budget()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
            for tab in self.record_tabs.values():
                tab.model.retranslate()
            self.queue.model.retranslate()
            self.activity_model.retranslate()
            self.archive.model.retranslate()
            if self.snapshot is not None:
                self._show_snapshot_summary(self.snapshot)
        super().changeEvent(event)

    def say(self, text: Callable[[], str]) -> None:
        """Show a status line; ``text`` makes it in the current language (again after a switch)."""
        self._status_text = text
        self._show_status()

    def _show_status(self) -> None:
        self.status_label.setText(self._status_text() if self._status_text is not None else "")

    def _show_start_message(self) -> None:
        self.start_message.setText(self._start_text())

    # -- construction helpers -----------------------------------------------------------------------
    def _build_start_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.start_message = QLabel()
        self.start_message.setWordWrap(True)
        self.start_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.start_message.setObjectName("startMessage")
        layout.addWidget(self.start_message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.start_settings_button = QPushButton()
        self.start_settings_button.clicked.connect(lambda: self.run(self.open_settings(), "settings"))
        self.start_demo_button = QPushButton()
        self.start_demo_button.clicked.connect(lambda: self.run(self.connect_service(demo=True), "open demo"))
        row.addWidget(self.start_settings_button)
        row.addWidget(self.start_demo_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        return page

    def _build_toolbar(self) -> None:
        bar = QToolBar()
        self.toolbar = bar
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        self.addToolBar(bar)

        def action(shortcut: str | None, handler: Callable[[], object]) -> QAction:
            act = QAction(self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(handler)
            bar.addAction(act)
            return act

        self.refresh_action = action("F5", lambda: self.run(self.refresh(), "refresh"))
        self.full_check_action = action("Shift+F5", lambda: self.run(self.refresh(full=True), "refresh"))
        self.sync_action = action("Ctrl+Shift+S", lambda: self.run(self.sync_everything(), "sync"))
        self.export_action = action("Ctrl+E", lambda: self.run(self.export_current(), "export"))
        bar.addSeparator()
        self.settings_action = action("Ctrl+,", lambda: self.run(self.open_settings(), "settings"))
        self.quit_action = action("Ctrl+Q", self.close)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.status_label = QLabel()
        status.addWidget(self.status_label, 1)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(240)
        self.progress.hide()
        status.addPermanentWidget(self.progress)
        self.cancel_button = QPushButton()
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_long_task)
        status.addPermanentWidget(self.cancel_button)
        self.offline_label = QLabel()
        self.offline_label.setObjectName("offlineLabel")
        self.offline_label.setStyleSheet("#offlineLabel { color: #c62828; font-weight: bold; }")
        self.offline_label.hide()
        status.addPermanentWidget(self.offline_label)
        self.runner_label = QLabel()
        status.addPermanentWidget(self.runner_label)

    def _set_connected(self, connected: bool) -> None:
        self.pages.setCurrentIndex(1 if connected else 0)
        for act in (self.refresh_action, self.full_check_action, self.sync_action, self.export_action):
            act.setEnabled(connected)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.poll_timer.stop()
        event.accept()
        self.closed.emit()
