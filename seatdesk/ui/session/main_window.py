"""The main window: the logged-in user's workspace, or (before login, or for a status
view) an overview of the database the seat is connected to.

``MainWindow(sessions, database_label)`` shows the overview; with ``user=`` (the
``LoggedIn`` value from the login dialog) it hosts the role's ``Workspace``. The window
itself stays thin: a menu built from the workspace's action registry, a status bar with
the database, the user, the connection state and — with a read replica (``reads``) —
the replica's lag when above 5 s or that reads fell back to the primary, and sign-out.
"""

from __future__ import annotations

import gc
import math

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.models import dberrors
from seatdesk.models.replica import ReadRouter, ReadStatus
from seatdesk.workflow import services as sd
from seatdesk.workflow.auth import LoggedIn
from seatdesk.workflow.states import roles_for

from seatdesk.ui.session.overview_panel import OverviewPanel
from seatdesk.ui.tasks import TaskRunner

READ_STATUS_MS = 2_000


def freeze_session_objects() -> None:
    """After a workspace is built: the objects made so far (modules, Qt wrappers, the
    workspace) live as long as the session, so keep them out of the cyclic collector, whose
    full passes over them stalled the GUI thread for 100+ ms with large work boxes
    (bench/bench_seat.py). Collections of new objects stay cheap. Undone at sign-out
    (``thaw_session_objects``), or the signed-out workspace could never be collected."""
    gc.collect()
    gc.freeze()


def thaw_session_objects() -> None:
    gc.unfreeze()


