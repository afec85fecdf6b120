"""The quick shape of the pull benchmark (benchmarks/pull.py): the real ``--sync --watch 10`` worker at the
standard plan while a manager moves deals, with faults and a SIGKILL. Counts only, no timing."""

from __future__ import annotations

import os

import pytest

from benchmarks.pull import run

pytestmark = pytest.mark.slow


def test_moves_in_the_crm_all_reach_the_shop_once_with_faults_and_a_kill_and_nothing_is_pushed_back() -> None:
    r = run(
        orders=30, users=8, idle=12.0, samples=2, changes=60, chaos_changes=60, kills=1, seed=3, verbose=False
    )
    assert r.linked == 30
    assert r.latency_missed == 0 and len(r.latencies) == 2
    assert r.idle.by_method.keys() <= {"crm.stagehistory.list"}  # watching reads the history, nothing else
    assert r.idle_fields.requests > 0
    for phase in (r.burst, r.chaos):
        assert phase.lost == [] and phase.twice == [], (phase.lost, phase.twice)
        assert phase.deal_writes == 0  # no echo: the app never wrote to a deal the manager moved
        assert 0 < phase.shop_writes <= phase.moves
    assert r.burst.refused == 0
    assert r.chaos.kills == 1
    assert r.report_ok is True


if os.name != "posix":  # pragma: no cover
    pytestmark = pytest.mark.skip("subprocess tests assume POSIX")
