"""Typed, user-facing failures of the shop database layer.

Every message is one clean line a person can act on. Messages name servers and databases, never a
password: URLs are rendered with the password hidden and every text passes through the log redactor.
"""

from __future__ import annotations

from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.messages import Message


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


class ShopValueError(ValueError):
    """A value the shop cannot take: one a shop column cannot hold (a pulled CRM value: text in a number
    column, too long), a CRM id that is no id, a kind of record the shop does not map. ``msg`` says why,
    for a person (``str()``: in English). A ``ValueError``, as callers catch it."""

    def __init__(self, msg: Message) -> None:
        self.msg = msg
        super().__init__(str(msg))


def value_reason(exc: ValueError) -> Message:
    """Why a value cannot be written, said in the reader's language: a :class:`ShopValueError`'s reason, any
    other ``ValueError`` in its own words."""
    return exc.msg if isinstance(exc, ShopValueError) else Message.plain(str(exc))


__all__ = [
    "ShopAuthError",
    "ShopConnectionLostError",
    "ShopError",
    "ShopMappingError",
    "ShopMissingDatabaseError",
    "ShopPermissionError",
    "ShopUnreachableError",
    "ShopValueError",
    "value_reason",
]
