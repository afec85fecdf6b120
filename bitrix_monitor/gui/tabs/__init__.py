"""The main window's tabs, one module each; the window (:mod:`bitrix_monitor.gui.window`) wires them."""

from .activity import ActivityTab
from .archive import ArchiveTab
from .overview import OverviewTab
from .queue import QueueTab
from .records import RecordsTab
from .runners import RunnersTab

__all__ = ["ActivityTab", "ArchiveTab", "OverviewTab", "QueueTab", "RecordsTab", "RunnersTab"]
