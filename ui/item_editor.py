"""The item editor: two exact text views and a tree, what a save will send, and conflicts."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from json.decoder import scanstring
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QKeySequence,
    QShortcut,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTextEdit,
    QTreeView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import codec, validate, writes
from app.catalog import TableInfo
from app.connections import Connection, operation_name
from app.diff import ADDED, REMOVED
from app.diff import diff as item_diff
from app.errors import DynascopeError
from ui.dialogs import open_question
from ui.highlighter import json_highlighter
from ui.item_tree import ItemTreeModel
from ui.tasks import Tasks, user_message

Item = dict[str, dict[str, Any]]

DOCUMENT = codec.DOCUMENT
DYNAMODB = codec.DYNAMODB
TREE = "tree"
#: the tabs in order (Ctrl+1, Ctrl+2, Ctrl+3)
VIEWS = (DOCUMENT, DYNAMODB, TREE)
VIEW_TITLES = {DOCUMENT: "Document", DYNAMODB: "DynamoDB JSON", TREE: "Tree"}
#: how long typing may pause before the text is checked again
CHECK_DELAY_MS = 200

_ERROR_LINE = QColor("#fde2e1")
_THEIRS = QColor("#fdecc8")  # attributes only they changed
_MINE = QColor("#dbeafe")  # attributes only I changed
_BOTH = QColor("#fbd0d0")  # attributes both changed
_KIND_COLOURS = {ADDED: QColor("#1d6b38"), REMOVED: QColor("#b3261e"),
                 "changed": QColor("#8a5a00")}

STYLE = """
QLabel#editorTitle { font-size: 17px; font-weight: 600; color: #1d2a44; }
QLabel#editorSubtitle { color: #5c6474; }
QLabel#editorBanner { border-radius: 4px; padding: 6px 8px; }
QLabel#editorBanner[kind="readonly"] { background: #fff4d6; border: 1px solid #e8c66b;
                                       color: #5a4300; }
QLabel#editorBanner[kind="production"] { background: #fdecec; border: 1px solid #e3a5a5;
                                         color: #8a1c1c; }
QLabel#editorBanner[kind="info"] { background: #e8f0fe; border: 1px solid #b3c7f2;
                                   color: #1d3a7a; }
QLabel#editorError, QLabel#conflictMessage { color: #b3261e; }
QListWidget#editorProblems { color: #b3261e; background: #fff7f6; border: 1px solid #f1c4c0; }
QLabel#editorStatus { color: #39404d; }
QLabel#editorMessage[kind="note"] { color: #1d6b38; }
QLabel#editorMessage[kind="error"] { color: #b3261e; }
QLabel#confirmTitle, QLabel#conflictTitle { font-size: 15px; font-weight: 600; color: #1d2a44; }
QLabel#confirmWarning { background: #fdecec; border: 1px solid #e3a5a5; color: #8a1c1c;
                        border-radius: 4px; padding: 6px 8px; font-weight: 600; }
QLabel#paneHeading { font-weight: 600; color: #2f4b8f; }
QLabel#conflictLegend { color: #39404d; }
"""


# ---------------------------------------------------------------- helpers

def size_text(item: Item) -> str:
    """``1.2 KB · 1 RCU strong / 0.5 eventual · 2 WCU``: the item's size as DynamoDB counts
    it, and what reading and writing it costs."""
    size = validate.item_size(item)
    strong, eventual, write = validate.capacity_units(size)
    if size < 1024:
        shown = "1 byte" if size == 1 else f"{size:,} bytes"
    else:
        shown = f"{size / 1024:.1f} KB"
    return f"{shown} · {strong} RCU strong / {eventual:g} eventual · {write} WCU"


def request_json(request: dict[str, Any]) -> str:
    """A request as the wire carries it: JSON, binary as base64."""
    def wire(value: Any) -> Any:
        if isinstance(value, bytes | bytearray | memoryview):
            return base64.b64encode(bytes(value)).decode("ascii")
        raise TypeError(f"{type(value).__name__} is not JSON")
    return json.dumps(request, indent=2, ensure_ascii=False, default=wire)


def attribute_spans(text: str) -> dict[str, tuple[int, int]]:
    """Where each top-level attribute sits in editor text laid out as `codec.dumps` lays it
    out: name -> (first line, last line), 0-based. Text laid out otherwise gives what it can."""
    spans: dict[str, tuple[int, int]] = {}
    current: str | None = None
    for number, line in enumerate(text.split("\n")):
        if line.startswith('  "'):
            try:
                current, _end = scanstring(line, 3)
            except ValueError:
                current = None
                continue
            spans[current] = (number, number)
        elif current is not None and line.startswith("   "):
            spans[current] = (spans[current][0], number)
        else:
            current = None
    return spans


def empty_value(attribute_type: str) -> dict[str, Any]:
    """A key attribute's starting value in a new item (a number starts at 0)."""
    return {"N": {"N": "0"}, "B": {"B": b""}}.get(attribute_type, {"S": ""})


