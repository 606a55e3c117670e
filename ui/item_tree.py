"""A read-only tree of one item: each attribute's name, type and value, maps and lists opened."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.codec import TYPE_NAMES, display, path_text

Index = QModelIndex | QPersistentModelIndex
Item = dict[str, dict[str, Any]]

NAME, TYPE, VALUE = range(3)
HEADERS = ("Attribute", "Type", "Value")
PATH_ROLE = Qt.ItemDataRole.UserRole + 1  # the attribute path, e.g. "address.geo.lat"
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2  # the AttributeValue itself

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TYPE_COLOUR = QBrush(QColor("#5c6474"))
_VALUE_COLOURS = {
    "N": QBrush(QColor("#0b5cad")), "NS": QBrush(QColor("#0b5cad")),
    "BOOL": QBrush(QColor("#8a3ffc")), "NULL": QBrush(QColor("#8a8a8a")),
    "B": QBrush(QColor("#7a5b00")), "BS": QBrush(QColor("#7a5b00")),
    "SS": QBrush(QColor("#1d6b38")),
}


class _Node:
    """One value in the tree; the root holds the item's attributes."""

    __slots__ = ("children", "label", "parent", "parts", "row", "type", "value")

    def __init__(self, parent: _Node | None, row: int, label: str,
                 parts: tuple[str | int, ...], value: Any) -> None:
        self.parent = parent
        self.row = row
        self.label = label
        self.parts = parts
        self.value = value
        self.type = next(iter(value), "") if isinstance(value, dict) and len(value) == 1 else ""
        self.children: list[_Node] = []
        payload = value.get(self.type) if self.type else None
        if self.type == "M" and isinstance(payload, dict):
            for i, (name, member) in enumerate(payload.items()):
                self.children.append(_Node(self, i, name, (*parts, name), member))
        elif self.type == "L" and isinstance(payload, list):
            for i, member in enumerate(payload):
                self.children.append(_Node(self, i, f"[{i}]", (*parts, i), member))


def _root(item: Item) -> _Node:
    root = _Node(None, 0, "", (), {})
    root.children = [_Node(root, i, name, (name,), value)
                     for i, (name, value) in enumerate(item.items())]
    return root


class ItemTreeModel(QAbstractItemModel):
    """Attribute, Type and Value columns over one item; nothing in it is editable."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = _root({})

    def set_item(self, item: Item) -> None:
        self.beginResetModel()
        self._root = _root(item)
        self.endResetModel()

    def _node(self, index: Index) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    # --- Qt's model interface ----------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        node = self._node(parent)
        if 0 <= row < len(node.children) and 0 <= column < len(HEADERS):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node: _Node = index.internalPointer()
        up = node.parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(HEADERS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        column = index.column()
        if role == _DISPLAY:
            if column == NAME:
                return node.label
            if column == TYPE:
                return node.type
            return display(node.value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == TYPE:
                return TYPE_NAMES.get(node.type, node.type)
            if column == VALUE:
                return display(node.value, limit=2000)
            return path_text(node.parts)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == TYPE:
                return _TYPE_COLOUR
            if column == VALUE:
                return _VALUE_COLOURS.get(node.type)
            return None
        if role == PATH_ROLE:
            return path_text(node.parts)
        if role == VALUE_ROLE:
            return node.value
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == _DISPLAY
                and 0 <= section < len(HEADERS)):
            return HEADERS[section]
        return None
