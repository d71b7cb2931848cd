"""Passwords and login: argon2id hashes, lockout after repeated failures (Qt-free)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import User, utcnow

# argon2id, memory-hard: 64 MiB, 3 passes (RFC 9106 second recommended option)
_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2)
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8


class LoginError(Exception):
    """A login or password change was refused; ``str()`` is the message for the user."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoggedIn:
    user_id: int
    username: str
    display_name: str
    role: str
    department_id: int | None
    must_change_password: bool


def login(session: Session, username: str, password: str, now: dt.datetime | None = None) -> LoggedIn:
    """Check a password; count failures and lock the account after ``MAX_FAILURES``."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)  # same cost whether or not the user exists
        raise LoginError("用户名或密码错误")
    if user.locked_until and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        raise LoginError(f"账号已锁定，请 {minutes} 分钟后再试或联系管理员")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            raise LoginError(f"连续 {MAX_FAILURES} 次密码错误，账号锁定 15 分钟")
        raise LoginError("用户名或密码错误")
    user.failed_logins = 0
    user.locked_until = None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoggedIn(user.id, user.username, user.display_name, user.role, user.department_id,
                    user.must_change_password)


def change_password(session: Session, user_id: int, old: str, new: str) -> None:
    user = session.get(User, user_id)
    if user is None or not verify_password(user.password_hash, old):
        raise LoginError("原密码不正确")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise LoginError(f"新密码至少 {MIN_PASSWORD_LENGTH} 位")
    if new == old:
        raise LoginError("新密码不能与原密码相同")
    user.password_hash = hash_password(new)
    user.must_change_password = False


_DUMMY_HASH = hash_password("seatdesk-timing-equaliser")
