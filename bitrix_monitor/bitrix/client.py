"""The one way the app talks to Bitrix24: an async REST client over an inbound webhook.

Rules it keeps (see ``shared/BITRIX24_API.md``):

* JSON POST bodies; redirects are never followed (a 302 means the portal moved: :class:`PortalMoved`).
* Every answer is inspected: an HTTP 200 with an ``error`` key is an error; ``"error": ""`` is an error.
* Rate limits are shaped on the client (:mod:`.ratelimit`); a ``QUERY_LIMIT_EXCEEDED`` that still happens
  was never executed, so it is retried after a jittered back-off and counted.
* Reads are retried on timeouts, dropped connections, 5xx and unreadable answers. Writes are not: such a
  failure becomes :class:`OutcomeUnknown`. A connection that could not be opened sent nothing, so it is
  retried for reads and writes alike and ends as :class:`PortalUnreachable`.
* A batch is never resent whole once it may have run: only commands that did not run (length limit) or
  were refused before running (rate/operating limits) are resent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import random
import ssl
import time
from array import array
from bisect import bisect_left
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

import httpx

from bitrix_monitor import __version__
from bitrix_monitor.bitrix.encoding import BatchRef, carries_batch_syntax, encode_command
from bitrix_monitor.bitrix.errors import (
    BadResponse,
    BitrixError,
    NotFound,
    OperationTimeLimit,
    OutcomeUnknown,
    PortalError,
    PortalMoved,
    PortalUnreachable,
    RateLimited,
    ServerError,
    TransportError,
    error_from_answer,
)
from bitrix_monitor.bitrix.ratelimit import (
    LeakyBucket,
    OperatingSeen,
    OperatingSource,
    OperatingTracker,
    PortalCost,
    RateBudget,
    SlotSource,
)
from bitrix_monitor.bitrix.url import WebhookUrl
from bitrix_monitor.config import PLANS, RatePlan
from bitrix_monitor.errors import ConfigError
from bitrix_monitor.kinds import ALL as KINDS
from bitrix_monitor.kinds import CrmKind
from bitrix_monitor.messages import Message

log = logging.getLogger(__name__)

BATCH_LIMIT = 50
PAGE_SIZE = 50
# Seconds before the first retry of a request that failed on the way (each further retry waits about twice
# as long): the default of ``BitrixClient(backoff=...)``, read when a client is made.
RETRY_BACKOFF = 0.5
Entity = CrmKind
_ENTITY_PREFIX: dict[str, str] = {k.crm: f"crm.{k.crm}" for k in KINDS}
_ENTITY_TYPE_ID = {k.crm: k.entity_type_id for k in KINDS}
_READ_SUFFIXES = frozenset({"get", "list", "fields", "findbycomm", "current", "time"})
_READ_METHODS = frozenset({"profile", "scope", "methods", "server.time", "app.info"})


def is_read(method: str) -> bool:
    """Whether a method only reads (safe to repeat). Unknown methods count as writes."""
    m = method.lower().removesuffix(".json")
    return m in _READ_METHODS or m.rsplit(".", 1)[-1] in _READ_SUFFIXES


def _number(value: Any) -> float | None:
    """A finite number, or ``None`` (NaN and infinities, in any spelling, are not numbers here)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else None
    except (ValueError, OverflowError):
        return None
    return number if number is not None and math.isfinite(number) else None


_ARRAY_MAX = 2**63 - 1  # the largest id an array("q") holds


def record_id(value: Any) -> int | None:
    """A record id as the portal writes it: a positive int, or its decimal digits as text (``"12"``).
    ``"12.0"``, ``12.5``, ``"-3"``, ``"１２"`` and ``True`` are not ids."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and value == str(int(value)):
        return int(value) or None
    return None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # PHP's json_encode never writes NaN or Infinity


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} does not fit a number")
    return number


def carries_origin(record: Mapping[str, Any], originator: str, origin_id: str | None = None) -> bool:
    """The record carries exactly this ``ORIGINATOR_ID`` (and, when given, exactly this ``ORIGIN_ID``), byte
    for byte: the portal's own filters compare case-, accent- and trailing-space-insensitively."""
    stamped, origin = record.get("ORIGINATOR_ID"), record.get("ORIGIN_ID")
    if not isinstance(stamped, str) or stamped != originator:
        return False
    return origin_id is None or (isinstance(origin, str) and origin == origin_id)


def _int(value: Any) -> int | None:
    n = _number(value)
    return int(n) if n is not None else None


@dataclass(frozen=True)
class ResponseTime:
    """The ``time`` block of an answer; every field may be missing (``None``), ints are accepted."""

    start: float | None = None
    finish: float | None = None
    duration: float | None = None
    processing: float | None = None
    operating: float | None = None
    operating_reset_at: float | None = None

    @classmethod
    def from_json(cls, raw: Any) -> ResponseTime | None:
        if not isinstance(raw, Mapping):
            return None
        return cls(
            start=_number(raw.get("start")),
            finish=_number(raw.get("finish")),
            duration=_number(raw.get("duration")),
            processing=_number(raw.get("processing")),
            operating=_number(raw.get("operating")),
            operating_reset_at=_number(raw.get("operating_reset_at")),
        )


@dataclass(frozen=True)
class CallResult:
    result: Any
    next: int | None = None
    total: int | None = None
    time: ResponseTime | None = None


@dataclass(frozen=True)
class BatchResult:
    """Outcome per command key. A key is in exactly one of ``results``, ``errors`` and ``not_run``."""

    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, BitrixError] = field(default_factory=dict)
    not_run: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    nexts: dict[str, int] = field(default_factory=dict)
    times: dict[str, ResponseTime] = field(default_factory=dict)


@dataclass(frozen=True)
class MergeResult:
    status: str  # SUCCESS, CONFLICT or ERROR
    removed_ids: tuple[int, ...]


class NotExecuted(BitrixError):
    """A batch command that the portal did not run (halt, or skipped); safe to send again."""

    default_retryable = True


class _Ambiguous(Exception):
    """Internal: the request went out and no usable answer came back."""

    def __init__(self, error: BitrixError) -> None:
        super().__init__(str(error))
        self.error = error


Command = tuple[str, Mapping[str, Any] | None]


@functools.cache
def _usual_trust() -> ssl.SSLContext:
    """The TLS context of a client that trusts the usual authorities (httpx's, as ``verify=True`` makes it),
    made once a process: making one loads the certificate store, about 30 ms, and the app, the headless
    runner and the tests make a client for each connection check, pass and job run."""
    return httpx.create_ssl_context()


