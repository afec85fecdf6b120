"""Logging, configured in one place: module loggers, a rotating file in the data dir, and a filter that
redacts webhook secrets and passwords from every record, whatever handler it goes to."""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
from pathlib import Path
from typing import Any

from bitrix_monitor.messages import Message, os_reason

_WEBHOOK_RE = re.compile(r"(/rest/\d+/)([^/\s\"'?#]+)")
# The password in a URL's user info runs to the *last* "@" before the host (an unescaped "@" in a password
# is common), so the match is greedy up to the end of the authority.
_URL_PASSWORD_RE = re.compile(r"(://[^:/@\s\"']*:)([^\s\"'/?#]*)(@)")
# A password given as a query parameter (``?password=…``, as libpq and PyMySQL accept) or a DSN keyword.
_QUERY_PASSWORD_RE = re.compile(r"(?i)(\b(?:password|passwd|pwd)=)([^&\s\"';#]+)")
# Environment variables the database drivers read a password from by themselves.
DRIVER_PASSWORD_ENV = ("PGPASSWORD", "MYSQL_PWD")

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Make the redactor hide this value wherever it appears (minimum 4 characters)."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)
            m = _WEBHOOK_RE.search(value)
            if m and len(m.group(2)) >= 4:
                _secrets.add(m.group(2))


def redact(text: str) -> str:
    """Hide webhook secrets, URL passwords and every registered secret in ``text``."""
    text = _WEBHOOK_RE.sub(r"\1***", text)
    text = _URL_PASSWORD_RE.sub(r"\1***\3", text)
    text = _QUERY_PASSWORD_RE.sub(r"\1***", text)
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for s in secrets:
        if s in text:
            text = text.replace(s, "***")
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class _NoTracebackFormatter(logging.Formatter):
    """For the terminal: one line per record; tracebacks go to the log file only."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """The terminal: whatever ``sys.stderr`` is when a record is written, not the stream it was when logging
    was set up (a redirected or replaced stderr, e.g. a test's capture, must not get a closed file)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class _LogFile(logging.handlers.RotatingFileHandler):
    """The log file. A write that fails later (disk full, file system turned read-only) stops file logging
    quietly, instead of a "Logging error" traceback for every record; :func:`log_file_failure` says why."""

    failure: Message | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.failure is None:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        if self.failure is None:
            exc = sys.exc_info()[1]
            reason = os_reason(exc) if isinstance(exc, OSError) else Message.plain(type(exc).__name__)
            self.failure = Message("cli.log_stopped", {"path": self.baseFilename, "error": reason})

    def probe(self) -> None:
        """Write and flush one line now: a file that cannot be written fails here (``OSError``), at start."""
        stream = self.stream or self._open()
        self.stream = stream
        stream.write(
            self.format(logging.makeLogRecord({"msg": "log opened", "levelno": 20, "levelname": "INFO"}))
        )
        stream.write(self.terminator)
        stream.flush()


def log_file_failure() -> Message | None:
    """Why the log file stopped being written during this run, or None (for the front end to say once, in
    its language)."""
    for h in logging.getLogger().handlers:
        if isinstance(h, _LogFile) and h.failure is not None:
            return h.failure
    return None


def setup_logging(log_dir: Path | None, *, verbose: bool = False, stderr: bool = True) -> None:
    """Configure the root logger. Safe to call more than once (handlers are replaced). Raises ``OSError`` when
    the log file cannot be opened or written (a read-only or full data directory)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_bitrix_monitor", False):
            root.removeHandler(h)
            h.close()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        fh = _LogFile(log_dir / "bitrix-monitor.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8")
        fh.setFormatter(logging.Formatter(_FORMAT))
        try:
            fh.probe()
        except BaseException:
            fh.close()
            raise
        fh.setLevel(logging.DEBUG if verbose else logging.INFO)
        handlers.append(fh)
    if stderr:
        sh = _Stderr()
        sh.setLevel(logging.DEBUG if verbose else logging.WARNING)
        sh.setFormatter(_NoTracebackFormatter("%(levelname)s: %(message)s"))
        handlers.append(sh)
    for h in handlers:
        if h.formatter is None:
            h.setFormatter(logging.Formatter(_FORMAT))
        h.addFilter(RedactingFilter())
        h._bitrix_monitor = True  # type: ignore[attr-defined]
        root.addHandler(h)
    # Third-party chatter that could print URLs with secrets at DEBUG level.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
