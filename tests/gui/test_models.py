"""The table models and the filter proxy: Qt's model contract, sorting, searching, facet filters."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer

from bitrix_monitor.gui.models import (
    OBJECT_ROLE,
    ActivityModel,
    OrdersModel,
    QueueModel,
    RecordsModel,
    RunnersModel,
    TableFilterProxy,
    UsersModel,
    fmt_time,
)
from bitrix_monitor.sync.api import ActivityEntry, QueueRow
from bitrix_monitor.sync.model import QueueMark, RecordState, RecordStatus, key_order
from tests.gui.fakes import FakeService

STATES = list(RecordState)


def _record(i: int, entity: str = "order") -> RecordStatus:
    state = STATES[i % len(STATES)]
    return RecordStatus(
        entity=entity,  # type: ignore[arg-type]
        key=str(i),
        label=f"Order #{i}",
        stored_id=1000 + i if state is not RecordState.MISSING else None,
        portal_id=1000 + i if state is not RecordState.MISSING else None,
        state=state,
        queue=QueueMark.QUEUED if i % 7 == 0 else QueueMark.NONE,
        last_error="boom" if i % 11 == 0 else "",
        last_synced=datetime(2026, 1, 1, 0, i % 60),
    )


def _job(i: int) -> QueueRow:
    return QueueRow(
        id=i,
        kind="deal.create" if i % 2 else "contact.update",
        entity_key=str(i),
        state=("queued", "failed", "done")[i % 3],
        attempts=i % 4,
        next_run_at=None,
        last_error="ACCESS_DENIED" if i % 3 == 1 else "",
        error_signature="ACCESS_DENIED" if i % 3 == 1 else "",
        created_by="staff",
        updated_at=None,
    )


@pytest.mark.parametrize("model_cls", [OrdersModel, UsersModel, QueueModel, ActivityModel, RunnersModel])
def test_empty_models_follow_the_qt_model_contract(qtmodeltester, model_cls: type) -> None:
    model = model_cls()
    qtmodeltester.check(model, force_py=True)


def test_the_team_models_follow_the_qt_model_contract(qtmodeltester) -> None:
    """The Runners tab's model, and the queue's and the activity's with a team queue's rows in them."""
    from datetime import UTC, datetime

    from bitrix_monitor.queue import TeamRunner
    from bitrix_monitor.sync.api import RunnerStatus

    at = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    runners = RunnersModel()
    runners.set_rows(
        [
            RunnerStatus(
                TeamRunner(f"desk-{n}:{n}", f"desk-{n}", n, "window", "1.0", at, at, None, None),
                state,
                n == 1,
                30.0,
            )
            for n, state in ((1, "working"), (2, "silent"), (3, "stopped"))
        ]
    )
    qtmodeltester.check(runners, force_py=True)
    assert runners.index(0, RunnersModel.RUNNER).data() == "desk-1 (this window)"
    activity = ActivityModel()
    activity.set_rows([ActivityEntry(at, "staff@desk-2", "", "retried", "deal.create", "7", 3)])
    qtmodeltester.check(activity, force_py=True)
    assert activity.index(0, ActivityModel.ACTION).data() == (
        "Retried by desk-2: Create deal for record 7 (job 3)"
    )


async def test_records_models_follow_the_qt_model_contract(qtmodeltester) -> None:
    snap = await FakeService().snapshot()
    for model, rows in ((OrdersModel(), snap.orders), (UsersModel(), snap.users)):
        model.set_rows(rows)
        qtmodeltester.check(model, force_py=True)
        proxy = TableFilterProxy()
        proxy.setSourceModel(model)
        proxy.set_facet(RecordsModel.FACET_STATE, {"missing"})
        qtmodeltester.check(proxy, force_py=True)


def test_queue_and_activity_models_follow_the_qt_model_contract(qtmodeltester) -> None:
    queue = QueueModel()
    queue.set_rows([_job(i) for i in range(1, 40)])
    qtmodeltester.check(queue, force_py=True)
    activity = ActivityModel()
    activity.set_rows(
        [ActivityEntry(datetime(2026, 1, 1, 0, i), "staff", f"queued {i} deal.create") for i in range(9)]
    )
    qtmodeltester.check(activity, force_py=True)


def test_model_with_thousands_of_rows_follows_the_contract(qtmodeltester) -> None:
    # The rules do not change with the size, the tester's time does (it walks every row): at 100,000 rows
    # the contract is checked by ``python -m benchmarks window``.
    model = OrdersModel()
    model.set_rows(_record(i) for i in range(5_000))
    assert model.rowCount() == 5_000
    qtmodeltester.check(model)  # the C++ tester: the Python one walks every cell


def test_object_role_returns_the_row_dataclass_and_state_reads_without_colour() -> None:
    model = OrdersModel()
    rows = [_record(i) for i in range(12)]
    model.set_rows(rows)
    idx = model.index(1, OrdersModel.STATE)
    assert idx.data(OBJECT_ROLE) is rows[1]
    assert idx.data() == rows[1].state.label
    assert idx.data(Qt.ItemDataRole.DecorationRole) is not None
    assert idx.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(0, OrdersModel.PORTAL_ID).data() == "1000"


def test_sorting_uses_numeric_keys_and_keeps_the_selection() -> None:
    model = OrdersModel()
    model.set_rows(_record(i) for i in (10, 9, 100, 1))
    proxy = TableFilterProxy()
    proxy.setSourceModel(model)
    selection = QItemSelectionModel(proxy)
    selection.select(proxy.index(0, 0), QItemSelectionModel.SelectionFlag.Select)  # key 10
    proxy.sort(OrdersModel.KEY, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(4)] == ["1", "9", "10", "100"]
    assert [i.data() for i in selection.selectedIndexes()] == ["10"]
    proxy.sort(OrdersModel.KEY, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(r, 0).data() for r in range(4)] == ["100", "10", "9", "1"]
    assert [i.data() for i in selection.selectedIndexes()] == ["10"]


def test_sort_survives_new_data() -> None:
    model = OrdersModel()
    model.sort(OrdersModel.KEY, Qt.SortOrder.DescendingOrder)
    model.set_rows(_record(i) for i in range(5))
    assert [model.index(r, 0).data() for r in range(5)] == ["4", "3", "2", "1", "0"]


def test_proxy_filters_by_text_state_queue_and_error() -> None:
    model = OrdersModel()
    rows = [_record(i) for i in range(200)]
    model.set_rows(rows)
    proxy = TableFilterProxy()
    proxy.setSourceModel(model)

    proxy.set_facet(RecordsModel.FACET_STATE, {RecordState.MISSING.value})
    assert {r.state for r in proxy.objects()} == {RecordState.MISSING}
    assert proxy.rowCount() == sum(r.state is RecordState.MISSING for r in rows)

    proxy.set_search("order #1")
    expected = [r for r in rows if r.state is RecordState.MISSING and "order #1" in r.label.lower()]
    assert proxy.objects() == expected

    proxy.clear_filters()
    proxy.set_facet(RecordsModel.FACET_QUEUE, {"queued"})
    proxy.set_facet(RecordsModel.FACET_ERROR, {"error"})
    assert proxy.objects() == [r for r in rows if r.queue is QueueMark.QUEUED and r.last_error]

    proxy.clear_filters()
    assert proxy.rowCount() == 200


def test_filter_applies_to_data_that_arrives_later() -> None:
    model = OrdersModel()
    proxy = TableFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_facet(RecordsModel.FACET_STATE, {"outdated"})
    model.set_rows(_record(i) for i in range(60))
    assert proxy.rowCount() == sum(_record(i).state is RecordState.OUTDATED for i in range(60))
    model.set_rows([])
    assert proxy.rowCount() == 0


def test_queue_proxy_filters_by_state_kind_and_error_signature() -> None:
    model = QueueModel()
    jobs = [_job(i) for i in range(1, 31)]
    model.set_rows(jobs)
    proxy = TableFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_facet(QueueModel.FACET_STATE, {"failed"})
    proxy.set_facet(QueueModel.FACET_KIND, {"deal.create"})
    assert proxy.objects() == [j for j in jobs if j.state == "failed" and j.kind == "deal.create"]
    proxy.clear_filters()
    proxy.set_facet(QueueModel.FACET_ERROR, {"ACCESS_DENIED"})
    assert proxy.objects() == [j for j in jobs if j.error_signature == "ACCESS_DENIED"]
    assert model.facet_values(QueueModel.FACET_KIND) == ["contact.update", "deal.create"]


def test_100k_rows_sort_and_filter_correctly() -> None:
    model = OrdersModel()
    model.set_rows(_record(i) for i in range(100_000))
    proxy = TableFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(OrdersModel.KEY, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, 0).data() == "99999"
    proxy.set_search("order #9999")
    assert sorted(int(r.key) for r in proxy.objects()) == [9999, *range(99990, 100_000)]


@pytest.fixture
def moscow_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This machine's zone set to Moscow for the test (and put back after it)."""
    monkeypatch.setenv("TZ", "Europe/Moscow")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_show_in_this_machines_zone_and_name_it(moscow_machine: None) -> None:
    instant = datetime(2026, 11, 30, 0, 28, 0, tzinfo=UTC)  # inside, everything is aware UTC
    assert fmt_time(instant) == "2026-11-30 03:28:00 MSK"
    assert fmt_time(instant, date=False) == "03:28:00 MSK"
    assert fmt_time(None) == ""


