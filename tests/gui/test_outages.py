"""Outages (issue 16, point 4): while Bitrix24 or the shop cannot be reached the window says so until it
is over (status bar, overview, the runner's line), marks the counts as stale with their time, disables what
needs the missing side with the reason, and recovers by itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bitrix_monitor.config import AppConfig
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.gui.window import MainWindow
from bitrix_monitor.messages import Message
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.api import MonitorApi, Outage
from bitrix_monitor.wiring import open_service
from tests.gui.conftest import wait_until, window_over
from tests.gui.fakes import FakeService


async def test_an_outage_is_shown_until_it_is_over(
    fake_window: MainWindow, fake_service: FakeService
) -> None:
    win = fake_window
    since = datetime(2026, 11, 30, 5, 31, 2, tzinfo=UTC)
    fake_service.down = (Outage("shop", since, "the shop's database at db.example closed the connection"),)
    await wait_until(lambda: win.offline_label.isVisible())
    assert win.offline_label.text() == "Offline"
    assert "the shop's database at db.example closed the connection" in win.offline_label.toolTip()
    assert win.runner_label.text() == "Runner waiting for the shop's database"
    banner = win.overview.offline_banner.text()
    assert banner.startswith("The shop's database cannot be reached (since ")
    assert "The app tries again by itself." in banner
    assert "The counts below are from 2026-11-29" in banner and "may be out of date" in banner
    assert not win.refresh_action.isEnabled() and not win.sync_action.isEnabled()
    assert win.refresh_action.toolTip().startswith("Not now: The shop's database cannot be reached")
    for button in win.orders.action_buttons.values():
        assert not button.isEnabled() and button.toolTip().startswith("Not now: ")
    win.archive.view.selectRow(0)
    assert not win.archive.restore_button.isEnabled()
    assert win.archive.restore_button.toolTip().startswith("Not now: ")
    # the queue is this desk's own: its job buttons stay
    assert win.queue.cancel_button.toolTip() and win.queue.pause_button.isEnabled()

    fake_service.down = (*fake_service.down, Outage("portal", since, "connection refused"))
    await wait_until(lambda: win.runner_label.text() == "Runner waiting for Bitrix24 and the shop's database")

    taken = fake_service.snapshots_taken
    fake_service.down = ()
    await wait_until(lambda: not win.offline_label.isVisible() and fake_service.snapshots_taken > taken)
    await wait_until(lambda: win.refresh_action.isEnabled())
    assert win.runner_label.text().startswith("Runner active")
    assert not win.overview.offline_banner.isVisible()
    assert all(b.isEnabled() for b in win.orders.action_buttons.values())
    assert win.archive.restore_button.isEnabled()


async def test_the_portal_going_away_and_coming_back(qtbot, data_dirs: DataDirs) -> None:
    """The demo's portal emulator stopped and started again under a real service and its runner."""
    from bitrix_monitor.demo.scenario import DemoPaths, demo_config, start_demo_portal

    portal = start_demo_portal(data_dirs)
    paths = DemoPaths.of(data_dirs)

    async def factory(*, demo: bool = False) -> MonitorApi:
        service = await open_service(
            demo_config(AppConfig(), paths),
            data_dirs.demo(),
            shop_url=paths.shop_url,
            portal_url=portal.webhook_url,
            queue_url="",
        )
        service.start_background(tick=0.1)
        return service

    win = window_over(qtbot, data_dirs, factory)
    try:
        assert await win.connect_service()
        assert win.snapshot is not None
        before = win.snapshot.taken_at
        portal.stop()
        with pytest.raises(UserFacingError):
            await win.refresh()
        await wait_until(lambda: win.offline_label.isVisible(), within=30)
        assert win.runner_label.text() == "Runner waiting for Bitrix24"
        assert win.overview.offline_banner.text().startswith("Bitrix24 cannot be reached (since ")
        assert not win.refresh_action.isEnabled()
        (outage,) = win.service.outages()  # type: ignore[union-attr]
        assert isinstance(outage.reason, Message) and outage.reason.code == "portal.unreachable"
        assert "Cannot connect to" in win.offline_label.toolTip()

        portal.start()  # the same port: the service's probe finds it, the window takes a snapshot by itself
        await wait_until(
            lambda: (
                not win.offline_label.isVisible()
                and win.snapshot is not None
                and win.snapshot.taken_at > before
            ),
            within=60,
        )
        assert win.runner_label.text().startswith("Runner active")
        assert win.refresh_action.isEnabled()
    finally:
        await win.shutdown()
        portal.close()


