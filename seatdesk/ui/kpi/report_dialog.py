"""Reports dialog: export the monthly 综合评价 to Excel and PDF, and the shift handover
(交接班) sheet that the incoming shift lead acknowledges, with the latest acknowledgements
(交接班确认) listed under it.

Evaluation, file writing and the handover queries run off the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.evaluation.config import load_config
from seatdesk.evaluation.handover import (
    Acknowledgement,
    HandoverSheet,
    acknowledge,
    acknowledgements,
    handover_sheet,
)
from seatdesk.evaluation.indicators import Period, evaluate_all
from seatdesk.evaluation.reports_pdf import write_pdf
from seatdesk.evaluation.reports_xlsx import write_xlsx
from seatdesk.models import get_setting, utcnow
from seatdesk.models.replica import ReadRouter

from seatdesk.ui.clock_text import remaining
from seatdesk.ui.session.handover_history import HandoverHistory
from seatdesk.ui.tasks import TaskRunner

# acknowledgements listed under the handover sheet
HISTORY_ROWS = 50


def export_report(sessions: sessionmaker[Session] | ReadRouter, year: int, month: int,
                  path: Path) -> Path:
    """Evaluate every level of the month and write ``path`` (.xlsx or .pdf); ``sessions``
    may be the seat's read router (the evaluation reads the replica)."""
    with sessions() as session:
        period = Period.month(year, month, str(get_setting(session, "time_zone")))
        config = load_config(session)
        results = evaluate_all(session, period, config)
    writer = write_pdf if path.suffix.lower() == ".pdf" else write_xlsx
    return writer(path, results, config)


def sheet_html(sheet: HandoverSheet, labels: dict[str, str]) -> str:
    """The handover sheet as simple HTML for the dialog (no caller names)."""
    e, tr = html.escape, labels.__getitem__
    stages = "".join(f"<tr><td>{e(s)}</td><td align=right>{n}</td></tr>"
                     for s, n in sheet.open_by_stage)
    red = "".join(f"<tr><td>{e(b.number)}</td><td>{e(b.state_label)}</td><td>{e(b.department)}"
                  f"</td><td>{e(remaining(b.remaining))}</td></tr>" for b in sheet.going_red[:30])
    calls = "".join(f"<tr><td>{e(c.number)}</td><td>{e(c.phone)}</td></tr>"
                    for c in sheet.callbacks[:30])
    held = "".join(f"<tr><td>{e(s.number)}</td><td align=right>{s.days}</td></tr>"
                   for s in sheet.suspended[:30])
    return (f"<h3>{e(tr('Open items by stage'))}</h3><table>{stages}</table>"
            f"<h3>{e(tr('Going red during the next shift'))} ({len(sheet.going_red)}) — "
            f"{e(tr('red now'))}: {sheet.red_now}</h3><table>{red}</table>"
            f"<h3>{e(tr('Pending callbacks'))} ({len(sheet.callbacks)})</h3><table>{calls}</table>"
            f"<h3>{e(tr('Suspended cases (days suspended)'))} ({len(sheet.suspended)})</h3>"
            f"<table>{held}</table>")


