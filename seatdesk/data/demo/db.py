"""Writing the demo city's reference tables: admin units, grid cells, departments, the
responsibility matrix, users, supervisor positions, components and roads."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
from shapely.geometry import MultiLineString, Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import (
    AdminUnit,
    CaseClass,
    ClassEdition,
    Component,
    Department,
    GridCell,
    Responsibility,
    Setting,
    SupervisorPosition,
    User,
)
from seatdesk.models.settings import set_setting
from seatdesk.workflow.auth import hash_password

from seatdesk.data.demo import load as demo_load
from seatdesk.data.demo.assets import ClassRef, ComponentPlan
from seatdesk.data.demo.geo import GeoPlan, to_lonlat
from seatdesk.data.demo.org import (
    DEMO_PASSWORD,
    area_overrides_for_class,
    department_for_class,
    department_plans,
    user_plans,
)
from seatdesk.data.demo.roads import networks
from seatdesk.data.road_import import road_row

GRID_VALID_FROM = dt.date(2012, 9, 1)  # 万米单元网格划分, plan §四(一)


@dataclass(frozen=True)
class GeoIds:
    units: dict[str, int]  # admin code → id
    cells: np.ndarray  # GridCell ids aligned with GeoPlan.cells


def insert_geo(session: Session, plan: GeoPlan) -> GeoIds:
    units: dict[str, int] = {}
    for level in ("district", "street", "community"):
        rows = [AdminUnit(level=u.level, code=u.code, name=u.name, geom=u.geom,
                          parent_id=units.get(u.parent_code) if u.parent_code else None)
                for u in plan.units if u.level == level]
        session.add_all(rows)
        session.flush()
        units.update({r.code: r.id for r in rows})
    cells = []
    for c in plan.cells:
        cell = GridCell(code=c.code, name=c.name, community_id=units[c.community_code],
                        area_m2=c.area_m2, zone=c.zone, valid_from=GRID_VALID_FROM, geom=c.geom)
        cell.set_bbox_from(c.geom)
        cells.append(cell)
    session.add_all(cells)
    session.flush()
    return GeoIds(units, np.array([c.id for c in cells], dtype=np.int64))


def insert_departments(session: Session, units: dict[str, int]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for plan in department_plans():
        dept = Department(code=plan.code, name=plan.name, kind=plan.kind,
                          parent_id=ids.get(plan.parent_code) if plan.parent_code else None,
                          area_id=units.get(plan.area_code) if plan.area_code else None,
                          phone=plan.phone, active=True)
        session.add(dept)
        session.flush()
        ids[plan.code] = dept.id
    return ids


def insert_responsibilities(session: Session, depts: dict[str, int],
                            units: dict[str, int]) -> int:
    """Every class of every edition → a city-wide department, plus per-street overrides."""
    rows = []
    for cls in session.scalars(select(CaseClass).order_by(CaseClass.id)):
        rows.append(Responsibility(class_id=cls.id, area_id=None,
                                   department_id=depts[department_for_class(cls.kind, cls.name)]))
        for street, dept in area_overrides_for_class(cls.kind, cls.name):
            rows.append(Responsibility(class_id=cls.id, area_id=units[street],
                                       department_id=depts[dept]))
    session.add_all(rows)
    session.flush()
    return len(rows)


def insert_users(session: Session, depts: dict[str, int], supervisors: int) -> dict[str, int]:
    """All demo accounts share one argon2 hash of the demo password (hashing is slow)."""
    hashed = hash_password(DEMO_PASSWORD)
    users = [User(username=u.username, display_name=u.display_name, password_hash=hashed,
                  role=u.role, department_id=depts[u.department_code], phone=u.phone,
                  active=True, failed_logins=0, must_change_password=False)
             for u in user_plans(supervisors)]
    session.add_all(users)
    session.flush()
    return {u.username: u.id for u in users}


def insert_positions(session: Session, plan: GeoPlan, beat_of_cell: np.ndarray,
                     supervisor_ids: list[int], now: dt.datetime, seed: int) -> int:
    """One last-known fix per supervisor, somewhere in their beat, minutes before ``now``."""
    rng = np.random.default_rng([seed, 5])
    rows = []
    for beat, user_id in enumerate(supervisor_ids):
        cells = np.nonzero(beat_of_cell == beat)[0]
        if cells.size == 0:
            cells = np.arange(len(plan.cells))
        p = plan.cells[int(cells[rng.integers(cells.size)])].geom.representative_point()
        lon, lat = round(p.x, 7), round(p.y, 7)
        rows.append(SupervisorPosition(
            user_id=user_id, at=now - dt.timedelta(minutes=int(rng.integers(1, 30))),
            lon=lon, lat=lat, geom=Point(lon, lat), accuracy_m=float(rng.integers(3, 15))))
    session.add_all(rows)
    session.flush()
    return len(rows)


#: the evaluation's settings key (``seatdesk.evaluation.config.SETTING_KEY``; that layer
#: sits above this one, so the key is repeated, and a test checks the two agree)
EVALUATION_KEY = "evaluation"


def store_supervisor_areas(session: Session, plan: GeoPlan, beat_of_cell: np.ndarray,
                           usernames: list[str]) -> dict[str, list[str]]:
    """Each supervisor's beat (whole communities) as the evaluation's 漏报 area, so a
    supervisor's 漏报率 counts the public reports filed in their own communities."""
    areas = {name: sorted({plan.cells[int(i)].community_code
                           for i in np.nonzero(beat_of_cell == beat)[0]})
             for beat, name in enumerate(usernames)}
    row = session.get(Setting, EVALUATION_KEY)
    stored = json.loads(row.value) if row else {}
    set_setting(session, EVALUATION_KEY, {**stored, "supervisor_areas": areas})
    return areas


