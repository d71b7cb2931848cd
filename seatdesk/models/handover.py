"""交接班确认: the incoming shift lead's acknowledgements of handover sheets.

An audit record: rows are only ever added. On PostgreSQL a trigger (migration 0005)
refuses UPDATE, DELETE and TRUNCATE; the service refuses a second acknowledgement of
the same sheet by the same lead before the unique constraint would.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class HandoverAck(Base):
    """One acknowledgement of a 交接班 sheet.

    ``summary`` is a canonical JSON snapshot of what was handed over (open items by stage,
    red now, counts and case numbers); ``"{}"`` for the rows moved from the old settings log,
    which also did not record the sheet's ``generated_at`` / ``shift_end`` (NULL there).
    """

    __tablename__ = "handover_acks"
    __table_args__ = (UniqueConstraint("sheet_id", "acknowledged_by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[str] = mapped_column(String(40))
    generated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    shift_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
