"""The Stream tab: the stream's state, its shards, its records as diffs, and a live tail."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QShowEvent, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import streams as st
from app.catalog import TableInfo, describe_table
from app.codec import DOCUMENT, CodecError, display, dumps
from app.connections import Connection
from app.diff import ADDED, CHANGED, REMOVED, Change, counts, diff
from app.errors import DynascopeError
from app.streams import (
    DISABLE_NOTE,
    ENABLE_NOTE,
    EVENTS,
    NEW_AND_OLD_IMAGES,
    VIEW_TYPE_NOTE,
    VIEW_TYPES,
    ReadProgress,
    Record,
    StreamInfo,
    Tail,
)
from ui.dialogs import Confirm, ask_confirm
from ui.highlighter import json_highlighter
from ui.records_model import EVENT_COLOURS, RecordsModel, keys_text, size_text
from ui.tasks import Tasks, user_message

#: History read at most (a busy table's 24 hours can hold millions of records)
HISTORY_LIMIT = 200_000

#: line backgrounds in the image panes, and text colours in the changes list
CHANGE_COLOURS = {
    ADDED: ("#14532d", "#dcfce7"),
    REMOVED: ("#7f1d1d", "#fee2e2"),
    CHANGED: ("#713f12", "#fef3c7"),
}
ERROR_STYLE = "color: #b3261e;"
MUTED_STYLE = "color: #5c6474;"

#: `confirm(title, text) -> bool`: asks before a change of the stream
#: `ask_view_type(title, current) -> view type or None`
AskViewType = Callable[[str, str], "str | None"]


def _utc(at: datetime | None) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if at else "—"


def attribute_lines(text: str) -> dict[str, tuple[int, int]]:
    """The lines (first, last; 0-based) of each top-level attribute in `codec.dumps` text,
    which is indented by two spaces per level."""
    lines = text.split("\n")
    found: dict[str, tuple[int, int]] = {}
    current: str | None = None
    start = 0
    for i, line in enumerate(lines):
        if line.startswith('  "') and not line.startswith('   '):
            if current is not None:
                found[current] = (start, i - 1)
            try:
                current, _end = json.decoder.scanstring(line, 3)
            except ValueError:
                current = None
            start = i
    if current is not None:
        last = len(lines) - 1
        found[current] = (start, last - 1 if lines[last].startswith("}") else last)
    return found


def change_text(c: Change) -> str:
    if c.added_members or c.removed_members:
        parts = []
        if c.added_members:
            parts.append(f"+{len(c.added_members)}")
        if c.removed_members:
            parts.append(f"−{len(c.removed_members)}")
        return f"{c.kind} ({' '.join(parts)})"
    return c.kind


def counts_text(changes: list[Change]) -> str:
    n = counts(changes)
    if not changes:
        return "No attribute changed."
    return " · ".join(f"{n[k]} {k}" for k in (CHANGED, ADDED, REMOVED))


# ------------------------------------------------------------------ pieces

class ImagePane(QWidget):
    """One image of a record (old or new) as highlighted document JSON, its changed
    attributes marked by line."""

    def __init__(self, title: str, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.title = QLabel(title)
        self.title.setObjectName("sectionHeading")
        self.text = QPlainTextEdit()
        self.text.setObjectName(f"{name}Text")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.text.setFont(mono)
        self.highlighter = json_highlighter(self.text.document())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        self.marked: dict[str, str] = {}  # attribute -> change kind

    def show_image(self, item: dict | None, placeholder: str,
                   marks: dict[str, str] | None = None) -> None:
        self.text.setPlaceholderText(placeholder)
        try:
            text = dumps(item, DOCUMENT) if item is not None else ""
        except CodecError as err:  # never from a real stream; say so rather than fail
            text = f"(this image cannot be shown: {err})\n{item!r}"

        self.text.setPlainText(text)
        self.marked = dict(marks or {})
        selections = []
        lines = attribute_lines(text)
        doc = self.text.document()
        for name, kind in self.marked.items():
            if name not in lines:
                continue
            first, last = lines[name]
            for n in range(first, last + 1):
                block = doc.findBlockByNumber(n)
                if not block.isValid():
                    continue
                sel = QTextEdit.ExtraSelection()
                sel.format.setBackground(QColor(CHANGE_COLOURS[kind][1]))
                sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                cursor = QTextCursor(block)
                sel.cursor = cursor
                selections.append(sel)
        self.text.setExtraSelections(selections)


class ChangesTable(QTableWidget):
    """The attribute-level diff of a record: change, path, old value, new value."""

    HEADERS = ("Change", "Path", "Old", "New")

    def __init__(self) -> None:
        super().__init__(0, len(self.HEADERS))
        self.setObjectName("changesTable")
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.changes: list[Change] = []

    def set_changes(self, changes: list[Change]) -> None:
        self.changes = list(changes)
        self.setRowCount(len(changes))
        bold = QFont()
        bold.setBold(True)
        for r, c in enumerate(changes):
            fg, bg = CHANGE_COLOURS[c.kind]
            old = display(c.old) if c.old is not None else ""
            new = display(c.new) if c.new is not None else ""
            tip = f"{c.path_text}: {old or '(none)'} → {new or '(none)'}"
            if c.added_members:
                tip += "\nmembers added: " + ", ".join(map(str, c.added_members))
            if c.removed_members:
                tip += "\nmembers removed: " + ", ".join(map(str, c.removed_members))
            for col, text in enumerate((change_text(c), c.path_text, old, new)):
                cell = QTableWidgetItem(text)
                cell.setToolTip(tip)
                if col == 0:
                    cell.setForeground(QBrush(QColor(fg)))
                    cell.setBackground(QBrush(QColor(bg)))
                    cell.setFont(bold)
                self.setItem(r, col, cell)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """What the table shows, row by row (for tests and copying)."""
        return [tuple(self.item(r, c).text() for c in range(4))  # type: ignore[misc]
                for r in range(self.rowCount())]


class RecordDetail(QWidget):
    """A selected record: a title line, old and new images side by side, the changes."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("recordDetail")
        self.record: Record | None = None
        self.title = QLabel("Select a record to see its old and new images and what changed.")
        self.title.setObjectName("recordTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open item")
        self.open_button.setObjectName("openItem")
        self.open_button.setToolTip("Open the item as it is now in the table")
        self.open_button.setEnabled(False)
        self.old = ImagePane("Old image", "oldImage")
        self.new = ImagePane("New image", "newImage")
        self.changes = ChangesTable()
        self.counts = QLabel()
        self.counts.setObjectName("changeCounts")
        self.counts.setStyleSheet(MUTED_STYLE)
        self.note = QLabel()
        self.note.setObjectName("diffNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(MUTED_STYLE)
        self.note.hide()

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.open_button)
        changes_box = QWidget()
        changes_layout = QVBoxLayout(changes_box)
        changes_layout.setContentsMargins(0, 0, 0, 0)
        changes_layout.setSpacing(2)
        heading = QLabel("Changes")
        heading.setObjectName("sectionHeading")
        changes_layout.addWidget(heading)
        changes_layout.addWidget(self.note)
        changes_layout.addWidget(self.changes, 1)
        changes_layout.addWidget(self.counts)
        images = QSplitter(Qt.Orientation.Horizontal)
        images.setObjectName("imagesSplitter")
        images.addWidget(self.old)
        images.addWidget(self.new)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.setObjectName("detailSplitter")
        self.split.addWidget(images)
        self.split.addWidget(changes_box)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([300, 130])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.split, 1)

    def clear(self) -> None:
        self.record = None
        self.title.setText("Select a record to see its old and new images and what changed.")
        self.open_button.setEnabled(False)
        self.old.show_image(None, "")
        self.new.show_image(None, "")
        self.changes.set_changes([])
        self.counts.setText("")
        self.note.hide()

    def show_record(self, r: Record, view_type: str = "") -> None:
        self.record = r
        view = r.view_type or view_type
        who = " (deleted by TTL)" if r.by_ttl else ""
        self.title.setText(f"<b style='color:{EVENT_COLOURS.get(r.event_name, ('#000',))[0]}'>"
                           f"{r.event_name}</b>{who} · {keys_text(r.keys)} · "
                           f"{_utc(r.created)} · {size_text(r.size_bytes)}")
        self.title.setToolTip(f"sequence number {r.sequence_number}\nshard {r.shard_id}\n"
                              f"event ID {r.event_id}")
        self.open_button.setEnabled(bool(r.keys))
        changes: list[Change] = []
        note = ""
        if r.event_name == "MODIFY" and (r.old_image is None or r.new_image is None):
            note = (f"This stream's view type is {view or 'unknown'}: its records do not "
                    "carry both images, so what changed cannot be shown.")
        elif r.old_image is None and r.new_image is None:
            note = f"This stream's view type is {view or 'unknown'}: records carry the keys only."
        else:
            changes = diff(r.old_image, r.new_image)
        marks_old = {c.attribute: (REMOVED if c.kind == REMOVED and len(c.path) == 1
                                   else CHANGED) for c in changes if c.old is not None}
        marks_new = {c.attribute: (ADDED if c.kind == ADDED and len(c.path) == 1
                                   else CHANGED) for c in changes if c.new is not None}
        if r.event_name == "INSERT":
            marks_old, marks_new = {}, {}  # everything is new: no need to paint it all
        if r.event_name == "REMOVE":
            marks_old, marks_new = {}, {}
        self.new.show_image(r.new_image, self._placeholder(r, "new", view), marks_new)
        self.old.show_image(r.old_image, self._placeholder(r, "old", view), marks_old)
        self.changes.set_changes(changes)
        self.counts.setText("" if note else counts_text(changes))
        self.note.setText(note)
        self.note.setVisible(bool(note))

    @staticmethod
    def _placeholder(r: Record, which: str, view: str) -> str:
        if which == "old" and r.event_name == "INSERT":
            return "No old image: the item did not exist before this INSERT."
        if which == "new" and r.event_name == "REMOVE":
            return "No new image: this REMOVE deleted the item."
        return f"No {which} image: the stream's view type is {view or 'unknown'}."


