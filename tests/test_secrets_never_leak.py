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
