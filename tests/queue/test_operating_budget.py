"""The portal's operating-time budget per method kept in the job store, on both backends: what one runner
heard of a method's budget (a figure, a pause) holds the next run and every other runner back, the newest
measurement wins whatever order figures arrive in, and near the budget the calls of a method are spaced
for all runners together, not for each."""

from __future__ import annotations

import json

import httpx
import pytest

from bitrix_monitor.bitrix.client import BitrixClient
from bitrix_monitor.bitrix.errors import OperationTimeLimit
from bitrix_monitor.queue import JobQueue, RetryPolicy
from tests.queue.conftest import FakeClock, open_at

HOOK = "https://portal.example/rest/1"
T = 1_800_000_000.0  # unix seconds the tests' calls happen at


def test_nothing_is_known_of_a_method_before_an_answer(queue: JobQueue) -> None:
    budget = queue.operating_budget(HOOK)
    assert budget.before_call("crm.deal.add", slow_at=384, spacing=1.0, now=T) == (None, None, None, 0.0)


def test_a_pause_one_runner_heard_holds_another_until_it_ends(
    queue: JobQueue, queue_location: str, clock: FakeClock, policy: RetryPolicy
) -> None:
    queue.operating_budget(HOOK).seen([("crm.deal.list", 470.0, T + 300, T)], {"crm.deal.list": T + 300})
    other = open_at(queue_location, clock, policy, seed=8)  # another runner, or this desk's next run
    try:
        budget = other.operating_budget(HOOK)
        assert budget.before_call("crm.deal.list", slow_at=384, spacing=1.0, now=T + 10) == (
            470.0,
            T + 300,
            T + 300,
            0.0,
        )
        assert budget.before_call("crm.deal.add", slow_at=384, spacing=1.0, now=T + 10)[2] is None
        # another webhook's budget is its own
        assert other.operating_budget("https://portal.example/rest/7").before_call(
            "crm.deal.list", slow_at=384, spacing=1.0, now=T + 10
        ) == (None, None, None, 0.0)
        # the pause ended: forgotten with the figure it was based on (the next answer tells the new one)
        assert budget.before_call("crm.deal.list", slow_at=384, spacing=1.0, now=T + 301) == (
            None,
            T + 300,
            None,
            0.0,
        )
    finally:
        other.close()


def test_the_newest_figure_wins_and_the_later_pause_end(queue: JobQueue) -> None:
    budget = queue.operating_budget(HOOK)
    budget.seen([("crm.deal.add", 120.0, T + 500, T + 5)], {"crm.deal.add": T + 60})
    budget.seen([("crm.deal.add", 100.0, T + 400, T + 1)], {"crm.deal.add": T + 30})  # arrived late
    assert budget.before_call("crm.deal.add", slow_at=384, spacing=1.0, now=T + 10)[:3] == (
        120.0,
        T + 500,
        T + 60,
    )
    budget.seen([("crm.deal.add", 130.0, None, T + 6), ("crm.deal.add", 125.0, None, T + 5.5)], {})
    assert budget.before_call("crm.deal.add", slow_at=384, spacing=1.0, now=T + 10)[:3] == (
        130.0,
        T + 500,  # a figure without a reset time keeps the known one
        T + 60,
    )


def test_near_the_budget_the_runners_together_call_a_method_once_a_second(
    queue: JobQueue, queue_location: str, clock: FakeClock, policy: RetryPolicy
) -> None:
    queue.operating_budget(HOOK).seen([("crm.item.update", 400.0, T + 200, T)], {})
    other = open_at(queue_location, clock, policy, seed=8)
    try:
        runners = [queue.operating_budget(HOOK), other.operating_budget(HOOK)]
        waits = [
            runners[n % 2].before_call("crm.item.update", slow_at=384, spacing=1.0, now=T + 1)[3]
            for n in range(4)
        ]
        assert waits == [0.0, 1.0, 2.0, 3.0]  # one turn a second, whichever runner asks
        # below the slow-down mark, calls go at once
        runners[1].seen([("crm.item.update", 50.0, T + 200, T + 2)], {})
        assert runners[0].before_call("crm.item.update", slow_at=384, spacing=1.0, now=T + 2)[3] == 0.0
    finally:
        other.close()


def _portal(calls: list[str], *, refuse: str | None = None, reset_at: float = 0.0) -> httpx.MockTransport:
    """A portal that refuses ``refuse`` for its operating time and answers everything else."""

    def handler(request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1].removesuffix(".json")
        calls.append(method)
        if method == refuse:
            body = {"error": "OPERATION_TIME_LIMIT", "error_description": "Method is blocked"}
            return httpx.Response(429, content=json.dumps(body))
        t = {"start": 1.0, "finish": 2.0, "duration": 1.0, "processing": 0.5, "operating": 10.0}
        if reset_at:
            t["operating_reset_at"] = reset_at
        return httpx.Response(200, content=json.dumps({"result": [], "time": t}))

    return httpx.MockTransport(handler)


async def test_a_method_one_runner_was_refused_is_not_sent_by_another(queue: JobQueue) -> None:
    """Runner A is refused crm.deal.list for its operating time (reset in ten minutes): runner B, sharing
    the budget, does not send crm.deal.list at all but says it is paused; its other methods go on."""
    a_calls: list[str] = []
    b_calls: list[str] = []
    hook = "https://portal.example/rest/1/abcdefghijklmnop/"
    a = BitrixClient(hook, plan=None, transport=_portal(a_calls, refuse="crm.deal.list"), max_pause=5.0)
    b = BitrixClient(hook, plan=None, transport=_portal(b_calls), max_pause=5.0)
    for client in (a, b):
        client.share_operating(queue.operating_budget(HOOK))
    try:
        with pytest.raises(OperationTimeLimit):
            await a.call("crm.deal.list")
        with pytest.raises(OperationTimeLimit) as refused:
            await b.call("crm.deal.list")
        assert refused.value.reset_at is not None
        await b.call("crm.deal.add", {"fields": {}})
        assert (a_calls, b_calls) == (["crm.deal.list"], ["crm.deal.add"])
        assert "crm.deal.list" in b.budget().paused
    finally:
        await a.aclose()
        await b.aclose()
