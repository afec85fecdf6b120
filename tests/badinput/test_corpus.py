"""The bad-input corpus: every case ends in one clear line on stderr, the right exit status, no traceback,
no secret, and nothing half-written."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bitrix_monitor.cli import main
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.demo.shop import create_demo_shop
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobQueue
from tests.badinput.conftest import Alter, Canned

SECRET = "cannedsecret99"
PASSWORD = "pa55-w0rd-xyz"


@pytest.fixture
def sqlite_shop(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    create_demo_shop(url, orders=20, users=8, seed=1)
    return url


def _deal_ids(url: str) -> set[object]:
    eng = sa.create_engine(url)
    try:
        with eng.connect() as c:
            return set(c.execute(sa.text("SELECT bitrix_deal_id FROM orders")).scalars())
    finally:
        eng.dispose()


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    data_dirs: DataDirs,
    *args: str,
    portal: str | None = None,
    shop: str | None = None,
    config: str | None = None,
) -> tuple[int, str, str]:
    if portal:
        monkeypatch.setenv("BITRIX_MONITOR_PORTAL", portal)
    if shop:
        monkeypatch.setenv("BITRIX_MONITOR_SHOP_DB", shop)
    extra: list[str] = []
    if config is not None:
        cfg = data_dirs.root / "case.toml"
        cfg.write_bytes(config.encode("utf-8") if isinstance(config, str) else config)
        extra = ["--config", str(cfg)]
    code = main(["--data-dir", str(data_dirs.root), *extra, *args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_clear(err: str, *must: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {err!r}"
    line = lines[0]
    assert "Traceback" not in err
    assert SECRET not in err and PASSWORD not in err
    for m in must:
        assert m.lower() in line.lower(), f"{m!r} not in {line!r}"
    return line


# ---------------------------------------------------------------- the portal answers badly

PORTAL_CASES = {
    "html_502": Canned(
        502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", {"Content-Type": "text/html"}
    ),
    "html_200": Canned(200, b"<!DOCTYPE html><html>maintenance</html>", {"Content-Type": "text/html"}),
    "empty_body": Canned(200, b"", {"Content-Type": "application/json"}),
    "truncated_json": Canned(
        200, b'{"result": [{"ID": "1", "TITLE": "x"', {"Content-Type": "application/json"}
    ),
    "wrong_shape": Canned(200, b'{"result": "surprise", "time": {}}', {"Content-Type": "application/json"}),
    "json_not_object": Canned(200, b"[1, 2, 3]", {"Content-Type": "application/json"}),
    "enormous": Canned(200, b"[" + b"0," * 8_000_000 + b"0]", {"Content-Type": "application/json"}),
    "utf16": Canned(
        200, '{"result": []}'.encode("utf-16"), {"Content-Type": "application/json; charset=utf-16"}
    ),
    "latin1_garbage": Canned(200, bytes(range(128, 256)) * 10, {"Content-Type": "application/json"}),
    "redirect": Canned(302, b"", {"Location": "https://moved.bitrix24.com/rest/1/x/crm.contact.list"}),
    "wrong_secret": Canned(
        401, b'{"error":"INVALID_CREDENTIALS","error_description":"Invalid request credentials"}', {}
    ),
    "no_rest_plan": Canned(
        403,
        b'{"error":"ACCESS_DENIED","error_description":"REST is available only on commercial plans."}',
        {},
    ),
    "overload": Canned(
        503, b'{"error":"OVERLOAD_LIMIT","error_description":"REST API is blocked due to overload."}', {}
    ),
    "server_500_json": Canned(
        500, b'{"error":"INTERNAL_SERVER_ERROR","error_description":"Internal server error"}', {}
    ),
    "method_not_found": Canned(
        404, b'{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"}', {}
    ),
}


@pytest.mark.parametrize("case", sorted(PORTAL_CASES))
def test_portal_answering_badly_is_one_clear_line(
    case: str, canned_portal, sqlite_shop: str, capsys, monkeypatch, data_dirs: DataDirs
) -> None:
    canned, url = canned_portal
    c = PORTAL_CASES[case]
    canned.status, canned.body, canned.headers = c.status, c.body, c.headers
    before = _deal_ids(sqlite_shop)
    code, _out, err = run(
        capsys,
        monkeypatch,
        data_dirs,
        "--sync",
        portal=url,
        shop=sqlite_shop,
        config="[portal]\ntimeout = 3.0\n[sync]\nmax_attempts = 2\n",
    )
    assert code == 2, err
    line = assert_clear(err)
    assert "portal" in line.lower() or "bitrix24" in line.lower()
    assert _deal_ids(sqlite_shop) == before  # nothing half-written


def test_portal_that_never_answers_times_out_clearly(
    canned_portal, sqlite_shop: str, capsys, monkeypatch, data_dirs: DataDirs
) -> None:
    canned, url = canned_portal
    canned.delay = 5.0
    canned.body = b'{"result": []}'
    code, _out, err = run(
        capsys,
        monkeypatch,
        data_dirs,
        "--report",
        portal=url,
        shop=sqlite_shop,
        config="[portal]\ntimeout = 0.5\n",
    )
    assert code == 2
    assert_clear(err)


def test_portal_down_is_one_clear_line(
    closed_port: int, sqlite_shop: str, capsys, monkeypatch, data_dirs
) -> None:
    url = f"http://127.0.0.1:{closed_port}/rest/1/{SECRET}/"
    code, _out, err = run(
        capsys,
        monkeypatch,
        data_dirs,
        "--report",
        portal=url,
        shop=sqlite_shop,
        config="[portal]\ntimeout = 2.0\n",
    )
    assert code == 2
    assert_clear(err)


# ---------------------------------------------------------------- the webhook URL is wrong


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url at all", ("webhook",)),
        ("https://portal.bitrix24.com/api/1/abc123/", ("/rest/",)),
        (f"https://portal.bitrix24.com/rest/admin/{SECRET}/", ("user",)),
        ("https://portal.bitrix24.com/rest/1/", ("secret",)),
        (f"http://portal.bitrix24.com/rest/1/{SECRET}/", ("https",)),
        (f"ftp://portal.bitrix24.com/rest/1/{SECRET}/", ("https",)),
    ],
    ids=["garbage", "no_rest", "user_not_numeric", "no_secret", "plain_http_remote", "ftp"],
)
def test_malformed_webhook_url_names_the_problem(
    url: str, words: tuple[str, ...], sqlite_shop: str, capsys, monkeypatch, data_dirs
) -> None:
    code, _out, err = run(capsys, monkeypatch, data_dirs, "--report", portal=url, shop=sqlite_shop)
    assert code == 2
    assert_clear(err, *words)


def test_wrong_webhook_secret_against_the_emulator(sqlite_shop: str, capsys, monkeypatch, data_dirs) -> None:
    with PortalEmulator(limits="off") as portal:
        wrong = portal.webhook_url.rsplit("/", 2)[0] + f"/{SECRET}/"
        code, _out, err = run(capsys, monkeypatch, data_dirs, "--sync", portal=wrong, shop=sqlite_shop)
        assert portal.store.count("deal") == 0
    assert code == 2
    assert_clear(err)


# ---------------------------------------------------------------- the config file is wrong

CONFIG_CASES = {
    "not_toml": ("[shop\nurl = ", "not valid TOML"),
    "not_utf8": (b"[shop]\nurl = '\xff\xfe'\n", "UTF-8"),
    "unknown_key": ("[shop.orders]\ntabel = 'orders'\n", "unknown key 'tabel'"),
    "wrong_type": ("[sync]\nmax_attempts = 'many'\n", "max_attempts"),
    "bad_plan": ("[portal]\nplan = 'unlimited'\n", "rate plan"),
    "password_in_url": (f"[shop]\nurl = 'postgresql://shop:{PASSWORD}@db/shop'\n", "password"),
    "password_in_query": (f"[shop]\nurl = 'postgresql://shop@db/shop?password={PASSWORD}'\n", "password"),
    "password_with_at": (f"[shop]\nurl = 'postgresql://shop:x@{PASSWORD}@db/shop'\n", "password"),
    "stage_map_not_strings": ("[shop.orders]\nstage_map = {NEW = 5}\n", "stage_map"),
    "missing_table": ("[shop.orders]\ntable = 'purchases'\n", "purchases"),
    "missing_column": ("[shop.users]\nemail = 'mail'\n", "mail"),
    "sql_in_identifier": (
        "[shop.orders]\ntable = 'orders; DROP TABLE users; --'\n",
        "orders; DROP TABLE users",
    ),
    "template_missing_column": ("[shop.orders]\ntitle = 'Order {nope}'\n", "nope"),
    "cleanup_policy": ("[sync]\ncleanup_policy = 'delete-all'\n", "cleanup_policy"),
    "originator_batch_syntax": ("[portal]\noriginator = 'shop-$Result[a0]'\n", "originator"),
    "timeout_nan": ("[portal]\ntimeout = nan\n", "timeout"),
    "timeout_zero": ("[portal]\ntimeout = 0\n", "timeout"),
    "timeout_infinite": ("[portal]\ntimeout = inf\n", "timeout"),
    "retry_base_negative": ("[sync]\nretry_base = -1.0\n", "retry_base"),
    "max_attempts_zero": ("[sync]\nmax_attempts = 0\n", "max_attempts"),
    "plan_absurd_drain": ("[portal]\nplan = 'burst=1,drain=0.0000001'\n", "plan"),
    "plan_nan": ("[portal]\nplan = 'burst=nan,drain=2'\n", "plan"),
    "category_negative": ("[shop.orders]\ncategory = -1\n", "category must be a deal pipeline id"),
    "category_text": ("[shop.orders]\ncategory = '1'\n", "category must be a int"),
    "category_float": ("[shop.orders]\ncategory = 1.5\n", "category must be a int"),
    "category_huge": ("[shop.orders]\ncategory = 99999999999\n", "category must be a deal pipeline id"),
    "category_the_portal_lacks": ("[shop.orders]\ncategory = 7\n", "the portal has no deal pipeline 7"),
    "stage_map_stage_of_another_pipeline": (
        "[shop.orders]\nstage_map = {paid = 'C1:WON'}\n",
        "'C1:WON' is not a stage of pipeline 0; its stages: NEW, PREPARATION",
    ),
    "timezone_unknown": ("[shop]\ntimezone = 'Mars/Olympus'\n", "'Mars/Olympus' is not a known time zone"),
    "owner_unknown_word": (
        "[shop.orders.owners]\nSTAGE_ID = 'manager'\n",
        'STAGE_ID = \'manager\': use "shop", "crm" or "both"',
    ),
    "owner_not_pullable_yet": (
        "[shop.orders.owners]\nTITLE = 'crm'\n",
        "TITLE is not a field taken from one shop column",
    ),
    "owner_not_text": ("[shop.orders.owners]\nSTAGE_ID = true\n", "owners"),
    "stage_map_back_empty_status": ("[shop.orders]\nstage_map_back = {WON = ''}\n", "must be non-empty"),
    "stage_map_back_would_echo": (
        "[shop.orders]\nstage_map = {done = 'WON', paid = 'NEW'}\nstage_map_back = {WON = 'paid'}\n",
        "would be moved again",
    ),
    "timezone_lower_case": ("[shop]\ntimezone = 'europe/moscow'\n", "is not a known time zone"),
    "timezone_a_directory": ("[shop]\ntimezone = 'Europe'\n", "'Europe' is not a known time zone"),
    "timezone_a_path": ("[shop]\ntimezone = '../../../etc/passwd'\n", "is not a known time zone"),
    "timezone_not_text": ("[shop]\ntimezone = 3\n", "timezone must be a str"),
    "fields_value_not_text": ("[shop.orders.fields]\nUF_CRM_SHOP_ID = 5\n", "'UF_CRM_SHOP_ID' = 5 is a int"),
    "fields_empty_name": ('[shop.users.fields]\n"" = "email"\n', "empty field name"),
    "fields_lower_case_name": ("[shop.orders.fields]\ncomments = 'comment'\n", "not a CRM field name"),
    "fields_builtin": ("[shop.orders.fields]\nTITLE = 'comment'\n", "the app already sends TITLE"),
    "fields_empty_source": ("[shop.orders.fields]\nCOMMENTS = ''\n", "COMMENTS is empty"),
    "fields_missing_column": ("[shop.orders.fields]\nCOMMENTS = 'remark'\n", "no column 'remark'"),
    "fields_template_code": (
        "[shop.orders.fields]\nUF_CRM_X = '{order_id.__class__}'\n",
        "attribute or index access is not allowed",
    ),
    "fields_template_unclosed": ("[shop.users.fields]\nUF_CRM_X = '{id'\n", "UF_CRM_X"),
    "fields_unknown_to_the_portal": (
        "[shop.orders.fields]\nUF_CRM_NOPE = 'comment'\n",
        "the portal has no deal field UF_CRM_NOPE; the portal's writable custom deal fields: none",
    ),
    "fields_read_only": ("[shop.users.fields]\nDATE_MODIFY = 'notes'\n", "DATE_MODIFY is read-only"),
    "fields_mistyped": ("[shop.orders.fields]\nPROBABILITY = 'comment'\n", "is not always a whole number"),
    "fields_not_text_type": ("[shop.orders.fields]\nBEGINDATE = 'created_at'\n", "BEGINDATE is a date field"),
    "links_without_a_table": (
        "[shop.orders]\ndeal_id = '@links'\n",
        '[shop.orders] deal_id = "@links" but [shop.links] has no table',
    ),
    "links_misspelt": (
        "[shop.users]\ncontact_id = '@link'\n",
        "contact_id = '@link': only '@links' may start",
    ),
    "links_table_missing": (
        "[shop.links]\ntable = 'bitrix_links'\n[shop.orders]\ndeal_id = '@links'\n",
        "[shop.links] table = 'bitrix_links': no such table",
    ),
    "links_column_missing": (
        "[shop.links]\ntable = 'orders'\n[shop.orders]\ndeal_id = '@links'\n",
        "[shop.links] kind = 'entity_type': table 'orders' has no column",
    ),
    "links_local_id_empty": (
        "[shop.links]\ntable = 'x'\nlocal_id = ''\n",
        "[shop.links] local_id is required",
    ),
    "links_kind_values_unknown_record": (
        "[shop.links]\nkind_values = {order = 'o'}\n",
        "[shop.links] kind_values: 'order' is not a CRM record",
    ),
    "links_kind_values_shared": (
        "[shop.links]\nkind_values = {deal = 'x', contact = 'x'}\n",
        "two CRM records share one value",
    ),
    "links_kind_values_not_text": ("[shop.links]\nkind_values = {deal = 2}\n", "kind_values must be a table"),
    "links_kind_values_empty": ("[shop.links]\nkind_values = {deal = ' '}\n", "the value of deal is empty"),
    "links_unknown_key": ("[shop.links]\ncolumn = 'x'\n", "[shop.links] unknown key 'column'"),
    "companies_table_missing": ("[shop.companies]\ntable = 'firms'\n", "[shop.companies] table = 'firms'"),
    "companies_links_without_a_table": (
        "[shop.companies]\ntable = 'users'\ncompany_id = '@links'\n",
        '[shop.companies] company_id = "@links" but [shop.links] has no table',
    ),
    "companies_title_missing": (
        "[shop.companies]\ntable = 'users'\ncompany_id = 'bitrix_contact_id'\ntitle = 'firm_name'\n",
        "[shop.companies] title = 'firm_name': table 'users' has no column",
    ),
    "companies_unknown_key": ("[shop.companies]\nname = 'x'\n", "[shop.companies] unknown key 'name'"),
    "company_ref_without_companies": (
        "[shop.users]\ncompany_ref = 'company_id'\n",
        "company_ref = 'company_id' but [shop.companies] has no table",
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_bad_config_is_one_clear_line_and_exit_2(
    case: str, sqlite_shop: str, capsys, monkeypatch, data_dirs: DataDirs
) -> None:
    text, words = CONFIG_CASES[case]
    with PortalEmulator(limits="off") as portal:
        code, _out, err = run(
            capsys, monkeypatch, data_dirs, "--sync", portal=portal.webhook_url, shop=sqlite_shop, config=text
        )
        assert portal.store.count("deal") == 0
    assert code == 2
    assert_clear(err, words)
    assert PASSWORD not in err
    # The users table survived the identifier with SQL in it.
    assert len(_deal_ids(sqlite_shop)) >= 1


def test_missing_config_file_given_explicitly(capsys, monkeypatch, data_dirs) -> None:
    code = main(
        ["--data-dir", str(data_dirs.root), "--config", str(data_dirs.root / "nope.toml"), "--report"]
    )
    assert code == 2
    assert_clear(capsys.readouterr().err, "does not exist")


def test_no_configuration_at_all_says_what_to_set(capsys, monkeypatch, data_dirs) -> None:
    code, _o, err = run(capsys, monkeypatch, data_dirs, "--sync")
    assert code == 2
    assert_clear(err, "shop database")


# ---------------------------------------------------------------- the shop database is wrong


def _report_against(shop: str, capsys, monkeypatch, data_dirs) -> str:  # type: ignore[no-untyped-def]
    """``--report`` against a healthy portal and this shop: must exit 2; returns the one stderr line."""
    with PortalEmulator(limits="off") as portal:
        code, _o, err = run(capsys, monkeypatch, data_dirs, "--report", portal=portal.webhook_url, shop=shop)
    assert code == 2
    return assert_clear(err)


def test_shop_database_down_at_start(closed_port: int, capsys, monkeypatch, data_dirs) -> None:
    _report_against(f"postgresql://postgres@127.0.0.1:{closed_port}/shop", capsys, monkeypatch, data_dirs)


def test_shop_wrong_password(mariadb_url: str, capsys, monkeypatch, data_dirs) -> None:
    url = sa.engine.make_url(mariadb_url).set(username="bm_nobody", password=PASSWORD)
    _report_against(url.render_as_string(hide_password=False), capsys, monkeypatch, data_dirs)


def test_shop_missing_database(capsys, monkeypatch, data_dirs) -> None:
    line = _report_against(
        "postgresql://postgres@127.0.0.1:5432/bm_no_such_db", capsys, monkeypatch, data_dirs
    )
    assert "bm_no_such_db" in line


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql://postgres@127.0.0.1:99999/shop", ("port 99999",)),
        ("postgresql://postgres@127.0.0.1:abc/shop", ("port", "not a number")),
        (f"mysql://shop:{PASSWORD[:3]}@{PASSWORD[3:]}@127.0.0.1/shop", ("unescaped '@'",)),
        (f"mysql://shop@127.0.0.1:0/shop?password={PASSWORD}", ("port 0",)),
    ],
    ids=["port_out_of_range", "port_not_a_number", "password_with_unescaped_at", "port_zero_query_password"],
)
def test_bad_shop_url_on_the_command_line(url: str, words: tuple[str, ...], capsys, data_dirs) -> None:
    code = main(["--data-dir", str(data_dirs.root), "--report", "--shop-db", url, "--portal", "x"])
    assert code == 2
    line = assert_clear(capsys.readouterr().err, *words)
    assert PASSWORD[3:] not in line
    logged = (data_dirs.log_dir / "bitrix-monitor.log").read_text()
    assert PASSWORD not in logged and PASSWORD[3:] not in logged


def test_sqlite_shop_file_missing(tmp_path: Path, capsys, monkeypatch, data_dirs) -> None:
    _report_against(f"sqlite:///{tmp_path / 'nope' / 'shop.sqlite3'}", capsys, monkeypatch, data_dirs)


def test_shop_refuses_the_write_back(postgres_url: str, capsys, monkeypatch, data_dirs) -> None:
    create_demo_shop(postgres_url, orders=10, users=4, seed=1)
    role = "bm_readonly_" + os.urandom(3).hex()
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
        c.execute(sa.text(f"GRANT SELECT ON orders, users TO {role}"))
    try:
        url = sa.engine.make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
        with PortalEmulator(limits="off") as portal:
            code, _o, err = run(capsys, monkeypatch, data_dirs, "--sync", portal=portal.webhook_url, shop=url)
            made = portal.store.count("contact") + portal.store.count("deal")
        assert code in (1, 2)
        line = assert_clear(err) if code == 2 else err
        assert any(w in line.lower() for w in ("permission", "denied", "may not"))
        assert made <= 4 + 10  # at most one record per row: the next run adopts them by origin id
        assert _deal_ids(postgres_url) == {None}
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f"DROP OWNED BY {role}"))
            c.execute(sa.text(f"DROP ROLE {role}"))
        admin.dispose()


def test_shop_lost_mid_read_is_said_in_russian_on_the_command_line(
    postgres_url: str, capsys, monkeypatch, data_dirs
) -> None:
    """``--lang ru``: the shop's connection dropping every time the orders are read is one Russian line,
    what the app was doing included; only the database's address stays in Latin letters."""
    create_demo_shop(postgres_url, orders=10, users=4, seed=1)
    admin = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    killer = admin.connect()

    def kill(conn: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        # Every read of the orders (not the connect's rights probes, WHERE false): its server process ends.
        if conn.dialect.name == "postgresql" and "FROM orders" in statement and "false" not in statement:
            pid = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
            killer.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})

    sa.event.listen(sa.Engine, "before_cursor_execute", kill)
    try:
        with PortalEmulator(limits="off") as portal:
            args = ("--report", "--lang", "ru")
            code, _o, err = run(
                capsys, monkeypatch, data_dirs, *args, portal=portal.webhook_url, shop=postgres_url
            )
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", kill)
        killer.close()
        admin.dispose()
    assert code == 2
    # The retry is logged (in English, as logs are; a warning reaches stderr too): the error is one line.
    errors = [line for line in err.splitlines() if line.startswith("bitrix-monitor: error: ")]
    assert len(errors) == 1 and "Traceback" not in err, err
    line = errors[0].removeprefix("bitrix-monitor: error: ")
    assert line.endswith(" прервалось (операция: чтение заказов)")
    assert re.findall(r"[A-Za-z]{2,}", re.sub(r"\S+://\S+", " ", line)) == []  # the address aside
    logged = (data_dirs.log_dir / "bitrix-monitor.log").read_text()
    assert "lost while reading orders; retrying once" in logged  # the log stays English


