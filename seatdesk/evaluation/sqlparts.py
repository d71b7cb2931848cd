"""Small SQL expressions that differ between PostgreSQL and SQLite.

- ``local_day`` / ``local_hour``: the centre's local calendar day and hour of a UTC
  timestamp, so reports-per-day and per-hour are grouped by the database.

SQLite stores ``UTCDateTime`` as naive UTC text; its local time is computed with the
zone's UTC offset at ``now`` (Asia/Shanghai has no daylight saving time).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy import Integer, cast, func, literal_column
from sqlalchemy.sql.elements import ColumnElement


def _offset_modifier(tz: str, now: dt.datetime) -> str:
    offset = now.astimezone(zoneinfo.ZoneInfo(tz)).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes)} minutes"


def local_day(dialect: str, column, tz: str, now: dt.datetime) -> ColumnElement:
    """The local date of ``column`` as ``YYYY-MM-DD`` text."""
    if dialect == "postgresql":
        local = func.timezone(tz, column)
        return func.to_char(local, literal_column("'YYYY-MM-DD'"))
    return func.date(column, _offset_modifier(tz, now))


def local_hour(dialect: str, column, tz: str, now: dt.datetime) -> ColumnElement:
    """The local hour (0–23) of ``column`` as an integer."""
    if dialect == "postgresql":
        return cast(func.extract("hour", func.timezone(tz, column)), Integer)
    return cast(func.strftime("%H", column, _offset_modifier(tz, now)), Integer)
