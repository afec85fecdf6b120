"""User fields (``UF_CRM_*``, reference §12): their definitions per owner, ``crm.*.userfield.list/add``
rows, their ``crm.*.fields`` entries, and how a written value is cast and stored.

A field exists only once it is defined (``crm.<entity>.userfield.add`` or :meth:`UserFields.add` for
seeding); values of undefined ``UF_*`` keys are dropped silently, as the portal drops typos and deleted
fields. Values are kept as the portal returns them: strings (``"1"``/``"0"`` for booleans, the item ``ID``
for enumerations, digits for integers, a PHP-printed float rounded to ``SETTINGS.PRECISION`` for doubles,
ISO 8601 in the portal zone for dates), lists of those for multiple fields. Wrong types are coerced, not
rejected; an unparseable date is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bitrix_monitor.demo.emulator import php
from bitrix_monitor.demo.emulator.fields import FieldDef, format_date, format_datetime, parse_moment

OWNER_CODES = {"deal": "CRM_DEAL", "contact": "CRM_CONTACT", "company": "CRM_COMPANY"}
USER_TYPES = frozenset(
    {
        "string",
        "integer",
        "double",
        "boolean",
        "datetime",
        "date",
        "money",
        "url",
        "address",
        "enumeration",
        "file",
        "employee",
        "crm_status",
        "iblock_section",
        "iblock_element",
        "crm",
    }
)
LABEL_KEYS = ("EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL", "ERROR_MESSAGE", "HELP_MESSAGE")
_NAME_RE = re.compile(r"[A-Z0-9_]+")
_MAX_NAME = 50
_BOOLEAN_TRUE = ("Y", "1")
# how a user field compares in list filters: numeric, date, datetime or as text
_FILTER_TYPE = {
    "integer": "integer",
    "employee": "integer",
    "enumeration": "integer",
    "boolean": "integer",
    "double": "double",
    "date": "date",
    "datetime": "datetime",
}
_DEFAULT_SETTINGS: dict[str, dict[str, Any]] = {
    "string": {"SIZE": 20, "ROWS": 1, "REGEXP": "", "MIN_LENGTH": 0, "MAX_LENGTH": 0, "DEFAULT_VALUE": ""},
    "integer": {"SIZE": 20, "MIN_VALUE": 0, "MAX_VALUE": 0, "DEFAULT_VALUE": ""},
    "double": {"PRECISION": 2, "SIZE": 20, "MIN_VALUE": 0.0, "MAX_VALUE": 0.0, "DEFAULT_VALUE": ""},
    "boolean": {"DEFAULT_VALUE": 0, "DISPLAY": "CHECKBOX", "LABEL": ["", ""], "LABEL_CHECKBOX": ""},
    "enumeration": {"DISPLAY": "LIST", "LIST_HEIGHT": 1, "CAPTION_NO_VALUE": "", "SHOW_NO_VALUE": "Y"},
    "date": {"DEFAULT_VALUE": {"TYPE": "NONE", "VALUE": ""}},
    "datetime": {"DEFAULT_VALUE": {"TYPE": "NONE", "VALUE": ""}, "USE_SECOND": "Y", "USE_TIMEZONE": "N"},
}


class UserFieldError(ValueError):
    """A ``userfield.add`` the portal refuses; the message is the answer's ``error_description``."""


