"""The app works as a database user that may only SELECT the mapped tables and UPDATE the two id columns
(the GRANT statements are the ones in the README); advisory locks and GET_LOCK need no extra grant."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.bitrix.client import BatchResult
from bitrix_monitor.config import ShopConfig, UsersMapping
from bitrix_monitor.demo.shop import create_demo_shop
from bitrix_monitor.messages import error_line
from bitrix_monitor.queue import JobQueue
from bitrix_monitor.queue.model import PullField
from bitrix_monitor.shop import ShopAuthError, ShopDatabase, ShopPermissionError
from bitrix_monitor.sync.field_pull import FieldPuller
from bitrix_monitor.sync.model import RecordState
from bitrix_monitor.sync.owners import FieldOwners
from bitrix_monitor.sync.pull import StagePuller
from tests.shop.conftest import admin, admin_url, kind_of
from tests.shop.test_companies import COMPANIES, create_companies
from tests.shop.test_links import LINKED, create_links, links_in

# As in README, "Shop database access and least privilege".
POSTGRES_GRANTS = """
CREATE ROLE {user} LOGIN PASSWORD '{password}';
GRANT CONNECT ON DATABASE {db} TO {user};
GRANT USAGE ON SCHEMA public TO {user};
GRANT SELECT ON orders, users TO {user};
GRANT UPDATE (bitrix_deal_id, status) ON orders TO {user};
GRANT UPDATE (bitrix_contact_id) ON users TO {user};
"""
MARIADB_GRANTS = """
CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}';
GRANT SELECT ON {db}.orders TO '{user}'@'{host}';
GRANT SELECT ON {db}.users TO '{user}'@'{host}';
GRANT UPDATE (bitrix_deal_id, status) ON {db}.orders TO '{user}'@'{host}';
GRANT UPDATE (bitrix_contact_id) ON {db}.users TO '{user}'@'{host}';
"""
# A shop whose ids live in a link table: SELECT on the mapped tables, and on the link table SELECT, INSERT,
# UPDATE and DELETE (plus, on PostgreSQL, the sequence of its serial id column).
POSTGRES_LINK_GRANTS = """
CREATE ROLE {user} LOGIN PASSWORD '{password}';
GRANT CONNECT ON DATABASE {db} TO {user};
GRANT USAGE ON SCHEMA public TO {user};
GRANT SELECT ON orders, users TO {user};
GRANT SELECT, INSERT, UPDATE, DELETE ON bitrix_links TO {user};
GRANT USAGE ON SEQUENCE bitrix_links_id_seq TO {user};
"""
MARIADB_LINK_GRANTS = """
CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}';
GRANT SELECT ON {db}.orders TO '{user}'@'{host}';
GRANT SELECT ON {db}.users TO '{user}'@'{host}';
GRANT SELECT, INSERT, UPDATE, DELETE ON {db}.bitrix_links TO '{user}'@'{host}';
"""
HOSTS = ("%", "localhost", "127.0.0.1")


@dataclass(frozen=True)
class Limited:
    url: str  # without the password
    password: str
    admin: str
    kind: str
    user: str

    def grant_sql(self, template: str) -> list[str]:
        db = sa.make_url(self.admin).database
        hosts = HOSTS if self.kind == "mariadb" else ("",)
        return [
            line.format(user=self.user, password=self.password, db=db, host=host)
            for host in hosts
            for line in template.strip().splitlines()
        ]

    def revoke(self, privilege: str, table: str) -> None:
        db = sa.make_url(self.admin).database
        with admin(self.admin) as conn:
            if self.kind == "postgresql":
                conn.execute(sa.text(f"REVOKE {privilege} ON {table} FROM {self.user}"))
            else:
                for host in HOSTS:
                    conn.execute(sa.text(f"REVOKE {privilege} ON {db}.{table} FROM '{self.user}'@'{host}'"))


def _server_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("postgres_url" if request.param == "postgresql" else "mariadb_url"))


def _limited(url: str, grants: dict[str, str], *, links: bool, companies: bool = False) -> Iterator[Limited]:
    """A user made with ``grants`` (by server kind) on the demo shop at ``url``, dropped afterwards."""
    create_demo_shop(url, orders=30, users=10)
    if links:
        create_links(url)
    if companies:
        create_companies(url)
    kind = kind_of(url)
    user = f"bm_lp_{uuid.uuid4().hex[:8]}"
    lim = Limited(
        url=admin_url(url).set(username=user, password=None).render_as_string(hide_password=False),
        password=f"Lp-{uuid.uuid4().hex[:12]}",
        admin=url,
        kind=kind,
        user=user,
    )
    with admin(url) as conn:
        for stmt in lim.grant_sql(grants[kind]):
            conn.execute(sa.text(stmt))
    try:
        yield lim
    finally:
        with admin(url) as conn:
            if kind == "postgresql":
                conn.execute(sa.text(f"DROP OWNED BY {user}"))
                conn.execute(sa.text(f"DROP ROLE {user}"))
            else:
                for host in HOSTS:
                    conn.execute(sa.text(f"DROP USER '{user}'@'{host}'"))


@pytest.fixture(params=["postgresql", "mariadb"])
def limited(request: pytest.FixtureRequest) -> Iterator[Limited]:
    grants = {"postgresql": POSTGRES_GRANTS, "mariadb": MARIADB_GRANTS}
    yield from _limited(_server_url(request), grants, links=False)


@pytest.fixture(params=["postgresql", "mariadb"])
def limited_links(request: pytest.FixtureRequest) -> Iterator[Limited]:
    """A user with the README's grants for a shop whose ids live in a link table."""
    grants = {"postgresql": POSTGRES_LINK_GRANTS, "mariadb": MARIADB_LINK_GRANTS}
    yield from _limited(_server_url(request), grants, links=True)


