"""The handset's view of its tasks, and answering one through the workflow services.

A 核实 task (待核实) or 核查 task (核查中) is the supervisor's when it names them, and
open to the eligible supervisors (the pool: the beat's supervisors, or everyone for a
case in no beat — ``seatdesk.models.pools``) when it names nobody; answering takes it.
The list is the seat's 我的核实/核查任务 query (``pools.task_filter``).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import Attachment, Case, CaseClass, LedgerEntry
from seatdesk.models.enums import CaseState as S
from seatdesk.models.pools import may_take, task_filter
from seatdesk.workflow import services as sd

from .identity import DatabaseIdentity, Principal

KINDS = {S.PENDING_VERIFICATION: "verify", S.PENDING_CHECK: "check"}


class TaskPhoto(BaseModel):
    id: int
    kind: str
    url: str


class Task(BaseModel):
    case_id: int
    number: str
    version: int
    kind: Literal["verify", "check"]  # 核实 | 核查
    mine: bool  # named to me (False: open to every supervisor)
    address: str
    description: str
    class_name: str
    closure_condition: str  # 结案条件, what a 核查 checks
    lon: float
    lat: float
    reported_at: dt.datetime
    step_deadline_at: dt.datetime | None
    photos: list[TaskPhoto]


class Answered(BaseModel):
    case_id: int
    number: str
    state: str
    version: int
    already: bool = Field(description="此前已由本人答复（重发）")


def tasks_for(session: Session, me: Principal) -> list[Task]:
    """My tasks and the pool's, the most urgent step deadline first."""
    rows = session.execute(
        select(Case.id, Case.number, Case.version, Case.state, Case.task_user_id, Case.address,
               Case.description, CaseClass.name, Case.closure_condition, Case.lon, Case.lat,
               Case.reported_at, Case.step_deadline_at)
        .outerjoin(CaseClass, CaseClass.id == Case.class_id)
        .where(task_filter(session, me.actor))
        .order_by(Case.step_deadline_at.is_(None), Case.step_deadline_at, Case.id)
        .limit(200)).all()
    photos = _photos(session, [r.id for r in rows])
    return [Task(case_id=r.id, number=r.number, version=r.version, kind=KINDS[r.state],
                 mine=r.task_user_id == me.user_id, address=r.address,
                 description=r.description, class_name=r.name or "", lon=r.lon, lat=r.lat,
                 closure_condition=r.closure_condition or "", reported_at=r.reported_at,
                 step_deadline_at=r.step_deadline_at, photos=photos.get(r.id, []))
            for r in rows]


def _photos(session: Session, case_ids: list[int]) -> dict[int, list[TaskPhoto]]:
    if not case_ids:
        return {}
    out: dict[int, list[TaskPhoto]] = {}
    for aid, cid, kind in session.execute(
            select(Attachment.id, Attachment.case_id, Attachment.kind)
            .where(Attachment.case_id.in_(case_ids)).order_by(Attachment.id)):
        out.setdefault(cid, []).append(TaskPhoto(id=aid, kind=kind,
                                                 url=f"/field/v1/attachments/{aid}"))
    return out


def attachment_for(session: Session, me: Principal, attachment_id: int):
    """(mime, bytes) of an attachment of one of my tasks or my own reports, else None."""
    row = session.execute(
        select(Attachment.mime_type, Attachment.content, Case.state, Case.reporter_id, Case.id)
        .join(Case, Case.id == Attachment.case_id).where(Attachment.id == attachment_id)).first()
    if row is None:
        return None
    mine = row.reporter_id == me.user_id or (
        row.state in KINDS and may_take(session, me.actor, row.id))
    return (row.mime_type, row.content) if mine else None


def answer(identity: DatabaseIdentity, me: Principal, case_id: int, version: int, result: str,
           note: str, photos: tuple[sd.AttachmentIn, ...]):
    """核实回复 (confirmed/refuted) or 核查通过/不通过 (pass/fail) by the supervisor."""
    wf, actor = identity.workflow(me), me.actor
    call, kw = _call_for(result, note, photos)
    try:
        change = call(wf, actor, case_id, version, **kw)
    except sd.StaleCase as exc:
        if _already_answered(wf, me, case_id, call.__name__):
            return Answered(case_id=case_id, number=exc.number, state=exc.state,
                            version=exc.version, already=True)
        raise
    return Answered(case_id=change.case_id, number=change.number, state=change.new_state,
                    version=change.version, already=False)


def _call_for(result: str, note: str, photos):
    if result in ("confirmed", "refuted"):
        return sd.verify, {"confirmed": result == "confirmed", "note": note,
                           "attachments": photos}
    if result == "pass":
        return sd.check_pass, {"note": note, "attachments": photos}
    return sd.check_fail, {"reason": note, "attachments": photos}


def _already_answered(wf: sd.Workflow, me: Principal, case_id: int, action: str) -> bool:
    with wf.reading() as session:  # as the supervisor (``identity.workflow``)
        last = session.execute(select(LedgerEntry.action, LedgerEntry.actor_id)
                               .where(LedgerEntry.case_id == case_id)
                               .order_by(LedgerEntry.seq.desc()).limit(1)).first()
    return last is not None and last.action == action and last.actor_id == me.user_id
