"""Counts in the window's texts are grouped as the language groups digits: 1 234 in Russian (a no-break
space), 1,234 in English -- the plural texts (%n, written %Ln in every translation) and the counts put into
texts by hand (the plan, the run line, the chart's units)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from bitrix_monitor.gui import i18n
from bitrix_monitor.gui.tabs.overview import OverviewTab
from bitrix_monitor.gui.tabs.queue import QueueTab
from bitrix_monitor.gui.widgets import PlanDialog
from bitrix_monitor.sync.api import QueueRow, QueueSummary
from bitrix_monitor.sync.model import Plan, PlannedJob

I18N = Path(__file__).resolve().parents[2] / "resources" / "i18n"
NBSP = "\u00a0"


@pytest.fixture
def russian() -> Iterator[None]:
    i18n.set_language("ru")
    QCoreApplication.processEvents()
    try:
        yield
    finally:
        i18n.set_language("en")
        QCoreApplication.processEvents()


@pytest.mark.parametrize("catalogue", ["bitrix_monitor_ru.ts", "bitrix_monitor_en.ts"])
def test_every_plural_translation_groups_its_count(catalogue: str) -> None:
    """Qt writes ``%Ln`` as the language writes numbers (``%n`` bare: 1234); a plural form with a bare
    ``%n`` would show a big count ungrouped."""
    bare = [
        (m.findtext("source"), form.text)
        for m in ET.parse(I18N / catalogue).getroot().iter("message")
        for form in m.iter("numerusform")
        if "%n" in (form.text or "")
    ]
    assert bare == []


def _jobs(n: int) -> list[QueueRow]:
    at = datetime(2026, 11, 30, tzinfo=UTC)
    return [
        QueueRow(i, "deal.create", str(i), "failed", 1, at, "boom", "PortalError: boom", "sync", at)
        for i in range(1, n + 1)
    ]


def test_the_queue_buttons_group_a_big_count(qtbot, russian: None) -> None:  # type: ignore[no-untyped-def]
    tab = QueueTab()
    qtbot.addWidget(tab)
    tab.set_rows(_jobs(1234))
    assert tab.retry_button.text() == f"Повторить показанные: 1{NBSP}234"
    assert tab.cancel_button.text() == f"Снять показанные: 1{NBSP}234"
    i18n.set_language("en")
    QCoreApplication.processEvents()
    assert tab.retry_button.text() == "Retry 1,234 shown"


def test_the_plan_and_the_overview_group_their_counts(qtbot, russian: None) -> None:  # type: ignore[no-untyped-def]
    plan = Plan(tuple(PlannedJob("deal.create", str(i), "missing") for i in range(1500)))
    dialog = PlanDialog(plan)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == f"Поставить в очередь 1{NBSP}500 заданий"
    assert f": 1{NBSP}500." in dialog.summary.text()
    overview = OverviewTab()
    qtbot.addWidget(overview)
    overview.set_queue(QueueSummary(dead=2345))
    assert f"2{NBSP}345" in overview.next_actions["dead"].text()
    i18n.set_language("en")
    QCoreApplication.processEvents()
    assert dialog.windowTitle() == "Queue 1,500 jobs"
    assert dialog.summary.text() == "The plan: Create deal: 1,500."
    assert overview.next_actions["dead"].text() == "Show the 2,345 dead jobs"