def test_least_privileged_user_reads_writes_ids_and_locks(
    limited: Limited, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    with ShopDatabase.connect(limited.url, ShopConfig(), password=limited.password) as db:
        assert db.count_orders() == 30
        assert db.count_users() == 10
        assert len([o for page in db.iter_orders(page_size=7) for o in page]) == 30
        assert db.max_updated_at("user") is not None
        assert db.set_deal_id("3", 303) is True
        assert db.set_deal_id("3", 304) is False
        assert db.set_contact_id("2", 202) is True
        assert db.get_users(["2"])["2"].contact_id == 202
        with db.locks() as a, db.locks() as b:  # no grant needed for advisory locks / GET_LOCK
            assert a.acquire("order", ["3", "4"]) == {"3", "4"}
            assert b.acquire("order", ["3", "5"], timeout=0) == {"5"}
        # ...and nothing more than that: other columns stay out of reach.
        with db.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):
            conn.execute(sa.text("UPDATE orders SET total_price = 1 WHERE order_id = 3"))
        assert limited.password not in repr(db)
    assert limited.password not in caplog.text


def test_missing_update_right_on_an_id_column_is_reported_at_connect(limited: Limited) -> None:
    limited.revoke("UPDATE (bitrix_contact_id)", "users")
    with pytest.raises(ShopPermissionError) as info:
        ShopDatabase.connect(limited.url, ShopConfig(), password=limited.password)
    assert "may not UPDATE column users.bitrix_contact_id" in str(info.value)
    assert limited.password not in str(info.value)
    assert error_line(info.value, "ru").startswith(
        "Недостаточно прав: пользователь базы данных магазина не может выполнять UPDATE столбца "
        "users.bitrix_contact_id ("
    )


