"""An overview of the database the seat is connected to: centre name, reference data counts
and cases by state (refreshed every few seconds off the GUI thread)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.models.overview import Overview, overview

from seatdesk.ui.session.state_counts_model import LABEL, STATE, StateCountsModel
from seatdesk.ui.tasks import TaskRunner

REFRESH_MS = 5_000


class OverviewPanel(QWidget):
    loaded = Signal(object)  # Overview
    failed = Signal(object)  # the exception

    def __init__(self, sessions: sessionmaker[Session], tasks: TaskRunner | None = None,
                 parent=None, refresh_ms: int = REFRESH_MS):
        super().__init__(parent)
        self.sessions = sessions
        self.tasks = tasks or TaskRunner(self)
        self.centre_label = QLabel(self)
        self.centre_label.setObjectName("centreTitle")
        self.centre_label.setStyleSheet("font-size: 20px; font-weight: 600; padding: 6px;")
        self.summary = SummaryBox(self)
        self.counts_model = StateCountsModel(self)
        self.counts_view = QTableView(self)
        self.counts_view.setModel(self.counts_model)
        self.counts_view.setColumnHidden(STATE, True)
        self.counts_view.verticalHeader().setVisible(False)
        self.counts_view.horizontalHeader().setSectionResizeMode(
            LABEL, QHeaderView.ResizeMode.Stretch)
        states_box = QGroupBox(self.tr("Cases by state"), self)
        QVBoxLayout(states_box).addWidget(self.counts_view)
        body = QHBoxLayout()
        body.addWidget(self.summary, 1)
        body.addWidget(states_box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.centre_label)
        layout.addLayout(body)
        self.timer = QTimer(self, interval=refresh_ms, timeout=self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        def load() -> Overview:
            with self.sessions() as session:
                return overview(session)

        self.tasks.submit("overview", load, self._show, lambda exc, _t: self.failed.emit(exc))

    def _show(self, data: Overview) -> None:
        self.centre_label.setText(data.centre_name)
        self.summary.show_overview(data)
        self.counts_model.set_rows(data.cases_by_state)
        self.loaded.emit(data)

    def stop(self) -> None:
        self.timer.stop()


class SummaryBox(QGroupBox):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle(self.tr("Reference data"))
        self.form = QFormLayout(self)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.values: dict[str, QLabel] = {}
        for key, label in (
            ("communities", self.tr("Communities")),
            ("grid_cells", self.tr("Unit grid cells")),
            ("components", self.tr("Components")),
            ("classes", self.tr("Component and event classes")),
            ("departments", self.tr("Departments")),
            ("users", self.tr("Users")),
            ("cases", self.tr("Cases")),
        ):
            value = QLabel("…")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.values[key] = value
            self.form.addRow(label, value)

    def show_overview(self, data: Overview) -> None:
        for key, label in self.values.items():
            label.setText(f"{getattr(data, key):,}")
