"""Python's cyclic garbage collector, run on the GUI thread only.

CPython collects when an allocation crosses a generation's threshold — in whichever thread
happens to allocate. In the seat that is often a database worker of a ``TaskRunner`` pool
(measured: a few minutes of the live/intake/draft tests ran 30 collections on pool threads,
freeing 1,177 objects there). A garbage cycle holding Qt wrappers (a closed dialog and the
lambdas connected to its signals, a finished workspace) freed on such a thread deletes
QObjects from a thread that does not own them, which Qt does not survive — the rare,
load-dependent segfaults of the test process at unrelated places (a window being built,
pytest-qt processing events). This is the known PyQt/PySide recipe: turn automatic
collection off in a Qt process and let the GUI thread collect on a timer with the same
thresholds, so cycles are only ever freed between two events of the GUI thread.

Explicit ``gc.collect()`` calls (sign-out, ``freeze_session_objects``) still run where they
are written, on the GUI thread. ``collect_if_due`` is the timer's check, also called
between tests by the suite, where no event loop may run for a while.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 500
_THRESHOLDS = gc.get_threshold()


def collect_if_due() -> int:
    """Collect the oldest generation whose threshold is crossed (what CPython would have
    done at its next allocation); returns the number of objects found unreachable."""
    counts = gc.get_count()
    if counts[0] <= _THRESHOLDS[0]:
        return 0
    generation = 0
    if counts[1] > _THRESHOLDS[1]:
        generation = 2 if counts[2] > _THRESHOLDS[2] else 1
    return gc.collect(generation)


class GuiThreadCollector(QObject):
    """Owned by the application; turns automatic collection off while it lives."""

    def __init__(self, app: QCoreApplication, interval_ms: int = INTERVAL_MS):
        super().__init__(app)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(collect_if_due)
        self.timer.start()
        gc.disable()
        self.destroyed.connect(gc.enable)


def install(app: QCoreApplication) -> GuiThreadCollector:
    """Once per application (idempotent)."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
