"""Small widgets: the activity chart, the message bar, the plan dialog, the record detail pane, and the
helpers that await a dialog or a file chooser without blocking the loop."""

from __future__ import annotations

import asyncio
import csv
import html
import itertools
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, QEvent, QRectF, QSize, Qt, QUrl, Signal
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

from bitrix_monitor import localefmt
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.kinds import shop_of
from bitrix_monitor.log import redact
from bitrix_monitor.messages import Message, Param, os_reason
from bitrix_monitor.money import AmountError, parse_amount
from bitrix_monitor.sync.api import MergePreview, RecordChanges
from bitrix_monitor.sync.fields import PORTAL_TIMES, WHO, portal_time
from bitrix_monitor.sync.model import PORTAL_ENTITY, Plan, RecordState, RecordStatus

from .models import STATE_COLOURS, fmt_count, fmt_number, fmt_time
from .words import (
    error_text,
    event_label,
    field_label,
    kind_label,
    match_label,
    record_kind_label,
    said,
    state_label,
    window_language,
)


def _event_said(detail: str | None, coded: str | None, text: str) -> str:
    """What a job's event (its detail, JSON) names, in the window's language: the message under ``coded``
    (None: the detail itself is the message) when it was stored with a code, else its English under
    ``text`` (stored before codes); "" when it names none."""
    try:
        data = json.loads(detail or "")
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    code = data if coded is None else data.get(coded)
    if isinstance(code, dict) and "code" in code:
        try:
            return error_text(Message.from_dict(code))
        except (KeyError, TypeError, ValueError):
            pass
    said = data.get(text)
    return said if isinstance(said, str) else ""


def _event_error(detail: str | None) -> str:
    """The error a failed job's event names, in the window's language (its text if stored before codes)."""
    return _event_said(detail, None, "message")


def _event_reason(detail: str | None) -> str:
    """Why the queue moved a job, as its event stored it, in the window's language (its text if stored
    before codes)."""
    return _event_said(detail, "reason_code", "reason")


def is_language_change(event: QEvent) -> bool:
    """True for the event Qt sends every widget when a translator is installed or removed."""
    return event.type() == QEvent.Type.LanguageChange


# Who changed a record in the portal and when: shown under "Last change", not as rows of the field table.
WHO_FIELDS = frozenset(name for names in WHO.values() for name in names)
# A pull's reason for waiting (PullField.state) as the record state shown for it.
WAITING_STATES = {"conflict": "conflict", "needs_stage_mapping": "needs_stage_mapping"}

HISTORY_LINE = re.compile(r"^(?P<at>\S+ \S+) #(?P<job>\d+) (?P<kind>\S+) (?P<event>\S+)(?: (?P<detail>.*))?$")


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
    except OSError as exc:  # the kind of failure in the window's language; the OS's words only for others
        said: dict[str, Param] = {"path": str(path), "error": os_reason(exc)}
        raise UserFacingError(Message("export.failed", said)) from None
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
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.close_button)
        self.retranslate_ui()
        self.hide()

    def retranslate_ui(self) -> None:
        self.close_button.setText(self.tr("Dismiss"))

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def show_message(self, text: str) -> None:
        self.label.setText(redact(text))
        self.show()

    def show_error(self, exc: UserFacingError) -> None:
        self.show_message(error_text(exc))

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


