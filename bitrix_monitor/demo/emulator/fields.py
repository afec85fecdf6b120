"""The fields of deals, contacts and companies: what ``crm.*.fields`` describe, how a value
of each type is stored (always as the string the portal sends back), filtered and ordered.

Types follow the portal's own names (``integer``, ``double``, ``char``, ``date``, ``datetime``, ``string``,
``crm_status``, ``user``, ``crm_contact``, ``crm_multifield``...). ``UF_CRM_*`` user fields are defined and
cast in :mod:`~bitrix_monitor.demo.emulator.user_fields`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bitrix_monitor.demo.emulator import php

# The portal's time zone: every date the portal sends carries this offset.
PORTAL_TZ = timezone(timedelta(hours=3))  # the portal's zone; ``--timezone`` changes it (one per process)


def set_portal_timezone(text: str) -> timezone:
    """Set the zone every datetime is rendered and read in: ``+03:00``, ``-05:00``, ``UTC``/``Z``. A value
    that is not one is a :class:`ValueError`."""
    global PORTAL_TZ
    value = text.strip().upper()
    if value in ("UTC", "Z"):
        PORTAL_TZ = UTC
        return PORTAL_TZ
    match = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})", value)
    if match is None or int(match[2]) > 14 or int(match[3]) >= 60:
        raise ValueError(f"time zone {text!r}: use an offset such as +03:00, -05:00 or UTC")
    sign = -1 if match[1] == "-" else 1
    PORTAL_TZ = timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))
    return PORTAL_TZ


INT_TYPES = frozenset(
    {
        "integer",
        "user",
        "crm_company",
        "crm_contact",
        "crm_lead",
        "crm_quote",
        "crm_category",
        "location",
        "file",
    }
)
FLOAT_TYPES = frozenset({"double"})
MULTIFIELD_TYPES = ("PHONE", "EMAIL", "WEB", "IM", "LINK")
MULTIFIELD_DEFAULT_VALUE_TYPE = {
    "PHONE": "WORK",
    "EMAIL": "WORK",
    "WEB": "WORK",
    "IM": "OTHER",
    "LINK": "USER",
}
EMAIL_LABELS = {
    "WORK": "Work e-mail",
    "HOME": "Personal e-mail",
    "MAILING": "E-mail for newsletters",
    "OTHER": "Other e-mail",
}


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    title: str
    read_only: bool = False
    immutable: bool = False
    multiple: bool = False
    required: bool = False
    deprecated: bool = False
    status_type: str | None = None
    merge: bool = False  # compared (and filled in) by crm.entity.mergeBatch
    decimal: bool = True  # a ``double`` in a DECIMAL(18,2) column ("0.00"); False: a float column ("0")

    @property
    def numeric(self) -> bool:
        return self.type in INT_TYPES or self.type in FLOAT_TYPES

    @property
    def in_star(self) -> bool:
        """Covered by ``select: ["*"]`` (standard, single-valued)."""
        return not self.multiple

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "type": self.type,
            "isRequired": self.required,
            "isReadOnly": self.read_only,
            "isImmutable": self.immutable,
            "isMultiple": self.multiple,
            "isDynamic": False,
            "title": self.title,
        }
        if self.status_type:
            info["statusType"] = self.status_type
        if self.deprecated:
            info["isDeprecated"] = True
        return info


def _f(name: str, type_: str, title: str, flags: str = "", status: str | None = None) -> FieldDef:
    """``flags``: R read-only, I immutable, M multiple, Q required, D deprecated, G merge-compared, F a
    plain float column."""
    return FieldDef(
        name,
        type_,
        title,
        read_only="R" in flags,
        immutable="I" in flags,
        multiple="M" in flags,
        required="Q" in flags,
        deprecated="D" in flags,
        status_type=status,
        merge="G" in flags,
        decimal="F" not in flags,
    )


_UTM = [
    _f("UTM_SOURCE", "string", "Ad system", "G"),
    _f("UTM_MEDIUM", "string", "Traffic type", "G"),
    _f("UTM_CAMPAIGN", "string", "Ad campaign UTM", "G"),
    _f("UTM_CONTENT", "string", "Campaign contents", "G"),
    _f("UTM_TERM", "string", "Campaign search term", "G"),
]

_ADDRESS = [  # deprecated in favour of requisites, still read and written
    _f("ADDRESS", "string", "Address", "GD"),
    _f("ADDRESS_2", "string", "Address (line 2)", "GD"),
    _f("ADDRESS_CITY", "string", "City", "GD"),
    _f("ADDRESS_POSTAL_CODE", "string", "Zip", "GD"),
    _f("ADDRESS_REGION", "string", "Region", "GD"),
    _f("ADDRESS_PROVINCE", "string", "State / Province", "GD"),
    _f("ADDRESS_COUNTRY", "string", "Country", "GD"),
    _f("ADDRESS_COUNTRY_CODE", "string", "Country code", "GD"),
]

_COMM_FLAGS = [
    _f("HAS_PHONE", "char", "Has phone", "R"),
    _f("HAS_EMAIL", "char", "Has email", "R"),
    _f("HAS_IMOL", "char", "Has Open Channel", "R"),
]
_MULTIFIELDS = [
    _f("PHONE", "crm_multifield", "Phone", "M"),
    _f("EMAIL", "crm_multifield", "E-mail", "M"),
    _f("WEB", "crm_multifield", "Website", "M"),
    _f("IM", "crm_multifield", "Messenger", "M"),
    _f("LINK", "crm_multifield", "LINK", "MR"),
]

DEAL_FIELDS: tuple[FieldDef, ...] = (
    _f("ID", "integer", "ID", "R"),
    _f("TITLE", "string", "Name", "G"),
    _f("TYPE_ID", "crm_status", "Type", status="DEAL_TYPE"),
    _f("STAGE_ID", "crm_status", "Deal stage", status="DEAL_STAGE"),
    _f("PROBABILITY", "integer", "Probability"),
    _f("CURRENCY_ID", "crm_currency", "Currency", "G"),
    _f("OPPORTUNITY", "double", "Amount", "G"),
    _f("IS_MANUAL_OPPORTUNITY", "char", "IS_MANUAL_OPPORTUNITY"),
    _f("TAX_VALUE", "double", "Tax rate"),
    _f("LEAD_ID", "crm_lead", "Lead", "R"),
    _f("COMPANY_ID", "crm_company", "Company", "G"),
    _f("CONTACT_ID", "crm_contact", "Contact", "D"),
    _f("CONTACT_IDS", "crm_contact", "Contacts", "M"),
    _f("QUOTE_ID", "crm_quote", "Quote", "R"),
    _f("BEGINDATE", "date", "Start date"),
    _f("CLOSEDATE", "date", "Estimated close date"),
    _f("ASSIGNED_BY_ID", "user", "Responsible person"),
    _f("CREATED_BY_ID", "user", "Created by", "R"),
    _f("MODIFY_BY_ID", "user", "Modified by", "R"),
    _f("DATE_CREATE", "datetime", "Created on", "R"),
    _f("DATE_MODIFY", "datetime", "Modified on", "R"),
    _f("OPENED", "char", "Available to everyone"),
    _f("CLOSED", "char", "Closed"),
    _f("COMMENTS", "string", "Comment", "G"),
    _f("ADDITIONAL_INFO", "string", "Additional information", "G"),
    _f("LOCATION_ID", "location", "Location"),
    _f("CATEGORY_ID", "crm_category", "Pipeline", "I"),
    _f("STAGE_SEMANTIC_ID", "string", "Stage group", "R"),
    _f("IS_NEW", "char", "New deal", "R"),
    _f("IS_RECURRING", "char", "Recurring deal"),
    _f("IS_RETURN_CUSTOMER", "char", "Repeat deal"),
    _f("IS_REPEATED_APPROACH", "char", "Repeat inquiry"),
    _f("SOURCE_ID", "crm_status", "Source", status="SOURCE"),
    _f("SOURCE_DESCRIPTION", "string", "Source information", "G"),
    _f("ORIGINATOR_ID", "string", "External source", "G"),
    _f("ORIGIN_ID", "string", "Identifier in External Source", "G"),
    _f("MOVED_BY_ID", "user", "Moved by", "R"),
    _f("MOVED_TIME", "datetime", "Moved on", "R"),
    _f("LAST_ACTIVITY_TIME", "datetime", "Last activity", "R"),
    *_UTM,
    _f("LAST_ACTIVITY_BY", "user", "Last activity by", "R"),
)

CONTACT_FIELDS: tuple[FieldDef, ...] = (
    _f("ID", "integer", "ID", "R"),
    _f("HONORIFIC", "crm_status", "Salutation", "G", status="HONORIFIC"),
    _f("NAME", "string", "First name", "G"),
    _f("SECOND_NAME", "string", "Second name", "G"),
    _f("LAST_NAME", "string", "Last name", "G"),
    _f("PHOTO", "file", "Photo"),
    _f("BIRTHDATE", "date", "Date of birth", "G"),
    _f("TYPE_ID", "crm_status", "Contact type", status="CONTACT_TYPE"),
    _f("SOURCE_ID", "crm_status", "Source", status="SOURCE"),
    _f("SOURCE_DESCRIPTION", "string", "Source information", "G"),
    _f("POST", "string", "Position", "G"),
    *_ADDRESS,
    _f("COMMENTS", "string", "Comment", "G"),
    _f("OPENED", "char", "Available to everyone"),
    _f("EXPORT", "char", "Included in export"),
    *_COMM_FLAGS,
    _f("ASSIGNED_BY_ID", "user", "Responsible person"),
    _f("CREATED_BY_ID", "user", "Created by", "R"),
    _f("MODIFY_BY_ID", "user", "Modified by", "R"),
    _f("DATE_CREATE", "datetime", "Created on", "R"),
    _f("DATE_MODIFY", "datetime", "Modified on", "R"),
    _f("COMPANY_ID", "crm_company", "Company", "GD"),
    _f("COMPANY_IDS", "crm_company", "Company", "M"),
    _f("LEAD_ID", "crm_lead", "Lead", "R"),
    _f("ORIGINATOR_ID", "string", "External source", "G"),
    _f("ORIGIN_ID", "string", "Item ID in data source", "G"),
    _f("ORIGIN_VERSION", "string", "Original version", "G"),
    _f("FACE_ID", "integer", "Face ID", "R"),
    *_UTM,
    _f("LAST_ACTIVITY_TIME", "datetime", "Last activity", "R"),
    _f("LAST_ACTIVITY_BY", "user", "Last activity by", "R"),
    *_MULTIFIELDS,
)

COMPANY_FIELDS: tuple[FieldDef, ...] = (
    _f("ID", "integer", "ID", "R"),
    _f("COMPANY_TYPE", "crm_status", "Company type", status="COMPANY_TYPE"),
    _f("TITLE", "string", "Company name", "QG"),
    _f("LOGO", "file", "Logo"),
    _f("LEAD_ID", "crm_lead", "Lead", "R"),
    *_COMM_FLAGS,
    _f("ASSIGNED_BY_ID", "user", "Responsible person"),
    _f("CREATED_BY_ID", "user", "Created by", "R"),
    _f("MODIFY_BY_ID", "user", "Modified by", "R"),
    _f("BANKING_DETAILS", "string", "Payment details", "G"),
    _f("INDUSTRY", "crm_status", "Industry", "G", status="INDUSTRY"),
    _f("REVENUE", "double", "Annual revenue", "GF"),
    _f("CURRENCY_ID", "crm_currency", "Currency", "G"),
    _f("EMPLOYEES", "crm_status", "Employees", "G", status="EMPLOYEES"),
    _f("COMMENTS", "string", "Comment", "G"),
    _f("DATE_CREATE", "datetime", "Created on", "R"),
    _f("DATE_MODIFY", "datetime", "Modified on", "R"),
    _f("OPENED", "char", "Available to everyone"),
    _f("IS_MY_COMPANY", "char", "My Company"),
    _f("ORIGINATOR_ID", "string", "External source", "G"),
    _f("ORIGIN_ID", "string", "Item ID in data source", "G"),
    _f("ORIGIN_VERSION", "string", "Original version", "G"),
    *_ADDRESS,
    *_UTM,
    _f("LAST_ACTIVITY_TIME", "datetime", "Last activity", "R"),
    _f("LAST_ACTIVITY_BY", "user", "Last activity by", "R"),
    _f("CONTACT_ID", "crm_contact", "Contact", "M"),
    *_MULTIFIELDS,
)

# Fields that a select of "*" returns, in the portal's order.
FIELDS = {"deal": DEAL_FIELDS, "contact": CONTACT_FIELDS, "company": COMPANY_FIELDS}
FIELD_MAP = {entity: {f.name: f for f in defs} for entity, defs in FIELDS.items()}
STAR_FIELDS = {entity: tuple(f.name for f in defs if f.in_star) for entity, defs in FIELDS.items()}
# The per-row template: every standard field, unset.
EMPTY_ROW = {entity: dict.fromkeys(names) for entity, names in STAR_FIELDS.items()}

DEAL_STAGES = (
    "NEW",
    "PREPARATION",
    "PREPAYMENT_INVOICE",
    "EXECUTING",
    "FINAL_INVOICE",
    "WON",
    "LOSE",
    "APOLOGY",
)
STAGE_SORT = {stage: (i + 1) * 10 for i, stage in enumerate(DEAL_STAGES)}


def stage_semantic(stage: str | None) -> str:
    base = (stage or "").rsplit(":", 1)[-1]
    if base == "WON":
        return "S"
    if base in ("LOSE", "APOLOGY"):
        return "F"
    return "P"


def stage_sort_key(stage: str | None) -> int:
    return STAGE_SORT.get((stage or "").rsplit(":", 1)[-1], 1000)


def is_user_field(name: str) -> bool:
    return name.startswith("UF_CRM_") and len(name) > 7


# --------------------------------------------------------------------------------------- values


def format_datetime(moment: datetime) -> str:
    """``2024-08-30T14:29:00+03:00`` in the portal's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PORTAL_TZ)
    return moment.astimezone(PORTAL_TZ).isoformat(timespec="seconds")


