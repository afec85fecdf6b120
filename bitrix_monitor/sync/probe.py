"""Connection tests for the settings dialog ("Test connection", "Check the mapping"): each answers one
line a person can act on, or raises a :class:`~bitrix_monitor.errors.UserFacingError` that says what is
wrong. They work before any service exists (nothing is configured yet)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bitrix_monitor.bitrix import BitrixClient, BitrixError, WebhookUrl
from bitrix_monitor.config import AppConfig, ShopConfig
from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.messages import Message
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.sync.custom_fields import check_config_fields
from bitrix_monitor.sync.stages import StageGuard, pipeline_warning


class ConnectionTester:
    def __init__(self, cfg: AppConfig) -> None:
        self.cfg = cfg

    async def test_portal(self, url: str) -> Message:
        webhook = WebhookUrl.parse(url)
        async with BitrixClient(
            webhook, plan=self.cfg.rate_plan, timeout=min(self.cfg.portal.timeout, 15.0),
            ca_bundle=self.cfg.portal.ca_bundle or None,
        ) as client:  # fmt: skip
            try:
                deals = await client.call("crm.deal.list", {"select": ["ID"], "start": 0})
                contacts = await client.call("crm.contact.list", {"select": ["ID"], "start": 0})
                pipeline = await StageGuard(client, self.cfg.shop.orders).refresh()
                await check_config_fields(client, self.cfg.shop)
                warning = await self._pipeline_warning(client)
            except BitrixError as exc:
                if isinstance(exc, UserFacingError):
                    raise
                raise UserFacingError(
                    Message("probe.not_bitrix", {"where": webhook.redacted, "error": exc.msg})
                ) from exc
        line = Message(
            "probe.portal",
            {
                "where": webhook.redacted,
                "deals": deals.total or 0,
                "contacts": contacts.total or 0,
                "category": pipeline.category,
                "stages": len(pipeline.stages),
            },
        )
        return _warned(line, warning)

    async def _pipeline_warning(self, client: BitrixClient, sample: int = 200) -> Message | None:
        """Sample the deals the shop stores (when the shop is configured and reachable): one line when they
        live in another pipeline than ``[shop.orders] category``."""
        if not self.cfg.shop.url:
            return None

        def stored_ids() -> list[int]:
            try:
                shop = ShopDatabase.connect(self.cfg.shop.url, self.cfg.shop, password=self._password())
            except UserFacingError:
                return []  # the shop test says what is wrong with it
            try:
                ids: list[int] = []
                for page in shop.iter_orders(page_size=sample):
                    ids += [o.deal_id for o in page if o.deal_id is not None]
                    if len(ids) >= sample:
                        break
                return ids[:sample]
            finally:
                shop.close()

        ids = await asyncio.to_thread(stored_ids)
        if not ids:
            return None
        deals = [
            rec
            async for page in client.list_all(
                "crm.deal.list", filter={"@ID": ids}, select=["ID", "CATEGORY_ID"]
            )
            for rec in page
        ]
        return pipeline_warning(self.cfg.shop.orders.category, deals)

    def _password(self) -> str | None:
        import sqlalchemy as sa

        from bitrix_monitor.secrets import SecretStore

        try:
            parsed = sa.engine.make_url(self.cfg.shop.url)
        except sa.exc.ArgumentError:
            return None
        if parsed.get_backend_name() == "sqlite" or parsed.password is not None:
            return None
        return SecretStore().shop_password(self.cfg.shop.url)

    async def test_shop(self, url: str, password: str | None = None) -> Message:
        return await self._shop(replace(self.cfg.shop, url=url), password)

    async def test_queue(self, url: str, password: str | None = None) -> Message:
        """Reach the team queue's database and say what is there, changing nothing (the app sets its tables
        up on its first start with the queue)."""
        from bitrix_monitor.queue.team import probe_queue

        return await asyncio.to_thread(probe_queue, url, password)

    async def validate_mapping(self, cfg: AppConfig) -> list[UserFacingError]:
        try:
            await self._shop(cfg.shop, None)
        except UserFacingError as exc:
            return [exc]
        return []

    async def _shop(self, shop_cfg: ShopConfig, password: str | None) -> Message:
        from bitrix_monitor.secrets import SecretStore

        if password is None and shop_cfg.url:
            from bitrix_monitor.shop.connection import check_url

            parsed = check_url(shop_cfg.url)
            if parsed.get_backend_name() != "sqlite" and parsed.password is None:
                password = SecretStore().shop_password(shop_cfg.url)

        def connect() -> Message:
            shop = ShopDatabase.connect(shop_cfg.url, shop_cfg, password=password)
            try:
                orders, users = shop.count_orders(), shop.count_users()
                line = Message("probe.shop", {"where": shop.where, "orders": orders, "users": users})
                return _warned(line, *shop.warnings)
            finally:
                shop.close()

        return await asyncio.to_thread(connect)


def _warned(line: Message, *warnings: Message | str | None) -> Message:
    """``line`` with " Warning: …" after it for each warning."""
    for warning in warnings:
        if warning:
            line = Message("probe.warning", {"line": line, "warning": Message.of(warning)})
    return line
