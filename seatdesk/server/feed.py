"""Case changes as they happen, for the handsets' task push (server-sent events and
long-poll).

One background thread per server process: on PostgreSQL it LISTENs on
``seatdesk_tasks`` (the ledger trigger's NOTIFY of a change that can touch a task list,
sent at commit; migration 0024 — before it the feed heard every ledger row on
``seatdesk_cases`` and dropped most, a notification per report to each worker) and
reconnects when the connection drops; on SQLite it reads the newest ledger row's id once a
second. Every change that can touch a 核实/核查 task list wakes the waiting requests,
which re-read their own list.

Why the ledger id and not ``changes_since``: SQLite has one writer at a time, so ledger ids
grow in commit order and every case move writes one; ``updated_at`` does not (a frozen or
repeated clock gives equal stamps, and a transaction may commit after a later stamp). The
mark is read when the feed starts, before the server answers its first request, so a change
made right after start-up is never taken for the starting point.

When the server is asked to stop (SIGTERM, Ctrl+C), the feed ``closes``: every waiting
long-poll answers and every task stream ends at once, so the graceful shutdown does not
wait for them (a handset's stream would otherwise hold it for uvicorn's whole
``timeout_graceful_shutdown`` and then be cancelled, with a traceback in the log). The
server learns of the signal from the handler uvicorn installs in its worker process,
which ``start`` chains to (the worker's main thread only; uvicorn restores its own
handlers when it has shut down).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatdesk.models import LedgerEntry
from seatdesk.workflow import services as sd
from seatdesk.workflow.notify import TASK_ACTIONS, TASK_STATES, TASKS_CHANNEL, CaseListener

log = logging.getLogger(__name__)
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
        self._mark: int | None = None
        #: the server is shutting down: waits return at once, streams end
        self.closing = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._event = loop, asyncio.Event()
        self._stop.clear()
        self.closing = False
        self._close_on_signals()
        if self.wf.backend == "postgresql":
            target = self._listen
        else:
            target, self._mark = self._poll, self._ledger_mark()
        self._thread = threading.Thread(target=target, name="seatdesk-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def close(self) -> None:
        """The server is stopping: wake every waiter; every later wait returns at once."""
        self.closing = True
        self._announce()

    def _close_on_signals(self) -> None:
        """Chain ``close`` to the stop signals' handlers (uvicorn's, installed before the
        lifespan starts) in the worker's main thread; elsewhere (a test's server in a
        thread) there is nothing to chain to."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(signum)
            if not callable(previous):
                continue

            def closing(number, frame, previous=previous) -> None:
                self.close()
                previous(number, frame)

            signal.signal(signum, closing)

    async def wait(self, timeout: float, since: int | None = None) -> bool:
        """Wait for a change. ``since``: the ``generation`` read before the caller looked
        at the data — a change that came in between returns at once (no lost wake-up).
        While the server is closing: True at once."""
        if self.closing or (since is not None and since != self.generation):
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
                with CaseListener(url, TASKS_CHANNEL) as listener:
                    self._announce()  # (re)connected: anything may have changed
                    while not self._stop.is_set():
                        found = listener.wait(0.5)
                        # (the trigger sends only these; any login may NOTIFY on any
                        # channel, so what arrives is still checked)
                        if any(n.state in TASK_STATES or n.action in TASK_ACTIONS
                               for n in found):
                            self._announce()
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any failure
                log.warning("change feed: %s; reconnecting", type(exc).__name__)
                self._stop.wait(RECONNECT_S)

    def _ledger_mark(self) -> int | None:
        """The newest ledger row's id (0 for none); None when the database is away."""
        try:
            with Session(self.wf.engine) as session:
                return session.scalar(select(func.max(LedgerEntry.id))) or 0
        except Exception as exc:  # noqa: BLE001 - the database is away: try again
            log.warning("change feed poll: %s", type(exc).__name__)
            return None

    def _poll(self) -> None:
        mark = self._mark
        while not self._stop.wait(POLL_S):
            latest = self._ledger_mark()
            if latest is not None and latest != mark:
                mark = latest  # a first read after an outage also wakes: anything may have changed
                self._announce()