# ---------------------------------------------------------------- the queue file is wrong


def _queue_case(data_dirs: DataDirs, how: str) -> None:
    q = data_dirs.queue_file
    if how == "corrupt":
        q.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    elif how == "newer":
        from bitrix_monitor.queue import JobQueue

        JobQueue.open(q).close()
        con = sqlite3.connect(q)
        con.execute("UPDATE schema_version SET version = 999")
        con.commit()
        con.close()
    elif how == "readonly":
        from bitrix_monitor.queue import JobQueue

        JobQueue.open(q).close()
        if os.geteuid() == 0:
            # Root ignores permission bits; an immutable file is read-only even for root (like a
            # read-only mount).
            if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(q)], check=False).returncode:
                pytest.skip("root, and no immutable flag on this file system")
        else:
            q.chmod(0o444)


@pytest.mark.parametrize("how", ["corrupt", "newer", "readonly"])
def test_bad_queue_file_is_reported_and_never_replaced(
    how: str, sqlite_shop: str, capsys, monkeypatch, data_dirs: DataDirs
) -> None:
    _queue_case(data_dirs, how)
    before = data_dirs.queue_file.read_bytes()
    try:
        with PortalEmulator(limits="off") as portal:
            code, _o, err = run(
                capsys, monkeypatch, data_dirs, "--sync", portal=portal.webhook_url, shop=sqlite_shop
            )
            assert portal.store.count("deal") == 0
    finally:
        if how == "readonly" and os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(data_dirs.queue_file)], check=False)
    assert code == 2
    assert_clear(err, "queue")
    assert data_dirs.queue_file.read_bytes() == before


