"""派遣 on two command levels, 改派, 回退 and 督办.

The city centre dispatches a filed case to a department or to a district command centre
(二级平台, state 区级待派遣); the district dispatcher dispatches on to its own
departments or sends the case back up. Every dispatch is a ``Dispatch`` row with the
suggested department and why, and ends with an outcome (feedback, returned,
redispatched, sent_up, dispatched_on, voided), so wrong dispatches can be counted.
The handling clock starts at the first dispatch; 改派 keeps or restarts it by the
``redispatch_keeps_deadline`` setting.
"""

from __future__ import annotations


from sqlalchemy import select

from seatdesk.models import Department, Dispatch
from seatdesk.models.enums import CaseState as S
from seatdesk.models.enums import DepartmentKind

from . import actions, guards, routing, timelimits
from .actions import ActionContext
from .context import Workflow
from .errors import InvalidArgument, NotFound
from .filing import end_open_dispatch, pending, store_request
from .values import Actor, CaseChange


def dispatch(wf: Workflow, actor: Actor, case_id: int, version: int, *, department_id: int,
             note: str = "") -> CaseChange:
    """派遣 to a department, or (city level) to a district command centre; the ledger row
    names it (``department_name``) beside its id and the suggestion."""

    def apply(ctx: ActionContext) -> str:
        target = _target(ctx, department_id)
        end_open_dispatch(ctx, "dispatched_on")  # a district centre passing the case on
        return _send(ctx, target, "dispatch")

    return actions.run(wf, actor, case_id, version, "dispatch", apply, reason=note,
                       args={"department_id": department_id})


def redispatch(wf: Workflow, actor: Actor, case_id: int, version: int, *, department_id: int,
               reason: str, dispatch_error: bool = False) -> CaseChange:
    """改派 a case under handling to another department (or, city level, a district)."""

    def apply(ctx: ActionContext) -> str:
        target = _target(ctx, department_id)
        if target.id == ctx.case.department_id:
            raise InvalidArgument("改派的部门与当前承办部门相同")
        end_open_dispatch(ctx, "redispatched", dispatch_error)
        return _send(ctx, target, "redispatch")

    return actions.run(wf, actor, case_id, version, "redispatch", apply, reason=reason,
                       args={"department_id": department_id, "dispatch_error": dispatch_error})


def _target(ctx: ActionContext, department_id: int) -> Department:
    """The department (or district centre) the actor's level may dispatch to."""
    dept = ctx.session.get(Department, department_id)
    if dept is None or not dept.active:
        raise NotFound(f"部门 {department_id} 不存在或已停用")
    centre = guards.district_of(ctx)
    if centre is not None:
        if dept.parent_id != centre or dept.kind != DepartmentKind.DEPARTMENT:
            raise InvalidArgument(f"「{dept.name}」不是本区的专业部门，区级只能派给本区部门")
    elif dept.kind not in (DepartmentKind.DEPARTMENT, DepartmentKind.DISTRICT_CENTRE):
        raise InvalidArgument(f"「{dept.name}」不是专业部门或区级指挥中心，不能派遣")
    return dept


def _send(ctx: ActionContext, target: Department, kind: str) -> str:
    """Point the case at ``target``, record the Dispatch row, start/keep the clock."""
    case, level = ctx.case, "district" if guards.district_of(ctx) else "city"
    suggestion = routing.suggest_department(ctx.session, case.id, guards.district_of(ctx))
    if kind == "dispatch" and _had_department(ctx):
        kind = "redispatch"  # a second department after a 回退: 改派
    ctx.session.add(Dispatch(
        case_id=case.id, department_id=target.id, by_user_id=ctx.actor.user_id, level=level,
        at=ctx.now, kind=kind, suggested_department_id=suggestion.department_id if suggestion
        else None, suggestion_reason=suggestion.reason if suggestion else ""))
    ctx.args["suggested_department_id"] = suggestion.department_id if suggestion else None
    ctx.args["department_name"] = target.name  # the ledger says where the case went
    _start_clock(ctx, kind)
    if target.kind == DepartmentKind.DISTRICT_CENTRE:
        case.centre_id, case.department_id = target.id, None
        return S.AT_DISTRICT
    case.department_id, case.signed_at = target.id, None
    return S.DISPATCHED


def _had_department(ctx: ActionContext) -> bool:
    kinds = ctx.session.execute(
        select(Department.kind).join(Dispatch, Dispatch.department_id == Department.id)
        .where(Dispatch.case_id == ctx.case.id)).scalars()
    return any(k == DepartmentKind.DEPARTMENT for k in kinds)


def _start_clock(ctx: ActionContext, kind: str) -> None:
    """The handling clock starts at the first dispatch; 改派 restarts it unless the
    ``redispatch_keeps_deadline`` setting keeps the deadline (``dispatched_at`` is when
    the running handling clock started)."""
    case = ctx.case
    restart = kind == "redispatch" and not ctx.settings.redispatch_keeps_deadline
    if case.dispatched_at is None or restart:
        timelimits.start_handling(ctx.calendar, case, ctx.now)


def send_up(wf: Workflow, actor: Actor, case_id: int, version: int, *,
            reason: str) -> CaseChange:
    """The district centre sends the case back up to the city centre (待派遣)."""

    def apply(ctx: ActionContext) -> None:
        end_open_dispatch(ctx, "sent_up")
        ctx.case.centre_id = None

    return actions.run(wf, actor, case_id, version, "send_up", apply, reason=reason)


def urge(wf: Workflow, actor: Actor, case_id: int, version: int, *, note: str = "") -> CaseChange:
    """督办: urge the department (counted from the ledger)."""
    return actions.run(wf, actor, case_id, version, "urge", lambda ctx: None, reason=note)


# -- 回退: the department says it is not its case ---------------------------------------------
def request_return(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                   reason: str) -> CaseChange:
    def apply(ctx: ActionContext) -> None:
        store_request(ctx, "return")

    return actions.run(wf, actor, case_id, version, "request_return", apply, reason=reason)


def approve_return(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                   dispatch_error: bool = False, note: str = "") -> CaseChange:
    """Agree: the case goes back to the dispatcher of its level for 改派.

    ``dispatch_error`` marks the ended dispatch as a 派遣差错 (counts against 准确派遣率)."""

    def apply(ctx: ActionContext) -> str:
        pending(ctx, "return")
        case = ctx.case
        end_open_dispatch(ctx, "returned", dispatch_error)
        case.return_count += 1
        case.department_id, case.pending_request, case.signed_at = None, "", None
        return S.AT_DISTRICT if case.centre_id else S.FILED

    return actions.run(wf, actor, case_id, version, "approve_return", apply, reason=note,
                       args={"dispatch_error": dispatch_error})


def refuse_return(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                  reason: str) -> CaseChange:
    def apply(ctx: ActionContext) -> None:
        pending(ctx, "return")
        ctx.case.pending_request = ""

    return actions.run(wf, actor, case_id, version, "refuse_return", apply, reason=reason)