def _random_records(n: int, seed: int, *, text_keys: bool = False) -> list[RecordStatus]:
    import random

    rng = random.Random(seed)
    out = []
    for i in rng.sample(range(1, 10 * n), n):
        state = rng.choice(STATES)
        out.append(
            RecordStatus(
                entity="order",
                key=f"A-{i}" if text_keys and i % 3 == 0 else str(i),
                label=f"Order #{rng.randint(1, 50)}",
                stored_id=None if state is RecordState.MISSING else rng.randint(1, 99),
                portal_id=None,
                state=state,
                queue=rng.choice(list(QueueMark)),
                last_error=rng.choice(["", "", "boom", "ACCESS_DENIED"]),
                last_synced=None
                if rng.random() < 0.1
                else datetime(2026, 1, 1, rng.randint(0, 23), 0, tzinfo=UTC),
            )
        )
    return out


@pytest.mark.parametrize("text_keys", [False, True])
def test_every_sort_and_filter_of_the_virtual_model_agrees_with_the_rows(text_keys: bool) -> None:
    """Sorted columns read in order, and a filter ("needs attention", a queue mark, errors, a text, a state's
    word) shows exactly the rows that pass it, in every sort order: the byte masks and permutations say
    what the rows say."""
    rows = _random_records(3_000, 7, text_keys=text_keys)
    model = OrdersModel()
    model.set_rows(rows)
    proxy = TableFilterProxy()
    proxy.setSourceModel(model)
    attention = {s.value for s in RecordState if s is not RecordState.IN_SYNC}
    filters = [
        ({RecordsModel.FACET_STATE: attention}, "", lambda r: r.state is not RecordState.IN_SYNC),
        (
            {RecordsModel.FACET_QUEUE: {"queued", "failed"}, RecordsModel.FACET_ERROR: {"error"}},
            "",
            lambda r: r.queue in (QueueMark.QUEUED, QueueMark.FAILED) and bool(r.last_error),
        ),
        (
            {RecordsModel.FACET_ERROR: {""}},
            "order #1",
            lambda r: not r.last_error and "order #1" in r.label.lower(),
        ),
        ({}, "stale", lambda r: r.state is RecordState.STALE_LINK),
        (
            {RecordsModel.FACET_ERROR: {"error"}},
            "fail",
            lambda r: bool(r.last_error) and r.queue is QueueMark.FAILED,
        ),
        ({}, "", lambda r: True),
    ]
    for column in range(model.columnCount()):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            proxy.sort(column, order)
            for facets, needle, passes in filters:
                proxy.set_filters(needle, {f: facets.get(f) for f in range(3)})
                shown = proxy.objects()
                assert sorted(map(id, shown)) == sorted(id(r) for r in rows if passes(r))
                keys = [RecordsModel._key(column, r) for r in shown]
                assert keys == sorted(keys, reverse=order == Qt.SortOrder.DescendingOrder), (column, order)
    proxy.clear_filters()
    assert proxy.rowCount() == len(rows)
    assert model.facet_values(RecordsModel.FACET_STATE) == sorted({r.state.value for r in rows})