def test_queue_held_by_another_runner_says_who(
    sqlite_shop: str, capsys, monkeypatch, data_dirs: DataDirs
) -> None:
    from bitrix_monitor.queue import JobQueue

    q = JobQueue.open(data_dirs.queue_file)
    with q.runner_lock("the cron job on the server"), PortalEmulator(limits="off") as portal:
        code, _o, err = run(
            capsys, monkeypatch, data_dirs, "--sync", portal=portal.webhook_url, shop=sqlite_shop
        )
    q.close()
    assert code == 1
    assert_clear(err, "the cron job on the server")


# ---------------------------------------------------------------- the command line is wrong


@pytest.mark.parametrize(
    "args",
    [
        ["--sync", "--report"],
        ["--sync", "--watch", "0"],
        ["--bogus"],
        ["--watch", "soon", "--sync"],
        ["--sync", "--watch", "nan"],
        ["--sync", "--watch", "inf"],
        ["--sync", "--watch", "-5"],
    ],
    ids=[
        "two_modes",
        "watch_zero",
        "unknown_option",
        "watch_not_number",
        "watch_nan",
        "watch_inf",
        "watch_negative",
    ],
)
def test_bad_command_line(args: list[str], capsys, data_dirs: DataDirs) -> None:
    try:
        code = main(["--data-dir", str(data_dirs.root), *args])
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err


