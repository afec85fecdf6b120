"""The demo window shows a change made in the CRM coming back (issue 14): the manager's won deal is pulled
by the background runner, listed in Activity in words, and the order's detail pane says who moved the
stage and when, as the portal says."""

from __future__ import annotations

from bitrix_monitor.gui.models import ActivityModel
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.model import RecordState
from tests.gui.conftest import demo_window, wait_until


async def test_the_demo_window_lists_the_pulled_stage_and_shows_who_moved_it(
    qtbot, data_dirs: DataDirs
) -> None:
    window = demo_window(qtbot, data_dirs)
    try:
        assert await window.connect_service(demo=True)
        model = window.activity_model

        def pulled_lines() -> list[str]:
            rows = [model.index(r, ActivityModel.ACTION).data() for r in range(model.rowCount())]
            return [str(t) for t in rows if "Stage of deal" in str(t)]

        await wait_until(
            lambda: bool(pulled_lines()),
            within=60,
            describe=lambda: str(window.service and window.service.activity()),
        )
        [line] = pulled_lines()
        assert "changed in Bitrix24 by user 7" in line and "status set to WON" in line
        actors = {model.index(r, ActivityModel.ACTOR).data() for r in range(model.rowCount())}
        assert "changes from Bitrix24" in actors

        snap = await window.refresh()
        assert snap is not None
        key = line.split("; order ")[1].split(" ")[0]
        [order] = [r for r in snap.orders if r.key == key]
        assert order.state is RecordState.IN_SYNC
        assert order.shop_values.get("STAGE_ID") == "WON"

        window.show_records("order", "")
        window.orders.search.setText(order.label)
        window.orders.view.selectRow(0)
        detail = window.orders.detail
        assert detail.record is not None and detail.record.key == key
        await wait_until(lambda: detail.changes is not None, within=30)
        text = detail.toPlainText()
        assert "Stage moved in Bitrix24:" in text and "by user 7" in text
        assert "both ways" in text
    finally:
        await window.shutdown()
