"""PHP bracket form encoding for batch command strings (``method?fields[TITLE]=x&select[0]=ID``).

Values are percent-encoded completely (``+`` becomes ``%2B``, or the portal's ``parse_str`` would read a
space). ``None`` and empty arrays are left out, as PHP's ``http_build_query`` does; booleans become ``1`` and
``0``. A value that is a batch reference (``$result[cmd][49][ID]``) keeps its ``$`` and brackets readable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

_REFERENCE_RE = re.compile(r"^\$(result|next|total|time|error)\[")
# What the portal substitutes anywhere in a batch command's values (case-insensitively): any text that holds
# it must not travel inside a batch unless it is one of our own references.
_SYNTAX_RE = re.compile(r"\$(result|next|total|time|error)", re.IGNORECASE)


class BatchRef(str):
    """A reference to an earlier command's result that the client itself puts in a batch on purpose."""

    __slots__ = ()


def carries_batch_syntax(value: Any) -> bool:
    """Whether ``value`` (a parameter, nested mappings and lists included, keys too) holds text the portal
    would substitute inside a batch, other than a :class:`BatchRef`. Such a command is sent on its own."""
    if isinstance(value, BatchRef):
        return False
    if isinstance(value, str):
        return _SYNTAX_RE.search(value) is not None
    if isinstance(value, Mapping):
        return any(carries_batch_syntax(str(k)) or carries_batch_syntax(v) for k, v in value.items())
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return any(carries_batch_syntax(v) for v in value)
    return False


def _encode_value(value: Any) -> str:
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    if isinstance(value, BatchRef) and _REFERENCE_RE.match(text):
        return quote(text, safe="$[]")
    return quote(text, safe="")


def _flatten(key: str, value: Any, out: list[str]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(f"{key}[{quote(str(k), safe='')}]", v, out)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        for i, v in enumerate(value):
            _flatten(f"{key}[{i}]", v, out)
    else:
        out.append(f"{key}={_encode_value(value)}")


def php_query(params: Mapping[str, Any]) -> str:
    """``http_build_query`` of a nested mapping, brackets left readable."""
    out: list[str] = []
    for k, v in params.items():
        _flatten(quote(str(k), safe=""), v, out)
    return "&".join(out)


def encode_command(method: str, params: Mapping[str, Any] | None) -> str:
    return f"{method}?{php_query(params or {})}"


def is_reference(value: object) -> bool:
    return isinstance(value, BatchRef) and bool(_REFERENCE_RE.match(value))
