"""The running clocks of all open cases as numpy columns: lights, remaining time, forecast.

One query fetches every open case's clock (the handling clock while dispatched, else the
step clock 环节时限, as the work boxes show it: ``models.queues``); the arithmetic is the
work boxes' own (``workflow.lights.clock_arrays``: vectorised over the working calendar,
suspended time not counted as used), so counting the lights of 100,000 open cases costs a
few numpy passes, not a Python loop, and the wall, the KPI panels, the map and the boxes
show the same light.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import Case, get_setting
from seatdesk.models.enums import TimeUnit
from seatdesk.models.queues import HANDLING_STATES, STEP_OF_STATE
from seatdesk.workflow.lights import clock_arrays
from seatdesk.workflow.worktime import WorkCalendar, to_us_array

GREEN, YELLOW, RED = 0, 1, 2


@dataclass(frozen=True)
class OpenClocks:
    """Columns of the open cases that have a running clock (one entry per case)."""

    case_id: np.ndarray
    state: list[str]
    department_id: list[int | None]
    grid_cell_id: list[int | None]
    due_us: np.ndarray  # deadline, epoch µs
    suspended: np.ndarray  # bool: clock frozen (挂账)
    working: np.ndarray  # bool: counts working time
    light: np.ndarray  # GREEN | YELLOW | RED
    left_us: np.ndarray  # signed remaining µs of the clock's own kind of time

    def __len__(self) -> int:
        return len(self.case_id)


def clock_query():
    states = sorted(HANDLING_STATES | set(STEP_OF_STATE))
    return select(Case.id, Case.state, Case.department_id, Case.grid_cell_id, Case.dispatched_at,
                  Case.deadline_at, Case.limit_unit, Case.suspended_at, Case.step_started_at,
                  Case.step_deadline_at, Case.suspended_seconds).where(Case.state.in_(states))


def _step_units(session: Session) -> dict[str, str]:
    return {step: str(unit) for step, (_, unit) in get_setting(session, "step_limits").items()}


def open_clocks(session: Session, cal: WorkCalendar, now: dt.datetime,
                yellow_ratio: float | None = None) -> OpenClocks:
    """Every open case's running clock read at ``now``."""
    if yellow_ratio is None:
        yellow_ratio = float(get_setting(session, "light_yellow_ratio"))
    units = _step_units(session)
    rows = session.execute(clock_query()).all()
    return clocks_from_rows(rows, units, cal, now, yellow_ratio)


def clocks_from_rows(rows, units: dict[str, str], cal: WorkCalendar, now: dt.datetime,
                     yellow_ratio: float) -> OpenClocks:
    """The clocks of ``clock_query`` rows, by the one rule of ``workflow.lights``."""
    kept, clocks = [], []
    for r in rows:
        clock = _clock_of(r, units)
        if clock is not None:
            kept.append(r)
            clocks.append(clock)
    if not clocks:
        empty = np.array([], dtype=np.int64)
        return OpenClocks(empty, [], [], [], empty, np.array([], dtype=bool),
                          np.array([], dtype=bool), np.array([], dtype=np.int8), empty)
    light, _ratio, left, _overdue, working = clock_arrays(cal, clocks, now, yellow_ratio)
    return OpenClocks(np.array([r[0] for r in kept], dtype=np.int64), [r[1] for r in kept],
                      [r[2] for r in kept], [r[3] for r in kept],
                      to_us_array([c[1] for c in clocks]),
                      np.array([c[3] is not None for c in clocks], dtype=bool), working,
                      light, left)


def _clock_of(r, units: dict[str, str]):
    """``(started, deadline, unit, suspended_since, paused_seconds)`` as the box shows it."""
    state = r[1]
    if state in HANDLING_STATES and r[4] is not None and r[5] is not None:
        return r[4], r[5], r[6] or TimeUnit.WORKING_HOURS.value, r[7], r[10] or 0
    step = STEP_OF_STATE.get(state)
    if step and r[8] is not None and r[9] is not None:
        return r[8], r[9], units.get(step, TimeUnit.WORKING_MINUTES.value), None, 0
    return None


def light_counts(clocks: OpenClocks) -> dict[str, int]:
    counts = np.bincount(clocks.light, minlength=3) if len(clocks) else np.zeros(3, int)
    return {"green": int(counts[GREEN]), "yellow": int(counts[YELLOW]), "red": int(counts[RED])}
