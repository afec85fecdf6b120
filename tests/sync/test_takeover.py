"""Taking over a portal the old shop backend filled (issue: "Taking over a portal the old backend filled").

The shop and the portal are seeded as the old worker left them (:mod:`bitrix_monitor.demo.takeover`):
300 orders and 312 deals in pipeline 1 without origin ids, twelve orders with 2–3 deals found only by
title, stored ids of deleted deals, order 11 storing order 1's deal, contacts duplicated by name only,
statuses that are pipeline 1's stage codes without the prefix plus a legacy ``cancelled``, and a person's
comments. The configuration maps the statuses to pipeline 1 as a person would after the connect check's
message. Then ONE ``bitrix-monitor --sync`` (the real entry point in a subprocess) must leave a clean,
converged report, every order with exactly one deal in pipeline 1 carrying our origin ids, and nothing of a
person lost: every deleted record archived exactly once, the deals a person edited kept with the edit.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.demo.takeover import (
    CATEGORY,
    SHARED_OTHER,
    SHARED_OWNER,
    STAGE_MAP,
    TakeoverSeed,
    seed_takeover,
)
from bitrix_monitor.sync.archive import Archive
from tests.sync.conftest import ORIGINATOR, Cli, Shop, assert_exactly_one_each

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("shop_url", ["postgresql", "sqlite"], indirect=True)]

CONFIG = tomli_w.dumps(
    {
        "portal": {"originator": ORIGINATOR, "timeout": 5.0, "plan": "burst=50,drain=50"},
        "sync": {"settle_delay": 0.5, "max_attempts": 30, "cleanup_policy": "archive"},
        "shop": {"orders": {"category": CATEGORY, "stage_map": STAGE_MAP}},
    }
)
FIRST_LOOK = tomli_w.dumps(
    {"portal": {"originator": ORIGINATOR, "timeout": 5.0, "plan": "burst=50,drain=50"}}
)
_TITLE = re.compile(r"^Order #(\d+) - ")


def _last_json(stdout: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return report


def test_one_sync_takes_over_the_old_backends_portal(
    shop_url: str, portal: PortalEmulator, tmp_path: Path
) -> None:
    seed = seed_takeover(shop_url, portal.store)
    assert (seed.orders, len(seed.deals)) == (300, 312)
    shop = Shop(shop_url, seed.orders, seed.users)
    before_deals = portal.store.all("deal")
    stored_before = shop.deal_ids()
    # A first look with the defaults (pipeline 0): the connect check says where the shop's deals are.
    first = Cli(tmp_path / "first-look", shop_url, portal.webhook_url, FIRST_LOOK).run("--report")
    assert first.returncode == 1, first.stderr
    assert "warning: The shop's deals are in pipeline 1 (" in first.stderr
    assert "but [shop.orders] category = 0" in first.stderr
    assert portal.store.all("deal") == before_deals
    cli = Cli(tmp_path / "desk", shop_url, portal.webhook_url, CONFIG)

    result = cli.run("--sync", "--json", timeout=600)
    sync_report = _last_json(result.stdout)
    report_run = cli.run("--report", "--json")
    report = _last_json(report_run.stdout)
    problems = {k: v for k, v in report["orders"].items() if k not in ("checked", "in_sync") and v}
    problems |= {f"users.{k}": v for k, v in report["users"].items() if k not in ("checked", "in_sync") and v}
    problems |= {f"queue.{k}": v for k, v in report["queue"].items() if k != "done" and v}
    assert problems == {}, (problems, asyncio.run(_unsettled(cli, portal)), result.stderr[-2000:])
    assert (result.returncode, sync_report["ok"], report_run.returncode, report["ok"]) == (0, True, 0, True)
    assert report["orders"]["in_sync"] == seed.orders and report["users"]["in_sync"] == seed.users
    assert_taken_over(seed, shop, portal, cli, stored_before)


def assert_taken_over(
    seed: TakeoverSeed, shop: Shop, portal: PortalEmulator, cli: Cli, stored_before: dict[str, int | None]
) -> None:
    """The portal and the shop after the take-over: one deal per order, ours, in pipeline 1, nothing lost."""
    # Every order: exactly one deal carrying our origin ids, stored by the shop, in pipeline 1, at the stage
    # its status maps to. The same for users and contacts.
    assert_exactly_one_each(portal, shop)
    stored = shop.deal_ids()
    deals = {int(d["ID"]): d for d in portal.store.all("deal")}
    ours = [d for d in deals.values() if d.get("ORIGINATOR_ID") == ORIGINATOR]
    assert len(ours) == seed.orders
    assert Counter(d["CATEGORY_ID"] for d in ours) == {str(CATEGORY): seed.orders}
    engine_statuses = _statuses(shop.url)
    wrong_stage = {
        k: (deals[i]["STAGE_ID"], STAGE_MAP[engine_statuses[k]])
        for k, i in stored.items()
        if i is not None and deals[i]["STAGE_ID"] != STAGE_MAP[engine_statuses[k]]
    }
    assert wrong_stage == {}
    # No deal of the old backend's is left beside ours: every deal titled after an order is that order's.
    leftovers = sorted(i for i, d in deals.items() if d.get("ORIGINATOR_ID") != ORIGINATOR)
    assert leftovers == [], [deals[i]["TITLE"] for i in leftovers]

    # The shared deal stays with order 1 (its title); order 11 got a deal of its own.
    assert stored[SHARED_OWNER] == seed.shared_deal
    assert stored[SHARED_OTHER] not in (None, seed.shared_deal)
    other = stored[SHARED_OTHER]
    assert other is not None and _TITLE.match(deals[other]["TITLE"]).group(1) == SHARED_OTHER  # type: ignore[union-attr]
    # Kept links stay the same deals (302 kept by the old stored id, re-created only where it was gone).
    for key, ident in stored_before.items():
        if ident is not None and ident in seed.deals and key != SHARED_OTHER:
            assert stored[key] == ident, key

    # Nothing of a person lost: every record that disappeared was archived exactly once, and each comment
    # a person wrote is on the order's deal now (kept or merged) or in the archive of the deal it was on.
    archived = Archive(cli.data_dir / "archive").list()
    per_record = Counter((a.entity, a.portal_id) for a in archived)
    assert {k: n for k, n in per_record.items() if n > 1} == {}
    gone_deals = seed.deals - set(deals)
    gone_contacts = seed.contacts - {int(c["ID"]) for c in portal.store.all("contact")}
    assert {i for (e, i) in per_record if e == "deal"} >= gone_deals
    assert {i for (e, i) in per_record if e == "contact"} >= gone_contacts
    for key, ident in seed.commented_stored.items():
        assert ident in deals and deals[ident]["COMMENTS"] == seed.comments[key], key
    archived_comments = {str(a.record.get("COMMENTS")) for a in archived if a.entity == "deal"}
    for key, text in seed.comments.items():
        assert deals[stored[key]].get("COMMENTS") == text or text in archived_comments, key  # type: ignore[index]
    # Contacts that only share a name with a user's contact are nobody's duplicates to delete.
    for ident, row in seed.name_only.items():
        now = portal.store.get("contact", ident)
        assert now is not None, ident
        assert (now["NAME"], now.get("LAST_NAME")) == (row["NAME"], row.get("LAST_NAME"))


async def _unsettled(cli: Cli, portal: PortalEmulator) -> list[str]:
    """Each record not in sync after the run, with its evidence and its job's last error (for the failure
    message: what is left, and why)."""
    from bitrix_monitor import config
    from bitrix_monitor.paths import DataDirs
    from bitrix_monitor.wiring import open_service

    cfg = config.load(cli.config)
    service = await open_service(
        cfg, DataDirs(cli.data_dir), shop_url=cli.shop_url, portal_url=portal.webhook_url
    )
    try:
        snap = await service.snapshot()
    finally:
        await service.aclose()
    return [
        f"{s.entity} {s.key}: {s.state.value} stored={s.stored_id} portal={s.portal_id} "
        f"diffs={[(d.field, d.shop, d.portal) for d in s.diffs]} dups={[d.ids for d in s.duplicates]} "
        f"note={str(s.note)!r} queue={s.queue.value} error={s.last_error!r}"
        for s in (*snap.orders, *snap.users)
        if s.state.value != "in_sync" or s.queue.value
    ]


def _statuses(shop_url: str) -> dict[str, str]:
    import sqlalchemy as sa

    engine = sa.create_engine(shop_url)
    try:
        with engine.connect() as conn:
            return {str(k): str(s) for k, s in conn.execute(sa.text("SELECT order_id, status FROM orders"))}
    finally:
        engine.dispose()
