"""What the main window does: the service calls, timers and actions behind its buttons, menus and tabs.

:class:`~bitrix_monitor.gui.window.MainWindow` builds the widgets and owns the language;
:class:`WindowController`, its base, holds the behaviour: connecting, snapshots and polling, queueing
plans, the queue's job actions, navigation between tabs, the detail pane's history, export, settings and
shutdown. Every service call is awaited in a plain ``async def`` method (tests call them directly)
started through :func:`~bitrix_monitor.gui.aio.spawn`; widgets never talk to a database or the portal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QLocale, QPoint, QTimer, QUrl, SignalInstance
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.kinds import shop_of
from bitrix_monitor.messages import Message
from bitrix_monitor.sync.api import ConnectionTests, MonitorApi, Outage, QueueSummary, Snapshot
from bitrix_monitor.sync.archive import ArchivedRecord
from bitrix_monitor.sync.model import PORTAL_ENTITY, Plan, Progress, RecordState, RecordStatus
from bitrix_monitor.sync.queue_run import QueueRun, follow_run

from .aio import LatestTask, ProgressRelay, set_user_error_sink, spawn
from .models import (
    OBJECT_ROLE,
    ActivityModel,
    RowTableModel,
    TableFilterProxy,
    archived_title,
    fmt_count,
    fmt_number,
    fmt_time,
)
from .tabs import ActivityTab, ArchiveTab, OverviewTab, QueueTab, RecordsTab, RunnersTab
from .tabs.common import selected_objects
from .tabs.queue import ACTIONS, ACTS_ON
from .widgets import ConfirmDialog, MessageBar, PlanDialog, ask_save_path, export_csv, run_dialog
from .words import QT_TRANSLATE_NOOP, error_text, message_text, progress_text, record_kind_label, said

ServiceFactory = Callable[..., Awaitable[MonitorApi]]  # called as factory(demo=bool)
RUNNERS_EVERY = 5.0  # seconds between reads of the team's runners while the queue stands still

NO_ORPHANS: dict[str, str] = {
    "deal": QT_TRANSLATE_NOOP(
        "WindowController", "No orphan deals: every deal this app made has a shop row."
    ),
    "contact": QT_TRANSLATE_NOOP(
        "WindowController", "No orphan contacts: every contact this app made has a shop row."
    ),
    "company": QT_TRANSLATE_NOOP(
        "WindowController", "No orphan companies: every company this app made has a shop row."
    ),
}


class WindowController:
    """The main window's behaviour (a base of :class:`~bitrix_monitor.gui.window.MainWindow`, which sets
    up every attribute declared here).
    """

    # state
    config_path: Path
    service_factory: ServiceFactory | None
    tester: ConnectionTests | None
    service: MonitorApi | None
    snapshot: Snapshot | None
    demo: bool
    _polling: bool
    _last_summary: QueueSummary | None
    _history: LatestTask
    _long_task: asyncio.Task[Any] | None
    _tasks: set[asyncio.Task[Any]]
    _snapshot_lock: asyncio.Lock
    _snapshot_summary: QueueSummary | None
    _start_text: Callable[[], str]
    _outages: tuple[Outage, ...]
    _runners_due: float  # loop time when the team's runners are read again
    _run: QueueRun | None  # the run of the queue under way, as followed from its counts
    # the widgets it drives
    dialog_opened: SignalInstance
    message_bar: MessageBar
    pages: QStackedWidget
    tabs: QTabWidget
    overview: OverviewTab
    record_tabs: dict[str, RecordsTab]
    orders: RecordsTab
    users: RecordsTab
    queue: QueueTab
    activity: ActivityTab
    runners: RunnersTab
    activity_model: ActivityModel
    archive: ArchiveTab
    activity_proxy: TableFilterProxy
    progress_relay: ProgressRelay
    progress: QProgressBar
    cancel_button: QPushButton
    status_label: QLabel
    runner_label: QLabel
    offline_label: QLabel
    refresh_action: QAction
    full_check_action: QAction
    sync_action: QAction
    poll_timer: QTimer

    def tr(self, sourceText: str, /, disambiguation: str | None = None, n: int = -1) -> str:
        """Translate in the context of each of the window's own classes (lupdate files a text under the
        class whose code says it). PySide's ``tr`` also walks the classes, but stops at the first whose
        answer differs from the source, and with a count an untranslated answer already differs (``%n``
        is filled in), so plurals written here would never reach this class's catalogue."""
        untranslated = (
            sourceText.replace("%Ln", QLocale().toString(n)).replace("%n", str(n)) if n >= 0 else sourceText
        )
        for cls in type(self).__mro__:
            if not cls.__module__.startswith("bitrix_monitor."):
                continue
            text = QCoreApplication.translate(cls.__name__, sourceText, disambiguation, n)
            if text != untranslated:
                return text
        return untranslated

    @property
    def widget(self) -> QWidget:
        """The window itself, as the parent of the dialogs and menus it opens."""
        assert isinstance(self, QWidget)
        return self

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
        self.status_label.setText(progress_text(progress.stage, progress.detail))

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
            reason = error_text(exc)
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

    async def refresh(self, *, full: bool = False) -> Snapshot | None:
        """Pull the CRM's changes and take a snapshot (the service's ``refresh``, with progress and a cancel
        button) and show it everywhere: what changed since the last one, or (``full``: "Check everything")
        everything. Snapshots are taken one at a time, so an older one never replaces a newer one."""
        service = self.require_service()
        async with self._snapshot_lock:
            before = await service.queue_summary()
            task = asyncio.ensure_future(service.refresh(self.progress_relay, full=full))
            self._long_task = task
            self.refresh_action.setEnabled(False)
            self.full_check_action.setEnabled(False)
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
                self.refresh_action.setEnabled(not self._outages)
                self.full_check_action.setEnabled(not self._outages)
                self.progress_relay.flush()
                self._hide_progress()
            self.apply_snapshot(snap)
            self._snapshot_summary = before
        await self.refresh_queue()
        await self.refresh_archive()
        return snap

    async def refresh_archive(self) -> None:
        """Read the archive again (after each snapshot: a cleanup that ran since has archived more). A few
        small files, read on the loop: a thread here would outlive a window closed meanwhile."""
        self.archive.set_records(self.require_service().archived())

    def apply_snapshot(self, snap: Snapshot) -> None:
        self.snapshot = snap
        for kind, tab in self.record_tabs.items():
            tab.model.set_rows(snap.statuses(kind))
            self.overview.set_counts(kind, snap.counts_of(kind))
        self.show_kinds(snap.kinds)
        self._show_snapshot_summary(snap)
        self.overview.set_cost(snap.portal)
        self.sync_action.setEnabled(len(snap.plan) > 0 and not self._outages)
        self.say(lambda: self.tr("Snapshot taken {time}").format(time=fmt_time(snap.taken_at, date=False)))
        for tab in self.record_tabs.values():
            current = tab.view.currentIndex()
            if not current.isValid():
                tab.detail.show_record(None)
            tab.show_resolve(current.data(OBJECT_ROLE) if current.isValid() else None)

    def show_kinds(self, kinds: Sequence[str]) -> None:
        """Show the tabs and overview boxes of the kinds the shop maps (orders and users always)."""
        for kind, tab in self.record_tabs.items():
            shown = kind in kinds or kind in ("order", "user")
            self.tabs.setTabVisible(self.tabs.indexOf(tab), shown)
            self.overview.show_kind(kind, shown)

    def _show_snapshot_summary(self, snap: Snapshot) -> None:
        # %Ln: the count as the language writes numbers (100 000 заказов, 100,000 orders)
        text = self.tr("Checked %Ln order(s)", "", snap.order_counts.checked)
        if "company" in snap.kinds:
            text += self.tr(", %Ln user(s)", "", snap.user_counts.checked)
            text += self.tr(" and %Ln company(-ies)", "", snap.counts_of("company").checked)
        else:
            text += self.tr(" and %Ln user(s)", "", snap.user_counts.checked)
        text += self.tr(" at {time}.").format(time=fmt_time(snap.taken_at)) + " "
        text += self.tr("%n job(s) would bring everything in step.", "", len(snap.plan))
        for line in snap.warnings:
            text += "\n" + self.tr("Warning: {text}").format(text=said(line))
        self.overview.snapshot_label.setText(text)

    async def refresh_queue(self) -> None:
        service = self.require_service()
        rows = await service.queue_rows()
        summary = await service.queue_summary()
        self._last_summary = summary
        self.queue.set_rows(rows)
        self.overview.set_queue(summary)
        # On a team queue the activity is the team's audit trail (who did what, job by job) and the desk's
        # own lines about everything else (the service leaves out those the trail tells).
        self.activity.set_rows([*service.activity(), *await service.team_activity()])
        self.overview.chart.set_buckets(service.throughput(60))
        self._update_budget()
        await self.refresh_runners()

    async def refresh_runners(self) -> None:
        """Show the team queue's runners (the Runners tab, and who queued and ran each job), or hide them
        when this desk works its own queue file."""
        service = self.require_service()
        team = service.team_queue
        self.runners.set_runners(team, await service.team_runners() if team else [])
        self.tabs.setTabVisible(self.tabs.indexOf(self.runners), bool(team))
        for column in self.queue.model.TEAM_COLUMNS:
            self.queue.view.setColumnHidden(column, not team)
        self.queue.runner_filter.setVisible(bool(team))
        self._runners_due = time.monotonic() + RUNNERS_EVERY

    def _tick(self) -> None:
        self._update_outages()
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
            if not shiboken6.isValid(self.widget):
                return  # the window was destroyed while the service answered
            self._follow_run(summary)
            if summary != self._last_summary:
                await self.refresh_queue()
            elif time.monotonic() >= self._runners_due:
                await self.refresh_runners()  # heartbeats move while the queue stands still
            if self._finished_since_snapshot(summary) and not self._snapshot_lock.locked():
                await self.refresh()
        except RuntimeError:
            if shiboken6.isValid(self.widget):
                raise
            # A poll that outlived its window (Qt deleted the widgets under it): nothing left to update.
        finally:
            self._polling = False

    def _follow_run(self, summary: QueueSummary) -> None:
        """While the runner works the queue (not paused, nothing out of reach): jobs done of the run's
        total, the rate and the time left, on the Queue tab and in the runner's line."""
        working = self.service is not None and not self.service.runner_paused and not self._outages
        self._run = follow_run(self._run, summary, time.monotonic()) if working else None
        self._show_run()

    def _run_text(self) -> str:
        run = self._run
        if run is None:
            return ""
        text = self.tr("Jobs done: {done} of {total}").format(
            done=fmt_count(run.ended), total=fmt_count(run.total)
        )
        rate, left = run.per_minute, run.seconds_left
        if rate is None or left is None:
            return text + " · " + self.tr("measuring the rate…")
        text += " · " + self.tr("{rate} a minute").format(rate=fmt_number(rate, 1 if rate < 10 else 0))
        if left < 60:
            return text + " · " + self.tr("under a minute left")
        minutes = round(left / 60)
        if minutes < 90:
            return text + " · " + self.tr("about %n minute(s) left", "", minutes)
        return text + " · " + self.tr("about %n hour(s) left", "", round(minutes / 60))

    def _show_run(self) -> None:
        run = self._run
        self.queue.run_box.setVisible(run is not None)
        if run is not None:
            self.queue.run_bar.setRange(0, max(run.total, 1))
            self.queue.run_bar.setValue(run.ended)
            self.queue.run_label.setText(self._run_text())
        self._update_runner_label()

    def stop_run(self) -> None:
        """Stop the run under way: the runner finishes the jobs it holds and pauses (Resume runner goes
        on)."""
        if not self.queue.pause_button.isChecked():
            self.queue.pause_button.setChecked(True)  # pauses the runner through set_runner_paused

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
        ).format(
            left=fmt_count(round(b.tokens_left)),
            capacity=fmt_count(round(b.capacity)),
            rate=fmt_number(b.drain_per_s, 0 if b.drain_per_s == int(b.drain_per_s) else 1),
        )
        text += " · " + self.tr("held back %n time(s)", "", b.throttled_waits)
        text += " · " + self.tr("refused as overloaded %n time(s)", "", b.rejected_503)
        if b.operating:
            top = sorted(b.operating.items(), key=lambda kv: kv[1], reverse=True)[:2]
            busiest = ", ".join(
                self.tr("{method} {seconds} s").format(method=m, seconds=fmt_number(s, 1)) for m, s in top
            )
            text += " · " + self.tr("busiest methods: {list}").format(list=busiest)
        self.queue.budget_label.setText(text)
        self._update_runner_label()

    # -- outages --------------------------------------------------------------------------------------
    def _update_outages(self) -> None:
        """Follow what the service cannot reach; when everything answers again, take a new snapshot."""
        outages = self.service.outages() if self.service is not None else ()
        if outages == self._outages:
            return
        was, self._outages = self._outages, outages
        self._show_outages()
        if was and not outages and self.service is not None and not self._snapshot_lock.locked():
            self.run(self.refresh(), "refresh after an outage")

    def _outage_text(self) -> str:
        """What cannot be reached, since when, in one sentence ("" when everything answers)."""
        lines = []
        for o in self._outages:
            since = fmt_time(o.since, date=False)
            if o.side == "portal":
                lines.append(self.tr("Bitrix24 cannot be reached (since {time}).").format(time=since))
            else:
                lines.append(
                    self.tr("The shop's database cannot be reached (since {time}).").format(time=since)
                )
        if not lines:
            return ""
        return " ".join(lines) + " " + self.tr("The app tries again by itself.")

    def _show_outages(self) -> None:
        """The offline state, everywhere it matters: the status bar, the overview (its counts marked as
        stale, with their time), the runner's line, and the actions that need the missing side disabled
        with the reason."""
        text = self._outage_text()
        self.offline_label.setText(self.tr("Offline") if text else "")
        reasons = [
            message_text(o.reason, o.hint) if isinstance(o.reason, Message) else o.reason
            for o in self._outages
        ]
        self.offline_label.setToolTip("\n".join([text, *reasons]) if text else "")
        self.offline_label.setVisible(bool(text))
        stale = ""
        if text:
            taken = self.snapshot.taken_at if self.snapshot is not None else None
            stale = (
                text
                + " "
                + (
                    self.tr("The counts below are from {time} and may be out of date.").format(
                        time=fmt_time(taken)
                    )
                    if taken is not None
                    else self.tr("No counts yet.")
                )
            )
        self.overview.set_offline(stale or None)
        why = self.tr("Not now: {reason}").format(reason=text) if text else ""
        if not self._snapshot_lock.locked():  # a running refresh keeps them disabled until it ends
            self.refresh_action.setEnabled(not text and self.service is not None)
            self.full_check_action.setEnabled(not text and self.service is not None)
        self.refresh_action.setToolTip(why)
        self.full_check_action.setToolTip(why)
        self.sync_action.setEnabled(not text and self.snapshot is not None and len(self.snapshot.plan) > 0)
        self.sync_action.setToolTip(why)
        for tab in self.record_tabs.values():
            for button in tab.action_buttons.values():
                button.setEnabled(not text)
            if text:
                for button in tab.action_buttons.values():
                    button.setToolTip(why)
            else:
                tab.retranslate_ui()  # their own tooltips back
        self.archive.set_blocked(why)
        self._update_runner_label()

    def _update_runner_label(self) -> None:
        paused = self.service is not None and self.service.runner_paused
        if self._outages and not paused:
            sides = {o.side for o in self._outages}
            if sides == {"portal"}:
                waiting = self.tr("Runner waiting for Bitrix24")
            elif sides == {"shop"}:
                waiting = self.tr("Runner waiting for the shop's database")
            else:
                waiting = self.tr("Runner waiting for Bitrix24 and the shop's database")
            self.runner_label.setText(waiting)
            self._name_pause_button(paused)
            return
        status = self.service.runner_status if self.service is not None else ""
        said = getattr(self.service, "runner_said", None)  # the same as codes, when the service has them
        if status and said is not None:
            status = error_text(said, status)
        running = self._run_text() if not paused else ""
        self.runner_label.setText(
            (self.tr("Runner paused") if paused else self.tr("Runner active"))
            + (f": {status}" if status else "")
            + (f" · {running}" if running else "")
        )
        self._name_pause_button(paused)

    def _name_pause_button(self, paused: bool) -> None:
        self.queue.pause_button.blockSignals(True)
        self.queue.pause_button.setChecked(paused)
        self.queue.pause_button.setText(self.tr("Resume runner") if paused else self.tr("Pause runner"))
        self.queue.pause_button.blockSignals(False)

    # -- actions --------------------------------------------------------------------------------------
    async def confirm_plan(self, plan: Plan) -> bool:
        """Show the plan and ask. A plan with duplicate cleanups first reads what each would keep and
        remove, so the dialog names the record that stays and each one that disappears."""
        previews = []
        if any(job.kind.endswith(".cleanup") for job in plan.jobs):
            previews = await self.require_service().cleanup_preview(plan)
        return await self.ask(PlanDialog(plan, parent=self.widget, previews=previews))

    async def apply_plan(self, plan: Plan) -> int:
        """Show the plan, ask, queue it. Returns the jobs queued (0 if declined or empty)."""
        service = self.require_service()
        if not plan.jobs:
            self.message_bar.show_message(self.tr("Nothing to queue: the selected records need no such job."))
            return 0
        if not await self.confirm_plan(plan) or not await self._confirm_recreate(plan):
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
        if action == "unlink":
            return await self.unlink_records(entity, keys)
        plan = service.plan_for(self.snapshot, entity, list(keys), action)
        if action == "relink" and not plan.jobs:
            wanted = set(keys)
            gone = [
                s
                for s in self.snapshot.statuses(entity)
                if s.key in wanted and s.state is RecordState.STALE_LINK
            ]
            if gone:
                self.message_bar.show_message(
                    self.tr(
                        "Nothing to re-link: the record it stored no longer exists in Bitrix24 and none "
                        "other was found. Re-create it (a new record from the shop's data) or unlink it."
                    )
                )
                return 0
        return await self.apply_plan(plan)

    async def sync_everything(self) -> int:
        if self.snapshot is None:
            return 0
        return await self.apply_plan(self.snapshot.plan)

    async def _confirm_jobs(self, action: str, ids: Sequence[int], all_shown: bool) -> bool:
        """Ask before changing jobs, saying how many and what happens to them; ``all_shown`` (nothing was
        selected): that the action takes every job the filter shows."""
        if not ids:
            self.message_bar.show_message(self.tr("None of the selected or shown jobs can take this action."))
            return False
        n = len(ids)
        question, confirm = {
            "retry": (
                self.tr("Retry %n job(s)? They run again from the start.", "", n),
                self.tr("Retry %n job(s)", "", n),
            ),
            "cancel": (
                self.tr("Drop %n job(s)? They will not run; Retry brings them back.", "", n),
                self.tr("Drop %n job(s)", "", n),
            ),
            "done": (
                self.tr("Mark %n job(s) as done? Their change is taken as made in Bitrix24.", "", n),
                self.tr("Mark %n job(s) as done", "", n),
            ),
            "requeue": (
                self.tr("Re-queue %n job(s)? Their change is sent to Bitrix24 again.", "", n),
                self.tr("Re-queue %n job(s)", "", n),
            ),
        }[action]
        if action == "cancel" and self.queue.pulls_among(ids):
            question += "\n" + self.tr(
                "A dropped pull job keeps the shop's value: the change made in Bitrix24 that it carried is "
                "overruled, and the shop's value is sent there."
            )
        if all_shown:
            question = self.tr("No job is selected: this takes every job the filter shows.") + "\n" + question
        # Not "Cancel 6 jobs? [Cancel 6 jobs] [Cancel]": the action is "drop", the way out says what it keeps.
        back = self.tr("Keep them") if action == "cancel" else None
        return await self.ask(ConfirmDialog(question, confirm, self.widget, back=back))

    async def queue_button(self, action: str) -> int:
        """A job button of the Queue tab: the selected jobs it changes, or (nothing selected) every job the
        filter shows that it changes, and the question says which."""
        ids, all_shown = self.queue.target_ids(action), not self.queue.has_selection()
        if action == "retry":
            return await self.retry_jobs(ids, all_shown=all_shown)
        if action == "cancel":
            return await self.cancel_jobs(ids, all_shown=all_shown)
        return await self.settle_jobs(ids, "done" if action == "done" else "retry", all_shown=all_shown)

    async def retry_jobs(self, ids: Sequence[int], *, all_shown: bool = False) -> int:
        if not await self._confirm_jobs("retry", ids, all_shown):
            return 0
        n = await self.require_service().retry_jobs(ids)
        await self.refresh_queue()
        return n

    async def cancel_jobs(self, ids: Sequence[int], *, all_shown: bool = False) -> int:
        if not await self._confirm_jobs("cancel", ids, all_shown):
            return 0
        n = await self.require_service().cancel_jobs(ids)
        await self.refresh_queue()
        return n

    async def settle_jobs(self, ids: Sequence[int], outcome: str, *, all_shown: bool = False) -> int:
        if not await self._confirm_jobs("done" if outcome == "done" else "requeue", ids, all_shown):
            return 0
        n = await self.require_service().settle_jobs(ids, outcome)
        await self.refresh_queue()
        return n

    def _queue_menu(self, pos: QPoint) -> None:
        rows = selected_objects(self.queue.view)
        ids = [r.id for r in rows]
        retry, drop, done, requeue = ([r.id for r in rows if r.state in ACTS_ON[a]] for a in ACTIONS)
        menu = QMenu(self.widget)
        entries: list[tuple[str, list[int], Callable[[], Coroutine[Any, Any, Any]]]] = [
            (self.tr("Retry ({n})").format(n=len(retry)), retry, lambda: self.retry_jobs(retry)),
            (self.tr("Drop ({n})").format(n=len(drop)), drop, lambda: self.cancel_jobs(drop)),
            (
                self.tr("Settle in-doubt as done ({n})").format(n=len(done)),
                done,
                lambda: self.settle_jobs(done, "done"),
            ),
            (
                self.tr("Settle in-doubt: retry ({n})").format(n=len(requeue)),
                requeue,
                lambda: self.settle_jobs(requeue, "retry"),
            ),
        ]
        for text, acted_on, make in entries:
            act = menu.addAction(text)
            act.setEnabled(bool(acted_on))
            act.triggered.connect(lambda _c=False, m=make, t=text: self.run(m(), t))
        menu.addSeparator()
        copy = menu.addAction(self.tr("Copy job ids"))
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText("\n".join(map(str, ids))))
        menu.popup(self.queue.view.viewport().mapToGlobal(pos))

    def set_runner_paused(self, paused: bool) -> None:
        service = self.require_service()
        if paused:
            service.pause_runner()
            self._run = None
            self._show_run()
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

    async def resolve_conflict(self, entity: str, key: str, take: str) -> None:
        """A person settled a record changed on both sides: the shop's values stay, or the CRM's come in."""
        service = self.require_service()
        await service.resolve_conflict(entity, key, take)
        if take == "crm":
            said = self.tr("Took the CRM's value into the shop.")
        else:
            said = self.tr("Kept the shop's value; the next sync sends it to Bitrix24.")
        self.message_bar.show_message(said)
        await self.refresh()

    def _show_detail(self, tab: RecordsTab, rec: RecordStatus | None) -> None:
        tab.show_resolve(rec if self.service is not None else None)
        if rec is None or self.service is None:
            tab.detail.show_record(None)
            return
        tab.detail.show_record(rec, self._portal_url(rec))
        self._history.start(self._load_history(tab, rec))

    def history_task(self) -> asyncio.Task[Any] | None:
        """The load of the selected record's job history, if one was started."""
        return self._history.task

    async def _load_history(self, tab: RecordsTab, rec: RecordStatus) -> None:
        service = self.require_service()
        lines = await service.job_history(rec.entity, rec.key)
        if tab.detail.record is rec:
            tab.detail.show_history(lines)
        changes = await service.record_changes(rec.entity, rec.key)
        if tab.detail.record is rec:
            tab.detail.show_changes(changes)

    # -- the archive --------------------------------------------------------------------------------
    async def restore_archived(self, rec: ArchivedRecord) -> bool:
        """Ask, restore one archived record, and say in words what happened. True if something was restored
        (or had been already)."""
        service = self.require_service()
        what = f"{record_kind_label(rec.entity)} {rec.portal_id}"
        title = archived_title(rec)
        shop_record = f"{record_kind_label(shop_of(rec.entity))} {rec.shop_key}"
        question = self.tr("Restore {record} «{title}», archived {time}?").format(
            record=what, title=title, time=fmt_time(rec.archived_at)
        )
        question += "\n\n" + self.tr(
            "It is created again in Bitrix24 with the fields it had when it was archived, under a new id. "
            "If {shop_record} points at nothing, or at a record that no longer exists, it is pointed at the "
            "restored one; otherwise the restored record stands beside the one it keeps, and syncs leave it "
            "alone."
        ).format(shop_record=shop_record)
        if rec.restored_as is not None:
            question += "\n\n" + self.tr("It was restored already, as {id}: nothing new is created.").format(
                id=rec.restored_as
            )
        confirm = self.tr("Restore {record}").format(record=what)
        if not await self.ask(ConfirmDialog(question, confirm, self.widget)):
            return False
        self.say(lambda: self.tr("Restoring {record}…").format(record=what))
        outcome = await service.restore_archived(rec.path)
        new = f"{record_kind_label(rec.entity)} {outcome.new_id}"
        if outcome.new_id is None:
            text = self.tr("{record} still exists in Bitrix24: nothing was restored.").format(record=what)
        elif outcome.already:
            text = self.tr("{record} was restored already, as {new}: nothing was created.").format(
                record=what, new=new
            )
        elif outcome.repointed:
            text = self.tr("Restored {record} as {new}; {shop_record} now points at it.").format(
                record=what, new=new, shop_record=shop_record
            )
        else:
            text = self.tr(
                "Restored {record} as {new}; {shop_record} keeps the record it has, and the restored one "
                "stands beside it."
            ).format(record=what, new=new, shop_record=shop_record)
        self.message_bar.show_message(text)
        self.say(lambda: "")
        await self.refresh_queue()
        await self.refresh_archive()
        return outcome.new_id is not None

    def _portal_url(self, rec: RecordStatus) -> str | None:
        """The record's page in Bitrix24; None when it has none (nothing linked, or a stored id Bitrix24
        no longer has: a stale link opens nothing)."""
        if self.service is None or rec.state is RecordState.STALE_LINK:
            return None
        portal = rec.portal_id if rec.portal_id is not None else rec.stored_id
        return self.service.record_url(rec.entity, portal) if portal is not None else None

    def pane_link(self, tab: RecordsTab, url: str) -> None:
        """A link in the detail pane: the record's page, or a stale link's re-create / unlink."""
        rec = tab.detail.record
        if rec is None:
            return
        if url == tab.detail.RECREATE_LINK:
            self.run(self.queue_action(rec.entity, [rec.key], "create"), "re-create")
        elif url == tab.detail.UNLINK_LINK:
            self.run(self.unlink_records(rec.entity, [rec.key]), "unlink")
        else:
            self.open_url(url)

    async def unlink_records(self, entity: str, keys: Sequence[str]) -> int:
        """Ask, then make the selected stale links forget the ids Bitrix24 no longer has."""
        service = self.require_service()
        wanted = set(keys)
        stale = [
            s
            for s in (self.snapshot.statuses(entity) if self.snapshot else ())
            if s.key in wanted and s.state is RecordState.STALE_LINK and s.stored_id is not None
        ]
        if not stale:
            self.message_bar.show_message(
                self.tr("Only a stale link can be unlinked: none of the selected records has one.")
            )
            return 0
        n = len(stale)
        listed = ", ".join(f"{record_kind_label(entity)} {s.key} → {s.stored_id}" for s in stale[:10])
        question = (
            self.tr("Unlink %n record(s)?", "", n)
            + "\n\n"
            + self.tr(
                "The shop forgets the ids of Bitrix24 records that no longer exist ({list}). The records "
                "then show as missing; nothing is created in Bitrix24 until someone queues it."
            ).format(list=listed)
        )
        if not await self.ask(ConfirmDialog(question, self.tr("Unlink %n record(s)", "", n), self.widget)):
            return 0
        done = await service.unlink(entity, [(s.key, s.stored_id) for s in stale if s.stored_id is not None])
        self.message_bar.show_message(self.tr("Unlinked %n record(s).", "", done))
        await self.refresh()
        return done

    async def _confirm_recreate(self, plan: Plan) -> bool:
        """Before re-creating records someone deleted in Bitrix24, say so and ask: it may have been on
        purpose. True when there are none, or the person agrees."""
        gone = [j for j in plan.jobs if j.payload and j.payload.get("stale_id") is not None]
        if not gone:
            return True
        n = len(gone)
        listed = ", ".join(f"{j.entity_key} → {j.payload['stale_id']}" for j in gone[:10] if j.payload)
        question = self.tr(
            "%n of these records were deleted or merged in Bitrix24 by someone, not by this app: {list}.",
            "",
            n,
        ).format(list=listed)
        question += "\n\n" + self.tr(
            "Re-creating makes new records from the shop's data. If they were deleted on purpose, unlink "
            "them instead."
        )
        return await self.ask(ConfirmDialog(question, self.tr("Re-create %n record(s)", "", n), self.widget))

    def open_in_portal(self, rec: RecordStatus) -> None:
        if rec.state is RecordState.STALE_LINK:
            self.message_bar.show_message(
                self.tr(
                    "{kind} {key} points at a record Bitrix24 no longer has: re-create or unlink it."
                ).format(kind=record_kind_label(rec.entity), key=rec.key)
            )
            return
        url = self._portal_url(rec)
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
        if page is self.runners:
            return self.runners.model, self.runners.proxy, "runners"
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
                self.widget, self.tr("Export to CSV"), f"{name}.csv", self.tr("CSV files (*.csv)")
            )
            if path is None:
                return 0
        n = export_csv(proxy, path)
        self.say(lambda: self.tr("Exported %n row(s) to {path}", "", n).format(path=path))
        return n

    async def open_settings(self) -> bool:
        from .settings import SettingsDialog

        dialog = SettingsDialog(self.config_path, tester=self.tester, parent=self.widget)
        queue_before = dialog.saved_queue_url
        if not await self.ask(dialog):
            return False
        self.say(lambda: self.tr("Settings saved"))
        # Another team queue (or none) is another place to work: connect to it at once.
        moved = dialog.saved_queue_url != queue_before
        if self.service_factory is not None and (self.service is None or self.demo or moved):
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

    # Given by QObject and by the window. (Declared last: lupdate loses the class name after a nested def.)
    if TYPE_CHECKING:

        def retranslate_ui(self) -> None: ...
        def say(self, text: Callable[[], str]) -> None: ...
        def _show_start_message(self) -> None: ...
        def _set_connected(self, connected: bool) -> None: ...
