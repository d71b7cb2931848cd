"""What the case detail shows, read in one worker call and handed over as frozen values.

``load_case_view`` gathers the engine's ``case_detail`` (caller phone already masked for
the viewer's role), the queue row (labels, codes and the running clock), the status light,
the place and class facts, the full ledger (``case_history``; what of it lies in archived
months, ``archived_history``), the attachments (photo
bytes for thumbnails; other contents on demand) and the actions this user may take now:
``actions_for`` narrowed by the engine's own checks of scope and guards, run as a dry run
(``actions.prepare`` in a read-only session that is rolled back). Qt-free.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import (
    AdminUnit,
    Attachment,
    Case,
    CaseClass,
    Component,
    Department,
    FilingCondition,
    GridCell,
)
from seatdesk.models.queues import CaseRow, fetch_rows
from seatdesk.models.sources import source_info
from seatdesk.workflow import actions as engine_actions
from seatdesk.workflow import services as sd
from seatdesk.workflow.lights import ClockState
from seatdesk.workflow.queries import HistoryRow

from seatdesk.ui.workbox.case_lights import LightContext, lights_for

#: what a dry run may raise: a refusal, or the version moving on meanwhile (the engine's
#: internal conflict exception, spelled ``Conflict`` or ``_Conflict`` by version)
_CONFLICT = getattr(engine_actions, "Conflict", None) or getattr(engine_actions, "_Conflict", None)
_REFUSALS = (sd.WorkflowError,) + ((_CONFLICT,) if isinstance(_CONFLICT, type) else ())
PREVIEW_MAX_BYTES = 4 * 1024 * 1024  # photos up to this size travel with the detail
STEP_TIMES = ("reported_at", "verified_at", "accepted_at", "filed_at", "dispatched_at",
              "signed_at", "feedback_at", "checked_at", "closed_at", "suspended_at")


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    kind: str  # photo | audio | other
    filename: str
    mime_type: str
    size: int
    ledger_seq: int | None
    uploaded_at: dt.datetime
    preview: bytes = b""  # the photo itself (≤ PREVIEW_MAX_BYTES), else empty


@dataclass(frozen=True)
class CaseFacts:
    kind: str
    class_code: str
    class_name: str
    major_name: str
    condition_text: str
    limit: tuple[object, str] | None  # (value, unit) stored at 立案
    component_code: str
    component_name: str
    grid_code: str
    grid_name: str
    community: str
    street: str
    zone: str  # timing zone of the grid cell ("" = none)
    department: str
    centre: str
    lon: float
    lat: float
    verification: str  # "" | confirmed | refuted
    times: tuple[tuple[str, dt.datetime], ...]  # (column, when) of every step taken
    source_name: str = ""  # the configured name of the case's source (案件来源)
    source_needs_verification: bool = False


@dataclass(frozen=True)
class CaseView:
    detail: sd.CaseDetail
    row: CaseRow | None
    light: ClockState | None
    facts: CaseFacts
    history: tuple[HistoryRow, ...]
    attachments: tuple[AttachmentInfo, ...]
    allowed: tuple[str, ...]  # actions this user may take now
    archived: sd.ArchivedHistory | None = None  # early rows in archived months, or missing

    @property
    def case_id(self) -> int:
        return self.detail.id

    @property
    def version(self) -> int:
        return self.detail.version


def load_case_view(wf: sd.Workflow, actor: sd.Actor, case_id: int) -> CaseView | None:
    """Everything the detail panel shows, or None when the case is not visible to ``actor``."""
    with Session(wf.engine) as session:
        detail = sd.case_detail(session, actor, case_id)
        if detail is None:
            return None
        rows = fetch_rows(session, [case_id], actor)
        row = rows.get(case_id)
        light = None
        if row is not None:
            context = LightContext(wf.calendar(session), wf.settings(session).yellow_ratio)
            light = lights_for([row], context, wf.now())[0]
        facts = _facts(session, case_id)
        archived = sd.archived_history(session, case_id)  # its length read before the rows
        history = tuple(sd.case_history(session, case_id))
        files = attachments_of(session, case_id)
    allowed = allowed_actions(wf, actor, case_id, detail.version, detail.state)
    return CaseView(detail, row, light, facts, history, files, allowed, archived)


def _facts(session: Session, case_id: int) -> CaseFacts:
    case = session.get(Case, case_id)
    cls = session.get(CaseClass, case.class_id) if case.class_id else None
    cond = session.get(FilingCondition, case.condition_id) if case.condition_id else None
    part = session.get(Component, case.component_id) if case.component_id else None
    cell = session.get(GridCell, case.grid_cell_id) if case.grid_cell_id else None
    limit = (case.limit_value, case.limit_unit) if case.limit_value is not None else None
    times = tuple((name, getattr(case, name)) for name in STEP_TIMES if getattr(case, name))
    source = source_info(session, case.source)
    return CaseFacts(
        case.kind or "", cls.code if cls else "", cls.name if cls else "",
        cls.major_name if cls else "", cond.text if cond else "", limit,
        part.code if part else "", part.name if part else "",
        cell.code if cell else "", cell.name if cell else "",
        _name(session, AdminUnit, case.community_id), _name(session, AdminUnit, case.street_id),
        case.zone or "",
        _name(session, Department, case.department_id), _name(session, Department, case.centre_id),
        case.lon, case.lat, case.verification or "", times,
        source.name if source else case.source, bool(source and source.needs_verification))


def _name(session: Session, model, key: int | None) -> str:
    obj = session.get(model, key) if key else None
    return obj.name if obj else ""


def attachments_of(session: Session, case_id: int) -> tuple[AttachmentInfo, ...]:
    """The case's attachments, oldest first; photos carry their bytes for thumbnails."""
    rows = session.execute(
        select(Attachment.id, Attachment.kind, Attachment.filename, Attachment.mime_type,
               Attachment.size, Attachment.ledger_seq, Attachment.uploaded_at)
        .where(Attachment.case_id == case_id).order_by(Attachment.id)).all()
    photos = [r.id for r in rows if r.kind == "photo" and r.size <= PREVIEW_MAX_BYTES]
    previews = dict(session.execute(select(Attachment.id, Attachment.content)
                                    .where(Attachment.id.in_(photos))).all()) if photos else {}
    return tuple(AttachmentInfo(r.id, r.kind, r.filename, r.mime_type, r.size, r.ledger_seq,
                                r.uploaded_at, previews.get(r.id, b"")) for r in rows)


def attachment_content(wf: sd.Workflow, attachment_id: int) -> bytes:
    with Session(wf.engine) as session:
        return session.scalar(select(Attachment.content).where(Attachment.id == attachment_id))


def allowed_actions(wf: sd.Workflow, actor: sd.Actor, case_id: int, version: int,
                    state: str) -> tuple[str, ...]:
    """``actions_for`` narrowed by the engine's scope and guard checks (a dry run).

    Each candidate action goes through ``actions.prepare`` — the same role, state, scope and
    guard checks a real call makes — in a session that never writes and is rolled back.
    A reason is supplied so "reason required" never hides an action (the dialog asks).
    """
    allowed = []
    with Session(wf.engine) as session:
        for name in sd.actions_for(actor.role, state):
            try:
                engine_actions.prepare(wf, session, actor, case_id, version, name, "-", None)
            except _REFUSALS:
                continue
            allowed.append(name)
        session.rollback()
    return tuple(allowed)
