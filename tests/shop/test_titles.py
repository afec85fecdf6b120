"""An order's title template made into a function once (shop.database._titler): the ways written out for
the usual templates make what the general way makes."""

from __future__ import annotations

import pytest

from bitrix_monitor.shop.database import _titler

VALUES = (5, None, "x", 7, " pad ")


def _general(parts: tuple[tuple[str, int | None], ...], v: tuple[object, ...]) -> str:
    return "".join(t if i is None or v[i] is None else t + str(v[i]) for t, i in parts).strip()


@pytest.mark.parametrize(
    "parts",
    [
        (("Order #", 0),),
        (("Order #", 1),),  # NULL: the text alone
        (("Order #", 0), (" - ", 3)),
        (("Order #", 0), (" - ", 1)),
        (("", 4), (" ", 4)),  # stripped at the ends only
        (("A ", None), ("B", 0)),
        (("  ", 0), (" ", 1), ("z ", 2)),
        (("fixed ", None),),
    ],
)
def test_a_template_made_into_a_function_makes_what_the_general_way_makes(
    parts: tuple[tuple[str, int | None], ...],
) -> None:
    assert _titler(parts)(VALUES) == _general(parts, VALUES)
