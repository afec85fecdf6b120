"""Stumble 8: every table's columns are sized to their content and their headers, in English and in
Russian (longer headers, Cyrillic names, times written the language's way), times included before any row
has one; a width the person set is kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from bitrix_monitor.gui import i18n
from bitrix_monitor.gui.models import RecordsModel, fmt_time
from bitrix_monitor.gui.tabs.common import MAX_FITTED_WIDTH
from bitrix_monitor.gui.window import MainWindow
from tests.gui.conftest import DialogAnswers, wait_until
from tests.gui.fakes import FakeService

_H = Qt.Orientation.Horizontal
LONG_NAME = "Александра Константиновна Преображенская"  # a full name, patronymic included


@pytest.fixture
def fake_service() -> FakeService:
    service = FakeService()
    rec = service.records[("user", "2")]
    rec.label = LONG_NAME
    for key in ("1", "2", "3"):  # the first rows shown have no time yet
        service.records[("order", key)].last_synced = None
    return service


@pytest.fixture
def back_to_english() -> Iterator[None]:
    yield
    i18n.set_language("en")


def _views(window: MainWindow) -> dict[str, QTableView]:
    views = {f"records:{k}": t.view for k, t in window.record_tabs.items()}
    views.update(queue=window.queue.view, activity=window.activity.view, archive=window.archive.view)
    views.update(runners=window.runners.view)
    return views


def _cut(window: MainWindow) -> list[str]:
    """Columns narrower than their header or the content of their first rows (or than a time, for a time
    column), capped as the fitter caps them."""
    sample = window.fontMetrics().horizontalAdvance(fmt_time(datetime(2026, 12, 30, 23, 58, 58, tzinfo=UTC)))
    out = []
    for name, view in _views(window).items():
        model, header = view.model(), view.horizontalHeader()
        times = getattr(model.sourceModel(), "TIME_COLUMNS", ())  # type: ignore[attr-defined]
        by_hand = view.property("columnFitter").by_hand
        for c in range(model.columnCount() - 1):  # the last one stretches
            if view.isColumnHidden(c) or c in by_hand:
                continue
            wanted = max(header.sectionSizeHint(c), view.sizeHintForColumn(c) if model.rowCount() else 0)
            if c in times:
                wanted = max(wanted, sample)
            if view.columnWidth(c) < min(wanted, MAX_FITTED_WIDTH):
                title = model.headerData(c, header.orientation())
                out.append(f"{name} column {c} ({title}): {view.columnWidth(c)} < {wanted}")
        last = model.columnCount() - 1  # stretches into the room left, never narrower than its header
        if view.columnWidth(last) < min(header.sectionSizeHint(last), MAX_FITTED_WIDTH):
            out.append(f"{name} last column: {view.columnWidth(last)} < {header.sectionSizeHint(last)}")
    return out


async def test_every_table_fits_its_headers_and_content_in_both_languages(
    fake_window: MainWindow, fake_service: FakeService, back_to_english: None
) -> None:
    window = fake_window
    answers = DialogAnswers(window)
    assert await window.queue_action("order", ["3", "13"], "create") == 2
    assert answers.seen
    fake_service.run_once()
    await window.refresh_queue()
    await window.refresh_archive()
    await window.refresh()
    empty = [n for n, v in _views(window).items() if not v.model().rowCount()]
    assert empty == ["records:company", "runners"]  # not mapped, no team: their headers are checked
    assert _cut(window) == []
    users = window.record_tabs["user"].view
    assert users.columnWidth(RecordsModel.LABEL) >= users.fontMetrics().horizontalAdvance(LONG_NAME)

    orders = window.orders.view
    orders.setColumnWidth(RecordsModel.QUEUE, 30)  # a person's width is kept, in either language
    i18n.set_language("ru")
    await wait_until(lambda: window.orders.model.headerData(RecordsModel.LAST_SYNCED, _H) != "Last synced")
    await wait_until(lambda: _cut(window) == [], describe=lambda: "\n".join(_cut(window)))
    assert orders.columnWidth(RecordsModel.QUEUE) == 30
    await window.refresh()
    assert orders.columnWidth(RecordsModel.QUEUE) == 30
