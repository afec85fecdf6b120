"""A portal record read by a full pass holds the shop row's own text where its values equal the row's: the
same values (nothing read changes), one object for both. (Each test has keys of its own: a record may also
share a value with the record made before it, see :mod:`bitrix_monitor.compact`.)"""

from __future__ import annotations

import json
from decimal import Decimal

from bitrix_monitor.compact import plain
from bitrix_monitor.shop import OrderRow, UserRow
from bitrix_monitor.sync.reconcile import SHARED, sharing_with


def _decoded(value: object) -> dict[str, object]:
    """What the client decodes: text objects of its own, none shared with the row's."""
    return json.loads(json.dumps(value))  # type: ignore[no-any-return]


def test_a_deal_equal_to_its_order_holds_the_order_key_and_title() -> None:
    order = OrderRow(
        key="".join(["7", "1"]), user_key="3", deal_id=70, title=" ".join(["Order", "#71"]),
        amount=Decimal("10.00"), currency="RUB", stage="NEW", updated_at=None, raw={},
    )  # fmt: skip
    deal = {
        "ID": "70",
        "TITLE": "Order #71",
        "ORIGIN_ID": "71",
        "ORIGINATOR_ID": "shop",
        "OPPORTUNITY": "10.00",
    }
    rec = sharing_with({order.key: order}, SHARED["deal"])(_decoded(deal))
    assert dict(rec) == {**deal, "ID": 70}
    assert rec["ORIGIN_ID"] is order.key and rec["TITLE"] is order.title and rec["ID"] is order.deal_id


def test_a_value_that_differs_stays_the_portals_and_a_stranger_is_left_as_read() -> None:
    order = OrderRow(
        key="81", user_key=None, deal_id=70, title="Order #81", amount=None, currency="RUB", stage=None,
        updated_at=None, raw={},
    )  # fmt: skip
    compact = sharing_with({order.key: order}, SHARED["deal"])
    edited = {"ID": "70", "TITLE": "Order #81 (edited)", "ORIGIN_ID": "81"}
    rec = compact(_decoded(edited))
    assert dict(rec) == {**edited, "ID": 70} and rec["ORIGIN_ID"] is order.key
    assert rec["TITLE"] is not order.title
    strangers = ({"ID": "5", "ORIGIN_ID": "82"}, {"ID": "6", "ORIGIN_ID": 81}, {"ID": "8", "ORIGIN_ID": None},
                 {"ID": "9", "ORIGIN_ID": ["81"]}, {"ID": "10"})  # fmt: skip
    for strange in strangers:
        assert dict(compact(_decoded(strange))) == {
            **strange,
            **({"ID": int(strange["ID"])} if "ID" in strange else {}),
        }


def test_a_contact_shares_names_e_mail_and_phone_with_its_user() -> None:
    user = UserRow(
        key="3", contact_id=30, name="Анна Иванова", first_name="Анна", last_name="Иванова",
        email="a@example.com", phone="+7 900 000-00-00", updated_at=None, raw={},
    )  # fmt: skip
    contact = {
        "ID": "30", "NAME": "Анна", "LAST_NAME": "Иванова", "ORIGIN_ID": "3",
        "EMAIL": [{"ID": "1", "VALUE_TYPE": "WORK", "VALUE": "a@example.com", "TYPE_ID": "EMAIL"},
                  {"ID": "2", "VALUE_TYPE": "HOME", "VALUE": "b@example.com", "TYPE_ID": "EMAIL"}],
        "PHONE": [{"ID": "3", "VALUE_TYPE": "WORK", "VALUE": "+7 900 000-00-00", "TYPE_ID": "PHONE"}, "odd"],
    }  # fmt: skip
    rec = sharing_with({user.key: user}, SHARED["contact"])(_decoded(contact))
    assert json.loads(json.dumps(plain(rec))) == {**contact, "ID": 30} and rec["ID"] is user.contact_id
    assert rec["NAME"] is user.first_name and rec["LAST_NAME"] is user.last_name
    assert rec["EMAIL"][0]["VALUE"] is user.email and rec["EMAIL"][1]["VALUE"] is not user.email
    assert rec["PHONE"][0]["VALUE"] is user.phone
    assert sharing_with({user.key: user}, SHARED["contact"])(rec) is rec  # held already: as it is


def test_a_record_read_by_a_full_pass_is_held_under_the_int_its_row_stores() -> None:
    from bitrix_monitor.compact import portal_record
    from bitrix_monitor.sync.reconcile import PortalView

    stored = int("".join(["7", "0", "0", "0", "1"]))  # an int object of its own (not a small int)
    order = OrderRow(
        key="91", user_key=None, deal_id=stored, title="Order #91", amount=None, currency="RUB", stage=None,
        updated_at=None, raw={},
    )  # fmt: skip
    other = OrderRow(
        key="92", user_key=None, deal_id=stored + 1, title="Order #92", amount=None, currency="RUB",
        stage=None, updated_at=None, raw={},
    )  # fmt: skip
    view = PortalView(rows={order.key: order, other.key: other})
    mine = {"ID": "70001", "ORIGIN_ID": "91", "ORIGINATOR_ID": "shop"}
    not_stored = {"ID": "70005", "ORIGIN_ID": "92", "ORIGINATOR_ID": "shop"}  # its row stores another id
    stranger = {"ID": "70009", "ORIGIN_ID": "93", "ORIGINATOR_ID": "shop"}  # no row has its origin id
    for rec in (mine, not_stored, stranger):
        view.put(portal_record(_decoded(rec)), "shop")
    held = {rid: rid for rid in view.by_id}
    assert held[stored] is stored and view.ours("91") == (stored,) and view.ours("91")[0] is stored
    assert set(view.by_id) == {70001, 70005, 70009} and dict(view.by_id[70005]) == {**not_stored, "ID": 70005}
    assert held[70005] is not other.deal_id
