"""``bitrix-monitor --emulate-portal`` as a subprocess: the URL first on stdout, serving, clean stops, --tls,
--state, and one-line errors for bad options."""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.emulator.helpers import ok

pytestmark = pytest.mark.slow

URL_RE = re.compile(r"(https?)://127\.0\.0\.1:(\d+)/rest/1/([a-z0-9]{16})/")


def _command(tmp_path: Path, *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bitrix_monitor",
        "--data-dir",
        str(tmp_path / "data"),
        "--emulate-portal",
        *options,
    ]


@contextmanager
def _serving(tmp_path: Path, *options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.Popen(
        _command(tmp_path, "--port", "0", *options),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert URL_RE.fullmatch(first), (
            first,
            proc.stderr.read() if proc.poll() is not None and proc.stderr else "",
        )
        yield proc, first
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_prints_the_url_first_serves_and_stops_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    with _serving(tmp_path, "--limits", "off") as (proc, url):
        assert url.startswith("http://")
        deal_id = ok(httpx.post(url + "crm.deal.add", json={"fields": {"TITLE": "cli"}}, timeout=10))
        assert ok(httpx.post(url + "crm.deal.get", json={"id": deal_id}, timeout=10))["TITLE"] == "cli"
        proc.send_signal(sig)
        assert proc.wait(10) == 0
        assert proc.stdout is not None
        assert proc.stdout.read() == ""


def test_limits_and_faults_options_apply(tmp_path: Path) -> None:
    with _serving(tmp_path, "--limits", "burst=1,drain=0.01", "--faults", "e500html=0", "--seed", "3") as (
        proc,
        url,
    ):
        assert httpx.post(url + "crm.deal.fields", timeout=10).status_code == 200
        assert httpx.post(url + "crm.deal.fields", timeout=10).status_code == 503
        proc.terminate()
        assert proc.wait(10) == 0


def test_state_keeps_secret_and_records_and_tls_is_trusted_through_the_pem(tmp_path: Path) -> None:
    cert = tmp_path / "portal.pem"
    state = tmp_path / "portal.sqlite3"
    options = ("--limits", "off", "--state", str(state), "--tls", str(cert))
    with _serving(tmp_path, *options) as (proc, url):
        assert url.startswith("https://")
        assert cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert "PRIVATE KEY" not in cert.read_text()
        assert (tmp_path / "portal.pem.key").stat().st_mode & 0o777 == 0o600
        context = ssl.create_default_context(cafile=str(cert))
        with pytest.raises(httpx.ConnectError):
            httpx.post(url + "crm.deal.fields", timeout=10)  # the system store does not know it
        deal_id = ok(
            httpx.post(url + "crm.deal.add", json={"fields": {"TITLE": "kept"}}, verify=context, timeout=10)
        )
        proc.terminate()
        assert proc.wait(10) == 0
    secret = URL_RE.fullmatch(url).group(3)  # type: ignore[union-attr]
    with _serving(tmp_path, *options) as (proc, url_again):
        match = URL_RE.fullmatch(url_again)
        assert match is not None
        assert match.group(3) == secret
        context = ssl.create_default_context(cafile=str(cert))
        via_localhost = url_again.replace("127.0.0.1", "localhost")
        row = ok(httpx.post(via_localhost + "crm.deal.get", json={"id": deal_id}, verify=context, timeout=10))
        assert row["TITLE"] == "kept"
        proc.terminate()
        assert proc.wait(10) == 0


@pytest.mark.parametrize(
    ("options", "mentions"),
    [
        (("--faults", "explode=1"), "--faults"),
        (("--faults", "e503=2"), "--faults"),
        (("--limits", "turbo"), "--limits"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(tmp_path: Path, options: tuple[str, ...], mentions: str) -> None:
    result = subprocess.run(
        _command(tmp_path, "--port", "0", *options), capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert mentions in lines[0]
    assert "Traceback" not in result.stderr


def test_pipeline_option_seeds_pipelines_once_across_restarts(tmp_path: Path) -> None:
    options = ("--limits", "off", "--state", str(tmp_path / "portal.sqlite3"), "--pipeline", "Shop")
    for extra in ((), ("--pipeline", "Wholesale")):
        with _serving(tmp_path, *options, *extra) as (proc, url):
            answer = httpx.post(url + "crm.category.list", json={"entityTypeId": 2}, timeout=10).json()
            proc.terminate()
            assert proc.wait(10) == 0
    names = {c["id"]: c["name"] for c in answer["result"]["categories"]}
    assert names == {0: "General", 1: "Shop", 2: "Wholesale"}
