"""How the emulated portal reads a method's parameters, and what a method returns.

The lookups follow ``CCrmRestHelper`` (``../shared/BITRIX24_API.md`` §13); :mod:`methods` and the method
modules beside it share them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bitrix_monitor.demo.emulator import php
from bitrix_monitor.demo.emulator.limits import Hit


@dataclass
class CallResult:
    result: Any
    total: int | None = None
    next: int | None = None


Handler = Callable[[dict[Any, Any], int, Hit], CallResult]


def resolve_param(params: dict[Any, Any], name: str) -> Any:
    """``CCrmRestHelper::resolveArrayParam``: an array parameter (``fields``, ``filter``, ``items``...) as
    given, UPPER, lower, Capitalized or ``ar``+Capitalized (``fields``, ``FIELDS``, ``Fields``,
    ``arFields``), with ``isset`` semantics (a null value counts as absent). Any other spelling is not found:
    None, which the callers treat as the empty array the portal defaults to."""
    lower = name.lower()
    for key in (name, name.upper(), lower, lower.capitalize(), "ar" + lower.capitalize()):
        if params.get(key) is not None:
            return params[key]
    return None


def resolve_scalar(params: dict[Any, Any], name: str) -> Any:
    """``CCrmRestHelper::resolveParam``: a scalar parameter (findbycomm ``type``) as given, lower, UPPER or
    Capitalized; no ``ar`` form."""
    lower = name.lower()
    for key in (name, lower, name.upper(), lower.capitalize()):
        if params.get(key) is not None:
            return params[key]
    return None


def resolve_multipart(params: dict[Any, Any], *parts: str) -> Any:
    """``CCrmRestProxyBase::resolveMultiPartParam``: a parameter named by parts (``entity``, ``type``) as
    ``ENTITY_TYPE``, ``entity_type``, ``EntityType`` or ``arEntityType``."""
    upper = "_".join(parts).upper()
    hungary = "".join(p[:1].upper() + p[1:] for p in parts)
    for key in (upper, upper.lower(), hungary, "ar" + hungary):
        if params.get(key) is not None:
            return params[key]
    return None


def resolve_id(params: dict[Any, Any]) -> int:
    """``CCrmRestHelper::resolveEntityID``: ``ID`` or ``id`` only (not ``Id``), cast with ``(int)``."""
    for key in ("ID", "id"):
        if params.get(key) is not None:
            return php.intval(params[key])
    return 0
