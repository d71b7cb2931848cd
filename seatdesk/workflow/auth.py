"""Passwords and sign-in against the users table: argon2id, lockout after repeated failures.

This is the sign-in of the embedded SQLite mode and of a session with the schema owner's
rights (a DBA's tool, the test suite). On a PostgreSQL seat deployment operators sign in
as their own database login instead (``seatdesk.workflow.signin``); both count failures
the same way.

Failures are counted by one atomic UPDATE (``record_failure``), so concurrent wrong
attempts cannot undercount, and a success clears the count only if the account is not
locked at that instant. Every refusal — unknown user, wrong password, locked or
deactivated account — gives the same message (``FAILED``); the reason goes to the log
(``seatdesk.auth``) and the administrators' screen shows locked accounts.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Row, case, literal, select, text, update
from sqlalchemy.orm import Session

from seatdesk.models import FieldSession, User, utcnow

# argon2id, memory-hard: 64 MiB, 3 passes (RFC 9106 second recommended option)
_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2)
MAX_FAILURES = 5  # the same figures hold on PostgreSQL (seatdesk.workflow.dbrules)
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
FAILED = ("登录失败：用户名或密码错误，或账号已锁定、已停用。"
          "连续多次失败会锁定账号，请稍后再试或联系管理员")
log = logging.getLogger("seatdesk.auth")
_USERS = User.__table__
_COLUMNS = tuple(_USERS.c[name] for name in (
    "id", "username", "display_name", "role", "department_id", "active", "locked_until",
    "password_hash", "must_change_password", "partner"))


class LoginError(Exception):
    """A login or password change was refused; ``str()`` is the message for the user."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: a NUL byte cannot be in a database text or a libpq connection string (PostgreSQL would
