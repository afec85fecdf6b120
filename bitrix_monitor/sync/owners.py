"""Who changes each mapped field (``[shop.<plural>.owners]``), and the rules both directions share.

- ``shop``: pushed to the portal, never pulled (every field but the stage, unless said otherwise);
- ``crm``: pulled into the shop, never pushed once the record exists (a record the app creates is seeded with
  the shop's value: the CRM has none yet, so nothing of anyone's is overwritten);
- ``both``: a three-way merge against the value both sides last agreed on (the baseline, kept per record
  and field in the job store): the push sends such a field only while the CRM still holds the baseline — a
  CRM change is the pull's to apply (or to leave as a conflict), never the push's to overwrite.

Values are compared the way the push compares them: text trimmed; ``EMAIL``/``PHONE`` (the portal's lists
of ``{VALUE, VALUE_TYPE, ID}``) agree when the shop's one value is among the CRM's values (phone numbers by
their digits, e-mails without case); what the CRM says such a field is, for the shop, is its first value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bitrix_monitor.config import (
    CompaniesMapping,
    OrdersMapping,
    ShopConfig,
    UsersMapping,
    field_owner,
    pullable_fields,
)
from bitrix_monitor.kinds import ShopKind
from bitrix_monitor.queue.model import PullField
from bitrix_monitor.sync import fields as F
from bitrix_monitor.sync.model import FieldDiff

MULTI = frozenset({"EMAIL", "PHONE"})  # the portal's multi-fields the app maps
STAGE = "STAGE_ID"  # pulled from the stage history (sync/pull.py), not by DATE_MODIFY


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One CRM field the CRM may change: its kind, name, the shop column it is written to, and its owner."""

    kind: ShopKind
    name: str
    column: str
    owner: str  # "crm" | "both"

    @property
    def multi(self) -> bool:
        return self.name in MULTI

    def key(self, value: str | None) -> str:
        """What two values are compared by."""
        text = (value or "").strip()
        if self.name == "PHONE":
            return F.phone_key(text)
        if self.name == "EMAIL":
            return F.email_key(text)
        return text

    def crm_values(self, record: Mapping[str, Any]) -> list[str]:
        """The record's values of this field as text (a multi-field's in the portal's order)."""
        value = record.get(self.name)
        if self.multi:
            items = value if isinstance(value, list) else []
            found = [v.get("VALUE") for v in items if isinstance(v, Mapping)]
            return [str(v).strip() for v in found if v]
        if value is None or value is False or isinstance(value, (list, dict)):
            return [""]
        return [str(value).strip()]

    def crm_value(self, record: Mapping[str, Any]) -> str:
        """What the CRM says the shop's column should hold (a multi-field: its first value; none: "")."""
        values = self.crm_values(record)
        return values[0] if values else ""

    def crm_holds(self, record: Mapping[str, Any], value: str | None) -> bool:
        """Whether the record holds ``value`` (a multi-field: among its values; empty: it has none)."""
        wanted = self.key(value)
        keys = [self.key(v) for v in self.crm_values(record)]
        if self.multi:
            return wanted in keys if wanted else not any(keys)
        return keys == [wanted]

    def agreed_on(self, shop_values: Mapping[str, str], portal_values: Mapping[str, str]) -> str | None:
        """The value both sides hold, as a record's status shows them (the shop's value, the CRM's as text:
        a multi-field's values comma-joined), or None when they differ."""
        shop = (shop_values.get(self.name) or "").strip()
        portal = portal_values.get(self.name) or ""
        theirs = [self.key(v) for v in portal.split(", ")] if self.multi else [self.key(portal)]
        if self.multi:
            ok = self.key(shop) in theirs if shop else not any(theirs)
        else:
            ok = theirs == [self.key(shop)]
        return shop if ok else None


class FieldOwners:
    """The owners of every mapped kind's fields, read from the configuration."""

    def __init__(self, shop: ShopConfig) -> None:
        self._maps: dict[str, OrdersMapping | UsersMapping | CompaniesMapping] = {
            "order": shop.orders,
            "user": shop.users,
        }
        if shop.companies.table.strip():
            self._maps["company"] = shop.companies
        self._plural = {"order": "orders", "user": "users", "company": "companies"}

    def owner(self, kind: str, name: str) -> str:
        m = self._maps.get(kind)
        return "shop" if m is None else field_owner(m, name)

    def rules(self, kind: str) -> list[FieldRule]:
        """The kind's fields the CRM may change (owner ``crm`` or ``both``), the stage included."""
        m = self._maps.get(kind)
        if m is None:
            return []
        out = []
        for name, column in pullable_fields(self._plural[kind], m).items():
            owner = field_owner(m, name)
            if owner != "shop":
                out.append(FieldRule(kind, name, column, owner))  # type: ignore[arg-type]
        return out

    def pulled(self, kind: str) -> list[FieldRule]:
        """The kind's fields found by ``DATE_MODIFY`` (every field the CRM may change but the stage)."""
        return [r for r in self.rules(kind) if r.name != STAGE]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._maps)

    def push_diffs(
        self,
        kind: str,
        diffs: Sequence[FieldDiff],
        record: Mapping[str, Any],
        agreed: Mapping[str, PullField],
    ) -> list[FieldDiff]:
        """Of the differences between a shop row and its CRM record, the ones the push may send: never a
        ``crm`` field's; a ``both`` field's only while the CRM still holds the baseline (``agreed``: field →
        the record's :class:`PullField`; none: never agreed, the shop's value goes)."""
        rules = {r.name: r for r in self.rules(kind)}
        out = []
        for d in diffs:
            rule = rules.get(d.field)
            if rule is None:
                out.append(d)
            elif rule.owner == "both":
                known = agreed.get(d.field)
                if known is None or known.agreed is None or rule.crm_holds(record, known.agreed):
                    out.append(d)
        return out

    def without_crm_fields(self, kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A record's fields to write over an existing record (a relink): without the ``crm`` fields."""
        crm = {r.name for r in self.rules(kind) if r.owner == "crm"}
        return {k: v for k, v in fields.items() if k not in crm}


def baselines(
    kind: str, owners: FieldOwners, load: Any, keys: Iterable[str] | None = None
) -> dict[str, dict[str, PullField]]:
    """Shop key → field → baseline of every field of ``kind`` the CRM may change; ``load`` is the job
    store's ``pull_fields``."""
    out: dict[str, dict[str, PullField]] = {}
    wanted = None if keys is None else list(keys)
    for rule in owners.rules(kind):
        for key, f in load(kind, rule.name, wanted).items():
            out.setdefault(key, {})[rule.name] = f
    return out


__all__ = ["MULTI", "FieldOwners", "FieldRule", "baselines"]
