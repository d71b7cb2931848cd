"""The holiday calendar: statutory holidays and make-up working days (调休) as data.

Only days that differ from the weekday rule are stored (``calendar_days``): a holiday
falling Monday–Friday, or a Saturday/Sunday that is worked. ``calendar_years`` says
which years are known; a year without a *complete* row falls back to weekday rules
(Monday–Friday), and callers say so ("2027年节假日未录入——仅按周一至周五计算").

Sources: the ``chinesecalendar`` package (State Council notices, 2004 up to the year the
installed version knows) seeded once, then administrators (``add_day``, a CSV file).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatdesk.models import CalendarDay, CalendarYear
from seatdesk.models.enums import DayKind
from seatdesk.models.textrules import clean_text

from .errors import ImportReport, IssueList, RowError
from .tables import read_table
from .textfile import CsvRow, field_text

PACKAGE_SOURCE = "chinesecalendar"
ADMIN_SOURCE = "admin"
SOURCE_LABELS = {PACKAGE_SOURCE: "chinesecalendar 数据包", ADMIN_SOURCE: "管理员录入"}
CSV_COLUMNS = ("日期", "类型", "名称")
CSV_ALIASES = {"date": "日期", "kind": "类型", "name": "名称"}
_KIND_WORDS = {
    "holiday": DayKind.HOLIDAY, "节假日": DayKind.HOLIDAY, "假日": DayKind.HOLIDAY,
    "法定节假日": DayKind.HOLIDAY, "休": DayKind.HOLIDAY, "放假": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY, "调休工作日": DayKind.WORKDAY, "工作日": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY, "补班": DayKind.WORKDAY, "班": DayKind.WORKDAY,
}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")


# -- the chinesecalendar package ------------------------------------------------------------

@dataclass(frozen=True)
class PackageCalendar:
    """What the installed ``chinesecalendar`` knows: its years and the differing days."""

    years: tuple[int, ...]
    days: tuple[tuple[dt.date, DayKind, str], ...]


def package_calendar() -> PackageCalendar:
    """Read the package's holiday and make-up-day tables (empty if it is unavailable)."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - a declared dependency
        return PackageCalendar((), ())
    holidays = dict(getattr(chinese_calendar, "holidays", {}) or {})
    workdays = dict(getattr(chinese_calendar, "workdays", {}) or {})
    names = _festival_names(chinese_calendar)
    years = {d.year for d in holidays} | {d.year for d in workdays}
    years = years or _probe_years(chinese_calendar)
    days = [(d, DayKind.HOLIDAY, names.get(v, str(v))) for d, v in holidays.items()
            if d.weekday() < 5]
    days += [(d, DayKind.WORKDAY, f"{names.get(v, str(v))}调休上班") for d, v in workdays.items()
             if d.weekday() >= 5]
    return PackageCalendar(tuple(sorted(years)), tuple(sorted(days)))


def _festival_names(module) -> dict[str, str]:
    holiday_enum = getattr(module, "Holiday", None)
    if holiday_enum is None:  # pragma: no cover - package API change
        return {}
    return {member.value: getattr(member, "chinese", member.value) for member in holiday_enum}


def _probe_years(module) -> set[int]:  # pragma: no cover - only if the tables move
    """Fallback detection: the years for which ``is_holiday`` does not refuse."""
    years = set()
    for year in range(2000, dt.date.today().year + 3):
        try:
            module.is_holiday(dt.date(year, 6, 1))
        except NotImplementedError:
            continue
        years.add(year)
    return years


def seed_calendar(session: Session) -> int:
    """Load the package's days and years; idempotent, never overrides existing rows.

    Returns the number of days added. Years the package does not know are left alone.
    """
    pkg = package_calendar()
    have_days = set(session.scalars(select(CalendarDay.day)))
    have_years = set(session.scalars(select(CalendarYear.year)))
    new_days = [CalendarDay(day=d, kind=k.value, name=n, source=PACKAGE_SOURCE)
                for d, k, n in pkg.days if d not in have_days]
    session.add_all(new_days)
    session.add_all(CalendarYear(year=y, source=PACKAGE_SOURCE, complete=True)
                    for y in pkg.years if y not in have_years)
    session.flush()
    return len(new_days)


# -- administrators -------------------------------------------------------------------------

def parse_day_kind(value: str | DayKind) -> DayKind:
    kind = _KIND_WORDS.get(str(value).strip().lower()) or _KIND_WORDS.get(str(value).strip())
    if kind is None:
        raise RowError(f"类型“{value}”无效：应为“节假日”（holiday）或“调休工作日”（workday）")
    return kind


def add_day(session: Session, day: dt.date, kind: str | DayKind, name: str = "",
            *, complete: bool | None = None) -> None:
    """Enter (or correct) one holiday or make-up working day as an administrator.

    The year is marked as entered by an administrator. A year first created here is
    *not* complete (weekday rules still warn) unless ``complete=True``; a year that was
    already complete stays complete. ``ValueError`` on a bad kind.
    """
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise ValueError(f"日期无效：{day!r}")
    try:
        day_kind = parse_day_kind(kind)
    except RowError as exc:
        raise ValueError(str(exc)) from None
    name = clean_text("calendar_days.name", name, "名称")  # TextRefused is a ValueError
    with session.begin_nested():
        _put_day(session, day, day_kind, name)
        _mark_years(session, [day.year], complete)


