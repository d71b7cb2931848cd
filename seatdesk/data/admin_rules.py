"""Administration of the rules: responsibility matrix, 立案条件 and 处置时限, the holiday
calendar. Qt-free; admin-only changes (``require_admin``), the importers' validation.

Limits are entered as text the way city tables write them ("4工作时", "2小时") and
parsed by ``seatdesk.data.limits.parse_limit``; condition codes follow the importer's
rule (at most 20 characters); calendar changes go through ``seatdesk.data.calendar``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

from seatdesk.models import (
    AdminUnit,
    CalendarDay,
    CaseClass,
    ClassEdition,
    Department,
    FilingCondition,
    Responsibility,
    TimeLimit,
    get_setting,
)
from seatdesk.models.enums import ClassKind, DayKind, Urgency

from . import calendar as cal
from .admin import Actor, AdminValidationError, need_text, optional_text, require_admin
from .errors import ImportReport
from .limits import LimitParseError, format_limit, parse_limit

ZONES = ("", "A", "B", "C")


# -- pickers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClassInfo:
    id: int
    edition: str
    kind: str
    code: str
    name: str
    major_name: str
    pinyin: str

    @property
    def title(self) -> str:
        return f"{self.code} {self.name}（{ClassKind(self.kind).label}）"


@dataclass(frozen=True)
class AreaInfo:
    id: int
    level: str
    code: str
    name: str


def list_classes(session: Session) -> tuple[ClassInfo, ...]:
    """Every minor class, the configured edition's first (by kind and code)."""
    configured = get_setting(session, "class_edition")
    query = select(CaseClass, ClassEdition.code).join(ClassEdition)
    rows = [ClassInfo(c.id, ed, c.kind, c.code, c.name, c.major_name, c.pinyin_initials)
            for c, ed in session.execute(query)]
    return tuple(sorted(rows, key=lambda c: (c.edition != configured, c.edition, c.kind, c.code)))


def list_areas(session: Session) -> tuple[AreaInfo, ...]:
    """Districts, streets and communities (responsibility areas), by code."""
    query = select(AdminUnit).order_by(AdminUnit.code)
    return tuple(AreaInfo(a.id, a.level, a.code, a.name) for a in session.scalars(query))


# -- responsibility matrix --------------------------------------------------------------------

@dataclass(frozen=True)
class ResponsibilityInfo:
    id: int
    class_id: int
    class_code: str
    class_name: str
    class_kind: str
    area_id: int | None
    area_name: str  # "全市" when the row covers the whole city
    department_id: int
    department_name: str


def list_responsibilities(session: Session) -> tuple[ResponsibilityInfo, ...]:
    area, dept = aliased(AdminUnit), aliased(Department)
    query = (select(Responsibility, CaseClass.code, CaseClass.name, CaseClass.kind, area.name,
                    dept.name)
             .join(CaseClass, CaseClass.id == Responsibility.class_id)
             .outerjoin(area, area.id == Responsibility.area_id)
             .join(dept, dept.id == Responsibility.department_id)
             .order_by(CaseClass.code, area.code.nulls_first()))
    return tuple(ResponsibilityInfo(r.id, r.class_id, code, name, kind, r.area_id,
                                    aname or "全市", r.department_id, dname)
                 for r, code, name, kind, aname, dname in session.execute(query))


def set_responsibility(session: Session, actor: Actor, class_id: int, area_id: int | None,
                       department_id: int) -> ResponsibilityInfo:
    """Class × area (None = whole city) → department; replaces an existing row."""
    require_admin(session, actor, "维护责任矩阵")
    if session.get(CaseClass, class_id) is None:
        raise AdminValidationError("请选择有效的小类")
    if area_id is not None and session.get(AdminUnit, area_id) is None:
        raise AdminValidationError("请选择有效的区域")
    dept = session.get(Department, department_id)
    if dept is None or not dept.active:
        raise AdminValidationError("请选择启用的责任部门")
    row = session.scalar(select(Responsibility).where(
        Responsibility.class_id == class_id,
        Responsibility.area_id.is_(None) if area_id is None else Responsibility.area_id == area_id))
    if row is None:
        row = Responsibility(class_id=class_id, area_id=area_id)
        session.add(row)
    row.department_id = department_id
    session.flush()
    return next(r for r in list_responsibilities(session) if r.id == row.id)


def remove_responsibility(session: Session, actor: Actor, responsibility_id: int) -> None:
    require_admin(session, actor, "维护责任矩阵")
    row = session.get(Responsibility, responsibility_id)
    if row is None:
        raise AdminValidationError("该责任关系不存在")
    session.delete(row)
    session.flush()


# -- 立案条件 and 处置时限 ----------------------------------------------------------------------

@dataclass(frozen=True)
class LimitInfo:
    id: int
    urgency: str
    zone: str
    value: Decimal
    unit: str
    text: str  # "4工作时"
    is_default: bool = False  # derived by rule (紧急 from the normal limit), to be reviewed


@dataclass(frozen=True)
class ConditionInfo:
    id: int
    class_id: int
    code: str
    text: str
    closure_condition: str
    responsible_unit: str
    is_default: bool
    active: bool
    limits: tuple[LimitInfo, ...]


def list_conditions(session: Session, class_id: int) -> tuple[ConditionInfo, ...]:
    query = (select(FilingCondition).where(FilingCondition.class_id == class_id)
             .options(selectinload(FilingCondition.limits))
             .order_by(FilingCondition.sort_order, FilingCondition.code))
    return tuple(_condition_info(c) for c in session.scalars(query))


