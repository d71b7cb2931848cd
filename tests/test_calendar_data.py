"""The holiday calendar as data: seeded from chinesecalendar, extended by administrators."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from sqlalchemy import func, select

from seatdesk.data import calendar as cal
from seatdesk.data.errors import ImportFailed
from seatdesk.models import CalendarDay, CalendarYear

DATA = Path(__file__).parent / "data"
PACKAGE_YEARS = sorted({d.year for d in chinese_calendar.holidays})
FIRST_UNKNOWN = PACKAGE_YEARS[-1] + 1  # 2027 with chinesecalendar 1.11


def weekend_makeup_day(year: int) -> dt.date:
    """A make-up working day of ``year`` as the package states it (never guessed)."""
    return min(d for d in chinese_calendar.workdays if d.year == year and d.weekday() >= 5)


def calendar_rows(db) -> tuple[int, int]:
    with db.Session() as s:
        return (s.scalar(select(func.count()).select_from(CalendarDay)),
                s.scalar(select(func.count()).select_from(CalendarYear)))


def test_seeded_holidays_and_makeup_days(make_db):
    db = make_db("reference")
    makeup = weekend_makeup_day(2026)
    with db.Session() as s:
        national = s.get(CalendarDay, dt.date(2026, 10, 1))
        assert (national.kind, national.name, national.source) == ("holiday", "国庆节",
                                                                    "chinesecalendar")
        work = s.get(CalendarDay, makeup)
        assert work.kind == "workday" and work.name.endswith("调休上班")
        assert s.get(CalendarDay, dt.date(2026, 10, 3)) is None  # a Saturday: weekday rule
        assert s.get(CalendarDay, dt.date(2026, 3, 10)) is None  # an ordinary Tuesday
        years = s.scalars(select(CalendarYear.year).where(CalendarYear.complete.is_(True)))
        assert sorted(years) == PACKAGE_YEARS
        status = cal.calendar_status(s, 2026)
        assert status.known and status.source == "chinesecalendar" and status.days > 10


def test_unknown_year_says_weekday_rules(make_db):
    db = make_db("reference")
    with db.Session() as s:
        status = cal.calendar_status(s, FIRST_UNKNOWN)
    assert not status.known and status.source is None and status.days == 0
    assert "未录入" in str(status) and "周一至周五" in str(status)


def test_add_day_for_a_year_the_package_does_not_know(make_db):
    db = make_db("reference")
    day = dt.date(FIRST_UNKNOWN, 10, 1)
    with db.Session.begin() as s:
        cal.add_day(s, day, "节假日", "国庆节")
    with db.Session() as s:
        row = s.get(CalendarDay, day)
        assert (row.kind, row.name, row.source) == ("holiday", "国庆节", "admin")
        status = cal.calendar_status(s, FIRST_UNKNOWN)
        assert status.source == "admin" and status.days == 1
        assert not status.known and "尚未确认完整" in str(status)
    with db.Session.begin() as s:
        cal.mark_year_complete(s, FIRST_UNKNOWN)
    with db.Session() as s:
        assert cal.calendar_status(s, FIRST_UNKNOWN).known


def test_add_day_corrects_a_seeded_day_and_seeding_keeps_it(make_db):
    db = make_db("reference")
    with db.Session.begin() as s:
        cal.add_day(s, dt.date(2026, 10, 2), "workday", "本地调整")
        with pytest.raises(ValueError, match="类型"):
            cal.add_day(s, dt.date(2026, 10, 9), "vacation")
    with db.Session.begin() as s:
        assert cal.seed_calendar(s) == 0
        row = s.get(CalendarDay, dt.date(2026, 10, 2))
        assert (row.kind, row.source) == ("workday", "admin")
        year = s.get(CalendarYear, 2026)
        assert (year.source, year.complete) == ("admin", True)


def test_import_calendar_csv(make_db):
    db = make_db("reference")
    with db.Session.begin() as s:
        report = cal.import_calendar_csv(s, DATA / "calendar_2027.csv")
    assert report.count("calendar_days") == 4 and report.count("calendar_years") == 1
    with db.Session() as s:
        assert s.get(CalendarDay, dt.date(2027, 10, 1)).kind == "holiday"
        assert s.get(CalendarDay, dt.date(2027, 2, 20)).kind == "workday"
        status = cal.calendar_status(s, 2027)
        assert status.known and status.source == "admin" and status.days == 4


def test_import_calendar_csv_with_bom(db, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "calendar_2027.csv").read_bytes())
    with db.Session.begin() as s:
        assert cal.import_calendar_csv(s, path).count("calendar_days") == 4


def test_bad_calendar_csv_changes_nothing(db):
    before = calendar_rows(db)
    with db.Session() as s, pytest.raises(ImportFailed) as info:
        cal.import_calendar_csv(s, DATA / "calendar_bad.csv")
    assert [i.line for i in info.value.issues] == [3, 4, 5]
    text = str(info.value)
    assert "第3行：日期“2027-02-30”不存在" in text
    assert "第4行：类型“放一天”无效" in text
    assert "第5行：日期2027-01-01与第2行重复" in text
    assert calendar_rows(db) == before


def test_gbk_calendar_csv_is_read_as_gb18030(db):
    with db.Session.begin() as s:
        report = cal.import_calendar_csv(s, DATA / "calendar_gbk.csv")
    assert report.read_as == "CSV，GB18030（GBK）编码"
    with db.Session() as s:
        assert s.get(CalendarDay, dt.date(2027, 2, 8)).name == "春节"