"""Acting as an operator's own PostgreSQL role in tests, by direct SQL or through services.

``make_logins(db)`` creates the login role of every user of a cloned database (as the
schema owner, through the account functions); ``as_login(db, login)`` is a connection of
the owner's engine that has done ``SET ROLE`` to the login — the database then sees that
operator exactly as it would on their own connection (``current_user``, row-level
security, privileges), without a password round trip per test. ``operator_workflow``
gives a ``Workflow`` whose every connection does the same, with the real clock (the
ledger trigger holds an operator's rows to the server's clock).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, event, text
from sqlalchemy.exc import DBAPIError

from seatdesk.models.db import make_engine
from seatdesk.workflow import accounts
from seatdesk.workflow import services as sd
from seatdesk.workflow.auth import hash_password

PASSWORD = "operator-pass-1"


def make_logins(db, names: list[str] | None = None) -> dict[str, str]:
    """username → login role, for ``names`` (default: every user). One argon2 hash and one
    SCRAM verifier serve every login (a salted verifier does not depend on the name):
    the suite does not pay the password hashing a dozen times per test."""
    with db.Session.begin() as s:
        users = dict(s.execute(text("SELECT username, id FROM users")).all())
        secret = {"h": _argon2(), "v": accounts.scram_verifier(s, PASSWORD)}
        return {name: s.execute(text("SELECT seatdesk_create_login(:i, :h, :v, false)"),
                                {"i": users[name], **secret}).scalar_one()
                for name in names or sorted(users)}


@functools.cache
def _argon2() -> str:
    return hash_password(PASSWORD)


@contextmanager
def as_login(db, login: str) -> Iterator[Connection]:
    """A connection acting as ``login``; everything is rolled back at the end."""
    with db.engine.connect() as conn:
        conn.exec_driver_sql(f'SET ROLE "{login}"')
        try:
            yield conn
        finally:
            conn.rollback()
            conn.exec_driver_sql("RESET ROLE")
            conn.commit()


def refused(conn: Connection, sql: str, params: dict | None = None) -> str | None:
    """The database's refusal of ``sql`` (in a savepoint), or None when it ran."""
    try:
        with conn.begin_nested():
            conn.execute(text(sql), params or {})
            conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
    except DBAPIError as exc:
        return str(exc.orig.diag.message_primary or exc.orig)
    return None


def operator_engine(db, login: str):
    engine = make_engine(db.url)

    @event.listens_for(engine, "connect")
    def _set_role(dbapi_conn, _record) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute(f'SET ROLE "{login}"')
        dbapi_conn.commit()

    return engine


def operator_workflow(db, login: str) -> sd.Workflow:
    return sd.Workflow(operator_engine(db, login), cache_seconds=0)
