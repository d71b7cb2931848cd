"""A minimal self-contained centre for examples, benchmarks and smoke runs: one county,
street, community and grid cell, a 部件 class and an 事件 class with filing conditions
and limits, a water company and a sanitation department, one user per role.

Not the demo city (``seatdesk.data.demo``): just enough for the workflow to run.
``ensure_sample(session)`` finds or creates each piece: the sample users and departments
(by username/code), a filing condition with a normal limit (an existing one if the
database has reference data), and a point inside a grid cell (an existing cell if any).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import (
    AdminUnit,
    CaseClass,
    ClassEdition,
    Department,
    FilingCondition,
    GridCell,
    Responsibility,
    TimeLimit,
    User,
)

CELL = (119.480, 31.425, 119.482, 31.427)  # 溧阳 old town, 县前街
POINT = (119.4805, 31.4255)
USERS = {  # username → (display name, role, department code)
    "sample_acceptor": ("受理员小王", "acceptor", None),
    "sample_lead": ("值班长老李", "shift_lead", None),
    "sample_dispatcher": ("派遣员小张", "dispatcher", "SAMPLE-CC"),
    "sample_water": ("水务集团值守", "department", "SAMPLE-SW"),
    "sample_supervisor": ("监督员老陈", "supervisor", None),
}


@dataclass(frozen=True)
class SampleIds:
    users: dict[str, int]
    departments: dict[str, int]
    class_id: int
    condition_id: int
    point: tuple[float, float]


def ensure_sample(session: Session, password_hash: str = "!sample-no-login") -> SampleIds:
    """Find or create the sample centre's pieces; return their ids."""
    depts = _departments(session)
    users = _users(session, depts, password_hash)
    cond = _condition(session)
    session.flush()
    return SampleIds(users, depts, cond.class_id, cond.id, _point(session))


def _departments(session: Session) -> dict[str, int]:
    found = dict(session.execute(select(Department.code, Department.id).where(
        Department.code.in_(["SAMPLE-CC", "SAMPLE-SW"]))).all())
    for code, name, kind in (("SAMPLE-CC", "数字城管指挥中心(示例)", "city_centre"),
                             ("SAMPLE-SW", "水务集团(示例)", "department")):
        if code not in found:
            dept = Department(code=code, name=name, kind=kind)
            session.add(dept)
            session.flush()
            found[code] = dept.id
    return found


def _users(session: Session, depts: dict[str, int], password_hash: str) -> dict[str, int]:
    found = dict(session.execute(select(User.username, User.id).where(
        User.username.in_(list(USERS)))).all())
    for username, (name, role, dept) in USERS.items():
        if username not in found:
            user = User(username=username, display_name=name, password_hash=password_hash,
                        role=role, department_id=depts.get(dept))
            session.add(user)
            session.flush()
            found[username] = user.id
    return found


def _condition(session: Session) -> FilingCondition:
    """A 立案条件 with a normal, every-zone limit: 供水井盖 if present, else any, else ours."""
    query = (select(FilingCondition).join(CaseClass).join(TimeLimit)
             .where(FilingCondition.active.is_(True), TimeLimit.urgency == "normal",
                    TimeLimit.zone == "").order_by((CaseClass.name != "供水井盖"),
                                                   FilingCondition.id).limit(1))
    cond = session.scalar(query)
    if cond is not None:
        return cond
    edition = session.scalar(select(ClassEdition).where(
        ClassEdition.code == "GB/T 47678.5-2026")) or ClassEdition(
        code="GB/T 47678.5-2026", name="管理部件和事项", class_code_length=5,
        component_id_length=17)
    cover = CaseClass(edition=edition, kind="component", major_code="01",
                      major_name="市政公用设施", code="01001", name="供水井盖", is_local=True)
    cond = FilingCondition(case_class=cover, code="0100101", text="井盖破损、移位或缺失",
                           closure_condition="井盖完好归位", is_default=True)
    cond.limits += [TimeLimit(urgency="normal", zone="", value=Decimal(4), unit="working_hours"),
                    TimeLimit(urgency="urgent", zone="", value=Decimal(2), unit="natural_hours")]
    session.add_all([cover, cond])
    session.flush()
    dept = session.scalar(select(Department.id).where(Department.code == "SAMPLE-SW"))
    session.add(Responsibility(class_id=cover.id, area_id=None, department_id=dept))
    return cond


def _point(session: Session) -> tuple[float, float]:
    """The centre of the first grid cell; creates the sample cell on an empty database."""
    cell = session.scalar(select(GridCell).order_by(GridCell.code).limit(1))
    if cell is None:
        county = AdminUnit(level="district", code="320481", name="溧阳市")
        street = AdminUnit(level="street", code="320481002", name="溧城街道", parent=county)
        community = AdminUnit(level="community", code="320481002012", name="县前街社区",
                              parent=street)
        poly = shapely.box(*CELL)
        cell = GridCell(code="320481002012001", name="县前街1号网格", community=community,
                        area_m2=40000.0, geom=poly)
        cell.set_bbox_from(poly)
        session.add_all([county, street, community, cell])
        session.flush()
        return POINT
    centre = cell.geom.representative_point()
    return (centre.x, centre.y)