def test_rows_that_arrive_in_key_order_filter_in_both_directions() -> None:
    """The shop's rows in key order are shown as they came (no permutation made): "needs attention" still
    shows exactly the rows that need it, in ascending and descending order."""
    rows = sorted(_random_records(2_000, 11), key=lambda r: int(r.key))
    model = OrdersModel()
    model.set_rows(rows)
    proxy = TableFilterProxy()
    proxy.setSourceModel(model)
    attention = {s.value for s in RecordState if s is not RecordState.IN_SYNC}
    expected = [r for r in rows if r.state is not RecordState.IN_SYNC]
    ascending, descending = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
    for order, shown in ((descending, expected[::-1]), (ascending, expected)):
        proxy.sort(OrdersModel.KEY, order)
        proxy.set_facet(RecordsModel.FACET_STATE, attention)
        assert proxy.objects() == shown
        proxy.clear_filters()
        assert proxy.rowCount() == len(rows)


def test_digit_keys_sort_by_their_number_leading_zeros_included() -> None:
    model = OrdersModel()
    model.set_rows(
        RecordStatus(entity="order", key=k, label=k, stored_id=None, portal_id=None, state=STATES[0])
        for k in ("010", "9", "007", "7", "10")
    )
    model.sort(OrdersModel.KEY, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, 0).data() for r in range(5)] == ["007", "7", "9", "010", "10"]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        # one number, two texts: by the text, whichever came first (a full pass and the window agree)
        (("7", "10", "007", "9", "010"), ["007", "7", "9", "010", "10"]),
        # digits that are not plain numbers: "²" is a digit int() refuses, "٣" a decimal it reads as 3
        (("²", "10", "٣", "abc", "2"), ["2", "٣", "10", "abc", "²"]),
    ],
)
def test_keys_sort_as_a_full_pass_orders_them_whatever_digits_they_hold(
    keys: tuple[str, ...], expected: list[str]
) -> None:
    """The key column sorts as :func:`key_order` does (numbers by value, ties by their text, then other
    text), on the fast path for plain numbers and off it: a key such as "²" used to raise in the sort."""
    model = OrdersModel()
    model.set_rows(
        RecordStatus(entity="order", key=k, label=k, stored_id=None, portal_id=None, state=STATES[0])
        for k in keys
    )
    model.sort(OrdersModel.KEY, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, 0).data() for r in range(len(keys))] == expected
    assert expected == sorted(keys, key=key_order)
    model.sort(OrdersModel.KEY, Qt.SortOrder.DescendingOrder)
    assert [model.index(r, 0).data() for r in range(len(keys))] == expected[::-1]


