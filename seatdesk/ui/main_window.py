"""The main window. For now an overview of the database the seat is connected to;
the work boxes, case detail and map panels plug in here as they are built."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.models.overview import Overview, overview

from .state_counts_model import LABEL, STATE, StateCountsModel
from .tasks import TaskRunner

REFRESH_MS = 5_000


class MainWindow(QMainWindow):
    def __init__(self, sessions: sessionmaker[Session], database_label: str, parent=None):
        super().__init__(parent)
        self.sessions = sessions
        self.tasks = TaskRunner(self)
        self.setWindowTitle(self.tr("seatdesk — city management command centre"))
        self.resize(1100, 720)
        self.centre_label = QLabel()
        self.centre_label.setObjectName("centreTitle")
        self.centre_label.setStyleSheet("font-size: 20px; font-weight: 600; padding: 6px;")
        self.summary = _SummaryBox(self)
        self.counts_model = StateCountsModel(self)
        self.counts_view = QTableView(self)
        self.counts_view.setModel(self.counts_model)
        self.counts_view.setColumnHidden(STATE, True)
        self.counts_view.verticalHeader().setVisible(False)
        self.counts_view.horizontalHeader().setSectionResizeMode(LABEL, QHeaderView.ResizeMode.Stretch)
        states_box = QGroupBox(self.tr("Cases by state"))
        QVBoxLayout(states_box).addWidget(self.counts_view)
        body = QHBoxLayout()
        body.addWidget(self.summary, 1)
        body.addWidget(states_box, 1)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.centre_label)
        layout.addLayout(body)
        self.setCentralWidget(central)
        self.db_label = QLabel(database_label)
        self.statusBar().addPermanentWidget(self.db_label)
        self.timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        def load() -> Overview:
            with self.sessions() as session:
                return overview(session)

        self.tasks.submit("overview", load, self._show, self._failed)

    def _show(self, data: Overview) -> None:
        self.centre_label.setText(data.centre_name)
        self.summary.show_overview(data)
        self.counts_model.set_rows(data.cases_by_state)
        self.statusBar().showMessage(self.tr("Up to date"), 3000)

    def _failed(self, exc: Exception, _trace: str) -> None:
        self.statusBar().showMessage(self.tr("Database unavailable, retrying: %1").replace(
            "%1", type(exc).__name__))

    def closeEvent(self, event) -> None:
        self.timer.stop()
        self.tasks.wait(5000)
        super().closeEvent(event)


class _SummaryBox(QGroupBox):
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