@pytest.mark.parametrize("mode", [["--report"], ["--restore"]], ids=["config", "restore_file"])
def test_fifo_given_as_a_file_is_refused_at_once(mode: list[str], tmp_path: Path, capsys, data_dirs) -> None:
    fifo = tmp_path / "file.toml"
    os.mkfifo(fifo)
    args = ["--config", str(fifo), "--report"] if mode == ["--report"] else ["--restore", str(fifo)]
    started = time.monotonic()
    code = main(["--data-dir", str(data_dirs.root), *args])
    assert time.monotonic() - started < 5
    assert code == 2
    assert_clear(capsys.readouterr().err, "FIFO", "not a regular file")


def test_data_dir_that_cannot_be_made(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["--data-dir", str(blocker / "sub"), "--report"])
    assert code == 2
    assert_clear(capsys.readouterr().err, "data directory")


# ---------------------------------------------------------------- a proxy tampers with the portal's answers


def _sub(pattern: bytes, repl: bytes, methods: tuple[str, ...] = ()) -> Alter:
    rx = re.compile(pattern)

    def alter(method: str, body: bytes) -> bytes:
        return rx.sub(repl, body) if not methods or method.lower() in methods else body

    return alter


def _json(change: Callable[[str, Any], Any]) -> Alter:
    def alter(method: str, body: bytes) -> bytes:
        try:
            data = json.loads(body)
        except ValueError:
            return body
        return json.dumps(change(method, data)).encode()

    return alter