@dataclass
class UserField:
    id: int
    entity: str  # deal, contact or company
    name: str  # UF_CRM_...
    type: str  # USER_TYPE_ID
    multiple: bool = False
    mandatory: bool = False
    sort: int = 100
    xml_id: str | None = None
    show_filter: str = "N"
    show_in_list: str = "Y"
    edit_in_list: str = "Y"
    searchable: str = "N"
    settings: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    items: list[dict[str, str]] = field(default_factory=list)  # enumeration: ID, SORT, VALUE, DEF, XML_ID

    # ------------------------------------------------------------------ describing

    def row(self, *, with_labels: bool = False) -> dict[str, Any]:
        """A ``crm.<entity>.userfield.list`` row: scalars as strings; labels only when asked for (LANG)."""
        result: dict[str, Any] = {
            "ID": str(self.id),
            "ENTITY_ID": OWNER_CODES[self.entity],
            "FIELD_NAME": self.name,
            "USER_TYPE_ID": self.type,
            "XML_ID": self.xml_id,
            "SORT": str(self.sort),
            "MULTIPLE": "Y" if self.multiple else "N",
            "MANDATORY": "Y" if self.mandatory else "N",
            "SHOW_FILTER": self.show_filter,
            "SHOW_IN_LIST": self.show_in_list,
            "EDIT_IN_LIST": self.edit_in_list,
            "IS_SEARCHABLE": self.searchable,
            "SETTINGS": dict(self.settings),
        }
        if with_labels:
            result.update({key: self.labels.get(key, "") for key in LABEL_KEYS})
        if self.type == "enumeration":
            result["LIST"] = [dict(item) for item in self.items]
        return result

    def describe(self) -> dict[str, Any]:
        """The field's entry in ``crm.<entity>.fields``."""
        result: dict[str, Any] = {
            "type": self.type,
            "isRequired": self.mandatory,
            "isReadOnly": False,
            "isImmutable": False,
            "isMultiple": self.multiple,
            "isDynamic": True,
            "title": self.name,
            "listLabel": self.labels.get("LIST_COLUMN_LABEL") or self.name,
            "formLabel": self.labels.get("EDIT_FORM_LABEL") or self.name,
            "filterLabel": self.labels.get("LIST_FILTER_LABEL") or self.name,
            "settings": dict(self.settings),
        }
        if self.type == "enumeration":
            result["items"] = [{"ID": item["ID"], "VALUE": item["VALUE"]} for item in self.items]
        if self.type == "crm_status":
            result["statusType"] = str(self.settings.get("ENTITY_TYPE", ""))
        return result

    def filter_def(self) -> FieldDef:
        """How list filters compare the field's stored values."""
        return FieldDef(self.name, _FILTER_TYPE.get(self.type, "string"), self.name)

    def unset_value(self) -> Any:
        """What ``crm.<entity>.get`` shows for an unset value."""
        return False if self.multiple else ""

    # ------------------------------------------------------------------ writing

    def cast(self, value: Any) -> tuple[bool, Any]:
        """``(ok, stored)`` for a written value; ``ok`` False drops it (an unparseable date, an array sent to
        a single field). A scalar sent to a multiple field is wrapped; ``None`` clears the field."""
        if self.multiple:
            values = php.values_of(value) if php.is_array(value) else [value]
            stored = [v for ok, v in (self._cast_one(v) for v in values if not php.is_array(v)) if ok and v]
            return True, stored or None
        if php.is_array(value):
            return False, None
        return self._cast_one(value)

    def _cast_one(self, value: Any) -> tuple[bool, str | None]:
        if value is None or (isinstance(value, str) and value.strip() == "" and self.type != "boolean"):
            return True, None
        kind = self.type
        if kind == "boolean":
            if value is True or (isinstance(value, int | float) and value == 1):
                return True, "1"
            return True, "1" if isinstance(value, str) and value.strip().upper() in _BOOLEAN_TRUE else "0"
        if kind in ("integer", "employee"):
            return True, str(php.intval(value))
        if kind == "enumeration":
            ident = php.intval(value)
            return True, str(ident) if ident > 0 else None
        if kind == "double":
            text = value.replace(",", ".").replace(" ", "") if isinstance(value, str) else value
            return True, _round_double(php.floatval(text), php.intval(self.settings.get("PRECISION", 2)))
        if kind in ("date", "datetime"):
            moment = parse_moment(value)
            if moment is None:
                return False, None
            return True, format_date(moment.date()) if kind == "date" else format_datetime(moment)
        return True, php.to_string(value)


