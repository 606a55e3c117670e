"""Time to live in the UI: the table's setting, an "expires" cell, and a histogram of expiries.

- `expires_cell(item, attribute, now)` is what the results grid's "expires" column shows
  for one item: relative and absolute time, a tooltip that explains the state, and whether
  the item is expired (and not yet deleted) or ignored by the TTL process.
- `hide_expired_condition(attribute, now)` is the filter the "hide expired" switch adds
  to a request: ``spec.filter & hide_expired_condition(...)`` (see `app.ttl.not_expired`).
- `TtlPanel` shows the setting (status, attribute), changes it after a confirmation that
  quotes `app.ttl.CHANGE_NOTE`, and holds an `ExpiryHistogram` of the items loaded.
- `ExpiryHistogram` paints counts per hour/day/week/... with QPainter (no QtCharts in
  PySide6-Essentials): expired and live stacked in two colours, a "now" line, a legend,
  axis labels that never overlap, and a caption with what was ignored or missing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.catalog import TableInfo
from app.codec import TYPE_NAMES, display
from app.connections import Connection, run_blocking
from app.errors import DynascopeError
from app.expressions import Condition
from app.ttl import (
    CHANGE_NOTE,
    EXPIRED,
    EXPIRES,
    FAR_FUTURE,
    FAR_PAST,
    MILLISECONDS,
    NO_ATTRIBUTE,
    NOT_A_NUMBER,
    Bin,
    Expiry,
    Histogram,
    TtlStatus,
    absolute_text,
    describe_ttl,
    disable_ttl,
    enable_ttl,
    expiries,
    expiry,
    expiry_text,
    histogram,
    not_expired,
    relative_text,
)
from ui.dialogs import Confirm, ask_confirm
from ui.tasks import Tasks, user_message

Item = dict[str, dict[str, Any]]

DEFAULT_ATTRIBUTE = "expires_at"

#: colours of the histogram and the "expires" column
EXPIRED_COLOUR = "#c2410c"  # expired, not yet deleted
LIVE_COLOUR = "#2563eb"  # still to expire
IGNORED_COLOUR = "#8a6d00"  # values the TTL process ignores
NOW_COLOUR = "#111827"
GRID_COLOUR = "#e5e7eb"
AXIS_COLOUR = "#6b7280"
TEXT_COLOUR = "#1f2937"
ERROR_STYLE = "color: #b3261e;"
MUTED_STYLE = "color: #5c6474;"

#: `confirm(title, text) -> bool`, asked before a change of the setting
#: `ask_attribute(default) -> attribute name or None`
AskAttribute = Callable[[str], "str | None"]


# ------------------------------------------------------------------ the grid's cell

class ExpiresCell(NamedTuple):
    """One item's "expires" cell: text, tooltip, and how to mark the row."""

    text: str
    tooltip: str
    #: expired and due for deletion (reads still return it): mark the row
    expired: bool
    #: the TTL process will never delete the item for this value
    ignored: bool
    #: the `app.ttl` state (EXPIRES, EXPIRED, NOT_A_NUMBER, MILLISECONDS, ...)
    state: str
    #: for sorting: the expiry time (None when it is not a date: sort those last)
    at: datetime | None


_DELETION = ("DynamoDB deletes expired items in the background, typically within a few "
             "days; until then reads, queries and scans still return them.")


def _raw(value: Any) -> str:
    if isinstance(value, dict) and len(value) == 1:
        kind = next(iter(value))
        return f"{display(value)} ({TYPE_NAMES.get(kind, kind)})"
    return "?"


def expires_cell(item: Item, attribute: str | None, now: datetime) -> ExpiresCell:
    """What the "expires" column shows for `item` at `now` (an aware datetime).

    The text is relative and absolute (``in 3 h 12 min · 2026-11-25 14:03:07 UTC``,
    ``expired 2 days ago · …``) or says why TTL ignores the value; the tooltip explains.
    """
    return expires_cell_of(expiry(item, attribute, now), attribute or "")