def test_sorting_again_as_shown_leaves_the_layout_alone(qtbot) -> None:
    """The view sorts twice for one click (its header's indicator, then itself): the second finds the rows
    sorted already and changes nothing."""
    model = OrdersModel()
    model.set_rows(_random_records(500, 5))
    model.sort(OrdersModel.LABEL, Qt.SortOrder.AscendingOrder)
    with qtbot.assertNotEmitted(model.layoutChanged):
        model.sort(OrdersModel.LABEL, Qt.SortOrder.AscendingOrder)
    with qtbot.waitSignal(model.layoutChanged, timeout=1000):
        model.sort(OrdersModel.LABEL, Qt.SortOrder.DescendingOrder)
    model.set_rows(_random_records(500, 6))  # new rows are sorted as asked before
    keys = [RecordsModel._key(OrdersModel.LABEL, model.row_object(r)) for r in range(500)]
    assert keys == sorted(keys, reverse=True)


def test_the_virtual_model_keeps_the_contract_sorted_and_filtered(qtmodeltester) -> None:
    model = OrdersModel()
    model.set_rows(_random_records(2_000, 3))
    model.sort(OrdersModel.LAST_SYNCED, Qt.SortOrder.DescendingOrder)
    model.set_filter("", {RecordsModel.FACET_STATE: frozenset({"missing", "outdated"})})
    assert 0 < model.rowCount() < 2_000
    qtmodeltester.check(model)


def test_a_language_switch_repaints_the_state_words_and_keeps_the_rows(qtbot) -> None:
    from bitrix_monitor.gui import i18n

    model = OrdersModel()
    rows = [_record(i) for i in range(12)]
    model.set_rows(rows)
    missing = next(r for r, rec in enumerate(rows) if rec.state is RecordState.MISSING)
    assert model.index(missing, OrdersModel.STATE).data() == "missing"
    try:
        i18n.set_language("ru")
        model.retranslate()
        assert model.index(missing, OrdersModel.STATE).data() == "нет в Битрикс24"
        assert model.rowCount() == 12 and model.index(missing, 0).data(OBJECT_ROLE) is rows[missing]
    finally:
        i18n.set_language("en")


def _worded_records() -> list[RecordStatus]:
    """One record per state, each with a queue mark in turn; names and errors free of state words."""
    marks = list(QueueMark)
    return [
        RecordStatus(
            entity="order",
            key=str(n),
            label=f"Order #{n}",
            stored_id=None,
            portal_id=None,
            state=state,
            queue=marks[n % len(marks)],
            last_error="boom" if n % 2 else "",
        )
        for n, state in enumerate(STATES, start=1)
    ]


def test_the_search_box_finds_records_by_the_state_and_queue_words_shown(qtbot) -> None:
    """Typing a state's word as the table shows it ("outdated", "stale"), or a queue mark's ("failed"),
    finds the records in that state; a key or a name still finds its record, and a state filter still
    narrows the search."""
    from bitrix_monitor.gui.tabs.records import RecordsTab

    rows = _worded_records()
    model = OrdersModel()
    tab = RecordsTab("order", model)
    qtbot.addWidget(tab)
    model.set_rows(rows)

    def found(text: str) -> list[RecordStatus]:
        tab.search.clear()
        qtbot.keyClicks(tab.search, text)
        return tab.proxy.objects()

    assert found("outdated") == [r for r in rows if r.state is RecordState.OUTDATED]
    assert found("Stale") == [r for r in rows if r.state is RecordState.STALE_LINK]
    links = (RecordState.UNLINKED, RecordState.STALE_LINK, RecordState.SHARED_LINK)
    assert found("link") == [r for r in rows if r.state in links]
    assert found("failed") == [r for r in rows if r.queue is QueueMark.FAILED]
    assert found("in doubt") == [r for r in rows if r.queue is QueueMark.IN_DOUBT]
    assert found("queued") == [r for r in rows if r.queue is QueueMark.QUEUED]
    assert found("boom") == [r for r in rows if r.last_error]
    assert found("#3") == [rows[2]]
    assert found("no such word") == []
    tab.set_state_filter(RecordState.MISSING.value)
    assert found("outdated") == []
    tab.set_state_filter("")
    assert found("outdated") == [r for r in rows if r.state is RecordState.OUTDATED]


