"""The demo's companies in the window: their own tab and overview box, the seeded problems counted."""

from __future__ import annotations

from bitrix_monitor.paths import DataDirs
from tests.gui.conftest import demo_window


async def test_the_demos_companies_have_a_tab_and_a_box_and_a_duplicate_to_merge(
    qtbot, data_dirs: DataDirs
) -> None:
    window = demo_window(qtbot, data_dirs)
    try:
        assert await window.connect_service(demo=True)
        companies = window.record_tabs["company"]
        assert window.tabs.isTabVisible(window.tabs.indexOf(companies))
        assert window.overview.boxes["company"].isVisibleTo(window)
        assert window.tabs.tabText(window.tabs.indexOf(companies)) == "Companies"
        assert companies.model.rowCount() == 14  # the demo shop's companies, one row each
        assert window.overview.count("company", "duplicated") == 1  # typed in twice by hand
        assert window.overview.count("company", "stale_link") == 1  # deleted in the CRM
        assert window.overview.count("company", "missing") >= 1
        assert "14 companies" in window.overview.snapshot_label.text()

        window.overview.buttons[("company", "duplicated")].click()
        assert window.tabs.currentWidget() is companies
        assert companies.proxy.rowCount() == 1
    finally:
        await window.shutdown()
