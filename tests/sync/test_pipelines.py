"""Deal pipelines in the engine: deals go to the configured pipeline with its own stage ids; a stage value
that is not a stage of the deal's pipeline is a per-record error naming it (the portal would swap or
ignore it without a word); ``stage_map`` is checked at connect; deals in another pipeline than configured
are reported per record, never moved, and the connect check says so in one line."""

from __future__ import annotations

import asyncio
import functools
import io
import tomllib
from typing import Any

import pytest

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.demo.shop import STATUSES
from bitrix_monitor.errors import ConfigError, UserFacingError
from bitrix_monitor.messages import error_line
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.headless import HeadlessOptions, run_headless
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.sync.service import MonitorService
from bitrix_monitor.sync.stages import read_pipeline
from bitrix_monitor.wiring import opened
from tests.sync.conftest import FAST_CONFIG, ORIGINATOR, Shop, assert_exactly_one_each
from tests.sync.test_engine import _service, _sync

SQLITE = pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)

PIPELINE_1 = {s: f"C1:{s}" for s in STATUSES}


def _cfg(category: int, stage_map: dict[str, str] | None = None) -> config.AppConfig:
    data: dict[str, Any] = tomllib.loads(FAST_CONFIG)
    data["shop"] = {"orders": {"category": category, "stage_map": stage_map or {}}}
    return config.from_dict(data)


async def _jobs(service: MonitorService, key: str) -> list[Any]:
    return await asyncio.to_thread(service.queue.history_for, "deal", key)