async def test_an_idle_window_notices_the_shop_going_away(
    qtbot, data_dirs: DataDirs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Auto-sync off and nothing queued, so nothing reads the shop: its file renamed away shows as the
    shop's outage within the runner's check of the shop (short here), without a person acting; back, the
    window recovers by itself. The checks ask the portal nothing."""
    from bitrix_monitor.demo.emulator import PortalEmulator
    from bitrix_monitor.sync import service as service_module
    from tests.sync.conftest import CFG, make_shop

    monkeypatch.setattr(service_module, "PROBE_EVERY", 0.3)  # an outage is tried again this often
    shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=20, users=8)
    path = tmp_path / "shop.sqlite3"
    assert CFG.sync.auto_sync_interval == 0

    with PortalEmulator(limits="off", seed=1) as portal:

        async def factory(*, demo: bool = False) -> MonitorApi:
            service = await open_service(CFG, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
            service.start_background(tick=0.1, shop_check=0.3)
            return service

        win = window_over(qtbot, data_dirs, factory)
        try:
            assert await win.connect_service()
            assert win.snapshot is not None and not win.offline_label.isVisible()
            before = win.snapshot.taken_at
            asked = portal.stats.snapshot()["http_requests"]

            path.rename(tmp_path / "elsewhere.sqlite3")
            await wait_until(lambda: win.offline_label.isVisible())
            assert win.runner_label.text() == "Runner waiting for the shop's database"
            assert win.overview.offline_banner.text().startswith(
                "The shop's database cannot be reached (since "
            )
            assert "does not exist" in win.offline_label.toolTip()
            assert not win.refresh_action.isEnabled()
            assert portal.stats.snapshot()["http_requests"] == asked
            assert not path.exists()  # the checks made no file where the shop was

            (tmp_path / "elsewhere.sqlite3").rename(path)
            await wait_until(
                lambda: (
                    not win.offline_label.isVisible()
                    and win.snapshot is not None
                    and win.snapshot.taken_at > before
                )
            )
            assert win.runner_label.text().startswith("Runner active")
            assert win.refresh_action.isEnabled()
        finally:
            await win.shutdown()


async def test_the_outages_reason_follows_the_windows_language(
    fake_window: MainWindow, fake_service: FakeService
) -> None:
    """The reason under the offline state is the error's codes, said in the window's language (the
    portal's own words, here the OS error, stay as they came)."""
    from bitrix_monitor.bitrix.errors import PortalUnreachable
    from bitrix_monitor.gui import i18n

    win = fake_window
    error = PortalUnreachable(
        Message("portal.unreachable", {"where": "https://b24.example", "text": "connection refused"}),
        hint=Message("portal.unreachable.hint"),
    )
    since = datetime(2026, 11, 30, 5, 31, 2, tzinfo=UTC)
    fake_service.down = (Outage("portal", since, error.msg, error.hint_msg),)
    await wait_until(lambda: win.offline_label.isVisible())
    assert (
        "Cannot connect to https://b24.example: connection refused (check the network and the portal address)"
        in win.offline_label.toolTip()
    )
    try:
        assert i18n.set_language("ru") == "ru"
        win._show_outages()
        assert (
            "Не удалось подключиться к https://b24.example: connection refused "
            "(проверьте сеть и адрес портала)" in win.offline_label.toolTip()
        )
    finally:
        i18n.set_language("en")
