"""``python -m bitrix_monitor`` and the ``bitrix-monitor`` console script run the same code."""

from __future__ import annotations

import sys

from bitrix_monitor.cli import main as _main


def main() -> None:
    sys.exit(_main())


if __name__ == "__main__":
    main()
