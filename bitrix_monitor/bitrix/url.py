"""The inbound webhook URL: ``https://PORTAL/rest/USER_ID/SECRET/``.

The secret is the whole credential, so it is registered with the log redactor on parse and never shows in
``str()``/``repr()`` or in any error message.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.log import redact, register_secret
from bitrix_monitor.messages import Message


class BadWebhookUrl(UserFacingError):
    """The webhook URL is malformed. The message names what is wrong and never contains the secret."""


_EXAMPLE = Message("webhook.example")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_.~-]+$")


def is_loopback_host(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ``::1``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, repr=False)
class WebhookUrl:
    scheme: str
    netloc: str  # host[:port], lower-cased host
    user_id: int
    secret: str = field(compare=True)

    @classmethod
    def parse(cls, text: str) -> WebhookUrl:
        raw = text.strip()
        if not raw:
            raise BadWebhookUrl(Message("webhook.empty"), hint=_EXAMPLE)
        # Messages never echo the input: it may hold a valid secret in an invalid shape.
        if "://" not in raw:
            raise BadWebhookUrl(Message("webhook.no_scheme"), hint=_EXAMPLE)
        try:
            parts = urlsplit(raw)
            port = parts.port
        except ValueError:
            raise BadWebhookUrl(Message("webhook.invalid"), hint=_EXAMPLE) from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise BadWebhookUrl(Message("webhook.scheme", {"scheme": scheme[:10]}), hint=_EXAMPLE)
        if parts.username is not None or parts.password is not None:
            raise BadWebhookUrl(Message("webhook.userinfo"))
        host = (parts.hostname or "").lower()
        if not host:
            raise BadWebhookUrl(Message("webhook.no_host"), hint=_EXAMPLE)
        if scheme == "http" and not is_loopback_host(host):
            raise BadWebhookUrl(Message("webhook.http", {"host": host}), hint=Message("webhook.http.hint"))
        if parts.query or parts.fragment:
            raise BadWebhookUrl(Message("webhook.query", {"host": host}), hint=_EXAMPLE)
        segments = [s for s in parts.path.split("/") if s]
        if not segments or segments[0] != "rest":
            raise BadWebhookUrl(Message("webhook.no_rest", {"host": host}), hint=_EXAMPLE)
        if len(segments) < 2:
            raise BadWebhookUrl(Message("webhook.no_user", {"host": host}), hint=_EXAMPLE)
        if not (segments[1].isascii() and segments[1].isdigit()) or int(segments[1]) <= 0:
            raise BadWebhookUrl(
                Message("webhook.bad_user", {"host": host}),
                hint=_EXAMPLE,
            )
        if len(segments) < 3:
            raise BadWebhookUrl(Message("webhook.no_secret", {"host": host}), hint=_EXAMPLE)
        secret = segments[2]
        register_secret(secret)
        if not _SECRET_RE.match(secret):
            raise BadWebhookUrl(
                Message("webhook.bad_secret", {"host": host}),
                hint=_EXAMPLE,
            )
        if len(segments) > 3:
            raise BadWebhookUrl(Message("webhook.extra", {"host": host}), hint=Message("webhook.extra.hint"))
        netloc = host if ":" not in host else f"[{host}]"
        if port is not None:
            netloc = f"{netloc}:{port}"
        return cls(scheme=scheme, netloc=netloc, user_id=int(segments[1]), secret=secret)

    @property
    def portal_base(self) -> str:
        """``https://PORTAL`` -- for links to records in the portal's UI."""
        return f"{self.scheme}://{self.netloc}"

    @property
    def base(self) -> str:
        """The full URL with the secret; only for sending requests, never for display."""
        return f"{self.portal_base}/rest/{self.user_id}/{self.secret}/"

    @property
    def redacted(self) -> str:
        return f"{self.portal_base}/rest/{self.user_id}/***/"

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(urlsplit(self.portal_base).hostname or "")

    def method_url(self, method: str) -> str:
        return f"{self.base}{method}.json"

    def record_url(self, entity: str, record_id: int) -> str:
        """Link to a deal or contact in the portal's UI."""
        return f"{self.portal_base}/crm/{entity}/details/{record_id}/"

    def __str__(self) -> str:
        return self.redacted

    def __repr__(self) -> str:
        return f"WebhookUrl({self.redacted!r})"


def redact_url(url: str) -> str:
    """A URL fit for messages: webhook secrets and registered secrets hidden."""
    return redact(url)
