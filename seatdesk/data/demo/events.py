"""Values of the demo case generator: events (ledger rows to be), drafts, staff, and the
cut of a life at "now" with the dispatch rows that survive it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Who = tuple[int | None, str, str]  # user id, role, seat
NO_FILES: list = []


@dataclass(slots=True, eq=False)
class Event:
    at: dt.datetime
    action: str
    source: str
    target: str
    who: Who
    reason: str
    args: dict[str, Any]
    changes: dict[str, Any]


@dataclass(slots=True)
class View:
    """The attributes ``timelimits`` reads and writes on a case."""

    step_started_at: dt.datetime | None = None
    step_deadline_at: dt.datetime | None = None
    deadline_at: dt.datetime | None = None
    urgency: str = "normal"
    limit_value: Decimal | None = None
    limit_unit: str | None = None


@dataclass
class Draft:
    """Everything decided up front for one case (ids are database ids)."""

    id: int
    fields: dict[str, Any]  # register-time case fields (number, place, class, people …)
    public: bool
    register_by: Who
    supervisor: Who
    department: int
    dept_user: Who
    suggestion: str  # why ``department`` is suggested (as routing.suggest_department says)
    district: int | None  # district centre id when routed through the 二级平台
    district_user: Who | None
    condition: tuple[int, Decimal, str, str]  # id, value, unit, 结案条件
    u: list[float]  # uniform random numbers driving delays and branches
    flags: frozenset[str] = frozenset()
    component_code: str | None = None
    wrong_department: tuple[int, Who] | None = None
    merge_into: tuple[int, str] | None = None  # survivor id and number
    hold: str | None = None


@dataclass(frozen=True)
class Staff:
    acceptor: Who
    shift_lead: Who
    dispatcher: Who


@dataclass
class DispatchRow:
    start: Event
    values: dict[str, Any]
    end: Event | None = None
    end_values: dict[str, Any] = field(default_factory=dict)



@dataclass
class Resumed:
    """The attributes ``timelimits.resume`` reads and writes."""

    suspended_at: dt.datetime
    suspended_seconds: int
    deadline_at: dt.datetime | None
    limit_unit: str | None


def cut(events: list[Event], now: dt.datetime, hold: str | None) -> list[Event]:
    """The events that happened by ``now``, stopping at the first arrival in ``hold``."""
    kept = []
    for ev in events:
        if ev.at > now:
            break
        kept.append(ev)
        if hold is not None and ev.target == hold:
            break
    return kept


def dispatch_rows(case_id: int, rows: list[DispatchRow], kept: list[Event]) -> list[dict]:
    """The ``dispatches`` rows of the kept part of a life (ends after the cut stay open)."""
    kept_ids = {id(ev) for ev in kept}
    out = []
    for row in rows:
        if id(row.start) not in kept_ids:
            continue
        values = {"case_id": case_id, "at": row.start.at, "ended_at": None, "outcome": "",
                  "dispatch_error": False, **row.values}
        if row.end is not None and id(row.end) in kept_ids:
            values.update(ended_at=row.end.at, **row.end_values)
        out.append(values)
    return out
