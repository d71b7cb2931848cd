"""The evaluated objects of each level and their names (regions, departments, posts)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import AdminUnit, Department, GridCell, User
from seatdesk.models.enums import DepartmentKind

from .config import EvaluationConfig
from .tallies import Scope

_ADMIN_LEVELS = {"district", "street", "community"}
_POSTS = {"supervisor", "acceptor", "shift_lead", "dispatcher"}


def object_names(session: Session, level: str) -> dict[int, str]:
    """id → name of every object of ``level`` (users: display name and login)."""
    if level in _ADMIN_LEVELS:
        rows = session.execute(select(AdminUnit.id, AdminUnit.name).where(
            AdminUnit.level == level).order_by(AdminUnit.code))
        return dict(rows.all())
    if level == "grid":
        rows = session.execute(select(GridCell.id, GridCell.code).order_by(GridCell.code))
        return dict(rows.all())
    if level == "department":
        rows = session.execute(select(Department.id, Department.name).where(
            Department.kind == DepartmentKind.DEPARTMENT).order_by(Department.code))
        return dict(rows.all())
    if level in _POSTS:
        rows = session.execute(select(User.id, User.display_name).where(
            User.role == level).order_by(User.username))
        return dict(rows.all())
    raise ValueError(f"未知的评价层级：{level}")


def scope_for(session: Session, period, config: EvaluationConfig) -> Scope:
    """The period, the rules and the supervisors' areas (user id → code prefixes)."""
    areas: dict[int, tuple[str, ...]] = {}
    codes: dict[int, str] = {}
    if config.supervisor_areas:
        users = dict(session.execute(select(User.username, User.id)).all())
        areas = {users[name]: prefixes for name, prefixes in config.supervisor_areas.items()
                 if name in users}
        codes = dict(session.execute(select(GridCell.id, GridCell.code)).all())
    return Scope(period.start, period.end, config, codes, areas)
