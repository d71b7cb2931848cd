"""A read-only summary of what a database holds (for the main window and ``doctor``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .cases import Case
from .assets import Component
from .enums import CaseState
from .people import User
from .reference import AdminUnit, CaseClass, Department, GridCell
from .settings import get_setting


@dataclass(frozen=True)
class Overview:
    centre_name: str
    communities: int
    grid_cells: int
    components: int
    classes: int
    departments: int
    users: int
    cases: int
    cases_by_state: tuple[tuple[str, str, int], ...]  # (state, 中文, count), workflow order


def overview(session: Session) -> Overview:
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    by_state = dict(session.execute(select(Case.state, func.count()).group_by(Case.state)).all())
    ordered = tuple((s.value, s.label, by_state.get(s.value, 0)) for s in CaseState)
    return Overview(
        centre_name=get_setting(session, "centre_name"),
        communities=count(AdminUnit, AdminUnit.level == "community"),
        grid_cells=count(GridCell),
        components=count(Component),
        classes=count(CaseClass),
        departments=count(Department),
        users=count(User),
        cases=sum(by_state.values()),
        cases_by_state=ordered,
    )
