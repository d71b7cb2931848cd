"""Credentials: handset bearer tokens and partner api_keys, both stored as SHA-256.

Both secrets are 256-bit random strings made here, so a fast digest is enough (no
dictionary to guess from); passwords stay argon2id (``workflow.auth``). Every check reads
the live user record — or, in a server whose NOTIFY listener is live, the record as it
was at the last notification (``workflow/lookups.py``: a revoked session, a deactivated
or moved user, a partner switched off empty the cache): a deactivated supervisor or a
partner switched off loses access at the next request after the change reaches the
process, whatever token it holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Boolean, Integer, String, bindparam, select, text, update
from sqlalchemy.orm import Session

from seatdesk.models import FieldEvent, FieldSession, Partner, User, UTCDateTime
from seatdesk.models.enums import Role
from seatdesk.workflow.auth import (
    LoggedIn,
    LoginError,
    PasswordCheck,
    check_password,
    read_account,
    record_login,
)

from .identity import FIELD, PARTNER, Principal, field_channel, partner_channel

TOKEN_PREFIX, KEY_PREFIX = "sdf_", "sdk_"
#: a partner kind as a message names its interface
INTERFACE = {"open311": "Open311 接口", "hotline12345": "12345 工单接口"}
KEY_REFUSED = "api_key 无效或已停用：请核对密钥（可能已更换），或联系指挥中心"
#: where each kind of partner sends its api_key
KEY_MISSING = {
    "open311": "缺少 api_key：提交时请在表单字段 api_key 中带上指挥中心签发的密钥",
    "hotline12345": "缺少 api_key：请在请求头 X-Api-Key 中带上指挥中心签发的密钥",
}


class Unauthorized(Exception):
    """No valid credential; ``str()`` is the message for the caller."""


class Forbidden(Exception):
    """A valid credential without the right for this; ``str()`` says why."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


# -- handsets ---------------------------------------------------------------------------
def sign_in(session: Session, username: str, password: str, device_id: str,
            now: dt.datetime, ttl: dt.timedelta) -> tuple[str, dt.datetime, LoggedIn]:
    """Check the password (lockout counted as at a seat) and open a handset session.
    The caller commits even when this raises ``LoginError`` (the failure count)."""
    return signed_in(session, check_password(read_account(session, username), username,
                                             password, now), device_id, now, ttl)


def signed_in(session: Session, check: PasswordCheck, device_id: str, now: dt.datetime,
              ttl: dt.timedelta) -> tuple[str, dt.datetime, LoggedIn]:
    """``sign_in``'s writes, for a password checked (``check_password``: argon2) before
    the write transaction began, as the seat's sign-in does (``workflow.signin``). A
    password that must be changed gets its attendance row at the change (``sign_in_event``:
    the handset works from then on; on PostgreSQL the login may write nothing before)."""
    user = record_login(session, check, now)
    if user.role != Role.SUPERVISOR:
        raise Forbidden("城管通只供监督员登录")
    token = new_secret(TOKEN_PREFIX)
    expires = now + ttl
    session.add(FieldSession(token_hash=digest(token), user_id=user.user_id,
                             device_id=device_id, created_at=now, expires_at=expires))
    if not user.must_change_password:
        sign_in_event(session, user.user_id, device_id, now)
    return token, expires, user


def open_session(session: Session, user_id: int, device_id: str, now: dt.datetime,
                 ttl: dt.timedelta) -> tuple[str, dt.datetime]:
    """A new handset token for a supervisor whose password was checked elsewhere
    (``workflow.signin.check_login``): the server's own bookkeeping, no attendance row —
    that one is written as the supervisor (``sign_in_event``)."""
    token = new_secret(TOKEN_PREFIX)
    expires = now + ttl
    session.add(FieldSession(token_hash=digest(token), user_id=user_id, device_id=device_id,
                             created_at=now, expires_at=expires))
    return token, expires


def sign_in_event(session: Session, user_id: int, device_id: str, now: dt.datetime) -> None:
    session.add(FieldEvent(user_id=user_id, at=now, kind="sign_in", device_id=device_id))


#: a token's session and user (built once: every handset request without a kept grant
#: runs it): on PostgreSQL through the owner's function, so no login reads the tokens'
#: hashes (``dbrules/intake_sql.py``, migration 0022); the same columns from the tables on
#: SQLite (one trusted process: no roles)
_FIELD_SESSION_BY_TOKEN = text(
    "SELECT * FROM seatdesk_field_session_by_token(:token_hash)").columns(
    session_id=Integer(), device_id=String(), expires_at=UTCDateTime(),
    revoked_at=UTCDateTime(), user_id=Integer(), username=String(), role=String(),
    active=Boolean(), department_id=Integer(), must_change_password=Boolean())
