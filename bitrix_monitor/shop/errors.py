"""Typed, user-facing failures of the shop database layer.

Every message is one clean line a person can act on. Messages name servers and databases, never a
password: URLs are rendered with the password hidden and every text passes through the log redactor.
"""

from __future__ import annotations

from bitrix_monitor.errors import UserFacingError


class ShopError(UserFacingError):
    """Something about the shop database the user can act on."""


class ShopMappingError(ShopError):
    """The table/column mapping does not fit the database (names the table, the column and the problem)."""


class ShopUnreachableError(ShopError):
    """The database server does not answer (wrong host or port, server down, network)."""


class ShopAuthError(ShopError):
    """The server refused the user name or password."""


class ShopMissingDatabaseError(ShopError):
    """The server answers but the database (or the SQLite file) does not exist."""


class ShopPermissionError(ShopError):
    """The database user lacks a right the app needs (SELECT on a mapped table, UPDATE on an id column)."""


class ShopConnectionLostError(ShopError):
    """The connection dropped during a read or write and a retry did not help."""


__all__ = [
    "ShopAuthError",
    "ShopConnectionLostError",
    "ShopError",
    "ShopMappingError",
    "ShopMissingDatabaseError",
    "ShopPermissionError",
    "ShopUnreachableError",
]
