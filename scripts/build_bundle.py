"""Build the one-folder bundle with PyInstaller, then smoke-test the frozen binary.

Run: .venv/bin/python scripts/build_bundle.py [--skip-build]
Exit status 0 only when the build succeeded and every smoke test passed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist" / "bitrix-monitor"
EXE = DIST / ("bitrix-monitor.exe" if os.name == "nt" else "bitrix-monitor")
MARIADB_URL = os.environ.get("BM_SMOKE_MARIADB_URL", "mysql+pymysql://bm_smoke_nobody@127.0.0.1:3306/test")


def build() -> None:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "build.spec"]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("BITRIX_MONITOR_")}
    full.update({"QT_QPA_PLATFORM": "offscreen", **(env or {})})
    return subprocess.run(
        [str(EXE), *args], capture_output=True, text=True, env=full, timeout=timeout, check=False
    )


def smoke(tmp: Path) -> list[tuple[str, bool, str]]:
    results: list[tuple[str, bool, str]] = []

    def check(name: str, fn: Callable[[], tuple[bool, str]]) -> None:
        try:
            ok, info = fn()
        except Exception as exc:  # a smoke test that crashes is a failed smoke test
            ok, info = False, f"{type(exc).__name__}: {exc}"
        results.append((name, ok, info))
        print(f"{'PASS' if ok else 'FAIL'} {name}: {info}", flush=True)

    def version() -> tuple[bool, str]:
        r = run("--version")
        expected = (DIST / "VERSION").read_text().strip()
        return r.returncode == 0 and r.stdout.strip() == f"bitrix-monitor {expected}", r.stdout.strip()

    def keyring() -> tuple[bool, str]:
        r = run("--diagnose", "--lang", "en", "--data-dir", str(tmp / "diag"))  # its words: English
        line = next((x for x in r.stdout.splitlines() if x.startswith("keyring:")), "")
        ok = (
            r.returncode == 0
            and "frozen bundle: yes" in r.stdout
            and "Traceback" not in r.stderr
            and bool(line)
        )
        return ok, line

    def demo_sync() -> tuple[bool, str]:
        r = run("--sync", "--demo", "--json", "--data-dir", str(tmp / "demo"), timeout=600)
        report = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {}
        return r.returncode == 0 and report.get("ok") is True, f"exit {r.returncode}, ok={report.get('ok')}"

    def wrong_password() -> tuple[bool, str]:
        cfg = tmp / "wrong.toml"
        cfg.write_text(f'[shop]\nurl = "{MARIADB_URL}"\n')
        env = {
            "BITRIX_MONITOR_SHOP_PASSWORD": "definitely-wrong",
            "BITRIX_MONITOR_PORTAL": "http://127.0.0.1:9/rest/1/smokesecret/",
        }
        r = run("--report", "--config", str(cfg), "--data-dir", str(tmp / "wrong"), env=env)
        lines = [x for x in r.stderr.splitlines() if x.strip()]
        ok = r.returncode == 2 and len(lines) == 1 and "definitely-wrong" not in r.stderr
        return ok, f"exit {r.returncode}: {' | '.join(lines)}"

    def window() -> tuple[bool, str]:
        r = run("--demo", "--quit-after", "4", "--data-dir", str(tmp / "demo"), timeout=120)
        return (
            r.returncode == 0 and "Traceback" not in r.stderr,
            f"exit {r.returncode} {r.stderr.strip()[-200:]}",
        )

    def emulator() -> tuple[bool, str]:
        proc = subprocess.Popen(
            [str(EXE), "--emulate-portal", "--port", "0", "--limits", "off", "--data-dir", str(tmp / "emu")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        ok = first.startswith("http://127.0.0.1:") and "/rest/1/" in first and proc.returncode == 0
        return ok, f"first line {first.split('/rest/')[0]}/rest/1/***/, exit {proc.returncode}"

    def translations() -> tuple[bool, str]:
        # The app's catalogues (resources/i18n) and Qt's own for its dialogs, where the app looks for them.
        found = {name: sorted(DIST.rglob(name)) for name in ("bitrix_monitor_ru.qm", "bitrix_monitor_en.qm",
                                                              "qtbase_ru.qm")}  # fmt: skip
        return all(found.values()), ", ".join(str(p[0].relative_to(DIST)) for p in found.values() if p)

    def input_methods() -> tuple[bool, str]:
        # Linux: IBus (how Cyrillic is usually typed) and compose (dead keys) load from the bundle, with
        # every library they need inside it or on the system.
        if not sys.platform.startswith("linux"):
            return True, "not Linux: Qt's own input handling"
        found = sorted(DIST.rglob("platforminputcontexts/*.so"))
        names = {p.name for p in found}
        wanted = {"libibusplatforminputcontextplugin.so", "libcomposeplatforminputcontextplugin.so"}
        missing = [
            f"{p.name}: {line.strip()}"
            for p in found
            for line in subprocess.run(
                ["ldd", str(p)], capture_output=True, text=True, check=False
            ).stdout.splitlines()
            if "not found" in line
        ]
        return wanted <= names and not missing, ", ".join(sorted(names)) + (
            "; " + "; ".join(missing) if missing else ""
        )

    check("--version", version)
    check("translations inside the bundle", translations)
    check("input methods inside the bundle", input_methods)
    check("keyring backend inside the bundle", keyring)
    check("--sync --demo --json", demo_sync)
    check("--report with a wrong database password", wrong_password)
    check("window offscreen quits on its own", window)
    check("--emulate-portal", emulator)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-build", action="store_true", help="smoke-test the existing dist/ only")
    args = parser.parse_args()
    if not args.skip_build:
        build()
    if not EXE.exists():
        print(f"no executable at {EXE}", file=sys.stderr)
        return 1
    print(f"bundle: {DIST} ({size_mb(DIST):.0f} MB)", flush=True)
    with tempfile.TemporaryDirectory(prefix="bm-smoke-") as tmp:
        results = smoke(Path(tmp))
    failed = [name for name, ok, _ in results if not ok]
    print(f"smoke: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
