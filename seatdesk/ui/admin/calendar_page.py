"""Working calendar: holidays and make-up working days (调休) per year, which years are known."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from seatdesk.data import admin_rules
from seatdesk.models.enums import DayKind

from seatdesk.ui.admin.base import AdminPage, button_row, make_table
from seatdesk.ui.admin.record_model import Column

YEARS_AROUND = (-1, 2)  # status shown for last year … two years ahead


class CalendarPage(AdminPage):
    def __init__(self, sessions, actor, tasks, parent=None, today: dt.date | None = None):
        super().__init__(sessions, actor, tasks, parent)
        self.today = today or dt.date.today()
        self.status = QLabel(self)
        self.status.setObjectName("calendarStatus")
        self.status.setWordWrap(True)
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(self.today.year)
        self.year.valueChanged.connect(lambda _v: self.load())
        self.table, self.model = make_table(self, [
            Column(self.tr("Date"), lambda d: d.day.isoformat()),
            Column(self.tr("Weekday"), lambda d: "一二三四五六日"[d.day.weekday()]),
            Column(self.tr("Kind"), lambda d: d.kind_label),
            Column(self.tr("Name"), lambda d: d.name),
            Column(self.tr("Source"), lambda d: d.source),
        ], stretch=3)
        self.day = QDateEdit(self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setDate(QDate(self.today.year, self.today.month, self.today.day))
        self.kind = QComboBox(self)
        for kind in DayKind:
            self.kind.addItem(kind.label, kind.value)
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(self.tr("e.g. 春节"))
        form = QFormLayout()
        form.addRow(self.tr("Year"), self.year)
        form.addRow(self.tr("Date"), self.day)
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Name"), self.name)
        buttons, _ = button_row(
            self, (self.tr("Add day"), self.add_day), (self.tr("Remove day"), self.remove_day),
            (self.tr("Mark year complete"), self.mark_complete),
            (self.tr("Import CSV or Excel…"), self.choose_file))
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.load()

    def load(self) -> None:
        year = self.year.value()
        years = range(self.today.year + YEARS_AROUND[0], self.today.year + YEARS_AROUND[1] + 1)

        def fetch(session):
            return (admin_rules.calendar_years(session, years),
                    admin_rules.list_calendar_days(session, year))

        def show(result):
            statuses, days = result
            self.status.setText("\n".join(s.message for s in statuses))
            self.model.set_records(days)

        self.read("load", fetch, show)

    def _after_change(self, _result) -> None:
        self.load()
        self.changed.emit("calendar")

    def add_day(self) -> None:
        day, kind, name = self.day.date().toPython(), self.kind.currentData(), self.name.text()
        self.write(lambda s: admin_rules.add_calendar_day(s, self.actor, day, kind, name),
                   self._after_change)

    def remove_day(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        day = self.model.record(index.row()).day
        self.write(lambda s: admin_rules.remove_calendar_day(s, self.actor, day),
                   self._after_change, self.tr("Removed"))

    def mark_complete(self) -> None:
        year = self.year.value()
        self.write(lambda s: admin_rules.mark_year_complete(s, self.actor, year),
                   self._after_change, self.tr("Year marked as complete"))

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import calendar table"), "",
                                              self.tr("Tables (*.csv *.xlsx)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        def done(report):
            self.show_message(str(report))
            self._after_change(report)

        self.write(lambda s: admin_rules.import_calendar(s, self.actor, path), done)
