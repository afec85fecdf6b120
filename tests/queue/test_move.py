"""``bitrix-monitor --move-queue URL``: a desk's queue file into the team queue, once, through the real
entry point."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bitrix_monitor.cli import main
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobError, JobQueue, TeamQueue

pytestmark = pytest.mark.timeout(120)


def _desk(dirs: DataDirs) -> dict[str, int]:
    """A desk's file with a job in every state, a running one among them, and a restore in its ledger."""
    with JobQueue.open(dirs.queue_file) as desk:
        ids = dict(
            zip(
                ("queued", "failed", "dead", "done", "running", "in_doubt", "covered"),
                desk.enqueue_many(
                    [
                        (f"deal.{a}", k, None)
                        for a, k in [
                            ("create", "o1"),
                            ("update", "o2"),
                            ("create", "o3"),
                            ("update", "o4"),
                            ("update", "o5"),
                            ("create", "o6"),
                            ("update", "o7"),
                        ]
                    ],
                    created_by="desk-a",
                ).job_ids,
                strict=True,
            )
        )
        claimed = desk.claim("desk-a:1") + desk.claim("desk-a:1")  # the creates, then the updates
        for job in claimed:
            if job.id == ids["failed"]:
                desk.fail("desk-a:1", job.id, JobError("PortalUnavailable", "503", retryable=True))
            elif job.id == ids["dead"]:
                desk.fail("desk-a:1", job.id, JobError("InvalidRecord", "no amount", retryable=False))
            elif job.id == ids["done"]:
                desk.complete("desk-a:1", job.id, {"id": 44})
            elif job.id == ids["in_doubt"]:
                desk.mark_in_doubt("desk-a:1", job.id, {"error": "timeout"})
        # "running" (and "queued", "covered") stay leased by desk-a:1, which is gone
        desk.restore_sending("deal:9", "deal", 9, "o9", "restore-1")
    return ids


def test_a_desks_queue_moves_into_the_team_queue_once(
    data_dirs: DataDirs, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _desk(data_dirs)
    with TeamQueue.connect(postgres_url) as team:
        team.enqueue("deal.update", "o7", created_by="desk-b")  # the team already covers o7
    args = ["--data-dir", str(data_dirs.root), "--move-queue", postgres_url]

    assert main(args) == 0
    said = capsys.readouterr().out
    assert "Moved 6 jobs" in said
    assert "4 pending, 2 finished" in said  # queued again what its gone runner left running
    assert "1 pending job was already covered" in said
    assert "1 restores" in said

    with TeamQueue.connect(postgres_url) as team:
        jobs = {j.entity_key: j for j in team.list_jobs(limit=None)}
        assert {k: j.state for k, j in jobs.items()} == {
            "o1": "queued",  # was running under a runner that is gone (as were o5 and o7)
            "o2": "failed",
            "o3": "dead",
            "o4": "done",
            "o5": "queued",
            "o6": "in_doubt",
            "o7": "queued",  # the team's own job
        }
        assert jobs["o4"].result == {"id": 44}
        assert jobs["o3"].error is not None and jobs["o3"].error.message == "no amount"
        history = [(e.type, e.actor) for e in team.events(jobs["o4"].id)]
        assert history[0] == ("enqueued", "desk-a")
        assert ("completed", "desk-a:1") in history
        assert history[-1] == ("moved", "move-queue")
        assert [e.type for e in team.events(jobs["o7"].id)] == ["enqueued", "moved"]  # says it covers o7
        assert team.restore_entry("deal:9") is not None
        counts = team.counts()

    with JobQueue.open(data_dirs.queue_file) as desk:  # a desk going back to its file runs nothing twice
        assert desk.counts().active == 0
        assert desk.get(ids["done"]).state == "done"  # type: ignore[union-attr]
        assert desk.events(ids["queued"])[-1].actor == "move-queue"

    assert main(args) == 0
    assert "Nothing to move" in capsys.readouterr().out
    with TeamQueue.connect(postgres_url) as team:
        assert team.counts() == counts


def test_moving_needs_a_team_queue_url(data_dirs: DataDirs, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(data_dirs.root), "--move-queue", "sqlite:///elsewhere.db"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err


def test_moving_without_a_desk_file_says_so(
    data_dirs: DataDirs, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(data_dirs.root), "--move-queue", postgres_url]) == 0
    assert "nothing to move" in capsys.readouterr().out
    engine = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:  # not even the schema was made
        assert not sa.inspect(conn).get_table_names()
    engine.dispose()
