"""CRM ids in a link table (``[shop.links]``, ``deal_id = "@links"``): read with their rows through an outer
join, written by compare-and-set (insert, update or delete exactly that row), on every engine."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.config import LinksMapping, OrdersMapping, ShopConfig, UsersMapping
from bitrix_monitor.shop import ShopDatabase
from tests.shop.conftest import CUSTOM, admin, assert_refused, kind_of

LINKED = ShopConfig(
    orders=OrdersMapping(deal_id="@links"),
    users=UsersMapping(contact_id="@links"),
    links=LinksMapping(table="bitrix_links"),
)


def link_table(
    md: sa.MetaData,
    *,
    name: str = "bitrix_links",
    local: sa.types.TypeEngine[Any] | None = None,
    crm: sa.types.TypeEngine[Any] | None = None,
    kind: sa.types.TypeEngine[Any] | None = None,
    unique: bool = True,
    schema: str | None = None,
) -> sa.Table:
    """A link table shaped like the first shop's: its own id, the kind, the local id, the Bitrix id and
    timestamps the database fills."""
    return sa.Table(
        name,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity_type", kind if kind is not None else sa.String(20), nullable=False),
        sa.Column("local_id", local if local is not None else sa.Integer, nullable=False),
        sa.Column("bitrix_id", crm if crm is not None else sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp()),
        *([sa.UniqueConstraint("entity_type", "local_id")] if unique else []),
        schema=schema,
    )


def create_links(url: str, **kw: Any) -> sa.Table:
    md = sa.MetaData()
    table = link_table(md, **kw)
    with admin(url) as conn:
        md.create_all(conn)
    return table


def links_in(url: str, table: sa.Table) -> list[tuple[Any, ...]]:
    with admin(url) as conn:
        stmt = sa.select(table.c.entity_type, table.c.local_id, table.c.bitrix_id).order_by(table.c.id)
        return [tuple(r) for r in conn.execute(stmt)]


@pytest.fixture
def linked(demo_url: str) -> Iterator[tuple[ShopDatabase, sa.Table]]:
    table = create_links(demo_url)
    with ShopDatabase.connect(demo_url, LINKED) as db:
        yield db, table


def test_ids_in_a_link_table_are_inserted_compared_and_set_and_deleted(
    linked: tuple[ShopDatabase, sa.Table], demo_url: str
) -> None:
    db, table = linked
    assert db.warnings == ()
    assert db.get_orders(["5"])["5"].deal_id is None
    assert db.set_deal_id("5", 1001) is True  # no row yet: one is inserted
    assert links_in(demo_url, table) == [("deal", 5, 1001)]
    assert db.set_deal_id("5", 1002) is False  # already linked: the caller lost
    assert db.set_deal_id("5", 1003, expected=999) is False
    assert db.get_orders(["5"])["5"].deal_id == 1001
    assert db.set_deal_id("5", 1003, expected=1001) is True  # relinked in place
    assert links_in(demo_url, table) == [("deal", 5, 1003)]
    assert db.set_contact_id("5", 77) is True  # the same local id of another kind is another row
    assert db.keys_storing("order", [1003, 77]) == {1003: ["5"]}
    assert db.keys_storing("user", [1003, 77]) == {77: ["5"]}
    assert db.set_deal_id("5", None, expected=1002) is False  # clearing from the wrong id
    assert db.set_deal_id("5", None, expected=1003) is True  # clearing deletes exactly that row
    assert links_in(demo_url, table) == [("contact", 5, 77)]
    assert db.get_orders(["5"])["5"].deal_id is None
    assert db.get_users(["5"])["5"].contact_id == 77
    assert db.set_deal_id("5", None) is True  # nothing to clear: already so
    assert db.set_deal_id("99999", 1) is False  # no such order: no row for it either
    assert db.set_deal_id("abc", 1) is False
    assert links_in(demo_url, table) == [("contact", 5, 77)]
    with pytest.raises(ValueError, match="not an id"):
        db.set_deal_id("6", 0)


def test_reads_page_and_filter_through_the_join(linked: tuple[ShopDatabase, sa.Table], demo_url: str) -> None:
    db, _table = linked
    for key in ("2", "50", "119"):
        assert db.set_deal_id(key, 7000 + int(key))
    orders = [o for page in db.iter_orders(page_size=7) for o in page]
    assert [o.key for o in orders] == [str(i) for i in range(1, 121)]  # each order once, in key order
    assert {o.key: o.deal_id for o in orders if o.deal_id} == {"2": 7002, "50": 7050, "119": 7119}
    assert db.count_orders() == 120
    with admin(demo_url) as conn:
        conn.execute(sa.text("UPDATE orders SET updated_at = '2030-01-01 00:00:00' WHERE order_id = 50"))
    since = datetime(2029, 1, 1)
    assert [(o.key, o.deal_id) for page in db.iter_orders(since=since) for o in page] == [("50", 7050)]
    assert db.get_orders(["50", "51"])["50"].deal_id == 7050
    assert db.get_orders(["51"])["51"].crm_id is None


def test_racing_writers_insert_one_link_and_exactly_one_wins(
    linked: tuple[ShopDatabase, sa.Table], demo_url: str
) -> None:
    db, table = linked
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def write(deal: int) -> None:
        barrier.wait()
        results.append(db.set_deal_id("9", deal))

    threads = [threading.Thread(target=write, args=(100 + i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    rows = links_in(demo_url, table)
    assert len(rows) == 1 and rows[0][:2] == ("deal", 9)
    assert db.get_orders(["9"])["9"].deal_id == rows[0][2]


def _schema_for(url: str) -> str | None:
    kind = kind_of(url)
    if kind == "postgresql":
        with admin(url) as conn:
            conn.execute(sa.text("CREATE SCHEMA crm"))
        return "crm"
    return str(sa.make_url(url).database) if kind == "mariadb" else "main"


@pytest.mark.parametrize("shape", ["text_columns", "custom_kind_values_in_a_schema"])
def test_text_local_and_crm_ids_custom_kind_values_and_a_schema(custom_url: str, shape: str) -> None:
    schema = _schema_for(custom_url) if shape == "custom_kind_values_in_a_schema" else None
    table = create_links(custom_url, local=sa.String(40), crm=sa.String(20), schema=schema)
    values = {"deal": "CRM_DEAL", "contact": "CRM_CONTACT"} if schema else {}
    cfg = replace(
        CUSTOM,
        orders=replace(CUSTOM.orders, deal_id="@links"),
        users=replace(CUSTOM.users, contact_id="@links"),
        links=LinksMapping(table=f"{schema}.bitrix_links" if schema else "bitrix_links", kind_values=values),
    )
    with ShopDatabase.connect(custom_url, cfg) as db:
        assert db.set_deal_id("P-00002", 4242) is True
        assert db.set_deal_id("P-00002", 4243) is False
        assert db.set_contact_id("C-0003", 9) is True
        deal, contact = values.get("deal", "deal"), values.get("contact", "contact")
        assert links_in(custom_url, table) == [(deal, "P-00002", "4242"), (contact, "C-0003", "9")]
        assert db.get_orders(["P-00002"])["P-00002"].deal_id == 4242
        assert db.get_users(["C-0003"])["C-0003"].contact_id == 9
        assert db.keys_storing("order", [4242]) == {4242: ["P-00002"]}
        assert db.set_deal_id("P-00002", None, expected=4242) is True
        assert links_in(custom_url, table) == [(contact, "C-0003", "9")]
        with admin(custom_url) as conn:  # a row a shop left with an empty id counts as no id
            conn.execute(sa.insert(table).values(entity_type=deal, local_id="P-00004", bitrix_id=""))
        assert db.get_orders(["P-00004"])["P-00004"].deal_id is None
        assert db.set_deal_id("P-00004", 55) is True  # that row is reused, not a second one added
        assert links_in(custom_url, table)[-1] == (deal, "P-00004", "55")


def test_text_keys_against_an_integer_local_id_are_a_problem_not_an_error(custom_url: str) -> None:
    create_links(custom_url)  # local_id INTEGER, the custom shop's keys are text ("P-00001")
    cfg = replace(
        CUSTOM, orders=replace(CUSTOM.orders, deal_id="@links"), links=LinksMapping(table="bitrix_links")
    )
    with ShopDatabase.connect(custom_url, cfg) as db:
        order = db.get_orders(["P-00001"])["P-00001"]
        assert order.deal_id is None
        assert "cannot be stored in the integer column bitrix_links.local_id" in str(order.problem)
        assert db.set_deal_id("P-00001", 5) is False


def test_a_link_table_without_a_unique_constraint_works_and_is_warned_about(
    demo_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    table = create_links(demo_url, unique=False)
    with ShopDatabase.connect(demo_url, LINKED) as db:
        assert len(db.warnings) == 1
        assert "no unique constraint on (entity_type, local_id)" in str(db.warnings[0])
        assert str(db.warnings[0]) in caplog.text
        assert db.set_deal_id("3", 31) is True
        assert db.set_deal_id("3", 32) is False
        with admin(demo_url) as conn:  # what a racing copy could leave behind
            conn.execute(sa.insert(table).values(entity_type="deal", local_id=3, bitrix_id=31))
            conn.execute(sa.insert(table).values(entity_type="deal", local_id=4, bitrix_id=41))
            conn.execute(sa.insert(table).values(entity_type="deal", local_id=4, bitrix_id=42))
        orders = [o for page in db.iter_orders(page_size=3) for o in page]
        assert [o.key for o in orders] == [str(i) for i in range(1, 121)]  # no order twice
        by_key = {o.key: o for o in orders}
        assert (by_key["3"].deal_id, by_key["3"].problem) == (31, "")  # the same id twice is harmless
        assert "the link table holds two deal ids for it (41, 42)" in str(by_key["4"].problem)
        assert db.keys_storing("order", [31, 41]) == {
            31: ["3"],
            41: ["4"],
        }  # not a link shared by "3" and "3"
        assert db.set_deal_id("3", None, expected=31) is True  # both rows holding it go
        assert db.get_orders(["3"])["3"].deal_id is None


def test_a_column_for_one_kind_and_the_link_table_for_the_other(demo_url: str) -> None:
    table = create_links(demo_url)
    cfg = ShopConfig(users=UsersMapping(contact_id="@links"), links=LinksMapping(table="bitrix_links"))
    with ShopDatabase.connect(demo_url, cfg) as db:
        assert db.set_deal_id("1", 10) and db.set_contact_id("1", 20)
        assert links_in(demo_url, table) == [("contact", 1, 20)]
        with admin(demo_url) as conn:
            assert (
                conn.execute(sa.text("SELECT bitrix_deal_id FROM orders WHERE order_id = 1")).scalar() == 10
            )


def _links(**kw: str) -> LinksMapping:
    return LinksMapping(table="bitrix_links", **kw)  # type: ignore[arg-type]


BAD_LINKS = [
    (LinksMapping(table="links_nowhere"), ["[shop.links] table = 'links_nowhere'", "no such table"]),
    (_links(kind="type"), ["[shop.links] kind = 'type'", "has no column 'type'"]),
    (_links(kind="local_id"), ["[shop.links] kind = 'local_id'", "expected a text type"]),
    (_links(local_id="created_at"), ["local_id = 'created_at'", "expected an integer or text type"]),
    (_links(crm_id="created_at"), ["crm_id = 'created_at'", "an id column must be an integer or text"]),
    (_links(crm_id="local_id"), ["must be three different columns"]),
    (_links(crm_id="short_id"), ["bitrix_links.short_id holds only 4 characters"]),
    (_links(local_id="note"), ["column 'local_id' is NOT NULL without a default, so the app cannot add"]),
]


@pytest.mark.parametrize(("links", "expected"), BAD_LINKS, ids=[str(i) for i in range(len(BAD_LINKS))])
def test_a_link_table_that_does_not_fit_is_one_clear_error(
    demo_url: str, links: LinksMapping, expected: list[str]
) -> None:
    md = sa.MetaData()
    table = link_table(md)
    table.append_column(sa.Column("short_id", sa.String(4)))
    table.append_column(sa.Column("note", sa.String(10)))
    with admin(demo_url) as conn:
        md.create_all(conn)
    assert_refused(demo_url, replace(LINKED, links=links), expected)


async def test_the_settings_dialogs_shop_test_names_the_missing_unique_constraint(demo_url: str) -> None:
    from bitrix_monitor.config import AppConfig
    from bitrix_monitor.sync.probe import ConnectionTester

    create_links(demo_url, unique=False)
    line = str(await ConnectionTester(AppConfig(shop=LINKED)).test_shop(demo_url))
    assert (
        "120 orders and 40 users; the mapping matches. Warning: [shop.links] table 'bitrix_links' has no "
        in line
    )
    assert "add UNIQUE (entity_type, local_id)" in line


def test_integer_keys_in_a_text_local_id_column_are_compared_as_text(demo_url: str) -> None:
    table = create_links(demo_url, local=sa.String(40), crm=sa.String(20))
    with ShopDatabase.connect(demo_url, LINKED) as db:
        assert db.set_deal_id("12", 1200) is True
        assert db.set_contact_id("3", 300) is True
        assert links_in(demo_url, table) == [("deal", "12", "1200"), ("contact", "3", "300")]
        orders = {o.key: o.deal_id for page in db.iter_orders(page_size=25) for o in page}
        assert len(orders) == 120 and {k for k, v in orders.items() if v} == {"12"}
        assert db.get_orders(["12"])["12"].deal_id == 1200
        assert db.keys_storing("order", [1200]) == {1200: ["12"]}
        assert db.set_deal_id("12", 1201, expected=1200) is True
        assert db.set_deal_id("12", None, expected=1201) is True
        assert links_in(demo_url, table) == [("contact", "3", "300")]


def test_an_enum_kind_column_is_read_written_and_checked_against_kind_values(demo_url: str) -> None:
    create_links(demo_url, kind=sa.Enum("DEAL", "CONTACT", "COMPANY", name="bm_entity_kind"))
    values = {"deal": "DEAL", "contact": "CONTACT", "company": "COMPANY"}
    cfg = replace(LINKED, links=LinksMapping(table="bitrix_links", kind_values=values))
    with ShopDatabase.connect(demo_url, cfg) as db:
        assert db.set_deal_id("7", 70) is True
        assert db.get_orders(["7"])["7"].deal_id == 70
        assert db.set_deal_id("7", None, expected=70) is True
    if kind_of(demo_url) != "sqlite":  # SQLite keeps no list of an enum's values
        wrong = replace(LINKED, links=LinksMapping(table="bitrix_links", kind_values={"deal": "ORDER"}))
        assert_refused(demo_url, wrong, ["[shop.links] kind_values: 'ORDER' (deal) is not a value of"])


def test_groups_racing_for_one_link_each_store_their_own_and_exactly_one_wins_it(
    linked: tuple[ShopDatabase, sa.Table], demo_url: str
) -> None:
    """A group whose insert of one link loses (the whole transaction undone) writes its others one by one."""
    db, table = linked
    results: dict[int, set[str]] = {}
    barrier = threading.Barrier(4)

    def write(n: int) -> None:
        barrier.wait()
        results[n] = db.set_ids("order", [(str(20 + n), 200 + n, None), ("9", 100 + n, None)])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(str(20 + n) in won for n, won in results.items())
    assert sum("9" in won for won in results.values()) == 1
    stored = {str(local): crm for _kind, local, crm in links_in(demo_url, table)}
    assert {k: stored[k] for k in ("20", "21", "22", "23")} == {"20": 200, "21": 201, "22": 202, "23": 203}
    assert db.get_orders(["9"])["9"].deal_id == stored["9"] and stored["9"] in range(100, 104)


def test_a_link_write_undone_for_a_neighbours_lock_is_written_again_and_a_lost_one_is_not(
    linked: tuple[ShopDatabase, sa.Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deadlock over an index gap (MariaDB) undoes a write no other writer won: the row still holds what
    was expected, so it is written again; a race another writer won leaves its id, and the write lost."""
    from bitrix_monitor.shop.ids import LostRace

    db, _table = linked
    storage = db._of("order").ids
    real, undone = storage.write, []

    def write(conn: sa.Connection, *args: Any) -> bool:
        if len(undone) < 1:
            undone.append(args)
            raise LostRace  # as a deadlock victim: nothing of it written
        return real(conn, *args)

    monkeypatch.setattr(storage, "write", write)
    assert db.set_deal_id("30", 3001) is True and len(undone) == 1
    assert db.get_orders(["30"])["30"].deal_id == 3001

    monkeypatch.setattr(storage, "write", real)
    assert db.set_deal_id("31", 4002) is True  # the other writer's, committed first

    def lost(conn: sa.Connection, *args: Any) -> bool:
        undone.append(args)
        raise LostRace

    monkeypatch.setattr(storage, "write", lost)
    assert db.set_deal_id("31", 3101) is False and len(undone) == 2  # tried once: the row shows who won
    assert db.get_orders(["31"])["31"].deal_id == 4002
