"""Each reconcile reports what it cost the portal: the HTTP requests it made and, per method, the operating
time the portal charged (from the answers' ``time`` blocks), on the Snapshot and in ``--report --json``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.sync.report import Report
from bitrix_monitor.sync.service import MonitorService
from tests.sync.conftest import Shop

pytestmark = pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
COST = 0.2  # operating seconds the emulator charges per command, as a portal with big tables would


@pytest.fixture
def portal() -> Iterator[PortalEmulator]:
    with PortalEmulator(limits="off", seed=1, operating_cost=COST) as p:
        yield p


async def test_a_reconcile_reports_its_requests_and_operating_time(
    shop: Shop, portal: PortalEmulator, service: MonitorService
) -> None:
    await service.snapshot()  # the first answers only set where each method's count starts
    portal.stats.reset()
    snap = await service.snapshot()
    stats = portal.stats.snapshot()
    assert snap.portal.requests == stats["http_requests"] > 0
    ran = {m: n for m, n in stats["executed"].items() if m != "batch"}
    assert set(snap.portal.operating_s) == set(ran)
    for method, n in ran.items():
        # The rise of the method's operating time: COST per command (the emulator's own time on top).
        assert n * COST - 1e-6 <= snap.portal.operating_s[method] <= n * (COST + 0.1), method
    report = Report.of(snap, await service.queue_summary()).to_dict()
    assert {"orders", "users", "queue", "ok", "portal"} <= set(report)
    assert report["portal"] == {"requests": snap.portal.requests, "operating_s": snap.portal.operating_s}
