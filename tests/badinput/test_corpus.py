"""The bad-input corpus: every case ends in one clear line on stderr, the right exit status, no traceback,
no secret, and nothing half-written."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor.cli import main
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.demo.shop import create_demo_shop
from bitrix_monitor.paths import DataDirs
from tests.badinput.conftest import Canned

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