def expires_cell_of(e: Expiry, attribute: str) -> ExpiresCell:
    """`expires_cell` for an `Expiry` already computed (e.g. cached by the grid's model)."""
    raw = _raw(e.value)
    if e.state == NO_ATTRIBUTE:
        text = ""
        tip = (f"No {attribute} attribute: TTL never deletes this item." if attribute
               else "The table has no TTL attribute.")
    elif e.state == EXPIRES and e.at is not None and e.left is not None:
        text = f"{relative_text(e.left)} · {absolute_text(e.at)}"
        tip = (f"{attribute} = {raw}\nExpires {absolute_text(e.at)} ({relative_text(e.left)}); "
               f"DynamoDB deletes it within a few days after that.")
    elif e.state == EXPIRED and e.at is not None:
        text = f"{expiry_text(e)} · {absolute_text(e.at)}"
        tip = (f"{attribute} = {raw}\nExpired {absolute_text(e.at)}: expired, not yet "
               f"deleted. {_DELETION}")
    elif e.state == MILLISECONDS:
        text = expiry_text(e)
        meant = absolute_text(e.intended) if e.intended else "?"
        year = f"the year {e.at.year:,}" if e.at else "far in the future"
        tip = (f"{attribute} = {raw}\nRead as epoch seconds (as TTL reads it) this is {year}, "
               f"so TTL will never delete the item. As milliseconds it would be {meant}: "
               "write epoch seconds instead.")
    elif e.state == NOT_A_NUMBER:
        text = expiry_text(e)
        tip = (f"{attribute} = {raw}\nTTL reads only a top-level Number holding epoch "
               "seconds; it ignores this item and never deletes it.")
    elif e.state == FAR_PAST:
        when = f" · {absolute_text(e.at)}" if e.at else ""
        text = f"{expiry_text(e)}{when}"
        tip = (f"{attribute} = {raw}\nMore than five years in the past: DynamoDB's TTL "
               "process ignores such values and never deletes the item.")
    elif e.state == FAR_FUTURE:
        text = expiry_text(e)
        tip = (f"{attribute} = {raw}\nMore than 100 years ahead (microseconds, nanoseconds "
               "or a sentinel?): in practice the item never expires.")
    else:  # pragma: no cover - every state is handled above
        text, tip = expiry_text(e), f"{attribute} = {raw}"
    return ExpiresCell(text, tip, e.expired, e.ignored, e.state, e.at)


def expires_colour(cell: ExpiresCell) -> QColor | None:
    """The text colour of an "expires" cell: expired red-orange, ignored ochre."""
    if cell.expired:
        return QColor(EXPIRED_COLOUR)
    if cell.ignored:
        return QColor(IGNORED_COLOUR)
    return None


def hide_expired_condition(attribute: str, now: datetime | None = None) -> Condition:
    """The "hide expired" switch's filter: keeps every item that is not expired (and not
    yet deleted) at `now` (default: the current time). AND it into the request's filter:

        cond = hide_expired_condition(info.ttl_attribute)
        spec = dataclasses.replace(spec, filter=cond if spec.filter is None
                                   else spec.filter & cond)
    """
    return not_expired(attribute, now or datetime.now(UTC))


# ------------------------------------------------------------------ the histogram

def expiry_bins(items: Iterable[Item], attribute: str | None,
                now: datetime) -> tuple[list[Expiry], Histogram]:
    """Every item's `Expiry` and their histogram (pure: safe on a worker thread)."""
    found = expiries(items, attribute, now) if attribute else []
    return found, histogram(found, now)


def _nice_step(peak: int, ticks: int = 5) -> int:
    """1, 2, 5, 10, 20, 50, ...: the smallest step that needs at most `ticks` ticks."""
    if peak <= ticks:
        return 1
    raw = peak / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * magnitude >= raw:
            return int(m * magnitude)
    return int(10 * magnitude)  # pragma: no cover


