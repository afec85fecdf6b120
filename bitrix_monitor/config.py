"""The configuration: a TOML file (``config.toml`` in the data dir, or ``--config FILE``).

Every key has a default that fits the shop this tool was first built for, so that shop needs no file at
all. Secrets never live here: the webhook URL and the database password are in the keyring or the
environment (see :mod:`bitrix_monitor.secrets`). Settings are declared once, as dataclasses whose field
metadata (``doc``) drives validation messages and the settings dialog.
"""

from __future__ import annotations

import dataclasses
import getpass
import math
import re
import socket
import tomllib
import typing
import zoneinfo
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any

import tomli_w

from bitrix_monitor.errors import ConfigError
from bitrix_monitor.files import not_a_regular_file
from bitrix_monitor.messages import Message, Param, os_reason


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


_FIELDS_DOC = 'More CRM fields (COMMENTS, UF_CRM_*) -> a column or a "{column}" template'

# The fields the app itself sends or manages per CRM entity: ``[shop.*.fields]`` may not name them.
BUILTIN_FIELDS = {
    "orders": frozenset({"ID", "TITLE", "OPPORTUNITY", "CURRENCY_ID", "STAGE_ID", "CATEGORY_ID", "CONTACT_ID",
                         "CONTACT_IDS", "COMPANY_ID", "ORIGINATOR_ID", "ORIGIN_ID"}),
    "users": frozenset({"ID", "NAME", "LAST_NAME", "EMAIL", "PHONE", "COMPANY_ID", "COMPANY_IDS",
                        "ORIGINATOR_ID", "ORIGIN_ID"}),
    "companies": frozenset({"ID", "TITLE", "EMAIL", "PHONE", "CONTACT_ID", "ORIGINATOR_ID", "ORIGIN_ID"}),
}  # fmt: skip
_CRM_FIELD_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True)
class OrdersMapping:
    table: str = field(default="orders", metadata=_doc("Table holding the orders"))
    key: str = field(default="order_id", metadata=_doc("Primary key column"))
    user: str = field(default="user_id", metadata=_doc("Column referencing the users table"))
    deal_id: str = field(default="bitrix_deal_id", metadata=_doc("Column storing the Bitrix24 deal id"))
    title: str = field(default="Order #{order_id} - {service_id}", metadata=_doc("Deal title template"))
    amount: str = field(default="total_price", metadata=_doc("Column with the order amount"))
    currency: str = field(default="RUB", metadata=_doc("Currency code (a literal)"))
    currency_column: str = field(
        default="", metadata=_doc("Column with the currency code (overrides currency)")
    )
    stage: str = field(default="status", metadata=_doc("Column mapped to the deal's STAGE_ID"))
    stage_map: dict[str, str] = field(default_factory=dict, metadata=_doc("Shop status -> STAGE_ID"))
    stage_map_back: dict[str, str] = field(
        default_factory=dict,
        metadata=_doc("STAGE_ID -> shop status, for stages moved in the CRM (default: stage_map inverted)"),
    )
    owners: dict[str, str] = field(
        default_factory=dict,
        metadata=_doc('Who changes a field: "shop", "crm" or "both" (STAGE_ID: "both"; others: "shop")'),
    )
    category: int = field(
        default=0, metadata=_doc("Deal pipeline (CATEGORY_ID) of the shop's deals; 0 = the default one")
    )
    updated_at: str = field(default="updated_at", metadata=_doc("Last-change timestamp column (optional)"))
    fields: dict[str, str] = field(default_factory=dict, metadata=_doc(_FIELDS_DOC))

    @property
    def stage_owner(self) -> str:
        """Who changes the deal's stage: ``both`` (default), ``shop`` (pushed only), ``crm`` (pulled only)."""
        return self.owners.get("STAGE_ID", "both")

    def status_for(self, stage: str) -> str | None:
        """The shop status a stage moved in the CRM is written as, or None when nothing says (no guess):
        ``stage_map_back`` first, then the stage map inverted where one status maps to the stage, and the
        stage itself when there is no stage map."""
        if stage in self.stage_map_back:
            return self.stage_map_back[stage]
        if not self.stage_map:
            return stage
        statuses = [status for status, mapped in self.stage_map.items() if mapped == stage]
        return statuses[0] if len(statuses) == 1 else None


