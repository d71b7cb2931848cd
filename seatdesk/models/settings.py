"""Calendar days and centre configuration (all data, editable by an administrator)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base


class CalendarDay(Base):
    """A day that differs from the weekday rule: a holiday, or a make-up working day (调休)."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # holiday | workday
    name: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(40), default="admin")


class CalendarYear(Base):
    """Which years the calendar knows. A year absent here falls back to weekday rules."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    complete: Mapped[bool] = mapped_column(Boolean, default=True)


DEFAULT_SETTINGS: dict[str, Any] = {
    "city_name": "溧阳市",
    "centre_name": "溧阳市数字化城市管理监督指挥中心",
    "time_zone": "Asia/Shanghai",
    "working_periods": [["08:00", "12:00"], ["14:00", "18:00"]],
    "working_day_hours": 8,
    "light_yellow_ratio": 0.8,
    "grid_code_length": None,  # 14 | 15 | None = follow the edition (data/city_profile.py)
    "city_extent": [119.11, 31.13, 119.62, 31.70],  # 溧阳市, lon/lat; None = not checked
    "class_edition": "GB/T 47678.5-2026",
    "admin_code": "320481",
    "rework_keeps_deadline": True,
    "redispatch_keeps_deadline": True,
    "extension_approver": "dispatcher",
    "duplicate_radius_m": 50,
    "duplicate_window_days": 30,
    "step_limits": {
        "accept": [30, "working_minutes"],
        "verify": [30, "working_minutes"],
        "file": [30, "working_minutes"],
        "dispatch": [30, "working_minutes"],
        "check": [30, "working_minutes"],
        "close": [30, "working_minutes"],
    },
    # 回访 after 结案: attempts before a caller counts as 无法联系; 不满意 reopens the case
    # (返工 to the same department) or only records the result
    "callback_max_attempts": 3,
    "callback_dissatisfied_reopens": True,
    "initial_view": {"lat": 31.42, "lon": 119.485, "zoom": 13},
    "map": {},  # MapSettings overrides (seatdesk.map.settings); empty = defaults
    # classes go-live needs a department for everywhere ({"event": [...], "component": [...]};
    # empty = seatdesk.data.profile.COMMON_CLASSES of the edition)
    "common_classes": {},
    # KPI panels and wall: departments with fewer cases due (30 days) are listed apart
    "kpi_department_min_due": 5,
    # seatdesk ledger archive: only months at least this many whole months before the
    # current one may be archived to files (docs/scale.md, docs/operations.md)
    "ledger_archive_after_months": 24,
    # seatdesk history archive --table positions: supervisors' positions are personal data
    # kept online this many whole months (attachments follow their case's ledger months)
    "positions_archive_after_months": 6,
    # the demo city's accounts ([{"username", "role", "department"}], written by
    # ``seatdesk demo``): shown on the login dialog; empty on every real deployment
    "demo_accounts": [],
}


class Setting(Base):
    """Centre configuration as typed JSON values under a key."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON
    description: Mapped[str] = mapped_column(Text, default="")


def get_setting(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    if row is None:
        if key not in DEFAULT_SETTINGS:
            raise KeyError(f"unknown setting {key!r}")
        return DEFAULT_SETTINGS[key]
    return json.loads(row.value)


def set_setting(session: Session, key: str, value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=text))
    else:
        row.value = text
