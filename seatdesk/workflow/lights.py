"""Traffic lights (亮灯) of running clocks: green, yellow, red, and the remaining-time text.

A clock runs from ``started_at`` to ``deadline_at`` in the kind of time its unit counts
(working time for 工作时/工作日, natural time for urgent limits). It is green while the
share of the limit used is below ``yellow_ratio`` (default 80 %), yellow from there up to
and including the deadline, red once the deadline has passed (超期). While a case is
suspended (挂账) its clock is frozen at ``suspended_since``.

Suspensions never count as time used: 挂账恢复 moves the deadline by the time spent
suspended and adds that time to ``cases.suspended_seconds``; a clock row's fifth value
(``paused_seconds``, of the clock's kind of time) is taken off both the time used and
the limit, so a case resumed after a two-week suspension with 12.5 % of its handling time
used shows 12.5 % — green — and the same remaining time it had when it was suspended.

``clock_arrays`` is the vectorised core (numpy, no per-row day loops) shared by the work
boxes and the map (``clock_states``, frozen values) and by the wall and KPI clocks
(``seatdesk.evaluation.clocks``).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from seatdesk.models.enums import TimeUnit
from seatdesk.workflow.worktime import US, WorkCalendar, to_us, to_us_array

DEFAULT_YELLOW_RATIO = 0.8
#: ``(started_at, deadline_at, unit, suspended_since[, paused_seconds])``
ClockRow = tuple  # the fifth value (suspended time already behind the clock) defaults to 0


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label(self) -> str:
        return LIGHT_LABELS[self]


LIGHT_LABELS: dict[Light, str] = {Light.GREEN: "绿灯", Light.YELLOW: "黄灯", Light.RED: "红灯"}
_LIGHTS = (Light.GREEN, Light.YELLOW, Light.RED)
_IS_WORKING = {unit.value: unit.is_working_time for unit in TimeUnit}


@dataclass(frozen=True, slots=True)
class ClockState:
    """A clock seen at one instant; ``remaining_seconds`` is signed and of the unit's kind."""

    light: Light
    ratio: float
    remaining_seconds: float
    overdue: bool
    remaining_text: str


@dataclass(frozen=True)
class RemainingWords:
    """How a remaining time is written: templates where ``%1`` stands for the number (or,
    in ``left``/``overdue``/``under``, for the text). Chinese by default; a UI passes its
    translation (the map does, for ``SEATDESK_LANG=en``)."""

    left: str = "剩余 %1"
    overdue: str = "超期 %1"
    working: tuple[str, str, str] = ("%1工作日", "%1工作时", "%1工作分")  # day, hour, minute
    natural: tuple[str, str, str] = ("%1天", "%1小时", "%1分")
    minutes: str = "%1分"  # minutes after hours
    under: str = "不足%1"  # less than one minute (%1: one minute)
    pair: str = "%1%2"  # two units together


CHINESE = RemainingWords()


