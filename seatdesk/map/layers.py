"""The slow-changing layers the page is rendered with: grid cells, streets, communities,
roads with their label anchors and the component classes' legend (Qt-free; one read per
session or data edition).

Geometries leave here as GeoJSON ``FeatureCollection`` dicts already in the page's
coordinate system (see ``coords.Display``), rounded to 6 decimals (≈ 0.1 m). They are read
as raw WKB and decoded, converted and encoded with shapely's vectorised functions: the
Liyang grid has ~3,800 cells and this read is on the path to a usable map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import LargeBinary, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from seatdesk.models import AdminUnit, CaseClass, GridCell
from seatdesk.models.enums import AdminLevel, ClassKind

from .coords import Display
from .roads import road_features

DECIMALS = 6
#: colours of component major classes (大类), in the order of their codes
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#d62728")


@dataclass(frozen=True)
class ComponentMajor:
    """A component 大类 with the colour its markers get."""

    code: str
    name: str
    colour: str


@dataclass(frozen=True)
class StaticLayers:
    grid: dict[str, Any]  # FeatureCollection: code, name, community, street
    streets: dict[str, Any]  # FeatureCollection: code, name
    communities: dict[str, Any]  # FeatureCollection: code, name
    roads: dict[str, Any]  # FeatureCollection: name
    road_labels: list[list[Any]]  # [lat, lng, name] in the page's system, along each road
    majors: tuple[ComponentMajor, ...]
    class_major: dict[int, str]  # component class id → major code
    class_names: dict[int, str]  # component class id → minor class name

    @property
    def cell_count(self) -> int:
        return len(self.grid["features"])


def load_static_layers(session: Session, display: Display) -> StaticLayers:
    """Read grid cells, admin areas and component classes for the page."""
    cells = _grid(session)
    streets, communities = _admin_areas(session, cells)
    grid_props = [
        {"code": code, "name": name, "community": community or "", "street": street or ""}
        for code, name, _, _, community, street in cells["rows"]
    ]
    classes = session.execute(
        select(CaseClass.id, CaseClass.major_code, CaseClass.major_name, CaseClass.name)
        .where(CaseClass.kind == ClassKind.COMPONENT)
    ).all()
    major_names = {major: name for _, major, name, _ in sorted(classes, key=lambda r: r[0])}
    roads, anchors = road_features(session)
    return StaticLayers(
        grid=_collection(display, cells["geoms"], grid_props),
        streets=_collection(display, *streets),
        communities=_collection(display, *communities),
        roads=_collection(display, [g for _, g in roads], [{"name": n} for n, _ in roads]),
        road_labels=_label_anchors(display, anchors),
        majors=tuple(ComponentMajor(code, major_names[code], PALETTE[i % len(PALETTE)])
                     for i, code in enumerate(sorted(major_names))),
        class_major={cid: major for cid, major, _, _ in classes},
        class_names={cid: name for cid, _, _, name in classes},
    )


def _wkb(session: Session, column):
    """The geometry column as plain WKB bytes on either backend (decoded in bulk later)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.ST_AsBinary(column)
    return type_coerce(column, LargeBinary)


def _decode(blobs: list) -> np.ndarray:
    raw = np.array([None if b is None else bytes(b) for b in blobs], dtype=object)
    return shapely.from_wkb(raw)


def _grid(session: Session) -> dict[str, Any]:
    """Cells in code order: rows (code, name, community_id, street_id, community, street)
    and their decoded polygons."""
    community, street = aliased(AdminUnit), aliased(AdminUnit)
    rows = session.execute(
        select(GridCell.code, GridCell.name, GridCell.community_id, street.id, community.name,
               street.name, _wkb(session, GridCell.geom))
        .outerjoin(community, community.id == GridCell.community_id)
        .outerjoin(street, street.id == community.parent_id)
        .order_by(GridCell.code)
    ).all()
    return {"rows": [tuple(r[:6]) for r in rows], "geoms": _decode([r[6] for r in rows])}


def _admin_areas(session: Session, cells: dict[str, Any]) -> tuple[tuple, tuple]:
    """(geometries, properties) of streets and of communities; a unit without a stored
    boundary gets the union of its grid cells."""
    units = session.execute(
        select(AdminUnit.id, AdminUnit.level, AdminUnit.code, AdminUnit.name,
               _wkb(session, AdminUnit.geom))
        .where(AdminUnit.level.in_([AdminLevel.STREET, AdminLevel.COMMUNITY]))
        .order_by(AdminUnit.code)
    ).all()
    geoms = _decode([u[4] for u in units])
    cells_of: dict[int, list] = {}
    for row, geom in zip(cells["rows"], cells["geoms"], strict=True):
        community_id, street_id = row[2], row[3]
        cells_of.setdefault(community_id, []).append(geom)
        if street_id is not None:
            cells_of.setdefault(street_id, []).append(geom)
    out: dict[str, tuple[list, list]] = {AdminLevel.STREET: ([], []),
                                         AdminLevel.COMMUNITY: ([], [])}
    for (unit_id, level, code, name, _), geom in zip(units, geoms, strict=True):
        if geom is None and unit_id in cells_of:
            geom = shapely.union_all(cells_of[unit_id])
        if geom is None or geom.is_empty:
            continue
        out[level][0].append(geom)
        out[level][1].append({"code": code, "name": name})
    return out[AdminLevel.STREET], out[AdminLevel.COMMUNITY]


def _label_anchors(display: Display, anchors) -> list[list[Any]]:
    out = []
    for name, lon, lat in anchors:
        x, y = display.to_page(lon, lat)
        out.append([round(y, DECIMALS), round(x, DECIMALS), name])
    return out


def _collection(display: Display, geoms, props: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection; geometries converted and encoded in one pass."""
    if not props:
        return {"type": "FeatureCollection", "features": []}
    shapes = [json.loads(text) for text in shapely.to_geojson(_to_page(geoms, display))]
    features = [{"type": "Feature", "properties": p, "geometry": shape}
                for p, shape in zip(props, shapes, strict=True)]
    return {"type": "FeatureCollection", "features": features}


def _to_page(geoms, display: Display) -> np.ndarray:
    """Shift into the page's system (GCJ-02 tiles) and round to ``DECIMALS`` (≈ 0.1 m)."""
    geoms = np.asarray(geoms, dtype=object)
    if display.shifted:
        geoms = np.array([display.geometry_to_page(g) for g in geoms], dtype=object)
    return shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))
