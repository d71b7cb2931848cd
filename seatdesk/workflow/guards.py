"""Who may touch which case (scope by role) and the named guards of the transition table.

Scope, whatever the action:
- a department (专业部门) user only acts on cases currently dispatched to its department;
- a dispatcher acts at the command level holding the case: a district dispatcher (user of
  a district centre) on cases its centre holds, a city dispatcher on all the others;
- a supervisor answers only the 核实/核查 tasks sent to them, or the pooled ones (sent to
  任一监督员) of a case they are eligible for (their beat, ``models/pools.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select

from seatdesk.models import CaseReporter, Department, User
from seatdesk.models.pools import TASK_STATES, may_take
from seatdesk.models.enums import DepartmentKind, Role
from seatdesk.models.sources import source_info

from .errors import NotYourCase, WrongRole, WrongState
from .states import ACTIONS

if TYPE_CHECKING:
    from .actions import ActionContext


def district_of(ctx: ActionContext) -> int | None:
    """The district centre the actor works for, or None for city-level users (read with
    the case by ``actions.prepare``)."""
    if ctx.actor_district is not UNKNOWN:
        return ctx.actor_district
    dept_id = ctx.actor.department_id
    if dept_id is None:
        return None
    dept = ctx.session.get(Department, dept_id)
    if dept is not None and dept.kind == DepartmentKind.DISTRICT_CENTRE:
        return dept.id
    return None


UNKNOWN = object()


def dept_name(ctx: ActionContext, dept_id: int | None) -> str:
    dept = ctx.session.get(Department, dept_id) if dept_id else None
    return dept.name if dept else "市级指挥中心"


def check_scope(ctx: ActionContext) -> None:
    role, case = ctx.actor.role, ctx.case
    if role == Role.DEPARTMENT and case.department_id != ctx.actor.department_id:
        raise NotYourCase(f"案卷 {case.number} 未派遣给本部门，只能处理本部门承办的案卷")
    if role == Role.DISPATCHER:
        mine = district_of(ctx)
        if case.centre_id != mine:
            holder = dept_name(ctx, case.centre_id)
            raise NotYourCase(f"案卷 {case.number} 由{holder}掌握，本级不能操作")
    if role == Role.SUPERVISOR:
        _check_task(ctx)


def _check_task(ctx: ActionContext) -> None:
    """The supervisor's own task, or a pooled one within their eligibility."""
    case, me = ctx.case, ctx.actor.user_id
    if case.task_user_id not in (None, me):
        user = ctx.session.get(User, case.task_user_id)
        who = user.display_name if user else "其他监督员"
        raise NotYourCase(f"案卷 {case.number} 的核实/核查任务已派给 {who}")
    if case.task_user_id is None and case.state in TASK_STATES and not may_take(
            ctx.session, ctx.actor, case.id):
        raise NotYourCase(f"案卷 {case.number} 不在您的责任网格内，由该网格的监督员处理")


def _verified_if_public(ctx: ActionContext) -> None:
    """Reports of a source that needs 核实 (``case_sources.needs_verification``) are
    accepted only after a supervisor confirmed them on site."""
    case = ctx.case
    if case.verification == "confirmed":
        return
    source = source_info(ctx.session, case.source)
    if source is not None and source.needs_verification:
        raise WrongState(f"{source.name}来源的案卷须先派发核实，经监督员核实属实后才能受理")


def _signed(ctx: ActionContext) -> None:
    if ctx.case.signed_at is None:
        raise WrongState(f"案卷 {ctx.case.number} 尚未签收：请先签收，再"
                         f"{ACTIONS[ctx.action].label}")


def _callback_due(ctx: ActionContext) -> None:
    due = ctx.session.scalar(select(CaseReporter.id).where(
        CaseReporter.case_id == ctx.case.id, CaseReporter.callback_due.is_(True)).limit(1))
    if due is None:
        raise WrongState(f"案卷 {ctx.case.number} 没有待回访的来电人")


def _extension_approver(ctx: ActionContext) -> None:
    approver = ctx.settings.extension_approver
    if ctx.actor.role != approver:
        label = Role(approver).label if approver in Role._value2member_map_ else approver
        raise WrongRole(f"本中心的延期申请由{label}审批")


def _checked_by_service(ctx: ActionContext) -> None:
    """Guards that depend on the call's arguments are enforced by the service itself."""


GUARDS: dict[str, Callable[[ActionContext], None]] = {
    "verified_if_public": _verified_if_public,
    "extension_approver": _extension_approver,
    "filing_condition": _checked_by_service,  # minor class + one of its 立案条件 + a limit
    "own_district_department": _checked_by_service,  # the district's own departments only
    "supervisor_patrol_only": _checked_by_service,  # supervisors register patrol reports
    "signed": _signed,
    "callback_due": _callback_due,
}

GUARD_LABELS: dict[str, str] = {
    "verified_if_public": "须核实的来源(案件来源设置)须核实属实",
    "extension_approver": "按设置 extension_approver 由派遣员或值班长审批",
    "filing_condition": "须选定小类及其立案条件(定处置时限和结案条件)",
    "own_district_department": "区级只能派给本区的专业部门",
    "supervisor_patrol_only": "监督员只能登记巡查上报",
    "signed": "须先签收",
    "callback_due": "有待回访的来电人",
}


def check_guards(ctx: ActionContext, names: tuple[str, ...]) -> None:
    for name in names:
        GUARDS[name](ctx)