@SQLITE
async def test_new_deals_go_to_the_configured_pipeline_with_its_stages(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    assert portal.store.add_pipeline("Shop") == 1
    service = await _service(shop, portal, data_dirs, _cfg(1, PIPELINE_1))
    try:
        await _sync(service)
        snap = await service.snapshot()
    finally:
        await service.aclose()
    assert snap.order_counts.in_sync == shop.orders and snap.warnings == ()
    deals = [d for d in portal.store.all("deal") if d.get("ORIGINATOR_ID") == ORIGINATOR]
    assert len(deals) == shop.orders
    assert {d["CATEGORY_ID"] for d in deals} == {"1"}
    assert {d["STAGE_ID"] for d in deals} <= set(PIPELINE_1.values())
    assert_exactly_one_each(portal, shop)


@SQLITE
async def test_a_value_that_is_not_a_stage_of_the_pipeline_is_a_per_record_error_never_sent(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    portal.store.add_pipeline("Shop")
    keys = sorted(shop.deal_ids(), key=int)
    cancelled, won, changed = keys[0], keys[1], keys[2]
    shop.execute("UPDATE orders SET status = 'C1:NEW'")
    service = await _service(shop, portal, data_dirs, _cfg(1))
    try:
        # A deal already linked: its order then gets a legacy status and a new title.
        await asyncio.to_thread(service.queue.enqueue, "deal.create", changed)
        await service.run_queue(max_wait=30)
        deal_id = shop.deal_ids()[changed]
        assert deal_id is not None
        before = portal.store.get("deal", deal_id)
        shop.execute(
            "UPDATE orders SET status = 'cancelled', service_id = 999 WHERE order_id = :k", k=int(changed)
        )
        shop.execute("UPDATE orders SET status = 'cancelled' WHERE order_id = :k", k=int(cancelled))
        shop.execute("UPDATE orders SET status = 'WON' WHERE order_id = :k", k=int(won))
        await _sync(service)
        errors = {k: max(await _jobs(service, k), key=lambda j: j.id) for k in (cancelled, won, changed)}
        snap = await service.snapshot()
    finally:
        await service.aclose()
    for key, job in errors.items():
        assert job.state == "dead", (key, job)
        assert job.error is not None and job.error.error_class == "StageNotInPipeline"
    assert "'cancelled' is not a stage of pipeline 1" in errors[cancelled].error.message
    assert "C1:NEW, C1:PREPARATION" in errors[cancelled].error.message  # the pipeline's stages, listed
    assert "'WON' is not a stage of pipeline 1 (did you mean 'C1:WON'?" in errors[won].error.message
    # Nothing was sent for them: no deal for the new orders, the linked deal untouched (title and stage).
    ids = shop.deal_ids()
    assert ids[cancelled] is None and ids[won] is None
    assert not [d for d in portal.store.all("deal") if d.get("ORIGIN_ID") in (cancelled, won)]
    assert portal.store.get("deal", deal_id) == before
    # Every other order has its deal, in pipeline 1.
    assert sum(1 for k, v in ids.items() if v is not None) == shop.orders - 2
    assert {d["CATEGORY_ID"] for d in portal.store.all("deal")} == {"1"}
    states = {s.key: s.state for s in snap.orders}
    assert states[changed] is RecordState.OUTDATED
    assert states[cancelled] is RecordState.MISSING


@SQLITE
async def test_a_status_missing_from_a_stage_map_is_a_per_record_error(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    key = sorted(shop.deal_ids(), key=int)[0]
    shop.execute("UPDATE orders SET status = 'NEW'")
    shop.execute("UPDATE orders SET status = 'cancelled' WHERE order_id = :k", k=int(key))
    service = await _service(shop, portal, data_dirs, _cfg(0, {"NEW": "NEW"}))
    try:
        await _sync(service)
        (job,) = await _jobs(service, key)
    finally:
        await service.aclose()
    assert job.state == "dead" and job.error is not None
    assert "status 'cancelled' is not in [shop.orders] stage_map" in job.error.message
    assert shop.deal_ids()[key] is None


@SQLITE
async def test_a_stage_map_value_the_pipeline_lacks_is_one_clear_error_at_connect(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    portal.store.add_pipeline("Shop")
    for cfg, expected in (
        (
            _cfg(1, {"paid": "C1:WON", "done": "WON"}),
            "[shop.orders] stage_map: 'done' = 'WON': 'WON' is not a stage of pipeline 1; its stages: "
            "C1:NEW, C1:PREPARATION, C1:PREPAYMENT_INVOICE",
        ),
        (
            _cfg(4),
            "[shop.orders] category = 4: the portal has no deal pipeline 4 (the portal's deal "
            "pipelines: 0 (General), 1 (Shop))",
        ),
    ):
        service = await _service(shop, portal, data_dirs, cfg)
        try:
            with pytest.raises(ConfigError) as info:
                await service.snapshot()
        finally:
            await service.aclose()
        assert str(info.value).startswith(expected)
        russian = error_line(info.value, "ru")
        assert russian.startswith(
            "[shop.orders] stage_map: 'done' = 'WON': 'WON' — не стадия воронки 1; её стадии: C1:NEW"
            if cfg.shop.orders.stage_map
            else "[shop.orders] category = 4: на портале нет воронки сделок 4 (воронки сделок на портале: "
            "0 (General), 1 (Shop))"
        ), russian
    assert portal.store.count("deal") == 0


def test_category_is_validated_in_the_config() -> None:
    assert _cfg(3).shop.orders.category == 3
    assert config.OrdersMapping().category == 0
    with pytest.raises(ConfigError, match="category must be a deal pipeline id"):
        _cfg(-1)
    with pytest.raises(ConfigError, match="category must be a int"):
        config.from_dict({"shop": {"orders": {"category": "1"}}})


@SQLITE
async def test_deals_in_another_pipeline_are_reported_per_record_and_the_connect_check_says_so(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    portal.store.add_pipeline("Shop")
    shop.execute("UPDATE orders SET status = 'NEW'")
    keys = sorted(shop.deal_ids(), key=int)
    # The old backend put every deal in pipeline 1, and the shop stores them.
    for key in keys:
        deal = portal.store.add("deal", {"TITLE": f"Order #{key}", "CATEGORY_ID": 1, "STAGE_ID": "C1:NEW"})
        shop.execute("UPDATE orders SET bitrix_deal_id = :d WHERE order_id = :k", d=deal, k=int(key))
    service = await _service(shop, portal, data_dirs, _cfg(0))
    try:
        snap = await service.snapshot()
        (warning,) = snap.warnings
        assert str(warning).startswith(
            f"The shop's deals are in pipeline 1 ({shop.orders} of {shop.orders} linked deals), but "
            "[shop.orders] category = 0"
        )
        status = next(s for s in snap.orders if s.key == keys[0])
        assert status.state is RecordState.OUTDATED
        assert ("CATEGORY_ID", "0", "1") in [(d.field, d.shop, d.portal) for d in status.diffs]
        await service.apply(snap.plan)
        await service.run_queue(max_wait=30)
        (job,) = await _jobs(service, keys[0])
    finally:
        await service.aclose()
    assert job.state == "dead" and job.error is not None
    assert f"deal {shop.deal_ids()[keys[0]]} is in pipeline 1, not in pipeline 0" in job.error.message
    deals = portal.store.all("deal")
    assert {d["CATEGORY_ID"] for d in deals} == {"1"} and {d["STAGE_ID"] for d in deals} == {"C1:NEW"}
    assert {d["TITLE"] for d in deals} == {f"Order #{k}" for k in keys}  # nothing written to them
    # The headless report says it in one line on stderr (and the exit status says problems remain).
    out = io.StringIO()
    opener = functools.partial(opened, _cfg(0), data_dirs, shop_url=shop.url, portal_url=portal.webhook_url)
    capsys.readouterr()
    assert await run_headless(opener, HeadlessOptions(mode="report"), out=out) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if "warning" in line] == [f"bitrix-monitor: warning: {warning}"]


class _Answers:
    """A client whose crm.status.list answer is given (a proxy that drops the filter, or tampers)."""

    def __init__(self, result: object) -> None:
        self.result = result

    async def call(self, method: str, params: Any = None) -> Any:
        from bitrix_monitor.bitrix.client import CallResult

        assert method == "crm.status.list"
        return CallResult(self.result)


async def test_stages_are_taken_from_the_rows_not_from_the_filter() -> None:
    rows = [
        {"ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "WON", "SORT": "60"},
        {"ENTITY_ID": "DEAL_STAGE_1", "STATUS_ID": "C1:WON", "SORT": "60"},
        {"ENTITY_ID": "DEAL_STAGE_1", "STATUS_ID": "C1:NEW", "SORT": "10"},
        {"ENTITY_ID": "SOURCE", "STATUS_ID": "CALL", "SORT": "10"},
    ]
    pipeline = await read_pipeline(_Answers(rows), 1)  # type: ignore[arg-type]
    assert pipeline.stages == ("C1:NEW", "C1:WON")  # its own directory only, in sort order
    assert (
        pipeline.problem("WON")
        == "stage 'WON' is not a stage of pipeline 1 (did you mean 'C1:WON'? map it in [shop.orders] "
        "stage_map)"
    )
    with pytest.raises(UserFacingError, match=r"answered crm\.status\.list with str, not a list"):
        await read_pipeline(_Answers("surprise"), 1)  # type: ignore[arg-type]


@SQLITE
async def test_a_restored_deal_goes_back_to_its_own_pipeline_and_stage(
    shop: Shop, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    from bitrix_monitor.sync.archive import Archive

    portal.store.add_pipeline("Shop")
    key = sorted(shop.deal_ids(), key=int)[0]
    made = portal.store.add(
        "deal", {"TITLE": f"Order #{key}", "CATEGORY_ID": 1, "STAGE_ID": "C1:FINAL_INVOICE"}
    )
    record = portal.store.get("deal", made)
    assert record is not None
    path = Archive(data_dirs.archive_dir).save("deal", record, shop_key=key, reason="test").path
    portal.store.delete("deal", made)
    service = await _service(shop, portal, data_dirs, _cfg(1, PIPELINE_1))
    try:
        outcome = await service.restore_archived(path)
    finally:
        await service.aclose()
    assert outcome.new_id is not None
    restored = portal.store.get("deal", outcome.new_id)
    assert restored is not None
    assert (restored["CATEGORY_ID"], restored["STAGE_ID"]) == ("1", "C1:FINAL_INVOICE")


def test_the_pipeline_warning_names_where_the_deals_are() -> None:
    from bitrix_monitor.sync.stages import pipeline_warning

    ones = [{"CATEGORY_ID": "1"}] * 9
    assert pipeline_warning(1, ones) is None
    assert pipeline_warning(0, []) is None
    mostly_elsewhere = pipeline_warning(0, [*ones, {"CATEGORY_ID": "0"}])
    assert mostly_elsewhere is not None
    assert str(mostly_elsewhere).startswith("The shop's deals are in pipeline 1 (9 of 10 linked deals)")
    assert "set category = 1" in str(mostly_elsewhere)
    a_few = pipeline_warning(1, [*ones, {"CATEGORY_ID": "2"}, {"CATEGORY_ID": "x"}, {}])
    assert a_few is not None and str(a_few) == (
        "1 of 10 linked deals are in another pipeline (2) than [shop.orders] category = 1: they are reported "
        "per record and never moved"
    )
