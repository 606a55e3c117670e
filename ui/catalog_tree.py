"""The connection tree model: connection -> tables -> indexes, each level loaded on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from app import catalog
from app.catalog import IndexInfo, TableInfo
from app.connections import Connection
from app.errors import DynascopeError
from ui import colors
from ui.resources import icon
from ui.tasks import Tasks, user_message

Index = QModelIndex | QPersistentModelIndex

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(eq=False)
class Node:
    kind: str  # "root", "connection", "table", "index" or "message"
    name: str
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    connection: Connection | None = None
    info: TableInfo | None = None  # tables: the last description
    index_info: IndexInfo | None = None
    loading: bool = False
    loaded: bool = False  # the first page (or the description) has arrived
    error: str = ""  # message nodes, and the tooltip of a node whose load failed
    command: str = ""  # a shell command that fixes `error` (e.g. `aws sso login ...`)

    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0

    def conn(self) -> Connection:
        node: Node | None = self
        while node is not None and node.connection is None:
            node = node.parent
        assert node is not None and node.connection is not None
        return node.connection


class CatalogModel(QAbstractItemModel):
    """Connections at the top; a connection lists its tables when first expanded (every
    ListTables page is inserted as it arrives); a table describes itself when expanded
    and shows its GSIs and LSIs."""

    #: a table's description arrived: (table Node, TableInfo)
    tableDescribed = Signal(object, object)
    #: a load failed: (Node whose children could not be loaded, message, hint)
    loadFailed = Signal(object, str, str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = Node("root", "")
        self._tasks = Tasks(self._task_failed)

    # --- building the tree -------------------------------------------------------------

    def add_connection(self, connection: Connection) -> QModelIndex:
        row = len(self._root.children)
        self.beginInsertRows(QModelIndex(), row, row)
        node = Node("connection", connection.profile.name, self._root, connection=connection)
        self._root.children.append(node)
        self.endInsertRows()
        return self.index(row, 0)

    def remove_connection(self, row: int) -> None:
        node = self._root.children[row]
        self._tasks.cancel(("tables", id(node)))
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._root.children[row]
        self.endRemoveRows()

    def connections(self) -> list[Connection]:
        return [n.connection for n in self._root.children if n.connection]

    def connection_row(self, connection_id: str) -> int:
        """The row of the open connection made from saved connection `connection_id`, or -1."""
        return next((row for row, n in enumerate(self._root.children)
                     if n.connection and n.connection.profile.id == connection_id), -1)

    def shutdown(self) -> None:
        self._tasks.cancel_all()

    def node(self, index: Index) -> Node:
        if index.isValid():
            return index.internalPointer()
        return self._root

    def index_of(self, node: Node) -> QModelIndex:
        if node is self._root or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.row(), 0, node)

    def find_table(self, connection_row: int, table: str) -> QModelIndex:
        conn_node = self._root.children[connection_row]
        for child in conn_node.children:
            if child.kind == "table" and child.name == table:
                return self.index_of(child)
        return QModelIndex()

    def refresh(self, index: Index) -> None:
        """Forget what was loaded under `index` and load it again."""
        node = self.node(index)
        if node.kind not in ("connection", "table") or node.loading:
            return
        if node.children:
            self.beginRemoveRows(self.index_of(node), 0, len(node.children) - 1)
            node.children.clear()
            self.endRemoveRows()
        node.loaded = False
        node.error = ""
        node.command = ""
        node.info = None
        self.fetchMore(self.index_of(node))

    # --- Qt's model interface ----------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        p = self.node(parent)
        if row >= len(p.children):
            return QModelIndex()
        return self.createIndex(row, 0, p.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        return self.index_of(self.node(index).parent or self._root)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 1

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        node = self.node(parent)
        if node.kind in ("connection", "table") and not node.loaded:
            return True
        return bool(node.children)

    def canFetchMore(self, parent: Index) -> bool:
        node = self.node(parent)
        return node.kind in ("connection", "table") and not node.loaded and not node.loading

    def fetchMore(self, parent: Index) -> None:
        node = self.node(parent)
        if not self.canFetchMore(parent):
            return
        node.loading = True
        node.error = ""
        self._changed(node)
        if node.kind == "connection":
            self._tasks.start(self._load_tables(node), key=("tables", id(node)))
        else:
            self._tasks.start(self._load_indexes(node), key=("describe", id(node)))

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled
        node = self.node(index)
        if node.kind != "message" or node.error:  # an error can be selected to read it all
            flags |= Qt.ItemFlag.ItemIsSelectable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self.node(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._label(node)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(node)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node)
        if role == Qt.ItemDataRole.BackgroundRole and node.kind == "connection":
            return colors.row_tint(node.conn().profile.color)
        if role == Qt.ItemDataRole.ForegroundRole and node.kind == "message":
            return QBrush(QColor("#b3261e") if node.error else QColor("#6b6b6b"))
        if role == Qt.ItemDataRole.FontRole and node.kind == "message":
            font = QFont()
            font.setItalic(True)
            return font
        if role == KIND_ROLE:
            return node.kind
        if role == NAME_ROLE:
            return node.name
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return "Connections"
        return None

    # --- loading -----------------------------------------------------------------------

    def describe(self, index: Index) -> None:
        """Describe a table again (its details are wanted) unless that is under way."""
        node = self.node(index)
        if node.kind == "table" and not node.loading:
            node.loading = True
            self._changed(node)
            self._tasks.start(self._load_indexes(node), key=("describe", id(node)))

    async def _load_tables(self, node: Node) -> None:
        start: str | None = None
        try:
            while True:
                names, start = await catalog.list_tables_page(node.conn(), start)
                self._append(node, [Node("table", n, node) for n in names])
                if not node.loaded:
                    node.loaded = True
                if start is None:
                    break
            if not node.children:
                self._append(node, [Node("message", "No tables in this region", node)])
        except DynascopeError as exc:
            self._failed(node, exc)
        finally:
            node.loading = False
            self._changed(node)

    async def _load_indexes(self, node: Node) -> None:
        try:
            info = await catalog.describe_table(node.conn(), node.name)
        except DynascopeError as exc:
            node.loading = False
            if not node.loaded:
                self._failed(node, exc)
            else:  # the indexes are shown already; only the new description failed
                message, hint = user_message(exc)
                node.error = f"{message} {hint}".strip()
                self._changed(node)
                self.loadFailed.emit(node, message, hint)
            return
        node.loading = False
        node.error = ""
        self.set_table_info(self.index_of(node), info)

    def set_table_info(self, index: Index, info: TableInfo) -> None:
        """Keep a table's description and show its indexes under it."""
        node = self.node(index)
        node.info = info
        failed_before = node.children and all(c.error for c in node.children)
        if failed_before:
            self.beginRemoveRows(self.index_of(node), 0, len(node.children) - 1)
            node.children.clear()
            self.endRemoveRows()
        if not node.loaded or failed_before:
            node.loaded = True
            children = [Node("index", i.name, node, index_info=i) for i in info.indexes]
            if not children:
                children = [Node("message", "No secondary indexes", node)]
            self._append(node, children)
        self._changed(node)
        self.tableDescribed.emit(node, info)

    def _append(self, node: Node, children: list[Node]) -> None:
        if not children:
            return
        first = len(node.children)
        self.beginInsertRows(self.index_of(node), first, first + len(children) - 1)
        node.children.extend(children)
        self.endInsertRows()

    def _failed(self, node: Node, exc: DynascopeError) -> None:
        message, hint = user_message(exc)
        node.error = f"{message} {hint}".strip()
        node.command = exc.command
        node.loaded = True  # stop Qt from asking again; refresh() retries
        self._append(node, [Node("message", f"{message} — F5 retries", node,
                                 error=node.error, command=node.command)])
        self._changed(node)
        self.loadFailed.emit(node, message, hint)

    def _task_failed(self, exc: BaseException) -> None:
        """Only a bug gets here: loads report their own failures in the tree."""
        message, hint = user_message(exc)
        self.loadFailed.emit(None, message, hint)

    def _changed(self, node: Node) -> None:
        index = self.index_of(node)
        if index.isValid():
            self.dataChanged.emit(index, index)

    # --- presentation ------------------------------------------------------------------

    @staticmethod
    def _label(node: Node) -> str:
        if node.kind == "connection":
            if not node.connection:
                return node.name
            p = node.connection.profile
            flags = "".join(f"  [{f}]" for f, on in (("read-only", p.read_only),
                                                      ("production", p.production)) if on)
            suffix = "  (loading…)" if node.loading else ""
            return f"{p.label}{flags}{suffix}"
        if node.kind == "table":
            return f"{node.name}  (loading…)" if node.loading else node.name
        if node.kind == "index" and node.index_info:
            return f"{node.name}  ·  {node.index_info.kind}"
        return node.name

    @staticmethod
    def _icon(node: Node) -> Any:
        if node.kind == "connection":
            color = node.connection.profile.color if node.connection else ""
            return colors.badged_icon(icon("connection"), color)
        if node.kind == "table":
            return icon("table")
        if node.kind == "index":
            return icon("index")
        if node.kind == "message" and node.error:
            return icon("error")
        return None

    @staticmethod
    def _tooltip(node: Node) -> str | None:
        if node.error:
            return node.error
        if node.kind == "connection" and node.connection:
            p = node.connection.profile
            region = p.region or "the AWS profile's"
            lines = [p.name, f"endpoint: {p.endpoint_url or 'AWS'}", f"region: {region}"]
            if p.profile_name:
                lines.append(f"AWS profile: {p.profile_name}")
            if p.read_only:
                lines.append("read-only: every write is refused")
            if p.production:
                lines.append("production: asks before every write")
            return "\n".join(lines)
        if node.kind == "index" and node.index_info:
            i = node.index_info
            keys = ", ".join(f"{k.name} ({k.role})" for k in i.keys)
            return f"{i.kind} {i.name}\nkeys: {keys}\nprojection: {i.projection}"
        return None
