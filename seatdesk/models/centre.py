"""What a centre's set-up leaves in the database beside the reference data: the ledger of
settings changes, the supervisors' beats (责任网格) and which seatdesk release the schema
was last upgraded by.

- ``SettingChange``: one row per changed setting (old and new JSON value, when, by whom,
  through which command or screen). Append-only; on PostgreSQL a trigger (migration 0007)
  refuses UPDATE, DELETE and TRUNCATE.
- ``Beat`` / ``BeatSupervisor``: a supervisor's beat is a polygon (several grid cells,
  usually whole communities) patrolled by one or more supervisors.
- ``SchemaRelease``: written by ``seatdesk db upgrade``; a seat older than the schema reads
  it to name the release it needs (``seatdesk.models.versions``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .geometry import GeometryType
from .reference import BBoxMixin


class SettingChange(Base):
    """One change of one centre setting (the ledger of settings)."""

    __tablename__ = "setting_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    old_value: Mapped[str | None] = mapped_column(Text)  # JSON; NULL = was the built-in default
    new_value: Mapped[str] = mapped_column(Text)  # JSON
    changed_by: Mapped[str] = mapped_column(String(100), default="")
    via: Mapped[str] = mapped_column(String(40), default="")  # "setup", "admin screen" …


class Beat(BBoxMixin, Base):
    """A supervisor's beat (监督员责任网格): a polygon of several unit grid cells."""

    __tablename__ = "beats"
    __table_args__ = (
        Index("ix_beats_geom", "geom", postgresql_using="gist").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    geom = mapped_column(GeometryType("MULTIPOLYGON"), nullable=False)

    supervisors: Mapped[list[BeatSupervisor]] = relationship(
        back_populates="beat", cascade="all, delete-orphan")


class BeatSupervisor(Base):
    """Who patrols a beat (a beat may have several supervisors, a supervisor several beats)."""

    __tablename__ = "beat_supervisors"

    beat_id: Mapped[int] = mapped_column(ForeignKey("beats.id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)

    beat: Mapped[Beat] = relationship(back_populates="supervisors")


class SchemaRelease(Base):
    """Which seatdesk release upgraded the schema to which revision (one row per revision)."""

    __tablename__ = "schema_releases"

    revision: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_version: Mapped[str] = mapped_column(String(40))
    upgraded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
