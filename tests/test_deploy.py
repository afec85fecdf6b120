"""The worker's systemd unit and container recipe run the real entry point with options it knows, and
carry no secret; the container is built where a Docker daemon is at hand."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from bitrix_monitor import secrets
from bitrix_monitor.cli import build_parser

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_the_unit_starts_a_watching_worker_the_cli_understands() -> None:
    unit = (DEPLOY / "bitrix-monitor-worker.service").read_text()
    (exec_start,) = re.findall(r"^ExecStart=(.+)$", unit, re.MULTILINE)
    program, *argv = shlex.split(exec_start)
    assert program.endswith("/bitrix-monitor")
    args = build_parser().parse_args(argv)
    assert args.sync and args.watch == 60 and args.data_dir
    assert "SuccessExitStatus=1 143" in unit  # a report with problems, 128 + SIGTERM: clean ends
    assert "RestartPreventExitStatus=2" in unit  # a configuration error is not restarted forever
    names = (secrets.ENV_QUEUE, secrets.ENV_QUEUE_PASSWORD, secrets.ENV_PORTAL, secrets.ENV_SHOP_PASSWORD)
    for name in names:
        assert f"#   {name}=" in unit  # documented, as comments only
    assert not re.search(r"^Environment=.*PASSWORD", unit, re.MULTILINE)


def _instruction(dockerfile: str, name: str) -> list[str]:
    (line,) = re.findall(rf"^{name} (\[.+\])$", dockerfile, re.MULTILINE)
    return list(json.loads(line))


def test_the_container_runs_a_watching_worker_the_cli_understands() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    entry = _instruction(dockerfile, "ENTRYPOINT")
    cmd = _instruction(dockerfile, "CMD")
    assert entry[0] == "bitrix-monitor"
    args = build_parser().parse_args(entry[1:] + cmd)
    assert args.sync and args.watch == 60 and args.data_dir == "/var/lib/bitrix-monitor"
    assert re.search(r"^USER bitrix-monitor$", dockerfile, re.MULTILINE)
    assert "STOPSIGNAL SIGTERM" in dockerfile
    assert "PASSWORD=" not in dockerfile.replace("#", "")


def _docker_daemon() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_container_builds_and_answers_version() -> None:
    if not _docker_daemon():
        pytest.skip("no Docker daemon on this machine")
    root = DEPLOY.parent
    subprocess.run(
        ["docker", "build", "-f", str(DEPLOY / "Dockerfile"), "-t", "bitrix-monitor-worker:test", str(root)],
        check=True,
        timeout=1700,
    )
    out = subprocess.run(
        ["docker", "run", "--rm", "bitrix-monitor-worker:test", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.startswith("bitrix-monitor ")
