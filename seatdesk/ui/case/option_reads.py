"""Choices and rules the workflow dialogs show, read off the GUI thread (Qt-free).

Filing conditions of a class with their limits and closure conditions (立案条件), the
departments a dispatcher may choose with the engine's suggestion and why, the
supervisors for 核实/核查 tasks with the suggested one, deadline previews from the
working calendar, common phrases (常用语) by category and the case classes for the
class picker. Every function returns frozen values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.data.admin import list_phrases
from seatdesk.models import (
    Case,
    CaseClass,
    ClassEdition,
    Department,
    FilingCondition,
    User,
    get_setting,
)
from seatdesk.models.enums import DepartmentKind, Role
from seatdesk.models.pools import pool_members
from seatdesk.workflow import services as sd
from seatdesk.workflow.timelimits import effective_unit


@dataclass(frozen=True)
class ClassEntry:
    id: int
    code: str
    name: str
    kind: str
    major_name: str
    pinyin: str

    @property
    def text(self) -> str:
        return f"{self.code} {self.name}"

    def matches(self, query: str) -> bool:
        """Code prefix, name substring or pinyin initials (``gsjg`` → 供水井盖)."""
        q = query.strip().lower()
        return (not q or self.code.startswith(q) or q in self.name.lower()
                or self.pinyin.lower().startswith(q) or q in self.major_name.lower())


@dataclass(frozen=True)
class LimitInfo:
    urgency: str
    zone: str  # "" = every zone
    value: Decimal
    unit: str
    is_default: bool = False  # derived by rule (紧急 from the normal limit), to be reviewed


@dataclass(frozen=True)
class ConditionInfo:
    id: int
    code: str
    text: str
    closure_condition: str
    is_default: bool  # a placeholder an administrator should review
    limits: tuple[LimitInfo, ...]

    def limit_for(self, urgency: str, zone: str) -> LimitInfo | None:
        """The limit the engine will pick: the case's zone first, else every zone."""
        hits = [x for x in self.limits if x.urgency == urgency and x.zone in (zone, "")]
        hits.sort(key=lambda x: x.zone != zone)
        return hits[0] if hits else None


@dataclass(frozen=True)
class DepartmentChoice:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class DispatchOptions:
    departments: tuple[DepartmentChoice, ...]
    suggestion: sd.Suggestion | None
    limit: tuple[Decimal, str] | None  # the case's handling limit (from 立案)
    deadline_if_now: dt.datetime | None  # the deadline if the clock (re)starts now
    current_deadline: dt.datetime | None
    keeps_deadline: bool  # 改派 keeps the running deadline (setting)


@dataclass(frozen=True)
class PersonChoice:
    id: int
    name: str
    username: str = ""


def class_entries(session: Session) -> tuple[ClassEntry, ...]:
    """The classes of the configured edition (all editions if it is not loaded)."""
    edition = str(get_setting(session, "class_edition") or "")
    query = select(CaseClass).join(ClassEdition, ClassEdition.id == CaseClass.edition_id)
    rows = session.scalars(query.where(ClassEdition.code == edition)
                           .order_by(CaseClass.code)).all()
    if not rows:
        rows = session.scalars(select(CaseClass).order_by(CaseClass.code)).all()
    return tuple(ClassEntry(c.id, c.code, c.name, c.kind, c.major_name, c.pinyin_initials or "")
                 for c in rows)


def filing_conditions(session: Session, class_id: int) -> tuple[ConditionInfo, ...]:
    """The active 立案条件 of a class, with every time limit and the 结案条件."""
    conds = session.scalars(select(FilingCondition).where(
        FilingCondition.class_id == class_id, FilingCondition.active.is_(True))
        .order_by(FilingCondition.sort_order, FilingCondition.code)).all()
    return tuple(ConditionInfo(
        c.id, c.code, c.text, c.closure_condition, c.is_default,
        tuple(LimitInfo(x.urgency, x.zone, x.value, x.unit, bool(x.is_default)) for x in sorted(
            c.limits, key=lambda x: (x.urgency, x.zone)))) for c in conds)


def phrases(session: Session, category: str) -> tuple[str, ...]:
    return tuple(p.text for p in list_phrases(session, category))


def _district_of(session: Session, actor: sd.Actor) -> int | None:
    dept = session.get(Department, actor.department_id) if actor.department_id else None
    return dept.id if dept is not None and dept.kind == DepartmentKind.DISTRICT_CENTRE else None


def dispatch_targets(session: Session, actor: sd.Actor) -> tuple[DepartmentChoice, ...]:
    """Where this dispatcher may send a case: a district centre's own departments, or (city
    level) every department and district centre (the engine's rule)."""
    centre = _district_of(session, actor)
    query = select(Department).where(Department.active.is_(True))
    if centre is not None:
        query = query.where(Department.parent_id == centre,
                            Department.kind == DepartmentKind.DEPARTMENT)
    else:
        query = query.where(Department.kind.in_([DepartmentKind.DEPARTMENT,
                                                 DepartmentKind.DISTRICT_CENTRE]))
    rows = session.scalars(query.order_by(Department.kind.desc(), Department.code)).all()
    return tuple(DepartmentChoice(d.id, d.name, d.kind) for d in rows)


def dispatch_options(wf: sd.Workflow, actor: sd.Actor, case_id: int) -> DispatchOptions:
    """Targets, the suggested department and why, and the deadline a dispatch now gives."""
    with Session(wf.engine) as session:
        targets = dispatch_targets(session, actor)
        suggestion = sd.suggest_department(session, case_id, _district_of(session, actor))
        case = session.get(Case, case_id)
        limit = (case.limit_value, case.limit_unit) if case.limit_value is not None else None
        due = None
        if limit is not None:
            due = wf.calendar(session).add(wf.now(), limit[0], limit[1])
        keeps = wf.settings(session).redispatch_keeps_deadline
        return DispatchOptions(targets, suggestion, limit, due, case.deadline_at, keeps)


@dataclass(frozen=True)
class SupervisorOptions:
    people: tuple[PersonChoice, ...]  # every active supervisor
    suggestion: sd.PersonSuggestion | None
    pool: tuple[str, ...]  # who sees the task if it goes to 任一监督员 (names)


def supervisor_options(wf: sd.Workflow, case_id: int) -> SupervisorOptions:
    """Active supervisors (with their sign-in names), the suggested one and why, and the
    pool a task sent to 任一监督员 would reach (``models/pools.py``)."""
    with Session(wf.engine) as session:
        people = session.execute(select(User.id, User.display_name, User.username).where(
            User.role == Role.SUPERVISOR, User.active.is_(True)).order_by(User.username)).all()
        suggestion = sd.supervisor_suggestion(session, case_id, wf.now())
        pool = tuple(name for _, name in pool_members(session, case_id))
    return SupervisorOptions(tuple(PersonChoice(i, n, u) for i, n, u in people), suggestion,
                             pool)


def extension_preview(wf: sd.Workflow, case_id: int, value: Decimal,
                      unit: str) -> dt.datetime | None:
    """The deadline after an extension of ``value`` ``unit`` (紧急 cases count naturally)."""
    with Session(wf.engine) as session:
        case = session.get(Case, case_id)
        if case is None or case.deadline_at is None or value <= 0:
            return None
        return wf.calendar(session).add(case.deadline_at, value,
                                        effective_unit(unit, case.urgency))
