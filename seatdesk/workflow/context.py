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
from seatdesk.models.spatial import SpatialIndex, spatial_index

from .errors import CommitUncertain
from .lookups import Lookups
from .worktime import WorkCalendar

T = TypeVar("T")


class _LostBeforeCommit(Exception):
    """The connection died inside the unit of work: the server rolled it back."""


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
        with write_transaction(self.engine, actor_checked=actor_checked) as session:
            self._set_role(session)
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads, as the role of ``acting_as`` when there is one."""
        with Session(self.engine) as session:
            self._set_role(session)
            yield session

    def _set_role(self, session: Session) -> None:
        if self.db_role is not None:  # SET LOCAL ROLE, the role name passed as a value
            session.execute(text("SELECT set_config('role', :r, true)"), {"r": self.db_role})

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
