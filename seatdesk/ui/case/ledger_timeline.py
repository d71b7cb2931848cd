"""The case ledger (电子台账) as a timeline: every step, who took it, when, and why.

``LedgerTimelineModel`` is a list model over the engine's frozen ``HistoryRow`` values
(oldest first); ``TimelineDelegate`` paints each row as a dot on a vertical line with the
action and state change on the first line and who/when/reason under it.

``LedgerPane`` is the 处理过程 tab: the timeline under a note that says when the case's
early rows lie in archived months (``seatdesk ledger archive``: the timeline then starts
mid-way on purpose) or — a real finding — when rows are neither online nor archived.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPen
from PySide6.QtWidgets import QLabel, QListView, QStyle, QStyledItemDelegate, QVBoxLayout, QWidget

from seatdesk.workflow.queries import ArchivedHistory, HistoryRow

from seatdesk.ui import enum_labels as L
from seatdesk.ui.pyside_fix import keep_none_alive

Index = QModelIndex | QPersistentModelIndex
TITLE_ROLE = Qt.ItemDataRole.UserRole + 1
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 2
ACTION_ROLE = Qt.ItemDataRole.UserRole + 3
DEFAULT_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
REFUSALS = {"void", "refuse_filing", "check_fail", "refuse_return", "refuse_extension",
            "refuse_suspension", "refuse_void", "request_void", "approve_void"}


class LedgerTimelineModel(QAbstractListModel):
    def __init__(self, parent=None, tz: dt.tzinfo = DEFAULT_TZ):
        keep_none_alive()
        super().__init__(parent)
        self.tz = tz
        self._rows: tuple[HistoryRow, ...] = ()

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        rows = tuple(rows)
        if rows == self._rows:
            return
        old = self._rows
        if rows[:len(old)] == old and old:  # the same case, new steps appended
            self.beginInsertRows(QModelIndex(), len(old), len(rows) - 1)
            self._rows = rows
            self.endInsertRows()
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row(self, i: int) -> HistoryRow:
        return self._rows[i]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == TITLE_ROLE:
            return self.title(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{self.title(row)}\n{self.detail(row)}"
        if role in (DETAIL_ROLE, Qt.ItemDataRole.ToolTipRole):
            return self.detail(row)
        if role == ACTION_ROLE:
            return row.action
        return None

    def title(self, row: HistoryRow) -> str:
        moved = "" if row.from_state == row.to_state else \
            f"  {L.state(row.from_state)} → {L.state(row.to_state)}"
        what = self.what(row)
        return f"{row.seq}. {L.action(row.action)}{f'（{what}）' if what else ''}{moved}"

    def what(self, row: HistoryRow) -> str:
        """Where the step sent the work (department, supervisor, the pool), or the 回访
        result."""
        if row.action == "callback":
            return L.callback(row.args.get("outcome"))
        pooled = row.action in ("send_verification", "send_check") and row.args.get(
            "supervisor_id") is None
        if pooled:
            names = row.args.get("pool_names") or []
            return self.tr("any supervisor") + (f"：{'、'.join(names)}" if names else "")
        return row.to_whom

    def detail(self, row: HistoryRow) -> str:
        when = row.at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")
        who = f"{row.actor_name}（{L.role(row.actor_role)}）" if row.actor_name else \
            L.role(row.actor_role)
        parts = [when, who] + ([row.seat] if row.seat else [])
        text = " · ".join(parts)
        if row.reason:
            text += "\n" + self.tr("Reason/note: %1").replace("%1", row.reason)
        return text


class TimelineDelegate(QStyledItemDelegate):
    """A dot on a vertical line; bold title; grey details (wrapped)."""

    LEFT = 26

    def sizeHint(self, option, index) -> QSize:
        metrics = QFontMetrics(option.font)
        width = max(200, option.rect.width() - self.LEFT - 8)
        detail = metrics.boundingRect(QRect(0, 0, width, 2000), Qt.TextFlag.TextWordWrap,
                                      index.data(DETAIL_ROLE) or "")
        return QSize(width, metrics.height() + detail.height() + 14)

    def paint(self, painter, option, index) -> None:
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight().color().lighter(170))
        rect = option.rect
        x = rect.left() + 12
        colour = QColor("#c62828") if index.data(ACTION_ROLE) in REFUSALS else QColor("#1565c0")
        painter.setPen(QPen(QColor("#b0bec5"), 2))
        painter.drawLine(x, rect.top(), x, rect.bottom())
        painter.setBrush(colour)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(x - 5, rect.top() + 7, 10, 10)
        text_rect = rect.adjusted(self.LEFT, 4, -6, -4)
        font = option.font
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(option.palette.text().color())
        metrics = QFontMetrics(font)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         index.data(TITLE_ROLE) or "")
        font.setBold(False)
        painter.setFont(font)
        painter.setPen(QColor("#546e7a"))
        painter.drawText(text_rect.adjusted(0, metrics.height() + 2, 0, 0),
                         Qt.TextFlag.TextWordWrap, index.data(DETAIL_ROLE) or "")
        painter.restore()


class LedgerTimeline(QListView):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("ledgerTimeline")
        self.timeline = LedgerTimelineModel(self)
        self.setModel(self.timeline)
        self.setItemDelegate(TimelineDelegate(self))
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        self.timeline.set_rows(rows)
        if self.timeline.rowCount():
            self.scrollToBottom()


ARCHIVED_STYLE = "background: #eceff1; color: #37474f; padding: 6px; border: 1px dashed #90a4ae;"
MISSING_STYLE = "background: #fdecea; color: #8e1c1c; padding: 6px; border: 1px solid #e57373;"


class LedgerPane(QWidget):
    """The timeline under the note on archived (or missing) early rows."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("ledgerPane")
        self.note = QLabel(self)
        self.note.setObjectName("ledgerArchived")
        self.note.setWordWrap(True)
        self.note.hide()
        self.timeline = LedgerTimeline(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.timeline, 1)

    def set_history(self, rows: Sequence[HistoryRow], archived: ArchivedHistory | None) -> None:
        self.timeline.set_rows(rows)
        text = self.note_text(archived)
        self.note.setText(text)
        self.note.setStyleSheet(MISSING_STYLE if archived and archived.missing else ARCHIVED_STYLE)
        self.note.setVisible(bool(text))

    def note_text(self, archived: ArchivedHistory | None) -> str:
        if archived is None:
            return ""
        if not archived.known:  # a login without the grant of ledger_segments' outline
            return self.tr("The first %1 entries of this case are not online (archived months, "
                           "or deleted): only an administrator can tell, with seatdesk ledger "
                           "verify.").replace("%1", str(archived.missing))
        parts = []
        if archived.rows:
            months = f"{archived.first_month:%Y-%m}"
            if archived.last_month != archived.first_month:
                months = self.tr("%1 to %2").replace("%1", months).replace(
                    "%2", f"{archived.last_month:%Y-%m}")
            parts.append(self.tr("%1 earlier entries of this case, from %2, are archived "
                                 "(ledger_segments) and not listed here: an administrator "
                                 "can re-attach them (seatdesk ledger reattach) to read them.")
                         .replace("%1", str(archived.rows)).replace("%2", months))
            if archived.attachments_archived:
                parts[-1] += self.tr(" The photos and recordings of those months (if any) are "
                                     "archived too.")
        if archived.missing:
            parts.append(self.tr("%1 entries of this case are neither online nor archived: "
                                 "the ledger may have been tampered with; ask an administrator "
                                 "to run seatdesk ledger verify.")
                         .replace("%1", str(archived.missing)))
        return "\n".join(parts)
