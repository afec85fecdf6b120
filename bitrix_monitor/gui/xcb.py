"""Before Qt starts on X11: are the system libraries its X11 plugin needs there? (No Qt import here.)

Without them Qt prints a paragraph about "xcb" and aborts with a core dump. The PySide6 wheel brings Qt,
not the desktop's X11 libraries; a bare desktop (a minimal Debian/Ubuntu install, a container with X
forwarding) lacks some. ``ldd`` on the plugin names every library the loader cannot find, so the one-line
message can list exactly those and the ``apt`` line that installs them.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# soname -> Debian/Ubuntu package (the names Qt's documentation lists for the xcb plugin)
PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def uses_xcb(env: dict[str, str] | None = None) -> bool:
    """Whether Qt will pick its X11 (xcb) plugin: asked for, or an X display and no Wayland one."""
    env = dict(os.environ) if env is None else env
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def xcb_plugin() -> Path | None:
    """The Qt X11 platform plugin PySide6 ships (also inside the frozen bundle), if present."""
    spec = importlib.util.find_spec("PySide6")
    roots = list(spec.submodule_search_locations or []) if spec else []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(str(Path(bundle) / "PySide6"))
    for root in roots:
        plugin = Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` could not find, each once, in its order."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def find_missing(plugin: Path | None = None) -> list[str]:
    """The system libraries Qt's X11 plugin needs and this machine lacks ([] when ldd is not there)."""
    plugin = plugin or xcb_plugin()
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return []
    try:
        result = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return missing_libraries(result.stdout)


def install_line(missing: list[str]) -> str:
    packages = [PACKAGES.get(name, name) for name in missing]
    return "sudo apt install " + " ".join(dict.fromkeys(packages))
