"""Companies, the optional third kind: ``[shop.companies]`` read and written like orders and users, with
the company id in a column or in the link table, and a user's company from ``[shop.users] company_ref``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import CompaniesMapping, LinksMapping, OrdersMapping, ShopConfig, UsersMapping
from bitrix_monitor.shop import CompanyRow, ShopDatabase
from tests.shop.conftest import admin, assert_refused
from tests.shop.test_links import create_links, links_in

COMPANIES = ShopConfig(
    users=UsersMapping(company_ref="company_id"),
    companies=CompaniesMapping(
        table="companies",
        key="id",
        company_id="bitrix_company_id",
        title="name",
        email="email",
        phone="phone",
        updated_at="updated_at",
    ),
)


def create_companies(url: str) -> sa.Table:
    """Five companies in place of the demo shop's own; users 1-3 belong to company 1, user 4 to company 2,
    user 5 has 0 ("none"), the others none."""
    rows = [
        {"id": i, "name": f" Company {i} ", "email": f"office{i}@example.org" if i % 2 else "", "phone": None,
         "bitrix_company_id": None, "created_at": datetime(2026, 1, i, 9, 0),
         "updated_at": datetime(2026, 1, i, 12, 0)}
        for i in range(1, 6)
    ]  # fmt: skip
    with admin(url) as conn:
        companies = sa.Table("companies", sa.MetaData(), autoload_with=conn)
        conn.execute(sa.text("UPDATE users SET company_id = NULL"))
        conn.execute(sa.delete(companies))
        conn.execute(sa.insert(companies), rows)
        conn.execute(sa.text("UPDATE users SET company_id = 1 WHERE id IN (1, 2, 3)"))
        conn.execute(sa.text("UPDATE users SET company_id = 2 WHERE id = 4"))
        conn.execute(sa.text("UPDATE users SET company_id = 0 WHERE id = 5"))
    return companies


def _all(db: ShopDatabase, page_size: int = 2) -> list[CompanyRow]:
    return [c for page in db.iter_companies(page_size=page_size) for c in page]


def test_companies_are_read_and_their_ids_compare_and_set_in_a_column(demo_url: str) -> None:
    create_companies(demo_url)
    with ShopDatabase.connect(demo_url, COMPANIES) as db:
        assert db.mapped_kinds == ("order", "user", "company")
        assert db.count_companies() == db.count("company") == 5
        companies = _all(db)
        assert [c.key for c in companies] == ["1", "2", "3", "4", "5"]
        first = companies[0]
        assert (first.title, first.email, first.phone, first.company_id) == (
            "Company 1", "office1@example.org", None, None,
        )  # fmt: skip
        assert companies[1].email is None  # empty text is no e-mail
        assert first.updated_at is not None and first.updated_at.tzinfo is not None
        assert db.set_company_id("2", 4000) is True
        assert db.set_company_id("2", 4001) is False
        assert db.set_id("company", "2", 4001, expected=4000) is True
        assert db.get_companies(["2", "99"]) == {"2": db.get_rows("company", ["2"])["2"]}
        assert db.get_companies(["2"])["2"].crm_id == 4001
        assert db.keys_storing("company", [4001]) == {4001: ["2"]}
        assert db.set_company_id("2", None, expected=4001) is True
        assert db.get_companies(["2"])["2"].company_id is None
        assert db.has_updated_at("company") is True
        assert db.max_updated_at("company") == datetime(2026, 1, 5, 12, 0).astimezone(UTC)
        since = datetime(2026, 1, 4, 12, 0)
        assert [c.key for page in db.iter_rows("company", since=since) for c in page] == ["4", "5"]
        users = db.get_users(["1", "4", "5", "6"])
        assert [users[k].company_key for k in ("1", "4", "5", "6")] == ["1", "2", None, None]
        with db.locks() as a, db.locks() as b:
            assert a.acquire("company", ["1", "2"]) == {"1", "2"}
            assert b.acquire("company", ["2", "3"], timeout=0) == {"3"}
            assert b.acquire("user", ["2"], timeout=0) == {"2"}  # a user is not its company


def test_a_users_company_changes_its_fingerprint_and_the_company_title_the_companys(demo_url: str) -> None:
    create_companies(demo_url)
    with ShopDatabase.connect(demo_url, COMPANIES) as db:
        before_user = db.get_users(["4"])["4"].fingerprint
        before = db.get_companies(["3"])["3"].fingerprint
        assert db.set_company_id("3", 12)
        assert db.get_companies(["3"])["3"].fingerprint == before  # the id is not a change
        with admin(demo_url) as conn:
            conn.execute(sa.text("UPDATE users SET company_id = 3 WHERE id = 4"))
            conn.execute(sa.text("UPDATE companies SET name = 'Renamed' WHERE id = 3"))
        assert db.get_users(["4"])["4"].fingerprint != before_user
        assert db.get_companies(["3"])["3"].fingerprint != before


def test_every_kind_keeps_its_id_in_one_link_table_under_the_shops_own_names(demo_url: str) -> None:
    create_companies(demo_url)
    table = create_links(demo_url)
    values = {"deal": "D", "contact": "C", "company": "CO"}
    cfg = replace(
        COMPANIES,
        orders=OrdersMapping(deal_id="@links"),
        users=replace(COMPANIES.users, contact_id="@links"),
        companies=replace(COMPANIES.companies, company_id="@links"),
        links=LinksMapping(table="bitrix_links", kind_values=values),
    )
    with ShopDatabase.connect(demo_url, cfg) as db:
        assert db.set_company_id("1", 11) and db.set_contact_id("1", 21) and db.set_deal_id("1", 31)
        assert db.set_company_id("1", 12) is False
        assert links_in(demo_url, table) == [("CO", 1, 11), ("C", 1, 21), ("D", 1, 31)]
        assert [c.company_id for c in _all(db)] == [11, None, None, None, None]
        assert db.keys_storing("company", [11, 21, 31]) == {11: ["1"]}
        assert db.set_company_id("1", None, expected=11) is True
        assert links_in(demo_url, table) == [("C", 1, 21), ("D", 1, 31)]
        assert db.get_users(["1"])["1"].company_key == "1"


def test_without_companies_the_shop_maps_two_kinds(shop: ShopDatabase) -> None:
    assert shop.mapped_kinds == ("order", "user")
    assert shop.companies_map is None
    with pytest.raises(ValueError, match="the shop maps no companies"):
        shop.count_companies()
    with pytest.raises(ValueError, match="the shop maps no companies"):
        shop.iter_rows("company")
    assert all(u.company_key is None for page in shop.iter_users() for u in page)
    with shop.locks() as locks:  # a lock on a company key works whether or not companies are mapped
        assert locks.acquire("company", ["7"]) == {"7"}


def _companies(**kw: str) -> ShopConfig:
    return replace(COMPANIES, companies=replace(COMPANIES.companies, **kw))


BAD = [
    (_companies(table="firms"), ["[shop.companies] table = 'firms'", "no such table"]),
    (_companies(key="name"), ["[shop.companies] key = 'name'", "neither the primary key nor unique"]),
    (_companies(title="title"), ["[shop.companies] title = 'title'", "has no column 'title'"]),
    (_companies(title=""), ["[shop.companies] title is required"]),
    (_companies(company_id="name_x"), ["[shop.companies] company_id = 'name_x'", "has no column"]),
    (_companies(company_id="updated_at"), ["company_id = 'updated_at'", "an integer or text type"]),
    (_companies(updated_at="name"), ["[shop.companies] updated_at = 'name'", "a date/time type"]),
    (_companies(company_id="@links"), ['[shop.companies] company_id = "@links" but [shop.links] has no']),
    (
        replace(COMPANIES, users=UsersMapping(company_ref="created_at")),
        ["[shop.users] company_ref = 'created_at'", "expected an integer or text type (a company key)"],
    ),
    (replace(COMPANIES, users=UsersMapping(company_ref="firm")), ["company_ref = 'firm'", "has no column"]),
]


@pytest.mark.parametrize(("mapping", "expected"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_a_companies_mapping_that_does_not_fit_is_one_clear_error(
    demo_url: str, mapping: ShopConfig, expected: list[str]
) -> None:
    create_companies(demo_url)
    assert_refused(demo_url, mapping, expected)
