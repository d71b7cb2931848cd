"""Start the Qt application for a database URL."""

from __future__ import annotations

import os
import sys

from sqlalchemy.engine import make_url

from seatdesk.config import ResolvedDatabase
from seatdesk.models.db import make_engine, session_factory

UI_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei"]


def prepare_environment() -> None:
    """QtWebEngine's sandbox cannot run as root (CI, containers); keep it for normal users."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # The map is a 2-D Leaflet page: software compositing draws it just as well and keeps
    # the seat under its 400 MB budget (401 MB → 343 MB measured with 1,000,000 cases).
    # Set QTWEBENGINE_CHROMIUM_FLAGS yourself to override.
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")


def make_application(argv: list[str] | None = None, language: str | None = None):
    prepare_environment()
    # QtWebEngine must be initialised before the QApplication exists (shared GL contexts)
    import PySide6.QtWebEngineWidgets  # noqa: F401
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication

    from seatdesk.ui import gui_gc
    from seatdesk.ui.i18n import install_translator
    from seatdesk.ui.pyside_fix import keep_none_alive

    keep_none_alive()
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("seatdesk")
    app.setOrganizationName("seatdesk")
    gui_gc.install(app)  # cycles of Qt wrappers are freed on the GUI thread only
    families = set(QFontDatabase.families())
    for family in UI_FONTS:
        if family in families:
            app.setFont(QFont(family, 10))
            break
    install_translator(app, language)
    return app


def run_gui(database: ResolvedDatabase, language: str | None = None) -> int:
    """Sign in (the login dialog), then the workspace of the user's role; "Sign out" in
    the workspace returns to the login dialog, closing it or the window ends the
    application. One ``app.exec()`` for the whole process (see ``session.shell``)."""
    app = make_application(language=language)
    from seatdesk.map.pagefolder import sweep
    from seatdesk.ui.session.shell import SeatShell

    sweep()  # the map page folders of this user's seats killed before (SIGKILL, a crash)

    engine = make_engine(database.url)
    sessions = session_factory(engine)
    label = f"{database.origin}: {engine.url.render_as_string()}"
    if database.read_url:
        label += f" · {make_url(database.read_url).render_as_string()}"
    # each signed-in window reads the replica with its operator's own login (MainWindow)
    shell = SeatShell(sessions, label, read_url=database.read_url,
                      listen_url=database.listen_url)
    shell.finished.connect(app.exit)
    shell.start()
    code = app.exec()
    engine.dispose()
    return code
