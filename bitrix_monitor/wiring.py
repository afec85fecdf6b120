"""The one place the app is assembled (STYLE.md §21): config → secrets → shop database → portal client →
job queue → :class:`~bitrix_monitor.sync.service.MonitorService`.

The desktop window (:mod:`bitrix_monitor.gui.launch`), the headless modes (:mod:`bitrix_monitor.cli`
hands :func:`opened` to :mod:`bitrix_monitor.sync.headless`) and the demo all call :func:`open_service`
with different arguments; nothing in the core reaches back here or into the demo. The demo's variant
starts the portal emulator and the demo shop in this process and keeps everything it writes (queue,
archive, activity) under ``<data dir>/demo``, apart from the real configuration's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

from bitrix_monitor.bitrix import BitrixClient, WebhookUrl
from bitrix_monitor.config import AppConfig
from bitrix_monitor.errors import ConfigError
from bitrix_monitor.messages import Message
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobQueue, RetryPolicy, TeamQueue, open_queue
from bitrix_monitor.queue.team import check_queue_url
from bitrix_monitor.secrets import ENV_QUEUE, ENV_SHOP_DB, SecretStore
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.shop.connection import check_url
from bitrix_monitor.sync.service import MonitorService

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def derive_originator(shop_url: str) -> str:
    """``[portal] originator`` when unset: stable per shop database (its name, or the SQLite file's stem)."""
    url = check_url(shop_url)
    name = (
        Path(url.database or "shop").stem if url.get_backend_name() == "sqlite" else (url.database or "shop")
    )
    return "shop-" + _SAFE.sub("-", name).strip("-")[:40]


@dataclass(frozen=True)
class Endpoints:
    """Where the shop and the portal are, with their secrets (never logged: see :mod:`bitrix_monitor.log`)."""

    shop_url: str
    shop_password: str | None
    webhook: str


def resolve_endpoints(
    cfg: AppConfig, secrets: SecretStore, *, shop_url: str | None = None, portal_url: str | None = None
) -> Endpoints:
    url = shop_url or os.environ.get(ENV_SHOP_DB) or cfg.shop.url
    if not url:
        raise ConfigError(Message("wiring.no_shop"), hint=Message("wiring.no_shop.hint"))
    parsed = check_url(url)
    password = parsed.password
    if password is None and parsed.get_backend_name() != "sqlite":
        password = secrets.shop_password(url)  # keyed by the URL as configured (it holds no password)
    webhook = portal_url or secrets.webhook_url()
    if not webhook:
        raise ConfigError(Message("wiring.no_portal"), hint=Message("wiring.no_portal.hint"))
    return Endpoints(url, password, webhook)


def queue_location(cfg: AppConfig, queue_url: str | None = None) -> str:
    """The team queue's URL (``--queue``, else ``BITRIX_MONITOR_QUEUE``, else ``[queue] url``), or "" for
    this desk's own queue file. ``queue_url=""`` means the file whatever the config says (the demo)."""
    url = queue_url if queue_url is not None else (os.environ.get(ENV_QUEUE) or cfg.queue.url)
    if url:
        check_queue_url(url)
    return url


def open_configured_queue(
    cfg: AppConfig, dirs: DataDirs, *, queue_url: str | None = None, secrets: SecretStore | None = None
) -> JobQueue:
    """The queue the configuration names: the team's in PostgreSQL (password from the environment or the
    keyring, keyed by the URL as configured), or the desk's file in the data dir."""
    policy = RetryPolicy(
        max_attempts=cfg.sync.max_attempts, backoff_base=cfg.sync.retry_base, backoff_cap=cfg.sync.retry_cap
    )
    url = queue_location(cfg, queue_url)
    if not url:
        return open_queue(dirs.queue_file, policy=policy)
    password = (secrets or SecretStore()).queue_password(url)
    return open_queue(url, password=password, policy=policy)


async def open_service(
    cfg: AppConfig,
    dirs: DataDirs,
    *,
    demo: bool = False,
    secrets: SecretStore | None = None,
    shop_url: str | None = None,
    portal_url: str | None = None,
    queue_url: str | None = None,
) -> MonitorService:
    """The service over the configured shop, portal and queue (``shop_url``/``portal_url``/``queue_url``
    override the config and the secrets), or with ``demo`` over the demo shop and a demo portal in this
    process. The caller closes it with :meth:`MonitorService.aclose`."""
    if demo:
        return await _open_demo(cfg, dirs)
    secrets = secrets or SecretStore()
    ep = resolve_endpoints(cfg, secrets, shop_url=shop_url, portal_url=portal_url)
    webhook = WebhookUrl.parse(ep.webhook)
    shop_cfg = replace(cfg.shop, url=ep.shop_url)  # every [shop] key (timezone, …), the URL resolved
    shop = await asyncio.to_thread(ShopDatabase.connect, ep.shop_url, shop_cfg, password=ep.shop_password)
    queue: JobQueue | None = None
    try:
        queue = await asyncio.to_thread(
            open_configured_queue, cfg, dirs, queue_url=queue_url, secrets=secrets
        )
        client = BitrixClient(
            webhook,
            plan=cfg.rate_plan,
            timeout=cfg.portal.timeout,
            ca_bundle=cfg.portal.ca_bundle or None,
        )
        # A method's operating-time budget is the webhook's: kept in the queue, for the next run and for
        # every runner on a team queue (by portal and user id; the secret stays out of the database).
        client.share_operating(queue.operating_budget(f"{webhook.portal_base}/rest/{webhook.user_id}"))
        if isinstance(queue, TeamQueue):
            # The portal's rate limit is the portal's: every runner on the team queue shares one budget.
            plan = cfg.rate_plan
            client.share_budget(queue.budget(webhook.portal_base, plan.burst, plan.drain))
    except BaseException:
        shop.close()
        if queue is not None:
            queue.close()
        raise
    return MonitorService(
        cfg,
        dirs,
        shop,
        client,
        queue,
        originator=cfg.portal.originator or derive_originator(ep.shop_url),
        webhook=webhook,
        settle_delay=cfg.sync.settle_delay,
    )


async def _open_demo(cfg: AppConfig, dirs: DataDirs) -> MonitorService:
    """The demo's variant: the demo shop and a portal emulator in this process (created and seeded on first
    use), the demo's queue, archive and activity under ``<data dir>/demo``; closing the service stops the
    portal."""
    # Loaded here, not at the top: the emulator is only needed by the demo.
    from bitrix_monitor.demo.scenario import DemoPaths, demo_config, start_demo_portal

    portal = await asyncio.to_thread(start_demo_portal, dirs)
    try:
        paths = DemoPaths.of(dirs)
        service = await open_service(
            demo_config(cfg, paths),
            dirs.demo(),
            shop_url=paths.shop_url,
            portal_url=portal.webhook_url,
            queue_url="",  # the demo keeps its own queue file, never the team's
        )
    except BaseException:
        await asyncio.to_thread(portal.close)
        raise

    async def stop_portal() -> None:
        await asyncio.to_thread(portal.close)

    service.on_close(stop_portal)
    return service


@contextlib.asynccontextmanager
async def opened(
    cfg: AppConfig,
    dirs: DataDirs,
    *,
    demo: bool = False,
    shop_url: str | None = None,
    portal_url: str | None = None,
    queue_url: str | None = None,
) -> AsyncIterator[MonitorService]:
    """:func:`open_service` as an async context manager: the service is closed on the way out."""
    service = await open_service(
        cfg, dirs, demo=demo, shop_url=shop_url, portal_url=portal_url, queue_url=queue_url
    )
    try:
        yield service
    finally:
        await service.aclose()
