"""The per-request ledger: what each page of a run returned, read, cost and took."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.paging import RequestStats, Totals

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ["Request", "Returned", "Read", "Capacity", "Table", "Indexes", "Latency", "Retries"]
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def units(value: Any) -> str:
    return "—" if value is None else f"{value:g}"


def ledger_cells(line: RequestStats) -> list[str]:
    cap = line.capacity
    indexes = ", ".join(f"{name} {units(u)}" for name, u in cap.indexes) if cap else ""
    number = str(line.number) if line.segment is None else f"{line.number} (segment {line.segment})"
    return [
        number,
        f"{line.count:,}",
        "—" if line.scanned_count is None else f"{line.scanned_count:,}",
        units(cap.total) if cap else "—",
        units(cap.table) if cap else "—",
        indexes or "—",
        f"{line.latency_s * 1000:.0f} ms",
        str(line.retry_attempts),
    ]


def totals_text(t: Totals) -> str:
    if not t.requests:
        return "No requests yet."
    parts = [f"{t.requests:,} request{'s' if t.requests != 1 else ''}",
             f"{t.count:,} returned", f"{t.scanned:,} read"]
    if t.ratio is not None:
        parts.append(f"returned/read {t.ratio:.1%}")
    parts.append(f"{units(t.capacity.total)} capacity units")
    parts.append(f"{t.latency_s * 1000:.0f} ms in all")
    return " · ".join(parts)


class LedgerModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._lines: list[RequestStats] = []
        self._cells: list[list[str]] = []

    def reset(self) -> None:
        self.beginResetModel()
        self._lines, self._cells = [], []
        self.endResetModel()

    def extend(self, lines: list[RequestStats]) -> None:
        if not lines:
            return
        first = len(self._lines)
        self.beginInsertRows(QModelIndex(), first, first + len(lines) - 1)
        self._lines.extend(lines)
        self._cells.extend(ledger_cells(line) for line in lines)
        self.endInsertRows()

    def lines(self) -> list[RequestStats]:
        return list(self._lines)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() != 5:
            return _RIGHT
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None
