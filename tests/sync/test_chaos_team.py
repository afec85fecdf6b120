"""The fast variant of the team chaos run (benchmarks/chaos_team.py): three desks and a worker on one team
queue, runners SIGKILLed at random and the queue's PostgreSQL server restarted once (a throwaway server of
our own: the machine's is shared)."""

from __future__ import annotations

import pytest

from benchmarks.chaos_team import run
from benchmarks.pgserver import why_not

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(bool(why_not()), reason=why_not() or "-"),
]


def test_kills_and_a_database_restart_leave_exactly_one_of_each(postgres_url: str) -> None:
    # postgres_url proves the shop's server is there (or skips/fails clearly); the run makes its own database.
    r = run(orders=150, users=40, seconds=50.0, every=8.0, seed=2, restart_at=15.0, down_for=3.0)
    assert (r.duplicates, r.missing, r.wrong_links) == (0, 0, 0)
    assert (r.lost_jobs, r.completed_twice, r.double_running) == (0, 0, 0)
    assert r.restart_away >= 3.0
    assert r.working_at_restart >= 1
    assert r.carried_on == r.working_at_restart, r.restart_errors
    assert r.restart_errors == []
    assert r.refused == 0
    assert r.report_ok is True
