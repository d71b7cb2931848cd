"""Cases (案卷), their reporters, dispatches, attachments and the append-only ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .geometry import GeometryType


class Case(Base):
    """One problem running through the closed loop. ``version`` guards concurrent edits."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_state_deadline", "state", "deadline_at"),
        Index("ix_cases_reported_at", "reported_at"),
        Index("ix_cases_lon_lat", "lon", "lat"),
        Index("ix_cases_updated_at", "updated_at"),
        Index("ix_cases_closed_at", "closed_at"),
        # a unique index, not a constraint: SQLite adds it without rebuilding the table
        Index("uq_cases_intake_key", "intake_key", unique=True),
        # sort indexes of the work boxes (migration 0004): the sort key with the ``id``
        # tie-breaker, so the first page of a million cases is read in index order both
        # ways (``key ASC NULLS LAST, id ASC`` forwards, ``DESC NULLS FIRST, id DESC``
        # backwards); class and department sorts walk their dimension tables key by key
        # through the foreign-key ones (``seatdesk.models.queues``)
        Index("ix_cases_class_id_id", "class_id", "id"),
        Index("ix_cases_department_id_id", "department_id", "id"),
        Index("ix_cases_deadline_at_id", "deadline_at", "id"),
        # the live KPIs' on-time rate by department, index-only (migration 0016)
        Index("ix_cases_deadline_kpi", "deadline_at", "department_id", "feedback_at"),
        Index("ix_cases_address_id", "address", "id"),
        Index("ix_cases_geom", "geom", postgresql_using="gist").ddl_if(dialect="postgresql"),
        # PostgreSQL-only search helpers for the work boxes at 10,000,000 cases: case-number
        # prefix search, and substring search in description and address through the
        # gram index of migration 0012 (``seatdesk.models.case_search``; on SQLite the
        # FTS5 table ``case_grams``, made by the migration)
        Index("ix_cases_number_pattern", "number",
              postgresql_ops={"number": "text_pattern_ops"}).ddl_if(dialect="postgresql"),
        Index("ix_cases_search_grams", text("seatdesk_grams(description, address)"),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(24), index=True)
    source: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(16))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("case_classes.id"))
    condition_id: Mapped[int | None] = mapped_column(ForeignKey("filing_conditions.id"))
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    # location; grid cell and the admin units follow from the point
    lon: Mapped[float] = mapped_column()
    lat: Mapped[float] = mapped_column()
    geom = mapped_column(GeometryType("POINT"), nullable=False)
    grid_cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cells.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    zone: Mapped[str] = mapped_column(String(1), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    component_id: Mapped[int | None] = mapped_column(ForeignKey("components.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # supervisor
    caller_name: Mapped[str] = mapped_column(String(100), default="")
    caller_phone: Mapped[str] = mapped_column(String(40), default="", index=True)
    callback_wanted: Mapped[bool] = mapped_column(Boolean, default=False)
    # who holds it: the district command centre (二级平台) holding the case (None = the city
    # centre) and the department it is dispatched to
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # the filing condition fixes limit and closure condition, stored on the case
    limit_value: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    limit_unit: Mapped[str | None] = mapped_column(String(20))
    closure_condition: Mapped[str] = mapped_column(Text, default="")
    # step timestamps (all derived from the ledger; kept here for queries)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    filed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    feedback_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # 核实 (before filing) and 核查 (after feedback) tasks and results; the department's 签收
    verification: Mapped[str] = mapped_column(String(16), default="")  # "" | confirmed | refuted
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    task_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # supervisor tasked
    step_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    step_deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    suspended_seconds: Mapped[int] = mapped_column(Integer, default=0)
    closure_type: Mapped[str | None] = mapped_column(String(16))
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    merged_count: Mapped[int] = mapped_column(Integer, default=0)  # duplicates merged into it
    pending_request: Mapped[str] = mapped_column(Text, default="")  # JSON of an open request
    ledger_head: Mapped[str] = mapped_column(String(64), default="")
    ledger_seq: Mapped[int] = mapped_column(Integer, default=0)
    # the time of the first ledger row, set once at registration (``ledger.append``): no
    # row of the case precedes it, so the head lookup prunes older months (migration 0014)
    ledger_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # idempotency key of the registration (client report id, partner request id …)
    intake_key: Mapped[str | None] = mapped_column(String(100))

    __mapper_args__ = {"version_id_col": version}

    ledger: Mapped[list[LedgerEntry]] = relationship(
        back_populates="case", order_by="LedgerEntry.seq", viewonly=True
    )
    reporters: Mapped[list[CaseReporter]] = relationship(
        back_populates="case", foreign_keys="CaseReporter.case_id"
    )


class CaseReporter(Base):
    """Every caller/reporter of a case, kept when duplicates are merged (for 回访)."""

    __tablename__ = "case_reporters"
    __table_args__ = (
        # the 待回访 box: the few callers of closed cases still waiting (migration 0008)
        Index("ix_case_reporters_callback_due", "case_id",
              postgresql_where=text("callback_due"), sqlite_where=text("callback_due = 1")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    origin_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    callback_wanted: Mapped[bool] = mapped_column(Boolean, default=False)
    called_back_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    # 回访 after 结案 (a projection of the ledger's "callback" rows, like ``dispatches``):
    # due while the case is closed and this caller still waits; the last outcome
    # (CallbackOutcome, "" = none yet in this round) and the attempts made
    callback_due: Mapped[bool] = mapped_column(Boolean, default=False)
    callback_outcome: Mapped[str] = mapped_column(String(20), default="")
    callback_attempts: Mapped[int] = mapped_column(Integer, default=0)

    case: Mapped[Case] = relationship(back_populates="reporters", foreign_keys=[case_id])


class Dispatch(Base):
    """Every dispatch of a case (to a department or a district centre) and how it ended."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    level: Mapped[str] = mapped_column(String(16), default="city")  # city | district
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16), default="dispatch")  # dispatch|redispatch|rework
    outcome: Mapped[str] = mapped_column(String(20), default="")  # feedback | returned | sent_up …
    dispatch_error: Mapped[bool] = mapped_column(Boolean, default=False)
    suggested_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    suggestion_reason: Mapped[str] = mapped_column(Text, default="")


class LedgerEntry(Base):
    """电子台账: one row per action. Append-only and hash-chained per case.

    On PostgreSQL a trigger refuses UPDATE and DELETE; ``seatdesk ledger verify``
    recomputes every hash and compares the chain head stored on the case.
    """

    __tablename__ = "case_ledger"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_case_ledger_at", "at"),
        Index("ix_case_ledger_actor_at", "actor_id", "at"),
        Index("ix_case_ledger_action_at", "action", "at"),  # the live 回访 tally (0016)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    seat: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(24), default="")
    to_state: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="ledger")


class LedgerSegment(Base):
    """The part of one case's chain that lies in an archived month (``seatdesk ledger
    archive``, migration 0015, docs/scale.md): its first and last seq, the first row's
    ``prev_hash`` and the last row's ``hash``, so ``ledger verify`` checks the online rows
    after it by link. Written only by the tables' owner (archive and reattach); empty on
    SQLite, whose ledger is not partitioned."""

    __tablename__ = "ledger_segments"
    __table_args__ = (UniqueConstraint("case_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    month: Mapped[dt.date] = mapped_column(Date)  # the first day of the archived month
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))  # the first row's link
    last_hash: Mapped[str] = mapped_column(String(64))  # the last row's hash
    rows: Mapped[int] = mapped_column(Integer)
    archive: Mapped[str] = mapped_column(String(200))  # the archive file's name
    archived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(Base):
    """Photos and audio, stored in the database so every seat of a shared deployment sees them."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    ledger_seq: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))


class CaseNumberDay(Base):
    """The last serial of a day's case numbers handed out (PostgreSQL: taken through
    ``seatdesk_next_case_serial`` in a short transaction of its own, so concurrent
    registrations do not wait for each other; a registration that fails after taking its
    number leaves a gap). SQLite numbers max + 1 inside the registration (one writer)."""

    __tablename__ = "case_number_days"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # YYYYMMDD
    last_serial: Mapped[int] = mapped_column(Integer)
