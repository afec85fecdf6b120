"""Injected faults: what each kind answers, whether the call ran, determinism, and fast stops."""

from __future__ import annotations

import time

import httpx
import pytest

from bitrix_monitor.demo.emulator import FaultRule, PortalEmulator, parse_faults
from tests.emulator.helpers import error, ok


def _add(http: httpx.Client, portal: PortalEmulator, timeout: float = 5.0) -> httpx.Response:
    return http.post(portal.webhook_url + "crm.deal.add", json={"fields": {"TITLE": "f"}}, timeout=timeout)


def test_e503_answers_rate_limit_and_runs_nothing(http: httpx.Client) -> None:
    with PortalEmulator(faults="e503=1") as portal:
        assert error(_add(http, portal), 503) == {
            "error": "QUERY_LIMIT_EXCEEDED",
            "error_description": "Too many requests",
        }
        assert portal.store.count("deal") == 0
        assert portal.stats.faults_fired == {"e503": 1}


def test_e500html_answers_an_html_502_and_runs_nothing(http: httpx.Client) -> None:
    with PortalEmulator(faults="e500html=1") as portal:
        response = _add(http, portal)
        assert response.status_code == 502
        assert response.headers["content-type"].startswith("text/html")
        assert "502 Bad Gateway" in response.text
        assert portal.store.count("deal") == 0


def test_lost_commits_then_drops_the_connection(http: httpx.Client) -> None:
    with PortalEmulator(faults="lost=1") as portal:
        with pytest.raises(httpx.RemoteProtocolError):
            _add(http, portal)
        assert portal.store.count("deal") == 1
        assert portal.stats.executed["crm.deal.add"] == 1


def test_timeout_runs_nothing_and_stop_does_not_wait_for_it(http: httpx.Client) -> None:
    portal = PortalEmulator(faults="timeout=1").start()
    try:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            _add(http, portal, timeout=0.3)
        assert time.monotonic() - started < 5
        assert portal.store.count("deal") == 0
    finally:
        stopping = time.monotonic()
        portal.close()
        assert time.monotonic() - stopping < 2


def test_stop_is_fast_while_a_client_is_still_waiting() -> None:
    import threading

    portal = PortalEmulator(faults="timeout=1").start()
    outcome: list[BaseException | httpx.Response] = []

    def client() -> None:
        try:
            outcome.append(httpx.post(portal.webhook_url + "crm.deal.fields", timeout=30))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=client)
    thread.start()
    time.sleep(0.3)
    stopping = time.monotonic()
    portal.close()
    assert time.monotonic() - stopping < 2
    thread.join(5)
    assert outcome
    assert isinstance(outcome[0], httpx.HTTPError)


def test_timeout_with_a_short_duration_ends_in_a_504_page(http: httpx.Client) -> None:
    with PortalEmulator(faults="timeout=1:0.2") as portal:
        response = _add(http, portal)
        assert response.status_code == 504
        assert "Gateway Time-out" in response.text
        assert portal.store.count("deal") == 0


def test_slow_answers_late_after_running(http: httpx.Client) -> None:
    with PortalEmulator(faults="slow=1:0.4") as portal:
        started = time.monotonic()
        assert isinstance(ok(_add(http, portal)), int)
        assert time.monotonic() - started >= 0.4
        with pytest.raises(httpx.ReadTimeout):
            _add(http, portal, timeout=0.1)
        assert portal.store.count("deal") == 2  # the timed-out call committed all the same


def _outcomes(http: httpx.Client, seed: int) -> list[str]:
    with PortalEmulator(faults="e503=0.3,e500html=0.2,lost=0.2", seed=seed) as portal:
        seen = []
        for _ in range(25):
            try:
                seen.append(str(_add(http, portal).status_code))
            except httpx.RemoteProtocolError:
                seen.append("lost")
        return seen


def test_faults_are_deterministic_with_a_seed(http: httpx.Client) -> None:
    first, second, other = _outcomes(http, 42), _outcomes(http, 42), _outcomes(http, 43)
    assert first == second
    assert first != other
    assert {"200", "503", "502", "lost"} <= set(first + other)


def test_set_faults_switches_at_run_time(http: httpx.Client) -> None:
    with PortalEmulator() as portal:
        portal.set_faults("e503=1")
        assert _add(http, portal).status_code == 503
        portal.set_faults("")
        assert _add(http, portal).status_code == 200
        with pytest.raises(ValueError, match="unknown kind"):
            portal.set_faults("boom=1")


def test_parse_faults() -> None:
    assert parse_faults("") == ()
    assert parse_faults("e503=0.1, lost=0.05,slow=0.2:1.5,timeout=0.01") == (
        FaultRule("e503", 0.1),
        FaultRule("lost", 0.05),
        FaultRule("slow", 0.2, 1.5),
        FaultRule("timeout", 0.01, 60.0),
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("e404=0.1", "unknown kind"),
        ("e503", "needs a probability"),
        ("e503=abc", "not a number"),
        ("e503=1.5", "between 0 and 1"),
        ("slow=0.5", "needs a delay"),
        ("lost=0.1:3", "takes no duration"),
        ("e503=0.6,lost=0.6", "more than 1"),
        ("e503=0.1,e503=0.2", "given twice"),
        ("slow=0.1:-1", "must not be negative"),
    ],
)
def test_bad_fault_specs_are_clear_errors(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_faults(spec)
    with pytest.raises(ValueError, match=message):
        PortalEmulator(faults=spec)
