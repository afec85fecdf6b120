"""A shop going away while nothing touches it (the window idle: auto-sync off, an empty queue) is noticed by
the background runner's light check of the shop within its cadence, as an outage like any other, and
forgotten when the shop answers again; the check asks nothing of the portal and writes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.messages import Message
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.shop.errors import ShopUnreachableError
from bitrix_monitor.sync import service as service_module
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.wiring import open_service
from tests.conftest import POSTGRES_ADMIN_URL
from tests.sync.conftest import CFG, Shop

PASSWORD = "idle-s3cret-pw"  # trust authentication lets it through; no message may show it


async def _until(condition: Callable[[], bool], within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@contextlib.contextmanager
def _shop_away(shop: Shop) -> Iterator[None]:
    """The shop's database gone while inside: the SQLite file renamed away, or the PostgreSQL database
    renamed with its connections ended; back as it was on leaving."""
    url = sa.make_url(shop.url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        away = path.with_name(path.name + ".away")
        path.rename(away)
        try:
            yield
            assert not path.exists(), "the shop's file was made again while it was away"
        finally:
            away.rename(path)
        return
    name = url.database
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            for _ in range(50):  # the app's check may connect again between the two statements
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                try:
                    conn.execute(sa.text(f'ALTER DATABASE "{name}" RENAME TO "{name}_away"'))
                    break
                except sa.exc.OperationalError:
                    continue
            else:
                pytest.fail("the shop's database could not be renamed away")
            try:
                yield
            finally:
                conn.execute(sa.text(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"'))
    finally:
        admin.dispose()


def _said(service: MonitorService) -> str:
    """Everything the service says about its outages and its runner, in words."""
    words = [service.runner_status]
    for o in service.outages():
        words += [str(o.reason), str(o.hint or "")]
    return " ".join(words)


@pytest.mark.parametrize("shop_url", ["sqlite", "postgresql"], indirect=True)
async def test_an_idle_runner_notices_the_shop_going_away_and_coming_back(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "PROBE_EVERY", 0.2)  # an outage is tried again this often
    url = shop.url
    if url.startswith("postgresql"):
        url = sa.make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)
    service = await open_service(CFG, data_dirs, shop_url=url, portal_url=portal.webhook_url)
    try:
        assert service.cfg.sync.auto_sync_interval == 0  # nothing polls the shop
        asked = portal.stats.snapshot()["http_requests"]
        service.start_background(tick=0.05, shop_check=0.2)
        await asyncio.sleep(0.5)
        assert service.outages() == ()

        with _shop_away(shop):
            await _until(lambda: bool(service.outages()))
            (outage,) = service.outages()
            assert outage.side == "shop"
            assert isinstance(outage.reason, Message) and outage.reason.code == "shop.missing"
            since = outage.since
            await asyncio.sleep(0.5)  # the probe tries it again: still out, since the first failure
            (outage,) = service.outages()
            assert outage.since == since
            assert PASSWORD not in _said(service)

        await _until(lambda: service.outages() == ())
        await asyncio.sleep(0.5)
        assert service.outages() == ()
        assert portal.stats.snapshot()["http_requests"] == asked  # the checks asked the portal nothing
        snap = await service.snapshot()  # the shop is read as before
        assert snap.counts_of("order").checked == shop.orders
    finally:
        await service.aclose()


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_a_shop_check_that_hangs_is_the_shop_unreachable(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection hanging on a network gone away: the check gives up after its timeout and says the shop
    cannot be reached; while that check still hangs, the next one says so at once, without a second thread;
    when it answers, the outage is over."""
    service = await open_service(CFG, data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
    release = threading.Event()
    started: list[int] = []

    def hanging() -> None:
        started.append(1)
        release.wait(10)

    try:
        monkeypatch.setattr(service.shop, "ping", hanging)
        with pytest.raises(ShopUnreachableError):
            await service.check_shop(within=0.2)
        (outage,) = service.outages()
        assert outage.side == "shop"
        assert isinstance(outage.reason, Message) and outage.reason.code == "shop.unreachable"
        with pytest.raises(UserFacingError):
            await service.check_shop(within=0.2)
        assert started == [1]
        release.set()
        await _until(lambda: service._shop_ping is not None and service._shop_ping.done())
        assert await service.probe() == ()
        assert started == [1, 1]
    finally:
        release.set()
        await service.aclose()
