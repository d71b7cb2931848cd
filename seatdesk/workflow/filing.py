"""立案 and 作废 after filing.

立案 needs a minor class and one of its 立案条件; the condition's time limit (by urgency
and the case's timing zone, falling back to zone "") and its 结案条件 are stored on the
case. Urgent (紧急) limits count continuously. Voiding a filed case needs a request and
the shift lead's approval.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from seatdesk.models import Dispatch, FilingCondition, TimeLimit
from seatdesk.models.enums import Urgency

from . import actions
from .actions import ActionContext
from .casefacts import resolve_class
from .context import Workflow
from .errors import InvalidArgument, MissingCondition
from .timelimits import effective_unit
from .values import Actor, CaseChange


def file(wf: Workflow, actor: Actor, case_id: int, version: int, *,
         condition_id: int | None = None, class_id: int | None = None,
         urgency: str | None = None) -> CaseChange:
    """立案 under ``condition_id`` (a 立案条件 of the case's minor class, or of ``class_id``)."""
    if urgency is not None and urgency not in Urgency._value2member_map_:
        raise InvalidArgument(f"紧急程度无效：{urgency}")

    def apply(ctx: ActionContext) -> None:
        case = ctx.case
        cls = resolve_class(ctx.session, class_id or case.class_id)
        if cls is None:
            raise MissingCondition("立案须先选择案件小类")
        cond = _condition(ctx, cls, condition_id)
        case.urgency = urgency or case.urgency
        limit = pick_limit(ctx.session, cond.id, case.urgency, case.zone or "")
        if limit is None:
            raise MissingCondition(f"立案条件「{cond.text}」没有{Urgency(case.urgency).label}"
                                   "案件的处置时限，请管理员补充")
        case.class_id, case.kind, case.condition_id = cls.id, cls.kind, cond.id
        case.limit_value = limit.value
        case.limit_unit = effective_unit(limit.unit, case.urgency)
        case.closure_condition = cond.closure_condition
        case.filed_at = ctx.now

    return actions.run(wf, actor, case_id, version, "file", apply,
                       args={"condition_id": condition_id, "class_id": class_id,
                             "urgency": urgency})


def _condition(ctx: ActionContext, cls, condition_id: int | None) -> FilingCondition:
    if condition_id is None:
        raise MissingCondition(f"立案须选择小类「{cls.name}」的立案条件")
    cond = ctx.session.get(FilingCondition, condition_id)
    if cond is None or cond.class_id != cls.id or not cond.active:
        raise MissingCondition(f"所选立案条件不属于小类「{cls.name}」或已停用")
    return cond


def pick_limit(session, condition_id: int, urgency: str, zone: str) -> TimeLimit | None:
    """The condition's limit for the urgency in the case's zone, else for every zone ("")."""
    rows = session.scalars(select(TimeLimit).where(
        TimeLimit.condition_id == condition_id, TimeLimit.urgency == urgency,
        TimeLimit.zone.in_({zone, ""}))).all()
    rows.sort(key=lambda row: row.zone != zone)
    return rows[0] if rows else None


def refuse_filing(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                  reason: str) -> CaseChange:
    """不予立案 (the report does not meet any filing condition)."""
    return actions.run(wf, actor, case_id, version, "refuse_filing", lambda ctx: None,
                       reason=reason)


# -- 作废 after filing: request → shift lead approves or refuses -----------------------------
def request_void(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                 reason: str) -> CaseChange:
    def apply(ctx: ActionContext) -> None:
        store_request(ctx, "void", **{"from": ctx.case.state})

    return actions.run(wf, actor, case_id, version, "request_void", apply, reason=reason)


def approve_void(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                 note: str = "") -> CaseChange:
    def apply(ctx: ActionContext) -> None:
        case = ctx.case
        end_open_dispatch(ctx, "voided")
        case.pending_request, case.task_user_id = "", None

    return actions.run(wf, actor, case_id, version, "approve_void", apply, reason=note)


def refuse_void(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                reason: str) -> CaseChange:
    def apply(ctx: ActionContext) -> str:
        back = pending(ctx, "void")["from"]
        ctx.case.pending_request = ""
        return back

    return actions.run(wf, actor, case_id, version, "refuse_void", apply, reason=reason)


# -- shared helpers ---------------------------------------------------------------------------
def store_request(ctx: ActionContext, kind: str, **details: str) -> None:
    """Keep an open request (延期, 挂账, 回退, 作废) on the case for its approver: who asked,
    when, why, and the request's own details (canonical JSON, read back by ``pending``)."""
    ctx.case.pending_request = json.dumps(
        {"kind": kind, **details, "by": ctx.actor.user_id, "at": ctx.now.isoformat(),
         "reason": ctx.reason}, ensure_ascii=False, sort_keys=True)


def pending(ctx: ActionContext, kind: str) -> dict:
    """The open request stored on the case (kind checked)."""
    try:
        data = json.loads(ctx.case.pending_request or "{}")
    except ValueError:
        data = {}
    if data.get("kind") != kind:
        raise InvalidArgument(f"案卷 {ctx.case.number} 没有待审批的{kind}申请记录")
    return data


def open_dispatch(ctx: ActionContext) -> Dispatch | None:
    """The case's latest dispatch that has not ended (the one the case is under)."""
    return ctx.session.scalar(
        select(Dispatch).where(Dispatch.case_id == ctx.case.id, Dispatch.ended_at.is_(None))
        .order_by(Dispatch.id.desc()).limit(1))


def end_open_dispatch(ctx: ActionContext, outcome: str, dispatch_error: bool = False) -> None:
    row = open_dispatch(ctx)
    if row is not None:
        row.ended_at, row.outcome = ctx.now, outcome
        row.dispatch_error = row.dispatch_error or dispatch_error
