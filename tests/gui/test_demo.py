"""End to end on the built-in demo (demo shop + portal emulator in this process, the real service and its
background runner): select the orders missing a deal, queue their creation, see them in sync."""

from __future__ import annotations

from datetime import datetime

import pytest

from bitrix_monitor.gui.models import OrdersModel, fmt_time
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.model import RecordState
from tests.gui.conftest import DialogAnswers, demo_window, wait_until


async def test_demo_orders_missing_a_deal_are_created_and_counted_in_sync(qtbot, data_dirs: DataDirs) -> None:
    window = demo_window(qtbot, data_dirs)
    try:
        assert await window.connect_service(demo=True)
        answers = DialogAnswers(window)
        missing = window.overview.count("order", "missing")
        in_sync = window.overview.count("order", "in_sync")
        assert missing > 0

        window.overview.buttons[("order", "missing")].click()
        window.orders.select_all_visible()
        keys = {r.key for r in window.orders.selected()}
        assert len(keys) == missing
        window.orders.action_buttons["create"].click()

        def created() -> bool:
            assert window.snapshot is not None
            states = {r.key: (r.state, r.last_synced is not None) for r in window.snapshot.orders}
            done = bool(answers.plans) and window.overview.count("queue", "done") >= len(answers.plans[0])
            return done and {states[k] for k in keys} == {(RecordState.IN_SYNC, True)}

        def describe() -> str:
            assert window.snapshot is not None
            left = {r.key: (r.state.value, r.queue.value, r.last_error) for r in window.snapshot.orders}
            left = {k: v for k, v in left.items() if k in keys and v[0] != "in_sync"}
            queue = {s: window.overview.count("queue", s) for s in ("queued", "running", "done", "failed")}
            return f"dialogs {answers.seen}, queue {queue}, not in sync {left}"

        await wait_until(created, within=60, describe=describe)
        [plan] = answers.plans
        assert answers.seen == [("PlanDialog", f"Queue {len(plan)} jobs?")]
        assert {j.entity_key for j in plan.jobs if j.kind == "deal.create"} == keys
        assert window.overview.count("order", "in_sync") >= in_sync + missing
        assert window.overview.count("order", "missing") == 0

        # "Last synced" comes from the job history: when each record's last job was done, shown in this
        # machine's time with its zone, as the window's language writes it; the others were never synced.
        window.orders.set_state_filter("")
        model, column = window.orders.model, OrdersModel.LAST_SYNCED
        shown = {
            model.data(model.index(row, OrdersModel.KEY)): model.data(model.index(row, column))
            for row in range(model.rowCount())
        }
        assert window.snapshot is not None
        synced = {r.key: r.last_synced for r in window.snapshot.orders}
        assert all(synced[k] is not None and shown[k] == fmt_time(synced[k]) for k in keys)
        zone = datetime.now().astimezone().tzname()
        assert all(str(zone) in shown[k] for k in keys)
        assert {shown[k] for k in synced if synced[k] is None} <= {""}
    finally:
        await window.shutdown()


async def test_a_full_check_lets_the_window_run_while_it_compares(
    qtbot, data_dirs: DataDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full pass judges its records a part at a time (``JUDGE_PART``; here one, so that the demo's few
    hundred take many parts), and Qt's own events run between the parts: a timer of the window's ticks
    while the pass compares (at a million records, judging takes seconds, and the window would not paint)."""
    from PySide6.QtCore import QTimer

    from bitrix_monitor.sync import reconcile

    window = demo_window(qtbot, data_dirs)
    try:
        assert await window.connect_service(demo=True)
        stage = [""]
        told = reconcile.report

        def report(progress: object, said: str, done: int = 0, total: int | None = None) -> None:
            stage[0] = said
            told(progress, said, done, total)  # type: ignore[arg-type]

        monkeypatch.setattr(reconcile, "report", report)
        monkeypatch.setattr(reconcile, "JUDGE_PART", 1)
        ticks = [0]
        timer = QTimer(window)
        timer.setInterval(0)
        timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + (stage[0] == "comparing")))
        timer.start()
        try:
            snap = await window.refresh(full=True)
        finally:
            timer.stop()
        assert snap is not None and snap.pass_kind == "full"
        judged = sum(len(records) for records in snap.records.values())
        assert judged > 100
        assert ticks[0] >= judged // 2, (ticks[0], judged)
    finally:
        await window.shutdown()
