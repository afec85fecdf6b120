"""Change detection: replaces the shop backend's hooks.

The watcher polls the shop for rows changed since its watermark (the mapped ``updated_at`` column) and,
where there is no such column, for rows whose fingerprint of mapped values changed. Changed rows get an
update job, rows without a portal id a create job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import datetime, timedelta

from bitrix_monitor.config import ShopConfig
from bitrix_monitor.kinds import crm_of, in_dependency_order
from bitrix_monitor.messages import Message
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.sync.model import Plan, PlannedJob

log = logging.getLogger(__name__)

# Rows committed with an updated_at slightly in the past (clock skew, long transactions) must not be
# missed: each poll re-reads this much before the watermark; fingerprints drop the ones already seen.
OVERLAP = timedelta(minutes=2)


class ChangeWatcher:
    """Watches ``shop`` (mapped as ``mapping`` says) and hands what changed to ``queue_jobs`` (the service's
    ``apply``), which returns how many jobs it queued or folded."""

    def __init__(
        self, shop: ShopDatabase, mapping: ShopConfig, queue_jobs: Callable[[Plan], Awaitable[int]]
    ) -> None:
        self.shop = shop
        self.mapping = mapping
        self.queue_jobs = queue_jobs
        self.kinds = [k.name for k in in_dependency_order(shop.mapped_kinds)]  # dependencies first
        self.fingerprints: dict[str, dict[str, int]] = {k: {} for k in self.kinds}
        self.watermark: dict[str, datetime | None] = dict.fromkeys(self.kinds)

    def _has_updated_at(self, entity: str) -> bool:
        return self.shop.has_updated_at(entity)

    def _scan(self, entity: str, since: datetime | None) -> list[PlannedJob]:
        seen = self.fingerprints[entity]
        prefix = crm_of(entity)
        jobs: list[PlannedJob] = []
        newest = self.watermark[entity]
        for page in self.shop.iter_rows(entity, since=since):
            for row in page:
                if row.updated_at is not None and (newest is None or row.updated_at > newest):
                    newest = row.updated_at
                old = seen.get(row.key)
                seen[row.key] = row.digest
                linked = row.crm_id is not None
                if old == row.digest and linked:
                    continue
                if old is None and linked and since is None:
                    continue  # first sight of a linked row during a full scan: nothing to say yet
                if not linked:
                    jobs.append(PlannedJob(f"{prefix}.create", row.key, Message("plan.new_in_shop")))
                else:
                    jobs.append(PlannedJob(f"{prefix}.update", row.key, Message("plan.changed_in_shop")))
        self.watermark[entity] = newest
        return jobs

    async def prime(self) -> None:
        """Remember the current state; later polls report what changes after this."""
        for entity in self.kinds:
            await asyncio.to_thread(self._scan, entity, None)

    async def note_pulled(self, written: Mapping[str, Collection[str]]) -> None:
        """Rows the app itself wrote (values pulled from the CRM) are not shop changes: their new values are
        remembered as seen, so no poll queues an update that would only find the sides agreeing."""
        for entity, keys in written.items():
            if entity in self.fingerprints and keys:
                rows = await asyncio.to_thread(self.shop.get_rows, entity, sorted(keys))
                self.fingerprints[entity].update({k: r.digest for k, r in rows.items()})

    async def poll(self) -> int:
        """Queue jobs for what changed since the last poll; returns how many were queued or folded."""
        jobs: list[PlannedJob] = []
        for entity in self.kinds:  # dependencies first: a deal needs its contact
            wm = self.watermark[entity]
            since = wm - OVERLAP if (wm is not None and self._has_updated_at(entity)) else None
            jobs.extend(await asyncio.to_thread(self._scan, entity, since))
        if not jobs:
            return 0
        return await self.queue_jobs(Plan(tuple(jobs)))