def _condition_info(c: FilingCondition) -> ConditionInfo:
    limits = tuple(LimitInfo(t.id, t.urgency, t.zone, t.value, t.unit,
                             format_limit(t.value, t.unit), bool(t.is_default))
                   for t in sorted(c.limits, key=lambda t: (t.urgency != "normal", t.zone)))
    return ConditionInfo(c.id, c.class_id, c.code, c.text, c.closure_condition,
                         c.responsible_unit, c.is_default, c.active, limits)


def save_condition(session: Session, actor: Actor, class_id: int, code: str, text: str,
                   closure_condition: str, responsible_unit: str = "", active: bool = True,
                   condition_id: int | None = None) -> ConditionInfo:
    """Create or edit a 立案条件; an edited condition is no longer a placeholder default."""
    require_admin(session, actor, "维护立案条件")
    if session.get(CaseClass, class_id) is None:
        raise AdminValidationError("请选择有效的小类")
    code = need_text(code, "立案明细编码", 20)
    text = need_text(text, "立案条件", 2000, multiline=True)
    closure = need_text(closure_condition, "结案条件", 2000, multiline=True)
    clash = session.scalar(select(FilingCondition.id).where(
        FilingCondition.class_id == class_id, FilingCondition.code == code))
    if clash is not None and clash != condition_id:
        raise AdminValidationError(f"立案明细编码“{code}”在该小类下已存在")
    if condition_id is None:
        order = len(list_conditions(session, class_id)) + 1
        row = FilingCondition(class_id=class_id, sort_order=order, source="admin")
        session.add(row)
    else:
        row = _condition(session, condition_id)
    row.code, row.text, row.closure_condition = code, text, closure
    row.responsible_unit, row.active, row.is_default = optional_text(
        responsible_unit, "责任单位", 200), active, False
    session.flush()
    return _condition_info(_condition(session, row.id))


def _condition(session: Session, condition_id: int) -> FilingCondition:
    row = session.get(FilingCondition, condition_id)
    if row is None:
        raise AdminValidationError(f"立案条件 {condition_id} 不存在")
    return row


def set_time_limit(session: Session, actor: Actor, condition_id: int, urgency: str, zone: str,
                   limit_text: str) -> ConditionInfo:
    """Set the 处置时限 of a condition for an urgency and zone ("" = every zone)."""
    require_admin(session, actor, "维护处置时限")
    if urgency not in {u.value for u in Urgency}:
        raise AdminValidationError(f"紧急程度“{urgency}”无效")
    zone = (zone or "").strip().upper()
    if zone not in ZONES:
        raise AdminValidationError(f"区域“{zone}”无效：应为A、B、C或留空")
    try:
        value, unit = parse_limit(limit_text)
    except LimitParseError as exc:
        raise AdminValidationError(str(exc)) from None
    condition = _condition(session, condition_id)
    limit = next((t for t in condition.limits if t.urgency == urgency and t.zone == zone), None)
    if limit is None:
        limit = TimeLimit(urgency=urgency, zone=zone)
        condition.limits.append(limit)
    limit.value, limit.unit, limit.is_default = value, unit.value, False
    condition.is_default = False
    session.flush()
    return _condition_info(condition)


def remove_time_limit(session: Session, actor: Actor, limit_id: int) -> None:
    require_admin(session, actor, "维护处置时限")
    limit = session.get(TimeLimit, limit_id)
    if limit is None:
        raise AdminValidationError("该处置时限不存在")
    session.delete(limit)
    session.flush()


# -- calendar ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CalendarDayInfo:
    day: dt.date
    kind: str
    kind_label: str
    name: str
    source: str


def list_calendar_days(session: Session, year: int) -> tuple[CalendarDayInfo, ...]:
    query = (select(CalendarDay).where(CalendarDay.day.between(dt.date(year, 1, 1),
                                                               dt.date(year, 12, 31)))
             .order_by(CalendarDay.day))
    return tuple(CalendarDayInfo(d.day, d.kind, DayKind(d.kind).label, d.name,
                                 cal.SOURCE_LABELS.get(d.source, d.source))
                 for d in session.scalars(query))


def calendar_years(session: Session, years: range) -> tuple[cal.CalendarStatus, ...]:
    """Whether each year's holidays are known (unknown years fall back to weekday rules)."""
    return tuple(cal.calendar_status(session, year) for year in years)


def add_calendar_day(session: Session, actor: Actor, day: dt.date, kind: str,
                     name: str = "") -> None:
    require_admin(session, actor, "维护工作日历")
    try:
        cal.add_day(session, day, kind, name)
    except ValueError as exc:
        raise AdminValidationError(str(exc)) from None


def remove_calendar_day(session: Session, actor: Actor, day: dt.date) -> bool:
    require_admin(session, actor, "维护工作日历")
    return cal.remove_day(session, day)


def mark_year_complete(session: Session, actor: Actor, year: int, complete: bool = True) -> None:
    require_admin(session, actor, "维护工作日历")
    cal.mark_year_complete(session, year, complete)


def import_calendar(session: Session, actor: Actor, path: str | Path) -> ImportReport:
    """Import a ``日期,类型,名称`` CSV (raises ``ImportFailed`` with line numbers)."""
    require_admin(session, actor, "导入工作日历")
    return cal.import_calendar_csv(session, path)


__all__ = [
    "AreaInfo", "CalendarDayInfo", "ClassInfo", "ConditionInfo", "LimitInfo",
    "ResponsibilityInfo", "ZONES", "add_calendar_day", "calendar_years", "import_calendar",
    "list_areas", "list_calendar_days", "list_classes", "list_conditions",
    "list_responsibilities", "mark_year_complete", "remove_calendar_day", "remove_responsibility",
    "remove_time_limit", "save_condition", "set_responsibility", "set_time_limit",
]
