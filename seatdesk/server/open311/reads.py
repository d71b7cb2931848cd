"""GET requests, one request, tokens and the mySociety updates: plain dicts ready for
``formats.render``. Only cases that came in through Open311 are served, and only
public fields (no caller data, no internal notes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session, load_only

from seatdesk.models import Attachment, Case, CaseClass, Department, LedgerEntry, PartnerRequest
from seatdesk.workflow.states import action_label, state_label

from . import statuses
from .formats import w3c
from .services import service_code


@dataclass(frozen=True)
class RequestFilter:
    ids: tuple[str, ...] = ()
    service_code: str = ""
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    status: str = ""
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    page: int = 1
    page_size: int = 100


#: the case columns a record shows: an anonymous reader's query runs as the Open311
#: reader, which may read only these (docs/security.md)
_PUBLIC = load_only(Case.id, Case.number, Case.state, Case.description, Case.reported_at,
                    Case.updated_at, Case.deadline_at, Case.address, Case.lat, Case.lon,
                    raiseload=True)


def _base() -> Select:
    return (select(Case, CaseClass, Department.name, PartnerRequest.token,
                   PartnerRequest.media_url).options(_PUBLIC)
            .join(PartnerRequest, PartnerRequest.case_id == Case.id)
            .outerjoin(CaseClass, CaseClass.id == Case.class_id)
            .outerjoin(Department, Department.id == Case.department_id))


def find_requests(session: Session, f: RequestFilter, tz: dt.tzinfo) -> list[dict]:
    query = _base()
    if f.ids:
        query = query.where(Case.number.in_(f.ids))
    else:
        query = _filtered(query, f)
    query = query.order_by(Case.reported_at.desc(), Case.id.desc())
    query = query.offset((f.page - 1) * f.page_size).limit(f.page_size)
    rows = session.execute(query).all()
    photos = _first_photos(session, [row[0].id for row in rows if not row[4]])
    return [_record(row, photos, tz) for row in rows]


def _filtered(query: Select, f: RequestFilter) -> Select:
    if f.start is not None:
        query = query.where(Case.reported_at >= f.start)
    if f.end is not None:
        query = query.where(Case.reported_at <= f.end)
    if f.status:
        query = query.where(Case.state.in_(statuses.states_with(f.status)))
    if f.updated_after is not None:
        query = query.where(Case.updated_at >= f.updated_after)
    if f.updated_before is not None:
        query = query.where(Case.updated_at <= f.updated_before)
    if f.service_code:
        kind = {"C": "component", "E": "event"}.get(f.service_code[:1], "")
        query = query.where(CaseClass.kind == kind, CaseClass.code == f.service_code[1:])
    return query


def _record(row, photos: dict[int, int], tz: dt.tzinfo) -> dict:
    case, cls, department, _token, media_url = row
    photo_id = photos.get(case.id)
    return {
        "service_request_id": case.number,
        "status": statuses.status(case.state),
        "status_notes": state_label(case.state),
        "service_name": cls.name if cls else "",
        "service_code": service_code(cls) if cls else "",
        "description": case.description,
        "agency_responsible": department or "",
        "service_notice": "",
        "requested_datetime": w3c(case.reported_at, tz),
        "updated_datetime": w3c(case.updated_at, tz),
        "expected_datetime": w3c(case.deadline_at, tz),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": media_url or ("" if photo_id is None else f"/open311/v2/media/{photo_id}"),
    }


def _first_photos(session: Session, case_ids: list[int]) -> dict[int, int]:
    """case id -> the id of its first registration photo (ledger seq 1), for the records
    without a ``media_url`` of their own; one statement for a page. On PostgreSQL through
    ``seatdesk_open311_first_photos``: the Open311 reader reads no attachment row itself
    (``dbrules.intake_sql``; only Open311 cases' photos)."""
    if not case_ids:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        return dict(session.execute(text("SELECT case_id, id FROM"
                                         " seatdesk_open311_first_photos(CAST(:ids AS integer[]))"),
                                    {"ids": case_ids}).all())
    return dict(session.execute(
        select(Attachment.case_id, func.min(Attachment.id))
        .where(Attachment.case_id.in_(case_ids), Attachment.kind == "photo",
               Attachment.ledger_seq == 1).group_by(Attachment.case_id)).all())


def photo(session: Session, attachment_id: int):
    """(mime type, content) of a registration's photo of an Open311 case, or None. On
    PostgreSQL through ``seatdesk_open311_photo``: the Open311 reader reads no
    attachment's content itself (``dbrules.intake_sql``)."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(text("SELECT * FROM seatdesk_open311_photo(:i)"),
                               {"i": attachment_id}).first()
    return session.execute(
        select(Attachment.mime_type, Attachment.content)
        .join(PartnerRequest, PartnerRequest.case_id == Attachment.case_id)
        .where(Attachment.id == attachment_id, Attachment.kind == "photo",
               Attachment.ledger_seq == 1)).first()


def by_token(session: Session, token: str) -> dict | None:
    number = session.scalar(select(Case.number).join(
        PartnerRequest, PartnerRequest.case_id == Case.id).where(PartnerRequest.token == token))
    return None if number is None else {"service_request_id": number, "token": token}


def updates(session: Session, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo,
            partner_id: int | None = None, limit: int = 1000) -> list[dict]:
    """Every state change of an Open311 case in ``[start, end]`` as a request update with a
    stable ``update_id`` (case number - ledger seq): overlapping polls see the same ids.
    On PostgreSQL through ``seatdesk_open311_updates`` (the same statement as the owner:
    the Open311 reader reads no ledger row itself, ``dbrules.intake_sql``)."""
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(text(
            "SELECT seq, at, action, to_state, number FROM"
            " seatdesk_open311_updates(:s, :e, CAST(:p AS integer), CAST(:n AS integer))"),
            {"s": start, "e": end, "p": partner_id, "n": limit})
        return [_update(r, tz) for r in found]
    query = (select(LedgerEntry.seq, LedgerEntry.at, LedgerEntry.action, LedgerEntry.to_state,
                    Case.number)
             .join(Case, Case.id == LedgerEntry.case_id)
             .join(PartnerRequest, PartnerRequest.case_id == Case.id)
             .where(LedgerEntry.at >= start, LedgerEntry.at <= end,
                    LedgerEntry.from_state != LedgerEntry.to_state)
             .order_by(LedgerEntry.at, LedgerEntry.id).limit(limit))
    if partner_id is not None:
        query = query.where(PartnerRequest.partner_id == partner_id)
    return [_update(r, tz) for r in session.execute(query)]


def _update(r, tz: dt.tzinfo) -> dict:
    return {"update_id": f"{r.number}-{r.seq}", "service_request_id": r.number,
            "status": statuses.extended(r.to_state), "updated_datetime": w3c(r.at, tz),
            "description": f"{action_label(r.action)}：{state_label(r.to_state)}",
            "media_url": ""}
