"""Users, roles, supervisors' positions and the centre's common phrases (常用语)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .geometry import GeometryType
from .reference import Department


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    # argon2id; deferred: operators' database roles may not read it (docs/security.md)
    password_hash: Mapped[str] = mapped_column(String(200), deferred=True)
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # PostgreSQL: this user's own login role (``<prefix><username>``, see models/trust.py);
    # None until ``seatdesk db logins`` or an administrator creates it
    db_login: Mapped[str | None] = mapped_column(String(63), unique=True, index=True)
    # a partner system's account (12345 platform, public app …): its login is in the
    # ``seatdesk_partner`` group, which may only register reports from outside sources
    partner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()


class SupervisorPosition(Base):
    """Last known positions of field supervisors (监督员), one row per fix."""

    __tablename__ = "supervisor_positions"
    __table_args__ = (Index("ix_supervisor_positions_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lon: Mapped[float] = mapped_column()
    lat: Mapped[float] = mapped_column()
    geom = mapped_column(GeometryType("POINT"), nullable=False)
    accuracy_m: Mapped[float | None] = mapped_column()


class CommonPhrase(Base):
    """常用语 the centre maintains for reasons and descriptions."""

    __tablename__ = "common_phrases"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    text: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
