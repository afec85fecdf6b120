"""How the app's database connections notice a server that went away without a word.

A desk whose network silently disappears (a laptop suspended, a VPN dropped, a NAT entry timed out) keeps
TCP connections that neither side closes. A query on one waits for an answer that never comes: with the
operating system's defaults (first keepalive probe after two hours; unacknowledged data retried for about
fifteen minutes) the thread that made it is stuck that long. So the app's connections to PostgreSQL (the
shop's, the team queue's) and to MariaDB (the shop's) probe an idle connection after
:data:`KEEPALIVE_IDLE` seconds of silence and give it up after :data:`KEEPALIVE_COUNT` probes unanswered
:data:`KEEPALIVE_INTERVAL` seconds apart, and give up data left unacknowledged for :data:`USER_TIMEOUT_MS`:
a dead peer is found out in about 40 s either way. A live server answers a probe from its kernel, however
long its query runs, so a slow query is never cut by this.

Why not shorter: every idle pooled connection sends a probe per :data:`KEEPALIVE_IDLE` seconds, and a
network that stalls for some seconds (Wi-Fi roaming) should be ridden out, not turned into an outage.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Container
from typing import Final

KEEPALIVE_IDLE: Final = 20  # seconds of silence before the first probe
KEEPALIVE_INTERVAL: Final = 5  # seconds between unanswered probes
KEEPALIVE_COUNT: Final = 4  # unanswered probes that end the connection: 20 + 4 x 5 = 40 s
USER_TIMEOUT_MS: Final = 40_000  # data unacknowledged this long ends the connection (where the OS can)

LIBPQ_KEEPALIVES: Final = {
    "keepalives": 1,
    "keepalives_idle": KEEPALIVE_IDLE,
    "keepalives_interval": KEEPALIVE_INTERVAL,
    "keepalives_count": KEEPALIVE_COUNT,
    "tcp_user_timeout": USER_TIMEOUT_MS,
}


def libpq_keepalives(url_query: Container[str]) -> dict[str, int]:
    """The libpq connection parameters for :data:`LIBPQ_KEEPALIVES`, without those the URL's query sets
    itself (``?keepalives_idle=60``): the user's own setting wins. libpq ignores what the system cannot do
    (``tcp_user_timeout`` outside Linux) and all of them on a Unix-domain socket."""
    return {k: v for k, v in LIBPQ_KEEPALIVES.items() if k not in url_query}


def keep_socket_alive(sock: socket.socket) -> None:
    """The same settings on a connected TCP socket, for drivers that take no such options (PyMySQL turns
    keepalives on with the system's timings). Each option the system lacks is left out; a Unix-domain
    socket is left as it is."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    idle = getattr(socket, "TCP_KEEPIDLE", None) or getattr(socket, "TCP_KEEPALIVE", None)  # macOS
    for option, value in (
        (idle, KEEPALIVE_IDLE),
        (getattr(socket, "TCP_KEEPINTVL", None), KEEPALIVE_INTERVAL),
        (getattr(socket, "TCP_KEEPCNT", None), KEEPALIVE_COUNT),
        (getattr(socket, "TCP_USER_TIMEOUT", None), USER_TIMEOUT_MS),
    ):
        if option is not None:
            options.append((socket.IPPROTO_TCP, option, value))
    for level, option, value in options:
        with contextlib.suppress(OSError):
            sock.setsockopt(level, option, value)


__all__ = [
    "KEEPALIVE_COUNT",
    "KEEPALIVE_IDLE",
    "KEEPALIVE_INTERVAL",
    "LIBPQ_KEEPALIVES",
    "USER_TIMEOUT_MS",
    "keep_socket_alive",
    "libpq_keepalives",
]
