"""A team on one PostgreSQL queue, through the real entry point: a worker (``--sync --watch``) and a desk
(``--sync``) work the same queue at once against a portal with a tight rate limit; each record is created
exactly once, the portal refuses nothing (the two share one request budget), and the worker lists itself
in the queue database and ends cleanly on SIGTERM."""

from __future__ import annotations

import functools
import signal
import time
from pathlib import Path

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.queue import TeamQueue
from tests.sync.conftest import ORIGINATOR, Cli, assert_exactly_one_each, make_shop

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

# The portal drains 4 requests a second with a burst of 8; the client plans for exactly that plan.
TIGHT = "burst=8,drain=4"
CONFIG = f"""
[portal]
originator = "{ORIGINATOR}"
timeout = 5.0
plan = "{TIGHT}"

[sync]
settle_delay = 0.5
max_attempts = 30
"""


def test_a_worker_and_a_desk_share_the_queue_and_the_portals_budget(
    tmp_path: Path, postgres_url: str
) -> None:
    shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=40, users=15)
    with PortalEmulator(limits=TIGHT) as portal:
        worker = Cli(tmp_path / "server", shop.url, portal.webhook_url, CONFIG)
        desk = Cli(tmp_path / "desk", shop.url, portal.webhook_url, CONFIG)
        proc = worker.start("--sync", "--watch", "1", "--queue", postgres_url)
        try:
            ran = desk.run("--sync", "--queue", postgres_url)
            assert ran.returncode in (0, 1), ran.stderr  # 1: the worker still had some jobs in hand
            with TeamQueue.connect(postgres_url) as team:
                deadline = time.monotonic() + 240
                while team.counts().active and time.monotonic() < deadline:
                    time.sleep(0.5)
                counts = team.counts()
                events = team.event_log(types=["claimed"], limit=100_000)
            assert counts.active == 0 and counts.problems == 0, counts
        finally:
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err  # stopped while idle: its last report, all in sync
        assert "Traceback" not in err
        final = desk.run("--report", "--queue", postgres_url)
        assert final.returncode == 0, final.stdout + final.stderr
        assert_exactly_one_each(portal, shop)
        assert portal.stats.rejected_rate_limit == 0  # one budget for both runners: nothing refused
    claimers = {e.event.actor for e in events}
    assert len(claimers) >= 1
    with TeamQueue.connect(postgres_url) as team:
        runners = team.runners()
    # The worker, and the desk when it ran the queue: a desk whose reconcile found every record made already
    # (the worker was quicker, as on a loaded machine) has nothing to run and is no runner. Whoever claimed
    # a job is listed.
    assert claimers <= {r.owner for r in runners} and 1 <= len(runners) <= 2
    assert all(r.stopped_at is not None and r.version for r in runners)
    assert "bitrix-monitor --sync --watch 1" in {r.description for r in runners}  # the worker says what it is


async def test_an_idle_worker_keeps_beating_within_a_lease(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--watch 600`` waits ten minutes between passes; the desks must not see it as silent meanwhile."""
    import asyncio

    from bitrix_monitor.sync import headless

    monkeypatch.setattr(headless, "TEAM_LEASE_SECONDS", 1.5)  # a beat every 0.5 s
    with TeamQueue.connect(postgres_url) as team:
        team.heartbeat("srv-night:7", "bitrix-monitor --sync --watch 600")
        [before] = team.runners()
        assert not await headless._idle(team, 2.2, asyncio.Event(), owner="srv-night:7")
        [after] = team.runners()
    assert (after.heartbeat_at - before.heartbeat_at).total_seconds() >= 1.5


def test_retry_dead_from_the_command_line_names_the_desk_in_the_team_audit_trail(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    from bitrix_monitor.queue import JobError
    from bitrix_monitor.sync.headless import manage_dead

    monkeypatch.setattr(socket, "gethostname", lambda: "srv-night")
    with TeamQueue.connect(postgres_url) as team:
        job = team.enqueue("deal.create", "1")
        team.claim("desk-boris:1")
        team.fail("desk-boris:1", job.id, JobError("PortalError", "no rights", retryable=False))
        opened = functools.partial(TeamQueue.connect, postgres_url)
        assert manage_dead(opened, "retry", "all", desk="night worker") == 0
        [retried] = [e for e in team.events(job.id) if e.type == "retried"]
    assert retried.actor == "cli@night worker"  # [queue] desk, not the machine's name
    assert "Queued 1 dead job again" in capsys.readouterr().out
