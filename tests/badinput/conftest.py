"""Portals that misbehave: a canned HTTP server that answers every request with one fixed response, and a
loopback proxy in front of the emulator that tampers with its answers."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bitrix_monitor.demo.emulator import PortalEmulator


@dataclass
class Canned:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    requests: int = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        canned = self.server.canned
        canned.requests += 1
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if canned.delay:
            time.sleep(canned.delay)
        self.send_response(canned.status)
        for k, v in canned.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(canned.body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(canned.body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    canned: Canned


@pytest.fixture
def canned_portal() -> Iterator[tuple[Canned, str]]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.canned = Canned()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    yield server.canned, f"http://127.0.0.1:{port}/rest/1/cannedsecret99/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


# ------------------------------------------------------------- a proxy that tampers with the portal's answers

Alter = Callable[[str, bytes], bytes]


@dataclass
class Tamper:
    """What the proxy does to each answer: ``alter(method, body)`` returns the body sent on (``method`` is
    the REST method of the request, e.g. ``batch`` or ``crm.deal.add``)."""

    alter: Alter | None = None
    altered: int = 0


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host, port = self.server.upstream
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.request(
                self.command,
                self.path,
                body,
                {"Content-Type": self.headers.get("Content-Type") or "application/json"},
            )
            resp = conn.getresponse()
            status, data = resp.status, resp.read()
            ctype = resp.getheader("Content-Type") or "application/json"
        finally:
            conn.close()
        tamper = self.server.tamper
        if tamper.alter is not None:
            method = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")
            changed = tamper.alter(method, data)
            tamper.altered += changed != data
            data = changed
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    do_GET = do_POST = _relay

    def log_message(self, *args: object) -> None:
        pass


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    upstream: tuple[str, int]
    tamper: Tamper


@pytest.fixture
def tampering_proxy() -> Iterator[tuple[PortalEmulator, Tamper, str]]:
    """A portal emulator behind a loopback proxy that can alter every answer; yields the emulator, the
    tamper settings and the webhook URL through the proxy."""
    with PortalEmulator(limits="off", seed=1) as portal:
        up = httpx.URL(portal.webhook_url)
        server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        server.upstream = (up.host, up.port or 80)
        server.tamper = Tamper()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = str(up.copy_with(port=server.server_address[1]))
        try:
            yield portal, server.tamper, url
        finally:
            server.shutdown()
            server.server_close()