class BitrixClient:
    def __init__(
        self,
        webhook: WebhookUrl | str,
        *,
        plan: RatePlan | None = PLANS["standard"],
        timeout: float = 30.0,
        ca_bundle: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_in_flight: int = 8,
        operating_limit: float = 480.0,
        max_pause: float = 60.0,
        retries: int = 4,
        backoff: float | None = None,
    ) -> None:
        self.webhook = webhook if isinstance(webhook, WebhookUrl) else WebhookUrl.parse(webhook)
        self.plan = plan
        self.max_pause = max_pause
        self.retries = retries
        self.backoff = RETRY_BACKOFF if backoff is None else backoff
        self._bucket = LeakyBucket(plan)
        self._operating = OperatingTracker(limit=operating_limit)
        self._operating_shared: OperatingSource | None = None
        self._unpublished: list[OperatingSeen] = []  # figures heard, for the shared source
        self._unpublished_pauses: dict[str, float] = {}
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._requests = 0
        self._rate_limited = 0
        self._operation_limited = 0
        self._consumed: dict[str, float] = {}  # method -> operating seconds this client's calls consumed
        self._calls: dict[str, int] = {}
        self._last_operating: dict[str, float] = {}
        verify = _usual_trust()
        if ca_bundle:
            try:
                verify = ssl.create_default_context(cafile=ca_bundle)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(
                    Message("bitrix.ca_bundle", {"path": ca_bundle, "error": str(exc)}),
                    hint=Message("bitrix.ca_bundle.hint"),
                ) from None
        self._http = httpx.AsyncClient(
            transport=transport,
            verify=verify,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            follow_redirects=False,
            headers={
                "User-Agent": f"bitrix-monitor/{__version__}",
                "Accept": "application/json",
            },
            limits=httpx.Limits(max_connections=max_in_flight + 2, max_keepalive_connections=max_in_flight),
        )

    def __repr__(self) -> str:
        return f"BitrixClient({self.webhook.redacted!r}, plan={self.plan})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------ limits

    def share_budget(self, source: SlotSource) -> None:
        """Take request slots from ``source`` (the portal's budget in a team queue's database) instead of
        this client's own bucket, so every runner on the queue shares the portal's one rate limit."""
        self._bucket.shared = source

    def share_operating(self, source: OperatingSource) -> None:
        """Keep the per-method operating-time budget in ``source`` (the queue's database): what any runner
        heard of a method's budget holds every runner back, and near the budget the team, not each runner,
        calls the method at most once a second."""
        self._operating_shared = source

    def budget(self) -> RateBudget:
        return RateBudget(
            tokens_left=self._bucket.tokens_left(),
            capacity=self._bucket.capacity,
            drain=self._bucket.drain,
            operating=self._operating.snapshot_used(),
            operating_limit=self._operating.limit,
            paused=self._operating.snapshot_paused(),
            requests=self._requests,
            throttled_waits=self._bucket.waits,
            throttled_seconds=self._bucket.waited,
            rate_limited=self._rate_limited,
            operation_limited=self._operation_limited,
        )

    def _jitter(self, base: float, attempt: int) -> float:
        return float(min(30.0, base * (2 ** (attempt - 1))) * random.uniform(0.5, 1.5))

    async def _wait_method(self, method: str) -> None:
        """Honour a pause or slow-down of ``method``; raise when the pause is longer than ``max_pause``."""
        shared = self._operating_shared
        if shared is None:
            delay = self._operating.delay(method)
        else:
            await self._publish()
            op = self._operating
            state = await asyncio.to_thread(
                shared.before_call,
                op.key(method),
                slow_at=op.limit * op.slow_fraction,
                spacing=1.0,
                now=time.time(),
            )
            delay = op.adopt(method, state)
        if delay <= 0:
            return
        if delay > self.max_pause:
            until = self._operating.paused_until.get(OperatingTracker.key(method))
            raise OperationTimeLimit(
                Message("bitrix.paused", {"method": method, "seconds": f"{delay:.0f}"}),
                code="OPERATION_TIME_LIMIT",
                method=method,
                reset_at=until,
                hint=Message("bitrix.operation_time_limit.hint"),
            )
        await asyncio.sleep(delay)

    def _observe(self, method: str, t: ResponseTime | None) -> None:
        if t is not None:
            self._operating.observe(method, t.operating, t.operating_reset_at)
            self._charge(method, t)
            if self._operating_shared is not None and t.operating is not None:
                at = t.finish if t.finish is not None else time.time()
                m = OperatingTracker.key(method)
                self._unpublished.append((m, t.operating, t.operating_reset_at, at))
                self._held(method)

    async def _pause(self, method: str, until: float | None) -> float:
        """Pause ``method`` (an OPERATION_TIME_LIMIT answer) here and for the team."""
        until = self._operating.pause(method, until)
        self._held(method)
        await self._publish()
        return until

    def _held(self, method: str) -> None:
        m = OperatingTracker.key(method)
        until = self._operating.paused_until.get(m)
        if self._operating_shared is not None and until is not None:
            self._unpublished_pauses[m] = until

    async def _publish(self) -> None:
        """Hand the figures and pauses heard since the last time to the shared source."""
        if self._operating_shared is None or not (self._unpublished or self._unpublished_pauses):
            return
        figures, self._unpublished = self._unpublished, []
        pauses, self._unpublished_pauses = self._unpublished_pauses, {}
        await asyncio.to_thread(self._operating_shared.seen, figures, pauses)

    def _charge(self, method: str, t: ResponseTime) -> None:
        """Count what a call consumed of its method's operating-time budget: the rise of ``time.operating``
        since the last answer for the method, or (first answer, a window that moved on, answers that came
        back out of order) the call's own processing time."""
        m = OperatingTracker.key(method)
        prev, now = self._last_operating.get(m), t.operating
        if now is not None and prev is not None and now >= prev:
            used = now - prev
        else:
            used = t.processing if t.processing is not None else (t.duration or 0.0)
        if now is not None:
            self._last_operating[m] = now
        self._consumed[m] = self._consumed.get(m, 0.0) + max(0.0, used)
        self._calls[m] = self._calls.get(m, 0) + 1

    def cost(self) -> PortalCost:
        """Requests made and operating time consumed so far (``later.since(earlier)``: what a task cost)."""
        return PortalCost(self._requests, dict(self._consumed), dict(self._calls))

    # ------------------------------------------------------------------ transport

    async def _post(self, method: str, payload: Mapping[str, Any]) -> httpx.Response:
        """One HTTP request after the rate limiter. Raises :class:`_Ambiguous` when it may have arrived."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        async with self._in_flight:
            await self._bucket.acquire()
            self._requests += 1
            try:
                return await self._http.post(
                    self.webhook.method_url(method),
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
            except (
                httpx.ConnectError,
                httpx.ConnectTimeout,
                httpx.PoolTimeout,
                httpx.UnsupportedProtocol,
            ) as e:
                raise self._unreachable(method, e) from None
            except httpx.TimeoutException as e:
                raise _Ambiguous(
                    TransportError(
                        Message("bitrix.no_answer", {"where": self.webhook.portal_base, "method": method}),
                        method=method,
                    )
                ) from e
            except httpx.TransportError as e:
                raise _Ambiguous(
                    TransportError(
                        Message(
                            "bitrix.broken",
                            {
                                "where": self.webhook.portal_base,
                                "method": method,
                                "error": f"{type(e).__name__} {e}",
                            },
                        ),
                        method=method,
                    )
                ) from e

    def _unreachable(self, method: str, exc: Exception) -> PortalUnreachable:
        text = str(exc) or type(exc).__name__
        tls = "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text
        return PortalUnreachable(
            Message("portal.unreachable", {"where": self.webhook.portal_base, "text": text}),
            method=method,
            retryable=not tls,
            hint=Message("portal.unreachable.hint.tls" if tls else "portal.unreachable.hint"),
        )

    def _decode(self, method: str, resp: httpx.Response) -> CallResult:
        status = resp.status_code
        if 300 <= status < 400:
            location = resp.headers.get("Location", "")
            if location:
                try:
                    moved = httpx.URL(location)
                    where = f"{moved.scheme}://{moved.host}" if moved.host else location
                except httpx.InvalidURL:
                    where = location
                raise PortalMoved(
                    Message("portal.moved", {"where": where, "status": status}),
                    location=location,
                    http_status=status,
                    method=method,
                )
            raise BadResponse(
                Message("bitrix.redirect", {"status": status}), http_status=status, method=method
            )
        try:
            body = json.loads(resp.content, parse_constant=_no_constants, parse_float=_finite_float)
        except (ValueError, UnicodeDecodeError):
            kind = (
                "bitrix.answer.html" if b"<html" in resp.content[:512].lower() else "bitrix.answer.unreadable"
            )
            if not resp.content:
                kind = "bitrix.answer.empty"
            raise BadResponse(
                Message(kind, {"method": method, "status": status}), http_status=status, method=method
            ) from None
        if not isinstance(body, dict):
            raise BadResponse(
                Message("bitrix.answer.not_object", {"method": method, "status": status}),
                http_status=status,
                method=method,
            )
        if "error" in body:
            code = body.get("error")
            desc = body.get("error_description")
            reset_at = self._operating.reset_at.get(OperatingTracker.key(method))
            return_error = error_from_answer(
                "" if code is None else str(code),
                "" if desc is None else str(desc),
                http_status=status,
                method=method,
                reset_at=reset_at,
            )
            raise return_error
        if "result" not in body:
            raise BadResponse(
                Message("bitrix.answer.no_result", {"method": method, "status": status}),
                http_status=status,
                method=method,
            )
        if status >= 400:
            raise ServerError(
                Message("bitrix.answer.no_code", {"method": method, "status": status}),
                http_status=status,
                method=method,
            )
        return CallResult(
            result=body["result"],
            next=_int(body.get("next")),
            total=_int(body.get("total")),
            time=ResponseTime.from_json(body.get("time")),
        )

    @staticmethod
    def _is_ambiguous(err: BitrixError) -> bool:
        if isinstance(err, ServerError):
            return True
        if isinstance(err, BadResponse) and not isinstance(err, PortalMoved):
            s = err.http_status
            return s is None or s >= 500 or s < 300
        return False

    async def _request(self, method: str, payload: Mapping[str, Any], *, write: bool) -> CallResult:
        """Send until a definite answer: the retry policy lives here."""
        rate_attempts = 0
        attempts = 0
        while True:
            await self._wait_method(method)
            try:
                resp = await self._post(method, payload)
                result = self._decode(method, resp)
            except RateLimited:
                self._rate_limited += 1
                await self._bucket.note_refused()
                rate_attempts += 1
                if rate_attempts > max(self.retries, 8):
                    raise
                delay = self._jitter(max(self.backoff, self._bucket.interval), rate_attempts)
                log.info("Bitrix24 rate limit on %s; retrying in %.2f s", method, delay)
                await asyncio.sleep(delay)
                continue
            except OperationTimeLimit as e:
                self._operation_limited += 1
                e.reset_at = await self._pause(method, e.reset_at)
                log.warning("Bitrix24 operating-time limit on %s; paused until %s", method, e.reset_at)
                if e.reset_at - time.time() > self.max_pause:
                    raise
                continue
            except PortalUnreachable as e:
                attempts += 1
                if not e.retryable or attempts > self.retries:
                    raise
                await asyncio.sleep(self._jitter(self.backoff, attempts))
                continue
            except (_Ambiguous, BitrixError) as exc:
                err = exc.error if isinstance(exc, _Ambiguous) else exc
                if isinstance(exc, BitrixError) and not self._is_ambiguous(err):
                    raise
                if write:
                    raise OutcomeUnknown(
                        Message("bitrix.outcome_unknown", {"method": method, "error": err.msg}),
                        cause=err,
                        method=method,
                        http_status=err.http_status,
                    ) from None
                attempts += 1
                if attempts > self.retries:
                    raise err from None
                await asyncio.sleep(self._jitter(self.backoff, attempts))
                continue
            if method.lower() != "batch":
                self._observe(method, result.time)
                await self._publish()
            return result

    # ------------------------------------------------------------------ calls

    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> CallResult:
        """Call one method with a JSON body. Reads are retried on transient failures; writes are not."""
        return await self._request(method, dict(params or {}), write=not is_read(method))

    async def batch(
        self,
        commands: Mapping[str, Command] | Sequence[Command],
        *,
        halt: bool = False,
    ) -> BatchResult:
        """Run commands through ``batch``, at most 50 per HTTP request (larger sets are split; ``$result``
        references only resolve within one request of 50). Keys of a sequence are ``"0"``, ``"1"``, ...

        Each command ends in ``results`` or ``errors`` or ``not_run``. With ``halt`` the sets are run one
        after the other and everything after the first failure is ``not_run``.
        """
        items: list[tuple[str, str, Mapping[str, Any]]]
        if isinstance(commands, Mapping):
            items = [(str(k), m, p or {}) for k, (m, p) in commands.items()]
        else:
            items = [(str(i), m, p or {}) for i, (m, p) in enumerate(commands)]
        out = BatchResult()
        if any(carries_batch_syntax(p) for _, _, p in items):
            return await self._batch_with_singles(items, halt=halt)
        chunks = [items[i : i + BATCH_LIMIT] for i in range(0, len(items), BATCH_LIMIT)]
        if halt:
            for n, chunk in enumerate(chunks):
                part = await self._chunk_outcome(chunk, halt=True)
                _merge(out, part)
                if part.errors or part.not_run:
                    for later in chunks[n + 1 :]:
                        out.not_run.extend(k for k, _, _ in later)
                    break
        else:
            for part in await asyncio.gather(*(self._chunk_outcome(c, halt=False) for c in chunks)):
                _merge(out, part)
        return out

    async def _batch_with_singles(
        self, items: list[tuple[str, str, Mapping[str, Any]]], *, halt: bool
    ) -> BatchResult:
        """The portal substitutes ``$result[…]`` (and ``$next``, ``$total``, ``$time``, ``$error``) anywhere
        in a batch command's values, so a command whose data holds such text is sent as a call of its own,
        where nothing is substituted; the others still go together in batches."""
        out = BatchResult()
        if halt:
            for n, (key, method, params) in enumerate(items):
                part = (
                    await self._single(key, method, params)
                    if carries_batch_syntax(params)
                    else await self._chunk_outcome([(key, method, params)], halt=True)
                )
                _merge(out, part)
                if part.errors or part.not_run:
                    out.not_run.extend(k for k, _, _ in items[n + 1 :])
                    break
            return out
        plain = [it for it in items if not carries_batch_syntax(it[2])]
        if plain:
            _merge(out, await self.batch({k: (m, p) for k, m, p in plain}))
        for key, method, params in items:
            if carries_batch_syntax(params):
                _merge(out, await self._single(key, method, params))
        return out

    async def _single(self, key: str, method: str, params: Mapping[str, Any]) -> BatchResult:
        """One command as a call of its own, its outcome shaped like a batch's."""
        try:
            res = await self._request(method, dict(params), write=not is_read(method))
        except BitrixError as e:
            return BatchResult(errors={key: e})
        out = BatchResult(results={key: res.result})
        if res.total is not None:
            out.totals[key] = res.total
        if res.next is not None:
            out.nexts[key] = res.next
        if res.time is not None:
            out.times[key] = res.time
        return out

    async def _chunk_outcome(
        self, chunk: list[tuple[str, str, Mapping[str, Any]]], *, halt: bool
    ) -> BatchResult:
        """One request's worth of commands; a failure of the whole request (refused webhook, unreachable
        portal, rate limit that persists) becomes every command's error, so neighbours keep their results."""
        try:
            return await self._batch_chunk(chunk, halt=halt)
        except BitrixError as e:
            return BatchResult(errors={k: e for k, _, _ in chunk})

    async def _batch_chunk(
        self, chunk: list[tuple[str, str, Mapping[str, Any]]], *, halt: bool
    ) -> BatchResult:
        out = BatchResult()
        methods = {k: m for k, m, _ in chunk}
        pending = list(chunk)
        rounds = 0
        while pending:
            rounds += 1
            blocked: dict[str, OperationTimeLimit] = {}
            for method in dict.fromkeys(m for _, m, _ in pending):
                try:
                    await self._wait_method(method)
                except OperationTimeLimit as e:
                    blocked[method] = e
            send: list[tuple[str, str, Mapping[str, Any]]] = []
            for key, method, params in pending:
                if method in blocked:
                    out.errors[key] = blocked[method]
                else:
                    send.append((key, method, params))
            if not send:
                break
            keys = [k for k, _, _ in send]
            payload = {
                "halt": 1 if halt else 0,
                "cmd": {k: encode_command(m, p) for k, m, p in send},
            }
            write = any(not is_read(m) for _, m, _ in send)
            try:
                res = await self._request("batch", payload, write=write)
            except OutcomeUnknown as e:
                for key, method, _ in send:
                    cause = e.cause or e
                    if is_read(method):
                        out.errors[key] = TransportError(
                            Message("bitrix.batch.failed", {"method": method, "error": cause.msg}),
                            method=method,
                            retryable=True,
                        )
                    else:
                        out.errors[key] = OutcomeUnknown(
                            Message("bitrix.batch.outcome_unknown", {"method": method, "error": cause.msg}),
                            cause=cause,
                            method=method,
                            http_status=cause.http_status,
                        )
                break
            sections = res.result
            if not isinstance(sections, Mapping):
                shape: BitrixError = BadResponse(Message("bitrix.batch.no_sections"), method="batch")
                if write:
                    shape = OutcomeUnknown(
                        Message("bitrix.outcome_unknown", {"method": "batch", "error": shape.msg}),
                        cause=shape,
                    )
                for key in keys:
                    out.errors[key] = shape
                break
            try:
                results = _section(sections.get("result"), keys)
                errors = _section(sections.get("result_error"), keys)
                totals = _section(sections.get("result_total"), keys)
                nexts = _section(sections.get("result_next"), keys)
                times = _section(sections.get("result_time"), keys)
            except BadResponse as bad:
                for key, method, _ in send:
                    out.errors[key] = (
                        bad
                        if is_read(method)
                        else OutcomeUnknown(
                            Message("bitrix.batch.failed", {"method": method, "error": bad.msg}),
                            cause=bad,
                            method=method,
                        )
                    )
                break
            resend: list[tuple[str, str, Mapping[str, Any]]] = []
            for key, method, params in send:
                if key in results:
                    out.results[key] = results[key]
                    t = ResponseTime.from_json(times.get(key))
                    if t is not None:
                        out.times[key] = t
                        self._observe(method, t)
                    total = _int(totals.get(key))
                    if total is not None:
                        out.totals[key] = total
                    nxt = _int(nexts.get(key))
                    if nxt is not None:
                        out.nexts[key] = nxt
                elif key in errors:
                    raw = errors[key]
                    code = str(raw.get("error") or "") if isinstance(raw, Mapping) else ""
                    desc = str(raw.get("error_description") or "") if isinstance(raw, Mapping) else str(raw)
                    low = code.lower()
                    if low == "error_batch_length_exceeded":
                        resend.append((key, method, params))
                        continue
                    err: BitrixError = error_from_answer(
                        code,
                        desc,
                        http_status=None,
                        method=methods[key],
                        reset_at=self._operating.reset_at.get(OperatingTracker.key(method)),
                    )
                    if isinstance(err, RateLimited):
                        self._rate_limited += 1
                        resend.append((key, method, params))
                        continue
                    if isinstance(err, OperationTimeLimit):
                        self._operation_limited += 1
                        err.reset_at = await self._pause(method, err.reset_at)
                        if err.reset_at - time.time() <= self.max_pause:
                            resend.append((key, method, params))
                            continue
                    out.errors[key] = err
                else:
                    out.not_run.append(key)
            await self._publish()
            if halt and (out.errors or out.not_run):
                out.not_run.extend(k for k, _, _ in resend)
                break
            if rounds > max(self.retries, 8) and resend:
                out.not_run.extend(k for k, _, _ in resend)  # still refused before running
                break
            pending = resend
        return out

    # ------------------------------------------------------------------ paging

    async def list_pages(
        self, method: str, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Offset paging with ``start``/``next`` (50 per page; ``order`` defaults to ID ascending)."""
        base = dict(params or {})
        if not any(k.lower() == "order" for k in base):
            base["order"] = {"ID": "ASC"}
        start = int(base.pop("start", 0) or 0)
        while True:
            res = await self.call(method, {**base, "start": start})
            rows = records_of(res.result, method)
            yield rows
            if res.next is None or res.next <= start or not rows:
                return
            start = res.next

    async def list_all(
        self,
        method: str,
        *,
        filter: Mapping[str, Any] | None = None,
        select: Sequence[str] | None = None,
        parallel: int = 4,
        probed: tuple[BatchResult, str] | None = None,
        top: tuple[BatchResult, str] | None = None,
        held: Callable[[dict[str, Any]], Any] | None = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every row of a list method, in ID order, page by page, the fast way: ``order ID ASC``, ``>ID``,
        ``start=-1``, up to 50 pages chained per batch through ``$result[prev][49][ID]``.

        No chain runs blind: a command after a short page would run with an unresolved reference (``>ID``
        falls back to 0, a full scan the portal charges to the method's operating time), so a probe comes
        first, the first page with its total (``start=0``), and then exactly the pages still needed are
        chained. N rows cost one request when N ≤ 50, else 1 + ⌈(⌈N/50⌉ − 1)/50⌉. When more than one chain
        remains, the rest of the ID range is split into ``parallel`` segments (one more request for the top
        id, one for the segments' probes) scanned concurrently; pages are still yielded in ID order.

        ``probed``: the probe already answered (a batch's outcome and the key of the command
        :meth:`probe_command` made with the same method, filter and select), sent beside other reads that do
        not depend on it: the list then costs one request less. ``top``: likewise the top id, answered to
        :meth:`top_command` (with the same method and filter) in such a batch: a list long enough for segments
        then costs one request less again.

        ``held``: what each row becomes as soon as its page is read (pages then hold what it makes): a scan in
        segments holds the later segments' pages until the earlier ones are yielded, and held as decoded
        (a dict of text a record) they were most of a large read's peak memory.
        """
        base, last_id = _list_base(filter)

        def hold(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return page if held is None else [held(row) for row in page]

        sel = _with_id(select)
        if any(k.lstrip("<>=!@%").upper() == "ID" for k in base):
            parallel = 1  # the caller bounds the ids already; segments would fight that filter
        # The ids yielded: in ascending order as the scan reads them (8 bytes each; a set of a million ids
        # held 32 MB at the end of the scan, when the records read are at their most), and any a portal gave
        # out of that order.
        seen = array("q")
        odd: set[int] = set()

        def fresh(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
            """A record listed twice (in one page or two) is one record: yielded once."""
            out = []
            for row in page:
                rid = record_id(row.get("ID"))
                if rid is not None:
                    if rid <= _ARRAY_MAX and (not seen or rid > seen[-1]):
                        seen.append(rid)
                    else:
                        at = bisect_left(seen, rid)
                        if (at < len(seen) and seen[at] == rid) or rid in odd:
                            continue
                        odd.add(rid)
                out.append(row)
            return out

        if probed is None:
            (first,) = await self._probe(method, base, sel, [(last_id, None)])
        else:
            (first,) = _chains(probed[0], [(probed[1], last_id)], method)
        for page in first.pages:
            yield fresh(hold(page))
        if first.done:
            return
        first.pages.clear()
        segments = [first]
        bounds: list[tuple[int, int | None]] = [(first.last_id, None)]
        # Segments pay two requests (the top id, their probes): only worth it for two chains each or more.
        if parallel > 1 and first.left is not None and first.left > 2 * BATCH_LIMIT * parallel:
            top_id = (
                _top_of(top[0], top[1], method)
                if top is not None and top[1] in top[0].results
                else await self._top_id(method, base)
            )
            if top_id is not None and top_id > first.last_id:
                step = max(1, -(-(top_id - first.last_id) // parallel))
                lo, bounds = first.last_id, []
                while lo + step < top_id and len(bounds) < parallel - 1:
                    bounds.append((lo, lo + step))
                    lo += step
                bounds.append((lo, None))
                segments = await self._probe(method, base, sel, bounds)
        queues: list[asyncio.Queue[list[dict[str, Any]] | BaseException | None]] = [
            asyncio.Queue() for _ in segments
        ]
        for q, seg in zip(queues, segments, strict=True):
            for page in seg.pages:
                q.put_nowait(hold(page))
            seg.pages.clear()

        lasts = _LastChains(self, len(segments))

        async def scan(n: int, seg: _Chain, hi: int | None) -> None:
            q, tag = queues[n], f"s{n}p" if n else "p"  # each segment's own keys: chains may share a batch
            try:
                async for page in self._follow(method, base, sel, seg, hi, tag=tag, lasts=lasts):
                    q.put_nowait(hold(page))
                q.put_nowait(None)
            except BaseException as e:
                q.put_nowait(e)
                if isinstance(e, asyncio.CancelledError):
                    raise
            finally:
                lasts.finished()

        tasks = [
            asyncio.create_task(scan(n, seg, hi), name=f"list_all {method} #{n}")
            for n, (seg, (_lo, hi)) in enumerate(zip(segments, bounds, strict=True))
        ]
        try:
            for q in queues:
                while True:
                    item = await q.get()
                    if item is None:
                        break
                    if isinstance(item, BaseException):
                        raise item
                    yield fresh(item)
        finally:
            lasts.closed = True  # a consumer that stops early reads no more pages
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(BaseException):
                    await t
            for s in lasts.sending:
                s.cancel()
                with contextlib.suppress(BaseException):
                    await s

    @staticmethod
    def _chain_length(base: Mapping[str, Any]) -> int:
        # A filter with text the portal would substitute goes one page per call, without references.
        return 1 if carries_batch_syntax(base) else BATCH_LIMIT

    @staticmethod
    def _page(
        base: Mapping[str, Any], select: list[str] | None, after: Any, upto: int | None, *, start: int
    ) -> dict[str, Any]:
        f = dict(base)
        f[">ID"] = after
        if upto is not None:
            f["<=ID"] = upto
        params: dict[str, Any] = {"order": {"ID": "ASC"}, "filter": f, "start": start}
        if select is not None:
            params["select"] = select
        return params

    async def _top_id(self, method: str, base: Mapping[str, Any]) -> int | None:
        res = await self.call(method, _top_params(base))
        top = records_of(res.result, method)
        return _int(top[0].get("ID")) if top else None

    @staticmethod
    def top_command(method: str, *, filter: Mapping[str, Any] | None = None) -> Command:
        """The top id :meth:`list_all` splits a long list's ID range by, as a command to send in a batch
        beside others (one page of one id: cheap for the portal); give the outcome back as
        ``list_all(..., top=(outcome, key))``."""
        base, _last_id = _list_base(filter)
        return (method, _top_params(base))

    def probe_command(
        self, method: str, *, filter: Mapping[str, Any] | None = None, select: Sequence[str] | None = None
    ) -> Command:
        """The probe :meth:`list_all` starts with (the first page with the total, ``start=0``), as a command
        to send in a batch beside others; give the outcome back as
        ``list_all(..., probed=(outcome, key))``."""
        base, last_id = _list_base(filter)
        return (method, self._page(base, _with_id(select), last_id, None, start=0))

    async def _probe(
        self,
        method: str,
        base: Mapping[str, Any],
        select: list[str] | None,
        bounds: list[tuple[int, int | None]],
    ) -> list[_Chain]:
        """The first page of each ID range with the range's total (``start=0``), all in one request."""
        cmds = {
            f"s{n}": (method, self._page(base, select, lo, hi, start=0)) for n, (lo, hi) in enumerate(bounds)
        }
        if len(cmds) == 1:
            ((key, (_m, params)),) = cmds.items()
            res = await self._single(key, method, params)
        else:
            res = await self.batch(cmds)
        return _chains(res, [(f"s{n}", lo) for n, (lo, _hi) in enumerate(bounds)], method)

    async def _follow(
        self,
        method: str,
        base: Mapping[str, Any],
        select: list[str] | None,
        seg: _Chain,
        hi: int | None,
        *,
        tag: str = "p",
        lasts: _LastChains | None = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """The pages after a probe: exactly the ones its total still counts (one at a time without one).
        ``lasts``: where the segments of one scan send their last, short chains, to share requests."""
        cur, left = seg, seg.left
        while not cur.done:
            length = 1 if left is None else min(left, self._chain_length(base))
            last = left is not None and length == left and length < BATCH_LIMIT
            send = lasts.send if lasts is not None and last else self.batch
            cur = await self._chain(method, base, select, cur.last_id, hi, length, tag=tag, send=send)
            for page in cur.pages:
                yield page
            # Yielded: the pages as decoded go now, not when the next answer replaces them (each segment of a
            # scan held its last answer's decoded dicts while it waited for the next, 12 MB of the peak at
            # 120k records).
            cur.pages.clear()
            if left is not None:
                left -= length
                if left <= 0:
                    return

    async def _chain(
        self,
        method: str,
        base: Mapping[str, Any],
        select: list[str] | None,
        after: int,
        upto: int | None,
        length: int,
        *,
        tag: str = "p",
        send: Callable[[dict[str, Command]], Awaitable[BatchResult]] | None = None,
    ) -> _Chain:
        cmds: dict[str, Command] = {}
        for i in range(length):
            ref = after if i == 0 else BatchRef(f"$result[{tag}{i - 1}][{PAGE_SIZE - 1}][ID]")
            cmds[f"{tag}{i}"] = (method, self._page(base, select, ref, upto, start=-1))
        res = await (send or self.batch)(cmds)
        chain = _Chain(last_id=after)
        for i in range(len(cmds)):
            key = f"{tag}{i}"
            if key in res.errors:
                raise res.errors[key]
            if key not in res.results:
                raise NotExecuted(
                    Message("bitrix.batch.page_not_executed", {"method": method}), method=method
                )
            rows = records_of(res.results[key], method)
            if (
                rows
                and _int(rows[0].get("ID")) is not None
                and (_int(rows[0].get("ID")) or 0) <= chain.last_id
            ):
                chain.done = True  # a stale reference: the chain ran past the end
                break
            if rows:
                chain.pages.append(rows)
                chain.last_id = _int(rows[-1].get("ID")) or chain.last_id
            if len(rows) < PAGE_SIZE:
                chain.done = True
                break
        return chain

    # ------------------------------------------------------------------ deals and contacts

    @staticmethod
    def _prefix(entity: str) -> str:
        try:
            return _ENTITY_PREFIX[entity]
        except KeyError:
            raise ValueError(f"entity must be one of {', '.join(_ENTITY_PREFIX)}, not {entity!r}") from None

    async def add(self, entity: Entity, fields: Mapping[str, Any]) -> int:
        res = await self.call(f"{self._prefix(entity)}.add", {"fields": dict(fields)})
        return _new_id(res.result, f"{self._prefix(entity)}.add")

    async def update(self, entity: Entity, id: int, fields: Mapping[str, Any]) -> None:
        method = f"{self._prefix(entity)}.update"
        res = await self.call(method, {"id": int(id), "fields": dict(fields)})
        if res.result is False:
            raise PortalError(Message("bitrix.refused_silently", {"method": method, "id": id}), method=method)

    async def get(self, entity: Entity, id: int) -> dict[str, Any]:
        method = f"{self._prefix(entity)}.get"
        res = await self.call(method, {"id": int(id)})
        if not isinstance(res.result, dict):
            raise BadResponse(Message("bitrix.answer.not_record", {"method": method}), method=method)
        _check_record(res.result, method)
        return res.result

    async def delete(self, entity: Entity, id: int) -> None:
        await self.call(f"{self._prefix(entity)}.delete", {"id": int(id)})

    async def fields(self, entity: Entity) -> dict[str, Any]:
        res = await self.call(f"{self._prefix(entity)}.fields")
        return res.result if isinstance(res.result, dict) else {}

    async def add_many(self, entity: Entity, items: Sequence[Mapping[str, Any]]) -> list[int | BitrixError]:
        """Create records through batch; one outcome per item, in order (an id or the error)."""
        method = f"{self._prefix(entity)}.add"
        res = await self.batch({f"a{i}": (method, {"fields": dict(f)}) for i, f in enumerate(items)})
        out: list[int | BitrixError] = []
        for i in range(len(items)):
            key = f"a{i}"
            if key in res.results:
                try:
                    out.append(_new_id(res.results[key], method))
                except BitrixError as e:
                    out.append(e)
            else:
                out.append(_failure(res, key, method))
        return out

    async def update_many(
        self, entity: Entity, items: Sequence[tuple[int, Mapping[str, Any]]]
    ) -> list[BitrixError | None]:
        method = f"{self._prefix(entity)}.update"
        res = await self.batch(
            {f"u{i}": (method, {"id": int(id), "fields": dict(f)}) for i, (id, f) in enumerate(items)}
        )
        return [None if f"u{i}" in res.results else _failure(res, f"u{i}", method) for i in range(len(items))]

    async def delete_many(self, entity: Entity, ids: Sequence[int]) -> list[BitrixError | None]:
        method = f"{self._prefix(entity)}.delete"
        res = await self.batch({f"d{i}": (method, {"id": int(id)}) for i, id in enumerate(ids)})
        return [None if f"d{i}" in res.results else _failure(res, f"d{i}", method) for i in range(len(ids))]

    async def get_many(self, entity: Entity, ids: Iterable[int]) -> dict[int, dict[str, Any] | None]:
        """Records by id; ``None`` for an id that does not exist. Any other failure is raised."""
        method = f"{self._prefix(entity)}.get"
        unique = list(dict.fromkeys(int(i) for i in ids))
        res = await self.batch({f"g{id}": (method, {"id": id}) for id in unique})
        out: dict[int, dict[str, Any] | None] = {}
        for id in unique:
            key = f"g{id}"
            if key in res.results and isinstance(res.results[key], dict):
                _check_record(res.results[key], method)
                out[id] = res.results[key]
                continue
            err = _failure(res, key, method)
            if isinstance(err, NotFound):
                out[id] = None
            else:
                raise err
        return out

    async def find_by_origin(
        self,
        entity: Entity,
        originator: str,
        origin_ids: Sequence[str],
        select: Sequence[str] | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """Records stamped ``ORIGINATOR_ID = originator`` and ``ORIGIN_ID`` in ``origin_ids``, exactly: byte
        for byte on the record, not as the portal's case-insensitive filter compares.

        Every requested origin id is a key; its list holds every match (several = duplicates in the portal),
        in ID order. Up to 50 origin ids per list command and 50 commands per HTTP request.
        """
        method = f"{self._prefix(entity)}.list"
        wanted = list(dict.fromkeys(str(o) for o in origin_ids))
        out: dict[str, list[dict[str, Any]]] = {o: [] for o in wanted}
        sel = list(dict.fromkeys([*(select or []), "ID", "ORIGIN_ID", "ORIGINATOR_ID"]))
        # (origin-id chunk, rows after this ID)
        todo: list[tuple[list[str], int]] = [
            (wanted[i : i + PAGE_SIZE], 0) for i in range(0, len(wanted), PAGE_SIZE)
        ]
        while todo:
            cmds: dict[str, Command] = {}
            for n, (chunk, after) in enumerate(todo):
                f: dict[str, Any] = {"ORIGINATOR_ID": originator, "@ORIGIN_ID": chunk}
                if after:
                    f[">ID"] = after
                cmds[f"o{n}"] = (method, {"order": {"ID": "ASC"}, "filter": f, "select": sel, "start": -1})
            res = await self.batch(cmds)
            more: list[tuple[list[str], int]] = []
            for n, (chunk, _after) in enumerate(todo):
                key = f"o{n}"
                if key not in res.results:
                    raise _failure(res, key, method)
                rows = records_of(res.results[key], method)
                for row in rows:
                    # The portal's filter ignores case, accents and trailing spaces (its collation): keep
                    # only the rows that carry exactly this originator and one of these origin ids.
                    origin = row.get("ORIGIN_ID")
                    if isinstance(origin, str) and origin in out and carries_origin(row, originator, origin):
                        out[origin].append(row)
                if len(rows) >= PAGE_SIZE:
                    more.append((chunk, _int(rows[-1].get("ID")) or 0))
            todo = more
        return out

    async def find_by_comm(
        self,
        type: Literal["EMAIL", "PHONE"],
        values: Sequence[str],
        entity_type: str = "CONTACT",
    ) -> dict[str, list[int]]:
        """Ids of ``entity_type`` records whose phone/e-mail matches, per value (every value is a key).

        Each value is its own ``crm.duplicate.findbycomm`` command (batched 50 per request), so matches map
        back to the value exactly; the portal's own phone normalisation applies.
        """
        method = "crm.duplicate.findbycomm"
        wanted = list(dict.fromkeys(v for v in values if v))
        res = await self.batch(
            {
                f"c{i}": (method, {"type": type, "values": [v], "entity_type": entity_type})
                for i, v in enumerate(wanted)
            }
        )
        out: dict[str, list[int]] = {}
        for i, v in enumerate(wanted):
            key = f"c{i}"
            if key not in res.results:
                raise _failure(res, key, method)
            found = res.results[key]
            ids: list[int] = []
            if isinstance(found, Mapping):
                for raw in found.get(entity_type.upper()) or []:
                    n = _int(raw)
                    if n is not None:
                        ids.append(n)
            out[v] = ids
        return out

    async def merge(self, entity: Entity, ids: Sequence[int]) -> MergeResult:
        """``crm.entity.mergeBatch``: the first id survives, the others are removed on SUCCESS."""
        method = "crm.entity.mergeBatch"
        res = await self.call(
            method, {"params": {"entityTypeId": _ENTITY_TYPE_ID[entity], "entityIds": [int(i) for i in ids]}}
        )
        r = res.result
        if not isinstance(r, Mapping) or "STATUS" not in r:
            raise BadResponse(Message("bitrix.answer.no_status", {"method": method}), method=method)
        removed = tuple(n for n in (_int(x) for x in (r.get("ENTITY_IDS") or [])) if n is not None)
        return MergeResult(status=str(r["STATUS"]), removed_ids=removed)

    async def deal_contacts_get(self, deal_id: int) -> list[int]:
        res = await self.call("crm.deal.contact.items.get", {"id": int(deal_id)})
        items = res.result if isinstance(res.result, list) else []
        ids = [_int(it.get("CONTACT_ID")) for it in items if isinstance(it, Mapping)]
        return [i for i in ids if i is not None]

    async def deal_contacts_set(self, deal_id: int, contact_ids: Sequence[int]) -> None:
        """Replace the deal's contacts; the first becomes primary."""
        items = [
            {"CONTACT_ID": int(c), "IS_PRIMARY": "Y" if n == 0 else "N", "SORT": (n + 1) * 10}
            for n, c in enumerate(contact_ids)
        ]
        await self.call("crm.deal.contact.items.set", {"id": int(deal_id), "items": items})

    async def list(
        self,
        entity: Entity,
        filter: Mapping[str, Any] | None = None,
        select: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Every matching record, in ID order (fast paging)."""
        rows: list[dict[str, Any]] = []
        async for page in self.list_all(f"{self._prefix(entity)}.list", filter=filter, select=select):
            rows.extend(page)
        return rows


@dataclass
class _Chain:
    last_id: int
    pages: list[list[dict[str, Any]]] = field(default_factory=list)
    done: bool = False
    left: int | None = None  # pages still to read after these, by the probe's total (None: unknown)


def _list_base(filter: Mapping[str, Any] | None) -> tuple[dict[str, Any], int]:
    """A list's filter without its ``>ID``, and that ``>ID`` (0 without one): where the scan starts."""
    base = dict(filter or {})
    last_id = 0
    for k in list(base):
        if k.upper() == ">ID":
            last_id = int(base.pop(k))
    return base, last_id


class _LastChains:
    """The last chains of a scan's segments, sent together.

    A segment's last chain is short (the pages its total leaves after its full chains of 50), and sent
    alone each took a request of its own: four segments paid up to three requests more than their pages
    need. A segment about to send its last chain waits here until every segment still reading has reached
    its own (or finished); then the chains go in as few requests as hold them, whole (a chain's references
    resolve only within its request), each chain its own keys. A full chain never waits."""

    def __init__(self, client: BitrixClient, segments: int) -> None:
        self.client = client
        self.reading = segments  # segments that have not finished
        self.waiting: list[tuple[dict[str, Command], asyncio.Future[BatchResult]]] = []
        self.sending: list[asyncio.Task[None]] = []
        self.closed = False

    async def send(self, cmds: dict[str, Command]) -> BatchResult:
        done: asyncio.Future[BatchResult] = asyncio.get_running_loop().create_future()
        self.waiting.append((cmds, done))
        self._release()
        return await done

    def finished(self) -> None:
        self.reading -= 1
        self._release()

    def _release(self) -> None:
        if self.closed or not self.waiting or len(self.waiting) < self.reading:
            return
        chains, self.waiting = [c for c in self.waiting if not c[1].done()], []  # not those cancelled
        self.sending.append(asyncio.create_task(self._send(chains), name="list_all last chains"))

    async def _send(self, chains: list[tuple[dict[str, Command], asyncio.Future[BatchResult]]]) -> None:
        groups: list[list[tuple[dict[str, Command], asyncio.Future[BatchResult]]]] = []
        for chain in sorted(chains, key=lambda c: -len(c[0])):  # first fit, longest first
            for group in groups:
                if sum(len(c) for c, _f in group) + len(chain[0]) <= BATCH_LIMIT:
                    group.append(chain)
                    break
            else:
                groups.append([chain])
        outcomes = await asyncio.gather(
            *(self.client.batch({k: v for c, _f in group for k, v in c.items()}) for group in groups),
            return_exceptions=True,
        )
        for group, outcome in zip(groups, outcomes, strict=True):
            for _c, done in group:
                if done.done():
                    continue
                if isinstance(outcome, BaseException):
                    done.set_exception(outcome)
                else:
                    done.set_result(outcome)


def _top_params(base: Mapping[str, Any]) -> dict[str, Any]:
    return {"order": {"ID": "DESC"}, "filter": dict(base), "select": ["ID"], "start": -1}


def _top_of(res: BatchResult, key: str, method: str) -> int | None:
    """The top id a :meth:`BitrixClient.top_command` answered in a batch (None: the list is empty)."""
    top = records_of(res.results[key], method)
    return _int(top[0].get("ID")) if top else None


def _chains(res: BatchResult, probes: Sequence[tuple[str, int]], method: str) -> list[_Chain]:
    """The chains that probes (batch key, the id their range starts after) begin."""
    out: list[_Chain] = []
    for key, lo in probes:
        if key not in res.results:
            raise _failure(res, key, method)
        rows = records_of(res.results[key], method)
        chain = _Chain(last_id=lo)
        if rows:
            chain.pages.append(rows)
            chain.last_id = _int(rows[-1].get("ID")) or lo
        total = res.totals.get(key)
        chain.left = None if total is None else max(0, -(-(total - len(rows)) // PAGE_SIZE))
        chain.done = len(rows) < PAGE_SIZE or chain.left == 0
        out.append(chain)
    return out


def _merge(into: BatchResult, part: BatchResult) -> None:
    into.results.update(part.results)
    into.errors.update(part.errors)
    into.not_run.extend(part.not_run)
    into.totals.update(part.totals)
    into.nexts.update(part.nexts)
    into.times.update(part.times)


def _section(raw: Any, keys: Sequence[str]) -> dict[str, Any]:
    """A batch section: PHP sends ``[]`` when empty and a list when the keys were exactly 0..n-1."""
    if raw is None:
        return {}
    if isinstance(raw, list):
        out: dict[str, Any] = {}
        known = set(keys)
        for i, v in enumerate(raw):
            if str(i) not in known:
                raise BadResponse(Message("bitrix.batch.mismatch"), method="batch")
            out[str(i)] = v
        return out
    if isinstance(raw, Mapping):
        return {str(k): v for k, v in raw.items()}
    raise BadResponse(Message("bitrix.batch.malformed"), method="batch")


def records_of(result: Any, method: str) -> list[dict[str, Any]]:
    """The records of one list answer (a command's result in a batch too), checked: a list of records whose
    ids are ids, else :class:`BadResponse` (a broken answer is never read as fewer records)."""
    if isinstance(result, Mapping) and len(result) == 1:
        (inner,) = result.values()
        result = inner
    if isinstance(result, Mapping) and not result:
        return []
    if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
        raise BadResponse(Message("bitrix.answer.not_records", {"method": method}), method=method)
    for row in result:
        _check_record(row, method)
    return result


def _check_record(row: Mapping[str, Any], method: str) -> None:
    """A record whose ``ID`` is there but not an id is a broken answer, never a record to act on."""
    if "ID" in row and record_id(row["ID"]) is None:
        raise BadResponse(
            Message("bitrix.answer.bad_id", {"method": method, "value": repr(str(row["ID"])[:20])}),
            method=method,
        )


def _with_id(select: Sequence[str] | None) -> list[str] | None:
    if select is None:
        return None
    sel = list(select)
    if "ID" not in sel and "*" not in sel:
        sel.insert(0, "ID")
    return sel


def _new_id(result: Any, method: str) -> int:
    """The id an ``add`` answered. Anything else means the record may or may not exist: outcome unknown
    (settled by a lookup, like any ambiguous write)."""
    n = record_id(result)
    if n is None:
        bad = BadResponse(
            Message("bitrix.answer.not_new_id", {"method": method, "value": repr(str(result)[:20])}),
            method=method,
        )
        raise OutcomeUnknown(
            Message("bitrix.outcome_unknown", {"method": method, "error": bad.msg}), cause=bad, method=method
        )
    return n


def _failure(res: BatchResult, key: str, method: str) -> BitrixError:
    if key in res.errors:
        return res.errors[key]
    return NotExecuted(Message("bitrix.batch.not_executed", {"method": method}), method=method)
