"""GUI fixtures: async tests here run on a qasync ``QEventLoop``, so awaiting lets Qt deliver signals,
timers and dialogs exactly as in the app."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Iterator, Mapping

import pytest
from PySide6.QtWidgets import QApplication, QDialog
from qasync import QEventLoop  # after PySide6

from bitrix_monitor.config import AppConfig
from bitrix_monitor.gui import i18n
from bitrix_monitor.gui.widgets import PlanDialog
from bitrix_monitor.gui.window import MainWindow, ServiceFactory
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import MonitorApi
from bitrix_monitor.sync.model import Plan
from bitrix_monitor.wiring import open_service
from tests.gui.fakes import FakeService


def _qt_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    return QEventLoop(app)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    return {"qt": _qt_loop}


def demo_window(qtbot, data_dirs: DataDirs) -> MainWindow:  # type: ignore[no-untyped-def]
    """A shown main window over the built-in demo (demo shop and portal emulator in this process, the real
    service and its background runner); connect it with ``await window.connect_service(demo=True)``."""

    async def factory(*, demo: bool = False) -> MonitorApi:
        assert demo
        service = await open_service(AppConfig(), data_dirs, demo=True)
        service.start_background(tick=0.1)
        return service

    return window_over(qtbot, data_dirs, factory)


def window_over(qtbot, data_dirs: DataDirs, factory: ServiceFactory) -> MainWindow:  # type: ignore[no-untyped-def]
    """A shown main window whose service ``factory`` makes (polling every 100 ms)."""
    window = MainWindow(
        config_path=data_dirs.config_file, data_dirs=data_dirs, service_factory=factory, poll_interval_ms=100
    )
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def fake_service() -> FakeService:
    return FakeService()


@pytest.fixture
async def fake_window(qtbot, data_dirs: DataDirs, fake_service: FakeService):  # type: ignore[no-untyped-def]
    """A shown main window connected to ``fake_service``; shut down after the test."""

    async def factory(*, demo: bool = False) -> FakeService:
        return fake_service

    win = MainWindow(config_path=data_dirs.config_file, data_dirs=data_dirs, service_factory=factory)
    qtbot.addWidget(win)
    win.show()
    assert await win.connect_service()
    yield win
    await win.shutdown()


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]],
    *,
    within: float = 10.0,
    describe: Callable[[], str] | None = None,
) -> None:
    """Let the loop run until ``condition`` holds (fails after ``within`` seconds; not a speed check)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time" + (f": {describe()}" if describe else ""))
        await asyncio.sleep(0.01)


@pytest.fixture(autouse=True)
def _app(qapp: QApplication) -> Iterator[QApplication]:
    """Every GUI test has the QApplication (pixmaps, fonts and clipboards need it), in English unless the
    test switches (and it is English again afterwards).

    Afterwards the test's windows and dialogs held only by reference cycles (slots that close over their
    window) are collected here, on the GUI thread: left to the garbage collector, they were destroyed in
    whichever thread next allocated enough, such as the demo's seeding in a worker thread, and Qt crashed
    deleting widgets outside the GUI thread."""
    i18n.set_language("en")
    yield qapp
    if i18n.current_language() != "en":
        i18n.set_language("en")
    gc.collect()


class DialogAnswers:
    """Answers every dialog the window awaits, and remembers what it asked."""

    def __init__(self, window: MainWindow, *, accept: bool = True) -> None:
        self.accept = accept
        self.seen: list[tuple[str, str]] = []
        self.plans: list[Plan] = []
        window.dialog_opened.connect(self._answer)

    def _answer(self, dialog: QDialog) -> None:
        question = getattr(dialog, "question", None)
        self.seen.append((type(dialog).__name__, question.text() if question is not None else ""))
        if isinstance(dialog, PlanDialog):
            self.plans.append(dialog.plan)
        if self.accept:
            dialog.ok_button.click()  # type: ignore[attr-defined]
        else:
            dialog.reject()
