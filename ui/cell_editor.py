"""Editing one value in place in the results grid: a typed editor for each scalar type.

Strings, numbers and booleans are edited in the cell (F2). A number is kept as the text
the user typed, never through float; a value DynamoDB would refuse is not accepted. Sets,
binary, lists, maps, NULL, a missing attribute and key attributes (a key change is a
move) open the full item editor instead; `inline_problem` says which and why.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.codec import TYPE_NAMES
from app.errors import DynascopeError
from app.validate import number_problem

AttributeValue = dict[str, Any]

#: the types edited in the cell itself
INLINE_TYPES = ("S", "N", "BOOL")
#: what a number looks like while it is being typed
_PARTIAL_NUMBER = re.compile(r"[+-]?\d*\.?\d*(?:[eE][+-]?\d*)?")


class CellError(DynascopeError):
    """A value typed in a cell that DynamoDB would refuse; nothing is sent."""


def inline_problem(name: str, value: AttributeValue | None, key_attributes: Any) -> \
        tuple[str, bool] | None:
    """Why the cell `name` holding `value` cannot be edited in place, and whether the item
    editor can do it instead; None when it can be edited in place."""
    if name in key_attributes:
        return (f"“{name}” is a key attribute: changing it moves the item to a new key. "
                "Do it in the item editor, which shows the move before sending it.", True)
    if value is None:
        return (f"This item has no “{name}”: add it in the item editor, where you choose "
                "its type.", True)
    (typ, payload), = value.items()
    if typ not in INLINE_TYPES:
        return (f"{TYPE_NAMES.get(typ, typ)} values are edited in the item editor.", True)
    if typ == "S" and ("\n" in payload or "\r" in payload):
        return "Text with line breaks is edited in the item editor.", True
    return None


def cell_text(value: AttributeValue) -> str:
    """The text an inline editor starts with: the exact string, digits or true/false."""
    (typ, payload), = value.items()
    if typ == "BOOL":
        return "true" if payload else "false"
    return str(payload)


def parse_cell(typ: str, text: str) -> AttributeValue:
    """The AttributeValue of type `typ` the user typed as `text`; `CellError` when
    DynamoDB would refuse it. A number keeps its digits exactly as typed."""
    if typ == "S":
        return {"S": text}
    if typ == "N":
        digits = text.strip()
        problem = number_problem(digits) if digits else "a number cannot be empty"
        if problem:
            raise CellError(f"Not saved: {digits or 'an empty value'} is not a number "
                            f"DynamoDB accepts ({problem}).",
                            "Type a number such as 42, -0.5 or 1.5E+10; it is stored exactly "
                            "as typed, without rounding.")
        return {"N": digits}
    if typ == "BOOL":
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise CellError(f"Not saved: a boolean is true or false, not “{text}”.")
        return {"BOOL": lowered == "true"}
    raise CellError(f"{TYPE_NAMES.get(typ, typ)} values are edited in the item editor.")


class NumberValidator(QValidator):
    """Accepts what DynamoDB accepts as a number; the beginnings of one are intermediate,
    so the user can type on, and anything else cannot be typed at all."""

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        stripped = text.strip()
        if stripped and number_problem(stripped) is None:
            return QValidator.State.Acceptable, text, pos
        if _PARTIAL_NUMBER.fullmatch(stripped):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos


class CellDelegate(QStyledItemDelegate):
    """Creates the typed editor of a cell and hands what was typed to the model as an
    AttributeValue (`value_role`); a value that cannot be saved goes to `rejected`."""

    #: (message, hint) of a typed value that cannot be saved; nothing was sent
    rejected = Signal(str, str)

    def __init__(self, type_role: int, value_role: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._type_role = type_role
        self._value_role = value_role

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex) -> QWidget:
        typ = index.data(self._type_role)
        if typ == "BOOL":
            box = QComboBox(parent)
            box.setObjectName("cellEditor")
            box.addItems(["true", "false"])
            return box
        line = QLineEdit(parent)
        line.setObjectName("cellEditor")
        line.setFrame(False)
        if typ == "N":
            line.setValidator(NumberValidator(line))
            line.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            line.setToolTip("A number, stored exactly as typed (up to 38 digits)")
        return line

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        value = index.data(self._value_role)
        if value is None:
            return
        text = cell_text(value)
        if isinstance(editor, QComboBox):
            editor.setCurrentText(text)
        elif isinstance(editor, QLineEdit):
            editor.setText(text)
            editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex) -> None:
        typ = index.data(self._type_role)
        text = editor.currentText() if isinstance(editor, QComboBox) else editor.text()
        try:
            value = parse_cell(typ, text)
        except CellError as err:
            self.rejected.emit(err.message, err.hint)
            return
        model.setData(index, value, self._value_role)

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        # Enter and Esc belong to the editor while it is open: without this, a window
        # shortcut on Esc (Cancel of the results pane) would take it first.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return True
        # Enter on a number DynamoDB would refuse keeps the editor open: say why.
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and isinstance(editor, QLineEdit) and not editor.hasAcceptableInput():
            try:
                parse_cell("N", editor.text())
            except CellError as err:
                self.rejected.emit(err.message, err.hint)
            return True
        return super().eventFilter(editor, event)
