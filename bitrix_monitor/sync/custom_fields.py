"""``[shop.*.fields]`` against the portal: every mapped CRM field must exist there, be writable, and hold
what the shop sends. Checked at connect (each snapshot, and the settings dialog's portal test) with one
``crm.<entity>.fields`` call per kind that maps fields; a field that fails is one :class:`ConfigError` that
names it and lists the entity's writable custom fields.

The rule for types (the shop's value always goes out as text, and the portal answers text):

- ``string`` and ``url`` fields take any value;
- ``integer`` fields take one integer column and nothing around it (``"{qty}"`` or ``"qty"``): the portal
  casts anything else to a whole number, so a text or decimal value would come back as another value and
  look changed for ever;
- ``double`` fields take one number column (integer or decimal) and nothing around it; the portal rounds
  to the field's ``PRECISION``, and the comparison allows for that rounding
  (:func:`bitrix_monitor.sync.fields.same_text`);
- every other type (``date``, ``datetime``, ``boolean``, ``enumeration``, ``money``, ``crm_status``,
  ``file``, ``employee``, ``char``, bindings …), multiple-value fields, read-only fields and fields that can
  be set only on create (``isImmutable``) are refused.

Without the shop (the settings dialog before it is configured) a column's type is not known: only a
template with literal text into an ``integer``/``double`` field is refused then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bitrix_monitor.bitrix import BitrixClient
from bitrix_monitor.config import ShopConfig
from bitrix_monitor.errors import ConfigError, UserFacingError
from bitrix_monitor.messages import Message, Param
from bitrix_monitor.shop import ShopDatabase
from bitrix_monitor.shop.errors import ShopMappingError
from bitrix_monitor.shop.mapping import ExtraField, parse_template

TEXT_TYPES = frozenset({"string", "url"})
NUMBER_TYPES = frozenset({"integer", "double"})
ACCEPTED_TYPES = TEXT_TYPES | NUMBER_TYPES
_LISTED = 12


@dataclass(frozen=True)
class MappedField:
    """One ``[shop.<section>.fields]`` entry as the check sees it."""

    section: str  # orders, users, companies
    name: str
    source: str  # the config's text: a column name or a template
    numeric: bool | None  # the shop value is always a number (None: not known without the shop)
    integral: bool | None  # … always a whole number


def from_shop(section: str, extra: Sequence[ExtraField], mapped: Mapping[str, str]) -> list[MappedField]:
    """The entries of a connected shop (column types known)."""
    return [MappedField(section, f.name, mapped.get(f.name, ""), f.numeric, f.integral) for f in extra]


def from_config(section: str, mapped: Mapping[str, str]) -> list[MappedField]:
    """The entries from the config alone: a template with literal text is never a number."""
    out = []
    for name, source in mapped.items():
        literal = False
        if "{" in source or "}" in source:
            try:
                literal = bool("".join(p.literal for p in parse_template(source, name)).strip())
            except ShopMappingError:
                literal = False  # the shop check says what is wrong with it
        out.append(MappedField(section, name, source, False if literal else None, False if literal else None))
    return out


def _writable(info: Mapping[str, Any]) -> bool:
    return not info.get("isReadOnly") and not info.get("isImmutable") and not info.get("isMultiple")


def writable_custom_fields(described: Mapping[str, Any]) -> list[str]:
    """The entity's user fields (``isDynamic``) that can be mapped, as ``NAME (type)``."""
    return [
        f"{name} ({info.get('type')})"
        for name, info in described.items()
        if isinstance(info, Mapping)
        and info.get("isDynamic")
        and _writable(info)
        and info.get("type") in ACCEPTED_TYPES
    ]


def problem_of(field: MappedField, info: Any, entity: str) -> Message | None:
    """Why ``field`` cannot be mapped to the portal field described by ``info`` (``None``: it is not in
    ``crm.<entity>.fields``), or ``None`` when it can."""
    name = field.name
    if not isinstance(info, Mapping):
        return Message("fields.missing", {"entity": entity, "name": name})
    kind = str(info.get("type") or "?")
    if info.get("isReadOnly"):
        return Message("fields.read_only", {"name": name})
    if info.get("isImmutable"):
        return Message("fields.immutable", {"name": name, "entity": entity})
    if info.get("isMultiple"):
        return Message("fields.multiple", {"name": name, "type": kind})
    if kind not in ACCEPTED_TYPES:
        return Message("fields.type", {"name": name, "type": kind})
    if kind == "integer" and field.integral is False:
        return Message("fields.not_integral", {"name": name, "source": repr(field.source)})
    if kind == "double" and field.numeric is False:
        return Message("fields.not_numeric", {"name": name, "source": repr(field.source)})
    return None


async def check_fields(client: BitrixClient, entity: str, fields: Sequence[MappedField]) -> None:
    """Check ``fields`` (one section's) against ``crm.<entity>.fields``: one :class:`ConfigError` for the
    first that cannot be mapped, naming it and listing the entity's writable custom fields."""
    if not fields:
        return
    answer = await client.call(f"crm.{entity}.fields", {})
    if not isinstance(answer.result, Mapping):
        raise UserFacingError(
            Message(
                "fields.not_a_list", {"method": f"crm.{entity}.fields", "type": type(answer.result).__name__}
            )
        )
    described: Mapping[str, Any] = answer.result
    for field in fields:
        problem = problem_of(field, described.get(field.name), entity)
        if problem is None:
            continue
        names = writable_custom_fields(described)
        shown = ", ".join(names[:_LISTED])
        listing = (
            Message("fields.listing.none")
            if not names
            else Message("fields.listing.more", {"listed": shown, "count": len(names)})
            if len(names) > _LISTED
            else Message.plain(shown)
        )
        said: dict[str, Param] = {
            "section": field.section,
            "name": field.name,
            "problem": problem,
            "entity": entity,
        }
        raise ConfigError(
            Message("fields.unmappable", {**said, "listing": listing}),
            hint=Message("fields.unmappable.hint", {"method": f"crm.{entity}.userfield.add"})
            if not isinstance(described.get(field.name), Mapping)
            else None,
        )


async def check_shop_fields(client: BitrixClient, shop: ShopDatabase, cfg: ShopConfig) -> None:
    """The connected shop's ``[shop.orders.fields]``, ``[shop.users.fields]`` and (companies mapped)
    ``[shop.companies.fields]`` against the portal."""
    await check_fields(client, "deal", from_shop("orders", shop.orders_map.extra, cfg.orders.fields))
    await check_fields(client, "contact", from_shop("users", shop.users_map.extra, cfg.users.fields))
    if shop.companies_map is not None:
        extra = shop.companies_map.extra
        await check_fields(client, "company", from_shop("companies", extra, cfg.companies.fields))


async def check_config_fields(client: BitrixClient, cfg: ShopConfig) -> None:
    """As :func:`check_shop_fields`, from the config alone (no shop connected)."""
    await check_fields(client, "deal", from_config("orders", cfg.orders.fields))
    await check_fields(client, "contact", from_config("users", cfg.users.fields))
    if cfg.companies.table.strip():
        await check_fields(client, "company", from_config("companies", cfg.companies.fields))


__all__ = [
    "ACCEPTED_TYPES",
    "MappedField",
    "check_config_fields",
    "check_fields",
    "check_shop_fields",
    "from_config",
    "from_shop",
    "problem_of",
    "writable_custom_fields",
]
