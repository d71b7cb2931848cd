"""Network and database trouble: a monitor that notices a lost connection and retries, and
the banner that tells the seat what is going on.

Anything that fails to reach the database reports to ``ConnectionMonitor.report`` (the
operations, the live poller or listener, the work-box loader). The monitor then probes
the database every ``retry_ms`` (``SELECT 1`` on its own worker) until it answers, and
emits ``restored`` — the workspace then refreshes everything and submits the intake
outbox. Successful reads report ``report_ok`` and end an outage early.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton
from sqlalchemy import Engine, text

from seatdesk.ui.operations import is_connection_error
from seatdesk.ui.tasks import TaskRunner

RETRY_MS = 2_000
STYLE = ("QFrame#connectionBanner { background: #b71c1c; } "
         "QFrame#connectionBanner QLabel { color: white; font-weight: 600; padding: 4px; }")


class ConnectionMonitor(QObject):
    state_changed = Signal(bool)  # online?
    restored = Signal()
    attempted = Signal(int)  # retries so far in this outage

    def __init__(self, engine: Engine, parent: QObject | None = None, retry_ms: int = RETRY_MS):
        super().__init__(parent)
        self.engine = engine
        self.online = True
        self.attempts = 0
        self.reason = ""
        self.tasks = TaskRunner(self, max_threads=1)
        self.timer = QTimer(self, interval=retry_ms, timeout=self.probe)

    def report(self, exc: BaseException) -> None:
        """Something failed; if it was the connection, go offline and start retrying."""
        if not is_connection_error(exc) or not self.online:
            return
        self.online, self.attempts = False, 0
        self.reason = type(exc).__name__
        self.timer.start()
        self.state_changed.emit(False)

    def report_ok(self) -> None:
        """A query just succeeded: if an outage was on, it is over."""
        if not self.online:
            self._back()

    def probe(self) -> None:
        if self.online or not self.tasks.is_idle():
            return
        engine = self.engine

        def work() -> bool:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True

        self.attempts += 1
        self.attempted.emit(self.attempts)
        self.tasks.submit("connection.probe", work, lambda _ok: self._back(),
                          lambda *_: None)

    def _back(self) -> None:
        if self.online:
            return
        self.online = True
        self.timer.stop()
        self.state_changed.emit(True)
        self.restored.emit()

    def stop(self) -> None:
        self.timer.stop()
        self.tasks.wait(5000)


class ConnectionBanner(QFrame):
    """A red bar over the workspace while the database is unreachable."""

    retry_requested = Signal()

    def __init__(self, monitor: ConnectionMonitor, parent=None):
        super().__init__(parent)
        self.setObjectName("connectionBanner")
        self.setStyleSheet(STYLE)
        self.monitor = monitor
        self.outbox_count = 0
        self.text = QLabel(self)
        self.text.setObjectName("connectionText")
        self.text.setWordWrap(True)
        self.retry = QPushButton(self.tr("Retry now"), self)
        self.retry.clicked.connect(monitor.probe)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.addWidget(self.text, 1)
        row.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignRight)
        monitor.state_changed.connect(self._state)
        monitor.attempted.connect(lambda _n: self._show())
        self.hide()

    def set_outbox_count(self, count: int) -> None:
        self.outbox_count = count
        if self.isVisible():
            self._show()

    def _state(self, online: bool) -> None:
        self.setVisible(not online)
        if not online:
            self._show()

    def _show(self) -> None:
        text = self.tr("The database connection is lost (%1). Retrying automatically "
                       "(attempt %2). Hotline reports you save now are kept on this "
                       "computer and submitted when the connection returns.")
        text = text.replace("%1", self.monitor.reason).replace("%2", str(self.monitor.attempts))
        if self.outbox_count:
            text += " " + self.tr("Waiting in the outbox: %1").replace(
                "%1", str(self.outbox_count))
        self.text.setText(text)
