"""Working-time calendar arithmetic: 工作时/工作日 against natural time (Qt-free).

Non-urgent limits run only inside the centre's working periods (e.g. 08:00–12:00 and
14:00–18:00) on working days: Monday–Friday, minus statutory holidays, plus make-up
working days (调休). Urgent (紧急) limits use natural units and run continuously. One
工作日 is ``day_hours`` working hours (8 in one system, 6 in another: configuration).

Internally every instant is an integer count of microseconds since the Unix epoch and
working time is a non-decreasing "working clock" W(t) read from flat sorted arrays of
working intervals (one bisect per instant, no day loops), so ``add`` and ``elapsed``
round-trip exactly. Aware datetimes in any time zone go in; UTC datetimes come out.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
import zoneinfo
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from seatdesk.models.enums import DayKind, TimeUnit
from seatdesk.models.settings import DEFAULT_SETTINGS, CalendarDay, CalendarYear, get_setting

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import numpy as np
    from sqlalchemy.orm import Session

US = 1_000_000  # microseconds per second
UTC = dt.timezone.utc
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = dt.timedelta(microseconds=1)
_ONE_DAY = dt.timedelta(days=1)
_UNIT_SECONDS = {
    TimeUnit.WORKING_MINUTES: 60,
    TimeUnit.WORKING_HOURS: 3600,
    TimeUnit.NATURAL_MINUTES: 60,
    TimeUnit.NATURAL_HOURS: 3600,
    TimeUnit.NATURAL_DAYS: 86400,
}
Period = tuple[dt.time, dt.time]

__all__ = ["US", "WorkCalendar", "from_us", "parse_periods", "to_us", "to_us_array"]


def to_us(moment: dt.datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (naive ones are refused)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: working-time arithmetic needs aware ones")
    return (moment - _EPOCH) // _ONE_US


def to_us_array(moments: Iterable[dt.datetime]) -> np.ndarray:
    """Epoch microseconds of many aware datetimes as an int64 array (the batch ``to_us``)."""
    import numpy as np

    try:
        return np.array([(moment - _EPOCH) // _ONE_US for moment in moments], dtype=np.int64)
    except TypeError:
        raise ValueError("naive datetime given: working-time arithmetic needs aware ones") from None


def from_us(micros: int) -> dt.datetime:
    """The UTC datetime ``micros`` microseconds after the Unix epoch."""
    return _EPOCH + dt.timedelta(microseconds=micros)


def parse_periods(raw: Any) -> tuple[Period, ...]:
    """Working periods from settings (``[["08:00", "12:00"], …]``) or time pairs, validated."""
    periods = tuple((_as_time(start), _as_time(end)) for start, end in raw)
    if not periods:
        raise ValueError("工作时段设置无效：至少需要一个工作时段")
    previous_end = dt.time.min
    for start, end in periods:
        if not start < end:
            raise ValueError(
                f"工作时段设置无效：{start:%H:%M}–{end:%H:%M} 的结束时间必须晚于开始时间"
            )
        if start < previous_end:
            raise ValueError(f"工作时段设置无效：{start:%H:%M} 开始的时段与前一时段重叠或顺序错误")
        previous_end = end
    return periods


def _as_time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"工作时段设置无效：无法识别时间 {value!r}（应为 HH:MM）") from None


class _Span:
    """Working intervals of the local years ``first..last`` as flat sorted arrays.

    ``starts[i]``/``ends[i]`` bound the i-th working interval (epoch µs); ``before[i]`` and
    ``after[i]`` are the working µs elapsed at its start and end. Entry 0 is an empty
    sentinel at ``lo`` (local midnight of 1 January ``first``) so every instant in
    ``[lo, hi]`` finds an interval with one bisect.
    """

    __slots__ = ("first", "last", "lo", "hi", "starts", "ends", "before", "after", "_arrays")

    def __init__(self, first: int, last: int, lo: int, hi: int) -> None:
        self.first, self.last, self.lo, self.hi = first, last, lo, hi
        self.starts, self.ends, self.before, self.after = [lo], [lo], [0], [0]
        self._arrays: tuple[np.ndarray, ...] | None = None

    def append(self, start: int, end: int) -> None:
        start = max(start, self.ends[-1])  # DST gaps can make local periods overlap
        if end > start:
            self.starts.append(start)
            self.ends.append(end)
            self.before.append(self.after[-1])
            self.after.append(self.after[-1] + end - start)

    def index(self, moment: int) -> int:
        return bisect.bisect_right(self.starts, moment) - 1

    def clock(self, moment: int) -> int:
        """W(moment): working µs since ``lo``."""
        i = self.index(moment)
        return self.before[i] + min(moment - self.starts[i], self.ends[i] - self.starts[i])

    def inverse(self, target: int) -> int:
        """The earliest instant whose clock reads ``target`` (0 < target ≤ total)."""
        i = bisect.bisect_left(self.after, target)
        return self.starts[i] + target - self.before[i]

    def arrays(self) -> tuple[np.ndarray, ...]:
        if self._arrays is None:
            import numpy as np

            starts = np.asarray(self.starts, dtype=np.int64)
            lengths = np.asarray(self.ends, dtype=np.int64) - starts
            self._arrays = (starts, lengths, np.asarray(self.before, dtype=np.int64))
        return self._arrays


class WorkingClock:
    """The working clock W(t) of one calendar, built lazily year by year and cached.

    Spans only grow; a grown span replaces the old one atomically, so readers that hold a
    span keep a consistent view (differences of W never depend on the span's origin).
    """

    def __init__(
        self, tz: dt.tzinfo, periods: tuple[Period, ...], is_working_day: Callable[[dt.date], bool]
    ) -> None:
        self._tz, self._periods, self._is_working_day = tz, periods, is_working_day
        self._span: _Span | None = None
        self._lock = threading.Lock()

    def span(self, lo: int, hi: int) -> _Span:
        """A span covering the instants ``lo..hi`` (plus the following year)."""
        span = self._span
        if span is not None and span.lo <= lo and hi <= span.hi:
            return span
        return self._grow(self._year(lo), self._year(hi) + 1)

    def _year(self, moment: int) -> int:
        return from_us(moment).astimezone(self._tz).year

    def _grow(self, first: int, last: int) -> _Span:
        with self._lock:
            span = self._span
            if span is not None:
                if span.first <= first and last <= span.last:
                    return span
                first, last = min(first, span.first), max(last, span.last)
            if first < 1 or last >= dt.MAXYEAR:
                raise ValueError("时限超出工作日历可计算的年份范围")
            self._span = span = self._build(first, last)
            return span

    def _build(self, first: int, last: int) -> _Span:
        midnight = dt.time(0)
        start_day, end_day = dt.date(first, 1, 1), dt.date(last + 1, 1, 1)
        span = _Span(
            first,
            last,
            to_us(dt.datetime.combine(start_day, midnight, tzinfo=self._tz)),
            to_us(dt.datetime.combine(end_day, midnight, tzinfo=self._tz)),
        )
        day = start_day
        while day < end_day:
            if self._is_working_day(day):
                for begin, end in self._periods:
                    span.append(
                        to_us(dt.datetime.combine(day, begin, tzinfo=self._tz)),
                        to_us(dt.datetime.combine(day, end, tzinfo=self._tz)),
                    )
            day += _ONE_DAY
        return span

    def between(self, start: int, end: int) -> int:
        """Working µs in ``[start, end]`` (0 if ``end <= start``)."""
        if end <= start:
            return 0
        span = self.span(start, end)
        return span.clock(end) - span.clock(start)

    def is_working(self, moment: int) -> bool:
        span = self.span(moment, moment)
        i = span.index(moment)
        return i > 0 and moment <= span.ends[i]

    def advance(self, start: int, amount: int) -> int:
        """The earliest instant with ``amount`` working µs after ``start`` (inside working time)."""
        if amount == 0:
            return self._next_working(start)
        while True:
            span = self.span(start, start)
            target = span.clock(start) + amount
            if target <= span.after[-1]:
                return span.inverse(target)
            per_year = max(span.after[-1] // (span.last - span.first + 1), 1)
            missing_years = -(-(target - span.after[-1]) // per_year)
            self._grow(span.first, span.last + missing_years + 1)

    def shift(self, moment: int, amount: int) -> int:
        """``moment`` moved on by ``amount`` working µs; unchanged when ``amount`` is 0."""
        return moment if amount == 0 else self.advance(moment, amount)

    def _next_working(self, moment: int) -> int:
        while True:
            span = self.span(moment, moment)
            i = span.index(moment)
            if i > 0 and moment <= span.ends[i]:
                return moment
            if i + 1 < len(span.starts):
                return span.starts[i + 1]
            self._grow(span.first, span.last + 1)

    def clock_array(self, moments: np.ndarray) -> np.ndarray:
        """W(t) for an int64 array of epoch-µs instants, all read from one span."""
        import numpy as np

        if moments.size == 0:
            return np.zeros(0, dtype=np.int64)
        span = self.span(int(moments.min()), int(moments.max()))
        starts, lengths, before = span.arrays()
        i = np.searchsorted(starts, moments, side="right") - 1
        return before[i] + np.minimum(moments - starts[i], lengths[i])


@dataclass(frozen=True)
class WorkCalendar:
    """The centre's working calendar: time zone, working periods, holidays and 调休 days."""

    tz: zoneinfo.ZoneInfo
    periods: tuple[Period, ...]
    day_hours: float
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    known_years: frozenset[int] = frozenset()
    _clock: WorkingClock = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        tz = self.tz if isinstance(self.tz, dt.tzinfo) else zoneinfo.ZoneInfo(str(self.tz))
        object.__setattr__(self, "tz", tz)
        object.__setattr__(self, "periods", parse_periods(self.periods))
        if not float(self.day_hours) > 0:
            raise ValueError("工作日时长设置无效：必须大于 0 小时")
        for name in ("holidays", "workdays", "known_years"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        object.__setattr__(self, "_clock", WorkingClock(tz, self.periods, self.is_working_day))

    # -- construction -------------------------------------------------------------------
    @classmethod
    def default(cls, **overrides: Any) -> WorkCalendar:
        """Default settings and no holidays (tests and scripts); fields can be overridden."""
        base = cls(
            tz=zoneinfo.ZoneInfo(DEFAULT_SETTINGS["time_zone"]),
            periods=parse_periods(DEFAULT_SETTINGS["working_periods"]),
            day_hours=float(DEFAULT_SETTINGS["working_day_hours"]),
        )
        return replace(base, **overrides) if overrides else base

    @classmethod
    def from_session(cls, session: Session) -> WorkCalendar:
        """The calendar configured in the database: settings, calendar_days, calendar_years.

        A year only counts as known when its ``calendar_years`` row is ``complete``.
        """
        days = session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
        years = session.scalars(select(CalendarYear.year).where(CalendarYear.complete.is_(True)))
        return cls(
            tz=zoneinfo.ZoneInfo(get_setting(session, "time_zone")),
            periods=parse_periods(get_setting(session, "working_periods")),
            day_hours=float(get_setting(session, "working_day_hours")),
            holidays=frozenset(day for day, kind in days if kind == DayKind.HOLIDAY),
            workdays=frozenset(day for day, kind in days if kind == DayKind.WORKDAY),
            known_years=frozenset(years),
        )

    # -- days ---------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        """Make-up days (调休) work, holidays do not, otherwise Monday–Friday."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_working_time(self, moment: dt.datetime) -> bool:
        """Whether ``moment`` lies inside a working period of a working day (ends included)."""
        return self._clock.is_working(to_us(moment))

    def unknown_years(self, start: dt.datetime, end: dt.datetime) -> frozenset[int]:
        """Years of the span (local calendar) whose holidays are unknown: weekday rules apply."""
        first, last = sorted((start.astimezone(self.tz).year, end.astimezone(self.tz).year))
        return frozenset(range(first, last + 1)) - self.known_years

    # -- limits -------------------------------------------------------------------------
    def unit_seconds(self, unit: str | TimeUnit) -> Decimal:
        """Seconds of its own kind in one ``unit`` (a 工作日 is ``day_hours`` working hours)."""
        unit = TimeUnit(unit)
        if unit is TimeUnit.WORKING_DAYS:
            return Decimal(str(self.day_hours)) * 3600
        return Decimal(_UNIT_SECONDS[unit])

    def limit_us(self, value: Decimal | float | int, unit: str | TimeUnit) -> int:
        """The limit in whole microseconds of its own kind (rounded half-even)."""
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"时限无效：{value!r}（必须是不小于 0 的数）")
        micro = amount * self.unit_seconds(unit) * US
        return int(micro.to_integral_value(rounding=ROUND_HALF_EVEN))

    def limit_seconds(self, value: Decimal | float | int, unit: str | TimeUnit) -> float:
        """The limit expressed in seconds of its own kind (working or natural)."""
        return self.limit_us(value, unit) / US

    # -- arithmetic ---------------------------------------------------------------------
    def add(
        self, start: dt.datetime, value: Decimal | float | int, unit: str | TimeUnit
    ) -> dt.datetime:
        """The deadline ``value`` ``unit`` after ``start`` (UTC).

        Working units count only working time and land inside it (a period end counts as
        inside); a zero working limit gives the first working instant at or after ``start``.
        Natural units run continuously.
        """
        amount, begin = self.limit_us(value, unit), to_us(start)
        if not TimeUnit(unit).is_working_time:
            return from_us(begin + amount)
        return from_us(self._clock.advance(begin, amount))

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working time between two instants in seconds (0 if ``end <= start``)."""
        return self._clock.between(to_us(start), to_us(end)) / US

    def elapsed_us(self, start: dt.datetime, end: dt.datetime, unit: str | TimeUnit) -> int:
        """Exact microseconds of the unit's kind of time from ``start`` to ``end`` (≥ 0)."""
        begin, finish = to_us(start), to_us(end)
        if TimeUnit(unit).is_working_time:
            return self._clock.between(begin, finish)
        return max(0, finish - begin)

    def elapsed(self, start: dt.datetime, end: dt.datetime, unit: str | TimeUnit) -> float:
        """Seconds of the unit's kind (working seconds for working units, natural otherwise)."""
        return self.elapsed_us(start, end, unit) / US

    def remaining(self, deadline: dt.datetime, now: dt.datetime, unit: str | TimeUnit) -> float:
        """Signed seconds of the unit's kind: positive before the deadline, negative overdue."""
        due, at = to_us(deadline), to_us(now)
        if not TimeUnit(unit).is_working_time:
            return (due - at) / US
        if due >= at:
            return self._clock.between(at, due) / US
        return -self._clock.between(due, at) / US

    def extend_for_suspension(
        self,
        deadline: dt.datetime,
        suspended_since: dt.datetime,
        resumed_at: dt.datetime,
        unit: str | TimeUnit,
    ) -> dt.datetime:
        """The deadline after 挂账恢复: the original one plus the time spent suspended.

        For working units the suspended working time is added on the working clock (the
        deadline stays put if no working time passed); natural units add natural time.
        """
        extra = self.elapsed_us(suspended_since, resumed_at, unit)
        due = to_us(deadline)
        if not TimeUnit(unit).is_working_time:
            return from_us(due + extra)
        return from_us(self._clock.shift(due, extra))

    def working_clock_us(self, moments_us: np.ndarray) -> np.ndarray:
        """Vectorised working clock W(t) for epoch-microsecond instants (int64 array).

        Only differences between values of one call are meaningful (the origin is arbitrary).
        """
        return self._clock.clock_array(moments_us)
