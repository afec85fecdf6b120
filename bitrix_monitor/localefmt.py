"""Numbers, money and times as a language writes them, without Qt (the core and the headless report use
this; the window too, so both write the same): ``1 234,56 ₽`` in Russian, ``₽1,234.56`` in English.

The results match Qt's ``QLocale("ru")`` / ``QLocale("en")`` (a GUI test compares them), but amounts stay
``Decimal`` all the way (QLocale would take a double). Times are instants shown in this machine's zone,
with the zone named: ``30.11.2026 07:47:00 MSK``; English keeps the unambiguous ISO order
(``2026-11-30 07:47:00 MSK``) rather than the US ``11/30/26``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NBSP = "\u00a0"
_GROUP = {"ru": NBSP, "en": ","}
_POINT = {"ru": ",", "en": "."}
SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "UAH": "₴", "BYN": "Br"}


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def integer(n: int, lang: str) -> str:
    """``1234567`` → ``1 234 567`` (ru, no-break spaces) / ``1,234,567`` (en)."""
    body = _group(str(abs(n)), _GROUP.get(lang, ","))
    return f"-{body}" if n < 0 else body


def decimal(value: Decimal | int | str, lang: str, places: int = 2) -> str:
    """A number with ``places`` decimals, rounded half up: ``1234.5`` → ``1 234,50`` / ``1,234.50``."""
    number = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, frac = f"{abs(number):f}".partition(".")
    body = _group(whole, _GROUP.get(lang, ","))
    return sign + (body + _POINT.get(lang, ".") + frac if places else body)


def money(value: Decimal | int | str, currency: str, lang: str) -> str:
    """An amount with its currency as the language writes it: ``1 234,56 ₽`` / ``₽1,234.56``.
    A value that is no number is returned as it is."""
    try:
        body = decimal(value, lang).lstrip("-")
        negative = Decimal(value) < 0
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    code = (currency or "").strip().upper()
    symbol = SYMBOLS.get(code, code)
    if lang == "ru":
        text = f"{body}{NBSP}{symbol}" if symbol else body
        return f"-{text}" if negative else text
    text = (f"{symbol}{body}" if len(symbol) <= 2 else f"{symbol}{NBSP}{body}") if symbol else body
    return f"({text})" if negative else text


def local(value: datetime) -> datetime:
    """An instant (aware; naive values are taken as this machine's wall time) in this machine's zone."""
    return value.astimezone()


def clock(t: datetime) -> str:
    """``07:47:00 MSK`` (``t`` already local)."""
    return f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} {t.tzname() or ''}".strip()


def moment(value: datetime | None, lang: str, *, date: bool = True) -> str:
    """An instant in this machine's local time with the zone named; ``""`` for none."""
    if not value:
        return ""
    t = local(value)
    if not date:
        return clock(t)
    if lang == "ru":
        return f"{t.day:02d}.{t.month:02d}.{t.year:04d} {clock(t)}"
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {clock(t)}"
