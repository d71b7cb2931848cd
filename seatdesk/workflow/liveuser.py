"""The signed-in user's live record, checked at every transaction of a seat (reads included).

Workflow actions check the acting user's record in their own query (``actions``);
administration actions call ``data.admin.require_admin``. ``guard(engine, actor)`` makes
every other transaction on the seat's engine check it too: when an administrator has
deactivated the user, changed their role or department, or reset their password (the
record says the password must be changed: someone else may know the old one, so whoever
sits at this seat signs in again with the new one) since they signed in, the
transaction raises ``AccountChanged`` before anything is read, and the seat signs them
out (their other seats hear ``NOTIFY seatdesk_users`` within a second, or see it in
their next poll on SQLite). On PostgreSQL the database refuses them anyway (their login
is NOLOGIN and in no group); this is what makes the embedded mode and the message right.

The check is the first statement of the transaction, so it is the one that finds a pooled
connection lost to a restarted server (one handed back too recently to be pinged, see
``models.db``). Nothing of the transaction has run yet: the check asks once more, which
takes a fresh connection from the pool (SQLAlchemy revalidates an invalidated connection
outside a transaction), and the transaction goes on there. A server that is still away
raises the connect error, which the seat shows as offline and retries like any read
(``models.dberrors``); the guard never turns a lost connection into a crash.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.exc import DBAPIError

from seatdesk.models import User
from seatdesk.models.db import ACTOR_CHECKED

from .errors import WorkflowError

_USERS = User.__table__
_QUERY = select(_USERS.c.active, _USERS.c.role, _USERS.c.department_id,
                _USERS.c.must_change_password)
_GUARDS: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()


class AccountChanged(WorkflowError):
    """The signed-in user was deactivated, their role or department changed, or their
    password was reset."""

    def __init__(self) -> None:
        super().__init__("您的账号已被管理员停用、变更（角色或部门）或重置了密码，请重新登录")


def matches(row: Any, actor: Any) -> bool:
    """Whether the user record ``row`` (active, role, department_id,
    must_change_password) still is ``actor``'s. A seat works only once the password is
    changed (the sign-in asks first), so a record that says it must be changed again was
    reset by an administrator since."""
    return (row is not None and bool(row.active) and row.role == actor.role
            and row.department_id == actor.department_id
            and not row.must_change_password)


def check(conn, actor: Any) -> None:
    try:
        row = conn.execute(_QUERY.where(_USERS.c.id == actor.user_id)).first()
    except DBAPIError as exc:
        # PostgreSQL took the login out of its group: deactivated, or its password reset
        # (dbrules/accounts_sql.py) — it may not read the users any more
        if getattr(exc.orig, "sqlstate", None) == "42501":
            raise AccountChanged() from None
        raise
    if not matches(row, actor):
        raise AccountChanged()


def guarded(engine: Engine) -> bool:
    """Whether a seat's guard watches ``engine`` (a workflow action that checks its user
    itself then answers a changed account as the guard would: ``AccountChanged``)."""
    return _GUARDS.get(engine, 0) > 0


def guard(engine: Engine, actor: Any) -> Callable[[], None]:
    """Check ``actor``'s live record at the start of every transaction on ``engine`` (but
    a workflow action's, which checks it in its own first query: ``ACTOR_CHECKED``);
    returns the function that removes the check (call it at sign-out)."""

    def on_begin(conn) -> None:
        if conn.get_execution_options().get(ACTOR_CHECKED):
            return
        try:
            check(conn, actor)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            check(conn, actor)  # once more, on a fresh connection (see the module's notes)

    event.listen(engine, "begin", on_begin)
    _GUARDS[engine] = _GUARDS.get(engine, 0) + 1

    def remove() -> None:
        event.remove(engine, "begin", on_begin)
        _GUARDS[engine] = _GUARDS.get(engine, 1) - 1

    return remove