def _utf16(text: str) -> int:
    """The length of `text` in Qt's text positions (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _changed_names(before: Item | None, after: Item | None) -> set[str]:
    return {c.name for c in writes.diff(before or {}, after or {})}


def _mono() -> Any:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _button(text: str, name: str, primary: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAutoDefault(False)  # Enter in the text never presses a button
    if primary:
        button.setProperty("primary", True)
    return button


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("paneHeading")
    return label


def _pane(name: str, read_only: bool = True) -> QPlainTextEdit:
    pane = QPlainTextEdit()
    pane.setObjectName(name)
    pane.setFont(_mono())
    pane.setReadOnly(read_only)
    pane.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    pane.setTabChangesFocus(False)
    pane.highlighter = json_highlighter(pane.document())  # type: ignore[attr-defined]
    return pane


def _highlight_lines(pane: QPlainTextEdit, lines: list[tuple[int, int, QColor]]) -> None:
    """Colour the background of whole lines (first, last, colour; 0-based) in `pane`."""
    selections = []
    document = pane.document()
    for first, last, colour in lines:
        for number in range(first, last + 1):
            block = document.findBlockByNumber(number)
            if not block.isValid():
                break
            # The line's full width (its first visual line), and its text (all of it when
            # the pane wraps a long line).
            for full_width in (True, False):
                selection = QTextEdit.ExtraSelection()
                fmt = QTextCharFormat()
                fmt.setBackground(colour)
                fmt.setProperty(QTextFormat.Property.FullWidthSelection, full_width)
                selection.format = fmt
                cursor = QTextCursor(block)
                if not full_width:
                    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock,
                                        QTextCursor.MoveMode.KeepAnchor)
                selection.cursor = cursor
                selections.append(selection)
    pane.setExtraSelections(selections)


# ---------------------------------------------------------------- the editor

class ItemEditor(QDialog):
    """Edits one item of `table_info` on `conn`; `item` None starts a new item.

    Opened on an item, the editor first reads the item again (a consistent GetItem), so it
    edits what the table holds now and not a row that may be a projection. Save shows
    what will be sent and sends only after the user confirms; after a save the editor
    stays open on the item as it now is. A delete closes it (`accept`).
    """

    #: the item as the table now holds it, after a save, create or move
    saved = Signal(object)
    #: the key of the item deleted
    deleted = Signal(object)
    #: (key the editor had loaded or None for a new item, the item now or None if deleted):
    #: what a results grid needs to replace, add or drop its row
    replaced = Signal(object, object)

    def __init__(self, conn: Connection, table_info: TableInfo, item: Item | None,
                 parent: QWidget | None = None, version_attribute: str | None = None, *,
                 refresh: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("itemEditor")
        self.setStyleSheet(STYLE)
        self.resize(1000, 720)
        self.conn = conn
        self.table = table_info
        self.version_attribute = version_attribute
        self.read_only = bool(conn.profile.read_only)
        #: the item as loaded from the table (None: a new item, not in the table yet)
        self.loaded: Item | None = dict(item) if item is not None else None
        self._source: Item | None = None  # the item a copy was made from
        self._vanished: Item | None = None  # the key of a listed item found deleted
        self._baseline: Item = self.loaded if self.loaded is not None else self.blank_item()
        self._text_view = DOCUMENT  # the text view whose text is the truth
        self._tab = 0
        self._parsed: Item | None = self._baseline
        self._error: codec.CodecError | None = None
        self._problems: list[str] = []
        self._programmatic = False
        self._loading = False
        self._sending = False
        self._overwriting = False
        self._closing = False
        #: the write waiting for the user's confirmation
        self.pending_plan: writes.WritePlan | None = None
        #: the conflict shown in the conflict view
        self.conflict: writes.Conflict | None = None
        #: the question box open now, and its "yes" button (for tests and shortcuts)
        self.question: QMessageBox | None = None
        self.question_yes: QAbstractButton | None = None
        #: what the last write did, in words (also shown under the editor)
        self.last_note = ""
        self.tasks = Tasks(self._task_failed)
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check)

        self._build()
        self._put_text(DOCUMENT, codec.dumps(self._baseline, DOCUMENT))
        self._refresh_mode()
        self.check()
        if self.loaded is None:
            self._select_key()
        elif refresh:
            self._loading = True
            self._say("Reading the item's latest version…")
            self.tasks.start(self._read_latest(), key="load")
        self._update_actions()

    # --- building ----------------------------------------------------------------------

    def _build(self) -> None:
        self.banner = QLabel()
        self.banner.setObjectName("editorBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.title = QLabel()
        self.title.setObjectName("editorTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("editorSubtitle")

        self.pages = QStackedWidget()
        self.edit_page = self._build_edit_page()
        self.confirm_page = self._build_confirm_page()
        self.conflict_page = self._build_conflict_page()
        for page in (self.edit_page, self.confirm_page, self.conflict_page):
            self.pages.addWidget(page)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.banner)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.pages, 1)

        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        for number, view in enumerate(VIEWS, start=1):
            QShortcut(QKeySequence(f"Ctrl+{number}"), self,
                      lambda view=view: self._view_shortcut(view))

    def _build_edit_page(self) -> QWidget:
        self.document_edit = _pane("documentText", read_only=False)
        self.dynamodb_edit = _pane("dynamodbText", read_only=False)
        for view, edit in ((DOCUMENT, self.document_edit), (DYNAMODB, self.dynamodb_edit)):
            edit.textChanged.connect(lambda view=view: self._text_changed(view))
        self.tree_model = ItemTreeModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("itemTree")
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setStretchLastSection(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(0, 260)
        self.tree.setColumnWidth(1, 70)
        self.tree.doubleClicked.connect(self._tree_double_clicked)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("editorViews")
        self.tabs.addTab(self.document_edit, "Document")
        self.tabs.addTab(self.dynamodb_edit, "DynamoDB JSON")
        self.tabs.addTab(self.tree, "Tree")
        for number, view in enumerate(VIEWS):
            self.tabs.setTabToolTip(number, f"{VIEW_TITLES[view]} (Ctrl+{number + 1})")
        self.tabs.currentChanged.connect(self._tab_changed)

        self.error_label = QLabel()
        self.error_label.setObjectName("editorError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.problems_list = QListWidget()
        self.problems_list.setObjectName("editorProblems")
        self.problems_list.setWordWrap(True)
        self.problems_list.hide()
        self.status_label = QLabel()
        self.status_label.setObjectName("editorStatus")
        self.message = QLabel()
        self.message.setObjectName("editorMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.duplicate_button = _button("Duplicate…", "duplicateItem")
        self.duplicate_button.setToolTip("Make a copy under a new key (a new item)")
        self.delete_button = _button("Delete…", "deleteItem")
        self.delete_button.setToolTip("Delete this item (only if nobody changed it meanwhile)")
        self.close_button = _button("Close", "closeEditor")
        self.close_button.setToolTip("Close the editor (Esc)")
        self.save_button = _button("Save…", "saveItem", primary=True)
        self.save_button.setToolTip("Review what will be sent, then send it (Ctrl+S)")
        self.duplicate_button.clicked.connect(self.duplicate)
        self.delete_button.clicked.connect(self.delete)
        self.close_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.duplicate_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.problems_list)
        layout.addWidget(self.status_label)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        return page

    def _build_confirm_page(self) -> QWidget:
        self.confirm_title = QLabel()
        self.confirm_title.setObjectName("confirmTitle")
        self.confirm_title.setWordWrap(True)
        self.confirm_warning = QLabel()
        self.confirm_warning.setObjectName("confirmWarning")
        self.confirm_warning.setWordWrap(True)
        self.confirm_warning.hide()
        self.confirm_text = QLabel()
        self.confirm_text.setObjectName("confirmText")
        self.confirm_text.setWordWrap(True)
        self.changes_view = QTreeWidget()
        self.changes_view.setObjectName("changesView")
        self.changes_view.setHeaderLabels(["Change", "Attribute", "Before", "After"])
        self.changes_view.setRootIsDecorated(False)
        self.changes_view.setUniformRowHeights(True)
        self.changes_view.setAlternatingRowColors(True)
        self.changes_view.setColumnWidth(0, 90)
        self.changes_view.setColumnWidth(1, 200)
        self.changes_view.setColumnWidth(2, 300)
        self.request_heading = _heading("Request")
        self.request_view = _pane("requestView")
        self.confirm_status = QLabel()
        self.confirm_status.setObjectName("editorMessage")
        self.confirm_status.setWordWrap(True)
        self.back_button = _button("Back", "backToEditing")
        self.back_button.setToolTip("Nothing is sent (Esc)")
        self.send_button = _button("Send", "sendWrite", primary=True)
        self.back_button.clicked.connect(self.back)
        self.send_button.clicked.connect(self.send)

        changes = QWidget()
        changes_layout = QVBoxLayout(changes)
        changes_layout.setContentsMargins(0, 0, 0, 0)
        changes_layout.addWidget(_heading("What changes"))
        changes_layout.addWidget(self.changes_view)
        request = QWidget()
        request_layout = QVBoxLayout(request)
        request_layout.setContentsMargins(0, 0, 0, 0)
        request_layout.addWidget(self.request_heading)
        request_layout.addWidget(self.request_view)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(changes)
        split.addWidget(request)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        self._confirm_split = split

        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.confirm_status, 1)
        buttons.addWidget(self.send_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.confirm_title)
        layout.addWidget(self.confirm_warning)
        layout.addWidget(self.confirm_text)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        return page

    def _build_conflict_page(self) -> QWidget:
        self.conflict_title = QLabel()
        self.conflict_title.setObjectName("conflictTitle")
        self.conflict_title.setWordWrap(True)
        self.conflict_text = QLabel()
        self.conflict_text.setObjectName("conflictText")
        self.conflict_text.setWordWrap(True)
        self.conflict_summary = QLabel()
        self.conflict_summary.setObjectName("conflictSummary")
        self.conflict_summary.setWordWrap(True)
        self.conflict_table = QTreeWidget()
        self.conflict_table.setObjectName("conflictTable")
        self.conflict_table.setHeaderLabels(["Attribute", "Loaded", "Theirs", "Mine"])
        self.conflict_table.setRootIsDecorated(False)
        self.conflict_table.setUniformRowHeights(True)
        self.conflict_table.setAlternatingRowColors(True)
        self.conflict_table.setFont(_mono())
        self.conflict_table.setColumnWidth(0, 180)
        self.conflict_table.setColumnWidth(1, 250)
        self.conflict_table.setColumnWidth(2, 250)
        self.loaded_pane = _pane("loadedPane")
        self.theirs_pane = _pane("theirsPane")
        self.mine_pane = _pane("minePane")
        for pane in (self.loaded_pane, self.theirs_pane, self.mine_pane):
            pane.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        panes = QSplitter(Qt.Orientation.Horizontal)
        panes.setChildrenCollapsible(False)
        for title, pane in (("Loaded: what you opened", self.loaded_pane),
                            ("Theirs: in the table now", self.theirs_pane),
                            ("Mine: what you tried to save", self.mine_pane)):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(_heading(title))
            box_layout.addWidget(pane)
            panes.addWidget(box)
        legend = QLabel(
            f'<span style="background:{_THEIRS.name()}">&nbsp;they changed&nbsp;</span> '
            f'<span style="background:{_MINE.name()}">&nbsp;you changed&nbsp;</span> '
            f'<span style="background:{_BOTH.name()}">&nbsp;both changed&nbsp;</span>')
        legend.setObjectName("conflictLegend")
        self.conflict_message = QLabel()
        self.conflict_message.setObjectName("conflictMessage")
        self.conflict_message.setWordWrap(True)
        self.conflict_message.hide()
        self.conflict_cancel_button = _button("Cancel", "cancelConflict")
        self.conflict_cancel_button.setToolTip("Back to your edits; nothing is sent (Esc)")
        self.reload_button = _button("Reload theirs…", "reloadTheirs")
        self.reload_button.setToolTip("Discard your edits and edit their version")
        self.overwrite_button = _button("Overwrite with mine…", "overwriteTheirs", primary=True)
        self.overwrite_button.setToolTip("Make your changes to their version (you confirm "
                                         "what is sent first)")
        self.conflict_cancel_button.clicked.connect(self.cancel_conflict)
        self.reload_button.clicked.connect(self.reload_theirs)
        self.overwrite_button.clicked.connect(self.overwrite)
        buttons = QHBoxLayout()
        buttons.addWidget(self.conflict_cancel_button)
        buttons.addWidget(legend, 1)
        buttons.addWidget(self.reload_button)
        buttons.addWidget(self.overwrite_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.conflict_title)
        layout.addWidget(self.conflict_text)
        layout.addWidget(self.conflict_summary)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.conflict_table)
        split.addWidget(panes)
        split.setStretchFactor(1, 1)
        self._conflict_split = split
        layout.addWidget(split, 1)
        layout.addWidget(self.conflict_message)
        layout.addLayout(buttons)
        return page

    # --- state -------------------------------------------------------------------------

    def blank_item(self) -> Item:
        """A new item: each key attribute with an empty value of its type."""
        return {k.name: empty_value(k.attribute_type) for k in self.table.keys}

    @property
    def is_new(self) -> bool:
        """The item is not in the table yet (a new item or a copy)."""
        return self.loaded is None

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def sending(self) -> bool:
        return self._sending

    @property
    def view(self) -> str:
        return VIEWS[self.tabs.currentIndex()]

    @property
    def text_view(self) -> str:
        """The text view (document or dynamodb) whose text is being edited."""
        return self._text_view

    @property
    def problems(self) -> list[str]:
        return list(self._problems)

    @property
    def parse_error(self) -> codec.CodecError | None:
        return self._error

    def editor_for(self, view: str) -> QPlainTextEdit:
        return self.dynamodb_edit if view == DYNAMODB else self.document_edit

    def text(self) -> str:
        """The text being edited."""
        return self.editor_for(self._text_view).toPlainText()

    def set_text(self, text: str) -> None:
        """Replace the text being edited (as if the user typed it)."""
        self.editor_for(self._text_view).setPlainText(text)

    def item(self) -> Item:
        """The item the text says (raises `codec.CodecError` when it says none)."""
        return codec.loads(self.text(), self._text_view)

    def has_unsaved_changes(self) -> bool:
        if self.loaded is None and self._source is not None:
            return True  # a copy not saved yet
        try:
            item = self.item()
        except codec.CodecError:
            return True
        return not writes.same_item(item, self._baseline)

    # --- views -------------------------------------------------------------------------

    def set_view(self, view: str) -> bool:
        """Show `view` (document, dynamodb or tree); False when the switch was refused
        because the text does not parse."""
        self.tabs.setCurrentIndex(VIEWS.index(view))
        return self.view == view

    def _view_shortcut(self, view: str) -> None:
        if self.pages.currentWidget() is self.edit_page:
            self.set_view(view)

    def _tab_changed(self, index: int) -> None:
        target = VIEWS[index]
        previous = self._tab
        if target == self._text_view:
            self._tab = index
            self.editor_for(target).setFocus()
            return
        old = self.editor_for(self._text_view)
        try:
            item = self.item()
        except codec.CodecError as err:
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(previous)
            self.tabs.blockSignals(False)
            self._error = err
            self._show_parse_error(err, move_cursor=True)
            self._say(f"Fix the text before switching to {VIEW_TITLES[target]}: it must be "
                      "valid for the switch to convert it.", error=True)
            self._update_actions()
            return
        self._tab = index
        if target == TREE:
            self.tree_model.set_item(item)
            self.tree.expandToDepth(0)
            return
        spans = attribute_spans(old.toPlainText())
        line = old.textCursor().blockNumber()
        at = next((name for name, (a, b) in spans.items() if a <= line <= b), None)
        self._put_text(target, codec.dumps(item, target))
        self._text_view = target
        if at is not None:
            self._go_to_line(target, attribute_spans(self.text()).get(at, (0, 0))[0])
        self.check()

    def _tree_double_clicked(self, index: QModelIndex) -> None:
        """Double-click a row of the tree: its attribute in the text being edited."""
        top = index
        while top.parent().isValid():
            top = top.parent()
        name = top.siblingAtColumn(0).data(Qt.ItemDataRole.DisplayRole)
        self.set_view(self._text_view)
        span = attribute_spans(self.text()).get(name)
        if span is not None:
            self._go_to_line(self._text_view, span[0])

    def _go_to_line(self, view: str, line: int, column: int = 0) -> None:
        editor = self.editor_for(view)
        block = editor.document().findBlockByNumber(line)
        if not block.isValid():
            return
        cursor = editor.textCursor()
        cursor.setPosition(block.position() + _utf16(block.text()[:column]))
        editor.setTextCursor(cursor)
        editor.centerCursor()
        editor.setFocus()

    def _put_text(self, view: str, text: str) -> None:
        """Set a view's text from the program (not a user's edit)."""
        editor = self.editor_for(view)
        self._programmatic = True
        try:
            editor.setPlainText(text)
        finally:
            self._programmatic = False
        editor.setExtraSelections([])

    def _text_changed(self, view: str) -> None:
        if view != self._text_view:
            return
        if not self._programmatic:
            self._say("")  # a note about the last action no longer applies
        self._check_timer.start()

    # --- checking ----------------------------------------------------------------------

    def check(self) -> bool:
        """Read the text now: show a parse error at its line, or DynamoDB's problems with
        the item, and its size and cost. True when the item could be saved."""
        self._check_timer.stop()
        try:
            item = self.item()
        except codec.CodecError as err:
            self._parsed, self._error, self._problems = None, err, []
            self._show_parse_error(err, move_cursor=False)
        else:
            self._parsed, self._error = item, None
            self._problems = validate.problems(item, self.table)
            self.error_label.hide()
            self.editor_for(self._text_view).setExtraSelections([])
        self.problems_list.clear()
        self.problems_list.addItems(self._problems)
        self.problems_list.setVisible(bool(self._problems))
        if self._problems:  # as tall as its lines, up to five, then it scrolls
            rows = min(len(self._problems), 5)
            self.problems_list.setFixedHeight(
                rows * max(self.problems_list.sizeHintForRow(0), 16)
                + 2 * self.problems_list.frameWidth() + 4)
        if self._parsed is not None:
            count = len(self._parsed)
            names = "1 attribute" if count == 1 else f"{count} attributes"
            self.status_label.setText(f"Item size {size_text(self._parsed)} · {names}")
        else:
            self.status_label.setText("Size and cost: — (the text is not a valid item yet)")
        self._update_actions()
        return self._error is None and not self._problems

    def _show_parse_error(self, err: codec.CodecError, move_cursor: bool) -> None:
        """"Line L, column C: …" under the text, the line highlighted, the cursor there."""
        self.error_label.setText(str(err))
        self.error_label.show()
        editor = self.editor_for(self._text_view)
        if err.line is None:
            editor.setExtraSelections([])
            return
        _highlight_lines(editor, [(err.line - 1, err.line - 1, _ERROR_LINE)])
        if move_cursor:
            self._go_to_line(self._text_view, err.line - 1, max((err.column or 1) - 1, 0))

    def _update_actions(self) -> None:
        busy = self._loading or self._sending
        editable = not self.read_only and not busy
        for edit in (self.document_edit, self.dynamodb_edit):
            edit.setReadOnly(not editable)
        valid = self._error is None and not self._problems
        self.save_button.setEnabled(editable and valid)
        self.delete_button.setEnabled(editable and self.loaded is not None)
        self.duplicate_button.setEnabled(editable and self.loaded is not None
                                         and self._error is None)
        if self._error is not None:
            self.save_button.setToolTip("Save is off: the text is not valid JSON for this view")
        elif self._problems:
            self.save_button.setToolTip("Save is off: DynamoDB would refuse this item "
                                        "(see the problems listed)")
        else:
            self.save_button.setToolTip("Review what will be sent, then send it (Ctrl+S)")
        self.send_button.setEnabled(not self._sending and self.pending_plan is not None)
        self.back_button.setEnabled(not self._sending)
        for button in (self.conflict_cancel_button, self.overwrite_button):
            button.setEnabled(not self._sending)
        self.reload_button.setEnabled(not self._sending and self.conflict is not None
                                      and self.conflict.theirs is not None)

    def _say(self, text: str, error: bool = False) -> None:
        """A note (or an error) about the last action, under the editor."""
        self.message.setText(text)
        self.message.setProperty("kind", "error" if error else "note")
        _repolish(self.message)
        self.message.setVisible(bool(text))

    def _refresh_mode(self) -> None:
        table = self.table.name
        keys = ", ".join(f"{k.name} ({k.attribute_type})" for k in self.table.keys)
        if self.loaded is not None:
            key = writes.key_text(self._key_of(self.loaded))
            self.title.setText(key)
            self.subtitle.setText(f"Item in table {table} · {self.conn.profile.label}")
            self.setWindowTitle(f"{key} · {table} — Dynascope")
        else:
            what = ("New item" if self._source is None else
                    f"Copy of {writes.key_text(self._key_of(self._source))}")
            self.title.setText(what)
            self.subtitle.setText(f"Not in the table yet · table {table} · key: {keys} · "
                                  f"{self.conn.profile.label}")
            self.setWindowTitle(f"{what} · {table} — Dynascope")
        name = self.conn.profile.name
        if self.read_only:
            self._banner("readonly", f"Read-only: {name} is a read-only connection, so this "
                                     "item can be looked at but not changed. To edit it, turn "
                                     "off “Read-only” in the connection's settings.")
        elif self.conn.profile.production:
            self._banner("production", f"Production: {name} is marked as production. Every "
                                       "write is shown and confirmed before it is sent.")
        else:
            self.banner.hide()

    def _banner(self, kind: str, text: str) -> None:
        self.banner.setText(text)
        self.banner.setProperty("kind", kind)
        _repolish(self.banner)
        self.banner.show()

    def _key_of(self, item: Item) -> Item:
        return {k.name: item[k.name] for k in self.table.keys if k.name in item}

    # --- loading -----------------------------------------------------------------------

    async def _read_latest(self) -> None:
        try:
            assert self.loaded is not None
            key = writes.key_of(self.table, self.loaded)
            response = await self.conn.call(
                "get_item", f"read the item {writes.key_text(key)} from table {self.table.name}",
                TableName=self.table.name, Key=key, ConsistentRead=True)
        finally:
            self._loading = False
            self._update_actions()
        fresh = response.get("Item")
        listed = self.loaded
        if fresh is None:
            self._vanished = key
            self.loaded = None
            self._refresh_mode()
            self._say("This item is no longer in the table: it was deleted after the list was "
                      "read. Save creates it again from what is shown.", error=True)
        else:
            self.loaded = fresh
            if fresh != listed:
                self._adopt_text(fresh)
            self._say("" if writes.same_item(fresh, listed) else
                      "The table holds a newer or fuller version than the list showed; "
                      "the table's version is shown.")
        self.check()

    def _adopt_text(self, item: Item) -> None:
        """Show `item` as the unchanged state of the editor."""
        self._baseline = item
        self._put_text(self._text_view, codec.dumps(item, self._text_view))
        if self.view == TREE:
            self.tree_model.set_item(item)
            self.tree.expandToDepth(0)

    # --- saving ------------------------------------------------------------------------

    def save(self) -> None:
        """Ctrl+S: plan the write and show it for confirmation; nothing is sent yet."""
        if self.pages.currentWidget() is not self.edit_page or self._loading or self._sending:
            return
        if self.read_only:
            self._say(f"Not saved: {self.conn.profile.name} is a read-only connection.",
                      error=True)
            return
        if not self.check():
            if self._error is not None:
                self._show_parse_error(self._error, move_cursor=True)
            self._say("Nothing was sent: fix what is listed above first.", error=True)
            return
        edited = self._parsed
        assert edited is not None
        try:
            if self.loaded is None:
                plan = self._plan_new(edited)
            else:
                plan = writes.plan_save(self.table, self.loaded, edited, self.version_attribute)
        except DynascopeError as err:
            self._say(str(err), error=True)
            return
        if plan is None:
            self._say("Nothing to save: the item holds what was loaded. Nothing was sent.")
            return
        self._show_plan(plan)

    def _plan_new(self, edited: Item) -> writes.WritePlan:
        if self._source is not None:
            old, new = self._key_of(self._source), self._key_of(edited)
            if writes.same_item(old, new):
                raise DynascopeError(f"The copy still has the original's key "
                                     f"({writes.key_text(old)}); nothing was sent.",
                                     "Give the copy a different key, then Save.")
        return writes.plan_create(self.table, edited)

    def delete(self) -> None:
        """Plan the delete of the loaded item and show it for confirmation."""
        if self.loaded is None or self.read_only or self._loading or self._sending:
            return
        try:
            plan = writes.plan_delete(self.table, self.loaded, self.version_attribute)
        except DynascopeError as err:
            self._say(str(err), error=True)
            return
        self._show_plan(plan)

    def _show_plan(self, plan: writes.WritePlan, overwrite: bool = False) -> None:
        self.pending_plan = plan
        self._overwriting = overwrite
        table = self.table.name
        operation = operation_name(plan.operation)
        if plan.kind == "update":
            changes = item_diff(plan.loaded, plan.mine)
            count = "1 change" if len(changes) == 1 else f"{len(changes)} changes"
            title = f"Save {count} to {writes.key_text(self._key_of(plan.loaded or {}))}?"
            text = ("Only the attributes that changed are sent (SET/REMOVE; an attribute "
                    "changed inside is sent whole), and only if each still holds the value you "
                    "loaded: if someone changed one meanwhile, nothing is written and you see "
                    "both versions.")
            send = "Save"
        elif plan.kind == "create":
            changes = item_diff(None, plan.mine)
            title = (f"Create the item {writes.key_text(self._key_of(plan.mine or {}))} "
                     f"in table {table}?")
            text = ("The item is written only if no item has this key yet; an existing item "
                    "is never overwritten.")
            send = "Create"
        elif plan.kind == "delete":
            changes = item_diff(plan.loaded, None)
            title = (f"Delete the item {writes.key_text(self._key_of(plan.loaded or {}))} "
                     f"from table {table}?")
            text = ("The item is deleted only if it still holds what you loaded. This cannot "
                    "be undone.")
            send = "Delete"
        else:
            changes = item_diff(plan.loaded, plan.mine)
            old = writes.key_text(self._key_of(plan.loaded or {}))
            new = writes.key_text(self._key_of(plan.mine or {}))
            title = f"This is a move: {old} → {new} in table {table}"
            text = ("You changed a key attribute, and a key cannot be updated in place. One "
                    "transaction (TransactWriteItems) puts the item under the new key, only if "
                    "that key is free, and deletes the old item, only if it still holds what "
                    "you loaded: both happen or neither.")
            send = "Move"
        if overwrite:
            title = f"Overwrite their version: {title[0].lower()}{title[1:]}"
            text = ("Your changes are made to the version in the table now, and their changes "
                    "to other attributes are kept. It goes through only if the item is still "
                    "the version you just saw; otherwise you see the conflict again.")
            if plan.kind == "create":
                text = ("The item is created again from your version, only if nobody has "
                        "created it meanwhile.")
        if plan.note:
            text += " " + plan.note
        self.confirm_title.setText(title)
        self.confirm_text.setText(text)
        production = self.conn.needs_confirmation(plan.operation, plan.request)
        if production:
            self.confirm_warning.setText(
                f"⚠ Production: {self.conn.profile.name} is a production connection. This "
                f"{operation} changes live data in {table}.")
            send += " on production"
        self.confirm_warning.setVisible(production)
        self.send_button.setText(send)
        self.changes_view.clear()
        for change in changes:
            row = QTreeWidgetItem([change.kind, change.path_text,
                                   "" if change.old is None else codec.display(change.old),
                                   "" if change.new is None else codec.display(change.new)])
            row.setForeground(0, _KIND_COLOURS.get(change.kind, QColor("#39404d")))
            if change.added_members or change.removed_members:
                row.setToolTip(3, f"members added: {len(change.added_members)}, "
                                  f"removed: {len(change.removed_members)}")
            for column in (2, 3):
                row.setToolTip(column, row.text(column))
            self.changes_view.addTopLevelItem(row)
        rows = self.changes_view.topLevelItemCount()
        list_height = 60 + 22 * min(max(rows, 1), 10)
        self._confirm_split.setSizes([list_height, max(self.height(), 600) - list_height])
        self.request_heading.setText(f"Request: {operation}, exactly as it will be sent")
        self.request_view.setPlainText(request_json(plan.request))
        self.confirm_status.setText("")
        self.pages.setCurrentWidget(self.confirm_page)
        self.back_button.setFocus()
        self._update_actions()

    def back(self) -> None:
        """Leave the confirmation without sending anything."""
        if self._sending:
            return
        self.pending_plan = None
        if self._overwriting and self.conflict is not None:
            self.pages.setCurrentWidget(self.conflict_page)
        else:
            self.pages.setCurrentWidget(self.edit_page)
            self._say("Nothing was sent.")
        self._overwriting = False
        self._update_actions()

    def send(self) -> None:
        """Send the confirmed write."""
        plan = self.pending_plan
        if plan is None or self._sending:
            return
        self._sending = True
        self.confirm_status.setProperty("kind", "note")
        _repolish(self.confirm_status)
        self.confirm_status.setText(f"Sending {operation_name(plan.operation)}…")
        self._update_actions()
        self.tasks.start(self._send(plan), key="write")

    async def _send(self, plan: writes.WritePlan) -> None:
        try:
            result = await writes.save(self.conn, plan)
        except writes.Conflict as conflict:
            self._sending = False
            self._show_conflict(conflict)
            return
        except DynascopeError as err:
            self._sending = False
            self.pending_plan = None
            self.pages.setCurrentWidget(self.edit_page)
            self._say(str(err), error=True)
            self._update_actions()
            return
        except BaseException:
            self._sending = False
            self._update_actions()
            raise
        self._sending = False
        self._written(result)

    def _written(self, result: writes.SaveResult) -> None:
        plan = result.plan
        before = self._key_of(self.loaded) if self.loaded is not None else self._vanished
        self._vanished = None
        self.pending_plan = None
        self.conflict = None
        self._overwriting = False
        note = f" {result.note}" if result.note else ""
        if plan.kind == "delete":
            key = before if before is not None else self._key_of(plan.loaded or {})
            self.last_note = (f"Deleted {writes.key_text(key)} from table "
                              f"{self.table.name}.{note}")
            self.deleted.emit(key)
            self.replaced.emit(key, None)
            self._closing = True
            self.accept()
            return
        item = result.item if result.item is not None else plan.mine
        assert item is not None
        self.loaded = item
        self._source = None
        self._adopt_text(item)
        self._refresh_mode()
        self.pages.setCurrentWidget(self.edit_page)
        verb = {"update": "Saved", "create": "Created", "move": "Moved"}.get(plan.kind, "Saved")
        self.last_note = f"{verb} in table {self.table.name} at {time.strftime('%H:%M:%S')}.{note}"
        self.check()
        self._say(self.last_note)
        self.saved.emit(item)
        self.replaced.emit(before, item)

    # --- conflicts ---------------------------------------------------------------------

    def show_conflict(self, conflict: writes.Conflict) -> None:
        """Show a conflict met elsewhere (an edit in the grid): the editor holds the
        user's version, and the conflict view offers reload, overwrite or cancel."""
        if conflict.mine is not None:
            self._put_text(self._text_view, codec.dumps(conflict.mine, self._text_view))
            self.check()
        self._show_conflict(conflict)

    def _show_conflict(self, conflict: writes.Conflict) -> None:
        self.conflict = conflict
        self.pending_plan = None
        loaded = conflict.loaded or {}
        theirs, mine = conflict.theirs, conflict.mine
        # A deleted version counts as no attribute changed: the summary says it is gone.
        they = _changed_names(loaded, theirs) if theirs is not None else set()
        yours = _changed_names(loaded, mine) if mine is not None else set()
        self.conflict_title.setText(conflict.message)
        self.conflict_text.setText(conflict.hint)
        parts = []
        if theirs is None:
            parts.append("They deleted the item.")
        elif they:
            parts.append(f"They changed: {', '.join(sorted(they))}.")
        if mine is None:
            parts.append("You asked to delete the item.")
        elif yours:
            parts.append(f"You changed: {', '.join(sorted(yours))}.")
        both = they & yours
        if both:
            parts.append(f"Both changed: {', '.join(sorted(both))}.")
        self.conflict_summary.setText(" ".join(parts))
        self.conflict_table.clear()
        for name in [n for n in dict.fromkeys([*loaded, *(theirs or {}), *(mine or {})])
                     if n in they or n in yours]:
            cells = [name]
            for item, gone in ((loaded, ""), (theirs, "(deleted)"), (mine, "(deleted)")):
                if item is None:
                    cells.append(gone)
                else:
                    cells.append(codec.display(item[name]) if name in item else "(absent)")
            row = QTreeWidgetItem(cells)
            colour = _BOTH if name in both else _THEIRS if name in they else _MINE
            row.setBackground(0, colour)
            for column in range(1, 4):
                row.setToolTip(column, row.text(column))
            self.conflict_table.addTopLevelItem(row)
        rows = self.conflict_table.topLevelItemCount()
        table_height = 34 + 22 * min(max(rows, 1), 6)
        self._conflict_split.setSizes([table_height, max(self.height(), 600) - table_height])
        panes = ((self.loaded_pane, loaded, ""),
                 (self.theirs_pane, theirs, "(not in the table: someone deleted this item)"),
                 (self.mine_pane, mine, "(you asked to delete this item)"))
        for pane, item, missing in panes:
            pane.setPlainText(codec.dumps(item, DOCUMENT) if item is not None else "")
            pane.setPlaceholderText(missing)
            spans = attribute_spans(pane.toPlainText())
            lines = []
            for name, (first, last) in spans.items():
                colour = (_BOTH if name in both else _THEIRS if name in they
                          else _MINE if name in yours else None)
                if colour is not None:
                    lines.append((first, last, colour))
            _highlight_lines(pane, lines)
            if lines:  # the first difference in view
                first_line = min(first for first, _last, _colour in lines)
                cursor = QTextCursor(pane.document().findBlockByNumber(first_line))
                pane.setTextCursor(cursor)
                pane.centerCursor()
        if theirs is None:
            self.overwrite_button.setText("Create it again…")
            self.overwrite_button.setToolTip("Create the item again from your version")
        elif conflict.plan.kind == "delete":
            self.overwrite_button.setText("Delete theirs…")
            self.overwrite_button.setToolTip("Delete the item as it is now")
        else:
            self.overwrite_button.setText("Overwrite with mine…")
        self.conflict_message.hide()
        self.pages.setCurrentWidget(self.conflict_page)
        self.conflict_cancel_button.setFocus()
        self._update_actions()

    def cancel_conflict(self) -> None:
        """Back to editing; nothing is sent."""
        if self._sending:
            return
        self.conflict = None
        self.pages.setCurrentWidget(self.edit_page)
        self._say("Nothing was sent. Your edits are still here; Save compares them with "
                  "the table again.")
        self._update_actions()

    def reload_theirs(self) -> None:
        """Discard my edits (after asking) and edit their version."""
        if self.conflict is None or self.conflict.theirs is None or self._sending:
            return
        theirs = self.conflict.theirs
        self._ask("Discard your edits and load their version?",
                  "Your changes in this editor are lost; the item as the table holds it now "
                  "becomes the one you edit.", "Discard mine and reload",
                  lambda: self._reload(theirs))

    def _reload(self, theirs: Item) -> None:
        self.loaded = theirs
        self._source = None
        self.conflict = None
        self._adopt_text(theirs)
        self._refresh_mode()
        self.pages.setCurrentWidget(self.edit_page)
        self.check()
        self._say("Their version is loaded. Make your changes again, then Save.")

    def overwrite(self) -> None:
        """Plan my changes over theirs (or create again) and show it for confirmation."""
        conflict = self.conflict
        if conflict is None or self._sending:
            return
        try:
            plan = writes.plan_overwrite(conflict)
        except DynascopeError as err:
            self.conflict_message.setText(str(err))
            self.conflict_message.show()
            return
        if plan is None:
            if conflict.theirs is not None:
                self._reload(conflict.theirs)
                self._say("Their version already holds your changes; nothing was sent.")
            else:
                self.cancel_conflict()
            return
        self._show_plan(plan, overwrite=True)

    # --- copies ------------------------------------------------------------------------

    def duplicate(self) -> None:
        """Turn the editor into a new item with the current content; the key is selected
        for editing. The original stays as it is."""
        if self.loaded is None or self.read_only or self._loading or self._sending:
            return
        self.check()
        if self._error is not None:
            self._show_parse_error(self._error, move_cursor=True)
            self._say("Fix the text before making a copy of it.", error=True)
            return
        assert self._parsed is not None
        self._source = self.loaded
        self.loaded = None
        self._baseline = self._parsed
        if self._text_view != DOCUMENT or self.view != DOCUMENT:
            self.set_view(DOCUMENT)
        self._refresh_mode()
        self._update_actions()
        self._select_key()
        self._say("This is a copy, not saved yet: give it a new key, then Save to create it.")

    def _select_key(self) -> None:
        """Select the partition key's value in the document view, ready to type over."""
        if self._text_view != DOCUMENT:
            return
        editor = self.document_edit
        span = attribute_spans(editor.toPlainText()).get(self.table.partition_key.name)
        if span is None:
            return
        block = editor.document().findBlockByNumber(span[0])
        line = block.text()
        try:
            _name, end = scanstring(line, 3)
        except ValueError:
            return
        start = end + 2  # after '": '
        stop = len(line) - (1 if line.endswith(",") else 0)
        if stop - start >= 2 and line[start] == '"' and line[stop - 1] == '"':
            start, stop = start + 1, stop - 1  # inside the quotes
        cursor = editor.textCursor()
        cursor.setPosition(block.position() + _utf16(line[:start]))
        cursor.setPosition(block.position() + _utf16(line[:stop]),
                           QTextCursor.MoveMode.KeepAnchor)
        editor.setTextCursor(cursor)
        editor.setFocus()

    # --- questions and closing ---------------------------------------------------------

    def _ask(self, text: str, detail: str, yes: str, on_yes: Callable[[], None]) -> None:
        """A question that does not block the loop; `on_yes` runs if the user agrees."""
        def forget(box: QMessageBox) -> None:
            if self.question is box:
                self.question = None
                self.question_yes = None

        self.question, self.question_yes = open_question(
            self, "editorQuestion", "Dynascope", text, detail, yes, on_yes,
            no="Keep editing", icon=QMessageBox.Icon.Question, on_close=forget)

    def reject(self) -> None:
        """Esc and Close: leave a confirmation or conflict view without sending; close the
        editor, asking first when there are unsaved changes."""
        if self._sending:
            self.confirm_status.setText("Wait: the write is on its way and cannot be "
                                        "called back.")
            return
        page = self.pages.currentWidget()
        if page is self.confirm_page:
            self.back()
            return
        if page is self.conflict_page:
            self.cancel_conflict()
            return
        if self._closing or self.read_only or not self.has_unsaved_changes():
            self._close_now()
            return
        self._ask("Discard your unsaved changes?",
                  "What you changed in this editor has not been saved.", "Discard changes",
                  self._close_now)

    def _close_now(self) -> None:
        self._closing = True
        super().reject()

    def discard_and_close(self) -> None:
        """Close without asking (the app is quitting)."""
        self._close_now()

    def done(self, result: int) -> None:
        self.tasks.cancel("load")
        super().done(result)

    def _task_failed(self, exc: BaseException) -> None:
        message, hint = user_message(exc)
        if isinstance(exc, DynascopeError):
            self._say(f"Could not read the item's latest version: {message} The item is "
                      "shown as it was listed; a save still only goes through if it holds "
                      "these values.", error=True)
            self._update_actions()
            return
        self._say(f"{message} {hint}".strip(), error=True)
        raise exc


__all__ = ["DOCUMENT", "DYNAMODB", "TREE", "VIEWS", "ItemEditor", "attribute_spans",
           "empty_value", "request_json", "size_text"]
