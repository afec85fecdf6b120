"""The window benchmark (benchmarks/window.py) in a small shape: it runs to the end with the idle work, the
refreshes mended in place and the loads that follow, and Qt's model tester finds the contract kept. Figures
only printed, none asserted (speed is the benchmark's to measure, not a test's)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_the_window_benchmark_runs_through_at_a_size_that_makes_the_idle_work() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.window", "--orders", "60000", "--users", "3000"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for figure in (
        "orders: load 60,000 rows and first paint",
        "orders: orders made while idle",  # 60,000 rows: more than RecordsModel.PREPARE_FROM
        "orders: a refresh, 100 rows changed, sorted by name",
        "orders: a refresh, nothing changed, sorted by name",
        "orders: sort by last synced, at once after new rows",
        "orders: first text search, at once after new rows",
        "users: load 3,000 rows and first paint",
        "collector passes of 20 ms or more within the timed clicks",
    ):
        assert any(line.startswith(figure) for line in lines), (figure, done.stdout)
    assert not any(line.startswith("users: orders made while idle") for line in lines)  # too few to prepare
    contract = [line for line in lines if line.startswith("orders: model contract at 60,000 rows")]
    assert len(contract) == 1 and contract[0].endswith("kept")
