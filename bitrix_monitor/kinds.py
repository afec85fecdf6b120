"""The kinds of records Bitrix Monitor keeps in step: one registry every layer loops over.

A kind pairs a shop record (``order``, ``user``, ``company``) with its CRM record (``deal``, ``contact``,
``company``). Everything that differs between kinds and is not a field rule lives here: names, the CRM's
entity type id, the mapping key that holds the CRM id, which kinds must exist in the portal first, how
duplicates are found. The field rules (what is sent, how records are compared) are in
:mod:`bitrix_monitor.sync.fields`, keyed by the same names.

Adding a kind: one :class:`Kind` here, its mapping section in :mod:`bitrix_monitor.config`, its rows in
:mod:`bitrix_monitor.shop`, and its field builder in :mod:`bitrix_monitor.sync.fields`.

This module imports nothing of the app: the shop, queue, portal client and sync layers all use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

ShopKind = Literal["order", "user", "company"]
CrmKind = Literal["deal", "contact", "company"]


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of record, as both sides name it."""

    name: ShopKind  # the shop's record: "order"
    plural: str  # its config section ``[shop.<plural>]``, report key, tab: "orders"
    crm: CrmKind  # the CRM's record: "deal" (methods ``crm.deal.*``, job kinds ``deal.create``)
    entity_type_id: int  # the CRM's numeric entity type (``crm.entity.mergeBatch``, ``crm.item.*``)
    id_key: str  # the mapping key that holds the CRM id: "deal_id"
    depends_on: tuple[ShopKind, ...]  # kinds whose CRM records this one's refer to (made first)
    comm_type: str | None  # ``crm.duplicate.findbycomm`` entity type, when found by e-mail/phone
    title_field: str  # the CRM field a person reads as the record's name

    @property
    def crm_plural(self) -> str:
        return {"deal": "deals", "contact": "contacts", "company": "companies"}[self.crm]


ORDER = Kind("order", "orders", "deal", 2, "deal_id", ("user", "company"), None, "TITLE")
USER = Kind("user", "users", "contact", 3, "contact_id", ("company",), "CONTACT", "NAME")
COMPANY = Kind("company", "companies", "company", 4, "company_id", (), "COMPANY", "TITLE")

#: Every kind, dependencies first: creating in this order never waits for a record made later.
ALL: tuple[Kind, ...] = (COMPANY, USER, ORDER)

_BY_NAME: dict[str, Kind] = {k.name: k for k in ALL} | {k.crm: k for k in ALL}


def kind(name: str) -> Kind:
    """The kind by its shop name or its CRM name (``"order"`` or ``"deal"``: the same kind); a name no kind
    has is a programming error (:class:`KeyError`)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no kind {name!r}; kinds: {', '.join(k.name for k in ALL)}") from None


def crm_of(name: str) -> CrmKind:
    """``"order"`` → ``"deal"`` (a CRM name is returned as it is)."""
    return kind(name).crm


def shop_of(name: str) -> ShopKind:
    """``"deal"`` → ``"order"`` (a shop name is returned as it is)."""
    return kind(name).name


def in_dependency_order(names: Iterable[str]) -> Iterator[Kind]:
    """The named kinds (shop or CRM names), dependencies first."""
    wanted = {kind(n).name for n in names}
    return (k for k in ALL if k.name in wanted)


__all__ = ["ALL", "COMPANY", "ORDER", "USER", "CrmKind", "Kind", "ShopKind", "crm_of", "in_dependency_order"]
__all__ += ["kind", "shop_of"]
