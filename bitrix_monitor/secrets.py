"""Secrets (webhook URL, shop database password) behind a small interface over :mod:`keyring`.

There is no plaintext fallback: if no usable keyring backend exists, storing a secret fails with a
clear :class:`SecretStoreError`, and the user can still pass secrets through the environment.
"""

from __future__ import annotations

import logging
import os

import keyring
import keyring.errors

from bitrix_monitor import APP_NAME
from bitrix_monitor.errors import SecretStoreError
from bitrix_monitor.log import DRIVER_PASSWORD_ENV, register_secret
from bitrix_monitor.messages import Message

log = logging.getLogger(__name__)

SERVICE = APP_NAME
WEBHOOK_KEY = "portal-webhook"
ENV_PORTAL = "BITRIX_MONITOR_PORTAL"
ENV_SHOP_DB = "BITRIX_MONITOR_SHOP_DB"
ENV_SHOP_PASSWORD = "BITRIX_MONITOR_SHOP_PASSWORD"
ENV_QUEUE = "BITRIX_MONITOR_QUEUE"
ENV_QUEUE_PASSWORD = "BITRIX_MONITOR_QUEUE_PASSWORD"


def register_environment() -> None:
    """Register the secrets the environment holds (ours and the database drivers' own) with the log
    redactor at start-up, before any error could print them."""
    from bitrix_monitor.shop.connection import register_url_secrets

    for name in (ENV_PORTAL, ENV_SHOP_PASSWORD, ENV_QUEUE_PASSWORD, *DRIVER_PASSWORD_ENV):
        register_secret(os.environ.get(name))
    register_url_secrets(os.environ.get(ENV_SHOP_DB, ""))
    register_url_secrets(os.environ.get(ENV_QUEUE, ""))


def shop_password_key(db_url_without_password: str) -> str:
    return f"shop-db-password:{db_url_without_password}"


def queue_password_key(db_url_without_password: str) -> str:
    return f"queue-db-password:{db_url_without_password}"


def backend_message() -> Message:
    """Names the keyring backend in use, or says that none is usable (codes; str() is the English)."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken backend must not crash the app
        return Message("keyring.backend.broken", {"error": type(exc).__name__})
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if "fail" in name.lower() or "null" in name.lower():
        return Message("keyring.backend.none")
    return Message("text", {"text": name})


def backend_description() -> str:
    """A line naming the keyring backend in use, or saying that none is usable (English)."""
    return str(backend_message())


class SecretStore:
    """get/set/delete over the OS keyring; values read are registered with the log redactor."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def get(self, key: str) -> str | None:
        try:
            value = keyring.get_password(self.service, key)
        except keyring.errors.NoKeyringError:
            log.debug("no keyring to read %s from", key)
            return None
        except keyring.errors.KeyringError as exc:
            log.warning("keyring read failed for %s: %s", key, type(exc).__name__)
            return None
        if value:
            register_secret(value)
        return value

    def set(self, key: str, value: str) -> None:
        register_secret(value)
        try:
            keyring.set_password(self.service, key, value)
        except keyring.errors.NoKeyringError as exc:
            names = f"{ENV_PORTAL} / {ENV_SHOP_PASSWORD} / {ENV_QUEUE_PASSWORD}"
            raise SecretStoreError(
                Message("keyring.none"), hint=Message("keyring.none.hint", {"names": names})
            ) from exc
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(Message("keyring.store", {"error": type(exc).__name__})) from exc

    def delete(self, key: str) -> None:
        try:
            keyring.delete_password(self.service, key)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(Message("keyring.delete", {"error": type(exc).__name__})) from exc

    # Convenience accessors: the environment wins over the keyring (cron and servers).

    def webhook_url(self) -> str | None:
        env = os.environ.get(ENV_PORTAL)
        if env:
            register_secret(env)
            return env
        return self.get(WEBHOOK_KEY)

    def shop_password(self, db_url_without_password: str) -> str | None:
        return self._env_or_keyring(ENV_SHOP_PASSWORD, shop_password_key(db_url_without_password))

    def queue_password(self, db_url_without_password: str) -> str | None:
        """The team queue's database password (``[queue] url`` as configured is the keyring key)."""
        return self._env_or_keyring(ENV_QUEUE_PASSWORD, queue_password_key(db_url_without_password))

    def _env_or_keyring(self, env_name: str, key: str) -> str | None:
        env = os.environ.get(env_name)
        if env:
            register_secret(env)
            return env
        return self.get(key)
