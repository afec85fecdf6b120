"""Crash dialog (secrets redacted), Qt messages in logging, user-facing errors from spawned tasks,
progress throttling."""

from __future__ import annotations

import asyncio
import logging
import sys

import pytest
from PySide6.QtCore import qWarning

from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.gui import aio
from bitrix_monitor.gui.crash import CrashDialog, ExceptHook, format_crash, install_qt_message_handler
from bitrix_monitor.log import register_secret
from bitrix_monitor.sync.model import Progress
from tests.gui.conftest import wait_until


def _raise(message: str) -> BaseException:
    try:
        raise RuntimeError(message)
    except RuntimeError as exc:
        return exc


def test_crash_report_redacts_webhook_secrets_and_passwords() -> None:
    register_secret("pa55word-xyz")
    exc = _raise("POST https://x.bitrix24.com/rest/7/zz99secretzz/crm.deal.add failed; pw pa55word-xyz")
    report = format_crash(type(exc), exc, exc.__traceback__)
    assert "zz99secretzz" not in report
    assert "pa55word-xyz" not in report
    assert "RuntimeError" in report
    assert "Traceback" in report


def test_excepthook_logs_the_bug_and_opens_a_crash_dialog(qtbot, caplog: pytest.LogCaptureFixture) -> None:
    hook = ExceptHook()
    exc = _raise("kaput at https://x.bitrix24.com/rest/1/abcd1234efgh/")
    with caplog.at_level(logging.ERROR):
        hook(type(exc), exc, exc.__traceback__)
    assert len(hook.dialogs) == 1
    dialog = hook.dialogs[0]
    qtbot.addWidget(dialog)
    assert isinstance(dialog, CrashDialog)
    assert "kaput at https://x.bitrix24.com/rest/1/***/" in dialog.details.toPlainText()
    assert "abcd1234efgh" not in dialog.details.toPlainText()
    assert any(r.getMessage() == "unexpected error" for r in caplog.records)
    dialog.copy_button.click()
    dialog.reject()
    assert hook.dialogs == []


def test_install_and_uninstall_restore_the_previous_hook() -> None:
    before = sys.excepthook
    hook = ExceptHook()
    hook.install()
    assert sys.excepthook is hook
    hook.uninstall()
    assert sys.excepthook is before


def test_qt_messages_go_to_logging(caplog: pytest.LogCaptureFixture) -> None:
    restore = install_qt_message_handler()
    try:
        with caplog.at_level(logging.WARNING, logger="qt"):
            qWarning("a warning from Qt")
    finally:
        restore()
    assert any("a warning from Qt" in r.getMessage() and r.name == "qt" for r in caplog.records)


async def test_user_facing_errors_from_spawned_tasks_reach_the_sink() -> None:
    seen: list[UserFacingError] = []
    aio.set_user_error_sink(seen.append)

    async def fail() -> None:
        raise UserFacingError("portal unreachable")

    try:
        aio.spawn(fail(), "failing")
        await wait_until(lambda: bool(seen))
    finally:
        aio.set_user_error_sink(None)
    assert str(seen[0]) == "portal unreachable"


async def test_cancel_all_cancels_spawned_tasks() -> None:
    task = aio.spawn(asyncio.sleep(3600), "sleeper")
    await aio.cancel_all()
    assert task.cancelled()


async def test_progress_is_throttled_and_the_last_value_arrives() -> None:
    relay = aio.ProgressRelay(interval_ms=250)
    seen: list[Progress] = []
    relay.changed.connect(seen.append)
    for i in range(1000):
        relay(Progress("reading shop", i, 999))
    relay.flush()
    assert len(seen) < 1000
    assert seen[-1] == Progress("reading shop", 999, 999)
    assert seen[0] == Progress("reading shop", 0, 999)
