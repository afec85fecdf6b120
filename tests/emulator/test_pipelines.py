"""Deal pipelines and stages as a real portal has them (reference §10): ``crm.category.*``,
``crm.dealcategory.*``, ``crm.status.list`` per stage directory, and what happens to a deal given a stage
of another pipeline (swapped on add, ignored on update)."""

from __future__ import annotations

from pathlib import Path

from bitrix_monitor.demo.emulator import PortalEmulator, PortalStore
from tests.emulator.conftest import Call
from tests.emulator.helpers import error, ok

DEFAULT_STAGES = ["NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE",
                  "APOLOGY"]  # fmt: skip


def test_category_list_wraps_categories_and_the_default_has_no_origin_keys(
    call: Call, portal: PortalEmulator
) -> None:
    assert ok(call("crm.category.add", entityTypeId=2, fields={"name": "Shop", "sort": 200})) == {
        "category": {
            "id": 1,
            "name": "Shop",
            "sort": 200,
            "entityTypeId": 2,
            "isDefault": "N",
            "originId": "",
            "originatorId": "",
        }
    }
    answer = call("crm.category.list", entityTypeId=2).json()
    assert answer["total"] == 2 and "next" not in answer
    default, shop = sorted(answer["result"]["categories"], key=lambda c: c["id"])
    assert default == {"id": 0, "name": "General", "sort": 500, "entityTypeId": 2, "isDefault": "Y"}
    assert shop["id"] == 1 and shop["originId"] == ""
    # Rows come in sort order: pipeline 1 (sort 200) before the default one (sort 500).
    assert [c["id"] for c in answer["result"]["categories"]] == [1, 0]
    assert ok(call("crm.category.get", entityTypeId=2, id=1))["category"]["name"] == "Shop"
    assert error(call("crm.category.get", entityTypeId=2, id=7), 400)["error"] == "NOT_FOUND"
    missing = error(call("crm.category.list"), 400)
    assert missing["error_description"] == "Could not find value for parameter {entityTypeId}"
    # An engine method: the parameter name is exact.
    assert "entityTypeId" in error(call("crm.category.list", entitytypeid=2), 400)["error_description"]
    assert error(call("crm.category.list", entityTypeId=3), 400)["error"] == "ENTITY_TYPE_NOT_SUPPORTED"


def test_status_list_per_directory_returns_the_real_row_shape(call: Call, portal: PortalEmulator) -> None:
    portal.store.add_pipeline("Shop")
    rows = ok(call("crm.status.list", filter={"ENTITY_ID": "DEAL_STAGE"}, order={"SORT": "ASC"}))
    assert [r["STATUS_ID"] for r in rows] == DEFAULT_STAGES
    new = rows[0]
    assert set(new) == {"ID", "ENTITY_ID", "STATUS_ID", "NAME", "NAME_INIT", "SORT", "SYSTEM", "CATEGORY_ID",
                        "COLOR", "SEMANTICS", "EXTRA"}  # fmt: skip
    assert (new["ENTITY_ID"], new["SORT"], new["CATEGORY_ID"], new["SEMANTICS"]) == (
        "DEAL_STAGE",
        "10",
        None,
        None,
    )
    assert new["EXTRA"]["SEMANTICS"] == "process"
    by_id = {r["STATUS_ID"]: r for r in rows}
    assert (by_id["WON"]["SEMANTICS"], by_id["LOSE"]["SEMANTICS"]) == ("S", "F")
    assert (by_id["APOLOGY"]["SEMANTICS"], by_id["APOLOGY"]["EXTRA"]["SEMANTICS"]) == ("F", "apology")
    answer = call("crm.status.list", filter={"ENTITY_ID": "DEAL_STAGE_1"}).json()
    assert [r["STATUS_ID"] for r in answer["result"]] == [f"C1:{s}" for s in DEFAULT_STAGES]
    assert answer["total"] == 8 and "next" not in answer
    assert {r["CATEGORY_ID"] for r in answer["result"]} == {"1"}
    # There is no DEAL_STAGE_0, and an unknown pipeline's directory is simply empty.
    assert ok(call("crm.status.list", filter={"ENTITY_ID": "DEAL_STAGE_0"})) == []
    assert ok(call("crm.status.list", filter={"ENTITY_ID": "DEAL_STAGE_9"})) == []
    bad = error(call("crm.status.list", filter={"ENTITY_ID": ["DEAL_STAGE"]}), 400)
    assert bad["error_description"] == "Filter by ENTITY_ID must be a string"
    # A filter key the portal does not know is dropped: every directory comes back.
    assert len(ok(call("crm.status.list", filter={"entity_id": "DEAL_STAGE_1"}))) == 16


