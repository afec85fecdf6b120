"""The Bitrix24 side: webhook URL, typed errors, client-side rate limiting and the async REST client."""

from bitrix_monitor.bitrix.client import (
    BatchResult,
    BitrixClient,
    CallResult,
    MergeResult,
    NotExecuted,
    ResponseTime,
    carries_origin,
    is_read,
)
from bitrix_monitor.bitrix.errors import (
    AuthError,
    BadResponse,
    BitrixError,
    MethodNotFound,
    NotFound,
    OperationTimeLimit,
    OutcomeUnknown,
    Overloaded,
    PortalError,
    PortalMoved,
    PortalUnreachable,
    RateLimited,
    ServerError,
    TransportError,
)
from bitrix_monitor.bitrix.ratelimit import PortalCost, RateBudget
from bitrix_monitor.bitrix.url import BadWebhookUrl, WebhookUrl

__all__ = [
    "AuthError",
    "BadResponse",
    "BadWebhookUrl",
    "BatchResult",
    "BitrixClient",
    "BitrixError",
    "CallResult",
    "MergeResult",
    "MethodNotFound",
    "NotExecuted",
    "NotFound",
    "OperationTimeLimit",
    "OutcomeUnknown",
    "Overloaded",
    "PortalCost",
    "PortalError",
    "PortalMoved",
    "PortalUnreachable",
    "RateBudget",
    "RateLimited",
    "ResponseTime",
    "ServerError",
    "TransportError",
    "WebhookUrl",
    "carries_origin",
    "is_read",
]
