"""Merging a duplicate (合并重复案卷) into the surviving case.

The duplicate ends in state 已合并 (``merged_into_id`` set); every reporter of the
duplicate is copied onto the survivor (``CaseReporter.origin_case_id`` = duplicate) so
the 回访 reaches all callers; the survivor's ``merged_count`` goes up. Both cases get a
ledger row ("merge" and "merge_in"), both versions move, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from seatdesk.models import CaseReporter

from . import actions, caserow, ledger
from .actions import ActionContext
from .context import Workflow
from .errors import InvalidArgument, NotFound, WrongState
from .states import MERGE_TARGET_STATES, rows_for, state_label
from .values import Actor, CaseChange


@dataclass(frozen=True)
class MergeResult:
    duplicate: CaseChange
    survivor: CaseChange
    reporters_copied: int


def merge(wf: Workflow, actor: Actor, duplicate_case_id: int, into_case_id: int, *,
          version: int | None = None, reason: str = "") -> MergeResult:
    """Merge ``duplicate_case_id`` into ``into_case_id``. ``version`` (of the duplicate, as
    the seat saw it) makes the merge fail with ``StaleCase`` if the duplicate moved on."""
    if duplicate_case_id == into_case_id:
        raise InvalidArgument("不能把案卷合并到它自己")
    actions.check_role(actor, "merge")

    def body(session) -> MergeResult:
        seen = version if version is not None else (
            actions.load_case(session, duplicate_case_id).version)
        dup = actions.prepare(wf, session, actor, duplicate_case_id, seen, "merge",
                              reason, {"into_case_id": into_case_id})
        keep = _survivor(dup, into_case_id)
        with session.no_autoflush:
            copied = _copy_reporters(dup, keep)
            dup.case.merged_into_id = keep.case.id
            keep.case.merged_count += 1
            dup.args["into_number"] = keep.case.number
            keep.args.update(duplicate_number=dup.case.number, reporters_copied=copied)
            entries = [actions.record(dup, None), actions.record(keep, None)]
        actions.save(dup, entries[0])
        actions.save(keep, entries[1])
        return MergeResult(actions.change_of(dup, entries[0]),
                           actions.change_of(keep, entries[1]), copied)

    try:
        return wf.write(body)
    except actions.Conflict:
        raise actions.stale_error(wf, duplicate_case_id) from None


def _survivor(dup: ActionContext, into_case_id: int) -> ActionContext:
    case = caserow.load_plain(dup.session, into_case_id)
    if case is None:
        raise NotFound(f"案卷 {into_case_id} 不存在")
    if case.state not in MERGE_TARGET_STATES or case.merged_into_id is not None:
        raise WrongState(
            f"案卷 {case.number} 当前为「{state_label(case.state)}」，不能作为合并目标")
    ctx = ActionContext(dup.wf, dup.session, dup.actor, case, "merge_in",
                        max(dup.now, case.updated_at),
                        reason=dup.reason, args={"duplicate_case_id": dup.case.id},
                        actor_district=dup.actor_district, seen=case.version,
                        rows=tuple(r for r in rows_for("merge_in") if r.source == case.state))
    ctx.before = ledger.snapshot(case)
    return ctx


def _copy_reporters(dup: ActionContext, keep: ActionContext) -> int:
    rows = dup.session.scalars(select(CaseReporter).where(
        CaseReporter.case_id == dup.case.id).order_by(CaseReporter.id)).all()
    for row in rows:
        dup.session.add(CaseReporter(
            case_id=keep.case.id, origin_case_id=row.origin_case_id or dup.case.id,
            name=row.name, phone=row.phone, callback_wanted=row.callback_wanted))
    return len(rows)
