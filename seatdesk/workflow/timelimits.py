"""Time-limit arithmetic of the workflow: 环节时限 per step and the case's 处置时限.

- Step limits (受理, 核实, 立案, 派遣, 核查, 结案) come from the ``step_limits`` setting
  (``{"accept": [30, "working_minutes"], …}``); a step missing there has no deadline.
  The step clock restarts whenever the case changes state, except between 待核查 and
  核查中 (one 核查 step). While dispatched the step deadline is the handling deadline.
- The handling limit comes from the filing condition (stored on the case at 立案);
  the handling clock starts at the first dispatch.
- Urgent (紧急) cases count continuously: working units become natural ones.
- 延期 moves the deadline; 挂账 stops the clock and 挂账恢复 moves the deadline by the
  time spent suspended and adds it to ``suspended_seconds`` (so a suspension never makes a
  case overdue by itself, and the light does not count it as time used);
  返工 and 改派 keep or restart the deadline by configuration; a restart clears
  ``suspended_seconds``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from seatdesk.models import Case
from seatdesk.models.enums import CaseState as S
from seatdesk.models.enums import ClosureType, TimeUnit, Urgency

from .context import WorkflowSettings
from .worktime import WorkCalendar

STEP_OF_STATE: dict[str, str] = {
    S.REPORTED: "accept",
    S.PENDING_VERIFICATION: "verify",
    S.ACCEPTED: "file",
    S.FILED: "dispatch",
    S.AT_DISTRICT: "dispatch",
    S.DISPATCHED: "handle",
    S.RETURN_REQUESTED: "approve",
    S.EXTENSION_REQUESTED: "approve",
    S.SUSPENSION_REQUESTED: "approve",
    S.VOID_REQUESTED: "approve",
    S.SUSPENDED: "suspended",
    S.FEEDBACK: "check",
    S.PENDING_CHECK: "check",
    S.READY_TO_CLOSE: "close",
}
STEP_LABELS = {"accept": "受理", "verify": "核实", "file": "立案", "dispatch": "派遣",
               "handle": "处置", "approve": "审批", "suspended": "挂账", "check": "核查",
               "close": "结案"}


def effective_unit(unit: str, urgency: str) -> str:
    """紧急 limits run continuously: a working unit becomes the natural unit of the same name."""
    if urgency == Urgency.URGENT and TimeUnit(unit).is_working_time:
        return unit.replace("working_", "natural_")
    return unit


def step_limit(settings: WorkflowSettings, step: str | None) -> tuple[Decimal, str] | None:
    raw = settings.step_limits.get(step) if step else None
    if not raw:
        return None
    value, unit = raw
    return Decimal(str(value)), str(TimeUnit(unit))


def enter_state(cal: WorkCalendar, settings: WorkflowSettings, case: Case, old: str, new: str,
                now: dt.datetime) -> None:
    """Maintain ``step_started_at`` / ``step_deadline_at`` for a transition old → new."""
    step = STEP_OF_STATE.get(new)
    if step is None:  # terminal states: no running step
        case.step_started_at = case.step_deadline_at = None
        return
    restart = old != new and not (STEP_OF_STATE.get(old) == step == "check")
    if restart or case.step_started_at is None:
        case.step_started_at = now
        limit = step_limit(settings, step)
        case.step_deadline_at = None
        if limit is not None and step != "handle":
            case.step_deadline_at = cal.add(now, limit[0], effective_unit(limit[1], case.urgency))
    if step == "handle":
        case.step_deadline_at = case.deadline_at


def handling_deadline(cal: WorkCalendar, case: Case, start: dt.datetime) -> dt.datetime:
    """The 处置 deadline when the clock starts (or restarts) at ``start``."""
    return cal.add(start, case.limit_value, case.limit_unit)


def start_handling(cal: WorkCalendar, case: Case, now: dt.datetime) -> None:
    """(Re)start the handling clock at ``now``: the full limit again, and no suspended
    time behind it (``suspended_seconds`` counts the running clock's suspensions)."""
    case.dispatched_at = now
    case.deadline_at = handling_deadline(cal, case, now)
    case.suspended_seconds = 0


def extended_deadline(cal: WorkCalendar, case: Case, value: Decimal, unit: str) -> dt.datetime:
    """The deadline after an approved 延期 of ``value`` ``unit`` (from the current deadline)."""
    return cal.add(case.deadline_at, value, effective_unit(unit, case.urgency))


def resume(cal: WorkCalendar, case: Case, now: dt.datetime) -> None:
    """挂账恢复: move the deadline by the suspended time and add it to ``suspended_seconds``."""
    since = case.suspended_at
    unit = case.limit_unit or TimeUnit.WORKING_MINUTES
    case.suspended_seconds = (case.suspended_seconds or 0) + round(cal.elapsed(since, now, unit))
    if case.deadline_at is not None:
        case.deadline_at = cal.extend_for_suspension(case.deadline_at, since, now, unit)
    case.suspended_at = None


def closure_type(requested: str, closed_at: dt.datetime, deadline: dt.datetime | None) -> str:
    """正常/超时 is derived from the timestamps; 差错 and 特殊 are the shift lead's choice."""
    if requested in (ClosureType.ERROR, ClosureType.SPECIAL):
        return requested
    if deadline is not None and closed_at > deadline:
        return ClosureType.OVERDUE
    return ClosureType.NORMAL
