"""One table model for every administration list: frozen records, declared columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from seatdesk.ui.pyside_fix import keep_none_alive

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]  # record → displayed value (str, int, bool …)


class RecordTableModel(QAbstractTableModel):
    """Rows are frozen dataclasses with an ``id`` (or ``day``) attribute; read-only."""

    def __init__(self, columns: Sequence[Column], parent=None):
        keep_none_alive()  # PySide6 6.12 drops None references in data()
        super().__init__(parent)
        self.columns = tuple(columns)
        self._records: tuple[Any, ...] = ()

    def set_records(self, records: Sequence[Any]) -> None:
        self.beginResetModel()
        self._records = tuple(records)
        self.endResetModel()

    def records(self) -> tuple[Any, ...]:
        return self._records

    def record(self, row: int) -> Any:
        return self._records[row]

    def row_of(self, key: Any) -> int:
        return next((i for i, r in enumerate(self._records) if _key(r) == key), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.columns)):
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self.columns[index.column()].value(record)
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            return self.columns[index.column()].value(record)
        if role == ID_ROLE:
            return _key(record)
        return None


def _key(record: Any) -> Any:
    for name in ("id", "day", "code"):  # the record's identity: id, calendar day, code
        if hasattr(record, name):
            return getattr(record, name)
    return None
