"""Qt table model of one work box: frozen ``CaseRow`` values, never ORM objects.

The model never queries the database. It holds the pages loaded so far and asks for
more through ``fetch_more_requested`` (the view calls ``fetchMore`` while scrolling);
``sort`` does not reorder locally but emits ``sort_requested`` so the server sorts.
A refresh (``refresh_rows``) is applied as a minimal diff matched by case id — row
removals and insertions plus narrow ``dataChanged`` — so selection and scroll
position survive. ``set_lights`` updates only the light and deadline columns.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from difflib import SequenceMatcher

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from seatdesk.models.queues import CaseRow
from seatdesk.workflow.lights import ClockState

from seatdesk.ui import enum_labels as L
from seatdesk.ui.clock_text import remaining
from seatdesk.ui.pyside_fix import keep_none_alive

Index = QModelIndex | QPersistentModelIndex

(LIGHT, NUMBER, SOURCE, CLASS, ADDRESS, GRID, STATE, DEPARTMENT, DEADLINE, REPORTED,
 PHONE) = range(11)
COLUMN_COUNT = 11
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # native value for sorting
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 2
LIGHT_ROLE = Qt.ItemDataRole.UserRole + 3  # "green" | "yellow" | "red" | None
#: server-side sort key of each column (``seatdesk.models.queues.SORT_COLUMNS``)
SORT_KEYS = {LIGHT: "deadline", NUMBER: "number", SOURCE: "source", CLASS: "class",
             ADDRESS: "address", GRID: "grid", STATE: "state", DEPARTMENT: "department",
             DEADLINE: "deadline", REPORTED: "reported_at", PHONE: "phone"}
DEFAULT_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


class CaseTableModel(QAbstractTableModel):
    fetch_more_requested = Signal(int)  # offset of the next page
    sort_requested = Signal(int, bool)  # column, ascending

    def __init__(self, parent=None, tz: dt.tzinfo = DEFAULT_TZ):
        keep_none_alive()  # PySide6 6.12 drops None references in data()
        super().__init__(parent)
        self.tz = tz
        self._rows: list[CaseRow] = []
        self._lights: list[ClockState | None] = []
        self._has_more = False
        self._fetching = False
        self._headers = (
            self.tr("Light"), self.tr("Case number"), self.tr("Source"), self.tr("Class"),
            self.tr("Address"), self.tr("Grid cell"), self.tr("State"), self.tr("Department"),
            self.tr("Deadline"), self.tr("Reported"), self.tr("Caller phone"),
        )

    # -- feeding ------------------------------------------------------------------------------
    def reset_rows(self, rows: Sequence[CaseRow], lights: Sequence[ClockState | None],
                   has_more: bool) -> None:
        """A new query (box, sort or filter changed): replace everything."""
        self.beginResetModel()
        self._rows, self._lights = list(rows), list(lights)
        self._has_more, self._fetching = has_more, False
        self.endResetModel()

    def append_rows(self, rows: Sequence[CaseRow], lights: Sequence[ClockState | None],
                    has_more: bool) -> None:
        """The next page arrived (``fetchMore``); rows already shown are skipped."""
        self._fetching = False
        self._has_more = has_more
        known = {r.id for r in self._rows}
        fresh = [(r, light) for r, light in zip(rows, lights, strict=True) if r.id not in known]
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._rows.extend(r for r, _ in fresh)
        self._lights.extend(light for _, light in fresh)
        self.endInsertRows()

    def refresh_rows(self, rows: Sequence[CaseRow], lights: Sequence[ClockState | None],
                     has_more: bool) -> None:
        """The same query re-run: apply the difference by case id (selection survives)."""
        old = {r.id: (r, light) for r, light in zip(self._rows, self._lights, strict=True)}
        matcher = SequenceMatcher(None, [r.id for r in self._rows], [r.id for r in rows],
                                  autojunk=False)
        for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
            if tag in ("replace", "delete"):
                self.beginRemoveRows(QModelIndex(), i1, i2 - 1)
                del self._rows[i1:i2], self._lights[i1:i2]
                self.endRemoveRows()
            if tag in ("replace", "insert"):
                self.beginInsertRows(QModelIndex(), i1, i1 + j2 - j1 - 1)
                self._rows[i1:i1] = rows[j1:j2]
                self._lights[i1:i1] = lights[j1:j2]
                self.endInsertRows()
        self._has_more, self._fetching = has_more, False
        changed = [i for i, (r, light) in enumerate(zip(rows, lights, strict=True))
                   if r.id in old and _cells(*old[r.id]) != _cells(r, light)]
        self._rows, self._lights = list(rows), list(lights)
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, COLUMN_COUNT - 1))

    def set_lights(self, lights: Sequence[ClockState | None]) -> None:
        """New lights for the rows shown (same order); only changed cells are signalled."""
        changed = [i for i, (a, b) in enumerate(zip(self._lights, lights, strict=True))
                   if _shown(a) != _shown(b)]
        self._lights = list(lights)
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, LIGHT), self.index(last, LIGHT))

    def set_fetching(self, fetching: bool) -> None:
        self._fetching = fetching

    # -- lookups ------------------------------------------------------------------------------
    def rows(self) -> tuple[CaseRow, ...]:
        return tuple(self._rows)

    def case_row(self, row: int) -> CaseRow:
        return self._rows[row]

    def row_of(self, case_id: int) -> int:
        for i, r in enumerate(self._rows):
            if r.id == case_id:
                return i
        return -1

    def light(self, row: int) -> ClockState | None:
        return self._lights[row]

    @property
    def has_more(self) -> bool:
        return self._has_more

    # -- Qt model API -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else COLUMN_COUNT

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and self._has_more and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._fetching = True
            self.fetch_more_requested.emit(len(self._rows))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < COLUMN_COUNT:
            self.sort_requested.emit(column, order == Qt.SortOrder.AscendingOrder)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < COLUMN_COUNT:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, index.row(), column, role)
        if role == SORT_ROLE:
            return self._native(row, index.row(), column)
        if role == CASE_ID_ROLE:
            return row.id
        if role == LIGHT_ROLE and column == LIGHT:
            light = self._lights[index.row()]
            return None if light is None else light.light.value
        return None

    # -- cell values --------------------------------------------------------------------------
    def _time(self, value: dt.datetime | None) -> str:
        return "" if value is None else value.astimezone(self.tz).strftime("%m-%d %H:%M")

    def _text(self, row: CaseRow, i: int, column: int, role: int) -> str:
        if column == LIGHT:
            light = self._lights[i]
            if light is None:
                return ""
            tip = role == Qt.ItemDataRole.ToolTipRole
            text = remaining(light.remaining_text)
            return f"{L.label('light', light.light.value)} {text}" if tip else text
        if column in (DEADLINE, REPORTED):
            return self._time(self._native(row, i, column))
        # code lists in the UI language (``CaseRow``'s labels are the core's Chinese ones)
        return {SOURCE: L.source(row.source), CLASS: f"{row.class_code} {row.class_name}".strip(),
                STATE: L.state(row.state)}.get(column) or str(self._native(row, i, column) or "")

    def _native(self, row: CaseRow, i: int, column: int):
        if column == LIGHT:
            light = self._lights[i]
            return None if light is None else light.remaining_seconds
        return (row.number, row.source, row.class_code, row.address, row.grid_code, row.state,
                row.department_name, row.shown_deadline, row.reported_at,
                row.caller_phone)[column - 1]


def _shown(light: ClockState | None) -> tuple[str, str] | None:
    """What the light cell shows: a refresh that only moves seconds repaints nothing."""
    return None if light is None else (light.light.value, light.remaining_text)


def _cells(row: CaseRow, light: ClockState | None) -> tuple:
    return row, _shown(light)


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs of sorted row numbers: [1, 2, 3, 7] → [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for i in indexes:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
