"""Amounts as the portal stores them: ``DECIMAL(18,2)``, rounded half up, never through binary floats.

Shop values come as ``Decimal`` (NUMERIC/DECIMAL columns), ``float`` (FLOAT/DOUBLE columns: read by their
shortest decimal text, the number the shop wrote) or text; portal values as ``"4692.37"`` strings or JSON
numbers. All of them become a ``Decimal`` with two places, the way the portal would store them
(``4692.365`` → ``4692.37``, ``372.005`` → ``372.01``); comparison is on those.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENTS = Decimal("0.01")
# DECIMAL(18,2): sixteen digits before the point.
LIMIT = Decimal("9999999999999999.99")


class AmountError(ValueError):
    """A value that is no amount the portal can store; the message says why, for a person."""


def parse_amount(value: object) -> Decimal | None:
    """The amount rounded to cents half up, or ``None`` for no amount (NULL, empty text).

    Raises :class:`AmountError` for text that is no number, NaN, infinities and amounts outside
    ``DECIMAL(18,2)``. Text may use a comma as the decimal separator (``"1234,50"``).
    """
    if value is None or isinstance(value, bool):
        return None
    shown = str(value).strip()[:40]
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest text that reads back as this float: what was written
    else:
        text = str(value).strip().replace(",", ".")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise AmountError(f"amount {shown!r} is not a number") from None
    if not number.is_finite():
        raise AmountError(f"amount {shown!r} is not a finite number")
    if abs(number) > LIMIT:
        raise AmountError(f"amount {shown!r} is out of range (at most 16 digits before the point)")
    return number.quantize(CENTS, rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal) -> str:
    """``"4692.37"``: two places, no exponent, as the portal writes amounts."""
    return f"{amount.quantize(CENTS, rounding=ROUND_HALF_UP):f}"


__all__ = ["CENTS", "LIMIT", "AmountError", "format_amount", "parse_amount"]
