"""Duplicate cleanup jobs (``deal.cleanup``, ``contact.cleanup``, ``company.cleanup``).

The survivor is the record the shop references, else the oldest. Everything that will disappear is
archived first. The merge goes through ``crm.entity.mergeBatch`` (survivor first); on ``CONFLICT`` the
policy decides: ``manual`` leaves it for a person with the portal's merge link, ``archive`` deletes the
others (already archived). Afterwards shop ids that pointed at absorbed records are rewritten to the
survivor with compare-and-set, and deals bound to a removed contact or company are re-bound to the survivor.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from bitrix_monitor.bitrix import BitrixClient
from bitrix_monitor.bitrix.client import MergeResult
from bitrix_monitor.bitrix.errors import BitrixError, OutcomeUnknown
from bitrix_monitor.config import SyncConfig
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.kinds import shop_of
from bitrix_monitor.messages import Message
from bitrix_monitor.queue import Job, JobError, JobStore
from bitrix_monitor.queue.model import reason_detail
from bitrix_monitor.shop import ShopDatabase, ShopRow
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.archive import Archive, ArchivedRecord
from bitrix_monitor.sync.model import PortalEntity
from bitrix_monitor.sync.ownership import Owner, owner_of

log = logging.getLogger(__name__)


class CleanupLog(Protocol):
    """Where a runner keeps what each cleanup did (:class:`~bitrix_monitor.sync.engine.RunStats`): CRM
    kind, shop key, survivor, removed ids, and "merged" or "deleted"."""

    cleanups: list[tuple[str, str, int, tuple[int, ...], str]]


class CleanupHost(Protocol):
    """What a cleanup job needs from the runner that leased it
    (:class:`~bitrix_monitor.sync.engine.JobRunner`): the shop, the portal and the queue it works on, and the
    recording of each job's outcome."""

    queue: JobStore
    shop: ShopDatabase
    client: BitrixClient
    originator: str
    owner: str
    settings: SyncConfig
    portal_base: str
    archive_dir: Path

    @property
    def stats(self) -> CleanupLog: ...

    async def complete(self, job: Job, result: Mapping[str, Any]) -> None: ...

    async def fail(self, job: Job, error: JobError) -> None: ...

    async def in_doubt(self, job: Job, detail: Mapping[str, Any]) -> None: ...

    def read_rows(self, shop_entity: str, keys: Sequence[str]) -> Mapping[str, ShopRow]: ...

    def row_id(self, row: ShopRow) -> int | None: ...

    async def refusals(
        self, entity: PortalEntity, links: Sequence[tuple[str, int, Mapping[str, Any] | None]]
    ) -> dict[tuple[str, int], JobError]: ...


def choose_survivor(stored: int | None, ids: Collection[int]) -> int:
    """The record a merge keeps: the one the shop stores, else the oldest (the lowest id)."""
    return stored if stored is not None and stored in ids else min(ids)


async def _settle_merge(
    client: BitrixClient, entity: PortalEntity, survivor: int, others: Sequence[int]
) -> MergeResult | None:
    """A merge whose answer never came: look the records up, like an ambiguous create. The survivor there
    and every absorbed record gone is a merge that went through; anything else is left in doubt."""
    found = await client.get_many(entity, [survivor, *others])
    if found.get(survivor) is not None and all(found.get(i) is None for i in others):
        log.info("merge into %s %s settled by lookup: it went through", entity, survivor)
        return MergeResult(status="SUCCESS", removed_ids=tuple(others))
    return None


async def _conflict_over(runner: CleanupHost, entity: PortalEntity, key: str) -> None:
    await asyncio.to_thread(runner.queue.clear_conflicts, entity, [key])


def _repoint(shop: ShopDatabase, entity: PortalEntity, absorbed: set[int], survivor: int) -> int:
    """Rewrite every shop id that points at an absorbed record to the survivor (compare-and-set)."""
    n = 0
    for page in shop.iter_rows(shop_of(entity)):
        for row in page:
            if row.crm_id in absorbed and shop.set_id(
                shop_of(entity), row.key, survivor, expected=row.crm_id
            ):
                n += 1
    return n


# The deal field that binds a deal to a record of these kinds: re-bound to the survivor of a merge.
_DEAL_BINDING = {"contact": "CONTACT_ID", "company": "COMPANY_ID"}


async def _bound_deals(
    client: BitrixClient, binding: str, ids: Sequence[int], originator: str
) -> list[dict[str, Any]]:
    """Deals bound (by ``binding``: CONTACT_ID, COMPANY_ID) to these records that the app may re-bind: not
    another integration's."""
    deals: list[dict[str, Any]] = []
    select = ["ID", binding, "ORIGINATOR_ID", "ORIGIN_ID"]
    async for page in client.list_all("crm.deal.list", filter={f"@{binding}": list(ids)}, select=select):
        for deal in page:
            if owner_of(deal, originator) is Owner.FOREIGN:
                log.info("deal %s of another integration keeps its %s", deal.get("ID"), binding)
            else:
                deals.append(deal)
    return deals


async def run_cleanup(runner: CleanupHost, entity: PortalEntity, jobs: list[Job]) -> None:
    for job in jobs:
        try:
            await _cleanup_one(runner, entity, job)
        except UserFacingError:
            raise
        except BitrixError as exc:
            # A write whose outcome is unknown is settled by the next run's lookups, never given up on.
            retryable = exc.retryable or isinstance(exc, OutcomeUnknown)
            await runner.fail(job, JobError.of(exc, retryable=retryable))


