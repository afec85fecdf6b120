"""Amounts (reference §14): DECIMAL(18,2) storage, half-up rounding on the decimal text, PHP float casting of
the input, two-decimal strings on the way out."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bitrix_monitor.demo.emulator import PortalEmulator
from tests.emulator.conftest import Call
from tests.emulator.helpers import ok


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        (4692.365, "4692.37"),  # binary 4692.36499…: rounded on the decimal text, not the double
        ("4692.365", "4692.37"),
        (372.005, "372.01"),
        ("372.005", "372.01"),
        (2.675, "2.68"),
        (-1.005, "-1.01"),  # half away from zero
        (1000000, "1000000.00"),
        ("10000", "10000.00"),
        (19999.99, "19999.99"),
        (0.1 + 0.2, "0.30"),
        ("1e3", "1000.00"),
        (" 12.5", "12.50"),
    ],
)
def test_amounts_are_stored_with_two_decimals_rounded_half_up(call: Call, sent: Any, stored: str) -> None:
    deal_id = ok(call("crm.deal.add", fields={"OPPORTUNITY": sent, "TAX_VALUE": sent}))
    row = ok(call("crm.deal.get", id=deal_id))
    assert (row["OPPORTUNITY"], row["TAX_VALUE"]) == (stored, stored)
    (listed,) = ok(call("crm.deal.list", filter={"ID": deal_id}, select=["OPPORTUNITY"]))
    assert listed["OPPORTUNITY"] == stored


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("1234,50", "1234.00"),  # a comma ends the number
        ("12abc", "12.00"),  # the leading number of any text
        ("abc", "0.00"),
        ("", "0.00"),
        ("-0.001", "0.00"),  # no negative zero in a DECIMAL
        ("1e400", "9999999999999999.99"),  # clamped to DECIMAL(18,2)
        (-(10**20), "-9999999999999999.99"),
    ],
)
def test_amount_input_is_cast_like_php_float(call: Call, sent: Any, stored: str) -> None:
    deal_id = ok(call("crm.deal.add", fields={"OPPORTUNITY": sent}))
    assert ok(call("crm.deal.get", id=deal_id))["OPPORTUNITY"] == stored


def test_amounts_default_to_zero_with_two_decimals(call: Call) -> None:
    row = ok(call("crm.deal.get", id=ok(call("crm.deal.add", fields={"TITLE": "no amount"}))))
    assert (row["OPPORTUNITY"], row["TAX_VALUE"]) == ("0.00", "0.00")


def test_update_rounds_the_same_way(call: Call, portal: PortalEmulator) -> None:
    deal_id = portal.store.add("deal", {"OPPORTUNITY": "1"})
    ok(call("crm.deal.update", id=deal_id, fields={"OPPORTUNITY": 372.005}))
    assert ok(call("crm.deal.get", id=deal_id))["OPPORTUNITY"] == "372.01"


def test_form_encoded_amounts_round_the_same_way(
    portal: PortalEmulator, http: httpx.Client, call: Call
) -> None:
    response = http.post(
        portal.webhook_url + "crm.deal.add",
        content="fields[OPPORTUNITY]=4692.365",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ok(call("crm.deal.get", id=ok(response)))["OPPORTUNITY"] == "4692.37"


def test_amount_filters_compare_numbers(call: Call, portal: PortalEmulator) -> None:
    small = portal.store.add("deal", {"OPPORTUNITY": 99.995})
    big = portal.store.add("deal", {"OPPORTUNITY": "1000"})
    rows = ok(call("crm.deal.list", filter={">=OPPORTUNITY": "100"}, select=["ID"]))
    assert [r["ID"] for r in rows] == [str(small), str(big)]
    rows = ok(call("crm.deal.list", filter={"OPPORTUNITY": "1000.00"}, select=["ID"]))
    assert [r["ID"] for r in rows] == [str(big)]
