"""Amounts are ``Decimal`` cents from the shop to the portal and back, rounded half up as the portal's
``DECIMAL(18,2)`` stores them: ``4692.365`` is ``4692.37`` and ``372.005`` is ``372.01`` whether the shop
keeps them in a NUMERIC, a DOUBLE or a text column, on every engine."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.money import AmountError, format_amount, parse_amount
from bitrix_monitor.shop import OrderRow
from bitrix_monitor.sync.fields import deal_diff, deal_fields
from tests.sync.conftest import FAST_CONFIG, ORIGINATOR, Cli, make_shop


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        (4692.365, "4692.37"),  # binary 4692.36499…: through float it came out 4692.36
        (372.005, "372.01"),  # binary 372.00499…: through float it came out 372.00
        (Decimal("4692.365"), "4692.37"),
        ("372.005", "372.01"),
        (" 1234,50 ", "1234.50"),
        (-0.005, "-0.01"),
        (7, "7.00"),
        ("1E+3", "1000.00"),
        ("9999999999999999.99", "9999999999999999.99"),
    ],
)
def test_amounts_become_cents_half_up(value: object, cents: str) -> None:
    amount = parse_amount(value)
    assert isinstance(amount, Decimal)
    assert format_amount(amount) == cents


@pytest.mark.parametrize("value", [None, "", "   "])
def test_no_amount(value: object) -> None:
    assert parse_amount(value) is None


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("twelve", "'twelve' is not a number"),
        ("NaN", "'NaN' is not a finite number"),
        (float("inf"), "'inf' is not a finite number"),
        ("-Infinity", "is not a finite number"),
        ("1e20", "'1e20' is out of range"),
        (Decimal("10000000000000000"), "out of range"),
    ],
)
def test_amounts_the_portal_cannot_store_say_why(value: object, why: str) -> None:
    with pytest.raises(AmountError, match=why.replace("(", r"\(")):
        parse_amount(value)


def _order(amount: object) -> OrderRow:
    return OrderRow(
        key="1", user_key=None, deal_id=5, title="Order #1", amount=parse_amount(amount), currency="RUB",
        stage=None, updated_at=None, raw={},
    )  # fmt: skip


def test_deal_gets_the_amount_as_two_decimal_text() -> None:
    assert deal_fields(_order(4692.365), originator="x", contact_id=None)["OPPORTUNITY"] == "4692.37"


@pytest.mark.parametrize(
    ("shop", "portal", "differs"),
    [
        (4692.365, "4692.37", False),
        (4692.366, "4692.37", False),  # the same cents: nothing to send
        (4692.375, "4692.37", True),  # 4692.38
        (372.005, "372.00", True),  # what the float path used to store: now outdated, and fixed
        ("100", 100, False),  # a JSON number from the portal
        ("100", "100.00", False),
        ("100", "abc", True),
        ("100", None, True),
    ],
)
def test_outdated_is_decided_in_cents(shop: object, portal: object, differs: bool) -> None:
    diffs = deal_diff(_order(shop), {"TITLE": "Order #1", "OPPORTUNITY": portal}, contact_id=None)
    assert bool(diffs) is differs
    if differs:
        assert diffs[0].field == "OPPORTUNITY" and diffs[0].shop == format_amount(parse_amount(shop))  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("column", ["total_price", "amount_num", "amount_text"])
def test_rounding_cases_end_to_end(shop_url: str, tmp_path, column: str) -> None:  # type: ignore[no-untyped-def]
    """Against the emulator (which stores DECIMAL(18,2) half up on the decimal text it receives): a
    DOUBLE, a NUMERIC(18,3) and a text column each give 4692.37 and 372.01, and the next report finds
    them in sync (compared in cents)."""
    shop = make_shop(shop_url, orders=3, users=2)
    shop.execute("ALTER TABLE orders ADD amount_num NUMERIC(18,3)")
    shop.execute("ALTER TABLE orders ADD amount_text VARCHAR(40)")
    for key, value in (("1", "4692.365"), ("2", "372.005"), ("3", "10")):
        shop.execute(  # the NUMERIC gets an SQL decimal literal: exact where the engine has decimals
            f"UPDATE orders SET total_price = :f, amount_num = {value}, amount_text = :t WHERE order_id = :k",
            f=float(value), t=value, k=int(key),
        )  # fmt: skip
    config = FAST_CONFIG + f'\n[shop.orders]\namount = "{column}"\n'
    with PortalEmulator(limits="off", seed=1) as portal:
        cli = Cli(tmp_path / "d", shop.url, portal.webhook_url, config)
        run = cli.run("--sync", "--json")
        again = cli.run("--report", "--json")
        deals = {
            d["ORIGIN_ID"]: d["OPPORTUNITY"]
            for d in portal.store.all("deal")
            if d.get("ORIGINATOR_ID") == ORIGINATOR
        }
    assert run.returncode == 0, run.stderr
    assert deals == {"1": "4692.37", "2": "372.01", "3": "10.00"}
    report = json.loads(again.stdout.strip().splitlines()[-1])
    assert again.returncode == 0, again.stdout
    assert report["orders"]["in_sync"] == 3 and report["orders"]["outdated"] == 0


def test_an_amount_written_as_the_orders_cents_is_the_same_without_decimals_and_others_are_compared() -> None:
    """The shortcut for a deal's ``OPPORTUNITY`` written as the order's cents gives what comparing the two
    as amounts gives, for every shape the portal's text may take."""
    from bitrix_monitor.sync.fields import _portal_amount, _same_amount

    amounts = ["0", "0.00", "-0.00", "12.5", "12.50", "-12.50", "1234567.89", "0.01", "-0.01", "3.125"]
    texts = ["0.00", "0", "-0.00", "12.50", "12.5", "-12.50", "12.500", " 12.50", "1234567.89", "0.01"]
    texts += ["-0.01", "3.13", "3.125", "", "abc", "1e2", "100.00"]
    for amount in amounts:
        order = OrderRow(
            key="1", user_key=None, deal_id=5, title="Order #1", amount=Decimal(amount), currency="RUB",
            stage=None, updated_at=None, raw={},
        )  # fmt: skip
        assert (order.cents is None) == (amount in ("0", "-0.00", "12.5", "3.125"))  # held as the Decimal
        for text in [*texts, None, 12.5, 0]:
            assert _same_amount(order, text) == (_portal_amount(text) == order.amount), (amount, text)
