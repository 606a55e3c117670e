"""The results grid's model: rows of items, columns that grow as new attributes appear."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import marshal
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import chain, islice
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from app.codec import display, number
from app.ttl import Expiry, absolute_text, expiry, expiry_text
from ui.cell_editor import inline_problem

Index = QModelIndex | QPersistentModelIndex
Item = dict[str, dict[str, Any]]

VALUE_ROLE = Qt.ItemDataRole.UserRole + 1  # the AttributeValue itself, or None
TYPE_ROLE = Qt.ItemDataRole.UserRole + 2  # its type code ("S", "N", ...) or ""
MAX_CELL_TEXT = 200  # longer text is cut for display; the tooltip and editor have it all
#: decoded rows kept for painting (the visible ones and some around them)
CACHE_ROWS = 512
#: From this many rows on, a sort runs in slices between turns of the event loop
SORT_IN_STEPS_FROM = 20_000
#: The longest slice of sorting work before the window gets its turn
SORT_SLICE_S = 0.012

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


_MARSHAL_VERSION = 4
# What the model answers; for any other role data() returns at once (Qt asks ~7 roles
# per painted cell).
_ROLES = frozenset({
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.FontRole, VALUE_ROLE, TYPE_ROLE,
})
_SAVING_FONT = QFont()
_SAVING_FONT.setItalic(True)
_NOT_YET: Any = object()

Stored = bytes | dict  # a row as the model keeps it


def _pack(item: Item) -> Stored:
    """One row as compact bytes (marshal: exact for str, bool, list, dict, bytes and the
    other built-in types); an item marshal cannot hold is kept as it is."""
    try:
        return marshal.dumps(item, _MARSHAL_VERSION)
    except ValueError:
        return item


def _unpack(stored: Stored) -> Item:
    return marshal.loads(stored) if type(stored) is bytes else stored


class _Row:
    """A decoded row in the paint cache, with its cell texts and expiry once computed."""

    __slots__ = ("expiry", "item", "texts")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.texts: dict[str, str] = {}
        self.expiry: Any = _NOT_YET


def _key_id(key: Item) -> tuple:
    """A primary key as a hashable value: numbers by value ("1" and "1.0" are one key)."""
    out = []
    for name, value in sorted(key.items()):
        ((typ, payload),) = value.items()
        if typ == "N":
            with contextlib.suppress(ValueError):  # not a number: compared as text
                payload = number(payload)  # equal Decimals hash equal
        elif typ == "B":
            payload = bytes(payload)
        out.append((name, typ, payload))
    return tuple(out)


def _type_of(value: dict[str, Any] | None) -> str:
    return next(iter(value)) if value else ""


def _sort_key(value: dict[str, Any]) -> tuple[int, Any]:
    """(group, key): numbers by value (group 0), strings (1), other types by type, then
    by their text (2)."""
    kind = _type_of(value)
    if kind == "N":
        try:
            number = Decimal(value["N"])
        except InvalidOperation:
            pass
        else:
            if number.is_finite():  # NaN cannot be ordered; no endpoint should send it
                return 0, number
    if kind == "S":
        return 1, value["S"]
    return 2, f"{kind}\x00{display(value)}"


class ResultsModel(QAbstractTableModel):
    """Items as rows. Key attributes come first, then every other attribute in the order
    it was first seen. Rows arrive in batches (`append`); sorting happens inside the
    model on the rows already loaded (a proxy model would call `data()` millions of
    times on a big result).

    Each row is kept once, as compact bytes (about the size of its wire JSON, where a
    dict of AttributeValues takes ~14 times that), and decoded when it is painted or
    asked for: a bounded cache holds the decoded rows on screen and their cell texts.
    `item(row)` returns a new dict equal to the one appended.

    Scalar cells (S, N, BOOL, not keys) are editable in place: `setData` with `VALUE_ROLE`
    does not change the row; it shows the new value in italics as "saving" and emits
    `editRequested` for the window to save. The row changes when the window puts the
    saved item in (`replace_row`), or goes back with `clear_pending`.
    """

    #: (the row's item as loaded, attribute name, new AttributeValue): a cell edited
    editRequested = Signal(object, str, object)
    #: True when a sort in steps starts, False when it ended (or was dropped)
    sortingChanged = Signal(bool)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Stored] = []
        self._columns: list[str] = []
        self._column_of: dict[str, int] = {}
        self._keys: list[str] = []
        self._ttl: str | None = None  # the TTL attribute, when the table has one
        self._now: datetime | None = None
        self._cache: OrderedDict[int, _Row] = OrderedDict()  # by id() of the stored row
        #: values edited in place and being saved, by id() of the stored row
        self._pending: dict[int, dict[str, dict[str, Any]]] = {}
        #: False on a read-only connection: no cell can be edited in place
        self.writable = True
        self.sort_in_steps_from = SORT_IN_STEPS_FROM
        self._sort_task: asyncio.Task | None = None

    # --- content -----------------------------------------------------------------------

    def reset(self, key_attributes: Sequence[str] = (), ttl_attribute: str | None = None,
              now: datetime | None = None) -> None:
        """Empty the grid for a new run; `key_attributes` are shown first, in order. With
        a `ttl_attribute`, an "expires" column follows them and expired rows are marked
        (as of `now`, default the time of the reset)."""
        self._cancel_sort()
        self.beginResetModel()
        self._rows = []
        self._cache.clear()
        self._pending.clear()
        self._keys = list(dict.fromkeys(key_attributes))
        self._ttl = ttl_attribute
        self._now = now or datetime.now(UTC)
        self._columns = list(self._keys) + ([EXPIRES] if ttl_attribute else [])
        self._column_of = {name: i for i, name in enumerate(self._columns)}
        self.endResetModel()

    def append(self, items: Sequence[Item]) -> None:
        """Add a batch of rows, and a column for each attribute not seen before."""
        if not items:
            return
        self._add_columns(dict.fromkeys(chain.from_iterable(items)))
        try:
            packed = [marshal.dumps(item, _MARSHAL_VERSION) for item in items]
        except ValueError:
            packed = [_pack(item) for item in items]
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(packed) - 1)
        self._rows.extend(packed)
        self.endInsertRows()

    def _add_columns(self, names: Iterable[str]) -> None:
        """A column, at the end, for each of `names` the grid has none for yet."""
        known = self._column_of
        new = [name for name in names if name not in known]
        if not new:
            return
        first = len(self._columns)
        self.beginInsertColumns(QModelIndex(), first, first + len(new) - 1)
        for name in new:
            known[name] = len(self._columns)
            self._columns.append(name)
        self.endInsertColumns()

    def rows_of(self, keys: Iterable[Item]) -> list[int]:
        """The rows holding the items with these primary keys (numbers compared by
        value), in one pass over the rows."""
        wanted = {_key_id(key) for key in keys}
        if not wanted:
            return []
        names = [name for name, _type, _payload in next(iter(wanted))]
        # One string or binary key value appears as it is in a packed row's bytes: with
        # a single key wanted, rows without it are skipped undecoded.
        needle = None
        if len(wanted) == 1:
            _name, typ, payload = next(iter(wanted))[0]
            if typ in ("S", "B"):
                needle = payload.encode("utf-8", "surrogatepass") if typ == "S" else payload
        found = []
        for row, stored in enumerate(self._rows):
            if needle is not None and type(stored) is bytes and needle not in stored:
                continue
            item = _unpack(stored)
            if all(n in item for n in names) and _key_id({n: item[n] for n in names}) in wanted:
                found.append(row)
        return found

    def row_of(self, key: Item) -> int:
        """The row of the item with primary key `key`, or -1 when the grid lacks it."""
        rows = self.rows_of([key])
        return rows[0] if rows else -1

    def replace_row(self, row: int, item: Item) -> None:
        """Show `item` in place of the row's item (after the editor saved it)."""
        self._add_columns(item)
        self._cache.pop(id(self._rows[row]), None)
        self._pending.pop(id(self._rows[row]), None)
        self._rows[row] = _pack(item)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def remove_rows(self, rows: Iterable[int]) -> None:
        """Drop rows (after their items were deleted), each run of neighbours at once."""
        ordered = sorted(set(rows), reverse=True)
        while ordered:
            last = first = ordered.pop(0)
            while ordered and ordered[0] == first - 1:
                first = ordered.pop(0)
            self.beginRemoveRows(QModelIndex(), first, last)
            for stored in self._rows[first:last + 1]:
                self._cache.pop(id(stored), None)
                self._pending.pop(id(stored), None)
            del self._rows[first:last + 1]
            self.endRemoveRows()

    def item(self, row: int) -> Item:
        """The item of `row`, equal to the one appended (a copy: changing it changes
        nothing in the grid)."""
        return _unpack(self._rows[row])

    def items(self) -> list[Item]:
        return [_unpack(stored) for stored in self._rows]

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
        cached = self._row(row)
        if cached.expiry is _NOT_YET:
            cached.expiry = expiry(cached.item, self._ttl, self._now)
        return cached.expiry

    def _row(self, row: int) -> _Row:
        """The decoded row, from the cache or decoded now (and cached)."""
        stored = self._rows[row]
        key = id(stored)
        cache = self._cache
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
        found = cache[key] = _Row(_unpack(stored))
        if len(cache) > CACHE_ROWS:
            cache.popitem(last=False)
        return found

    # --- Qt's model interface ----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        name = self._columns[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            e = self.expiry(index.row())
            return _EXPIRED_ROW if e is not None and e.expired else None
        if name == EXPIRES and self._ttl is not None:
            return self._expires_data(index.row(), role)
        if self._pending:
            saving = self._pending.get(id(self._rows[index.row()]), {}).get(name)
            if saving is not None:
                return self._saving_data(saving, role)
        if role == Qt.ItemDataRole.FontRole:
            return None
        row = self._row(index.row())
        value = row.item.get(name)
        if role == _DISPLAY:
            if value is None:
                return ""
            text = row.texts.get(name)
            if text is None:
                text = display(value)
                if len(text) > MAX_CELL_TEXT:
                    text = text[:MAX_CELL_TEXT] + "…"
                row.texts[name] = text
            return text
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

    @staticmethod
    def _saving_data(value: dict[str, Any], role: int) -> Any:
        if role == _DISPLAY:
            return display(value)[:MAX_CELL_TEXT]
        if role == Qt.ItemDataRole.FontRole:
            return _SAVING_FONT
        if role == Qt.ItemDataRole.ForegroundRole:
            return _MISSING
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Saving {_type_of(value)}: {display(value)[:2000]}…"
        if role == VALUE_ROLE:
            return value
        if role == TYPE_ROLE:
            return _type_of(value)
        return None

    # --- editing in place --------------------------------------------------------------

    def inline_problem(self, index: Index) -> tuple[str, bool] | None:
        """Why this cell cannot be edited in place, and whether the item editor can do
        it; None when it can."""
        if not index.isValid():
            return "Select a cell first.", False
        name = self._columns[index.column()]
        if name == EXPIRES and self._ttl is not None:
            return (f"This column shows when “{self._ttl}” expires; edit “{self._ttl}” "
                    "itself.", False)
        if not self.writable:
            return ("This connection is read-only: nothing can be changed. Clear "
                    "“Read-only” in the connection's settings to edit.", False)
        stored = self._rows[index.row()]
        if id(stored) in self._pending:
            return "This item is being saved; edit it again when the save is done.", False
        item = self._row(index.row()).item
        missing = [key for key in self._keys if key not in item]
        if missing:
            return (f"This row lacks the key attribute “{missing[0]}” (the query did "
                    "not return it), so Dynascope cannot tell which item to change.", False)
        return inline_problem(name, item.get(name), self._keys)

    def flags(self, index: Index) -> Qt.ItemFlag:
        # Cheap, as Qt asks for every painted cell: the view's `edit` asks
        # `inline_problem` before it opens an editor, and `setData` checks again.
        flags = super().flags(index)
        if self.writable and index.isValid() and index.column() < len(self._columns):
            name = self._columns[index.column()]
            if name not in self._keys and not (name == EXPIRES and self._ttl is not None):
                flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """A cell edited in place: shown as "saving" and sent to `editRequested`; the row
        itself is unchanged until the save is done. An unchanged value does nothing."""
        if role != VALUE_ROLE or self.inline_problem(index) is not None:
            return False
        name = self._columns[index.column()]
        item = self.item(index.row())
        if value == item.get(name):
            return False
        self._pending.setdefault(id(self._rows[index.row()]), {})[name] = value
        self.dataChanged.emit(index, index)
        self.editRequested.emit(item, name, value)
        return True

    def clear_pending(self, key: Item) -> None:
        """The save of the item with this key ended without a change: show the row as it
        is again."""
        row = self.row_of(key)
        if row >= 0 and self._pending.pop(id(self._rows[row]), None) is not None:
            self.dataChanged.emit(self.index(row, 0),
                                  self.index(row, len(self._columns) - 1))

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

    # --- sorting ---------------------------------------------------------------------

    @property
    def sorting(self) -> bool:
        """True while a sort runs in steps (the rows keep their old order until it ends)."""
        return self._sort_task is not None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        name = self._columns[column]
        if name == EXPIRES and self._ttl is not None:
            name = self._ttl  # the times sort as the numbers they are
        descending = order == Qt.SortOrder.DescendingOrder
        self._cancel_sort()
        loop = None
        if len(self._rows) >= self.sort_in_steps_from:
            with contextlib.suppress(RuntimeError):
                loop = asyncio.get_running_loop()
        if loop is None:  # small enough (or no event loop): at once
            rows = list(self._rows)
            keyed = _Keyed(name)
            keyed.add(rows)
            ordered: list[Stored] = []
            for group in _groups(descending):
                keys, stored = keyed.keys[group], keyed.rows[group]
                ordered.extend(stored[i] for i in sorted(range(len(keys)), key=keys.__getitem__,
                                                         reverse=descending))
            self._apply_order(rows, ordered + keyed.gaps)
            return
        self._sort_task = loop.create_task(
            self._sort_in_steps(list(self._rows), name, descending))
        self.sortingChanged.emit(True)

    async def _sort_in_steps(self, rows: list[Stored], name: str, descending: bool) -> None:
        """The same order as a sort at once, with the window answering throughout: rows
        are keyed and sorted in runs of a few milliseconds each, then merged in slices."""
        try:
            await self._sort_steps(rows, name, descending)
        finally:
            if self._sort_task is asyncio.current_task():
                self._sort_task = None
                self.sortingChanged.emit(False)

    async def _sort_steps(self, rows: list[Stored], name: str, descending: bool) -> None:
        keyed = _Keyed(name)
        runs: tuple[list[list[int]], ...] = ([], [], [])
        start, step = 0, 512
        while start < len(rows):
            began = time.perf_counter()
            first = [len(keys) for keys in keyed.keys]
            while start < len(rows) and time.perf_counter() - began < SORT_SLICE_S:
                keyed.add(rows[start:start + step])
                start += step
            for group, keys in enumerate(keyed.keys):
                if len(keys) > first[group]:
                    runs[group].append(sorted(range(first[group], len(keys)),
                                              key=keys.__getitem__, reverse=descending))
            await asyncio.sleep(0)
        ordered: list[Stored] = []
        for group in _groups(descending):
            keys, stored = keyed.keys[group], keyed.rows[group]
            merged = heapq.merge(*runs[group], key=keys.__getitem__, reverse=descending)
            done = False
            while not done:
                began = time.perf_counter()
                while not done and time.perf_counter() - began < SORT_SLICE_S:
                    chunk = list(islice(merged, 4096))
                    ordered.extend(stored[i] for i in chunk)
                    done = not chunk
                await asyncio.sleep(0)
        self._apply_order(rows, ordered + keyed.gaps)

    def _cancel_sort(self) -> None:
        task, self._sort_task = self._sort_task, None
        if task is not None and not task.done():
            task.cancel()
            self.sortingChanged.emit(False)

    def _apply_order(self, before: list[Stored], ordered: list[Stored]) -> None:
        """Show the rows in `ordered`, a new order of the rows `before`. Rows that came
        meanwhile (a sort in steps) follow in the order they came; rows dropped
        meanwhile stay dropped."""
        if len(before) != len(self._rows) or any(
                a is not b for a, b in zip(before, self._rows, strict=True)):
            now = {id(stored) for stored in self._rows}
            sorted_ids = {id(stored) for stored in ordered}
            ordered = [stored for stored in ordered if id(stored) in now]
            ordered += [stored for stored in self._rows if id(stored) not in sorted_ids]
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_rows = [id(self._rows[i.row()]) for i in old]
        self._rows = ordered
        if old:
            where = {id(stored): row for row, stored in enumerate(self._rows)}
            self.changePersistentIndexList(
                old, [self.index(where[r], i.column()) for r, i in zip(old_rows, old,
                                                                        strict=True)])
        self.layoutChanged.emit()


