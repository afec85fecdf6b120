"""``[shop.*.fields]`` on the sync side: the rendered values are sent on create and update, compared with
what the portal holds (as text, numbers as numbers), and read by the reconciler's select lists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bitrix_monitor.shop import OrderRow, UserRow
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.model import FieldDiff


def _order(**extra: str) -> OrderRow:
    return OrderRow(
        key="7", user_key="3", deal_id=70, title="Order #7", amount=Decimal("10.00"), currency="RUB",
        stage="NEW", updated_at=None, raw={}, extra=extra,
    )  # fmt: skip


def _user(**extra: str) -> UserRow:
    return UserRow(
        key="3", contact_id=30, name="Анна Иванова", first_name="Анна", last_name="Иванова", email=None,
        phone=None, updated_at=None, raw={}, extra=extra,
    )  # fmt: skip


def test_mapped_fields_are_sent_with_the_deal_and_the_contact() -> None:
    deal = F.deal_fields(_order(UF_CRM_SHOP_ID="7", COMMENTS="ring twice"), originator="o", contact_id=30)
    assert deal["UF_CRM_SHOP_ID"] == "7" and deal["COMMENTS"] == "ring twice"
    assert deal["TITLE"] == "Order #7" and deal["ORIGIN_ID"] == "7"
    contact = F.contact_fields(_user(UF_CRM_TIER="gold"), originator="o")
    assert contact["UF_CRM_TIER"] == "gold" and contact["NAME"] == "Анна"


def _deal(**fields: object) -> dict[str, object]:
    return {"ID": "70", "TITLE": "Order #7", "OPPORTUNITY": "10.00", "CURRENCY_ID": "RUB", "STAGE_ID": "NEW",
            "CONTACT_ID": "30", **fields}  # fmt: skip


def test_mapped_fields_are_compared_like_built_in_ones() -> None:
    order = _order(UF_CRM_SHOP_ID="7", COMMENTS="ring twice")
    assert F.deal_diff(order, _deal(UF_CRM_SHOP_ID="7", COMMENTS="ring twice"), contact_id=30) == []
    diffs = F.deal_diff(order, _deal(UF_CRM_SHOP_ID="7", COMMENTS="call first"), contact_id=30)
    assert diffs == [FieldDiff("COMMENTS", "ring twice", "call first")]
    # Unset on the portal: null from a list, "" from a get.
    assert F.deal_diff(order, _deal(UF_CRM_SHOP_ID=None, COMMENTS=""), contact_id=30) == [
        FieldDiff("UF_CRM_SHOP_ID", "7", None),
        FieldDiff("COMMENTS", "ring twice", ""),
    ]
    # A field the record was read without is not compared.
    assert F.deal_diff(order, _deal(), contact_id=30) == []
    user = _user(UF_CRM_TIER="gold")
    assert F.contact_diff(user, {"NAME": "Анна", "LAST_NAME": "Иванова", "UF_CRM_TIER": "silver"}) == [
        FieldDiff("UF_CRM_TIER", "gold", "silver")
    ]


def test_an_update_sends_the_differing_mapped_field() -> None:
    order = _order(COMMENTS="ring twice")
    current = _deal(COMMENTS="call first")
    desired = F.deal_fields(order, originator="o", contact_id=30)
    diffs = F.deal_diff(order, current, contact_id=30)
    assert F.update_fields_for("deal", desired, current, diffs) == {"COMMENTS": "ring twice"}


@pytest.mark.parametrize(
    ("shop", "portal", "same"),
    [
        ("5", "5", True),
        ("5", 5, True),
        ("5", "5.00", True),
        ("5.0", "5", True),
        (" text ", "text", True),
        ("", None, True),
        ("", "", True),
        ("4692.365", "4692.37", True),  # a double field rounds to its PRECISION (2) half up
        ("5.5", "6", True),  # … or to 0 places
        ("5.4", "6", False),
        ("4692.36", "4692.37", False),
        ("5", "6", False),
        ("abc", "ABC", False),
        ("7", None, False),
        ("", "x", False),
        ("1", ["1"], False),  # a multiple field: not supported
        ("NaN", "NaN", True),
        ("inf", "1e400", False),
    ],
)
def test_same_text(shop: str, portal: object, same: bool) -> None:
    assert F.same_text(shop, portal) is same


def test_select_lists_are_built_from_the_mapping() -> None:
    # What is compared, the mapped fields, then who changed the record last (for the detail pane).
    assert F.select_for("deal") == [*F.DEAL_SELECT, *F.WHO["deal"]]
    assert F.select_for("order", ["UF_CRM_SHOP_ID", "COMMENTS", "TITLE"]) == [
        *F.DEAL_SELECT,
        "UF_CRM_SHOP_ID",
        "COMMENTS",
        "MODIFY_BY_ID",
        "MOVED_BY_ID",
        "MOVED_TIME",
    ]
    assert F.select_for("contact", ["UF_CRM_TIER"]) == [*F.CONTACT_SELECT, "UF_CRM_TIER", "MODIFY_BY_ID"]
    assert F.select_for("company", ["UF_CRM_INN"]) == [*F.COMPANY_SELECT, "UF_CRM_INN", "MODIFY_BY_ID"]


def test_a_field_settable_only_on_create_is_refused() -> None:
    from bitrix_monitor.sync.custom_fields import MappedField, problem_of

    field = MappedField("orders", "UF_CRM_X", "comment", None, None)
    info = {"type": "string", "isReadOnly": False, "isImmutable": True, "isMultiple": False}
    assert (
        str(problem_of(field, info, "deal"))
        == "UF_CRM_X can be set only when the deal is made; the app also updates it"
    )
    assert problem_of(field, {**info, "isImmutable": False}, "deal") is None
    assert str(problem_of(field, None, "deal")) == "the portal has no deal field UF_CRM_X"