OWNERS = ("shop", "crm", "both")
_OWNERS_DOC = 'Who changes a field: "shop" (default), "crm" or "both"; e.g. PHONE = "both"'


def pullable_fields(section: str, mapping: OrdersMapping | UsersMapping | CompaniesMapping) -> dict[str, str]:
    """The CRM fields of ``[shop.<section>]`` the CRM may change, each with the one shop column it is written
    to: the stage (orders), the single-column built-in fields, and ``[shop.<section>.fields]`` entries that
    name a plain column (a template has no one column to write back to)."""
    out: dict[str, str] = {}
    if isinstance(mapping, OrdersMapping):
        out["STAGE_ID"] = mapping.stage
    elif isinstance(mapping, UsersMapping):
        out |= {"EMAIL": mapping.email, "PHONE": mapping.phone}
        if mapping.first_name or mapping.last_name:
            out |= {"NAME": mapping.first_name, "LAST_NAME": mapping.last_name}
    else:
        out |= {"TITLE": mapping.title, "EMAIL": mapping.email, "PHONE": mapping.phone}
    for name, source in mapping.fields.items():
        if "{" not in source and "}" not in source:
            out[name] = source.strip()
    return {name: column for name, column in out.items() if column.strip()}


def field_owner(mapping: OrdersMapping | UsersMapping | CompaniesMapping, name: str) -> str:
    """Who changes CRM field ``name`` of this kind: ``[shop.<plural>.owners]``, else "both" for the deal's
    stage and "shop" for every other field."""
    default = "both" if name == "STAGE_ID" and isinstance(mapping, OrdersMapping) else "shop"
    return mapping.owners.get(name, default)


def check_owners(section: str, mapping: OrdersMapping | UsersMapping | CompaniesMapping) -> None:
    """``[shop.<section>.owners]``: clear errors for what cannot work."""
    where = f"[shop.{section}.owners]"
    pullable = pullable_fields(section, mapping)
    for name, owner in mapping.owners.items():
        if owner not in OWNERS:
            raise ConfigError(
                Message("config.owner_value", {"where": where, "name": name[:60], "value": repr(owner[:60])}),
                hint=Message("config.owner_value.hint"),
            )
        if not _CRM_FIELD_NAME.fullmatch(name):
            raise ConfigError(
                Message("config.not_field_name", {"where": where, "name": repr(name[:60])}),
                hint=Message("config.hint.eg", {"example": "STAGE_ID"}),
            )
        if name not in pullable and owner != "shop":
            which: Param = ", ".join(sorted(pullable)) or Message("config.none")
            said: dict[str, Param] = {"where": where, "name": name, "owner": owner, "which": which}
            raise ConfigError(
                Message("config.owner_not_pullable", said),
                hint=Message("config.owner_not_pullable.hint", {"where": where, "name": name}),
            )


def check_owners_and_stage_map_back(orders: OrdersMapping) -> None:
    """``[shop.orders.owners]`` and ``stage_map_back``: clear errors for what cannot work."""
    check_owners("orders", orders)
    where = "[shop.orders] stage_map_back"
    for stage, status in orders.stage_map_back.items():
        if not stage.strip() or not status.strip():
            said: dict[str, Param] = {"where": where, "stage": repr(stage[:60]), "status": repr(status[:60])}
            raise ConfigError(Message("config.stage_back_empty", said))
        if orders.stage_map and orders.stage_map.get(status) != stage:
            sent = orders.stage_map.get(status)
            said = {
                "where": where,
                "stage": repr(stage),
                "status": repr(status),
                "sent": repr(sent) if sent else Message("config.nothing"),
            }
            raise ConfigError(
                Message("config.stage_back_loop", said),
                hint=Message(
                    "config.stage_back_loop.hint",
                    {"status_text": status, "stage_text": stage, "stage": repr(stage)},
                ),
            )