def remove_day(session: Session, day: dt.date) -> bool:
    """Delete one stored day (back to the weekday rule); True if there was one."""
    row = session.get(CalendarDay, day)
    if row is None:
        return False
    with session.begin_nested():
        session.delete(row)
        _mark_years(session, [day.year], None)
    return True


def mark_year_complete(session: Session, year: int, complete: bool = True) -> None:
    """An administrator confirms that every holiday of ``year`` has been entered."""
    with session.begin_nested():
        _mark_years(session, [year], complete)


def _put_day(session: Session, day: dt.date, kind: DayKind, name: str) -> None:
    row = session.get(CalendarDay, day)
    if row is None:
        session.add(CalendarDay(day=day, kind=kind.value, name=name, source=ADMIN_SOURCE))
    else:
        row.kind, row.name, row.source = kind.value, name, ADMIN_SOURCE


def _mark_years(session: Session, years: Iterable[int], complete: bool | None) -> None:
    for year in sorted(set(years)):
        row = session.get(CalendarYear, year)
        if row is None:
            session.add(CalendarYear(year=year, source=ADMIN_SOURCE, complete=bool(complete)))
        else:
            row.source = ADMIN_SOURCE
            if complete is not None:
                row.complete = complete
    session.flush()


# -- CSV ------------------------------------------------------------------------------------

def parse_date(text: str) -> dt.date:
    match = _DATE.match(text.strip())
    if match is None:
        raise RowError(f"日期“{text}”无效：应为YYYY-MM-DD，如2027-01-01")
    parts = [int(p) for p in match.groups() if p is not None]
    try:
        return dt.date(*parts)
    except ValueError:
        raise RowError(f"日期“{text}”不存在") from None


def import_calendar_csv(session: Session, path: str | Path, sheet: str | None = None
                        ) -> ImportReport:
    """Import ``日期,类型,名称`` rows (CSV or .xlsx) in one transaction; the years covered
    become known (complete, source admin). Existing days are overwritten; nothing is deleted."""
    issues = IssueList()
    table = read_table(path, CSV_COLUMNS[:2], CSV_COLUMNS[2:], aliases=CSV_ALIASES, sheet=sheet)
    days: dict[dt.date, tuple[DayKind, str]] = {}
    lines: dict[dt.date, int] = {}
    warnings: list[str] = []
    for row in table.rows:
        try:
            day, kind, name = _calendar_row(row)
        except RowError as exc:
            issues.add_error(row.line, exc)
            continue
        if day in lines:
            issues.add(row.line, f"日期{day.isoformat()}与第{lines[day]}行重复")
            continue
        lines[day] = row.line
        days[day] = (kind, name)
        warnings += _redundancy(row.line, day, kind)
    if not days and not issues:
        issues.add(None, "文件中没有日期数据")
    issues.raise_if_any()
    with session.begin_nested():
        for day, (kind, name) in sorted(days.items()):
            _put_day(session, day, kind, name)
        years = {d.year for d in days}
        _mark_years(session, years, True)
    return ImportReport("calendar", Path(path).name,
                        {"calendar_days": len(days), "calendar_years": len(years)}, warnings,
                        table.read_as)


def _calendar_row(row: CsvRow) -> tuple[dt.date, DayKind, str]:
    problems, values = [], []
    for check, arg in ((parse_date, row.get("日期")), (parse_day_kind, row.get("类型")),
                       (_day_name, row.get("名称"))):
        try:
            values.append(check(arg))
        except RowError as exc:
            problems += exc.messages
    if problems:
        raise RowError(*problems)
    return values[0], values[1], values[2]


def _day_name(text: str) -> str:
    return field_text("calendar_days.name", text, "名称")


def _redundancy(line: int, day: dt.date, kind: DayKind) -> list[str]:
    weekend = day.weekday() >= 5
    if kind is DayKind.HOLIDAY and weekend:
        return [f"第{line}行：{day.isoformat()}是周末，标为节假日不改变计时"]
    if kind is DayKind.WORKDAY and not weekend:
        return [f"第{line}行：{day.isoformat()}是周一至周五，标为调休工作日不改变计时"]
    return []


# -- status ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CalendarStatus:
    """Whether ``year``'s holidays are known: ``known`` = a complete year row exists."""

    year: int
    known: bool
    source: str | None
    complete: bool
    days: int

    @property
    def message(self) -> str:
        label = SOURCE_LABELS.get(self.source or "", self.source or "")
        if self.known:
            return f"{self.year}年：节假日已录入（{label}），{self.days}个调整日"
        if self.source is not None:
            return (f"{self.year}年：节假日仅录入{self.days}天（{label}），尚未确认完整——"
                    "其余日期按周一至周五规则计算")
        return f"{self.year}年：节假日未录入——仅按周一至周五规则计算工作日"

    def __str__(self) -> str:
        return self.message


def calendar_status(session: Session, year: int) -> CalendarStatus:
    row = session.get(CalendarYear, year)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days = session.scalar(select(func.count()).select_from(CalendarDay)
                          .where(CalendarDay.day.between(start, end))) or 0
    if row is None:
        return CalendarStatus(year, False, None, False, days)
    return CalendarStatus(year, bool(row.complete), row.source, bool(row.complete), days)
