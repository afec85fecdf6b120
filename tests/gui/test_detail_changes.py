"""The detail pane shows who owns each field (which way it travels) and the last change on each side: the
shop's time, the portal's time and user (this app or a person) and a deal's last stage move, as the portal
says, and what pulling knows of a field the CRM may change."""

from __future__ import annotations

from datetime import UTC, datetime

from bitrix_monitor.gui.widgets import DetailPane
from bitrix_monitor.sync.api import FieldOwnership, RecordChanges
from bitrix_monitor.sync.model import FieldDiff, RecordState, RecordStatus


def _deal_record(modified_by: str) -> RecordStatus:
    portal = {
        "ID": "12", "TITLE": "Order #42", "STAGE_ID": "WON", "DATE_MODIFY": "2026-11-30T08:15:00+03:00",
        "MODIFY_BY_ID": modified_by, "MOVED_BY_ID": "7", "MOVED_TIME": "2026-11-30T08:10:00+03:00",
    }  # fmt: skip
    return RecordStatus(
        entity="order", key="42", label="Order #42", stored_id=12, portal_id=12,
        state=RecordState.CHANGED_IN_CRM,
        diffs=(FieldDiff("STAGE_ID", "EXECUTING", "WON"),),
        shop_values={"TITLE": "Order #42", "STAGE_ID": "EXECUTING"}, portal_values=portal,
    )  # fmt: skip


def test_owners_and_the_last_change_on_each_side(qtbot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_record(_deal_record(modified_by="7"))
    text = pane.toPlainText()
    assert "Stage moved in Bitrix24:" in text and "by user 7" in text
    assert "MOVED_BY_ID" not in text and "MODIFY_BY_ID" not in text  # said in words, not as table rows

    pane.show_changes(
        RecordChanges(
            (
                FieldOwnership(
                    "STAGE_ID",
                    "both",
                    agreed="EXECUTING",
                    pending="WON",
                    state="changed",
                    pending_at=datetime(2026, 11, 30, 5, 10, tzinfo=UTC),
                ),
            ),
            shop_changed_at=datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
            app_user=1,
        )
    )
    cells = [c.strip() for c in pane.toPlainText().splitlines()]
    stage = cells.index("Stage")
    assert cells[stage - 1 : stage + 4] == ["≠", "Stage", "EXECUTING", "WON", "both ways"]
    title = cells.index("Title")
    assert cells[title + 3] == "shop → Bitrix24"  # every field not listed is the shop's
    text = pane.toPlainText()
    assert "In the shop: 2026-11-29" in text
    assert "In Bitrix24:" in text and "by user 7" in text
    assert "Stage: Bitrix24 changed it to WON" in text and "not in the shop yet: changed in CRM" in text

    pane.show_record(_deal_record(modified_by="1"))  # written by the app's own webhook user
    pane.show_changes(RecordChanges((), None, app_user=1))
    text = pane.toPlainText()
    assert "by this app" in text
    assert "In the shop: the shop keeps no time of changes" in text


def test_a_user_id_the_portal_sends_as_a_digit_that_is_no_number_says_someone(qtbot) -> None:
    """``MODIFY_BY_ID`` is the portal's text: "²" passes ``isdigit`` but not ``int``, and used to raise when
    the pane compared it with the app's own user."""
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_record(_deal_record(modified_by="²"))
    pane.show_changes(RecordChanges((), None, app_user=1))
    text = pane.toPlainText()
    assert "In Bitrix24:" in text and "by someone" in text