def remaining_text(seconds: float, overdue: bool, working: bool, day_hours: float = 8,
                   words: RemainingWords = CHINESE) -> str:
    """``剩余 2工作时15分`` / ``超期 1工作日3工作时`` / natural ``剩余 1小时5分``.

    Shows the two largest non-zero units, rounded down to whole minutes; a working day
    is ``day_hours`` working hours.
    """
    day_minutes = round(day_hours * 60) if working else 24 * 60
    day, hour, minute = words.working if working else words.natural
    days, rest = divmod(int(abs(seconds) // 60), day_minutes)
    hours, minutes = divmod(rest, 60)
    if days:
        text = _units(words, day, days, hour, hours)
    elif hours:
        text = _units(words, hour, hours, words.minutes, minutes)
    elif minutes:
        text = minute.replace("%1", str(minutes))
    else:
        text = words.under.replace("%1", minute.replace("%1", "1"))
    return (words.overdue if overdue else words.left).replace("%1", text)


def _units(words: RemainingWords, big: str, n: int, small: str, m: int) -> str:
    text = big.replace("%1", str(n))
    return words.pair.replace("%1", text).replace("%2", small.replace("%1", str(m))) if m else text


def clock_state(
    cal: WorkCalendar,
    started_at: dt.datetime,
    deadline_at: dt.datetime,
    unit: str | TimeUnit,
    now: dt.datetime,
    yellow_ratio: float = DEFAULT_YELLOW_RATIO,
    suspended_since: dt.datetime | None = None,
    paused_seconds: float = 0,
) -> ClockState:
    """The light of one clock at ``now`` (frozen at ``suspended_since`` while suspended;
    ``paused_seconds`` of earlier suspensions are not time used)."""
    row = (started_at, deadline_at, unit, suspended_since, paused_seconds)
    (state,) = clock_states(cal, [row], now, yellow_ratio)
    return state


def clock_states(
    cal: WorkCalendar,
    rows: Iterable[ClockRow],
    now: dt.datetime,
    yellow_ratio: float = DEFAULT_YELLOW_RATIO,
) -> list[ClockState]:
    """Lights of many clocks ``(started_at, deadline_at, unit, suspended_since[,
    paused_seconds])`` at ``now``."""
    rows = rows if isinstance(rows, Sequence) else list(rows)
    if not rows:
        return []
    light, ratio, left, overdue, working = clock_arrays(cal, rows, now, yellow_ratio)
    texts = _texts(left, overdue, working, cal.day_hours)
    with _gc_paused():  # 100,000 new objects would trigger needless full collections
        return list(
            map(
                ClockState,
                [_LIGHTS[code] for code in light.tolist()],
                ratio.tolist(),
                (left / US).tolist(),
                overdue.tolist(),
                texts,
            )
        )


def clock_arrays(cal: WorkCalendar, rows: Sequence[ClockRow], now: dt.datetime,
                 yellow_ratio: float = DEFAULT_YELLOW_RATIO) -> tuple[np.ndarray, ...]:
    """Columns of many clocks at ``now``: light code (0 green, 1 yellow, 2 red), share of
    the limit used, signed remaining µs of each clock's kind, overdue, counts working time.
    Suspended time (``paused_seconds``) is neither time used nor part of the limit."""
    started, due, at, working, paused = _columns(rows, now)
    limit, spent, left = _spans(cal, started, due, at, working)
    limit, spent = limit - paused, np.maximum(spent - paused, 0)
    overdue = at > due
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(limit > 0, spent / np.where(limit > 0, limit, 1), (at >= due) * 1.0)
    light = np.where(overdue, 2, np.where(ratio >= yellow_ratio, 1, 0)).astype(np.int8)
    return light, ratio, left, overdue, working


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (only if it was running) for a bulk allocation."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _columns(rows: Sequence[ClockRow], now: dt.datetime) -> tuple[np.ndarray, ...]:
    """Epoch-µs columns: start, deadline, the instant the clock reads (frozen if suspended),
    whether it counts working time, and the suspended time already behind it."""
    try:
        working = np.array([_IS_WORKING[row[2]] for row in rows], dtype=bool)
    except KeyError as error:
        raise ValueError(f"unknown time unit {error.args[0]!r}") from None
    at = np.full(len(rows), to_us(now), dtype=np.int64)
    suspended = [i for i, row in enumerate(rows) if row[3] is not None]
    if suspended:
        since = to_us_array([rows[i][3] for i in suspended])
        at[suspended] = np.minimum(at[suspended], since)
    started = to_us_array([row[0] for row in rows])
    paused = np.array([round((row[4] or 0) * US) if len(row) > 4 else 0 for row in rows],
                      dtype=np.int64)
    return started, to_us_array([row[1] for row in rows]), at, working, paused


def _spans(
    cal: WorkCalendar, started: np.ndarray, due: np.ndarray, at: np.ndarray, working: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Limit, elapsed (≥ 0) and signed remaining µs, each of its row's kind of time."""
    n = len(started)
    if working.any():
        clock = cal.working_clock_us(np.concatenate([started, due, at]))
        started = np.where(working, clock[:n], started)
        due = np.where(working, clock[n : 2 * n], due)
        at = np.where(working, clock[2 * n :], at)
    return due - started, np.maximum(at - started, 0), due - at


def _texts(
    left: np.ndarray, overdue: np.ndarray, working: np.ndarray, day_hours: float
) -> list[str]:
    """Remaining texts, formatted once per distinct (whole minutes, overdue, working)."""
    keys = (np.abs(left) // (60 * US)) * 4 + overdue * 2 + working
    distinct, inverse = np.unique(keys, return_inverse=True)
    texts = np.array(
        [
            remaining_text(key // 4 * 60, bool(key & 2), bool(key & 1), day_hours)
            for key in distinct.tolist()
        ],
        dtype=object,
    )
    return texts[inverse].tolist()
