"""``seatdesk wall`` signs in before it shows anything.

The wall is read-only, but what it shows — open cases by street and grid cell, each
department's overdue count and ranking — is the centre's internal data, and on PostgreSQL
the database is the trust boundary (the wall account reads through its own login in the
read-only ``seatdesk_wall`` role, docs/security.md): a machine that merely has the program
and the database address must not show it. So the wall
opens with the login dialog and accepts the accounts a wall is for: 大屏 (the wall role),
值班长 and 管理员. A shift lead who opens the wall from the workspace (Ctrl+Alt+W) is signed
in already and is not asked again.

A wall machine that starts unattended (the kiosk autostart, ``profile = "wall"``) signs in
by itself when its configuration names the wall account and a file holding its password,
readable only by the wall's OS user::

    wall_user = "daping"
    wall_password_file = "/etc/seatdesk/wall.secret"

Without them the wall waits, fullscreen, at the login dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.config import ResolvedDatabase, load_config
from seatdesk.models.enums import Role
from seatdesk.models.replica import ReadRouter
from seatdesk.ui import enum_labels as L
from seatdesk.ui.session.login_dialog import LoginDialog
from seatdesk.workflow.auth import LoggedIn
from seatdesk.workflow.signin import SignedIn

WALL_ROLES = frozenset({Role.WALL, Role.SHIFT_LEAD, Role.ADMIN})


class WallLoginDialog(LoginDialog):
    """The login dialog, refusing accounts that may not open the wall."""

    def __init__(self, sessions: sessionmaker[Session], parent=None, username: str = ""):
        super().__init__(sessions, parent=parent, username=username)
        self.setWindowTitle(self.tr("seatdesk wall display — sign in"))

    def _done(self, user: LoggedIn) -> None:
        if user.role not in WALL_ROLES:
            if self.signed_in is not None:  # the refused operator's own connection ends
                self.signed_in.close()
                self.signed_in = None
            self.password.clear()
            self.set_busy(False, self.tr("%1 cannot open the wall display: it is for wall "
                                         "display accounts, shift leads and administrators.")
                          .replace("%1", L.role(user.role)))
            self.adjustSize()  # the message takes two lines
            self.password.setFocus()
            return
        super()._done(user)


def unattended_credentials() -> tuple[str, str] | None:
    """(user, password) from the configuration of a wall machine, if it names both."""
    config = load_config()
    user, secret = config.get("wall_user"), config.get("wall_password_file")
    if not user or not secret:
        return None
    try:
        return str(user), Path(secret).read_text(encoding="utf-8").strip()
    except OSError:
        return None  # the dialog then asks; the kiosk log shows the wall waiting


class WallSignIn(QObject):
    """Login dialog first, then the wall window of the signed-in account."""

    opened = Signal(object)  # WallWindow
    finished = Signal(int)

    def __init__(self, sessions: sessionmaker[Session], fullscreen: bool = True, parent=None,
                 *, read_url: str | None = None):
        super().__init__(parent)
        self.sessions, self.fullscreen, self.read_url = sessions, fullscreen, read_url
        self.reads: ReadRouter | None = None
        self.login: WallLoginDialog | None = None
        self.signed: SignedIn | None = None  # on a seat deployment: the account's own login
        self.window = None

    def start(self, credentials: tuple[str, str] | None = None) -> None:
        user, password = credentials or ("", "")
        self.login = WallLoginDialog(self.sessions, username=user)
        self.login.finished.connect(self._answered)
        self.login.open()
        if credentials is not None:
            self.login.password.setText(password)
            QTimer.singleShot(0, self.login.submit)

    def _answered(self, code: int) -> None:
        login, self.login = self.login, None
        user = login.logged_in if login is not None else None
        if login is not None:
            self.signed = login.signed_in
            login.deleteLater()
        if code != QDialog.DialogCode.Accepted or user is None:
            self._end()
            return
        self.open_wall(user, self.signed.sessions if self.signed is not None else None)

    def _end(self) -> None:
        reads, self.reads = self.reads, None
        if reads is not None:
            reads.dispose()
        signed, self.signed = self.signed, None
        if signed is not None:
            signed.close()
        self.finished.emit(0)

    def open_wall(self, user: LoggedIn, sessions: sessionmaker[Session] | None = None):
        """The wall reads through the signed-in account's own connection where it has one
        (PostgreSQL: the wall role reads and writes nothing, docs/security.md), from the
        streaming replica when one is configured (``read_url``, as that same login)."""
        from seatdesk.ui.wall.display import WallWindow

        self.reads = ReadRouter.for_url(sessions or self.sessions, self.read_url)
        self.window = WallWindow(self.reads)
        self.window.setWindowTitle(f"{self.window.windowTitle()} — {user.display_name}"
                                   f"（{L.role(user.role)}）")
        self.window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.window.destroyed.connect(lambda *_a: self._end())
        if self.fullscreen:
            self.window.showFullScreen()
        else:
            self.window.resize(1920, 1080)
            self.window.show()
        self.opened.emit(self.window)
        return self.window


def run_wall(database: ResolvedDatabase, language: str | None = None,
             fullscreen: bool = True) -> int:
    """``seatdesk wall``: sign in, then the wall display on ``database`` (its replica when
    it names one)."""
    from seatdesk.models.db import make_engine, session_factory
    from seatdesk.ui.session.app import make_application

    app = make_application(language=language)
    engine = make_engine(database.url)
    wall = WallSignIn(session_factory(engine), fullscreen, read_url=database.read_url)
    wall.finished.connect(app.exit)
    app.setQuitOnLastWindowClosed(False)  # between the login and the wall no window shows
    wall.start(unattended_credentials())
    code = app.exec()
    engine.dispose()
    return code
