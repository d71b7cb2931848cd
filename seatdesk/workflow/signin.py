"""Signing in an operator, on whatever database the seat is configured for (Qt-free).

Two modes, chosen by what the configured connection is (``mode``):

- ``users``: embedded SQLite, or a PostgreSQL connection with the schema owner's rights
  (a DBA's tool, demos, the test suite): the password is checked against the argon2
  hash of the users table (``auth.check_password``, outside any transaction) and the operator works on the configured
  engine.
- ``logins``: a PostgreSQL seat deployment, configured with the ``seatdesk_gate`` login
  (no password in the workstation's configuration). The password is PostgreSQL's to
  check: the gate names the operator's login (``seatdesk_gate_login``), the seat
  connects as that login with the password — SCRAM-SHA-256, the password never leaves
  the seat in any other form — and ``seatdesk_signed_in()`` returns the operator's live
  record. A refused connection is counted through the gate
  (``seatdesk_gate_failed``: one atomic UPDATE; at five the login's password is expired
  for 15 minutes, so PostgreSQL itself refuses it). The operator's own engine is what
  the seat then works on; the seat disposes it at sign-out.

Every refusal raises ``LoginError(auth.FAILED)``: the same words for an unknown user, a
wrong password, a locked or a deactivated account (the reason goes to the log).
"""

from __future__ import annotations

import logging
from contextlib import nullcontext

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from seatdesk.models import utcnow
from seatdesk.models.db import make_engine, session_factory, write_transaction

from . import accounts, auth
from .auth import FAILED, NUL, LoggedIn, LoginError, hash_password, password_problem

log = logging.getLogger("seatdesk.auth")
#: how PostgreSQL words a refused login (a failed connection carries no SQLSTATE in libpq):
#: wrong or expired password, NOLOGIN, no pg_hba entry, and zh_CN's "认证失败"
_REFUSED = ("password authentication failed", "is not permitted to log in",
            "no pg_hba.conf entry", "认证失败", "不允许登录")


def mode(engine: Engine) -> str:
    """``users`` (sign in against the users table) or ``logins`` (database logins)."""
    if engine.dialect.name != "postgresql":
        return "users"
    with engine.connect() as conn:
        trusted = conn.execute(text(
            "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c"
            " WHERE c.oid = to_regclass('public.users')")).scalar()
    return "users" if trusted else "logins"


def centre_name(engine: Engine) -> str:
    """The centre's name for the sign-in dialog (the gate may read just that)."""
    from seatdesk.models import get_setting
    from seatdesk.models.settings import DEFAULT_SETTINGS

    if mode(engine) == "logins":
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT seatdesk_gate_centre()")).scalar_one()
        return stored or str(DEFAULT_SETTINGS["centre_name"])

    with session_factory(engine)() as session:
        return str(get_setting(session, "centre_name"))


class SignedIn:
    """An operator signed in: who they are and the engine they work on."""

    def __init__(self, user: LoggedIn, engine: Engine, owned: bool):
        self.user, self.engine, self.owned = user, engine, owned

    @property
    def sessions(self):
        return session_factory(self.engine)

    def change_password(self, old: str, new: str) -> None:
        """Change the operator's own password (the old one is checked first)."""
        if not self.owned:
            with self.sessions.begin() as session:
                from .auth import change_password

                change_password(session, self.user.user_id, old, new)
            return
        problem = password_problem(new)
        if problem:
            raise LoginError("新" + problem)
        if new == old:
            raise LoginError("新密码不能与原密码相同")
        _check_password(self.engine, old)
        with self.sessions.begin() as session:
            session.execute(text("SELECT seatdesk_change_password(:h, :v)"),
                            {"h": hash_password(new),
                             "v": accounts.scram_verifier(session, new)})
        replaced, self.engine = self.engine, _operator_engine(self.engine, None, new)
        replaced.dispose()

    def close(self) -> None:
        """Sign-out: the operator's own connections are closed (the configured one stays)."""
        if self.owned:
            self.engine.dispose()


def sign_in(engine: Engine, username: str, password: str) -> SignedIn:
    if mode(engine) == "users":
        return SignedIn(_sign_in_with_users_table(engine, username, password), engine,
                        owned=False)
    return _sign_in_with_login(engine, username, password)


def _sign_in_with_users_table(engine: Engine, username: str, password: str) -> LoggedIn:
    """Read the account, verify (and rehash) the password with no transaction open — the
    argon2 hash takes tens of ms and 64 MiB, and fifty seats sign in at shift change: a
    transaction around it would hold a connection, on SQLite the database's write lock and
    on PostgreSQL (rehash) the user's row for that time — then write what it found in a
    short write transaction, committed refusal or not (the count). The writes are the
    same atomic statements as ``auth.login``'s, so the lockout holds as before: the lock is
    checked again where the success is recorded (``record_success``)."""
    now = utcnow()
    with Session(engine) as session:
        account = auth.read_account(session, username)
    checked = auth.check_password(account, username, password, now)
    refused = user = None
    with write_transaction(engine) if checked.writes else nullcontext() as session:
        try:
            user = auth.record_login(session, checked, now)
        except LoginError as exc:
            refused = exc
    if refused is not None:
        raise refused
    return user


def check_login(gate: Engine, username: str, password: str) -> LoggedIn:
    """The ``logins`` sign-in without keeping the operator's engine: the intake server
    (connected as its own login, which may run the gate's two functions) checks a
    handset's password exactly as a seat does — PostgreSQL checks it, the gate counts a
    refusal — and then acts as that user's login by ``SET ROLE``."""
    signed = _sign_in_with_login(gate, username, password)
    signed.close()
    return signed.user


def _sign_in_with_login(gate: Engine, username: str, password: str) -> SignedIn:
    if NUL in username or NUL in password:  # no login has one; the gate could not say so
        log.warning("sign-in refused for %r: a NUL byte in the name or password", username)
        raise LoginError(FAILED)
    with gate.begin() as conn:
        name = conn.execute(text("SELECT seatdesk_gate_login(:u)"), {"u": username}).scalar_one()
    operator = _operator_engine(gate, name, password)
    try:
        with operator.begin() as conn:
            row = conn.execute(text("SELECT * FROM seatdesk_signed_in()")).first()
    except OperationalError as exc:
        operator.dispose()
        if not _refused(exc):
            raise  # the server is down or refused for another reason: not a wrong password
        with gate.begin() as conn:
            conn.execute(text("SELECT seatdesk_gate_failed(:u)"), {"u": username})
        log.warning("sign-in refused for %r: %s", username, str(exc.orig).strip())
        raise LoginError(FAILED) from None
    if row is None:
        operator.dispose()
        log.warning("sign-in refused for %r: locked or inactive", username)
        raise LoginError(FAILED)
    user = LoggedIn(row.id, row.username, row.display_name, row.role, row.department_id,
                    row.must_change_password)
    return SignedIn(user, operator, owned=True)


def _operator_engine(base: Engine, login_name: str | None, password: str) -> Engine:
    url = make_url(base.url)
    url = url.set(username=login_name or url.username, password=password)
    return make_engine(url.render_as_string(hide_password=False))


def _check_password(engine: Engine, password: str) -> None:
    if NUL in password:
        raise LoginError("原密码不正确")
    probe = _operator_engine(engine, None, password)
    try:
        with probe.connect():
            pass
    except OperationalError as exc:
        if _refused(exc):
            raise LoginError("原密码不正确") from None
        raise
    finally:
        probe.dispose()


def _refused(exc: DBAPIError) -> bool:
    message = str(exc.orig)
    return any(words in message for words in _REFUSED)