class ActivityChart(QWidget):
    """Bars per minute: jobs done (up, green), failed (down, red) and seconds throttled (grey line)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buckets: list[tuple[int, int, float]] = []
        self.setMinimumHeight(140)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setToolTip(
            self.tr("Last hour, per minute: jobs done (green, up), failed (red, down), time throttled (grey)")
        )
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def set_buckets(self, buckets: Sequence[tuple[int, int, float]]) -> None:
        self.buckets = list(buckets)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, 160)

    def axis_labels(self) -> dict[str, str]:
        """The axes' words and units: the scale of the bars (jobs per minute, done up and failed down from
        the 0 line), of the throttle line (seconds per minute) and the time axis (minutes ago to now)."""
        n = len(self.buckets)
        busiest = max((max(d, f) for d, f, _t in self.buckets), default=0)
        throttled = max((t for _d, _f, t in self.buckets), default=0.0)
        return {
            "jobs": self.tr("%n job(s)/min", "", busiest),
            "zero": "0",
            "throttled": self.tr("{seconds} s/min throttled").format(seconds=fmt_number(throttled, 1)),
            "start": self.tr("%n min ago", "", n),
            "end": self.tr("now"),
        }

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().base())
        p.setPen(self.palette().text().color())
        if not self.buckets:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("No activity yet"))
            p.end()
            return
        labels = self.axis_labels()
        metrics = p.fontMetrics()
        line = metrics.height()
        # the y axis' labels on the left, the time axis' under the bars, the throttle scale above them
        rect = QRectF(self.rect()).adjusted(
            metrics.horizontalAdvance(labels["jobs"]) + 8, line + 4, -4, -line - 4
        )
        n = len(self.buckets)
        busiest = max(max(d, f) for d, f, _t in self.buckets)
        peak = busiest or 1  # the scale
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
        p.drawLine(int(rect.left()), int(rect.top()), int(rect.left()), int(rect.bottom()))
        p.setPen(QPen(QColor("#9e9e9e"), 1, Qt.PenStyle.DashLine))
        points = [
            (rect.left() + (i + 0.5) * width, rect.bottom() - rect.height() * t / throttle_peak)
            for i, (_d, _f, t) in enumerate(self.buckets)
        ]
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            p.drawLine(int(x1), int(y1), int(x2), int(y2))
        p.setPen(self.palette().text().color())
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        left_column = QRectF(0, 0, rect.left() - 4, line)
        for key, y in (("jobs", rect.top()), ("zero", mid), ("jobs", rect.bottom())):
            p.drawText(left_column.translated(0, y - line / 2), right, labels[key])
        below = QRectF(rect.left(), rect.bottom() + 2, rect.width(), line)
        p.drawText(below, Qt.AlignmentFlag.AlignLeft, labels["start"])
        p.drawText(below, Qt.AlignmentFlag.AlignRight, labels["end"])
        p.setPen(QColor("#757575"))
        p.drawText(
            QRectF(rect.left(), 2, rect.width(), line), Qt.AlignmentFlag.AlignRight, labels["throttled"]
        )
        p.end()


class PlanDialog(QDialog):
    """Shows what a bulk action will queue and asks for confirmation naming the count. For duplicate
    cleanups (``previews``) it names the record that stays and each that disappears, key fields side by
    side."""

    def __init__(
        self, plan: Plan, *, parent: QWidget | None = None, previews: Sequence[MergePreview] = ()
    ) -> None:
        super().__init__(parent)
        self.setObjectName("planDialog")
        self.plan = plan
        self.previews = list(previews)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.records = QPlainTextEdit()
        self.records.setReadOnly(True)
        self.records.setMinimumSize(520, 220 if not self.previews else 120)
        layout.addWidget(self.records)
        self.merges = QTextBrowser()
        self.merges.setObjectName("mergePreview")
        self.merges.setMinimumSize(720, 320)
        self.merges.setVisible(bool(self.previews))
        layout.addWidget(self.merges, 1)
        self.question = QLabel()
        font = self.question.font()
        font.setBold(True)
        self.question.setFont(font)
        layout.addWidget(self.question)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        n = len(self.plan)
        self.setWindowTitle(self.tr("Queue %n job(s)", "", n))
        counts = "; ".join(f"{kind_label(kind)}: {fmt_count(n)}" for kind, n in self.plan.counts().items())
        self.summary.setText(
            self.tr("The plan: {counts}.").format(counts=counts) if counts else self.tr("Nothing to do.")
        )
        self.records.setPlainText(
            "\n".join(
                f"{kind_label(job.kind):<24} {job.entity_key:<12} {said(job.reason)}"
                for job in self.plan.jobs
            )
        )
        self.question.setText(self.tr("Queue %n job(s)?", "", n))
        self.ok_button.setText(self.tr("Queue %n job(s)", "", n))
        if self.previews:
            self.merges.setHtml(self._merges_html())

    def _merges_html(self) -> str:
        e = html.escape
        parts = []
        for p in self.previews:
            kind = record_kind_label(p.entity)
            shop = record_kind_label(shop_of(p.entity))
            head = f"{shop} {p.key}"
            if p.survivor is None:
                line = self.tr("None of its records exists any more: nothing will be merged.")
                parts.append(f"<h4>{e(head)}</h4><p>{e(line)}</p>")
                continue
            stays = self.tr("{record} stays").format(record=f"{kind} {p.survivor}")
            if p.removed:
                gone = ", ".join(f"{kind} {i}" for i in p.removed)
                line = self.tr(
                    "{stays}; %n record(s) disappear: {gone} (each is archived first, then merged into it).",
                    "",
                    len(p.removed),
                ).format(stays=stays, gone=gone)
            else:
                line = self.tr("{stays}; nothing else disappears.").format(stays=stays)
            if p.left_alone:
                alone = ", ".join(f"{kind} {i}" for i in p.left_alone)
                line += " " + self.tr("Left alone (another integration's): {list}.").format(list=alone)
            parts.append(f"<h4>{e(head)}</h4><p>{e(line)}</p>")
            ids = [p.survivor, *p.removed]
            stays_word, gone_word, field_word = self.tr("stays"), self.tr("disappears"), self.tr("Field")
            header = "".join(
                f"<th>{e(kind)} {i}<br/>{e(stays_word if i == p.survivor else gone_word)}</th>" for i in ids
            )
            rows = [f"<tr><th>{e(field_word)}</th>{header}</tr>"]
            names = list(dict.fromkeys(n for i in ids for n in p.fields.get(i, {})))
            for name in names:
                values = [p.fields.get(i, {}).get(name, "") for i in ids]
                if name in PORTAL_TIMES:
                    values = [fmt_time(t) if (t := portal_time(v)) is not None else v for v in values]
                differ = len(set(values)) > 1
                style = ' style="background:#fdecea"' if differ else ""
                cells = "".join(f"<td>{e(v or '—')}</td>" for v in values)
                rows.append(f'<tr{style}><td title="{e(name)}">{e(field_label(name))}</td>{cells}</tr>')
            parts.append('<table border="1" cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>")
        return "".join(parts)

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)


class ConfirmDialog(QDialog):
    """A yes/no question whose confirm button names the action and its count (texts already translated)."""

    def __init__(
        self, question: str, confirm: str, parent: QWidget | None = None, *, back: str | None = None
    ) -> None:
        """``back`` names the way out when "Cancel" would be ambiguous (cancelling jobs)."""
        super().__init__(parent)
        self.setObjectName("confirmDialog")
        self.setWindowTitle(confirm)
        layout = QVBoxLayout(self)
        self.question = QLabel(question)
        layout.addWidget(self.question)
        buttons = QDialogButtonBox()
        if back is None:
            buttons.setStandardButtons(QDialogButtonBox.StandardButton.Cancel)
        else:
            self.back_button = buttons.addButton(back, QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button = buttons.addButton(confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def _money(amount: str | None, currency: str | None) -> str | None:
    """An amount as the window's language writes it with its currency; text that is no amount as it is."""
    if not amount:
        return amount
    try:
        value = parse_amount(amount)
    except AmountError:
        return amount
    return amount if value is None else localefmt.money(value, currency or "", window_language())