async def _cleanup_one(runner: CleanupHost, entity: PortalEntity, job: Job) -> None:
    shop, client = runner.shop, runner.client
    archive = Archive(runner.archive_dir)
    shop_entity = shop_of(entity)
    ids = sorted({int(i) for i in (job.payload or {}).get("ids", [])})
    locks = await asyncio.to_thread(shop.locks)
    try:
        got = await asyncio.to_thread(locks.acquire, shop_entity, [job.entity_key], timeout=30.0)
        if job.entity_key not in got:
            await runner.fail(job, JobError.coded("Locked", Message("job.locked"), True))
            return
        rows = await asyncio.to_thread(runner.read_rows, shop_entity, [job.entity_key])
        row = rows.get(job.entity_key)
        stored = runner.row_id(row) if row is not None else None
        # Everything that carries this origin id counts too (a race may have made one more since planning).
        found = await client.find_by_origin(entity, runner.originator, [job.entity_key], select=["ID"])
        ids = sorted({*ids, *(int(r["ID"]) for r in found.get(job.entity_key, []))})
        found_records = {i: r for i, r in (await client.get_many(entity, ids)).items() if r is not None}
        # Checked on the records as they are now: nothing another shop record stores, nothing of another
        # integration's (whatever the portal's case-insensitive filters returned) is merged, archived or
        # deleted, and nothing is merged into such a record.
        refused = await runner.refusals(entity, [(job.entity_key, i, r) for i, r in found_records.items()])
        left_alone = {i: error.message for (_k, i), error in refused.items()}
        if stored in left_alone:
            error = refused[job.entity_key, stored]
            await runner.fail(job, replace(error, message=f"nothing merged into the stored {error.message}"))
            return
        records = {i: r for i, r in found_records.items() if i not in left_alone}
        if not records:
            await _conflict_over(runner, entity, job.entity_key)
            await runner.complete(
                job, {"skipped": "none of the records exist any more", "left_alone": sorted(left_alone)}
            )
            return
        survivor = choose_survivor(stored, records)
        others = sorted(i for i in records if i != survivor)
        if not others:
            if stored != survivor and row is not None:
                await asyncio.to_thread(shop.set_id, shop_entity, job.entity_key, survivor, expected=stored)
            await _conflict_over(runner, entity, job.entity_key)
            await runner.complete(
                job, {"survivor": survivor, "removed": [], "left_alone": sorted(left_alone)}
            )
            return
        # Archive everything that may disappear, durably, before anything is deleted (once: a record
        # archived as it is now by an earlier run is not written again).
        archived: list[ArchivedRecord] = []
        for i in others:
            bindings: tuple[int, ...] = ()
            if entity == "deal":
                bindings = tuple(await client.deal_contacts_get(i))
            archived.append(
                await asyncio.to_thread(
                    archive.save_once,
                    entity,
                    records[i],
                    shop_key=job.entity_key,
                    reason=f"duplicate of {entity} {survivor}",
                    contact_ids=bindings,
                    merged_into=survivor,
                )
            )
        binding = _DEAL_BINDING.get(entity)
        rebind = await _bound_deals(client, binding, others, runner.originator) if binding else []
        # Write-ahead: a crash during the merge leaves the job in doubt, settled by the lookups of its re-run.
        await asyncio.to_thread(
            runner.queue.mark_sending,
            runner.owner,
            [job.id],
            {"method": "crm.entity.mergeBatch", "ids": [survivor, *others]},
        )
        try:
            merge = await client.merge(entity, [survivor, *others])
        except OutcomeUnknown:
            settled = await _settle_merge(client, entity, survivor, others)
            if settled is None:
                await runner.in_doubt(job, reason_detail(Message("reason.merge_unknown")))
                return
            merge = settled
        how = "merged"
        if merge.status.upper() != "SUCCESS":
            if runner.settings.cleanup_policy != "archive":
                url = f"{runner.portal_base}/crm/{entity}/merge/?id={','.join(map(str, [survivor, *others]))}"
                said = Message("job.merge_by_hand", {"url": url})
                message = str(said)
                # Remembered with what conflicted: not planned again until something about it changes.
                fingerprint = F.conflict_fingerprint(entity, records)
                await asyncio.to_thread(
                    runner.queue.record_conflict,
                    entity,
                    job.entity_key,
                    fingerprint,
                    [survivor, *others],
                    message,
                )
                await runner.fail(job, JobError.coded("MergeConflict", said, False))
                return
            how = "deleted"
            errors = [e for e in await client.delete_many(entity, others) if e is not None]
            if errors:
                # A delete whose answer was lost (or that found nothing) is settled by looking the records up.
                left = await client.get_many(entity, others)
                if any(rec is not None for rec in left.values()):
                    raise errors[0]
        await _conflict_over(runner, entity, job.entity_key)
        if rebind and binding:
            moves = [(int(d["ID"]), {binding: survivor}) for d in rebind]
            for err in await client.update_many("deal", moves):
                if err is not None:
                    log.warning("could not re-bind a deal to %s %s: %s", entity, survivor, err)
        repointed = await asyncio.to_thread(_repoint, shop, entity, set(others), survivor)
        runner.stats.cleanups.append((entity, job.entity_key, survivor, tuple(others), how))
        if row is not None and stored is None:
            await asyncio.to_thread(shop.set_id, shop_entity, job.entity_key, survivor, expected=None)
        await runner.complete(
            job,
            {
                "survivor": survivor,
                "removed": others,
                "merge": merge.status,
                "repointed": repointed,
                "archived": [a.path.name for a in archived],
                "left_alone": sorted(left_alone),
            },
        )
    finally:
        await asyncio.to_thread(locks.close)