class NoStreamPage(QWidget):
    """What the tab says when the table records no changes."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("noStreamPage")
        self.title = QLabel("No stream")
        self.title.setObjectName("pageTitle")
        self.text = QLabel()
        self.text.setObjectName("pageText")
        self.text.setWordWrap(True)
        self.enable_button = QPushButton("Enable the stream…")
        self.enable_button.setObjectName("enableStreamPage")
        self.enable_button.setProperty("primary", True)
        box = QWidget()
        box.setMaximumWidth(560)
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        inner.addWidget(self.text)
        buttons = QHBoxLayout()
        buttons.addWidget(self.enable_button)
        buttons.addStretch(1)
        inner.addLayout(buttons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 4)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def set_table(self, name: str) -> None:
        self.title.setText(f"{name} has no stream")
        self.text.setText(
            "This table does not record its changes. Enable a stream to record every "
            "INSERT, MODIFY and REMOVE from now on, with the item's keys and, depending on "
            "the view type, its old and new images. Changes made before are never recorded.")


# ------------------------------------------------------------------ the panel

def _ask_view_type(parent: QWidget) -> AskViewType:
    def ask(title: str, current: str) -> str | None:
        choices = list(VIEW_TYPES)
        start = choices.index(current) if current in choices else choices.index(
            NEW_AND_OLD_IMAGES)
        value, ok = QInputDialog.getItem(parent, title, "Stream view type:", choices, start,
                                         False)
        return value if ok else None
    return ask


class StreamsPanel(QWidget):
    """The Stream tab of one table.

    `set_table(conn, info)` shows a table (reading its stream when the tab is in view).
    Everything is read on the qasync loop through `Tasks`; a newer table supersedes what
    an older one was reading. `confirm` and `ask_view_type` are the dialogs asked before a
    change (tests replace them).
    """

    #: the keys of the selected record's item (a dict of AttributeValues)
    openItem = Signal(object)
    #: the table's new `TableInfo` after the stream was enabled, disabled or changed
    tableChanged = Signal(object)
    #: (message, hint) of anything that failed
    failed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("streamsPanel")
        self.confirm: Confirm = ask_confirm(self)
        self.ask_view_type: AskViewType = _ask_view_type(self)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.tasks = Tasks(self._task_failed)
        self.model = RecordsModel(self)
        self._conn: Connection | None = None
        self._info: TableInfo | None = None
        self.stream: StreamInfo | None = None
        self._generation = 0
        self._closed = False
        self._stale = False
        self._tail: Tail | None = None
        self._tail_ready = False
        self._tail_new = 0
        self._last_polled: datetime | None = None

        # --- header
        self.status = QLabel("No table.")
        self.status.setObjectName("streamStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.enable_button = QPushButton("Enable…")
        self.enable_button.setObjectName("enableStream")
        self.disable_button = QPushButton("Disable…")
        self.disable_button.setObjectName("disableStream")
        self.view_type_button = QPushButton("Change view type…")
        self.view_type_button.setObjectName("changeViewType")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("refreshStream")
        self.error = QLabel()
        self.error.setObjectName("streamsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        header = QHBoxLayout()
        header.addWidget(self.status, 1)
        for b in (self.enable_button, self.disable_button, self.view_type_button,
                  self.refresh_button):
            header.addWidget(b)

        # --- history and tail
        self.history_button = QPushButton("Load history")
        self.history_button.setObjectName("loadHistory")
        self.history_button.setToolTip("Read every record the stream still holds "
                                       "(up to 24 hours), shard by shard, parents first")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelHistory")
        self.progress = QProgressBar()
        self.progress.setObjectName("historyProgress")
        self.progress.setMaximumWidth(240)
        self.progress.hide()
        self.tail_button = QPushButton("▶ Start tail")
        self.tail_button.setObjectName("startTail")
        self.tail_button.setToolTip("Poll every open shard and add new records as they come")
        self.pause_button = QPushButton("❚❚ Pause")
        self.pause_button.setObjectName("pauseTail")
        self.tail_status = QLabel("Tail stopped.")
        self.tail_status.setObjectName("tailStatus")
        self.tail_status.setStyleSheet(MUTED_STYLE)
        reading = QHBoxLayout()
        reading.addWidget(self.history_button)
        reading.addWidget(self.cancel_button)
        reading.addWidget(self.progress)
        reading.addSpacing(16)
        reading.addWidget(self.tail_button)
        reading.addWidget(self.pause_button)
        reading.addWidget(self.tail_status, 1)

        # --- filters
        self.event_boxes: dict[str, QCheckBox] = {}
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show:"))
        for event in EVENTS:
            box = QCheckBox(event)
            box.setObjectName(f"show{event.title()}")
            box.setChecked(True)
            box.setStyleSheet(f"QCheckBox {{ color: {EVENT_COLOURS[event][0]}; "
                              "font-weight: 600; }")
            box.toggled.connect(self._filter_changed)
            self.event_boxes[event] = box
            filters.addWidget(box)
        self.key_filter = QLineEdit()
        self.key_filter.setObjectName("keyFilter")
        self.key_filter.setPlaceholderText("Filter by key text…")
        self.key_filter.setClearButtonEnabled(True)
        self.key_filter.textChanged.connect(self._filter_changed)
        self.count = QLabel("No records read.")
        self.count.setObjectName("recordCount")
        self.count.setStyleSheet(MUTED_STYLE)
        filters.addSpacing(8)
        filters.addWidget(self.key_filter, 1)
        filters.addWidget(self.count)

        # --- shards and records
        self.shards = QTreeWidget()
        self.shards.setObjectName("shardTree")
        self.shards.setHeaderLabels(["Shard", "State", "Records"])
        self.shards.setRootIsDecorated(True)
        self.shards.setUniformRowHeights(True)
        self.shards.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.shards.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.shards.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.shards.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.shards.header().setStretchLastSection(False)
        self._shard_items: dict[str, QTreeWidgetItem] = {}
        self.records = QTableView()
        self.records.setObjectName("recordsView")
        self.records.setModel(self.model)
        self.records.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.records.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.records.setAlternatingRowColors(True)
        self.records.setWordWrap(False)
        self.records.verticalHeader().setDefaultSectionSize(22)
        self.records.verticalHeader().hide()
        h = self.records.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.resizeSection(0, 140)
        h.resizeSection(1, 72)
        h.resizeSection(3, 70)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.records.selectionModel().currentRowChanged.connect(self._current_changed)
        self.records.doubleClicked.connect(lambda _i: self.open_selected())
        shards_box = QWidget()
        shards_layout = QVBoxLayout(shards_box)
        shards_layout.setContentsMargins(0, 0, 0, 0)
        shards_layout.setSpacing(2)
        shards_heading = QLabel("Shards")
        shards_heading.setObjectName("sectionHeading")
        shards_layout.addWidget(shards_heading)
        shards_layout.addWidget(self.shards, 1)
        records_box = QWidget()
        records_layout = QVBoxLayout(records_box)
        records_layout.setContentsMargins(0, 0, 0, 0)
        records_layout.setSpacing(2)
        records_heading = QLabel("Records")
        records_heading.setObjectName("sectionHeading")
        records_layout.addWidget(records_heading)
        records_layout.addWidget(self.records, 1)
        lists = QSplitter(Qt.Orientation.Horizontal)
        lists.setObjectName("listsSplitter")
        lists.addWidget(shards_box)
        lists.addWidget(records_box)
        lists.setStretchFactor(0, 1)
        lists.setStretchFactor(1, 3)
        lists.setSizes([270, 650])

        self.detail = RecordDetail()
        self.detail.open_button.clicked.connect(self.open_selected)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.setObjectName("streamsSplitter")
        self.split.addWidget(lists)
        self.split.addWidget(self.detail)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 3)
        self.split.setSizes([250, 400])

        content = QWidget()
        content.setObjectName("streamContent")
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addLayout(reading)
        content_layout.addLayout(filters)
        content_layout.addWidget(self.split, 1)
        self.content = content

        self.no_stream = NoStreamPage()
        self.no_stream.enable_button.clicked.connect(self.enable_stream)
        self.pages = QStackedWidget()
        self.pages.addWidget(content)
        self.pages.addWidget(self.no_stream)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.error)
        layout.addWidget(self.pages, 1)

        self.enable_button.clicked.connect(self.enable_stream)
        self.disable_button.clicked.connect(self.disable_stream)
        self.view_type_button.clicked.connect(self.change_view_type)
        self.refresh_button.clicked.connect(self.reload)
        self.history_button.clicked.connect(self.load_history)
        self.cancel_button.clicked.connect(self.cancel_history)
        self.tail_button.clicked.connect(self.start_tail)
        self.pause_button.clicked.connect(self.pause_tail)
        self._update_buttons()

    # --- the table ---------------------------------------------------------------------

    @property
    def info(self) -> TableInfo | None:
        return self._info

    def set_table(self, conn: Connection, info: TableInfo) -> None:
        """Show `info`'s stream. The same table and stream again keeps what was read;
        another one stops the tail and history of the one before."""
        same = (self._conn is conn and self._info is not None
                and self._info.name == info.name and self._info.stream_arn == info.stream_arn)
        self._conn, self._info = conn, info
        if same:
            self._show_header()
            return
        self._reset()
        self._stale = True
        if self.isVisible():
            self.reload()
        else:
            self._show_header()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> None:
        """Read the stream's description and shards again (F5 / Refresh)."""
        self._stale = False
        self._show_error(None)
        info = self._info
        if info is None or self._conn is None:
            return
        self._show_header()
        if not info.stream_enabled or not info.stream_arn:
            self.no_stream.set_table(info.name)
            self.pages.setCurrentWidget(self.no_stream)
            return
        self.pages.setCurrentWidget(self.content)
        self.tasks.start(self._describe(self._generation), key="describe")

    async def _describe(self, generation: int) -> None:
        assert self._conn is not None and self._info is not None
        client = st.streams_client(self._conn)
        info = await st.describe_stream(client, self._info.stream_arn)
        if generation == self._generation:
            self.stream = info
            self._show_shards(info)
            self._show_header()

    def _reset(self) -> None:
        """Forget the former table's stream: stop reading, clear the lists."""
        self._generation += 1
        self._stop_tail()
        for key in ("describe", "history"):
            self.tasks.cancel(key)
        self.stream = None
        self.model.clear()
        self.shards.clear()
        self._shard_items = {}
        self.detail.clear()
        self.progress.hide()
        self._tail_new = 0
        self._last_polled = None
        self.tail_status.setText("Tail stopped.")
        self._show_error(None)
        self._update_counts()
        self._update_buttons()

    def shutdown(self) -> None:
        """Stop the tail and every read (the window is closing); what they still do
        as they stop leaves the widgets alone."""
        self._generation += 1
        self._closed = True
        self._stop_tail()
        self.tasks.cancel_all()

    def _show_header(self) -> None:
        info = self._info
        if info is None:
            self.status.setText("No table.")
        elif not info.stream_enabled:
            self.status.setText(f"<b>Stream</b>: none on {info.name}")
        else:
            s = self.stream
            status = s.status if s else "ENABLED"
            view = (s.view_type if s else "") or info.stream_view_type
            parts = [f"<b>Stream</b>: {status}", f"view type <b>{view}</b>"]
            if s is not None:
                n, n_open = len(s.shards), len(s.open_shards)
                parts.append(f"{n} shard{'s' if n != 1 else ''} ({n_open} open)")
            self.status.setText(" · ".join(parts))
            created = f"\ncreated {_utc(s.created)}" if s is not None and s.created else ""
            self.status.setToolTip(f"{info.stream_arn}{created}")
        self._update_buttons()

    def _show_shards(self, info: StreamInfo) -> None:
        self.shards.clear()
        self._shard_items = {}
        per_shard = self.model.shard_counts()
        open_brush = QBrush(QColor("#14532d"))
        closed_brush = QBrush(QColor("#6b7280"))
        for shard in info.shards:  # parents before children
            parent = self._shard_items.get(shard.parent_id or "")
            item = QTreeWidgetItem([shard.shard_id.removeprefix("shardId-"),
                                    "open" if shard.open else "closed",
                                    f"{per_shard.get(shard.shard_id, 0):,}"])
            item.setForeground(1, open_brush if shard.open else closed_brush)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, f"{shard.shard_id}\nparent: {shard.parent_id or '—'}\n"
                               f"sequence {shard.starting_sequence} … "
                               f"{shard.ending_sequence or '(open)'}")
            if parent is not None:
                parent.addChild(item)
            else:
                self.shards.addTopLevelItem(item)
            self._shard_items[shard.shard_id] = item
        self.shards.setRootIsDecorated(any(s.parent_id in self._shard_items
                                           for s in info.shards))
        self.shards.expandAll()

    def _update_shard_counts(self) -> None:
        per_shard = self.model.shard_counts()
        for sid, item in self._shard_items.items():
            item.setText(2, f"{per_shard.get(sid, 0):,}")

    # --- records -----------------------------------------------------------------------

    def load_history(self) -> None:
        """Read every record the stream holds into the list (cancellable)."""
        if self._info is None or not self._info.stream_arn or self.loading:
            return
        self._show_error(None)
        self.tasks.start(self._load_history(self._generation), key="history")
        self._update_buttons()

    def cancel_history(self) -> None:
        if self.loading:
            self.tasks.cancel("history")
            self.progress.hide()
            self.count.setText(self.count.text() + " · cancelled")
            self._update_buttons("history")

    @property
    def loading(self) -> bool:
        return self.tasks.running("history")

    async def _load_history(self, generation: int) -> None:
        assert self._conn is not None and self._info is not None
        self.progress.setRange(0, 0)
        self.progress.setFormat("Listing shards…")
        self.progress.show()
        client = st.streams_client(self._conn)
        arn = self._info.stream_arn
        try:
            info = await st.describe_stream(client, arn)
            if generation != self._generation:
                return
            self.stream = info
            self._show_header()
            self.model.clear()
            self.detail.clear()
            self._show_shards(info)
            self.progress.setRange(0, max(len(info.shards), 1))
            self.progress.setValue(0)

            def progress(p: ReadProgress) -> None:
                if generation == self._generation:
                    self.progress.setRange(0, max(p.shards_total, 1))
                    self.progress.setValue(p.shards_done)
                    self.progress.setFormat(f"%v/%m shards · {p.records:,} records")

            pages = st.history(client, arn, info=info, progress=progress)
            try:
                async for page in pages:
                    if generation != self._generation:
                        return
                    self.model.append(page)
                    self._records_arrived()
                    if len(self.model.records()) >= HISTORY_LIMIT:
                        self.count.setText(self.count.text() + f" · stopped at "
                                                               f"{HISTORY_LIMIT:,}")
                        break
            finally:
                await pages.aclose()
        finally:
            if generation == self._generation:
                self.progress.hide()
            if not self._closed:  # another table's buttons too: this read has ended
                self._update_buttons("history")

    def _records_arrived(self) -> None:
        bar = self.records.verticalScrollBar()
        at_end = bar.value() >= bar.maximum()
        self._update_counts()
        self._update_shard_counts()
        if at_end and self.tailing:
            self.records.scrollToBottom()

    def _update_counts(self) -> None:
        total = len(self.model.records())
        if not total:
            self.count.setText("No records read.")
        else:
            shown = self.model.rowCount()
            self.count.setText(f"{shown:,} of {total:,} record{'s' if total != 1 else ''}")
        per_event = self.model.counts()
        for event, box in self.event_boxes.items():
            n = per_event.get(event, 0)
            box.setText(f"{event} ({n:,})" if total else event)

    def _filter_changed(self, *_args: Any) -> None:
        current = self.detail.record
        self.model.set_events({e for e, box in self.event_boxes.items() if box.isChecked()})
        self.model.set_key_text(self.key_filter.text())
        self._update_counts()
        if current is not None:
            row = self.model.row_of(current.event_id)
            if row >= 0:
                self.select_row(row)

    def select_row(self, row: int) -> None:
        """Select (and show) the record in `row` of the filtered list."""
        index = self.model.index(row, 0)
        self.records.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.records.scrollTo(index)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        view = (self.stream.view_type if self.stream else "") or (
            self._info.stream_view_type if self._info else "")
        self.detail.show_record(self.model.record(current.row()), view)

    def open_selected(self) -> None:
        """Ask for the selected record's item (`openItem` with its keys)."""
        r = self.detail.record
        if r is not None and r.keys:
            self.openItem.emit(dict(r.keys))

    # --- live tail ---------------------------------------------------------------------

    @property
    def tailing(self) -> bool:
        return self.tasks.running("tail")

    @property
    def tail_ready(self) -> bool:
        """The tail has opened its iterators: anything written from now on will show."""
        return self.tailing and self._tail_ready

    def start_tail(self) -> None:
        """Poll every open shard, adding records as they come. It goes on after the last
        record in the list for each shard (so history + tail leaves no gap), or from now."""
        if self._conn is None or self._info is None or not self._info.stream_arn \
                or self.tailing:
            return
        self._show_error(None)
        tail = Tail(st.streams_client(self._conn), self._info.stream_arn,
                    after=self.model.positions() or None, sleep=self._tail_sleep)
        self._tail = tail
        self._tail_new = 0
        self.tasks.start(self._run_tail(tail, self._generation), key="tail")
        self._update_buttons()

    def pause_tail(self) -> None:
        """Stop polling; Start goes on after the last record read."""
        self._stop_tail()
        self._update_buttons("tail")
        if self._info is not None:
            self.tail_status.setText(f"Tail paused · {self._tail_new:,} new record"
                                     f"{'s' if self._tail_new != 1 else ''}"
                                     f"{self._polled_text()}")

    def _stop_tail(self) -> None:
        if self._tail is not None:
            self._tail.stop()
        self.tasks.cancel("tail")
        self._tail_ready = False

    async def _tail_sleep(self, delay: float) -> None:
        self._polled()
        await asyncio.sleep(delay)

    def _polled_text(self) -> str:
        return f" · last polled {self._last_polled:%H:%M:%S} UTC" if self._last_polled else ""

    def _polled(self) -> None:
        if self._tail is None or self._tail.stopped or self._closed:
            return
        self._last_polled = self.clock()
        if self.tailing and self._tail is not None:
            n = len(self._tail.shards)
            self.tail_status.setText(
                f"● Tailing {n} shard{'s' if n != 1 else ''} · {self._tail_new:,} new "
                f"record{'s' if self._tail_new != 1 else ''}{self._polled_text()}")

    async def _run_tail(self, tail: Tail, generation: int) -> None:
        self._tail_ready = False
        self.tail_status.setText("Tail starting…")
        try:
            await tail.start()
            if generation != self._generation:
                return
            self._tail_ready = True
            if tail.info is not None:
                self.stream = tail.info
                self._show_shards(tail.info)
                self._show_header()
            self._polled()
            async for batch in tail:
                if generation != self._generation:
                    return
                self._tail_new += self.model.append(batch)
                self._records_arrived()
                self._polled()
            if generation == self._generation:
                self.tail_status.setText(f"Tail ended: the stream is disabled and read to "
                                         f"its end · {self._tail_new:,} new records")
        finally:
            if self._tail is tail:
                self._tail_ready = False
            if not self._closed:  # another table's buttons too: this tail has ended
                self._update_buttons("tail")

    # --- changing the stream -----------------------------------------------------------

    @property
    def changing(self) -> bool:
        return self.tasks.running("change")

    def enable_stream(self) -> None:
        info = self._info
        if info is None or self._conn is None or self.changing:
            return
        view = self.ask_view_type(f"Enable the stream of {info.name}", NEW_AND_OLD_IMAGES)
        if not view:
            return
        if not self.confirm("Enable the stream",
                            f"Enable a {view} stream on table {info.name}?\n\n{ENABLE_NOTE}"):
            return
        self._change(st.enable_stream(self._conn, info.name, view),
                     f"Enabling the {view} stream…")

    def disable_stream(self) -> None:
        info = self._info
        if info is None or self._conn is None or self.changing:
            return
        if not self.confirm("Disable the stream",
                            f"Disable the stream of table {info.name}?\n\n{DISABLE_NOTE}"):
            return
        self._change(st.disable_stream(self._conn, info.name), "Disabling the stream…")

    def change_view_type(self) -> None:
        info = self._info
        if info is None or self._conn is None or self.changing:
            return
        current = (self.stream.view_type if self.stream else "") or info.stream_view_type
        view = self.ask_view_type(f"Change the view type of {info.name}'s stream", current)
        if not view:
            return
        if view == current:
            self.status.setText(self.status.text() + f" · already {view}")
            return
        if not self.confirm("Change the stream's view type",
                            f"Change the view type of table {info.name}'s stream from "
                            f"{current or 'none'} to {view}?\n\n{VIEW_TYPE_NOTE}"):
            return

        def say(step: str) -> None:
            self.status.setText(f"{step}…")

        self._change(st.change_view_type(self._conn, info.name, view, progress=say),
                     "Changing the view type…")

    def _change(self, work: Any, doing: str) -> None:
        self._show_error(None)
        self.status.setText(doing)
        self.tasks.start(self._apply(work, self._generation), key="change")
        self._update_buttons()

    async def _apply(self, work: Any, generation: int) -> None:
        assert self._conn is not None and self._info is not None
        conn, name = self._conn, self._info.name
        try:
            await work
            info = await describe_table(conn, name)
        except BaseException:
            if generation == self._generation:
                self._show_header()
            raise
        if generation != self._generation:  # another table is shown now
            if not self._closed:
                self._update_buttons("change")
            return
        self._info = None  # a new stream (or none): start afresh
        self.set_table(conn, info)
        self._update_buttons("change")
        self.tableChanged.emit(info)

    # --- state -------------------------------------------------------------------------

    def _update_buttons(self, finished: str = "") -> None:
        """Enable what can be done now; `finished` names a task that is ending (its
        task still counts as running while its last lines run)."""
        info = self._info
        has = bool(info and info.stream_enabled and info.stream_arn)
        changing = self.changing and finished != "change"
        loading = self.loading and finished != "history"
        tailing = self.tailing and finished != "tail"
        self.enable_button.setEnabled(info is not None and not has and not changing)
        self.no_stream.enable_button.setEnabled(info is not None and not changing)
        self.disable_button.setEnabled(has and not changing)
        self.view_type_button.setEnabled(has and not changing)
        self.refresh_button.setEnabled(info is not None)
        self.history_button.setEnabled(has and not loading)
        self.cancel_button.setEnabled(loading)
        self.tail_button.setEnabled(has and not tailing)
        self.pause_button.setEnabled(tailing)

    def _show_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))

    def _task_failed(self, exc: BaseException) -> None:
        if self._closed and isinstance(exc, DynascopeError):
            return  # a request that failed while the window closed: nobody to tell
        message, hint = user_message(exc)
        self._show_error(f"{message} {hint}".strip())
        self.progress.hide()
        self._update_buttons()
        self.failed.emit(message, hint)
        if not isinstance(exc, DynascopeError):
            raise exc


__all__ = ["HISTORY_LIMIT", "ChangesTable", "ImagePane", "RecordDetail", "StreamsPanel",
           "attribute_lines"]