def test_the_search_box_finds_the_state_words_of_the_window_language(qtbot) -> None:
    """In Russian the words typed are the Russian ones the table shows ("устаре" is in "устарело" and
    "устаревшая ссылка", "ошибка" is a failed job); the English codes find nothing. A language switch with
    a search in force searches again in the new language's words."""
    from bitrix_monitor.gui import i18n
    from bitrix_monitor.gui.tabs.records import RecordsTab

    rows = _worded_records()
    model = OrdersModel()
    tab = RecordsTab("order", model)
    qtbot.addWidget(tab)
    model.set_rows(rows)

    def found(text: str) -> list[RecordStatus]:
        tab.search.setText(text)  # as an input method puts it in (QTest types ASCII only)
        return tab.proxy.objects()

    try:
        i18n.set_language("ru")
        model.retranslate()
        outdated = next(r for r, rec in enumerate(rows) if rec.state is RecordState.OUTDATED)
        assert model.index(outdated, OrdersModel.STATE).data() == "устарело"
        assert found("устаре") == [
            r for r in rows if r.state in (RecordState.OUTDATED, RecordState.STALE_LINK)
        ]
        assert found("УСТАРЕЛО") == [r for r in rows if r.state is RecordState.OUTDATED]
        assert found("ошибка") == [r for r in rows if r.queue is QueueMark.FAILED]
        assert found("в очереди") == [r for r in rows if r.queue is QueueMark.QUEUED]
        assert found("outdated") == []
        i18n.set_language("en")
        model.retranslate()
        assert tab.proxy.objects() == [r for r in rows if r.state is RecordState.OUTDATED]
    finally:
        i18n.set_language("en")


def test_the_texts_a_search_looks_in_are_made_a_column_at_a_time_as_row_by_row() -> None:
    """The first text search makes every row's search text in C passes over its columns; the texts are the
    ones :meth:`RecordsModel._search_text` makes row by row: records in the light layout a pass makes (label
    and ids read from the row), with and without a portal id, a last error, a job's coded error, a note."""
    import dataclasses
    import random

    from benchmarks.window import _statuses
    from bitrix_monitor.messages import Message
    from bitrix_monitor.queue.model import JobError

    rng = random.Random(3)
    rows: list[RecordStatus] = [*_statuses("order", 1_500, 4), *_statuses("user", 300, 5)]
    rows += _random_records(500, 9, text_keys=True)
    coded = JobError.coded("PortalError", Message("row.key_empty"), retryable=False)
    for i in rng.sample(range(len(rows)), 200):
        change: dict[str, object] = rng.choice(
            [
                {"note": Message("note.title_legacy", {"id": 7})},
                {"note": "a plain note"},
                {"error": coded},
                {"last_error": "Boom"},
                {"portal_id": None, "stored_id": None},
                {"portal_id": None, "stored_id": 12},
            ]
        )
        rows[i] = dataclasses.replace(rows[i], **change)  # type: ignore[arg-type]
    made = RecordsModel._search_texts_of(rows)
    assert made == [RecordsModel._search_text(r) for r in rows]
    assert sum(1 for r in rows if type(r).__name__ != "_Judged") > 1_000  # the light layout among them
    assert any("boom" in text for text in made) and any("\x1f\x1f" in text for text in made)


@pytest.mark.parametrize(
    ("keys", "in_order"),
    [
        (("0", "1", "9", "10", "11", "99", "100"), True),  # a key "0" alone has no leading zero
        (("7", "7", "8", "12", "12"), True),  # rows sharing a key
        (("10", "12", "11"), False),  # one length, a text that falls
        (("10", "9", "11"), False),  # a length that falls
        (("9", "10", "1"), False),
        (("1", "2", "03"), False),  # a leading zero: the general keys
    ],
)
def test_plain_number_keys_in_key_order_are_shown_as_they_came(keys: tuple[str, ...], in_order: bool) -> None:
    """Keys in key order are found so without a number made of each (their lengths never fall, their texts
    fall only where the length grows) and are shown in storage order; any other keys sort as
    :func:`key_order` sorts them, ties in storage order."""
    rows = [
        RecordStatus(entity="order", key=k, label=f"{k}/{n}", stored_id=None, portal_id=None, state=STATES[0])
        for n, k in enumerate(keys)
    ]
    model = OrdersModel()
    model.set_rows(rows)
    model.sort(OrdersModel.KEY, Qt.SortOrder.AscendingOrder)
    assert isinstance(model._ascending[OrdersModel.KEY], range) is in_order
    expected = sorted(rows, key=lambda r: key_order(r.key))
    assert [model.row_object(r) for r in range(len(rows))] == expected


def test_state_and_queue_sorts_order_ties_as_a_stable_sort_does() -> None:
    """Sorted by state or queue mark (keys read off the model's byte columns), the rows come exactly as a
    stable sort by the column's keys gives them, each value's rows in storage order."""
    rows = _random_records(3_000, 21)
    model = OrdersModel()
    model.set_rows(rows)
    for column in (OrdersModel.STATE, OrdersModel.QUEUE):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort(column, order)
            ascending = _stable_order(rows, column)
            expected = ascending if order == Qt.SortOrder.AscendingOrder else ascending[::-1]
            assert [model.storage_index(r) for r in range(len(rows))] == expected


