"""The command palette (Ctrl+K): find any enabled action, or a case by its number.

Type part of an action's name (or its pinyin initials: ``la`` finds 立案) or digits of a
case number — its first digits or its last ones; ↑/↓ move, Enter runs, Esc closes. Case
numbers are looked up off the GUI thread (``models.case_lookup``, newest first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListView, QVBoxLayout

from seatdesk.models.case_lookup import cases_by_number

from seatdesk.ui import enum_labels as L
from seatdesk.ui.session.actions_registry import ActionRegistry
from seatdesk.ui.intake.pinyin_table import initials
from seatdesk.ui.pyside_fix import keep_none_alive
from seatdesk.ui.session.seat import Seat

Index = QModelIndex | QPersistentModelIndex
MIN_DIGITS = 3
CASE_HITS = 8


@dataclass(frozen=True)
class PaletteEntry:
    kind: str  # action | case
    key: str | int  # action name or case id
    text: str
    hint: str  # shortcut, or the case's state and address
    initials: str = ""

    def matches(self, query: str) -> bool:
        q = query.strip().lower()
        return not q or q in self.text.lower() or self.initials.startswith(q) or (
            isinstance(self.key, str) and q in self.key)


class PaletteModel(QAbstractListModel):
    def __init__(self, parent=None):
        keep_none_alive()
        super().__init__(parent)
        self._entries: tuple[PaletteEntry, ...] = ()

    def set_entries(self, entries: Sequence[PaletteEntry]) -> None:
        self.beginResetModel()
        self._entries = tuple(entries)
        self.endResetModel()

    def entry(self, row: int) -> PaletteEntry:
        return self._entries[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{entry.text}    {entry.hint}".rstrip()
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.hint or entry.text
        return None


class CommandPalette(QDialog):
    action_chosen = Signal(str)
    case_chosen = Signal(int)

    def __init__(self, seat: Seat, registry: ActionRegistry, parent=None):
        super().__init__(parent)
        self.seat, self.registry = seat, registry
        self.setObjectName("commandPalette")
        self.setWindowTitle(self.tr("Command palette"))
        self.setMinimumWidth(560)
        self.query = QLineEdit(self)
        self.query.setObjectName("paletteQuery")
        self.query.setPlaceholderText(self.tr("Action, pinyin initials or case number…"))
        self.query.installEventFilter(self)
        self.model = PaletteModel(self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.activated.connect(lambda index: self.choose(index.row()))
        self.list.clicked.connect(lambda index: self.choose(index.row()))
        self.hint = QLabel(self.tr("Enter runs · Esc closes"), self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        self.cases: list[PaletteEntry] = []
        self.query.textChanged.connect(self._changed)
        self._actions = self._action_entries()
        self._refilter()

    def _action_entries(self) -> list[PaletteEntry]:
        return [PaletteEntry("action", s.name, s.text, self.registry.shortcut_text(s.name),
                             initials(s.text)) for s in self.registry.enabled()]

    def _changed(self, text: str) -> None:
        self.cases = []
        self._refilter()
        digits = text.strip()
        if len(digits) >= MIN_DIGITS and digits.isdigit():
            seat = self.seat

            def work():  # the number's first digits or its last ones (…0123)
                with seat.sessions() as session:
                    return cases_by_number(session, digits, seat.user, CASE_HITS)

            seat.read("palette.cases", work, lambda rows, q=digits: self._cases(q, rows))

    def _cases(self, query: str, rows) -> None:
        if self.query.text().strip() != query:
            return
        self.cases = [PaletteEntry("case", r.id, self.tr("Open case %1").replace("%1", r.number),
                                   f"{L.state(r.state)} · {r.address}") for r in rows]
        self._refilter()

    def _refilter(self) -> None:
        q = self.query.text()
        shown = [e for e in self._actions if e.matches(q)] + self.cases
        self.model.set_entries(shown)
        if shown:
            self.list.setCurrentIndex(self.model.index(0))

    def choose(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        entry = self.model.entry(row)
        self.accept()
        if entry.kind == "case":
            self.case_chosen.emit(int(entry.key))
        else:
            self.action_chosen.emit(str(entry.key))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.query and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.model.rowCount():
                row = self.list.currentIndex().row() + (1 if key == Qt.Key.Key_Down else -1)
                self.list.setCurrentIndex(self.model.index(max(0, min(row, self.model.rowCount()
                                                                        - 1))))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.choose(max(0, self.list.currentIndex().row()))
                return True
        return super().eventFilter(obj, event)
