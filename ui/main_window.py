"""The main window: the connection tree on the left, what is selected on the right."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.catalog import TableInfo
from app.connections import Connection, ConnectionProfile, connect, run_blocking
from app.errors import DynascopeError
from app.history import Entry, History, connection_key
from app.sandbox import SANDBOX_REGION, Sandbox
from ui import colors
from ui.catalog_tree import CatalogModel, Node
from ui.connection_dialog import (
    ConnectionManager,
    SavedConnectionsPage,
    confirm_write,
    error_box,
)
from ui.dialogs import open_question
from ui.resources import icon
from ui.tasks import Tasks, user_message

if TYPE_CHECKING:  # the editor and the write core load on first use: a faster start
    from app import writes
    from app.query import QuerySpec
    from ui.item_editor import ItemEditor


class MessagePage(QWidget):
    """A centred page with a title, a text, an optional progress bar and buttons."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QWidget()
        box.setMaximumWidth(560)
        layout = QVBoxLayout(box)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        self.text = QLabel()
        self.text.setObjectName("pageText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.hide()
        self.buttons = QHBoxLayout()
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addWidget(self.progress)
        layout.addLayout(self.buttons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def add_button(self, text: str, name: str, primary: bool = False) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        if primary:
            button.setDefault(True)
            button.setProperty("primary", True)
        self.buttons.addWidget(button)
        return button

    def set_text(self, title: str, text: str) -> None:
        self.title.setText(title)
        self.text.setText(text)


def key_text(value: dict) -> str:
    """A key value as the builder's field takes it (binary keys in base64)."""
    (kind, v), = value.items()
    return base64.b64encode(v).decode("ascii") if kind == "B" else str(v)


def _ttl_attribute(info: TableInfo) -> str | None:
    """The attribute the table's TTL reads, while TTL is on (or turning on or off)."""
    if info.ttl_attribute and info.ttl_status in ("ENABLED", "ENABLING", "DISABLING"):
        return info.ttl_attribute
    return None


class _TablePage:
    """A table page of the main window, or a part of one (`window.results`): the first
    read of any of them makes them all (`MainWindow._build_table_pages`), which then set
    instance attributes of the same names that hide this descriptor."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, window: Any, owner: type | None = None) -> Any:
        if window is None:
            return self
        window._build_table_pages()
        return window.__dict__[self.name]


class MainWindow(QMainWindow):
    # The table's pages are made when the first table is shown (or a test or a menu
    # reaches for one), not with the window: it shows sooner (tests/bench/bench_startup.py).
    details = _TablePage()  # TableInfoPanel
    table_tabs = _TablePage()  # QTabWidget: details, items_page, streams, ttl
    items_page = _TablePage()  # QSplitter: readers over results
    readers = _TablePage()  # QTabWidget: builder, partiql, history_panel
    builder = _TablePage()  # QueryBuilder
    partiql = _TablePage()  # PartiqlEditor
    history_panel = _TablePage()  # HistoryPanel
    results = _TablePage()  # ResultsPanel
    streams = _TablePage()  # StreamsPanel
    ttl = _TablePage()  # TtlPanel
    #: the table pages were just made (ui.application.settle freezes them for the GC)
    tablePagesBuilt = Signal()

    def __init__(self, sandbox_region: str = SANDBOX_REGION,
                 settings_path: Path | None = None) -> None:
        super().__init__()
        self.history = History(settings_path)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Dynascope")
        self.setWindowIcon(icon("dynascope"))
        self.resize(1240, 780)
        self.sandbox_region = sandbox_region
        self.settings_path = settings_path  # None: app.settings.default_path()
        self.connection_dialog: ConnectionManager | None = None
        self.sandboxes: list[Sandbox] = []
        self.tasks = Tasks(self._report_failure)

        self.model = CatalogModel(self)
        self.model.loadFailed.connect(self._load_failed)
        self.model.tableDescribed.connect(self._table_described)
        self.tree = QTreeView()
        self.tree.setObjectName("catalogTree")
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setMinimumWidth(240)
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)

        self.welcome = MessagePage("welcomePage")
        self.welcome.set_text(
            "Welcome to Dynascope",
            "You have no saved connection yet. Start with the local sandbox: a DynamoDB "
            "endpoint on this machine with five demo tables, so you can look around "
            "without touching a real account.\n\nTo open DynamoDB Local, LocalStack or "
            "another endpoint instead, use File ▸ Connect to endpoint; to save AWS "
            "profiles and endpoints, File ▸ Manage connections.")
        self.sandbox_button = self.welcome.add_button(
            "Open the local sandbox", "openSandboxButton", primary=True)
        self.sandbox_button.clicked.connect(self.open_sandbox)
        self.start_page = SavedConnectionsPage()
        self.start_page.connectRequested.connect(self.connect_profile)
        self.start_page.manageRequested.connect(self.manage_connections)
        self.start_page.sandboxRequested.connect(self.open_sandbox)
        self.message = MessagePage("messagePage")
        self.retry_button = self.message.add_button("Retry", "retryButton")
        self.retry_button.clicked.connect(self.refresh)
        self.retry_button.hide()
        self.copy_command_button = self.message.add_button("Copy command",
                                                           "copyCommandButton")
        self.copy_command_button.clicked.connect(self._copy_message_command)
        self.copy_command_button.hide()
        self._message_command = ""

        self.pages = QStackedWidget()
        self.editors: list[ItemEditor] = []  # the item editors open now
        self.delete_box: QMessageBox | None = None  # the delete confirmation, while open
        self.cell_box: QMessageBox | None = None  # a production question for a cell edit
        #: boto3 and botocore being imported on a worker thread (ui.application.settle)
        self.sdk_loading: Future | None = None
        self.quit_box: QMessageBox | None = None  # "quit with unsaved edits?", while open
        self._quitting = False  # the user chose to quit and lose unsaved edits
        self.delete_progress: QProgressDialog | None = None  # while a delete runs
        self._last_run = ""
        self._recording = True
        self._table: tuple[Node, TableInfo, str | None] | None = None  # what is shown
        self._items_of: tuple[int, str, str | None] | None = None  # whose items the grid has
        for page in (self.welcome, self.start_page, self.message):
            self.pages.addWidget(page)

        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 940])
        self.setCentralWidget(splitter)

        self.status_label = QLabel()
        self.status_label.setObjectName("statusText")
        self.status_progress = QProgressBar()
        self.status_progress.setMaximumWidth(220)
        self.status_progress.hide()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.status_progress)
        self._build_menus()
        self.pages.setCurrentWidget(self.welcome)
        self._show_start_page()

    @property
    def _pages_built(self) -> bool:
        return "table_tabs" in self.__dict__

    def _build_table_pages(self) -> None:
        """Make the table's pages (Details, Items, Stream, TTL): on first use, not with
        the window (they and their modules take longer than all the rest of the start)."""
        if self._pages_built:
            return
        from ui.history_view import HistoryPanel
        from ui.partiql_editor import PartiqlEditor
        from ui.query_builder import QueryBuilder
        from ui.results_view import ResultsPanel
        from ui.streams_view import StreamsPanel
        from ui.table_info import TableInfoPanel
        from ui.ttl_view import TtlPanel

        self.details = TableInfoPanel()
        self.results = ResultsPanel()
        self.results.failed.connect(self._results_failed)
        self.results.openRequested.connect(self.open_item)
        self.results.newRequested.connect(self.new_item)
        self.results.deleteRequested.connect(self.delete_items)
        self.results.cellEdited.connect(self.save_cell)
        self.table_tabs = QTabWidget()
        self.table_tabs.setObjectName("tableTabs")
        self.table_tabs.addTab(self.details, "Details")
        self.builder = QueryBuilder()
        self.builder.runRequested.connect(self.run_spec)
        self.results.model.columnsInserted.connect(
            lambda *_: self.builder.see_attributes(self.results.model.columns))
        self.items_page = QSplitter(Qt.Orientation.Vertical)
        self.items_page.setObjectName("itemsPage")
        self.partiql = PartiqlEditor()
        self.partiql.runRequested.connect(self.run_statement)
        self.readers = QTabWidget()
        self.readers.setObjectName("readers")
        self.readers.addTab(self.builder, "Query / Scan")
        self.readers.addTab(self.partiql, "PartiQL")
        self.history_panel = HistoryPanel()
        self.history_panel.restore.connect(self.restore_query)
        self.history_panel.saveRequested.connect(self.save_query)
        self.history_panel.deleteRequested.connect(self.delete_saved_query)
        self.readers.addTab(self.history_panel, "History")
        self.items_page.addWidget(self.readers)
        self.items_page.addWidget(self.results)
        self.items_page.setStretchFactor(0, 2)
        self.items_page.setStretchFactor(1, 3)
        self.items_page.setSizes([330, 470])
        self.table_tabs.addTab(self.items_page, "Items")
        self.streams = StreamsPanel()
        self.streams.tableChanged.connect(lambda _info: self.refresh())
        self.streams.failed.connect(
            lambda message, hint: self.show_status(f"{message} {hint}".strip(), error=True))
        self.streams.openItem.connect(self.open_item_keys)
        self.table_tabs.addTab(self.streams, "Stream")
        self.ttl = TtlPanel()
        self.ttl.ttlChanged.connect(lambda _status: self.refresh())
        self.ttl.failed.connect(
            lambda message, hint: self.show_status(f"{message} {hint}".strip(), error=True))
        self.ttl.watch_items(self.results.model.items)  # the histogram of the loaded items
        self.results.model.rowsInserted.connect(self.ttl.items_changed)
        self.results.model.modelReset.connect(self.ttl.items_changed)
        self.table_tabs.addTab(self.ttl, "TTL")
        self.table_tabs.currentChanged.connect(lambda _i: self._ensure_items())
        self.pages.addWidget(self.table_tabs)
        self.tablePagesBuilt.emit()

    # --- menus -------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.sandbox_action = self._action(file_menu, "Open local &sandbox", self.open_sandbox,
                                           "Ctrl+Shift+S")
        self._action(file_menu, "Connect to &endpoint…", self.ask_endpoint, "Ctrl+Shift+E")
        self._action(file_menu, "&Manage connections…", self.manage_connections,
                     "Ctrl+Shift+M")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        view_menu = self.menuBar().addMenu("&View")
        self._action(view_menu, "&Refresh", self.refresh, QKeySequence.StandardKey.Refresh)
        self._action(view_menu, "Table &details",
                     lambda: self.table_tabs.setCurrentWidget(self.details), "Ctrl+1")
        self._action(view_menu, "Table &items", self.show_items, "Ctrl+2")
        items_menu = self.menuBar().addMenu("&Items")
        self._action(items_menu, "&New item…", self.new_item, "Ctrl+N")
        self._action(items_menu, "&Delete selected items…",
                     lambda: self.results.request_delete())
        self._action(view_menu, "Table &stream",
                     lambda: self.table_tabs.setCurrentWidget(self.streams), "Ctrl+3")
        self._action(view_menu, "Table &TTL",
                     lambda: self.table_tabs.setCurrentWidget(self.ttl), "Ctrl+4")
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About Dynascope", self.about)

    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- connections -------------------------------------------------------------------

    def add_connection(self, profile: ConnectionProfile,
                       connection: Connection | None = None) -> QModelIndex:
        """Show a connection in the tree and list its tables."""
        index = self.model.add_connection(connection or connect(profile))
        self.tree.expand(index)  # the view asks the model to fetch the tables
        self.tree.setCurrentIndex(index)
        return index

    def open_sandbox(self) -> None:
        self._open_sandbox()

    def _open_sandbox(self, saved: ConnectionProfile | None = None) -> None:
        """Open the local sandbox, as `saved` (a saved sandbox connection: its name, colour
        and flags) when given. A sandbox already open is selected instead."""
        if self.tasks.running("sandbox"):
            return
        for row, existing in enumerate(self.model.connections()):
            if existing.profile.kind == "sandbox" and any(
                    existing.profile.endpoint_url == s.endpoint_url for s in self.sandboxes
            ) and (saved is None or existing.profile.id == saved.id):
                self.tree.setCurrentIndex(self.model.index(row, 0))
                return
        self.tasks.start(self._start_sandbox(saved), key="sandbox")

    async def _start_sandbox(self, saved: ConnectionProfile | None = None) -> None:
        box = Sandbox(region=self.sandbox_region)
        loop = asyncio.get_running_loop()
        self.sandbox_button.setEnabled(False)
        self.sandbox_action.setEnabled(False)
        self.welcome.progress.show()
        self.show_status("Starting the local sandbox…")

        def progress(step: str, done: int, total: int) -> None:
            loop.call_soon_threadsafe(self._sandbox_progress, step, done, total)

        try:
            await run_blocking(box.start, progress)
        finally:
            self.sandbox_button.setEnabled(True)
            self.sandbox_action.setEnabled(True)
            self.welcome.progress.hide()
            self.status_progress.hide()
        self.sandboxes.append(box)
        self.show_status(f"Sandbox ready at {box.endpoint_url} (region {box.region}) "
                         f"in {box.seconds_to_ready:.1f} s")
        profile = box.profile
        if saved is not None:
            profile = dataclasses.replace(
                profile, id=saved.id, name=saved.name, color=saved.color,
                read_only=saved.read_only, production=saved.production)
        self.add_connection(profile)

    def _sandbox_progress(self, step: str, done: int, total: int) -> None:
        for bar in (self.welcome.progress, self.status_progress):
            bar.setRange(0, max(total, 1))
            bar.setValue(done)
            bar.setFormat(f"{step} %p%")
            bar.show()

    def manage_connections(self) -> None:
        """File ▸ Manage connections (Ctrl+Shift+M): the connection manager dialog."""
        if self.connection_dialog is not None:
            self.connection_dialog.raise_()
            self.connection_dialog.activateWindow()
            return
        dialog = ConnectionManager(self.settings_path, self)
        dialog.connectRequested.connect(self.connect_profile)
        dialog.saved.connect(self._show_start_page)
        dialog.finished.connect(lambda _result: self._connection_dialog_closed(dialog))
        self.connection_dialog = dialog
        dialog.open()

    def _connection_dialog_closed(self, dialog: ConnectionManager) -> None:
        if self.connection_dialog is dialog:
            self.connection_dialog = None
        dialog.deleteLater()
        self._show_start_page()

    def connect_profile(self, profile: ConnectionProfile) -> None:
        """Open a connection from the manager or the start page (selected if open)."""
        if profile.kind == "sandbox":
            self._open_sandbox(profile)
            return
        row = self.model.connection_row(profile.id)
        if row >= 0:
            self.tree.setCurrentIndex(self.model.index(row, 0))
            return
        self.add_connection(profile)

    def _show_start_page(self) -> None:
        """The saved connections instead of the welcome page, when there are any."""
        count = self.start_page.reload(self.settings_path)
        if self.pages.currentWidget() in (self.welcome, self.start_page):
            problem = bool(self.start_page.problem.text())
            self.pages.setCurrentWidget(
                self.start_page if count or problem else self.welcome)

    def ask_endpoint(self) -> None:
        url, ok = QInputDialog.getText(
            self, "Connect to endpoint",
            "Endpoint URL (DynamoDB Local, LocalStack, moto…):", QLineEdit.EchoMode.Normal,
            "http://localhost:8000")
        if not ok or not url.strip():
            return
        url = url.strip()
        if not url.startswith(("http://", "https://")):
            self.show_error("That is not an endpoint URL.",
                            "Write it with its scheme, for example http://localhost:8000.")
            return
        region, ok = QInputDialog.getText(self, "Connect to endpoint", "Region:",
                                          QLineEdit.EchoMode.Normal, "us-east-1")
        if ok and region.strip():
            self.add_connection(ConnectionProfile(name=url, kind="endpoint",
                                                  region=region.strip(), endpoint_url=url))

    # --- selection and details ---------------------------------------------------------

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self.show_node(indexes[0])

    def show_node(self, index: QModelIndex) -> None:
        node = self.model.node(index)
        if node.kind == "index":
            table = node.parent
            if table is not None and table.info is not None:
                self._show_table(table, table.info, node.name)
                self.details.select_index(node.name)
            return
        self._set_message_command("")
        if node.kind == "connection":
            p = node.conn().profile
            self.retry_button.hide()
            self.message.set_text(p.name, f"Endpoint: {p.endpoint_url or 'AWS'}\n"
                                          f"Region: {p.region}\n\nSelect a table to see "
                                          "its keys, indexes and settings.")
            self.pages.setCurrentWidget(self.message)
            return
        if node.kind == "message" and node.error and node.parent is not None:
            self.message.set_text(f"Could not load {node.parent.name}",
                                  f"{node.error}\n\nPress F5 or Retry to try again.")
            self.retry_button.show()
            self._set_message_command(node.command)
            self.pages.setCurrentWidget(self.message)
            return
        if node.kind != "table":
            return
        if node.info is not None:
            self._show_table(node, node.info)
            return
        self.retry_button.hide()
        self.message.set_text(node.name, "Reading the table's description…")
        self.pages.setCurrentWidget(self.message)
        if not node.loaded:
            self.tree.expand(index)  # the model describes it and lists its indexes
        self.model.describe(index)

    def _current_node(self) -> Node | None:
        index = self.tree.currentIndex()
        return self.model.node(index) if index.isValid() else None

    def _table_described(self, node: Node, info: TableInfo) -> None:
        if self._current_node() is node:
            self._show_table(node, info)

    def _show_table(self, node: Node, info: TableInfo, index_name: str | None = None) -> None:
        profile = node.conn().profile
        for tabs in (self.table_tabs, self.readers):  # the connection's colour on its tabs
            colors.tint_tabs(tabs, profile.color, profile.name)
        self.details.show_info(info, profile.region)
        self.streams.set_table(node.conn(), info)
        self.ttl.set_table(node.conn(), info)
        self._table = (node, info, index_name)
        self.pages.setCurrentWidget(self.table_tabs)
        self._ensure_items()

    def show_items(self) -> None:
        """Ctrl+2: the Items tab of the table shown."""
        if self._pages_built and self.pages.currentWidget() is self.table_tabs:
            self.table_tabs.setCurrentWidget(self.items_page)

    def _ensure_items(self) -> None:
        """When the Items tab is in view, scan the table (or index) shown, once."""
        if self._table is None or self.table_tabs.currentWidget() is not self.items_page:
            return
        node, info, index_name = self._table
        which = (id(node), info.name, index_name)
        if which == self._items_of:
            return
        self._items_of = which
        profile = node.conn().profile
        self.builder.set_table(info, profile.region, profile.endpoint_url, index_name)
        self.partiql.set_table(info)
        self.builder.scan_radio.setChecked(True)
        self._recording = False  # the scan that opens the tab is not a query of the user's
        try:
            self.builder.run()
        finally:
            self._recording = True
        self._show_history()

    def open_item_keys(self, keys: dict) -> None:
        """From a stream record to the live item: a Query on its keys in the Items tab."""
        if self._table is None:
            return
        _node, info, _index = self._table
        self.table_tabs.setCurrentWidget(self.items_page)
        self.readers.setCurrentWidget(self.builder)
        b = self.builder
        b.target.setCurrentIndex(0)  # the table itself
        b.query_radio.setChecked(True)
        b.clear_filters()
        b.pk_value.setText(key_text(keys[info.partition_key.name]))
        sk = info.sort_key
        if sk is not None and sk.name in keys:
            b.sk_op.setCurrentText("=")
            b.sk_value.setText(key_text(keys[sk.name]))
        else:
            b.sk_op.setCurrentIndex(0)
        b.run()

    # --- items: edit, create, delete ---------------------------------------------------

    def open_item(self, item: dict | None, refresh: bool = True) -> ItemEditor | None:
        """Open the item editor on `item` (None: a new item) of the table shown; it reads
        the item again first unless `refresh` is False."""
        from ui.item_editor import ItemEditor
        if self._table is None:
            self.show_status("Select a table first.", error=True)
            return None
        node, info, _index = self._table
        editor = ItemEditor(node.conn(), info, item, self, refresh=refresh)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        grid_of = self._items_of  # whose items the grid had when the editor opened
        editor.replaced.connect(
            lambda key, new: self._item_written(grid_of, key, new, editor.last_note))
        editor.finished.connect(lambda _result: self._editor_closed(editor))
        self.editors.append(editor)
        editor.show()
        return editor

    def save_cell(self, loaded: dict, name: str, value: dict) -> None:
        """A value edited in place in the grid: one conditional UpdateItem of that
        attribute (after a question on a production connection). A conflict opens the
        item editor on it; any other failure puts the row back and says why."""
        from app import codec, writes
        if self._table is None:
            return
        node, info, _index = self._table
        conn = node.conn()
        key = writes.key_of(info, loaded)
        edited = {**loaded, name: value}
        try:
            plan = writes.plan_save(info, loaded, edited)
        except DynascopeError as err:
            self.results.model.clear_pending(key)
            self.show_error(err.message, err.hint)
            return
        if plan is None:  # the same value written another way (12.50 for 12.5)
            self.results.model.clear_pending(key)
            self.show_status(f"Nothing to save: {name} already holds that value.")
            return
        grid_of = self._items_of
        change = f"{name} = {codec.display(value)[:80]} on {writes.key_text(key)}"

        def send() -> None:
            self.cell_box = None
            self.tasks.start(self._save_cell(conn, info, plan, key, grid_of))

        self.cell_box = confirm_write(self, conn, plan.operation, plan.request, send,
                                      f"saving {change}")
        if self.cell_box is not None:
            self.cell_box.rejected.connect(lambda: self.results.model.clear_pending(key))

    async def _save_cell(self, conn: Connection, info: TableInfo, plan: writes.WritePlan,
                         key: dict, grid_of: Any) -> None:
        from app import writes
        (change,) = plan.changes
        self.show_status(f"Saving {change.name} of {writes.key_text(key)}…")

        def same_grid() -> bool:
            return grid_of is not None and grid_of == self._items_of

        try:
            result = await writes.save(conn, plan)
        except writes.Conflict as conflict:
            if same_grid():
                self.results.model.clear_pending(key)
            self._cell_conflict(info, conflict, key)
            return
        except BaseException:
            if same_grid():
                self.results.model.clear_pending(key)
            raise  # a DynascopeError reaches the user through self.tasks
        if same_grid():
            self.results.replace_item(key, result.item)
        note = f" {result.note}" if result.note else ""
        self.show_status(f"Saved {change.name} of {writes.key_text(key)} in table "
                         f"{info.name}.{note}")

    def _cell_conflict(self, info: TableInfo, conflict: writes.Conflict, key: dict) -> None:
        """Someone changed the value (or deleted the item) since the grid read it."""
        from app import writes
        (change,) = conflict.plan.changes
        theirs = conflict.theirs
        if theirs is None:
            self.show_error(f"Not saved: {writes.key_text(key)} was deleted from table "
                            f"{info.name} since the grid read it. Nothing was written.",
                            "Run the query again to see the table as it is now.")
            return
        # Compared over the whole item as the table holds it: the grid's row may be a
        # projection, and only the edited attribute was conditioned.
        loaded = dict(theirs)
        if change.old is None:
            loaded.pop(change.name, None)
        else:
            loaded[change.name] = change.old
        mine = {**loaded, change.name: change.new} if change.new is not None else loaded
        plan = writes.plan_save(info, loaded, mine)
        editor = self.open_item(loaded, refresh=False)
        if editor is not None and plan is not None:
            editor.show_conflict(writes.Conflict(plan, theirs))
        self.show_status(f"Not saved: someone else changed {change.name} of "
                         f"{writes.key_text(key)} meanwhile; the editor shows both versions.",
                         error=True)

    def new_item(self) -> None:
        """Ctrl+N: the editor on a new item of the table shown."""
        self.open_item(None)

    def _item_written(self, grid_of: Any, key: dict | None, item: dict | None,
                      note: str) -> None:
        if grid_of is not None and grid_of == self._items_of:
            self.results.replace_item(key, item)
        self.show_status(note)

    def _editor_closed(self, editor: ItemEditor) -> None:
        if editor in self.editors:
            self.editors.remove(editor)

    def delete_items(self, items: list[dict]) -> None:
        """Delete the selected rows' items after a confirmation that says how many and from
        which table; a progress dialog with Cancel while it runs."""
        from app import writes
        if self._table is None or not items or self.tasks.running("delete"):
            return
        node, info, _index = self._table
        conn = node.conn()
        if conn.profile.read_only:
            self.show_error(f"Nothing was deleted: {conn.profile.name} is a read-only "
                            "connection.",
                            "Turn off “Read-only” in the connection's settings to delete.")
            return
        keys = [{k.name: item[k.name] for k in info.keys if k.name in item} for item in items]
        listed = "\n".join(writes.key_text(key) for key in keys[:10])
        if len(keys) > 10:
            listed += f"\n… and {len(keys) - 10:,} more"
        if conn.needs_confirmation("batch_write_item"):
            listed = f"⚠ {conn.profile.name} is a production connection.\n\n{listed}"
        grid_of = self._items_of

        def forget(box: QMessageBox) -> None:
            if self.delete_box is box:
                self.delete_box = None

        self.delete_box, _yes = open_question(
            self, "confirmDeleteBox", "Delete items",
            writes.confirm_delete_text(info.name, len(keys)), listed,
            "Delete" if len(keys) == 1 else f"Delete {len(keys):,} items",
            lambda: self.tasks.start(self._delete(conn, info, keys, grid_of), key="delete"),
            on_close=forget)

    async def _delete(self, conn: Connection, info: TableInfo, keys: list[dict],
                      grid_of: Any) -> None:
        from app import writes
        progress = QProgressDialog(f"Deleting {len(keys):,} items from {info.name}…",
                                   "Cancel", 0, len(keys), self)
        progress.setObjectName("deleteProgress")
        progress.setWindowTitle("Delete items")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)  # wasCanceled() stays true once the user cancelled
        progress.show()
        self.delete_progress = progress

        def report(done: int, total: int) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(done)

        try:
            summary = await writes.delete_many(conn, info, keys, report,
                                               progress.wasCanceled)
        finally:
            progress.hide()
            progress.deleteLater()
            self.delete_progress = None
        if grid_of is not None and grid_of == self._items_of:
            if summary.cancelled:
                self._read_again()  # which keys went is not known: read the grid again
            else:
                failed = {id(key) for key, _reason in summary.failed}
                self.results.remove_items([key for key in keys if id(key) not in failed])
        if summary.failed:
            reasons = "; ".join(dict.fromkeys(reason for _key, reason in summary.failed))
            self.show_error(summary.message, reasons[:600])
        else:
            self.show_status(summary.message)

    def _read_again(self) -> None:
        """Run the grid's last read again (not recorded in the history)."""
        self._recording = False
        try:
            if self._last_run == "partiql":
                self.partiql.run()
            else:
                self.builder.run()
        finally:
            self._recording = True

    # --- history and saved queries -----------------------------------------------------

    def _history_key(self) -> tuple[str, str] | None:
        if self._table is None:
            return None
        node, info, _index = self._table
        return connection_key(node.conn().profile), info.name

    def _remember(self, kind: str, state: dict, summary: str) -> None:
        key = self._history_key()
        if key is None:
            return
        try:
            self.history.record(Entry(key[0], key[1], kind, state, summary))
        except DynascopeError as exc:  # the run goes on; only its history is lost
            self.show_status(f"The history could not be saved: {exc}", error=True)
        self._show_history()

    def _show_history(self) -> None:
        key = self._history_key()
        if key is None:
            return
        try:
            self.history_panel.show_entries(self.history.saved(*key), self.history.runs(*key))
        except DynascopeError as exc:
            self.history_panel.note.setText(str(exc))

    def restore_query(self, entry: Entry) -> None:
        """Put a run or a saved query back into its editor (not run: Ctrl+Enter runs it)."""
        if entry.kind == "partiql":
            self.partiql.set_state(entry.state)
            self.readers.setCurrentWidget(self.partiql)
        else:
            self.builder.set_state(entry.state)
            self.readers.setCurrentWidget(self.builder)

    def save_query(self) -> None:
        key = self._history_key()
        if key is None:
            return
        name, ok = QInputDialog.getText(self, "Save query", "Name of the saved query:")
        if not ok:
            return
        self.save_query_as(name)

    def save_query_as(self, name: str) -> None:
        key = self._history_key()
        if key is None:
            return
        partiql = self.readers.currentWidget() is self.partiql
        editor = self.partiql if partiql else self.builder
        entry = Entry(key[0], key[1], "partiql" if partiql else "builder", editor.state(),
                      editor.summary())
        try:
            self.history.save_query(name, entry)
        except DynascopeError as exc:
            self.show_error(exc.message, exc.hint)
            return
        self.show_status(f"Saved the query “{name.strip()}”.")
        self._show_history()

    def delete_saved_query(self, entry: Entry) -> None:
        try:
            self.history.delete_saved(entry.connection, entry.table, entry.name)
        except DynascopeError as exc:
            self.show_error(exc.message, exc.hint)
        self._show_history()

    def run_statement(self, request: dict) -> None:
        """Run a PartiQL statement into the results pane."""
        if self._table is None:
            return
        node, info, _index = self._table
        conn = node.conn()

        def send() -> None:
            self._last_run = "partiql"
            self._remember("partiql", self.partiql.state(), self.partiql.summary())
            self.results.start(conn, "ExecuteStatement", request,
                               key_attributes=[k.name for k in info.keys],
                               ttl_attribute=_ttl_attribute(info))

        # A production connection asks before a statement that writes; reads just run.
        confirm_write(self, conn, "ExecuteStatement", request, send, "this PartiQL statement")

    def _results_failed(self, message: str, hint: str) -> None:
        self.show_status(f"{message} {hint}".strip(), error=True)
        if self._last_run == "partiql":
            self.partiql.show_error(f"{message}\n{hint}".strip())

    def run_spec(self, spec: QuerySpec) -> None:
        """Run what the builder built, in the results pane (a new run cancels the old)."""
        from app.advice import read_advice  # not needed before: not imported at start

        if self._table is None:
            return
        node, info, _index = self._table
        self._last_run = "builder"
        if self._recording:
            self._remember("builder", self.builder.state(), self.builder.summary())
        keys = [k.name for k in spec.key_schema(info)] + [k.name for k in info.keys]
        approx = info.item_count
        if spec.index:
            approx = next((i.item_count for i in info.indexes if i.name == spec.index), None)
        self.results.start(node.conn(), spec.operation, spec.requests(info),
                           key_attributes=keys, limit=spec.limit,
                           approx_total=approx if spec.filter is None else None,
                           advise=lambda totals: read_advice(spec, info, totals),
                           ttl_attribute=_ttl_attribute(info))

    def _load_failed(self, node: Node | None, message: str, hint: str) -> None:
        self.show_status(f"{message} {hint}".strip(), error=True)
        if node is None:  # a bug, not a failed request: say so where it cannot be missed
            self.show_error(message, hint)
            return
        if node.kind == "table" and self._current_node() is node:
            self.message.set_text(f"Could not describe {node.name}", f"{message}\n\n{hint}")
            self.retry_button.show()
            self._set_message_command(node.command)
            self.pages.setCurrentWidget(self.message)

    def refresh(self) -> None:
        """F5: load the selected connection's tables or the selected table again."""
        index = self.tree.currentIndex()
        if not index.isValid():
            return
        node = self.model.node(index)
        if node.kind in ("index", "message"):
            index = index.parent()
            node = self.model.node(index)
        if node.kind == "table":
            self._items_of = None  # read its items again too
        self.model.refresh(index)
        self.tree.expand(index)
        if self.tree.currentIndex() != index:
            self.tree.setCurrentIndex(index)
        else:
            self.show_node(index)

    # --- messages ----------------------------------------------------------------------

    def show_status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setProperty("error", error)
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)

    def show_error(self, message: str, hint: str = "", command: str = "") -> QMessageBox:
        """The error in the status bar and in a box; "Copy command" when `command` fixes it."""
        self.show_status(f"{message} {hint}".strip(), error=True)
        return error_box(self, message, hint, command)

    def _report_failure(self, exc: BaseException) -> None:
        message, hint = user_message(exc)
        self.show_error(message, hint, getattr(exc, "command", "") or "")

    def _set_message_command(self, command: str) -> None:
        self._message_command = command
        self.copy_command_button.setToolTip(command)
        self.copy_command_button.setVisible(bool(command))

    def _copy_message_command(self) -> None:
        if self._message_command:
            QGuiApplication.clipboard().setText(self._message_command)
            self.show_status(f"Copied: {self._message_command}")

    def about(self) -> None:
        QMessageBox.about(
            self, "About Dynascope",
            f"<b>Dynascope {__version__}</b><br>A desktop DynamoDB table explorer.<br>"
            f"Qt {qVersion()}")

    # --- closing -----------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel what is running and stop the sandboxes this window started."""
        pages = self._pages_built
        if pages:
            self.streams.shutdown()
            self.ttl.shutdown()
        self.tasks.cancel_all()
        for editor in list(self.editors):
            editor.discard_and_close()
        self.model.shutdown()
        if pages:
            self.results.shutdown()
        for box in self.sandboxes:
            box.stop()
        self.sandboxes.clear()

    def unsaved_editors(self) -> list[ItemEditor]:
        """The open item editors holding changes that are not saved (or on their way)."""
        return [e for e in self.editors
                if e.sending or (not e.read_only and e.has_unsaved_changes())]

    def closeEvent(self, event: QCloseEvent) -> None:
        unsaved = [] if self._quitting else self.unsaved_editors()
        if unsaved:
            event.ignore()
            self._ask_to_quit(unsaved)
            return
        self.shutdown()
        super().closeEvent(event)

    def _ask_to_quit(self, unsaved: list[ItemEditor]) -> None:
        """Quitting with unsaved edits: show them and ask first."""
        count = len(unsaved)
        listed = "\n".join(e.windowTitle().removesuffix(" — Dynascope") for e in unsaved[:5])

        def quit_now() -> None:
            self._quitting = True
            self.close()

        def forget(box: QMessageBox) -> None:
            if self.quit_box is box:
                self.quit_box = None

        self.quit_box, _yes = open_question(
            self, "quitUnsavedBox", "Quit Dynascope",
            f"{count} item editor{'s have' if count > 1 else ' has'} changes that are not "
            "saved.", f"{listed}\n\nQuit anyway and lose them, or cancel and save them first?",
            "Discard and quit", quit_now, on_close=forget)
