"""Login and password change, checked by the database off the GUI thread.

``LoginDialog`` calls ``seatdesk.workflow.signin.sign_in``: on a PostgreSQL seat
deployment the operator connects as their own database login (the workstation holds no
password); on SQLite, or with the schema owner's connection, the argon2 users table
decides (``auth.login``). Either way failures are counted atomically and every refusal
reads the same (``auth.FAILED``). A user flagged ``must_change_password`` gets the
``ChangePasswordDialog`` before the login counts; cancelling it cancels the login.
After ``accepted``, ``logged_in`` holds the frozen ``LoggedIn`` value and ``signed_in``
the engine the operator works on (``signed_in.close()`` at sign-out).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.workflow import signin
from seatdesk.workflow.auth import LoggedIn, LoginError, change_password

from seatdesk.ui.pyside_fix import keep_none_alive
from seatdesk.ui.session.demo_hint import Banner, DemoAccountsHint, read_banner
from seatdesk.ui.tasks import TaskRunner

ERROR_STYLE = "color: #c62828;"


def _attempt_login(sessions: sessionmaker[Session], username: str, password: str
                   ) -> signin.SignedIn | LoginError:
    """One sign-in attempt; the failure count and lockout are committed even on refusal."""
    try:
        return signin.sign_in(sessions.kw["bind"], username, password)
    except LoginError as exc:
        return exc


def _attempt_change(sessions: sessionmaker[Session], user_id: int, old: str, new: str,
                    signed_in: signin.SignedIn | None = None) -> None:
    if signed_in is not None:
        signed_in.change_password(old, new)
        return
    with sessions.begin() as session:
        change_password(session, user_id, old, new)


class _BusyDialog(QDialog):
    """A dialog that runs one request at a time and shows its error in red."""

    def __init__(self, sessions: sessionmaker[Session], tasks: TaskRunner | None, parent=None):
        keep_none_alive()
        super().__init__(parent)
        self.sessions = sessions
        self.tasks = tasks or TaskRunner(self)
        self.error = QLabel(self)
        self.error.setObjectName("loginError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def set_busy(self, busy: bool, text: str = "") -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not busy)
        ok.setDefault(not busy)  # a disabled default button hands Enter to Cancel otherwise
        for edit in self.findChildren(QLineEdit):
            edit.setEnabled(not busy)
        self.error.setStyleSheet("" if busy else ERROR_STYLE)
        self.error.setText(text)

    def failed(self, exc: Exception, _trace: str = "") -> None:
        message = str(exc) if isinstance(exc, LoginError) else self.tr(
            "Database unavailable: %1").replace("%1", type(exc).__name__)
        self.set_busy(False, message)

    def submit(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class LoginDialog(_BusyDialog):
    logged_in_as = Signal(object)  # LoggedIn

    def __init__(self, sessions: sessionmaker[Session], tasks: TaskRunner | None = None,
                 parent=None, username: str = ""):
        super().__init__(sessions, tasks, parent)
        self.logged_in: LoggedIn | None = None
        self.signed_in: signin.SignedIn | None = None
        self.setWindowTitle(self.tr("seatdesk — sign in"))
        self.centre = QLabel(self.tr("Digital city management command centre"), self)
        self.centre.setObjectName("loginCentre")
        self.centre.setStyleSheet("font-size: 17px; font-weight: 600; padding: 4px 0 10px 0;")
        self.centre.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.username, self.password = QLineEdit(username, self), QLineEdit(self)
        self.username.setObjectName("loginUsername")
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Sign in"))
        form = QFormLayout()
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        self.demo = DemoAccountsHint(self)
        self.demo.username_chosen.connect(self._demo_user)
        layout = QVBoxLayout(self)
        layout.addWidget(self.centre)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        layout.addWidget(self.demo)
        self.setMinimumWidth(420)
        (self.password if username else self.username).setFocus()
        for edit in (self.username, self.password):  # a message about what was typed goes
            edit.textEdited.connect(lambda _t: self.error.clear())  # with the next keystroke
        self._load_banner()

    def _load_banner(self) -> None:
        """The centre's name and, on a demo database, its accounts (before signing in;
        through the sign-in gate only the centre's name)."""
        def work() -> Banner:
            engine = self.sessions.kw["bind"]
            if signin.mode(engine) == "logins":
                return Banner(signin.centre_name(engine), ())
            with self.sessions() as session:
                return read_banner(session)

        def show(banner: Banner) -> None:
            self.centre.setText(banner.centre_name)
            self.demo.set_accounts(banner.demo_accounts)

        self.tasks.submit("login.banner", work, show, lambda *_: None)

    def _demo_user(self, username: str) -> None:
        self.username.setText(username)
        self.password.setFocus()

    def submit(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.failed(LoginError(self.tr("Enter your user name and password")))
            return
        self.set_busy(True, self.tr("Signing in…"))
        self.tasks.submit("login", lambda: _attempt_login(self.sessions, username, password),
                          self._answered, self.failed)

    def _answered(self, result: signin.SignedIn | LoginError) -> None:
        if isinstance(result, LoginError):
            self.failed(result)
            self.password.clear()
            self.password.setFocus()
            return
        self.signed_in = result
        if result.user.must_change_password:
            self._force_change(result)
            return
        self._done(result.user)

    def _force_change(self, signed: signin.SignedIn) -> None:
        dialog = ChangePasswordDialog(self.sessions, signed.user, forced=True, tasks=self.tasks,
                                      parent=self, old_password=self.password.text(),
                                      signed_in=signed if signed.owned else None)
        self.change_dialog = dialog

        def finished(code: int) -> None:
            if code == QDialog.DialogCode.Accepted:
                self._done(signed.user)
            else:
                signed.close()
                self.signed_in = None
                self.set_busy(False, self.tr("You must change your password before signing in"))

        dialog.finished.connect(finished)
        dialog.open()

    def _done(self, user: LoggedIn) -> None:
        self.set_busy(False)
        self.logged_in = user
        self.logged_in_as.emit(user)
        self.accept()


class ChangePasswordDialog(_BusyDialog):
    """Change one's own password (old, new, repeat); ``forced`` after a reset by an admin."""

    def __init__(self, sessions: sessionmaker[Session], user: LoggedIn, forced: bool = False,
                 tasks: TaskRunner | None = None, parent=None, old_password: str = "",
                 signed_in: signin.SignedIn | None = None):
        super().__init__(sessions, tasks, parent)
        self.user, self.signed_in = user, signed_in
        self.setWindowTitle(self.tr("Change password"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Save"))
        self.notice = QLabel(self.tr("Your password was set by an administrator: choose a new "
                                     "one before you continue.") if forced else "", self)
        self.notice.setWordWrap(True)
        self.notice.setVisible(forced)
        self.old = QLineEdit(old_password, self)
        self.new, self.repeat = QLineEdit(self), QLineEdit(self)
        for name, edit in (("oldPassword", self.old), ("newPassword", self.new),
                           ("repeatPassword", self.repeat)):
            edit.setObjectName(name)
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("Current password"), self.old)
        form.addRow(self.tr("New password"), self.new)
        form.addRow(self.tr("Repeat new password"), self.repeat)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        (self.new if old_password else self.old).setFocus()

    def submit(self) -> None:
        old, new = self.old.text(), self.new.text()
        if new != self.repeat.text():
            self.failed(LoginError(self.tr("The two new passwords differ")))
            return
        self.set_busy(True, self.tr("Saving…"))
        self.tasks.submit("password", lambda: _attempt_change(self.sessions, self.user.user_id,
                                                               old, new, self.signed_in),
                          lambda _none: self._changed(), self.failed)

    def _changed(self) -> None:
        self.set_busy(False)
        self.accept()
