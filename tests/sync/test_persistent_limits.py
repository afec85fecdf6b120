"""Portal limits that outlast the client's retries end a headless run as a connection error: exit status 2
and one line saying what is wrong, like an unreachable portal (never exit 1 as if records needed a person)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitrix_monitor.bitrix.client import BitrixClient
from bitrix_monitor.cli import main
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.errors import EXIT_CONFIG
from tests.sync.conftest import FAST_CONFIG, Cli, make_shop


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1, stderr
    return errors[0]


def test_operating_time_limit_that_persists_is_exit_2(tmp_path: Path) -> None:
    """Every call costs more than the method's ten-minute budget: the second call of a method is blocked
    for minutes, longer than the client waits."""
    shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=3, users=2)
    with PortalEmulator(limits="off", operating_limit=0.1, operating_cost=0.2) as portal:
        run = Cli(tmp_path / "d", shop.url, portal.webhook_url).run("--sync", "--json", timeout=120)
        blocked = portal.stats.rejected_operating
    assert run.returncode == EXIT_CONFIG, (run.returncode, run.stderr)
    line = _one_error_line(run.stderr)
    assert "operating-time" in line or "OPERATION_TIME_LIMIT" in line, line
    assert blocked >= 1


def test_rate_limit_that_persists_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The portal's bucket admits one request and then drains one every ten seconds; the client's pauses
    are shortened to keep the test quick (the number of retries is the real one)."""
    shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=3, users=2)
    monkeypatch.setattr(BitrixClient, "_jitter", lambda self, base, attempt: 0.01)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "config.toml").write_text(FAST_CONFIG)
    with PortalEmulator(limits="burst=1,drain=0.1") as portal:
        monkeypatch.setenv("BITRIX_MONITOR_PORTAL", portal.webhook_url)
        monkeypatch.setenv("BITRIX_MONITOR_SHOP_DB", shop.url)
        status = main(["--data-dir", str(tmp_path / "d"), "--sync", "--json"])
        refused = portal.stats.rejected_rate_limit
    err = capsys.readouterr().err
    assert status == EXIT_CONFIG, err
    line = _one_error_line(err)
    assert "rate limit" in line.lower() or "QUERY_LIMIT_EXCEEDED" in line, line
    assert refused >= 9  # the first try and every retry the client makes
