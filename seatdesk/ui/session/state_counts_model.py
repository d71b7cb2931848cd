"""Table model of open/closed case counts per workflow state (frozen rows)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex

STATE, LABEL, COUNT = range(3)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class StateCountsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: tuple[tuple[str, str, int], ...] = ()

    def set_rows(self, rows: tuple[tuple[str, str, int], ...]) -> None:
        if len(rows) == len(self._rows) and all(a[0] == b[0] for a, b in zip(rows, self._rows)):
            changed = [i for i, (a, b) in enumerate(zip(rows, self._rows)) if a != b]
            self._rows = rows
            for i in changed:  # narrow dataChanged: selection and scroll survive refreshes
                self.dataChanged.emit(self.index(i, 0), self.index(i, COUNT))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 3

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return str(row[col]) if col == COUNT else row[col]
        if role == SORT_ROLE:
            return row[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return (self.tr("State code"), self.tr("State"), self.tr("Cases"))[section]
