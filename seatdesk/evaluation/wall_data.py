"""Everything the wall display (大屏) shows, read in one go off the GUI thread.

No caller names or phone numbers are ever read here: the queries select none of those
columns, so nothing of the kind can reach the wall.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import AdminUnit, Department, GridCell, get_setting
from seatdesk.models.enums import AdminLevel
from seatdesk.workflow.worktime import WorkCalendar

from .clocks import RED, open_clocks
from .forecast import BoardRow, DepartmentForecast, board, department_forecast
from .live import LiveKpis, live_kpis


@dataclass(frozen=True)
class CellShape:
    cell_id: int
    code: str
    rings: tuple[tuple[tuple[float, float], ...], ...]  # exterior ring(s) lon/lat


@dataclass(frozen=True)
class WallSnapshot:
    at: dt.datetime
    centre_name: str
    kpis: LiveKpis
    board: tuple[BoardRow, ...]
    forecast: tuple[DepartmentForecast, ...]
    open_by_cell: dict[int, int]
    red_by_cell: dict[int, int]
    district_names: tuple[str, ...] = ()  # "溧阳市": dropped in front of department names

    def short(self, department: str) -> str:
        """A department name without its district's name in front (the wall is narrow)."""
        for prefix in self.district_names:
            if department.startswith(prefix) and len(department) > len(prefix) + 1:
                return department[len(prefix):]
        return department


def cell_shapes(session: Session) -> tuple[CellShape, ...]:
    """Grid cell outlines for the map view (read once; cells change rarely)."""
    out = []
    for cell_id, code, geom in session.execute(select(GridCell.id, GridCell.code, GridCell.geom)):
        polys = getattr(geom, "geoms", [geom])
        rings = tuple(tuple((float(x), float(y)) for x, y in p.exterior.coords) for p in polys)
        out.append(CellShape(cell_id, code, rings))
    return tuple(out)


def wall_snapshot(session: Session, now: dt.datetime, cal: WorkCalendar | None = None,
                  board_size: int = 40) -> WallSnapshot:
    cal = cal or WorkCalendar.from_session(session)
    clocks = open_clocks(session, cal, now)
    kpis = live_kpis(session, cal, now, clocks)
    names = dict(session.execute(select(Department.id, Department.name)).all())
    cells = Counter(c for c in clocks.grid_cell_id if c is not None)
    red_idx = np.flatnonzero(clocks.light == RED).tolist()
    red = Counter(clocks.grid_cell_id[i] for i in red_idx if clocks.grid_cell_id[i] is not None)
    return WallSnapshot(
        at=now, centre_name=str(get_setting(session, "centre_name")), kpis=kpis,
        board=board(session, clocks, cal, board_size),
        forecast=department_forecast(clocks, cal, now, names),
        open_by_cell=dict(cells), red_by_cell=dict(red),
        district_names=tuple(session.scalars(select(AdminUnit.name).where(
            AdminUnit.level == AdminLevel.DISTRICT))),
    )
