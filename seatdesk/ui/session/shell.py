"""The life of a seat process: sign in → workspace → sign out → sign in … in ONE event loop.

Why one loop: every return from ``QApplication.exec()`` emits ``aboutToQuit``, and
QtWebEngine (6.11) tears part of itself down on that signal. The first session survived
it, the second ``aboutToQuit`` dereferenced what the first had freed — the segfault at
the second sign-out (a plain ``QWebEngineView`` and two ``exec()`` calls reproduce it,
see docs/seat.md). So the application's loop runs once, for the whole process; the login
dialog is opened (not ``exec()``-ed) and sign-out swaps the window inside that loop.

Ownership across sessions: a signed-out ``MainWindow`` is shut down (threads joined,
timers stopped, the map's page deleted before its profile), deleted, and the cyclic
collector is given back the previous workspace's objects (``release_session_objects``),
so twenty shifts in one process leave no workspace, thread or page behind
(tests/test_ui_shift.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.workflow.auth import LoggedIn
from seatdesk.workflow.signin import SignedIn

from seatdesk.ui.session.login_dialog import LoginDialog
from seatdesk.ui.session.main_window import MainWindow
from seatdesk.ui.session.single_seat import SeatLock


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (None elsewhere: musl, macOS, Windows)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_session_objects() -> None:
    """After a workspace is deleted: let the collector free its Python side too, then
    hand the freed heap back to the system. Without the trim glibc keeps the signed-out
    workspace's free pages in its arenas (one per worker thread): 10–20 MB of RSS per
    sign-out that the next workspace reuses only in part (docs/performance.md)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class SeatShell(QObject):
    """Shows the login dialog, then the user's workspace; sign-out shows the login again,
    closing the login dialog or the window ends the process (``finished``)."""

    window_opened = Signal(object)  # MainWindow
    login_opened = Signal(object)  # LoginDialog
    finished = Signal(int)

    def __init__(self, sessions: sessionmaker[Session], database_label: str, parent=None, *,
                 window_factory: Callable[..., MainWindow] | None = None, **workspace_options):
        super().__init__(parent)
        self.sessions, self.database_label = sessions, database_label
        self.workspace_options = workspace_options
        self.window_factory = window_factory or MainWindow
        self.login: LoginDialog | None = None
        self.window: MainWindow | None = None
        self.signed: SignedIn | None = None  # the operator's own connection (docs/security.md)
        self.sessions_signed_in = 0

    def start(self) -> None:
        QApplication.instance().setQuitOnLastWindowClosed(False)
        self.show_login()

    # -- sign in --------------------------------------------------------------------------------
    def show_login(self, notice: str = "") -> None:
        self.login = LoginDialog(self.sessions)
        if notice:
            self.login.error.setText(notice)
        self.login.finished.connect(self._login_finished)
        self.login.open()
        self.login.raise_()
        self.login.activateWindow()
        self.login_opened.emit(self.login)

    def _login_finished(self, code: int) -> None:
        login, self.login = self.login, None
        signed = login.signed_in if login is not None else None
        if login is not None:
            login.deleteLater()
        if code != QDialog.DialogCode.Accepted or signed is None:
            self._end(0)
            return
        self.signed = signed  # on a seat deployment: the operator's own database login
        self.open_window(signed.user, signed.sessions)

    def open_window(self, user: LoggedIn, sessions: sessionmaker[Session] | None = None
                    ) -> MainWindow | None:
        lock = SeatLock(self.sessions.kw["bind"].url.render_as_string(), user.username, self)
        if not lock.acquire():  # this user's workspace is open in another window here
            lock.deleteLater()
            signed, self.signed = self.signed, None
            if signed is not None:
                signed.close()
            self.show_login(self.tr(
                "%1 is already signed in in another seatdesk window on this computer: that "
                "window has been brought to the front. One user has one workspace per "
                "computer (drafts and the offline outbox are kept per computer, two windows "
                "would overwrite each other's).").replace("%1", user.display_name))
            return None
        window = self.window_factory(sessions or self.sessions, self.database_label, user,
                                     **self.workspace_options)
        self.window, window.seat_lock = window, lock
        lock.raise_requested.connect(window.come_forward)
        self.sessions_signed_in += 1
        window.sign_out_requested.connect(self._signed_out)
        window.closed.connect(self._window_closed)
        window.show()
        window.raise_()
        window.activateWindow()
        self.window_opened.emit(window)
        return window

    # -- sign out / close -----------------------------------------------------------------------
    def _signed_out(self) -> None:
        reason = getattr(self.window, "sign_out_reason", "")  # an administrator's change
        self._drop_window()
        # the login dialog opens once the old workspace is gone (its deletion is queued)
        QTimer.singleShot(0, lambda: self.show_login(reason))

    def _window_closed(self) -> None:
        if self.window is not None and not self.window.signing_out:
            self._drop_window()
            self._end(0)

    def _drop_window(self) -> None:
        window, self.window = self.window, None
        if window is None:
            return
        window.sign_out_requested.disconnect(self._signed_out)
        window.closed.disconnect(self._window_closed)
        window.seat_lock.release()
        window.seat_lock.deleteLater()
        window.shutdown()
        window.hide()
        window.deleteLater()
        signed, self.signed = self.signed, None
        if signed is not None:
            signed.close()  # the operator's own connections end with the session
        QTimer.singleShot(0, release_session_objects)

    def _end(self, code: int) -> None:
        self.finished.emit(code)
