"""The pipelines a mirror counts its orders' deals in (for the pipeline warning) stay those of the states
it holds, whatever is recorded again or forgotten: held as exceptions to what a state implies."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from bitrix_monitor.kinds import ORDER
from bitrix_monitor.sync.model import RecordState, RecordStatus
from bitrix_monitor.sync.reconcile import Mirror, PortalView


def _counted(deals: dict[str, dict[str, Any] | None]) -> Counter[int]:
    out: Counter[int] = Counter()
    for deal in deals.values():
        value = None if deal is None else deal.get("CATEGORY_ID")
        if value is not None and str(value).isdigit():
            out[int(value)] += 1
    return out


def test_the_counts_follow_every_record_and_forget_in_any_order() -> None:
    rng = random.Random(7)
    for _run in range(40):
        mirror = Mirror([ORDER], {"order": []}, {"order": PortalView()}, {})
        deals: dict[str, dict[str, Any] | None] = {}  # key -> the deal counted for it, as recorded last
        for _step in range(200):
            key = str(rng.randrange(30))
            if rng.random() < 0.25:
                mirror.forget("order", key)
                deals.pop(key, None)
                continue
            stored = rng.choice([None, 10 + int(key)])
            deal = rng.choice([None, {}, {"CATEGORY_ID": "0"}, {"CATEGORY_ID": "3"}, {"CATEGORY_ID": "x"}])
            if stored is None and rng.random() < 0.8:
                deal = None  # an order that stores no id: its deal is not looked up (now and then: is)
            status = RecordStatus("order", key, key, stored, stored, RecordState.IN_SYNC)
            mirror.record("order", status, deal)
            deals[key] = deal
            assert +mirror.categories == _counted(deals)
        assert len(mirror._pipeline_unlike) <= len(deals)
