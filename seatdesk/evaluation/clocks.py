"""The running clocks of all open cases as numpy columns: lights, remaining time, forecast.

One query fetches every open case's clock (the handling clock while dispatched, else the
step clock 环节时限, as the work boxes show it: ``models.queues``); the arithmetic is
vectorised over the working calendar (``WorkCalendar.working_clock_us``), so counting
the lights of 100,000 open cases costs a few numpy passes, not a Python loop.
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
from seatdesk.workflow.worktime import WorkCalendar, to_us

_WORKING = {u.value: u.is_working_time for u in TimeUnit}
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
                  Case.step_deadline_at).where(Case.state.in_(states))


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
    ids, states, depts, cells, starts, dues, working, frozen = [], [], [], [], [], [], [], []
    for r in rows:
        clock = _clock_of(r, units)
        if clock is None:
            continue
        ids.append(r[0])
        states.append(r[1])
        depts.append(r[2])
        cells.append(r[3])
        starts.append(clock[0])
        dues.append(clock[1])
        working.append(_WORKING.get(clock[2], True))
        frozen.append(clock[3])
    return _evaluate(ids, states, depts, cells, starts, dues, working, frozen, cal, now,
                     yellow_ratio)


def _clock_of(r, units: dict[str, str]):
    state = r[1]
    if state in HANDLING_STATES and r[4] is not None and r[5] is not None:
        return r[4], r[5], r[6] or TimeUnit.WORKING_HOURS.value, r[7]
    step = STEP_OF_STATE.get(state)
    if step and r[8] is not None and r[9] is not None:
        return r[8], r[9], units.get(step, TimeUnit.WORKING_MINUTES.value), None
    return None


def _us(values) -> np.ndarray:
    return np.fromiter((to_us(v) for v in values), dtype=np.int64, count=len(values))


def _evaluate(ids, states, depts, cells, starts, dues, working, frozen, cal, now,
              yellow_ratio) -> OpenClocks:
    start, due = _us(starts), _us(dues)
    work = np.array(working, dtype=bool)
    suspended = np.array([f is not None for f in frozen], dtype=bool)
    at = np.full(len(ids), to_us(now), dtype=np.int64)
    if suspended.any():
        idx = np.flatnonzero(suspended)
        at[idx] = np.minimum(at[idx], _us([frozen[i] for i in idx]))
    if work.any():
        n = len(ids)
        clock = cal.working_clock_us(np.concatenate([start, due, at]))
        start = np.where(work, clock[:n], start)
        wdue, wat = np.where(work, clock[n:2 * n], due), np.where(work, clock[2 * n:], at)
    else:
        wdue, wat = due, at
    limit, spent = wdue - start, np.maximum(wat - start, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(limit > 0, spent / np.where(limit > 0, limit, 1), 1.0)
    overdue = at > due
    light = np.where(overdue, RED, np.where(ratio >= yellow_ratio, YELLOW, GREEN))
    return OpenClocks(np.array(ids, dtype=np.int64), states, depts, cells, due, suspended, work,
                      light.astype(np.int8), wdue - wat)


def light_counts(clocks: OpenClocks) -> dict[str, int]:
    counts = np.bincount(clocks.light, minlength=3) if len(clocks) else np.zeros(3, int)
    return {"green": int(counts[GREEN]), "yellow": int(counts[YELLOW]), "red": int(counts[RED])}
