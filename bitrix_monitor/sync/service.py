"""One service over the shop, the portal client and the job queue, used by the headless front end and the
desktop window alike (it implements :class:`~bitrix_monitor.sync.api.MonitorApi`). It is assembled in
:mod:`bitrix_monitor.wiring`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bitrix_monitor.bitrix import BitrixClient, WebhookUrl
from bitrix_monitor.bitrix.client import BatchResult
from bitrix_monitor.bitrix.errors import BitrixError, PortalUnreachable
from bitrix_monitor.config import AppConfig, duration_seconds
from bitrix_monitor.errors import ConfigError, UserFacingError
from bitrix_monitor.kinds import crm_of, shop_of
from bitrix_monitor.messages import Message, Note, Param, joined
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobStore, LoggedEvent, TeamRunner
from bitrix_monitor.queue.model import PullField, kind_info
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.shop.errors import (
    ShopAuthError,
    ShopConnectionLostError,
    ShopMissingDatabaseError,
    ShopUnreachableError,
    value_reason,
)
from bitrix_monitor.sync import saved
from bitrix_monitor.sync.api import (
    ActivityEntry,
    BudgetLine,
    FieldOwnership,
    MergePreview,
    Outage,
    ProgressCallback,
    QueueRow,
    QueueSummary,
    RecordChanges,
    RunnerStatus,
    Snapshot,
)
from bitrix_monitor.sync.archive import Archive, ArchivedRecord, UnreadableArchive
from bitrix_monitor.sync.changes import ChangeWatcher
from bitrix_monitor.sync.cleanup import choose_survivor
from bitrix_monitor.sync.custom_fields import check_shop_fields
from bitrix_monitor.sync.engine import JobRunner, RunStats
from bitrix_monitor.sync.field_pull import FieldPuller
from bitrix_monitor.sync.incremental import IncrementalState, Refresher, due
from bitrix_monitor.sync.model import PORTAL_ENTITY, FieldDiff, Plan, PlannedJob, QueueMark, RecordState
from bitrix_monitor.sync.owners import FieldOwners, baselines
from bitrix_monitor.sync.ownership import Owner, owner_of
from bitrix_monitor.sync.pull import WAITING, PullOutcome, StageMoved, StagePuller, hold_waiting, said_note
from bitrix_monitor.sync.reconcile import QueueInfo, Reconciler, TitlePattern, job_for
from bitrix_monitor.sync.restore import RestoreOutcome, Restorer
from bitrix_monitor.sync.stages import Pipeline, StageGuard

log = logging.getLogger(__name__)

PROBE_EVERY = 5.0  # seconds between tries of a side that cannot be reached
# While the window is open, a shop nothing else has heard from for this long is checked (``SELECT 1``, see
# ShopDatabase.ping): an idle window (auto-sync off, or between its polls) notices the shop going away.
SHOP_CHECK_EVERY = 30.0
SHOP_CHECK_TIMEOUT = 5.0  # a check not answered in this long says the shop cannot be reached
TEAM_LEASE_SECONDS = 30.0  # a killed runner's jobs are claimed again this long after its last heartbeat
RUNNERS_KEPT_IN_VIEW = timedelta(days=1)  # runners unheard of for longer are history, not the team
DESK_DESCRIPTION = "bitrix-monitor window"  # how an open window is listed among the team queue's runners
MOVES_LOGGED = 50  # stage moves of one pull the activity log names one by one (the rest are counted)
SYNCED_OVERLAP = timedelta(minutes=2)  # "last synced" is read again this far back (late commits)
# The team queue's audit trail as the Activity tab shows it: what people and the queue did to jobs, and how
# the jobs ran (read apart, so a night's thousands of completions never push a person's retry out of view).
AUDIT_EVENTS = ("retried", "cancelled", "settled", "moved", "lease_expired")
# (a pull job a newer CRM change superseded is the queue's doing, and comes in bulk: read with the runs)
RUN_EVENTS = ("enqueued", "folded", "completed", "failed", "dead", "in_doubt", "resolved", "superseded")
# This desk's own lines about what it did to jobs, which the audit trail tells job by job (enqueued or
# folded, retried, cancelled, settled, resolved): on a team queue the Activity tab shows the trail's lines
# for them, and not these beside them (each action said once).
TOLD_BY_TRAIL = frozenset(
    {
        "activity.queued",
        "activity.retried",
        "activity.cancelled",
        "activity.settled.done",
        "activity.settled.retry",
        "activity.resolved",
    }
)

_MARKS = {"queued": QueueMark.QUEUED, "running": QueueMark.RUNNING, "failed": QueueMark.FAILED,
          "in_doubt": QueueMark.IN_DOUBT, "dead": QueueMark.DEAD}  # fmt: skip


class PortalFailed(UserFacingError):
    """Reading the portal failed in a way no retry mended (garbage answers, server errors, timeouts)."""

    def __init__(self, webhook: WebhookUrl, exc: BaseException) -> None:
        super().__init__(f"The Bitrix24 portal {webhook.redacted} could not be read: {exc}")


# The state a record shows when several of its fields wait: the one a person must act on first.
_WAITING_ORDER = (RecordState.CONFLICT, RecordState.NEEDS_STAGE_MAPPING, RecordState.CHANGED_IN_CRM)
# The fields a person tells duplicates apart by, in the cleanup preview (per CRM kind).
PREVIEW_FIELDS: dict[str, tuple[str, ...]] = {
    "deal": ("TITLE", "OPPORTUNITY", "CURRENCY_ID", "STAGE_ID", "CONTACT_ID", "DATE_CREATE", "DATE_MODIFY"),
    "contact": ("NAME", "LAST_NAME", "EMAIL", "PHONE", "COMPANY_ID", "DATE_CREATE", "DATE_MODIFY"),
    "company": ("TITLE", "EMAIL", "PHONE", "DATE_CREATE", "DATE_MODIFY"),
}


def _as_text(value: Any) -> str:
    """A portal field's value as one line: multi-fields (e-mail, phone) as their values, comma-separated."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v.get("VALUE", "")) if isinstance(v, Mapping) else str(v) for v in value)
    return str(value)


LEGACY_MEMORY = "legacy_titles"  # what the last search for deals made before origin ids found
# Shop records written outside any job since the last reconcile (unlink, restore), which the next incremental
# pass reads again whichever process makes it: such a write need not move the row's updated_at.
WRITTEN_MEMORY = "written_since_reconcile"
# When the job history was last pruned (``[sync] keep_history``), kept with the queue: a --sync run from
# cron, a window and a team's other desks each prune at most once a day between them.
PRUNED_MEMORY = "history_pruned_at"
PRUNE_EVERY = 86400.0  # seconds between prunings of the job history
PRUNE_CHECK_EVERY = 3600.0  # seconds between looks (one read of the queue) by a long-running process
# Seconds a long-running process prunes for at one look, in slices of PRUNE_SLICE jobs (0.25 s on the local
# queue, about 1.3 s on a team's PostgreSQL): a long history (the first pruning after an upgrade: about 35 s
# for 900,000 jobs) goes a look at a time, with the queue's jobs run in between.
PRUNE_BUDGET = 1.0
PRUNE_SLICE = 5_000