def _nan_totals(data: Any) -> Any:
    """Every total as the text "NaN": a call's, and each command's in a batch (the full pass's first
    request probes its lists in one batch)."""
    if isinstance(data, dict):
        if "total" in data:
            data["total"] = "NaN"
        inner = data.get("result")
        totals = inner.get("result_total") if isinstance(inner, dict) else None
        if isinstance(totals, dict):
            inner["result_total"] = {k: "NaN" for k in totals}
    return data


def _drop_result(_method: str, data: Any) -> Any:
    return {k: v for k, v in data.items() if k != "result"} if isinstance(data, dict) else data


def _list_for_object(_method: str, data: Any) -> Any:
    if isinstance(data, dict) and isinstance(data.get("result"), dict):
        data["result"] = list(data["result"].values())
    return data


def _walk_rows(data: Any, change: Callable[[dict[str, Any]], None]) -> Any:
    if isinstance(data, dict):
        if "ID" in data:
            change(data)
        for v in data.values():
            _walk_rows(v, change)
    elif isinstance(data, list):
        for v in data:
            _walk_rows(v, change)
    return data


def _wrong_types(row: dict[str, Any]) -> None:
    for key, value in (("TITLE", {"a": 1}), ("ORIGIN_ID", ["x"]), ("OPPORTUNITY", [1]), ("NAME", 7)):
        if key in row:
            row[key] = value
    if "EMAIL" in row:
        row["EMAIL"] = "not a list"


