"""Shared machinery of the administration pages: a list, a form, and the work off the
GUI thread (reads in a plain session, changes in one write transaction)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.data.admin import AdminPermissionError, AdminValidationError
from seatdesk.data.errors import ImportFailed
from seatdesk.models import dberrors
from seatdesk.models.db import write_transaction

from seatdesk.ui.tasks import TaskRunner
from seatdesk.ui.admin.record_model import Column, RecordTableModel

_WRITES = itertools.count(1)
# ValueError covers TextRefused (an input the text rules refuse) and the parsers' errors
USER_ERRORS = (AdminPermissionError, AdminValidationError, ImportFailed, ValueError)


class AdminPage(QWidget):
    """Base of every administration page. ``changed`` fires after a successful change."""

    changed = Signal(str)  # what changed, e.g. "users"

    def __init__(self, sessions: sessionmaker[Session], actor: Any, tasks: TaskRunner,
                 parent=None):
        super().__init__(parent)
        self.sessions, self.actor, self.tasks = sessions, actor, tasks
        self.message = QLabel(self)
        self.message.setObjectName("adminMessage")
        self.message.setWordWrap(True)
        self.busy = False

    def assemble_record_page(self, form, buttons) -> None:
        """The layout every list-and-form page shares: the table, the form, the buttons and
        the message; selecting a row edits it; then the first load."""
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _prev: current.isValid() and self.edit(current.row()))
        self.load()

    # -- running work -------------------------------------------------------------------------
    def read(self, key: str, fn: Callable[[Session], Any], done: Callable[[Any], None]) -> None:
        """Run ``fn(session)`` off the GUI thread and hand its frozen result to ``done``."""
        def work():
            with self.sessions() as session:
                return fn(session)

        self.tasks.submit(f"{type(self).__name__}.{key}", work, done, self._failed)

    def write(self, fn: Callable[[Session], Any], done: Callable[[Any], None],
              success: str = "") -> None:
        """Run ``fn(session)`` in one write transaction; errors are shown, nothing half-done."""
        engine = self.sessions.kw["bind"]

        def work():
            with write_transaction(engine) as session:
                return fn(session)

        def ok(result):
            self.busy = False
            self.show_message(success or self.tr("Saved"))
            done(result)

        self.busy = True
        # a unique key per change: a change's reply is never dropped as stale
        self.tasks.submit(f"{type(self).__name__}.write.{next(_WRITES)}", work, ok, self._failed)

    def _failed(self, exc: Exception, _trace: str) -> None:
        self.busy = False
        if isinstance(exc, USER_ERRORS):
            self.show_message(str(exc), error=True)
        else:
            self.show_message(dberrors.user_message(exc), error=True)

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c62828;" if error else "color: #2e7d32;")
        self.message.setText(text)


def make_table(parent: QWidget, columns: Sequence[Column], stretch: int = -1
               ) -> tuple[QTableView, RecordTableModel]:
    model = RecordTableModel(columns, parent)
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch >= 0:
        view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view, model


def button_row(parent: QWidget, *buttons: tuple[str, Callable[[], None]]
               ) -> tuple[QHBoxLayout, list[QPushButton]]:
    row = QHBoxLayout()
    made = []
    for text, slot in buttons:
        button = QPushButton(text, parent)
        button.clicked.connect(slot)
        row.addWidget(button)
        made.append(button)
    row.addStretch(1)
    return row, made


def fill_combo(combo: QComboBox, items: Sequence[tuple[str, Any]], keep: bool = True) -> None:
    """Replace a combo's (text, data) items, keeping the current data when it still exists."""
    current = combo.currentData() if keep else None
    combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    index = combo.findData(current) if current is not None else -1
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


def set_combo_data(combo: QComboBox, data: Any) -> None:
    index = combo.findData(data)
    combo.setCurrentIndex(max(index, 0))


def searchable(combo: QComboBox) -> QComboBox:
    """An editable combo whose completer matches anywhere in the text (code, name, pinyin)."""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = combo.completer()
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return combo


def select_key(view: QTableView, model: RecordTableModel, key: Any) -> None:
    row = model.row_of(key)
    if row >= 0:
        view.selectRow(row)
