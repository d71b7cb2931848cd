"""Table models of the intake form's check panel: duplicate candidates (with the engine's
explained score) and the recent history of the same grid cell and component."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from seatdesk.models.queues import CaseRow
from seatdesk.workflow import services as sd

from seatdesk.ui import enum_labels as L
from seatdesk.ui.pyside_fix import keep_none_alive

Index = QModelIndex | QPersistentModelIndex
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


class _RowsModel(QAbstractTableModel):
    """A read-only table of frozen rows; subclasses define headers and ``cell``."""

    def __init__(self, parent=None):
        keep_none_alive()
        super().__init__(parent)
        self._rows: tuple = ()

    def headers(self) -> tuple[str, ...]:
        raise NotImplementedError

    def cell(self, row, column: int) -> str:
        raise NotImplementedError

    def case_id(self, row) -> int:
        raise NotImplementedError

    def set_rows(self, rows: Sequence) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    def row_value(self, row: int):
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers())

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.headers())):
            return self.headers()[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cell(row, index.column())
        if role == CASE_ID_ROLE:
            return self.case_id(row)
        return None


class DuplicateModel(_RowsModel):
    """Duplicate candidates, best first: number, state, score, distance, why."""

    def headers(self) -> tuple[str, ...]:
        return (self.tr("Case number"), self.tr("State"), self.tr("Score"),
                self.tr("Distance"), self.tr("Why"))

    def cell(self, row: sd.DuplicateCandidate, column: int) -> str:
        return (row.number, L.state(row.state), f"{row.score:.0f}", f"{row.distance_m:.0f} m",
                row.explanation)[column]

    def case_id(self, row: sd.DuplicateCandidate) -> int:
        return row.case_id


class HistoryModel(_RowsModel):
    """Recent cases of the same grid cell or component: ``(what, CaseRow)`` rows."""

    def headers(self) -> tuple[str, ...]:
        return (self.tr("Same"), self.tr("Case number"), self.tr("Reported"), self.tr("State"),
                self.tr("Class"), self.tr("Address"))

    def cell(self, row: tuple[str, CaseRow], column: int) -> str:
        what, case = row
        reported = case.reported_at.astimezone(TZ).strftime("%m-%d %H:%M") \
            if isinstance(case.reported_at, dt.datetime) else ""
        same = self.tr("grid cell") if what == "cell" else self.tr("component")
        return (same, case.number, reported, L.state(case.state), case.class_name,
                case.address)[column]

    def case_id(self, row: tuple[str, CaseRow]) -> int:
        return row[1].id
