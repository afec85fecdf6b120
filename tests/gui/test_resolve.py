"""A record changed on both sides is settled in one click from its detail pane."""

from __future__ import annotations

from bitrix_monitor.gui.window import MainWindow
from bitrix_monitor.sync.model import RecordState
from tests.gui.conftest import wait_until
from tests.gui.fakes import FakeService
from tests.gui.test_window import window

__all__ = ["window"]  # the fixture, used by name


async def test_a_conflict_is_settled_in_one_click_and_the_buttons_show_only_for_conflicts(
    window: MainWindow, fake_service: FakeService
) -> None:
    for key in ("1", "2"):
        rec = fake_service.records[("order", key)]
        rec.state, rec.note = RecordState.CONFLICT, "STAGE_ID changed on both sides"
    await window.refresh()
    tab = window.orders
    window.show_records("order", "in_sync")
    tab.view.selectRow(0)
    assert tab.resolve_bar.isHidden()
    window.show_records("order", "conflict")
    assert tab.proxy.rowCount() == 2
    tab.view.selectRow(0)
    assert not tab.resolve_bar.isHidden()
    assert tab.take_crm.text() == "Take the CRM's value" and tab.take_shop.text() == "Take the shop's value"
    first = tab.detail.record
    assert first is not None
    tab.take_crm.click()
    await wait_until(lambda: fake_service.resolved == [("order", first.key, "crm")])
    await wait_until(lambda: tab.proxy.rowCount() == 1)
    assert "Took the CRM's value into the shop." in window.message_bar.text()
    tab.view.selectRow(0)
    second = tab.detail.record
    assert second is not None and second.key != first.key
    tab.take_shop.click()
    await wait_until(lambda: tab.proxy.rowCount() == 0)
    assert fake_service.resolved[-1] == ("order", second.key, "shop")
    assert "the next sync sends it to Bitrix24" in window.message_bar.text()
