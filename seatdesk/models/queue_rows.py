"""Rows of the work boxes: the frozen ``CaseRow`` value, phone masking by role and the
row query (case plus class, grid cell, component and department) turned into rows.

Qt-free; re-exported by ``seatdesk.models.queues``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from .assets import Component
from .cases import Case
from .enums import CaseState, Role, TimeUnit, Urgency
from .reference import CaseClass, Department, GridCell
from .settings import get_setting
from .sources import source_names

S = CaseState


class Viewer(Protocol):
    """Who looks at the queue (``seatdesk.workflow.auth.LoggedIn`` fits)."""

    user_id: int
    role: str
    department_id: int | None


#: roles that see callers' phone numbers in full; the wall display sees no caller data
PHONE_ROLES = frozenset({Role.ACCEPTOR, Role.SHIFT_LEAD, Role.ADMIN})
NO_CALLER_ROLES = frozenset({Role.WALL})
#: states whose light is the whole-case handling clock (started at 派遣)
HANDLING_STATES = frozenset({S.DISPATCHED, S.EXTENSION_REQUESTED, S.RETURN_REQUESTED,
                             S.SUSPENSION_REQUESTED, S.SUSPENDED})
#: states whose light is a step clock (环节时限), and which step limit applies
STEP_OF_STATE = {
    S.REPORTED: "accept", S.PENDING_VERIFICATION: "verify", S.ACCEPTED: "file",
    S.FILED: "dispatch", S.AT_DISTRICT: "dispatch", S.VOID_REQUESTED: "approve",
    S.FEEDBACK: "check", S.PENDING_CHECK: "check", S.READY_TO_CLOSE: "close",
}


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One row of a work box: plain values, phone already masked for the viewer.

    ``clock`` is the running clock the light shows — ``(started_at, deadline_at, unit,
    suspended_since, paused_seconds)``: the handling clock while dispatched (with the time
    it already spent suspended, which does not count as used), else the step clock
    (环节时限) — or None when nothing runs (closed, voided …).
    """

    id: int
    number: str
    version: int
    source: str
    source_label: str
    kind: str
    class_code: str
    class_name: str
    urgency: str
    address: str
    grid_code: str
    component_code: str
    state: str
    state_label: str
    department_name: str
    deadline_at: dt.datetime | None
    limit_unit: str | None
    handling_started_at: dt.datetime | None
    step_started_at: dt.datetime | None
    step_deadline_at: dt.datetime | None
    suspended_since: dt.datetime | None
    reported_at: dt.datetime
    updated_at: dt.datetime
    caller_phone: str
    clock: tuple[dt.datetime, dt.datetime, str, dt.datetime | None, int] | None = field(
        default=None, compare=False)

    @property
    def shown_deadline(self) -> dt.datetime | None:
        """The deadline of the running clock (handling or step), for display."""
        return self.clock[1] if self.clock else self.deadline_at


@dataclass(frozen=True)
class Page:
    rows: tuple[CaseRow, ...]
    total: int
    offset: int = 0
    total_exact: bool = True


def mask_phone(phone: str, role: str) -> str:
    """Full number for acceptor/shift lead/admin, ``138****1234`` for others, "" for the wall."""
    if not phone or role in NO_CALLER_ROLES:
        return ""
    if role in PHONE_ROLES:
        return phone
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    head = digits[:3] if len(digits) >= 11 else ""
    return head + "*" * (len(digits) - len(head) - 4) + digits[-4:]


#: the joined tables of the row query (aliases, so callers can sort and filter on them)
JoinedClass, JoinedGrid = aliased(CaseClass), aliased(GridCell)
JoinedDept, JoinedComponent = aliased(Department), aliased(Component)

_ROW_COLUMNS = (
    Case.id, Case.number, Case.version, Case.source, Case.kind, JoinedClass.code, JoinedClass.name,
    Case.urgency, Case.address, JoinedGrid.code, JoinedComponent.code, Case.state, JoinedDept.name,
    Case.deadline_at, Case.limit_unit, Case.dispatched_at, Case.step_started_at,
    Case.step_deadline_at, Case.suspended_at, Case.reported_at, Case.updated_at,
    Case.caller_phone, Case.suspended_seconds,
)


def row_query() -> Select:
    return (select(*_ROW_COLUMNS)
            .outerjoin(JoinedClass, JoinedClass.id == Case.class_id)
            .outerjoin(JoinedGrid, JoinedGrid.id == Case.grid_cell_id)
            .outerjoin(JoinedComponent, JoinedComponent.id == Case.component_id)
            .outerjoin(JoinedDept, JoinedDept.id == Case.department_id))


def label_of(enum, value: str | None) -> str:
    try:
        return enum(value).label
    except ValueError:
        return value or ""


class RowMaker:
    """Turns result tuples into ``CaseRow`` values for one viewer and one settings read."""

    def __init__(self, session: Session, viewer: Viewer):
        self.role = viewer.role
        self.source_names = source_names(session)
        self.step_units = {step: str(unit) for step, (_, unit) in
                           get_setting(session, "step_limits").items()}

    def __call__(self, r) -> CaseRow:
        return CaseRow(
            id=r[0], number=r[1], version=r[2], source=r[3],
            source_label=self.source_names.get(r[3], r[3]), kind=r[4] or "", class_code=r[5] or "",
            class_name=r[6] or "", urgency=r[7], address=r[8] or "", grid_code=r[9] or "",
            component_code=r[10] or "", state=r[11], state_label=label_of(CaseState, r[11]),
            department_name=r[12] or "", deadline_at=r[13], limit_unit=r[14],
            handling_started_at=r[15], step_started_at=r[16], step_deadline_at=r[17],
            suspended_since=r[18], reported_at=r[19], updated_at=r[20],
            caller_phone=mask_phone(r[21] or "", self.role),
            clock=running_clock(r[11], r[7], r[15], r[13], r[14], r[18], r[16], r[17],
                                self.step_units, r[22]),
        )


Clock = tuple[dt.datetime, dt.datetime, str, "dt.datetime | None", int]


def running_clock(state: str, urgency: str, handling_start: dt.datetime | None,
                  deadline: dt.datetime | None, limit_unit: str | None,
                  suspended: dt.datetime | None, step_start: dt.datetime | None,
                  step_deadline: dt.datetime | None, step_units: dict[str, str],
                  suspended_seconds: int | None = 0) -> Clock | None:
    """The clock a case's light shows: ``(started_at, deadline_at, unit, suspended_since,
    paused_seconds)``.

    The handling clock (from 派遣, frozen while 挂账, its earlier suspensions
    ``suspended_seconds`` not counted as used) in the handling states, else the step clock
    (环节时限) with the unit of ``step_units[step]`` (the ``step_limits`` setting; natural
    time for 紧急 cases), else None (closed, voided …).
    """
    if state in HANDLING_STATES and deadline and handling_start:
        return (handling_start, deadline, limit_unit or TimeUnit.WORKING_HOURS.value, suspended,
                suspended_seconds or 0)
    step = STEP_OF_STATE.get(state)
    if step and step_start and step_deadline:
        unit = step_units.get(step, TimeUnit.WORKING_MINUTES.value)
        if urgency == Urgency.URGENT:  # 紧急: step limits run continuously
            unit = unit.replace("working_", "natural_")
        return (step_start, step_deadline, unit, None, 0)
    return None
