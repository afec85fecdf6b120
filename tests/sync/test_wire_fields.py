"""Wire fidelity: every field the app sends, selects or offers to pull is one the portal's entity has.

A field the portal does not have is dropped without a word (reference §3.8: a contact has no
``COMPANY_TITLE``; a lead has), so the shop's value never arrives and nobody is told. The portal's own
answer to ``crm.<entity>.fields`` is the judge here, asked over HTTP as any client would.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.shop import CompanyRow, OrderRow, ShopRow, UserRow
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.service import PREVIEW_FIELDS

AT = datetime(2026, 1, 2, tzinfo=UTC)
ORIGINATOR = "bitrix-monitor-test"
# [shop.*.fields] of each kind: a standard field and a custom one (made on the portal first).
EXTRA = {
    "deal": {"COMMENTS": "ring twice", "UF_CRM_SHOP_ID": "5"},
    "contact": {"POST": "buyer", "UF_CRM_LOYALTY": "gold"},
    "company": {"BANKING_DETAILS": "IBAN 1", "UF_CRM_VAT": "DE123"},
}
SECTION = {"deal": "orders", "contact": "users", "company": "companies"}


@pytest.fixture
def portal_fields() -> Iterator[dict[str, set[str]]]:
    """Each CRM kind's field names as ``crm.<entity>.fields`` lists them, the custom fields defined."""
    with PortalEmulator(limits="off", seed=1) as portal, httpx.Client(timeout=10) as http:

        def call(method: str, **params: Any) -> Any:
            answer = http.post(portal.webhook_url + method, json=params)
            assert answer.status_code == 200, answer.text
            return answer.json()["result"]

        for entity, extra in EXTRA.items():
            for name in (n for n in extra if n.startswith("UF_CRM_")):
                field = {"FIELD_NAME": name.removeprefix("UF_CRM_"), "USER_TYPE_ID": "string"}
                call(f"crm.{entity}.userfield.add", fields=field)
        yield {entity: set(call(f"crm.{entity}.fields")) for entity in EXTRA}


def _rows() -> dict[str, ShopRow]:
    """One row of each kind with every optional input filled."""
    order = OrderRow(
        "5", "7", 17, "Order #5", Decimal("12.50"), "RUB", "WON", AT, {"order_id": 5}, extra=EXTRA["deal"]
    )
    user = UserRow(
        "7", 30, "Анна Петрова", "Анна", "Петрова", "a@example.com", "+7 900 000-00-00", AT, {"id": 7},
        company_key="2", extra=EXTRA["contact"],
    )  # fmt: skip
    company = CompanyRow(
        "2", 40, "ООО Ромашка", "info@example.com", "+7 900 111-11-11", AT, {"id": 2}, extra=EXTRA["company"]
    )
    return {"deal": order, "contact": user, "company": company}


REFS = F.Refs(contact_id=30, company_id=40)


def _elsewhere(entity: str) -> dict[str, Any]:
    """A portal record of this kind that differs from the row in every field the app reads (and carries no
    origin ids: an update stamps them too)."""
    record: dict[str, Any] = {name: "something else" for name in F.select_for(entity, EXTRA[entity])}
    record |= {"ID": "1", "CATEGORY_ID": "3", "CONTACT_ID": "99", "COMPANY_ID": "98", "ORIGINATOR_ID": None}
    record |= {"ORIGIN_ID": None, "OPPORTUNITY": "1.00"}
    for multi in ("EMAIL", "PHONE"):
        record[multi] = [{"ID": "11", "VALUE_TYPE": "WORK", "VALUE": "other", "TYPE_ID": multi}]
    return record


def _sent(entity: str, row: ShopRow) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """What the app sends for the row: the create, the update of a record that differs in everything, and
    the update that stamps and aligns a record it adopts (the whole desired record)."""
    desired = F.desired(row, originator=ORIGINATOR, refs=REFS, category=3)
    yield "add", desired
    current = _elsewhere(entity)
    diffs = F.diff(row, current, refs=REFS, category=3)
    diffs += F.origin_diff(current, originator=ORIGINATOR, key=row.key)
    update = F.update_fields_for(entity, desired, current, diffs, {"EMAIL": "other", "PHONE": "other"})
    assert {d.field for d in diffs} <= update.keys() | {"CATEGORY_ID"}  # the pipeline is reported, not moved
    yield "update", update
    yield "adopt", desired


def _mapping(section: str) -> config.OrdersMapping | config.UsersMapping | config.CompaniesMapping:
    """The section's mapping as the default config has it, with every optional column mapped."""
    crm = {v: k for k, v in SECTION.items()}[section]
    extra = {name: "col" for name in EXTRA[crm]}
    if section == "orders":
        return config.OrdersMapping(fields=extra, currency_column="currency")
    if section == "users":
        names = {"first_name": "first", "last_name": "last"}
        return config.UsersMapping(**names, company_ref="company_id", fields=extra)
    return config.CompaniesMapping(table="companies", email="email", phone="phone", fields=extra)


def _unknown(names: Any, known: set[str]) -> list[str]:
    return sorted(n for n in names if n not in known and n != "*" and not n.startswith("UF_*"))


@pytest.mark.parametrize("entity", ["deal", "contact", "company"])
def test_every_field_sent_on_add_and_update_is_one_the_portal_has(
    portal_fields: dict[str, set[str]], entity: str
) -> None:
    row = _rows()[entity]
    for how, sent in _sent(entity, row):
        assert sent, how
        assert _unknown(sent, portal_fields[entity]) == [], f"{how} of a {entity}"


@pytest.mark.parametrize("entity", ["deal", "contact", "company"])
def test_every_field_selected_or_pulled_is_one_the_portal_has(
    portal_fields: dict[str, set[str]], entity: str
) -> None:
    known = portal_fields[entity]
    assert _unknown(F.select_for(entity, EXTRA[entity]), known) == []
    assert _unknown(PREVIEW_FIELDS[entity], known) == []
    pullable = config.pullable_fields(SECTION[entity], _mapping(SECTION[entity]))
    assert _unknown(pullable, known) == []
    assert set(EXTRA[entity]) <= pullable.keys()  # the mapping above maps what it means to


def test_a_contact_never_carries_a_company_name() -> None:
    """The company travels as a binding (``COMPANY_ID``), never as text the portal would drop."""
    user = _rows()["contact"]
    assert isinstance(user, UserRow)
    desired = F.desired(user, originator=ORIGINATOR, refs=REFS)
    assert "COMPANY_TITLE" not in desired and desired["COMPANY_ID"] == 40
    assert "COMPANY_TITLE" not in F.CONTACT_SELECT
