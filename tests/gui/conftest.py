"""GUI fixtures: async tests here run on a qasync ``QEventLoop``, so awaiting lets Qt deliver signals,
timers and dialogs exactly as in the app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import pytest
from PySide6.QtWidgets import QApplication, QDialog
from qasync import QEventLoop  # after PySide6

from bitrix_monitor.gui.widgets import PlanDialog
from bitrix_monitor.gui.window import MainWindow
from bitrix_monitor.sync.model import Plan
from tests.gui.fakes import FakeService


def _qt_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    return QEventLoop(app)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    return {"qt": _qt_loop}


@pytest.fixture
def fake_service() -> FakeService:
    return FakeService()


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
def _app(qapp: QApplication) -> QApplication:
    """Every GUI test has the QApplication (pixmaps, fonts and clipboards need it)."""
    return qapp


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