class ReportDialog(QDialog):
    exported = Signal(str)
    acknowledged = Signal(str)
    failed = Signal(str)

    def __init__(self, sessions: sessionmaker[Session], user_id: int | None = None,
                 parent=None, *, clock: Callable[[], dt.datetime] = utcnow,
                 reads: ReadRouter | None = None):
        super().__init__(parent)
        self.sessions, self.user_id, self.clock = sessions, user_id, clock
        # the evaluation and the handover sheet may come from the replica; the
        # acknowledgement and the list it joins are the primary's (read-your-writes)
        self.reads = reads or ReadRouter(sessions)
        self.tasks = TaskRunner(self, max_threads=1)
        self.sheet: HandoverSheet | None = None
        self.setWindowTitle(self.tr("Reports and shift handover"))
        self.resize(760, 620)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._evaluation_tab(), self.tr("Monthly evaluation"))
        self.tabs.addTab(self._handover_tab(), self.tr("Shift handover"))
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        self.load_history()

    def _evaluation_tab(self) -> QWidget:
        today = self.clock().date()
        previous = today.replace(day=1) - dt.timedelta(days=1)
        self.year = QSpinBox(minimum=2000, maximum=2100, value=previous.year)
        self.month = QSpinBox(minimum=1, maximum=12, value=previous.month)
        xlsx = QPushButton(self.tr("Export to Excel…"))
        pdf = QPushButton(self.tr("Export to PDF…"))
        xlsx.clicked.connect(lambda: self._ask("xlsx"))
        pdf.clicked.connect(lambda: self._ask("pdf"))
        row = QHBoxLayout()
        for w in (QLabel(self.tr("Year")), self.year, QLabel(self.tr("Month")), self.month,
                  xlsx, pdf):
            row.addWidget(w)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        layout.addWidget(QLabel(self.tr("Every region, department and post, from the ledger")))
        layout.addStretch(1)
        return tab

    def _handover_tab(self) -> QWidget:
        self.sheet_view = QTextBrowser()
        self.note = QLineEdit(placeholderText=self.tr("Note for the handover (optional)"))
        load = QPushButton(self.tr("Prepare handover sheet"))
        self.ack = QPushButton(self.tr("Acknowledge handover"))
        self.ack.setEnabled(False)
        load.clicked.connect(self.load_sheet)
        self.ack.clicked.connect(self.acknowledge)
        row = QHBoxLayout()
        for w in (load, self.note, self.ack):
            row.addWidget(w)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        layout.addWidget(self._sheet_and_history(), 1)
        return tab

    def _sheet_and_history(self) -> QSplitter:
        """The sheet on top (the main element), the acknowledgements under it."""
        self.history = HandoverHistory()
        box = QWidget()
        lower = QVBoxLayout(box)
        lower.setContentsMargins(0, 4, 0, 0)
        lower.addWidget(QLabel(self.tr("Acknowledged handovers")))
        lower.addWidget(self.history, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.sheet_view)
        split.addWidget(box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([380, 170])
        return split

    # -- export ---------------------------------------------------------------------------
    def _ask(self, kind: str) -> None:
        name = f"综合评价_{self.year.value()}-{self.month.value():02d}.{kind}"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save report"), name)
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> None:
        year, month = self.year.value(), self.month.value()
        self.status.setText(self.tr("Computing the evaluation…"))
        self.tasks.submit("export", lambda: export_report(self.reads, year, month, path),
                          self._exported, self._failed)

    def _exported(self, path: Path) -> None:
        self.status.setText(self.tr("Saved %1").replace("%1", str(path)))
        self.exported.emit(str(path))

    def _failed(self, exc: Exception, _trace: str) -> None:
        self.status.setText(self.tr("Failed: %1").replace("%1", str(exc)))
        self.failed.emit(str(exc))

    # -- handover -------------------------------------------------------------------------
    def load_sheet(self) -> None:
        now = self.clock()

        def work() -> HandoverSheet:
            with self.reads() as session:
                return handover_sheet(session, now)

        self.tasks.submit("sheet", work, self._show_sheet, self._failed)

    def _show_sheet(self, sheet: HandoverSheet) -> None:
        self.sheet = sheet
        labels = {
            "Open items by stage": self.tr("Open items by stage"),
            "Going red during the next shift": self.tr("Going red during the next shift"),
            "red now": self.tr("red now"),
            "Pending callbacks": self.tr("Pending callbacks"),
            "Suspended cases (days suspended)": self.tr("Suspended cases (days suspended)"),
        }
        self.sheet_view.setHtml(sheet_html(sheet, labels))
        self.ack.setEnabled(self.user_id is not None)

    def acknowledge(self) -> None:
        sheet, note, now, user = self.sheet, self.note.text(), self.clock(), self.user_id
        if sheet is None or user is None:
            return

        def work() -> str:
            with self.sessions.begin() as session:
                return acknowledge(session, sheet, user, now, note).user_name

        self.tasks.submit("ack", work, self._acknowledged, self._failed)

    def _acknowledged(self, who: str) -> None:
        self.ack.setEnabled(False)
        self.status.setText(self.tr("Handover acknowledged by %1").replace("%1", who))
        self.load_history()
        self.acknowledged.emit(who)

    def load_history(self) -> None:
        """The latest 交接班确认, newest first, read in a task-runner job."""
        def work() -> list[Acknowledgement]:
            with self.sessions() as session:
                return acknowledgements(session, HISTORY_ROWS)

        self.tasks.submit("history", work, self.history.set_rows, self._failed)

    def done(self, result: int) -> None:
        self.tasks.wait(30_000)
        super().done(result)
