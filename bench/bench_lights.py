"""Benchmark: traffic lights of 100,000 open cases in one ``clock_states`` call (target < 1 s).

Cases start at random instants over the past 60 days with mixed units (working minutes,
hours and days, urgent natural hours/days); about 5 % are suspended (挂账). The calendar
carries the bundled statutory holidays and 调休 days of ``chinese_calendar``.

Run standalone: ``.venv/bin/python bench/bench_lights.py``.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable

import chinese_calendar

from seatdesk.models.enums import TimeUnit
from seatdesk.workflow.lights import clock_states
from seatdesk.workflow.worktime import WorkCalendar

CASES = 100_000
REPEATS = 3
LIMITS = [
    (30, TimeUnit.WORKING_MINUTES),
    (4, TimeUnit.WORKING_HOURS),
    (2, TimeUnit.WORKING_HOURS),
    (1, TimeUnit.WORKING_DAYS),
    (5, TimeUnit.WORKING_DAYS),
    (20, TimeUnit.WORKING_DAYS),
    (6, TimeUnit.NATURAL_HOURS),
    (2, TimeUnit.NATURAL_DAYS),
]
Report = Callable[[str, float, str, str], None]


def bundled_calendar() -> WorkCalendar:
    holidays = frozenset(day for day in chinese_calendar.holidays if day.weekday() < 5)
    workdays = frozenset(chinese_calendar.workdays)
    years = frozenset(day.year for day in chinese_calendar.holidays)
    return WorkCalendar.default(holidays=holidays, workdays=workdays, known_years=years)


def open_cases(cal: WorkCalendar, now: dt.datetime, rng: random.Random) -> list[tuple]:
    rows = []
    for _ in range(CASES):
        started = now - dt.timedelta(seconds=rng.uniform(0, 60 * 86400))
        value, unit = rng.choice(LIMITS)
        deadline = cal.add(started, value, unit)
        suspended = None
        if rng.random() < 0.05:
            suspended = started + (now - started) * rng.random()
        rows.append((started, deadline, unit, suspended))
    return rows


def run(report: Report) -> None:
    cal = bundled_calendar()
    now = dt.datetime.now(dt.timezone.utc)
    rows = open_cases(cal, now, random.Random(20260601))
    timings = []
    for _ in range(REPEATS):
        begin = time.perf_counter()
        states = clock_states(cal, rows, now, 0.8)
        timings.append(time.perf_counter() - begin)
    assert len(states) == CASES
    report(
        "clock_states of 100,000 open cases (median of 3)", statistics.median(timings), "s", "< 1 s"
    )


def _print(name: str, value: float, unit: str, target: str) -> None:
    print(f"{name}: {value:.3f} {unit} (target {target})")


if __name__ == "__main__":
    run(_print)
