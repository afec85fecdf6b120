"""Amounts as the portal stores them: ``DECIMAL(18,2)``, rounded half up, never through binary floats.

Shop values come as ``Decimal`` (NUMERIC/DECIMAL columns), ``float`` (FLOAT/DOUBLE columns: read by their
shortest decimal text, the number the shop wrote) or text; portal values as ``"4692.37"`` strings or JSON
numbers. All of them become a ``Decimal`` with two places, the way the portal would store them
(``4692.365`` → ``4692.37``, ``372.005`` → ``372.01``); comparison is on those.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bitrix_monitor.messages import Message

CENTS = Decimal("0.01")
# DECIMAL(18,2): sixteen digits before the point.
LIMIT = Decimal("9999999999999999.99")


class AmountError(ValueError):
    """A value that is no amount the portal can store; ``msg`` says why, for a person (``str()``: in
    English)."""

    def __init__(self, msg: Message) -> None:
        self.msg = msg
        super().__init__(str(msg))


def parse_amount(value: object) -> Decimal | None:
    """The amount rounded to cents half up, or ``None`` for no amount (NULL, empty text).

    Raises :class:`AmountError` for text that is no number, NaN, infinities and amounts outside
    ``DECIMAL(18,2)``. Text may use a comma as the decimal separator (``"1234,50"``).
    """
    if value is None or isinstance(value, bool):
        return None
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
            raise AmountError(Message("amount.not_a_number", {"value": _shown(value)})) from None
    if not number.is_finite():
        raise AmountError(Message("amount.not_finite", {"value": _shown(value)}))
    if abs(number) > LIMIT:
        raise AmountError(Message("amount.out_of_range", {"value": _shown(value)}))
    return number.quantize(CENTS, rounding=ROUND_HALF_UP)


def _shown(value: object) -> str:
    """A value that is no amount, as an error quotes it (made only for the error: amounts are read by the
    million)."""
    return repr(str(value).strip()[:40])


def format_amount(amount: Decimal) -> str:
    """``"4692.37"``: two places, no exponent, as the portal writes amounts."""
    return f"{amount.quantize(CENTS, rounding=ROUND_HALF_UP):f}"


__all__ = ["CENTS", "LIMIT", "AmountError", "format_amount", "parse_amount"]