@pytest.fixture
def prepared_early(monkeypatch: pytest.MonkeyPatch) -> None:
    """The orders of PREPARED made for a few hundred rows, runs of 7 rows, one step per turn of the loop."""
    monkeypatch.setattr(RecordsModel, "PREPARE_FROM", 10)
    monkeypatch.setattr(RecordsModel, "PREPARE_RUN", 7)
    monkeypatch.setattr(RecordsModel, "PREPARE_SLICE", 0.0)
    monkeypatch.setattr(RecordsModel, "PREPARE_AFTER_MS", 0)


def _stable_order(rows: list[RecordStatus], column: int) -> list[int]:
    return sorted(range(len(rows)), key=lambda i: RecordsModel._key(column, rows[i]))


def test_the_orders_made_while_idle_are_the_orders_a_sort_makes(qtbot, prepared_early: None) -> None:
    """Made a run at a time between turns of the event loop (keys, then each run sorted, then the runs
    merged), the orders by name and by last sync are exactly a stable sort's (ties, and rows never synced,
    included); a sort by them then shows them, in either direction, without making them again."""
    rows = _random_records(400, 13)
    model = OrdersModel()
    model.set_rows(rows)
    assert model.preparing and not model._ascending
    qtbot.waitUntil(lambda: not model.preparing, timeout=5000)
    for column in RecordsModel.PREPARED:
        prepared = model._ascending[column]
        assert prepared == _stable_order(rows, column)
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort(column, order)
            assert model._ascending[column] is prepared
            shown = [model.storage_index(r) for r in range(len(rows))]
            assert shown == (prepared if order == Qt.SortOrder.AscendingOrder else prepared[::-1])


