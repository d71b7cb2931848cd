"""Working-time calendar: concrete deadlines (2026) and hypothesis properties.

Holidays and make-up days (调休) come from the ``chinese_calendar`` package, never from
guesses written into the test.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatdesk.models import CalendarDay, CalendarYear, set_setting
from seatdesk.models.enums import TimeUnit
from seatdesk.workflow.worktime import WorkCalendar, from_us, to_us

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
HOUR = 3600.0
ADMIN_HOLIDAY_2027 = dt.date(2027, 3, 10)  # a Wednesday an administrator declared a holiday
WORKING_UNITS = [u for u in TimeUnit if u.is_working_time]
NATURAL_UNITS = [u for u in TimeUnit if not u.is_working_time]

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def bundled(**overrides) -> WorkCalendar:
    """2025–2026 statutory calendar read from chinese_calendar, plus one 2027 admin holiday."""
    holidays = {d for d in chinese_calendar.holidays if d.year in (2025, 2026) and d.weekday() < 5}
    workdays = {d for d in chinese_calendar.workdays if d.year in (2025, 2026)}
    fields = dict(
        holidays=frozenset(holidays | {ADMIN_HOLIDAY_2027}),
        workdays=frozenset(workdays),
        known_years=frozenset({2025, 2026}),
    )
    return WorkCalendar.default(**{**fields, **overrides})


CAL = bundled()
CAL6 = bundled(day_hours=6)


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


# -- concrete cases ------------------------------------------------------------------------


def test_friday_afternoon_plus_four_working_hours_is_monday_eleven():
    deadline = CAL.add(sh(2026, 3, 13, 17), 4, "working_hours")  # Friday
    assert deadline == sh(2026, 3, 16, 11)
    assert deadline.tzinfo == UTC


def test_deadline_at_period_end_stays_there():
    assert CAL.add(sh(2026, 3, 16, 8), 4, TimeUnit.WORKING_HOURS) == sh(2026, 3, 16, 12)
    assert CAL.add(sh(2026, 3, 16, 14), 1, TimeUnit.WORKING_DAYS) == sh(2026, 3, 17, 12)
    assert CAL.is_working_time(sh(2026, 3, 16, 12))
    assert not CAL.is_working_time(sh(2026, 3, 16, 12, 0, 1))


def test_start_outside_working_time_counts_from_next_period():
    assert CAL.add(sh(2026, 3, 14, 10), 30, "working_minutes") == sh(2026, 3, 16, 8, 30)  # Sat
    assert CAL.add(sh(2026, 3, 16, 12, 30), 30, "working_minutes") == sh(2026, 3, 16, 14, 30)
    assert CAL.add(sh(2026, 3, 16, 20), Decimal("0.5"), "working_days") == sh(2026, 3, 17, 12)


def test_zero_working_limit_gives_next_working_instant():
    assert CAL.add(sh(2026, 3, 14, 10), 0, "working_hours") == sh(2026, 3, 16, 8)
    assert CAL.add(sh(2026, 3, 16, 9), 0, "working_hours") == sh(2026, 3, 16, 9)


def test_calendar_matches_chinese_calendar_for_every_day_of_2026():
    day = dt.date(2026, 1, 1)
    while day.year == 2026:
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_national_day_holiday_is_skipped():
    national_day = [dt.date(2026, 10, d) for d in range(1, 8)]
    assert all(not chinese_calendar.is_workday(d) for d in national_day)
    working = [d for d in (dt.date(2026, 10, 8), dt.date(2026, 10, 9), dt.date(2026, 10, 10))]
    assert all(chinese_calendar.is_workday(d) for d in working)  # 10-10 is a make-up Saturday
    # Wed 30 Sep 16:00: 2 h that day, 8 h on 8 Oct, 8 h on 9 Oct, 6 h on Saturday 10 Oct.
    deadline = CAL.add(sh(2026, 9, 30, 16), 3, "working_days")
    assert deadline == sh(2026, 10, 10, 16)
    assert CAL.working_seconds(sh(2026, 10, 1), sh(2026, 10, 8)) == 0


def test_make_up_sunday_counts_as_working():
    sunday = dt.date(2026, 9, 20)
    assert sunday.weekday() == 6 and chinese_calendar.is_workday(sunday)
    assert CAL.add(sh(2026, 9, 18, 17, 30), 2, "working_hours") == sh(2026, 9, 20, 9, 30)
    plain = WorkCalendar.default()
    assert plain.add(sh(2026, 9, 18, 17, 30), 2, "working_hours") == sh(2026, 9, 21, 9, 30)


def test_six_hour_working_day():
    assert CAL6.add(sh(2026, 3, 16, 8), 1, "working_days") == sh(2026, 3, 16, 16)
    assert CAL6.add(sh(2026, 3, 16, 8), Decimal("0.5"), "working_days") == sh(2026, 3, 16, 11)
    assert CAL6.add(sh(2026, 3, 16, 8), 2, "working_days") == sh(2026, 3, 17, 12)  # 8 h + 4 h
    assert CAL6.limit_seconds(1, "working_days") == 6 * HOUR
    assert CAL6.add(sh(2026, 3, 16, 8), 8, "working_hours") == sh(2026, 3, 16, 18)


def test_urgent_natural_units_ignore_nights_and_holidays():
    start = sh(2026, 9, 30, 22)
    assert CAL.add(start, 6, "natural_hours") == sh(2026, 10, 1, 4)
    assert CAL.add(start, 2, "natural_days") == sh(2026, 10, 2, 22)
    assert CAL.add(start, 90, "natural_minutes") == sh(2026, 9, 30, 23, 30)
    assert CAL.elapsed(start, sh(2026, 10, 1, 4), "natural_hours") == 6 * HOUR
    assert CAL.remaining(sh(2026, 10, 1, 4), sh(2026, 10, 1, 5), "natural_hours") == -HOUR


def test_utc_and_shanghai_inputs_are_the_same_instant():
    local = sh(2026, 3, 13, 17)
    utc = local.astimezone(UTC)
    assert utc.hour == 9
    assert CAL.add(local, 4, "working_hours") == CAL.add(utc, 4, "working_hours")
    assert CAL.add(utc, 4, "working_hours").tzinfo == UTC
    assert CAL.working_seconds(utc, sh(2026, 3, 16, 11)) == 4 * HOUR


def test_daylight_saving_days_count_real_time():
    berlin = ZoneInfo("Europe/Berlin")
    sundays = {dt.date(2026, 3, 29): 2, dt.date(2026, 10, 25): 4}  # clocks change at night
    cal = WorkCalendar.default(tz=berlin, periods=(("01:00", "04:00"),), workdays=set(sundays))
    for day, hours in {**sundays, dt.date(2026, 3, 30): 3}.items():
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=berlin)
        next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=berlin)
        assert cal.working_seconds(midnight, next_midnight) == hours * HOUR, day


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive"):
        CAL.add(dt.datetime(2026, 3, 16, 8), 1, "working_hours")


def test_working_seconds_elapsed_and_remaining():
    monday = sh(2026, 3, 16)
    assert CAL.working_seconds(monday, monday + dt.timedelta(days=7)) == 40 * HOUR
    assert CAL.working_seconds(monday + dt.timedelta(days=7), monday) == 0
    assert CAL.elapsed(sh(2026, 3, 16, 11), sh(2026, 3, 16, 15), "working_minutes") == 2 * HOUR
    assert CAL.remaining(sh(2026, 3, 16, 15), sh(2026, 3, 16, 11), "working_hours") == 2 * HOUR
    assert CAL.remaining(sh(2026, 3, 16, 11), sh(2026, 3, 16, 15), "working_hours") == -2 * HOUR
    assert CAL.limit_seconds(Decimal("1.5"), "working_days") == 12 * HOUR


def test_unknown_years_and_admin_holiday_in_2027():
    assert CAL.unknown_years(sh(2026, 12, 30), sh(2027, 1, 5)) == {2027}
    assert CAL.unknown_years(sh(2026, 1, 1), sh(2026, 12, 31)) == frozenset()
    assert not CAL.is_working_day(ADMIN_HOLIDAY_2027)
    assert CAL.is_working_day(dt.date(2027, 3, 9)) and not CAL.is_working_day(dt.date(2027, 3, 13))
    # Tue 9 Mar 2027 17:00 + 2 working hours: 1 h Tuesday, Wednesday is the admin holiday.
    assert CAL.add(sh(2027, 3, 9, 17), 2, "working_hours") == sh(2027, 3, 11, 9)


def test_invalid_configuration_is_refused_in_chinese():
    with pytest.raises(ValueError, match="工作时段"):
        WorkCalendar.default(periods=(("12:00", "08:00"),))
    with pytest.raises(ValueError, match="工作时段"):
        WorkCalendar.default(periods=(("08:00", "12:00"), ("11:00", "18:00")))
    with pytest.raises(ValueError, match="工作日时长"):
        WorkCalendar.default(day_hours=0)
    with pytest.raises(ValueError, match="时限"):
        CAL.add(sh(2026, 3, 16, 8), -1, "working_hours")


def test_long_spans_are_fast_and_exact():
    start = sh(2026, 1, 5, 9, 17)
    begin = time.perf_counter()
    for days in range(1, 1001, 10):
        deadline = CAL.add(start, days, "working_days")
        assert CAL.elapsed(start, deadline, "working_days") == CAL.limit_seconds(
            days, "working_days"
        )
    assert time.perf_counter() - begin < 2.0  # 100 deadlines up to ~4 years out


def test_from_session_reads_settings_and_calendar_tables(db):
    with db.Session.begin() as session:
        set_setting(session, "working_periods", [["08:30", "12:00"], ["13:30", "17:30"]])
        set_setting(session, "working_day_hours", 6)
        session.add_all(
            [
                CalendarDay(day=dt.date(2026, 10, 1), kind="holiday", name="国庆节"),
                CalendarDay(day=dt.date(2026, 10, 10), kind="workday", name="国庆节调休"),
                CalendarYear(year=2026, source="chinese_calendar", complete=True),
                CalendarYear(year=2027, source="admin", complete=False),
            ]
        )
    with db.Session() as session:
        cal = WorkCalendar.from_session(session)
    assert cal.tz == SH and cal.day_hours == 6
    assert cal.periods == ((dt.time(8, 30), dt.time(12)), (dt.time(13, 30), dt.time(17, 30)))
    assert cal.holidays == {dt.date(2026, 10, 1)} and cal.workdays == {dt.date(2026, 10, 10)}
    assert cal.known_years == {2026}
    assert cal.add(sh(2026, 9, 30, 17), 1, "working_hours") == sh(2026, 10, 2, 9)


def test_from_session_defaults_on_empty_database(db):
    with db.Session() as session:
        cal = WorkCalendar.from_session(session)
    assert cal == WorkCalendar.default()


# -- properties ----------------------------------------------------------------------------

MOMENTS = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 6, 30), timezones=st.just(SH)
).map(lambda moment: moment.replace(microsecond=0))
VALUES = st.one_of(
    st.integers(1, 40),
    st.decimals(min_value=Decimal("0.25"), max_value=Decimal("30"), places=2),
    st.floats(min_value=0.1, max_value=30, allow_nan=False),
)
CALENDARS = st.sampled_from([CAL, CAL6])


@st.composite
def period_sets(draw) -> tuple[tuple[str, str], ...]:
    """One to three ordered, non-overlapping periods on a 15-minute grid."""
    marks = sorted(draw(st.sets(st.integers(0, 95), min_size=2, max_size=6)))
    marks = marks[: len(marks) // 2 * 2]
    return tuple(
        (f"{a // 4:02d}:{a % 4 * 15:02d}", f"{b // 4:02d}:{b % 4 * 15:02d}")
        for a, b in zip(marks[::2], marks[1::2], strict=True)
    )


@PROPS
@given(CALENDARS, MOMENTS, VALUES, st.sampled_from(WORKING_UNITS))
def test_working_deadline_is_inside_working_time_and_round_trips(cal, start, value, unit):
    deadline = cal.add(start, value, unit)
    assert deadline > start and deadline.tzinfo == UTC
    assert cal.is_working_time(deadline)
    assert cal.is_working_day(deadline.astimezone(SH).date())
    assert cal.elapsed(start, deadline, unit) == cal.limit_seconds(value, unit)


@PROPS
@given(
    period_sets(),
    st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York"]),
    st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 31)),
    VALUES,
    st.sampled_from(WORKING_UNITS),
)
def test_any_periods_and_time_zone_round_trip(periods, zone, start, value, unit):
    cal = WorkCalendar.default(periods=periods, tz=ZoneInfo(zone), day_hours=7.5)
    start = start.replace(tzinfo=ZoneInfo(zone))
    deadline = cal.add(start, value, unit)
    assert cal.is_working_time(deadline) and deadline > start
    assert cal.elapsed(start, deadline, unit) == cal.limit_seconds(value, unit)


@PROPS
@given(CALENDARS, MOMENTS, VALUES, st.sampled_from(NATURAL_UNITS))
def test_natural_deadline_round_trips(cal, start, value, unit):
    deadline = cal.add(start, value, unit)
    assert deadline - start == dt.timedelta(microseconds=cal.limit_us(value, unit))
    assert cal.elapsed(start, deadline, unit) == cal.limit_seconds(value, unit)


@PROPS
@given(CALENDARS, st.lists(MOMENTS, min_size=3, max_size=3), st.sampled_from(list(TimeUnit)))
def test_elapsed_is_additive(cal, moments, unit):
    a, b, c = sorted(moments)
    total = cal.elapsed(a, c, unit)
    assert math.isclose(cal.elapsed(a, b, unit) + cal.elapsed(b, c, unit), total, abs_tol=1e-6)
    assert cal.elapsed_us(a, b, unit) + cal.elapsed_us(b, c, unit) == cal.elapsed_us(a, c, unit)
    assert cal.remaining(c, a, unit) == total and cal.remaining(a, c, unit) == -total


@PROPS
@given(CALENDARS, MOMENTS, VALUES, VALUES, st.sampled_from(list(TimeUnit)))
def test_deadline_is_monotonic_in_value(cal, start, first, second, unit):
    low, high = sorted((Decimal(str(first)), Decimal(str(second))))
    assert cal.add(start, low, unit) <= cal.add(start, high, unit)


@PROPS
@given(CALENDARS, st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 12, 31)))
def test_holidays_and_make_up_days_are_honoured(cal, day):
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=SH)
    worked = cal.working_seconds(midnight, midnight + dt.timedelta(days=1))
    assert worked == (8 * HOUR if chinese_calendar.is_workday(day) else 0)
    assert not cal.unknown_years(midnight, midnight)


@PROPS
@given(CALENDARS, st.dates(min_value=dt.date(2027, 1, 1), max_value=dt.date(2028, 12, 31)))
def test_unknown_years_fall_back_to_weekday_rules(cal, day):
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=SH)
    worked = cal.working_seconds(midnight, midnight + dt.timedelta(days=1))
    expected = day.weekday() < 5 and day != ADMIN_HOLIDAY_2027
    assert worked == (8 * HOUR if expected else 0)
    assert cal.unknown_years(midnight - dt.timedelta(days=400), midnight) >= {day.year}
    assert cal.unknown_years(midnight, midnight) == {day.year}


def test_microsecond_helpers_round_trip():
    moment = sh(2026, 3, 16, 8, 0, 0, 123456)
    assert from_us(to_us(moment)) == moment
