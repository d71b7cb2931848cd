"""Live multi-seat updates: one application-level "what changed" signal (Anki's OpChanges).

``ChangeHub.cases_changed`` carries a ``CaseChanges`` value — the case ids that changed
and where the news came from: this seat's own operations ("local"), another seat through
PostgreSQL ``NOTIFY seatdesk_cases`` ("listen"), the SQLite poll of ``changes_since``
("poll"), a conflict ("stale") or a reconnection after which anything may have changed
("resync", ``everything``). ``positions_changed`` says a handset reported a
supervisor's position (``NOTIFY seatdesk_positions``, or the poll): the map redraws its
supervisor layer. The workspace fans it out to the queue, the detail, the map
and the KPI panels; each decides for itself what to refresh.

On PostgreSQL ``PgListener`` runs the LISTEN on a worker thread with its own connection
(``workflow.notify.CaseListener``) and reconnects when the connection drops; on SQLite
``SqlitePoller`` asks for ``changes_since`` twice a second on its own worker.

A notification is a hint (any login may NOTIFY, docs/security.md "NOTIFY is a hint"):
the seat takes only a case or user id from it and re-reads what it shows; a batch naming
more than ``MAX_IDS`` cases is "everything changed"; a users notice makes the seat read
the user's record again before it signs anyone out.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, QTimer, Signal
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatdesk.models import Case, SupervisorPosition
from seatdesk.workflow import services as sd
from seatdesk.workflow import liveuser
from seatdesk.workflow.liveuser import AccountChanged
from seatdesk.workflow.notify import POSITIONS_CHANNEL, USERS_CHANNEL, CaseListener, parse_user

from seatdesk.ui.tasks import TaskRunner

#: SQLSTATEs with which PostgreSQL refuses a deactivated operator's login: no privilege
#: (in no group any more), not permitted to log in (NOLOGIN)
_REFUSED = frozenset({"42501", "28000"})


def refused_login(exc: Exception) -> bool:
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) in _REFUSED

POLL_MS = 500
LISTEN_TIMEOUT_S = 0.25
RECONNECT_S = 1.0
#: case ids one batch of notifications may name; past it the seat refreshes everything
MAX_IDS = 200
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class CaseChanges:
    ids: frozenset[int]
    origin: str  # local | listen | poll | stale | resync
    everything: bool = False


class ChangeHub(QObject):
    """The one "what changed" signal of a seat (and one for supervisors' positions)."""

    cases_changed = Signal(object)  # CaseChanges
    positions_changed = Signal()  # a handset reported where a supervisor is
    account_changed = Signal()  # the signed-in user was deactivated or changed: sign out

    def announce(self, ids: Iterable[int], origin: str, everything: bool = False) -> None:
        ids = frozenset(ids)
        if ids or everything:
            self.cases_changed.emit(CaseChanges(ids, origin, everything))


class SqlitePoller(QObject):
    """Polls ``changes_since`` (the seat's visible cases) on its own worker."""

    def __init__(self, hub: ChangeHub, wf: sd.Workflow, actor: sd.Actor, monitor,
                 parent: QObject | None = None, interval_ms: int = POLL_MS):
        super().__init__(parent)
        self.hub, self.wf, self.actor, self.monitor = hub, wf, actor, monitor
        self.tasks = TaskRunner(self, max_threads=1)
        self.since: dt.datetime | None = None
        self.last_fix: int | None = None
        self.timer = QTimer(self, interval=interval_ms, timeout=self.poll)

    def start(self) -> None:
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()
        self.tasks.wait(5000)

    def poll(self) -> None:
        if not self.tasks.is_idle():
            return  # the previous poll has not answered yet
        since, engine, actor = self.since, self.wf.engine, self.actor

        def work() -> tuple[dt.datetime, list[sd.CaseStamp], int]:
            with Session(engine) as session:  # (the seat's guard checks the user's record)
                fix = session.scalar(select(func.max(SupervisorPosition.id))) or 0
                if since is None:  # the first poll only finds where "now" is
                    return session.scalar(select(func.max(Case.updated_at))) or _EPOCH, [], fix
                stamps = sd.changes_since(session, since, actor)
            return (stamps[-1].updated_at if stamps else since), stamps, fix

        self.tasks.submit("live.poll", work, self._polled, self._failed)

    def _polled(self, result: tuple[dt.datetime, list[sd.CaseStamp], int]) -> None:
        self.since, stamps, fix = result
        self.monitor.report_ok()
        if stamps:
            self.hub.announce({s.id for s in stamps}, "poll")
        if self.last_fix is not None and fix != self.last_fix:
            self.hub.positions_changed.emit()
        self.last_fix = fix

    def _failed(self, exc: Exception, _trace: str) -> None:
        if isinstance(exc, AccountChanged):
            self.hub.account_changed.emit()
            return
        self.monitor.report(exc)


class PgListener(QThread):
    """LISTEN seatdesk_cases on a worker thread with its own connection; reconnects."""

    notices = Signal(object)  # frozenset[int] of case ids; None: more than MAX_IDS
    positions = Signal()  # supervisors' positions were recorded
    users = Signal(object)  # frozenset[int] of users whose account changed
    connected = Signal(bool)  # True when this is a reconnection (notices may be missed)
    lost = Signal(object)  # the exception

    def __init__(self, database_url: str, parent: QObject | None = None):
        super().__init__(parent)
        self.database_url = database_url
        self._stop = threading.Event()
        #: set while the LISTEN is in place (a notice sent from now on is heard)
        self.listening = threading.Event()

    def run(self) -> None:
        reconnect = False
        while not self._stop.is_set():
            try:
                with CaseListener(self.database_url,
                                  also=(POSITIONS_CHANNEL, USERS_CHANNEL)) as listener:
                    self.listening.set()
                    self.connected.emit(reconnect)
                    self._listen(listener)
            except Exception as exc:  # psycopg.OperationalError and friends: retry
                self.listening.clear()
                if self._stop.is_set():
                    break
                reconnect = True
                self.lost.emit(exc)
                self._stop.wait(RECONNECT_S)

    def _listen(self, listener: CaseListener) -> None:
        while not self._stop.is_set():
            found = listener.wait(LISTEN_TIMEOUT_S)
            if found:
                ids = frozenset(n.case_id for n in found)
                # a flood (any login may NOTIFY: 10,000 forged ids in one transaction) is
                # one "everything changed", not a re-read of 10,000 named cases
                self.notices.emit(ids if len(ids) <= MAX_IDS else None)
            if listener.other:
                other, listener.other[:] = list(listener.other), []
                if any(channel == POSITIONS_CHANNEL for channel, _ in other):
                    self.positions.emit()
                users = {parse_user(p) for channel, p in other if channel == USERS_CHANNEL}
                if users - {None}:
                    self.users.emit(frozenset(users - {None}))

    def stop(self) -> None:
        self._stop.set()
        self.wait(5000)


class LiveUpdates(QObject):
    """Picks the live source of the backend and feeds the hub (and the monitor)."""

    rechecked = Signal(bool)  # the user's record was read again: True when it changed

    def __init__(self, hub: ChangeHub, wf: sd.Workflow, actor: sd.Actor, monitor,
                 parent: QObject | None = None, poll_ms: int = POLL_MS,
                 listen_url: str | None = None):
        super().__init__(parent)
        self.hub, self.monitor = hub, monitor
        self.listener: PgListener | None = None
        self.poller: SqlitePoller | None = None
        if wf.backend == "postgresql":
            # LISTEN needs a session of its own on the primary: ``listen_url`` when the
            # workflow's URL goes through a transaction pooler (docs/scale.md)
            url = listen_url or wf.engine.url.render_as_string(hide_password=False)
            self.listener = PgListener(url, self)
            self.listener.notices.connect(
                lambda ids: hub.announce(ids or (), "listen", everything=ids is None))
            self.listener.positions.connect(hub.positions_changed)
            self.listener.users.connect(self._users_changed)
            self.tasks = TaskRunner(self, max_threads=1)
            self.engine, self.actor = wf.engine, actor
            self.listener.connected.connect(self._connected)
            self.listener.lost.connect(monitor.report)
        else:
            self.poller = SqlitePoller(hub, wf, actor, monitor, self, poll_ms)

    def start(self) -> None:
        if self.listener is not None:
            self.listener.start()
        if self.poller is not None:
            self.poller.start()

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.tasks.wait(5000)
        if self.poller is not None:
            self.poller.stop()

    def _users_changed(self, ids: frozenset[int]) -> None:
        """``NOTIFY seatdesk_users`` named this seat's user: a hint, not a verdict — any
        login can send it. Sign out only when the user's record, read again under the
        seat's own login, says the account changed (or the database now refuses the
        login its reads, which is what a deactivation does on PostgreSQL)."""
        if self.actor.user_id not in ids:
            return
        engine, actor = self.engine, self.actor

        def recheck() -> None:
            with engine.connect() as conn:  # the seat's guard checks the record at begin
                liveuser.check(conn, actor)

        self.tasks.submit("live.account", recheck, lambda _none: self.rechecked.emit(False),
                          self._recheck_failed)

    def _recheck_failed(self, exc: Exception, _trace: str) -> None:
        changed = isinstance(exc, liveuser.AccountChanged) or refused_login(exc)
        if changed:
            self.hub.account_changed.emit()
        else:
            self.monitor.report(exc)
        self.rechecked.emit(changed)

    def _connected(self, reconnect: bool) -> None:
        if reconnect:  # notices sent while disconnected are lost: refresh everything
            self.monitor.report_ok()
            self.hub.announce((), "resync", everything=True)
