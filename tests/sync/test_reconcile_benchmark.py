"""The quick variant of the reconcile benchmark (``benchmarks/reconcile.py``, issue 17) runs in the suite:
12,000 records on PostgreSQL against the emulator, the full pass and the incremental passes after it. What
it asserts is counted, not timed: every record found in sync, and the portal requests of an idle pass and
of a pass after 100 changes within the issue's targets, the 100 found, and found again by a full pass made
against the rows of the last."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _figure(out: str, label: str) -> int:
    found = re.search(rf"^{re.escape(label)}\s+([\d,]+)", out, re.MULTILINE)
    assert found is not None, f"{label!r} not in the benchmark's output:\n{out}"
    return int(found.group(1).replace(",", ""))


def test_the_quick_reconcile_benchmark_runs_and_its_counts_hold() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.reconcile", "--quick", "--skip-kept"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert _figure(out, "records reconciled") == 12_000
    assert _figure(out, "in sync found (orders + users)") == 12_000
    assert _figure(out, "incremental, nothing changed: requests") <= 3
    assert _figure(out, "incremental, 100 changes: requests") <= 5
    assert _figure(out, "  orders found outdated (100 changed)") == 100
    assert _figure(out, "  in sync found / wall time (s)") == 11_900  # the full pass again: the 100 still out
