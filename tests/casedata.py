"""A small, fully controlled set of cases for the queue and work-box tests.

Inserted straight into an empty migrated database (no demo generator): two
communities with grid cells, two classes, one component, the city centre, two
departments, one user per role and ``len(STATE_PLAN)`` cases whose states, phones,
addresses and timestamps the tests know exactly.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from shapely.geometry import Point, box
from sqlalchemy import select

from seatdesk.models import (
    AdminUnit,
    Case,
    CaseClass,
    ClassEdition,
    Component,
    Department,
    GridCell,
    User,
)
from seatdesk.models.enums import CaseState as S
from seatdesk.models.enums import Role
from seatdesk.workflow.auth import LoggedIn, hash_password
from tests.dbtemplates import register_seed

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 6, 4, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Liyang
PASSWORD = "seatdesk-demo-1"

# (state, source, department index or None, phone, address, description, grid index, class)
STATE_PLAN = [
    (S.REPORTED, "hotline_12319", None, "13812345678", "燕山路12号", "井盖破损", 0, "01001"),
    (S.REPORTED, "patrol", None, "", "南大街5号", "暴露垃圾", 1, "10002"),
    (S.REPORTED, "hotline_12319", None, "13900001111", "燕山路30号", "路灯不亮", 0, "01001"),
    (S.PENDING_VERIFICATION, "mayor_hotline", None, "13712340000", "北门路8号", "占道经营", 1,
     "10002"),
    (S.ACCEPTED, "patrol", None, "", "燕山路1号", "井盖缺失 100%", 0, "01001"),
    (S.FILED, "patrol", None, "", "后街88号", "暴露垃圾_堆积", 1, "10002"),
    (S.DISPATCHED, "patrol", 0, "", "燕山路66号", "井盖松动", 0, "01001"),
    (S.DISPATCHED, "hotline_12319", 1, "13655556666", "东门大街9号", "垃圾满溢", 1, "10002"),
    (S.DISPATCHED, "patrol", 0, "", "平陵路3号", "井盖下沉", 1, "01001"),
    (S.EXTENSION_REQUESTED, "patrol", 0, "", "燕山路70号", "井盖破损", 0, "01001"),
    (S.SUSPENDED, "patrol", 1, "", "罗湾路2号", "暴露垃圾", 1, "10002"),
    (S.FEEDBACK, "patrol", 0, "", "燕山路99号", "井盖破损", 0, "01001"),
    (S.PENDING_CHECK, "hotline_12319", 1, "0519-87654321", "西门路1号", "垃圾", 1, "10002"),
    (S.READY_TO_CLOSE, "patrol", 0, "", "燕山路100号", "井盖", 0, "01001"),
    (S.VOID_REQUESTED, "patrol", None, "", "南环路7号", "重复上报", 1, "10002"),
    (S.CLOSED, "patrol", 0, "", "燕山路101号", "井盖", 0, "01001"),
    (S.CLOSED, "hotline_12319", 1, "13811112222", "北门路99号", "垃圾", 1, "10002"),
    (S.VOIDED, "online", None, "13800000000", "不明地址", "无效", 0, "01001"),
]


@dataclass(frozen=True)
class Seeded:
    case_ids: tuple[int, ...]
    numbers: tuple[str, ...]
    departments: tuple[int, ...]
    users: dict[str, LoggedIn]  # by role (department: the first department's user)
    grid_codes: tuple[str, ...]
    component_code: str
    class_ids: dict[str, int]


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def seed_cases(session) -> Seeded:
    """Insert the fixture (caller commits)."""
    district = AdminUnit(level="district", code="320481", name="溧阳市")
    street = AdminUnit(level="street", code="320481002", name="溧城街道", parent=district)
    comms = [AdminUnit(level="community", code=f"32048100200{i}", name=f"第{i}社区",
                       parent=street) for i in (1, 2)]
    session.add_all([district, street, *comms])
    session.flush()
    cells = [_cell(f"{c.code}00{i + 1}", c.id, i) for i, c in enumerate(comms)]
    edition = ClassEdition(code="GB/T 47678.5-2026", name="2026", class_code_length=5,
                           component_id_length=17)
    session.add_all([*cells, edition])
    session.flush()
    classes = {
        "01001": CaseClass(edition_id=edition.id, kind="component", major_code="01",
                           major_name="公用设施", code="01001", name="供水井盖",
                           pinyin_initials="gsjg"),
        "10002": CaseClass(edition_id=edition.id, kind="event", major_code="10",
                           major_name="市容环境", code="10002", name="暴露垃圾",
                           pinyin_initials="bllj"),
    }
    centre = Department(code="C001", name="市指挥中心", kind="city_centre")
    depts = [Department(code="D001", name="市政设施管理处"),
             Department(code="D002", name="环境卫生管理处")]
    session.add_all([*classes.values(), centre, *depts])
    session.flush()
    part = Component(code="32048101001000001", class_id=classes["01001"].id, name="供水井盖",
                     grid_cell_id=cells[0].id, lon=119.48, lat=31.42, geom=Point(119.48, 31.42))
    session.add(part)
    users = _users(session, centre.id, [d.id for d in depts])
    _cases(session, cells, classes, depts, part, users)
    session.flush()
    return read_back(session)


def read_back(session) -> Seeded:
    """The ``Seeded`` summary of a database the fixture was loaded into."""
    cases = session.execute(select(Case.id, Case.number).order_by(Case.number)).all()
    users = {u.username: LoggedIn(u.id, u.username, u.display_name, u.role, u.department_id,
                                  u.must_change_password)
             for u in session.scalars(select(User))}
    depts = session.scalars(select(Department.id).where(Department.code.in_(["D001", "D002"]))
                            .order_by(Department.code)).all()
    return Seeded(
        tuple(c.id for c in cases), tuple(c.number for c in cases), tuple(depts), users,
        tuple(session.scalars(select(GridCell.code).order_by(GridCell.code))),
        session.scalar(select(Component.code)),
        dict(session.execute(select(CaseClass.code, CaseClass.id)).all()),
    )


@register_seed("casedata")
def _seed_casedata(engine) -> None:
    """The "casedata" seed of ``tests.dbtemplates`` (``make_db("casedata")``)."""
    from seatdesk.models.db import session_factory

    with session_factory(engine).begin() as session:
        seed_cases(session)


def _cell(code: str, community_id: int, i: int) -> GridCell:
    geom = box(119.47 + i * 0.01, 31.41, 119.48 + i * 0.01, 31.42)
    cell = GridCell(code=code, name=f"网格{code[-3:]}", community_id=community_id,
                    area_m2=10_000.0, geom=geom)
    cell.set_bbox_from(geom)
    return cell


def _users(session, centre_id: int, dept_ids: list[int]) -> dict[str, LoggedIn]:
    out = {}
    specs = [(role.value, centre_id) for role in Role if role != Role.DEPARTMENT]
    specs += [("department", dept_ids[0]), ("department2", dept_ids[1])]
    for name, dept in specs:
        role = "department" if name.startswith("department") else name
        user = User(username=name, display_name=f"{Role(role).label}{name[-1:]}",
                    password_hash=password_hash(), role=role, department_id=dept)
        session.add(user)
        session.flush()
        out[name] = LoggedIn(user.id, name, user.display_name, role, dept, False)
    return out


def _cases(session, cells, classes, depts, part, users) -> None:
    rows = []
    for i, (state, source, dept, phone, address, text, cell, cls) in enumerate(STATE_PLAN):
        reported = NOW - dt.timedelta(hours=len(STATE_PLAN) - i)
        case = Case(
            number=f"2025{i + 1:06d}", state=state.value, source=source,
            kind=classes[cls].kind, class_id=classes[cls].id, lon=119.475, lat=31.415,
            geom=Point(119.475, 31.415), grid_cell_id=cells[cell].id, address=address,
            description=text, caller_phone=phone, reported_at=reported, updated_at=reported,
            department_id=None if dept is None else depts[dept].id,
            component_id=part.id if cls == "01001" and i % 2 == 0 else None,
        )
        _clocks(case, state, reported, users)
        rows.append(case)
    session.add_all(rows)


def _clocks(case: Case, state: S, reported: dt.datetime, users) -> None:
    """Step clocks before dispatch, a 4 working-hour handling clock after."""
    handling = {S.DISPATCHED, S.EXTENSION_REQUESTED, S.SUSPENDED}
    if state in handling:
        case.dispatched_at = reported
        case.deadline_at = reported + dt.timedelta(hours=6)
        case.limit_value, case.limit_unit = 4, "working_hours"
        if state == S.SUSPENDED:
            case.suspended_at = reported + dt.timedelta(minutes=30)
    elif state not in (S.CLOSED, S.VOIDED):
        case.step_started_at = reported
        case.step_deadline_at = reported + dt.timedelta(minutes=30)
    if state in (S.PENDING_VERIFICATION, S.PENDING_CHECK):
        case.task_user_id = users[Role.SUPERVISOR.value].user_id
