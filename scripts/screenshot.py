"""Save a screenshot of the main window (for the README), offscreen or under a virtual display.

    .venv/bin/python scripts/screenshot.py                      # the built-in demo, docs/screenshot.png
    .venv/bin/python scripts/screenshot.py --fake --tab orders  # the test suite's fake service
    .venv/bin/python scripts/screenshot.py --lang ru --out docs/screenshot-ru.png  # in Russian
    xvfb-run -a .venv/bin/python scripts/screenshot.py          # under a virtual X display

Without a display it uses Qt's offscreen platform; ``QWidget.grab()`` renders the same pixels either way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TABS = ("overview", "orders", "users", "queue", "activity")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png", help="PNG to write")
    p.add_argument("--fake", action="store_true", help="use the test suite's in-memory fake service")
    p.add_argument("--tab", choices=TABS, default="orders", help="tab to show (default: orders)")
    p.add_argument("--size", default="1280x800", help="window size WIDTHxHEIGHT")
    p.add_argument("--data-dir", type=Path, help="data dir for the demo (default: a temporary one)")
    p.add_argument("--lang", choices=("en", "ru"), default="en", help="language of the window (default: en)")
    return p.parse_args(argv)


async def _shoot(args: argparse.Namespace, data_dir: Path) -> Path:
    from bitrix_monitor import config
    from bitrix_monitor.gui.window import MainWindow
    from bitrix_monitor.paths import DataDirs
    from bitrix_monitor.sync.model import RecordState

    dirs = DataDirs(data_dir)
    dirs.ensure()

    async def factory(*, demo: bool = False):  # type: ignore[no-untyped-def]
        if args.fake:
            sys.path.insert(0, str(ROOT))
            from tests.gui.fakes import FakeService

            return FakeService()
        from bitrix_monitor.wiring import open_service

        return await open_service(config.AppConfig(), dirs, demo=True)

    window = MainWindow(config_path=dirs.config_file, data_dirs=dirs, service_factory=factory)
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    try:
        if not await window.connect_service(demo=not args.fake):
            raise SystemExit(f"could not open the service: {window.start_message.text()}")
        if not args.fake:
            await _sync_a_few(window)
        window.tabs.setCurrentIndex(TABS.index(args.tab))
        if args.tab in ("orders", "users"):
            tab = window.orders if args.tab == "orders" else window.users
            row = tab.model.view_row_of(lambda r: r.state is RecordState.OUTDATED)
            if row < 0:
                row = tab.model.view_row_of(lambda r: r.state is not RecordState.IN_SYNC)
            if row >= 0:
                tab.view.selectRow(tab.proxy.mapFromSource(tab.model.index(row, 0)).row())
                history = window.history_task()
                if history is not None:
                    await asyncio.wait([history])
        for _ in range(10):  # let layouts and paints settle
            await asyncio.sleep(0.05)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(args.out), "PNG"):
            raise SystemExit(f"could not write {args.out}")
        return args.out
    finally:
        await window.shutdown()
        window.close()
        window.deleteLater()


async def _sync_a_few(window: Any, n: int = 8) -> None:
    """Create the deals of the demo's first ``n`` orders missing one, as staff would, and wait for the
    runner: the picture shows what a sync leaves (those orders in sync, and when they were last synced)
    beside the problems the demo is seeded with."""
    from bitrix_monitor.sync.model import RecordState

    service, snap = window.require_service(), window.snapshot
    keys = [r.key for r in snap.statuses("order") if r.state is RecordState.MISSING][:n]
    await service.apply(service.plan_for(snap, "order", keys, "create"))
    await service.run_queue(max_wait=30)
    await window.refresh()
    synced = {r.key: r.last_synced for r in window.snapshot.statuses("order")}
    if not all(synced[k] is not None for k in keys):
        raise SystemExit(f"the demo's orders {keys} were not synced: {synced}")
    for _ in range(100):  # the window's poll sees the run ended (its "jobs done" line goes)
        if not window.queue.run_box.isVisibleTo(window):
            break
        await asyncio.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication
    from qasync import QEventLoop

    from bitrix_monitor.gui import i18n

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    i18n.set_language(args.lang)
    with tempfile.TemporaryDirectory(prefix="bm-screenshot-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        with asyncio.Runner(loop_factory=lambda: QEventLoop(app)) as runner:
            out = runner.run(_shoot(args, data_dir))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
