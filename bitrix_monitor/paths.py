"""Where the app keeps what it writes. Everything lives under one data directory.

The default comes from :mod:`platformdirs`; ``--data-dir DIR`` puts everything under DIR
(tests and smoke runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from bitrix_monitor import APP_NAME


@dataclass(frozen=True)
class DataDirs:
    root: Path

    @classmethod
    def default(cls) -> DataDirs:
        return cls(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))

    @classmethod
    def at(cls, path: str | Path | None) -> DataDirs:
        return cls(Path(path).expanduser().resolve()) if path else cls.default()

    @property
    def config_file(self) -> Path:
        return self.root / "config.toml"

    @property
    def queue_file(self) -> Path:
        return self.root / "queue.sqlite3"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def activity_file(self) -> Path:
        return self.root / "activity.jsonl"

    @property
    def demo_dir(self) -> Path:
        return self.root / "demo"

    def demo(self) -> DataDirs:
        """The demo's own view: its queue, archive and activity under ``demo/``, apart from the real
        configuration's (``--list-archive`` on a real setup never lists demo deals)."""
        return DataDirs(self.demo_dir)

    def ensure(self) -> None:
        for p in (self.root, self.log_dir, self.archive_dir):
            p.mkdir(parents=True, exist_ok=True)


def resource_dir() -> Path:
    """Where ``resources/`` (icons, the .desktop file) is: inside a frozen bundle, or beside the package."""
    import sys

    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def app_icon_files() -> list[Path]:
    """The app icon in every size shipped, smallest first."""
    return sorted(
        resource_dir().glob("icons/bitrix-monitor-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])
    )