def format_date(day: date) -> str:
    """A date-only field comes back as midnight in the portal's time zone."""
    return datetime(day.year, day.month, day.day, tzinfo=PORTAL_TZ).isoformat(timespec="seconds")


def now_iso(timestamp: float | None = None) -> str:
    moment = datetime.now(PORTAL_TZ) if timestamp is None else datetime.fromtimestamp(timestamp, PORTAL_TZ)
    return moment.isoformat(timespec="seconds")


def parse_moment(value: Any) -> datetime | None:
    """An input date or datetime: ISO 8601 (offset optional) or ``DD.MM.YYYY[ HH:MI[:SS]]``."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=PORTAL_TZ)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=PORTAL_TZ)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=PORTAL_TZ)


MONEY_MAX = Decimal("9999999999999999.99")  # DECIMAL(18,2)


def format_money(value: Any) -> str:
    """A ``double`` field as the portal stores it (DECIMAL(18,2), reference §14): ``"1234.50"``.

    The input is cast like PHP's ``(float)`` (a JSON number or numeric text; the leading number of any other
    text, ``"1234,50"`` → 1234; non-numeric → 0) and rounded half away from zero on its decimal text, so
    4692.365 → ``"4692.37"`` and 372.005 → ``"372.01"`` although their binary values lie just below the
    half. A DECIMAL has no negative zero: -0.001 reads ``"0.00"``. Beyond its 16 integer digits the value is
    clamped to ±9999999999999999.99, as MySQL does outside strict mode (the portal runs without it) [infer].
    """
    number = php.floatval(value)
    text = value.strip() if isinstance(value, str) and php.is_numeric(value) else repr(number)
    try:
        exact = Decimal(text)
    except InvalidOperation:
        exact = Decimal(repr(number))
    if not exact.is_finite():
        exact = Decimal(0)
    exact = max(-MONEY_MAX, min(MONEY_MAX, exact))
    stored = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(stored if stored else abs(stored))


def format_float(value: Any) -> str:
    """A ``double`` in a plain float column (company ``REVENUE``) as PHP prints it: ``"0"``, ``"1234.5"``."""
    number = php.floatval(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def normalize_value(field: FieldDef, value: Any) -> tuple[bool, str | None]:
    """The stored (portal string) form of an input value: ``(ok, value)``; ``ok`` is False to ignore it."""
    if value is None:
        return True, None
    if isinstance(value, dict | list):
        return False, None
    kind = field.type
    if kind in INT_TYPES:
        if isinstance(value, str) and value.strip() == "":
            return True, None
        return True, str(php.intval(value))
    if kind in FLOAT_TYPES:
        return True, format_money(value) if field.decimal else format_float(value)
    if kind == "char":
        if isinstance(value, bool):
            return True, "Y" if value else "N"
        return True, "Y" if php.to_string(value).strip().upper() == "Y" else "N"
    if kind in ("date", "datetime"):
        if isinstance(value, str) and value.strip() == "":
            return True, None
        moment = parse_moment(value)
        if moment is None:
            return False, None
        if kind == "date":
            return True, format_date(moment.date())
        return True, format_datetime(moment)
    return True, php.to_string(value)
