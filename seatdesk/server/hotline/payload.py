"""The body of one 12345 callback, rebuilt from the ledger row that queued it (the
ledger is append-only, so a retry sends exactly the same facts)."""

from __future__ import annotations

import base64
import datetime as dt
import json

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from seatdesk.models import Attachment, CallbackOutbox, Case, LedgerEntry, WorkOrder
from seatdesk.workflow.states import state_label

from .contract import Callback, CallbackAttachment

RESULT_ACTIONS = ("feedback", "check_pass")
MAX_PHOTOS = 3


def build_callback(session: Session, item: CallbackOutbox, wf) -> bytes:
    entry = session.execute(select(LedgerEntry.case_id, LedgerEntry.seq, LedgerEntry.at,
                                   LedgerEntry.to_state, LedgerEntry.reason)
                            .where(LedgerEntry.id == item.ledger_id)).one()
    # only the columns sent: the server's login reads neither the order as sent (the
    # caller's phone) nor the case's caller columns (docs/security.md)
    order = session.execute(select(WorkOrder.order_no)
                            .where(WorkOrder.id == item.work_order_id)).one()
    case = session.execute(select(Case.id, Case.number).where(Case.id == entry.case_id)).one()
    tz = wf.calendar(session).tz
    deadline, satisfaction = _facts(session, item)
    callback = Callback(
        event_id=item.event_id, event=item.event, order_no=order.order_no,
        case_number=case.number, at=entry.at.astimezone(tz), state=entry.to_state,
        state_label=state_label(entry.to_state), reason=entry.reason,
        deadline_at=_moment(deadline, tz), satisfaction=str(satisfaction or ""))
    if item.event == "finished":
        callback.result, callback.attachments = _result(session, case.id, entry.seq, item.id)
    if item.event == "merged":
        callback.reason = callback.reason or "重复诉求，已并入其他案卷"
    return callback.model_dump_json().encode("utf-8")


def _facts(session: Session, item: CallbackOutbox) -> tuple[str | None, str | None]:
    """The new deadline and the 回访 satisfaction from the payload of the ledger row that
    queued the callback. On PostgreSQL through ``seatdesk_callback_facts`` — the intake
    login reads no ledger payload (a registration's carries the caller's phone)."""
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(text("SELECT * FROM seatdesk_callback_facts(:i)"),
                              {"i": item.id}).one()
        return row.deadline_at, row.satisfaction
    payload = json.loads(session.scalar(select(LedgerEntry.payload).where(
        LedgerEntry.id == item.ledger_id)) or "{}")
    changed, args = payload.get("set", {}), payload.get("args", {})
    return changed.get("deadline_at"), args.get("satisfaction") or args.get("outcome")


def _moment(value, tz) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value).astimezone(tz) if value else None


def _result(session: Session, case_id: int, before_seq: int, outbox_id: int):
    """The department's last feedback (处置结果) and the photos of feedback and check."""
    rows = session.execute(select(LedgerEntry.seq, LedgerEntry.action, LedgerEntry.reason)
                           .where(LedgerEntry.case_id == case_id, LedgerEntry.seq < before_seq,
                                  LedgerEntry.action.in_(RESULT_ACTIONS))
                           .order_by(LedgerEntry.seq)).all()
    result = next((r.reason for r in reversed(rows) if r.action == "feedback"), "")
    seqs = [r.seq for r in rows]
    if session.get_bind().dialect.name == "postgresql":
        # the intake login reads no attachment itself (a caller's recording): the photos a
        # callback sends come from seatdesk_callback_photos (dbrules/intake_sql.py)
        photos = session.execute(text("SELECT * FROM seatdesk_callback_photos(:o, :n)"),
                                 {"o": outbox_id, "n": MAX_PHOTOS}).all()
        return result, [_attachment(p) for p in photos]
    photos = session.scalars(select(Attachment).where(
        Attachment.case_id == case_id, Attachment.kind == "photo",
        Attachment.ledger_seq.in_(seqs)).order_by(Attachment.id.desc()).limit(MAX_PHOTOS)).all()
    return result, [_attachment(p) for p in photos]


def _attachment(p) -> CallbackAttachment:
    return CallbackAttachment(filename=p.filename, mime_type=p.mime_type, sha256=p.sha256,
                              content_base64=base64.b64encode(p.content).decode())