_FIELD_SESSION = (
    select(FieldSession.id.label("session_id"), FieldSession.device_id,
           FieldSession.expires_at, FieldSession.revoked_at, User.id.label("user_id"),
           User.username, User.role, User.active, User.department_id,
           User.must_change_password)
    .join(User, User.id == FieldSession.user_id)
    .where(FieldSession.token_hash == bindparam("token_hash")))


@dataclass(frozen=True)
class FieldGrant:
    """A valid token's principal and its expiry: what the process's cache keeps (the
    expiry is checked at every request, so a kept grant never outlives its token)."""

    principal: Principal
    expires_at: dt.datetime

    @property
    def must_change(self) -> bool:
        """The password was given by someone else (``db logins``, an administrator's
        reset): only changing it, signing out and who-am-I are answered
        (``context.field_user``)."""
        return self.principal.must_change


def field_grant(session: Session, token_hash: str) -> FieldGrant:
    """The supervisor behind a token's hash, checked against the live user record (not
    against the clock: ``field_principal`` does that); ``Unauthorized`` if refused."""
    query = _FIELD_SESSION_BY_TOKEN if session.get_bind().dialect.name == "postgresql" \
        else _FIELD_SESSION
    row = session.execute(query, {"token_hash": token_hash}).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("登录已失效，请重新登录")
    if not row.active or row.role != Role.SUPERVISOR:
        raise Unauthorized("账号已停用或不再是监督员，请联系指挥中心")
    return FieldGrant(Principal(FIELD, row.user_id, row.role, row.department_id, row.username,
                                field_channel(row.device_id), session_id=row.session_id,
                                must_change=bool(row.must_change_password)),
                      row.expires_at)


def field_principal(session: Session, token: str, now: dt.datetime) -> Principal:
    """The supervisor behind a bearer token, checked against the live user record."""
    return checked(field_grant(session, digest(token)), now)


def checked(grant: FieldGrant, now: dt.datetime) -> Principal:
    """The grant's principal if its token has not expired by ``now``."""
    if grant.expires_at <= now:
        raise Unauthorized("登录已过期，请重新登录")
    return grant.principal


def sign_out(session: Session, principal: Principal, now: dt.datetime) -> None:
    """Revoke the token (the server's own bookkeeping): its session is found by the id
    its check returned, so the intake login needs no read of the tokens' hashes (it reads
    ``field_sessions.id`` only); ``sign_out_event`` is the supervisor's attendance row,
    written as the supervisor."""
    session.execute(update(FieldSession).where(FieldSession.id == principal.session_id)
                    .values(revoked_at=now))


def sign_out_event(session: Session, principal: Principal, now: dt.datetime) -> None:
    device = principal.channel.partition("/")[2]
    session.add(FieldEvent(user_id=principal.user_id, at=now, kind="sign_out", device_id=device))


# -- partners ---------------------------------------------------------------------------
def partner_principal(session: Session, api_key: str, kind: str) -> Principal:
    """The partner system behind an api_key (its account must be active)."""
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(_PARTNER_BY_KEY, {"h": digest(api_key)}).first()
    else:  # (one trusted process: no roles)
        row = session.execute(_PARTNER_ROW.where(Partner.key_hash == digest(api_key))).first()
    if row is None or not row.active or not row.user_active:
        raise Forbidden(KEY_REFUSED)
    if row.kind != kind:
        raise Forbidden(f"此 api_key 是 {INTERFACE.get(row.kind, row.kind)}的，不能用于 "
                        f"{INTERFACE.get(kind, kind)}：请改用为它签发的 api_key")
    return Principal(PARTNER, row.user_id, row.role, row.department_id, row.code,
                     partner_channel(row.kind, row.code), partner_id=row.partner_id,
                     source=row.source)


#: a presented key's partner: on PostgreSQL through the owner's function, so no login
#: reads the key hashes (``dbrules/intake_sql.py``, migration 0021); the same columns
#: from the tables on SQLite
_PARTNER_BY_KEY = text("SELECT * FROM seatdesk_partner_by_key(:h)")
_PARTNER_ROW = (
    select(Partner.id.label("partner_id"), Partner.code, Partner.kind, Partner.source,
           Partner.active, User.id.label("user_id"), User.role,
           User.active.label("user_active"), User.department_id)
    .join(User, User.id == Partner.user_id))


__all__ = ["FieldGrant", "Forbidden", "LoginError", "Unauthorized", "checked", "digest",
           "field_grant", "field_principal", "new_secret", "open_session", "partner_principal",
           "sign_in", "sign_in_event", "sign_out", "sign_out_event"]
