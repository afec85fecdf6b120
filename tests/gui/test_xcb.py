"""Start-up on a bare Linux desktop: the X11 libraries Qt needs are checked before Qt starts, and their
absence is one line naming them and the apt line that installs them (issue 16, stumble 9)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bitrix_monitor.gui import xcb

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /x/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f17)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f17)
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-icccm.so.4 => not found
"""


def test_the_libraries_ldd_cannot_find_are_named_once_with_their_packages() -> None:
    missing = xcb.missing_libraries(LDD)
    assert missing == ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxkbcommon-x11.so.0"]
    assert xcb.install_line(missing) == "sudo apt install libxcb-cursor0 libxcb-icccm4 libxkbcommon-x11-0"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DISPLAY": ":0"}, True),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
        ({"QT_QPA_PLATFORM": "xcb"}, True),
        ({}, False),
    ],
)
def test_only_an_x11_start_is_checked(env: dict[str, str], expected: bool) -> None:
    assert xcb.uses_xcb(env) is expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's X11 plugin is Linux only")
def test_what_is_reported_missing_really_cannot_be_loaded() -> None:
    plugin = xcb.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    for name in xcb.find_missing(plugin):
        with pytest.raises(OSError):
            ctypes.CDLL(name)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's X11 plugin is Linux only")
def test_a_window_on_a_desktop_without_them_is_one_clear_line(tmp_path: Path) -> None:
    missing = xcb.find_missing()
    if not missing:
        pytest.skip("this machine has every library Qt's X11 plugin needs")
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = ":77"  # never reached: the check runs before Qt
    result = subprocess.run(
        [sys.executable, "-m", "bitrix_monitor", "--data-dir", str(tmp_path / "d"), "--demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("bitrix-monitor: error: Qt cannot open a window on this X11 desktop: ")
    assert ", ".join(missing) in line
    assert xcb.install_line(missing) in line
