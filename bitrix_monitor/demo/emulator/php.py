"""PHP semantics the portal's wire behaviour depends on.

A Bitrix24 portal is PHP: its parameters are PHP arrays built by ``parse_str`` (bracket syntax) or
``json_decode``, and its answers are ``json_encode``-d PHP arrays. This module reproduces the parts that
a client can observe:

* PHP arrays are represented here as ``dict`` with *normalised keys*: a key that is a canonical decimal
  integer (``"0"``, ``"42"``, ``"-3"`` but not ``"007"``) is an ``int``, any other key a ``str``.
  :func:`from_json` turns decoded JSON into that form (lists become ``{0: .., 1: ..}``).
* :func:`to_json` is ``json_encode``'s list-versus-object rule: keys ``0..n-1`` in order give a JSON list,
  anything else an object; an empty array is ``[]``.
* :func:`parse_str` is PHP's ``parse_str`` (``+`` is a space, ``a[b][]=x`` nests, ``.`` and space in the
  top-level name become ``_``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import unquote_plus

PhpKey = int | str
PhpArray = dict[PhpKey, Any]

_INT_KEY_RE = re.compile(r"-?[1-9][0-9]*|0")
_INT64_MAX = 2**63 - 1
_MAX_NESTING = 64


def php_key(key: Any) -> PhpKey:
    """Normalise an array key the way PHP does."""
    if isinstance(key, bool):
        return int(key)
    if isinstance(key, int):
        return key
    if isinstance(key, float):
        return int(key)
    text = str(key)
    if _INT_KEY_RE.fullmatch(text) and -_INT64_MAX - 1 <= int(text) <= _INT64_MAX:
        return int(text)
    return text


def from_json(value: Any) -> Any:
    """Decoded JSON → PHP values (``json_decode($body, true)``): every array becomes a key-normalised dict."""
    if isinstance(value, dict):
        return {php_key(k): from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return {i: from_json(v) for i, v in enumerate(value)}
    return value


def to_json(value: Any) -> Any:
    """PHP values → JSON-ready values (``json_encode``): sequential arrays become lists."""
    if isinstance(value, dict):
        keys = list(value)
        if all(type(k) is int and k == i for i, k in enumerate(keys)):
            return [to_json(v) for v in value.values()]
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def is_array(value: Any) -> bool:
    return isinstance(value, dict | list)


def values_of(value: Any) -> list[Any]:
    """The values of a PHP array (or JSON list); ``[]`` for a scalar."""
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def truthy(value: Any) -> bool:
    """PHP truthiness: ``"0"``, ``""``, ``0``, ``0.0``, ``false``, ``null`` and ``[]`` are false."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return value not in ("", "0")
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, dict | list):
        return len(value) > 0
    return True


_INTVAL_RE = re.compile(r"\s*([+-]?\d+)")
_FLOATVAL_RE = re.compile(r"\s*([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)")


def intval(value: Any) -> int:
    """PHP ``intval``: leading integer of a string, 0 when there is none."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    if isinstance(value, str):
        m = _INTVAL_RE.match(value)
        return int(m.group(1)) if m else 0
    return 1 if isinstance(value, dict | list) and value else 0


def floatval(value: Any) -> float:
    """PHP ``floatval``: leading number of a string, 0.0 when there is none."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value) if math.isfinite(float(value)) else 0.0
    if isinstance(value, str):
        m = _FLOATVAL_RE.match(value)
        return float(m.group(1)) if m else 0.0
    return 0.0


_NUMERIC_RE = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")


def is_numeric(value: Any) -> bool:
    """PHP ``is_numeric`` (for ints, floats and numeric strings)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and _NUMERIC_RE.fullmatch(value) is not None


def to_string(value: Any) -> str:
    """PHP string conversion of a scalar (``true`` → ``"1"``, ``null``/``false`` → ``""``)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


# --------------------------------------------------------------------------------------- parse_str


def _next_index(arr: PhpArray) -> int:
    ints = [k for k in arr if isinstance(k, int)]
    return max(max(ints) + 1, 0) if ints else 0


def _split_name(name: str) -> tuple[str, list[str | None]] | None:
    """``fields[PHONE][0][VALUE]`` → (``fields``, [``PHONE``, ``0``, ``VALUE``]); ``[]`` gives ``None``."""
    name = name.lstrip(" ")
    bracket = name.find("[")
    base = name if bracket < 0 else name[:bracket]
    indexes: list[str | None] = []
    if bracket >= 0:
        pos = bracket
        while pos < len(name) and name[pos] == "[":
            close = name.find("]", pos + 1)
            if close < 0:
                if not indexes:  # an unmatched first '[' is part of the name (as '_')
                    base = name[:pos] + "_" + name[pos + 1 :]
                break
            inner = name[pos + 1 : close]
            indexes.append(inner if inner != "" else None)
            pos = close + 1
            if len(indexes) >= _MAX_NESTING:
                break
    base = base.replace(".", "_").replace(" ", "_")
    if base == "":
        return None
    return base, indexes


def assign(target: PhpArray, name: str, value: Any) -> None:
    """Register one ``name=value`` pair into ``target`` the way PHP builds ``$_GET``/``$_POST``."""
    split = _split_name(name)
    if split is None:
        return
    base, indexes = split
    if not indexes:
        target[php_key(base)] = value
        return
    node = target
    key: PhpKey = php_key(base)
    for index in indexes:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
        key = _next_index(node) if index is None else php_key(index)
    node[key] = value


def parse_pairs(pairs: Iterable[tuple[str, Any]]) -> PhpArray:
    result: PhpArray = {}
    for name, value in pairs:
        assign(result, name, value)
    return result


def parse_str(query: str) -> PhpArray:
    """PHP ``parse_str``: ``a=1&b[]=2&c[x][y]=3`` → ``{"a": "1", "b": {0: "2"}, "c": {"x": {"y": "3"}}}``."""
    pairs: list[tuple[str, Any]] = []
    for part in query.split("&"):
        if part == "":
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote_plus(name), unquote_plus(value)))
    return parse_pairs(pairs)


def parse_multipart(content_type: str, body: bytes) -> PhpArray:
    """The form fields of a ``multipart/form-data`` body (uploaded files are not parameters in PHP)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    pairs: list[tuple[str, Any]] = []
    if not message.is_multipart():
        return {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_param("filename", header="content-disposition"):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        pairs.append((name, data.decode("utf-8", "replace")))
    return parse_pairs(pairs)
