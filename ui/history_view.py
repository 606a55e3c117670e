"""The History tab: saved queries first, then the table's runs; double-click reopens one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.history import Entry

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1


class HistoryPanel(QWidget):
    #: an entry to put back into the builder or the PartiQL editor
    restore = Signal(object)
    #: the user wants the query shown now saved under a name
    saveRequested = Signal()
    #: a saved entry to delete
    deleteRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self.list = QListWidget()
        self.list.setObjectName("historyList")
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.note = QLabel()
        self.note.setObjectName("historyNote")
        self.note.setWordWrap(True)
        self.open_button = QPushButton("Open")
        self.save_button = QPushButton("Save current query as…")
        self.save_button.setObjectName("saveQuery")
        self.delete_button = QPushButton("Delete saved")
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.save_button)
        row.addWidget(self.delete_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.note)
        self.list.itemActivated.connect(lambda item: self._open(item))
        self.open_button.clicked.connect(lambda: self._open(self.list.currentItem()))
        self.save_button.clicked.connect(self.saveRequested)
        self.delete_button.clicked.connect(self._delete)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def show_entries(self, saved: list[Entry], runs: list[Entry]) -> None:
        self.list.clear()
        bold = QFont()
        bold.setBold(True)
        for entry in saved:
            item = QListWidgetItem(f"★ {entry.name} — {entry.summary}")
            item.setData(ENTRY_ROLE, entry)
            item.setFont(bold)
            item.setToolTip(entry.summary)
            self.list.addItem(item)
        for entry in runs:
            when = entry.when.replace("T", " ").replace("+00:00", " UTC")
            kind = "PartiQL" if entry.kind == "partiql" else ""
            item = QListWidgetItem(f"{when}  {kind}  {entry.summary}".replace("   ", "  "))
            item.setData(ENTRY_ROLE, entry)
            item.setToolTip(entry.summary)
            self.list.addItem(item)
        if not saved and not runs:
            item = QListWidgetItem("Nothing run on this table yet.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            item.setForeground(QBrush(QColor("#6b6b6b")))
            self.list.addItem(item)
        self._update_buttons()

    def entries(self) -> list[Entry]:
        return [e for i in range(self.list.count())
                if (e := self.list.item(i).data(ENTRY_ROLE)) is not None]

    def _current(self) -> Entry | None:
        item = self.list.currentItem()
        return item.data(ENTRY_ROLE) if item is not None else None

    def _open(self, item: QListWidgetItem | None) -> None:
        entry = item.data(ENTRY_ROLE) if item is not None else None
        if entry is not None:
            self.restore.emit(entry)

    def _delete(self) -> None:
        entry = self._current()
        if entry is not None and entry.name:
            self.deleteRequested.emit(entry)

    def _update_buttons(self) -> None:
        entry = self._current()
        self.open_button.setEnabled(entry is not None)
        self.delete_button.setEnabled(entry is not None and bool(entry.name))
