"""The two layouts of a record's status: the general one and the light one a full pass gives the records in
sync (issue 17: a million of them). Both must be the same status in every way a reader can tell."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from bitrix_monitor.sync.model import (
    FieldDiff,
    Judging,
    QueueMark,
    RecordState,
    RecordStatus,
)
from bitrix_monitor.sync.service import MonitorService


@dataclasses.dataclass(frozen=True)
class Row:
    key: str
    crm_id: int | None
    title: str


class Maker:
    def shop(self, row: Any, contact_id: int | None, company_id: int | None) -> Mapping[str, str]:
        return {"TITLE": row.title, "CONTACT_ID": str(contact_id), "COMPANY_ID": str(company_id)}

    def portal(self, record: Mapping[str, Any] | None) -> Mapping[str, str]:
        return {k: str(v) for k, v in (record or {}).items()}


MAKER = Maker()
JUDGING = Judging("order", MAKER, lambda row: row.title)
ROW = Row("A-1", 17, "Order A-1")
DEAL = {"ID": 17, "TITLE": "Order A-1"}
SYNCED = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def usual(state: RecordState = RecordState.IN_SYNC, **kw: Any) -> RecordStatus:
    args: dict[str, Any] = {"diffs": (), "queue": QueueMark.NONE, "last_error": "", "error": None}
    args.update(kw)
    return RecordStatus.judged_usual(
        JUDGING,
        ROW,
        state,
        args["diffs"],
        args["queue"],
        args["last_error"],
        args["error"],
        SYNCED,
        (5, None, DEAL),
    )


def general() -> RecordStatus:
    return RecordStatus.judged(
        "order",
        "A-1",
        "Order A-1",
        17,
        17,
        RecordState.IN_SYNC,
        row=ROW,
        contact_id=5,
        company_id=None,
        record=DEAL,
        maker=MAKER,
        last_synced=SYNCED,
    )


def test_a_record_in_sync_is_held_lighter_and_reads_as_the_general_layout() -> None:
    light, full = usual(), general()
    assert sys.getsizeof(light) < sys.getsizeof(full) - 50
    assert light == full and full == light
    assert dataclasses.astuple(light) == dataclasses.astuple(full)
    assert repr(light) == repr(full)
    assert (
        light.shop_values
        == full.shop_values
        == {"TITLE": "Order A-1", "CONTACT_ID": "5", "COMPANY_ID": "None"}
    )
    assert light.portal_values == full.portal_values
    assert (light.key, light.label, light.stored_id, light.portal_id) == ("A-1", "Order A-1", 17, 17)
    assert (light.state, light.last_synced, light.queue, light.diffs, light.error) == (
        RecordState.IN_SYNC,
        SYNCED,
        QueueMark.NONE,
        (),
        None,
    )
    assert isinstance(light, RecordStatus)
    assert light.plainly_in_sync and not full.plainly_in_sync  # a reader may skip asking the light one


def test_a_record_that_is_not_plainly_in_sync_keeps_the_general_layout() -> None:
    outdated = usual(RecordState.OUTDATED, diffs=(FieldDiff("TITLE", "a", "b"),))
    queued = usual(queue=QueueMark.QUEUED)
    plain = usual()
    assert sys.getsizeof(outdated) == sys.getsizeof(queued) == sys.getsizeof(general()) > sys.getsizeof(plain)
    assert outdated.state is RecordState.OUTDATED and outdated.diffs[0].field == "TITLE"
    assert queued.queue is QueueMark.QUEUED and queued.state is RecordState.IN_SYNC
    assert not (outdated.plainly_in_sync or queued.plainly_in_sync) and plain.plainly_in_sync


def test_a_light_record_is_replaced_copied_and_pickled_as_the_general_one() -> None:
    light, full = usual(), general()
    for changed in (
        light.replace(state=RecordState.OUTDATED, note="x"),
        dataclasses.replace(light, state=RecordState.OUTDATED, note="x"),
    ):
        assert changed == full.replace(state=RecordState.OUTDATED, note="x")
        assert (changed.state, changed.note, changed.key, changed.shop_values) == (
            RecordState.OUTDATED,
            "x",
            "A-1",
            full.shop_values,
        )
    assert light.replace(hold="") == light  # a replace that changes nothing is the same status
    assert light.replace(shop_values={"TITLE": "t"}).shop_values == {"TITLE": "t"}
    assert pickle.loads(pickle.dumps(light)) == full
    assert copy.deepcopy(light) == light
    with pytest.raises(dataclasses.FrozenInstanceError):
        light.state = RecordState.OUTDATED  # type: ignore[misc]
    with pytest.raises(TypeError):
        light.replace(colour="red")


@pytest.mark.parametrize("shop_url", ["sqlite"], indirect=True)
async def test_a_full_pass_over_a_synced_shop_holds_its_records_in_sync_light(
    service: MonitorService,
) -> None:
    first = await service.snapshot()
    await service.apply(first.plan)
    await service.run_queue(max_wait=60)
    full = await (await service.reconciler()).run()
    statuses = list(full.all_statuses())
    in_sync = [s for s in statuses if s.state is RecordState.IN_SYNC]
    assert len(in_sync) == len(statuses) == full.order_counts.checked + full.user_counts.checked > 100
    assert all(s.plainly_in_sync for s in in_sync)
    assert all(s.last_synced is not None for s in in_sync)  # the first sync's jobs said when
    assert len(full.plan) == 0
