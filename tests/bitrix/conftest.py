"""A small scripted portal behind ``httpx.MockTransport`` for the client's unit tests.

``FakePortal`` keeps deals in a dict and understands just enough (add/get/update/delete/list with ``>ID``,
``<=ID``, ``@ORIGIN_ID`` and ``ORIGINATOR_ID`` filters, ``start=-1``, and ``batch`` with PHP-bracket command
strings and ``$result`` references) to check what the client sends and how it reads the answers. Tests
script failures with ``portal.script(...)``: each entry answers one HTTP request, before or after running it.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from bitrix_monitor.bitrix import BitrixClient

SECRET = "s3cr3tWebhookKey42"
WEBHOOK = f"https://portal.example.com/rest/7/{SECRET}/"
TIME = {"start": 1778747192.91, "finish": 1778747193.53, "duration": 0.62, "processing": 0.03}

Step = Callable[[httpx.Request], httpx.Response | None]


def php_parse(query: str) -> dict[str, Any]:
    """``parse_str`` of PHP: brackets make nested arrays; 0..n-1 keyed arrays become lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        m = re.match(r"^([^\[]+)((?:\[[^\]]*\])*)$", key)
        assert m, key
        parts = [m.group(1), *re.findall(r"\[([^\]]*)\]", m.group(2))]
        node = root
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and list(node) == [str(i) for i in range(len(node))]:
            return list(node.values())
    return node


def php_section(d: dict[str, Any]) -> Any:
    """``json_encode`` of a PHP array: ``[]`` when empty, a list when keys are 0..n-1."""
    if not d:
        return []
    if list(d) == [str(i) for i in range(len(d))]:
        return list(d.values())
    return d


