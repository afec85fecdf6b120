"""Plain rows handed to the sync engine: the mapped values of one order or user, nothing ORM-like."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Context, Decimal
from types import MappingProxyType
from typing import Any

from bitrix_monitor.messages import Note

NO_EXTRA: Mapping[str, str] = MappingProxyType({})  # a row's custom fields when none are mapped, shared


def _digest(*values: object) -> int:
    """A stable hash of mapped values: same values, same number, across processes and runs. A row makes it
    when first asked (a full pass asks none of a million rows: about a fifth of reading one) and then holds
    it as an int (44 bytes) rather than its 32 hex digits (81 bytes); the fingerprint is that text."""
    blob = json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=str)
    return int.from_bytes(hashlib.sha256(blob.encode("utf-8")).digest()[:16], "big")


def _held_digest(row: Any, values: Callable[[], tuple[object, ...]]) -> int:
    """The row's digest: the one it holds, or made from ``values()`` and held from now on."""
    held: int | None = row._held
    if held is None:
        held = _digest(*values())
        object.__setattr__(row, "_held", held)
    return held


def _hex(digest: int) -> str:
    """A digest as the fingerprint's text: the first 32 hex digits of the SHA-256 (what was stored before)."""
    return f"{digest:032x}"


def _extra(extra: Mapping[str, str]) -> list[list[list[str]]]:
    """The custom fields' part of a fingerprint: nothing when none are mapped, so fingerprints stored before
    ``[shop.*.fields]`` existed stay valid."""
    return [sorted([k, v] for k, v in extra.items())] if extra else []


@dataclass(frozen=True, slots=True)
class _OrderFields:
    """An order's fields, as dataclasses see them; rows are :class:`OrderRow`, which holds the amount."""

    key: str
    user_key: str | None
    deal_id: int | None
    title: str
    amount: Decimal | None  # in cents, as the portal stores it (see :mod:`bitrix_monitor.money`)
    currency: str
    stage: str | None
    updated_at: datetime | None
    raw: Mapping[str, Any] = field(hash=False, repr=False)
    problem: Note = ""  # why the row cannot be synced as stored (empty key, an id that is not one, …)
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)  # [shop.orders.fields], rendered
    _held: int | None = field(default=None, init=False, repr=False, compare=False)  # the digest, once made
    _read: int | None = field(default=None, init=False, repr=False, compare=False)  # compact.read_sign

    @property
    def digest(self) -> int:
        """The fingerprint as a number: compare these in bulk."""
        return _held_digest(self, lambda: (
            self.key, self.user_key, self.title, self.amount, self.currency, self.stage, *_extra(self.extra),
        ))  # fmt: skip

    @property
    def crm_id(self) -> int | None:
        """The stored CRM id (the deal's), whatever the kind."""
        return self.deal_id

    @property
    def fingerprint(self) -> str:
        """32 hex digits covering the values the portal mirrors (see :attr:`digest`)."""
        return _hex(self.digest)


_EXACT = Context(prec=40)  # more digits than DECIMAL(18,2) has: scaling by a power of ten never rounds
_CENT = Decimal("0.01")


def held_amount(value: Decimal | None) -> int | Decimal | None:
    """An order's amount as its row holds it: a whole number of cents when it has two places and is no
    negative zero (nearly always), else the ``Decimal`` itself."""
    if type(value) is Decimal and value.same_quantum(_CENT) and not (value.is_signed() and not value):
        return int(value.scaleb(2, _EXACT))
    return value


class OrderRow(_OrderFields):
    """One order as the portal should see it.

    ``stage`` is already a STAGE_ID (through ``stage_map`` when one is configured; ``None`` when the
    shop's value is not in a non-empty map). ``raw`` holds the shop's own values, keyed by column name, of
    the columns a pull writes to (the status column, the columns of fields the CRM may change): what a
    compare-and-set expects (see :class:`~bitrix_monitor.shop.ShopDatabase`). ``fingerprint`` covers the
    values that the portal mirrors (not ``deal_id`` nor ``updated_at``), so a write-back of the deal id
    does not look like a change.

    The amount is held as a whole number of cents (28 bytes instead of a ``Decimal``'s 104) and read as
    the ``Decimal`` it was made with; an amount with other than two places (or a negative zero) is held as
    it is. Everything else is the dataclass's: fields, equality, ``repr``, ``dataclasses.replace``.
    """

    __slots__ = ("_cents",)
    _cents: int | Decimal | None

    @property
    def amount(self) -> Decimal | None:  # in cents, as the portal stores it (see :mod:`bitrix_monitor.money`)
        held = self._cents
        return _EXACT.multiply(Decimal(held), _CENT) if isinstance(held, int) else held

    @amount.setter
    def amount(self, value: Decimal | None) -> None:  # by __init__ only: the row is frozen
        object.__setattr__(self, "_cents", held_amount(value))

    @classmethod
    def made(
        cls,
        key: str,
        user_key: str | None,
        deal_id: int | None,
        title: str,
        held: int | Decimal | None,
        currency: str,
        stage: str | None,
        updated_at: datetime | None,
        raw: Mapping[str, Any],
        problem: Note,
        extra: Mapping[str, str],
        read: int | None = None,
    ) -> OrderRow:
        """The row ``OrderRow(...)`` makes of these fields, the amount given as held (:func:`held_amount`),
        made directly: a full pass reads a million (the dataclass's ``__init__`` with the amount's setter
        took 6.6 us a row, a third of reading one). ``read``: the sign of the values it was read from
        (:func:`~bitrix_monitor.compact.read_sign`)."""
        row = object.__new__(cls)
        put = object.__setattr__
        put(row, "key", key)
        put(row, "user_key", user_key)
        put(row, "deal_id", deal_id)
        put(row, "title", title)
        put(row, "_cents", held)
        put(row, "currency", currency)
        put(row, "stage", stage)
        put(row, "updated_at", updated_at)
        put(row, "raw", raw)
        put(row, "problem", problem)
        put(row, "extra", extra)
        put(row, "_held", None)
        put(row, "_read", read)
        return row

    @property
    def has_amount(self) -> bool:
        """Whether the order has an amount (``amount is not None``, without making the ``Decimal``)."""
        return self._cents is not None

    @property
    def cents(self) -> int | None:
        """The amount as a whole number of cents when it has two places (nearly always), else None."""
        held = self._cents
        return held if type(held) is int else None


