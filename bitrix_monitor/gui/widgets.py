"""Small widgets: the activity chart, the message bar, the plan dialog, the record detail pane, and the
helpers that await a dialog or a file chooser without blocking the loop."""

from __future__ import annotations

import asyncio
import csv
import html
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.log import redact
from bitrix_monitor.sync.fields import PORTAL_TIMES, portal_time
from bitrix_monitor.sync.model import Plan, RecordStatus

from .models import STATE_COLOURS, fmt_time, state_label


async def run_dialog(dialog: QDialog, on_open: Callable[[], None] | None = None) -> bool:
    """Open ``dialog`` window-modally and wait for it without a nested event loop. True if accepted.

    ``on_open`` runs once the dialog is open (tests answer it there)."""
    future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not future.done():
            future.set_result(result == QDialog.DialogCode.Accepted)

    dialog.finished.connect(finished)
    dialog.open()
    if on_open is not None:
        on_open()
    try:
        return await future
    finally:
        if isValid(dialog) and dialog.isVisible():
            dialog.reject()


async def ask_save_path(parent: QWidget, title: str, default_name: str, name_filter: str) -> Path | None:
    chooser = QFileDialog(parent, title, default_name, name_filter)
    chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    chooser.setObjectName("saveDialog")
    if not await run_dialog(chooser):
        return None
    files = chooser.selectedFiles()
    return Path(files[0]) if files else None


def export_csv(model: QAbstractItemModel, path: Path) -> int:
    """Write what ``model`` shows (headers and display text, in view order) as CSV. Returns the rows."""
    columns = model.columnCount()
    rows = model.rowCount()
    try:
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow([model.headerData(c, Qt.Orientation.Horizontal) for c in range(columns)])
            for r in range(rows):
                writer.writerow([model.index(r, c).data() or "" for c in range(columns)])
    except OSError as exc:
        raise UserFacingError(f"Cannot write {path}: {exc.strerror}") from None
    return rows


class MessageBar(QFrame):
    """A non-blocking message at the top of the window, for errors the user can act on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#messageBar { background: #fff3cd; border: 1px solid #e0c060; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(redact(text))
        self.show()

    def show_error(self, exc: UserFacingError) -> None:
        self.show_message(str(exc))

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


class ActivityChart(QWidget):
    """Bars per minute: jobs done (up, green), failed (down, red) and seconds throttled (grey line)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buckets: list[tuple[int, int, float]] = []
        self.setMinimumHeight(140)
        self.setToolTip(
            "Last hour, per minute: jobs done (green, up), failed (red, down), time throttled (grey)"
        )

    def set_buckets(self, buckets: Sequence[tuple[int, int, float]]) -> None:
        self.buckets = list(buckets)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, 160)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        rect = self.rect().adjusted(4, 4, -4, -18)
        p.fillRect(self.rect(), self.palette().base())
        p.setPen(self.palette().text().color())
        if not self.buckets:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No activity yet")
            p.end()
            return
        n = len(self.buckets)
        peak = max(max(d, f) for d, f, _t in self.buckets) or 1
        throttle_peak = max(t for _d, _f, t in self.buckets) or 1.0
        mid = rect.top() + rect.height() * 0.7
        width = rect.width() / n
        done_colour = QColor(STATE_COLOURS["done"])
        failed_colour = QColor(STATE_COLOURS["failed"])
        for i, (done, failed, _t) in enumerate(self.buckets):
            x = rect.left() + i * width
            up = (mid - rect.top()) * done / peak
            down = (rect.bottom() - mid) * failed / peak
            p.fillRect(QRectF(x + 1, mid - up, max(1.0, width - 2), up), done_colour)
            p.fillRect(QRectF(x + 1, mid, max(1.0, width - 2), down), failed_colour)
        p.setPen(QColor("#888888"))
        p.drawLine(int(rect.left()), int(mid), int(rect.right()), int(mid))
        p.setPen(QPen(QColor("#9e9e9e"), 1, Qt.PenStyle.DashLine))
        points = [
            (rect.left() + (i + 0.5) * width, rect.bottom() - rect.height() * t / throttle_peak)
            for i, (_d, _f, t) in enumerate(self.buckets)
        ]
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            p.drawLine(int(x1), int(y1), int(x2), int(y2))
        p.setPen(self.palette().text().color())
        p.drawText(4, self.height() - 4, f"last {n} min · peak {peak} jobs/min")
        p.end()


