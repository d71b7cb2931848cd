"""Case changes as they happen, for the handsets' task push (server-sent events and
long-poll).

One background thread per server process: on PostgreSQL it LISTENs on
``seatdesk_cases`` (the ledger trigger's NOTIFY, sent at commit) and reconnects when the
connection drops; on SQLite it polls ``changes_since`` once a second. Every change that
can touch a 核实/核查 task list wakes the waiting requests, which re-read their own list.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatdesk.models import Case
from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import services as sd
from seatdesk.workflow.notify import CaseListener

log = logging.getLogger(__name__)
TASK_STATES = frozenset({S.PENDING_VERIFICATION, S.PENDING_CHECK})
TASK_ACTIONS = frozenset({"send_verification", "verify", "void", "merge", "send_check",
                          "check_pass", "check_fail"})
POLL_S, RECONNECT_S = 1.0, 1.0


class ChangeFeed:
    """``await feed.wait(timeout)`` returns True when a task-relevant change arrived."""

    def __init__(self, wf: sd.Workflow):
        self.wf = wf
        self.generation = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._event = loop, asyncio.Event()
        self._stop.clear()
        target = self._listen if self.wf.backend == "postgresql" else self._poll
        self._thread = threading.Thread(target=target, name="seatdesk-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    async def wait(self, timeout: float, since: int | None = None) -> bool:
        """Wait for a change. ``since``: the ``generation`` read before the caller looked
        at the data — a change that came in between returns at once (no lost wake-up)."""
        if since is not None and since != self.generation:
            return True
        event = self._event
        if event is None:
            await asyncio.sleep(timeout)
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    # -- the thread --------------------------------------------------------------------
    def _wake(self) -> None:
        """On the event loop: wake every waiter, then arm a fresh event."""
        self.generation += 1
        event, self._event = self._event, asyncio.Event()
        if event is not None:
            event.set()

    def _announce(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake)

    def _listen(self) -> None:
        url = self.wf.engine.url.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with CaseListener(url) as listener:
                    self._announce()  # (re)connected: anything may have changed
                    while not self._stop.is_set():
                        found = listener.wait(0.5)
                        if any(n.state in TASK_STATES or n.action in TASK_ACTIONS
                               for n in found):
                            self._announce()
            except Exception as exc:  # psycopg.OperationalError and friends: reconnect
                log.warning("change feed: %s; reconnecting", type(exc).__name__)
                self._stop.wait(RECONNECT_S)

    def _poll(self) -> None:
        since = None
        while not self._stop.wait(POLL_S):
            try:
                with Session(self.wf.engine) as session:
                    if since is None:
                        since = session.scalar(select(func.max(Case.updated_at))) or _EPOCH
                        continue
                    stamps = sd.changes_since(session, since)
                if stamps:
                    since = stamps[-1].updated_at
                    self._announce()
            except Exception as exc:  # the database is away: try again next second
                log.warning("change feed poll: %s", type(exc).__name__)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