@dataclass(frozen=True)
class UsersMapping:
    table: str = field(default="users", metadata=_doc("Table holding the users"))
    key: str = field(default="id", metadata=_doc("Primary key column"))
    contact_id: str = field(default="bitrix_contact_id", metadata=_doc("Column storing the contact id"))
    name: str = field(default="full_name", metadata=_doc("Full name column (or first_name/last_name)"))
    first_name: str = field(default="", metadata=_doc("First name column (optional)"))
    last_name: str = field(default="", metadata=_doc("Last name column (optional)"))
    email: str = field(default="email", metadata=_doc("E-mail column"))
    phone: str = field(default="phone_number", metadata=_doc("Phone column"))
    # Read by nothing: a Bitrix24 contact has no company-name field (reference §3.8), so the column had
    # nowhere to go. Kept so that configs which set it still load; setting it is said once at start
    # (shop.mapping: "warning.users_company"). A user's company is [shop.companies] + company_ref.
    company: str = field(default="", metadata={**_doc("Not used (see company_ref)"), "retired": True})
    updated_at: str = field(default="updated_at", metadata=_doc("Last-change timestamp column (optional)"))
    fields: dict[str, str] = field(default_factory=dict, metadata=_doc(_FIELDS_DOC))
    company_ref: str = field(
        default="", metadata=_doc("Column with the user's company: a key of [shop.companies] (optional)")
    )
    owners: dict[str, str] = field(default_factory=dict, metadata=_doc(_OWNERS_DOC))


LINKS = "@links"  # an id key's value when the id lives in [shop.links] rather than a column
CRM_KINDS = ("deal", "contact", "company")


@dataclass(frozen=True)
class CompaniesMapping:
    table: str = field(default="", metadata=_doc("Table holding the companies; empty = companies not mapped"))
    key: str = field(default="id", metadata=_doc("Primary key column"))
    company_id: str = field(
        default="bitrix_company_id", metadata=_doc('Column storing the company id, or "@links"')
    )
    title: str = field(default="name", metadata=_doc("Company name column"))
    email: str = field(default="", metadata=_doc("E-mail column (optional)"))
    phone: str = field(default="", metadata=_doc("Phone column (optional)"))
    updated_at: str = field(default="", metadata=_doc("Last-change timestamp column (optional)"))
    fields: dict[str, str] = field(default_factory=dict, metadata=_doc(_FIELDS_DOC))
    owners: dict[str, str] = field(default_factory=dict, metadata=_doc(_OWNERS_DOC))


@dataclass(frozen=True)
class LinksMapping:
    table: str = field(
        default="", metadata=_doc('Table of CRM ids for the id keys set to "@links"; empty = none')
    )
    kind: str = field(default="entity_type", metadata=_doc("Column naming the CRM record: deal, contact, …"))
    local_id: str = field(default="local_id", metadata=_doc("Column with the shop record's key"))
    crm_id: str = field(default="bitrix_id", metadata=_doc("Column with the Bitrix24 id"))
    kind_values: dict[str, str] = field(
        default_factory=dict,
        metadata=_doc("The kind column's value per CRM record: {deal = …, contact = …, company = …}"),
    )

    def value(self, crm: str) -> str:
        """What the kind column holds for ``crm`` ("deal", "contact", "company")."""
        return self.kind_values.get(crm, crm)


@dataclass(frozen=True)
class ShopConfig:
    url: str = field(default="", metadata=_doc("SQLAlchemy URL of the shop database, without password"))
    timezone: str = field(
        default="",
        metadata=_doc('Zone of timestamps stored without one, e.g. "Europe/Moscow"; empty = this machine\'s'),
    )
    orders: OrdersMapping = field(default_factory=OrdersMapping)
    users: UsersMapping = field(default_factory=UsersMapping)
    companies: CompaniesMapping = field(default_factory=CompaniesMapping)
    links: LinksMapping = field(default_factory=LinksMapping)


@dataclass(frozen=True)
class RatePlan:
    """A leaky bucket: ``burst`` requests may be in flight before the portal drains ``drain`` per second."""

    burst: float
    drain: float

    def __str__(self) -> str:
        return f"burst={self.burst:g},drain={self.drain:g}"


PLANS = {"standard": RatePlan(50, 2), "enterprise": RatePlan(250, 5)}
_PLAN_RE = re.compile(r"^\s*burst\s*=\s*([0-9.]+)\s*,\s*drain\s*=\s*([0-9.]+)\s*$")
# Beyond these a plan is a typo, not a portal: a drain of 1e-7 per second waits months for a request.
PLAN_BURST = (1.0, 10_000.0)
PLAN_DRAIN = (0.1, 1_000.0)


