"""Kinds as data, end to end on SQLite, PostgreSQL and MariaDB against the portal emulator.

A shop shaped like the one this tool was first built for, after it moved on: companies (users belong to
one), every CRM id in one link table (or, the other variant, in columns), deals in pipeline 1 and a custom
field. One sync brings it to a clean report: each company-bound order ends as company → contact → deal,
the contact bound to the company and the deal to both; a second run changes nothing.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor import config
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.demo.shop import STATUSES
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.report import Report
from tests.sync.conftest import FAST_CONFIG, ORIGINATOR, Shop, make_shop
from tests.sync.test_engine import _service, _sync

COMPANIES = {1: ("ООО «Ромашка»", "office@romashka.ru"), 2: ("ООО «Вектор»", None), 3: ("ИП Соколов", None)}


def _shape(shop: Shop, storage: str) -> None:
    """Companies, and each user's company; with ``storage == "links"`` a link table holds every CRM id."""
    engine = sa.create_engine(shop.url)
    md = sa.MetaData()
    companies = sa.Table(
        "firms",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("email", sa.String(255)),
        sa.Column("bitrix_company_id", sa.Integer),
    )
    sa.Table(
        "bitrix_links",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("local_id", sa.String(32), nullable=False),
        sa.Column("bitrix_id", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("entity_type", "local_id"),
    )
    try:
        md.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                sa.insert(companies), [{"id": i, "name": n, "email": e} for i, (n, e) in COMPANIES.items()]
            )
            conn.execute(sa.text("ALTER TABLE users ADD COLUMN firm_id INTEGER"))
            # Users 1-6 belong to a company (1, 2, 3, 1, 2, 3); the others to none.
            conn.execute(sa.text("UPDATE users SET firm_id = ((id - 1) % 3) + 1 WHERE id <= 6"))
            if storage == "links":
                # The shop dropped its id columns: every id lives in the link table now.
                conn.execute(sa.text("ALTER TABLE orders DROP COLUMN bitrix_deal_id"))
                conn.execute(sa.text("ALTER TABLE users DROP COLUMN bitrix_contact_id"))
    finally:
        engine.dispose()


def _cfg(storage: str) -> config.AppConfig:
    data: dict[str, Any] = tomllib.loads(FAST_CONFIG)
    at = "@links" if storage == "links" else None
    data["shop"] = {
        "orders": {
            "category": 1,
            "stage_map": {s: f"C1:{s}" for s in STATUSES},
            "fields": {"UF_CRM_SHOP_ID": "{order_id}"},
            **({"deal_id": at} if at else {}),
        },
        "users": {"company_ref": "firm_id", **({"contact_id": at} if at else {})},
        "companies": {
            "table": "firms",
            "key": "id",
            "title": "name",
            "email": "email",
            "company_id": at or "bitrix_company_id",
        },
    }
    if at:
        data["shop"]["links"] = {
            "table": "bitrix_links",
            "kind": "entity_type",
            "local_id": "local_id",
            "crm_id": "bitrix_id",
            "kind_values": {"deal": "order", "contact": "user", "company": "company"},
        }
    return config.from_dict(data)


def _ours(portal: PortalEmulator, entity: str) -> dict[str, dict[str, Any]]:
    records = [r for r in portal.store.all(entity) if r.get("ORIGINATOR_ID") == ORIGINATOR]
    per_origin = Counter(r["ORIGIN_ID"] for r in records)
    assert [k for k, n in per_origin.items() if n > 1] == [], f"duplicate {entity}s"
    return {r["ORIGIN_ID"]: r for r in records}


@pytest.mark.parametrize("storage", ["links", "columns"])
async def test_a_shop_with_companies_and_a_link_table_syncs_to_a_clean_report(
    shop_url: str, storage: str, portal: PortalEmulator, data_dirs: DataDirs
) -> None:
    shop = make_shop(shop_url, orders=30, users=10)
    _shape(shop, storage)
    assert portal.store.add_pipeline("Shop") == 1
    portal.store.add_user_field("deal", {"FIELD_NAME": "SHOP_ID", "USER_TYPE_ID": "string"})
    service = await _service(shop, portal, data_dirs, _cfg(storage))
    try:
        first = await service.snapshot()
        await _sync(service)
        clean = await service.snapshot()
        report = Report.of(clean, await service.queue_summary())
        stored = {
            kind: {r.key: r.crm_id for page in service.shop.iter_rows(kind) for r in page}
            for kind in ("order", "user", "company")
        }
        orders = {r.key: r for page in service.shop.iter_rows("order") for r in page}
        users = {r.key: r for page in service.shop.iter_rows("user") for r in page}
    finally:
        await service.aclose()

    assert first.kinds == ("company", "user", "order")  # dependencies first
    assert first.counts_of("company").missing == len(COMPANIES)
    assert [j.kind for j in first.plan.jobs[: len(COMPANIES)]] == ["company.create"] * len(COMPANIES)

    assert report.ok, report.to_text()
    assert len(clean.plan) == 0
    data = report.to_dict()
    assert list(data)[:3] == ["orders", "users", "companies"]  # the existing keys first, as they were
    assert {"queue", "ok"} <= data.keys()
    assert data["companies"]["checked"] == data["companies"]["in_sync"] == len(COMPANIES)
    assert data["orders"]["in_sync"] == 30 and data["users"]["in_sync"] == 10

    companies, contacts, deals = _ours(portal, "company"), _ours(portal, "contact"), _ours(portal, "deal")
    assert {k: int(c["ID"]) for k, c in companies.items()} == stored["company"]
    assert {k: int(c["ID"]) for k, c in contacts.items()} == stored["user"]
    assert {k: int(d["ID"]) for k, d in deals.items()} == stored["order"]
    assert companies["1"]["TITLE"] == "ООО «Ромашка»"
    assert companies["1"]["EMAIL"][0]["VALUE"] == "office@romashka.ru"
    bound = 0
    for key, order in orders.items():
        deal, user = deals[key], users[order.user_key]
        assert deal["CATEGORY_ID"] == "1" and deal["STAGE_ID"].startswith("C1:")
        assert deal["UF_CRM_SHOP_ID"] == key
        assert deal["CONTACT_ID"] == str(stored["user"][user.key])
        if user.company_key:
            company_id = str(stored["company"][user.company_key])
            assert deal["COMPANY_ID"] == company_id  # the deal is bound to the company …
            assert contacts[user.key]["COMPANY_ID"] == company_id  # … and so is its contact
            bound += 1
        else:
            assert deal["COMPANY_ID"] in ("0", None, "")
    assert bound > 0

    if storage == "links":
        engine = sa.create_engine(shop.url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.text("SELECT entity_type, COUNT(*) FROM bitrix_links GROUP BY entity_type")
                )
                assert dict(rows.all()) == {"order": 30, "user": 10, "company": len(COMPANIES)}
        finally:
            engine.dispose()