def _twice(_method: str, data: Any) -> Any:
    """Every list of records lists its first record twice (as a portal's page can)."""

    def dup(node: Any) -> Any:
        if isinstance(node, list) and node and all(isinstance(r, dict) and "ID" in r for r in node):
            return [node[0], *node]
        if isinstance(node, dict):
            return {k: dup(v) for k, v in node.items()}
        if isinstance(node, list):
            return [dup(v) for v in node]
        return node

    return dup(data)


def _truncate(_method: str, body: bytes) -> bytes:
    return body[: len(body) // 2]


ADDS = ("crm.deal.add", "crm.contact.add", "batch")
# case -> (alteration, exit statuses allowed: 2 when the portal cannot be read; 0/1 when records were
# settled one by one)
TAMPER_CASES: dict[str, tuple[Alter, tuple[int, ...]]] = {
    "nan_in_every_answer": (_sub(rb'"duration":\s*[0-9.eE+-]+', b'"duration":NaN'), (2,)),
    "infinity_in_every_answer": (_sub(rb'"start":\s*[0-9.eE+-]+', b'"start":Infinity'), (2,)),
    "number_too_big_for_a_float": (_sub(rb'"finish":\s*[0-9.eE+-]+', b'"finish":1e999'), (2,)),
    "nan_as_text_in_totals": (_json(lambda _m, d: _nan_totals(d)), (0,)),
    "ids_with_decimals": (_sub(rb'"ID":\s*"(\d+)"', rb'"ID":"\1.0"'), (2,)),
    "ids_as_objects": (_sub(rb'"ID":\s*"(\d+)"', rb'"ID":{"v":"\1"}'), (2,)),
    "new_ids_with_decimals": (_sub(rb'"(a\d+|result)":\s*(\d+)([,}])', rb'"\1":"\2.0"\3', ADDS), (0, 1)),
    "new_ids_nan": (_sub(rb'"(a\d+|result)":\s*(\d+)([,}])', rb'"\1":NaN\3', ADDS), (0, 1)),
    "missing_result": (_json(_drop_result), (2,)),
    # Lists are read by plain list calls now (a chain only for the pages left), which this does not touch;
    # the writes' batch answers are garbled: each job ends dead with the portal's bad answer as its reason.
    "list_where_an_object_belongs": (_json(_list_for_object), (1, 2)),
    "truncated_body": (_truncate, (2,)),
    "fields_of_wrong_types": (_json(lambda _m, d: _walk_rows(d, _wrong_types)), (0, 1, 2)),
}


@pytest.mark.parametrize("case", sorted(TAMPER_CASES))
def test_tampered_answers_end_cleanly(
    case: str, tampering_proxy, sqlite_shop: str, capsys, monkeypatch, data_dirs: DataDirs
) -> None:
    """Each tampered answer is exit 2 with one line, or a per-record outcome; never a traceback, never a job
    left running, never a second record for one shop row, and the shop stores only ids of real records."""
    portal, tamper, url = tampering_proxy
    alter, allowed = TAMPER_CASES[case]
    tamper.alter = alter
    code, _out, err = run(
        capsys,
        monkeypatch,
        data_dirs,
        "--sync",
        "--json",
        portal=url,
        shop=sqlite_shop,
        config="[portal]\ntimeout = 3.0\n[sync]\nmax_attempts = 2\nretry_base = 0.1\nsettle_delay = 0.2\n",
    )
    assert tamper.altered > 0, "the case never changed an answer"
    assert code in allowed, (code, err)
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert_clear(err)
    q = JobQueue.open(data_dirs.queue_file)
    try:
        assert q.counts().running == 0
        if code == 1:  # a per-record outcome: every job that did not finish says why
            unfinished = q.list_jobs(states=["failed", "dead"], limit=None)
            assert all(j.error is not None and j.error.message for j in unfinished)
    finally:
        q.close()
    deals = [d for d in portal.store.all("deal") if d.get("ORIGIN_ID")]
    per_origin = Counter(d["ORIGIN_ID"] for d in deals)
    assert [k for k, n in per_origin.items() if n > 1] == []
    real = {int(d["ID"]) for d in deals}
    assert {i for i in _deal_ids(sqlite_shop) if i is not None} <= real


def test_a_record_listed_twice_is_not_a_duplicate(
    tampering_proxy, sqlite_shop: str, capsys, monkeypatch, data_dirs: DataDirs
) -> None:
    _portal, tamper, url = tampering_proxy
    code, _out, err = run(capsys, monkeypatch, data_dirs, "--sync", portal=url, shop=sqlite_shop)
    assert code == 0, err
    # The shop forgets its deal ids: each deal is then found by its origin id alone, listed twice.
    eng = sa.create_engine(sqlite_shop)
    with eng.begin() as c:
        c.execute(sa.text("UPDATE orders SET bitrix_deal_id = NULL"))
    eng.dispose()
    tamper.alter = _json(_twice)
    code, out, err = run(capsys, monkeypatch, data_dirs, "--sync", "--dry-run", portal=url, shop=sqlite_shop)
    assert tamper.altered > 0
    assert "cleanup" not in out, out
    assert "deal.create: 20" in out  # each adopts the one deal found


# ---------------------------------------------------------------- the data directory is wrong


@pytest.mark.parametrize("how", ["log_is_a_directory", "log_on_a_full_disk", "immutable_log_dir"])
def test_log_file_that_cannot_be_written_is_one_line(how: str, capsys, data_dirs: DataDirs) -> None:
    log_file = data_dirs.log_dir / "bitrix-monitor.log"
    if how == "log_is_a_directory":
        log_file.mkdir()
    elif how == "log_on_a_full_disk":
        log_file.symlink_to("/dev/full")
    elif os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(data_dirs.log_dir)]).returncode:
            pytest.skip("root, and no immutable flag on this file system")
    else:
        data_dirs.log_dir.chmod(0o555)
    try:
        code = main(["--data-dir", str(data_dirs.root), "--report"])
    finally:
        if how == "immutable_log_dir":
            subprocess.run(["chattr", "-i", str(data_dirs.log_dir)], check=False)
            data_dirs.log_dir.chmod(0o755)
    assert code == 2
    assert_clear(capsys.readouterr().err, "log file")


