"""A background thread that runs one task every few seconds until stopped.

The server's periodic work — the 12345 callback outbox (``hotline/outbox.Deliverer``) and
the notification queue's watch (``queue_watch.QueueWatch``) — has one shape: wait,
run, and if the database is away say so in the log and try again at the next turn.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


class Periodic:
    """``task()`` every ``every_s`` seconds on a daemon thread named ``name``; an
    exception is logged at ``level`` on ``log`` (its class only: a driver's message may
    carry SQL) and the next turn comes as usual."""

    def __init__(self, name: str, every_s: float, task: Callable[[], object],
                 log: logging.Logger, what: str, level: int = logging.WARNING):
        self.name, self.every_s, self.task = name, every_s, task
        self.log, self.what, self.level = log, what, level
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, wait_s: float) -> None:
        """Ask the thread to end and wait up to ``wait_s`` for the turn under way."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(wait_s)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.task()
            except Exception as exc:  # noqa: BLE001 - the database is away: try again later
                self.log.log(self.level, "%s: %s", self.what, type(exc).__name__)
