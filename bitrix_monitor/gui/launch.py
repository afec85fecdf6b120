"""The desktop front end's entry from the command line: builds the service factory the window uses."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bitrix_monitor import config
from bitrix_monitor.config import AppConfig
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.messages import Message
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import MonitorApi
from bitrix_monitor.wiring import open_service


def _check_display() -> None:
    """Qt aborts the process when it finds no display; say so in one line instead."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise UserFacingError(Message("launch.no_display"), hint=Message("launch.no_display.hint"))


def _check_x11_libraries() -> None:
    """Qt aborts with a core dump when its X11 plugin lacks a system library; name them in one line."""
    if not sys.platform.startswith("linux"):
        return
    from bitrix_monitor.gui import xcb  # no Qt in it

    if not xcb.uses_xcb():
        return
    missing = xcb.find_missing()
    if missing:
        raise UserFacingError(
            Message("launch.x11_missing", {"libraries": ", ".join(missing)}),
            hint=Message("launch.x11_missing.hint", {"command": xcb.install_line(missing)}),
        )


def service_factory(
    cfg: AppConfig, dirs: DataDirs, config_path: Path, args: argparse.Namespace
) -> Callable[..., Awaitable[MonitorApi]]:
    """What the window calls to connect: the service the command line and the configuration name, wired as
    the headless front end wires it (``--shop-db``, ``--portal`` and ``--queue`` over the environment over
    the file; the queue's password from BITRIX_MONITOR_QUEUE_PASSWORD or the keyring)."""

    async def factory(*, demo: bool = False) -> MonitorApi:
        # Read the file again: the settings dialog may have changed it since start-up.
        current = cfg if demo else config.load(config_path, missing_ok=True)
        service = await open_service(
            current, dirs, demo=demo, shop_url=args.shop_db, portal_url=args.portal, queue_url=args.queue
        )
        service.start_background()
        return service

    return factory


def run_gui_from_cli(cfg: AppConfig, dirs: DataDirs, args: argparse.Namespace) -> int:
    _check_display()
    _check_x11_libraries()
    from bitrix_monitor.gui.app import run_gui

    config_path = Path(args.config) if args.config else dirs.config_file
    factory = service_factory(cfg, dirs, config_path, args)

    from bitrix_monitor.sync.probe import ConnectionTester

    return run_gui(
        factory,
        config_path=config_path,
        data_dirs=dirs,
        demo=args.demo,
        quit_after=args.quit_after,
        tester=ConnectionTester(cfg),
    )
