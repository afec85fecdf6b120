"""Which shop status a stage moved in the CRM becomes, and who owns the stage (``[shop.orders]``)."""

from __future__ import annotations

from bitrix_monitor.config import OrdersMapping, from_dict


def _orders(**section: object) -> OrdersMapping:
    orders: OrdersMapping = from_dict({"shop": {"orders": section}}).shop.orders
    return orders


def test_without_a_stage_map_the_stage_is_the_status() -> None:
    orders = _orders()
    assert orders.status_for("WON") == "WON"
    assert orders.stage_owner == "both"


def test_the_stage_map_is_inverted_where_one_to_one_and_nothing_is_guessed() -> None:
    orders = _orders(stage_map={"new": "NEW", "done": "WON", "completed": "WON"})
    assert orders.status_for("NEW") == "new"
    assert orders.status_for("WON") is None  # two statuses: say which
    assert orders.status_for("LOSE") is None  # no status at all


def test_stage_map_back_says_what_the_inversion_cannot() -> None:
    orders = _orders(
        stage_map={"new": "NEW", "done": "WON", "completed": "WON"},
        stage_map_back={"WON": "completed"},
        owners={"STAGE_ID": "crm"},
    )
    assert orders.status_for("WON") == "completed"
    assert orders.stage_owner == "crm"
