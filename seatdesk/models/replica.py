"""Reads routed to a streaming replica, with the primary as fallback (Qt-free).

``ReadRouter(primary_sessions, read_url)`` is called like a sessionmaker: ``reads()``
gives a session on the replica when one is configured and reachable, on the primary
otherwise. The wall display, the KPI panels, evaluation and reports, the map layers and
the 全部案件 box read through it; writes and a seat's own work boxes use the primary
sessionmaker (read-your-writes). ``reads.fresh()`` waits (briefly) until the replica has
replayed everything the primary had committed when it was called — what a refresh after a
change notice needs — and reads the primary when the replica does not catch up in time.

- **Lag**: every ``check_s`` the router asks the replica how far its replay is behind
  (``now() - pg_last_xact_replay_timestamp()`` while WAL is waiting to be replayed, 0 when
  all received WAL is replayed — also right after the replica restarted, when it streams
  again from before what it replayed); ``status()`` says so, and the seat and the wall show it
  when it exceeds ``LAG_NOTICE_S``.
- **Fallback**: a replica that cannot be reached is left for ``retry_s`` and the primary
  answers meanwhile (``status().source == "fallback"``, with the reason).
- **Recovery conflicts**: a query the replica cancels because replay had to remove rows it
  was reading (SQLSTATE 40001, "conflict with recovery", or the connection terminated for
  it) is run again, up to ``CONFLICT_RETRIES`` times. Every statement of a read session
  already sees its own snapshot (READ COMMITTED), so running one again is what a fresh
  statement would have done. docs/scale.md gives the server settings that avoid most of
  them (``hot_standby_feedback``, ``max_standby_streaming_delay``).

With a libpq multi-host URL (``postgresql://seat@db1,db2/seatdesk?target_session_attrs=
prefer-standby``) libpq itself picks a standby, or the primary when none is up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

#: the seat and the wall show the replica's lag above this many seconds
LAG_NOTICE_S = 5.0
CONFLICT_RETRIES = 3
RECOVERY_CONFLICT = "40001"
NO_STANDBY = "no standby: the read URL reached a primary"

#: the lag: none once everything received is replayed — received <= replayed, not equal: a
#: replica that restarts replays what it had received from its own pg_wal, then streams
#: again from the start of that segment, its received position below the replayed one
#: until the primary sends more (with "equal", a replica restarted beside a quiet primary
#: showed the age of its last replayed commit as lag, 4 s, 5 s … 10 s while caught up);
#: not streaming (no received position): the age of the last replayed commit
LAG_SQL = """SELECT pg_is_in_recovery(),
    CASE WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
         ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END"""


@dataclass(frozen=True)
class ReadStatus:
    """Where reads go: ``primary`` (no replica configured), ``replica`` or ``fallback``
    (the replica is unreachable; ``reason`` says why). ``lag_s``: the replica's replay
    lag at the last check (None before the first)."""

    source: str
    lag_s: float | None = None
    reason: str = ""

    @property
    def noteworthy(self) -> bool:
        """Worth telling the operator: a fallback, or a lag above ``LAG_NOTICE_S``."""
        return self.source == "fallback" or (self.lag_s or 0) > LAG_NOTICE_S


def is_recovery_conflict(exc: BaseException) -> bool:
    """A query cancelled (or its connection ended) by a hot standby's recovery conflict."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == RECOVERY_CONFLICT:
        return True
    return "conflict with recovery" in str(orig)


