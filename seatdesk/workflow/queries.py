"""Read side of the workflow: who sees which cases, case detail and history, what changed.

Everything returned is a frozen value; caller phone numbers are masked by role
(``mask_phone``: acceptor, shift lead and admin see them in full).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from seatdesk.models import Case, CaseReporter, Department, LedgerEntry, LedgerSegment, User
from seatdesk.models import ledger_partitions as lp
from seatdesk.models.queues import mask_phone, visible_filter

from .states import actions_for, state_label
from .values import Actor

__all__ = ["ArchivedHistory", "CaseDetail", "CaseStamp", "HistoryRow", "ReporterView",
           "archived_history", "case_detail", "case_history", "changes_since", "mask_phone",
           "visible_cases_filter"]


def visible_cases_filter(actor: Actor) -> ColumnElement[bool]:
    """A where-clause on ``Case``: the cases ``actor`` may see (one rule with the seat's
    work boxes, ``models.queues.visible_filter``).

    City roles see every case; users of a district centre see the cases their centre
    holds or its departments hold; department users see the cases dispatched to them.
    """
    return visible_filter(actor)


@dataclass(frozen=True)
class HistoryRow:
    seq: int
    at: dt.datetime
    actor_name: str
    actor_role: str
    seat: str
    action: str
    from_state: str
    to_state: str
    to_label: str
    reason: str
    args: dict
    to_whom: str = ""  # where the work went: a department, a supervisor, a pool (中文)


@dataclass(frozen=True)
class ReporterView:
    name: str
    phone: str  # masked for the viewer
    callback_wanted: bool
    origin_case_id: int | None
    id: int = 0
    callback_due: bool = False  # waits for 回访 now
    callback_outcome: str = ""  # the last 回访 result (CallbackOutcome value)
    callback_attempts: int = 0


@dataclass(frozen=True)
class CaseDetail:
    id: int
    number: str
    version: int
    state: str
    state_label: str
    source: str
    class_id: int | None
    urgency: str
    address: str
    description: str
    caller_name: str
    caller_phone: str  # masked for the viewer
    department_id: int | None
    centre_id: int | None
    deadline_at: dt.datetime | None
    step_deadline_at: dt.datetime | None
    closure_condition: str
    closure_type: str | None
    rework_count: int
    pending_request: dict
    reporters: tuple[ReporterView, ...]
    actions: tuple[str, ...]  # what the viewer's role may do by the table


def case_detail(session: Session, actor: Actor, case_id: int) -> CaseDetail | None:
    """The case as ``actor`` may see it, or None if it does not exist or is not visible."""
    case = session.scalar(select(Case).where(Case.id == case_id, visible_cases_filter(actor)))
    if case is None:
        return None
    reporters = session.scalars(select(CaseReporter).where(CaseReporter.case_id == case.id)
                                .order_by(CaseReporter.id)).all()
    return CaseDetail(
        case.id, case.number, case.version, case.state, state_label(case.state), case.source,
        case.class_id, case.urgency, case.address, case.description, case.caller_name,
        mask_phone(case.caller_phone, actor.role), case.department_id, case.centre_id,
        case.deadline_at, case.step_deadline_at, case.closure_condition, case.closure_type,
        case.rework_count, json.loads(case.pending_request or "{}"),
        tuple(ReporterView(r.name, mask_phone(r.phone, actor.role), r.callback_wanted,
                           r.origin_case_id, r.id, r.callback_due, r.callback_outcome,
                           r.callback_attempts) for r in reporters),
        actions_for(actor.role, case.state))


def case_history(session: Session, case_id: int) -> list[HistoryRow]:
    """The case's ledger, oldest first, with actor names and where each 派遣/改派/派发核实/
    派发核查 went (``to_whom``: the name the row recorded, else the current one of its id)."""
    rows = session.execute(
        select(LedgerEntry, User.display_name).outerjoin(User, User.id == LedgerEntry.actor_id)
        .where(LedgerEntry.case_id == case_id).order_by(LedgerEntry.seq)).all()
    out = []
    for e, name in rows:
        args = json.loads(e.payload).get("args", {})
        out.append(HistoryRow(e.seq, e.at, name or "", e.actor_role, e.seat, e.action,
                              e.from_state, e.to_state, state_label(e.to_state), e.reason,
                              args, recipient(session, e.action, args)))
    return out


@dataclass(frozen=True)
class ArchivedHistory:
    """What of a case's ledger is not online (``archived_history``)."""

    rows: int  # rows in archived months (ledger_segments)
    first_month: dt.date | None  # the first and last archived month of the case
    last_month: dt.date | None
    missing: int = 0  # rows of the chain neither online nor archived: deleted (verify)
    known: bool = True  # False: this login may not read ledger_segments (old grants)
    #: the attachments of some of those months are archived too (their partition is gone:
    #: ``seatdesk history archive`` takes a month of attachments only after the ledger's)
    attachments_archived: bool = False


