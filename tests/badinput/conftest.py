"""A canned HTTP server that answers every request with one fixed response, for portals that misbehave."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


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
