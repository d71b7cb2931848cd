"""What the intake server (``seatdesk serve``) keeps: handset sessions and attendance,
partner systems with their hashed keys, the Open311 requests and 12345 work orders they
sent, and the durable outbox of callbacks to the 12345 platform.

A callback is queued by the database itself: a trigger on ``case_ledger`` (migration
0006) inserts one ``callback_outbox`` row when a ledger row's action is listed in
``callback_events`` and its case came in as a 12345 work order, in the same transaction
as the workflow action, whoever performed it (a seat, the server, a script).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class FieldSession(Base):
    """A supervisor's handset sign-in: the SHA-256 of a random bearer token, until
    ``expires_at`` or ``revoked_at``. The user record is checked on every request."""

    __tablename__ = "field_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class FieldEvent(Base):
    """Attendance and sign-in log of the handsets (上下班打卡): sign_in, sign_out, on_duty,
    off_duty, with the device and, when known, the position."""

    __tablename__ = "field_events"
    __table_args__ = (Index("ix_field_events_user_id_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    device_id: Mapped[str] = mapped_column(String(64), default="")
    lon: Mapped[float | None] = mapped_column()
    lat: Mapped[float | None] = mapped_column()


class Partner(Base):
    """A partner system (an Open311 client such as a FixMyStreet site, or the 12345
    platform). Its api_key is stored as a SHA-256 (keys are 256-bit random); it acts
    as its own user account (``user_id``), so the ledger names it."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # open311 | hotline12345
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(20))  # the case source of its reports
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    callback_url: Mapped[str] = mapped_column(String(500), default="")
    callback_secret: Mapped[str] = mapped_column(String(128), default="")  # HMAC key


class PartnerRequest(Base):
    """An Open311 service request: the case it became, the partner's own id and the
    token handed back."""

    __tablename__ = "partner_requests"
    __table_args__ = (UniqueConstraint("partner_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    service_code: Mapped[str] = mapped_column(String(8))
    media_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkOrder(Base):
    """A 12345 工单 (GB/T 33358-2016) as received, and the case it became."""

    __tablename__ = "work_orders"
    __table_args__ = (UniqueConstraint("partner_id", "order_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    order_no: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    category: Mapped[str] = mapped_column(String(40), default="")
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[str] = mapped_column(Text, default="{}")  # the order as sent (JSON)


class CallbackEvent(Base):
    """Which ledger actions are called back to the 12345 platform, as which event
    (accept → accepted, void/refuse_filing → returned, close → finished …): data, so a
    new workflow step is one row."""

    __tablename__ = "callback_events"

    action: Mapped[str] = mapped_column(String(32), primary_key=True)
    event: Mapped[str] = mapped_column(String(20))


class CallbackOutbox(Base):
    """One callback to deliver, at least once: ``event_id`` (order number # ledger seq)
    lets the receiver drop repeats. Retried with backoff until a 2xx answer."""

    __tablename__ = "callback_outbox"
    __table_args__ = (Index("ix_callback_outbox_delivered_at_next_attempt_at",
                            "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(80), unique=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("case_ledger.id"))
    event: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
