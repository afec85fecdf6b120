"""``--sync`` answers SIGINT and SIGTERM within seconds wherever it is: reading, waiting for retries, held
back by the rate limit, or in the middle of the queue. It says so on one line, leaves no job running, and
the next run finishes the work exactly once."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.queue import JobQueue
from tests.badinput import conftest as badinput
from tests.sync.conftest import FAST_CONFIG, Cli, Shop, assert_exactly_one_each, make_shop

pytestmark = pytest.mark.slow
canned_portal = badinput.canned_portal  # a portal that answers every request the same way


def _interrupt(
    proc: subprocess.Popen[str], sig: signal.Signals, after: float, asked: Callable[[], int]
) -> tuple[float, str, str]:
    """Sends ``sig`` ``after`` seconds past the run's first request to the portal (``asked`` counts them):
    by then it is past its start, however long a busy machine takes to start Python."""
    deadline = time.monotonic() + 60
    while asked() == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(after)
    assert proc.poll() is None, "the run ended before the signal: " + (proc.communicate()[1] or "")
    sent = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return time.monotonic() - sent, out, err


def _assert_stopped(proc: subprocess.Popen[str], sig: signal.Signals, took: float, err: str) -> None:
    assert took < 8, f"took {took:.1f} s to answer {sig.name}"
    assert proc.returncode == 128 + sig, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and f"stopped by {sig.name}" in lines[0], err
    assert "Traceback" not in err


def _running_jobs(data_dir: Path) -> int:
    q = JobQueue.open(data_dir / "queue.sqlite3")
    try:
        return q.counts().running
    finally:
        q.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_sync_waiting_for_retries_of_a_failing_portal_stops_on_a_signal(
    sig: signal.Signals, canned_portal, tmp_path: Path
) -> None:
    canned, url = canned_portal
    canned.status, canned.body = 503, b"<html>503 Service Unavailable</html>"
    shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=5, users=3)
    cli = Cli(tmp_path / "d", shop.url, url, FAST_CONFIG)
    proc = cli.start("--sync")
    took, _out, err = _interrupt(proc, sig, after=1.0, asked=lambda: canned.requests)
    _assert_stopped(proc, sig, took, err)


def test_sync_held_back_by_the_rate_limit_stops_on_sigterm(tmp_path: Path) -> None:
    shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=30, users=10)
    slow_plan = FAST_CONFIG.replace('plan = "burst=50,drain=50"', 'plan = "burst=1,drain=0.2"')
    with PortalEmulator(limits="off") as portal:
        cli = Cli(tmp_path / "d", shop.url, portal.webhook_url, slow_plan)
        proc = cli.start("--sync")
        took, _out, err = _interrupt(proc, signal.SIGTERM, after=2, asked=lambda: portal.stats.http_requests)
    _assert_stopped(proc, signal.SIGTERM, took, err)


def test_sync_interrupted_in_the_queue_leaves_nothing_running_and_the_next_run_finishes(
    tmp_path: Path,
) -> None:
    shop: Shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=60, users=20)
    with PortalEmulator(limits="off", faults="slow=1.0:0.7", seed=3) as portal:
        cli = Cli(tmp_path / "d", shop.url, portal.webhook_url, FAST_CONFIG)
        proc = cli.start("--sync")
        deadline = time.monotonic() + 60
        while portal.store.count("contact") == 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # wait until the queue is being worked on
        took, _out, err = _interrupt(proc, signal.SIGINT, after=0.5, asked=lambda: portal.stats.http_requests)
        _assert_stopped(proc, signal.SIGINT, took, err)
        assert _running_jobs(cli.data_dir) == 0
        portal.set_faults("")
        again = cli.run("--sync")
        assert again.returncode == 0, again.stderr
        assert_exactly_one_each(portal, shop)


def test_watch_stops_within_seconds_even_mid_run(tmp_path: Path) -> None:
    shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=60, users=20)
    with PortalEmulator(limits="off", faults="slow=1.0:1.5", seed=3) as portal:
        cli = Cli(tmp_path / "d", shop.url, portal.webhook_url, FAST_CONFIG)
        proc = cli.start("--sync", "--watch", "1")
        asked = lambda: portal.stats.http_requests  # noqa: E731
        took, _out, err = _interrupt(proc, signal.SIGTERM, after=1.5, asked=asked)
    assert took < 12, f"took {took:.1f} s"
    assert "Traceback" not in err
    assert proc.returncode in (0, 1, 128 + signal.SIGTERM)
