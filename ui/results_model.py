"""The results grid's model: rows of items, columns that grow as new attributes appear."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from app.codec import display

Index = QModelIndex | QPersistentModelIndex
Item = dict[str, dict[str, Any]]

VALUE_ROLE = Qt.ItemDataRole.UserRole + 1  # the AttributeValue itself, or None
TYPE_ROLE = Qt.ItemDataRole.UserRole + 2  # its type code ("S", "N", ...) or ""
MAX_CELL_TEXT = 200  # longer text is cut for display; the tooltip and editor have it all

_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_MISSING = QBrush(QColor("#9a9a9a"))
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

    # --- content -----------------------------------------------------------------------

    def reset(self, key_attributes: Sequence[str] = ()) -> None:
        """Empty the grid for a new run; `key_attributes` are shown first, in order."""
        self.beginResetModel()
        self._rows = []
        self._keys = list(dict.fromkeys(key_attributes))
        self._columns = list(self._keys)
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

    # --- Qt's model interface ----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()].get(self._columns[index.column()])
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
            return f"{name} (key attribute)" if name in self._keys else name
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        name = self._columns[column]
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
