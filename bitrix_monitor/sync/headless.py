"""The headless front end: ``--sync`` and ``--report`` for cron and servers. Plain asyncio, no Qt;
the exit status is the result (0 in sync, 1 problems remain, 2 configuration or connection error)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bitrix_monitor import APP_NAME, localefmt
from bitrix_monitor.errors import EXIT_OK, EXIT_PROBLEMS, ConfigError
from bitrix_monitor.messages import Message, render
from bitrix_monitor.queue.port import JobStore
from bitrix_monitor.sync.api import Snapshot
from bitrix_monitor.sync.changes import ChangeWatcher
from bitrix_monitor.sync.fields import STAMP_FIELDS
from bitrix_monitor.sync.model import Plan, Progress, RecordState
from bitrix_monitor.sync.report import Report
from bitrix_monitor.sync.service import PRUNE_CHECK_EVERY, TEAM_LEASE_SECONDS, MonitorService

log = logging.getLogger(__name__)

MAX_ROUNDS = 5  # reconcile-plan-process rounds of one --sync


@dataclass(frozen=True)
class HeadlessOptions:
    mode: str  # "sync" | "report"
    dry_run: bool = False
    watch: float | None = None
    json: bool = False
    find_legacy: bool = False  # search the portal again for deals made before origin ids
    full: bool = False  # every reconcile reads everything (no incremental passes)
    resolve: tuple[tuple[str, str, str], ...] = ()  # (kind, key, "crm" | "shop"): settled before the run
    lang: str = "en"  # the language of the text report ("en", "ru"); --json is the same in every language


# Opens the service a run works on and closes it on the way out: :func:`bitrix_monitor.wiring.opened` with the
# run's arguments (the configured shop and portal, overrides from the command line, or the demo).
ServiceOpener = Callable[[], AbstractAsyncContextManager[MonitorService]]


class _Printer:
    """Progress on stderr for people (only when it is a terminal), nothing for cron."""

    def __init__(self, stream: TextIO, lang: str = "en") -> None:
        self.stream = stream
        self.lang = lang  # of the warnings
        self.tty = stream.isatty()
        self.last = ""
        self.warned: set[str] = set()

    def __call__(self, p: Progress) -> None:
        line = f"{p.stage} {p.done}/{p.total}" if p.total else p.stage
        if self.tty and line != self.last:
            self.last = line
            print(f"\r\x1b[2K{line}", end="", file=self.stream, flush=True)

    def done(self) -> None:
        if self.tty and self.last:
            print("\r\x1b[2K", end="", file=self.stream, flush=True)

    def warn(self, snapshot: Snapshot) -> Snapshot:
        """Each warning of a snapshot once per run, one line each, on stderr (cron mails it)."""
        for warning in snapshot.warnings:
            line = render(Message.of(warning), self.lang)
            if line not in self.warned:
                self.warned.add(line)
                self.done()
                log.warning("%s", warning)
                print(f"{APP_NAME}: warning: {line}", file=self.stream, flush=True)
        return snapshot


async def _sync_once(
    service: MonitorService,
    opts: HeadlessOptions,
    out: TextIO,
    printer: _Printer,
    watcher: ChangeWatcher | None = None,
) -> Report:
    if not opts.dry_run:
        # Changes made in the CRM first: the push must not send them back.
        pulled = await service.pull()
        if watcher is not None:
            await watcher.note_pulled(pulled.written())
    snap = printer.warn(await service.snapshot(printer))
    if opts.dry_run:
        counts = snap.plan.counts()
        if opts.json:
            return Report.of(snap, await service.queue_summary())
        lang = opts.lang
        plan = render(Message("report.plan", {"n": len(snap.plan)}), lang)
        print(plan + (":" if counts else "."), file=out)
        # Job kinds stay codes here: the command line's own words (--retry-dead deal.create).
        for kind, n in counts.items():
            print(f"  {kind}: {localefmt.integer(n, lang)}", file=out)
        for job in snap.plan.jobs[:200]:
            reason = render(Message.of(job.reason), lang)
            print(f"    {job.kind} {job.entity_key}: {reason}", file=out)
        if len(snap.plan) > 200:
            print("    " + render(Message("report.plan.more", {"n": len(snap.plan) - 200}), lang), file=out)
        if stamping := _to_stamp(snap):
            print(render(Message("report.would_stamp", {"n": stamping}), lang), file=out)
        return Report.of(snap, await service.queue_summary())
    # Reconcile, plan, process; again while a round made progress: duplicates cleaned in one round have
    # their survivors updated in the next, within the same run. Each job (kind and record) is tried once per
    # run: a round whose plan holds nothing new (what is left failed already, or waits for a person) ends it.
    stamped = 0
    tried: set[tuple[str, str]] = set()
    for round_no in range(1, MAX_ROUNDS + 1):
        fresh = tuple(j for j in snap.plan.jobs if (j.kind, j.entity_key) not in tried)
        if fresh:
            tried.update((j.kind, j.entity_key) for j in fresh)
            queued = await service.apply(Plan(fresh), actor="sync")
            log.info("round %d: queued %d jobs", round_no, queued)
        elif round_no > 1 or not (await service.queue_summary()).active:
            break
        # The first round also runs what was waiting in the queue (an earlier run's, --retry-dead's).
        stats = await service.run_queue(progress=printer)
        stamped += stats.stamped
        snap = await service.snapshot(printer)
        if not fresh:
            break
    _say_stamped(stamped, opts, out)
    if closed := await service.close_resolved(snap):
        log.info("closed %d failed or dead jobs whose records are in sync now", closed)
    await service.prune_history()
    return Report.of(snap, await service.queue_summary())


def _to_stamp(snap: Snapshot) -> int:
    """Records the shop stores that lack our origin ids (kept from before them): the plan stamps them."""
    return sum(
        1
        for s in snap.all_statuses()
        if s.state is RecordState.OUTDATED and any(d.field in STAMP_FIELDS for d in s.diffs)
    )


def _say_stamped(n: int, opts: HeadlessOptions, out: TextIO) -> None:
    if n:
        log.info("stamped our origin ids on %d records kept from before", n)
        if not opts.json:
            print(render(Message("report.stamped", {"n": n}), opts.lang), file=out)


async def run_headless(open_service: ServiceOpener, opts: HeadlessOptions, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up now: a default bound at import would outlive a redirected stdout
    printer = _Printer(sys.stderr, opts.lang)
    stop = asyncio.Event()
    with _Interrupts(stop, grace=WATCH_GRACE if opts.watch else 0.0) as interrupts:
        try:
            async with open_service() as service:
                if opts.find_legacy:
                    await service.find_legacy_again()
                service.always_full = opts.full
                for kind, key, take in opts.resolve:
                    said = await service.resolve_conflict(kind, key, take)
                    print(render(said, opts.lang), file=sys.stderr if opts.json else out, flush=True)
                if opts.mode == "report":
                    report = Report.of(
                        printer.warn(await service.snapshot(printer)), await service.queue_summary()
                    )
                elif opts.watch:
                    report = await _watch(service, opts, out, printer, stop)
                else:
                    report = await _sync_once(service, opts, out, printer)
        except asyncio.CancelledError:
            if interrupts.signal is None:
                raise
            printer.done()
            name = signal.Signals(interrupts.signal).name
            stopped = render(Message("cli.stopped", {"signal": name}), opts.lang)
            print(f"{APP_NAME}: {stopped}", file=sys.stderr, flush=True)
            return 128 + interrupts.signal
    printer.done()
    print(report.to_json() if opts.json else report.to_text(opts.lang), file=out, flush=True)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


WATCH_GRACE = 5.0  # seconds --watch gets to finish the step it is in after a signal, before it is cancelled


class _Interrupts:
    """SIGINT and SIGTERM stop a headless run within seconds at any point (reading, waiting for retries or
    the rate limit): the first sets ``stop`` and, after ``grace`` seconds (at once for a single run), cancels
    the running task; a second signal cancels at once. Cancelling unwinds every ``finally``: leases go back
    to the queue, connections close; what was sent and not confirmed is settled by lookup next time."""

    def __init__(self, stop: asyncio.Event, *, grace: float) -> None:
        self.stop = stop
        self.grace = grace
        self.signal: int | None = None
        self._task = asyncio.current_task()
        self._loop = asyncio.get_running_loop()
        self._installed: list[int] = []
        self._later: asyncio.TimerHandle | None = None

    def __enter__(self) -> _Interrupts:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                self._loop.add_signal_handler(sig, self._on_signal, int(sig))
                self._installed.append(int(sig))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._later is not None:
            self._later.cancel()
        for sig in self._installed:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                self._loop.remove_signal_handler(sig)

    def _on_signal(self, sig: int) -> None:
        first = self.signal is None
        self.signal = sig
        self.stop.set()
        if self._task is None:
            return
        if first and self.grace > 0:
            self._later = self._loop.call_later(self.grace, self._task.cancel)
        else:
            self._task.cancel()


async def _watch(
    service: MonitorService, opts: HeadlessOptions, out: TextIO, printer: _Printer, stop: asyncio.Event
) -> Report:
    """Keep polling the shop for changes and processing, until interrupted."""
    assert opts.watch
    # Remember the shop as it is *before* the first sync: whatever changes from here on, even while that
    # sync runs, differs from what the watcher saw and is picked up by the first poll.
    watcher = service.change_watcher()
    await watcher.prime()
    with contextlib.ExitStack() as listed:
        if not service.queue.exclusive:  # listed among the team's runners while it watches, not only runs
            watching = f"bitrix-monitor --sync --watch {opts.watch:g}"
            listed.enter_context(service.queue.runner_lock(watching, desk=service.desk))
        await _watch_loop(service, opts, out, printer, stop, watcher)
    return Report.of(await service.snapshot(printer), await service.queue_summary())


async def _watch_loop(
    service: MonitorService,
    opts: HeadlessOptions,
    out: TextIO,
    printer: _Printer,
    stop: asyncio.Event,
    watcher: ChangeWatcher,
) -> None:
    assert opts.watch
    report = await _sync_once(service, opts, out, printer, watcher)
    print(json.dumps(report.to_dict()) if opts.json else report.to_text(opts.lang), file=out, flush=True)
    loop = asyncio.get_running_loop()
    next_prune = loop.time() + PRUNE_CHECK_EVERY  # the first sync pruned
    while not stop.is_set():
        await asyncio.to_thread(service.queue.heartbeat, service.owner)
        woken = await _idle(service.queue, opts.watch, stop, owner=service.owner)
        if stop.is_set():
            break
        pulled = await service.pull()
        if pulled.changed:
            await watcher.note_pulled(pulled.written())  # the app's own writes: no echo job
            woken = True
        queued = await watcher.poll()
        if queued:
            log.info("watch: queued %d jobs for changed records", queued)
        if queued or woken or await asyncio.to_thread(_team_work_due, service.queue):
            await service.run_queue(progress=printer, stop=stop)
        if loop.time() >= next_prune:  # a worker that runs for weeks keeps the history pruned too
            wait = await service.prune_a_look(PRUNE_CHECK_EVERY)  # a budget a cycle, jobs in between
            next_prune = loop.time() + wait


async def _idle(queue: JobStore, seconds: float, stop: asyncio.Event, *, owner: str | None = None) -> bool:
    """Wait ``seconds`` or until stopped; on a shared queue also until other desks queue jobs (True), the
    heartbeat of ``owner`` renewed every third of a lease meanwhile (a long ``--watch`` is not silent)."""
    if queue.exclusive:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        return False
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    next_beat = loop.time() + TEAM_LEASE_SECONDS / 3
    while not stop.is_set() and (left := deadline - loop.time()) > 0:
        if owner is not None and loop.time() >= next_beat:
            await asyncio.to_thread(queue.heartbeat, owner)
            next_beat = loop.time() + TEAM_LEASE_SECONDS / 3
        # In short waits: a thread cannot be cancelled, and SIGTERM must not wait for a long one.
        if await asyncio.to_thread(queue.wait_for_jobs, min(1.0, left)):
            return True
    return False


def _team_work_due(queue: JobStore) -> bool:
    """On a shared queue, jobs other desks queued (or retries that came due) are the worker's work too."""
    if queue.exclusive:
        return False
    due = queue.next_due_at()
    return due is not None and due <= datetime.now(UTC)


