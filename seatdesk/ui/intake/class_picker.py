"""Keyboard-first pickers: a line edit with a suggestion list under it.

``SuggestBox``: type, ↓/↑ move in the list, Enter (or Tab on a highlighted row) takes
it, Esc closes the list. ``ClassPicker`` filters the case classes locally by code
prefix, name, major class name or pinyin initials (``case_classes.pinyin_initials``:
``gsjg`` finds 供水井盖). The list model (``ChoiceListModel``) holds plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QLineEdit, QListView, QVBoxLayout, QWidget

from seatdesk.ui.case.option_reads import ClassEntry
from seatdesk.ui.pyside_fix import keep_none_alive

Index = QModelIndex | QPersistentModelIndex
VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
LIST_HEIGHT = 150


class ChoiceListModel(QAbstractListModel):
    """Rows of ``(text, tooltip, value)``."""

    def __init__(self, parent=None):
        keep_none_alive()
        super().__init__(parent)
        self._rows: tuple[tuple[str, str, Any], ...] = ()

    def set_choices(self, rows: Sequence[tuple[str, str, Any]]) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    def value(self, row: int) -> Any:
        return self._rows[row][2]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        text, tip, value = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip or text
        if role == VALUE_ROLE:
            return value
        return None


class _MatchProxy(QSortFilterProxyModel):
    """Keeps rows whose value's ``matches(query)`` is true."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.query = ""

    def set_query(self, query: str) -> None:
        self.beginFilterChange()
        self.query = query
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        value = self.sourceModel().value(row)
        return value.matches(self.query) if hasattr(value, "matches") else True


class SuggestBox(QWidget):
    """A line edit and the suggestions under it; ``chosen`` carries the row's value."""

    chosen = Signal(object)
    text_edited = Signal(str)

    def __init__(self, parent=None, placeholder: str = ""):
        super().__init__(parent)
        self.model = ChoiceListModel(self)
        self.proxy = _MatchProxy(self)
        self.proxy.setSourceModel(self.model)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(placeholder)
        self.line.setClearButtonEnabled(True)
        self.list = QListView(self)
        self.list.setModel(self.proxy)
        self.list.setMaximumHeight(LIST_HEIGHT)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays in the line
        self.list.hide()
        self.list.clicked.connect(lambda index: self.take(index.row()))
        self.line.textEdited.connect(self._edited)
        self.line.installEventFilter(self)
        self.setFocusProxy(self.line)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.line)
        layout.addWidget(self.list)

    def set_choices(self, rows: Sequence[tuple[str, str, Any]], show: bool = True) -> None:
        self.model.set_choices(rows)
        self._show_list(show)

    def visible_count(self) -> int:
        return self.proxy.rowCount()

    def take(self, row: int) -> None:
        """Choose the ``row``-th visible suggestion."""
        if not 0 <= row < self.proxy.rowCount():
            return
        value = self.proxy.data(self.proxy.index(row, 0), VALUE_ROLE)
        self.line.setText(self.proxy.data(self.proxy.index(row, 0)))
        self.list.hide()
        self.chosen.emit(value)

    def _edited(self, text: str) -> None:
        self.text_edited.emit(text)

    def _show_list(self, show: bool) -> None:
        visible = show and self.proxy.rowCount() > 0
        self.list.setVisible(visible)
        if visible:
            self.list.setCurrentIndex(self.proxy.index(0, 0))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.line and event.type() == QEvent.Type.KeyPress:
            return self._key(event.key())
        return super().eventFilter(obj, event)

    def _key(self, key: int) -> bool:
        if not self.list.isVisible():
            if key == Qt.Key.Key_Down and self.proxy.rowCount():
                self._show_list(True)
                return True
            return False
        row = self.list.currentIndex().row()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(self.proxy.rowCount() - 1, row + step))
            self.list.setCurrentIndex(self.proxy.index(row, 0))
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
            self.take(max(row, 0))
            return key != Qt.Key.Key_Tab  # Tab takes the row and moves on
        if key == Qt.Key.Key_Escape:
            self.list.hide()
            return True
        return False


class ClassPicker(SuggestBox):
    """The case class, searchable by code, name, major class and pinyin initials."""

    class_chosen = Signal(object)  # ClassEntry | None

    def __init__(self, parent=None):
        super().__init__(parent, self.tr("Class: code, name or pinyin initials"))
        self.setObjectName("classPicker")
        self.entries: dict[int, ClassEntry] = {}
        self.current_entry: ClassEntry | None = None
        self.chosen.connect(self._chosen)

    def set_entries(self, entries: Sequence[ClassEntry]) -> None:
        self.entries = {e.id: e for e in entries}
        rows = [(f"{e.code} {e.name}", f"{e.major_name} · {e.pinyin}", e) for e in entries]
        self.set_choices(rows, show=False)
        if self.current_entry is not None:
            self.set_current(self.current_entry.id)

    def set_current(self, class_id: int | None) -> None:
        entry = self.entries.get(class_id) if class_id is not None else None
        self.current_entry = entry
        self.line.setText(entry.text if entry else "")
        self.list.hide()

    def current(self) -> ClassEntry | None:
        return self.current_entry

    def _edited(self, text: str) -> None:
        if self.current_entry is not None and text != self.current_entry.text:
            self.current_entry = None
            self.class_chosen.emit(None)
        self.proxy.set_query(text)
        self._show_list(bool(text.strip()))
        super()._edited(text)

    def _chosen(self, entry: ClassEntry) -> None:
        self.current_entry = entry
        self.class_chosen.emit(entry)
