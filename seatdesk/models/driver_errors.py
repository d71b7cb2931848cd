"""A driver error of a statement run on the DBAPI connection itself, raised as SQLAlchemy's
``Connection.execute`` raises it.

A few hot statements skip SQLAlchemy's execution machinery and run on the session's own
psycopg connection (``workflow.direct.insert_row``, ``Workflow._set_role``,
``spatial_postgis.case_candidates``). When the driver fails there, the caller gets what
SQLAlchemy's own error handling (``Connection._handle_dbapi_exception``, 2.0–2.1) gives:

- the driver error wrapped by ``DBAPIError.instance`` — ``IntegrityError``,
  ``OperationalError``… with ``.orig``, the statement and the parameters (hidden when the
  engine was made with ``hide_parameters``);
- a lost connection (``Dialect.is_disconnect``) flagged ``connection_invalidated``, the
  connection invalidated, and every pooled connection opened before it marked to be
  replaced at its next checkout (a restarted server took them all), so
  ``Workflow.write``'s second attempt gets a working one;
- otherwise the cursor closed.

Public API throughout except the pool-wide mark, ``_invalidate_pool`` (see there). What
is not done: SQLAlchemy's ``handle_error`` event hooks (seatdesk registers none) and its
rollback of a connection outside a transaction (every caller runs inside one).
"""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import Pool, PoolProxiedConnection


def raise_as_sqlalchemy(conn: Connection, exc: Exception, statement: str | None,
                        params: Any, cursor: Any = None) -> NoReturn:
    """Raise ``exc``, a DBAPI error of ``statement`` run on ``conn``'s DBAPI connection
    (with ``params``, on ``cursor`` if there was one), as ``conn.execute`` would."""
    dialect = conn.dialect
    fairy = None if conn.closed or conn.invalidated else conn.connection
    lost = (isinstance(exc, dialect.loaded_dbapi.Error) and not conn.closed
            and dialect.is_disconnect(exc, fairy, cursor))
    wrapped = DBAPIError.instance(statement, params, exc, dialect.loaded_dbapi.Error,
                                  hide_parameters=conn.engine.hide_parameters,
                                  connection_invalidated=lost, dialect=dialect)
    if lost:
        if fairy is not None:
            _invalidate_pool(conn.engine.pool, fairy, exc)
        conn.invalidate(exc)
    elif cursor is not None:
        try:
            cursor.close()
        except Exception:  # noqa: BLE001 - as SQLAlchemy's own: the error raised is exc's
            pass
    raise wrapped.with_traceback(exc.__traceback__) from exc


def _invalidate_pool(pool: Pool, fairy: PoolProxiedConnection, exc: Exception) -> None:
    """Mark every connection ``pool`` opened up to ``fairy``'s generation to be replaced
    at its next checkout, and invalidate ``fairy`` — what SQLAlchemy does on a disconnect
    (``self.engine.pool._invalidate(dbapi_conn, e)`` in ``_handle_dbapi_exception``).

    PRIVATE API, SQLAlchemy 1.4–2.1 (checked against 2.1.9): ``Pool._invalidate(
    connection, exception=None, _checkin=True)``. No public call marks a pool's older
    connections (``Pool.dispose`` closes the idle ones and drops the pool). The test
    ``tests/test_workflow_direct_insert.py::test_the_pool_private_call_is_as_pinned``
    fails if SQLAlchemy renames it or changes its parameters."""
    pool._invalidate(fairy, exc)
