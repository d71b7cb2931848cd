"""The case as the action path sees it: a plain mutable record, read with one SELECT (with
the acting user and department) and written with one versioned UPDATE plus the ledger
INSERT.

The services' ``apply`` steps read and set attributes exactly as on the ORM ``Case``;
avoiding the ORM unit of work here keeps a transition cheap enough for many seats.
The optimistic lock is explicit: ``UPDATE … WHERE id = :id AND version = :seen``; no
row updated means someone else committed first.

On PostgreSQL the two writes are one statement (``WITH moved AS (UPDATE … RETURNING id)
INSERT INTO case_ledger … SELECT … FROM moved``), and the hot statements run on the
driver connection of the session's own transaction: the SQL is compiled once by
SQLAlchemy from the models and the values pass through SQLAlchemy's own type processors,
only its per-call execution machinery is skipped (it cost three times what the driver
does; see docs/performance.md). SQLite runs the same Core statements the usual way.

An action that writes nothing but the case and its ledger row needs no transaction of its
own around them (``alone``, PostgreSQL): its read runs before any (autocommit: no BEGIN
round trip), and the combined statement, when nothing else was read or added since, is
its own transaction — one statement is atomic, and the deferred trust triggers run at its
end exactly as at a COMMIT. Two round trips a transition instead of four. Anything else
in the unit of work (a query of ``apply``, rows it added) puts the move back into an
ordinary transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from seatdesk.models import Case, Department, LedgerEntry, User

from .errors import CommitUncertain
from .ledger import LedgerRow

_CASES = Case.__table__
_LEDGER = LedgerEntry.__table__
_COLUMNS = tuple(c for c in _CASES.columns if c.key != "geom")
_NAMES = tuple(c.key for c in _COLUMNS)
_LEDGER_COLUMNS = tuple(c for c in _LEDGER.columns if c.key != "id")
_USERS, _DEPARTMENTS = User.__table__, Department.__table__
_EXTRA = (("_role", _USERS.c.role), ("_active", _USERS.c.active),
          ("_dept", _USERS.c.department_id), ("_kind", _DEPARTMENTS.c.kind))


class CaseRecord:
    """Every column of a case but its geometry, as plain attributes."""

    __slots__ = _NAMES

    def __init__(self, values: dict[str, Any]):
        for name in _NAMES:
            setattr(self, name, values.get(name))


def _select_for():
    """SELECT the case with the acting user's role/active/department and that department's
    kind (built once; executed with ``uid``, ``did``, ``cid``)."""
    joined = (_CASES.outerjoin(_USERS, _USERS.c.id == bindparam("uid"))
              .outerjoin(_DEPARTMENTS, _DEPARTMENTS.c.id == bindparam("did")))
    return (select(*_COLUMNS, *(col.label(name) for name, col in _EXTRA))
            .select_from(joined).where(_CASES.c.id == bindparam("cid")))


_SELECT_FOR = _select_for()
_SELECT = select(*_COLUMNS).where(_CASES.c.id == bindparam("cid"))
# SET columns come from the parameters of each call; the WHERE uses _id and _seen
_UPDATE = update(_CASES).where(_CASES.c.id == bindparam("_id"),
                               _CASES.c.version == bindparam("_seen"))
_INSERT = insert(_LEDGER)


def idle(session: Session) -> bool:
    """Nothing of the unit of work has reached the database yet (PostgreSQL's driver path):
    ``load`` and ``write`` may run ``alone``."""
    conn = session.connection()
    driver = _driver(conn)
    return driver is not None and driver.idle(conn)


def load(session: Session, user_id: int, department_id: int | None, case_id: int,
         alone: bool = False):
    """(record, role, active, department_id, department kind) or None if no such case;
    ``alone`` (only when ``idle``): read outside a transaction."""
    conn = session.connection()
    params = {"uid": user_id, "did": department_id, "cid": case_id}
    driver = _driver(conn)
    if driver is not None and alone:
        with driver.alone(conn):
            values = driver.select_for.first(conn, params)
    elif driver is not None:
        values = driver.select_for.first(conn, params)
    else:
        row = conn.execute(_SELECT_FOR, params).first()
        values = None if row is None else row._mapping
    if values is None:
        return None
    return (CaseRecord({name: values[name] for name in _NAMES}),
            *(values[name] for name, _ in _EXTRA))


def load_plain(session: Session, case_id: int) -> CaseRecord | None:
    row = session.connection().execute(_SELECT, {"cid": case_id}).first()
    return None if row is None else CaseRecord(dict(row._mapping))


def write(session: Session, case: CaseRecord, changed: tuple[str, ...], seen: int,
          entry: LedgerRow, alone: bool = False) -> bool:
    """Versioned UPDATE of ``changed`` columns (+ version and ledger head) and the ledger
    INSERT of ``entry``; False when another seat won the race (nothing written then).
    ``alone``: the caller's unit of work holds nothing else — when the session has nothing
    to flush and no transaction was begun, the statement commits by itself."""
    values = {name: getattr(case, name) for name in changed}
    values.update(version=seen + 1, ledger_seq=case.ledger_seq, ledger_head=case.ledger_head)
    row = {c.key: getattr(entry, c.key) for c in _LEDGER_COLUMNS}
    conn = session.connection()
    driver = _driver(conn)
    try:
        if driver is not None and alone and not (session.new or session.dirty
                                                 or session.deleted) and driver.idle(conn):
            written = driver.move_alone(conn, values, row, case.id, seen)
        elif driver is not None:
            written = driver.move(conn, values, row, case.id, seen)
        else:
            written = _move_core(conn, values, row, case.id, seen)
    except IntegrityError as exc:  # the ledger's unique (case_id, seq): a lost race
        if "case_ledger" in str(exc.orig):
            return False
        raise
    if written:
        case.version = seen + 1
    return written


def _move_core(conn: Connection, values: dict, row: dict, case_id: int, seen: int) -> bool:
    result = conn.execute(_UPDATE, {**values, "_id": case_id, "_seen": seen})
    if result.rowcount != 1:
        return False
    conn.execute(_INSERT, row)
    return True


# -- PostgreSQL: compiled once, run on the driver connection ---------------------------------
class _Statement:
    """A Core statement compiled once for a dialect, with SQLAlchemy's bind and result
    processors, executed on the DBAPI connection inside the caller's transaction.
    Driver errors come back as SQLAlchemy's exceptions; a lost connection is invalidated
    so the pool replaces it, exactly as SQLAlchemy's own execution would."""

    def __init__(self, statement, dialect: Dialect, results: tuple[tuple[str, Any], ...] = ()):
        compiled = statement.compile(dialect=dialect)
        if compiled.positional:
            raise ValueError("driver path needs a named paramstyle")
        self.sql = compiled.string
        self.binds = tuple((key, proc) for key, param in compiled.binds.items()
                           if (proc := param.type.bind_processor(dialect)) is not None)
        self.names = tuple(name for name, _ in results)
        self.results = tuple((i, proc) for i, (_, type_) in enumerate(results)
                             if (proc := type_.result_processor(dialect, None)) is not None)

    def execute(self, conn: Connection, params: dict):
        for key, proc in self.binds:
            if key in params:
                params[key] = proc(params[key])
        raw = conn.connection.driver_connection
        try:
            return raw.execute(self.sql, params)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _translate(conn, self.sql, params, exc) from exc

    def first(self, conn: Connection, params: dict) -> dict[str, Any] | None:
        row = self.execute(conn, params).fetchone()
        if row is None:
            return None
        row = list(row)
        for i, proc in self.results:
            row[i] = proc(row[i])
        return dict(zip(self.names, row, strict=True))


def _translate(conn: Connection, sql: str, params: dict, exc: Exception) -> Exception:
    """The SQLAlchemy exception the same failure would raise through ``conn.execute``."""
    dialect = conn.dialect
    dbapi_conn = conn.connection.dbapi_connection
    lost = dialect.is_disconnect(exc, dbapi_conn, None)
    if lost:
        conn.invalidate(exc)
    return DBAPIError.instance(sql, params, exc, dialect.loaded_dbapi.Error,
                               connection_invalidated=lost, dialect=dialect)


class _Driver:
    """The hot statements of one PostgreSQL dialect; the combined UPDATE + INSERT is
    compiled per set of changed columns (a few dozen in all)."""

    def __init__(self, dialect: Dialect):
        from psycopg.pq import TransactionStatus

        self._idle = TransactionStatus.IDLE
        self.dialect = dialect
        self.select_for = _Statement(
            _SELECT_FOR, dialect,
            tuple((c.key, c.type) for c in _COLUMNS) + tuple((n, c.type) for n, c in _EXTRA))
        self._moves: dict[tuple[str, ...], _Statement] = {}

    def idle(self, conn: Connection) -> bool:
        return conn.connection.driver_connection.pgconn.transaction_status == self._idle

    @contextmanager
    def alone(self, conn: Connection) -> Iterator[None]:
        """Statements in here run outside a transaction, each its own (autocommit); the
        connection is back to transactions after, or invalidated if it cannot be."""
        raw = conn.connection.driver_connection
        raw.autocommit = True
        try:
            yield
        finally:
            if raw.closed:
                pass  # lost and invalidated: the pool does not hand it out again
            elif raw.pgconn.transaction_status == self._idle:
                raw.autocommit = False
            else:  # pragma: no cover - autocommit leaves no transaction open
                conn.invalidate()

    def move_alone(self, conn: Connection, values: dict, row: dict, case_id: int,
                   seen: int) -> bool:
        """``move`` as its own transaction: committed when it returns. A connection lost
        meanwhile leaves it unknown whether it landed (``CommitUncertain``, never a retry)."""
        with self.alone(conn):
            try:
                return self.move(conn, values, row, case_id, seen)
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    raise CommitUncertain() from exc
                raise

    def move(self, conn: Connection, values: dict, row: dict, case_id: int, seen: int) -> bool:
        key = tuple(sorted(values))
        statement = self._moves.get(key)
        if statement is None:
            statement = self._moves[key] = _Statement(_move_statement(key), self.dialect)
        params = {f"u_{k}": v for k, v in values.items()}
        params.update({f"l_{k}": v for k, v in row.items()}, _id=case_id, _seen=seen)
        return statement.execute(conn, params).rowcount == 1


def _move_statement(columns: tuple[str, ...]):
    """``WITH moved AS (UPDATE cases … WHERE id AND version RETURNING id)
    INSERT INTO case_ledger (…) SELECT … FROM moved``: nothing is inserted when the
    versioned UPDATE lost the race."""
    moved = (update(_CASES)
             .where(_CASES.c.id == bindparam("_id"), _CASES.c.version == bindparam("_seen"))
             .values({_CASES.c[name]: bindparam(f"u_{name}", type_=_CASES.c[name].type)
                      for name in columns})
             .returning(_CASES.c.id).cte("moved"))
    rest = [c for c in _LEDGER_COLUMNS if c.key != "case_id"]
    return insert(_LEDGER).from_select(
        ["case_id", *(c.key for c in rest)],
        select(moved.c.id, *(bindparam(f"l_{c.key}", type_=c.type) for c in rest)))


def _driver(conn: Connection) -> _Driver | None:
    """The compiled hot statements of this engine's dialect (kept on the dialect, so they
    live as long as the engine), or None where SQLAlchemy's own execution is used."""
    dialect = conn.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return None
    found = getattr(dialect, "_seatdesk_driver", None)
    if found is None:
        found = dialect._seatdesk_driver = _Driver(dialect)
    return found
