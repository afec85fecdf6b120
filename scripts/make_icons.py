"""Draws the app icon (two linked rings over a sync arrow: the shop and the CRM in step) in the sizes the
desktop and PyInstaller want, into resources/icons/. Run: .venv/bin/python scripts/make_icons.py"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"


def draw(size: int) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 64.0
    grad = QLinearGradient(0, 0, 0, size)
    grad.setColorAt(0, QColor("#2f80ed"))
    grad.setColorAt(1, QColor("#1b4f9c"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(grad))
    p.drawRoundedRect(QRectF(2 * s, 2 * s, 60 * s, 60 * s), 13 * s, 13 * s)
    # Two interlocking rings: the shop and the CRM.
    pen = QPen(QColor("#ffffff"), max(1.0, 5.5 * s))
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QPointF(24 * s, 30 * s), 12 * s, 12 * s)
    p.setPen(QPen(QColor("#7ee2a8"), max(1.0, 5.5 * s)))
    p.drawEllipse(QPointF(40 * s, 30 * s), 12 * s, 12 * s)
    # A tick underneath: in step.
    if size >= 24:
        path = QPainterPath(QPointF(22 * s, 50 * s))
        path.lineTo(29 * s, 56 * s)
        path.lineTo(43 * s, 46 * s)
        tick = QPen(QColor("#ffffff"), max(1.0, 4 * s))
        tick.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(tick)
        p.drawPath(path)
    p.end()
    return img


def main() -> int:
    QGuiApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        draw(size).save(str(OUT / f"bitrix-monitor-{size}.png"))
    draw(256).save(str(OUT / "bitrix-monitor.ico"))
    print(f"wrote {len(SIZES)} PNGs and an .ico to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
