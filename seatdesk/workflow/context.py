"""The workflow's bootstrap object: the engine, a clock and cached configuration.

``Workflow(engine)`` is built once per process (never at import time) and passed to
every service call. Settings and the working calendar change rarely, so they are
cached for ``cache_seconds`` (call ``invalidate()`` after an administrator edits them
in this process; other seats pick the change up when their cache expires).
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from seatdesk.models import get_setting, utcnow
from seatdesk.models.db import write_transaction
from seatdesk.models.driver_errors import raise_as_sqlalchemy
from seatdesk.models.spatial import SpatialIndex, spatial_index

from .errors import CommitUncertain
from .lookups import Lookups
from .loop import AsyncStatements, check_may_block
from .worktime import WorkCalendar

T = TypeVar("T")
#: the role switch of ``acting_as`` on psycopg (``Workflow._set_role``)
_SET_ROLE = "SELECT set_config('role', %s, true)"
class _LostBeforeCommit(Exception):
    """The connection died inside the unit of work: the server rolled it back."""


def _has_execute_events(conn) -> bool:
    """Whether the connection or its engine has event listeners: SQLAlchemy's own test
    before it fires the execute events, which ``Workflow._set_role`` fires through
    ``conn.dispatch`` for the statement it sends itself.

    PRIVATE API, SQLAlchemy 1.4–2.1 (checked against 2.1.9): ``Connection._has_events``
    and ``Engine._has_events`` (and ``Connection.dispatch``, which has no underscore but
    is not documented either: firing SQLAlchemy's events from outside has no public
    call). Asking the dispatcher instead (``bool(conn.dispatch.before_cursor_execute)``)
    cost 0.7 µs a kind against 0.1 µs for this, on every unit of work (2026-12-06).
    ``tests/test_workflow_direct_insert.py::test_the_role_switch_fires_the_execute_events``
    fails if SQLAlchemy changes them."""
    return conn._has_events or conn.engine._has_events


@dataclass(frozen=True)
class WorkflowSettings:
    """The centre configuration the workflow reads (see ``models/settings.py`` defaults)."""

    rework_keeps_deadline: bool
    redispatch_keeps_deadline: bool
    extension_approver: str  # dispatcher | shift_lead
    duplicate_radius_m: float
    duplicate_window_days: int
    step_limits: dict[str, Any]
    yellow_ratio: float

    @classmethod
    def load(cls, session: Session) -> WorkflowSettings:
        return cls(
            rework_keeps_deadline=bool(get_setting(session, "rework_keeps_deadline")),
            redispatch_keeps_deadline=bool(get_setting(session, "redispatch_keeps_deadline")),
            extension_approver=str(get_setting(session, "extension_approver")),
            duplicate_radius_m=float(get_setting(session, "duplicate_radius_m")),
            duplicate_window_days=int(get_setting(session, "duplicate_window_days")),
            step_limits=dict(get_setting(session, "step_limits") or {}),
            yellow_ratio=float(get_setting(session, "light_yellow_ratio")),
        )


class _OnDemand:
    """``Workflow.reading_on_demand``'s session: ``reading()`` entered at the first
    attribute asked for, left by ``close``."""

    def __init__(self, wf: Workflow):
        self._wf, self._unit, self._session = wf, None, None

    def __getattr__(self, name: str) -> Any:
        if self._session is None:
            check_may_block()
            unit = self._wf.reading()
            self._session = unit.__enter__()
            self._unit = unit
        return getattr(self._session, name)

    def close(self) -> None:
        if self._unit is not None:
            unit, self._unit, self._session = self._unit, None, None
            unit.__exit__(None, None, None)


def _statement_error(sql: str, params: dict, exc: Exception, lost: bool,
                     retry_lost: bool) -> Exception:
    """A statement's psycopg error as ``run_statement`` raises it: SQLAlchemy's
    ``DBAPIError`` subclass, or ``CommitUncertain`` for a connection lost with an
    implicit COMMIT that may have landed (``retry_lost`` false)."""
    import psycopg

    error = DBAPIError.instance(sql, params, exc, psycopg.Error, connection_invalidated=lost)
    error.__cause__ = exc
    if lost and not retry_lost:
        uncertain = CommitUncertain()
        uncertain.__cause__ = error
        return uncertain
    return error


class Workflow:
    """Engine + clock + cached configuration, shared by the service functions."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        cache_seconds: float = 30.0,
    ):
        self.engine = engine
        self.clock = clock
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: dict[str, tuple[float, Any]] = {}
        self.db_role: str | None = None  # see acting_as
        #: PostgreSQL: a report with no rows of its own is registered with its ledger row
        #: and duplicate search in one statement (``registration._register_direct``); set
        #: by the intake server, whose throughput it is for (a seat's registrations take
        #: the unit of work its session guard watches)
        self.one_statement = False
        #: the event loop's connections for ``arun_statement`` (the intake server's,
        #: opened by its lifespan: ``workflow/loop.py``); None: none
        self.statements: AsyncStatements | None = None
        #: reference rows kept per process while a NOTIFY listener runs (``lookups``);
        #: off, i.e. read every time, unless the process starts that listener
        self.lookups = Lookups()

    def acting_as(self, db_role: str) -> Workflow:
        """This workflow (same engine, clock and caches), every unit of work of which runs
        as the database role ``db_role`` (``SET LOCAL ROLE``): how a server connected as its
        own NOINHERIT login acts for the user a request comes from (docs/security.md)."""
        other = copy.copy(self)
        other.db_role = db_role
        return other

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def now(self) -> dt.datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the workflow clock must return aware UTC datetimes")
        return moment.astimezone(dt.UTC)

    @contextmanager
    def transaction(self, *, actor_checked: bool = False) -> Iterator[Session]:
        """One all-or-nothing write unit of work (BEGIN IMMEDIATE on SQLite);
        ``actor_checked``: the unit checks its acting user itself (``models.db``)."""
        check_may_block()
        with write_transaction(self.engine, actor_checked=actor_checked) as session:
            self._set_role(session)
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads, as the role of ``acting_as`` when there is one."""
        check_may_block()
        with Session(self.engine) as session:
            self._set_role(session)
            yield session

    @contextmanager
    def reading_on_demand(self) -> Iterator[Session]:
        """A stand-in for a ``reading`` session that opens one only when something is
        asked of it: for a unit whose reads all come from the process's caches while
        they are warm (``lookups``, the settings, the calendar) and need the database
        only on a miss (``registration``'s one-statement path)."""
        lazy = _OnDemand(self)
        try:
            yield lazy  # type: ignore[misc]
        finally:
            lazy.close()

    def _set_role(self, session: Session) -> None:
        """``SET LOCAL ROLE`` to ``db_role`` (the role name passed as a value) as the unit's
        first statement. On psycopg it is sent with the transaction's BEGIN in one round
        trip (pipeline mode) on the session's own connection, without SQLAlchemy's
        execution machinery: psycopg otherwise sends BEGIN on its own and waits, then the
        statement — two round trips and ~0.2–0.3 ms of the server's CPU per unit of work
        (docs/performance.md, "Intake server", 2026-12-06 09:57–10:45). Its execute events
        still fire (``before_cursor_execute``/``after_cursor_execute``, see
        ``_has_execute_events``), and a database error is raised as SQLAlchemy raises it
        (``driver_errors.raise_as_sqlalchemy``, as ``direct.insert_row`` does): a
        connection lost here is invalidated and flagged, so ``write`` runs the unit once
        more on a fresh one, as before."""
        if self.db_role is None:
            return
        conn = session.connection()
        if conn.dialect.driver != "psycopg":
            session.execute(text("SELECT set_config('role', :r, true)"), {"r": self.db_role})
            return
        import psycopg

        params = (self.db_role,)
        events = _has_execute_events(conn)
        pg = conn.connection.driver_connection
        try:
            if events:
                conn.dispatch.before_cursor_execute(conn, None, _SET_ROLE, params, None, False)
            with pg.pipeline():
                pg.execute(_SET_ROLE, params, prepare=True)
            if events:
                conn.dispatch.after_cursor_execute(conn, None, _SET_ROLE, params, None, False)
        except psycopg.Error as exc:
            raise_as_sqlalchemy(conn, exc, _SET_ROLE, params)

    def write(self, body: Callable[[Session], T], *, actor_checked: bool = False) -> T:
        """``body(session)`` in one write transaction, committed when it returns.

        If the connection turns out to be lost while ``body`` runs (a restarted server, a
        connection the pool had not pinged), the server has rolled everything back, so
        the whole unit runs once more on a fresh connection. A connection lost during
        COMMIT itself is not retried: whether the unit landed is unknown, so it raises
        ``CommitUncertain`` and the seat re-reads the case."""
        for last in (False, True):
            committing = False
            try:
                with self.transaction(actor_checked=actor_checked) as session:
                    try:
                        result = body(session)
                    except DBAPIError as exc:
                        if last or not exc.connection_invalidated:
                            raise
                        raise _LostBeforeCommit() from exc
                    committing = True
            except _LostBeforeCommit:
                continue
            except DBAPIError as exc:
                if committing and exc.connection_invalidated:
                    raise CommitUncertain() from exc
                if exc.connection_invalidated and not last:
                    continue  # lost at the unit's first statement (SET LOCAL ROLE): nothing ran
                raise
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def run_statement(self, sql: str, params: dict, *, retry_lost: bool) -> list[tuple]:
        """PostgreSQL: one statement (``sql``, psycopg's placeholders) as a transaction of
        its own — autocommit: Parse, Bind, Execute and Sync in one message, its implicit
        transaction committed with it — as a server-side prepared statement; its rows. A
        statement that acts as the role of ``acting_as`` switches to it itself (a
        function that takes the role: ``dbrules/registration_sql``), in the same
        transaction. For the registration's two statements: psycopg's pipeline mode, which
        sent BEGIN, the role switch, the statement and COMMIT in one round trip before,
        cost the client 90–130 µs of CPU per call where this costs 15–30 µs
        (docs/performance.md).

        A connection lost before the answer runs the statement once more on a fresh one
        when ``retry_lost`` (nothing committed, or the statement may run twice: a key the
        database holds unique refuses the second); otherwise it is ``CommitUncertain`` —
        whether the implicit COMMIT landed is unknown. Database errors are raised as
        SQLAlchemy's (``DBAPIError`` subclasses), as ``write`` raises them."""
        import psycopg

        check_may_block()
        for last in (False, True):
            with self.engine.connect() as conn:
                pg = conn.connection.driver_connection
                try:
                    pg.autocommit = True
                    try:
                        cur = pg.execute(sql, params, prepare=True)
                        return cur.fetchall()
                    finally:
                        if not pg.closed:
                            pg.autocommit = False
                except psycopg.Error as exc:
                    lost = pg.broken or pg.closed
                    if lost:
                        conn.invalidate()
                    if not (lost and retry_lost and not last):
                        raise _statement_error(sql, params, exc, lost, retry_lost)
        raise AssertionError("unreachable")  # pragma: no cover

    async def arun_statement(self, sql: str, params: dict, *, retry_lost: bool
                             ) -> list[tuple]:
        """``run_statement`` from the event loop that opened ``statements`` (psycopg's
        asynchronous connection: no thread, ``workflow/loop.py``): the same statement,
        the same retry of a lost connection, the same errors. A database that cannot be
        reached raises as the engine's pool raises it (``OperationalError``)."""
        import psycopg

        assert self.statements is not None
        for last in (False, True):
            try:
                async with self.statements.connection() as pg:
                    try:
                        cur = await pg.execute(sql, params, prepare=True)
                        return await cur.fetchall()
                    except psycopg.Error as exc:
                        lost = pg.broken or pg.closed
                        if not (lost and retry_lost and not last):
                            raise _statement_error(sql, params, exc, lost,
                                                   retry_lost)
            except psycopg.OperationalError as exc:  # connecting failed: nothing was sent
                raise DBAPIError.instance(sql, params, exc, psycopg.Error,
                                          connection_invalidated=True) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def cached_calendar(self) -> WorkCalendar | None:
        """The working calendar if this process holds a fresh one (no query)."""
        hit = self._cached.get("calendar")
        return hit[1] if hit is not None and time.monotonic() - hit[0] < self.cache_seconds \
            else None

    def settings(self, session: Session) -> WorkflowSettings:
        return self._get("settings", lambda: WorkflowSettings.load(session))

    def calendar(self, session: Session) -> WorkCalendar:
        return self._get("calendar", lambda: WorkCalendar.from_session(session))

    def spatial(self, session: Session) -> SpatialIndex:
        """PostGIS queries in the caller's transaction on PostgreSQL; on SQLite an in-process
        index over the engine whose grid-cell tree is kept for ``cache_seconds``."""
        if self.backend == "postgresql":
            return spatial_index(session)
        return self._get("spatial", lambda: spatial_index(self.engine))

    def invalidate(self) -> None:
        with self._lock:
            self._cached.clear()

    def _get(self, key: str, load: Callable[[], Any]) -> Any:
        hit = self._cached.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.cache_seconds:
            return hit[1]
        value = load()
        with self._lock:
            self._cached[key] = (time.monotonic(), value)
        return value
