"""The administration panel: one tab per screen, all sharing one task runner."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.ui.pyside_fix import keep_none_alive
from seatdesk.ui.tasks import TaskRunner
from seatdesk.ui.admin.calendar_page import CalendarPage
from seatdesk.ui.admin.city_page import CityPage
from seatdesk.ui.admin.conditions_page import ConditionsPage
from seatdesk.ui.admin.departments_page import DepartmentsPage
from seatdesk.ui.admin.phrases_page import PhrasesPage
from seatdesk.ui.admin.readiness_page import ReadinessPage
from seatdesk.ui.admin.responsibilities_page import ResponsibilitiesPage
from seatdesk.ui.admin.sources_page import SourcesPage
from seatdesk.ui.admin.users_page import UsersPage


class AdminPanel(QTabWidget):
    changed = Signal(str)  # "users" | "departments" | "responsibilities" | "conditions" …

    def __init__(self, sessions: sessionmaker[Session], actor: Any,
                 tasks: TaskRunner | None = None, parent=None):
        keep_none_alive()
        super().__init__(parent)
        self.tasks = tasks or TaskRunner(self)
        self.users = UsersPage(sessions, actor, self.tasks, self)
        self.departments = DepartmentsPage(sessions, actor, self.tasks, self)
        self.responsibilities = ResponsibilitiesPage(sessions, actor, self.tasks, self)
        self.conditions = ConditionsPage(sessions, actor, self.tasks, self)
        self.calendar = CalendarPage(sessions, actor, self.tasks, self)
        self.phrases = PhrasesPage(sessions, actor, self.tasks, self)
        self.sources = SourcesPage(sessions, actor, self.tasks, self)
        self.city = CityPage(sessions, actor, self.tasks, self)
        for page, title in ((self.users, self.tr("Users")),
                            (self.departments, self.tr("Departments")),
                            (self.responsibilities, self.tr("Responsibility matrix")),
                            (self.conditions, self.tr("Filing conditions and time limits")),
                            (self.calendar, self.tr("Working calendar")),
                            (self.phrases, self.tr("Common phrases")),
                            (self.sources, self.tr("Case sources")),
                            (self.city, self.tr("City profile"))):
            self.addTab(page, title)
            page.changed.connect(self.changed)
        # what still blocks go-live (``seatdesk check``), re-checked after every change
        self.readiness = ReadinessPage(sessions, actor, self.tasks, self)
        self.addTab(self.readiness, self.tr("Go-live readiness"))
        self.changed.connect(lambda _what: self.readiness.load())

    def pages(self) -> list:
        return [self.widget(i) for i in range(self.count())]

    def shutdown(self) -> None:
        self.tasks.wait(10_000)
