"""Argument parsing and dispatch: the one entry point for every front end.

``--version`` and ``--help`` work with no display, no network and no configuration. Each mode builds
its front end over the same core services; errors are routed once here (STYLE.md §10).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from bitrix_monitor import APP_NAME, APP_TITLE, __version__, config, messages
from bitrix_monitor.errors import EXIT_BUG, UserFacingError
from bitrix_monitor.files import not_a_regular_file
from bitrix_monitor.log import log_file_failure, redact, setup_logging
from bitrix_monitor.messages import Message
from bitrix_monitor.paths import DataDirs

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=APP_NAME,
        description=f"{APP_TITLE}: keeps the shop database and the Bitrix24 CRM in step.",
        epilog="Secrets (webhook URL, database passwords) come from the OS keyring or the environment "
        "(BITRIX_MONITOR_PORTAL, BITRIX_MONITOR_SHOP_DB, BITRIX_MONITOR_SHOP_PASSWORD, "
        "BITRIX_MONITOR_QUEUE, BITRIX_MONITOR_QUEUE_PASSWORD), never from files.",
    )
    p.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    common = p.add_argument_group("common options")
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        help="put everything the app writes (config, queue, logs, archives, demo data) under DIR",
    )
    common.add_argument(
        "--config", metavar="FILE", help="configuration file (default: config.toml in the data dir)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    common.add_argument(
        "--diagnose",
        action="store_true",
        help="print version, data dir, keyring backend and database drivers (for support), then exit",
    )
    common.add_argument(
        "--move-queue-aside",
        action="store_true",
        help="rename an unusable job queue file (kept for inspection) so the next start begins a new one",
    )
    common.add_argument(
        "--queue",
        metavar="URL",
        help="work a team's job queue in PostgreSQL (postgresql://user@host/db; or BITRIX_MONITOR_QUEUE, "
        "or [queue] url) instead of this desk's own queue file; the password comes from the keyring or "
        "BITRIX_MONITOR_QUEUE_PASSWORD",
    )
    # For smoke tests of the window: quit on its own after SECONDS.
    common.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)

    modes = p.add_argument_group("modes (default: the desktop window)")
    mode = modes.add_mutually_exclusive_group()
    mode.add_argument(
        "--sync",
        action="store_true",
        help="headless: read shop and portal, queue what is missing or outdated, process the queue, "
        "print the verification report; exit 0 in sync, 1 problems remain, 2 configuration error",
    )
    mode.add_argument("--report", action="store_true", help="headless: print the verification report only")
    mode.add_argument(
        "--list-archive",
        action="store_true",
        help="headless: list the records archived before a duplicate cleanup deleted them",
    )
    mode.add_argument(
        "--restore",
        metavar="FILE",
        help="headless: re-create an archived record (a file from --list-archive) and re-point the shop",
    )
    mode.add_argument(
        "--retry-dead",
        nargs="?",
        const="all",
        metavar="KIND",
        help="headless: queue dead jobs again (all, or those of one KIND such as deal.create); "
        "the next --sync runs them",
    )
    mode.add_argument(
        "--cancel-dead",
        nargs="?",
        const="all",
        metavar="KIND",
        help="headless: cancel dead jobs (all, or those of one KIND such as deal.create)",
    )
    mode.add_argument(
        "--move-queue",
        metavar="URL",
        help="copy this desk's queue file (pending jobs and history) into the team queue at URL, once; "
        "says what it moved",
    )
    mode.add_argument(
        "--emulate-portal",
        action="store_true",
        help="serve a Bitrix24 portal emulator on loopback; prints its webhook URL as the first line",
    )

    modes.add_argument(
        "--demo",
        action="store_true",
        help="use the built-in demo shop and portal emulator (with the window, --sync, --report, --restore, "
        "--list-archive, --retry-dead or --cancel-dead); the demo keeps its queue, archive and activity "
        "apart, under demo/ in the data dir",
    )

    hl = p.add_argument_group("headless options (with --sync or --report)")
    hl.add_argument("--dry-run", action="store_true", help="print what --sync would queue; change nothing")
    hl.add_argument(
        "--watch", type=float, metavar="SECONDS", help="keep polling the shop for changes and syncing"
    )
    hl.add_argument("--json", action="store_true", help="print the report as JSON")
    hl.add_argument(
        "--lang",
        choices=("system", "en", "ru"),
        help="language of the text report and messages (default: [window] language of the config, "
        "else the system locale); --json is the same in every language",
    )
    hl.add_argument(
        "--full",
        action="store_true",
        help="every reconcile of this run reads everything (otherwise those after the run's first read only "
        "what changed since, and a full pass comes every [sync] full_every)",
    )
    hl.add_argument(
        "--find-legacy",
        action="store_true",
        help="search the portal again for deals made before origin ids (by the title template); otherwise "
        "the first reconcile searches and later ones reuse what it found",
    )
    hl.add_argument(
        "--resolve",
        metavar="KIND:KEY=SIDE",
        action="append",
        default=[],
        help="settle a record's fields changed on both sides before syncing: order:42=crm takes the CRM's "
        "values into the shop, user:7=shop keeps the shop's and sends them (repeatable; KIND is order, user "
        "or company; implies --sync unless --report is given)",
    )
    hl.add_argument("--shop-db", metavar="URL", help="shop database URL (or BITRIX_MONITOR_SHOP_DB)")
    hl.add_argument("--portal", metavar="URL", help="Bitrix24 inbound webhook URL (or BITRIX_MONITOR_PORTAL)")

    emu = p.add_argument_group("portal emulator options (with --emulate-portal)")
    emu.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    emu.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    emu.add_argument(
        "--limits",
        default="standard",
        metavar="PLAN",
        help="rate limits: standard, enterprise, off, or burst=X,drain=Y (default standard)",
    )
    emu.add_argument(
        "--faults",
        default="",
        metavar="SPEC",
        help="comma list of kind=probability over e503, e500html, lost, timeout, slow=P:SECONDS",
    )
    emu.add_argument("--seed", type=int, default=None, help="seed for deterministic faults")
    emu.add_argument(
        "--timezone",
        default="+03:00",
        metavar="OFFSET",
        help="the portal's time zone, in every datetime it returns (default +03:00; e.g. -05:00, UTC)",
    )
    emu.add_argument("--state", metavar="FILE", help="keep the portal in this SQLite file across restarts")
    emu.add_argument(
        "--tls", metavar="CERTFILE", help="serve HTTPS with a self-signed certificate written here"
    )
    emu.add_argument(
        "--pipeline",
        metavar="NAME",
        action="append",
        default=[],
        help="make sure a deal pipeline of this name exists (repeatable; ids count up from 1)",
    )
    return p


_RESOLVE = re.compile(r"(order|user|company|deal|contact):([^=]+)=(crm|shop)")


def parse_resolve(text: str) -> tuple[str, str, str]:
    """``--resolve order:42=crm`` → ("order", "42", "crm")."""
    m = _RESOLVE.fullmatch(text.strip())
    if m is None:
        raise UserFacingError(
            Message("resolve.syntax", {"text": repr(text[:60])}), hint=Message("resolve.syntax.hint")
        )
    return m[1], m[2].strip(), m[3]


def diagnose(dirs: DataDirs, config_path: Path, lang: str = "en") -> int:
    """``--diagnose``: what this installation has, one line each, in ``lang`` (paths and names as is)."""
    import importlib.util
    import platform

    from bitrix_monitor.secrets import backend_message

    def available(what: messages.Param, module: str) -> Message:
        found = importlib.util.find_spec(module) is not None
        return Message("diagnose.available" if found else "diagnose.missing", {"what": what})

    def driver(database: str, module: str) -> Message:
        return available(Message("diagnose.driver", {"database": database, "module": module}), module)

    print(f"{APP_NAME} {__version__} (Python {platform.python_version()}, {platform.system()})")
    for line in (
        Message("diagnose.frozen.yes" if getattr(sys, "frozen", False) else "diagnose.frozen.no"),
        Message("diagnose.data_dir", {"path": str(dirs.root)}),
        Message(
            "diagnose.config." + ("present" if config_path.exists() else "absent"), {"path": str(config_path)}
        ),
        Message("diagnose.log_file", {"path": str(dirs.log_dir / "bitrix-monitor.log")}),
        Message("diagnose.keyring", {"backend": backend_message()}),
        driver("PostgreSQL", "psycopg"),
        driver("MariaDB/MySQL", "pymysql"),
        available("Qt (PySide6)", "PySide6"),
    ):
        print(messages.render(line, lang))
    return 0


def move_to_team(cfg: config.AppConfig, dirs: DataDirs, url: str, *, lang: str = "en") -> int:
    """``--move-queue URL``: this desk's queue file into the team queue, once."""
    from bitrix_monitor import wiring
    from bitrix_monitor.queue import JobQueue, RunnerLock, TeamQueue
    from bitrix_monitor.queue.move import move_queue

    wiring.queue_location(cfg, url)  # a URL that cannot be a team queue is refused before anything else
    if not dirs.queue_file.exists():
        print(messages.render(Message("move.no_file", {"path": str(dirs.queue_file)}), lang))
        return 0
    # Never from under a running desk: QueueBusy says who runs it (exit 1).
    with (
        RunnerLock(dirs.queue_file, "bitrix-monitor --move-queue"),
        JobQueue.open(dirs.queue_file) as desk,
        wiring.open_configured_queue(cfg, dirs, queue_url=url) as team,
    ):
        assert isinstance(team, TeamQueue)
        summary = move_queue(desk, team)
        print(messages.render(summary.describe(desk.location, team.location), lang))
    return 0


