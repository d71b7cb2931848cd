"""One seat of the fault soak (``bench/bench_faults.py``): a real seat workspace (offscreen,
no map) whose call-taker saves a hotline report every few seconds, whatever the network
and the server are doing, and reports each one as a JSON line on stdout.

    python -m bench.soak_seat URL USERNAME SEAT DURATION_S CELLS_JSON

The report's description is its identity (``soak-<seat>-<n>``); the parent counts the
cases per description afterwards. After ``DURATION_S`` the call-taker stops typing and
the seat is given up to ``SETTLE_S`` to empty its outbox; ``done`` says what is left.
"""

from __future__ import annotations

import json
import random
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

SETTLE_S = 120
TICK_MS = 250
RESAVE_S = 2.0


def say(event: str, **data) -> None:
    print(json.dumps({"event": event, **data}, ensure_ascii=False), flush=True)


class CallTaker:
    """Types and saves reports through the intake form, as a person would."""

    def __init__(self, window, seat: str, duration_s: float, cells: list[list[float]]):
        self.window, self.seat, self.cells = window, seat, cells
        self.form = window.workspace.intake
        self.until = time.monotonic() + duration_s
        self.settle_until = self.until + SETTLE_S
        self.count = 0
        self.pending: str | None = None  # the description being saved
        self.saved_at = 0.0
        self.rng = random.Random(seat)
        self.form.case_registered.connect(self._registered)
        self.form.submitter.submitted.connect(self._registered)
        self.timer = QTimer(interval=TICK_MS, timeout=self.tick)
        self.timer.start()

    def tick(self) -> None:
        now = time.monotonic()
        if now > self.until:
            self._settle(now)
        elif self.form.is_blank():
            self._new_report()
        else:
            self._save(now)  # a report waiting: typed, duplicates shown, back from the outbox

    def _save(self, now: float) -> None:
        """Ctrl+S, at most every ``RESAVE_S`` and never while a save is under way (the
        button is disabled then, for a person too)."""
        if self.form.save_button.isEnabled() and now - self.saved_at > RESAVE_S:
            self.saved_at = now
            self.form.save()

    def _new_report(self) -> None:
        self.count += 1
        self.pending = f"soak-{self.seat}-{self.count:05d}"
        lon, lat = self.rng.choice(self.cells)
        self.form.caller_phone.setText(f"139{self.rng.randrange(10**8):08d}")
        self.form.location.set_point(lon, lat)
        self.form.description.text.setPlainText(self.pending)
        say("typed", description=self.pending, key=getattr(self.form.draft(), "intake_key", ""))

    def _registered(self, case_id: int) -> None:
        say("registered", case_id=case_id, outbox=self.form.outbox.count())

    def _settle(self, now: float) -> None:
        seat = self.window.workspace.seat
        left = self.form.outbox.count()
        idle = seat.ops.is_idle() and seat.monitor.online and self.form.is_blank()
        if (left == 0 and idle) or now > self.settle_until:
            say("done", typed=self.count, outbox=left, online=seat.monitor.online,
                blank=self.form.is_blank())
            self.timer.stop()
            self.window.shutdown()
            QApplication.instance().exit(0 if left == 0 else 1)
        elif not self.form.is_blank():
            self._save(now)


def main(argv: list[str]) -> int:
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.ui.session.app import make_application
    from seatdesk.ui.session.main_window import MainWindow
    from seatdesk.workflow.auth import login

    url, username, seat, duration, cells = argv[0], argv[1], argv[2], float(argv[3]), argv[4]
    app = make_application(language="zh_CN")
    sessions = session_factory(make_engine(url))
    with sessions() as session:
        user = login(session, username, "seatdesk-demo")
        session.commit()
    window = MainWindow(sessions, f"soak {seat}", user, map_enabled=False,
                        auto_refresh_ms=5_000)
    window.show()
    window.workspace.show_page("intake")
    taker = CallTaker(window, seat, duration, json.loads(cells))
    say("ready", seat=seat)
    code = app.exec()
    del taker
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