class ReadRouter:
    """A sessionmaker-like router of read sessions (see the module docstring)."""

    def __init__(self, primary: sessionmaker[Session], replica: Engine | None = None, *,
                 check_s: float = 5.0, retry_s: float = 10.0, fresh_wait_s: float = 1.0):
        self.primary = primary
        self.replica = replica
        self.check_s, self.retry_s, self.fresh_wait_s = check_s, retry_s, fresh_wait_s
        self._lock = threading.Lock()
        self._status = ReadStatus("replica" if replica is not None else "primary")
        self._checked = 0.0
        self._down_since: float | None = None

    @classmethod
    def for_url(cls, sessions: sessionmaker[Session], read_url: str | None) -> ReadRouter:
        """A router to the replica at ``read_url`` (None: every read on the primary), read
        with the login of ``sessions``: a seat signed in with its operator's own database
        login reads the replica as that operator too (a physical replica has the same
        roles), whatever user the configured URL names."""
        from sqlalchemy.engine import make_url

        from .db import make_engine

        if not read_url:
            return cls(sessions)
        own = sessions.kw["bind"].url
        url = make_url(read_url).set(username=own.username, password=own.password)
        return cls(sessions, make_engine(url.render_as_string(hide_password=False)))

    @classmethod
    def of(cls, sessions) -> ReadRouter:
        """``sessions`` itself when it is a router, else a router without a replica."""
        return sessions if isinstance(sessions, ReadRouter) else cls(sessions)

    # -- sessions -------------------------------------------------------------------------
    def __call__(self) -> Session:
        return RoutedSession(self, self._engine())

    def fresh(self) -> Session:
        """A read session that sees every commit the primary had made before this call."""
        engine = self._engine()
        if engine is not self.replica:
            return RoutedSession(self, engine)
        return RoutedSession(self, self.replica if self._caught_up() else self._primary_engine())

    def status(self) -> ReadStatus:
        with self._lock:
            return self._status

    # -- choosing ---------------------------------------------------------------------------
    def _primary_engine(self) -> Engine:
        return self.primary.kw["bind"]

    def _engine(self) -> Engine:
        if self.replica is None:
            return self._primary_engine()
        now = time.monotonic()
        with self._lock:
            down = self._down_since is not None and now - self._down_since < self.retry_s
            due = now - self._checked >= self.check_s
        if down:
            return self._primary_engine()
        if due:
            self.check()
        return self._primary_engine() if self.status().source == "fallback" else self.replica

    def check(self) -> ReadStatus:
        """Measure the replica's lag now (or find it unreachable)."""
        try:
            with self.replica.connect() as conn:
                in_recovery, lag = conn.execute(text(LAG_SQL)).one()
        except DBAPIError as exc:
            return self.replica_failed(exc)
        with self._lock:
            self._checked, self._down_since = time.monotonic(), None
            # a multi-host read URL (prefer-standby) reaches the primary when no standby is up
            self._status = (ReadStatus("replica", float(lag)) if in_recovery else
                            ReadStatus("fallback", 0.0, NO_STANDBY))
            return self._status

    def replica_failed(self, exc: BaseException) -> ReadStatus:
        """The replica did not answer: read the primary for ``retry_s``."""
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
        with self._lock:
            self._checked = self._down_since = time.monotonic()
            self._status = ReadStatus("fallback", None, reason)
            return self._status

    def _caught_up(self) -> bool:
        """Wait up to ``fresh_wait_s`` until the replica has replayed the primary's
        current WAL insert position (the insert position: with asynchronous commit the
        write position can still be short of the last commit record)."""
        try:
            with self._primary_engine().connect() as conn:
                target = conn.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar()
            deadline = time.monotonic() + self.fresh_wait_s
            with self.replica.connect() as conn:
                while True:
                    done = conn.execute(text("SELECT pg_last_wal_replay_lsn() >= "
                                             "CAST(:lsn AS pg_lsn)"), {"lsn": target}).scalar()
                    if done or time.monotonic() >= deadline:
                        return bool(done)
                    conn.rollback()
                    time.sleep(0.02)
        except DBAPIError as exc:
            self.replica_failed(exc)
            return False

    def dispose(self) -> None:
        if self.replica is not None:
            self.replica.dispose()


class RoutedSession(Session):
    """A read session of a ``ReadRouter``: a statement the replica cancels for a recovery
    conflict runs again; a replica that cannot be reached hands the session to the primary."""

    def __init__(self, router: ReadRouter, engine: Engine):
        super().__init__(bind=engine, expire_on_commit=False)
        self.router = router

    # every statement of the session (execute, scalar, scalars, get, loads) passes through
    # Session._execute_internal: the one place to run a statement again
    def _execute_internal(self, statement, *args, **kwargs):
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                return super()._execute_internal(statement, *args, **kwargs)
            except DBAPIError as exc:
                if not self._on_replica() or attempt == CONFLICT_RETRIES:
                    raise
                self.rollback()
                if not is_recovery_conflict(exc):
                    if not (exc.connection_invalidated or _unreachable(exc)):
                        raise
                    self.router.replica_failed(exc)
                    self.bind = self.router._primary_engine()
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _on_replica(self) -> bool:
        return self.router.replica is not None and self.bind is self.router.replica


def _unreachable(exc: DBAPIError) -> bool:
    """The server could not be reached or went away (not a refused statement)."""
    import psycopg

    orig = exc.orig
    return isinstance(orig, psycopg.OperationalError) and getattr(orig, "sqlstate", None) in (
        None, "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004")
