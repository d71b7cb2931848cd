"""Accounts on both backends: create, change, (de)activate users and set their passwords.

Embedded SQLite: rows of ``users`` with argon2id hashes (single-operator trust: whoever
can open the file can change it; docs/security.md).

PostgreSQL: every change goes through the SECURITY DEFINER functions of
``dbrules.accounts_sql`` — they check the caller's live record in the database and keep
each operator's own login role (password, LOGIN/NOLOGIN, group membership) in step with
the row. The password is sent as a SCRAM-SHA-256 verifier computed here by libpq and
as the argon2id hash of the users table, never as plain text.

Callers own the transaction (nothing here commits). Validation with good messages is
the caller's (``seatdesk.data.admin``); the database refuses anyway.
"""

from __future__ import annotations

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from seatdesk.models import User

from .auth import HAS_NUL, NUL, end_handset_sessions, hash_password


class AccountRefused(Exception):
    """The database refused an account change: ``str()`` is the Chinese message."""


PARTNER_KEEPS_ITS_ROLE = "这是接口账号（合作方系统），角色固定为受理员，不能修改"
PARTNER_HAS_NO_PASSWORD = "这是接口账号（合作方系统），没有密码，不能登录：它的接口密钥用 seatdesk partner rekey 更换"


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def scram_verifier(session: Session, password: str, login: str = "") -> str:
    """The SCRAM-SHA-256 verifier of ``password``, computed by libpq on the client (which
    would cut a password at a NUL byte: refused, whoever forgot ``password_problem``)."""
    if NUL in password:
        raise AccountRefused("密码" + HAS_NUL)
    pgconn = session.connection().connection.driver_connection.pgconn
    return pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256").decode()


def _call(session: Session, sql: str, params: dict):
    """Run an account function; the database's refusal becomes ``AccountRefused``."""
    try:
        with session.begin_nested():
            return session.execute(text(sql), params).scalar()
    except DBAPIError as exc:
        raise AccountRefused(_message(exc)) from exc


def _message(exc: DBAPIError) -> str:
    detail = str(getattr(exc.orig, "diag", None) and exc.orig.diag.message_primary or exc.orig)
    if "only an active administrator" in detail or "only the schema owner" in detail:
        return "数据库拒绝：只有在职的管理员可以修改账号"
    if "at least one active administrator" in detail:
        return "至少要保留一个启用的管理员账号"
    if "deactivates their own" in detail:
        return "不能停用自己的账号"
    if "already exists" in detail or "duplicate key" in detail:
        return "该用户名或数据库登录名已存在"
    if "keeps the acceptor role" in detail:
        return PARTNER_KEEPS_ITS_ROLE
    if "is a partner account" in detail:
        return PARTNER_HAS_NO_PASSWORD
    if "longer than 63" in detail:
        return "用户名太长：数据库登录名（前缀+用户名）不能超过63字节"
    return "数据库拒绝了账号修改"


def create_account(session: Session, *, username: str, display_name: str, role: str,
                   password: str, department_id: int | None = None, phone: str = "",
                   must_change: bool = True) -> int:
    """A new active user (and on PostgreSQL their login role); returns the user id."""
    argon = hash_password(password)
    if not _pg(session):
        user = User(username=username, display_name=display_name, password_hash=argon,
                    role=role, department_id=department_id, phone=phone, active=True,
                    must_change_password=must_change)
        session.add(user)
        session.flush()
        return user.id
    return _call(session, "SELECT seatdesk_admin_create_user(:u, :n, :r, :d, :p, :h, :v, :m)",
                 {"u": username, "n": display_name, "r": role, "d": department_id,
                  "p": phone, "h": argon, "v": scram_verifier(session, password, username),
                  "m": must_change})


def update_account(session: Session, user_id: int, *, display_name: str, role: str,
                   department_id: int | None, phone: str) -> None:
    if not _pg(session):
        if session.scalar(select(User.id).where(User.id == user_id, User.partner.is_(True),
                                                User.role != role)) is not None:
            raise AccountRefused(PARTNER_KEEPS_ITS_ROLE)
        session.execute(update(User).where(User.id == user_id).values(
            display_name=display_name, role=role, department_id=department_id, phone=phone))
        return
    _call(session, "SELECT seatdesk_admin_update_user(:i, :n, :r, :d, :p)",
          {"i": user_id, "n": display_name, "r": role, "d": department_id, "p": phone})


def set_account_active(session: Session, user_id: int, active: bool) -> None:
    """(De)activate; on PostgreSQL the login is NOLOGIN and leaves its group at once."""
    if not _pg(session):
        session.execute(update(User).where(User.id == user_id).values(active=active))
        return
    _call(session, "SELECT seatdesk_admin_set_active(:i, :a)", {"i": user_id, "a": active})


def reset_account_password(session: Session, user_id: int, password: str) -> None:
    """A temporary password, unlocked, to be changed at the next sign-in; the user's
    handset sessions end (a reset is what an administrator does for a lost phone)."""
    if not _pg(session):
        if session.scalar(select(User.partner).where(User.id == user_id)):
            raise AccountRefused(PARTNER_HAS_NO_PASSWORD)
        session.execute(update(User).where(User.id == user_id).values(
            password_hash=hash_password(password), must_change_password=True,
            failed_logins=0, locked_until=None))
        end_handset_sessions(session, user_id)
        return
    argon = hash_password(password)
    _call(session, "SELECT seatdesk_admin_reset_password(:i, :h, :v)",
          {"i": user_id, "h": argon, "v": scram_verifier(session, password)})


def create_login(session: Session, user_id: int, password: str | None,
                 must_change: bool = True) -> str:
    """PostgreSQL: (re)create the user's login role with ``password``; returns its name.
    A partner account's login takes no password (``None``; one given is not used): it is
    NOLOGIN, and the intake server becomes it with ``SET ROLE``."""
    given = password is not None
    return _call(session, "SELECT seatdesk_create_login(:i, :h, :v, :m)",
                 {"i": user_id, "h": hash_password(password) if given else None,
                  "v": scram_verifier(session, password) if given else None,
                  "m": must_change})


def end_sessions(session: Session, user_id: int) -> int:
    """PostgreSQL: end the user's open database sessions (run after the change committed,
    so their seats first hear ``NOTIFY seatdesk_users``); returns how many."""
    if not _pg(session):
        return 0
    return int(_call(session, "SELECT seatdesk_admin_end_sessions(:i)", {"i": user_id}) or 0)


def login_prefix(session: Session) -> str:
    return session.execute(text("SELECT seatdesk_login_prefix()")).scalar_one()


def set_login_prefix(session: Session, prefix: str) -> str:
    """PostgreSQL, schema owner only: the prefix of this database's login roles ('' = the
    database's name and a dot); returns the prefix in force."""
    return _call(session, "SELECT seatdesk_set_login_prefix(:p)", {"p": prefix})


def count_admins(session: Session, except_id: int | None = None) -> int:
    query = select(func.count()).select_from(User).where(User.role == "admin",
                                                        User.active.is_(True))
    if except_id is not None:
        query = query.where(User.id != except_id)
    return session.scalar(query) or 0
