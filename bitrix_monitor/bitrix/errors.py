"""Typed failures of a Bitrix24 call.

Every error carries ``code`` (as the portal sent it, possibly ``""``), ``description``, ``http_status``
(``None`` when no answer arrived), ``method`` and ``retryable``: whether repeating the very same request
automatically is safe (it was never executed, or it only reads). Messages are redacted and one line long.

An ambiguous failure of a write -- the request may or may not have been executed (timeout or dropped
connection after sending, a 5xx, an unreadable answer) -- is always :class:`OutcomeUnknown`, never retried:
the caller settles it by looking the record up.
"""

from __future__ import annotations

import re
from typing import Any

from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.log import redact
from bitrix_monitor.messages import Message, Param


class BitrixError(Exception):
    """Base of every failure of a Bitrix24 call."""

    default_retryable = False

    def __init__(
        self,
        message: str | Message,
        *,
        code: str = "",
        description: str = "",
        http_status: int | None = None,
        method: str | None = None,
        retryable: bool | None = None,
        hint: str | Message | None = None,
    ) -> None:
        msg = Message.of(message)
        msg = Message(msg.code, {k: _clean(v) for k, v in msg.params.items()})
        text = str(msg)
        super().__init__(text)
        self.msg = msg  # the code a front end says in its language (see bitrix_monitor.messages)
        self.hint_msg = None if hint is None else Message.of(hint)
        self.message = text
        self.hint = None if self.hint_msg is None else str(self.hint_msg)
        self.code = code
        self.description = redact(description)
        self.http_status = http_status
        self.method = method
        self.retryable = self.default_retryable if retryable is None else retryable

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, http_status={self.http_status!r}, "
            f"retryable={self.retryable!r})"
        )


_SPACES = re.compile(r"\s+")


def _clean(value: Param) -> Param:
    """A message parameter on one line, with secrets redacted."""
    return redact(_SPACES.sub(" ", value)) if isinstance(value, str) else value


class RateLimited(BitrixError, UserFacingError):
    """``QUERY_LIMIT_EXCEEDED`` (503): refused before execution; always safe to retry after a pause.
    The client retries it itself; it is raised only when the portal keeps refusing, and then it is a
    connection error for the headless front end (exit status 2): nothing more can be synced now."""

    default_retryable = True


