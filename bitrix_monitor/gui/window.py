"""The main window and its controller: the tabs (one module each in :mod:`bitrix_monitor.gui.tabs`) wired
to a ``MonitorApi`` service.

Widgets never talk to a database or the portal: every service call is awaited in a plain ``async def``
method (tests call them directly) started through :func:`~bitrix_monitor.gui.aio.spawn`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from bitrix_monitor import APP_TITLE
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import ConnectionTests, MonitorApi, QueueSummary, Snapshot
from bitrix_monitor.sync.model import PORTAL_ENTITY, Plan, Progress, RecordStatus

from .aio import LatestTask, ProgressRelay, set_user_error_sink, spawn
from .models import OrdersModel, RecordsModel, RowTableModel, TableFilterProxy, UsersModel, fmt_time
from .tabs import ActivityTab, OverviewTab, QueueTab, RecordsTab
from .tabs.common import selected_objects
from .widgets import (
    ConfirmDialog,
    MessageBar,
    PlanDialog,
    ask_save_path,
    export_csv,
    is_language_change,
    run_dialog,
)
from .words import QT_TRANSLATE_NOOP, record_kind_label

log = logging.getLogger(__name__)

ServiceFactory = Callable[..., Awaitable[MonitorApi]]  # called as factory(demo=bool)

# One records tab per kind, in this order (kinds the registry adds get a tab when their model is here).
RECORD_MODELS: dict[str, type[RecordsModel]] = {"order": OrdersModel, "user": UsersModel}
RECORD_TAB_TITLES: dict[str, str] = {
    "order": QT_TRANSLATE_NOOP("MainWindow", "Orders"),
    "user": QT_TRANSLATE_NOOP("MainWindow", "Users"),
    "company": QT_TRANSLATE_NOOP("MainWindow", "Companies"),
}
NO_ORPHANS: dict[str, str] = {
    "deal": QT_TRANSLATE_NOOP("MainWindow", "No orphan deals: every deal this app made has a shop row."),
    "contact": QT_TRANSLATE_NOOP(
        "MainWindow", "No orphan contacts: every contact this app made has a shop row."
    ),
    "company": QT_TRANSLATE_NOOP(
        "MainWindow", "No orphan companies: every company this app made has a shop row."
    ),
}


class MainWindow(QMainWindow):
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

        self.message_bar = MessageBar()
        set_user_error_sink(self.message_bar.show_error)
        self.pages = QStackedWidget()
        self.start_page = self._build_start_page()
        self.tabs = QTabWidget()
        self.overview = OverviewTab()
        self.record_tabs: dict[str, RecordsTab] = {
            kind: RecordsTab(kind, model(self)) for kind, model in RECORD_MODELS.items()
        }
        self.orders, self.users = self.record_tabs["order"], self.record_tabs["user"]
        self.queue = QueueTab()
        self.activity = ActivityTab()
        self.activity_model, self.activity_proxy = self.activity.model, self.activity.proxy
        self.activity_view = self.activity.view
        self.tabs.addTab(self.overview, "")
        for tab in self.record_tabs.values():
            self.tabs.addTab(tab, "")
        self.tabs.addTab(self.queue, "")
        self.tabs.addTab(self.activity, "")
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
        self.overview.show_records.connect(self.show_records)
        self.overview.show_queue.connect(self.show_queue)
        self.queue.retry_button.clicked.connect(
            lambda: self.run(self.retry_jobs(self.queue.target_ids()), "retry")
        )
        self.queue.cancel_button.clicked.connect(
            lambda: self.run(self.cancel_jobs(self.queue.target_ids()), "cancel")
        )
        self.queue.settle_done_button.clicked.connect(
            lambda: self.run(self.settle_jobs(self.queue.target_ids(), "done"), "settle")
        )
        self.queue.settle_retry_button.clicked.connect(
            lambda: self.run(self.settle_jobs(self.queue.target_ids(), "retry"), "settle")
        )
        self.queue.pause_button.toggled.connect(self.set_runner_paused)
        self.queue.view.customContextMenuRequested.connect(self._queue_menu)

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
        self.start_settings_button.setText(self.tr("Settings…"))
        self.start_demo_button.setText(self.tr("Open demo"))
        self.toolbar.setWindowTitle(self.tr("Main"))
        self.refresh_action.setText(self.tr("Refresh"))
        self.sync_action.setText(self.tr("Sync everything that needs it"))
        self.export_action.setText(self.tr("Export CSV…"))
        self.settings_action.setText(self.tr("Settings…"))
        self.quit_action.setText(self.tr("Quit"))
        self.cancel_button.setText(self.tr("Cancel"))
        self._show_start_message()
        self._show_status()
        self._update_runner_label()
        self._update_budget()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
            for tab in self.record_tabs.values():
                tab.model.retranslate()
            self.queue.model.retranslate()
            self.activity_model.retranslate()
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
        self.runner_label = QLabel()
        status.addPermanentWidget(self.runner_label)

    def _set_connected(self, connected: bool) -> None:
        self.pages.setCurrentIndex(1 if connected else 0)
        for act in (self.refresh_action, self.sync_action, self.export_action):
            act.setEnabled(connected)

    # -- running coroutines -------------------------------------------------------------------------
    def run(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start a window coroutine; errors are routed by :func:`spawn` (message bar / crash dialog).
        The window keeps it until it ends, and cancels it on shutdown."""
        task = spawn(coro, name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def ask(self, dialog: QDialog) -> bool:
        try:
            return await run_dialog(dialog, lambda: self.dialog_opened.emit(dialog))
        finally:
            dialog.deleteLater()

    def cancel_long_task(self) -> None:
        if self._long_task is not None:
            self._long_task.cancel()

    def _show_progress(self, progress: Progress) -> None:
        self.progress.show()
        self.cancel_button.show()
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
        else:
            self.progress.setRange(0, 0)
        self.status_label.setText(f"{progress.stage}… {progress.detail}".strip())

    def _hide_progress(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()

    # -- connecting -----------------------------------------------------------------------------------
    async def connect_service(self, *, demo: bool = False) -> bool:
        """Build the service with the factory. A user-facing error shows the start page with choices."""
        if self.service_factory is None:
            return False
        self._start_text = (
            (lambda: self.tr("Opening the demo…")) if demo else (lambda: self.tr("Connecting…"))
        )
        self._show_start_message()
        self.pages.setCurrentIndex(0)
        try:
            service = await self.service_factory(demo=demo)
        except UserFacingError as exc:
            reason = str(exc)
            self._start_text = lambda: "{}\n\n{}".format(
                reason,
                self.tr("Open the settings to connect your shop and Bitrix24, or look around in the demo."),
            )
            self._show_start_message()
            return False
        await self.set_service(service, demo=demo)
        return True

    async def set_service(self, service: MonitorApi, *, demo: bool = False) -> None:
        old = self.service
        self.service = service
        self.demo = demo
        if old is not None and old is not service:
            await old.aclose()
        self.retranslate_ui()
        self._set_connected(True)
        self._update_runner_label()
        self.poll_timer.start()
        await self.refresh()

    # -- data -----------------------------------------------------------------------------------------
    def require_service(self) -> MonitorApi:
        if self.service is None:
            raise UserFacingError(
                self.tr("Not connected"), hint=self.tr("open the settings or the demo first")
            )
        return self.service

    async def refresh(self) -> Snapshot | None:
        """Take a snapshot (with progress and a cancel button) and show it everywhere. Snapshots are taken
        one at a time, so an older one never replaces a newer one."""
        service = self.require_service()
        async with self._snapshot_lock:
            before = await service.queue_summary()
            task = asyncio.ensure_future(service.snapshot(self.progress_relay))
            self._long_task = task
            self.refresh_action.setEnabled(False)
            try:
                snap = await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
                self.say(lambda: self.tr("Refresh cancelled"))
                return None
            finally:
                self._long_task = None
                self.refresh_action.setEnabled(True)
                self.progress_relay.flush()
                self._hide_progress()
            self.apply_snapshot(snap)
            self._snapshot_summary = before
        await self.refresh_queue()
        return snap

    def apply_snapshot(self, snap: Snapshot) -> None:
        self.snapshot = snap
        self.orders.model.set_rows(snap.orders)
        self.users.model.set_rows(snap.users)
        self.overview.set_counts("order", snap.order_counts)
        self.overview.set_counts("user", snap.user_counts)
        self._show_snapshot_summary(snap)
        self.sync_action.setEnabled(len(snap.plan) > 0)
        self.say(lambda: self.tr("Snapshot taken {time}").format(time=fmt_time(snap.taken_at, date=False)))
        for tab in self.record_tabs.values():
            if not tab.view.currentIndex().isValid():
                tab.detail.show_record(None)

    def _show_snapshot_summary(self, snap: Snapshot) -> None:
        text = self.tr("Checked %n order(s)", "", snap.order_counts.checked)
        text += self.tr(" and %n user(s)", "", snap.user_counts.checked)
        text += self.tr(" at {time}.").format(time=fmt_time(snap.taken_at)) + " "
        text += self.tr("%n job(s) would bring everything in step.", "", len(snap.plan))
        for line in snap.warnings:
            text += "\n" + self.tr("Warning: {text}").format(text=line)
        self.overview.snapshot_label.setText(text)

    async def refresh_queue(self) -> None:
        service = self.require_service()
        rows = await service.queue_rows()
        summary = await service.queue_summary()
        self._last_summary = summary
        self.queue.set_rows(rows)
        self.overview.set_queue(summary)
        self.activity_model.set_rows(service.activity())
        self.overview.chart.set_buckets(service.throughput(60))
        self._update_budget()

    def _tick(self) -> None:
        self._update_budget()
        if self.service is not None and not self._polling:
            self._polling = True
            self.run(self._poll(), "poll queue")

    async def _poll(self) -> None:
        """When the queue moved, reload it; when jobs finished since the shown snapshot was started, take
        a new one (one at a time)."""
        try:
            service = self.require_service()
            summary = await service.queue_summary()
            if not shiboken6.isValid(self):
                return  # the window was destroyed while the service answered
            if summary != self._last_summary:
                await self.refresh_queue()
            if self._finished_since_snapshot(summary) and not self._snapshot_lock.locked():
                await self.refresh()
        except RuntimeError:
            if shiboken6.isValid(self):
                raise
            # A poll that outlived its window (Qt deleted the widgets under it): nothing left to update.
        finally:
            self._polling = False

    def _finished_since_snapshot(self, summary: QueueSummary) -> bool:
        before = self._snapshot_summary
        if before is None:
            return False
        ended = (summary.done, summary.failed, summary.dead, summary.in_doubt)
        return ended != (before.done, before.failed, before.dead, before.in_doubt)

    def _update_budget(self) -> None:
        if self.service is None:
            return
        b = self.service.budget()
        text = self.tr(
            "Bitrix24 request budget: {left} of {capacity} left, refills {rate} per second"
        ).format(left=f"{b.tokens_left:.0f}", capacity=f"{b.capacity:.0f}", rate=f"{b.drain_per_s:g}")
        text += " · " + self.tr("held back %n time(s)", "", b.throttled_waits)
        text += " · " + self.tr("refused as overloaded %n time(s)", "", b.rejected_503)
        if b.operating:
            top = sorted(b.operating.items(), key=lambda kv: kv[1], reverse=True)[:2]
            busiest = ", ".join(
                self.tr("{method} {seconds} s").format(method=m, seconds=f"{s:.1f}") for m, s in top
            )
            text += " · " + self.tr("busiest methods: {list}").format(list=busiest)
        self.queue.budget_label.setText(text)
        self._update_runner_label()

    def _update_runner_label(self) -> None:
        paused = self.service is not None and self.service.runner_paused
        status = self.service.runner_status if self.service is not None else ""
        self.runner_label.setText(
            (self.tr("Runner paused") if paused else self.tr("Runner active"))
            + (f": {status}" if status else "")
        )
        self.queue.pause_button.blockSignals(True)
        self.queue.pause_button.setChecked(paused)
        self.queue.pause_button.setText(self.tr("Resume runner") if paused else self.tr("Pause runner"))
        self.queue.pause_button.blockSignals(False)

    # -- actions --------------------------------------------------------------------------------------
    async def confirm_plan(self, plan: Plan) -> bool:
        return await self.ask(PlanDialog(plan, parent=self))

    async def apply_plan(self, plan: Plan) -> int:
        """Show the plan, ask, queue it. Returns the jobs queued (0 if declined or empty)."""
        service = self.require_service()
        if not plan.jobs:
            self.message_bar.show_message(self.tr("Nothing to queue: the selected records need no such job."))
            return 0
        if not await self.confirm_plan(plan):
            return 0
        n = await service.apply(plan)
        self.say(lambda: self.tr("Queued %n job(s)", "", n))
        await self.refresh()
        return n

    async def queue_action(self, entity: str, keys: Sequence[str], action: str) -> int:
        service = self.require_service()
        if self.snapshot is None:
            return 0
        if not keys:
            self.message_bar.show_message(self.tr("Select the records first."))
            return 0
        return await self.apply_plan(service.plan_for(self.snapshot, entity, list(keys), action))

    async def sync_everything(self) -> int:
        if self.snapshot is None:
            return 0
        return await self.apply_plan(self.snapshot.plan)

    async def _confirm_jobs(self, action: str, ids: Sequence[int]) -> bool:
        if not ids:
            self.message_bar.show_message(self.tr("No jobs selected or shown by the filter."))
            return False
        n = len(ids)
        question, confirm = {
            "retry": (self.tr("Retry %n job(s)?", "", n), self.tr("Retry %n job(s)", "", n)),
            "cancel": (self.tr("Cancel %n job(s)?", "", n), self.tr("Cancel %n job(s)", "", n)),
            "done": (
                self.tr("Mark %n job(s) as done?", "", n),
                self.tr("Mark %n job(s) as done", "", n),
            ),
            "requeue": (self.tr("Re-queue %n job(s)?", "", n), self.tr("Re-queue %n job(s)", "", n)),
        }[action]
        return await self.ask(ConfirmDialog(question, confirm, self))

    async def retry_jobs(self, ids: Sequence[int]) -> int:
        if not await self._confirm_jobs("retry", ids):
            return 0
        n = await self.require_service().retry_jobs(ids)
        await self.refresh_queue()
        return n

    async def cancel_jobs(self, ids: Sequence[int]) -> int:
        if not await self._confirm_jobs("cancel", ids):
            return 0
        n = await self.require_service().cancel_jobs(ids)
        await self.refresh_queue()
        return n

    async def settle_jobs(self, ids: Sequence[int], outcome: str) -> int:
        if not await self._confirm_jobs("done" if outcome == "done" else "requeue", ids):
            return 0
        n = await self.require_service().settle_jobs(ids, outcome)
        await self.refresh_queue()
        return n

    def _queue_menu(self, pos: QPoint) -> None:
        ids = [r.id for r in selected_objects(self.queue.view)]
        menu = QMenu(self)
        entries: list[tuple[str, Callable[[], Coroutine[Any, Any, Any]]]] = [
            (self.tr("Retry ({n})").format(n=len(ids)), lambda: self.retry_jobs(ids)),
            (self.tr("Cancel ({n})").format(n=len(ids)), lambda: self.cancel_jobs(ids)),
            (
                self.tr("Settle in-doubt as done ({n})").format(n=len(ids)),
                lambda: self.settle_jobs(ids, "done"),
            ),
            (
                self.tr("Settle in-doubt: retry ({n})").format(n=len(ids)),
                lambda: self.settle_jobs(ids, "retry"),
            ),
        ]
        for text, make in entries:
            act = menu.addAction(text)
            act.setEnabled(bool(ids))
            act.triggered.connect(lambda _c=False, m=make, t=text: self.run(m(), t))
        menu.addSeparator()
        copy = menu.addAction(self.tr("Copy job ids"))
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText("\n".join(map(str, ids))))
        menu.popup(self.queue.view.viewport().mapToGlobal(pos))

    def set_runner_paused(self, paused: bool) -> None:
        service = self.require_service()
        if paused:
            service.pause_runner()
        else:
            service.resume_runner()
        self._update_runner_label()

    def show_records(self, entity: str, state: str) -> None:
        if state == "orphans":
            self.show_orphans(entity)
            return
        tab = self.record_tabs[entity]
        tab.set_state_filter(state)
        self.tabs.setCurrentWidget(tab)

    def show_orphans(self, entity: str) -> None:
        """Orphans are portal records with no shop row, so no table lists them: name them in the bar."""
        portal = PORTAL_ENTITY.get(entity, entity)  # type: ignore[call-overload]
        orphans = [o for o in (self.snapshot.orphans if self.snapshot else ()) if o.entity == portal]
        if not orphans:
            self.message_bar.show_message(self.tr(NO_ORPHANS.get(portal, NO_ORPHANS["deal"])))
            return
        listed = ", ".join(
            self.tr("{id} ({title}, origin id {origin})").format(
                id=o.portal_id, title=o.title, origin=o.origin_id
            )
            for o in orphans[:10]
        )
        if len(orphans) > 10:
            listed += " " + self.tr("and %n more", "", len(orphans) - 10)
        n = len(orphans)
        if portal == "contact":
            text = self.tr("%n orphan contact(s) in Bitrix24 match no shop row: {list}.", "", n)
        elif portal == "company":
            text = self.tr("%n orphan company(-ies) in Bitrix24 match no shop row: {list}.", "", n)
        else:
            text = self.tr("%n orphan deal(s) in Bitrix24 match no shop row: {list}.", "", n)
        self.message_bar.show_message(text.format(list=listed))

    def show_queue(self, state: str) -> None:
        self.queue.state_filter.setCurrentIndex(max(self.queue.state_filter.findData(state), 0))
        self.tabs.setCurrentWidget(self.queue)

    def _show_detail(self, tab: RecordsTab, rec: RecordStatus | None) -> None:
        if rec is None or self.service is None:
            tab.detail.show_record(None)
            return
        portal = rec.portal_id if rec.portal_id is not None else rec.stored_id
        url = self.service.record_url(rec.entity, portal) if portal is not None else None
        tab.detail.show_record(rec, url)
        self._history.start(self._load_history(tab, rec))

    def history_task(self) -> asyncio.Task[Any] | None:
        """The load of the selected record's job history, if one was started."""
        return self._history.task

    async def _load_history(self, tab: RecordsTab, rec: RecordStatus) -> None:
        lines = await self.require_service().job_history(rec.entity, rec.key)
        if tab.detail.record is rec:
            tab.detail.show_history(lines)

    def open_in_portal(self, rec: RecordStatus) -> None:
        portal = rec.portal_id if rec.portal_id is not None else rec.stored_id
        url = self.service.record_url(rec.entity, portal) if self.service and portal is not None else None
        if url is None:
            self.message_bar.show_message(
                self.tr("{kind} {key} has no record in Bitrix24 yet.").format(
                    kind=record_kind_label(rec.entity), key=rec.key
                )
            )
            return
        self.open_url(url)

    def open_url(self, url: str) -> None:
        QDesktopServices.openUrl(QUrl(url))

    def current_table(self) -> tuple[RowTableModel, TableFilterProxy, str] | None:
        page = self.tabs.currentWidget()
        if isinstance(page, RecordsTab):
            return page.model, page.proxy, f"{page.entity}s"
        if page is self.queue:
            return self.queue.model, self.queue.proxy, "queue"
        if page is self.activity:
            return self.activity_model, self.activity_proxy, "activity"
        return None

    async def export_current(self, path: Path | None = None) -> int:
        """Export the current table as the view shows it (filtered, sorted) to CSV."""
        current = self.current_table()
        if current is None:
            self.message_bar.show_message(
                self.tr("Open a table (orders, users, queue, activity) to export it.")
            )
            return 0
        _model, proxy, name = current
        if path is None:
            path = await ask_save_path(
                self, self.tr("Export to CSV"), f"{name}.csv", self.tr("CSV files (*.csv)")
            )
            if path is None:
                return 0
        n = export_csv(proxy, path)
        self.say(lambda: self.tr("Exported %n row(s) to {path}", "", n).format(path=path))
        return n

    async def open_settings(self) -> bool:
        from .settings import SettingsDialog

        dialog = SettingsDialog(self.config_path, tester=self.tester, parent=self)
        if not await self.ask(dialog):
            return False
        self.say(lambda: self.tr("Settings saved"))
        if self.service_factory is not None and (self.service is None or self.demo):
            await self.connect_service(demo=False)
        return True

    # -- shutdown -------------------------------------------------------------------------------------
    async def shutdown(self) -> None:
        """Stop polling, cancel what runs, close the service (runner, lease, connections)."""
        if shiboken6.isValid(self.poll_timer):
            self.poll_timer.stop()
        set_user_error_sink(None)
        self.cancel_long_task()
        if self._history.task is not None:
            self._history.task.cancel()
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current and not t.done()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        service, self.service = self.service, None
        if service is not None:
            await service.aclose()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.poll_timer.stop()
        event.accept()
        self.closed.emit()
