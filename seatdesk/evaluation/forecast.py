"""What will go red soon: per department, the open cases whose clock passes its deadline
within the next 1, 2 and 4 working hours; and the overdue / at-risk board of the wall.

"Within the next h working hours" means: the deadline falls before the instant that lies
h working hours after now on the centre's calendar (``WorkCalendar.add``) — the same
horizon for working-time and for urgent (natural-time) clocks. Suspended (挂账) clocks are
frozen and never go red by themselves, so they are left out. Clocks of steps held by the
command centre (受理, 立案, 派遣, 核查 …) are counted under ``CENTRE``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from seatdesk.models import Case, CaseClass, Department, GridCell
from seatdesk.models.enums import CaseState
from seatdesk.models.queues import HANDLING_STATES
from seatdesk.workflow.lights import remaining_text
from seatdesk.workflow.worktime import US, WorkCalendar, to_us

from .clocks import RED, YELLOW, OpenClocks

HORIZONS = (1, 2, 4)
CENTRE = "指挥中心(各环节)"


@dataclass(frozen=True)
class DepartmentForecast:
    department: str
    red_now: int
    within: tuple[int, ...]  # going red within each of HORIZONS working hours


@dataclass(frozen=True)
class BoardRow:
    """One line of the overdue / at-risk board. No caller data, by construction."""

    case_id: int
    number: str
    class_name: str
    state_label: str
    department: str
    grid_code: str
    light: str  # red | yellow
    remaining: str  # 超期 1工作日3工作时 / 剩余 25工作分
    left_seconds: float


def _holder(clocks: OpenClocks, i: int, names: dict[int, str]) -> str:
    dept = clocks.department_id[i]
    if clocks.state[i] in HANDLING_STATES and dept is not None:
        return names.get(dept, str(dept))
    return CENTRE


def department_forecast(clocks: OpenClocks, cal: WorkCalendar, now: dt.datetime,
                        names: dict[int, str]) -> tuple[DepartmentForecast, ...]:
    """Red now and going red within 1/2/4 working hours, per holder; most at risk first."""
    now_us = to_us(now)
    limits = [to_us(cal.add(now, h, "working_hours")) for h in HORIZONS]
    live = ~clocks.suspended & (clocks.due_us >= now_us)
    table: dict[str, list[int]] = {}
    holders = [_holder(clocks, i, names) for i in range(len(clocks))]
    for i in np.flatnonzero(clocks.light == RED).tolist():
        table.setdefault(holders[i], [0] * (1 + len(HORIZONS)))[0] += 1
    for k, limit in enumerate(limits, start=1):
        for i in np.flatnonzero(live & (clocks.due_us <= limit)).tolist():
            table.setdefault(holders[i], [0] * (1 + len(HORIZONS)))[k] += 1
    rows = [DepartmentForecast(name, v[0], tuple(v[1:])) for name, v in table.items()]
    rows.sort(key=lambda r: (-r.within[0], -r.within[-1], -r.red_now, r.department))
    return tuple(rows)


def board(session: Session, clocks: OpenClocks, cal: WorkCalendar,
          limit: int = 40) -> tuple[BoardRow, ...]:
    """Red cases (most overdue first), then yellow ones (soonest due first)."""
    order = np.lexsort((clocks.left_us, -clocks.light.astype(np.int64)))
    chosen = [i for i in order.tolist() if clocks.light[i] >= YELLOW][:limit]
    if not chosen:
        return ()
    ids = [int(clocks.case_id[i]) for i in chosen]
    info = _case_info(session, ids)
    out = []
    for i in chosen:
        cid = int(clocks.case_id[i])
        number, class_name, grid, dept = info.get(cid, ("", "", "", ""))
        left = float(clocks.left_us[i]) / US
        red = clocks.light[i] == RED
        text = remaining_text(left, bool(red), bool(clocks.working[i]), cal.day_hours)
        out.append(BoardRow(cid, number, class_name, CaseState(clocks.state[i]).label,
                            dept or CENTRE, grid, "red" if red else "yellow", text, left))
    return tuple(out)


def _case_info(session: Session, ids: list[int]) -> dict[int, tuple[str, str, str, str]]:
    cls, grid, dept = aliased(CaseClass), aliased(GridCell), aliased(Department)
    query = (select(Case.id, Case.number, cls.name, grid.code, dept.name)
             .outerjoin(cls, cls.id == Case.class_id)
             .outerjoin(grid, grid.id == Case.grid_cell_id)
             .outerjoin(dept, dept.id == Case.department_id)
             .where(Case.id.in_(ids)))
    return {r[0]: (r[1], r[2] or "", r[3] or "", r[4] or "") for r in session.execute(query)}
