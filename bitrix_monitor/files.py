"""Files a person names (a config file, the queue file, an archived record): whether one can be read safely.

Apart from :mod:`bitrix_monitor.paths` because what it says is a message (:mod:`bitrix_monitor.messages`,
which finds its catalogue through ``paths``).
"""

from __future__ import annotations

import stat
from pathlib import Path

from bitrix_monitor.messages import Message, Note


def not_a_regular_file(path: Path) -> Note:
    """Why ``path`` cannot be read as a file without risk (a FIFO blocks the reader for ever, a device or a
    directory is not what was meant), as what follows the path ("is a FIFO, not a regular file"), or ``""``
    for a regular file or one that does not exist. Symlinks are followed; nothing is opened."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return ""  # missing or unreadable: the caller's open says which
    if stat.S_ISREG(mode):
        return ""
    kind = (
        "fifo"
        if stat.S_ISFIFO(mode)
        else "directory"
        if stat.S_ISDIR(mode)
        else "socket"
        if stat.S_ISSOCK(mode)
        else "device"
    )
    return Message(f"path.{kind}")
