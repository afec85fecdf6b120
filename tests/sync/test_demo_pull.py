"""The embedded demo shows pulling (issue 14): a manager won a deal in the CRM after the seeding, and the
demo's first sync brings that into its order's status instead of pushing the old stage back."""

from __future__ import annotations

from bitrix_monitor import config
from bitrix_monitor.demo.scenario import DEMO_MANAGER
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.wiring import open_service


async def test_a_deal_won_by_a_manager_in_the_crm_reaches_its_orders_status_in_the_demo(
    data_dirs: DataDirs,
) -> None:
    service = await open_service(config.from_dict({}), data_dirs, demo=True)
    try:
        before = await service.snapshot()
        won = [
            r
            for r in before.orders
            if r.portal_values.get("STAGE_ID") == "WON" and r.shop_values.get("STAGE_ID") != "WON"
        ]
        assert len(won) == 1, [(r.key, r.state) for r in won]
        [order] = won
        assert order.portal_values.get("MOVED_BY_ID") == str(DEMO_MANAGER)  # a person, as the portal says
        # The push does not move the manager's deal back while the pull has not run yet.
        assert not [j for j in before.plan.jobs if j.entity_key == order.key and j.kind == "deal.update"]

        pipeline = service.stages.known
        assert pipeline is not None
        names = pipeline.names
        outcome = await service.pull()
        assert outcome.pulled == {order.key: "WON"}
        after = {r.key: r for r in (await service.snapshot()).orders}
        assert after[order.key].state is RecordState.IN_SYNC
        assert after[order.key].shop_values.get("STAGE_ID") == "WON"
        # Activity says it in words: the deal, who moved it (as the portal says), the stages by their names.
        [line] = [
            str(e.action)
            for e in service.activity()
            if e.actor == "pull" and "Stage of deal" in str(e.action)
        ]
        before_name = names.get(order.shop_values["STAGE_ID"], order.shop_values["STAGE_ID"])
        assert line == (
            f"Stage of deal {order.portal_id} changed in Bitrix24 by user {DEMO_MANAGER}: "
            f"{before_name} → {names['WON']}; order {order.key} status set to WON"
        )

        # Nothing more to pull: the move is applied once.
        assert (await service.pull()).pulled == {}
    finally:
        await service.aclose()
