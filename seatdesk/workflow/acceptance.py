"""核实 (verification before filing), 受理 and 作废 before filing.

Reports from the public, the hotlines, the mayor's mailbox, the media and the web need a
confirmed 核实 before they can be accepted; supervisors' patrol reports, 上级交办 and
video reports may be accepted directly. 核实 is not 核查 (the check after handling).
The registration itself (登记, every source) is ``registration``.
"""

from __future__ import annotations

from seatdesk.models.enums import Urgency

from . import actions
from .actions import ActionContext
from .casefacts import attachment_args, resolve_class, store_attachments
from .context import Workflow
from .duplicates import find_duplicates
from .errors import InvalidArgument, MissingReason
from .tasks import assign_task
from .values import Actor, AttachmentIn, CaseChange


def send_verification(wf: Workflow, actor: Actor, case_id: int, version: int, *,
                      supervisor_id: int | None = None, note: str = "") -> CaseChange:
    """派发核实: ask a supervisor, or any eligible one (the pool), to verify the report on
    site; the ledger row names who (``tasks.assign_task``)."""

    def apply(ctx: ActionContext) -> None:
        assign_task(ctx, supervisor_id)
        ctx.case.verification = ""

    return actions.run(wf, actor, case_id, version, "send_verification", apply, reason=note,
                       args={"supervisor_id": supervisor_id})


def verify(wf: Workflow, actor: Actor, case_id: int, version: int, *, confirmed: bool,
           note: str = "", attachments: tuple[AttachmentIn, ...] = ()) -> CaseChange:
    """核实回复 by the supervisor: the problem is real (confirmed) or not (refuted, with a note)."""
    if not confirmed and not note.strip():
        raise MissingReason("核实不属实时必须说明情况")

    def apply(ctx: ActionContext) -> None:
        case = ctx.case
        case.verification = "confirmed" if confirmed else "refuted"
        case.verified_at, case.task_user_id = ctx.now, None
        store_attachments(ctx.session, case.id, actor, ctx.next_seq, attachments, ctx.now)

    return actions.run(wf, actor, case_id, version, "verify", apply, reason=note,
                       args={"confirmed": confirmed, "attachments": attachment_args(attachments)})


def accept(wf: Workflow, actor: Actor, case_id: int, version: int, *,
           class_id: int | None = None, urgency: str | None = None) -> CaseChange:
    """受理: the report is valid; optionally (re)classify. The result lists duplicates."""
    if urgency is not None and urgency not in Urgency._value2member_map_:
        raise InvalidArgument(f"紧急程度无效：{urgency}")

    def apply(ctx: ActionContext) -> None:
        case = ctx.case
        cls = resolve_class(ctx.session, class_id)
        if cls is not None:
            case.class_id, case.kind = cls.id, cls.kind
        case.urgency = urgency or case.urgency
        case.accepted_at = ctx.now
        ctx.duplicates = find_duplicates(wf, ctx.session, case)

    return actions.run(wf, actor, case_id, version, "accept", apply,
                       args={"class_id": class_id, "urgency": urgency})


def void(wf: Workflow, actor: Actor, case_id: int, version: int, *, reason: str) -> CaseChange:
    """作废 / 不予受理 before filing (invalid, duplicate, not city management …)."""

    def apply(ctx: ActionContext) -> None:
        ctx.case.task_user_id = None

    return actions.run(wf, actor, case_id, version, "void", apply, reason=reason)
