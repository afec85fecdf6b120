"""The job runner: exactly-once effects in the portal.

Every record the app creates carries ``ORIGINATOR_ID`` + ``ORIGIN_ID`` (the shop key): the portal-side
idempotency key. For each group of claimed jobs (one kind, up to 50, so one ``batch`` carries them; creates
are claimed up to 2,500 at once, looked up in one request and created 50 a batch):

1. take the shop's per-entity locks (another desk or a cron job working on the same order waits);
2. re-read the shop rows (a create is skipped when the row already has an id);
3. look the records up by origin id — found: adopt, never create again;
4. record "sending" in the queue (write-ahead), then create the rest in one batch;
5. an ambiguous answer (timeout, dropped connection, 5xx) is settled by the same lookup, never by a
   blind retry;
6. write the id back with compare-and-set; a lost race adopts the winner's id and hands the extra record
   to duplicate cleanup. Each group is written back as soon as its answer is in: the shop's ids in one
   transaction, then the jobs' completions in one more (a crash in between is step 5's case again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bitrix_monitor.bitrix import BitrixClient
from bitrix_monitor.bitrix.errors import BitrixError, NotFound, OutcomeUnknown
from bitrix_monitor.config import SyncConfig
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.kinds import COMPANY, USER, crm_of, in_dependency_order, kind, shop_of
from bitrix_monitor.messages import Message, Note, Param, joined
from bitrix_monitor.queue import IN_DOUBT, Job, JobError, JobStore, LeaseLost
from bitrix_monitor.queue.model import PullField, reason_detail
from bitrix_monitor.shop import CompanyRow, OrderRow, ShopDatabase, ShopRow, UserRow
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.cleanup import run_cleanup
from bitrix_monitor.sync.model import PortalEntity, Progress
from bitrix_monitor.sync.owners import FieldOwners, baselines
from bitrix_monitor.sync.ownership import Owner, owner_of, stamp, writable
from bitrix_monitor.sync.stages import StageGuard

if TYPE_CHECKING:
    from bitrix_monitor.sync.field_pull import FieldPuller
    from bitrix_monitor.sync.pull import StagePuller

log = logging.getLogger(__name__)

LOCKED = JobError.coded("Locked", Message("job.locked"), True)  # another worker holds the record's lock

GROUP = 50  # records a portal batch carries (one create each)
# Creates claimed and looked up at once: one request of 50 list commands, 50 origin ids each, covers them.
LOOKAHEAD = 2500


@dataclass
class RunStats:
    jobs_done: int = 0
    jobs_failed: int = 0
    jobs_in_doubt: int = 0
    created: int = 0
    adopted: int = 0
    updated: int = 0
    skipped: int = 0
    lost_races: int = 0
    stamped: int = 0  # records kept from before origin ids that got ours
    errors: list[str] = field(default_factory=list)
    # what each cleanup did, for the activity log: (CRM kind, shop key, survivor, removed ids, "merged" or
    # "deleted" when the portal could not merge and the archive policy deleted them)
    cleanups: list[tuple[str, str, int, tuple[int, ...], str]] = field(default_factory=list)


@dataclass
class _Item:
    """One record being ensured in the portal; ``job`` is None for a dependency (a deal's contact)."""

    key: str
    row: ShopRow
    job: Job | None
    stale_id: int | None = None
    portal_id: int | None = None
    extra_ids: list[int] = field(default_factory=list)
    how: str = ""


def _crm_change_waits(known: Mapping[str, PullField], name: str) -> bool:
    """Whether a CRM change of the field waits in the record's baselines (seen by a pull, not in the shop)."""
    field = known.get(name)
    return field is not None and field.pending is not None


def _invalid(row: ShopRow) -> JobError:
    """A row that cannot be synced as the shop stores it: a per-record error no retry can mend."""
    return JobError.coded("InvalidRecord", Message("job.invalid_record", {"problem": row.problem}), False)


def _error(exc: BaseException) -> JobError:
    retryable = bool(getattr(exc, "retryable", False))
    return JobError.of(exc, retryable=retryable)


class JobRunner:
    """Processes the local job queue against the portal and the shop."""

    def __init__(
        self,
        queue: JobStore,
        shop: ShopDatabase,
        client: BitrixClient,
        *,
        originator: str,
        settings: SyncConfig,
        owner: str,
        settle_delay: float = 60.0,
        lease_seconds: float = 300.0,
        progress: Callable[[Progress], None] | None = None,
        archive_dir: Path | None = None,
        portal_base: str = "",
        stages: StageGuard | None = None,
        owners: FieldOwners | None = None,
        puller: StagePuller | None = None,
        field_puller: FieldPuller | None = None,
    ) -> None:
        # They write the stage moves and field edits of pull jobs (None: such jobs fail, and wait).
        self.puller = puller
        self.field_puller = field_puller
        # Who changes each field: a CRM change is never pushed over (None: the shop owns every field).
        self.owners = owners
        self.stages = stages  # the configured pipeline; None: stages are not checked (tests of other parts)
        self.category = stages.category if stages else 0
        self.archive_dir = archive_dir or Path("archive")
        self.portal_base = portal_base
        self.queue = queue
        self.shop = shop
        self.client = client
        self.originator = originator
        self.settings = settings
        self.owner = owner
        self.settle_delay = settle_delay
        self.lease_seconds = lease_seconds
        self.progress = progress
        self.stats = RunStats()

    # ----------------------------------------------------------------- the loop

    async def run_until_idle(self, *, stop: asyncio.Event | None = None, max_wait: float = 600.0) -> RunStats:
        """Process until the queue is empty or only jobs that cannot run any more (dead) remain.

        Jobs waiting for a retry or for an in-doubt settlement are waited for (``max_wait`` seconds of idle
        waiting at most).
        """
        if self.queue.exclusive:
            # The caller holds the runner lock: every other lease belongs to a runner that is gone.
            await asyncio.to_thread(self.queue.reclaim_expired, all_but=self.owner)
        else:
            # Other runners share the queue: only leases that ran out belong to runners that are gone.
            await asyncio.to_thread(self.queue.reclaim_expired)
        try:
            await self._run_until_idle(stop, max_wait)
        except asyncio.CancelledError:
            # Interrupted (SIGINT/SIGTERM): give our leases back at once, as a restart would find them: a job
            # that had recorded "sending" waits in doubt for a lookup, the others are queued again.
            await asyncio.to_thread(self.queue.reclaim_expired, owner=self.owner)
            raise
        return self.stats

    async def _run_until_idle(self, stop: asyncio.Event | None, max_wait: float) -> None:
        waited = 0.0
        while stop is None or not stop.is_set():
            await asyncio.to_thread(self._settle_in_doubt)
            jobs = await asyncio.to_thread(
                self.queue.claim, self.owner, limit=GROUP, lease_seconds=self.lease_seconds
            )
            if len(jobs) == GROUP and jobs[0].kind.endswith(".create"):
                # Creates are looked up ahead, many groups in one request: claim as many as one lookup covers.
                jobs += await asyncio.to_thread(
                    self.queue.claim,
                    self.owner,
                    kinds=[jobs[0].kind],
                    limit=LOOKAHEAD - GROUP,
                    lease_seconds=self.lease_seconds,
                )
            if jobs:
                async with self._heartbeat(jobs):
                    await self.process(jobs)
                continue
            delay = await asyncio.to_thread(self._seconds_until_work)
            if delay is None or waited >= max_wait:
                break
            delay = min(max(delay, 0.05), 2.0)
            waited += delay
            if not self.queue.exclusive:
                # Jobs other desks queue wake us at once (LISTEN/NOTIFY); the timeout is the polling.
                await asyncio.to_thread(self.queue.wait_for_jobs, delay)
            elif stop is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
            else:
                await asyncio.sleep(delay)
            await asyncio.to_thread(self.queue.reclaim_expired)

    @contextlib.asynccontextmanager
    async def _heartbeat(self, jobs: Sequence[Job]) -> AsyncIterator[None]:
        """Renew the leases of ``jobs`` every third of a lease while they are processed, so a slow batch
        keeps them and a runner that dies loses them one lease later."""

        async def beat() -> None:
            ids = [j.id for j in jobs]
            while ids:
                await asyncio.sleep(self.lease_seconds / 3)
                try:
                    ids = await asyncio.to_thread(self.queue.renew, self.owner, ids, self.lease_seconds)
                except Exception as exc:  # the queue is away: the next beat tries again
                    log.warning("could not renew the leases of %d jobs: %s", len(ids), exc)

        task = asyncio.get_running_loop().create_task(beat(), name="lease heartbeat")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _settle_in_doubt(self) -> None:
        """In-doubt jobs go back to the queue once the portal has surely finished the request; their next run
        starts with the lookup by origin id, which adopts a record the portal did make."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.settle_delay)
        for job in self.queue.list_jobs(states=[IN_DOUBT], limit=None):
            if job.updated_at <= cutoff:
                self.queue.settle(job.id, "queued", detail=reason_detail(Message("reason.recheck")))

    def _seconds_until_work(self) -> float | None:
        now = datetime.now(UTC)
        waits: list[float] = []
        due = self.queue.next_due_at()
        if due is not None:
            waits.append((due - now).total_seconds())
        for job in self.queue.list_jobs(states=[IN_DOUBT], limit=None):
            waits.append((job.updated_at + timedelta(seconds=self.settle_delay) - now).total_seconds())
        return min(waits) if waits else None

    async def process(self, jobs: Sequence[Job]) -> None:
        kind = jobs[0].kind
        entity: PortalEntity = crm_of(jobs[0].entity_type)
        action = kind.partition(".")[2]
        if self.progress:
            self.progress(Progress("processing queue", 0, len(jobs), f"{len(jobs)} × {kind}"))
        try:
            if action == "create":
                await self._ensure(entity, list(jobs))
            elif action == "update":
                await self._update(entity, list(jobs))
            elif action == "relink":
                await self._relink(entity, list(jobs))
            elif action == "cleanup":
                await run_cleanup(self, entity, list(jobs))
            elif action == "pull":
                await self._pull(list(jobs))
            else:
                for job in jobs:
                    await self.fail(
                        job,
                        JobError.coded("UnknownJobKind", Message("job.unknown_kind", {"kind": kind}), False),
                    )
        except UserFacingError as exc:
            # Wrong credentials, portal or shop unreachable: nothing else will work either. Put the jobs
            # back with the reason and let the front end say what is wrong.
            await self._fail_running(jobs, JobError.of(exc, retryable=True))
            raise
        except BitrixError as exc:
            # A read (lookup, get) failed; writes are settled per record where they happen. Nothing was
            # created by a failed read, so the jobs are safe to run again.
            await self._fail_running(jobs, JobError.of(exc, retryable=True))
        except Exception as exc:
            # A bug: it goes on to the front end, but the jobs must not stay "running" (a write that had
            # recorded "sending" is still settled by lookup before anything is sent again).
            said = Message("job.internal_error", {"error": f"{type(exc).__name__}: {exc}"})
            await self._fail_running(jobs, JobError.coded("InternalError", said, True))
            raise

    async def _pull(self, jobs: list[Job]) -> None:
        """Write CRM changes the shop could not take when they were pulled: each job's stage and other fields,
        by the same merge and compare-and-set as a pull (a value the shop already holds completes the job)."""
        for job in jobs:
            stage = job.entity_type == "deal" and "STAGE_ID" in job.payload
            rest = {k: v for k, v in job.payload.items() if k != "STAGE_ID"}
            if (stage and self.puller is None) or (rest and self.field_puller is None):
                said = Message("job.unknown_kind", {"kind": job.kind})
                await self.fail(job, JobError.coded("UnknownJobKind", said, False))
                continue
            said_all: list[tuple[str, Note]] = []
            try:
                if stage and self.puller is not None:
                    said_all.append(await self.puller.apply_job(job.entity_key, job.payload, job.id))
                if rest and self.field_puller is not None:
                    said_all.append(
                        await self.field_puller.apply_job(
                            shop_of(job.entity_type), job.entity_key, rest, job.id
                        )
                    )
            except UserFacingError as exc:  # the shop unreachable: this job waits, the others still try
                await self.fail(job, JobError.of(exc, retryable=True))
                continue
            verdict = next((v for v in ("retry", "refused") if any(s == v for s, _ in said_all)), "done")
            why = Message.of(joined(*(n for v, n in said_all if v == verdict)))
            if verdict == "done":
                await self.complete(job, {"pulled": str(why)})
            else:
                error = JobError.coded("PullNotApplied", why, retryable=verdict == "retry")
                await self.fail(job, error)

    async def _fail_running(self, jobs: Sequence[Job], error: JobError) -> None:
        """Fail the jobs of a group still running under our lease (the others have already ended)."""
        for job in jobs:
            current = await asyncio.to_thread(self.queue.get, job.id)
            if current is not None and current.state == "running" and current.lease_owner == self.owner:
                with contextlib.suppress(LeaseLost):
                    await asyncio.to_thread(self.queue.fail, self.owner, job.id, error)
                    self.stats.jobs_failed += 1

    # ------------------------------------------------------------- outcomes (also used by the cleanup jobs)

    async def complete(self, job: Job, result: Mapping[str, Any]) -> None:
        try:
            await asyncio.to_thread(self.queue.complete, self.owner, job.id, dict(result))
        except LeaseLost:
            log.warning("job %s finished after its lease was lost; its effect stands: %s", job.id, result)
            return
        self.stats.jobs_done += 1

    async def complete_many(self, done: Sequence[tuple[Job, Mapping[str, Any]]]) -> None:
        """:meth:`complete` for a group of jobs in one transaction of the queue."""
        if not done:
            return
        ids = set(
            await asyncio.to_thread(self.queue.complete_many, self.owner, [(j.id, dict(r)) for j, r in done])
        )
        for job, result in done:
            if job.id not in ids:
                log.warning("job %s finished after its lease was lost; its effect stands: %s", job.id, result)
        self.stats.jobs_done += len(ids)

    async def fail(self, job: Job, error: JobError) -> None:
        try:
            await asyncio.to_thread(self.queue.fail, self.owner, job.id, error)
        except LeaseLost:
            log.warning("job %s failed after its lease was lost: %s", job.id, error.message)
            return
        self.stats.jobs_failed += 1
        self.stats.errors.append(f"{job.kind} {job.entity_key}: {error.message}")

    async def in_doubt(self, job: Job, detail: Mapping[str, Any]) -> None:
        try:
            await asyncio.to_thread(self.queue.mark_in_doubt, self.owner, job.id, dict(detail))
        except LeaseLost:
            return
        self.stats.jobs_in_doubt += 1

    # ------------------------------------------------------------- creates

    def read_rows(self, shop_entity: str, keys: Sequence[str]) -> Mapping[str, ShopRow]:
        rows: Mapping[str, ShopRow] = self.shop.get_rows(shop_entity, keys)
        return rows

    @staticmethod
    def row_id(row: ShopRow) -> int | None:
        return row.crm_id

    async def _ensure(
        self,
        entity: PortalEntity,
        jobs: list[Job],
        *,
        dependency_keys: Sequence[str] = (),
        stale_ids: Mapping[str, int] | None = None,
    ) -> dict[str, int]:
        """Make sure each job's record (and each dependency key's record) exists exactly once.

        Returns the portal id per shop key for every record now linked.
        """
        shop_entity = shop_of(entity)
        locks = await asyncio.to_thread(self.shop.locks)
        linked: dict[str, int] = {}
        try:
            job_by_key = {j.entity_key: j for j in jobs}
            wanted = [*job_by_key, *(k for k in dependency_keys if k not in job_by_key)]
            got = await asyncio.to_thread(locks.acquire, shop_entity, wanted, timeout=30.0)
            for job in jobs:
                if job.entity_key not in got:
                    await self.fail(job, LOCKED)
            await self._release_shared(entity, [j for j in jobs if j.entity_key in got])
            rows = await asyncio.to_thread(self.read_rows, shop_entity, sorted(got))
            items: list[_Item] = []
            skipped: list[tuple[Job, Mapping[str, Any]]] = []
            for key in wanted:
                if key not in got:
                    continue
                maybe_job = job_by_key.get(key)
                row = rows.get(key)
                if row is None:
                    if maybe_job:
                        skipped.append((maybe_job, {"skipped": "the record is no longer in the shop"}))
                    continue
                if row.problem:
                    if maybe_job:
                        await self.fail(maybe_job, _invalid(row))
                    continue
                stale = (stale_ids or {}).get(key)
                if stale is None and maybe_job and maybe_job.payload:
                    stale = maybe_job.payload.get("stale_id")
                current = self.row_id(row)
                if current is not None and current != stale:
                    # A creation is skipped when the record already has an id (checked again here).
                    linked[key] = current
                    if maybe_job:
                        skipped.append((maybe_job, {"id": current, "skipped": "already linked"}))
                    continue
                items.append(_Item(key, row, maybe_job, stale_id=current))
            await self.complete_many(skipped)
            self.stats.skipped += len(skipped)
            if items:
                await self._ensure_dependencies(entity, items)
                for item in await self._lookup_and_create(entity, items):
                    assert item.portal_id is not None
                    linked[item.key] = item.portal_id
        finally:
            await asyncio.to_thread(locks.close)
        return linked

    async def refusals(
        self, entity: PortalEntity, links: Sequence[tuple[str, int, Mapping[str, Any] | None]]
    ) -> dict[tuple[str, int], JobError]:
        """Of ``(shop key, portal id, portal record)`` links, the ones the app must not write through, with
        the reason: the id is also stored by another shop record (a shared link), or the record is not this
        shop record's (another integration's, or another origin id). Checked on the records as they are now,
        so a plan made earlier cannot write to a record that has since become shared."""
        shop_entity = shop_of(entity)
        storers = await asyncio.to_thread(self.shop.keys_storing, shop_entity, [pid for _, pid, _ in links])
        out: dict[tuple[str, int], JobError] = {}
        for key, pid, rec in links:
            others = ", ".join(k for k in storers.get(pid, ()) if k != key)
            if others:
                said: dict[str, Param] = {
                    "entity": entity,
                    "id": pid,
                    "shop_entity": shop_entity,
                    "others": others,
                }
                out[key, pid] = JobError.coded("SharedLink", Message("job.shared_link", said), False)
            elif rec is not None and not writable(rec, self.originator, key):
                foreign = owner_of(rec, self.originator) is Owner.FOREIGN
                said = {"entity": entity, "id": pid, "shop_entity": shop_entity, "stamp": stamp(rec)}
                msg = Message("job.foreign" if foreign else "job.not_ours", said)
                out[key, pid] = JobError.coded("ForeignRecord" if foreign else "SharedLink", msg, False)
        return out

    async def _release_shared(self, entity: PortalEntity, jobs: Sequence[Job]) -> None:
        """Creates that let go of a shared id first (the shared-link rule gave it to another record):
        clear the stored id with compare-and-set while the caller holds the record's lock, if it is still
        shared now. The create path then looks this record's own up by origin id, or makes it."""
        wanted: dict[str, int] = {}
        for job in jobs:
            rid = (job.payload or {}).get("release_id")
            if isinstance(rid, int) and not isinstance(rid, bool) and rid > 0:
                wanted[job.entity_key] = rid
        if not wanted:
            return
        rows = await asyncio.to_thread(self.read_rows, shop_of(entity), list(wanted))
        holding = {k: rid for k, rid in wanted.items() if (r := rows.get(k)) and self.row_id(r) == rid}
        if not holding:
            return
        records = await self.client.get_many(entity, set(holding.values()))
        links = [(k, rid, records.get(rid)) for k, rid in holding.items() if records.get(rid) is not None]
        for key, rid in await self.refusals(entity, links):
            if await asyncio.to_thread(self.shop.set_id, shop_of(entity), key, None, expected=rid):
                log.info("%s %s let go of shared %s %s", shop_of(entity), key, entity, rid)

    async def _ensure_dependencies(self, entity: PortalEntity, items: Sequence[_Item]) -> None:
        """A record is created with the records it points at (a deal its contact and company, a contact its
        company): ensure those first, through the same path."""
        rows = [it.row for it in items]
        for dep in in_dependency_order(kind(entity).depends_on):
            if dep.name not in self.shop.mapped_kinds:
                continue
            keys = sorted(await asyncio.to_thread(self._dependency_keys, dep.name, rows))
            if not keys:
                continue
            existing = await asyncio.to_thread(self.read_rows, dep.name, keys)
            missing = [k for k, r in existing.items() if r.crm_id is None]
            if missing:
                await self._ensure(dep.crm, [], dependency_keys=missing)

    def _dependency_keys(self, dep: str, rows: Sequence[ShopRow]) -> set[str]:
        """The keys of the ``dep`` rows that ``rows`` point at."""
        user_keys = {r.user_key for r in rows if isinstance(r, OrderRow) and r.user_key}
        if dep == USER.name:
            return user_keys
        if dep != COMPANY.name:
            return set()
        users = [r for r in rows if isinstance(r, UserRow)]
        if user_keys:
            users += [u for u in self.shop.get_rows(USER.name, user_keys).values() if isinstance(u, UserRow)]
        return {u.company_key for u in users if u.company_key}

    def _load_refs(self, rows: Sequence[ShopRow]) -> F.RefIndex:
        """The users and companies ``rows`` point at, for the CRM ids their records refer to."""
        user_keys = {r.user_key for r in rows if isinstance(r, OrderRow) and r.user_key}
        users = self.shop.get_users(user_keys) if user_keys else {}
        company_keys = {
            u.company_key
            for u in [*users.values(), *(r for r in rows if isinstance(r, UserRow))]
            if u.company_key
        }
        companies: dict[str, CompanyRow] = {}
        if company_keys and COMPANY.name in self.shop.mapped_kinds:
            companies = {
                k: c
                for k, c in self.shop.get_rows(COMPANY.name, company_keys).items()
                if isinstance(c, CompanyRow)
            }
        return F.RefIndex(users, companies)

    async def _lookup(self, entity: PortalEntity, items: Sequence[_Item]) -> None:
        """Fill ``portal_id`` (and ``extra_ids``) for items whose record exists, found by origin id."""
        found = await self.client.find_by_origin(
            entity, self.originator, [it.key for it in items], select=["ID"]
        )
        for it in items:
            ids = sorted(int(r["ID"]) for r in found.get(it.key, []))
            if ids:
                it.portal_id = ids[0]
                it.extra_ids = ids[1:]
                it.how = "adopted"

    @staticmethod
    def _check_results(expected: int, results: Sequence[object]) -> None:
        if len(results) != expected:
            raise RuntimeError(f"the client returned {len(results)} results for {expected} commands")

    async def _desired(self, entity: str, items: Sequence[_Item]) -> list[dict[str, Any]]:
        refs = await asyncio.to_thread(self._load_refs, [it.row for it in items])
        return [
            F.desired(it.row, originator=self.originator, refs=refs.of(it.row), category=self.category)
            for it in items
        ]

    async def _lookup_and_create(self, entity: PortalEntity, items: list[_Item]) -> list[_Item]:
        """Look ``items`` up, adopt what is found, create the rest; every group is written back (the shop's
        ids, then the jobs' completions, a transaction each) as soon as its answer is in. Returns the items
        now linked, with the id the shop stores."""
        try:
            await self._lookup(entity, items)
        except BitrixError as exc:
            if isinstance(exc, UserFacingError):
                raise
            for it in items:
                if it.job:
                    # Nothing was created: a failed lookup is always safe to repeat.
                    await self.fail(it.job, JobError.of(exc, retryable=True))
            return []
        found = [it for it in items if it.portal_id is not None]
        self.stats.adopted += len(found)
        linked = await self._write_back(entity, found)
        todo = []
        for it in items:
            if it.portal_id is not None:
                continue
            if it.stale_id is not None and not self.settings.recreate_stale:
                if it.job:
                    msg = Message("job.stale_recreate_off", {"entity": entity, "id": it.stale_id})
                    await self.fail(it.job, JobError.coded("StaleLink", msg, False))
                continue
            if await self._stage_refused(it.job, it.row):
                continue
            todo.append(it)
        if not todo:
            return linked
        fields = await self._desired(entity, todo)
        # One lookup covered them all; the creates go 50 a request, each group written ahead on its own and
        # written back on its own.
        for start in range(0, len(todo), GROUP):
            group = todo[start : start + GROUP]
            await self._create(entity, group, fields[start : start + GROUP])
            linked += await self._write_back(entity, [it for it in group if it.portal_id is not None])
        return linked

    async def _create(self, entity: PortalEntity, todo: list[_Item], fields: list[dict[str, Any]]) -> None:
        # Write-ahead: if we crash after this line, the restart finds "sending" and settles by lookup.
        job_ids = [it.job.id for it in todo if it.job]
        if job_ids:
            await asyncio.to_thread(
                self.queue.mark_sending,
                self.owner,
                job_ids,
                {"method": f"crm.{entity}.add", "count": len(todo)},
            )
        results = await self.client.add_many(entity, fields)
        self._check_results(len(todo), results)
        doubtful: list[_Item] = []
        for it, res in zip(todo, results, strict=True):
            if isinstance(res, int):
                it.portal_id = res
                it.how = "created"
                self.stats.created += 1
            elif isinstance(res, OutcomeUnknown):
                doubtful.append(it)
            elif isinstance(res, BaseException):
                if isinstance(res, UserFacingError):
                    raise res
                if it.job:
                    await self.fail(it.job, _error(res))
        if doubtful:
            await self._settle(entity, doubtful)

    async def _settle(self, entity: PortalEntity, items: list[_Item]) -> None:
        """An ambiguous create: the portal may or may not have made the record. Never retry blindly:
        look it up by origin id; what is found is adopted, the rest waits in doubt (see ``settle_delay``)."""
        try:
            await self._lookup(entity, items)
        except BitrixError as exc:
            if isinstance(exc, UserFacingError):
                raise
            log.info("the lookup after %d ambiguous %s creates failed: %s", len(items), entity, exc)
        for it in items:
            if it.portal_id is not None:
                self.stats.adopted += 1
            elif it.job:
                # Not there (yet). A real portal may still be finishing the request: the job waits in doubt
                # for the portal's own request time limit, then runs again starting with the lookup.
                await self.in_doubt(it.job, reason_detail(Message("reason.not_found_after_send")))

    async def _write_back(self, entity: PortalEntity, items: Sequence[_Item]) -> list[_Item]:
        """Store the portal ids of ``items`` in the shop (compare-and-set each, one transaction for them
        all), then complete their jobs (one transaction). A lost race adopts the winner's id and hands the
        extra record to duplicate cleanup. Returns the items linked, with the id the shop now stores.

        A crash between the two transactions leaves the jobs "sending": the restart finds them in doubt and
        their next run skips the records, which already have their ids."""
        if not items:
            return []
        shop_entity = shop_of(entity)
        changes = [(it.key, it.portal_id, it.stale_id) for it in items if it.portal_id is not None]
        won = await asyncio.to_thread(self.shop.set_ids, shop_entity, changes)
        lost = [it.key for it in items if it.key not in won]
        rows = await asyncio.to_thread(self.read_rows, shop_entity, lost) if lost else {}
        linked: list[_Item] = []
        cleanups: list[tuple[str, str, Mapping[str, Any]]] = []
        done: list[tuple[Job, Mapping[str, Any]]] = []
        for item in items:
            assert item.portal_id is not None
            extra = list(item.extra_ids)
            winner = item.portal_id
            if item.key not in won:
                row = rows.get(item.key)
                current = self.row_id(row) if row else None
                if current is not None and current != item.portal_id:
                    # Another worker linked a different record first: adopt it, hand ours to cleanup.
                    self.stats.lost_races += 1
                    extra.append(item.portal_id)
                    winner = current
                elif current is None and row is not None:
                    if item.job:
                        await self.fail(
                            item.job,
                            JobError.coded("WriteBackFailed", Message("job.write_back_failed"), True),
                        )
                    continue
            item.portal_id = winner
            if extra:
                cleanups.append((f"{entity}.cleanup", item.key, {"ids": sorted({winner, *extra})}))
            if item.job:
                done.append((item.job, {"id": winner, "how": item.how or "linked", "extra": extra}))
            linked.append(item)
        if cleanups:
            await asyncio.to_thread(self.queue.enqueue_many, cleanups, created_by="sync")
        await self.complete_many(done)
        return linked

    async def _stage_refused(
        self, job: Job | None, row: ShopRow, deal: Mapping[str, Any] | None = None
    ) -> bool:
        """An order whose stage is not a stage of the deal's pipeline, or whose deal lives in another pipeline
        than configured, is an error of that record: nothing is sent (a real portal would swap or ignore the
        stage without a word), the deal is never moved, and the job says why."""
        if self.stages is None or not isinstance(row, OrderRow):
            return False
        problem = await self.stages.problem(row, deal)
        if problem is None:
            return False
        if job:
            said = Message("job.stage_not_in_pipeline", {"key": row.key, "problem": problem})
            await self.fail(job, JobError.coded("StageNotInPipeline", said, False))
        return True

    # ------------------------------------------------------------- relinks

    async def _relink(self, entity: PortalEntity, jobs: list[Job]) -> None:
        """Adopt a record found by another key (a deal the old backend made before origin ids): stamp our
        origin id on it and write its id back (compare-and-set). If it is gone, the create path runs."""
        shop_entity = shop_of(entity)
        wanted = {j.entity_key: int((j.payload or {}).get("portal_id") or 0) for j in jobs}
        records = await self.client.get_many(entity, [i for i in wanted.values() if i > 0])
        rows = await asyncio.to_thread(self.read_rows, shop_entity, list(wanted))
        gone: list[Job] = []
        locks = await asyncio.to_thread(self.shop.locks)
        try:
            got = await asyncio.to_thread(locks.acquire, shop_entity, list(wanted), timeout=30.0)
            for job in jobs:
                key, pid = job.entity_key, wanted[job.entity_key]
                row = rows.get(key)
                if key not in got:
                    await self.fail(job, LOCKED)
                elif row is None:
                    await self.complete(job, {"skipped": "the record is no longer in the shop"})
                elif row.problem:
                    await self.fail(job, _invalid(row))
                elif self.row_id(row) == pid:
                    await self.complete(job, {"id": pid, "skipped": "already linked"})
                elif records.get(pid) is None:
                    gone.append(job)
                elif refused := (await self.refusals(entity, [(key, pid, records.get(pid))])).get((key, pid)):
                    # Re-checked now (the shop may have changed since the plan): a title match never takes a
                    # record another one stores, nor one that is not this record's. It gets its own instead.
                    log.info("%s %s: %s not adopted: %s", shop_entity, key, entity, refused.message)
                    gone.append(job)
                elif await self._stage_refused(job, row, records.get(pid)):
                    continue
                else:
                    # Stamp our origin id and bring the adopted record in step with the shop at once.
                    (fields,) = await self._desired(entity, [_Item(key, row, job)])
                    if self.owners is not None:  # an existing record: the CRM's own fields stay its own
                        fields = self.owners.without_crm_fields(shop_entity, fields)
                    (err,) = await self.client.update_many(entity, [(pid, fields)])
                    if err is not None:
                        if isinstance(err, UserFacingError):
                            raise err
                        await self.fail(job, JobError.of(err, retryable=True))
                        continue
                    item = _Item(key, row, job, stale_id=self.row_id(row), portal_id=pid, how="relinked")
                    await self._write_back(entity, [item])
        finally:
            await asyncio.to_thread(locks.close)
        if gone:
            await self._ensure(entity, gone)

    # ------------------------------------------------------------- updates

    async def _update(self, entity: PortalEntity, jobs: list[Job]) -> None:
        shop_entity = shop_of(entity)
        rows = await asyncio.to_thread(self.read_rows, shop_entity, [j.entity_key for j in jobs])
        to_create: list[Job] = []
        stale_ids: dict[str, int] = {}
        linked: list[tuple[Job, ShopRow, int]] = []
        for job in jobs:
            row = rows.get(job.entity_key)
            if row is None:
                await self.complete(job, {"skipped": "the record is no longer in the shop"})
                continue
            if row.problem:
                await self.fail(job, _invalid(row))
                continue
            rid = self.row_id(row)
            if rid is None:
                to_create.append(job)  # an update of a record without a portal id creates it
            else:
                linked.append((job, row, rid))
        current = await self.client.get_many(entity, [rid for _, _, rid in linked]) if linked else {}
        refs = await asyncio.to_thread(self._load_refs, [r for _, r, _ in linked])
        keys = [j.entity_key for j, _, _ in linked]
        agreed = (
            await asyncio.to_thread(baselines, shop_entity, self.owners, self.queue.pull_fields, keys)
            if self.owners is not None
            else {}
        )
        present = [(j.entity_key, rid, current[rid]) for j, _, rid in linked if current.get(rid) is not None]
        refused = await self.refusals(entity, present)
        updates: list[tuple[Job, int, dict[str, Any]]] = []
        for job, row, rid in linked:
            rec = current.get(rid)
            if (error := refused.get((job.entity_key, rid))) is not None:
                # Nothing is written to a shared link, nor to another integration's record.
                await self.fail(job, replace(error, message=f"not updated: {error.message}"))
                continue
            if rec is None:
                if self.settings.recreate_stale:
                    # A stale link: re-link by origin id, or re-create (the create path decides).
                    stale_ids[job.entity_key] = rid
                    to_create.append(job)
                else:
                    await self.fail(
                        job,
                        JobError.coded(
                            "StaleLink", Message("job.stale_link", {"entity": entity, "id": rid}), False
                        ),
                    )
                continue
            row_refs = refs.of(row)
            desired = F.desired(row, originator=self.originator, refs=row_refs, category=self.category)
            diffs = F.diff(row, rec, refs=row_refs, category=self.category)
            known = agreed.get(job.entity_key, {})
            if self.owners is not None:  # never over a change made in the CRM (it is the pull's)
                diffs = self.owners.push_diffs(shop_entity, diffs, rec, known)
                # nor over one a pull saw after this read the record (it waits in the baselines, read later)
                diffs = [d for d in diffs if not _crm_change_waits(known, d.field)]
            # Kept from before origin ids: ours by the shop's word, so it gets our origin ids.
            diffs += F.origin_diff(rec, originator=self.originator, key=job.entity_key)
            if not diffs:
                await self.complete(job, {"id": rid, "unchanged": True})
                continue
            if await self._stage_refused(job, row, rec):
                continue
            replacing = {name: f.agreed for name, f in known.items() if f.agreed}
            updates.append((job, rid, F.update_fields_for(entity, desired, rec, diffs, replacing)))
        if updates:
            results = await self.client.update_many(entity, [(rid, f) for _, rid, f in updates])
            sent: list[tuple[str, str]] = []
            pullable = [r.name for r in self.owners.rules(shop_entity)] if self.owners is not None else []
            for (job, rid, f), res in zip(updates, results, strict=True):
                if res is None:
                    self.stats.updated += 1
                    self.stats.stamped += bool(F.STAMP_FIELDS & f.keys())
                    await self.complete(job, {"id": rid, "fields": sorted(f)})
                    sent += ((job.entity_key, name) for name in pullable if name in f)
                elif isinstance(res, UserFacingError):
                    raise res
                elif isinstance(res, NotFound):
                    await self.fail(
                        job,
                        JobError.coded(
                            "StaleLink", Message("job.vanished", {"entity": entity, "id": rid}), True
                        ),
                    )
                elif isinstance(res, OutcomeUnknown):
                    # An update is idempotent: sending the same values again is harmless.
                    await self.fail(job, JobError.of(res, retryable=True))
                else:
                    await self.fail(job, _error(res))
            await self._pushed_over_pulls(shop_entity, sent)
        if to_create:
            await self._ensure(entity, to_create, stale_ids=stale_ids)

    async def _pushed_over_pulls(self, shop_entity: str, sent: Sequence[tuple[str, str]]) -> None:
        """The shop's values of these (key, field) pairs are the CRM's newest now: an older CRM value a dead
        or cancelled pull job of the record carries is over, and leaves it (one a person dropped and retries
        writes nothing over the shop's value). Queued, failed and running jobs are left as they are (one may
        carry a change made after the push wrote): the pull reads the push back and settles them then."""
        if not sent:
            return
        try:
            await asyncio.to_thread(
                self.queue.supersede_pull_fields, shop_entity, sent, actor=self.owner, pushed=True
            )
        except UserFacingError as exc:  # the queue out of reach: the jobs are done, this only tidies up
            log.warning("the pull jobs of %d pushed fields were not tidied up: %s", len(sent), exc)