class PlanDialog(QDialog):
    """Shows what a bulk action will queue and asks for confirmation naming the count."""

    def __init__(self, plan: Plan, *, verb: str = "Queue", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planDialog")
        self.plan = plan
        n = len(plan)
        self.setWindowTitle(f"{verb} {n} job{'s' if n != 1 else ''}")
        layout = QVBoxLayout(self)
        counts = ", ".join(f"{count} × {kind}" for kind, count in plan.counts().items())
        self.summary = QLabel(f"The plan: {counts}." if counts else "Nothing to do.")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.records = QPlainTextEdit()
        self.records.setReadOnly(True)
        self.records.setPlainText(
            "\n".join(f"{job.kind:<16} {job.entity_key:<12} {job.reason}" for job in plan.jobs)
        )
        self.records.setMinimumSize(520, 220)
        layout.addWidget(self.records)
        self.question = QLabel(f"{verb} {n} job{'s' if n != 1 else ''}?")
        font = self.question.font()
        font.setBold(True)
        self.question.setFont(font)
        layout.addWidget(self.question)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(
            f"{verb} {n} job{'s' if n != 1 else ''}", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class ConfirmDialog(QDialog):
    """A yes/no question whose confirm button names the action and its count."""

    def __init__(self, question: str, confirm: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirmDialog")
        self.setWindowTitle(confirm)
        layout = QVBoxLayout(self)
        self.question = QLabel(question)
        layout.addWidget(self.question)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class DetailPane(QTextBrowser):
    """Shop values next to portal values, differences marked; duplicates; job history; a portal link."""

    link_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.setOpenLinks(False)
        self.anchorClicked.connect(lambda url: self.link_clicked.emit(url.toString()))
        self.record: RecordStatus | None = None
        self.url: str | None = None
        self.history: list[str] | None = None
        self.show_record(None)

    def show_record(self, record: RecordStatus | None, url: str | None = None) -> None:
        self.record, self.url, self.history = record, url, None
        self._render()

    def show_history(self, lines: list[str]) -> None:
        self.history = lines
        self._render()

    def _render(self) -> None:
        rec = self.record
        if rec is None:
            self.setHtml("<p><i>Select a record to see it next to its portal record.</i></p>")
            return
        e = html.escape
        parts = [f"<h3>{e(rec.entity.title())} {e(rec.key)}: {e(rec.label)}</h3>"]
        state = f"<b>{e(state_label(rec.state.value))}</b>"
        if rec.queue.value:
            state += f" · queue: {e(state_label(rec.queue.value))}"
        parts.append(f"<p>State: {state}</p>")
        ids = []
        if rec.stored_id is not None:
            ids.append(f"stored id {rec.stored_id}")
        if rec.portal_id is not None:
            ids.append(f"portal id {rec.portal_id}")
        if ids:
            parts.append(f"<p>{e(', '.join(ids))}</p>")
        if self.url:
            parts.append(f'<p><a href="{e(self.url)}">Open in Bitrix24</a></p>')
        if rec.note:
            parts.append(f"<p>Note: {e(rec.note)}</p>")
        if rec.last_error:
            parts.append(f"<p>Last error: {e(rec.last_error)}</p>")
        if rec.last_synced:
            parts.append(f"<p>Last synced: {e(fmt_time(rec.last_synced))}</p>")
        names = list(dict.fromkeys([*rec.shop_values, *(d.field for d in rec.diffs), *rec.portal_values]))
        if names:
            diffs = {d.field: d for d in rec.diffs}
            rows = ["<tr><th></th><th>Field</th><th>Shop</th><th>Portal</th></tr>"]
            for name in names:
                shop = diffs[name].shop if name in diffs else rec.shop_values.get(name)
                portal = diffs[name].portal if name in diffs else rec.portal_values.get(name)
                if name in PORTAL_TIMES and (moment := portal_time(portal)) is not None:
                    portal = fmt_time(moment)  # the portal's zone → this machine's, named
                if name in diffs:
                    mark, style = "≠", ' style="background:#fdecea;font-weight:bold"'
                elif name not in rec.shop_values:
                    mark, style = "", ' style="color:#777777"'  # portal-only (id, dates): not compared
                else:
                    mark, style = "=", ""
                rows.append(
                    f"<tr{style}><td>{mark}</td><td>{e(name)}</td><td>{e(shop or '—')}</td>"
                    f"<td>{e(portal or '—')}</td></tr>"
                )
            parts.append('<table border="1" cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>")
            if diffs:
                parts.append(f"<p>≠ marks the {len(diffs)} field(s) that differ.</p>")
        for heading, evidence in (
            ("Duplicates", [d for d in rec.duplicates if d.cleanable]),
            # Shown for a person, never cleaned up: shared links, title clashes, other integrations' records.
            ("Shared with other records (left alone)", [d for d in rec.duplicates if not d.cleanable]),
        ):
            if not evidence:
                continue
            parts.append(f"<h4>{heading}</h4><ul>")
            for dup in evidence:
                ids_text = ", ".join(str(i) for i in dup.ids)
                value = f" = {e(dup.value)}" if dup.value else ""
                parts.append(f"<li>portal records {e(ids_text)} matched by {e(dup.matched_by)}{value}</li>")
            parts.append("</ul>")
        parts.append("<h4>Job history</h4>")
        if self.history is None:
            parts.append("<p><i>loading…</i></p>")
        else:
            lines = self.history or ["no jobs for this record yet"]
            parts.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>")
        self.setHtml("".join(parts))