def test_preparing_gives_the_loop_a_turn_between_steps(qtbot, prepared_early: None) -> None:
    """Each step is one run's work: a timer of the window ticks between them (no step runs the rest)."""
    model = OrdersModel()
    model.set_rows(_random_records(400, 14))
    ticks = [0]
    steps = [0]
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start(0)
    real = model._prepare_some

    def counted() -> None:
        steps[0] += 1
        real()

    model._prepare_timer.timeout.disconnect()
    model._prepare_timer.timeout.connect(counted)
    try:
        qtbot.waitUntil(lambda: not model.preparing, timeout=5000)
    finally:
        timer.stop()
    runs = -(-400 // 7)
    assert steps[0] >= 2 * 2 * runs  # per column: the keys and the sorts a run at a time, then the merge
    assert ticks[0] >= steps[0] // 2


def test_a_sort_or_new_rows_while_preparing_leave_the_right_order(qtbot, prepared_early: None) -> None:
    """A sort asked before its column's order is made makes it at once (and preparing does not change it
    after); rows that arrive meanwhile drop what was begun for the old ones."""
    rows = _random_records(400, 15)
    model = OrdersModel()
    model.set_rows(rows)
    for _ in range(5):
        model._prepare_some()  # the names' keys begun
    assert model.preparing and OrdersModel.LABEL not in model._ascending
    model.sort(OrdersModel.LABEL, Qt.SortOrder.AscendingOrder)
    made = model._ascending[OrdersModel.LABEL]
    assert made == _stable_order(rows, OrdersModel.LABEL)
    newer = _random_records(300, 16)
    model._prepare_some()
    model.set_rows(newer)  # sorted by name as asked: at once
    assert [model.storage_index(r) for r in range(300)] == _stable_order(newer, OrdersModel.LABEL)
    qtbot.waitUntil(lambda: not model.preparing, timeout=5000)
    assert model._ascending[OrdersModel.LAST_SYNCED] == _stable_order(newer, OrdersModel.LAST_SYNCED)
    assert model._ascending[OrdersModel.LABEL] == _stable_order(newer, OrdersModel.LABEL)


def test_few_rows_are_not_prepared() -> None:
    model = OrdersModel()
    model.set_rows(_random_records(300, 17))
    assert not model.preparing and not model._prepare_timer.isActive()
    assert not model._sweep_timer.isActive()  # nor swept after: a few hundred rows make little to walk


def test_the_young_generations_are_swept_once_the_window_is_idle_after_bulk_work(
    qtbot, prepared_early: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a load, a sort, a filter or an idle step makes over a million rows stays in the collector's
    youngest generation, which its next pass walks item by item: swept once, after the last of such work,
    when the window has been idle a moment (not after each step, and not with the collector off)."""
    import gc

    monkeypatch.setattr(RecordsModel, "SWEEP_AFTER_MS", 50)
    swept: list[int] = []
    real = gc.collect
    monkeypatch.setattr(gc, "collect", lambda generation=2: swept.append(generation) or real(generation))
    model = OrdersModel()
    model.set_rows(_random_records(400, 19))
    qtbot.waitUntil(lambda: not model.preparing, timeout=5000)  # a hundred steps, each restarting it
    qtbot.waitUntil(lambda: bool(swept), timeout=2000)
    assert set(swept) == {1}  # the two young generations, never a full collection
    done = len(swept)
    assert done < 20  # not after each of the hundreds of steps: after the last (or a pause between two)
    model.sort(OrdersModel.LABEL, Qt.SortOrder.DescendingOrder)
    model.set_filter("", {OrdersModel.FACET_STATE: frozenset({"missing"})})
    assert model._sweep_timer.isActive() and len(swept) == done  # later, the window idle
    qtbot.waitUntil(lambda: len(swept) == done + 1, timeout=2000)
    qtbot.wait(150)
    assert swept[done:] == [1]  # once for the two
    model.sort(OrdersModel.KEY, Qt.SortOrder.AscendingOrder)
    gc.disable()  # a full pass pauses the collector: nothing swept meanwhile
    try:
        qtbot.wait(150)
    finally:
        gc.enable()
    assert len(swept) == done + 1


def _noted_records(n: int) -> list[RecordStatus]:
    """Records of which every third holds a note said in the window's language."""
    import dataclasses

    from bitrix_monitor.messages import Message

    rows = _random_records(n, 18)
    for i in range(0, n, 3):
        rows[i] = dataclasses.replace(rows[i], note=Message("note.title_legacy", {"id": i}))
    return rows


def test_the_search_texts_made_while_idle_are_the_ones_a_search_makes(
    qtbot, prepared_early: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the orders, the texts a search looks in are made a run at a time: the same texts a first search
    makes, which then finds its rows without making them again."""
    rows = _noted_records(400)
    model = OrdersModel()
    model.set_rows(rows)
    qtbot.waitUntil(lambda: not model.preparing, timeout=5000)
    assert model._search_texts == RecordsModel._search_texts_of(rows)

    def unused(_rows: object) -> list[str]:
        raise AssertionError("the search texts were made again")

    monkeypatch.setattr(RecordsModel, "_search_texts_of", staticmethod(unused))
    model.set_filter("order #1", {})
    expected = [i for i, r in enumerate(rows) if "order #1" in RecordsModel._search_text(r)]
    assert sorted(model.storage_index(r) for r in range(model.rowCount())) == expected


def test_a_language_switch_while_preparing_makes_the_search_texts_in_the_new_language(
    qtbot, prepared_early: None
) -> None:
    from bitrix_monitor.gui import i18n

    rows = _noted_records(400)
    model = OrdersModel()
    model.set_rows(rows)
    english = RecordsModel._search_texts_of(rows)
    while not all(column in model._ascending for column in RecordsModel.PREPARED):
        model._prepare_some()  # the orders made: the search texts begun next
    model._prepare_some()
    assert model.preparing and model._search_texts is None
    try:
        i18n.set_language("ru")
        model.retranslate()
        qtbot.waitUntil(lambda: not model.preparing, timeout=5000)
        russian = RecordsModel._search_texts_of(rows)
        assert model._search_texts == russian != english
        assert model._ascending[OrdersModel.LABEL] == _stable_order(rows, OrdersModel.LABEL)
    finally:
        i18n.set_language("en")


def _changed_copy(rows: list[RecordStatus], seed: int, count: int) -> tuple[list[RecordStatus], list[int]]:
    """``rows`` with ``count`` of them replaced by a record of the same key whose name, state, queue mark,
    last error or last sync differ (or are the same, in a new object)."""
    import dataclasses
    import random

    rng = random.Random(seed)
    out = list(rows)
    changed = rng.sample(range(len(rows)), count)
    for i in changed:
        change: dict[str, object] = rng.choice(
            [
                {"label": f"Order #{rng.randint(1, 50)}"},
                {"state": rng.choice(STATES)},
                {"queue": rng.choice(list(QueueMark))},
                {"last_error": "" if rows[i].last_error else rng.choice(["boom", "ACCESS_DENIED"])},
                {"last_synced": None},
                {"last_synced": datetime(2026, 1, 1, rng.randint(0, 23), tzinfo=UTC)},
                {},
            ]
        )
        out[i] = dataclasses.replace(rows[i], **change)  # type: ignore[arg-type]
    return out, changed


def _everything_shown(model: OrdersModel) -> list[object]:
    """What the model shows in every sort order under every filter, as storage indexes."""
    proxy = TableFilterProxy()
    proxy.setSourceModel(model)
    attention = {s.value for s in RecordState if s is not RecordState.IN_SYNC}
    filters = [
        ({RecordsModel.FACET_STATE: attention}, ""),
        ({RecordsModel.FACET_QUEUE: {"queued", "failed"}, RecordsModel.FACET_ERROR: {"error"}}, ""),
        ({}, "order #1"),
        ({}, ""),
    ]
    seen: list[object] = [bytes(model._state_codes)]
    for column in range(model.columnCount()):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            proxy.sort(column, order)
            for facets, needle in filters:
                proxy.set_filters(needle, {f: facets.get(f) for f in range(3)})
                seen.append(
                    (column, order, needle, [model.storage_index(r) for r in range(model.rowCount())])
                )
    proxy.clear_filters()
    return seen


@pytest.mark.parametrize(("count", "reorder_max"), [(0, 256), (1, 256), (15, 256), (15, 1)])
def test_new_rows_that_are_the_rows_shown_but_a_few_are_mended_in_place(
    qtbot, prepared_early: None, monkeypatch: pytest.MonkeyPatch, count: int, reorder_max: int
) -> None:
    """A refresh that gives the rows shown with a few changed in their places (as a snapshot does) mends
    what the model made for them (state bytes, sort keys and orders, search texts) instead of making it all
    again (an order in which more rows moved than ``REORDER_MAX`` is made again, shown at once when sorted
    by, else in the idle steps), and the model then shows in every sort order and filter exactly what a
    model given those rows afresh shows; with none changed, nothing is reset."""
    monkeypatch.setattr(RecordsModel, "PATCH_MAX", 5)
    monkeypatch.setattr(RecordsModel, "REORDER_MAX", reorder_max)
    rows = _noted_records(300)
    model = OrdersModel()
    model.set_rows(rows)
    qtbot.waitUntil(lambda: not model.preparing, timeout=5000)
    _everything_shown(model)  # every order and byte column made, and the search texts
    newer, changed = _changed_copy(rows, 40 + count, count)
    assert len(changed) == count
    orders = dict(model._ascending)
    if count == 0:
        with qtbot.assertNotEmitted(model.modelReset):
            model.set_rows(tuple(newer))  # as the window gives them: the snapshot's tuple
        assert model._ascending == orders
    else:
        with qtbot.waitSignal(model.modelReset, timeout=1000):
            model.set_rows(tuple(newer))
        assert model.generation > 0 and list(model._rows) == newer
    assert model._search_texts == RecordsModel._search_texts_of(newer)
    qtbot.waitUntil(lambda: not model.preparing, timeout=5000)  # an order dropped: made in the idle steps
    for column in RecordsModel.PREPARED:
        assert model._ascending[column] == _stable_order(newer, column), column
    fresh = OrdersModel()
    fresh.set_rows(newer)
    assert (model._state_codes, model._queue_codes, model._errors) == (
        fresh._state_codes,
        fresh._queue_codes,
        fresh._errors,
    )
    assert _everything_shown(model) == _everything_shown(fresh)


def test_rows_changed_beyond_mending_are_made_afresh(prepared_early: None) -> None:
    """More rows changed than :attr:`PATCH_MAX` of each hundred, another number of rows, or a row of another
    key in a place: the rows are taken afresh (every order made again)."""
    rows = _random_records(300, 19)
    for newer in (
        _changed_copy(rows, 50, 40)[0],
        rows[:-1],
        [*rows[1:2], *rows[1:]],
    ):
        model = OrdersModel()
        model.set_rows(rows)
        model.sort(OrdersModel.LABEL, Qt.SortOrder.AscendingOrder)
        assert OrdersModel.LABEL in model._ascending
        model.set_rows(newer)
        assert OrdersModel.LAST_SYNCED not in model._ascending and model.preparing
        assert [model.storage_index(r) for r in range(len(newer))] == _stable_order(newer, OrdersModel.LABEL)


def test_a_sort_or_search_while_preparing_makes_only_what_is_left(qtbot, prepared_early: None) -> None:
    """A sort asked while the idle steps are making its column's keys takes the keys made so far and makes
    the rest; a search asked while they make the search texts does the same with the texts; the steps then
    go on without making either again."""
    rows = _noted_records(400)
    model = OrdersModel()
    model.set_rows(rows)
    model._prepare_some()
    model._prepare_some()  # two runs of the names' keys
    begun = model._partial[OrdersModel.LABEL]
    assert len(begun) == 2 * 7
    model.sort(OrdersModel.LABEL, Qt.SortOrder.AscendingOrder)
    assert model._sort_keys[OrdersModel.LABEL] is begun and len(begun) == 400
    assert [model.storage_index(r) for r in range(400)] == _stable_order(rows, OrdersModel.LABEL)
    while "texts" not in model._partial:
        model._prepare_some()
    model._prepare_some()
    texts = model._partial["texts"]
    assert 0 < len(texts) < 400
    model.set_filter("order #1", {})
    assert model._search_texts is texts and texts == RecordsModel._search_texts_of(rows)
    qtbot.waitUntil(lambda: not model.preparing, timeout=5000)
    assert model._search_texts is texts and len(texts) == 400
    assert model._sort_keys[OrdersModel.LABEL] is begun and len(begun) == 400
    for column in RecordsModel.PREPARED:
        assert model._ascending[column] == _stable_order(rows, column)
