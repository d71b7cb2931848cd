"""Reference data the server offers its clients (Qt-free reads)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import CaseClass, ClassEdition, get_setting


def configured_classes(session: Session) -> list[CaseClass]:
    """The minor classes of the centre's configured classification edition."""
    edition = get_setting(session, "class_edition")
    return list(session.scalars(
        select(CaseClass).join(ClassEdition).where(ClassEdition.code == edition)
        .order_by(CaseClass.kind, CaseClass.major_code, CaseClass.code)))
