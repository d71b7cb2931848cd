"""Case markers: where each open case is, its light (亮灯) and its stage (Qt-free).

The light is the running clock's (see ``seatdesk.workflow.lights``): the handling clock
while a case is 处置中 (and its approval/挂账 states), otherwise the step clock
(环节时限) — the same rule as the work boxes. A case without a running clock is grey.
The marker's glyph tells the stage (受/派/处/挂/核/结).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import case, select, type_coerce
from sqlalchemy.orm import Session

from seatdesk.models import Case, CaseClass, GridCell, UTCDateTime, get_setting
from seatdesk.models.enums import CaseState as S
from seatdesk.models.queues import HANDLING_STATES, running_clock
from seatdesk.models.enums import TimeUnit
from seatdesk.workflow.lights import CHINESE, RemainingWords, clock_states, remaining_text
from seatdesk.workflow.states import OPEN_STATES
from seatdesk.workflow.worktime import WorkCalendar

GREY = "grey"
LIGHTS = ("red", "yellow", "green", GREY)
#: the stage of each open state on the map (its label and glyph are page texts:
#: ``stage_<key>``, ``glyph_<key>`` in ``labels.py``)
STAGES: tuple[tuple[str, frozenset[str]], ...] = (
    ("intake", frozenset({S.REPORTED, S.PENDING_VERIFICATION, S.ACCEPTED})),
    ("dispatch", frozenset({S.FILED, S.AT_DISTRICT, S.VOID_REQUESTED})),
    ("handling", frozenset({S.DISPATCHED, S.EXTENSION_REQUESTED, S.RETURN_REQUESTED,
                            S.SUSPENSION_REQUESTED})),
    ("suspended", frozenset({S.SUSPENDED})),
    ("check", frozenset({S.FEEDBACK, S.PENDING_CHECK})),
    ("close", frozenset({S.READY_TO_CLOSE})),
)
STAGE_OF_STATE = {state: key for key, states in STAGES for state in states}


@dataclass(frozen=True)
class MarkerTexts:
    """The words of the markers' tooltips: state labels and how remaining time is written.
    The default is the core's Chinese; the seat passes its UI language's."""

    states: dict[str, str] = field(default_factory=lambda: {s.value: s.label for s in S})
    remaining: RemainingWords = CHINESE


CHINESE_MARKERS = MarkerTexts()


@dataclass(frozen=True, slots=True)
class CaseMarker:
    """One open case as the map draws it (WGS84 coordinates)."""

    id: int
    number: str
    lon: float
    lat: float
    state: str
    state_label: str
    stage: str
    light: str  # green | yellow | red | grey
    remaining: str  # "剩余 2工作时15分" / "超期 …" / ""
    class_name: str
    address: str
    grid_code: str


_HANDLING = Case.state.in_([str(s) for s in HANDLING_STATES])


def _stmt():
    """One row per case with its running clock's start, deadline and suspension (the
    handling clock while 处置中, else the step clock) picked in SQL: fewer values to convert."""

    def clock_column(handling_value, step_value):
        return type_coerce(case((_HANDLING, handling_value), else_=step_value), UTCDateTime())

    return (
        select(
            Case.id,
            Case.number,
            Case.lon,
            Case.lat,
            Case.state,
            clock_column(Case.dispatched_at, Case.step_started_at),
            clock_column(Case.deadline_at, Case.step_deadline_at),
            clock_column(Case.suspended_at, None),
            Case.limit_unit,
            Case.address,
            CaseClass.name,
            GridCell.code,
            Case.urgency,
            Case.suspended_seconds,
        )
        .outerjoin(CaseClass, CaseClass.id == Case.class_id)
        .outerjoin(GridCell, GridCell.id == Case.grid_cell_id)
    )


def open_case_markers(
    session: Session,
    now: dt.datetime,
    ids: Collection[int] | None = None,
    calendar: WorkCalendar | None = None,
    texts: MarkerTexts = CHINESE_MARKERS,
) -> list[CaseMarker]:
    """Markers of every open case, or of the open ones among ``ids``."""
    stmt = _stmt().where(Case.state.in_([str(s) for s in OPEN_STATES]))
    if ids is not None:
        stmt = stmt.where(Case.id.in_(list(ids)))
    rows = session.connection().execute(stmt.order_by(Case.id)).all()  # Core rows: no ORM overhead
    if not rows:
        return []
    calendar = calendar or WorkCalendar.from_session(session)
    step_units = {
        step: str(unit) for step, (_, unit) in get_setting(session, "step_limits").items()
    }
    # the SQL already picked the handling or the step columns, so pass them as both
    clocks = [
        running_clock(r[4], r[12], r[5], r[6], r[8], r[7], r[5], r[6], step_units, r[13])
        for r in rows
    ]
    running = [c for c in clocks if c is not None]
    states = iter(
        clock_states(calendar, running, now, float(get_setting(session, "light_yellow_ratio")))
    )
    remaining = _remaining(texts, calendar.day_hours)
    return [
        _marker(row, texts, remaining(next(states), clock) if clock is not None else None)
        for row, clock in zip(rows, clocks, strict=True)
    ]


def _remaining(texts: MarkerTexts, day_hours: float):
    """(light, remaining text) of a clock state in the markers' words."""
    def light_and_text(state, clock) -> tuple[str, str]:
        if texts.remaining is CHINESE:
            return str(state.light), state.remaining_text
        working = TimeUnit(clock[2]).is_working_time
        return str(state.light), remaining_text(state.remaining_seconds, state.overdue, working,
                                                day_hours, texts.remaining)
    return light_and_text


def _marker(row, texts: MarkerTexts, clock: tuple[str, str] | None) -> CaseMarker:
    case_id, number, lon, lat, state, _s, _d, _p, _u, address, class_name, grid_code = row[:12]
    return CaseMarker(
        id=case_id,
        number=number,
        lon=float(lon),
        lat=float(lat),
        state=state,
        state_label=texts.states.get(state, state),
        stage=STAGE_OF_STATE.get(state, "intake"),
        light=clock[0] if clock else GREY,
        remaining=clock[1] if clock else "",
        class_name=class_name or "",
        address=address or "",
        grid_code=grid_code or "",
    )


def case_location(session: Session, case_id: int) -> tuple[float, float, str] | None:
    """(lon, lat, number) of any case, open or not (to show a closed one on the map)."""
    row = session.execute(select(Case.lon, Case.lat, Case.number).where(Case.id == case_id)).first()
    return None if row is None else (float(row[0]), float(row[1]), row[2])
