"""One Core INSERT on the session's own psycopg connection, planned once per set of columns.

The registration writes its case and its first ledger row as single-row Core INSERTs
(``newcase._insert_case`` / ``_add_entry``). Through ``Connection.execute`` each
cost SQLAlchemy's execution machinery — cache-key lookup, execution context, parameter
processing, result wrapping — about as much CPU again as psycopg's own work
(docs/performance.md). ``insert_row`` sends the very statement SQLAlchemy compiles for
the same columns (``statement.compile(column_keys=…)``: the same SQL text, the same
``RETURNING``), with the values SQLAlchemy would send:

- a column left out gets its Python-side default as SQLAlchemy's execution context gives
  it (a scalar, or a function of no arguments such as ``utcnow``, called per row);
- every value goes through the bind processor SQLAlchemy uses for its parameter (the
  type's ``dialect_impl(dialect).bind_processor(dialect)``: UTC datetimes, geometry as
  EWKT, booleans), as ``DefaultExecutionContext`` applies them;
- a database error is raised as SQLAlchemy raises it (``models.driver_errors``:
  ``IntegrityError`` with ``.orig``, a lost connection invalidated and flagged
  ``connection_invalidated``), so ``Workflow.write``'s retry and the registration's
  ``IntegrityError`` handling see what they saw before.

Used on PostgreSQL (psycopg) only, and only for statements whose defaults are of those
two kinds; anything else (SQLite, a default that needs the execution context, a
parameter name SQLAlchemy escapes, a tuple-typed value) goes through ``Connection.execute``
as before. What these statements skip is SQLAlchemy's own: its execute and ``handle_error``
events and ``echo`` logging (seatdesk registers none for them; the engine's
``begin``/``checkout`` events still run, the statement runs inside the session's
transaction). Public SQLAlchemy API only (the compiled statement's ``binds``,
``insert_prefetch``, ``effective_returning``; ``TypeEngine.dialect_impl``).
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.types import TupleType

from seatdesk.models.driver_errors import raise_as_sqlalchemy


@dataclass(frozen=True)
class _Plan:
    sql: str
    defaults: tuple[tuple[str, Any, bool], ...]  # (key, value or function, is a function)
    processors: tuple[tuple[str, Any], ...]
    returning: bool


_PLANS: dict[tuple[int, frozenset[str]], tuple[Any, _Plan | None]] = {}
_LOCK = threading.Lock()


def insert_row(session: Session, statement, values: dict[str, Any]) -> Any:
    """Run the single-row INSERT ``statement`` with ``values`` in the session's transaction;
    the first value of its ``RETURNING`` row (the new primary key), None without one."""
    conn = session.connection()
    plan = _plan(statement, conn.dialect, values) if conn.dialect.driver == "psycopg" else None
    if plan is None:
        result = conn.execute(statement, values)
        return result.inserted_primary_key[0] if result.inserted_primary_key else None
    import psycopg  # the PostgreSQL driver (imported already by the engine)

    params = _params(plan, values)
    pg = conn.connection.driver_connection
    cursor = None
    try:
        cursor = pg.cursor()
        cursor.execute(plan.sql, params)
        row = cursor.fetchone() if plan.returning else None
    except psycopg.Error as exc:  # as SQLAlchemy raises it
        raise_as_sqlalchemy(conn, exc, plan.sql, params, cursor)
    finally:
        if cursor is not None:
            cursor.close()
    return row[0] if row is not None else None


def row_values(statement, dialect, values: dict[str, Any]) -> dict[str, Any] | None:
    """The parameters ``insert_row`` would send for ``values`` on ``dialect`` (psycopg):
    every column's value with its default and through its bind processor, keyed by
    column key; None for a statement ``insert_row`` leaves to SQLAlchemy. For a caller
    that sends the row another way (``registration``'s one-statement rows, as JSON)."""
    plan = _plan(statement, dialect, values)
    return None if plan is None else _params(plan, values)


def _params(plan: _Plan, values: dict[str, Any]) -> dict[str, Any]:
    params = dict(values)
    for key, default, call in plan.defaults:
        if key not in params:
            params[key] = default() if call else default
    for key, process in plan.processors:
        params[key] = process(params[key])
    return params


def _plan(statement, dialect, values: dict[str, Any]) -> _Plan | None:
    key = (id(statement), frozenset(values))
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is statement:
        return hit[1]
    plan = _make_plan(statement, dialect, list(values))
    with _LOCK:
        _PLANS[key] = (statement, plan)
    return plan


def _make_plan(statement, dialect, keys: list[str]) -> _Plan | None:
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    if compiled.escaped_bind_names or compiled.positional:
        return None
    defaults = []
    for column in compiled.insert_prefetch:
        default = column.default
        if default is None:
            return None
        if default.is_scalar:
            defaults.append((column.key, default.arg, False))
        elif default.is_callable and (function := _no_argument_function(default.arg)):
            defaults.append((column.key, function, True))
        else:
            return None  # it needs SQLAlchemy's execution context
    names = set(compiled.bind_names.values())
    if names != set(keys) | {k for k, _, _ in defaults}:
        return None  # literal or extra binds: leave it to SQLAlchemy
    processors = []
    for name, param in compiled.binds.items():
        if isinstance(param.type, TupleType):
            return None  # processed per element by SQLAlchemy
        process = param.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    return _Plan(str(compiled), tuple(defaults), tuple(processors),
                 bool(compiled.effective_returning))


def _no_argument_function(arg):
    """The function of no arguments a callable column default was declared with, or None.

    SQLAlchemy keeps such a function wrapped as ``lambda ctx: fn()`` (``ColumnDefault.arg``,
    made with ``functools.update_wrapper``, so its ``__wrapped__`` is ``fn``) and keeps a
    function that takes the execution context as it is. The wrapped function is called
    here directly, as the wrapper would; one that still wants a positional argument (a
    decorated function of the context) stays with SQLAlchemy."""
    function = getattr(arg, "__wrapped__", None)
    if function is None:
        return None
    try:
        parameters = inspect.signature(function, follow_wrapped=False).parameters.values()
    except (TypeError, ValueError):
        return function  # a builtin: SQLAlchemy wraps those it cannot inspect
    if any(p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
           for p in parameters):
        return None
    return function
