"""The core's messages in the window: translated by Qt from the same catalogue the headless front end
reads without Qt (both say every code alike), errors shown and grouped by their code in either language,
and the window's numbers, money and times written as QLocale writes them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from PySide6.QtCore import QLocale

from bitrix_monitor import localefmt
from bitrix_monitor.gui import i18n
from bitrix_monitor.gui.models import ActivityModel, QueueModel
from bitrix_monitor.gui.tabs.queue import QueueTab
from bitrix_monitor.gui.words import error_groups, error_text, message_text
from bitrix_monitor.messages import TEXTS, WORD_PARAMS, Message, render
from bitrix_monitor.queue import JobError
from bitrix_monitor.sync.api import ActivityEntry, QueueRow


def _sample(code: str) -> Message:
    """A message of ``code`` with a value for each of its placeholders (codes where a parameter names one)."""
    names = set(re.findall(r"\{(\w+)\}", TEXTS[code]))
    examples = {
        "entity": "deal",
        "shop_entity": "order",
        "shop_entities": "order",
        "kind": "contact.update",
        "fields": "TITLE,PHONE",
        "match": "e-mail",
    }
    params: dict[str, str | int] = {n: examples.get(n, f"<{n}>") for n in names}
    if "%n" in TEXTS[code]:
        params["n"] = 22
    return Message(code, params)


@pytest.fixture(params=["en", "ru"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    i18n.set_language(request.param)
    yield request.param
    i18n.set_language("en")


def test_the_window_and_the_headless_front_end_say_every_code_alike(language: str) -> None:
    assert set(WORD_PARAMS) <= {"entity", "shop_entity", "shop_entities", "kind", "fields", "match"}
    for code in TEXTS:
        msg = _sample(code)
        assert message_text(msg) == render(msg, language), code
    if language == "ru":
        assert message_text(_sample("job.stale_link")) == "в портале больше нет записи (сделка <id>)"
        assert message_text(_sample("shop.doing.reading")) == "чтение заказов"


def _row(i: int, error: JobError | None, text: str = "") -> QueueRow:
    return QueueRow(
        id=i,
        kind="deal.update",
        entity_key=str(i),
        state="dead",
        attempts=1,
        next_run_at=None,
        last_error=error.message if error else text,
        error_signature=error.signature if error else f"PortalError: {text}",
        created_by="staff",
        updated_at=None,
        error=error,
    )


def test_job_errors_are_shown_in_russian_and_grouped_by_code(qtbot, language: str) -> None:
    stale = [
        JobError.coded("StaleLink", Message("job.stale_link", {"entity": "deal", "id": i}), False)
        for i in (7, 8)
    ]
    rows = [_row(1, stale[0]), _row(2, stale[1]), _row(3, None, "Title is empty")]
    tab = QueueTab()
    qtbot.addWidget(tab)
    tab.set_rows(rows)
    errors = {
        tab.model.index(r, QueueModel.ID).data(): tab.model.index(r, QueueModel.LAST_ERROR).data()
        for r in range(tab.model.rowCount())
    }
    shown = errors["1"]
    if language == "ru":
        assert shown == "в портале больше нет записи (сделка 7)"
    else:
        assert shown == "deal 7 no longer exists in the portal"
    assert errors["3"] == "Title is empty"  # stored before codes: as stored
    # one group for both jobs, named in the window's language, whatever the ids
    items = {
        tab.error_filter.itemData(i): tab.error_filter.itemText(i) for i in range(1, tab.error_filter.count())
    }
    assert len(items) == 2 and items[stale[0].signature] == error_groups(rows)[stale[0].signature]
    assert "#" in items[stale[0].signature] and ("сделка" in items[stale[0].signature]) == (language == "ru")


def test_the_error_filter_is_said_again_after_a_language_switch(qtbot) -> None:
    err = JobError.coded("Locked", Message("job.locked"), True)
    tab = QueueTab()
    qtbot.addWidget(tab)
    tab.set_rows([_row(1, err)])
    assert tab.error_filter.itemText(1) == "another worker holds this record"
    try:
        i18n.set_language("ru")
        tab.set_rows([_row(1, err)])
        assert tab.error_filter.itemText(1) == "эту запись сейчас обрабатывает другой обработчик"
        assert tab.error_filter.itemData(1) == err.signature  # the group is the code: unchanged
    finally:
        i18n.set_language("en")


def test_activity_is_said_in_the_window_language(language: str) -> None:
    model = ActivityModel()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    model.set_rows(
        [
            ActivityEntry(at, "staff", Message("activity.queued", {"n": 21, "kind": "deal.create"})),
            ActivityEntry(at, "staff", "an entry written before codes"),
        ]
    )
    expected = {
        "en": "queued 21 jobs: Create deal",
        "ru": "поставил в очередь 21 задание: Создать сделку",
    }[language]
    assert model.index(0, ActivityModel.ACTION).data() == expected
    assert model.index(1, ActivityModel.ACTION).data() == "an entry written before codes"


def test_an_exception_with_a_hint_is_said_with_it(language: str) -> None:
    from bitrix_monitor.bitrix.errors import error_from_answer

    exc = error_from_answer("expired_token", "expired", http_status=401, method="crm.deal.list")
    text = error_text(exc)
    if language == "ru":
        assert text.startswith("Битрикс24 не принял вебхук: expired_token: expired (HTTP 401) (создайте")
    else:
        assert text == str(exc)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_core_writes_numbers_and_money_as_qlocale_does(lang: str) -> None:
    q = QLocale(lang)
    for n in (0, 7, 1234, 1234567, -98765):
        assert localefmt.integer(n, lang) == q.toString(n)
    for value in ("1234.56", "0.05", "1000000", "9999999.99"):
        assert localefmt.decimal(Decimal(value), lang) == q.toString(float(value), "f", 2)
        assert localefmt.money(Decimal(value), "RUB", lang) == q.toCurrencyString(float(value), "₽")
    assert localefmt.money(Decimal("-1234.5"), "RUB", lang) == q.toCurrencyString(-1234.5, "₽")


def test_the_detail_pane_writes_money_and_times_as_the_language_does(qtbot, monkeypatch) -> None:
    import time

    from bitrix_monitor.gui.models import fmt_time
    from bitrix_monitor.gui.widgets import DetailPane
    from bitrix_monitor.sync.model import FieldDiff, RecordState, RecordStatus

    monkeypatch.setenv("TZ", "Europe/Moscow")
    time.tzset()
    record = RecordStatus(
        entity="order",
        key="7",
        label="Order #7",
        stored_id=70,
        portal_id=70,
        state=RecordState.OUTDATED,
        diffs=(FieldDiff("OPPORTUNITY", "1234.56", "1000.00"),),
        shop_values={"OPPORTUNITY": "1234.56", "CURRENCY_ID": "RUB"},
        portal_values={"OPPORTUNITY": "1000.00", "CURRENCY_ID": "RUB"},
        last_synced=datetime(2026, 11, 30, 4, 47, 5, tzinfo=UTC),
    )
    pane = DetailPane()
    qtbot.addWidget(pane)
    try:
        pane.show_record(record)
        text = pane.toPlainText()
        assert "₽1,234.56" in text and "₽1,000.00" in text and "2026-11-30 07:47:05 MSK" in text
        i18n.set_language("ru")
        pane.show_record(record)
        text = pane.toPlainText().replace("\u00a0", " ")  # the pane's plain text loses the no-break spaces
        assert "1 234,56 ₽" in text and "1 000,00 ₽" in text
        assert "30.11.2026 07:47:05 MSK" in text
        assert fmt_time(record.last_synced, date=False) == "07:47:05 MSK"
    finally:
        i18n.set_language("en")
        monkeypatch.undo()
        time.tzset()


RUSSIAN_CANCELLED = {
    1: "отменил 1 задание",
    2: "отменил 2 задания",
    5: "отменил 5 заданий",
    11: "отменил 11 заданий",
    21: "отменил 21 задание",
    22: "отменил 22 задания",
    25: "отменил 25 заданий",
    111: "отменил 111 заданий",
}


@pytest.mark.parametrize(("n", "expected"), sorted(RUSSIAN_CANCELLED.items()))
def test_russian_plural_forms_of_a_core_message_in_the_window(n: int, expected: str) -> None:
    i18n.set_language("ru")
    try:
        assert message_text(Message("activity.cancelled", {"n": n})) == expected
    finally:
        i18n.set_language("en")


async def test_large_counts_are_grouped_as_the_language_writes_them(qtbot, data_dirs, fake_service) -> None:
    """100,000 orders: the overview's count buttons and the snapshot line group the digits."""
    from dataclasses import replace

    from bitrix_monitor.gui.window import MainWindow
    from bitrix_monitor.sync.model import EntityCounts

    async def factory(*, demo: bool = False):  # type: ignore[no-untyped-def]
        return fake_service

    win = MainWindow(config_path=data_dirs.config_file, data_dirs=data_dirs, service_factory=factory)
    qtbot.addWidget(win)
    try:
        assert await win.connect_service()
        snap = await fake_service.snapshot()
        big = replace(snap, counts={**snap.counts, "order": EntityCounts(checked=100000, missing=12345)})
        i18n.set_language("ru")
        win.overview.set_counts("order", big.counts["order"])
        assert win.overview.buttons[("order", "missing")].text() == "нет в Битрикс24: 12\u00a0345"
        win._show_snapshot_summary(big)
        assert win.overview.snapshot_label.text().startswith("Проверено 100\u00a0000 заказов")
        i18n.set_language("en")
        win._show_snapshot_summary(big)
        assert win.overview.snapshot_label.text().startswith("Checked 100,000 orders")
    finally:
        i18n.set_language("en")
        await win.shutdown()


