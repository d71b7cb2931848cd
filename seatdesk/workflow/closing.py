"""核查 and 结案.

After the department's feedback the acceptor sends a 核查 task to a supervisor (of the
case's cell: ``routing.suggest_supervisor``). A passed check makes the case ready to
close; a failed one sends it back (返工) to the SAME department, counted in
``rework_count``, the deadline kept or restarted by ``rework_keeps_deadline``. Only the
shift lead closes, only after a passed check. 正常/超时 is derived from the timestamps
(closed after the deadline → 超时结案); 差错 and 特殊 are the shift lead's choice, with
a reason. Closing makes the callers who asked for a callback due for 回访
(``callbacks.py``).
"""

from __future__ import annotations

from sqlalchemy import select

from seatdesk.models import Dispatch
from seatdesk.models.enums import ClosureType

from . import actions, timelimits
from .actions import ActionContext
from .callbacks import mark_callbacks_due
from .casefacts import attachment_args, store_attachments
from .context import Workflow
from .errors import InvalidArgument, MissingReason
from .tasks import assign_task
from .values import Actor, AttachmentIn, CaseChange


def send_check(wf: Workflow, actor: Actor, case_id: int, version: int, *,
               supervisor_id: int | None = None, note: str = "") -> CaseChange:
    """派发核查 to a supervisor (``None``: the pool of eligible supervisors; see
    ``tasks.assign_task``)."""

    def apply(ctx: ActionContext) -> None:
        assign_task(ctx, supervisor_id)

    return actions.run(wf, actor, case_id, version, "send_check", apply, reason=note,
                       args={"supervisor_id": supervisor_id})


def check_pass(wf: Workflow, actor: Actor, case_id: int, version: int, *, note: str = "",
               attachments: tuple[AttachmentIn, ...] = ()) -> CaseChange:
    """核查通过: the 结案条件 is met on site."""

    def apply(ctx: ActionContext) -> None:
        _checked(ctx, attachments)

    return actions.run(wf, actor, case_id, version, "check_pass", apply, reason=note,
                       args={"attachments": attachment_args(attachments)})


def check_fail(wf: Workflow, actor: Actor, case_id: int, version: int, *, reason: str,
               attachments: tuple[AttachmentIn, ...] = ()) -> CaseChange:
    """核查不通过 → 返工 to the same department."""

    def apply(ctx: ActionContext) -> None:
        case = _checked(ctx, attachments)
        case.rework_count += 1
        last = ctx.session.scalar(select(Dispatch).where(Dispatch.case_id == case.id)
                                  .order_by(Dispatch.id.desc()).limit(1))
        ctx.session.add(Dispatch(
            case_id=case.id, department_id=case.department_id, by_user_id=ctx.actor.user_id,
            level=last.level if last else "city", at=ctx.now, kind="rework",
            suggestion_reason="核查不通过，返工"))
        if not ctx.settings.rework_keeps_deadline:
            timelimits.start_handling(ctx.calendar, case, ctx.now)

    return actions.run(wf, actor, case_id, version, "check_fail", apply, reason=reason,
                       args={"attachments": attachment_args(attachments)})


def _checked(ctx: ActionContext, attachments):
    case = ctx.case
    case.checked_at, case.task_user_id = ctx.now, None
    store_attachments(ctx.session, case.id, ctx.actor, ctx.next_seq, attachments, ctx.now)
    return case


def close(wf: Workflow, actor: Actor, case_id: int, version: int, *,
          closure_type: str = ClosureType.NORMAL, reason: str = "") -> CaseChange:
    """结案 by the shift lead. ``closure_type``: normal (超时 is derived), error or special."""
    if closure_type not in (ClosureType.NORMAL, ClosureType.ERROR, ClosureType.SPECIAL):
        raise InvalidArgument("结案类型只能选择 正常/差错/特殊；超时结案由系统按时限判定")
    if closure_type != ClosureType.NORMAL and not reason.strip():
        raise MissingReason(f"{ClosureType(closure_type).label}必须填写理由")

    def apply(ctx: ActionContext) -> None:
        case = ctx.case
        case.closed_at = ctx.now
        case.closure_type = timelimits.closure_type(closure_type, ctx.now, case.deadline_at)
        ctx.args["callbacks_due"] = mark_callbacks_due(ctx.session, case.id)  # 回访

    return actions.run(wf, actor, case_id, version, "close", apply, reason=reason,
                       args={"requested_type": closure_type})
