"""Start-up and shutdown of the desktop front end (STYLE.md §5).

PySide6 is imported before qasync; the loop starts the 3.11 way with
``asyncio.Runner(loop_factory=lambda: QEventLoop(app))``; closing the window, Quit, SIGINT and SIGTERM
set one ``asyncio.Event``; ``amain`` then closes the service and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication
from qasync import QEventLoop

from bitrix_monitor import APP_NAME, APP_TITLE, config
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import ConnectionTests

from . import i18n
from .aio import cancel_all, spawn
from .crash import ExceptHook, install_qt_message_handler
from .window import MainWindow, ServiceFactory

log = logging.getLogger(__name__)


def run_gui(
    service_factory: ServiceFactory,
    *,
    config_path: Path,
    data_dirs: DataDirs,
    demo: bool = False,
    quit_after: float | None = None,
    tester: ConnectionTests | None = None,
) -> int:
    """Open the main window over the service ``await service_factory(demo=demo)`` builds; return the
    exit status when the window closes.

    A :class:`~bitrix_monitor.errors.UserFacingError` from the factory is shown in the window with
    "Settings…" and "Open demo" choices (the latter calls ``service_factory(demo=True)``).
    ``quit_after`` closes the window after that many seconds (smoke tests, screenshots). ``tester``
    (optional) offers the settings dialog's connection tests while no service is open.
    """
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_TITLE)
    app.setQuitOnLastWindowClosed(False)
    i18n.set_language(_language_setting(config_path))
    restore_qt_messages = install_qt_message_handler()
    hook = ExceptHook()
    hook.install()
    try:
        with asyncio.Runner(loop_factory=lambda: QEventLoop(app)) as runner:
            return runner.run(
                amain(
                    service_factory,
                    config_path=config_path,
                    data_dirs=data_dirs,
                    demo=demo,
                    quit_after=quit_after,
                    tester=tester,
                )
            )
    finally:
        hook.uninstall()
        restore_qt_messages()


def _language_setting(config_path: Path) -> str:
    """The language chosen in the settings; the system's when the file says nothing or cannot be read (the
    window then reports the file's problem where it always does)."""
    try:
        return config.load(config_path, missing_ok=True).window.language
    except UserFacingError:
        return i18n.SYSTEM


async def amain(
    service_factory: ServiceFactory,
    *,
    config_path: Path,
    data_dirs: DataDirs,
    demo: bool = False,
    quit_after: float | None = None,
    tester: ConnectionTests | None = None,
) -> int:
    quit_event = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, quit_event.set)
            installed.append(sig)
    window = MainWindow(
        config_path=config_path, data_dirs=data_dirs, service_factory=service_factory, tester=tester
    )
    window.closed.connect(quit_event.set)
    window.show()
    timer = loop.call_later(quit_after, window.close) if quit_after is not None else None
    connecting = spawn(window.connect_service(demo=demo), "connect")
    try:
        await quit_event.wait()
    finally:
        if timer is not None:
            timer.cancel()
        connecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await connecting
        await window.shutdown()
        await cancel_all()
        for sig in installed:
            loop.remove_signal_handler(sig)
        window.hide()
        window.deleteLater()
    log.info("window closed")
    return 0
