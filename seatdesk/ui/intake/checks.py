"""What the intake form looks up while the caller is on the line (Qt-free).

- ``search_places``: address search over roads, known places (addresses of earlier
  cases — road names and house numbers as the centre has recorded them), communities and
  streets, grid cells (code or name) and components (标识码 or name). A name finds the
  road and its addresses first and components last (their names repeat the road's:
  "燕山路供水井盖"); a number finds grid cells and components by code first.
- ``precheck``: the engine's duplicate candidates for the report *before* it is saved
  (``workflow.duplicates.find_duplicates`` on an unsaved case, so the score and its
  explanation are exactly the engine's) and the recent history of the same grid cell
  and component (repeat problems), as work-box rows, and whether the point lies outside
  the city's extent (read at that moment: the save asks before registering it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from seatdesk.map.pick import PickResult, outside_city, resolve_pick
from seatdesk.map.roads import roads_named
from seatdesk.models import AdminUnit, Case, Component, GridCell
from seatdesk.models.queues import CaseFilter, CaseRow, Viewer, fetch_page
from seatdesk.models.textrules import search_text
from seatdesk.workflow import services as sd
from seatdesk.workflow.duplicates import find_duplicates

from seatdesk.ui.session.offline_queue import IntakeDraft

HISTORY_DAYS = 90
HISTORY_ROWS = 8
ADDRESS_DAYS = 365


@dataclass(frozen=True)
class PlaceHit:
    kind: str  # road | address | community | street | cell | component
    label: str
    detail: str
    lon: float
    lat: float
    component_code: str = ""


@dataclass(frozen=True)
class Precheck:
    draft: IntakeDraft
    candidates: tuple[sd.DuplicateCandidate, ...]
    cell: str  # "code name" of the grid cell, "" outside the grid
    cell_history: tuple[CaseRow, ...]
    component_history: tuple[CaseRow, ...]
    #: (case id, number) when a report with this draft's intake key is already registered:
    #: a save whose COMMIT was cut did land (the lookup that resolves the uncertain commit)
    registered: tuple[int, str] | None = None
    #: the point lies outside the city's extent (``city_extent``): saving asks first
    outside_city: bool = False


def search_places(session: Session, text: str, limit: int = 20) -> tuple[PlaceHit, ...]:
    """Hits for ``text`` (bounded by ``search_text``: ``TextRefused`` says why not)."""
    q = search_text(text, "地点搜索")
    if not q:
        return ()
    if q.isdigit():  # (part of) a grid cell code or a component's 标识码
        hits = [*_cells(session, q), *_components(session, q), *_addresses(session, q)]
    else:
        hits = [*_roads(session, q), *_addresses(session, q), *_units(session, q),
                *_cells(session, q), *_components(session, q)]
    return tuple(hits[:limit])


def _roads(session: Session, q: str, limit: int = 5) -> list[PlaceHit]:
    return [PlaceHit("road", r.name, "", r.lon, r.lat) for r in roads_named(session, q, limit)]


def _cells(session: Session, q: str, limit: int = 5) -> list[PlaceHit]:
    rows = session.scalars(select(GridCell).where(
        GridCell.code.startswith(q, autoescape=True) | GridCell.name.contains(q, autoescape=True))
        .order_by(GridCell.code).limit(limit)).all()
    return [PlaceHit("cell", f"{c.code} {c.name}", "", (c.min_lon + c.max_lon) / 2,
                     (c.min_lat + c.max_lat) / 2) for c in rows]


def _units(session: Session, q: str, limit: int = 5) -> list[PlaceHit]:
    units = session.scalars(select(AdminUnit).where(
        AdminUnit.level.in_(["community", "street"]), AdminUnit.name.contains(q, autoescape=True))
        .order_by(AdminUnit.code).limit(limit)).all()
    hits = []
    for unit in units:
        box = _unit_box(session, unit)
        if box is not None:
            hits.append(PlaceHit(unit.level, unit.name, unit.code, *box))
    return hits


def _unit_box(session: Session, unit: AdminUnit) -> tuple[float, float] | None:
    """The centre of the unit's grid cells' extent."""
    community = aliased(AdminUnit)
    query = select(func.min(GridCell.min_lon), func.max(GridCell.max_lon),
                   func.min(GridCell.min_lat), func.max(GridCell.max_lat))
    if unit.level == "community":
        query = query.where(GridCell.community_id == unit.id)
    else:
        query = query.join(community, community.id == GridCell.community_id).where(
            community.parent_id == unit.id)
    west, east, south, north = session.execute(query).one()
    return None if west is None else ((west + east) / 2, (south + north) / 2)


def _components(session: Session, q: str, limit: int = 5) -> list[PlaceHit]:
    rows = session.scalars(select(Component).where(
        Component.code.startswith(q, autoescape=True) | Component.name.contains(q, autoescape=True))
        .order_by(Component.code).limit(limit)).all()
    return [PlaceHit("component", c.name, c.code, c.lon, c.lat, c.code) for c in rows]


def _addresses(session: Session, q: str, limit: int = 8) -> list[PlaceHit]:
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=ADDRESS_DAYS)
    rows = session.execute(select(Case.address, Case.lon, Case.lat).where(
        Case.reported_at >= since, Case.address.contains(q, autoescape=True))
        .order_by(Case.reported_at.desc()).limit(limit * 6)).all()
    seen: dict[str, PlaceHit] = {}
    for address, lon, lat in rows:
        if address and address not in seen:
            seen[address] = PlaceHit("address", address, "", lon, lat)
    return list(seen.values())[:limit]


def resolve(sessions, lon: float, lat: float, radius_m: float = 50.0) -> PickResult:
    """Grid cell, community, street and nearby components of a point (as the map's pick)."""
    with sessions() as session:
        return resolve_pick(session, lon, lat, radius_m)


def precheck(wf: sd.Workflow, viewer: Viewer, draft: IntakeDraft) -> Precheck:
    """Duplicate candidates (scored and explained by the engine) and repeat problems — or
    the case this very report already became (same intake key)."""
    with Session(wf.engine) as session:
        landed = session.execute(select(Case.id, Case.number).where(
            Case.intake_key == draft.intake_key)).first() if draft.intake_key else None
        if landed is not None:
            return Precheck(draft, (), "", (), (), (landed.id, landed.number))
        now = wf.now()
        part = session.scalar(select(Component).where(Component.code == draft.component_code)) \
            if draft.component_code else None
        probe = Case(lon=float(draft.lon), lat=float(draft.lat), class_id=draft.class_id,
                     component_id=part.id if part else None, reported_at=now,
                     description=draft.description, address=draft.address)
        candidates = find_duplicates(wf, session, probe)
        cell = wf.spatial(session).cell_at(float(draft.lon), float(draft.lat))
        since = now - dt.timedelta(days=HISTORY_DAYS)
        cell_rows = _history(session, viewer, CaseFilter(grid_code=cell.code,
                                                          reported_from=since)) if cell else ()
        part_rows = _history(session, viewer, CaseFilter(component_code=part.code,
                                                          reported_from=since)) if part else ()
        outside = outside_city(session, float(draft.lon), float(draft.lat))
    label = f"{cell.code} {cell.name}" if cell else ""
    return Precheck(draft, candidates, label, cell_rows, part_rows, outside_city=outside)


def _history(session: Session, viewer: Viewer, filters: CaseFilter) -> tuple[CaseRow, ...]:
    page = fetch_page(session, "all", filters, ("reported_at", False), 0, HISTORY_ROWS, viewer)
    return page.rows
