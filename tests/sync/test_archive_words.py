"""Why an archive file cannot be read as an archived record is a code said in the reader's language: in
``--list-archive`` and when a restore is refused, in the window as on the command line. The Russian line
leaves only names in Latin letters (a path, a field of the file, the value it holds, UTF-8, JSON); the
English (``str()``, logs) says the same as before, without Python's own words."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bitrix_monitor.cli import main
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.demo.shop import create_demo_shop
from bitrix_monitor.messages import render
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.sync.archive import Archive, UnreadableArchive

GOOD = (
    '{"entity": "deal", "portal_id": 7, "shop_key": "3", "archived_at": "2026-01-02T03:04:05+00:00", '
    '"reason": "duplicate", "record": {"ID": "7"}, "contact_ids": []}'
)


def _latin_left(line: str, *names: str) -> list[str]:
    """Words in Latin letters left in ``line`` once ``names`` are taken out, and what is a name anyway:
    something quoted, UTF-8, JSON, FIFO."""
    for name in names:
        line = line.replace(name, " ")
    line = re.sub(r"'[^']*'|\bUTF-8\b|\bJSON\b|\bFIFO\b", " ", line)
    return re.findall(r"[A-Za-z]{2,}", line)


Make = Callable[[Path, pytest.MonkeyPatch], None]


def _write(text: str | bytes) -> Make:
    def write(path: Path, _monkeypatch: pytest.MonkeyPatch) -> None:
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)

    return write


def _refused(code: int) -> Make:
    """A good file the OS refuses to read (as root, the tests cannot be refused a file: the OS is stood
    in for)."""

    def make(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path.write_text(GOOD)
        real = Path.read_text

        def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
            if self == path:
                raise OSError(code, "the OS's own words", str(self))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Path, "read_text", read_text)

    return make


CASES = [
    (
        "fifo",
        lambda p, _m: os.mkfifo(p),
        "the file is a FIFO, not a regular file",
        "файл — это FIFO, а не обычный файл",
    ),
    (
        "directory",
        lambda p, _m: p.mkdir(),
        "the file is a directory, not a regular file",
        "файл — это папка, а не обычный файл",
    ),
    ("latin1", _write(b"\xff\xfe not utf-8"), "not UTF-8 text", "не является текстом в UTF-8"),
    (
        "broken",
        _write('{"entity": "deal",\n "portal_'),
        "not JSON (line 2, column 2)",
        "не является корректным JSON (строка 2, позиция 2)",
    ),
    (
        "list",
        _write("[1, 2, 3]"),
        "not an archived record: not a JSON object",
        "не архивная запись: это не объект JSON",
    ),
    (
        "no_field",
        _write(GOOD.replace('"portal_id": 7, ', "")),
        "not an archived record: no field 'portal_id'",
        "не архивная запись: нет поля 'portal_id'",
    ),
    (
        "bad_id",
        _write(GOOD.replace('"portal_id": 7', '"portal_id": "seven"')),
        "not an archived record: 'portal_id' = 'seven' is not valid",
        "не архивная запись: недопустимое значение 'portal_id' = 'seven'",
    ),
    (
        "bad_time",
        _write(GOOD.replace("2026-01-02T03:04:05+00:00", "yesterday")),
        "not an archived record: 'archived_at' = 'yesterday' is not valid",
        "не архивная запись: недопустимое значение 'archived_at' = 'yesterday'",
    ),
    (
        "bad_contacts",
        _write(GOOD.replace('"contact_ids": []', '"contact_ids": 5')),
        "not an archived record: 'contact_ids' = 5 is not valid",
        "не архивная запись: недопустимое значение 'contact_ids' = 5",
    ),
    ("denied", _refused(errno.EACCES), "Permission denied", "доступ запрещён"),
    ("io", _refused(errno.EIO), "Input/output error", "ошибка ввода-вывода"),
    ("unknown_os_reason", _refused(errno.ELOOP), "the OS's own words", "the OS's own words"),
]


@pytest.mark.parametrize(("name", "make", "english", "russian"), CASES, ids=[c[0] for c in CASES])
def test_why_an_archive_file_cannot_be_read_is_said_in_russian(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    make: Make,
    english: str,
    russian: str,
) -> None:
    path = tmp_path / f"deal-{name}.json"
    make(path, monkeypatch)
    with pytest.raises(UnreadableArchive) as bad:
        Archive(tmp_path).load(path)
    assert (render(bad.value.why, "en"), render(bad.value.why, "ru")) == (english, russian)
    assert bad.value.reason == english and str(bad.value) == f"{path}: {english}"
    if name != "unknown_os_reason":  # a reason without a code is the OS's words in either language
        assert _latin_left(russian) == [], russian


def test_list_archive_says_in_russian_why_a_file_is_unreadable(
    capsys: pytest.CaptureFixture[str], data_dirs: DataDirs
) -> None:
    Archive(data_dirs.archive_dir).save("deal", {"ID": "7"}, shop_key="3", reason="duplicate")
    broken = data_dirs.archive_dir / "deal-8-broken.json"
    broken.write_text('{"entity": "deal", "portal_')
    assert main(["--data-dir", str(data_dirs.root), "--list-archive", "--lang", "ru"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"{broken}  не читается: не является корректным JSON (строка 1, позиция 20)" in out
    assert out[-1] == f"1 запись в архиве {data_dirs.archive_dir} (1 файл не читается)"


def test_a_restore_of_a_file_that_is_no_archived_record_is_refused_in_russian(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    data_dirs: DataDirs,
) -> None:
    """The window shows the same error (``restore_archived``'s :class:`ConfigError`), in its language."""
    shop = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    create_demo_shop(shop, orders=2, users=2)
    monkeypatch.setenv("BITRIX_MONITOR_SHOP_DB", shop)
    listed = data_dirs.archive_dir / "deal-8-list.json"
    listed.write_text("[1, 2, 3]")
    said = []
    with PortalEmulator(limits="off") as portal:
        monkeypatch.setenv("BITRIX_MONITOR_PORTAL", portal.webhook_url)
        for lang in ("en", "ru"):
            args = ["--data-dir", str(data_dirs.root), "--restore", str(listed), "--lang", lang]
            assert main(args) == 2
            said.append(capsys.readouterr().err.strip().removeprefix("bitrix-monitor: error: "))
        assert portal.store.count("deal") == 0
    assert said == [
        f"{listed} is not a record from the archive (not an archived record: not a JSON object)",
        f"{listed} не является записью из архива (не архивная запись: это не объект JSON)",
    ]
    assert _latin_left(said[1], str(listed)) == []