def test_a_records_note_is_said_in_the_window_language_in_the_column_and_the_pane(
    qtbot, language: str
) -> None:
    """Reconcile's notes are codes: the "Last error" column (a note when there is no error) and the detail
    pane say them in the window's language, and what matched a duplicate is a word of it too."""
    from bitrix_monitor.gui.models import OrdersModel
    from bitrix_monitor.gui.widgets import DetailPane
    from bitrix_monitor.messages import joined
    from bitrix_monitor.sync.model import DuplicateEvidence, RecordState, RecordStatus

    note = joined(
        Message("note.stale", {"entity": "deal", "id": 41}),
        Message("note.carries_origin", {"entity": "deal", "id": 42}),
    )
    record = RecordStatus(
        "order",
        "7",
        "Order #7",
        41,
        42,
        RecordState.STALE_LINK,
        note=note,
        duplicates=(DuplicateEvidence((42, 43), "origin id", "7"),),
    )
    said = {
        "en": "stored deal id 41: the portal has no such deal (Not found); deal 42 carries this origin id",
        "ru": "сохранённый ID (сделка 41): в портале нет такой записи (сделка; Not found); "
        "запись (сделка 42) несёт этот ID во внешнем источнике",
    }[language]
    model = OrdersModel()
    model.set_rows([record])
    assert model.index(0, OrdersModel.LAST_ERROR).data() == said
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_record(record)
    text = pane.toPlainText()
    assert said in text
    matched = {"en": "matched by origin id", "ru": "ID во внешнем источнике"}[language]
    assert matched in text and (str(note) in text) == (language == "en")


