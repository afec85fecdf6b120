"""The skeleton: one entry point, the core/GUI boundary, config, secrets and logging."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bitrix_monitor
from bitrix_monitor import config, log
from bitrix_monitor.cli import main
from bitrix_monitor.errors import ConfigError
from bitrix_monitor.secrets import SecretStore

PACKAGE = Path(bitrix_monitor.__file__).parent
QT_MODULES = ("PySide6", "qasync", "shiboken6")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("DISPLAY", None)
    full_env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run(
        [sys.executable, "-m", "bitrix_monitor", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        check=False,
    )


def test_version_works_without_display_or_config(tmp_path: Path) -> None:
    result = _run("--version", env={"HOME": str(tmp_path)})
    assert result.returncode == 0
    assert result.stdout.strip() == f"bitrix-monitor {bitrix_monitor.__version__}"


def test_help_lists_modes_without_display(tmp_path: Path) -> None:
    result = _run("--help", env={"HOME": str(tmp_path)})
    assert result.returncode == 0
    assert "--data-dir" in result.stdout
    assert "not implemented" not in result.stdout.lower()


def test_console_script_and_module_run_the_same_main() -> None:
    from bitrix_monitor.__main__ import main as module_main

    scripts = [
        line
        for line in (PACKAGE.parent / "pyproject.toml").read_text().splitlines()
        if line.startswith("bitrix-monitor =")
    ]
    assert scripts == ['bitrix-monitor = "bitrix_monitor.__main__:main"']
    assert callable(module_main)


def test_data_dir_holds_everything_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "elsewhere"
    assert main(["--data-dir", str(target), "--sync"]) == 2  # nothing configured: exit 2, one line
    assert "No shop database is configured" in capsys.readouterr().err
    assert (target / "logs" / "bitrix-monitor.log").is_file()
    assert not any(p.name == "elsewhere" for p in Path.cwd().iterdir())


def test_what_is_missing_to_connect_is_said_in_russian(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No shop database, then no webhook: each one line in the language asked for, with its hint."""
    target = tmp_path / "d"
    assert main(["--data-dir", str(target), "--lang", "ru", "--sync"]) == 2
    err = capsys.readouterr().err
    assert "База данных магазина не настроена" in err and "BITRIX_MONITOR_SHOP_DB" in err
    assert "configured" not in err
    shop = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    env = {"BITRIX_MONITOR_PORTAL": ""}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        assert main(["--data-dir", str(target), "--lang", "ru", "--shop-db", shop, "--sync"]) == 2
    err = capsys.readouterr().err
    assert "Вебхук Bitrix24 не настроен" in err and "--portal" in err


def _core_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "gui" not in p.relative_to(PACKAGE).parts]


def test_core_never_imports_qt_statically() -> None:
    offenders = []
    for path in _core_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.relative_to(PACKAGE)}: {n}" for n in names if n.split(".")[0] in QT_MODULES]
    assert offenders == []