#: refuse the statement; libpq cuts a password there), so no account's name or password
#: has one: a sign-in that gives one is refused before any database call
NUL = "\x00"
HAS_NUL = "含有不可见的空字符（NUL），请重新输入"


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be set (None when it may): length, whitespace only, NUL."""
    if not (password or "").strip():
        return "密码不能为空或只有空格"
    if NUL in password:
        return "密码" + HAS_NUL
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    return None


@dataclass(frozen=True)
class LoggedIn:
    user_id: int
    username: str
    display_name: str
    role: str
    department_id: int | None
    must_change_password: bool


def login(session: Session, username: str, password: str,
          now: dt.datetime | None = None) -> LoggedIn:
    """Check a password against the users table; count failures and lock the account
    after ``MAX_FAILURES``, each with one atomic statement in the caller's transaction —
    which the caller commits, refusal or not. All in the caller's session; a caller that
    can keep the argon2 hash out of its write transaction (the seat's sign-in,
    ``signin.sign_in``) runs the three steps itself: ``read_account``, ``check_password``
    (no database), ``record_login`` (the writes)."""
    now = now or utcnow()
    return record_login(session, check_password(read_account(session, username), username,
                                                password, now), now)


@dataclass(frozen=True)
class PasswordCheck:
    """What a sign-in found before it writes anything: the account as read, the outcome
    of the argon2 verification, and the rehashed password when the stored hash's
    parameters are out of date (computed with the hash, outside any transaction)."""

    username: str
    account: Row | None
    outcome: str  # unknown | inactive | locked | wrong | ok
    new_hash: str | None = None

    @property
    def writes(self) -> bool:
        """Whether ``record_login`` writes (an unknown or inactive user: nothing)."""
        return self.outcome not in ("unknown", "inactive")


def read_account(session: Session, username: str) -> Row | None:
    if NUL in username:  # no such account (and PostgreSQL would refuse the read)
        return None
    return session.execute(select(*_COLUMNS).where(_USERS.c.username == username)).first()


def check_password(account: Row | None, username: str, password: str,
                   now: dt.datetime) -> PasswordCheck:
    """The argon2 part of a sign-in (tens of ms and 64 MiB): no database. The same cost
    whether or not the user exists, is inactive or locked (the dummy hash)."""
    if (account is None or not account.active or account.partner
            or _locked(account.locked_until, now)):
        verify_password(_DUMMY_HASH, password)
        # a partner account never signs in (docs/security.md): refused as an inactive one
        outcome = ("unknown" if account is None
                   else "inactive" if not account.active or account.partner else "locked")
        return PasswordCheck(username, account, outcome)
    if not verify_password(account.password_hash, password):
        return PasswordCheck(username, account, "wrong")
    rehash = (hash_password(password) if _HASHER.check_needs_rehash(account.password_hash)
              else None)
    return PasswordCheck(username, account, "ok", rehash)


def record_login(session: Session, check: PasswordCheck, now: dt.datetime) -> LoggedIn:
    """Write what ``check`` found — a failure counted (one atomic UPDATE; locked at
    ``MAX_FAILURES``), or the count cleared unless the account is locked at this instant
    (then refused) and the rehashed password stored — and return the operator or raise
    ``LoginError(FAILED)``. The caller commits, refusal or not."""
    username, user = check.username, check.account
    if check.outcome in ("unknown", "inactive"):
        log.warning("sign-in refused for %r: %s", username,
                    "unknown user" if user is None else "inactive")
        raise LoginError(FAILED)
    if check.outcome == "locked":  # counted, as PostgreSQL's expired login is
        failures, _ = record_failure(session, username, now)
        log.warning("sign-in refused for %r: locked (%d in a row)", username, failures)
        raise LoginError(FAILED)
    if check.outcome == "wrong":
        failures, locked = record_failure(session, username, now)
        log.warning("sign-in refused for %r: wrong password (%d in a row%s)", username,
                    failures, ", account locked" if locked else "")
        raise LoginError(FAILED)
    if not record_success(session, user.id, now):
        log.warning("sign-in refused for %r: locked meanwhile", username)
        raise LoginError(FAILED)
    if check.new_hash is not None:  # not over a password changed since it was read
        session.execute(update(_USERS).where(_USERS.c.id == user.id,
                                             _USERS.c.password_hash == user.password_hash)
                        .values(password_hash=check.new_hash))
    return LoggedIn(user.id, user.username, user.display_name, user.role, user.department_id,
                    user.must_change_password)


def _locked(locked_until: dt.datetime | None, now: dt.datetime) -> bool:
    return locked_until is not None and locked_until > now




def record_failure(session: Session, username: str, now: dt.datetime) -> tuple[int, bool]:
    """One atomic UPDATE: count a failed sign-in and lock at ``MAX_FAILURES`` (a lock that
    has run out starts a new count). Returns (failures in a row, locked now)."""
    c = _USERS.c
    until = literal(now + LOCKOUT, c.locked_until.type)
    expired = c.locked_until.is_not(None) & (c.locked_until <= literal(now, c.locked_until.type))
    base = case((expired, 0), else_=c.failed_logins)
    statement = (update(_USERS).where(c.username == username)
                 .values(failed_logins=base + 1,
                         locked_until=case((base + 1 >= MAX_FAILURES, until),
                                           (expired, None), else_=c.locked_until))
                 .returning(c.failed_logins, c.locked_until))
    row = session.execute(statement).first()
    if row is None:
        return 0, False
    return row.failed_logins, row.locked_until is not None and row.locked_until > now


def record_success(session: Session, user_id: int, now: dt.datetime) -> bool:
    """Clear the failure count unless the account is locked at this instant (atomic)."""
    c = _USERS.c
    statement = (update(_USERS).where(c.id == user_id, c.active.is_(True),
                                      c.locked_until.is_(None) | (c.locked_until <= now))
                 .values(failed_logins=0, locked_until=None))
    return session.execute(statement).rowcount == 1


def change_password(session: Session, user_id: int, old: str, new: str,
                    keep_session: int | None = None) -> None:
    """The operator's own password, the old one checked, where the users table is the
    sign-in's (SQLite; a seat or server connected as PostgreSQL's owner — there the
    operator's own database login, if they have one, takes the new password too, or a
    seat signing in by logins would still take the old one). Their handset sessions end
    but ``keep_session`` (the handset that changed it): someone else may know the old one
    (``seatdesk_change_password`` does all this for an operator's own login)."""
    user = session.get(User, user_id)
    if user is None or not verify_password(user.password_hash, old):
        raise LoginError("原密码不正确")
    problem = password_problem(new)
    if problem:
        raise LoginError("新" + problem)
    if new == old:
        raise LoginError("新密码不能与原密码相同")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    if user.db_login and session.get_bind().dialect.name == "postgresql":
        _set_login_password(session, user.db_login, new)
    end_handset_sessions(session, user_id, keep_session)


def end_handset_sessions(session: Session, user_id: int, keep: int | None = None) -> None:
    """Revoke the user's open handset sessions but ``keep`` (a password changed or reset:
    someone else may know the old one); on PostgreSQL the account functions do the same."""
    session.execute(update(FieldSession).where(FieldSession.user_id == user_id,
                                               FieldSession.revoked_at.is_(None),
                                               FieldSession.id != (keep or 0))
                    .values(revoked_at=utcnow()))


def _set_login_password(session: Session, login: str, password: str) -> None:
    """(As the owner) the login role's password, sent as libpq's SCRAM verifier; a login
    that no longer exists is left alone."""
    from .accounts import scram_verifier

    statement = session.execute(text(
        "SELECT format('ALTER ROLE %I PASSWORD %L', rolname, CAST(:v AS text))"
        " FROM pg_roles"
        " WHERE rolname = :login"), {"v": scram_verifier(session, password),
                                     "login": login}).scalar()
    if statement:  # (the driver's own execute: no bind markers looked for in the verifier)
        session.connection().connection.driver_connection.execute(statement)


_DUMMY_HASH = hash_password("seatdesk-timing-equaliser")
