"""Connection colours: the palette, swatch icons, and the tint on tree items and tabs."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QTabWidget

#: the swatches the connection dialog offers (name, #rrggbb); any other colour is custom
PALETTE: tuple[tuple[str, str], ...] = (
    ("Blue", "#2f6fde"),
    ("Teal", "#11878f"),
    ("Green", "#2e9d5b"),
    ("Olive", "#7d8a1f"),
    ("Orange", "#e07b1a"),
    ("Red", "#d13b3b"),
    ("Pink", "#c8437f"),
    ("Purple", "#8a4fd1"),
    ("Slate", "#5f6b7a"),
)

_RING = "#9aa3b2"  # the outline of "no colour"


def normalized(color: str | None) -> str:
    """`color` as "#rrggbb" (lower case), or "" when it is empty or not a colour."""
    if not color:
        return ""
    q = QColor(color.strip())
    return q.name() if q.isValid() else ""


def color_name(color: str) -> str:
    """The palette's name for `color`, the hex value for a custom one, "No colour" for ""."""
    color = normalized(color)
    if not color:
        return "No colour"
    return next((name for name, hex_ in PALETTE if hex_ == color), color)


@cache
def swatch_icon(color: str, size: int = 16) -> QIcon:
    """A filled circle in `color`; an empty ring when there is no colour."""
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2x: sharp on high-DPI screens
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(1.5, 1.5, size - 3, size - 3)
    color = normalized(color)
    if color:
        fill = QColor(color)
        painter.setPen(QPen(fill.darker(130), 1.2))
        painter.setBrush(QBrush(fill))
    else:
        painter.setPen(QPen(QColor(_RING), 1.2, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(rect)
    painter.end()
    icon = QIcon(pixmap)
    icon.addPixmap(pixmap, QIcon.Mode.Selected)  # the colour itself, not a tinted one
    return icon


def badged_icon(base: QIcon, color: str, size: int = 16) -> QIcon:
    """`base` with a dot of `color` in its lower right corner (`base` itself for no colour)."""
    color = normalized(color)
    if not color:
        return base
    return _badged(base.cacheKey(), base, color, size)


_badge_cache: dict[tuple[int, str, int], QIcon] = {}


def _badged(key: int, base: QIcon, color: str, size: int) -> QIcon:
    found = _badge_cache.get((key, color, size))
    if found is not None:
        return found
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    base.paint(painter, 0, 0, size, size)
    radius = size * 0.27
    centre = QPointF(size - radius - 0.5, size - radius - 0.5)
    painter.setPen(QPen(QColor("white"), 1.5))
    painter.setBrush(QColor(color))
    painter.drawEllipse(centre, radius, radius)
    painter.end()
    icon = QIcon(pixmap)
    icon.addPixmap(pixmap, QIcon.Mode.Selected)
    _badge_cache[(key, color, size)] = icon
    return icon


def row_tint(color: str, alpha: int = 34) -> QColor | None:
    """A light background for a tree row of this colour (None: no colour)."""
    color = normalized(color)
    if not color:
        return None
    tint = QColor(color)
    tint.setAlpha(alpha)
    return tint


def tint_tabs(tabs: QTabWidget, color: str, owner: str = "") -> None:
    """Mark every tab of `tabs` as belonging to a connection: its colour as the tab's icon
    and as a line along the top of the page, and its name in the tab's tooltip."""
    color = normalized(color)
    for i in range(tabs.count()):
        tabs.setTabIcon(i, swatch_icon(color, 12) if color else QIcon())
        tabs.setTabToolTip(i, f"Connection: {owner}" if owner else "")
    name = tabs.objectName() or "connectionTabs"
    tabs.setObjectName(name)
    tabs.setStyleSheet(
        f"QTabWidget#{name}::pane {{ border: 1px solid #c4c8d0; border-top: 3px solid {color};"
        " top: -1px; }" if color else "")
    tabs.setProperty("connectionColor", color)


__all__ = ["PALETTE", "badged_icon", "color_name", "normalized", "row_tint", "swatch_icon",
           "tint_tabs"]
