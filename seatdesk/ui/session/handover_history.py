"""The history of 交接班确认 under the handover sheet: who acknowledged which sheet, when,
with their note and a one-line summary of what was handed over.

``HandoverHistoryModel`` is a table model over the frozen ``Acknowledgement`` values of
``seatdesk.evaluation.handover.acknowledgements`` (newest first); rows moved in from the
old settings log carry no summary and show 「—」. The dialog loads the values in a
task-runner job and hands them to ``HandoverHistory.set_rows``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from seatdesk.evaluation.handover import Acknowledgement

from seatdesk.ui.pyside_fix import keep_none_alive

Index = QModelIndex | QPersistentModelIndex
DEFAULT_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
AT, BY, SUMMARY, NOTE = range(4)
NO_SUMMARY = "—"
# case numbers listed in a tooltip before "…"
TIP_CASES = 10


def summary_counts(summary: dict[str, Any]) -> tuple[int, int, int, int, int] | None:
    """(在办, 红灯, 将超期, 待回访, 挂账) of a stored summary; None for a migrated row."""
    if not summary:
        return None
    open_items = sum(int(n) for _, n in summary.get("open_by_stage", []))
    return (open_items, int(summary.get("red_now", 0)), int(summary.get("going_red", 0)),
            int(summary.get("callbacks", 0)), int(summary.get("suspended", 0)))


def fill(template: str, *values: object) -> str:
    """Qt-style ``%1``…``%9`` placeholders (PySide6 has no ``QString.arg``)."""
    for i, value in enumerate(values, start=1):
        template = template.replace(f"%{i}", str(value))
    return template


def _cases(numbers: Sequence[str]) -> str:
    shown = "、".join(numbers[:TIP_CASES])
    return shown + ("…" if len(numbers) > TIP_CASES else "")


class HandoverHistoryModel(QAbstractTableModel):
    def __init__(self, parent=None, tz: dt.tzinfo = DEFAULT_TZ):
        keep_none_alive()
        super().__init__(parent)
        self.tz = tz
        self._rows: tuple[Acknowledgement, ...] = ()

    def set_rows(self, rows: Sequence[Acknowledgement]) -> None:
        rows = tuple(rows)
        if rows == self._rows:
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row(self, i: int) -> Acknowledgement:
        return self._rows[i]

    def rowCount(self, parent: Index | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (self.tr("Acknowledged at"), self.tr("Acknowledged by"),
                  self.tr("Handed over"), self.tr("Note"))
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        ack = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(ack, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(ack, index.column())
        return None

    def text(self, ack: Acknowledgement, column: int) -> str | None:
        if column == AT:
            return ack.at.astimezone(self.tz).strftime("%m-%d %H:%M")
        if column == BY:
            return ack.user_name
        if column == SUMMARY:
            return self.summary_line(ack.summary)
        if column == NOTE:
            return " ".join(ack.note.split())
        return None

    def summary_line(self, summary: dict[str, Any]) -> str:
        counts = summary_counts(summary)
        if counts is None:
            return NO_SUMMARY
        return fill(self.tr("Open %1 · red %2 · going red %3 · callbacks %4 · suspended %5"),
                    *counts)

    def tooltip(self, ack: Acknowledgement, column: int) -> str | None:
        if column == NOTE:
            return ack.note or None
        if column != SUMMARY:
            return None
        if not ack.summary:
            return self.tr("Moved from the old handover log: no summary recorded")
        stages = "、".join(f"{stage} {n}" for stage, n in ack.summary.get("open_by_stage", []))
        lines = [fill(self.tr("Open by stage: %1"), stages or "0")]
        if ack.summary.get("going_red_cases"):
            lines.append(fill(self.tr("Going red: %1"), _cases(ack.summary["going_red_cases"])))
        if ack.summary.get("suspended_cases"):
            lines.append(fill(self.tr("Suspended: %1"), _cases(ack.summary["suspended_cases"])))
        return "\n".join(lines)


class HandoverHistory(QTableView):
    """The latest acknowledgements, newest first, one line each."""

    def __init__(self, parent=None, tz: dt.tzinfo = DEFAULT_TZ):
        super().__init__(parent)
        self.setObjectName("handoverHistory")
        self.history = HandoverHistoryModel(self, tz)
        self.setModel(self.history)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        for column in (AT, BY, SUMMARY):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NOTE, QHeaderView.ResizeMode.Stretch)

    def set_rows(self, rows: Sequence[Acknowledgement]) -> None:
        self.history.set_rows(rows)
        self.scrollToTop()
