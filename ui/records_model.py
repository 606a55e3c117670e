"""The stream records list's model: time, event, keys and size, filtered inside the model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from app.codec import display
from app.streams import EVENTS, Record

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Time (UTC)", "Event", "Keys", "Size")
TIME, EVENT, KEYS, SIZE = range(4)
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1  # the `Record` itself

#: text and background colour per event, readable on the light theme
EVENT_COLOURS = {
    "INSERT": ("#14532d", "#dcfce7"),
    "MODIFY": ("#1e3a8a", "#dbeafe"),
    "REMOVE": ("#7f1d1d", "#fee2e2"),
}
KEY_TEXT_LIMIT = 120

_DISPLAY = Qt.ItemDataRole.DisplayRole
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter)
_FOREGROUND = {e: QBrush(QColor(fg)) for e, (fg, _bg) in EVENT_COLOURS.items()}
_BACKGROUND = {e: QBrush(QColor(bg)) for e, (_fg, bg) in EVENT_COLOURS.items()}


def keys_text(keys: dict[str, dict[str, Any]], limit: int = KEY_TEXT_LIMIT) -> str:
    """``customer_id=user-0001, order_date=2025-01-02``: a record's keys on one line."""
    text = ", ".join(f"{name}={display(value, limit)}" for name, value in keys.items())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def size_text(n: int) -> str:
    return f"{n:,} B" if n < 10_240 else f"{n / 1024:,.1f} KB"


class _Row(NamedTuple):
    record: Record
    time: str
    keys: str
    size: str
    search: str  # the keys' text in lower case, for the key filter


def _row(record: Record) -> _Row:
    when = f"{record.created:%Y-%m-%d %H:%M:%S}" if record.created else "—"
    keys = keys_text(record.keys, limit=10_000)
    shown = keys if len(keys) <= KEY_TEXT_LIMIT else keys[:KEY_TEXT_LIMIT - 1] + "…"
    return _Row(record, when, shown, size_text(record.size_bytes), keys.casefold())


class RecordsModel(QAbstractTableModel):
    """Stream records in the order they were read (shard by shard, by sequence number).

    Every record read is kept (`records()`); the rows shown are those that pass the
    filters: the event types checked (`set_events`) and a piece of text in the keys
    (`set_key_text`, case-insensitive). A record read twice (the same event ID, e.g. from
    history and from the live tail) is kept once.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[_Row] = []
        self._shown: list[_Row] = []
        self._ids: set[str] = set()
        self._per_shard: Counter[str] = Counter()
        self._events: frozenset[str] = frozenset(EVENTS)
        self._key_text = ""

    # --- content -----------------------------------------------------------------------

    def clear(self) -> None:
        self.beginResetModel()
        self._all, self._shown, self._ids = [], [], set()
        self._per_shard = Counter()
        self.endResetModel()

    def append(self, records: Iterable[Record]) -> int:
        """Add records (dropping ones already here); returns how many were new."""
        new: list[_Row] = []
        for r in records:
            if r.event_id and r.event_id in self._ids:
                continue
            if r.event_id:
                self._ids.add(r.event_id)
            new.append(_row(r))
            self._per_shard[r.shard_id] += 1
        if not new:
            return 0
        self._all.extend(new)
        shown = [row for row in new if self._passes(row)]
        if shown:
            first = len(self._shown)
            self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
            self._shown.extend(shown)
            self.endInsertRows()
        return len(new)

    def records(self) -> list[Record]:
        """Every record read, filtered or not."""
        return [row.record for row in self._all]

    def shown(self) -> list[Record]:
        """The records that pass the filters, as listed."""
        return [row.record for row in self._shown]

    def record(self, row: int) -> Record:
        return self._shown[row].record

    def row_of(self, event_id: str) -> int:
        """The row showing the record with `event_id`, or -1."""
        return next((i for i, row in enumerate(self._shown)
                     if row.record.event_id == event_id), -1)

    def positions(self) -> dict[str, str]:
        """The last sequence number read per shard (where a live tail goes on from)."""
        out: dict[str, tuple[int, str]] = {}
        for row in self._all:
            r = row.record
            if r.shard_id and r.sequence_number and (
                    r.shard_id not in out or r.sequence > out[r.shard_id][0]):
                out[r.shard_id] = (r.sequence, r.sequence_number)
        return {shard: seq for shard, (_n, seq) in out.items()}

    def shard_counts(self) -> dict[str, int]:
        """Records read per shard."""
        return dict(self._per_shard)

    def counts(self) -> dict[str, int]:
        """Records read per event type."""
        found = dict.fromkeys(EVENTS, 0)
        for row in self._all:
            found[row.record.event_name] = found.get(row.record.event_name, 0) + 1
        return found

    # --- filters -----------------------------------------------------------------------

    @property
    def events(self) -> frozenset[str]:
        return self._events

    @property
    def key_text(self) -> str:
        return self._key_text

    def set_events(self, events: Sequence[str] | set[str] | frozenset[str]) -> None:
        events = frozenset(events)
        if events != self._events:
            self._events = events
            self._refilter()

    def set_key_text(self, text: str) -> None:
        text = text.strip().casefold()
        if text != self._key_text:
            self._key_text = text
            self._refilter()

    def _passes(self, row: _Row) -> bool:
        return (row.record.event_name in self._events
                and (not self._key_text or self._key_text in row.search))

    def _refilter(self) -> None:
        self.beginResetModel()
        self._shown = [row for row in self._all if self._passes(row)]
        self.endResetModel()

    # --- Qt's model interface ----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = self._shown[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return (row.time, row.record.event_name, row.keys, row.size)[column]
        event = row.record.event_name
        if role == Qt.ItemDataRole.ForegroundRole:
            return _FOREGROUND.get(event) if column == EVENT else None
        if role == Qt.ItemDataRole.BackgroundRole:
            return _BACKGROUND.get(event) if column == EVENT else None
        if role == Qt.ItemDataRole.FontRole:
            if column == EVENT:
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == SIZE:
                return _RIGHT
            return _CENTRE if column == EVENT else None
        if role == Qt.ItemDataRole.ToolTipRole:
            r = row.record
            who = " (deleted by TTL)" if r.by_ttl else ""
            return (f"{r.event_name}{who} · sequence {r.sequence_number} · {r.shard_id}\n"
                    f"{keys_text(r.keys, limit=2000)}")
        if role == RECORD_ROLE:
            return row.record
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == _DISPLAY else None
        if role == _DISPLAY and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None


__all__ = ["COLUMNS", "EVENT_COLOURS", "RECORD_ROLE", "RecordsModel", "keys_text", "size_text"]
