"""Case sources (案件来源) as reference data: which channels a report can come from.

An administrator enables, renames and orders the sources and says, per source, whether it
is a **public** source (a report from the public: counts as a public report in 漏报 and
监督举报率) and whether it **needs 核实** (a supervisor confirms it on site before the
acceptor may accept it). Migration 0008 seeds the shipped ones (``SHIPPED``), 12345
政务服务便民热线 among them. Codes are stable identifiers stored on the case; only the
name is shown. ``patrol`` (监督员巡查) is the supervisors' own channel and cannot be
removed. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base
from .enums import PUBLIC_SOURCES, CaseSource


class Source(Base):
    """One case source (案件来源) and its rules."""

    __tablename__ = "case_sources"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_verification: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class SourceInfo:
    """A source as the seat and the engine read it (plain values)."""

    code: str
    name: str
    enabled: bool
    sort_order: int
    public: bool
    needs_verification: bool


#: the shipped sources in their default order: 12345 first (since 2021 most cities route
#: 市长热线 into 12345 政务服务便民热线; 12319 often stays separate)
SHIPPED_ORDER = (
    CaseSource.PATROL, CaseSource.HOTLINE_12345, CaseSource.HOTLINE_12319,
    CaseSource.MAYOR_HOTLINE, CaseSource.MAYOR_MAILBOX, CaseSource.MEDIA, CaseSource.ONLINE,
    CaseSource.SUPERIOR, CaseSource.VIDEO,
)
SHIPPED: tuple[SourceInfo, ...] = tuple(
    SourceInfo(s.value, s.label, True, (i + 1) * 10, s in PUBLIC_SOURCES, s in PUBLIC_SOURCES)
    for i, s in enumerate(SHIPPED_ORDER))
#: the code of the supervisors' patrol reports (registered by supervisors themselves)
PATROL = CaseSource.PATROL.value


def _info(row: Source) -> SourceInfo:
    return SourceInfo(row.code, row.name, bool(row.enabled), int(row.sort_order or 0),
                      bool(row.public), bool(row.needs_verification))


def list_sources(session: Session, enabled_only: bool = False) -> tuple[SourceInfo, ...]:
    """The sources in display order (enabled ones only if asked)."""
    query = select(Source).order_by(Source.sort_order, Source.code)
    if enabled_only:
        query = query.where(Source.enabled.is_(True))
    return tuple(_info(row) for row in session.scalars(query))


def source_info(session: Session, code: str) -> SourceInfo | None:
    row = session.get(Source, code)
    return _info(row) if row is not None else None


def source_names(session: Session) -> dict[str, str]:
    """code → name of every source, for labels (unknown codes show their code)."""
    return {code: name for code, name in session.execute(select(Source.code, Source.name))}


def public_codes(session: Session) -> tuple[str, ...]:
    """Codes of the public sources (漏报, 监督举报率), sorted."""
    return tuple(sorted(session.scalars(select(Source.code).where(Source.public.is_(True)))))


def verification_codes(session: Session) -> frozenset[str]:
    """Codes of the sources whose reports need 核实 before 受理."""
    return frozenset(session.scalars(select(Source.code)
                                     .where(Source.needs_verification.is_(True))))
