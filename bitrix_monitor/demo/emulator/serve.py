"""``bitrix-monitor --emulate-portal``: serve the emulator until SIGINT/SIGTERM.

The first line on stdout is the webhook URL (flushed at once), so a script or test can start the process and
read where to connect. Everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

from bitrix_monitor import APP_NAME
from bitrix_monitor.demo.emulator.fields import set_portal_timezone
from bitrix_monitor.demo.emulator.server import PortalEmulator
from bitrix_monitor.errors import EXIT_CONFIG, EXIT_OK, ConfigError


def _fail(message: str) -> int:
    print(f"{APP_NAME}: error: {message}", file=sys.stderr, flush=True)
    return EXIT_CONFIG


def run_cli(args: argparse.Namespace) -> int:
    try:
        set_portal_timezone(getattr(args, "timezone", None) or "+03:00")
    except ValueError as exc:
        return _fail(f"--timezone: {exc}")
    try:
        emulator = PortalEmulator(
            limits=args.limits,
            faults=args.faults or "",
            seed=args.seed,
            state_path=args.state,
            tls_cert=args.tls,
            host=args.host,
            port=args.port,
        )
    except ConfigError:
        return _fail(
            f"--limits {args.limits!r}: use standard, enterprise, off or burst=X,drain=Y (X >= 1, Y > 0)"
        )
    except ValueError as exc:
        return _fail(f"--faults: {exc}")
    except OSError as exc:
        return _fail(f"--state {args.state}: {exc.strerror or exc}")
    for name in args.pipeline or ():
        emulator.store.ensure_pipeline(name)
    try:
        emulator.start()
    except OSError as exc:
        emulator.close()
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")

    # A plain flag, not a threading.Event: the handler runs in the main thread, which may be holding the
    # Event's own (non-reentrant) lock inside wait() at that moment, and Event.set() would deadlock on it.
    stopped: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(emulator.webhook_url, flush=True)
        rules = ",".join(str(r) for r in emulator.faults.rules) or "none"
        print(
            f"{APP_NAME}: Bitrix24 portal emulator serving (limits {args.limits}, faults {rules}, "
            f"state {args.state or 'in memory'}"
            + (f", certificate {args.tls}" if args.tls else "")
            + "); stop with Ctrl+C",
            file=sys.stderr,
            flush=True,
        )
        while not stopped:
            time.sleep(0.1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        emulator.close()
    return EXIT_OK
