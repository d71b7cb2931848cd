"""Traffic lights: thresholds, suspension (挂账), wording, and the batch form."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import chinese_calendar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatdesk.models.enums import TimeUnit
from seatdesk.workflow.lights import (
    LIGHT_LABELS,
    ClockState,
    Light,
    clock_state,
    clock_states,
    remaining_text,
)
from seatdesk.workflow.worktime import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar.default(
    holidays=frozenset(d for d in chinese_calendar.holidays if d.year == 2026 and d.weekday() < 5),
    workdays=frozenset(d for d in chinese_calendar.workdays if d.year == 2026),
    known_years=frozenset({2026}),
)
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


START = sh(2026, 3, 16, 8)  # Monday
DEADLINE = CAL.add(START, 5, "working_hours")  # Monday 15:00; 80 % = 4 h = Monday 12:00


def state(now: dt.datetime, **kwargs) -> ClockState:
    return clock_state(CAL, START, DEADLINE, "working_hours", now, **kwargs)


def test_deadline_setup():
    assert DEADLINE.astimezone(SH) == sh(2026, 3, 16, 15)


def test_green_below_eighty_percent_yellow_from_it():
    just_before = state(sh(2026, 3, 16, 11, 59, 59))
    assert just_before.light is Light.GREEN and just_before.ratio < 0.8
    at_80 = state(sh(2026, 3, 16, 12))
    assert at_80.light is Light.YELLOW and at_80.ratio == 0.8
    assert at_80.remaining_text == "剩余 1工作时" and at_80.remaining_seconds == 3600
    lunch = state(sh(2026, 3, 16, 13))  # the clock does not run over lunch
    assert lunch.light is Light.YELLOW and lunch.ratio == 0.8 and lunch.remaining_seconds == 3600


def test_yellow_up_to_deadline_red_after():
    at_deadline = state(DEADLINE)
    assert at_deadline.light is Light.YELLOW and at_deadline.ratio == 1.0
    assert not at_deadline.overdue and at_deadline.remaining_seconds == 0
    late = state(DEADLINE + dt.timedelta(seconds=1))
    assert late.light is Light.RED and late.overdue and late.remaining_seconds == -1
    assert late.remaining_text == "超期 不足1工作分"
    next_day = state(sh(2026, 3, 17, 11, 15))
    assert next_day.remaining_text == "超期 6工作时15分" and next_day.ratio == (5 + 6.25) / 5


def test_yellow_ratio_is_configurable():
    assert state(sh(2026, 3, 16, 10, 30), yellow_ratio=0.5).light is Light.YELLOW
    assert state(sh(2026, 3, 16, 10, 29), yellow_ratio=0.5).light is Light.GREEN
    assert state(sh(2026, 3, 16, 10, 30)).light is Light.GREEN


def test_clock_is_frozen_while_suspended():
    since = sh(2026, 3, 16, 10)
    frozen = state(sh(2026, 5, 1, 9), suspended_since=since)
    assert frozen == state(since)
    assert frozen.light is Light.GREEN and frozen.remaining_text == "剩余 3工作时"
    assert state(sh(2026, 5, 1, 9)).light is Light.RED


def test_natural_clock_runs_through_nights_and_holidays():
    start = sh(2026, 9, 30, 22)
    deadline = CAL.add(start, 6, "natural_hours")
    assert clock_state(
        CAL, start, deadline, "natural_hours", sh(2026, 10, 1, 2, 55)
    ).remaining_text == ("剩余 1小时5分")
    late = clock_state(CAL, start, deadline, TimeUnit.NATURAL_HOURS, sh(2026, 10, 2, 7, 30))
    assert late.light is Light.RED and late.remaining_text == "超期 1天3小时"


def test_remaining_text_wording():
    assert remaining_text(2 * 3600 + 15 * 60, False, True) == "剩余 2工作时15分"
    assert remaining_text(-(11 * 3600) - 59, True, True) == "超期 1工作日3工作时"
    assert remaining_text(-(11 * 3600), True, True, day_hours=6) == "超期 1工作日5工作时"
    assert remaining_text(45 * 60 + 30, False, True) == "剩余 45工作分"
    assert remaining_text(3900, False, False) == "剩余 1小时5分"
    assert remaining_text(45 * 60, False, False) == "剩余 45分"
    assert remaining_text(30, False, False) == "剩余 不足1分"
    assert remaining_text(2 * 86400, False, False) == "剩余 2天"


def test_labels():
    assert [LIGHT_LABELS[light] for light in Light] == ["绿灯", "黄灯", "红灯"]
    assert Light.RED.label == "红灯" and Light("yellow") is Light.YELLOW


def test_batch_matches_single_and_calendar():
    rng = random.Random(7)
    now = sh(2026, 10, 9, 10, 20)
    rows = []
    for _ in range(300):
        start = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 40))
        unit = rng.choice(list(TimeUnit))
        suspended = start + (now - start) * rng.random() if rng.random() < 0.2 else None
        rows.append((start, CAL.add(start, rng.choice([1, 2, 5, 30]), unit), unit, suspended))
    batch = clock_states(CAL, iter(rows), now, 0.75)
    for (start, deadline, unit, suspended), got in zip(rows, batch, strict=True):
        assert got == clock_state(CAL, start, deadline, unit, now, 0.75, suspended)
        at = suspended or now
        assert got.remaining_seconds == CAL.remaining(deadline, at, unit)
        limit, spent = CAL.elapsed_us(start, deadline, unit), CAL.elapsed_us(start, at, unit)
        assert got.ratio == spent / limit and got.overdue == (at > deadline)
    assert {state.light for state in batch} == set(Light)
    assert clock_states(CAL, [], now) == []


MOMENTS = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 1), timezones=st.just(SH)
)


@PROPS
@given(
    MOMENTS,
    st.integers(1, 20),
    st.sampled_from(list(TimeUnit)),
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(0, 90 * 24 * 60),
)
def test_resuming_after_suspension_is_never_overdue(start, value, unit, a, b, pause_minutes):
    deadline = CAL.add(start, value, unit)
    since = start + (deadline - start) * min(a, b)
    resumed = min(
        since + dt.timedelta(minutes=pause_minutes), start + (deadline - start) * max(a, b)
    )
    if pause_minutes % 3 == 0:  # also suspensions reaching beyond the deadline
        resumed = since + dt.timedelta(minutes=pause_minutes)
    extended = CAL.extend_for_suspension(deadline, since, resumed, unit)
    # the extended deadline = the original one + the (working) time spent suspended
    assert CAL.elapsed_us(deadline, extended, unit) == CAL.elapsed_us(since, resumed, unit)
    assert extended >= deadline
    # resuming with the remaining time gives the same deadline, and never an overdue light
    remaining_us = round(CAL.remaining(deadline, since, unit) * 1_000_000)
    resume_unit = "working_minutes" if TimeUnit(unit).is_working_time else "natural_minutes"
    via_remaining = CAL.add(resumed, remaining_us / 60_000_000, resume_unit)
    assert CAL.elapsed_us(resumed, via_remaining, unit) == CAL.elapsed_us(resumed, extended, unit)
    at_resumption = clock_state(CAL, start, extended, unit, resumed)
    assert at_resumption.remaining_seconds == CAL.remaining(deadline, since, unit)
    if resumed <= deadline or at_resumption.remaining_seconds > 0:
        assert not at_resumption.overdue and at_resumption.light is not Light.RED


def test_suspended_with_nothing_left_and_resumed_after_lunch():
    start, since, resumed = sh(2026, 3, 16, 8), sh(2026, 3, 16, 12), sh(2026, 3, 16, 13)
    deadline = CAL.add(start, 4, "working_hours")
    assert deadline == since
    assert CAL.extend_for_suspension(deadline, since, resumed, "working_hours") == deadline
    assert CAL.extend_for_suspension(deadline, since, sh(2026, 3, 16, 15), "working_hours") == sh(
        2026, 3, 16, 15
    )
    assert CAL.extend_for_suspension(deadline, since, resumed, "natural_hours") == resumed


def test_time_already_suspended_is_neither_used_nor_part_of_the_limit():
    """A clock resumed after 挂账: its deadline moved by the suspended time and
    ``paused_seconds`` says how much; the share used and the light ignore the pause."""
    start = sh(2026, 3, 16, 8)  # Monday; 8 working hours → due Tuesday 08:00
    since, resumed = sh(2026, 3, 16, 9), sh(2026, 3, 30, 9)  # 1 h used, 2 weeks off
    moved = CAL.extend_for_suspension(CAL.add(start, 8, "working_hours"), since, resumed,
                                      "working_hours")
    paused = CAL.elapsed(since, resumed, "working_hours")
    assert paused == 80 * 3600
    state = clock_state(CAL, start, moved, "working_hours", resumed, paused_seconds=paused)
    assert (state.light, state.ratio, state.remaining_text) == (Light.GREEN, 0.125,
                                                                "剩余 7工作时")
    unaware = clock_state(CAL, start, moved, "working_hours", resumed)
    assert unaware.light is Light.YELLOW  # what the seats showed before: 81 of 88 hours
    assert clock_states(CAL, [(start, moved, "working_hours", None, paused)], resumed) == [state]