class DetailPane(QTextBrowser):
    """Shop values next to portal values, differences marked; duplicates; job history (its raw events
    behind "technical details"); a portal link."""

    link_clicked = Signal(str)
    DETAILS_LINK = "bm:technical-details"
    RECREATE_LINK = "bm:recreate"  # a stale link's two ways out (handled by the window)
    UNLINK_LINK = "bm:unlink"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._anchor)
        self.record: RecordStatus | None = None
        self.url: str | None = None
        self.history: list[str] | None = None
        self.changes: RecordChanges | None = None  # owners and the last change on each side, once loaded
        self.technical = False
        self.show_record(None)

    def _anchor(self, url: QUrl) -> None:
        if url.toString() == self.DETAILS_LINK:
            self.set_technical(not self.technical)
            return
        self.link_clicked.emit(url.toString())

    def set_technical(self, shown: bool) -> None:
        """Show or hide the job history's raw events (JSON)."""
        self.technical = shown
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event):
            self._render()
        super().changeEvent(event)

    def show_record(self, record: RecordStatus | None, url: str | None = None) -> None:
        self.record, self.url, self.history, self.changes = record, url, None, None
        self._render()

    def show_changes(self, changes: RecordChanges) -> None:
        """Who owns the record's fields and the shop's side of its last change (loaded after the record)."""
        self.changes = changes
        self._render()

    def owner_label(self, field: str) -> str:
        """Which way a mapped field travels, in words ("" until the owners are loaded)."""
        if self.changes is None:
            return ""
        owner = next((f.owner for f in self.changes.owned if f.field == field), "shop")
        if owner == "crm":
            return self.tr("Bitrix24 → shop")
        if owner == "both":
            return self.tr("both ways")
        return self.tr("shop → Bitrix24")

    def _who(self, value: str | None) -> str:
        """A portal user id as who made a change: this app (its webhook's user), or the user by id."""
        if not value or not value.strip().isdecimal():  # isdigit() takes "²", which int() refuses
            return self.tr("someone")
        if self.changes is not None and self.changes.app_user == int(value):
            return self.tr("this app")
        return self.tr("user {id}").format(id=value.strip())

    def _last_changes(self, rec: RecordStatus) -> list[str]:
        """The "Last change" lines: the shop's side, the portal's side (and a deal's last stage move, as
        the portal says), and what pulling knows of each field the CRM may change."""
        lines: list[str] = []
        changes = self.changes
        if changes is not None:
            if changes.shop_changed_at is not None:
                lines.append(self.tr("In the shop: {when}").format(when=fmt_time(changes.shop_changed_at)))
            else:
                lines.append(self.tr("In the shop: the shop keeps no time of changes"))
        values = rec.portal_values
        for when_field, by_field, text in (
            ("DATE_MODIFY", "MODIFY_BY_ID", self.tr("In Bitrix24: {when}, by {who}")),
            ("MOVED_TIME", "MOVED_BY_ID", self.tr("Stage moved in Bitrix24: {when}, by {who}")),
        ):
            moment = portal_time(values.get(when_field))
            if moment is not None:
                lines.append(text.format(when=fmt_time(moment), who=self._who(values.get(by_field))))
        for f in changes.owned if changes is not None else ():
            name = field_label(f.field)
            if f.pending is not None:
                state = WAITING_STATES.get(f.state, "changed_in_crm")
                when = fmt_time(f.pending_at) if f.pending_at is not None else self.tr("at an unknown time")
                lines.append(
                    self.tr(
                        "{field}: Bitrix24 changed it to {value} ({when}), not in the shop yet: {state}"
                    ).format(field=name, value=f.pending or "—", when=when, state=state_label(state))
                )
            elif f.agreed is not None:
                lines.append(
                    self.tr("{field}: both sides last agreed on {value}").format(
                        field=name, value=f.agreed or "—"
                    )
                )
        return lines

    def show_history(self, lines: list[str]) -> None:
        self.history = lines
        self._render()

    def _stale_html(self, rec: RecordStatus, gone: int) -> str:
        """A stored id Bitrix24 no longer has: no link to open, the two ways out and what each does."""
        e = html.escape
        crm = PORTAL_ENTITY.get(rec.entity, rec.entity)
        what = f"{record_kind_label(crm)} {gone}"
        said = self.tr(
            "{record} no longer exists in Bitrix24: it was deleted or merged there, not by this app."
        ).format(record=what)
        recreate = self.tr("Re-create")
        recreate_does = self.tr(
            "queues a new record made from the shop's data; the shop then stores its id (asks first)."
        )
        unlink = self.tr("Unlink")
        unlink_does = self.tr(
            "the shop forgets {id}; the record shows as missing, and nothing is created until someone "
            "queues it (asks first)."
        ).format(id=gone)
        return (
            f"<p><b>{e(said)}</b></p><ul>"
            f'<li><a href="{self.RECREATE_LINK}">{e(recreate)}</a>: {e(recreate_does)}</li>'
            f'<li><a href="{self.UNLINK_LINK}">{e(unlink)}</a>: {e(unlink_does)}</li></ul>'
        )

    def _history_line(self, line: str) -> str:
        """One job event for a person: when, the job in words, what happened and, for an error, which one
        in the window's language (the JSON stays out)."""
        m = HISTORY_LINE.match(line)
        if m is None:
            return line
        said = f"{m['at']} · {kind_label(m['kind'])} #{m['job']} · {event_label(m['event'])}"
        error = _event_error(m["detail"]) if m["event"] in ("failed", "dead") else ""
        return " · ".join(part for part in (said, error, _event_reason(m["detail"])) if part)

    def _render(self) -> None:
        rec = self.record
        if rec is None:
            self.setHtml(
                "<p><i>"
                + html.escape(self.tr("Select a record to see it next to its Bitrix24 record."))
                + "</i></p>"
            )
            return
        e = html.escape
        parts = [f"<h3>{e(record_kind_label(rec.entity))} {e(rec.key)}: {e(rec.label)}</h3>"]
        state = f"<b>{e(state_label(rec.state.value))}</b>"
        if rec.queue.value:
            state += " · " + e(self.tr("queue: {state}").format(state=state_label(rec.queue.value)))
        label = self.tr("State:")
        parts.append(f"<p>{e(label)} {state}</p>")
        ids = []
        if rec.stored_id is not None:
            ids.append(self.tr("stored id {id}").format(id=rec.stored_id))
        if rec.portal_id is not None:
            ids.append(self.tr("Bitrix24 id {id}").format(id=rec.portal_id))
        if ids:
            parts.append(f"<p>{e(', '.join(ids))}</p>")
        if rec.state is RecordState.STALE_LINK and rec.stored_id is not None:
            parts.append(self._stale_html(rec, rec.stored_id))
        elif self.url:
            link = self.tr("Open in Bitrix24")
            parts.append(f'<p><a href="{e(self.url)}">{e(link)}</a></p>')
        if rec.note:
            label = self.tr("Note:")
            parts.append(f"<p>{e(label)} {e(said(rec.note))}</p>")
        if rec.last_error:
            label = self.tr("Last error:")
            parts.append(f"<p>{e(label)} {e(error_text(rec.error, rec.last_error))}</p>")
        if rec.last_synced:
            label = self.tr("Last synced:")
            parts.append(f"<p>{e(label)} {e(fmt_time(rec.last_synced))}</p>")
        names = list(dict.fromkeys([*rec.shop_values, *(d.field for d in rec.diffs), *rec.portal_values]))
        names = [n for n in names if n not in WHO_FIELDS]
        if names:
            diffs = {d.field: d for d in rec.diffs}
            rows = [
                "<tr><th></th>"
                + "".join(
                    f"<th>{e(h)}</th>"
                    for h in (self.tr("Field"), self.tr("Shop"), self.tr("Bitrix24"), self.tr("Owner"))
                )
                + "</tr>"
            ]
            for name in names:
                shop = diffs[name].shop if name in diffs else rec.shop_values.get(name)
                portal = diffs[name].portal if name in diffs else rec.portal_values.get(name)
                if name in PORTAL_TIMES and (moment := portal_time(portal)) is not None:
                    portal = fmt_time(moment)  # the portal's zone → this machine's, named
                if name == "OPPORTUNITY":  # as the language writes money: 1 234,56 ₽, ₽1,234.56
                    currency = rec.portal_values.get("CURRENCY_ID") or rec.shop_values.get("CURRENCY_ID")
                    shop = _money(shop, rec.shop_values.get("CURRENCY_ID") or currency)
                    portal = _money(portal, currency)
                if name in diffs:
                    mark, style = "≠", ' style="background:#fdecea;font-weight:bold"'
                elif name not in rec.shop_values:
                    mark, style = "", ' style="color:#777777"'  # portal-only (id, dates): not compared
                else:
                    mark, style = "=", ""
                owner = self.owner_label(name) if name in rec.shop_values or name in diffs else ""
                rows.append(
                    f'<tr{style}><td>{mark}</td><td title="{e(name)}">{e(field_label(name))}</td>'
                    f"<td>{e(shop or '—')}</td><td>{e(portal or '—')}</td><td>{e(owner)}</td></tr>"
                )
            parts.append('<table border="1" cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>")
            if diffs:
                differ = self.tr("≠ marks the %n field(s) that differ.", "", len(diffs))
                parts.append(f"<p>{e(differ)}</p>")
        if last := self._last_changes(rec):
            heading = self.tr("Last change")
            parts.append(f"<h4>{e(heading)}</h4><ul>" + "".join(f"<li>{e(x)}</li>" for x in last) + "</ul>")
        for heading, evidence in (
            (self.tr("Duplicates"), [d for d in rec.duplicates if d.cleanable]),
            # Shown for a person, never cleaned up: shared links, title clashes, other integrations' records.
            (
                self.tr("Shared with other records (left alone)"),
                [d for d in rec.duplicates if not d.cleanable],
            ),
        ):
            if not evidence:
                continue
            parts.append(f"<h4>{e(heading)}</h4><ul>")
            for dup in evidence:
                ids_text = ", ".join(str(i) for i in dup.ids)
                value = f" = {said(dup.value)}" if dup.value else ""
                line = self.tr("Bitrix24 records {ids} matched by {how}{value}").format(
                    ids=ids_text, how=match_label(dup.matched_by), value=value
                )
                parts.append(f"<li>{e(line)}</li>")
            parts.append("</ul>")
        heading = self.tr("Job history")
        parts.append(f"<h4>{e(heading)}</h4>")
        if self.history is None:
            loading = self.tr("loading…")
            parts.append(f"<p><i>{e(loading)}</i></p>")
        elif not self.history:
            none_yet = self.tr("No jobs for this record yet.")
            parts.append(f"<p>{e(none_yet)}</p>")
        else:
            parts.append(
                "<ul>" + "".join(f"<li>{e(self._history_line(line))}</li>" for line in self.history) + "</ul>"
            )
            toggle = (
                self.tr("Hide technical details") if self.technical else self.tr("Show technical details")
            )
            parts.append(f'<p><a href="{self.DETAILS_LINK}">{e(toggle)}</a></p>')
            if self.technical:
                raw = "\n".join(self.history)
                parts.append(f'<pre style="font-size:small">{e(raw)}</pre>')
        self.setHtml("".join(parts))
