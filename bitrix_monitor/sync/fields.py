"""What a deal or contact should look like for a shop row, and how it differs from what the portal has.

Pure functions over plain data: the reconciler, the job runner and the detail pane all use the same rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bitrix_monitor.compact import ABSENT, values_of
from bitrix_monitor.kinds import crm_of
from bitrix_monitor.money import AmountError, format_amount, parse_amount
from bitrix_monitor.shop import CompanyRow, OrderRow, ShopRow, UserRow
from bitrix_monitor.sync.model import FieldDiff
from bitrix_monitor.sync.ownership import RESTORED_PREFIX as RESTORED_PREFIX  # re-exported
from bitrix_monitor.sync.ownership import Owner, owner_of

DEAL_SELECT = ["ID", "TITLE", "OPPORTUNITY", "CURRENCY_ID", "STAGE_ID", "CATEGORY_ID", "CONTACT_ID",
               "COMPANY_ID", "ORIGINATOR_ID", "ORIGIN_ID", "DATE_CREATE", "DATE_MODIFY"]  # fmt: skip
CONTACT_SELECT = ["ID", "NAME", "LAST_NAME", "COMPANY_ID", "EMAIL", "PHONE", "ORIGINATOR_ID", "ORIGIN_ID",
                  "DATE_CREATE", "DATE_MODIFY"]  # fmt: skip
COMPANY_SELECT = ["ID", "TITLE", "EMAIL", "PHONE", "ORIGINATOR_ID", "ORIGIN_ID", "DATE_CREATE",
                  "DATE_MODIFY"]  # fmt: skip
SELECT: dict[str, list[str]] = {"deal": DEAL_SELECT, "contact": CONTACT_SELECT, "company": COMPANY_SELECT}
# Who changed a record last and when, as the portal says (§16.2): read with the record for the detail pane,
# never compared, and kept out of a conflict's fingerprint (DATE_MODIFY moves with each of them).
WHO: dict[str, list[str]] = {
    "deal": ["MODIFY_BY_ID", "MOVED_BY_ID", "MOVED_TIME"],
    "contact": ["MODIFY_BY_ID"],
    "company": ["MODIFY_BY_ID"],
}


@dataclass(frozen=True, slots=True)
class Refs:
    """The CRM ids a record points at: a deal its contact and company, a contact its company. ``None``:
    the shop names none (or the referenced record has no CRM id yet): the field is neither sent nor
    compared."""

    contact_id: int | None = None
    company_id: int | None = None


_DIGITS = re.compile(r"\D+")


def select_for(entity: str, extra: Iterable[str] = ()) -> list[str]:
    """What the reconciler reads of a CRM record of this kind (shop or CRM name): the fields it compares,
    and the mapped ``[shop.*.fields]`` (``extra``: their names). A list select returns user fields only when
    named (reference §12.2)."""
    return list(dict.fromkeys([*SELECT[crm_of(entity)], *extra, *WHO[crm_of(entity)]]))


PORTAL_TIMES = frozenset({"DATE_CREATE", "DATE_MODIFY", "MOVED_TIME"})  # datetimes the portal writes (§15)


def portal_time(value: Any) -> datetime | None:
    """A portal datetime, ISO 8601 with the portal's offset (``"2024-08-30T14:29:00+02:00"``), as an aware
    UTC instant; ``None`` for ``""`` (the portal's empty date), for text that is no datetime, and for one
    without an offset (the portal always sends one: its zone would be a guess)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def phone_key(phone: str | None) -> str:
    """Digits only, with a leading 8 of a Russian 11-digit number read as 7 (8 912… == +7 912…)."""
    digits = _DIGITS.sub("", phone or "")
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


def email_key(email: str | None) -> str:
    """The e-mail as compared: stripped, in lower case (the text given itself when it is so already: the
    e-mail and phone index holds one key for each contact)."""
    text = (email or "").strip()
    low = text.lower()
    return text if low == text else low


def _portal_amount(value: Any) -> Decimal | str | None:
    """A deal's ``OPPORTUNITY`` as cents; text the app cannot read as an amount stays text (it then
    differs from any shop amount, which is a number)."""
    try:
        return parse_amount(value)
    except AmountError:
        return str(value)


def _same_amount(order: OrderRow, portal: Any) -> bool:
    """Whether the deal's ``OPPORTUNITY`` is the order's amount: at once when the portal wrote it as the
    order's cents read out (``"1234.50"``, as it writes amounts), else compared as amounts."""
    cents = order.cents
    if cents is not None and type(portal) is str:
        whole, part = divmod(abs(cents), 100)
        if portal == f"{'-' if cents < 0 else ''}{whole}.{part:02d}":
            return True
    return _portal_amount(portal) == order.amount


def deal_fields(
    order: OrderRow,
    *,
    originator: str,
    contact_id: int | None,
    category: int = 0,
    company_id: int | None = None,
) -> dict[str, Any]:
    """The deal's fields; ``CATEGORY_ID`` (the pipeline) counts on create only, and ``STAGE_ID`` must be a
    stage of it (checked by :mod:`bitrix_monitor.sync.stages` before anything is sent)."""
    fields: dict[str, Any] = {
        **order.extra,  # [shop.orders.fields]: never a field the app sends itself (checked in the config)
        "TITLE": order.title,
        "CATEGORY_ID": category,
        "CURRENCY_ID": order.currency,
        "ORIGINATOR_ID": originator,
        "ORIGIN_ID": order.key,
    }
    if order.amount is not None:
        fields["OPPORTUNITY"] = format_amount(order.amount)
    if order.stage:
        fields["STAGE_ID"] = order.stage
    if contact_id is not None:
        fields["CONTACT_ID"] = contact_id
    if company_id is not None:
        fields["COMPANY_ID"] = company_id
    return fields


def _names(user: UserRow) -> tuple[str, str]:
    if user.first_name or user.last_name:
        return user.first_name, user.last_name
    return user.name, ""


def contact_fields(user: UserRow, *, originator: str, company_id: int | None = None) -> dict[str, Any]:
    first, last = _names(user)
    fields: dict[str, Any] = {**user.extra, "NAME": first, "ORIGINATOR_ID": originator, "ORIGIN_ID": user.key}
    if last:
        fields["LAST_NAME"] = last
    if user.email:
        fields["EMAIL"] = [{"VALUE": user.email, "VALUE_TYPE": "WORK"}]
    if user.phone:
        fields["PHONE"] = [{"VALUE": user.phone, "VALUE_TYPE": "WORK"}]
    if company_id is not None:
        # COMPANY_IDS replaces the contact's companies with this one, primary (reference §11.2). The
        # deprecated COMPANY_ID alone does that only when the company is not bound yet: one a manager bound
        # beside the old one would stay secondary, the old one primary, and the contact outdated for ever.
        # COMPANY_ID (what the portal reads back) stays for the comparison and the detail pane.
        fields["COMPANY_ID"] = company_id
        fields["COMPANY_IDS"] = [company_id]
    return fields


def company_fields(company: CompanyRow, *, originator: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        **company.extra,
        "TITLE": company.title,
        "ORIGINATOR_ID": originator,
        "ORIGIN_ID": company.key,
    }
    if company.email:
        fields["EMAIL"] = [{"VALUE": company.email, "VALUE_TYPE": "WORK"}]
    if company.phone:
        fields["PHONE"] = [{"VALUE": company.phone, "VALUE_TYPE": "WORK"}]
    return fields


def _str(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


_DEAL_READ = ("CATEGORY_ID", "TITLE", "OPPORTUNITY", "CURRENCY_ID", "STAGE_ID", "CONTACT_ID", "COMPANY_ID")


def deal_diff(
    order: OrderRow,
    deal: Mapping[str, Any],
    *,
    contact_id: int | None,
    category: int | None = None,
    company_id: int | None = None,
) -> list[FieldDiff]:
    """Field-by-field differences between what the shop says and what the portal deal holds; with
    ``category``, a deal in another pipeline differs in ``CATEGORY_ID`` (reported, never moved). A field
    the deal was read without is not compared (the title and the amount: compared as empty)."""
    pipeline, title, amount, currency, stage, contact, company = values_of(deal, _DEAL_READ)
    diffs: list[FieldDiff] = []
    if category is not None and pipeline is not ABSENT and _str(pipeline) != str(category):
        diffs.append(FieldDiff("CATEGORY_ID", str(category), _str(pipeline)))
    if title is ABSENT:
        title = None
    if (title or "") != order.title:
        diffs.append(FieldDiff("TITLE", order.title, _str(title)))
    if amount is ABSENT:
        amount = None
    if order.has_amount and not _same_amount(order, amount):
        diffs.append(FieldDiff("OPPORTUNITY", format_amount(order.amount), _str(amount)))  # type: ignore[arg-type]
    if currency is not ABSENT and (currency or "") != order.currency:
        diffs.append(FieldDiff("CURRENCY_ID", order.currency, _str(currency)))
    if order.stage and stage is not ABSENT and stage != order.stage:
        diffs.append(FieldDiff("STAGE_ID", order.stage, _str(stage)))
    if contact_id is not None and contact is not ABSENT and _str(contact) != str(contact_id):
        diffs.append(FieldDiff("CONTACT_ID", str(contact_id), _str(contact)))
    diffs += _company_differs(company, company_id)
    if order.extra:
        diffs += extra_diff(order.extra, deal)
    return diffs


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def same_text(shop: str, portal: Any) -> bool:
    """Whether a portal field holds the shop's value of a ``[shop.*.fields]`` entry. The portal answers
    text (``null`` or ``""`` when unset); compared as text after trimming, numbers as numbers (``5`` =
    ``"5"`` = ``"5.00"``), and a shop number the portal shows with fewer decimals rounded half-up to them
    (a double field keeps its ``PRECISION``: ``4692.365`` is stored as ``"4692.37"``)."""
    if isinstance(portal, (list, dict)):
        return False  # a multiple field: not supported (the connect check refuses them)
    theirs = "" if portal is None or portal is False else str(portal).strip()
    ours = shop.strip()
    if ours == theirs:
        return True
    a, b = _number(ours), _number(theirs)
    if a is None or b is None:
        return False
    if a == b:
        return True
    places = -int(b.as_tuple().exponent)
    return (
        0 <= places < -int(a.as_tuple().exponent)
        and a.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP) == b
    )


def extra_diff(extra: Mapping[str, str], record: Mapping[str, Any]) -> list[FieldDiff]:
    """Differences in the mapped ``[shop.*.fields]``; a field the record was read without is not compared."""
    return [
        FieldDiff(name, value, _str(record.get(name)))
        for name, value in extra.items()
        if name in record and not same_text(value, record.get(name))
    ]


def _company_diff(record: Mapping[str, Any], company_id: int | None) -> list[FieldDiff]:
    return _company_differs(record.get("COMPANY_ID", ABSENT), company_id)


def _company_differs(value: Any, company_id: int | None) -> list[FieldDiff]:
    """The record's ``COMPANY_ID`` (``ABSENT``: not read) against the company it should name."""
    if company_id is None or value is ABSENT or _str(value) == str(company_id):
        return []
    return [FieldDiff("COMPANY_ID", str(company_id), _str(value))]


def foreign_originator(record: Mapping[str, Any], originator: str) -> str | None:
    """The record's ORIGINATOR_ID when it is set and is not ours, byte for byte (another integration's)."""
    return str(record["ORIGINATOR_ID"]) if owner_of(record, originator) is Owner.FOREIGN else None


def origin_diff(record: Mapping[str, Any], *, originator: str, key: str) -> list[FieldDiff]:
    """Our origin ids for a record the shop stores that lacks them: one made before origin ids (no
    originator at all), or one of ours with no ORIGIN_ID or a restore marker. A record carrying another
    integration's originator is never stamped (see :func:`foreign_originator`)."""
    owner = record.get("ORIGINATOR_ID") or ""
    origin = str(record.get("ORIGIN_ID") or "")
    if owner and (owner != originator or (origin and not origin.startswith(RESTORED_PREFIX))):
        return []
    diffs = [] if owner else [FieldDiff("ORIGINATOR_ID", originator, None)]
    if origin != key:
        diffs.append(FieldDiff("ORIGIN_ID", key, origin or None))
    return diffs


STAMP_FIELDS = frozenset({"ORIGINATOR_ID", "ORIGIN_ID"})


def _fingerprint_value(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(str(v.get("VALUE") or "") if isinstance(v, Mapping) else str(v) for v in value)
    return "" if value is None else str(value)


def conflict_fingerprint(entity: str, records: Mapping[int, Mapping[str, Any]]) -> str:
    """What a merge conflict is about: the records' ids and the values reconciliation reads (with
    ``DATE_MODIFY``, which any edit changes). Equal fingerprints: nothing changed since a person was asked."""
    names = [f for f in SELECT[crm_of(entity)] if f != "ID"]
    data = [[rid, [_fingerprint_value(records[rid].get(f)) for f in names]] for rid in sorted(records)]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:32]


def _multi(record: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = record.get(name)
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def contact_diff(
    user: UserRow, contact: Mapping[str, Any], *, company_id: int | None = None
) -> list[FieldDiff]:
    diffs: list[FieldDiff] = []
    first, last = _names(user)
    if (contact.get("NAME") or "") != first:
        diffs.append(FieldDiff("NAME", first, _str(contact.get("NAME"))))
    if "LAST_NAME" in contact and (contact.get("LAST_NAME") or "") != last:
        diffs.append(FieldDiff("LAST_NAME", last, _str(contact.get("LAST_NAME"))))
    return (
        diffs
        + _comm_diff(user.email, user.phone, contact)
        + _company_diff(contact, company_id)
        + extra_diff(user.extra, contact)
    )


def _comm_diff(email: str | None, phone: str | None, record: Mapping[str, Any]) -> list[FieldDiff]:
    diffs: list[FieldDiff] = []
    if email:
        emails = [str(v.get("VALUE") or "") for v in _multi(record, "EMAIL")]
        if email_key(email) not in {email_key(e) for e in emails}:
            diffs.append(FieldDiff("EMAIL", email, ", ".join(emails) or None))
    if phone:
        phones = [str(v.get("VALUE") or "") for v in _multi(record, "PHONE")]
        if phone_key(phone) not in {phone_key(p) for p in phones}:
            diffs.append(FieldDiff("PHONE", phone, ", ".join(phones) or None))
    return diffs


def company_diff(company: CompanyRow, record: Mapping[str, Any]) -> list[FieldDiff]:
    diffs: list[FieldDiff] = []
    if (record.get("TITLE") or "") != company.title:
        diffs.append(FieldDiff("TITLE", company.title, _str(record.get("TITLE"))))
    return diffs + _comm_diff(company.email, company.phone, record) + extra_diff(company.extra, record)


class RefIndex:
    """Finds the CRM ids a row points at, from the shop's users and companies (read once)."""

    def __init__(
        self,
        users: Mapping[str, UserRow],
        companies: Mapping[str, CompanyRow] | None = None,
        *,
        alive: Mapping[str, Container[int]] | None = None,
    ) -> None:
        self.users = users
        self.companies = companies or {}
        # With ``alive`` (CRM ids the portal has, by CRM kind), an id the portal does not have is no
        # reference: a stale link is re-created first and then referred to, never pointed at meanwhile.
        self.alive = alive

    def _live(self, crm: str, pid: int | None) -> int | None:
        if pid is None or self.alive is None:
            return pid
        return pid if pid in self.alive.get(crm, ()) else None

    def _company_id(self, company_key: str | None) -> int | None:
        company = self.companies.get(company_key) if company_key else None
        return self._live("company", company.company_id) if company is not None else None

    def of(self, row: ShopRow) -> Refs:
        if isinstance(row, OrderRow):
            user = self.users.get(row.user_key) if row.user_key else None
            if user is None:
                return Refs()
            contact_id = self._live("contact", user.contact_id)
            return Refs(contact_id=contact_id, company_id=self._company_id(user.company_key))
        if isinstance(row, UserRow):
            return Refs(company_id=self._company_id(row.company_key))
        return Refs()


def desired(row: ShopRow, *, originator: str, refs: Refs, category: int = 0) -> dict[str, Any]:
    """What the row's CRM record should hold, whatever its kind."""
    if isinstance(row, OrderRow):
        return deal_fields(
            row,
            originator=originator,
            contact_id=refs.contact_id,
            category=category,
            company_id=refs.company_id,
        )
    if isinstance(row, UserRow):
        return contact_fields(row, originator=originator, company_id=refs.company_id)
    return company_fields(row, originator=originator)


def diff(
    row: ShopRow, record: Mapping[str, Any], *, refs: Refs, category: int | None = None
) -> list[FieldDiff]:
    """How the row's CRM record differs from what it should hold, whatever its kind."""
    if isinstance(row, OrderRow):
        return deal_diff(
            row, record, contact_id=refs.contact_id, category=category, company_id=refs.company_id
        )
    if isinstance(row, UserRow):
        return contact_diff(row, record, company_id=refs.company_id)
    return company_diff(row, record)


def label_of(row: ShopRow) -> str:
    """How a person recognises the row: the order's title, the user's name, the company's title."""
    if isinstance(row, OrderRow):
        return row.title or row.key
    if isinstance(row, UserRow):
        return row.name or row.email or row.key
    return row.title or row.email or row.key


# A field that is read back under one name and written under another as well: a contact's primary company
# is read as COMPANY_ID and set with COMPANY_IDS (see :func:`contact_fields`).
_SENT_WITH: dict[str, tuple[str, ...]] = {"COMPANY_ID": ("COMPANY_IDS",)}


def update_fields_for(
    entity: str,
    desired: Mapping[str, Any],
    current: Mapping[str, Any],
    diffs: Sequence[FieldDiff],
    replacing: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Only the fields that differ. Multi-fields change an existing value by its ID (never append twice):
    the one holding ``replacing[field]`` (the value both sides last agreed on) when there is one, so a
    number a manager added beside it stays; else the first."""
    out: dict[str, Any] = {}
    for d in diffs:
        for companion in _SENT_WITH.get(d.field, ()):
            if companion in desired:
                out[companion] = desired[companion]
        if d.field in ("EMAIL", "PHONE"):
            existing = _multi(current, d.field)
            key = phone_key if d.field == "PHONE" else email_key
            old = key((replacing or {}).get(d.field))
            same = [v for v in existing if old and key(str(v.get("VALUE") or "")) == old]
            target = (same or existing)[:1]
            value = {"VALUE": d.shop, "VALUE_TYPE": "WORK"}
            if target and target[0].get("ID"):
                value = {
                    "ID": str(target[0]["ID"]),
                    "VALUE": d.shop,
                    "VALUE_TYPE": target[0].get("VALUE_TYPE") or "WORK",
                }
            out[d.field] = [value]
        elif d.field in desired:
            out[d.field] = desired[d.field]
    return out


def _display(v: Any) -> str:
    if isinstance(v, list):
        return ", ".join(str(x.get("VALUE", "")) if isinstance(x, Mapping) else str(x) for x in v)
    return str(v)


class DisplayValues(Mapping[str, str]):
    """A record's fields as text for the detail pane (multi-fields as comma lists), made on access: a
    reconciliation of 100k records keeps no second copy of every record."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self._fields = fields

    def __getitem__(self, key: str) -> str:
        value = self._fields[key]
        if value is None:
            raise KeyError(key)
        return _display(value)

    def __iter__(self) -> Iterator[str]:
        return (k for k, v in self._fields.items() if v is not None)

    def __len__(self) -> int:
        return sum(1 for v in self._fields.values() if v is not None)


def display_values(fields: Mapping[str, Any]) -> Mapping[str, str]:
    """Flatten a record for the detail pane: multi-fields become comma lists."""
    return DisplayValues(fields)


class JudgedValues:
    """How the records a reconciliation judged make their shop values (:class:`DesiredValues`) and
    portal values (:class:`DisplayValues`) when asked for (``RecordStatus.judged``): one per pipeline."""

    __slots__ = ("category", "originator")

    def __init__(self, originator: str, category: int = 0) -> None:
        self.originator = originator
        self.category = category

    def shop(self, row: ShopRow, contact_id: int | None, company_id: int | None) -> Mapping[str, str]:
        refs = Refs(contact_id, company_id)
        return DesiredValues(row, originator=self.originator, refs=refs, category=self.category)

    def portal(self, record: Mapping[str, Any] | None) -> Mapping[str, str]:
        return DisplayValues(record or {})


class DesiredValues(Mapping[str, str]):
    """What a row's CRM record should hold (:func:`desired`) as the detail pane shows it, made on access
    from the row and the references it was judged with: a reconciliation keeps no dict of it per record."""

    __slots__ = ("_category", "_company_id", "_contact_id", "_originator", "_row")

    def __init__(self, row: ShopRow, *, originator: str, refs: Refs, category: int = 0) -> None:
        self._row = row
        self._originator = originator
        self._contact_id = refs.contact_id
        self._company_id = refs.company_id
        self._category = category

    def _values(self) -> Mapping[str, str]:
        refs = Refs(self._contact_id, self._company_id)
        fields = desired(self._row, originator=self._originator, refs=refs, category=self._category)
        return DisplayValues(fields)

    def __getitem__(self, key: str) -> str:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())
