"""Assertions shared by the emulator's contract tests."""

from __future__ import annotations

from typing import Any

import httpx


def ok(response: httpx.Response) -> Any:
    """The ``result`` of a success answer (asserting that it is one)."""
    assert response.status_code == 200, response.text
    payload = response.json()
    assert "error" not in payload, payload
    return payload["result"]


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    payload: dict[str, Any] = response.json()
    assert set(payload) >= {"error", "error_description"}
    assert "result" not in payload
    assert "time" not in payload
    return payload