def run(args: argparse.Namespace, parser: argparse.ArgumentParser, dirs: DataDirs) -> int:
    if args.diagnose:
        lang = messages.resolve(args.lang or _configured_language(args))
        return diagnose(dirs, Path(args.config) if args.config else dirs.config_file, lang)
    if args.move_queue_aside:
        from bitrix_monitor.queue import move_aside
        from bitrix_monitor.queue.lock import RunnerLock

        lang = messages.resolve(args.lang or _configured_language(args))
        if not dirs.queue_file.exists() and not dirs.queue_file.is_symlink():
            print(messages.render(Message("move_aside.no_file", {"path": str(dirs.queue_file)}), lang))
            return 0
        # Never from under a running sync: QueueBusy says who runs it (exit 1).
        with RunnerLock(dirs.queue_file, "bitrix-monitor --move-queue-aside"):
            moved = move_aside(dirs.queue_file)
        print(messages.render(Message("move_aside.done", {"path": str(moved)}), lang))
        return 0
    if args.emulate_portal:
        from bitrix_monitor.demo.emulator.serve import run_cli as run_emulator

        return run_emulator(args)
    if args.resolve and args.dry_run:  # a dry run changes nothing; settling a conflict writes a side
        raise UserFacingError(Message("resolve.dry_run"))
    if args.watch is not None and not (math.isfinite(args.watch) and 0 < args.watch <= 7 * 86400):
        raise UserFacingError(Message("cli.watch"))
    cfg = config.load(Path(args.config) if args.config else dirs.config_file, missing_ok=not args.config)
    lang = messages.resolve(args.lang or cfg.window.language)
    # What the demo writes (queue, archive, activity) lives apart from the real configuration's data.
    own = dirs.demo() if args.demo else dirs
    if args.list_archive:
        from bitrix_monitor.sync.archive import Archive

        records, unreadable = Archive(own.archive_dir).scan()
        for rec in records:
            said: dict[str, messages.Param] = {
                "path": str(rec.path),
                "entity": rec.entity,
                "id": rec.portal_id,
                "key": rec.shop_key,
                "reason": rec.reason,
            }
            if rec.restored_as:
                print(
                    messages.render(
                        Message("archive.line.restored", {**said, "new_id": rec.restored_as}), lang
                    )
                )
            else:
                print(messages.render(Message("archive.line", said), lang))
        for bad in unreadable:
            print(
                messages.render(
                    Message("archive.unreadable", {"path": str(bad.path), "reason": bad.why}), lang
                )
            )
        counted: dict[str, messages.Param] = {"n": len(records), "dir": str(own.archive_dir)}
        if unreadable:
            files = Message("archive.unreadable_files", {"n": len(unreadable)})
            print(
                messages.render(Message("archive.count.unreadable", {**counted, "unreadable": files}), lang)
            )
        else:
            print(messages.render(Message("archive.count", counted), lang))
        return 0
    if args.move_queue:
        return move_to_team(cfg, dirs, args.move_queue, lang=lang)
    if args.retry_dead or args.cancel_dead:
        from bitrix_monitor import wiring
        from bitrix_monitor.sync.headless import manage_dead

        # The demo's own queue file, whatever the configuration says.
        open_queue = functools.partial(
            wiring.open_configured_queue, cfg, own, queue_url="" if args.demo else args.queue
        )
        desk = cfg.queue.desk_name
        if args.retry_dead:
            return manage_dead(open_queue, "retry", args.retry_dead, desk=desk, lang=lang)
        return manage_dead(open_queue, "cancel", args.cancel_dead, desk=desk, lang=lang)
    if args.restore or args.sync or args.report or args.resolve:
        from bitrix_monitor import wiring
        from bitrix_monitor.sync.headless import HeadlessOptions, restore_from_archive, run_headless

        opener = functools.partial(
            wiring.opened,
            cfg,
            dirs,
            demo=args.demo,
            shop_url=args.shop_db,
            portal_url=args.portal,
            queue_url=args.queue,
        )
        if args.restore:
            if problem := not_a_regular_file(Path(args.restore)):
                said = {"path": args.restore, "problem": problem}
                raise UserFacingError(Message("cli.restore_not_file", said))
            return asyncio.run(restore_from_archive(opener, Path(args.restore), lang=lang))
        opts = HeadlessOptions(
            mode="report" if args.report else "sync",
            resolve=tuple(parse_resolve(r) for r in args.resolve),
            dry_run=args.dry_run,
            watch=args.watch,
            json=args.json,
            find_legacy=args.find_legacy,
            full=args.full,
            lang=lang,
        )
        return asyncio.run(run_headless(opener, opts))
    from bitrix_monitor.gui.launch import run_gui_from_cli

    return run_gui_from_cli(cfg, dirs, args)