class MonitorService:
    """Everything the front ends do goes through here."""

    def __init__(
        self,
        cfg: AppConfig,
        dirs: DataDirs,
        shop: ShopDatabase,
        client: BitrixClient,
        queue: JobStore,
        *,
        originator: str,
        webhook: WebhookUrl,
        settle_delay: float = 60.0,
    ) -> None:
        self.cfg = cfg
        self.dirs = dirs
        self.shop = shop
        self.client = client
        self.queue = queue
        self.originator = originator
        self.webhook = webhook
        self.settle_delay = settle_delay
        self.desk = cfg.queue.desk_name  # who this desk is to the team ([queue] desk, else user@host)
        # The lease owner: this process on this machine, unique whatever the desks are called.
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._paused = asyncio.Event()
        self._activity: list[ActivityEntry] = []
        self._activity_file = dirs.activity_file
        self.last_stats = RunStats()
        self.runner_status = ""  # what the background runner last said (who holds the queue, …)
        self.runner_said: UserFacingError | Message | None = None  # the same as codes, for the window
        self.pruning_left = False  # the last pruning of the history spent its budget with more to prune
        self._stop = asyncio.Event()
        # Set while paused or closing: the background run stops after the jobs in hand (none is left
        # half-done), so pausing is also how the window's Stop ends a run that is under way.
        self._halt = asyncio.Event()
        self._background: asyncio.Task[None] | None = None
        self._watcher: ChangeWatcher | None = None  # the background runner's, once it polls the shop
        self._pulling = asyncio.Lock()  # one pull at a time (the runner's and a person's Refresh)
        self._closers: list[Callable[[], Awaitable[None]]] = []
        # Shop records the service changed outside any job (unlink, restore): judged again by the next
        # incremental pass, whose shop reads go by updated_at, which such a write need not move.
        self._written: dict[str, set[str]] = {}
        self._archive_read: tuple[int, list[ArchivedRecord]] | None = None  # (directory's mtime, records)
        self._outages: dict[str, Outage] = {}  # "portal" / "shop" -> since when it cannot be reached
        # Lease owner ("host:pid") -> the name its desk goes by among the team's runners: a runner's name is
        # written when its run starts and changes only when a new process takes over its pid, so each is
        # asked for once (see _desks_of).
        self._desks: dict[str, str] = {}
        self._shop_ping: asyncio.Task[None] | None = None  # the last check of the shop (see check_shop)
        self._shop_heard = 0.0  # the loop's time the shop last answered a check or the runner's poll
        self._throttled: dict[datetime, float] = {}  # minute -> seconds held back by the rate limit
        self._throttle_seen = 0.0
        self.stages = StageGuard(client, cfg.shop.orders)  # the deal pipeline, read again by each snapshot
        self.puller = StagePuller(shop, client, queue, cfg.shop.orders)  # stage moves made in the CRM
        self.owners = FieldOwners(cfg.shop)  # who changes each field: what is pushed, what is pulled
        self.field_puller = FieldPuller(shop, client, queue, self.owners)  # other fields edited in the CRM
        self._refresher: Refresher | None = None  # what the last full pass read, for incremental passes
        # When each record's last job was done (shop kind -> key -> time, "last synced"), read whole once and
        # then from the queue's time of the last read on, less SYNCED_OVERLAP.
        self._synced: dict[str, dict[str, datetime]] = {}
        self._synced_read: datetime | None = None
        self._synced_moved: dict[str, set[str]] = {}  # whose time moved since the last snapshot took them
        self.always_full = False  # every reconcile reads everything (--full)
        # The first reconcile of the process may go on from the state kept in the job store (not after a
        # person asked for a full check, nor after a pass failed halfway).
        self._may_load = True

    # ------------------------------------------------------------------ lifecycle

    def on_close(self, closer: Callable[[], Awaitable[None]]) -> None:
        """Run ``closer`` after the service has closed (e.g. stop the demo's portal)."""
        self._closers.append(closer)

    async def aclose(self) -> None:
        self._stop.set()
        self._halt.set()
        if self._background is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._background
        if self._shop_ping is not None:
            self._shop_ping.cancel()  # a check still hanging on a dead connection (its thread ends alone)
        await self.client.aclose()
        await asyncio.to_thread(self.shop.close)
        await asyncio.to_thread(self.queue.close)
        for closer in self._closers:
            await closer()

    # ------------------------------------------------------------------ background work (desktop)

    def start_background(self, *, tick: float = 1.0, shop_check: float = SHOP_CHECK_EVERY) -> None:
        """Process the queue while the window is open, and poll the shop for changes when auto-sync is on
        (``[sync] auto_sync_interval``); check that the shop still answers when nothing else has heard
        from it for ``shop_check`` seconds (:meth:`check_shop`). Stopped by :meth:`aclose`."""
        if self._background is None:
            self._background = asyncio.get_running_loop().create_task(
                self._run_background(tick, shop_check), name="runner"
            )

    def change_watcher(self) -> ChangeWatcher:
        """A watcher over this service's shop that queues jobs for what changes there (as "watch")."""
        return ChangeWatcher(self.shop, self.cfg.shop, functools.partial(self.apply, actor="watch"))

    async def _run_background(self, tick: float, shop_check: float) -> None:
        # On a team queue the open window is one of the team's runners: listed for as long as it is open,
        # its heartbeat renewed every third of a lease (a window that stops beating is shown as silent).
        with contextlib.ExitStack() as listed:
            await self._background_loop(tick, listed, shop_check)

    async def _background_loop(self, tick: float, listed: contextlib.ExitStack, shop_check: float) -> None:
        interval = self.cfg.sync.auto_sync_interval
        next_poll = 0.0
        next_beat = 0.0
        next_probe = 0.0
        next_prune = 0.0
        shared = not self.queue.exclusive
        loop = asyncio.get_running_loop()
        self._shop_heard = loop.time()  # the shop answered when the service was opened
        while not self._stop.is_set():
            try:
                if shared and loop.time() >= next_beat:
                    if next_beat == 0.0:
                        listed.enter_context(self.queue.runner_lock(DESK_DESCRIPTION, desk=self.desk))
                    else:
                        await asyncio.to_thread(self.queue.heartbeat, self.owner)
                    next_beat = loop.time() + TEAM_LEASE_SECONDS / 3
                if interval > 0 and not self.runner_paused and loop.time() >= next_poll:
                    # Changes made in the CRM come in first (as --sync and --watch do); the app's own writes
                    # into the shop are not taken for shop changes.
                    pulled = await self.pull()
                    if self._watcher is None:
                        self._watcher = self.change_watcher()
                        await self._watcher.prime()
                    else:
                        await self._watcher.note_pulled(pulled.written())
                        if await self._watcher.poll():
                            self._log_activity("watch", Message("activity.watch_queued"))
                    next_poll = loop.time() + interval
                    self._shop_heard = loop.time()  # the poll read the shop
                if "shop" not in self._outages and loop.time() >= self._shop_heard + shop_check:
                    # Nothing touched the shop for a while (an idle window): one light check, so that a
                    # shop gone away shows as an outage now, not when a person next acts. A shop found away
                    # is tried again by the probe, a probe's time later.
                    next_probe = loop.time() + PROBE_EVERY
                    await self.check_shop()
                if self._outages and loop.time() >= next_probe:
                    next_probe = loop.time() + PROBE_EVERY
                    await self.probe()
                summary = await self.queue_summary()
                if self._outages:
                    pass  # nothing runs until both sides answer again (the probe above finds out)
                elif not self.runner_paused and (summary.queued or summary.failed or summary.in_doubt):
                    await self.run_queue(stop=self._halt, max_wait=0)
                if not self._outages and loop.time() >= next_prune:
                    wait = await self.prune_a_look(PRUNE_CHECK_EVERY)
                    next_prune = loop.time() + wait
                self.runner_status, self.runner_said = "", None
            except UserFacingError as exc:
                self.note_outage(exc)
                self.runner_status, self.runner_said = str(exc), exc
                log.warning("background runner: %s", exc)
            except Exception:  # a bug: keep the window alive, log it with its traceback
                log.exception("background runner failed")
                self.runner_said = Message("runner.internal_error")
                self.runner_status = str(self.runner_said)
            self._sample_throttle()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=tick)

    # ------------------------------------------------------------------ reading

    async def _queue_info(self) -> dict[tuple[str, str], QueueInfo]:
        jobs = await asyncio.to_thread(
            self.queue.list_jobs, states=["queued", "running", "failed", "in_doubt", "dead"], limit=1_000_000
        )
        out: dict[tuple[str, str], QueueInfo] = {}
        for j in jobs:
            entity = shop_of(j.entity_type)
            mark = _MARKS.get(j.state, QueueMark.NONE)
            prev = out.get((entity, j.entity_key))
            if prev is None or prev.mark is QueueMark.DEAD:
                out[(entity, j.entity_key)] = QueueInfo(
                    mark, j.error.message if j.error else "", error=j.error
                )
        return out

    def _last_synced(self) -> dict[str, dict[str, datetime]]:
        """When each record's last job was done, per shop kind and key: the whole history's one grouped
        query the first time, then the jobs done since the last read (less an overlap for transactions that
        committed late), folded in."""
        since = None if self._synced_read is None else self._synced_read - SYNCED_OVERLAP
        read_at = self.queue.now()
        for entity_type, by_key in self.queue.last_done(since=since).items():
            into = self._synced.setdefault(shop_of(entity_type), {})
            if not into:
                into.update(by_key)
                continue
            moved = self._synced_moved.setdefault(shop_of(entity_type), set())
            for key, at in by_key.items():
                known = into.get(key)
                if known is None or at > known:
                    into[key] = at
                    moved.add(key)
        self._synced_read = read_at
        return self._synced

    async def snapshot(self, progress: ProgressCallback | None = None, *, full: bool = False) -> Snapshot:
        """Reconcile the shop with the portal (see :meth:`_snapshot`). A side that cannot be reached is
        noted as an outage (see :meth:`outages`); a snapshot that succeeds clears them."""
        try:
            snap = await self._snapshot(progress, full=full)
        except UserFacingError as exc:
            self.note_outage(exc)
            raise
        self._outages.clear()  # both sides answered the whole reconcile
        return snap

    async def refresh(self, progress: ProgressCallback | None = None, *, full: bool = False) -> Snapshot:
        """What a person's Refresh does: the CRM's changes come in first (:meth:`pull`: written into the
        shop, or queued as pull jobs), as ``--sync`` and the background runner pull before they reconcile,
        then the snapshot shows both sides. With nothing the CRM may change (every owner ``shop``), the
        pull asks nothing and changes nothing: the snapshot alone."""
        try:
            pulled = await self.pull()
        except UserFacingError as exc:
            self.note_outage(exc)
            raise
        if self._watcher is not None:  # the background runner's: the pull's writes are not shop changes
            await self._watcher.note_pulled(pulled.written())
        return await self.snapshot(progress, full=full)

    async def _snapshot(self, progress: ProgressCallback | None, *, full: bool) -> Snapshot:
        """Reconcile: incrementally (only what changed on either side since the last pass) after a full pass
        in this process, fully on the first, when ``full`` or :meth:`full_next` asks, when the legacy search
        is to run again, and every ``[sync] full_every``."""
        started = await asyncio.to_thread(self.queue.now)  # before the baselines are read
        reconciler, agreed = await self._reconciler()
        # Records whose last job was done since the last snapshot: judged again (a job that changed nothing
        # moves neither side's records, but its time is shown).
        synced, self._synced_moved = self._synced_moved, {}
        pattern, known = reconciler.title_pattern, reconciler.legacy_known
        before = self.client.cost()
        if not (full or self.always_full):
            await self._go_on_from_saved(reconciler)
        refresher = self._refresher
        sync = self.cfg.sync
        incremental = (
            refresher is not None
            and not (full or self.always_full)
            and (pattern is None or known is not None)  # no legacy search to run
            and refresher.mirror.exact
            and not due(refresher.state.full_at, duration_seconds(sync.full_every))
        )
        if incremental and refresher is not None:
            # Jobs queued since the last pass and pruned from the history before this one (a state older
            # than [sync] keep_history) cannot be found again: this pass reads everything.
            incremental = refresher.state.job_cursor >= await asyncio.to_thread(self.queue.pruned_job)
        touched: dict[str, set[str]] | None = None
        try:
            if incremental:
                assert refresher is not None
                queued, ran = await asyncio.to_thread(self._jobs_since, refresher.state)
                # Records whose baselines moved (a pull wrote the shop, a person settled a conflict): what
                # the push may send of them changed, and the shop's updated_at does not always move with it.
                # They are judged again even when neither side's record changed (a person kept the shop's
                # value of a conflict; a pull found the shop's change later than the CRM's the last pass
                # read): their push then sends the shop's value.
                moved = _moved(refresher.baselines, agreed)
                also = {kind: set(keys) for kind, keys in moved.items()}
                for kind, keys in moved.items():
                    synced.setdefault(kind, set()).update(keys)
                written = await asyncio.to_thread(self._written_since)
                for kind, keys in (*queued.items(), *written.items()):
                    also.setdefault(kind, set()).update(keys)
                deletions = due(refresher.state.deletions_at, duration_seconds(sync.deletions_every))
                try:
                    snap, changes = await refresher.refresh(
                        reconciler, deletions=deletions, also=also, ran=ran, judge=synced, progress=progress
                    )
                except BaseException:
                    self._refresher = None  # half brought up to date: the next reconcile reads everything
                    self._may_load = False
                    raise
                snap = dataclasses.replace(snap, pass_kind="incremental")
                self._written.clear()
                if written:
                    await asyncio.to_thread(self.queue.remember, WRITTEN_MEMORY, None)
                touched = changes.touched
            else:
                # A full pass's memory replaces the last one's; its shop rows are kept through the pass:
                # a row read again from the same values is the row held, not made again (at a million rows,
                # most of reading the shop).
                last_rows = None if refresher is None else refresher.mirror.rows
                self._refresher = refresher = None
                shop_from = {
                    k: await asyncio.to_thread(self.shop.max_updated_at, k) for k in self.shop.mapped_kinds
                }
                jobs = await asyncio.to_thread(self.queue.list_jobs, limit=1)

                async def check(head: BatchResult) -> None:
                    # Before the pass reads on: a stage map or pipeline the portal does not have, and
                    # [shop.*.fields] it does not have, are a ConfigError. The stages came with its first
                    # request.
                    await self.stages.refresh(answered=(head, "stages"))
                    await check_shop_fields(self.client, self.shop, self.cfg.shop)

                snap = await reconciler.run(
                    progress, ask=({"stages": self.stages.command()}, check), held=last_rows
                )
                last_rows = None
                if reconciler.clock is not None:  # read before the first list: where the next pass starts
                    refresher = Refresher.after_full(
                        reconciler, portal_from=reconciler.clock, shop_from=shop_from
                    )
                    refresher.state.job_cursor = jobs[0].id if jobs else 0
                    self._refresher = refresher
        except BitrixError as exc:
            if isinstance(exc, UserFacingError):
                raise
            raise PortalFailed(self.webhook, exc) from exc
        if self._refresher is not None:
            self._refresher.baselines = agreed
            await asyncio.to_thread(self._keep, self._refresher)
        if reconciler.legacy_found is not None and pattern is not None:
            found = {"pattern": pattern.regex.pattern, "found": reconciler.legacy_found}
            await asyncio.to_thread(self.queue.remember, LEGACY_MEMORY, found)
        # Fields both sides agree on are the baselines of the next pull's merge (an incremental pass looks at
        # the records it judged again). Records whose CRM change is not applied yet are shown so, and held
        # (their old values are not pushed back).
        judged = snap
        if touched is not None:
            again = {k: [s for s in v if s.key in touched.get(k, ())] for k, v in snap.records.items()}
            judged = dataclasses.replace(snap, records=again)
        await asyncio.to_thread(self._remember_agreed, judged, agreed, started)
        held = snap
        for kind, waiting in (await asyncio.to_thread(self._waiting)).items():
            held = hold_waiting(held, waiting, kind)
        if self.shop.warnings:  # the connect check's word (the mapping, fields the app may not write back)
            held = dataclasses.replace(held, warnings=(*held.warnings, *self.shop.warnings))
        # Requests of a queue runner sharing this client in the meantime are counted too.
        return dataclasses.replace(held, portal=self.client.cost().since(before))

    async def reconciler(self) -> Reconciler:
        """A reconciler with the queue's marks, the merge conflicts waiting, the legacy search and the
        fields' baselines as they stand now."""
        return (await self._reconciler())[0]

    async def _reconciler(self) -> tuple[Reconciler, Baselines]:
        info = await self._queue_info()
        synced = await asyncio.to_thread(self._last_synced)
        pattern = TitlePattern.of(self.cfg.shop.orders.title, self.cfg.shop.orders.key)
        conflicts = await asyncio.to_thread(self.queue.conflict_fingerprints)
        known = await asyncio.to_thread(self._legacy_known, pattern)
        agreed = await asyncio.to_thread(self._baselines)

        def pushed(kind: str, key: str, diffs: list[FieldDiff], record: Mapping[str, Any]) -> list[FieldDiff]:
            return self.owners.push_diffs(kind, diffs, record, agreed.get(kind, {}).get(key, {}))

        reconciler = Reconciler(
            self.shop,
            self.client,
            originator=self.originator,
            queue_info=info,
            last_synced=synced,
            title_pattern=pattern,
            conflicts=conflicts,
            category=self.cfg.shop.orders.category,
            legacy_known=known,
            push_diffs=pushed,
        )
        return reconciler, agreed

    def full_next(self) -> None:
        """The next reconcile reads everything again (a person asked for a full check)."""
        self._refresher = None
        self._may_load = False

    def _identity(self) -> str:
        """What the state kept in the job store belongs to (see :func:`saved.identity`)."""
        return saved.identity(
            self.cfg.shop, shop=self.shop.where, portal=self.webhook.netloc, originator=self.originator
        )

    async def _go_on_from_saved(self, reconciler: Reconciler) -> None:
        """Take the state kept in the job store when this process holds none yet (its first reconcile), or
        when another process saved a newer one than the one it holds (a team's other desk, a cron run beside
        the window): rebuilt and judged again locally, no portal request."""
        held = self._refresher
        if held is None and not self._may_load:
            return
        self._may_load = False
        fingerprint = self._identity()
        if held is not None:
            head = await asyncio.to_thread(self.queue.mirror_head)
            if (
                held.generation is None
                or head is None
                or head.generation == held.generation
                or head.fingerprint != fingerprint
                or head.version != saved.VERSION
            ):
                return
            log.info("another process saved a newer reconcile state (generation %d): read", head.generation)
        loaded = await asyncio.to_thread(saved.load, self.queue, reconciler, fingerprint=fingerprint)
        if loaded is not None:
            self._refresher = loaded

    def _keep(self, refresher: Refresher) -> None:
        """Keep the state of the pass just made in the job store, for the next process (or desk) to go on
        from. A failure to is logged; the next save writes it whole."""
        try:
            saved.save(self.queue, refresher, fingerprint=self._identity(), written_by=self.owner)
        except UserFacingError as exc:
            refresher.generation = None
            log.warning("the reconcile state could not be kept in the job store: %s", exc)
        except Exception:  # a bug, logged with its traceback; the reconcile itself stands
            refresher.generation = None
            log.exception("the reconcile state could not be kept in the job store")

    def _written_since(self) -> dict[str, set[str]]:
        """Shop keys per kind written outside any job since the last reconcile, by this process or another."""
        out = {kind: set(keys) for kind, keys in self._written.items()}
        kept = self.queue.recall(WRITTEN_MEMORY)
        if isinstance(kept, dict):
            for kind, keys in kept.items():
                if isinstance(keys, list):
                    out.setdefault(str(kind), set()).update(str(k) for k in keys)
        return out

    def _note_written(self, kind: str, keys: Sequence[str]) -> None:
        """Shop records written outside any job (see :data:`WRITTEN_MEMORY`)."""
        self._written.setdefault(kind, set()).update(keys)
        kept = self._written_since()
        self.queue.remember(WRITTEN_MEMORY, {k: sorted(v) for k, v in kept.items()})

    def _jobs_since(self, state: IncrementalState) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Shop keys per kind of the jobs queued since the cursor (they may have run and finished between two
        passes, writing ids back), and of those among them that merge records away (cleanups); moves the
        cursor."""
        out: dict[str, set[str]] = {}
        merging: dict[str, set[str]] = {}
        offset, newest = 0, state.job_cursor
        while True:
            page = self.queue.list_jobs(limit=500, offset=offset)
            fresh = [j for j in page if j.id > state.job_cursor]
            for j in fresh:
                out.setdefault(shop_of(j.entity_type), set()).add(j.entity_key)
                if j.kind.endswith(".cleanup"):
                    merging.setdefault(shop_of(j.entity_type), set()).add(j.entity_key)
                newest = max(newest, j.id)
            if len(fresh) < len(page) or len(page) < 500:
                break
            offset += 500
        state.job_cursor = newest
        return out, merging

    async def pull(self) -> PullOutcome:
        """Bring stage moves and field edits made in the CRM into the shop (the fields whose owner is
        ``crm`` or ``both``: ``[shop.orders.owners] STAGE_ID``, ``[shop.users.owners] PHONE``, …)."""
        try:
            async with self._pulling:
                # One request reads the portal's clock, every kind's edits and the stage history's first page.
                stages = await self.puller.first_page()
                also = {"stages": stages[1]} if stages is not None else {}
                edits = await self.field_puller.run(also)
                sent = stages is not None and "stages" in edits.also
                first = (stages[0], edits.also["stages"]) if stages is not None and sent else None
                outcome = await self.puller.run(first)
        except BitrixError as exc:
            if isinstance(exc, UserFacingError):
                raise
            raise PortalFailed(self.webhook, exc) from exc
        outcome.read += edits.read
        outcome.fields = edits.written
        outcome.fields_waiting = edits.waiting
        if outcome.pulled:
            await self._log_moves(outcome.moved)
            self._log_activity("pull", Message("activity.pulled", {"n": len(outcome.pulled)}))
        for p in edits.written[:MOVES_LOGGED]:  # one line each, the first of a pull; the count after
            said: dict[str, str | int] = {
                "fields": p.field,
                "entity": crm_of(p.kind),
                "id": p.portal_id if p.portal_id is not None else "?",
                "before": p.before or "—",
                "after": p.value or "—",
                "shop_entity": shop_of(p.kind),
                "key": p.key,
            }
            self._log_activity("pull", Message("activity.field_pulled", said))
        if edits.written:
            names = ",".join(sorted({p.field for p in edits.written}))
            self._log_activity(
                "pull", Message("activity.pulled_fields", {"n": len(edits.written), "fields": names})
            )
        return outcome

    async def _log_moves(self, moved: Sequence[StageMoved]) -> None:
        """One activity line per stage move pulled (the first :data:`MOVES_LOGGED` of a pull), in words: the
        deal, who moved it as the portal says, the stages by their portal names, what the order became."""
        shown = moved[:MOVES_LOGGED]
        by = await self.puller.movers([m.deal_id for m in shown if m.deal_id is not None])
        try:  # read by the snapshot; a run that pulls before its first snapshot reads it now
            pipeline: Pipeline | None = self.stages.known or await self.stages.pipeline()
        except (BitrixError, UserFacingError) as exc:  # the snapshot says it; the lines keep the stage ids
            log.info("stage names not read for the activity log: %s", exc)
            pipeline = None
        names = pipeline.names if pipeline is not None else {}
        for m in shown:
            who = by.get(m.deal_id) if m.deal_id is not None else None
            params: dict[str, str | int] = {
                "deal": m.deal_id if m.deal_id is not None else "?",
                "before": names.get(m.before or "", m.before or "—"),
                "after": names.get(m.stage, m.stage),
                "order": m.key,
                "status": m.status,
            }
            if who:
                self._log_activity("pull", Message("activity.stage_pulled_by", {**params, "user": who}))
            else:
                self._log_activity("pull", Message("activity.stage_pulled", params))

    def _baselines(self) -> dict[str, dict[str, dict[str, PullField]]]:
        """Kind → shop key → field → baseline, of every field the CRM may change."""
        return {k: baselines(k, self.owners, self.queue.pull_fields) for k in self.owners.kinds}

    def _remember_agreed(
        self, snap: Snapshot, known: Mapping[str, Mapping[str, Mapping[str, PullField]]], started: datetime
    ) -> None:
        """Linked records whose field both sides hold alike: that value is the field's baseline (and a CRM
        change left waiting is over: someone brought the sides together). Only where nothing was stored
        since the pass ``started``: a change a pull stored meanwhile (this desk's or another's) is newer
        than what the pass read, and is kept."""
        linked = (RecordState.IN_SYNC, RecordState.OUTDATED)
        for kind in self.owners.kinds:
            statuses = [s for s in snap.statuses(kind) if s.state in linked and s.portal_id == s.stored_id]
            for rule in self.owners.rules(kind):
                fresh = []
                for s in statuses:
                    value = rule.agreed_on(s.shop_values, s.portal_values)
                    prev = known.get(kind, {}).get(s.key, {}).get(rule.name)
                    if value is None or s.portal_id is None:
                        continue
                    if prev is None or prev.agreed != value or prev.pending is not None:
                        fresh.append(PullField(s.key, agreed=value))
                self.queue.save_pull_fields(kind, rule.name, fresh, unchanged_since=started)

    def _waiting(self) -> dict[str, dict[str, tuple[RecordState, Note]]]:
        """Kind → shop key → (state, note) of the CRM changes not applied to the shop (every field's)."""
        out: dict[str, dict[str, tuple[RecordState, Note]]] = {}
        for kind in self.owners.kinds:
            by_key: dict[str, list[PullField]] = {}
            for rule in self.owners.rules(kind):
                for key, f in self.queue.pull_fields(kind, rule.name, pending_only=True).items():
                    by_key.setdefault(key, []).append(f)
            for key, pending in by_key.items():
                if pending:
                    states = [WAITING.get(f.state, RecordState.CHANGED_IN_CRM) for f in pending]
                    state = min(states, key=_WAITING_ORDER.index)
                    notes = joined(*(said_note(f.note) for f in pending if f.note))
                    out.setdefault(kind, {})[key] = (state, notes)
        return out

    async def resolve_conflict(self, kind: str, key: str, take: str) -> Message:
        """Settle a record's CRM changes that wait for a person (changed on both sides, or not applied yet):
        ``take="crm"`` writes the CRM's values into the shop (compare-and-set under the record's lock);
        ``take="shop"`` keeps the shop's, which the next push sends over the CRM's. Either way the record's
        pull jobs no runner holds no longer carry those fields (:meth:`JobStore.supersede_pull_fields`): a
        retry or run of one writes no value over the settled one. Returns what was done,
        in one line (a message); a record with nothing waiting is a :class:`UserFacingError`."""
        if take not in ("crm", "shop"):
            raise ConfigError(Message("resolve.bad_take", {"take": repr(take)}))
        kind = shop_of(kind)
        done = await asyncio.to_thread(self._resolve, kind, key, take)
        self._log_activity("staff", done)
        return done

    def _resolve(self, kind: str, key: str, take: str) -> Message:
        waiting = {
            r.name: (r, f)
            for r in self.owners.rules(kind)
            if (f := self.queue.pull_fields(kind, r.name, [key]).get(key)) is not None
            and f.pending is not None
        }
        record = {"shop_entity": kind, "key": key}
        if not waiting:
            raise UserFacingError(Message("resolve.nothing", record))
        if take == "shop":
            for name, (_rule, f) in waiting.items():
                # The CRM's change is seen and overruled: the push sends the shop's value over it.
                self.queue.save_pull_fields(kind, name, [PullField(key, agreed=f.pending)])
            # Nothing older of these fields is left to write (a job a runner holds is left to it: what it
            # carries is the change now agreed on, which its merge finds nothing to write of).
            self.queue.supersede_pull_fields(kind, [(key, name) for name in waiting], actor="staff")
            return Message("resolve.kept_shop", {**record, "fields": ",".join(sorted(waiting))})
        locks = self.shop.locks()
        try:
            if key not in locks.acquire(kind, [key], timeout=30.0):
                raise UserFacingError(Message("resolve.busy", record))
            row = self.shop.get_rows(kind, [key]).get(key)
            if row is None:
                raise UserFacingError(Message("resolve.gone", record))
            taken: list[str] = []
            for name, (rule, f) in waiting.items():
                value = f.pending or ""
                column = self.shop.column_of(kind, rule.column)
                seen = None if column is None else row.raw.get(column.name)
                if name == "STAGE_ID":
                    status = self.cfg.shop.orders.status_for(value)
                    if status is None:
                        raise UserFacingError(
                            Message("resolve.no_status", {**record, "stage": repr(value)}),
                            hint=Message("resolve.no_status.hint"),
                        )
                    won = self.shop.set_status(key, status, expected=None if seen is None else str(seen))
                else:
                    try:
                        won = self.shop.set_field(kind, key, rule.column, value, expected=seen)
                    except ValueError as exc:
                        said: dict[str, Param] = {**record, "fields": name, "error": value_reason(exc)}
                        raise UserFacingError(Message("resolve.unwritable", said)) from None
                if not won:
                    raise UserFacingError(Message("resolve.changed", {**record, "column": rule.column}))
                self.queue.save_pull_fields(kind, name, [PullField(key, agreed=value)])
                # Under the record's lock: the value written is the newest, nothing older of it is left to
                # write (a job a runner holds carries this one, or a newer one a pull folded into it).
                self.queue.supersede_pull_fields(kind, [(key, name)], actor="staff")
                taken.append(name)
        finally:
            locks.close()
        return Message("resolve.took_crm", {**record, "fields": ",".join(sorted(taken))})

    def _legacy_known(self, pattern: TitlePattern | None) -> dict[str, list[int]] | None:
        """The deals made before origin ids that the last search found, if it searched with this title
        template; None means search (the first reconcile of a shop, a changed template, a person asked)."""
        if pattern is None:
            return None
        memory = self.queue.recall(LEGACY_MEMORY)
        if not isinstance(memory, dict) or memory.get("pattern") != pattern.regex.pattern:
            return None
        found = memory.get("found")
        if not isinstance(found, dict):
            return None
        return {str(k): [int(i) for i in v] for k, v in found.items() if isinstance(v, list)}

    async def find_legacy_again(self) -> None:
        """Search the portal again for deals made before origin ids, at the next reconcile (the search reads
        the portal's whole deal table, so otherwise only a shop's first reconcile runs it)."""
        await asyncio.to_thread(self.queue.remember, LEGACY_MEMORY, None)
        self.full_next()

    def plan_for(self, snapshot: Snapshot, entity: str, keys: Sequence[str], action: str) -> Plan:
        statuses = snapshot.statuses(shop_of(entity))
        wanted = set(keys)
        prefix = crm_of(entity)
        jobs: list[PlannedJob] = []
        for s in statuses:
            if s.key not in wanted:
                continue
            job = job_for(s)
            if action == "sync":
                if job:
                    jobs.append(job)
            elif action == "create":
                creatable = (
                    RecordState.MISSING,
                    RecordState.UNLINKED,
                    RecordState.STALE_LINK,
                    RecordState.SHARED_LINK,
                )
                if s.state in creatable and job:
                    jobs.append(job)
            elif action == "update":
                # Nothing is written to a shared link until it is resolved.
                if s.state is not RecordState.SHARED_LINK and (
                    s.stored_id is not None or s.state is RecordState.MISSING
                ):
                    jobs.append(PlannedJob(f"{prefix}.update", s.key, Message("plan.update_requested")))
            elif action == "cleanup" and s.state is RecordState.DUPLICATED:
                # Asked for by a person: a merge conflict left waiting for one is tried again.
                job = job or job_for(s.replace(hold=""))
                if job:
                    jobs.append(job)
            elif action == "relink" and job and (s.state is RecordState.UNLINKED or s.relink_to is not None):
                # A re-link adopts a record that exists. A stale link with nothing to adopt is re-created or
                # unlinked by a person's choice, never turned into a create here.
                jobs.append(job)
        return Plan(tuple(jobs))

    # ------------------------------------------------------------------ changing

    def actor(self, who: str) -> str:
        """The actor a job event records: ``who`` ("staff", "sync", "watch") on this desk's own queue file;
        on a team queue also the desk, "staff@desk-anna", so the team's audit trail says who did what."""
        return who if self.queue.exclusive else f"{who}@{self.desk}"

    @property
    def team_queue(self) -> str:
        return "" if self.queue.exclusive else self.queue.location

    async def apply(self, plan: Plan, *, actor: str = "staff") -> int:
        if not plan.jobs:
            return 0
        items = [(j.kind, j.entity_key, dict(j.payload) if j.payload else None) for j in plan.jobs]
        reasons = [j.reason for j in plan.jobs]
        summary = await asyncio.to_thread(
            self.queue.enqueue_many, items, created_by=self.actor(actor), reasons=reasons
        )
        for kind, n in plan.counts().items():
            self._log_activity(actor, Message("activity.queued", {"n": n, "kind": kind}))
        await self._supersede_dead(items, summary.job_ids)
        return summary.created + summary.folded

    async def _supersede_dead(self, items: Sequence[tuple[str, str, object]], job_ids: Sequence[int]) -> None:
        """Dead jobs of a record that has just been queued again are closed: the new job carries on, and the
        queue's dead count stays one per record, not one per run."""
        dead = await asyncio.to_thread(self.queue.list_jobs, states=["dead"], limit=None)
        if not dead:
            return
        new: dict[tuple[str, str, str], int] = {}
        for (kind, key, _payload), job_id in zip(items, job_ids, strict=True):
            info = kind_info(kind)
            new[(info.entity_type, key, info.family)] = job_id
        for job in dead:
            newer = new.get((job.entity_type, job.entity_key, job.family))
            if newer is not None and newer != job.id:
                await asyncio.to_thread(
                    functools.partial(
                        self.queue.resolve,
                        [job.id],
                        f"superseded by job {newer}",
                        state="cancelled",
                        actor=self.actor("sync"),
                    )
                )

    def runner(self, progress: ProgressCallback | None = None) -> JobRunner:
        return JobRunner(
            self.queue,
            self.shop,
            self.client,
            originator=self.originator,
            settings=self.cfg.sync,
            owner=self.owner,
            settle_delay=self.settle_delay,
            progress=progress,
            archive_dir=self.dirs.archive_dir,
            portal_base=self.webhook.portal_base,
            stages=self.stages,
            owners=self.owners,
            puller=self.puller,
            field_puller=self.field_puller,
            # On a shared queue a runner that dies is only found out when its lease runs out; the heartbeat
            # renews the leases of a live one every third of it.
            lease_seconds=300.0 if self.queue.exclusive else TEAM_LEASE_SECONDS,
        )

    async def run_queue(
        self,
        *,
        progress: ProgressCallback | None = None,
        stop: asyncio.Event | None = None,
        max_wait: float = 600.0,
    ) -> RunStats:
        """Process the queue until it is idle, holding the queue's runner lock."""
        with self.queue.runner_lock(f"bitrix-monitor {self.owner}", desk=self.desk):
            try:
                stats = await self.runner(progress).run_until_idle(stop=stop, max_wait=max_wait)
            except UserFacingError as exc:
                await self._note_error(str(exc))
                raise
            if stats.errors:
                await self._note_error(stats.errors[-1])
        self.last_stats = stats
        for entity, key, survivor, removed, how in stats.cleanups:
            code = "activity.merged" if how == "merged" else "activity.deleted_duplicates"
            ids = ", ".join(map(str, removed))
            self._log_activity(
                "sync", Message(code, {"entity": entity, "removed": ids, "survivor": survivor, "key": key})
            )
        if stats.created or stats.adopted or stats.updated:
            said = {"created": stats.created, "adopted": stats.adopted, "updated": stats.updated}
            self._log_activity("sync", Message("activity.ran", said))
        return stats

    async def runners(self) -> list[TeamRunner]:
        """Who works the queue: every desk and worker of a shared queue (none for this desk's own file)."""
        return await asyncio.to_thread(self.queue.runners)

    async def team_runners(self) -> list[RunnerStatus]:
        """:meth:`runners` with what each is doing now: working, stopped, or silent (running, but without a
        heartbeat for longer than a lease: killed, hung or cut off, its jobs are claimed again). Runners
        last heard of more than :data:`RUNNERS_KEPT_IN_VIEW` ago are history (every start of a desk is a
        runner of its own; the audit trail still names them) and left out. Times are the queue's, so a
        desk whose clock is off does not see the team as silent."""
        now = await asyncio.to_thread(self.queue.now)
        out = []
        for r in await self.runners():
            if now - max(r.heartbeat_at, r.stopped_at or r.heartbeat_at) > RUNNERS_KEPT_IN_VIEW:
                continue
            silent = r.silent(now, TEAM_LEASE_SECONDS)
            state = "stopped" if r.stopped_at else "silent" if silent else "working"
            out.append(RunnerStatus(r, state, r.owner == self.owner, TEAM_LEASE_SECONDS))
        return out

    async def team_activity(self, limit: int = 500) -> list[ActivityEntry]:
        if self.queue.exclusive:
            return []

        def read() -> list[LoggedEvent]:
            return self.queue.event_log(types=AUDIT_EVENTS, limit=limit) + self.queue.event_log(
                types=RUN_EVENTS, limit=limit
            )

        said: list[tuple[LoggedEvent, str]] = []
        for logged in await asyncio.to_thread(read):
            actor = logged.event.actor or ""
            if logged.event.type == "lease_expired":  # the queue took the job back: the runner gone silent
                actor = str(logged.event.detail.get("owner") or actor)
            said.append((logged, actor))
        desks = await self._desks_of(actor for _logged, actor in said)
        entries = [
            ActivityEntry(
                logged.event.at,
                actor,
                "",
                logged.event.type,
                logged.kind,
                logged.entity_key,
                logged.event.job_id,
                desk=desks.get(actor, ""),
            )
            for logged, actor in said
        ]
        entries.sort(key=lambda e: e.at, reverse=True)
        return entries

    async def _desks_of(self, actors: Iterable[str]) -> Mapping[str, str]:
        """The desks' names of the runners among ``actors`` (lease owners, "host:pid"), as the team's list of
        runners names them ("anna@termsrv"); a runner it does not list (pruned, or not yet heard of) is left
        out, for the window to name by its host. One query at most, for the runners not asked for before."""
        if self.queue.exclusive:
            return {}
        unknown = {a for a in actors if a not in self._desks and _is_lease_owner(a)}
        if unknown:
            self._desks.update(await asyncio.to_thread(self.queue.runner_desks, unknown))
        return self._desks

    async def _note_error(self, message: str) -> None:
        """Keep the runner's last error where the team sees it (a shared queue's list of runners)."""
        try:
            await asyncio.to_thread(self.queue.heartbeat, self.owner, last_error=message[:500])
        except UserFacingError as exc:
            log.warning("could not record the runner's last error: %s", exc)

    async def close_resolved(self, snapshot: Snapshot) -> int:
        """Close failed and dead jobs whose record is in sync now (someone or something else brought it
        there): they need nobody any more. Conflicts of records in sync are forgotten too. Returns how many
        jobs were closed."""
        in_sync = {
            (PORTAL_ENTITY[s.entity], s.key)
            for s in snapshot.all_statuses()
            if s.state is RecordState.IN_SYNC and not s.hold
        }
        jobs = await asyncio.to_thread(self.queue.list_jobs, states=["failed", "dead"], limit=None)
        ids = [j.id for j in jobs if (j.entity_type, j.entity_key) in in_sync]
        closed = await asyncio.to_thread(
            functools.partial(self.queue.resolve, ids, Message("reason.in_sync"), actor=self.actor("sync"))
        )
        over = in_sync & set(await asyncio.to_thread(self.queue.conflict_fingerprints))
        for etype in {e for e, _k in over}:
            await asyncio.to_thread(self.queue.clear_conflicts, etype, [k for e, k in over if e == etype])
        if closed:
            self._log_activity("sync", Message("activity.resolved", {"n": len(closed)}))
        return len(closed)

    async def prune_a_look(self, every: float) -> float:
        """A long-running process's look at the history: a budget of pruning (:data:`PRUNE_BUDGET`); the
        seconds until the next look, ``every`` or none when the history is longer than the budget (more at
        the next tick, after the queue's jobs)."""
        await self.prune_history(budget=PRUNE_BUDGET)
        return 0.0 if self.pruning_left else every

    async def prune_history(self, *, budget: float | None = None) -> int:
        """Delete done and cancelled jobs older than ``[sync] keep_history`` (each record's last done job
        stays: its "last synced"), when the queue was last pruned a day or more ago (by any process using it).
        Returns how many jobs were deleted. With a ``budget`` (seconds), slices of :data:`PRUNE_SLICE` jobs
        until it is spent: a pruning stopped so is not done (the queue does not remember it as pruned, and
        :attr:`pruning_left` says so), and the next call goes on with it."""
        self.pruning_left = False  # said anew by each call: a failed or skipped one leaves nothing pending
        keep = duration_seconds(self.cfg.sync.keep_history)
        if keep <= 0:
            return 0
        try:
            return await asyncio.to_thread(self._prune_history, keep, budget)
        except UserFacingError as exc:  # housekeeping: tried again at the next look, and never fails a sync
            log.warning("job history not pruned: %s", exc)
            return 0

    def _prune_history(self, keep: float, budget: float | None) -> int:
        now = self.queue.now().timestamp()
        last = self.queue.recall(PRUNED_MEMORY)
        if isinstance(last, int | float) and 0 <= now - last < PRUNE_EVERY:
            return 0
        age = timedelta(seconds=keep)
        if budget is None:
            deleted = self.queue.delete_done(age)
        else:
            deleted, until = 0, time.monotonic() + budget
            while True:
                pruned = self.queue.delete_done(age, limit=PRUNE_SLICE)
                deleted += pruned
                self.pruning_left = pruned >= PRUNE_SLICE
                if not self.pruning_left or time.monotonic() >= until:
                    break
        if not self.pruning_left:
            self.queue.remember(PRUNED_MEMORY, now)
        if deleted:
            log.info(
                "job history: deleted %d done or cancelled jobs older than %s",
                deleted,
                self.cfg.sync.keep_history,
            )
        return deleted

    # ------------------------------------------------------------------ queue view

    async def queue_summary(self) -> QueueSummary:
        return await asyncio.to_thread(self.queue.counts)

    async def queue_rows(self, *, states: Sequence[str] | None = None, limit: int = 5000) -> list[QueueRow]:
        jobs = await asyncio.to_thread(
            self.queue.list_jobs, states=list(states) if states else None, limit=limit
        )
        ran_by = await asyncio.to_thread(self.queue.ran_by, [j.id for j in jobs if j.attempts])
        runners = {j.id: j.lease_owner or ran_by.get(j.id, "") for j in jobs}
        desks = await self._desks_of(runners.values())
        return [
            QueueRow(
                j.id,
                j.kind,
                j.entity_key,
                j.state,
                j.attempts,
                j.next_run_at,
                j.error.message if j.error else "",
                j.error_signature or "",
                j.created_by,
                j.updated_at,
                runners[j.id],
                desks.get(runners[j.id], ""),
                error=j.error,
            )
            for j in jobs
        ]

    # ------------------------------------------------------------------ outages

    def outages(self) -> tuple[Outage, ...]:
        return tuple(self._outages[side] for side in ("portal", "shop") if side in self._outages)

    def note_outage(self, exc: BaseException) -> None:
        """Remember that the portal or the shop could not be reached (other errors are not outages)."""
        side = _outage_side(exc)
        if side is None:
            return
        known = self._outages.get(side)
        since = known.since if known is not None else datetime.now(UTC)
        msg, hint = getattr(exc, "msg", None), getattr(exc, "hint_msg", None)
        reason: Note = msg if isinstance(msg, Message) else str(exc)
        self._outages[side] = Outage(side, since, reason, hint if isinstance(hint, Message) else None)

    async def check_shop(self, *, within: float = SHOP_CHECK_TIMEOUT) -> None:
        """Check that the shop answers (:meth:`ShopDatabase.ping <bitrix_monitor.shop.ShopDatabase.ping>`:
        ``SELECT 1`` in a worker thread; nothing written, nothing asked of the portal); a shop that does not
        is noted as an outage and its error raised. A check not answered ``within`` seconds (a
        connection hanging on a network gone) is the shop unreachable; while that check still hangs, the
        next one says so at once instead of starting another thread."""
        try:
            ping = self._shop_ping
            if ping is None or ping.done():
                ping = self._shop_ping = asyncio.ensure_future(asyncio.to_thread(self.shop.ping))
                ping.add_done_callback(_retrieved)
                await asyncio.wait_for(asyncio.shield(ping), within)
            else:
                raise TimeoutError
        except TimeoutError:
            exc: UserFacingError = ShopUnreachableError(
                Message("shop.unreachable", {"where": self.shop.where}), hint=Message("shop.unreachable.hint")
            )
            self.note_outage(exc)
            raise exc from None
        except UserFacingError as exc:
            self.note_outage(exc)
            raise
        self._shop_heard = asyncio.get_running_loop().time()

    async def probe(self) -> tuple[Outage, ...]:
        """Try each side that could not be reached, cheaply (the portal's clock, the shop's
        :meth:`check_shop`); forget the outage of each that answers. Returns what is still out."""
        for side in list(self._outages):
            try:
                if side == "portal":
                    await self.client.call("server.time")
                else:
                    await self.check_shop()
            except (UserFacingError, BitrixError) as exc:
                if _outage_side(exc) == side:
                    self.note_outage(exc)
                    continue
            log.info("%s reachable again", side)
            self._outages.pop(side, None)
        return self.outages()

    async def unlink(self, entity: str, links: Sequence[tuple[str, int]]) -> int:
        """Make shop records forget the ids of Bitrix24 records that no longer exist: ``links`` are (key,
        stored id). An id the portal still has is kept, and so is a row that meanwhile stores another id
        (compare-and-set). The records then show as missing; nothing is created. Returns the rows changed."""
        crm, shop_entity = crm_of(entity), shop_of(entity)
        try:
            found = await self.client.get_many(crm, [i for _k, i in links])
        except BitrixError as exc:
            if isinstance(exc, UserFacingError):
                raise
            raise PortalFailed(self.webhook, exc) from exc
        n = 0
        for key, stale in links:
            if found.get(stale) is None:
                n += await asyncio.to_thread(self.shop.set_id, shop_entity, key, None, expected=stale)
        await asyncio.to_thread(self._note_written, shop_entity, [k for k, _i in links])
        if n:
            self._log_activity("staff", Message("activity.unlinked", {"n": n, "entity": crm}))
        return n

    async def retry_jobs(self, ids: Sequence[int]) -> int:
        n = len(await asyncio.to_thread(self.queue.retry, list(ids), actor=self.actor("staff")))
        self._log_activity("staff", Message("activity.retried", {"n": n}))
        return n

    async def cancel_jobs(self, ids: Sequence[int]) -> int:
        n = len(await asyncio.to_thread(self.queue.cancel, list(ids), actor=self.actor("staff")))
        self._log_activity("staff", Message("activity.cancelled", {"n": n}))
        return n

    async def record_changes(self, entity: str, key: str) -> RecordChanges:
        """Who owns the record's fields, what pulling knows of those the CRM may change, and when the shop
        last changed the row (for the detail pane)."""
        kind = shop_of(entity)

        def read() -> RecordChanges:
            owned = []
            for rule in self.owners.rules(kind):
                f = self.queue.pull_fields(kind, rule.name, [key]).get(key)
                owned.append(
                    FieldOwnership(rule.name, rule.owner)
                    if f is None
                    else FieldOwnership(rule.name, rule.owner, f.agreed, f.pending, f.pending_at, f.state)
                )
            row = self.shop.get_rows(kind, [key]).get(key) if kind in self.shop.mapped_kinds else None
            changed = row.updated_at if row is not None else None
            return RecordChanges(tuple(owned), changed, self.webhook.user_id)

        return await asyncio.to_thread(read)

    async def job_history(self, entity: str, key: str) -> list[str]:
        etype = crm_of(entity)
        jobs = await asyncio.to_thread(self.queue.history_for, etype, key)
        lines: list[str] = []
        for j in jobs:
            for ev in await asyncio.to_thread(self.queue.events, j.id):
                detail = json.dumps(dict(ev.detail), ensure_ascii=False) if ev.detail else ""
                lines.append(f"{ev.at:%Y-%m-%d %H:%M:%S} #{j.id} {j.kind} {ev.type} {detail}".rstrip())
        return lines

    def archived(self) -> list[ArchivedRecord]:
        """Every record the app archived before a cleanup deleted it, oldest first. The window asks after
        every snapshot: the files are read again only when the archive's directory changed (a cleanup added
        a file, a restore rewrote one), not each time."""
        root = self.dirs.archive_dir
        try:
            stamp = root.stat().st_mtime_ns
        except OSError:
            return []  # nothing archived yet
        if self._archive_read is None or self._archive_read[0] != stamp:
            self._archive_read = (stamp, Archive(root).list())
        return list(self._archive_read[1])

    async def restore_archived(self, path: Path) -> RestoreOutcome:
        """Re-create an archived record in the portal (same data), exactly once, and re-point the shop at it
        where the shop has no other record (see :mod:`bitrix_monitor.sync.restore`)."""
        archive = Archive(self.dirs.archive_dir)
        try:
            rec = archive.load(path)
        except (OSError, ValueError, KeyError) as exc:
            why = exc.why if isinstance(exc, UnreadableArchive) else Message.plain(type(exc).__name__)
            raise ConfigError(Message("restore.not_archived", {"path": str(path), "why": why})) from None
        restorer = Restorer(
            self.client,
            self.shop,
            self.queue,
            archive,
            originator=self.originator,
            settle_delay=self.settle_delay,
        )
        outcome = await restorer.restore(rec)
        await asyncio.to_thread(self._note_written, shop_of(rec.entity), [rec.shop_key])
        if outcome.new_id is not None and not outcome.already:
            said: dict[str, str | int] = {"entity": rec.entity, "id": rec.portal_id, "new_id": outcome.new_id}
            self._log_activity("staff", Message("activity.restored", said))
        return outcome

    async def cleanup_preview(self, plan: Plan) -> list[MergePreview]:
        """Each cleanup job of ``plan`` as the cleanup would run it now: the shop's stored record stays (else
        the oldest), the others disappear; records of another integration are left alone. Reads the shop
        row and the records (one request per kind), writes nothing."""
        out: list[MergePreview] = []
        for job in plan.jobs:
            entity, _dot, action = job.kind.partition(".")
            if action != "cleanup":
                continue
            listed = (job.payload or {}).get("ids")
            ids = sorted({int(i) for i in listed}) if isinstance(listed, list | tuple) else []
            rows = await asyncio.to_thread(self.shop.get_rows, shop_of(entity), [job.entity_key])
            row = rows.get(job.entity_key)
            stored = row.crm_id if row is not None else None
            wanted = sorted({*ids, *([stored] if stored is not None else [])})
            try:
                found = await self.client.get_many(crm_of(entity), wanted)
            except BitrixError as exc:
                if isinstance(exc, UserFacingError):
                    raise
                raise PortalFailed(self.webhook, exc) from exc
            present = {i: r for i, r in found.items() if r is not None and (i in ids or i == stored)}
            alone = tuple(i for i, r in present.items() if owner_of(r, self.originator) is Owner.FOREIGN)
            candidates = [i for i in present if i not in alone]
            survivor = choose_survivor(stored, candidates) if candidates else None
            names = PREVIEW_FIELDS.get(entity, ("TITLE",))
            out.append(
                MergePreview(
                    entity=entity,
                    key=job.entity_key,
                    survivor=survivor,
                    removed=tuple(sorted(i for i in candidates if i != survivor)),
                    fields={i: {n: _as_text(r.get(n)) for n in names} for i, r in present.items()},
                    left_alone=tuple(sorted(alone)),
                )
            )
        return out

    async def settle_jobs(self, ids: Sequence[int], outcome: str) -> int:
        """In-doubt jobs settled by a person: "done" (the record is in the portal) or "retry" (run again,
        starting with the lookup by origin id, which adopts what the portal did make)."""
        target = "done" if outcome == "done" else "queued"
        settled = 0
        for job_id in ids:
            job = await asyncio.to_thread(self.queue.settle, job_id, target, actor=self.actor("staff"))  # type: ignore[arg-type]
            settled += job is not None
        self._log_activity(
            "staff",
            Message(
                "activity.settled.done" if target == "done" else "activity.settled.retry", {"n": settled}
            ),
        )
        return settled

    def throughput(self, minutes: int = 60) -> list[tuple[int, int, float]]:
        """Per minute, oldest first: jobs done, jobs failed, seconds spent held back by the rate limit."""
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        since = now - timedelta(minutes=minutes - 1)
        points = {p.minute: p for p in self.queue.activity(since)}
        self._sample_throttle(now)
        out = []
        for i in range(minutes):
            minute = since + timedelta(minutes=i)
            p = points.get(minute)
            out.append((p.done if p else 0, p.failed if p else 0, self._throttled.get(minute, 0.0)))
        return out

    def _sample_throttle(self, minute: datetime | None = None) -> None:
        minute = minute or datetime.now(UTC).replace(second=0, microsecond=0)
        total = self.client.budget().throttled_seconds
        self._throttled[minute] = self._throttled.get(minute, 0.0) + (total - self._throttle_seen)
        self._throttle_seen = total
        for old in [m for m in self._throttled if m < minute - timedelta(hours=2)]:
            del self._throttled[old]

    # ------------------------------------------------------------------ runner control, budget, activity

    def pause_runner(self) -> None:
        """Pause the background runner; a run under way stops after the jobs it holds."""
        self._paused.set()
        self._halt.set()
        self._log_activity("staff", Message("activity.paused"))

    def resume_runner(self) -> None:
        self._paused.clear()
        if not self._stop.is_set():
            self._halt.clear()
        self._log_activity("staff", Message("activity.resumed"))

    @property
    def runner_paused(self) -> bool:
        return self._paused.is_set()

    def budget(self) -> BudgetLine:
        b = self.client.budget()
        return BudgetLine(
            tokens_left=b.tokens_left,
            capacity=b.capacity,
            drain_per_s=b.drain,
            throttled_waits=b.throttled_waits,
            rejected_503=b.rate_limited,
            operating=dict(b.operating),
        )

    def _log_activity(self, actor: str, action: Message | str) -> None:
        """Remember what was done: the window says it in its language; the activity file keeps the English
        text and the code with its parameters (text made outside the app is kept as it is)."""
        said = Message.of(action)
        entry = ActivityEntry(datetime.now(UTC), self.actor(actor), said)
        self._activity.append(entry)
        line = {"at": entry.at.isoformat(), "actor": actor, "action": str(said), "code": said.code}
        try:
            with self._activity_file.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line | {"params": said.to_dict()["params"]}, ensure_ascii=False) + "\n")
        except OSError as exc:
            log.warning("cannot write the activity log: %s", exc)

    def activity(self) -> list[ActivityEntry]:
        """This desk's own lines; on a team queue without those the audit trail tells job by job
        (:meth:`team_activity`, :data:`TOLD_BY_TRAIL`). The activity file keeps every line."""
        if self.queue.exclusive:
            return list(self._activity)
        return [e for e in self._activity if getattr(e.action, "code", None) not in TOLD_BY_TRAIL]

    def record_url(self, entity: str, portal_id: int) -> str | None:
        return f"{self.webhook.portal_base}/crm/{crm_of(entity)}/details/{portal_id}/"