def test_a_failed_jobs_history_line_names_its_error_in_the_window_language(qtbot, language: str) -> None:
    """The job history's readable lines say the error of a failed or dead event in the window's language
    (by its code; an error stored before codes as stored); the JSON stays behind "technical details"."""
    import json

    from bitrix_monitor.gui.widgets import DetailPane
    from bitrix_monitor.sync.model import RecordState, RecordStatus

    stale = JobError.coded("StaleLink", Message("job.stale_link", {"entity": "deal", "id": 4711}), False)
    detail = {"error_class": "StaleLink", "message": stale.message, "retryable": False, "attempt": 1}
    detail |= Message("job.stale_link", {"entity": "deal", "id": 4711}).to_dict()
    history = [
        f"2026-11-30 02:00:03 #12 deal.update failed {json.dumps(detail, ensure_ascii=False)}",
        '2026-11-30 02:00:04 #13 deal.update dead {"message": "Title is empty", "reason": "not retryable"}',
    ]
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_record(RecordStatus("order", "12", "Order #12", 4711, None, RecordState.STALE_LINK))
    pane.show_history(history)
    text = pane.toPlainText()
    error = {
        "en": "deal 4711 no longer exists in the portal",
        "ru": "в портале больше нет записи (сделка 4711)",
    }
    failed = {"en": "failed", "ru": "ошибка"}[language]
    assert f"#12 · {failed} · {error[language]}" in text, text
    assert "· Title is empty" in text and "error_class" not in text


