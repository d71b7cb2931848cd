"""``seatdesk doctor``: which database, which schema revision, PostGIS, and whether Qt starts."""

from __future__ import annotations

import os
import subprocess
import sys

from seatdesk.config import ResolvedDatabase

QT_PROBE = """
import sys
from seatdesk.ui.session.app import prepare_environment
prepare_environment()
from PySide6.QtWidgets import QApplication
from PySide6 import __version__ as v
app = QApplication(sys.argv[:1] + ["--no-sandbox"] if __import__("os").geteuid() == 0 else sys.argv[:1])
print(f"Qt: ok (PySide6 {v}, platform {app.platformName()})")
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtCore import QTimer, QUrl
view = QWebEngineView()
done = []
view.loadFinished.connect(lambda ok: (done.append(ok), app.quit()))
view.setUrl(QUrl("data:text/html,<p>ok</p>"))
QTimer.singleShot(20000, app.quit)
app.exec()
print("QtWebEngine: ok" if done and done[0] else "QtWebEngine: FAILED to load a page")
sys.exit(0 if done and done[0] else 1)
"""


def doctor(database: ResolvedDatabase) -> int:
    ok = _database_report(database)
    ok = _qt_report() and ok
    print("result:", "all checks passed" if ok else "problems found (see above)")
    return 0 if ok else 1


def _database_report(database: ResolvedDatabase) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    from seatdesk.models.db import make_engine, postgis_version
    from seatdesk.models.versions import Fit, schema_fit

    engine = make_engine(database.url)
    print(f"database: {engine.url.render_as_string()} ({database.origin})")
    print(f"backend: {engine.dialect.name}")
    try:
        fit = schema_fit(engine, database.url)
        current, head = fit.database_revision, fit.seat_revision
        # a database newer than this release is not one for `db upgrade` (which refuses
        # it): the workstation needs the newer package (until 2026-12-07 it said upgrade)
        state = {Fit.OK: "up to date",
                 Fit.SEAT_TOO_OLD: f"newer than this seatdesk (its newest is {head}): "
                                   + fit.message}.get(
            fit.fit, f"needs `seatdesk db upgrade` (head {head})")
        print(f"schema revision: {current or 'none (empty database)'} — {state}")
        queue_ok = True
        if engine.dialect.name == "postgresql":
            print(f"PostGIS: {postgis_version(engine) or 'not installed'}")
            queue_ok = _queue_report(engine)
        else:
            print("PostGIS: not used (embedded SQLite; spatial queries run in-process)")
        return current == head and queue_ok
    except SQLAlchemyError as exc:
        print(f"database: cannot connect: {exc.__class__.__name__}: {exc}".splitlines()[0])
        return False
    finally:
        engine.dispose()


def _queue_report(engine) -> bool:
    """The notification queue's usage: a listener that stopped reading fills it, and then
    every NOTIFY — the ledger trigger's too — fails (``seatdesk db notify-queue``)."""
    from seatdesk.ops import notify_queue

    with engine.connect() as conn:
        used = notify_queue.usage(conn)
    alarming = used >= notify_queue.WARN_AT
    print(f"notification queue: {used:.4%} used"
          + (" — run `seatdesk db notify-queue` (docs/operations.md)" if alarming else ""))
    return not alarming


def _qt_report() -> bool:
    env = dict(os.environ)
    try:
        proc = subprocess.run([sys.executable, "-c", QT_PROBE], capture_output=True, text=True,
                              timeout=60, env=env)
    except subprocess.TimeoutExpired:
        print("Qt: probe timed out after 60 s")
        return False
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(("Qt", "QtWebEngine"))]
    for line in lines:
        print(line)
    if proc.returncode != 0 and not lines:
        print("Qt: FAILED to start:", (proc.stderr.strip().splitlines() or ["?"])[-1])
    return proc.returncode == 0