def test_core_never_imports_qt_at_runtime() -> None:
    modules = sorted(
        ".".join(("bitrix_monitor", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        for p in _core_modules()
        if p.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print([m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


# The front ends and what assembles them: everything else is the core, which never reaches them.
FRONT = ("bitrix_monitor.demo", "bitrix_monitor.gui", "bitrix_monitor.wiring", "bitrix_monitor.cli",
         "bitrix_monitor.__main__")  # fmt: skip


def _module_name(path: Path) -> str:
    return ".".join(("bitrix_monitor", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
        ".__init__"
    )


def _import_graph() -> dict[str, set[str]]:
    """Each module of the package -> the package's modules it imports anywhere (at the top, under
    ``TYPE_CHECKING`` or inside a function). ``from X import Y`` imports the module ``X.Y`` when there is one,
    else names from ``X``."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, *([node.module] if node.module else [])])
                for a in node.names:
                    deps.add(f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base)
        graph[name] = {d for d in deps if d in paths and d != name}
    return graph


def _is_front(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FRONT)


def test_core_never_reaches_the_demo_or_the_gui() -> None:
    """Nothing in the core imports the demo, the GUI or the wiring, not even through another module: they
    are put together in :mod:`bitrix_monitor.wiring`, which the front ends call."""
    graph = _import_graph()
    offenders = []
    for module in sorted(m for m in graph if not _is_front(m)):
        seen, todo = set(), [module]
        while todo:
            for dep in graph[todo.pop()]:
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        offenders += [f"{module} -> {dep}" for dep in sorted(seen) if _is_front(dep)]
    assert offenders == []


def test_core_modules_import_each_other_without_cycles() -> None:
    graph = _import_graph()
    core = {m: {d for d in deps if not _is_front(d)} for m, deps in graph.items() if not _is_front(m)}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for dep in sorted(core[module]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        path.pop()
        state[module] = 2

    for module in sorted(core):
        if module not in state:
            visit(module)
    assert cycles == []


def test_config_defaults_need_no_file(tmp_path: Path) -> None:
    cfg = config.load(tmp_path / "absent.toml")
    assert cfg.shop.orders.deal_id == "bitrix_deal_id"
    assert cfg.shop.users.contact_id == "bitrix_contact_id"
    assert cfg.rate_plan == config.RatePlan(50, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[shop\nurl=", "not valid TOML"),
        ("[shop.orders]\ntabel = 'x'\n", "[shop.orders] unknown key 'tabel'"),
        ("[portal]\nplan = 'fast'\n", "[portal] plan: 'fast' is not a rate plan"),
        ("[portal]\ntimeout = 'soon'\n", "[portal] timeout must be a float"),
        ("[shop]\nurl = 'postgresql://u:hunter22@db/shop'\n", "url contains a password"),
        ("[shop.orders]\nstage_map = {NEW = 1}\n", "stage_map must be a table of strings"),
    ],
)
def test_bad_config_gets_one_clear_message(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert expected in str(info.value)
    assert "hunter22" not in str(info.value)


def test_the_desk_name_is_read_from_the_config_and_defaults_to_the_user_at_the_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass
    import socket

    monkeypatch.setattr(socket, "gethostname", lambda: "termsrv")
    monkeypatch.setattr(getpass, "getuser", lambda: "anna")
    path = tmp_path / "config.toml"
    path.write_text('[queue]\ndesk = "  Анна, касса 2  "\n')
    assert config.load(path).queue.desk_name == "Анна, касса 2"
    assert config.load(tmp_path / "absent.toml").queue.desk_name == "anna@termsrv"
    assert config.from_dict({"queue": {"desk": "   "}}).queue.desk_name == "anna@termsrv"
    config.save(config.from_dict({"queue": {"desk": "anna@office"}}), path)  # the file, not the keyring
    assert 'desk = "anna@office"' in path.read_text()

    def no_user() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert config.AppConfig().queue.desk_name == "termsrv"


@pytest.mark.parametrize("desk", ["anna\nboris", "tab\there", "x" * 65])
def test_a_desk_name_that_cannot_be_one_gets_a_clear_message(tmp_path: Path, desk: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[queue]\ndesk = {json.dumps(desk)}\n")  # a TOML string, escapes and all
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert "[queue] desk must be one line of at most 64 printable characters" in str(info.value)
    assert 'e.g. "anna@office"' in str(info.value.hint)
    ok = tmp_path / "ok.toml"
    ok.write_text(f'[queue]\ndesk = "{"x" * 64}"\n')
    assert config.load(ok).queue.desk == "x" * 64


def test_config_round_trips_through_save(tmp_path: Path) -> None:
    cfg = config.from_dict(
        {"shop": {"orders": {"stage_map": {"paid": "WON"}}}, "portal": {"plan": "enterprise"}}
    )
    config.save(cfg, tmp_path / "c.toml")
    assert config.load(tmp_path / "c.toml") == cfg


def test_secrets_live_in_the_keyring_and_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    store = SecretStore()
    assert store.webhook_url() is None
    store.set("portal-webhook", "https://x.bitrix24.com/rest/1/abcdef123/")
    assert store.webhook_url() == "https://x.bitrix24.com/rest/1/abcdef123/"
    monkeypatch.setenv("BITRIX_MONITOR_PORTAL", "https://y.bitrix24.com/rest/2/zzzz9999/")
    assert store.webhook_url() == "https://y.bitrix24.com/rest/2/zzzz9999/"


def test_redaction_hides_webhook_secrets_and_passwords() -> None:
    log.register_secret("s3cretpass")
    text = log.redact(
        "POST https://x.bitrix24.com/rest/1/abcdef123/crm.deal.add postgresql://u:pw@h/db s3cretpass"
    )
    assert "abcdef123" not in text
    assert ":pw@" not in text
    assert "s3cretpass" not in text
    assert "https://x.bitrix24.com/rest/1/***/crm.deal.add" in text


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("mysql://u:p@ss-w0rd@h:3306/db failed", "ss-w0rd"),  # an unescaped "@" in the password
        ("postgresql://u@h/db?sslmode=off&password=qu3ry-pw failed", "qu3ry-pw"),
        ("postgresql://u@h/db?PASSWORD=qu3ry-pw2", "qu3ry-pw2"),
        ("host=h dbname=db password=dsn-pw user=u", "dsn-pw"),
    ],
    ids=["userinfo_with_at", "query_string", "query_upper", "dsn_keyword"],
)
def test_redaction_hides_passwords_in_every_url_form(text: str, hidden: str) -> None:
    out = log.redact(text)
    assert hidden not in out
    assert "***" in out


def test_unexpected_error_shows_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bitrix_monitor.cli as cli

    def boom(*_a: object) -> int:
        raise RuntimeError("kaput at /rest/1/topsecret1/x")

    monkeypatch.setattr(cli, "run", boom)
    assert cli.main([]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "topsecret1" not in err
    assert "internal error" in err


def test_each_engine_hands_out_a_fresh_empty_database(shop_url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(shop_url)
    try:
        with engine.begin() as conn:
            assert sa.inspect(conn).get_table_names() == []
            conn.execute(sa.text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
            conn.execute(sa.text("INSERT INTO probe (id) VALUES (1)"))
            assert conn.execute(sa.text("SELECT COUNT(*) FROM probe")).scalar_one() == 1
    finally:
        engine.dispose()


def test_window_without_a_display_is_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    said = {}
    for lang in ("en", "ru"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bitrix_monitor",
                "--data-dir",
                str(tmp_path / "d"),
                "--lang",
                lang,
                "--demo",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2
        said[lang] = result.stderr.strip().splitlines()
    assert said["en"] == [
        "bitrix-monitor: error: There is no display to open the window on (run it in a desktop session, "
        "or use the headless modes --sync and --report (--demo works too))"
    ]
    assert len(said["ru"]) == 1 and "Нет экрана, на котором можно открыть окно" in said["ru"][0], said["ru"]
