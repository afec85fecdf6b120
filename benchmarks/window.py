"""The window at scale: the orders model with 100,000 rows (and the users model with 20,000) in a real
QTableView, offscreen. Prints load, first paint, sort, filter and scroll-to-end times and the process's
peak memory, each as a ratio to its target (sort and filter < 200 ms, peak memory < 500 MB).

    .venv/bin/python -m benchmarks.window [--orders N] [--users M]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _statuses(entity: str, n: int, seed: int):  # type: ignore[no-untyped-def]
    from bitrix_monitor.sync.model import FieldDiff, QueueMark, RecordState, RecordStatus

    rng = random.Random(seed)
    states = list(RecordState)
    weights = [80, 6, 2, 3, 6, 3] + [1] * (len(states) - 6)  # in_sync first; later states are rare
    now = datetime.now(UTC)
    out = []
    for i in range(1, n + 1):
        state = rng.choices(states, weights)[0]
        out.append(
            RecordStatus(
                entity="order" if entity == "order" else "user",
                key=str(i),
                label=f"Order #{i} - {rng.randint(1, 400)}" if entity == "order" else f"Customer {i}",
                stored_id=None if state is RecordState.MISSING else 100_000 + i,
                portal_id=None if state is RecordState.MISSING else 100_000 + i,
                state=state,
                diffs=(FieldDiff("OPPORTUNITY", "10.00", "1.00"),) if state is RecordState.OUTDATED else (),
                queue=QueueMark.QUEUED if rng.random() < 0.05 else QueueMark.NONE,
                last_error="rate limited" if rng.random() < 0.01 else "",
                last_synced=now - timedelta(minutes=rng.randint(0, 10_000)),
            )
        )
    return out


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20_000)
    args = parser.parse_args()

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from bitrix_monitor.gui.models import OrdersModel, TableFilterProxy, UsersModel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    orders = _statuses("order", args.orders, 1)
    users = _statuses("user", args.users, 2)
    rows: list[tuple[str, float, float | None, str]] = []  # (figure, value, target, unit)

    for name, model, data in (("orders", OrdersModel(), orders), ("users", UsersModel(), users)):
        proxy = TableFilterProxy()
        proxy.setSourceModel(model)
        view = QTableView()
        view.setModel(proxy)
        view.setSortingEnabled(True)
        view.resize(1200, 800)
        view.show()
        app.processEvents()

        t = time.perf_counter()
        model.set_rows(data)
        app.processEvents()
        view.viewport().grab()
        rows.append((f"{name}: load {len(data):,} rows and first paint", _ms(t), 1000.0, "ms"))

        t = time.perf_counter()
        view.sortByColumn(OrdersModel.LABEL, Qt.SortOrder.DescendingOrder)
        app.processEvents()
        rows.append((f"{name}: sort by name", _ms(t), 200.0, "ms"))

        t = time.perf_counter()
        view.sortByColumn(OrdersModel.LAST_SYNCED, Qt.SortOrder.AscendingOrder)
        app.processEvents()
        rows.append((f"{name}: sort by last synced", _ms(t), 200.0, "ms"))

        t = time.perf_counter()
        proxy.set_search("9")
        app.processEvents()
        rows.append((f"{name}: search text ({proxy.rowCount():,} match)", _ms(t), 200.0, "ms"))

        t = time.perf_counter()
        proxy.set_search("")
        proxy.set_facet(OrdersModel.FACET_STATE, {"missing", "stale_link"})
        app.processEvents()
        rows.append((f"{name}: filter by state ({proxy.rowCount():,} match)", _ms(t), 200.0, "ms"))

        proxy.clear_filters()
        app.processEvents()
        t = time.perf_counter()
        view.scrollToBottom()
        app.processEvents()
        view.viewport().grab()
        rows.append((f"{name}: scroll to the end and paint", _ms(t), 200.0, "ms"))
        view.close()

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak memory of the process", peak, 500.0, "MB"))
    broken = _contract_at_scale(orders)
    print(f"{'figure':52} {'value':>10}  {'target':>8}  ratio")
    for figure, value, target, unit in rows:
        ratio = f"{value / target:.2f}" if target else ""
        print(f"{figure:52} {value:>8.0f} {unit:2}  {target:>6.0f} {unit:2} {ratio:>5}")
    print(f"{f'orders: model contract at {len(orders):,} rows':52} {'broken' if broken else 'kept':>10}")
    for message in broken[:10]:
        print(f"    {message}")
    return 1 if broken else 0


def _contract_at_scale(orders: list) -> list[str]:  # type: ignore[type-arg]
    """Qt's own model tester on the orders model at full size (the suite checks it at a few thousand rows,
    as the tester walks every row): the rules it found broken, none when the contract holds."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from PySide6.QtTest import QAbstractItemModelTester

    from bitrix_monitor.gui.models import OrdersModel

    failures: list[str] = []

    def collect(kind: QtMsgType, _context: object, message: str) -> None:
        if message.startswith("FAIL!"):
            failures.append(message)

    previous = qInstallMessageHandler(collect)
    try:
        model = OrdersModel()
        model.set_rows(orders)
        QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    finally:
        qInstallMessageHandler(previous)
    return failures


if __name__ == "__main__":
    sys.exit(main())
