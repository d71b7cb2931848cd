"""List model of the work boxes a role sees, with their live counts ("待受理  3")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from seatdesk.models.queues import COUNT_CAP, WorkBox

from seatdesk.ui.pyside_fix import keep_none_alive

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
COUNT_ROLE = Qt.ItemDataRole.UserRole + 2


class BoxListModel(QAbstractListModel):
    def __init__(self, parent=None):
        keep_none_alive()  # PySide6 6.12 drops None references in data()
        super().__init__(parent)
        self._boxes: tuple[WorkBox, ...] = ()
        self._counts: dict[str, int] = {}
        self._titles = {
            "pending_accept": self.tr("To accept"),
            "pending_verification": self.tr("To verify"),
            "my_tasks": self.tr("My verification and check tasks"),
            "pending_filing": self.tr("To file"),
            "pending_dispatch": self.tr("To dispatch"),
            "in_handling": self.tr("In handling"),
            "pending_check": self.tr("To check"),
            "ready_to_close": self.tr("To close"),
            "approve_extension": self.tr("Extension requests"),
            "approve_return": self.tr("Return requests"),
            "approve_suspension": self.tr("Suspension requests"),
            "approve_void": self.tr("Void requests"),
            "suspended": self.tr("Suspended cases"),
            "pending_callback": self.tr("To call back"),
            "my_department": self.tr("My department's cases"),
            "all": self.tr("All cases / search"),
        }

    def title(self, box: WorkBox) -> str:
        """The box title in the UI language (the Chinese label is the fallback)."""
        return self._titles.get(box.key, box.label)

    def set_boxes(self, boxes: Sequence[WorkBox]) -> None:
        self.beginResetModel()
        self._boxes = tuple(boxes)
        self._counts = {}
        self.endResetModel()

    def set_counts(self, counts: Mapping[str, int]) -> None:
        """New counts; only the rows whose count changed are signalled."""
        for i, box in enumerate(self._boxes):
            if box.key in counts and counts[box.key] != self._counts.get(box.key):
                self._counts[box.key] = counts[box.key]
                self.dataChanged.emit(self.index(i), self.index(i))

    def box(self, row: int) -> WorkBox:
        return self._boxes[row]

    def row_of(self, key: str) -> int:
        return next((i for i, b in enumerate(self._boxes) if b.key == key), -1)

    def count(self, key: str) -> int | None:
        return self._counts.get(key)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._boxes)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._boxes):
            return None
        box = self._boxes[index.row()]
        count = self._counts.get(box.key)
        if role == Qt.ItemDataRole.DisplayRole:
            title = self.title(box)
            return title if count is None else f"{title}  {count_text(count)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.title(box)
        if role == KEY_ROLE:
            return box.key
        if role == COUNT_ROLE:
            return count
        return None


def count_text(count: int) -> str:
    """``10000+`` for counts the database stopped counting at ``COUNT_CAP``."""
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)
