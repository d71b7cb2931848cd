"""处置 by the department: 签收, 延期 and 挂账 requests with their approvals, 处置反馈.

A department acts only on cases dispatched to itself. 延期 is approved by the dispatcher
or the shift lead (setting ``extension_approver``) and moves the deadline; 挂账 is
approved by the dispatcher, stops the clock, and 挂账恢复 moves the deadline by the
time spent suspended.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from seatdesk.models.enums import TimeUnit

from . import actions, timelimits
from .actions import ActionContext
from .casefacts import attachment_args, store_attachments
from .context import Workflow
from .errors import InvalidArgument
from .filing import end_open_dispatch, pending, store_request
from .values import Actor, AttachmentIn, CaseChange


def sign(wf: Workflow, actor: Actor, case_id: int, version: int) -> CaseChange:
    """签收: the department acknowledges the dispatched case."""

    def apply(ctx: ActionContext) -> None:
        ctx.case.signed_at = ctx.case.signed_at or ctx.now

    return actions.run(wf, actor, case_id, version, "sign", apply)


def feedback(wf: Workflow, actor: Actor, case_id: int, version: int, *, result: str,
             attachments: tuple[AttachmentIn, ...] = ()) -> CaseChange:
    """处置反馈: the department reports the result (the case then waits for 核查)."""

    def apply(ctx: ActionContext) -> None:
        case = ctx.case
        case.feedback_at = ctx.now
        end_open_dispatch(ctx, "feedback")
        store_attachments(ctx.session, case.id, actor, ctx.next_seq, attachments, ctx.now)

    return actions.run(wf, actor, case_id, version, "feedback", apply, reason=result,
                       args={"attachments": attachment_args(attachments)})


# -- 延期 -------------------------------------------------------------------------------------
def request_extension(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                      value: Decimal | float | str, unit: str, reason: str) -> CaseChange:
    """申请延期 by ``value`` ``unit`` (e.g. 2 working_days)."""
    amount = _amount(value, unit)

    def apply(ctx: ActionContext) -> None:
        store_request(ctx, "extension", value=str(amount), unit=unit)

    return actions.run(wf, actor, case_id, version, "request_extension", apply, reason=reason,
                       args={"value": str(amount), "unit": unit})


def approve_extension(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                      value: Decimal | float | str | None = None, unit: str | None = None,
                      new_deadline: dt.datetime | None = None, note: str = "") -> CaseChange:
    """批准延期: by the requested length, by another length, or to an explicit deadline."""

    def apply(ctx: ActionContext) -> None:
        case, asked = ctx.case, pending(ctx, "extension")
        if new_deadline is not None:
            if case.deadline_at and new_deadline <= case.deadline_at:
                raise InvalidArgument("延期后的期限必须晚于原期限")
            case.deadline_at = new_deadline.astimezone(dt.UTC)
        else:
            size = _amount(value if value is not None else asked["value"], unit or asked["unit"])
            case.deadline_at = timelimits.extended_deadline(ctx.calendar, case, size,
                                                            unit or asked["unit"])
        case.extension_count += 1
        case.pending_request = ""
        ctx.args.update(requested=asked, deadline_at=case.deadline_at.isoformat())

    return actions.run(wf, actor, case_id, version, "approve_extension", apply, reason=note,
                       args={"value": None if value is None else str(value), "unit": unit})


def refuse_extension(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                     reason: str) -> CaseChange:
    return _refuse(wf, actor, case_id, version, "refuse_extension", "extension", reason)


def _amount(value, unit: str | None) -> Decimal:
    if unit not in TimeUnit._value2member_map_:
        raise InvalidArgument(f"时间单位无效：{unit}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidArgument(f"延期时长无效：{value}") from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidArgument(f"延期时长必须大于 0：{value}")
    return amount


def _refuse(wf, actor, case_id, version, action: str, kind: str, reason: str) -> CaseChange:
    def apply(ctx: ActionContext) -> None:
        pending(ctx, kind)
        ctx.case.pending_request = ""

    return actions.run(wf, actor, case_id, version, action, apply, reason=reason)


# -- 挂账 -------------------------------------------------------------------------------------
def request_suspension(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                       reason: str) -> CaseChange:
    """申请挂账 (cannot be solved within the limit: engineering, season, funding …)."""

    def apply(ctx: ActionContext) -> None:
        store_request(ctx, "suspension")

    return actions.run(wf, actor, case_id, version, "request_suspension", apply, reason=reason)


def approve_suspension(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                       note: str = "") -> CaseChange:
    """批准挂账: the clock stops now."""

    def apply(ctx: ActionContext) -> None:
        pending(ctx, "suspension")
        ctx.case.suspended_at, ctx.case.pending_request = ctx.now, ""

    return actions.run(wf, actor, case_id, version, "approve_suspension", apply, reason=note)


def refuse_suspension(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                      reason: str) -> CaseChange:
    return _refuse(wf, actor, case_id, version, "refuse_suspension", "suspension", reason)


def resume(wf: Workflow, actor: Actor, case_id: int, version: int, *,
           note: str = "") -> CaseChange:
    """挂账恢复: the clock runs again; the deadline moves by the time spent suspended."""

    def apply(ctx: ActionContext) -> None:
        timelimits.resume(ctx.calendar, ctx.case, ctx.now)

    return actions.run(wf, actor, case_id, version, "resume", apply, reason=note)
