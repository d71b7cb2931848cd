"""回访: calling back, after 结案, the callers who asked for it (需要回访).

At 结案 every caller of the case who asked for a callback and has not been answered in
this round becomes due (``CaseReporter.callback_due``); the case then shows in the
acceptor's 待回访 box. Each call is one ledger row, action ``callback`` (args:
``reporter_id``, ``outcome``, ``attempt``, ``reopened``), whatever its outcome:

- 满意 / 基本满意 / 不满意: the caller was reached; the caller is done;
- 无法联系: tried again later, until ``callback_max_attempts`` attempts (setting,
  default 3), after which the caller counts as 无法联系 and is done;
- 不满意 reopens the case when the setting ``callback_dissatisfied_reopens`` is on
  (default): back to the same department as 返工 (``rework_count``, a ``rework``
  dispatch row), the handling clock restarted from now (the old deadline lies in the
  past); the caller is called back again after the next 结案.

The caller rows are a projection of these ledger rows (like ``dispatches``); the
evaluation's 回访满意率 counts the rows (``evaluation``). An intake server calling the
12345 platform back reads the same rows.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from seatdesk.models import CaseReporter, Dispatch, get_setting
from seatdesk.models.enums import CallbackOutcome
from seatdesk.models.enums import CaseState as S

from . import actions, timelimits
from .actions import ActionContext
from .context import Workflow
from .errors import InvalidArgument, MissingReason
from .values import Actor, CaseChange


def callback(wf: Workflow, actor: Actor, case_id: int, version: int, *, outcome: str,
             reporter_id: int | None = None, note: str = "") -> CaseChange:
    """回访 one caller (``reporter_id``; None: the first one due) with ``outcome``
    (a ``CallbackOutcome`` value); 不满意 needs a note and may reopen the case."""
    if outcome not in CallbackOutcome._value2member_map_:
        raise InvalidArgument(f"回访结果无效：{outcome}")
    if outcome == CallbackOutcome.DISSATISFIED and not note.strip():
        raise MissingReason("回访不满意时必须记录来电人的意见")

    def apply(ctx: ActionContext) -> str:
        caller = _due_caller(ctx.session, ctx.case.id, reporter_id)
        result = CallbackOutcome(outcome)
        caller.callback_attempts += 1
        caller.callback_outcome = result.value
        caller.called_back_at = ctx.now
        caller.satisfied = result.is_satisfied if result.is_contact else None
        limit = int(get_setting(ctx.session, "callback_max_attempts") or 1)
        caller.callback_due = result is CallbackOutcome.UNREACHABLE and (
            caller.callback_attempts < limit)
        reopen = result is CallbackOutcome.DISSATISFIED and bool(
            get_setting(ctx.session, "callback_dissatisfied_reopens"))
        ctx.args.update(reporter_id=caller.id, outcome=result.value,
                        attempt=caller.callback_attempts, reopened=reopen)
        if reopen:
            _reopen(ctx, caller)
            return S.DISPATCHED
        return S.CLOSED

    return actions.run(wf, actor, case_id, version, "callback", apply, reason=note,
                       args={"reporter_id": reporter_id, "outcome": outcome})


def _due_caller(session: Session, case_id: int, reporter_id: int | None) -> CaseReporter:
    query = select(CaseReporter).where(CaseReporter.case_id == case_id,
                                       CaseReporter.callback_due.is_(True))
    if reporter_id is not None:
        query = query.where(CaseReporter.id == reporter_id)
    caller = session.scalar(query.order_by(CaseReporter.id).limit(1))
    if caller is None:
        raise InvalidArgument("该来电人没有待回访记录（未要求回访或已回访）")
    return caller


def _reopen(ctx: ActionContext, caller: CaseReporter) -> None:
    """不满意: back to the same department as 返工, clock restarted, callers wait again."""
    case = ctx.case
    if case.department_id is None:
        raise InvalidArgument(f"案卷 {case.number} 没有承办部门，不能退回重办")
    ctx.session.execute(update(CaseReporter).where(  # all are called after the next 结案
        CaseReporter.case_id == case.id,
        CaseReporter.callback_due.is_(True) | (CaseReporter.id == caller.id))
        .values(callback_due=False, callback_outcome="", callback_attempts=0))
    case.rework_count += 1
    case.closed_at = case.closure_type = case.feedback_at = case.checked_at = None
    timelimits.start_handling(ctx.calendar, case, ctx.now)
    ctx.session.add(Dispatch(
        case_id=case.id, department_id=case.department_id, by_user_id=ctx.actor.user_id,
        level="district" if case.centre_id else "city", at=ctx.now, kind="rework",
        suggestion_reason="回访不满意，退回重办"))


def mark_callbacks_due(session: Session, case_id: int) -> list[int]:
    """At 结案: every caller who asked for a callback and has none yet in this round is
    due; returns their ids (for the ledger row)."""
    ids = list(session.scalars(select(CaseReporter.id).where(
        CaseReporter.case_id == case_id, CaseReporter.callback_wanted.is_(True),
        CaseReporter.callback_outcome == "").order_by(CaseReporter.id)))
    if ids:
        session.execute(update(CaseReporter).where(CaseReporter.id.in_(ids))
                        .values(callback_due=True))
    return ids
