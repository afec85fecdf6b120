"""The fast variant of the chaos run (benchmarks/chaos.py): SIGKILLs, faults and a second desk at once."""

from __future__ import annotations

import pytest

from benchmarks.chaos import run
from tests.conftest import POSTGRES_ADMIN_URL

pytestmark = pytest.mark.slow


def test_kills_faults_and_a_second_desk_leave_exactly_one_of_each(postgres_url: str) -> None:
    # postgres_url proves the server is there (or skips/fails clearly); the run makes its own database.
    result = run(orders=150, users=40, kills=4, seed=2, postgres=POSTGRES_ADMIN_URL, verbose=False)
    assert result.kills == 4
    assert result.duplicates == 0
    assert result.missing == 0
    assert result.wrong_links == 0
    assert result.lost_jobs == 0
    assert result.dead_jobs == []
    assert result.report_ok is True
