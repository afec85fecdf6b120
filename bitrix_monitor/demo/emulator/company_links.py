"""The contact–company binding table (reference §11.2): one row per (contact, company) pair with ``SORT``,
``ROLE_ID`` and ``IS_PRIMARY``, read from both sides.

``crm.contact.company.items.*`` lists a contact's companies, ``crm.company.contact.items.*`` a company's
contacts; both read and write the same rows. A contact's ``COMPANY_ID`` is its primary company (the smallest
company id among its rows marked primary), as the portal recomputes it after every binding change.

Setting a side replaces its whole set: when no item says ``IS_PRIMARY: "Y"`` the first becomes primary, when
several do the first wins; a new binding sent without ``SORT`` gets the largest ``SORT`` among the owner's
existing and given bindings plus 10, an existing one sent without ``SORT`` keeps its ``SORT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LinkItem:
    """One item of a ``*.items.set`` call, already validated: the other side's id and what was given."""

    other_id: int
    sort: int | None = None
    primary: bool = False


class ContactCompanyLinks:
    """The pair rows, indexed by contact and by company. Not thread-safe: the store's lock guards it."""

    def __init__(self) -> None:
        self._by_contact: dict[int, dict[int, dict[str, Any]]] = {}
        self._by_company: dict[int, set[int]] = {}

    # ------------------------------------------------------------------ persistence (in the contact's record)

    def dump(self, contact_id: int) -> list[dict[str, Any]]:
        return [
            {"COMPANY_ID": company, **row} for company, row in self._by_contact.get(contact_id, {}).items()
        ]

    def load(self, contact_id: int, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            company = int(row["COMPANY_ID"])
            self._put(contact_id, company, int(row["SORT"]), int(row["ROLE_ID"]), row["IS_PRIMARY"] == "Y")

    # ------------------------------------------------------------------ reading

    def companies_of(self, contact_id: int) -> list[dict[str, Any]]:
        """``crm.contact.company.items.get``: ``[{COMPANY_ID, SORT, ROLE_ID, IS_PRIMARY}]`` by ``SORT``."""
        rows = self._by_contact.get(contact_id, {})
        return [
            {"COMPANY_ID": company, **row}
            for company, row in sorted(rows.items(), key=lambda kv: (kv[1]["SORT"], kv[0]))
        ]

    def contacts_of(self, company_id: int) -> list[dict[str, Any]]:
        """``crm.company.contact.items.get``: ``[{CONTACT_ID, SORT, ROLE_ID, IS_PRIMARY}]`` by ``SORT``."""
        rows = [
            (contact, self._by_contact[contact][company_id])
            for contact in self._by_company.get(company_id, ())
        ]
        return [
            {"CONTACT_ID": contact, **row}
            for contact, row in sorted(rows, key=lambda kv: (kv[1]["SORT"], kv[0]))
        ]

    def company_ids(self, contact_id: int) -> list[int]:
        return [row["COMPANY_ID"] for row in self.companies_of(contact_id)]

    def contact_ids(self, company_id: int) -> list[int]:
        return sorted(self._by_company.get(company_id, ()))

    def primary_company(self, contact_id: int) -> int | None:
        primaries = [c for c, row in self._by_contact.get(contact_id, {}).items() if row["IS_PRIMARY"] == "Y"]
        return min(primaries) if primaries else None

    # ------------------------------------------------------------------ writing

    def set_companies(self, contact_id: int, items: list[LinkItem]) -> None:
        """Replace the contact's companies."""
        existing = {c: row["SORT"] for c, row in self._by_contact.get(contact_id, {}).items()}
        for company in list(existing):
            self._remove(contact_id, company)
        for company, sort, primary in _normalize(items, existing):
            self._put(contact_id, company, sort, 0, primary)

    def set_contacts(self, company_id: int, items: list[LinkItem]) -> list[int]:
        """Replace the company's contacts; returns every contact whose bindings changed."""
        existing = {c: self._by_contact[c][company_id]["SORT"] for c in self._by_company.get(company_id, ())}
        for contact in list(existing):
            self._remove(contact, company_id)
        touched = set(existing)
        for contact, sort, primary in _normalize(items, existing):
            self._put(contact, company_id, sort, 0, primary)
            touched.add(contact)
        return sorted(touched)

    def drop_contact(self, contact_id: int) -> None:
        for company in list(self._by_contact.get(contact_id, {})):
            self._remove(contact_id, company)

    def drop_company(self, company_id: int) -> list[int]:
        """Unbind the company from every contact; returns those contacts."""
        contacts = sorted(self._by_company.get(company_id, ()))
        for contact in contacts:
            self._remove(contact, company_id)
        return contacts

    def _put(self, contact_id: int, company_id: int, sort: int, role: int, primary: bool) -> None:
        self._by_contact.setdefault(contact_id, {})[company_id] = {
            "SORT": sort,
            "ROLE_ID": role,
            "IS_PRIMARY": "Y" if primary else "N",
        }
        self._by_company.setdefault(company_id, set()).add(contact_id)

    def _remove(self, contact_id: int, company_id: int) -> None:
        rows = self._by_contact.get(contact_id)
        if rows is not None:
            rows.pop(company_id, None)
            if not rows:
                del self._by_contact[contact_id]
        contacts = self._by_company.get(company_id)
        if contacts is not None:
            contacts.discard(contact_id)
            if not contacts:
                del self._by_company[company_id]


def _normalize(items: list[LinkItem], existing: dict[int, int]) -> list[tuple[int, int, bool]]:
    """``(other id, SORT, primary)`` per distinct item: one primary (the first flagged, else the first item);
    a missing ``SORT`` kept from the existing binding, else the running maximum plus 10."""
    unique: list[LinkItem] = []
    for item in items:
        if all(u.other_id != item.other_id for u in unique):
            unique.append(item)
    if not unique:
        return []
    primary = next((u.other_id for u in unique if u.primary), unique[0].other_id)
    top = max([*existing.values(), *(u.sort for u in unique if u.sort is not None), 0])
    result: list[tuple[int, int, bool]] = []
    for item in unique:
        sort = item.sort if item.sort is not None else existing.get(item.other_id)
        if sort is None:
            top += 10
            sort = top
        result.append((item.other_id, sort, item.other_id == primary))
    return result