class MainWindow(QMainWindow):
    sign_out_requested = Signal()  # the window is shut down and hidden; delete it
    closed = Signal()  # closed by the user (not by signing out): the seat ends

    def __init__(self, sessions: sessionmaker[Session], database_label: str,
                 user: LoggedIn | None = None, parent=None, *,
                 workflow: sd.Workflow | None = None, reads: ReadRouter | None = None,
                 read_url: str | None = None, listen_url: str | None = None,
                 **workspace_options):
        super().__init__(parent)
        self.sessions, self.user = sessions, user
        # the replica router: given, or made here for the signed-in login (disposed here)
        self._own_reads = reads is None
        self.reads = reads or ReadRouter.for_url(sessions, read_url)
        self.listen_url = listen_url
        self.workspace = None
        self.signing_out = self._leaving = False
        self.base_title = self.tr("seatdesk — city management command centre")
        self.resize(1600, 960)
        self.db_label = QLabel(database_label)
        self.db_label.setObjectName("databaseLabel")
        self.statusBar().addPermanentWidget(self.db_label)
        if user is None:
            self.tasks = TaskRunner(self)
            self.overview_panel = OverviewPanel(sessions, self.tasks, self)
            self.overview_panel.loaded.connect(
                lambda _d: self.statusBar().showMessage(self.tr("Up to date"), 3000))
            self.overview_panel.failed.connect(self._overview_failed)
            self.setCentralWidget(self.overview_panel)
            self.setWindowTitle(self.base_title)
        else:
            self._open_workspace(user, workflow, workspace_options)

    def _open_workspace(self, user: LoggedIn, workflow, options) -> None:
        from seatdesk.ui.session.seat import Seat
        from seatdesk.ui.session.workspace import Workspace

        seat = Seat.open(self.sessions, user, self, workflow, reads=self.reads,
                         listen_url=self.listen_url)
        seat.hub.account_changed.connect(self._account_changed)
        self.workspace = Workspace(seat, self, **options)
        self.setCentralWidget(self.workspace)
        self.setWindowTitle(f"{self.base_title} — {self.workspace.title()}")
        self.user_label = QLabel(self.workspace.title())
        self.user_label.setObjectName("userLabel")
        self.statusBar().addPermanentWidget(self.user_label)
        self.connection_label = QLabel(self.tr("Connected"))
        self.connection_label.setObjectName("connectionLabel")
        self.statusBar().addPermanentWidget(self.connection_label)
        self.read_label = QLabel()
        self.read_label.setObjectName("readLabel")
        self.read_label.hide()
        self.statusBar().addPermanentWidget(self.read_label)
        self.read_timer = QTimer(self, interval=READ_STATUS_MS,
                                 timeout=lambda: self.show_read_status(self.reads.status()))
        self.read_timer.start()
        seat.monitor.state_changed.connect(self._connection)
        seat.ops.failed.connect(lambda f: self.statusBar().showMessage(f.message, 10_000))
        self._menus()
        freeze_session_objects()

    def _menus(self) -> None:
        registry = self.workspace.registry
        seat_menu = self.menuBar().addMenu(self.tr("&Seat"))
        for name in ("palette", "new_intake", "focus_queue", "focus_search", "reports", "wall"):
            if name in registry.actions:
                seat_menu.addAction(registry.actions[name])
        seat_menu.addSeparator()
        sign_out = QAction(self.tr("Sign out"), self)
        sign_out.setObjectName("qaction_sign_out")
        sign_out.triggered.connect(self.sign_out)
        seat_menu.addAction(sign_out)
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        for name, action in registry.actions.items():
            if name.startswith("page_") or name == "show_on_map":
                view_menu.addAction(action)
        # only what this role can ever do (the transition table's roles), not ~30 greyed items
        role = self.user.role
        mine = [n for n, spec in registry.specs.items() if spec.workflow and role in roles_for(n)]
        if mine:
            case_menu = self.menuBar().addMenu(self.tr("&Case"))
            for name in mine:
                case_menu.addAction(registry.actions[name])

    def come_forward(self) -> None:
        """Someone tried to sign in as this user in another window on this computer."""
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()
        self.statusBar().showMessage(self.tr("Someone tried to sign in as you in another "
                                             "window on this computer: this is your "
                                             "workspace."), 30_000)

    def _connection(self, online: bool) -> None:
        self.connection_label.setText(self.tr("Connected") if online else
                                      self.tr("Connection lost — retrying"))
        self.connection_label.setStyleSheet("" if online else "color: #c62828; font-weight: 600;")

    def show_read_status(self, status: ReadStatus) -> None:
        """The replica's lag above 5 s, or that reads went to the primary instead."""
        self.read_label.setVisible(status.noteworthy)
        if status.source == "fallback":
            self.read_label.setText(self.tr("Read replica unreachable — reading the primary"))
            self.read_label.setToolTip(status.reason)
        elif status.noteworthy:
            self.read_label.setText(self.tr("Read replica %1 s behind").replace(
                "%1", str(math.ceil(status.lag_s))))
        self.read_label.setStyleSheet("color: #ad6800; font-weight: 600;")

    def _overview_failed(self, exc: Exception) -> None:
        self.statusBar().showMessage(self.tr("Database unavailable, retrying")
                                     if dberrors.is_unavailable(exc)
                                     else dberrors.user_message(exc))

    # -- the overview's parts (kept for the status view and its tests) --------------------------
    @property
    def summary(self):
        return self.overview_panel.summary

    @property
    def centre_label(self):
        return self.overview_panel.centre_label

    @property
    def counts_model(self):
        return self.overview_panel.counts_model

    # -- closing --------------------------------------------------------------------------------
    def sign_out(self) -> None:
        """Shut the workspace down and hand the seat back to the login dialog (after asking
        what to do with unsaved work)."""
        if not self.signing_out:
            self.confirm_leave(self._signed_out, signing_out=True)

    def _signed_out(self) -> None:
        self.signing_out = True
        self.shutdown()
        self.hide()
        self.sign_out_requested.emit()

    def confirm_leave(self, then, signing_out: bool = False) -> None:
        """Unsaved work on screen: 保存草稿 / 放弃 / 取消 (``then`` runs unless cancelled)."""
        unsaved = self.workspace.drafts.unsaved() if self.workspace is not None else []
        if not unsaved:
            then()
            return
        from seatdesk.ui.session.drafts_dialog import LeavePrompt

        self.leave_prompt = prompt = LeavePrompt(unsaved, signing_out, self)

        def answered(button) -> None:
            if button is prompt.stay:
                return
            if button is prompt.drop:
                self.workspace.drafts.abandon(key for key, _what in unsaved)
            self.workspace.drafts.flush_and_wait()
            then()

        prompt.buttonClicked.connect(answered)
        prompt.open()

    def _account_changed(self) -> None:
        """An administrator deactivated this user or changed their role or department:
        sign out at once — unsaved work is kept as drafts, not asked about — and the login
        dialog says why (``sign_out_reason``)."""
        if self.signing_out or getattr(self, "sign_out_reason", ""):
            return
        from seatdesk.workflow.liveuser import AccountChanged

        self.sign_out_reason = AccountChanged().message
        if self.workspace is not None:
            self.workspace.drafts.flush_and_wait()
        self._signed_out()

    def shutdown(self) -> None:
        if getattr(self, "_shut", False):
            return
        self._shut = True
        if self.workspace is not None:
            self.read_timer.stop()
            self.workspace.shutdown()
            thaw_session_objects()
        else:
            self.overview_panel.stop()
            self.tasks.wait(5000)
        if self._own_reads:
            self.reads.dispose()

    def closeEvent(self, event) -> None:
        if not (self.signing_out or self._leaving) and self.workspace is not None \
                and self.workspace.drafts.unsaved():
            event.ignore()  # ask first; closes again once answered
            self.confirm_leave(self._close_now)
            return
        self.shutdown()
        super().closeEvent(event)
        if not self.signing_out:
            self.closed.emit()

    def _close_now(self) -> None:
        self._leaving = True
        self.close()
