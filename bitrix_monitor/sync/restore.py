"""Restore from the archive, exactly once.

An archived record is identified by what it was: its entity and portal id (``deal:123``); several archive
files of one record (older releases wrote one per failed cleanup) restore as one. A restore runs like a
create: under the shop's per-record lock, with a write-ahead entry in the queue file's restore ledger, and
a lookup before the create. The restored record carries our originator and the marker
``ORIGIN_ID = restored:deal:123``, so a restore whose answer was lost (or a concurrent one) finds it
instead of making another. If the shop re-points at it, it gets the shop key as its origin id; if the shop
keeps its own record, the marker stays, and reconciliation leaves the restored record alone (it is neither
a duplicate nor an orphan: a person asked for it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from bitrix_monitor.bitrix import BitrixClient
from bitrix_monitor.bitrix.errors import BitrixError, OutcomeUnknown
from bitrix_monitor.errors import EXIT_OK, EXIT_PROBLEMS, UserFacingError
from bitrix_monitor.kinds import crm_of, shop_of
from bitrix_monitor.messages import Message, Param
from bitrix_monitor.queue import JobStore
from bitrix_monitor.shop import Entity, ShopDatabase
from bitrix_monitor.sync.archive import Archive, ArchivedRecord
from bitrix_monitor.sync.fields import RESTORED_PREFIX
from bitrix_monitor.sync.model import PortalEntity

log = logging.getLogger(__name__)


def restore_key(rec: ArchivedRecord) -> str:
    return f"{rec.entity}:{rec.portal_id}"


def restore_marker(rec: ArchivedRecord) -> str:
    return f"{RESTORED_PREFIX}{rec.entity}:{rec.portal_id}"


@dataclass(frozen=True)
class RestoreOutcome:
    new_id: int | None
    message: Message  # what happened, for a person: one or two sentences (str(): the English)
    already: bool = False
    repointed: bool = False
    exit_status: int = EXIT_OK


class RestoreInDoubt(UserFacingError):
    """The create was sent and no answer came; a lookup did not find the record (yet)."""

    exit_status = EXIT_PROBLEMS


class Restorer:
    def __init__(
        self,
        client: BitrixClient,
        shop: ShopDatabase,
        queue: JobStore,
        archive: Archive,
        *,
        originator: str,
        settle_delay: float,
    ) -> None:
        self.client = client
        self.shop = shop
        self.queue = queue
        self.archive = archive
        self.originator = originator
        self.settle_delay = settle_delay

    async def restore(self, rec: ArchivedRecord) -> RestoreOutcome:
        shop_entity: Entity = shop_of(rec.entity)
        locks = await asyncio.to_thread(self.shop.locks)
        try:
            got = await asyncio.to_thread(locks.acquire, shop_entity, [rec.shop_key], timeout=60.0)
            if rec.shop_key not in got:
                raise RestoreInDoubt(
                    Message("restore.busy", {"shop_entity": shop_entity, "key": rec.shop_key}),
                    hint=Message("restore.busy.hint"),
                )
            return await self._restore_locked(rec, shop_entity)
        finally:
            await asyncio.to_thread(locks.close)

    async def _restore_locked(self, rec: ArchivedRecord, shop_entity: Entity) -> RestoreOutcome:
        entity: PortalEntity = crm_of(rec.entity)
        key = restore_key(rec)
        what = Message("restore.what", {"entity": entity, "id": rec.portal_id, "file": rec.path.name})
        entry = await asyncio.to_thread(self.queue.restore_entry, key)
        if entry is not None and entry.state == "done" and entry.new_id is not None:
            pointer = await self._pointer(shop_entity, entity, rec.shop_key, entry.new_id)
            said: dict[str, Param] = {
                "what": what,
                "entity": entity,
                "new_id": entry.new_id,
                "at": f"{entry.updated_at:%Y-%m-%d %H:%M}",
                "pointer": pointer,
            }
            return RestoreOutcome(entry.new_id, Message("restore.already", said), already=True)
        new_id = entry.new_id if entry is not None else None
        if new_id is None:
            # Before any create: a record made by an earlier or concurrent restore whose answer was lost.
            new_id = await self._find(entity, restore_marker(rec))
            if new_id is None and entry is not None:
                wait = entry.sending_at.timestamp() + self.settle_delay - time.time()
                if wait > 0:  # the portal may still be finishing that request
                    await asyncio.sleep(wait)
                    new_id = await self._find(entity, restore_marker(rec))
        if new_id is None:
            if entry is None and (await self.client.get_many(entity, [rec.portal_id])).get(rec.portal_id):
                said = {"what": what, "entity": entity, "id": rec.portal_id}
                return RestoreOutcome(None, Message("restore.exists", said))
            new_id = await self._create(entity, rec)
        await asyncio.to_thread(self.queue.restore_created, key, new_id)
        repointed, why = await self._repoint(rec, shop_entity, entity, new_id)
        message = Message("restore.done", {"what": what, "entity": entity, "new_id": new_id, "why": why})
        log.info("restore %s: %s %s %s", key, entity, new_id, why)
        await asyncio.to_thread(self.queue.restore_done, key, str(message))
        try:  # for --list-archive; the ledger above is what makes the restore exactly-once
            await asyncio.to_thread(self.archive.mark_restored, rec, new_id)
        except (OSError, ValueError) as exc:
            log.warning("restore: could not note the new id in %s: %s", rec.path, exc)
        return RestoreOutcome(new_id, message, repointed=repointed)

    async def _find(self, entity: PortalEntity, marker: str) -> int | None:
        found = await self.client.find_by_origin(entity, self.originator, [marker], select=["ID"])
        ids = sorted(int(r["ID"]) for r in found.get(marker, []) if str(r.get("ORIGIN_ID")) == marker)
        return ids[0] if ids else None

    async def _create(self, entity: PortalEntity, rec: ArchivedRecord) -> int:
        marker = restore_marker(rec)
        fields: dict[str, Any] = {
            **rec.fields_for_restore(),
            "ORIGINATOR_ID": self.originator,
            "ORIGIN_ID": marker,
        }
        key = restore_key(rec)
        await asyncio.to_thread(
            self.queue.restore_sending, key, rec.entity, rec.portal_id, rec.shop_key, marker
        )  # write-ahead: from here on, a lookup by the marker settles what happened
        try:
            return await self.client.add(entity, fields)
        except OutcomeUnknown:
            log.info("restore %s: the create's outcome is unknown; looking it up", key)
        await asyncio.sleep(self.settle_delay)
        found = await self._find(entity, marker)
        if found is None:
            raise RestoreInDoubt(
                Message("restore.no_answer", {"entity": entity}), hint=Message("restore.no_answer.hint")
            )
        return found

    async def _repoint(
        self, rec: ArchivedRecord, shop_entity: Entity, entity: PortalEntity, new_id: int
    ) -> tuple[bool, Message]:
        """Point the shop at the restored record when it stores nothing, the archived record, or a record
        the portal no longer has. Returns (re-pointed, why) as it happened."""
        stored = await self._stored(shop_entity, rec.shop_key)
        record: dict[str, Param] = {"shop_entity": shop_entity, "key": rec.shop_key}
        if stored is False:
            return False, Message("restore.shop_gone", record)
        if stored == new_id:
            return True, Message("restore.points", record)
        if stored is None:
            why = Message("restore.why.none", {"entity": entity})
        elif stored == rec.portal_id:
            why = Message("restore.why.archived", {"entity": entity, "id": stored})
        elif (await self.client.get_many(entity, [stored])).get(stored) is None:
            why = Message("restore.why.gone", {"entity": entity, "id": stored})
        else:
            said = {**record, "entity": entity, "id": stored, "marker": restore_marker(rec)}
            return False, Message("restore.keeps_existing", said)
        if not await asyncio.to_thread(self.shop.set_id, shop_entity, rec.shop_key, new_id, expected=stored):
            now = await self._stored(shop_entity, rec.shop_key)
            return False, Message("restore.changed", {**record, "entity": entity, "id": str(now)})
        try:  # it is the shop's record now: our origin id (a sync stamps it too, if this fails)
            await self.client.update(entity, new_id, {"ORIGIN_ID": rec.shop_key})
        except BitrixError as exc:
            if isinstance(exc, UserFacingError):
                raise
            log.warning(
                "restore: could not stamp origin id %s on %s %s: %s", rec.shop_key, entity, new_id, exc
            )
        return True, Message("restore.repointed", {**record, "why": why})

    async def _stored(self, shop_entity: Entity, key: str) -> int | bool | None:
        """The id the shop stores for the record; False when the row is gone."""
        rows = await asyncio.to_thread(self.shop.get_rows, shop_entity, [key])
        return rows[key].crm_id if key in rows else False

    async def _pointer(self, shop_entity: Entity, entity: PortalEntity, key: str, new_id: int) -> Message:
        stored = await self._stored(shop_entity, key)
        record: dict[str, Param] = {"shop_entity": shop_entity, "key": key}
        if stored is False:
            return Message("restore.pointer.gone", record)
        if stored == new_id:
            return Message("restore.points", record)
        if stored is None:
            return Message("restore.pointer.none", {**record, "entity": entity})
        return Message("restore.pointer.keeps", {**record, "entity": entity, "id": int(stored)})