def _groups(descending: bool) -> tuple[int, ...]:
    """Numbers, then strings, then other types (reversed for a descending sort)."""
    return (2, 1, 0) if descending else (0, 1, 2)


class _Keyed:
    """Rows keyed for sorting by one attribute, in three groups: numbers by value,
    strings, and other types by type and text. Keys are Decimals and strings, which the
    garbage collector does not track: 100,000 key tuples would make each of its full
    passes (on the GUI thread) tens of milliseconds longer."""

    __slots__ = ("gaps", "keys", "name", "needle", "rows")

    def __init__(self, name: str) -> None:
        self.name = name
        self.needle = name.encode("utf-8", "surrogatepass")
        self.keys: tuple[list[Any], ...] = ([], [], [])
        self.rows: tuple[list[Stored], ...] = ([], [], [])
        self.gaps: list[Stored] = []  # rows without the attribute: always last

    def add(self, rows: Sequence[Stored]) -> None:
        name, needle = self.name, self.needle
        for stored in rows:
            # A row whose bytes do not hold the name cannot have it: not decoded.
            value = None
            if type(stored) is not bytes or needle in stored:
                value = _unpack(stored).get(name)
            if value is None:
                self.gaps.append(stored)
                continue
            group, key = _sort_key(value)
            self.keys[group].append(key)
            self.rows[group].append(stored)
