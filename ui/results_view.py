"""The results pane: the grid, page controls, "load all" with Cancel, and the ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import aclosing
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.connections import Connection
from app.errors import DynascopeError
from app.paging import Batch, Pager, ParallelPager, Totals
from ui.cell_editor import CellDelegate
from ui.ledger_model import LedgerModel, totals_text
from ui.results_model import TYPE_ROLE, VALUE_ROLE, ResultsModel
from ui.tasks import Tasks, user_message

DEFAULT_PAGE_SIZE = 100
#: Rows added to the grid per turn of the event loop: a big batch goes in in steps, and
#: the window paints and answers between them.
SHOW_CHUNK = 250
YIELDS = 2


class ResultsGrid(QTableView):
    """The table of items; asks for the next page when scrolled to the bottom."""

    wantMore = Signal()
    #: a row to open in the item editor (double-click or Enter)
    rowActivated = Signal(int)
    #: the Delete key, for the selected rows
    deletePressed = Signal()
    #: (row, why): F2 on a cell that is not edited in place; `open` when the item editor
    #: can make the change instead
    inlineRefused = Signal(int, str, bool)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("resultsGrid")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(True)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setDefaultSectionSize(140)
        self.horizontalHeader().setSortIndicatorShown(True)
        self.verticalHeader().setDefaultSectionSize(22)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.doubleClicked.connect(lambda index: self.rowActivated.emit(index.row()))
        # F2 edits a string, number or boolean in place; double-click and Enter open the
        # whole item. Typing alone never starts an edit (no accidental writes).
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.clear_sort_indicator()

    def edit(self, index: QModelIndex,
             trigger: QAbstractItemView.EditTrigger = QAbstractItemView.EditTrigger.AllEditTriggers,
             event: QEvent | None = None) -> bool:
        wanted = trigger == QAbstractItemView.EditTrigger.AllEditTriggers \
            or bool(self.editTriggers() & trigger)
        if wanted and index.isValid() and self.state() != QAbstractItemView.State.EditingState:
            problem = self.model().inline_problem(index)
            if problem is not None:
                self.inlineRefused.emit(index.row(), *problem)
                return False
        return super().edit(index, trigger, event)

    def menu_for(self, index: QModelIndex) -> QMenu:
        """The right-click menu of a cell (the cell becomes the current one)."""
        self.setCurrentIndex(index)
        menu = QMenu(self)
        menu.setObjectName("gridMenu")
        menu.addAction("Edit value\tF2", lambda: self.edit(index))
        menu.addAction("Open item…\tEnter", lambda: self.rowActivated.emit(index.row()))
        menu.addSeparator()
        menu.addAction("Delete…\tDel", self.deletePressed.emit)
        menu.aboutToHide.connect(menu.deleteLater)
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if index.isValid():
            self.menu_for(index).popup(self.viewport().mapToGlobal(pos))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)
        editing = self.state() == QAbstractItemView.State.EditingState
        if plain and not editing and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.currentIndex().isValid():
                self.rowActivated.emit(self.currentIndex().row())
            return
        if plain and not editing and key == Qt.Key.Key_Delete:
            self.deletePressed.emit()
            return
        super().keyPressEvent(event)

    def clear_sort_indicator(self) -> None:
        """Rows come in the order DynamoDB returns them until the user sorts."""
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

    def _scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        if bar.maximum() > 0 and value >= bar.maximum():
            self.wantMore.emit()


class ResultsPanel(QWidget):
    """Runs one request at a time through a `Pager` and shows its pages and ledger.

    A new run cancels the one before; a page that arrives for an older run is dropped.
    """

    #: (message, hint) of a failed page
    failed = Signal(str, str)
    #: an item to open in the editor
    openRequested = Signal(object)
    #: "New item"
    newRequested = Signal()
    #: the selected rows' items, to delete
    deleteRequested = Signal(list)
    #: (the row's item as loaded, attribute name, new AttributeValue): a cell edited in
    #: place, to save
    cellEdited = Signal(object, str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsPanel")
        self.model = ResultsModel(self)
        self.ledger = LedgerModel(self)
        self.pager: Pager | ParallelPager | None = None
        self.tasks = Tasks(self._task_failed)
        self._generation = 0
        self._first_shown = 0  # the first batch shown in the grid
        self._approx_total: int | None = None
        self._advise: Callable[[Totals], str | None] | None = None

        self.page_size = QSpinBox()
        self.page_size.setObjectName("pageSize")
        self.page_size.setRange(1, 10_000)
        self.page_size.setValue(DEFAULT_PAGE_SIZE)
        self.page_size.setPrefix("Page size ")
        self.page_size.setToolTip("Items per page. With a filter, DynamoDB may read many "
                                  "more than it returns; Dynascope keeps reading until "
                                  "the page is full or the table ends.")
        self.prev_button = QPushButton("◀ Previous")
        self.prev_button.setObjectName("previousPage")
        self.prev_button.setToolTip("Previous page (Alt+Left)")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setObjectName("nextPage")
        self.next_button.setToolTip("Next page (Alt+Right)")
        self.all_button = QPushButton("Load all")
        self.all_button.setObjectName("loadAll")
        self.all_button.setToolTip("Read every remaining page into the grid")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelRun")
        self.cancel_button.setToolTip("Stop reading (Esc)")
        self.progress = QProgressBar()
        self.progress.setObjectName("loadProgress")
        self.progress.setMaximumWidth(260)
        self.progress.hide()
        self.status = QLabel("Nothing run yet.")
        self.status.setObjectName("resultsStatus")
        # Takes the room the bar has: a longer text must not widen the bar, which would
        # lay out (and resize) the whole window again at every page of a long load.
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.new_button = QPushButton("New item")
        self.new_button.setObjectName("newItem")
        self.new_button.setToolTip("Create an item in this table (Ctrl+N)")
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setObjectName("deleteItems")
        self.delete_button.setToolTip("Delete the selected items (Del)")
        self.delete_button.setEnabled(False)

        bar = QHBoxLayout()
        bar.addWidget(self.prev_button)
        bar.addWidget(self.next_button)
        bar.addWidget(self.all_button)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.page_size)
        bar.addWidget(self.progress)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.new_button)
        bar.addWidget(self.delete_button)

        self.grid = ResultsGrid()
        self.grid.setModel(self.model)
        self.delegate = CellDelegate(TYPE_ROLE, VALUE_ROLE, self.grid)
        self.delegate.rejected.connect(
            lambda message, hint: self.status.setText(f"{message} {hint}".strip()))
        self.grid.setItemDelegate(self.delegate)
        self.grid.inlineRefused.connect(self._inline_refused)
        self.model.editRequested.connect(self.cellEdited)
        self.model.sortingChanged.connect(self._sorting)
        self._status_before_sort = ""
        self.grid.wantMore.connect(self.fetch_more)
        self.grid.rowActivated.connect(lambda row: self.openRequested.emit(self.model.item(row)))
        self.grid.deletePressed.connect(self.request_delete)
        self.grid.selectionModel().selectionChanged.connect(
            lambda *_: self.delete_button.setEnabled(self.grid.selectionModel().hasSelection()))
        self.new_button.clicked.connect(self.newRequested)
        self.delete_button.clicked.connect(self.request_delete)

        self.ledger_view = QTableView()
        self.ledger_view.setObjectName("ledgerView")
        self.ledger_view.setModel(self.ledger)
        self.ledger_view.verticalHeader().hide()
        self.ledger_view.setAlternatingRowColors(True)
        self.ledger_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.ledger_view.horizontalHeader().setSectionResizeMode(
            5, QHeaderView.ResizeMode.Stretch)  # the indexes' share of the capacity
        # Fit the columns to the rows in view, not to every row: measuring all of them
        # again after each page grew to tens of ms per page on long runs.
        self.ledger_view.verticalHeader().setResizeContentsPrecision(0)
        self.ledger_view.verticalHeader().setDefaultSectionSize(22)
        self.totals = QLabel("No requests yet.")
        self.totals.setObjectName("ledgerTotals")
        self.totals.setWordWrap(True)
        self.advice = QLabel()
        self.advice.setObjectName("ledgerAdvice")
        self.advice.setWordWrap(True)
        self.advice.hide()
        ledger_box = QWidget()
        ledger_layout = QVBoxLayout(ledger_box)
        ledger_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Ledger: every request of this run")
        heading.setObjectName("sectionHeading")
        ledger_layout.addWidget(heading)
        ledger_layout.addWidget(self.ledger_view)
        ledger_layout.addWidget(self.totals)
        ledger_layout.addWidget(self.advice)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.grid)
        split.addWidget(ledger_box)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

        self.prev_button.clicked.connect(self.previous_page)
        self.next_button.clicked.connect(self.next_page)
        self.all_button.clicked.connect(self.load_all)
        self.cancel_button.clicked.connect(self.cancel)
        QShortcut(QKeySequence("Alt+Left"), self, self.previous_page)
        QShortcut(QKeySequence("Alt+Right"), self, self.next_page)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel)
        self._update_buttons()

    # --- runs --------------------------------------------------------------------------

    def start(self, conn: Connection, operation: str,
              request: dict[str, Any] | list[dict[str, Any]],
              key_attributes: Sequence[str] = (), limit: int | None = None,
              approx_total: int | None = None,
              advise: Callable[[Totals], str | None] | None = None,
              ttl_attribute: str | None = None) -> None:
        """Begin a new run (cancelling the one before) and show its first page.

        `request` is the client's arguments, or for a parallel scan one request per
        segment. `advise` turns the run's totals into a warning about wasteful reads.
        With `ttl_attribute`, the grid shows when each item expires."""
        self.tasks.cancel("page")
        self._generation += 1
        if isinstance(request, list) and len(request) > 1:
            self.pager = ParallelPager(conn, request)
        else:
            single = request[0] if isinstance(request, list) else request
            self.pager = Pager(conn, operation, single, limit=limit)
        self._approx_total = approx_total
        self._advise = advise
        self.model.writable = not conn.profile.read_only
        self.model.reset(key_attributes, ttl_attribute)
        self.ledger.reset()
        self.totals.setText("No requests yet.")
        self.advice.hide()
        self._first_shown = 0
        self._page(lambda p, want: p.next_batch(want), replace=True)

    def next_page(self) -> None:
        if self.pager and self.pager.has_next and not self.busy:
            self._page(lambda p, want: p.next_batch(want), replace=True)

    def previous_page(self) -> None:
        if self.pager and not self.busy and self._first_shown > 0:
            target = self._first_shown - 1
            self._page(lambda p, want: p.goto(target, want), replace=True)

    def fetch_more(self) -> None:
        """Infinite scroll: append the next page below the rows shown (returns at once)."""
        if self.pager and self.pager.has_next and not self.busy:
            self._page(lambda p, want: p.next_batch(want), replace=False)

    def load_all(self) -> None:
        if self.pager and self.pager.has_next and not self.busy:
            self.tasks.start(self._load_all(self._generation), key="page")
            self._update_buttons()

    def cancel(self) -> None:
        if self.busy:
            self.tasks.cancel("page")
            self.status.setText(self.status.text() + " · cancelled")
            self.progress.hide()
            self._update_buttons()

    # --- items -------------------------------------------------------------------------

    def selected_items(self) -> list[dict]:
        """The items of the selected rows, in grid order."""
        rows = sorted({index.row() for index in self.grid.selectionModel().selectedRows()})
        return [self.model.item(row) for row in rows]

    def request_delete(self) -> None:
        items = self.selected_items()
        if items:
            self.deleteRequested.emit(items)
        else:
            self.status.setText("Select the rows to delete first.")

    def replace_item(self, key: dict | None, item: dict | None) -> None:
        """After a write: the row of `key` shows `item` (dropped when `item` is None); a
        created item (`key` None) is added at the end."""
        if key is None:
            if item is not None:
                self.model.append([item])
            return
        row = self.model.row_of(key)
        if row < 0:
            return  # not in this grid (another query ran meanwhile)
        if item is None:
            self.model.remove_rows([row])
        else:
            self.model.replace_row(row, item)

    def _sorting(self, running: bool) -> None:
        """A big sort runs in steps: say so meanwhile."""
        if running:
            if not self.status.text().startswith("Sorting"):
                self._status_before_sort = self.status.text()
            self.status.setText(f"Sorting {self.model.rowCount():,} rows…")
        elif self.status.text().startswith("Sorting"):
            self.status.setText(self._status_before_sort)

    def _inline_refused(self, row: int, why: str, open_editor: bool) -> None:
        self.status.setText(why)
        if open_editor:
            self.openRequested.emit(self.model.item(row))

    def remove_items(self, keys: Sequence[dict]) -> None:
        """Drop the rows of these keys (after a delete)."""
        self.model.remove_rows(self.model.rows_of(keys))

    @property
    def busy(self) -> bool:
        return self.tasks.running("page")

    def shutdown(self) -> None:
        self.tasks.cancel_all()

    # --- internals ---------------------------------------------------------------------

    def _page(self, step: Any, replace: bool) -> None:
        self.tasks.start(self._read(step, replace, self._generation), key="page")
        self._update_buttons()
        self.status.setText("Reading…")

    async def _read(self, step: Any, replace: bool, generation: int) -> None:
        assert self.pager is not None
        pager = self.pager
        try:
            batch = await step(pager, self.page_size.value())
        except BaseException:
            if generation == self._generation:
                self._update_buttons(finishing=True)
            raise
        if generation != self._generation:
            return  # a newer run started while this page was on its way
        if replace:
            self.model.reset(self.model.key_attributes, self.model.ttl_attribute)
            self.grid.clear_sort_indicator()
            self._first_shown = batch.index
        if await self._show(batch, generation):
            self._update_buttons(finishing=True)

    async def _load_all(self, generation: int) -> None:
        assert self.pager is not None
        pager = self.pager
        self.progress.show()
        total = self._approx_total
        self.progress.setRange(0, total or 0)  # no total known: a busy bar
        try:
            # Batches as they arrive (a parallel scan's segments each read on); leaving
            # the loop closes the stream, which stops every segment's reading.
            async with aclosing(pager.stream(max(self.page_size.value(), 1000))) as batches:
                async for batch in batches:
                    if generation != self._generation or not await self._show(batch,
                                                                              generation):
                        return
                    if total:
                        self.progress.setRange(0, max(total, self.model.rowCount()))
                        self.progress.setValue(self.model.rowCount())
        finally:
            if generation == self._generation:
                self.progress.hide()
                self._update_buttons(finishing=True)

    async def _show(self, batch: Batch, generation: int) -> bool:
        """Add the batch to the grid `SHOW_CHUNK` rows at a time, letting the event loop
        lay out and paint after each step, then update the ledger and the status. False
        when a newer run took the grid meanwhile. Cancelled half-way, it still shows the
        whole batch (the pager has read it) and then stops."""
        items = batch.items
        cancelled: asyncio.CancelledError | None = None
        for start in range(0, len(items), SHOW_CHUNK):
            self.model.append(items[start:start + SHOW_CHUNK])
            if cancelled is None:
                try:
                    for _ in range(YIELDS):  # one for the layout, one for the paint
                        await asyncio.sleep(0)
                except asyncio.CancelledError as exc:
                    cancelled = exc
                if generation != self._generation:
                    if cancelled is not None:
                        raise cancelled
                    return False
        self._show_ledger(batch)
        if cancelled is not None:
            self.status.setText(self.status.text() + " · cancelled")
            self._update_buttons(finishing=True)
            raise cancelled
        return True

    def _show_ledger(self, batch: Batch) -> None:
        self.ledger.extend(list(batch.requests))
        self.ledger_view.scrollToBottom()
        assert self.pager is not None
        self.totals.setText(totals_text(self.pager.totals))
        advice = self._advise(self.pager.totals) if self._advise else None
        self.advice.setText(f"⚠ {advice}" if advice else "")
        self.advice.setVisible(bool(advice))
        first, last = self._first_shown + 1, batch.index + 1
        pages = f"Page {last}" if first == last else f"Pages {first}–{last}"
        more = "more to read" if self.pager.has_next else "end of results"
        shown = self.model.rowCount()
        self.status.setText(f"{pages} · {shown:,} item{'s' if shown != 1 else ''} shown · "
                            f"read {batch.scanned:,} for this page · {more}")

    def _update_buttons(self, finishing: bool = False) -> None:
        busy = self.busy and not finishing
        has_next = bool(self.pager and self.pager.has_next)
        self.next_button.setEnabled(not busy and has_next)
        self.all_button.setEnabled(not busy and has_next)
        self.prev_button.setEnabled(not busy and self._first_shown > 0)
        self.cancel_button.setEnabled(busy)

    def _task_failed(self, exc: BaseException) -> None:
        message, hint = user_message(exc)
        self.status.setText(f"{message} {hint}".strip())
        self._update_buttons()
        if isinstance(exc, DynascopeError):
            self.failed.emit(message, hint)
        else:
            raise exc
