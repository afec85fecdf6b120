"""Stage history, DATE_MODIFY/MODIFY_BY_ID and the portal's time zone (reference §15, §16), over HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bitrix_monitor.demo.emulator import PortalEmulator, PortalStore
from bitrix_monitor.demo.emulator import fields as emu_fields
from tests.emulator.conftest import Call
from tests.emulator.helpers import error, ok

MANAGER = 7


def _history(call: Call, **params: object) -> list[dict[str, object]]:
    answer = ok(call("crm.stagehistory.list", entityTypeId=2, **params))
    assert isinstance(answer, dict)
    items = answer["items"]
    assert isinstance(items, list)
    return items


def test_every_creation_and_stage_move_is_a_row_with_the_portals_offset(
    call: Call, portal: PortalEmulator
) -> None:
    deal = ok(call("crm.deal.add", fields={"TITLE": "A"}))
    ok(call("crm.deal.update", id=deal, fields={"STAGE_ID": "PREPARATION"}))
    ok(call("crm.deal.update", id=deal, fields={"TITLE": "no stage change"}))
    portal.store.update("deal", deal, {"STAGE_ID": "WON"}, as_user=MANAGER)
    rows = _history(call, order={"ID": "ASC"})
    assert [(r["TYPE_ID"], r["OWNER_ID"], r["STAGE_ID"]) for r in rows] == [
        (1, deal, "NEW"),
        (2, deal, "PREPARATION"),
        (3, deal, "WON"),
    ]
    assert rows[2]["STAGE_SEMANTIC_ID"] == "S" and rows[2]["CATEGORY_ID"] == 0
    for row in rows:
        assert isinstance(row["ID"], int)
        assert str(row["CREATED_TIME"]).endswith("+03:00")
        assert datetime.fromisoformat(str(row["CREATED_TIME"])).utcoffset() is not None


def test_cursor_filter_order_select_and_paging(call: Call) -> None:
    deals = [ok(call("crm.deal.add", fields={"TITLE": f"D{i}"})) for i in range(60)]
    rows = _history(call, filter={">ID": 5}, order={"ID": "asc"}, select=["OWNER_ID", "NOPE"], start=-1)
    assert len(rows) == 50 and rows[0] == {"ID": 6, "OWNER_ID": deals[5]}
    answer = call("crm.stagehistory.list", entityTypeId=2, order={"ID": "DESC"}).json()
    assert answer["total"] == 60 and answer["next"] == 50
    assert answer["result"]["items"][0]["ID"] == 60
    last = call("crm.stagehistory.list", entityTypeId=2, order={"ID": "DESC"}, start=50).json()
    assert len(last["result"]["items"]) == 10 and "next" not in last
    assert "total" not in call("crm.stagehistory.list", entityTypeId=2, start=-1).json()
    assert _history(call, filter={"@OWNER_ID": deals[:2]}, order={"ID": "ASC"})[1]["OWNER_ID"] == deals[1]


def test_bad_filters_are_refused_as_the_portal_refuses_them(call: Call) -> None:
    bad = error(call("crm.stagehistory.list", entityTypeId=2, filter={"TITLE": "x"}), 400)
    assert bad["error"] == "INVALID_ARG_VALUE" and "'TITLE' is not allowed" in bad["error_description"]
    bad = error(call("crm.stagehistory.list", entityTypeId=2, filter={">CREATED_TIME": "soon"}), 400)
    assert bad["error"] == "WRONG_DATETIME_FORMAT"
    assert error(call("crm.stagehistory.list", entityTypeId=3), 400)["error"] == "ENTITY_TYPE_NOT_SUPPORTED"
    assert "entityTypeId" in error(call("crm.stagehistory.list"), 400)["error_description"]


def test_deleting_a_deal_deletes_its_rows(call: Call) -> None:
    keep = ok(call("crm.deal.add", fields={"TITLE": "keep"}))
    gone = ok(call("crm.deal.add", fields={"TITLE": "gone"}))
    ok(call("crm.deal.delete", id=gone))
    assert [r["OWNER_ID"] for r in _history(call, order={"ID": "ASC"})] == [keep]


def test_modify_by_names_the_webhook_user_or_the_person(call: Call, portal: PortalEmulator) -> None:
    deal = ok(call("crm.deal.add", fields={"TITLE": "A"}))
    webhook_user = ok(call("profile"))["ID"]
    got = ok(call("crm.deal.get", id=deal))
    assert got["MODIFY_BY_ID"] == str(webhook_user) and got["DATE_MODIFY"].endswith("+03:00")
    portal.store.update("deal", deal, {"STAGE_ID": "EXECUTING"}, as_user=MANAGER)
    got = ok(call("crm.deal.get", id=deal))
    assert got["MODIFY_BY_ID"] == str(MANAGER) and got["MOVED_BY_ID"] == str(MANAGER)
    assert ok(call("crm.deal.list", filter={"MODIFY_BY_ID": MANAGER}, select=["ID"])) == [{"ID": str(deal)}]


def test_history_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "portal.sqlite"
    store = PortalStore(state)
    deal = store.add("deal", {"TITLE": "A"})
    store.update("deal", deal, {"STAGE_ID": "WON"}, as_user=MANAGER)
    store.close()
    again = PortalStore(state)
    assert [r["STAGE_ID"] for r in again.history.query({}, {"ID": "ASC"}, None)] == ["NEW", "WON"]
    again.close()


@pytest.fixture
def restore_zone() -> Iterator[None]:
    before = emu_fields.PORTAL_TZ
    yield
    emu_fields.PORTAL_TZ = before


@pytest.mark.usefixtures("restore_zone")
def test_another_zone_shows_in_every_datetime(call: Call) -> None:
    emu_fields.set_portal_timezone("-05:00")
    deal = ok(call("crm.deal.add", fields={"TITLE": "A"}))
    assert ok(call("crm.deal.get", id=deal))["DATE_MODIFY"].endswith("-05:00")
    assert str(_history(call)[0]["CREATED_TIME"]).endswith("-05:00")
    assert str(ok(call("server.time"))).endswith("-05:00")
    with pytest.raises(ValueError, match="use an offset"):
        emu_fields.set_portal_timezone("Mars/Olympus")


def test_timezone_option_is_checked() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bitrix_monitor", "--emulate-portal", "--timezone", "+99:00"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--timezone" in done.stderr and "use an offset" in done.stderr
