"""A per-process cache of the reference rows every intake request reads — case sources,
case classes, the Open311 service list, partners' api_keys, handset tokens' sessions,
users' database logins — emptied by PostgreSQL's NOTIFY the moment one of them changes.

Each registration through the intake server looked these up anew (a fifth of its CPU,
docs/performance.md). A timer would let a disabled source, partner or class keep working
for its lifetime; here the database announces every change instead: a statement-level
trigger on ``case_sources``, ``case_classes``, ``class_editions``, ``settings`` and
``partners`` (and on UPDATE or DELETE of ``field_sessions``: a revoked handset session)
sends ``NOTIFY seatdesk_config`` (``dbrules/config_sql.py``), and a user's
change of role, active flag, department or login already sends ``seatdesk_users``. One
thread per process LISTENs on both and empties the cache on every notification.

The cache is **off** (every lookup goes to the database, as before) unless that listener
is connected: until ``listen`` has its LISTEN in place, while it reconnects after a lost
connection, on SQLite, and in every process that never calls ``listen`` (the seats). A
lookup that started before a notification is not kept (the generation check), so a value
read before a change never outlives the change's NOTIFY. What remains is the NOTIFY's own
delivery: a request checked in the milliseconds between the change's COMMIT and the
listener hearing it still sees the old row (docs/security.md).

Values must be plain and immutable (frozen dataclasses, tuples): they are shared by every
thread and every session of the process. Failures (an exception from ``load``) are never
kept, nor are values of unbounded keys the caller did not validate.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

log = logging.getLogger(__name__)

CONFIG_CHANNEL = "seatdesk_config"
USERS_CHANNEL = "seatdesk_users"  # sent by the users' trigger (dbrules/ledger_sql.py)
RECONNECT_S = 1.0
#: values kept at most (handset tokens are one key each): past it the cache starts afresh
MAX_VALUES = 50_000
T = TypeVar("T")


class Lookups:
    """``lookups.get(key, load)``: ``load()``'s value, kept while the listener is live."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._values: dict[Hashable, object] = {}
        self._live = False
        self.generation = 0  # bumped by every emptying (a notification, a (re)connection)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: called (from the listener's thread) when its connection, once established, is
        #: lost: the database restarted or failed over, so the process's other idle
        #: connections are most likely dead too (the intake server drops them: ``app``)
        self.on_lost: Callable[[], None] | None = None

    @property
    def live(self) -> bool:
        """True while the listener is connected, i.e. while values are kept."""
        return self._live

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        with self._lock:
            if not self._live:
                hit, generation = False, None
            else:
                hit, generation = key in self._values, self.generation
            if hit:
                return self._values[key]  # type: ignore[return-value]
        value = load()
        if generation is not None:
            with self._lock:
                if self._live and self.generation == generation:
                    if len(self._values) >= MAX_VALUES:
                        self._values.clear()
                    self._values[key] = value
        return value

    def kept(self, key: Hashable, default: object = None) -> object:
        """The value kept for ``key`` (``default`` if none or not live), without loading:
        an async caller looks here first and goes to a thread only on a miss."""
        with self._lock:
            return self._values.get(key, default) if self._live else default

    def forget(self, key: Hashable) -> None:
        """Forget the value kept for ``key`` — the database said it no longer holds before
        its notification arrived — so that the next ``get`` loads it again (a load begun
        before is not kept: the generation moves on)."""
        with self._lock:
            if self._values.pop(key, None) is not None:
                self.generation += 1
                self._changed.notify_all()

    def clear(self, *, live: bool | None = None) -> None:
        """Forget every value (and, with ``live``, switch keeping them on or off)."""
        with self._lock:
            self._values.clear()
            self.generation += 1
            if live is not None:
                self._live = live
            self._changed.notify_all()

    def wait_changed(self, generation: int, timeout: float) -> bool:
        """Block until ``generation`` has moved on (True) or ``timeout`` passed (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: self.generation != generation, timeout)

    def wait_live(self, timeout: float) -> bool:
        """Block until the listener is connected (True) or ``timeout`` passed (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._live, timeout)

    def __len__(self) -> int:
        return len(self._values)

    # -- the listener (PostgreSQL) ------------------------------------------------------
    def listen(self, database_url: str) -> None:
        """Start the LISTEN thread (once); the cache is live as soon as it is connected."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(database_url,),
                                        name="seatdesk-lookups", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self.clear(live=False)

    def _run(self, database_url: str) -> None:
        import psycopg

        from .notify import libpq_dsn

        dsn = libpq_dsn(database_url)
        while not self._stop.is_set():
            connected = False
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    for channel in (CONFIG_CHANNEL, USERS_CHANNEL):
                        conn.execute(f'LISTEN "{channel}"')
                    connected = True
                    self.clear(live=True)  # anything may have changed while not listening
                    while not self._stop.is_set():
                        for _note in conn.notifies(timeout=0.5):
                            self.clear()
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any failure
                log.warning("reference cache listener: %s; direct lookups until reconnected",
                            type(exc).__name__)
                if connected and self.on_lost is not None:
                    try:
                        self.on_lost()
                    except Exception:
                        log.exception("reference cache listener: on_lost failed")
            finally:
                self.clear(live=False)
            self._stop.wait(RECONNECT_S)