def archived_history(session: Session, case_id: int) -> ArchivedHistory | None:
    """None when the case's whole ledger is online; else how many of its rows lie in
    archived months (``seatdesk ledger archive``) and how many are missing altogether.

    The chain's length is the case's ``ledger_seq``, read before the rows, so a step
    appended meanwhile never counts as missing. The seats read ``ledger_segments``'
    seqs and months only (dbrules.grants), not its hashes: this is the seat's check that
    the chain is whole — by seq coverage; the hashes are ``seatdesk ledger verify``'s."""
    length = session.scalar(select(Case.ledger_seq).where(Case.id == case_id)) or 0
    online = session.scalar(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.case_id == case_id, LedgerEntry.seq <= length)) or 0
    if online >= length:
        return None
    if not _segments_readable(session):
        return ArchivedHistory(0, None, None, length - online, known=False)
    months = session.execute(select(LedgerSegment.month, LedgerSegment.rows).where(
        LedgerSegment.case_id == case_id).order_by(LedgerSegment.month)).all()
    rows = sum(r.rows for r in months)
    first, last = (months[0].month, months[-1].month) if months else (None, None)
    return ArchivedHistory(rows, first, last, max(length - online - rows, 0), attachments_archived=
                           _attachments_gone(session, [r.month for r in months]))


def _attachments_gone(session: Session, months: list[dt.date]) -> bool:
    """Whether a month of ``months`` has no partition of ``attachments`` (archived; or a
    month older than every attachment, which then had none to show)."""
    conn = session.connection()
    if not months or not lp.partitioned(conn, "attachments"):
        return False
    return bool(conn.execute(text(
        "SELECT bool_or(to_regclass('public.attachments_' || to_char(m, 'YYYY_MM')) IS NULL)"
        " FROM unnest(CAST(:months AS date[])) m"), {"months": months}).scalar())


def _segments_readable(session: Session) -> bool:
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return True
    return bool(conn.execute(text(
        "SELECT CASE WHEN to_regclass('public.ledger_segments') IS NULL THEN false ELSE"
        " has_column_privilege('public.ledger_segments', 'rows', 'SELECT') END")).scalar())


def recipient(session: Session, action: str, args: dict) -> str:
    """Where a step sent the work, from its ledger arguments ("" for other steps)."""
    if action in ("dispatch", "redispatch") and args.get("department_id") is not None:
        if args.get("department_name"):
            return args["department_name"]
        dept = session.get(Department, args["department_id"])
        return dept.name if dept else f"部门 {args['department_id']}"
    if action not in ("send_verification", "send_check"):
        return ""
    if args.get("supervisor_id") is not None:
        if args.get("supervisor_name"):
            return args["supervisor_name"]
        user = session.get(User, args["supervisor_id"])
        return user.display_name if user else f"用户 {args['supervisor_id']}"
    names = args.get("pool_names")
    return "任一监督员" + (f"（{'、'.join(names)}）" if names else "")


@dataclass(frozen=True)
class CaseStamp:
    id: int
    number: str
    version: int
    state: str
    updated_at: dt.datetime


def changes_since(session: Session, since: dt.datetime, actor: Actor | None = None,
                  limit: int = 1000) -> list[CaseStamp]:
    """Cases changed after ``since`` (oldest first): the cheap poll for seats on SQLite
    (``ix_cases_updated_at``); keep the last ``updated_at`` seen as the next ``since``."""
    query = select(Case.id, Case.number, Case.version, Case.state, Case.updated_at).where(
        Case.updated_at > since)
    if actor is not None:
        query = query.where(visible_cases_filter(actor))
    rows = session.execute(query.order_by(Case.updated_at, Case.id).limit(limit))
    return [CaseStamp(*row) for row in rows]
