"""A PostgreSQL server of our own, to restart at will: ``initdb`` in a temporary folder, a free loopback
port, started and restarted with ``pg_ctl``; stopped and deleted on exit whatever happened.

The chaos run and its quick test restart the team queue's database server. The machine's own server
(Debian's ``pg_ctlcluster 15 main``) is shared with other work -- other tests' databases, other runs --
so restarting it would break them; a throwaway server of the same PostgreSQL version is restarted
instead, exactly as ``pg_ctlcluster … restart`` does it (a fast shutdown: every session is ended, then the
server starts again on the same port and data).

Root may not run PostgreSQL: as root the commands run as the ``postgres`` user (``runuser``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self


def _bin_dir() -> Path | None:
    """Where ``initdb``, ``pg_ctl`` and ``postgres`` are (``pg_ctl`` on the PATH, or Debian's folders)."""
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for d in candidates:
        if all((d / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


def why_not() -> str:
    """Why a throwaway server cannot be run here, or ``""``."""
    if _bin_dir() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine"
    if os.name != "posix":
        return "the throwaway server is run with POSIX tools"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _user_exists("postgres")):
        return "running as root without a postgres user to run the server as"
    return ""


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    """``with ThrowawayPostgres() as pg: … pg.url … pg.restart() …``"""

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise RuntimeError(why_not())
        self.bin = bin_dir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="bm-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.restarts: list[tuple[float, float]] = []  # (went down, back up): unix times
        self._options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
            "-c max_connections=200"
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120.0) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # The server's own output goes to its log (-l): a pipe here would be held open by the server.
        done = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()[-500:]}")

    def start(self) -> Self:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.root.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options, "-w", "start")
        return self

    def restart(self, *, down_for: float = 0.0) -> float:
        """Restart the server as ``pg_ctlcluster … restart`` does (fast shutdown: every session is ended),
        staying down ``down_for`` seconds (connections are refused meanwhile); returns when it accepts
        connections again, with the seconds it was away."""
        down = time.time()
        if down_for <= 0:
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart")
        else:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            time.sleep(down_for)
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options, "-w", "start")
        up = time.time()
        self.restarts.append((down, up))
        return up - down

    def stop(self) -> None:
        """Stop the server and delete its files (safe to call twice, and after a failed start)."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