@pytest.mark.parametrize("how", ["symlink_to_dev_null", "fifo", "directory"])
def test_queue_file_that_is_not_a_file_is_refused(
    how: str, sqlite_shop: str, capsys, monkeypatch, data_dirs: DataDirs
) -> None:
    q = data_dirs.queue_file
    if how == "symlink_to_dev_null":
        q.symlink_to("/dev/null")
    elif how == "fifo":
        os.mkfifo(q)
    else:
        q.mkdir()
    with PortalEmulator(limits="off") as portal:
        code, _o, err = run(
            capsys, monkeypatch, data_dirs, "--sync", portal=portal.webhook_url, shop=sqlite_shop
        )
        assert portal.store.count("deal") == 0
    assert code == 2
    assert_clear(err, "queue", "not a regular file")


def test_one_unreadable_archive_file_is_listed_and_the_rest_go_on(capsys, data_dirs: DataDirs) -> None:
    from bitrix_monitor.sync.archive import Archive

    archive = Archive(data_dirs.archive_dir)
    good = archive.save("deal", {"ID": "7", "TITLE": "kept"}, shop_key="3", reason="duplicate")
    (data_dirs.archive_dir / "deal-8-broken.json").write_text('{"entity": "deal", "portal_')
    (data_dirs.archive_dir / "deal-9-latin1.json").write_bytes(b"\xff\xfe not utf-8")
    (data_dirs.archive_dir / "deal-10-list.json").write_text("[1, 2, 3]")
    os.mkfifo(data_dirs.archive_dir / "deal-11-fifo.json")
    code = main(["--data-dir", str(data_dirs.root), "--list-archive"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    assert str(good.path) in out
    for name in ("deal-8-broken", "deal-9-latin1", "deal-10-list", "deal-11-fifo"):
        assert any(name in line and "unreadable" in line for line in out.splitlines()), name
    assert "1 archived record in" in out and "4 unreadable files" in out


def test_moving_the_queue_aside_under_a_running_sync_is_refused(capsys, data_dirs: DataDirs) -> None:
    from bitrix_monitor.queue import JobQueue as Queue

    q = Queue.open(data_dirs.queue_file)
    try:
        with q.runner_lock("the nightly sync"):
            code = main(["--data-dir", str(data_dirs.root), "--move-queue-aside"])
    finally:
        q.close()
    assert code == 1
    assert_clear(capsys.readouterr().err, "the nightly sync")
    assert data_dirs.queue_file.is_file()
    assert not list(data_dirs.root.glob("queue.sqlite3.*-2*"))


def test_restoring_a_broken_archive_file_says_what_is_wrong(
    sqlite_shop: str, capsys, monkeypatch, data_dirs: DataDirs
) -> None:
    broken = data_dirs.archive_dir / "deal-8-broken.json"
    broken.write_text('{"entity": "deal", "portal_')
    with PortalEmulator(limits="off") as portal:
        code, _o, err = run(
            capsys,
            monkeypatch,
            data_dirs,
            "--restore",
            str(broken),
            portal=portal.webhook_url,
            shop=sqlite_shop,
        )
        assert portal.store.count("deal") == 0
    assert code == 2
    assert_clear(err, "deal-8-broken.json", "not JSON")
