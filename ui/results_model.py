"""The results grid's model: rows of items, columns that grow as new attributes appear."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from app.codec import display, number
from app.ttl import Expiry, absolute_text, expiry, expiry_text

Index = QModelIndex | QPersistentModelIndex
Item = dict[str, dict[str, Any]]

VALUE_ROLE = Qt.ItemDataRole.UserRole + 1  # the AttributeValue itself, or None
TYPE_ROLE = Qt.ItemDataRole.UserRole + 2  # its type code ("S", "N", ...) or ""
MAX_CELL_TEXT = 200  # longer text is cut for display; the tooltip and editor have it all

_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_MISSING = QBrush(QColor("#9a9a9a"))
_EXPIRED_ROW = QBrush(QColor("#fde8e6"))
_EXPIRED_TEXT = QBrush(QColor("#b3261e"))
_IGNORED_TEXT = QBrush(QColor("#8a6d00"))
EXPIRES = "⏱ expires"  # the virtual column's header
_TYPE_COLOURS = {
    "N": QBrush(QColor("#0b5cad")),
    "BOOL": QBrush(QColor("#8a3ffc")),
    "NULL": QBrush(QColor("#8a8a8a")),
    "B": QBrush(QColor("#7a5b00")),
    "BS": QBrush(QColor("#7a5b00")),
    "SS": QBrush(QColor("#1d6b38")),
    "NS": QBrush(QColor("#0b5cad")),
    "L": QBrush(QColor("#5c4b8a")),
    "M": QBrush(QColor("#5c4b8a")),
}


def _key_id(key: Item) -> tuple:
    """A primary key as a hashable value: numbers by value ("1" and "1.0" are one key)."""
    out = []
    for name, value in sorted(key.items()):
        ((typ, payload),) = value.items()
        if typ == "N":
            with contextlib.suppress(ValueError):  # not a number: compared as text
                payload = number(payload)
        elif typ == "B":
            payload = bytes(payload)
        out.append((name, typ, payload))
    return tuple(out)


def _type_of(value: dict[str, Any] | None) -> str:
    return next(iter(value)) if value else ""


def _sort_key(value: dict[str, Any]) -> tuple:
    """Numbers by value, then strings, then other types grouped and by their text."""
    kind = _type_of(value)
    if kind == "N":
        try:
            return (0, "", Decimal(value["N"]), "")
        except InvalidOperation:
            pass
    if kind == "S":
        return (1, "", Decimal(0), value["S"])
    return (2, kind, Decimal(0), display(value))


class ResultsModel(QAbstractTableModel):
    """Items as rows. Key attributes come first, then every other attribute in the order
    it was first seen. Rows arrive in batches (`append`); sorting happens inside the
    model on the rows already loaded (a proxy model would call `data()` millions of
    times on a big result)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Item] = []
        self._columns: list[str] = []
        self._column_of: dict[str, int] = {}
        self._keys: list[str] = []
        self._ttl: str | None = None  # the TTL attribute, when the table has one
        self._now: datetime | None = None
        self._expiry: dict[int, Expiry] = {}  # by id(item): computed once per item

    # --- content -----------------------------------------------------------------------

    def reset(self, key_attributes: Sequence[str] = (), ttl_attribute: str | None = None,
              now: datetime | None = None) -> None:
        """Empty the grid for a new run; `key_attributes` are shown first, in order. With
        a `ttl_attribute`, an "expires" column follows them and expired rows are marked
        (as of `now`, default the time of the reset)."""
        self.beginResetModel()
        self._rows = []
        self._keys = list(dict.fromkeys(key_attributes))
        self._ttl = ttl_attribute
        self._now = now or datetime.now(UTC)
        self._expiry = {}
        self._columns = list(self._keys) + ([EXPIRES] if ttl_attribute else [])
        self._column_of = {name: i for i, name in enumerate(self._columns)}
        self.endResetModel()

    def append(self, items: Sequence[Item]) -> None:
        """Add a batch of rows, and a column for each attribute not seen before."""
        if not items:
            return
        new = []
        known = self._column_of
        for item in items:
            for name in item:
                if name not in known and name not in new:
                    new.append(name)
        if new:
            first = len(self._columns)
            self.beginInsertColumns(QModelIndex(), first, first + len(new) - 1)
            for name in new:
                self._column_of[name] = len(self._columns)
                self._columns.append(name)
            self.endInsertColumns()
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(items) - 1)
        self._rows.extend(items)
        self.endInsertRows()

    def rows_of(self, keys: Iterable[Item]) -> list[int]:
        """The rows holding the items with these primary keys (numbers by value)."""
        wanted = {_key_id(key) for key in keys}
        if not wanted:
            return []
        names = [name for name, _type, _payload in next(iter(wanted))]
        return [row for row, item in enumerate(self._rows)
                if all(n in item for n in names)
                and _key_id({n: item[n] for n in names}) in wanted]

    def row_of(self, key: Item) -> int:
        """The row of the item with primary key `key`, or -1 when the grid lacks it."""
        rows = self.rows_of([key])
        return rows[0] if rows else -1

    def replace_row(self, row: int, item: Item) -> None:
        """Show `item` in place of the row's item (after the editor saved it)."""
        new = [name for name in item if name not in self._column_of]
        if new:
            first = len(self._columns)
            self.beginInsertColumns(QModelIndex(), first, first + len(new) - 1)
            for name in new:
                self._column_of[name] = len(self._columns)
                self._columns.append(name)
            self.endInsertColumns()
        self._expiry.pop(id(self._rows[row]), None)
        self._rows[row] = item
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def remove_rows(self, rows: Iterable[int]) -> None:
        """Drop rows (after their items were deleted), each run of neighbours at once."""
        ordered = sorted(set(rows), reverse=True)
        while ordered:
            last = first = ordered.pop(0)
            while ordered and ordered[0] == first - 1:
                first = ordered.pop(0)
            self.beginRemoveRows(QModelIndex(), first, last)
            for item in self._rows[first:last + 1]:
                self._expiry.pop(id(item), None)
            del self._rows[first:last + 1]
            self.endRemoveRows()

    def item(self, row: int) -> Item:
        return self._rows[row]

    def items(self) -> list[Item]:
        return list(self._rows)

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    @property
    def key_attributes(self) -> list[str]:
        return list(self._keys)

    @property
    def ttl_attribute(self) -> str | None:
        return self._ttl

    def expiry(self, row: int) -> Expiry | None:
        """How the TTL process sees the row's item (None without a TTL attribute)."""
        if self._ttl is None or self._now is None:
            return None
        item = self._rows[row]
        found = self._expiry.get(id(item))
        if found is None:
            found = self._expiry[id(item)] = expiry(item, self._ttl, self._now)
        return found

    # --- Qt's model interface ----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        name = self._columns[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            e = self.expiry(index.row())
            return _EXPIRED_ROW if e is not None and e.expired else None
        if name == EXPIRES and self._ttl is not None:
            return self._expires_data(index.row(), role)
        value = self._rows[index.row()].get(name)
        if role == _DISPLAY:
            if value is None:
                return ""
            text = display(value)
            return text if len(text) <= MAX_CELL_TEXT else text[:MAX_CELL_TEXT] + "…"
        if role == Qt.ItemDataRole.ForegroundRole:
            return _TYPE_COLOURS.get(_type_of(value)) if value is not None else _MISSING
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_RIGHT if _type_of(value) == "N" else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if value is None:
                return "(no such attribute in this item)"
            text = display(value)
            return f"{_type_of(value)}: {text[:2000]}"
        if role == VALUE_ROLE:
            return value
        if role == TYPE_ROLE:
            return _type_of(value)
        return None

    def _expires_data(self, row: int, role: int) -> Any:
        e = self.expiry(row)
        assert e is not None
        if role == _DISPLAY:
            return expiry_text(e)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _EXPIRED_TEXT if e.expired else _IGNORED_TEXT if e.ignored else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if e.at is not None:
                note = " — expired; DynamoDB deletes it within a few days, reads still " \
                       "return it" if e.expired else ""
                return f"{self._ttl} = {absolute_text(e.at)}{note}"
            return f"{self._ttl}: {e.state}"
        if role == VALUE_ROLE:
            return e.value
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == _DISPLAY else None
        if section >= len(self._columns):
            return None
        name = self._columns[section]
        if role == _DISPLAY:
            return name
        if role == Qt.ItemDataRole.FontRole and name in self._keys:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if name == EXPIRES:
                return (f"When each item expires by its TTL attribute “{self._ttl}” "
                        "(not an attribute of the items)")
            return f"{name} (key attribute)" if name in self._keys else name
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        name = self._columns[column]
        if name == EXPIRES and self._ttl is not None:
            name = self._ttl  # the times sort as the numbers they are
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_rows = [id(self._rows[i.row()]) for i in old]
        present = [item for item in self._rows if name in item]
        present.sort(key=lambda item: _sort_key(item[name]),
                     reverse=order == Qt.SortOrder.DescendingOrder)
        self._rows = present + [item for item in self._rows if name not in item]  # gaps last
        if old:
            where = {id(item): row for row, item in enumerate(self._rows)}
            self.changePersistentIndexList(
                old, [self.index(where[r], i.column()) for r, i in zip(old_rows, old,
                                                                        strict=True)])
        self.layoutChanged.emit()