@dataclass(frozen=True, slots=True)
class UserRow:
    """One user as the portal's contact should look.

    ``name`` is the full name; ``first_name``/``last_name`` come from their own columns when mapped,
    otherwise from the full name (last word = last name, the rest = first name). ``email`` and ``phone``
    are ``None`` when empty or not mapped; they are stripped but not normalised. The user's company is a
    record of its own (``company_key``): a Bitrix24 contact has no company-name field.
    """

    key: str
    contact_id: int | None
    name: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    updated_at: datetime | None
    raw: Mapping[str, Any] = field(hash=False, repr=False)
    problem: Note = ""  # why the row cannot be synced as stored (empty key, an id that is not one)
    company_key: str | None = None  # the user's company (a key of ``[shop.companies]``), when mapped
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)  # [shop.users.fields], rendered
    _held: int | None = field(default=None, init=False, repr=False, compare=False)  # the digest, once made
    _read: int | None = field(default=None, init=False, repr=False, compare=False)  # compact.read_sign

    @classmethod
    def made(
        cls,
        key: str,
        contact_id: int | None,
        name: str,
        first_name: str,
        last_name: str,
        email: str | None,
        phone: str | None,
        updated_at: datetime | None,
        raw: Mapping[str, Any],
        problem: Note,
        company_key: str | None,
        extra: Mapping[str, str],
        read: int | None = None,
    ) -> UserRow:
        """The row ``UserRow(...)`` makes of these fields, made directly (see :meth:`OrderRow.made`)."""
        row = object.__new__(cls)
        put = object.__setattr__
        put(row, "key", key)
        put(row, "contact_id", contact_id)
        put(row, "name", name)
        put(row, "first_name", first_name)
        put(row, "last_name", last_name)
        put(row, "email", email)
        put(row, "phone", phone)
        put(row, "updated_at", updated_at)
        put(row, "raw", raw)
        put(row, "problem", problem)
        put(row, "company_key", company_key)
        put(row, "extra", extra)
        put(row, "_held", None)
        put(row, "_read", read)
        return row

    @property
    def digest(self) -> int:
        """The fingerprint as a number: compare these in bulk."""
        return _held_digest(self, lambda: (
                self.key, self.name, self.first_name, self.last_name, self.email, self.phone,
                *((self.company_key,) if self.company_key is not None else ()), *_extra(self.extra),
            ))  # fmt: skip

    @property
    def crm_id(self) -> int | None:
        """The stored CRM id (the contact's), whatever the kind."""
        return self.contact_id

    @property
    def fingerprint(self) -> str:
        """32 hex digits covering the values the portal mirrors (see :attr:`digest`)."""
        return _hex(self.digest)


@dataclass(frozen=True, slots=True)
class CompanyRow:
    """One company as the portal's company should look; ``email`` and ``phone`` are ``None`` when empty
    or not mapped."""

    key: str
    company_id: int | None
    title: str
    email: str | None
    phone: str | None
    updated_at: datetime | None
    raw: Mapping[str, Any] = field(hash=False, repr=False)
    problem: Note = ""
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)  # [shop.companies.fields], rendered
    _held: int | None = field(default=None, init=False, repr=False, compare=False)  # the digest, once made
    _read: int | None = field(default=None, init=False, repr=False, compare=False)  # compact.read_sign

    @property
    def digest(self) -> int:
        """The fingerprint as a number: compare these in bulk."""
        return _held_digest(self, lambda: (self.key, self.title, self.email, self.phone, *_extra(self.extra)))

    @property
    def crm_id(self) -> int | None:
        """The stored CRM id (the company's), whatever the kind."""
        return self.company_id

    @property
    def fingerprint(self) -> str:
        """32 hex digits covering the values the portal mirrors (see :attr:`digest`)."""
        return _hex(self.digest)


ShopRow = OrderRow | UserRow | CompanyRow

__all__ = ["NO_EXTRA", "CompanyRow", "OrderRow", "ShopRow", "UserRow", "held_amount"]
