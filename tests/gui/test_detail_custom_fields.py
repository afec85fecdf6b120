"""The detail pane shows mapped custom fields (``[shop.*.fields]``) beside the portal's values, and marks
the one that differs, as it does built-in fields."""

from __future__ import annotations

from decimal import Decimal

from bitrix_monitor.gui.widgets import DetailPane
from bitrix_monitor.shop import OrderRow
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.model import RecordState, RecordStatus


def test_detail_pane_marks_a_differing_custom_field(qtbot) -> None:
    order = OrderRow(
        key="7", user_key=None, deal_id=70, title="Order #7", amount=Decimal("10.00"), currency="RUB",
        stage=None, updated_at=None, raw={}, extra={"UF_CRM_SHOP_ID": "7", "COMMENTS": "leave at the door"},
    )  # fmt: skip
    deal = {"ID": "70", "TITLE": "Order #7", "OPPORTUNITY": "10.00", "CURRENCY_ID": "RUB",
            "UF_CRM_SHOP_ID": "7", "COMMENTS": "ring twice"}  # fmt: skip
    diffs = F.deal_diff(order, deal, contact_id=None)
    desired = F.deal_fields(order, originator="o", contact_id=None)
    record = RecordStatus(
        entity="order", key="7", label=order.title, stored_id=70, portal_id=70, state=RecordState.OUTDATED,
        diffs=tuple(diffs), shop_values=F.display_values(desired), portal_values=F.display_values(deal),
    )  # fmt: skip
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_record(record)
    cells = [c.strip() for c in pane.toPlainText().splitlines()]

    def row(name: str) -> list[str]:
        at = cells.index(name)
        return cells[at - 1 : at + 3]  # mark, field, shop, portal

    assert row("Comment") == ["≠", "Comment", "leave at the door", "ring twice"]  # COMMENTS, in words
    assert row("UF_CRM_SHOP_ID") == ["=", "UF_CRM_SHOP_ID", "7", "7"]  # the portal's own name for it
    assert "≠ marks the field that differs." in cells
