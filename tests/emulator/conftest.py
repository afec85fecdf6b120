"""Fixtures for the portal emulator's contract tests: an emulator on a random loopback port and a plain
HTTP client that speaks to it the way any Bitrix24 client would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bitrix_monitor.demo.emulator import PortalEmulator


@pytest.fixture
def portal() -> Iterator[PortalEmulator]:
    with PortalEmulator(limits="off", seed=1) as p:
        yield p


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


Call = Callable[..., httpx.Response]


@pytest.fixture
def call(portal: PortalEmulator, http: httpx.Client) -> Call:
    """``call("crm.deal.get", id=1)``: POST a JSON body to the webhook, return the raw response."""

    def do(method: str, body: Any = None, **params: Any) -> httpx.Response:
        return http.post(portal.webhook_url + method, json=params if body is None else body)

    return do