def component_classes(session: Session, edition: str) -> list[ClassRef]:
    rows = session.execute(
        select(CaseClass.id, CaseClass.code, CaseClass.name, CaseClass.kind)
        .join(ClassEdition, ClassEdition.id == CaseClass.edition_id)
        .where(ClassEdition.code == edition, CaseClass.kind == "component")
        .order_by(CaseClass.code)).all()
    return [ClassRef(*row) for row in rows]


def insert_components(session: Session, plan: ComponentPlan, classes: list[ClassRef],
                      cells: np.ndarray, depts: dict[str, int]) -> np.ndarray:
    """Bulk-insert the components with explicit ids; returns the ids (plan order)."""
    conn = session.connection()
    table = Component.__table__
    first = demo_load.next_id(conn, table)
    ids = np.arange(first, first + len(plan), dtype=np.int64)
    rows = []
    for i in range(len(plan)):
        dept = depts[plan.departments[i]]
        lon, lat = float(plan.lon[i]), float(plan.lat[i])
        rows.append({
            "id": int(ids[i]), "code": plan.codes[i],
            "class_id": classes[int(plan.class_index[i])].id, "name": plan.names[i],
            "owner_dept_id": dept, "property_dept_id": dept, "maintainer_dept_id": dept,
            "status": plan.status[i], "grid_cell_id": int(cells[int(plan.cell[i])]),
            "lon": lon, "lat": lat, "geom": Point(lon, lat),
            "initial_date": plan.initial_date[i], "changed_date": plan.changed_date[i],
            "data_source": plan.data_source[i], "note": ""})
    with demo_load.indexes_deferred(conn, [table], len(rows)):
        demo_load.write(conn, table, rows)
    demo_load.fix_sequence(conn, table)
    return ids


def insert_roads(session: Session) -> int:
    """The demo's named roads and street lattice (``roads.networks``) as ``Road`` rows,
    one per name (pieces of one road become one MultiLineString)."""
    network = networks()["road"]
    pieces: dict[str, list] = {}
    for name, line in zip(network.names, network.lines, strict=True):
        pieces.setdefault(name, []).append(to_lonlat(line))
    rows = [road_row(name, MultiLineString(lines) if len(lines) > 1 else lines[0])
            for name, lines in pieces.items()]
    session.add_all(rows)
    session.flush()
    return len(rows)
