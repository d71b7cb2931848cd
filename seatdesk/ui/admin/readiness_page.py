"""上线就绪: the same list ``seatdesk check`` prints, refreshed whenever an administration
page changes something (and on request)."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout

from seatdesk.data.readiness import is_ready, readiness

from seatdesk.ui.admin.base import AdminPage
from seatdesk.ui.admin.record_model import Column, RecordTableModel


class ReadinessPage(AdminPage):
    def __init__(self, sessions, actor, tasks, parent=None):
        super().__init__(sessions, actor, tasks, parent)
        self.summary = QLabel(self)
        self.summary.setObjectName("readinessSummary")
        self.summary.setStyleSheet("font-size: 15px; font-weight: 600; padding: 4px 0;")
        self.model = RecordTableModel([
            Column(self.tr("Status"), lambda c: "✓" if c.ok else "✗"),
            Column(self.tr("Check item"), lambda c: c.title),
            Column(self.tr("What is missing"), lambda c: "\n".join(c.problems)),
            Column(self.tr("How to fix it"), lambda c: "" if c.ok else c.fix),
        ], self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.recheck = QPushButton(self.tr("Check again"), self)
        self.recheck.clicked.connect(self.load)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.recheck)
        layout.addWidget(self.message)
        self.load()

    def load(self) -> None:
        self.read("load", readiness, self.show_checks)

    def show_checks(self, checks) -> None:
        self.model.set_records(checks)
        self.table.resizeRowsToContents()
        failed = sum(not c.ok for c in checks)
        self.summary.setText(self.tr("Ready to go live: every check passes") if is_ready(checks)
                             else self.tr("Not ready: %1 of %2 checks fail")
                             .replace("%1", str(failed)).replace("%2", str(len(checks))))
        self.summary.setStyleSheet(self.summary.styleSheet().split("color")[0]
                                   + ("color: #2e7d32;" if not failed else "color: #c62828;"))
