"""The table details panel: keys, indexes, capacity, stream, TTL, protection and tags."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.catalog import IndexInfo, KeyAttribute, TableInfo

TYPE_NAMES = {"S": "String", "N": "Number", "B": "Binary"}

OVERVIEW_FIELDS = [
    "Status", "Billing mode", "Read capacity", "Write capacity", "Items", "Size",
    "Table class", "Created", "Stream", "Time to live", "Deletion protection",
    "Point-in-time recovery",
]


def type_label(code: str) -> str:
    return f"{TYPE_NAMES.get(code, code)} ({code})"


def human_bytes(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def _key_text(key: KeyAttribute | None) -> str:
    return f"{key.name} ({key.attribute_type})" if key else "—"


class FitTable(QTableWidget):
    """A read-only table that is as tall as its rows, so the page scrolls, not the table."""

    def __init__(self, headers: list[str], name: str) -> None:
        super().__init__(0, len(headers))
        self.setObjectName(name)
        self.setHorizontalHeaderLabels(headers)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def set_rows(self, rows: list[list[str]]) -> None:
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.setItem(r, c, item)
        self.resizeRowsToContents()
        height = self.horizontalHeader().height() + 2 * self.frameWidth()
        height += sum(self.rowHeight(r) for r in range(self.rowCount()))
        if self.horizontalScrollBar().isVisible():
            height += self.horizontalScrollBar().height()
        self.setFixedHeight(height)

    def column_texts(self, column: int) -> list[str]:
        return [self.item(r, column).text() for r in range(self.rowCount())]


class TableInfoPanel(QScrollArea):
    """Shows one `TableInfo`. Every value is selectable text, so it can be copied."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tableInfoPanel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        page = QWidget()
        page.setObjectName("detailsPage")
        self.setWidget(page)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(18, 14, 18, 18)
        layout.setSpacing(8)

        self.title = QLabel()
        self.title.setObjectName("detailsTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.arn = QLabel()
        self.arn.setObjectName("detailsSubtitle")
        self.arn.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.arn.setWordWrap(True)
        self.notice = QLabel()
        self.notice.setObjectName("detailsNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.title)
        layout.addWidget(self.arn)
        layout.addWidget(self.notice)

        layout.addWidget(self._heading("Overview"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(4)
        self.fields: dict[str, QLabel] = {}
        half = (len(OVERVIEW_FIELDS) + 1) // 2
        for i, name in enumerate(OVERVIEW_FIELDS):
            row, col = i % half, (i // half) * 2
            label = QLabel(name)
            label.setObjectName("fieldName")
            value = QLabel("—")
            value.setObjectName("fieldValue")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            grid.addWidget(label, row, col, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, col + 1, Qt.AlignmentFlag.AlignTop)
            self.fields[name] = value
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)

        layout.addWidget(self._heading("Primary key"))
        self.key_table = FitTable(["Attribute", "Role", "Type"], "keyTable")
        layout.addWidget(self.key_table)

        self.index_heading = self._heading("Secondary indexes")
        layout.addWidget(self.index_heading)
        self.index_table = FitTable(
            ["Index", "Kind", "Partition key", "Sort key", "Projection", "Status", "Items"],
            "indexTable")
        layout.addWidget(self.index_table)

        layout.addWidget(self._heading("Attribute definitions"))
        self.attribute_table = FitTable(["Attribute", "Type", "Key of"], "attributeTable")
        layout.addWidget(self.attribute_table)

        self.tags_heading = self._heading("Tags")
        layout.addWidget(self.tags_heading)
        self.tags_table = FitTable(["Key", "Value"], "tagsTable")
        layout.addWidget(self.tags_table)
        layout.addStretch(1)
        self.info: TableInfo | None = None

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("sectionHeading")
        return label

    def show_info(self, info: TableInfo, region: str = "") -> None:
        self.info = info
        self.title.setText(info.name)
        self.arn.setText(info.arn or (f"region {region}" if region else ""))
        f = self.fields
        f["Status"].setText(info.status or "—")
        on_demand = info.billing_mode == "PAY_PER_REQUEST"
        f["Billing mode"].setText("On-demand (PAY_PER_REQUEST)" if on_demand
                                  else "Provisioned (PROVISIONED)")
        f["Read capacity"].setText("on demand" if on_demand else f"{info.read_capacity} RCU")
        f["Write capacity"].setText("on demand" if on_demand else f"{info.write_capacity} WCU")
        approx = "  (DynamoDB updates this about every 6 hours)"
        f["Items"].setText("—" if info.item_count is None else f"{info.item_count:,}{approx}")
        f["Size"].setText(human_bytes(info.size_bytes))
        f["Table class"].setText(info.table_class)
        f["Created"].setText(info.created.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
                             if info.created else "—")
        f["Stream"].setText(f"Enabled, {info.stream_view_type}" if info.stream_enabled
                            else "Disabled")
        f["Time to live"].setText(self._ttl_text(info))
        f["Deletion protection"].setText("On" if info.deletion_protection else "Off")
        f["Point-in-time recovery"].setText(info.point_in_time_recovery.capitalize())

        self.key_table.set_rows([[k.name, k.role, type_label(k.attribute_type)]
                                 for k in info.keys])
        self.index_heading.setText(
            f"Secondary indexes  ({len(info.gsis)} global, {len(info.lsis)} local)")
        self.index_table.set_rows([self._index_row(i) for i in info.indexes])
        self.index_table.setVisible(bool(info.indexes))
        self.attribute_table.set_rows([
            [name, type_label(code), self._key_of(info, name)]
            for name, code in sorted(info.attribute_types.items())])
        self.tags_heading.setText(f"Tags  ({len(info.tags)})")
        self.tags_table.set_rows([[k, v] for k, v in sorted(info.tags.items())])
        self.tags_table.setVisible(bool(info.tags))
        if info.unavailable:
            lines = [f"{what}: {why}" for what, why in info.unavailable.items()]
            self.notice.setText("Some settings could not be read:\n" + "\n".join(lines))
            self.notice.show()
        else:
            self.notice.hide()

    def select_index(self, name: str) -> None:
        for row in range(self.index_table.rowCount()):
            if self.index_table.item(row, 0).text() == name:
                self.index_table.selectRow(row)
                return

    @staticmethod
    def _ttl_text(info: TableInfo) -> str:
        if info.ttl_status == "ENABLED":
            return f"Enabled on “{info.ttl_attribute}”"
        if info.ttl_status in ("ENABLING", "DISABLING"):
            return f"{info.ttl_status.capitalize()} (“{info.ttl_attribute}”)"
        if info.ttl_status == "unknown":
            return "Unknown (could not be read)"
        return "Disabled"

    @staticmethod
    def _index_row(i: IndexInfo) -> list[str]:
        partition = i.keys[0] if i.keys else None
        sort = i.keys[1] if len(i.keys) > 1 else None
        items = "—" if i.item_count is None else f"{i.item_count:,}"
        return [i.name, i.kind, _key_text(partition), _key_text(sort), i.projection,
                i.status or ("—" if i.kind == "LSI" else ""), items]

    @staticmethod
    def _key_of(info: TableInfo, name: str) -> str:
        owners = [f"table ({k.role})" for k in info.keys if k.name == name]
        owners += [f"{i.name} ({k.role})" for i in info.indexes for k in i.keys if k.name == name]
        return ", ".join(owners)
