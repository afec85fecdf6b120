"""Errors routed once (STYLE.md §10, §13): Qt's messages into logging, bugs into a crash dialog."""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QEvent, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from bitrix_monitor import APP_NAME, __version__
from bitrix_monitor.log import redact

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(msg_type: QtMsgType, context: object, message: str) -> None:
    category = getattr(context, "category", None) or "qt"
    qt_log.log(_QT_LEVELS.get(msg_type, logging.WARNING), "%s: %s", category, message)


def install_qt_message_handler() -> Callable[[], None]:
    """Route qDebug/qWarning/… into the ``qt`` logger. Returns a function that restores the previous one."""
    previous = qInstallMessageHandler(_qt_message)

    def restore() -> None:
        qInstallMessageHandler(previous)

    return restore


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def format_crash(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """The crash report: versions and the traceback, with every secret redacted."""
    lines = [
        f"{APP_NAME} {__version__}",
        f"Python {platform.python_version()} on {platform.platform()}",
        "",
        *traceback.format_exception(exc_type, exc, tb),
    ]
    return redact("".join(line if line.endswith("\n") else line + "\n" for line in lines))


class CrashDialog(QDialog):
    """Shows an unexpected error with details to copy. Never shows a secret (the text is redacted)."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.report = report
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.details = QPlainTextEdit(report)
        self.details.setReadOnly(True)
        self.details.setMinimumSize(640, 280)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Unexpected error"))
        self.intro.setText(
            self.tr(
                "Something went wrong that the app did not expect. Your data is safe; the job queue keeps "
                "its state. Please copy the details below into a bug report."
            )
        )
        self.copy_button.setText(self.tr("Copy details"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.report)


class ExceptHook:
    """``sys.excepthook`` replacement: log the bug with its traceback and open a crash dialog."""

    def __init__(self) -> None:
        self.previous = sys.excepthook
        self.dialogs: list[CrashDialog] = []

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self.previous(exc_type, exc, tb)
            return
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        if QApplication.instance() is None:
            self.previous(exc_type, exc, tb)
            return
        dialog = CrashDialog(format_crash(exc_type, exc, tb), QApplication.activeWindow())
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r, d=dialog: self.dialogs.remove(d))
        dialog.open()

    def install(self) -> None:
        sys.excepthook = self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self.previous