def _round_double(number: float, precision: int) -> str:
    """Rounded half away from zero to ``precision`` places, printed as PHP prints a float."""
    try:
        exact = Decimal(repr(number)).quantize(Decimal(1).scaleb(-max(precision, 0)), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return "0"
    if not exact:
        return "0"
    return format(exact.normalize(), "f")


def _sort_key(name: str) -> Callable[[dict[str, Any]], Any]:
    """A ``userfield.list`` row's sort key: ``ID`` and ``SORT`` as numbers, anything else as text."""
    if name in ("ID", "SORT"):
        return lambda row: php.intval(row.get(name))
    return lambda row: php.to_string(row.get(name))


def user_field_name(raw: Any) -> str:
    """``userfield.add``'s naming: upper-cased, always prefixed ``UF_CRM_`` (``X`` → ``UF_CRM_X``,
    ``UF_X`` → ``UF_CRM_X``); A–Z, 0–9 and ``_`` only, at most 50 characters."""
    name = php.to_string(raw).strip().upper()
    if name.startswith("UF_CRM_"):
        pass
    elif name.startswith("UF_"):
        name = "UF_CRM_" + name[3:]
    else:
        name = "UF_CRM_" + name
    if name == "UF_CRM_" or not _NAME_RE.fullmatch(name) or len(name) > _MAX_NAME:
        raise UserFieldError(f"Invalid field name '{name}'.")
    return name


class UserFields:
    """Every owner's user fields. Not thread-safe: the store's lock guards it."""

    def __init__(self) -> None:
        self._fields: dict[str, dict[str, UserField]] = {entity: {} for entity in OWNER_CODES}
        self.next_id = 1
        self.next_item_id = 1

    def get(self, entity: str, name: str) -> UserField | None:
        return self._fields[entity].get(name)

    def of(self, entity: str) -> list[UserField]:
        """The owner's fields in the portal's default order (``SORT``, then ``ID``)."""
        return sorted(self._fields[entity].values(), key=lambda f: (f.sort, f.id))

    def add(self, entity: str, fields: Any) -> UserField:
        """``crm.<entity>.userfield.add``: defines a field from the call's ``fields``."""
        if not isinstance(fields, dict):
            raise UserFieldError("Parameter 'fields' must be array.")
        kind = php.to_string(fields.get("USER_TYPE_ID")).strip()
        if kind not in USER_TYPES:
            raise UserFieldError(f"User type '{kind}' is not supported.")
        name = user_field_name(fields.get("FIELD_NAME"))
        if name in self._fields[entity]:
            raise UserFieldError(f"A field with the code '{name}' already exists.")
        multiple = php.to_string(fields.get("MULTIPLE")).upper() == "Y"
        if kind == "boolean":
            multiple = False  # a boolean cannot be multiple
        settings = dict(_DEFAULT_SETTINGS.get(kind, {}))
        given = fields.get("SETTINGS")
        if isinstance(given, dict):
            settings.update({str(k): v for k, v in given.items()})
        label = fields.get("LABEL")
        labels = {key: php.to_string(fields.get(key, label)) for key in LABEL_KEYS if fields.get(key, label)}
        made = UserField(
            id=self.next_id,
            entity=entity,
            name=name,
            type=kind,
            multiple=multiple,
            mandatory=php.to_string(fields.get("MANDATORY")).upper() == "Y",
            sort=php.intval(fields["SORT"]) if fields.get("SORT") is not None else 100,
            xml_id=php.to_string(fields["XML_ID"]) if fields.get("XML_ID") is not None else None,
            show_filter=php.to_string(fields.get("SHOW_FILTER") or "N").upper(),
            settings=settings,
            labels=labels,
        )
        if kind == "enumeration":
            for i, item in enumerate(php.values_of(fields.get("LIST"))):
                if isinstance(item, dict) and php.to_string(item.get("VALUE")).strip():
                    made.items.append(
                        {
                            "ID": str(self.next_item_id),
                            "SORT": str(
                                php.intval(item["SORT"]) if item.get("SORT") is not None else (i + 1) * 10
                            ),
                            "VALUE": php.to_string(item["VALUE"]),
                            "DEF": "Y" if php.to_string(item.get("DEF")).upper() == "Y" else "N",
                            "XML_ID": php.to_string(item.get("XML_ID") or f"{made.name}_{self.next_item_id}"),
                        }
                    )
                    self.next_item_id += 1
        self.next_id += 1
        self._fields[entity][name] = made
        return made

    def rows(self, entity: str, order: Any, filter: Any) -> list[dict[str, Any]]:
        """``crm.<entity>.userfield.list``: every field matching the filter (exact values of the row's keys;
        ``LANG`` adds the labels), in the given order (default ``SORT``, ``ID``)."""
        flt = filter if isinstance(filter, dict) else {}
        with_labels = bool(flt.get("LANG"))
        rows = [f.row(with_labels=with_labels) for f in self.of(entity)]
        for key, wanted in flt.items():
            name = str(key).upper()
            if name == "LANG" or php.is_array(wanted):
                continue
            rows = [r for r in rows if name not in r or php.to_string(r[name]) == php.to_string(wanted)]
        keys = (
            [(str(k).upper(), php.to_string(d).upper() == "DESC") for k, d in order.items()]
            if isinstance(order, dict)
            else []
        )
        for name, descending in reversed(keys):
            rows.sort(key=_sort_key(name), reverse=descending)
        return rows

    # ------------------------------------------------------------------ persistence

    def dumps(self) -> list[dict[str, Any]]:
        return [asdict(f) for entity in OWNER_CODES for f in self.of(entity)]

    def loads(self, data: list[dict[str, Any]]) -> None:
        for item in data:
            made = UserField(**item)
            self._fields[made.entity][made.name] = made
            self.next_id = max(self.next_id, made.id + 1)
            for entry in made.items:
                self.next_item_id = max(self.next_item_id, int(entry["ID"]) + 1)