@dataclass
class FakePortal:
    deals: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    requests: list[httpx.Request] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    operating: float | int | None = None
    operating_reset_at: float | int | None = None
    refuse: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # method -> (code, text, status)

    def script(self, *steps: Step) -> None:
        self.steps.extend(steps)

    def _time(self) -> dict[str, Any]:
        t: dict[str, Any] = dict(TIME)
        if self.operating is not None:
            t["operating"] = self.operating
        if self.operating_reset_at is not None:
            t["operating_reset_at"] = self.operating_reset_at
        return t

    # -- methods: return (result, extra) or raise _Err
    def run(self, method: str, params: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        m = method.lower()
        if m in self.refuse:
            raise _Err(*self.refuse[m])
        if m == "crm.deal.add":
            i = self.next_id
            self.next_id += 1
            self.deals[i] = {k: str(v) for k, v in dict(params.get("fields") or {}).items()} | {"ID": str(i)}
            return i, {}
        if m in ("crm.deal.get", "crm.deal.update", "crm.deal.delete"):
            try:
                i = int(params.get("id") or params.get("ID") or 0)
            except ValueError:
                i = 0
            if i <= 0:
                raise _Err("", "ID is not defined or invalid.")
            if i not in self.deals:
                raise _Err("", "Not found")
            if m == "crm.deal.get":
                return self.deals[i], {}
            if m == "crm.deal.update":
                self.deals[i].update({k: str(v) for k, v in dict(params.get("fields") or {}).items()})
                return True, {}
            del self.deals[i]
            return True, {}
        if m == "crm.deal.list":
            return self._list(params)
        if m == "crm.duplicate.findbycomm":
            vals = params.get("values") or []
            ids = sorted(i for i, d in self.deals.items() if d.get("PHONE") in vals)
            return ({"CONTACT": ids} if ids else []), {}
        raise _Err("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)

    def _list(self, params: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        f = dict(params.get("filter") or {})
        rows = sorted(self.deals.values(), key=lambda d: int(d["ID"]))
        for k, v in f.items():
            if k == ">ID":
                rows = [r for r in rows if int(r["ID"]) > _intval(v)]
            elif k == "<=ID":
                rows = [r for r in rows if int(r["ID"]) <= _intval(v)]
            elif k.startswith("@"):
                rows = [r for r in rows if r.get(k[1:]) in [str(x) for x in v]]
            else:
                rows = [r for r in rows if r.get(k) == str(v)]
        if (params.get("order") or {}).get("ID") == "DESC":
            rows.reverse()
        sel = params.get("select")
        start = int(params.get("start", 0))
        if start == -1:
            page = rows[:50]
            extra: dict[str, Any] = {"total": 0}
        else:
            start -= start % 50
            page = rows[start : start + 50]
            extra = {"total": len(rows)}
            if start + 50 < len(rows):
                extra["next"] = start + 50
        if sel:
            page = [{k: r.get(k) for k in [*sel, "ID"]} for r in page]
        return page, extra

    def _batch(self, params: dict[str, Any]) -> dict[str, Any]:
        cmd = params.get("cmd") or {}
        if isinstance(cmd, list):
            cmd = {str(i): c for i, c in enumerate(cmd)}
        halt = bool(params.get("halt"))
        res: dict[str, Any] = {}
        err: dict[str, Any] = {}
        tot: dict[str, Any] = {}
        nxt: dict[str, Any] = {}
        tim: dict[str, Any] = {}
        for n, (key, text) in enumerate(cmd.items()):
            if n >= 50:
                err[key] = {
                    "error": "ERROR_BATCH_LENGTH_EXCEEDED",
                    "error_description": "Max batch length exceeded",
                }
                if halt:
                    break
                continue
            method, _, query = text.partition("?")
            p = self._resolve(php_parse(query), res)
            try:
                r, extra = self.run(method, p)
            except _Err as e:
                err[key] = {"error": e.code, "error_description": e.description}
                if halt:
                    break
                continue
            res[key] = r
            tim[key] = self._time()
            if "total" in extra:
                tot[key] = extra["total"]
            if "next" in extra:
                nxt[key] = extra["next"]
        return {
            "result": php_section(res),
            "result_error": php_section(err),
            "result_total": php_section(tot),
            "result_next": php_section(nxt),
            "result_time": php_section(tim),
        }

    def _resolve(self, node: Any, res: dict[str, Any]) -> Any:
        if isinstance(node, dict):
            return {k: self._resolve(v, res) for k, v in node.items()}
        if isinstance(node, list):
            return [self._resolve(v, res) for v in node]
        if isinstance(node, str) and node.startswith("$result["):
            path = re.findall(r"\[([^\]]*)\]", node)
            cur: Any = res
            for p in path:
                if isinstance(cur, dict) and p in cur:
                    cur = cur[p]
                elif isinstance(cur, list) and p.isdigit() and int(p) < len(cur):
                    cur = cur[int(p)]
                else:
                    return node  # unresolved: the literal text stays
            return cur
        return node

    def answer(self, request: httpx.Request) -> httpx.Response:
        """Run the request and build the portal's answer."""
        path = urlsplit(str(request.url)).path
        method = path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")
        params = json.loads(request.content or b"{}")
        if method == "batch":
            return httpx.Response(200, json={"result": self._batch(params), "time": self._time()})
        try:
            result, extra = self.run(method, params)
        except _Err as e:
            return httpx.Response(e.status, json={"error": e.code, "error_description": e.description})
        return httpx.Response(200, json={"result": result, **extra, "time": self._time()})

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.steps:
            step = self.steps.pop(0)
            out = step(request)
            if out is not None:
                return out
        return self.answer(request)


def _intval(v: Any) -> int:
    """PHP ``intval``: an unresolved ``$result[...]`` reference reads as 0."""
    m = re.match(r"^\s*(-?\d+)", str(v))
    return int(m.group(1)) if m else 0


class _Err(Exception):
    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code, self.description, self.status = code, description, status


def reply(
    status: int, body: Any = None, *, content: bytes | None = None, headers: dict[str, str] | None = None
) -> Step:
    """A scripted answer that runs nothing."""

    def step(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return step


def fail(exc: type[httpx.TransportError], *, after_running: FakePortal | None = None) -> Step:
    """A transport failure; with ``after_running`` the portal executes the request first (lost answer)."""

    def step(request: httpx.Request) -> httpx.Response:
        if after_running is not None:
            after_running.answer(request)
        raise exc("scripted failure", request=request)

    return step


def run_then(status: int, portal: FakePortal, *, content: bytes) -> Step:
    """The portal executes the request, then a proxy replaces the answer (e.g. an HTML 502)."""

    def step(request: httpx.Request) -> httpx.Response:
        portal.answer(request)
        return httpx.Response(status, content=content)

    return step


@pytest.fixture
def portal() -> FakePortal:
    return FakePortal()


@pytest.fixture
async def make_client(portal: FakePortal) -> AsyncIterator[Callable[..., BitrixClient]]:
    made: list[BitrixClient] = []

    def make(**kw: Any) -> BitrixClient:
        kw.setdefault("plan", None)
        kw.setdefault("backoff", 0.001)
        kw.setdefault("retries", 2)
        c = BitrixClient(WEBHOOK, transport=httpx.MockTransport(portal.handler), **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        await c.aclose()


@pytest.fixture
def client(make_client: Callable[..., BitrixClient]) -> BitrixClient:
    return make_client()