def parse_plan(text: str) -> RatePlan:
    """``standard``, ``enterprise`` or ``burst=X,drain=Y``."""
    if text in PLANS:
        return PLANS[text]
    m = _PLAN_RE.match(text)
    if m:
        try:
            plan = RatePlan(float(m.group(1)), float(m.group(2)))
        except ValueError:
            plan = None
        if (
            plan
            and math.isfinite(plan.burst)
            and math.isfinite(plan.drain)
            and plan.burst >= 1
            and plan.drain > 0
        ):
            return plan
    raise ConfigError(Message("config.plan_bad", {"text": repr(text)}), hint=Message("config.plan_bad.hint"))


def check_portal_plan(text: str) -> RatePlan:
    """A plan the app may use against a portal: also within bounds no real portal is outside of."""
    plan = parse_plan(text)
    if not (PLAN_BURST[0] <= plan.burst <= PLAN_BURST[1] and PLAN_DRAIN[0] <= plan.drain <= PLAN_DRAIN[1]):
        bounds = {
            "burst_low": f"{PLAN_BURST[0]:g}",
            "burst_high": f"{PLAN_BURST[1]:g}",
            "drain_low": f"{PLAN_DRAIN[0]:g}",
            "drain_high": f"{PLAN_DRAIN[1]:g}",
        }
        raise ConfigError(
            Message("config.plan_outside", {"text": repr(text)}),
            hint=Message("config.plan_outside.hint", bounds),
        )
    return plan


@dataclass(frozen=True)
class PortalConfig:
    plan: str = field(
        default="standard", metadata=_doc('Rate plan: "standard", "enterprise" or "burst=X,drain=Y"')
    )
    originator: str = field(default="", metadata=_doc("ORIGINATOR_ID stamped on created records"))
    ca_bundle: str = field(default="", metadata=_doc("Custom CA bundle (PEM) for TLS verification"))
    timeout: float = field(default=30.0, metadata=_doc("Seconds to wait for an answer"))


@dataclass(frozen=True)
class SyncConfig:
    auto_sync_interval: float = field(default=0.0, metadata=_doc("Seconds between shop polls (0 = off)"))
    max_attempts: int = field(default=8, metadata=_doc("Attempts before a job is dead"))
    recreate_stale: bool = field(default=True, metadata=_doc("Re-create records deleted in the portal"))
    cleanup_policy: str = field(default="manual", metadata=_doc('On merge conflict: "manual" or "archive"'))
    retry_base: float = field(default=5.0, metadata=_doc("Seconds before the first retry of a failed job"))
    retry_cap: float = field(default=3600.0, metadata=_doc("Longest wait between retries, in seconds"))
    settle_delay: float = field(
        default=60.0, metadata=_doc("Seconds before an unconfirmed create is looked up again and retried")
    )
    full_every: str = field(
        default="24h",
        metadata=_doc('A reconcile reads everything again this often ("24h", "90m", "0": only on demand)'),
    )
    deletions_every: str = field(
        default="1h",
        metadata=_doc('Records deleted in the portal are looked for this often ("1h", "0": at full passes)'),
    )
    keep_history: str = field(
        default="90d",
        metadata=_doc(
            'Done and cancelled jobs are deleted after this long ("90d", "0": kept for ever); '
            "each record's last done job stays"
        ),
    )


LANGUAGES = ("system", "en", "ru")


@dataclass(frozen=True)
class WindowConfig:
    language: str = field(
        default="system", metadata=_doc('Language of the window: "system" (the locale\'s), "en" or "ru"')
    )


@dataclass(frozen=True)
class QueueConfig:
    url: str = field(
        default="",
        metadata=_doc(
            'Team queue: PostgreSQL URL without password, e.g. "postgresql://bitrix_monitor@db/bm"; '
            "empty = this desk's own queue file"
        ),
    )
    desk: str = field(
        default="",
        metadata=_doc(
            "This desk's name in the team's activity and list of runners, e.g. \"anna@office\"; "
            "empty = user@host"
        ),
    )

    @property
    def desk_name(self) -> str:
        """What the team calls this desk: ``desk``, else :func:`default_desk`."""
        return self.desk.strip() or default_desk()


DESK_NAME_LIMIT = 64


