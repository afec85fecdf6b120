"""Why the OS refused a file is said in the reader's language (``messages.os_reason``): the data directory
and its log file at start, and a config file that cannot be read. The Russian line leaves only names in
Latin letters (a path); the English (``str()``, logs) is the OS's words as before."""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bitrix_monitor import cli, config
from bitrix_monitor.errors import ConfigError
from bitrix_monitor.messages import error_line
from bitrix_monitor.paths import DataDirs

REASONS = [
    (errno.EACCES, "Permission denied", "доступ запрещён"),
    (errno.EROFS, "Read-only file system", "файловая система доступна только для чтения"),
    (errno.ENOSPC, "No space left on device", "на диске не осталось места"),
]
IDS = ["denied", "read-only", "full"]


def _latin_left(line: str, *names: str) -> list[str]:
    """Words in Latin letters left in ``line`` once ``names`` (paths) are taken out."""
    for name in names:
        line = line.replace(name, " ")
    return re.findall(r"[A-Za-z]{2,}", line)


def _refused(code: int) -> Callable[..., None]:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(code, "the OS's own words")

    return refuse


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("bitrix-monitor: error: "), err
    return err.removeprefix("bitrix-monitor: error: ")


@pytest.mark.parametrize("what", ["data_dir", "log_file"])
@pytest.mark.parametrize(("code", "english", "russian"), REASONS, ids=IDS)
def test_a_data_dir_or_log_file_the_os_refuses_is_said_in_russian(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    what: str,
    code: int,
    english: str,
    russian: str,
) -> None:
    """At start (as root, the tests cannot be refused a folder: the OS is stood in for)."""
    target = tmp_path / "data"
    if what == "data_dir":
        monkeypatch.setattr(DataDirs, "ensure", _refused(code))
        path, expected = (
            target,
            (
                f"Cannot use data directory {target}: {english}",
                f"Не удаётся использовать папку данных {target}: {russian}",
            ),
        )
    else:
        monkeypatch.setattr(cli, "setup_logging", _refused(code))
        path, expected = (
            target / "logs",
            (
                f"Cannot write the log file in {target / 'logs'}: {english} "
                "(is the data directory read-only or the disk full?)",
                f"Не удаётся записать файл журнала в {target / 'logs'}: {russian} "
                "(папка данных только для чтения или диск заполнен?)",
            ),
        )
    said = []
    for lang in ("en", "ru"):
        assert cli.main(["--data-dir", str(target), "--lang", lang, "--sync"]) == 2
        said.append(_error(capsys))
    assert tuple(said) == expected
    assert _latin_left(said[1], str(path)) == []


@pytest.mark.parametrize(("code", "english", "russian"), REASONS, ids=IDS)
def test_a_config_file_that_cannot_be_read_is_said_in_russian(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, english: str, russian: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("")
    monkeypatch.setattr(Path, "read_bytes", _refused(code))
    with pytest.raises(ConfigError) as refused:
        config.load(path)
    assert (error_line(refused.value, "en"), error_line(refused.value, "ru")) == (
        f"Cannot read config file {path}: {english}",
        f"Не удаётся прочитать файл настроек {path}: {russian}",
    )
    assert str(refused.value) == f"Cannot read config file {path}: {english}"
    assert _latin_left(error_line(refused.value, "ru"), str(path)) == []


def test_a_reason_without_a_code_is_said_as_the_os_says_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("")
    monkeypatch.setattr(Path, "read_bytes", _refused(errno.ELOOP))
    with pytest.raises(ConfigError) as refused:
        config.load(path)
    assert error_line(refused.value, "ru") == f"Не удаётся прочитать файл настроек {path}: the OS's own words"


class _RefusingStream:
    """A log file the OS stops taking during the run (a disk that filled, a file system turned read-only):
    every write fails with ``code``; flushing and closing what was never written do not."""

    def __init__(self, code: int) -> None:
        self.code = code

    def _refuse(self, *_args: object) -> None:
        raise OSError(self.code, "the OS's own words")

    write = seek = tell = _refuse

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.parametrize(("code", "english", "russian"), REASONS, ids=IDS)
def test_a_log_file_that_fails_during_the_run_is_said_in_russian(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    code: int,
    english: str,
    russian: str,
) -> None:
    """File logging stops at the first write that fails; the warning at the end of the run says why, in
    the language asked for."""
    target = tmp_path / "data"
    log_file = target / "logs" / "bitrix-monitor.log"

    def run(*_args: object) -> int:
        (handler,) = (
            h
            for h in logging.getLogger().handlers
            if isinstance(h, logging.FileHandler) and h.baseFilename == str(log_file)
        )
        assert handler.stream is not None
        handler.stream.close()
        handler.stream = _RefusingStream(code)
        logging.getLogger("bitrix_monitor").info("a line the log file cannot take")
        logging.getLogger("bitrix_monitor").info("nor this one, nor a traceback for it")
        return 0

    monkeypatch.setattr(cli, "run", run)
    said = []
    for lang in ("en", "ru"):
        assert cli.main(["--data-dir", str(target), "--lang", lang, "--sync"]) == 0
        err = capsys.readouterr().err.strip()
        assert err.startswith("bitrix-monitor: warning: "), err
        said.append(err.removeprefix("bitrix-monitor: warning: "))
    assert said == [
        f"the log file {log_file} could not be written ({english}); logging to it stopped",
        f"не удалось записать файл журнала {log_file} ({russian}); запись в него прекращена",
    ]
    assert _latin_left(said[1], str(log_file)) == []


def test_the_os_words_reach_a_person_only_through_os_reason() -> None:
    """An ``OSError``'s ``strerror`` is the OS's English: only ``messages.os_reason`` reads it, as the
    fallback for a reason it has no code for (the portal emulator's command line, a developer's tool, is
    left out)."""
    package = Path(__file__).resolve().parents[1] / "bitrix_monitor"
    readers = sorted(
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "emulator" not in p.parts and "strerror" in p.read_text(encoding="utf-8")
    )
    assert readers == ["messages.py"]
