"""Start the Qt application for a database URL."""

from __future__ import annotations

import os
import sys

from seatdesk.config import ResolvedDatabase
from seatdesk.models.db import make_engine, session_factory

UI_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei"]


def prepare_environment() -> None:
    """QtWebEngine's sandbox cannot run as root (CI, containers); keep it for normal users."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_application(argv: list[str] | None = None, language: str | None = None):
    prepare_environment()
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication

    from .i18n import install_translator

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("seatdesk")
    app.setOrganizationName("seatdesk")
    families = set(QFontDatabase.families())
    for family in UI_FONTS:
        if family in families:
            app.setFont(QFont(family, 10))
            break
    install_translator(app, language)
    return app


def run_gui(database: ResolvedDatabase, language: str | None = None) -> int:
    app = make_application(language=language)
    from .main_window import MainWindow

    engine = make_engine(database.url)
    window = MainWindow(session_factory(engine), f"{database.origin}: {engine.url.render_as_string()}")
    window.show()
    code = app.exec()
    engine.dispose()
    return code