def default_desk() -> str:
    """A desk's name when ``[queue] desk`` is empty: the user at the machine, "anna@termsrv", so two people
    on one terminal server (or two users' desks on one machine) are told apart; the machine's name alone
    when no user name can be found (no login name in the environment nor in the password database)."""
    host = socket.gethostname()
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):  # OSError from 3.13; KeyError, or no pwd module, before
        return host
    return f"{user}@{host}" if user else host


def check_desk(name: str) -> None:
    """``[queue] desk``: one line of printable text, short enough for a column (empty: the default)."""
    if len(name) > DESK_NAME_LIMIT or not name.isprintable():
        raise ConfigError(
            Message("config.desk", {"value": _shown(name), "limit": DESK_NAME_LIMIT}),
            hint=Message("config.desk.hint"),
        )


@dataclass(frozen=True)
class AppConfig:
    shop: ShopConfig = field(default_factory=ShopConfig)
    portal: PortalConfig = field(default_factory=PortalConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
    queue: QueueConfig = field(default_factory=QueueConfig)

    @property
    def rate_plan(self) -> RatePlan:
        return parse_plan(self.portal.plan)


def _build(section: str, cls: type, data: Any) -> Any:
    where: Param = f"[{section}]" if section else Message("config.the_config")
    if not isinstance(data, dict):
        raise ConfigError(Message("config.not_table", {"where": where, "type": type(data).__name__}))
    hints = typing.get_type_hints(cls)
    known = [f.name for f in fields(cls)]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in hints:
            raise ConfigError(
                Message("config.unknown_key", {"where": where, "key": repr(key)}),
                hint=Message("config.unknown_key.hint", {"keys": ", ".join(known)}),
            )
        expected = hints[key]
        name = f"{section}.{key}" if section else key
        if dataclasses.is_dataclass(expected):
            kwargs[key] = _build(name, expected, value)  # type: ignore[arg-type]
        elif typing.get_origin(expected) is dict:
            if not isinstance(value, dict):
                raise ConfigError(Message("config.table_of_strings", {"where": where, "key": key}))
            for k, v in value.items():
                if not isinstance(v, str):
                    said = {"where": where, "key": key, "name": repr(str(k)[:60]), "value": _shown(v)}
                    raise ConfigError(
                        Message("config.not_text", {**said, "type": type(v).__name__}),
                        hint=Message("config.table_of_strings.hint", {"key": key}),
                    )
            kwargs[key] = dict(value)
        elif expected is float and isinstance(value, int) and not isinstance(value, bool):
            kwargs[key] = float(value)
        elif not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            said = {"where": where, "key": key, "expected": expected.__name__, "type": type(value).__name__}
            raise ConfigError(Message("config.wrong_type", said))
        else:
            kwargs[key] = value
    return cls(**kwargs)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_extra_fields(section: str, mapped: dict[str, str]) -> None:
    """``[shop.<section>.fields]``: CRM field names (upper case, as the portal matches them exactly) that
    the app does not already send, each mapped to a non-empty column name or template. Templates and
    columns are checked against the shop (:mod:`bitrix_monitor.shop.mapping`), the names against the
    portal at connect (:mod:`bitrix_monitor.sync.custom_fields`)."""
    where = f"[shop.{section}.fields]"
    for name, source in mapped.items():
        if not name.strip():
            raise ConfigError(
                Message("config.empty_field_name", {"where": where}),
                hint=Message("config.hint.eg", {"example": 'UF_CRM_SHOP_ID = "{order_id}"'}),
            )
        if not _CRM_FIELD_NAME.fullmatch(name):
            upper = name.strip().upper()
            hint = (
                Message("config.field_case.hint", {"name": repr(upper)})
                if _CRM_FIELD_NAME.fullmatch(upper)
                else Message("config.field_name.hint")
            )
            raise ConfigError(
                Message("config.not_field_name", {"where": where, "name": repr(name[:60])}), hint=hint
            )
        if name in BUILTIN_FIELDS[section]:
            raise ConfigError(
                Message("config.builtin_field", {"where": where, "name": name, "section": section}),
                hint=Message("config.builtin_field.hint", {"where": where}),
            )
        if not source.strip():
            raise ConfigError(
                Message("config.field_empty", {"where": where, "name": name}),
                hint=Message("config.field_empty.hint", {"example": '"{order_id}"'}),
            )


def from_dict(data: dict[str, Any]) -> AppConfig:
    cfg: AppConfig = _build("", AppConfig, data)
    check_extra_fields("orders", cfg.shop.orders.fields)
    check_extra_fields("users", cfg.shop.users.fields)
    check_extra_fields("companies", cfg.shop.companies.fields)
    check_owners_and_stage_map_back(cfg.shop.orders)
    check_owners("users", cfg.shop.users)
    check_owners("companies", cfg.shop.companies)
    check_portal_plan(cfg.portal.plan)
    _check_numbers(cfg)
    if _BATCH_SYNTAX.search(cfg.portal.originator):
        raise ConfigError(Message("config.originator_batch"))
    if not 0 <= cfg.shop.orders.category < 2**31:
        raise ConfigError(Message("config.category", {"value": str(cfg.shop.orders.category)}))
    shop_zone(cfg.shop.timezone)
    check_links(cfg.shop)
    if cfg.sync.cleanup_policy not in ("manual", "archive"):
        raise ConfigError(Message("config.cleanup_policy"))
    if cfg.window.language not in LANGUAGES:
        raise ConfigError(Message("config.language"))
    check_desk(cfg.queue.desk)
    for section, url in (("shop", cfg.shop.url), ("queue", cfg.queue.url)):
        if _URL_HAS_PASSWORD.search(url):
            variable = f"BITRIX_MONITOR_{section.upper()}_PASSWORD"
            raise ConfigError(Message("config.password_in_url", {"section": section, "variable": variable}))
    return cfg


# (section, key, smallest allowed, whether the smallest itself is allowed, largest)
_NUMBER_RANGES = (
    ("portal", "timeout", 0.0, False, 3600.0),
    ("sync", "auto_sync_interval", 0.0, True, 7 * 86400.0),
    ("sync", "max_attempts", 1, True, 1000),
    ("sync", "retry_base", 0.0, False, 86400.0),
    ("sync", "retry_cap", 0.0, False, 7 * 86400.0),
    ("sync", "settle_delay", 0.0, True, 86400.0),
)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def duration_seconds(text: str) -> float:
    """``"24h"``, ``"90m"``, ``"30s"``, ``"2d"`` or a number of seconds, in seconds (0: never)."""
    m = _DURATION.match(text)
    if m is None:
        raise ConfigError(
            Message("config.not_duration", {"text": repr(text[:40])}),
            hint=Message("config.not_duration.hint"),
        )
    return float(m.group(1)) * _UNIT[m.group(2)]


def _check_numbers(cfg: AppConfig) -> None:
    """Every number is finite and in a range that makes sense (TOML allows nan and inf)."""
    for key in ("full_every", "deletions_every", "keep_history"):
        try:
            duration_seconds(getattr(cfg.sync, key))
        except ConfigError as exc:
            said: dict[str, Param] = {"section": "sync", "key": key, "error": exc.msg}
            raise ConfigError(Message("config.in_key", said), hint=exc.hint_msg) from None
    for section, key, low, low_ok, high in _NUMBER_RANGES:
        value = getattr(getattr(cfg, section), key)
        above = value >= low if low_ok else value > low
        if not math.isfinite(value) or not above or value > high:
            floor = f">= {low:g}" if low_ok else f"> {low:g}"
            said = {"section": section, "key": key, "floor": floor, "high": f"{high:g}", "value": repr(value)}
            raise ConfigError(Message("config.number_range", said))


def check_links(shop: ShopConfig) -> None:
    """``[shop.links]``, ``"@links"`` and ``[shop.companies]`` hang together (the database is checked at
    connect); raises one :class:`ConfigError` naming the key."""
    links = shop.links
    for crm, value in links.kind_values.items():
        if crm not in CRM_KINDS:
            raise ConfigError(
                Message("config.links_kind", {"crm": repr(crm[:40])}),
                hint=Message("config.links_kind.hint", {"keys": ", ".join(CRM_KINDS)}),
            )
        if not value.strip():
            raise ConfigError(Message("config.links_kind_empty", {"crm": crm}))
    values = [links.value(crm) for crm in CRM_KINDS]
    if len(set(values)) < len(values):
        shared = ", ".join(f"{c} = {v!r}" for c, v in zip(CRM_KINDS, values, strict=True))
        raise ConfigError(Message("config.links_kind_shared", {"values": shared}))
    companies = bool(shop.companies.table.strip())
    ids = (
        ("shop.orders", "deal_id", shop.orders.deal_id, True),
        ("shop.users", "contact_id", shop.users.contact_id, True),
        ("shop.companies", "company_id", shop.companies.company_id, companies),
    )
    for section, key, value, used in ids:
        if not used:
            continue
        if value.startswith("@") and value != LINKS:
            said = {"section": section, "key": key, "value": repr(value[:40]), "links": repr(LINKS)}
            raise ConfigError(
                Message("config.links_at", said), hint=Message("config.links_at.hint", {"links": LINKS})
            )
        if value == LINKS and not links.table.strip():
            raise ConfigError(
                Message("config.links_no_table", {"section": section, "key": key, "links": LINKS}),
                hint=Message("config.links_no_table.hint"),
            )
    if links.table.strip():
        for key in ("kind", "local_id", "crm_id"):
            if not getattr(links, key).strip():
                raise ConfigError(Message("config.links_required", {"key": key}))
    if shop.users.company_ref.strip() and not companies:
        raise ConfigError(
            Message("config.company_ref", {"value": repr(shop.users.company_ref[:40])}),
            hint=Message("config.company_ref.hint"),
        )


def shop_zone(name: str) -> tzinfo | None:
    """The zone of ``[shop] timezone``; ``None`` for this machine's own zone (the key left empty).

    Raises :class:`ConfigError` for a name that is no IANA time zone."""
    if not name.strip():
        return None
    try:
        return zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory such as "Europe"
        raise ConfigError(
            Message("config.timezone", {"name": repr(name[:60])}), hint=Message("config.timezone.hint")
        ) from None


_BATCH_SYNTAX = re.compile(r"\$(result|next|total|time|error)", re.IGNORECASE)
_URL_HAS_PASSWORD = re.compile(r"://[^/@]*:[^/]*@|[?&;](?:password|passwd|pwd)=", re.IGNORECASE)


def load(path: Path, *, missing_ok: bool = True) -> AppConfig:
    """Read and validate a config file. A missing file gives the defaults when ``missing_ok``."""
    if problem := not_a_regular_file(path):
        raise ConfigError(Message("config.file_problem", {"path": str(path), "problem": problem}))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return AppConfig()
        raise ConfigError(Message("config.file_missing", {"path": str(path)})) from None
    except OSError as exc:
        said: dict[str, Param] = {"path": str(path), "error": os_reason(exc)}
        raise ConfigError(Message("config.file_unreadable", said)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(Message("config.file_not_utf8", {"path": str(path)})) from None
    except tomllib.TOMLDecodeError as exc:
        said = {"path": str(path), "error": str(exc)}
        raise ConfigError(Message("config.file_not_toml", said)) from None
    try:
        return from_dict(data)
    except ConfigError as exc:
        raise ConfigError(
            Message("config.in_file", {"path": str(path), "error": exc.msg}), hint=exc.hint_msg
        ) from None


def to_dict(cfg: AppConfig) -> dict[str, Any]:
    """The config as the file holds it; a retired setting (``metadata["retired"]``) left at its default is
    not written (a config that still sets it keeps it, and its notice, until it is removed)."""
    data = asdict(cfg)
    _drop_retired(cfg, data)
    return data


def _drop_retired(section: Any, data: dict[str, Any]) -> None:
    for f in fields(section):
        value = getattr(section, f.name)
        if dataclasses.is_dataclass(value):
            _drop_retired(value, data[f.name])
        elif f.metadata.get("retired") and value == f.default:
            del data[f.name]


def save(cfg: AppConfig, path: Path) -> None:
    """Write atomically (temp file + rename), so a crash never leaves half a config."""
    from_dict(to_dict(cfg))  # refuse to write what could not be read back
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(tomli_w.dumps(to_dict(cfg)), encoding="utf-8")
    tmp.replace(path)


__all__ = [
    "LINKS",
    "PLANS",
    "AppConfig",
    "CompaniesMapping",
    "LinksMapping",
    "OrdersMapping",
    "PortalConfig",
    "QueueConfig",
    "RatePlan",
    "ShopConfig",
    "SyncConfig",
    "UsersMapping",
    "WindowConfig",
    "load",
    "parse_plan",
    "replace",
    "save",
]
