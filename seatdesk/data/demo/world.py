"""The ``CaseWorld``: ids and lookups the case generator needs, assembled from what the
demo build inserted."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import Responsibility

from seatdesk.data.demo.assets import ClassRef, ComponentPlan
from seatdesk.data.demo.cases import ClassInfo, class_catalogue, event_weight
from seatdesk.data.demo.db import GeoIds
from seatdesk.data.demo.events import Staff, Who
from seatdesk.data.demo.geo import DISTRICT_CODE, KUNLUN, STREETS, GeoPlan
from seatdesk.data.demo.org import CITY_CENTRE, CORE_USERS, DISTRICT_CENTRE, department_plans, department_user


@dataclass(frozen=True)
class CaseWorld:
    """Ids and lookups the case generator needs (cell arrays align with GeoPlan.cells)."""

    cell_ids: np.ndarray
    cell_community: np.ndarray
    cell_street: np.ndarray
    cell_district: np.ndarray
    cell_zone: tuple[str, ...]
    cell_street_name: tuple[str, ...]
    cell_beat: np.ndarray
    supervisors: tuple[Who, ...]
    staff: Staff
    district_centre: int
    district_user: Who
    events: tuple[ClassInfo, ...]
    event_p: np.ndarray
    component_classes: dict[str, ClassInfo]  # by class code
    comp_ids: np.ndarray
    comp_lon: np.ndarray
    comp_lat: np.ndarray
    comp_cell: np.ndarray
    comp_class_code: tuple[str, ...]
    comp_name: tuple[str, ...]
    comp_code: tuple[str, ...]
    comp_p: np.ndarray
    resp_city: dict[int, int]
    resp_area: dict[tuple[int, int], int]
    district_depts: frozenset[int]
    dept_users: dict[int, Who]
    city_depts: tuple[int, ...]
    district_cells: np.ndarray  # cell indices inside the district platform's street
    district_events: tuple[int, ...]  # event indices routed to a district department there



SEATS = {"acceptor": "坐席01", "shift_lead": "坐席02", "dispatcher": "坐席03",
         "supervisor": "城管通", "department": "部门终端"}
DISTRICT_SEAT = "昆仑分中心坐席"
DAMAGED_WEIGHT = 20.0


def who(users: dict[str, int], username: str, role: str, seat: str | None = None) -> Who:
    return (users[username], role, seat if seat is not None else SEATS[role])


def build_world(session: Session, edition: str, geo: GeoPlan, ids: GeoIds,
                depts: dict[str, int], users: dict[str, int], beat_of_cell: np.ndarray,
                supervisors: list[str], comps: ComponentPlan, comp_classes: list[ClassRef],
                comp_ids: np.ndarray) -> CaseWorld:
    catalogue = class_catalogue(session, edition)
    events = tuple(c for c in catalogue if c.kind == "event" and c.code[:2] >= "06")
    by_code = {c.code: c for c in catalogue if c.kind == "component"}
    resp_city, resp_area = _responsibilities(session)
    district_depts = frozenset(depts[p.code] for p in department_plans()
                               if p.parent_code == DISTRICT_CENTRE)
    kunlun = ids.units[KUNLUN]
    cells = _cell_arrays(geo, ids)
    comp = _component_arrays(comps, comp_classes, comp_ids, by_code)
    return CaseWorld(
        **cells, cell_beat=beat_of_cell,
        supervisors=tuple(who(users, u, "supervisor") for u in supervisors),
        staff=_staff(users),
        district_centre=depts[DISTRICT_CENTRE],
        district_user=who(users, "quxpaiqian", "dispatcher", DISTRICT_SEAT),
        events=events, event_p=_normalised([event_weight(c.name) for c in events]),
        component_classes=by_code, **comp, resp_city=resp_city, resp_area=resp_area,
        district_depts=district_depts,
        dept_users={depts[p.code]: who(users, department_user(p.code), "department")
                    for p in department_plans() if p.kind == "department"},
        city_depts=tuple(depts[p.code] for p in department_plans()
                         if p.kind == "department" and p.parent_code == CITY_CENTRE),
        district_cells=np.nonzero(cells["cell_street"] == kunlun)[0],
        district_events=tuple(i for i, c in enumerate(events)
                              if resp_area.get((c.id, kunlun)) in district_depts),
    )


def _staff(users: dict[str, int]) -> Staff:
    return Staff(who(users, "shouli", "acceptor"), who(users, "zhibanzhang", "shift_lead"),
                 who(users, "paiqian", "dispatcher"))


def _responsibilities(session: Session):
    city: dict[int, int] = {}
    area: dict[tuple[int, int], int] = {}
    for class_id, area_id, dept in session.execute(
            select(Responsibility.class_id, Responsibility.area_id,
                   Responsibility.department_id)):
        if area_id is None:
            city[class_id] = dept
        else:
            area[(class_id, area_id)] = dept
    return city, area


def _cell_arrays(geo: GeoPlan, ids: GeoIds) -> dict:
    names = dict(STREETS)
    comm = [c.community_code for c in geo.cells]
    return {
        "cell_ids": ids.cells,
        "cell_community": np.array([ids.units[c] for c in comm], dtype=np.int64),
        "cell_street": np.array([ids.units[c[:9]] for c in comm], dtype=np.int64),
        "cell_district": np.full(len(comm), ids.units[DISTRICT_CODE], dtype=np.int64),
        "cell_zone": tuple(c.zone for c in geo.cells),
        "cell_street_name": tuple(names[c[:9]] for c in comm),
    }


def _component_arrays(comps: ComponentPlan, classes: list[ClassRef], comp_ids: np.ndarray,
                      by_code: dict[str, ClassInfo]) -> dict:
    codes = [classes[int(ci)].code for ci in comps.class_index]
    usable = np.array([code in by_code for code in codes], dtype=bool)
    weights = np.where(np.array(comps.status) == "intact", 1.0, DAMAGED_WEIGHT) * usable
    if not usable.any():
        weights = np.ones(len(codes))
    return {
        "comp_ids": comp_ids if usable.any() else np.zeros(0, dtype=np.int64),
        "comp_lon": comps.lon, "comp_lat": comps.lat, "comp_cell": comps.cell,
        "comp_class_code": tuple(codes), "comp_name": comps.names, "comp_code": comps.codes,
        "comp_p": weights / weights.sum(),
    }


def _normalised(weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def supervisor_usernames(count: int) -> list[str]:
    """``jiandu`` then ``jiandu02`` … (see ``demo_org.user_plans``)."""
    first = next(u for u, role, _ in CORE_USERS if role == "supervisor")
    return [first] + [f"jiandu{k:02d}" for k in range(2, count + 1)]