def _y_scale(peak: int, ticks: int = 5) -> tuple[int, int]:
    """(tick step, top of the axis): the top always above the peak, so the count over
    the tallest bar has room."""
    step = _nice_step(max(peak, 1), ticks)
    return step, (max(peak, 1) // step + 1) * step


#: label steps (in bins) that fall on round times, per unit
_STEPS = {
    "hour": (1, 2, 3, 6, 12, 24, 48, 72, 168, 336),
    "day": (1, 2, 7, 14, 28, 56, 91, 182, 364),
    "week": (1, 2, 4, 8, 13, 26, 52),
    "month": (1, 2, 3, 6, 12, 24),
    "year": (1, 2, 5, 10, 20, 50, 100),
}


def _label(at: datetime, unit: str, first: bool) -> str:
    if unit == "hour":
        return f"{at:%b %d}" if first or (at.hour == 0 and at.minute == 0) else f"{at:%H:%M}"
    if unit in ("day", "week"):
        return f"{at:%b %d}"
    if unit == "month":
        return f"{at:%b %Y}"
    return f"{at:%Y}"


class ExpiryHistogram(QWidget):
    """Counts of expiry times per bin (hour, day, week, 30 or 365 days, as
    `app.ttl.histogram` chooses), expired and live stacked in two colours, with the now
    line, a legend, axis labels that never overlap and a caption."""

    MARGIN = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("expiryHistogram")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.attribute = ""
        self.expiries: list[Expiry] = []
        self.histogram: Histogram | None = None
        self.empty_text = "No items loaded."

    # --- data --------------------------------------------------------------------------

    def set_items(self, items: Iterable[Item], attribute: str | None, now: datetime) -> None:
        """Bin the expiry times of `items` (their `attribute`) as they stand at `now`
        (here and now; for many items compute `expiry_bins` off the GUI thread and pass
        its result to `show_bins`)."""
        self.show_bins(attribute, *expiry_bins(items, attribute, now))

    def show_bins(self, attribute: str | None, found: list[Expiry], bins: Histogram) -> None:
        """Show what `expiry_bins` computed."""
        self.attribute = attribute or ""
        self.expiries = found
        self.histogram = bins
        if not attribute:
            self.empty_text = "No TTL attribute: nothing expires."
        elif not self.expiries:
            self.empty_text = "No items loaded: read some in the Items tab."
        else:
            self.empty_text = f"None of the loaded items has a time in {self.attribute}."
        self.update()

    def clear(self, text: str = "No items loaded.") -> None:
        self.expiries, self.histogram, self.empty_text = [], None, text
        self.update()

    @property
    def counts(self) -> dict[str, int]:
        """Items per `app.ttl` state."""
        found: dict[str, int] = {}
        for e in self.expiries:
            found[e.state] = found.get(e.state, 0) + 1
        return found

    def caption(self) -> str:
        h = self.histogram
        if h is None or not self.expiries:
            return ""
        timed = h.expired + h.live
        parts = [f"{len(self.expiries):,} items: {h.expired:,} expired, not yet deleted · "
                 f"{h.live:,} live"]
        if timed:
            parts[0] += f" · per {h.unit} (UTC)"
        ignored = ", ".join(f"{n:,} {state.removeprefix('ignored: ')}"
                            for state, n in sorted(h.ignored.items()))
        if ignored:
            parts.append(f"ignored by TTL: {ignored}")
        if h.missing:
            parts.append(f"{h.missing:,} without {self.attribute}")
        return " · ".join(parts)

    # --- geometry ----------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(640, 280)

    def minimumSizeHint(self) -> QSize:
        return QSize(320, 190)

    def _domain(self) -> tuple[datetime, datetime] | None:
        h = self.histogram
        if h is None or not h.bins:
            return None
        start, end = h.bins[0].start, h.bins[-1].end
        span = end - start
        # Take the now line in when it is near (the bins of expired items touch it anyway).
        if start > h.now and start - h.now <= span / 2:
            start = h.now
        if end < h.now and h.now - end <= span / 2:
            end = h.now
        return start, end

    def _legend(self, fm: QFontMetrics) -> list[tuple[QRect, str, str]]:
        """(rect of the swatch and text, text, colour) per legend entry, flowed in rows."""
        h = self.histogram
        entries = [(f"expired, not yet deleted ({h.expired:,})" if h else "expired",
                    EXPIRED_COLOUR),
                   (f"live ({h.live:,})" if h else "live", LIVE_COLOUR),
                   ("now", NOW_COLOUR)]
        out = []
        x, y = self.MARGIN, self.MARGIN
        line = fm.height()
        for text, colour in entries:
            w = line + 4 + fm.horizontalAdvance(text)
            if x > self.MARGIN and x + w > self.width() - self.MARGIN:
                x, y = self.MARGIN, y + line + 4
            out.append((QRect(x, y, w, line), text, colour))
            x += w + 16
        return out

    def _layout(self, fm: QFontMetrics) -> tuple[QRect, QRect, list[tuple[QRect, str, str]]]:
        """The plot area, the caption's rect and the legend."""
        legend = self._legend(fm)
        top = (legend[-1][0].bottom() if legend else self.MARGIN) + 10
        caption = self.caption()
        width = self.width() - 2 * self.MARGIN
        cap_h = fm.boundingRect(QRect(0, 0, max(width, 1), 1000),
                                Qt.TextFlag.TextWordWrap, caption).height() if caption else 0
        cap_rect = QRect(self.MARGIN, self.height() - self.MARGIN - cap_h, width, cap_h)
        _step, top_tick = _y_scale(self.histogram.peak if self.histogram else 0,
                                   self._ticks(fm))
        left = self.MARGIN + fm.horizontalAdvance(f"{top_tick:,}") + 6
        bottom = cap_rect.top() - 6 - fm.height() - 6  # x labels above the caption
        plot = QRect(QPoint(left, top + fm.height() // 2),
                     QPoint(self.width() - self.MARGIN - 4, bottom))
        return plot, cap_rect, legend

    def _ticks(self, fm: QFontMetrics) -> int:
        """How many y ticks fit one above the other with room between their labels."""
        plot_height = self.height() - 2 * self.MARGIN - 5 * fm.height() - 30
        return max(1, min(5, plot_height // (2 * fm.height())))

    def _x(self, plot: QRect, at: datetime, domain: tuple[datetime, datetime]) -> float:
        start, end = domain
        span = (end - start).total_seconds() or 1.0
        return plot.left() + (at - start).total_seconds() / span * plot.width()

    def x_labels(self) -> list[tuple[QRect, str]]:
        """The x axis labels as drawn at the current size: never overlapping, never cut."""
        fm = QFontMetrics(self.font())
        plot, _cap, _legend = self._layout(fm)
        return self._x_labels(plot, fm)

    def _x_labels(self, plot: QRect, fm: QFontMetrics) -> list[tuple[QRect, str]]:
        h = self.histogram
        domain = self._domain()
        if h is None or domain is None:
            return []
        bin_px = plot.width() / max(len(h.bins), 1)
        sample = fm.horizontalAdvance(_label(h.bins[0].start, h.unit, True)) + 12
        steps = _STEPS.get(h.unit, (1,))
        step = next((s for s in steps if s * bin_px >= sample), steps[-1])
        y = plot.bottom() + 6
        out: list[tuple[QRect, str]] = []
        boundaries = [b.start for b in h.bins] + [h.bins[-1].end]
        for i, at in enumerate(boundaries):
            if h.unit == "hour":
                aligned = (at.hour % step == 0) if step < 24 else (
                    at.hour == 0 and (at - boundaries[0]).days % (step // 24) == 0)
            else:
                aligned = i % step == 0
            if not aligned:
                continue
            text = _label(at, h.unit, not out)
            w = fm.horizontalAdvance(text)
            x = round(self._x(plot, at, domain) - w / 2)
            x = max(0, min(x, self.width() - w - 1))
            rect = QRect(x, y, w, fm.height())
            if out and rect.left() < out[-1][0].right() + 8:
                continue  # would touch the label before: leave it out
            out.append((rect, text))
        return out

    def plot_rect(self) -> QRect:
        """Where the bars are drawn at the current size."""
        return self._layout(QFontMetrics(self.font()))[0]

    def now_x(self) -> int | None:
        """The x of the now line at the current size (None when now is off the axis)."""
        h, domain = self.histogram, self._domain()
        if h is None or domain is None or not domain[0] <= h.now <= domain[1]:
            return None
        return round(self._x(self.plot_rect(), h.now, domain))

    def bin_at(self, pos: QPoint) -> Bin | None:
        """The bin drawn under `pos` (for tooltips)."""
        h = self.histogram
        domain = self._domain()
        if h is None or domain is None:
            return None
        plot, _cap, _legend = self._layout(QFontMetrics(self.font()))
        if not plot.contains(pos):
            return None
        for b in h.bins:
            if self._x(plot, b.start, domain) <= pos.x() < self._x(plot, b.end, domain):
                return b
        return None

    # --- painting ----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.fillRect(self.rect(), QColor("#ffffff"))
            fm = QFontMetrics(self.font())
            plot, cap_rect, legend = self._layout(fm)
            self._paint_legend(p, legend)
            h = self.histogram
            domain = self._domain()
            if h is None or domain is None or plot.width() < 10 or plot.height() < 10:
                p.setPen(QColor(AXIS_COLOUR))
                p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            else:
                self._paint_plot(p, fm, plot, h, domain)
            caption = self.caption()
            if caption:
                p.setPen(QColor(TEXT_COLOUR))
                p.drawText(cap_rect, int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft),
                           caption)
        finally:
            p.end()

    def _paint_legend(self, p: QPainter, legend: list[tuple[QRect, str, str]]) -> None:
        for rect, text, colour in legend:
            side = rect.height() - 4
            swatch = QRect(rect.left(), rect.top() + 2, side, side)
            if text == "now":
                p.setPen(QPen(QColor(colour), 2, Qt.PenStyle.DashLine))
                p.drawLine(swatch.center().x(), swatch.top(), swatch.center().x(),
                           swatch.bottom())
            else:
                p.fillRect(swatch, QColor(colour))
            p.setPen(QColor(TEXT_COLOUR))
            p.drawText(QRect(swatch.right() + 5, rect.top(), rect.width() - side - 4,
                             rect.height()), int(Qt.AlignmentFlag.AlignVCenter), text)

    def _paint_plot(self, p: QPainter, fm: QFontMetrics, plot: QRect, h: Histogram,
                    domain: tuple[datetime, datetime]) -> None:
        step, top_tick = _y_scale(h.peak, self._ticks(fm))

        def y(value: float) -> float:
            return plot.bottom() - value / top_tick * plot.height()

        # grid and y labels
        for value in range(0, top_tick + 1, step):
            yy = round(y(value))
            p.setPen(QPen(QColor(GRID_COLOUR if value else AXIS_COLOUR), 1))
            p.drawLine(plot.left(), yy, plot.right(), yy)
            p.setPen(QColor(AXIS_COLOUR))
            p.drawText(QRect(self.MARGIN, yy - fm.height() // 2, plot.left() - self.MARGIN - 6,
                             fm.height()),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                       f"{value:,}")
        # bars: expired at the bottom, live stacked on top
        expired, live = QColor(EXPIRED_COLOUR), QColor(LIVE_COLOUR)
        counts: list[tuple[QRect, str]] = []
        widest = fm.horizontalAdvance(f"{h.peak:,}")
        narrowest = min(self._x(plot, b.end, domain) - self._x(plot, b.start, domain)
                        for b in h.bins)
        show_counts = widest + 6 <= narrowest  # on every bar or on none
        for b in h.bins:
            x0 = self._x(plot, b.start, domain)
            x1 = self._x(plot, b.end, domain)
            gap = 1 if x1 - x0 > 4 else 0
            left, width = round(x0) + gap, max(1, round(x1) - round(x0) - gap)
            if b.expired:
                top = round(y(b.expired))
                p.fillRect(QRect(left, top, width, plot.bottom() - top), expired)
            if b.live:
                base = round(y(b.expired))
                top = round(y(b.expired + b.live))
                p.fillRect(QRect(left, top, width, base - top), live)
            label = f"{b.total:,}"
            w = fm.horizontalAdvance(label)
            if b.total and show_counts:
                top = round(y(b.total))
                counts.append((QRect(left + (width - w) // 2, top - fm.height() - 1, w,
                                     fm.height()), label))
        # x axis ticks and labels
        p.setPen(QPen(QColor(AXIS_COLOUR), 1))
        for rect, text in self._x_labels(plot, fm):
            p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
            centre = rect.center().x()
            p.drawLine(centre, plot.bottom(), centre, plot.bottom() + 4)
        # now
        start = domain[0]
        xn = self.now_x()
        if xn is not None:
            p.setPen(QPen(QColor(NOW_COLOUR), 2, Qt.PenStyle.DashLine))
            p.drawLine(xn, plot.top(), xn, plot.bottom())
            label = "now"
            w = fm.horizontalAdvance(label)
            lx = xn + 4 if xn + 4 + w < plot.right() else xn - 4 - w
            p.setPen(QColor(NOW_COLOUR))
            p.drawText(QRect(lx, plot.top(), w, fm.height()), 0, label)
        else:
            label = "now ◀" if h.now < start else "now ▶"
            w = fm.horizontalAdvance(label)
            lx = plot.left() + 2 if h.now < start else plot.right() - w - 2
            p.setPen(QColor(NOW_COLOUR))
            p.drawText(QRect(lx, plot.top(), w, fm.height()), 0, label)
        # the count over each bar, on white so the now line never crosses it
        p.setPen(QColor(AXIS_COLOUR))
        for rect, label in counts:
            p.fillRect(rect.adjusted(-1, 0, 1, 0), QColor("#ffffff"))
            p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label)

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            b = self.bin_at(e.pos())
            if b is None:
                QToolTip.hideText()
                e.ignore()
                return True
            QToolTip.showText(e.globalPos(), f"{absolute_text(b.start)} – "
                                             f"{absolute_text(b.end)}\n{b.expired:,} expired, "
                                             f"not yet deleted · {b.live:,} live", self)
            return True
        return super().event(e)


# ------------------------------------------------------------------ the panel

def _ask_attribute(parent: QWidget) -> AskAttribute:
    def ask(default: str) -> str | None:
        text, ok = QInputDialog.getText(
            parent, "Enable time to live",
            "The top-level Number attribute that holds each item's expiry time, in epoch "
            "seconds:", QLineEdit.EchoMode.Normal, default)
        return text.strip() if ok and text.strip() else None
    return ask


class TtlPanel(QWidget):
    """The table's TTL setting with Enable / Disable, and the expiry histogram of the
    items loaded (`set_items`, or `watch_items` for a source read when it changes)."""

    #: the setting read back after a change (`app.ttl.TtlStatus`)
    ttlChanged = Signal(object)
    #: (message, hint) of anything that failed
    failed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ttlPanel")
        self.confirm: Confirm = ask_confirm(self)
        self.ask_attribute: AskAttribute = _ask_attribute(self)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.tasks = Tasks(self._task_failed)
        self._conn: Connection | None = None
        self._table = ""
        self.ttl = TtlStatus("unknown", "")
        self._source: Callable[[], Sequence[Item]] | None = None
        self._stale_items = False
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._read_source)

        heading = QLabel("Time to live")
        heading.setObjectName("sectionHeading")
        self.status = QLabel("No table.")
        self.status.setObjectName("ttlStatus")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.enable_button = QPushButton("Enable…")
        self.enable_button.setObjectName("enableTtl")
        self.disable_button = QPushButton("Disable…")
        self.disable_button.setObjectName("disableTtl")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("refreshTtl")
        self.note = QLabel("A change can take up to an hour, and DynamoDB refuses another "
                           "change to the table's TTL until then. Expired items are deleted "
                           "within a few days; until then reads still return them.")
        self.note.setObjectName("ttlNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(MUTED_STYLE)
        self.error = QLabel()
        self.error.setObjectName("ttlError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        chart_heading = QLabel("When the loaded items expire")
        chart_heading.setObjectName("sectionHeading")
        self.histogram = ExpiryHistogram()

        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.enable_button)
        row.addWidget(self.disable_button)
        row.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(heading)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(chart_heading)
        layout.addWidget(self.histogram, 1)

        self.enable_button.clicked.connect(self.enable)
        self.disable_button.clicked.connect(self.disable)
        self.refresh_button.clicked.connect(self.refresh)
        self._update()

    # --- the table ---------------------------------------------------------------------

    @property
    def attribute(self) -> str:
        """The TTL attribute the histogram and the "expires" column read."""
        return self.ttl.attribute

    def set_table(self, conn: Connection, info: TableInfo) -> None:
        """Show `info`'s TTL setting (as described; no request is sent)."""
        if self._conn is not conn or self._table != info.name:
            self.histogram.clear()
        self._conn, self._table = conn, info.name
        self.ttl = TtlStatus(info.ttl_status, info.ttl_attribute)
        self._show_error(None)
        self._update()

    def refresh(self) -> None:
        """Read the setting again (DescribeTimeToLive)."""
        if self._conn is not None and self._table:
            self.tasks.start(self._run(describe_ttl(self._conn, self._table), False),
                             key="ttl")
            self._update()

    def enable(self) -> None:
        if self._conn is None or not self._table or self.busy:
            return
        attribute = self.ask_attribute(self.ttl.attribute or DEFAULT_ATTRIBUTE)
        if not attribute:
            return
        if not self.confirm("Enable time to live",
                            f"Expire the items of {self._table} by their {attribute} "
                            f"attribute?\n\n{CHANGE_NOTE}"):
            return
        self._show_error(None)
        self.tasks.start(self._run(enable_ttl(self._conn, self._table, attribute), True),
                         key="ttl")
        self._update()

    def disable(self) -> None:
        if self._conn is None or not self._table or self.busy:
            return
        attribute = self.ttl.attribute or None
        if not self.confirm("Disable time to live",
                            f"Stop expiring the items of {self._table}"
                            f"{f' by {attribute}' if attribute else ''}?\n\n{CHANGE_NOTE}"):
            return
        self._show_error(None)
        self.tasks.start(self._run(disable_ttl(self._conn, self._table, attribute), True),
                         key="ttl")
        self._update()

    @property
    def busy(self) -> bool:
        return self.tasks.running("ttl")

    async def _run(self, work: Any, changed: bool) -> None:
        try:
            status = await work
        finally:
            if not self._closed:
                self._update(finished=True)
        self.ttl = status
        self._update(finished=True)
        self._read_source()
        if changed:
            self.ttlChanged.emit(status)

    def shutdown(self) -> None:
        """Cancel what is running (the window is closing)."""
        self._closed = True
        self.tasks.cancel_all()
        self._timer.stop()

    # --- items -------------------------------------------------------------------------

    def set_items(self, items: Iterable[Item], now: datetime | None = None) -> None:
        """Show the expiry times of `items` by the table's TTL attribute at `now`."""
        self.histogram.set_items(items, self.attribute, now or self.clock())

    def watch_items(self, source: Callable[[], Sequence[Item]] | None) -> None:
        """Read the histogram's items from `source()` whenever `items_changed` is called
        (debounced, and only while the panel is in view)."""
        self._source = source
        self.items_changed()

    def items_changed(self, *_args: Any) -> None:
        """The watched items changed (connect the grid model's rowsInserted/modelReset)."""
        self._stale_items = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale_items:
            self._timer.start()

    def _read_source(self) -> None:
        if self._source is None or self._closed:
            return
        self._stale_items = False
        items = list(self._source())
        self.tasks.start(self._bin(items, self.attribute, self.clock()), key="histogram")

    async def _bin(self, items: list[Item], attribute: str, now: datetime) -> None:
        # 100,000 items take about a second and a half: not on the GUI thread.
        result = await run_blocking(expiry_bins, items, attribute, now)
        if not self._closed:
            self.histogram.show_bins(attribute, *result)

    # --- state -------------------------------------------------------------------------

    def _update(self, finished: bool = False) -> None:
        busy = self.busy and not finished
        t = self.ttl
        if not self._table:
            self.status.setText("No table.")
        elif t.status == "unknown":
            self.status.setText("<b>TTL</b>: could not be read")
        elif t.enabled:
            self.status.setText(f"<b>TTL</b>: {t.status} on <b>{t.attribute}</b>")
        else:
            extra = f" (was on {t.attribute})" if t.attribute else ""
            self.status.setText(f"<b>TTL</b>: {t.status}{extra}")
        if busy:
            self.status.setText(self.status.text() + " · changing…")
        has_table = bool(self._table) and self._conn is not None
        self.enable_button.setEnabled(has_table and not busy and not t.enabled)
        self.disable_button.setEnabled(has_table and not busy and t.enabled)
        self.refresh_button.setEnabled(has_table and not busy)

    def _show_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))

    def _task_failed(self, exc: BaseException) -> None:
        if self._closed and isinstance(exc, DynascopeError):
            return  # failed while the window closed: nobody to tell
        message, hint = user_message(exc)
        self._show_error(f"{message} {hint}".strip())
        self._update()
        self.failed.emit(message, hint)
        if not isinstance(exc, DynascopeError):
            raise exc


__all__ = ["DEFAULT_ATTRIBUTE", "EXPIRED_COLOUR", "IGNORED_COLOUR", "LIVE_COLOUR", "NOW_COLOUR",
           "ExpiresCell", "ExpiryHistogram", "TtlPanel", "expires_cell", "expires_cell_of",
           "expires_colour", "expiry_bins", "hide_expired_condition"]
