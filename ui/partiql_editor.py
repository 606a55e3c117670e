"""The PartiQL editor: a highlighted statement, its parameters, and what went wrong."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import codec
from app.catalog import TableInfo
from app.errors import DynascopeError
from ui.highlighter import PygmentsHighlighter, partiql_highlighter


def parameters(text: str) -> list[dict[str, Any]]:
    """The parameters field: a JSON array in the document view (numbers exact, tags for
    sets and binary), e.g. ``["user-0001", 12.50, {"$SS": ["a"]}]``."""
    text = text.strip()
    if not text:
        return []
    try:
        wrapped = codec.loads('{"p": ' + text + "}", codec.DOCUMENT)
    except codec.CodecError as exc:
        raise DynascopeError(f"The parameters are not a JSON array: {exc.reason}.",
                             'Write them like ["user-0001", 5].') from None
    value = wrapped["p"]
    if "L" not in value:
        raise DynascopeError("The parameters must be a JSON array, one value per ?.",
                             'Write them like ["user-0001", 5].')
    return list(value["L"])


def placeholders(statement: str) -> int:
    """How many ? the statement has outside quoted strings and names."""
    count, quote = 0, ""
    for ch in statement:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            count += 1
    return count


class PartiqlEditor(QWidget):
    """Emits `runRequested(request)` with the ExecuteStatement arguments."""

    runRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("partiqlEditorPane")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("partiqlEditor")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.editor.setFont(mono)
        self.editor.setPlaceholderText('SELECT * FROM "Orders" WHERE "customer_id" = ?')
        self._highlighter: PygmentsHighlighter | None = None  # made when first shown
        self.params = QLineEdit()
        self.params.setObjectName("partiqlParameters")
        self.params.setPlaceholderText('parameters for each ?, as a JSON array: ["user-0001"]')
        self.consistent = QCheckBox("Consistent read")
        self.run_button = QPushButton("Run  (Ctrl+Enter)")
        self.run_button.setObjectName("runStatement")
        self.run_button.setProperty("primary", True)
        self.error = QLabel()
        self.error.setObjectName("partiqlError")
        self.error.setWordWrap(True)
        self.error.hide()
        row = QHBoxLayout()
        row.addWidget(QLabel("Parameters"))
        row.addWidget(self.params, 1)
        row.addWidget(self.consistent)
        row.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.editor, 1)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self.run_button.clicked.connect(self.run)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.run)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.run)

    @property
    def highlighter(self) -> PygmentsHighlighter:
        """The statement's colours: made when the editor is first shown, not with the
        table pages (pygments' SQL lexer takes a tenth of a second to make)."""
        if self._highlighter is None:
            self._highlighter = partiql_highlighter(self.editor.document())
        return self._highlighter

    def showEvent(self, event: QShowEvent) -> None:
        self.highlighter.document()  # made now: the statement is coloured as it shows
        super().showEvent(event)

    def set_table(self, info: TableInfo) -> None:
        """Start from a statement for the table when the editor is still empty."""
        if not self.editor.toPlainText().strip():
            pk = info.partition_key.name
            self.editor.setPlainText(f'SELECT * FROM "{info.name}" WHERE "{pk}" = ?')

    def request(self) -> dict[str, Any]:
        statement = self.editor.toPlainText().strip()
        if not statement:
            raise DynascopeError("Write a PartiQL statement first.")
        request: dict[str, Any] = {"Statement": statement,
                                   "ReturnConsumedCapacity": "INDEXES"}
        values = parameters(self.params.text())
        if values:
            request["Parameters"] = values
        wanted = placeholders(statement)
        if wanted != len(values):
            raise DynascopeError(
                f"The statement has {wanted} placeholder(s) (?) but "
                f"{len(values)} parameter(s) were given.",
                "Give one value per ?, in order.")
        if self.consistent.isChecked():
            request["ConsistentRead"] = True
        return request

    def run(self) -> None:
        try:
            request = self.request()
        except DynascopeError as exc:
            self.show_error(str(exc))
            return
        self.error.hide()
        self.runRequested.emit(request)

    def state(self) -> dict[str, Any]:
        return {"statement": self.editor.toPlainText(), "parameters": self.params.text(),
                "consistent": self.consistent.isChecked()}

    def set_state(self, state: dict[str, Any]) -> None:
        self.editor.setPlainText(str(state.get("statement", "")))
        self.params.setText(str(state.get("parameters", "")))
        self.consistent.setChecked(bool(state.get("consistent", False)))

    def summary(self) -> str:
        return " ".join(self.editor.toPlainText().split())[:200]

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