def test_legacy_dealcategory_methods(call: Call, portal: PortalEmulator) -> None:
    portal.store.add_pipeline("Shop")
    (row,) = ok(call("crm.dealcategory.list"))
    assert (row["ID"], row["NAME"], row["IS_LOCKED"]) == ("1", "Shop", "N")
    assert ok(call("crm.dealcategory.default.get")) == {"ID": 0, "NAME": "General"}
    assert ok(call("crm.dealcategory.status", id=1)) == "DEAL_STAGE_1"
    assert ok(call("crm.dealcategory.status")) == "DEAL_STAGE"
    stages = ok(call("crm.dealcategory.stage.list", id=1))
    assert stages[0] == {"NAME": "New", "SORT": 10, "STATUS_ID": "C1:NEW"}
    assert ok(call("crm.dealcategory.stage.list", id=5)) == []


def test_add_with_a_stage_of_another_pipeline_swaps_it_for_the_same_semantics(
    call: Call, portal: PortalEmulator
) -> None:
    portal.store.add_pipeline("Shop")

    def added(**fields: object) -> dict[str, str]:
        row = portal.store.get("deal", ok(call("crm.deal.add", fields=fields)))
        assert row is not None
        return row

    # No error, and STAGE_ID does not pick the pipeline.
    assert (added(STAGE_ID="C1:WON")["CATEGORY_ID"], added(STAGE_ID="C1:WON")["STAGE_ID"]) == ("0", "WON")
    assert added(CATEGORY_ID=1, STAGE_ID="WON")["STAGE_ID"] == "C1:WON"
    assert added(CATEGORY_ID=1, STAGE_ID="APOLOGY")["STAGE_ID"] == "C1:LOSE"  # first failure stage
    assert added(CATEGORY_ID=1, STAGE_ID="EXECUTING")["STAGE_ID"] == "C1:NEW"  # first in-progress stage
    cancelled = added(CATEGORY_ID=1, STAGE_ID="cancelled")  # not a stage anywhere: in progress
    assert (cancelled["STAGE_ID"], cancelled["STAGE_SEMANTIC_ID"]) == ("C1:NEW", "P")
    assert added(CATEGORY_ID=1, STAGE_ID="C1:FINAL_INVOICE")["STAGE_ID"] == "C1:FINAL_INVOICE"
    assert added(CATEGORY_ID=1)["STAGE_ID"] == "C1:NEW"
    # A pipeline that does not exist: the deal lands in the default one, without error.
    lost = added(CATEGORY_ID=7, STAGE_ID="C7:WON")
    assert (lost["CATEGORY_ID"], lost["STAGE_ID"]) == ("0", "NEW")


def test_update_ignores_a_stage_of_another_pipeline_and_the_category(
    call: Call, portal: PortalEmulator
) -> None:
    portal.store.add_pipeline("Shop")
    deal_id = ok(call("crm.deal.add", fields={"CATEGORY_ID": 1, "STAGE_ID": "C1:PREPARATION"}))
    for stage in ("WON", "cancelled", "C2:WON"):
        assert ok(call("crm.deal.update", id=deal_id, fields={"STAGE_ID": stage, "TITLE": stage})) is True
        row = portal.store.get("deal", deal_id)
        assert row is not None
        assert (row["TITLE"], row["STAGE_ID"], row["STAGE_SEMANTIC_ID"]) == (stage, "C1:PREPARATION", "P")
    assert ok(call("crm.deal.update", id=deal_id, fields={"CATEGORY_ID": 0, "STAGE_ID": "LOSE"})) is True
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert (row["CATEGORY_ID"], row["STAGE_ID"]) == ("1", "C1:PREPARATION")
    assert ok(call("crm.deal.update", id=deal_id, fields={"STAGE_ID": "C1:WON"})) is True
    row = portal.store.get("deal", deal_id)
    assert row is not None
    assert (row["STAGE_ID"], row["STAGE_SEMANTIC_ID"], row["CLOSED"]) == ("C1:WON", "S", "Y")
    listed = ok(call("crm.deal.list", filter={"CATEGORY_ID": 1, "STAGE_ID": "C1:WON"}, select=["ID"]))
    assert listed == [{"ID": str(deal_id)}]


def test_long_stage_ids_are_cut_at_21_characters() -> None:
    store = PortalStore()
    for _ in range(10):
        last = store.add_pipeline("P")
    assert last == 10
    ids = [r["STATUS_ID"] for r in store.stage_rows("DEAL_STAGE_10")]
    assert "C10:PREPAYMENT_INVOIC" in ids


def test_pipelines_survive_a_restart_of_a_stateful_portal(tmp_path: Path) -> None:
    state = tmp_path / "portal.sqlite3"
    store = PortalStore(state)
    assert store.add_pipeline("Shop", sort=100) == 1
    store.close()
    again = PortalStore(state)
    try:
        assert next(r["STATUS_ID"] for r in again.stage_rows("DEAL_STAGE_1")) == "C1:NEW"
        assert again.add_pipeline("Second") == 2
        deal = again.add("deal", {"CATEGORY_ID": 2, "STAGE_ID": "WON"})
        assert again.get("deal", deal)["STAGE_ID"] == "C2:WON"  # type: ignore[index]
    finally:
        again.close()
