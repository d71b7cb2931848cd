"""Dispatch suggestions: which department should handle a case, and why.

Order: the 部件's 主管 (owner) department, then its 养护 (maintainer); then the
responsibility matrix (class × area) walking community → street → district → the whole
city (area NULL). A district dispatcher only gets its own departments suggested. Also
suggests the supervisor for a 核实/核查 task: of the supervisors whose beat holds the case,
the one last seen nearest (else the beat's owner); without beats, the one last seen
nearest to the case.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatdesk.models import (
    Case,
    Component,
    Department,
    Responsibility,
    SupervisorPosition,
    User,
)
from seatdesk.models.enums import DepartmentKind, Role
from seatdesk.models.pools import beat_owners


@dataclass(frozen=True)
class Suggestion:
    department_id: int
    department_name: str
    reason: str
    district_centre_id: int | None  # the 二级平台 the department belongs to, if any


def suggest_department(session: Session, case_id: int,
                       within_centre: int | None = None) -> Suggestion | None:
    """The suggested department for the case (within a district centre if given)."""
    case = session.get(Case, case_id)
    if case is None:
        return None
    for dept_id, reason in _candidates(session, case):
        dept = session.get(Department, dept_id)
        if dept is None or not dept.active or dept.kind != DepartmentKind.DEPARTMENT:
            continue
        if within_centre is not None and dept.parent_id != within_centre:
            continue
        return Suggestion(dept.id, dept.name, reason, _district_centre(session, dept))
    return None


def _candidates(session: Session, case: Case):
    if case.component_id:
        comp = session.get(Component, case.component_id)
        if comp is not None and comp.owner_dept_id:
            yield comp.owner_dept_id, f"部件 {comp.code} 的主管单位"
        if comp is not None and comp.maintainer_dept_id:
            yield comp.maintainer_dept_id, f"部件 {comp.code} 的养护单位"
    if case.class_id is None:
        return
    areas = [("社区", case.community_id), ("街道", case.street_id), ("区/县", case.district_id)]
    for label, area_id in areas:
        if area_id is not None:
            dept_id = _responsible(session, case.class_id, area_id)
            if dept_id is not None:
                yield dept_id, f"责任矩阵：本类别在所在{label}的责任单位"
    dept_id = _responsible(session, case.class_id, None)
    if dept_id is not None:
        yield dept_id, "责任矩阵：本类别的全市责任单位"


def _responsible(session: Session, class_id: int, area_id: int | None) -> int | None:
    area = Responsibility.area_id.is_(None) if area_id is None else (
        Responsibility.area_id == area_id)
    return session.scalar(select(Responsibility.department_id).where(
        Responsibility.class_id == class_id, area).limit(1))


def _district_centre(session: Session, dept: Department) -> int | None:
    parent = session.get(Department, dept.parent_id) if dept.parent_id else None
    if parent is not None and parent.kind == DepartmentKind.DISTRICT_CENTRE:
        return parent.id
    return None


@dataclass(frozen=True)
class PersonSuggestion:
    """A suggested supervisor: an active user who can sign in, and why."""

    user_id: int
    name: str
    username: str
    reason: str  # 中文
    basis: str = "nearest"  # beat_nearest | beat | nearest (for a translated reason)


def suggest_supervisor(session: Session, case_id: int, now: dt.datetime,
                       max_age: dt.timedelta = dt.timedelta(hours=12)) -> int | None:
    """The id of ``supervisor_suggestion`` (None: no suggestion)."""
    found = supervisor_suggestion(session, case_id, now, max_age)
    return found.user_id if found else None


def supervisor_suggestion(session: Session, case_id: int, now: dt.datetime,
                          max_age: dt.timedelta = dt.timedelta(hours=12)
                          ) -> PersonSuggestion | None:
    """Who should get the case's 核实/核查 task.

    Among the supervisors eligible for the case (the owners of the beat holding it,
    ``models/pools.py``; every supervisor if none): the one last seen nearest within
    ``max_age``; else the beat's owner; else, beats aside, the one last seen nearest.
    Always an active supervisor account, or None when there is none to suggest.
    """
    case = session.get(Case, case_id)
    if case is None:
        return None
    owners = list(beat_owners(session, case_id))
    nearest = _nearest(session, case, now - max_age, owners or None)
    if nearest is not None:
        if owners:
            return _person(session, nearest, "本网格责任监督员，最近定位离案件最近",
                           "beat_nearest")
        return _person(session, nearest, "最近定位离案件最近", "nearest")
    if owners:
        return _person(session, _first_by_username(session, owners), "本网格责任监督员", "beat")
    return None


def _first_by_username(session: Session, user_ids: list[int]) -> int:
    return session.scalar(select(User.id).where(User.id.in_(user_ids))
                          .order_by(User.username).limit(1))


def _person(session: Session, user_id: int, reason: str, basis: str) -> PersonSuggestion:
    user = session.get(User, user_id)
    return PersonSuggestion(user.id, user.display_name, user.username, reason, basis)


def _nearest(session: Session, case: Case, since: dt.datetime,
             among: list[int] | None) -> int | None:
    """The active supervisor (of ``among``, if given) last seen nearest the case."""
    latest = (select(SupervisorPosition.user_id, func.max(SupervisorPosition.at).label("at"))
              .where(SupervisorPosition.at >= since)
              .group_by(SupervisorPosition.user_id).subquery())
    query = (select(SupervisorPosition.user_id, SupervisorPosition.lon, SupervisorPosition.lat)
             .join(latest, (latest.c.user_id == SupervisorPosition.user_id)
                   & (latest.c.at == SupervisorPosition.at))
             .join(User, User.id == SupervisorPosition.user_id)
             .where(User.role == Role.SUPERVISOR, User.active.is_(True)))
    if among is not None:
        query = query.where(User.id.in_(among))
    rows = session.execute(query).all()
    if not rows:
        return None
    scale = math.cos(math.radians(case.lat))
    return min(rows, key=lambda r: (((r.lon - case.lon) * scale) ** 2 + (r.lat - case.lat) ** 2,
                                    r.user_id)).user_id