Baselines = dict[str, dict[str, dict[str, PullField]]]  # kind -> shop key -> field -> baseline


def _moved(old: Baselines, new: Baselines) -> dict[str, set[str]]:
    """Kind → the shop keys whose baselines differ between two readings."""
    out: dict[str, set[str]] = {}
    for kind in {*old, *new}:
        a, b = old.get(kind, {}), new.get(kind, {})
        keys = {k for k in {*a, *b} if a.get(k) != b.get(k)}
        if keys:
            out[kind] = keys
    return out


def _is_lease_owner(actor: str) -> bool:
    """A runner as its jobs' leases name it, "host:pid" (not a person or role at a desk, "staff@anna")."""
    host, colon, pid = actor.rpartition(":")
    return bool(colon and host and pid.isdigit() and "@" not in actor)


_SHOP_AWAY = (ShopUnreachableError, ShopConnectionLostError, ShopAuthError, ShopMissingDatabaseError)


def _outage_side(exc: BaseException) -> str | None:
    """``"portal"`` or ``"shop"`` when ``exc`` says that side cannot be reached, else None. The shop cannot
    be reached as well when the server answers but no longer lets the app in: its password changed, or the
    database (the SQLite file) gone."""
    if isinstance(exc, PortalUnreachable):
        return "portal"
    if isinstance(exc, _SHOP_AWAY):
        return "shop"
    return None


def _retrieved(task: asyncio.Task[None]) -> None:
    """Take a finished shop check's outcome, so that one no longer awaited (timed out) logs nothing."""
    if not task.cancelled():
        task.exception()


def summary_of(stats: RunStats) -> dict[str, Any]:
    return {
        "created": stats.created,
        "adopted": stats.adopted,
        "updated": stats.updated,
        "skipped": stats.skipped,
        "lost_races": stats.lost_races,
    }
