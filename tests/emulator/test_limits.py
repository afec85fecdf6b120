"""The cloud limits: the leaky bucket (503 before execution) and the per-method operating time (429)."""

from __future__ import annotations

import time

import httpx
import pytest

from bitrix_monitor.config import RatePlan
from bitrix_monitor.demo.emulator import PortalEmulator, parse_limits
from bitrix_monitor.errors import ConfigError
from tests.emulator.helpers import error, ok

QUERY_LIMIT = {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}
OPERATION_LIMIT = {
    "error": "OPERATION_TIME_LIMIT",
    "error_description": "Method is blocked due to operation time limit.",
}


def test_parse_limits() -> None:
    assert parse_limits("off") is None
    assert parse_limits("standard") == RatePlan(50, 2)
    assert parse_limits("enterprise") == RatePlan(250, 5)
    assert parse_limits("burst=10,drain=20") == RatePlan(10, 20)
    with pytest.raises(ConfigError):
        parse_limits("fast")


def test_rate_limit_refuses_before_execution(http: httpx.Client) -> None:
    with PortalEmulator(limits="burst=3,drain=0.01") as portal:
        for _ in range(3):
            ok(http.post(portal.webhook_url + "crm.deal.add", json={"fields": {"TITLE": "x"}}))
        response = http.post(portal.webhook_url + "crm.deal.add", json={"fields": {"TITLE": "refused"}})
        assert error(response, 503) == QUERY_LIMIT
        assert portal.store.count("deal") == 3
        assert portal.stats.rejected_rate_limit == 1
        assert portal.stats.executed["crm.deal.add"] == 3


def test_a_batch_costs_one_request(http: httpx.Client) -> None:
    with PortalEmulator(limits="burst=2,drain=0.01") as portal:
        cmd = {f"c{i}": f"crm.deal.add?fields[TITLE]=n{i}" for i in range(50)}
        ok(http.post(portal.webhook_url + "batch", json={"cmd": cmd}))
        ok(http.post(portal.webhook_url + "batch", json={"cmd": cmd}))
        assert portal.store.count("deal") == 100
        assert http.post(portal.webhook_url + "batch", json={"cmd": cmd}).status_code == 503
        assert portal.store.count("deal") == 100


def test_bucket_drains(http: httpx.Client) -> None:
    with PortalEmulator(limits="burst=2,drain=20") as portal:
        url = portal.webhook_url + "crm.deal.fields"
        assert [http.post(url).status_code for _ in range(3)] == [200, 200, 503]
        time.sleep(0.15)
        assert http.post(url).status_code == 200


def test_operating_time_limit_blocks_the_method_only(http: httpx.Client) -> None:
    with PortalEmulator(operating_limit=1.0, operating_cost=0.4) as portal:
        add = portal.webhook_url + "crm.deal.add"
        used = [ok_time(http.post(add, json={"fields": {}}))["operating"] for _ in range(3)]
        assert used == pytest.approx([0.4, 0.8, 1.2], abs=0.05)
        assert error(http.post(add, json={"fields": {}}), 429) == OPERATION_LIMIT
        assert portal.store.count("deal") == 3
        assert portal.stats.rejected_operating == 1
        timing = ok_time(http.post(portal.webhook_url + "crm.deal.list", json={}))  # another method is fine
        assert timing["operating"] == pytest.approx(0.4, abs=0.05)
        assert 590 <= timing["operating_reset_at"] - time.time() <= 601


def test_operating_limit_inside_a_batch_is_per_command(http: httpx.Client) -> None:
    with PortalEmulator(operating_limit=0.5, operating_cost=0.3) as portal:
        cmd = {
            "a1": "crm.deal.add?fields[TITLE]=1",
            "a2": "crm.deal.add?fields[TITLE]=2",
            "a3": "crm.deal.add",
        }
        cmd["l"] = "crm.deal.list?select[]=ID"
        result = ok(http.post(portal.webhook_url + "batch", json={"cmd": cmd}))
        assert result["result_error"] == {"a3": OPERATION_LIMIT}
        assert set(result["result"]) == {"a1", "a2", "l"}
        assert result["result_time"]["a2"]["operating"] == pytest.approx(0.6, abs=0.05)
        assert portal.store.count("deal") == 2


def test_short_calls_are_not_counted(http: httpx.Client) -> None:
    with PortalEmulator(operating_limit=0.2, operating_cost=0.05) as portal:
        for _ in range(10):
            assert ok_time(http.post(portal.webhook_url + "crm.deal.add", json={}))["operating"] == 0


def ok_time(response: httpx.Response) -> dict[str, float]:
    ok(response)
    timing: dict[str, float] = response.json()["time"]
    return timing
