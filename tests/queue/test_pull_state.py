"""Pull state in the job store, on both backends: read cursors and per-record baselines survive reopening,
and a migrated file keeps its jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from bitrix_monitor.queue import JobQueue, RetryPolicy
from bitrix_monitor.queue.model import PullField
from tests.queue.conftest import FakeClock, open_at


def test_a_cursor_is_none_until_set_and_survives_reopening(
    queue: JobQueue, queue_location: str, clock: FakeClock, policy: RetryPolicy
) -> None:
    assert queue.pull_cursor("stagehistory.deal") is None
    queue.set_pull_cursor("stagehistory.deal", 41)
    queue.set_pull_cursor("stagehistory.deal", 42)
    again = open_at(queue_location, clock, policy)
    try:
        assert again.pull_cursor("stagehistory.deal") == 42
        assert again.pull_cursor("other") is None
    finally:
        again.close()


def test_baselines_and_pending_changes_are_kept_per_record_and_field(queue: JobQueue) -> None:
    moved = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
    queue.save_pull_fields(
        "order",
        "STAGE_ID",
        [
            PullField("1", agreed="NEW"),
            PullField("2", agreed="NEW", pending="C1:WON", state="needs_stage_mapping", pending_at=moved),
        ],
    )
    queue.save_pull_fields("order", "STAGE_ID", [PullField("1", agreed="WON")])
    queue.save_pull_fields("user", "STAGE_ID", [PullField("1", agreed="other kind")])
    got = queue.pull_fields("order", "STAGE_ID")
    assert got["1"] == PullField("1", agreed="WON")
    assert got["2"].pending == "C1:WON" and got["2"].state == "needs_stage_mapping"
    assert got["2"].pending_at == moved
    assert queue.pull_fields("order", "PHONE") == {}
