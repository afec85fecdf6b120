"""The shop side: mapped access to orders and users on SQLite, PostgreSQL and MariaDB.

See :class:`ShopDatabase` (reads, compare-and-set write-back) and :class:`EntityLocks` (per-entity locks).
"""

from bitrix_monitor.shop.database import ShopDatabase
from bitrix_monitor.shop.errors import (
    ShopAuthError,
    ShopConnectionLostError,
    ShopError,
    ShopMappingError,
    ShopMissingDatabaseError,
    ShopPermissionError,
    ShopUnreachableError,
    ShopValueError,
)
from bitrix_monitor.shop.locks import EntityLocks
from bitrix_monitor.shop.mapping import Entity
from bitrix_monitor.shop.rows import CompanyRow, OrderRow, ShopRow, UserRow

__all__ = [
    "CompanyRow",
    "Entity",
    "EntityLocks",
    "OrderRow",
    "ShopAuthError",
    "ShopConnectionLostError",
    "ShopDatabase",
    "ShopError",
    "ShopMappingError",
    "ShopMissingDatabaseError",
    "ShopPermissionError",
    "ShopRow",
    "ShopUnreachableError",
    "ShopValueError",
    "UserRow",
]
