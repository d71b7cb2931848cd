"""Registering partner systems (``seatdesk partner add|list|disable|rekey``).

A partner gets its own user account (role 受理员, no usable password: it can never
sign in at a seat or a handset) so the ledger names it, an api_key shown once and
stored as a SHA-256, and for a 12345 platform a callback URL and an HMAC secret.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatdesk.models import CallbackOutbox, Partner, User, WorkOrder
from seatdesk.models.enums import CaseSource, Role
from seatdesk.models.sources import source_info
from seatdesk.workflow.dbrules import PARTNER_NO_PASSWORD

from .auth import KEY_PREFIX, digest, new_secret

KINDS = {"open311": CaseSource.ONLINE, "hotline12345": CaseSource.HOTLINE_12345}
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class PartnerError(Exception):
    """A refusal with a message for the administrator."""


@dataclass(frozen=True)
class NewPartner:
    code: str
    api_key: str
    callback_secret: str


def add_partner(session: Session, code: str, name: str, kind: str, *, source: str = "",
                callback_url: str = "") -> NewPartner:
    if not CODE.match(code):
        raise PartnerError("代码只能用小写字母、数字、- 和 _（至多 32 位）")
    if kind not in KINDS:
        raise PartnerError(f"类型只能是 {', '.join(KINDS)}")
    source = source or KINDS[kind]
    if source_info(session, source) is None:
        raise PartnerError(f"未知的案件来源：{source}（见管理员的案件来源设置）")
    if callback_url and not callback_url.startswith(("http://", "https://")):
        raise PartnerError("回调地址须以 http:// 或 https:// 开头")
    if session.scalar(select(Partner).where(Partner.code == code)) is not None:
        raise PartnerError(f"合作方 {code} 已存在")
    user = User(username=f"partner:{code}", display_name=f"接口：{name}",
                password_hash=PARTNER_NO_PASSWORD,  # and a NOLOGIN role: never signs in
                role=Role.ACCEPTOR, partner=True)  # docs/security.md
    session.add(user)
    session.flush()
    key = new_secret(KEY_PREFIX)
    secret = secrets.token_urlsafe(32) if kind == "hotline12345" else ""
    session.add(Partner(code=code, name=name, kind=kind, user_id=user.id, source=source,
                        key_hash=digest(key), callback_url=callback_url,
                        callback_secret=secret))
    return NewPartner(code, key, secret)


def give_login(session: Session, code: str) -> str | None:
    """PostgreSQL, when the database's users have their own logins (``seatdesk db logins``
    has run): the partner's login, made now — the intake server acts for a partner as its
    login, so a partner added without one was refused by the database until ``db logins``
    ran again. The login is NOLOGIN and has no password (a partner never connects itself;
    the intake login becomes it with ``SET ROLE``). None on SQLite or without logins."""
    from sqlalchemy import func

    from seatdesk.workflow import accounts

    if session.get_bind().dialect.name != "postgresql":
        return None
    if not session.scalar(select(func.count()).select_from(User)
                          .where(User.db_login.is_not(None))):
        return None
    partner = _get(session, code)
    session.flush()
    return accounts.create_login(session, partner.user_id, None, must_change=False)


def rekey(session: Session, code: str) -> str:
    """A new api_key (the old one stops working at once)."""
    partner = _get(session, code)
    key = new_secret(KEY_PREFIX)
    partner.key_hash = digest(key)
    return key


def set_active(session: Session, code: str, active: bool) -> int:
    """Switch a partner off or on; returns how many of its 12345 callbacks are waiting
    (held while it is off, sent in their order once it is on again)."""
    partner = _get(session, code)
    partner.active = active
    return session.scalar(
        select(func.count()).select_from(CallbackOutbox)
        .join(WorkOrder, WorkOrder.id == CallbackOutbox.work_order_id)
        .where(WorkOrder.partner_id == partner.id, CallbackOutbox.delivered_at.is_(None))) or 0


def list_partners(session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.code)))


def _get(session: Session, code: str) -> Partner:
    partner = session.scalar(select(Partner).where(Partner.code == code))
    if partner is None:
        raise PartnerError(f"没有合作方 {code}")
    return partner