def test_retry_all_with_this_error_groups_nested_codes_whatever_the_values(qtbot, language: str) -> None:
    """Invalid rows and pull jobs fail with codes that carry codes (the row's problem, the refused stage):
    jobs whose errors differ only by their values are one group in the queue's error filter, named in the
    window's language; another cause is another group."""
    from bitrix_monitor.shop.database import _amount, _row_problems

    def invalid(i: int, amount: str) -> JobError:
        problem = _row_problems("deal", str(i), None, _amount(amount)[1])
        return JobError.coded("InvalidRecord", Message("job.invalid_record", {"problem": problem}), False)

    rows = [_row(1, invalid(1, "twelve")), _row(2, invalid(2, "eleven")), _row(3, invalid(3, "NaN"))]
    tab = QueueTab()
    qtbot.addWidget(tab)
    tab.set_rows(rows)
    items = {
        tab.error_filter.itemData(i): tab.error_filter.itemText(i) for i in range(1, tab.error_filter.count())
    }
    assert len(items) == 2  # not a number (jobs 1 and 2), not a finite number (job 3)
    assert rows[0].error_signature == rows[1].error_signature != rows[2].error_signature
    shown = items[rows[0].error_signature]
    if language == "ru":
        assert shown.startswith("нельзя синхронизировать, пока это не исправлено в магазине: сумма "), shown
    else:
        assert shown.startswith("cannot be synced until fixed in the shop: amount "), shown


def test_why_the_queue_moved_a_job_is_said_in_the_window_language(qtbot, language: str) -> None:
    """A job event's reason (queued, in doubt, settled, dead, resolved) is stored as a code beside its
    English and said in the window's language in the job history; one stored before codes as stored."""
    import json

    from bitrix_monitor.gui.widgets import DetailPane
    from bitrix_monitor.queue.model import reason_detail
    from bitrix_monitor.sync.model import RecordState, RecordStatus

    gave_up = reason_detail(Message("reason.gave_up", {"n": 5}))
    assert gave_up["reason"] == "gave up after 5 attempts"  # the English stays for the technical details
    queued = reason_detail(Message("plan.missing")) | {"kind": "deal.create", "payload": None}
    history = [
        f"2026-11-30 02:00:02 #12 deal.create enqueued {json.dumps(queued)}",
        f"2026-11-30 02:00:03 #12 deal.create settled {json.dumps(reason_detail(Message('reason.recheck')))}",
        f"2026-11-30 02:00:04 #12 deal.create dead {json.dumps(gave_up)}",
        '2026-11-30 02:00:05 #13 deal.update resolved {"reason": "the record is in sync now"}',
    ]
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_record(RecordStatus("order", "12", "Order #12", 4711, 4711, RecordState.IN_SYNC))
    pane.show_history(history)
    text = pane.toPlainText()
    said = {
        "en": ("no record in the portal", "re-check by lookup before any create", "gave up after 5 attempts"),
        "ru": (
            "нет записи в портале",
            "перед созданием — повторная проверка поиском",
            "прекращено после 5 попыток",
        ),
    }[language]
    assert all(f"· {reason}" in text for reason in said), text
    assert "· the record is in sync now" in text  # stored before codes: its words
    assert "reason_code" not in text