class OperationTimeLimit(BitrixError, UserFacingError):
    """``OPERATION_TIME_LIMIT`` (429): this method is blocked until ``reset_at`` (unix time, if known).
    Raised when the block outlasts the client's longest pause: a connection error (exit status 2)."""

    default_retryable = True

    def __init__(self, message: str | Message, *, reset_at: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.reset_at = reset_at


class Overloaded(BitrixError, UserFacingError):
    """``OVERLOAD_LIMIT`` (503): REST is blocked by hand on the portal; not transient. A connection error
    for the headless front end (exit status 2): nothing can be synced until support lifts the block."""


class AuthError(BitrixError, UserFacingError):
    """The webhook is refused: wrong secret, missing scope, expired, REST not on this plan, http not https."""


class NotFound(BitrixError):
    """The record does not exist (or is not visible to the webhook's owner)."""


class MethodNotFound(BitrixError):
    """``ERROR_METHOD_NOT_FOUND``: the portal does not know this method."""


class PortalError(BitrixError):
    """Any other answer of the portal to a call: a business error such as "ID is not defined or invalid."."""


class ServerError(BitrixError):
    """A 5xx answer with a JSON error body (other than the rate limits)."""


class BadResponse(BitrixError):
    """An answer that is not the JSON envelope: an HTML proxy page, garbage, truncated or wrong-shaped JSON,
    a redirect."""


class PortalMoved(BadResponse, UserFacingError):
    """A redirect (the portal changed its address). POST redirects are never followed."""

    def __init__(self, message: str | Message, *, location: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.location = redact(location)


class TransportError(BitrixError):
    """No (complete) answer: a timeout, a refused or dropped connection, a TLS failure."""


class PortalUnreachable(TransportError, UserFacingError):
    """The portal could not be reached at all (nothing was sent), even after retries: a connection error
    (exit status 2)."""


class OutcomeUnknown(BitrixError):
    """A write may or may not have been executed. Never retried automatically: look the record up."""

    def __init__(self, message: str | Message, *, cause: BitrixError | None = None, **kw: Any) -> None:
        kw.setdefault("retryable", False)
        super().__init__(message, **kw)
        self.cause = cause


# Codes compared in lower case.
AUTH_CODES = frozenset(
    {
        "no_auth_found",
        "invalid_credentials",
        "insufficient_scope",
        "expired_token",
        "invalid_token",
        "access_denied",
        "invalid_request",
        "user_access_error",
        "authorization_error",
        "application_not_found",
        "payment_required",
        "wrong_auth_type",
        "method_confirm_waiting",
        "method_confirm_denied",
        "portal_deleted",
        "invalid_grant",
        "invalid_client",
        "connection_error",
    }
)
SERVER_CODES = frozenset({"internal_server_error", "error_unexpected_answer"})
_NOT_FOUND_RE = re.compile(r"\bnot\s+found\b", re.IGNORECASE)

_AUTH_HINTS = {  # the hint's message code
    "insufficient_scope": "bitrix.auth.hint.scope",
    "access_denied": "bitrix.auth.hint.plan",
    "invalid_request": "bitrix.auth.hint.https",
    "expired_token": "bitrix.auth.hint.expired",
}


def error_from_answer(
    code: str,
    description: str,
    *,
    http_status: int | None,
    method: str | None,
    reset_at: float | None = None,
) -> BitrixError:
    """The typed exception for an error envelope ``{"error": code, "error_description": description}``."""
    low = code.lower()
    what = method or "the call"
    text = f"{code}: {description}" if code and description else (code or description or "no description")
    status = f" (HTTP {http_status})" if http_status is not None else ""
    kw: dict[str, Any] = {
        "code": code,
        "description": description,
        "http_status": http_status,
        "method": method,
    }
    said = {"method": what, "text": text, "status": status}
    if low == "query_limit_exceeded":
        return RateLimited(
            Message("bitrix.rate_limited", said), hint=Message("bitrix.rate_limited.hint"), **kw
        )
    if low == "operation_time_limit":
        return OperationTimeLimit(
            Message("bitrix.operation_time_limit", said),
            reset_at=reset_at,
            hint=Message("bitrix.operation_time_limit.hint"),
            **kw,
        )
    if low == "overload_limit":
        return Overloaded(Message("bitrix.overloaded", said), hint=Message("bitrix.overloaded.hint"), **kw)
    if low in AUTH_CODES:
        return AuthError(
            Message("bitrix.auth", said), hint=Message(_AUTH_HINTS.get(low, "bitrix.auth.hint")), **kw
        )
    if low == "error_method_not_found":
        return MethodNotFound(Message("bitrix.method_not_found", said), **kw)
    if low in ("", "error_core", "not_found") and _NOT_FOUND_RE.search(description):
        return NotFound(Message("bitrix.not_found", {**said, "text": description or "Not found"}), **kw)
    if low in SERVER_CODES or (http_status is not None and http_status >= 500):
        return ServerError(Message("bitrix.server_error", said), **kw)
    return PortalError(Message("bitrix.refused", said), **kw)


__all__ = [
    "AuthError",
    "BadResponse",
    "BitrixError",
    "MethodNotFound",
    "NotFound",
    "OperationTimeLimit",
    "OutcomeUnknown",
    "Overloaded",
    "PortalError",
    "PortalMoved",
    "PortalUnreachable",
    "RateLimited",
    "ServerError",
    "TransportError",
    "error_from_answer",
]