def test_missing_select_right_is_reported_at_connect(limited: Limited) -> None:
    limited.revoke("SELECT", "orders")
    with pytest.raises(ShopPermissionError, match="may not read the orders table 'orders'") as info:
        ShopDatabase.connect(limited.url, ShopConfig(), password=limited.password)
    assert error_line(info.value, "ru") == (
        "Недостаточно прав: пользователь базы данных магазина не может читать таблицу заказов 'orders' "
        '(см. README, раздел "Shop database access and least privilege")'
    )


def _words_left(line: str) -> list[str]:
    """English words left in a Russian line once names are taken out: a table, column or sequence name,
    an SQL statement's keywords, the README section quoted by its title."""
    line = re.sub(r"'[^']*'|\"[^\"]*\"|\b\w+\.\w+\b|\b\w*_\w*\b|\b[A-Z]{2,}\b", " ", line)
    return re.findall(r"[A-Za-z]{2,}", line)


def test_wrong_password_is_refused_without_showing_it(mariadb_url: str) -> None:
    # The local PostgreSQL trusts loopback connections, so the password check is proven on MariaDB.
    create_demo_shop(mariadb_url, orders=1, users=1)
    user, password = f"bm_pw_{uuid.uuid4().hex[:8]}", "Right-Pa55word"
    with admin(mariadb_url) as conn:
        for host in HOSTS:
            conn.execute(sa.text(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'"))
    try:
        url = admin_url(mariadb_url).set(username=user).render_as_string(hide_password=False)
        with pytest.raises(ShopAuthError) as info:
            ShopDatabase.connect(url, ShopConfig(), password="Wrong-Pa55word")
        assert "refused the user name or password" in str(info.value)
        assert "Wrong-Pa55word" not in str(info.value)
        assert "\n" not in str(info.value)
    finally:
        with admin(mariadb_url) as conn:
            for host in HOSTS:
                conn.execute(sa.text(f"DROP USER '{user}'@'{host}'"))


def test_least_privileged_user_keeps_ids_in_the_link_table(limited_links: Limited) -> None:
    lim = limited_links
    with ShopDatabase.connect(lim.url, LINKED, password=lim.password) as db:
        assert db.count_orders() == 30
        assert db.set_deal_id("3", 303) is True  # INSERT
        assert db.set_deal_id("3", 304) is False
        assert db.set_deal_id("3", 305, expected=303) is True  # UPDATE
        assert db.set_contact_id("2", 202) is True
        assert db.set_contact_id("2", None, expected=202) is True  # DELETE
        assert db.get_orders(["3"])["3"].deal_id == 305
        assert db.keys_storing("order", [305]) == {305: ["3"]}
        with db.locks() as a:
            assert a.acquire("order", ["3"]) == {"3"}
        with db.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):  # the entity tables: read only
            conn.execute(sa.text("UPDATE orders SET bitrix_deal_id = 1 WHERE order_id = 3"))
    table = sa.Table("bitrix_links", sa.MetaData(), sa.Column("id"), sa.Column("entity_type"),
                     sa.Column("local_id"), sa.Column("bitrix_id"))  # fmt: skip
    assert links_in(lim.admin, table) == [("deal", 3, 305)]


@pytest.mark.parametrize(
    ("privilege", "message"),
    [
        ("INSERT", "may not INSERT into the link table 'bitrix_links'"),
        ("UPDATE", "may not UPDATE column bitrix_links.bitrix_id"),
        ("DELETE", "may not DELETE from the link table 'bitrix_links'"),
        ("SELECT", "may not read the link table 'bitrix_links'"),
    ],
)
def test_a_missing_right_on_the_link_table_is_reported_at_connect(
    limited_links: Limited, privilege: str, message: str
) -> None:
    limited_links.revoke(privilege, "bitrix_links")
    with pytest.raises(ShopPermissionError) as info:
        ShopDatabase.connect(limited_links.url, LINKED, password=limited_links.password)
    assert message in str(info.value)
    assert limited_links.password not in str(info.value)
    said = error_line(info.value, "ru")
    assert said.startswith("Недостаточно прав: пользователь базы данных магазина не может ")
    assert _words_left(said) == [], said


def test_a_missing_right_on_the_link_tables_sequence_is_reported_at_connect(postgres_url: str) -> None:
    grants = POSTGRES_LINK_GRANTS.replace("GRANT USAGE ON SEQUENCE bitrix_links_id_seq TO {user};", "")
    for lim in _limited(postgres_url, {"postgresql": grants}, links=True):
        with pytest.raises(ShopPermissionError) as info:
            ShopDatabase.connect(lim.url, LINKED, password=lim.password)
        assert "may not use the sequence bitrix_links_id_seq" in str(info.value)
        said = error_line(info.value, "ru")
        assert "не может использовать последовательность bitrix_links_id_seq" in said
        assert _words_left(said) == [], said


# As in README: the companies table read, its id column written.
_COMPANIES_PG = """
GRANT SELECT ON companies TO {user};
GRANT UPDATE (bitrix_company_id) ON companies TO {user};
"""
_COMPANIES_MY = """
GRANT SELECT ON {db}.companies TO '{user}'@'{host}';
GRANT UPDATE (bitrix_company_id) ON {db}.companies TO '{user}'@'{host}';
"""
COMPANY_GRANTS = {
    "postgresql": POSTGRES_GRANTS.strip() + _COMPANIES_PG,
    "mariadb": MARIADB_GRANTS.strip() + _COMPANIES_MY,
}


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_least_privileged_user_reads_and_links_companies(server: str, request: pytest.FixtureRequest) -> None:
    url = str(request.getfixturevalue("postgres_url" if server == "postgresql" else "mariadb_url"))
    for lim in _limited(url, {server: COMPANY_GRANTS[server]}, links=False, companies=True):
        with ShopDatabase.connect(lim.url, COMPANIES, password=lim.password) as db:
            assert db.count_companies() == 5
            assert db.get_users(["4"])["4"].company_key == "2"
            assert db.set_company_id("2", 42) is True
            assert db.get_companies(["2"])["2"].company_id == 42
        lim.revoke("UPDATE (bitrix_company_id)", "companies")
        with pytest.raises(ShopPermissionError, match=r"may not UPDATE column companies\.bitrix_company_id"):
            ShopDatabase.connect(lim.url, COMPANIES, password=lim.password)


def test_pulling_a_stage_without_update_on_the_status_is_not_permitted_and_nothing_else_stops(
    limited: Limited, tmp_path: Path
) -> None:
    """Without UPDATE (status): the connect check says pulling the stage is not permitted, and a stage moved
    in the CRM is reported as not permitted for that record, clearly; the shop is untouched, the ids are
    still written."""
    cfg = ShopConfig()
    limited.revoke("UPDATE (status)", "orders")
    queue = JobQueue.open(tmp_path / "queue.sqlite3")
    try:
        with ShopDatabase.connect(limited.url, cfg, password=limited.password) as db:
            assert list(db.pull_denied) == [("order", "STAGE_ID")]
            assert "pulling STAGE_ID is not permitted" in str(db.pull_denied["order", "STAGE_ID"])
            assert db.set_deal_id("3", 303) is True
            before = db.get_orders(["3"])["3"]
            assert before.stage != "WON"
            with pytest.raises(ShopPermissionError, match="Permission denied"):
                db.set_status("3", "WON", expected=str(before.raw["status"]))
            queue.save_pull_fields("order", "STAGE_ID", [PullField("3", agreed=before.stage)])
            queue.set_pull_cursor("stagehistory.deal", 0)  # pulled before: the history is read from here
            history = [{"ID": 1, "OWNER_ID": 303, "STAGE_ID": "WON", "CATEGORY_ID": 0,
                        "CREATED_TIME": "2030-01-01T12:00:00+03:00"}]  # fmt: skip
            puller = StagePuller(db, _History(history), queue, cfg.orders)  # type: ignore[arg-type]
            outcome = asyncio.run(puller.run())
            assert outcome.pulled == {}
            state, note = outcome.waiting["3"]
            assert state is RecordState.CHANGED_IN_CRM and "not permitted" in str(note)
            assert limited.password not in str(note)
            assert db.get_orders(["3"])["3"].raw["status"] == before.raw["status"]
            assert db.set_deal_id("3", 304, expected=303) is True  # nothing else stops
            assert queue.pull_cursor("stagehistory.deal") == 1
    finally:
        queue.close()


class _History:
    """A portal whose stage history holds ``rows`` (the emulator's is tested over HTTP elsewhere)."""

    def __init__(self, rows: list[dict[str, object]]) -> None:
        self.rows = rows

    async def call(self, method: str, params: dict[str, Any]) -> SimpleNamespace:
        assert method == "crm.stagehistory.list"
        after = int(params["filter"][">ID"])
        return SimpleNamespace(result={"items": [r for r in self.rows if int(str(r["ID"])) > after]})


def test_pulling_a_phone_without_update_on_its_column_is_not_permitted_and_nothing_else_stops(
    limited: Limited, tmp_path: Path
) -> None:
    """``[shop.users.owners] PHONE = "both"`` without ``UPDATE (phone_number)``: the connect check names that
    field only, a phone edited in the CRM is reported as not permitted for that record; the shop's phone is
    untouched, the ids are still written, and the window moves on."""
    cfg = ShopConfig(users=UsersMapping(owners={"PHONE": "both"}))
    queue = JobQueue.open(tmp_path / "queue.sqlite3")
    try:
        with ShopDatabase.connect(limited.url, cfg, password=limited.password) as db:
            assert list(db.pull_denied) == [("user", "PHONE")]  # the stage may be pulled: status is granted
            assert "may not UPDATE column users.phone_number" in str(db.pull_denied["user", "PHONE"])
            assert db.set_contact_id("2", 202) is True
            before = db.get_users(["2"])["2"]
            queue.save_pull_fields("user", "PHONE", [PullField("2", agreed=before.phone or "")])
            phone = {"ID": "1", "VALUE": "+7 900 555-00-00", "VALUE_TYPE": "WORK"}
            portal = _Edits([{"ID": "202", "DATE_MODIFY": "2030-01-01T12:00:00+03:00", "PHONE": [phone]}])
            puller = FieldPuller(db, portal, queue, FieldOwners(cfg))  # type: ignore[arg-type]
            assert asyncio.run(puller.run()).written == []  # the first pull starts at the portal's "now"
            outcome = asyncio.run(puller.run())
            assert outcome.written == []
            state, note = outcome.waiting["user", "2"]
            assert state is RecordState.CHANGED_IN_CRM and "pulling PHONE is not permitted" in str(note)
            assert limited.password not in str(note)
            assert db.get_users(["2"])["2"].phone == before.phone
            assert queue.pull_fields("user", "PHONE")["2"].pending == "+7 900 555-00-00"
            assert db.set_contact_id("2", 203, expected=202) is True  # nothing else stops
            assert queue.recall("pull.modified.contact")["since"] > 0
    finally:
        queue.close()


class _Edits:
    """A portal whose contacts edited since any time are ``rows``."""

    def __init__(self, rows: list[dict[str, object]]) -> None:
        self.rows = rows

    async def call(self, method: str, params: object = None) -> SimpleNamespace:
        assert method == "server.time"
        return SimpleNamespace(result="2030-01-01T12:00:30+03:00")

    async def batch(self, commands: dict[str, tuple[str, dict[str, Any] | None]]) -> BatchResult:
        out = BatchResult()
        for key, (method, params) in commands.items():
            if method == "server.time":
                out.results[key] = "2030-01-01T12:00:30+03:00"
            else:
                assert method == "crm.contact.list" and params is not None
                after = int(params["filter"][">ID"])
                out.results[key] = [r for r in self.rows if int(str(r["ID"])) > after]
        return out
