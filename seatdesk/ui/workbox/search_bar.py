"""The work-box search bar: every ``CaseFilter`` field, Enter searches, Esc clears."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from PySide6.QtCore import QDate, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from seatdesk.models.queues import CaseFilter
from seatdesk.models.sources import SHIPPED

from seatdesk.ui.source_combo import fill_sources

NO_DATE = QDate(2000, 1, 1)  # the minimum date shows as blank and means "any"
TEXT_FIELDS = ("number", "text", "address", "caller_phone", "grid_code", "component_code",
               "class_code")


class SearchBar(QWidget):
    search_requested = Signal(object)  # CaseFilter

    def __init__(self, parent=None, tz: dt.tzinfo = zoneinfo.ZoneInfo("Asia/Shanghai")):
        super().__init__(parent)
        self.tz = tz
        self.fields: dict[str, QLineEdit] = {}
        placeholders = {
            "number": self.tr("Case number"), "text": self.tr("Description or address"),
            "address": self.tr("Address"), "caller_phone": self.tr("Caller phone"),
            "grid_code": self.tr("Grid code"), "component_code": self.tr("Component code"),
            "class_code": self.tr("Class: code, name or pinyin"),
        }
        for name in TEXT_FIELDS:
            edit = QLineEdit(self)
            edit.setObjectName(f"search_{name}")
            edit.setPlaceholderText(placeholders[name])
            edit.setClearButtonEnabled(True)
            edit.returnPressed.connect(self.submit)
            self.fields[name] = edit
        self.source = QComboBox(self)
        self.source.setObjectName("search_source")
        self.set_sources(SHIPPED)  # the configured list replaces it once read
        self.date_from = self._date_edit("search_from")
        self.date_to = self._date_edit("search_to")
        self.search_button = QPushButton(self.tr("Search"), self)
        self.search_button.clicked.connect(self.submit)
        self.clear_button = QPushButton(self.tr("Clear"), self)
        self.clear_button.clicked.connect(self.clear)
        self._class_model = QStringListModel(self)
        completer = QCompleter(self._class_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.fields["class_code"].setCompleter(completer)
        self._lay_out()

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText(" ")
        edit.setDate(NO_DATE)
        return edit

    def _lay_out(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        f = self.fields
        rows = [
            [(self.tr("Number"), f["number"]), (self.tr("Text"), f["text"]),
             (self.tr("Address"), f["address"]), (self.tr("Phone"), f["caller_phone"]),
             (self.tr("Source"), self.source)],
            [(self.tr("Grid"), f["grid_code"]), (self.tr("Component"), f["component_code"]),
             (self.tr("Class"), f["class_code"]), (self.tr("From"), self.date_from),
             (self.tr("To"), self.date_to)],
        ]
        for r, pairs in enumerate(rows):
            for c, (label, widget) in enumerate(pairs):
                caption = QLabel(label, self)
                caption.setBuddy(widget)
                grid.addWidget(caption, r, 2 * c, Qt.AlignmentFlag.AlignRight)
                grid.addWidget(widget, r, 2 * c + 1)
                grid.setColumnStretch(2 * c + 1, 1)
        grid.addWidget(self.search_button, 0, 10)
        grid.addWidget(self.clear_button, 1, 10)
        order = [f["number"], f["text"], f["address"], f["caller_phone"], self.source,
                 f["grid_code"], f["component_code"], f["class_code"], self.date_from,
                 self.date_to, self.search_button, self.clear_button]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # -- public -------------------------------------------------------------------------------
    def set_phone_allowed(self, allowed: bool) -> None:
        """Roles that may not see callers' numbers may not search by them either."""
        self.fields["caller_phone"].setEnabled(allowed)
        if not allowed:
            self.fields["caller_phone"].clear()

    def set_sources(self, sources) -> None:
        """Every configured source (disabled ones too: old cases keep them)."""
        fill_sources(self.source, sources, patrol=True, first=(self.tr("Any source"), ""))

    def set_classes(self, entries: Sequence[str]) -> None:
        """Completion entries such as ``"01001 供水井盖 gsjg"``."""
        self._class_model.setStringList(list(entries))

    def focus_search(self) -> None:
        self.fields["text"].setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.fields["text"].selectAll()

    def filters(self) -> CaseFilter:
        values = {name: edit.text().strip() for name, edit in self.fields.items()}
        values["class_code"] = self._class_code(values["class_code"])
        return CaseFilter(**values, source=self.source.currentData() or "",
                          reported_from=self._moment(self.date_from, 0),
                          reported_to=self._moment(self.date_to, 1))

    def _class_code(self, text: str) -> str:
        """``"01001 供水井盖 gsjg"`` → ``01001``; a name or pinyin → the first class matching."""
        word = text.split(" ")[0]
        if not word or word.isdigit():
            return word
        for entry in self._class_model.stringList():
            if word.lower() in entry.lower():
                return entry.split(" ")[0]
        return word

    def submit(self) -> None:
        self.search_requested.emit(self.filters())

    def clear(self) -> None:
        for edit in self.fields.values():
            edit.clear()
        self.source.setCurrentIndex(0)
        self.date_from.setDate(NO_DATE)
        self.date_to.setDate(NO_DATE)
        self.submit()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            return
        super().keyPressEvent(event)

    def _moment(self, edit: QDateEdit, days: int) -> dt.datetime | None:
        """Local midnight of the chosen day (+ ``days``) as an aware UTC datetime."""
        if edit.date() == NO_DATE:
            return None
        day = edit.date().toPython() + dt.timedelta(days=days)
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.tz).astimezone(dt.timezone.utc)
