"""Secrets never leak: a full sync, a report, error paths, a cleanup that archives, and the crash dialog's
text run with a known webhook secret and database password; then every file the app wrote and everything
it printed is scanned for them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.demo.shop import create_demo_shop

WEBHOOK_SECRET = "Wh00kS3cretKnownValue"
DB_PASSWORD = "Db-Pa55word-Known"

pytestmark = pytest.mark.slow


@pytest.fixture
def mariadb_user_shop(mariadb_url: str):  # type: ignore[no-untyped-def]
    """A shop on MariaDB reached by a user with a password (the local server trusts root without one)."""
    create_demo_shop(mariadb_url, orders=40, users=12, seed=4)
    url = sa.engine.make_url(mariadb_url)
    user = "bm_leak_" + os.urandom(3).hex()
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        for host in ("%", "localhost", "127.0.0.1"):
            c.execute(sa.text(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{DB_PASSWORD}'"))
            c.execute(sa.text(f"GRANT ALL ON {url.database}.* TO '{user}'@'{host}'"))
    try:
        yield url.set(username=user, password=None).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            for host in ("%", "localhost", "127.0.0.1"):
                c.execute(sa.text(f"DROP USER IF EXISTS '{user}'@'{host}'"))
        admin.dispose()


def _run(data_dir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bitrix_monitor", "--data-dir", str(data_dir), "--verbose", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )


def test_no_secret_in_any_file_or_output(mariadb_user_shop: str, tmp_path: Path) -> None:
    data = tmp_path / "leak-data"
    data.mkdir()
    (data / "config.toml").write_text(
        '[portal]\noriginator = "leak-test"\ntimeout = 2.0\n'
        '[sync]\ncleanup_policy = "archive"\nretry_base = 0.2\n'
    )
    outputs: list[str] = []
    with PortalEmulator(limits="off", secret=WEBHOOK_SECRET) as portal:
        assert WEBHOOK_SECRET in portal.webhook_url
        env = {k: v for k, v in os.environ.items() if not k.startswith("BITRIX_MONITOR_")}
        env.update(
            BITRIX_MONITOR_PORTAL=portal.webhook_url,
            BITRIX_MONITOR_SHOP_DB=mariadb_user_shop,
            BITRIX_MONITOR_SHOP_PASSWORD=DB_PASSWORD,
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        )
        first = _run(data, env, "--sync", "--json")
        assert first.returncode == 0, first.stderr
        outputs += [first.stdout, first.stderr]
        # A duplicate to clean up: the cleanup archives (policy "archive" on conflict) and deletes.
        deal = next(d for d in portal.store.all("deal") if d["ORIGINATOR_ID"] == "leak-test")
        portal.store.add(
            "deal", {"TITLE": "typed by hand", "ORIGINATOR_ID": "leak-test", "ORIGIN_ID": deal["ORIGIN_ID"]}
        )
        second = _run(data, env, "--sync", "--json")
        outputs += [second.stdout, second.stderr]
        assert any((data / "archive").glob("*.json")), "the cleanup should have archived a record"
        for args in (("--report",), ("--report", "--json"), ("--sync", "--dry-run"), ("--diagnose",)):
            r = _run(data, env, *args)
            outputs += [r.stdout, r.stderr]
        # Error paths: a wrong secret; a wrong password; a portal that answers 500s.
        wrong_portal = {
            **env,
            "BITRIX_MONITOR_PORTAL": portal.webhook_url.replace(WEBHOOK_SECRET, WEBHOOK_SECRET[::-1]),
        }
        r = _run(data, wrong_portal, "--sync")
        assert r.returncode == 2
        outputs += [r.stdout, r.stderr]
        r = _run(data, {**env, "BITRIX_MONITOR_SHOP_PASSWORD": DB_PASSWORD + "x"}, "--report")
        assert r.returncode == 2
        outputs += [r.stdout, r.stderr]
        portal.set_faults("e500html=1.0")
        r = _run(data, env, "--report")
        outputs += [r.stdout, r.stderr]
        portal.set_faults("")

    # The crash dialog's text for an error that carries both secrets.
    from bitrix_monitor.log import register_secret

    register_secret(WEBHOOK_SECRET)
    register_secret(DB_PASSWORD)
    from bitrix_monitor.gui.crash import format_crash

    try:
        raise RuntimeError(f"boom at {portal.webhook_url}crm.deal.add with mysql://u:{DB_PASSWORD}@db/shop")
    except RuntimeError as exc:
        outputs.append(format_crash(type(exc), exc, exc.__traceback__))

    written = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in written)
    hits = []
    for p in written:
        blob = p.read_bytes()
        for secret in (WEBHOOK_SECRET, DB_PASSWORD):
            if secret.encode() in blob:
                hits.append(f"{p.relative_to(data)} holds {secret[:4]}…")
    for i, text in enumerate(outputs):
        for secret in (WEBHOOK_SECRET, DB_PASSWORD):
            if secret in text:
                hits.append(f"output #{i} holds {secret[:4]}…")
    assert hits == []


# ---------------------------------------------------------------- every way a password can be written

PASSWORD_FORMS = ("userinfo_unescaped_at", "userinfo_escaped", "query_string", "keyring", "environment",
                  "driver_environment")  # fmt: skip


@pytest.mark.parametrize("form", PASSWORD_FORMS)
def test_a_password_written_any_way_never_leaks(
    form: str, postgres_url: str, fake_keyring, capsys, monkeypatch, data_dirs
) -> None:
    """The password reaches the app as user info (with an unescaped "@" too), a query parameter, the
    keyring, our environment variable or the driver's own; a sync, a verbose report and an error that names
    the database run with it, and neither the output nor any file the app wrote holds it, raw or escaped."""
    from urllib.parse import quote

    from bitrix_monitor.cli import main
    from bitrix_monitor.secrets import SERVICE, shop_password_key

    create_demo_shop(postgres_url, orders=6, users=3, seed=2)
    password = f"Kn0wn@{form}-{os.urandom(3).hex()}"  # unique: the redactor's memory is per process
    u = sa.engine.make_url(postgres_url)
    base = f"postgresql://{u.username}@{u.host}:{u.port}"
    db = u.database
    urls = {
        "userinfo_unescaped_at": f"postgresql://{u.username}:{password}@{u.host}:{u.port}/{db}",
        "userinfo_escaped": f"postgresql://{u.username}:{quote(password, safe='')}@{u.host}:{u.port}/{db}",
        "query_string": f"{base}/{db}?password={quote(password, safe='')}",
    }
    url = urls.get(form, f"{base}/{db}")
    if form == "keyring":
        fake_keyring.set_password(SERVICE, shop_password_key(url), password)
    elif form == "environment":
        monkeypatch.setenv("BITRIX_MONITOR_SHOP_PASSWORD", password)
    elif form == "driver_environment":
        monkeypatch.setenv("PGPASSWORD", password)
    (data_dirs.root / "config.toml").write_text('[portal]\noriginator = "leak-forms"\ntimeout = 5.0\n')
    outputs: list[str] = []
    codes: list[int] = []
    with PortalEmulator(limits="off", secret=WEBHOOK_SECRET) as portal:
        monkeypatch.setenv("BITRIX_MONITOR_PORTAL", portal.webhook_url)
        gone = url.replace(f"/{db}", "/bm_no_such_db_leak")
        for shop, args in ((url, ("--sync", "--json")), (url, ("--report",)), (gone, ("--report",))):
            codes.append(main(["--data-dir", str(data_dirs.root), "--verbose", "--shop-db", shop, *args]))
            out, err = capsys.readouterr()
            outputs += [out, err]
    if form == "userinfo_unescaped_at":
        assert codes == [2, 2, 2]  # refused: the URL cannot say where the password ends
        assert "unescaped '@'" in outputs[1]
    else:
        assert codes == [0, 0, 2], outputs
    forms = {password, quote(password, safe=""), password.split("@", 1)[1]}
    hits = [f"output #{i}" for i, text in enumerate(outputs) for s in forms if s in text]
    for p in (p for p in data_dirs.root.rglob("*") if p.is_file()):
        blob = p.read_bytes()
        hits += [str(p.relative_to(data_dirs.root)) for s in forms if s.encode() in blob]
    assert hits == []
