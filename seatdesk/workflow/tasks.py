"""核实/核查 tasks: who they went to, and 领取 (claiming a pooled task).

A task is sent to one supervisor or to 任一监督员 (any supervisor): then it waits in the
pool of the supervisors eligible for the case (``models/pools.py``) until one of them
claims it (领取) or answers it. The ledger row of 派发核实/派发核查 names where the task
went: the supervisor, or the pool's members at that moment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from seatdesk.models import User
from seatdesk.models.pools import pool_members

from . import actions
from .actions import ActionContext
from .casefacts import resolve_supervisor
from .context import Workflow
from .values import Actor, CaseChange


def assign_task(ctx: ActionContext, supervisor_id: int | None) -> None:
    """Send the case's task to ``supervisor_id`` (None: the pool) and name it in the ledger."""
    case = ctx.case
    case.task_user_id = resolve_supervisor(ctx.session, supervisor_id)
    ctx.args.update(task_recipients(ctx.session, case.task_user_id, case.id))


def task_recipients(session: Session, supervisor_id: int | None,
                    case_id: int) -> dict[str, Any]:
    """Ledger arguments naming where a task went: ``supervisor_name``, or ``pool_ids`` and
    ``pool_names`` (the supervisors who see the pooled task now)."""
    if supervisor_id is not None:
        user = session.get(User, supervisor_id)
        return {"supervisor_name": user.display_name if user else ""}
    members = pool_members(session, case_id)
    return {"pool_ids": [i for i, _ in members], "pool_names": [n for _, n in members]}


def claim_task(wf: Workflow, actor: Actor, case_id: int, version: int) -> CaseChange:
    """领取: a supervisor takes a pooled 核实/核查 task; it leaves the other supervisors'
    boxes. Once taken it cannot be taken again (the transition table's ``once``)."""

    def apply(ctx: ActionContext) -> None:
        ctx.case.task_user_id = ctx.actor.user_id

    return actions.run(wf, actor, case_id, version, "claim_task", apply)
