"""交接班: the shift-handover sheet and the incoming shift lead's acknowledgement.

The sheet lists open items by stage, the cases that will go red during the next shift,
pending callbacks (回访) and the suspended (挂账) cases, longest suspended first — the
ledger records no planned resume date, so "due to resume" is shown as time suspended.

The incoming lead's acknowledgement is a row of the append-only ``handover_acks`` table
(``seatdesk.models.HandoverAck``; PostgreSQL refuses UPDATE/DELETE by trigger) holding a
canonical JSON summary of what was handed over, so the record shows what was accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import Case, CaseReporter, HandoverAck, User
from seatdesk.models.enums import CaseState, Role
from seatdesk.models.ledger import canonical_payload
from seatdesk.models.queues import mask_phone
from seatdesk.workflow.worktime import WorkCalendar, to_us

from .clocks import RED, OpenClocks, open_clocks
from .forecast import BoardRow, board
from .live import NO_TREND_CACHE, live_kpis

#: who may acknowledge a handover sheet
ACK_ROLES = frozenset({Role.SHIFT_LEAD.value, Role.ADMIN.value})


@dataclass(frozen=True)
class Callback:
    case_id: int
    number: str
    phone: str  # masked
    closed_at: dt.datetime | None


@dataclass(frozen=True)
class Suspended:
    case_id: int
    number: str
    since: dt.datetime
    days: float


@dataclass(frozen=True)
class HandoverSheet:
    sheet_id: str
    generated_at: dt.datetime
    shift_end: dt.datetime
    open_by_stage: tuple[tuple[str, int], ...]  # (中文 stage, count), non-zero only
    going_red: tuple[BoardRow, ...]
    red_now: int
    callbacks: tuple[Callback, ...]
    suspended: tuple[Suspended, ...]


@dataclass(frozen=True)
class Acknowledgement:
    sheet_id: str
    user_id: int
    user_name: str
    at: dt.datetime
    note: str
    summary: dict[str, Any] = field(default_factory=dict, hash=False)


def handover_sheet(session: Session, now: dt.datetime, shift_hours: float = 8,
                   cal: WorkCalendar | None = None) -> HandoverSheet:
    cal = cal or WorkCalendar.from_session(session)
    clocks = open_clocks(session, cal, now)
    kpis = live_kpis(session, cal, now, clocks, cache=NO_TREND_CACHE)
    end = now + dt.timedelta(hours=shift_hours)
    sheet_id = hashlib.sha1(now.isoformat().encode()).hexdigest()[:12]
    return HandoverSheet(
        sheet_id=sheet_id, generated_at=now, shift_end=end,
        open_by_stage=tuple((label, n) for _, label, n in kpis.open_by_stage if n),
        going_red=_going_red(session, clocks, cal, now, end),
        red_now=int((clocks.light == RED).sum()),
        callbacks=_callbacks(session), suspended=_suspended(session, now),
    )


def _going_red(session, clocks: OpenClocks, cal, now, end) -> tuple[BoardRow, ...]:
    mask = (~clocks.suspended & (clocks.due_us >= to_us(now)) & (clocks.due_us <= to_us(end)))
    keep = np.flatnonzero(mask)
    subset = OpenClocks(clocks.case_id[keep], [clocks.state[i] for i in keep],
                        [clocks.department_id[i] for i in keep],
                        [clocks.grid_cell_id[i] for i in keep], clocks.due_us[keep],
                        clocks.suspended[keep], clocks.working[keep],
                        np.maximum(clocks.light[keep], 1).astype(np.int8), clocks.left_us[keep])
    return board(session, subset, cal, limit=200)


def _callbacks(session: Session) -> tuple[Callback, ...]:
    query = (select(Case.id, Case.number, CaseReporter.phone, Case.closed_at)
             .join(CaseReporter, CaseReporter.case_id == Case.id)
             .where(Case.state == CaseState.CLOSED, CaseReporter.callback_due.is_(True))
             .order_by(Case.closed_at).limit(200))
    return tuple(Callback(r[0], r[1], mask_phone(r[2] or "", "dispatcher"), r[3])
                 for r in session.execute(query))


def _suspended(session: Session, now: dt.datetime) -> tuple[Suspended, ...]:
    query = (select(Case.id, Case.number, Case.suspended_at)
             .where(Case.state == CaseState.SUSPENDED, Case.suspended_at.is_not(None))
             .order_by(Case.suspended_at).limit(200))
    return tuple(Suspended(r[0], r[1], r[2], round((now - r[2]).total_seconds() / 86400, 1))
                 for r in session.execute(query))


# -- acknowledgement ------------------------------------------------------------------------
def sheet_summary(sheet: HandoverSheet) -> dict[str, Any]:
    """What the incoming lead accepts: stages, red now, counts and the case numbers."""
    return {
        "open_by_stage": [[stage, int(n)] for stage, n in sheet.open_by_stage],
        "red_now": int(sheet.red_now),
        "going_red": len(sheet.going_red),
        "going_red_cases": [row.number for row in sheet.going_red],
        "callbacks": len(sheet.callbacks),
        "suspended": len(sheet.suspended),
        "suspended_cases": [s.number for s in sheet.suspended],
    }


def acknowledgements(session: Session, limit: int = 50) -> list[Acknowledgement]:
    """The latest acknowledgements, newest first."""
    query = (select(HandoverAck, User.display_name)
             .join(User, User.id == HandoverAck.acknowledged_by_id)
             .order_by(HandoverAck.at.desc(), HandoverAck.id.desc()).limit(limit))
    return [_value(row, name) for row, name in session.execute(query)]


def _value(row: HandoverAck, user_name: str) -> Acknowledgement:
    return Acknowledgement(row.sheet_id, row.acknowledged_by_id, user_name, row.at, row.note,
                           json.loads(row.summary or "{}"))


def acknowledge(session: Session, sheet: HandoverSheet, user_id: int, at: dt.datetime,
                note: str = "") -> Acknowledgement:
    """The incoming shift lead confirms the sheet: one append-only row (caller commits)."""
    user = session.get(User, user_id)
    if user is None or user.role not in ACK_ROLES:
        raise PermissionError("只有值班长可以确认交接班")
    done = select(HandoverAck.id).where(HandoverAck.sheet_id == sheet.sheet_id,
                                        HandoverAck.acknowledged_by_id == user.id)
    if session.scalar(done) is not None:
        raise ValueError(f"该交接单（{sheet.sheet_id}）已由{user.display_name}确认，不能重复确认")
    row = HandoverAck(sheet_id=sheet.sheet_id, generated_at=sheet.generated_at,
                      shift_end=sheet.shift_end, acknowledged_by_id=user.id, at=at,
                      note=note.strip(), summary=canonical_payload(sheet_summary(sheet)))
    session.add(row)
    session.flush()
    return _value(row, user.display_name)