async def restore_from_archive(open_service: ServiceOpener, path: Path, *, lang: str = "en") -> int:
    async with open_service() as service:
        outcome = await service.restore_archived(path)
    print(render(outcome.message, lang))
    return outcome.exit_status


def manage_dead(
    open_queue: Callable[[], JobStore], action: str, kind: str, *, desk: str, lang: str = "en"
) -> int:
    """``--retry-dead [KIND]`` / ``--cancel-dead [KIND]``: queue dead jobs again (the next --sync runs
    them) or cancel them, all or those of one kind; prints what was done (in ``lang``). On a team queue the
    audit trail names ``desk`` (``[queue] desk``) as the one who did it."""
    from bitrix_monitor.kinds import ALL as ALL_KINDS
    from bitrix_monitor.queue import KINDS

    # The shop's names of the kinds say the same: order.pull is deal.pull.
    name, _, verb = kind.partition(".")
    kind = next((f"{k.crm}.{verb}" for k in ALL_KINDS if k.name == name and verb), kind)
    if kind != "all" and kind not in KINDS:
        raise ConfigError(
            Message("cli.unknown_kind", {"kind": repr(kind)}),
            hint=Message("cli.unknown_kind.hint", {"kinds": ", ".join(KINDS)}),
        )
    which = "all" if kind == "all" else "kind"

    def say(code: str, **params: str | int) -> str:
        return render(
            Message(f"{code}.{which}" if code != "dead.left" else code, {"code": kind, **params}), lang
        )

    queue = open_queue()
    try:
        dead = queue.list_jobs(states=["dead"], kinds=None if kind == "all" else [kind], limit=None)
        if not dead:
            print(say("dead.none", where=queue.location))
            return EXIT_OK
        ids = [j.id for j in reversed(dead)]  # oldest first
        # On a team queue the audit trail names the desk it was done from, as the window's actions do.
        actor = "cli" if queue.exclusive else f"cli@{desk}"
        done = set(queue.retry(ids, actor=actor) if action == "retry" else queue.cancel(ids, actor=actor))
    finally:
        queue.close()
    per_kind = Counter(j.kind for j in dead if j.id in done)
    detail = ", ".join(f"{k}: {n}" for k, n in sorted(per_kind.items()))
    if action == "retry":
        if done:
            print(say("dead.retried", n=len(done), detail=detail))
        if left := len(dead) - len(done):
            print(say("dead.left", n=left))
    else:
        print(say("dead.cancelled", n=len(done), detail=detail))
    return EXIT_OK
