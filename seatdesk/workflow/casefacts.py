"""Facts a new case derives from its inputs: place (grid cell → community → street →
district, timing zone), case number, class/component, reporters and attachments."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatdesk.models import Attachment, Case, CaseClass, Component, User
from seatdesk.models.enums import AttachmentKind, Role

from .context import Workflow
from .errors import InvalidArgument, NotFound
from .values import Actor, AttachmentIn

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


#: ``place_case``'s default: look the cell up (a caller that did already passes its hit)
LOOK_UP = object()


def place_case(wf: Workflow, session: Session, case: Case, hit: object = LOOK_UP) -> None:
    """Fill grid cell, community, street, district and zone from the case's point (or
    from ``hit``, the point's cell as the caller looked it up: a ``CellHit`` or None)."""
    if not (math.isfinite(case.lon) and math.isfinite(case.lat)
            and -180 <= case.lon <= 180 and -90 <= case.lat <= 90):
        raise InvalidArgument(f"位置无效：经度 {case.lon}，纬度 {case.lat}")
    if hit is LOOK_UP:
        hit = wf.spatial(session).cell_at(case.lon, case.lat)
    if hit is None:
        return  # outside every grid cell: still registrable, the seat fixes the location
    case.grid_cell_id, case.zone = hit.id, hit.zone or ""
    case.community_id = hit.community.id if hit.community else None
    case.street_id = hit.street.id if hit.street else None
    case.district_id = hit.district.id if hit.district else None


def next_number(session: Session, prefix: str) -> str:
    """``YYYYMMDD`` (``prefix``) + a 6-digit daily serial: max + 1, in the caller's
    transaction (SQLite; the caller retries on a collision). PostgreSQL: ``numbering``."""
    last = session.scalar(select(func.max(Case.number)).where(
        Case.number >= prefix + "000000", Case.number <= prefix + "999999"))
    serial = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{serial:06d}"


def resolve_class(session: Session, class_id: int | None) -> CaseClass | None:
    if class_id is None:
        return None
    cls = session.get(CaseClass, class_id)
    if cls is None:
        raise NotFound(f"案件类别 {class_id} 不存在")
    return cls


@dataclass(frozen=True)
class ClassFacts:
    """What registration, the duplicate search and the Open311 service list read of a
    ``CaseClass``, as plain values (kept across sessions by ``Workflow.lookups``)."""

    id: int
    edition_id: int
    kind: str
    major_code: str
    major_name: str
    code: str
    name: str
    duplicate_radius_m: float | None

    @classmethod
    def of(cls, row: CaseClass) -> ClassFacts:
        return cls(row.id, row.edition_id, row.kind, row.major_code, row.major_name, row.code,
                   row.name, row.duplicate_radius_m)


def class_facts(wf: Workflow, session: Session, class_id: int | None) -> ClassFacts | None:
    """``resolve_class`` as plain values, from the process's cache while it is live
    (emptied by ``NOTIFY seatdesk_config`` when a class changes); ``NotFound`` if none."""
    if class_id is None:
        return None

    def load() -> ClassFacts:
        return ClassFacts.of(resolve_class(session, class_id))

    return wf.lookups.get(("class", class_id), load)


def resolve_component(session: Session, code: str | None) -> Component | None:
    """The 部件 by its 标识码 (16 or 17 digits)."""
    if not code:
        return None
    comp = session.scalar(select(Component).where(Component.code == code.strip()))
    if comp is None:
        raise NotFound(f"部件标识码 {code} 不存在")
    return comp


def resolve_supervisor(session: Session, user_id: int | None) -> int | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or user.role != Role.SUPERVISOR or not user.active:
        raise InvalidArgument(f"用户 {user_id} 不是在岗的监督员")
    return user.id


def store_attachments(session: Session, case_id: int, actor: Actor, seq: int,
                      items: Iterable[AttachmentIn], now: dt.datetime) -> list[int]:
    """Keep photos/recordings with the ledger row they belong to; returns attachment ids."""
    rows = []
    for item in items:
        if item.kind not in AttachmentKind._value2member_map_:
            raise InvalidArgument(f"附件类型无效：{item.kind}")
        if len(item.content) > MAX_ATTACHMENT_BYTES:
            raise InvalidArgument(f"附件 {item.filename} 超过 20 MB")
        rows.append(Attachment(
            case_id=case_id, ledger_seq=seq, kind=item.kind, filename=item.filename,
            mime_type=item.mime_type, size=len(item.content),
            sha256=hashlib.sha256(item.content).hexdigest(), uploaded_by_id=actor.user_id,
            uploaded_at=now, content=item.content))
    session.add_all(rows)
    if rows:
        session.flush()
    return [row.id for row in rows]


def attachment_args(items: Iterable[AttachmentIn]) -> list[dict]:
    """What the ledger records about attachments (their digest, not their bytes)."""
    return [{"kind": i.kind, "filename": i.filename, "size": len(i.content),
             "sha256": hashlib.sha256(i.content).hexdigest()} for i in items]


def apply_defaults(obj) -> None:
    """Set the scalar column defaults on a new ORM object now (not at INSERT), so the
    ledger's first row records the complete initial case."""
    for column in type(obj).__table__.columns:
        default = column.default
        if default is not None and default.is_scalar and getattr(obj, column.key) is None:
            setattr(obj, column.key, default.arg)