def _configured_language(args: argparse.Namespace) -> str:
    """The config's ``[window] language`` for an error line (``system`` when the config cannot say)."""
    try:
        dirs = DataDirs.at(args.data_dir)
        path = Path(args.config) if args.config else dirs.config_file
        return config.load(path, missing_ok=True).window.language
    except (UserFacingError, OSError):
        return "system"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        dirs = DataDirs.at(args.data_dir)
        try:
            dirs.ensure()
        except OSError as exc:
            said: dict[str, messages.Param] = {"path": str(dirs.root), "error": messages.os_reason(exc)}
            raise UserFacingError(Message("cli.data_dir", said)) from None
        try:
            setup_logging(dirs.log_dir, verbose=args.verbose)
        except OSError as exc:
            raise UserFacingError(
                Message("cli.log_file", {"path": str(dirs.log_dir), "error": messages.os_reason(exc)}),
                hint=Message("cli.log_file.hint"),
            ) from None
        from bitrix_monitor.secrets import register_environment
        from bitrix_monitor.shop.connection import register_url_secrets

        register_environment()
        register_url_secrets(args.shop_db or "")
        register_url_secrets(args.queue or "")
        register_url_secrets(args.move_queue or "")
        status = run(args, parser, dirs)
        if (failure := log_file_failure()) is not None:
            stopped = messages.render(failure, messages.resolve(args.lang or _configured_language(args)))
            print(f"{APP_NAME}: warning: {stopped}", file=sys.stderr)
        return status
    except UserFacingError as exc:
        line = messages.error_line(exc, messages.resolve(args.lang or _configured_language(args)))
        print(f"{APP_NAME}: error: {redact(line)}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print(f"{APP_NAME}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `bitrix-monitor --report | head`): nothing left to say to it.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # a bug: full details go to the log file only
        log.exception("unexpected error")
        print(
            f"{APP_NAME}: internal error: {redact(type(exc).__name__ + ': ' + str(exc))} "
            "(details in the log file)",
            file=sys.stderr,
        )
        return EXIT_BUG
