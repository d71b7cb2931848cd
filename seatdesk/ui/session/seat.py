"""The logged-in seat: who acts, and the services every panel and dialog shares.

Built once by the workspace after login and passed explicitly to the panels (no global
singletons): the session factory and the workflow, the user and the ``Actor`` they act
as, the read worker, the operations runner, the "what changed" hub and the connection
monitor; the read router (replica reads for the KPI panels, reports, map, wall and
全部案件) and the URL of the LISTEN connection.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from seatdesk.models.replica import ReadRouter
from seatdesk.workflow import liveuser
from seatdesk.workflow import services as sd
from seatdesk.workflow.auth import LoggedIn

from seatdesk.ui.session.connection_banner import ConnectionMonitor
from seatdesk.ui.session.live_updates import ChangeHub
from seatdesk.ui.operations import Operations
from seatdesk.ui.tasks import TaskRunner


@dataclass
class Seat:
    sessions: sessionmaker[Session]
    wf: sd.Workflow
    user: LoggedIn
    actor: sd.Actor
    tasks: TaskRunner
    ops: Operations
    hub: ChangeHub
    monitor: ConnectionMonitor
    reads: ReadRouter
    listen_url: str | None = None  # None: LISTEN on the workflow's engine
    unguard: Callable[[], None] = lambda: None  # removes the live check of the user record

    @classmethod
    def open(cls, sessions: sessionmaker[Session], user: LoggedIn, parent,
             wf: sd.Workflow | None = None, seat_name: str = "",
             reads: ReadRouter | None = None, listen_url: str | None = None) -> Seat:
        engine = sessions.kw["bind"]
        wf = wf or sd.Workflow(engine)
        hub = ChangeHub(parent)
        monitor = ConnectionMonitor(engine, parent)
        actor = sd.Actor.from_login(user, seat_name or platform.node()[:64])
        reads = reads or ReadRouter(sessions)
        # every transaction checks the user's record, the replica's reads included
        removals = [liveuser.guard(e, actor) for e in (engine, reads.replica) if e is not None]

        def unguard() -> None:
            for remove in removals:
                remove()

        return cls(sessions, wf, user, actor, TaskRunner(parent), Operations(hub, monitor, parent),
                   hub, monitor, reads, listen_url, unguard)

    @property
    def role(self) -> str:
        return self.user.role

    def read(self, key: str, fn: Callable[[], Any], done: Callable[[Any], None],
             failed: Callable[[Exception, str], None] | None = None) -> None:
        """Run a read off the GUI thread; only the newest reply per ``key`` arrives."""
        def fail(exc: Exception, trace: str) -> None:
            if isinstance(exc, liveuser.AccountChanged):
                self.hub.account_changed.emit()
            self.monitor.report(exc)
            if failed is not None:
                failed(exc, trace)

        def ok(result: Any) -> None:
            self.monitor.report_ok()
            done(result)

        self.tasks.submit(key, fn, ok, fail)

    def shutdown(self) -> None:
        self.monitor.stop()
        self.ops.wait(10_000)
        self.tasks.wait(10_000)
        self.unguard()
