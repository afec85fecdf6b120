"""The HTTP side of the emulator: a threading HTTP/1.1 server on loopback that answers like a cloud portal.

Per request, in this order: an injected fault may answer instead (``e503``, ``e500html``, ``timeout``) or
mark the answer (``lost``, ``slow``); the leaky bucket may refuse (503); the URL's webhook credentials are
checked (401); the method is looked up (404) and its operating-time budget checked (429); then it runs,
under the store's lock, and its operating time is recorded.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import secrets as _secrets
import socket
import ssl
import string
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bitrix_monitor.demo.emulator import php
from bitrix_monitor.demo.emulator.faults import FaultInjector, parse_faults
from bitrix_monitor.demo.emulator.limits import Hit, LeakyBucket, OperatingLimiter, parse_limits
from bitrix_monitor.demo.emulator.methods import RestApi
from bitrix_monitor.demo.emulator.stats import EmulatorStats
from bitrix_monitor.demo.emulator.store import PortalStore, RestError
from bitrix_monitor.demo.emulator.tls import ensure_certificate

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024
SECRET_ALPHABET = string.ascii_lowercase + string.digits

QUERY_LIMIT = RestError("Too many requests", "QUERY_LIMIT_EXCEEDED", 503)
HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
HTML_504 = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
HTML_404 = "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\r\n"


def new_secret() -> str:
    """A webhook secret shaped like the portal's: 16 lowercase letters and digits."""
    return "".join(_secrets.choice(SECRET_ALPHABET) for _ in range(16))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128  # the default backlog of 5 resets bursts of parallel clients

    def __init__(self, address: tuple[str, int], emulator: PortalEmulator) -> None:
        self.emulator = emulator
        self.ssl_context: ssl.SSLContext | None = None
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 120
    server: _Server
    _headers_buffer: list[bytes]  # BaseHTTPRequestHandler's, filled by send_response/send_header

    def setup(self) -> None:
        context = self.server.ssl_context
        if context is not None:
            self.request.settimeout(self.timeout)
            self.request = context.wrap_socket(self.request, server_side=True)
        with contextlib.suppress(OSError):
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)
            if isinstance(self.request, ssl.SSLSocket):
                # The server closes the plain socket it accepted, which wrap_socket() detached: close ours.
                with contextlib.suppress(OSError):
                    self.request.shutdown(socket.SHUT_RDWR)
                self.request.close()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("emulator: " + format, *args)

    def do_OPTIONS(self) -> None:
        self._read_body()
        self._send(200, b"", "text/plain; charset=utf-8")

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    do_PUT = do_POST
    do_DELETE = do_POST
    do_PATCH = do_POST

    # ------------------------------------------------------------------ plumbing

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(65537)
                length = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                size += length
                if size > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(length))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "origin, content-type, accept")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        # Headers and body in one write: two small writes would meet the peer's delayed ACK.
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def _send_json(self, status: int, payload: Any, processing: float | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        extra = {"X-Bitrix-Rest-Time": f"{processing:.10f}"} if processing is not None else None
        self._send(status, body, "application/json; charset=utf-8", extra)

    def _drop(self) -> None:
        """Close the connection without an answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # ------------------------------------------------------------------ one request

    def _handle(self) -> None:
        emulator = self.server.emulator
        emulator.stats.bump("http_requests")
        try:
            raw_body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(413, b"Request Entity Too Large\r\n", "text/plain; charset=utf-8")
            return
        url = urlsplit(self.path)
        if not (url.path + "/").startswith("/rest/"):
            self._send(404, HTML_404.encode(), "text/html; charset=utf-8")
            return

        fault = emulator.faults.draw()
        if fault is not None:
            emulator.stats.fault(fault.kind)
            if fault.kind == "e503":
                self._send_json(503, QUERY_LIMIT.body())
                return
            if fault.kind == "e500html":
                self._send(502, HTML_502.encode(), "text/html")
                return
            if fault.kind == "timeout":
                if emulator.stopping.wait(fault.seconds):
                    self._drop()
                    return
                self.close_connection = True
                self._send(504, HTML_504.encode(), "text/html")
                return

        if emulator.bucket is not None and not emulator.bucket.try_acquire():
            emulator.stats.bump("rejected_rate_limit")
            status, payload, processing = 503, QUERY_LIMIT.body(), None
        else:
            status, payload, processing = emulator.answer(
                url.path,
                url.query,
                self.command,
                self.headers.get("Content-Type", ""),
                raw_body,
                self.headers.get("Authorization", ""),
            )

        if fault is not None and fault.kind == "lost":
            self._drop()
            return
        if fault is not None and fault.kind == "slow" and emulator.stopping.wait(fault.seconds):
            self._drop()
            return
        self._send_json(status, payload, processing)


class PortalEmulator:
    """A Bitrix24 cloud portal on loopback, for deals, contacts and companies (see the package docstring)."""

    def __init__(
        self,
        *,
        limits: str = "off",
        faults: str = "",
        seed: int | None = None,
        state_path: str | Path | None = None,
        tls_cert: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        user_id: int = 1,
        secret: str | None = None,
        operating_limit: float = 480.0,
        operating_cost: float = 0.0,
    ) -> None:
        self.plan = parse_limits(limits)
        self.faults = FaultInjector(parse_faults(faults), seed)
        self.store = PortalStore(state_path, user_id=user_id)
        stored_secret = self.store.get_meta("secret")
        self.secret = secret or stored_secret or new_secret()
        if self.secret != stored_secret:
            self.store.set_meta("secret", self.secret)
        self.user_id = user_id
        self.stats = EmulatorStats()
        self.limiter = OperatingLimiter(operating_limit)
        self.bucket = LeakyBucket(self.plan) if self.plan is not None else None
        self.api = RestApi(
            self.store, self.limiter, self.stats, user_id=user_id, operating_cost=operating_cost
        )
        self.tls_cert = Path(tls_cert) if tls_cert is not None else None
        self.host = host
        self.port = port
        self.stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> PortalEmulator:
        if self._server is not None:
            return self
        self.stopping.clear()
        server = _Server((self.host, self.port), self)
        if self.tls_cert is not None:
            cert, key = ensure_certificate(self.tls_cert)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.ssl_context = context
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="portal-emulator", daemon=True
        )
        self._thread.start()
        log.info("portal emulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving; returns at once even if a client is held by a ``timeout`` or ``slow`` fault."""
        server, self._server = self._server, None
        self.stopping.set()
        if server is not None:
            server.shutdown()
            with server.connections_lock:
                connections = list(server.connections)
            for connection in connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        """Stop, and close the state file."""
        self.stop()
        self.store.close()

    def __enter__(self) -> PortalEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls_cert is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def webhook_url(self) -> str:
        """``http://127.0.0.1:PORT/rest/1/SECRET/`` (``https`` with ``tls_cert``); known after start."""
        return f"{self.base_url}/rest/{self.user_id}/{self.secret}/"

    def set_faults(self, spec: str) -> None:
        """Replace the injected faults (ValueError for a bad spec); the seeded sequence carries on."""
        self.faults.set_rules(parse_faults(spec))

    # ------------------------------------------------------------------ answering

    def answer(
        self, path: str, query: str, verb: str, content_type: str, body: bytes, authorization: str = ""
    ) -> tuple[int, Any, float | None]:
        """Route, authenticate and run one REST request; returns (status, JSON payload, processing time)."""
        clock = time.perf_counter()
        hit = Hit()
        try:
            method, credentials = self._route(path)
            params = self._params(query, verb, content_type, body)
            self._authenticate(credentials, params, authorization)
            for key in ("auth", "access_token"):
                params.pop(key, None)
            if not self.api.has_method(method):
                raise RestError("Method not found!", "ERROR_METHOD_NOT_FOUND", 404)
            self.stats.served(method.lower())
            payload = self.api.call(method, params, hit)
            return 200, payload, time.perf_counter() - clock
        except RestError as exc:
            return exc.status, exc.body(), None
        except Exception:
            log.exception("portal emulator: unexpected error")
            return 500, {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}, None
        finally:
            self.limiter.commit(hit)

    @staticmethod
    def _route(path: str) -> tuple[str, tuple[str, str] | None]:
        parts = [p for p in path[len("/rest/") :].split("/") if p != ""]
        if len(parts) == 3:
            uid, secret, method = parts
            credentials: tuple[str, str] | None = (uid, secret)
        elif len(parts) == 1:
            method, credentials = parts[0], None
        else:
            raise RestError("Method not found!", "ERROR_METHOD_NOT_FOUND", 404)
        lowered = method.lower()
        for suffix in (".json", ".xml"):
            if lowered.endswith(suffix):
                method = method[: -len(suffix)]
                break
        return method, credentials

    def _authenticate(
        self, credentials: tuple[str, str] | None, params: dict[Any, Any], authorization: str
    ) -> None:
        if credentials is not None:
            uid, secret = credentials
            if uid != str(self.user_id) or not hmac.compare_digest(secret.encode(), self.secret.encode()):
                raise RestError("Invalid request credentials", "INVALID_CREDENTIALS", 401)
            return
        token = ""
        if authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        for key in ("auth", "access_token"):
            if not token and isinstance(params.get(key), str):
                token = params[key]
        if not token:
            raise RestError("Wrong authorization data", "NO_AUTH_FOUND", 401)
        if not hmac.compare_digest(token.encode(), self.secret.encode()):
            raise RestError("Unable to get application by token", "invalid_token", 401)

    @staticmethod
    def _params(query: str, verb: str, content_type: str, body: bytes) -> dict[Any, Any]:
        """``CRestUtil::getRequestData``: query + form fields; a POST with no form fields reads the raw body
        (JSON when the Content-Type says so, a bad JSON body giving no parameters); the body wins."""
        params = php.parse_str(query) if query else {}
        if verb != "POST":
            return params
        mime = content_type.split(";", 1)[0].strip().lower()
        posted: dict[Any, Any] = {}
        if mime == "application/x-www-form-urlencoded":
            posted = php.parse_str(body.decode("utf-8", "replace"))
        elif mime == "multipart/form-data":
            posted = php.parse_multipart(content_type, body)
        if not posted and body:
            if mime == "application/json":
                try:
                    decoded = json.loads(body)
                except ValueError:
                    decoded = None
                posted = php.from_json(decoded) if isinstance(decoded, dict | list) else {}
            elif mime not in ("application/x-www-form-urlencoded", "multipart/form-data"):
                posted = php.parse_str(body.decode("utf-8", "replace"))
        return {**params, **posted}
