"""Spatial questions behind one interface: which grid cell holds a point, which
components or cases lie near it, what lies in a map box.

Two implementations are held to the same answers by the tests:

* ``PostGISSpatialIndex`` (``spatial_postgis.py``): SQL on PostgreSQL/PostGIS using the
  GIST indexes;
* ``InProcessSpatialIndex`` (``spatial_memory.py``): shapely + pyproj in the process,
  the one used on SQLite (and usable on PostgreSQL too).

``spatial_index(session_or_engine)`` picks the right one for the backend.

Rules both follow:

- coordinates are WGS84/CGCS2000 longitude/latitude degrees (SRID 4326);
- a point on a cell's boundary is in the cell ("covers"); when several cells cover it
  (a shared edge or corner, overlapping grid editions) the smallest code wins, codes
  compared as strings in byte order (``COLLATE "C"`` on PostgreSQL);
- distances are geodesic on the WGS84 ellipsoid, in metres; a radius is inclusive;
- ``*_near`` results are sorted by distance rounded to the millimetre, then by code
  (components) or number (cases), so near-ties never depend on floating-point noise;
- ``in_bbox`` boxes are inclusive on every side; points are tested on their lon/lat
  columns, cells by their polygon intersecting the box; results are sorted by
  code/number and ``limit`` keeps the first ones of that order.

Results are frozen dataclasses; no ORM object crosses this interface.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from sqlalchemy import Column, Connection, Engine, Row, Table
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Executable

from .assets import Component
from .cases import Case
from .enums import AdminLevel

Source = Session | Engine | Connection
Layer = Literal["cells", "components", "cases"]
LAYERS: tuple[str, ...] = ("cells", "components", "cases")

# WGS84 semi-major axis and first eccentricity squared
_WGS84_A = 6378137.0
_WGS84_E2 = 0.0066943799901413165
# tiny widening of the prefilter box against rounding (relative, and in degrees)
_BOX_SAFETY = 1.0 + 1e-9
_BOX_EPS_DEG = 1e-9


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AdminRef:
    """An administrative unit (区/街道/社区) as seen from a grid cell."""

    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class CellHit:
    """The 单元网格 holding a point, with its 社区, 街道 and 区 (by the units' level)."""

    id: int
    code: str
    name: str
    zone: str | None
    community: AdminRef | None
    street: AdminRef | None
    district: AdminRef | None


@dataclass(frozen=True, slots=True)
class ComponentHit:
    """A 部件 within a radius; ``distance_m`` is geodesic (WGS84) in metres."""

    id: int
    code: str
    class_id: int
    name: str
    status: str
    lon: float
    lat: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class CaseHit:
    """A 案卷 within a radius (duplicate detection); ``distance_m`` as for components."""

    id: int
    number: str
    state: str
    class_id: int | None
    lon: float
    lat: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class CellBox:
    """A grid cell in a map box: light record with the cell's bounding box."""

    id: int
    code: str
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True, slots=True)
class ComponentPoint:
    """A component in a map box (light record for map markers)."""

    id: int
    code: str
    class_id: int
    status: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class CasePoint:
    """A case in a map box (light record for map markers)."""

    id: int
    number: str
    state: str
    class_id: int | None
    lon: float
    lat: float


# -- query values -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BBox:
    """A lon/lat box, inclusive on every side."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def checked(cls, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> BBox:
        check_point(min_lon, min_lat)
        check_point(max_lon, max_lat)
        if min_lon > max_lon or min_lat > max_lat:
            raise ValueError(
                f"范围框无效: 最小值大于最大值 ({min_lon}, {min_lat}, {max_lon}, {max_lat})"
            )
        return cls(float(min_lon), float(min_lat), float(max_lon), float(max_lat))


@dataclass(frozen=True, slots=True)
class NearQuery:
    """A validated radius query; ``values`` filters on the layer's filter column."""

    lon: float
    lat: float
    radius_m: float
    values: tuple[Any, ...] | None
    limit: int | None

    @classmethod
    def checked(cls, lon, lat, radius_m, values, limit) -> NearQuery:
        check_point(lon, lat)
        if not math.isfinite(radius_m) or radius_m < 0:
            raise ValueError(f"搜索半径无效: {radius_m} 米")
        check_limit(limit)
        vals = None if values is None else tuple(sorted(set(values)))
        return cls(float(lon), float(lat), float(radius_m), vals, limit)


def check_point(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"经纬度超出范围: lon={lon}, lat={lat}")


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 0:
        raise ValueError(f"limit 不能为负数: {limit}")


def distance_key(distance_m: float) -> int:
    """Sort key of a distance: whole millimetres (half to even, like PostgreSQL's round)."""
    return round(distance_m * 1000)


def degree_box(lon: float, lat: float, radius_m: float) -> BBox:
    """A lon/lat box that surely holds every point within ``radius_m`` (geodesic) of the point.

    Safe bounds on the ellipsoid: along a meridian a metre is at most
    1 / (a·(1−e²)) radians of latitude (the smallest meridional radius, at the equator);
    along a parallel at most 1 / (a·cos φ) radians of longitude, with φ the highest
    latitude the box reaches. Near the poles the box spans every longitude; boxes are
    clamped at ±180° (no antimeridian wrap — fine for a city).
    """
    dlat = math.degrees(radius_m / (_WGS84_A * (1 - _WGS84_E2))) * _BOX_SAFETY + _BOX_EPS_DEG
    lat_hi = abs(lat) + dlat
    if lat_hi >= 89.0:
        dlon = 360.0
    else:
        dlon = math.degrees(radius_m / (_WGS84_A * math.cos(math.radians(lat_hi))))
        dlon = dlon * _BOX_SAFETY + _BOX_EPS_DEG
    return BBox(
        max(-180.0, lon - dlon),
        max(-90.0, lat - dlat),
        min(180.0, lon + dlon),
        min(90.0, lat + dlat),
    )


# -- point layers (components, cases) ------------------------------------------------------


@dataclass(frozen=True)
class PointLayer:
    """How a point table is read: its hit/record types name the columns to select."""

    name: str
    table: Table
    key: str  # code | number: the tie-breaker and the in_bbox order
    filter_column: str  # class_id | state
    hit_type: type
    record_type: type

    @property
    def key_column(self) -> Column:
        return self.table.c[self.key]

    def hit_columns(self) -> list[Column]:
        return [self.table.c[f.name] for f in fields(self.hit_type) if f.name != "distance_m"]

    def record_columns(self) -> list[Column]:
        return [self.table.c[f.name] for f in fields(self.record_type)]

    def lonlat_in(self, box: BBox) -> list[ColumnElement[bool]]:
        """Inclusive box test on the plain lon/lat columns (ix_*_lon_lat)."""
        c = self.table.c
        return [c.lon.between(box.min_lon, box.max_lon), c.lat.between(box.min_lat, box.max_lat)]

    def hit(self, row: Sequence[Any], distance_m: float):
        return self.hit_type(*row, distance_m=float(distance_m))

    def sort_hits(self, hits: list, limit: int | None) -> list:
        hits.sort(key=lambda h: (distance_key(h.distance_m), getattr(h, self.key)))
        return hits if limit is None else hits[:limit]


COMPONENTS = PointLayer(
    "components", Component.__table__, "code", "class_id", ComponentHit, ComponentPoint
)
CASES = PointLayer("cases", Case.__table__, "number", "state", CaseHit, CasePoint)
POINT_LAYERS = {layer.name: layer for layer in (COMPONENTS, CASES)}


# -- administrative chain -------------------------------------------------------------------

ADMIN_DEPTH = 3  # community → street → district


def admin_slots(chain: Iterable[tuple[int, str, str, str]]) -> dict[str, AdminRef]:
    """Place units (id, level, code, name), walked up from a cell's community, by level.

    The first unit of each level wins; unknown levels are ignored, so a community hung
    directly under a district still gets its district and no street.
    """
    slots: dict[str, AdminRef] = {}
    for unit_id, level, code, name in chain:
        if level in _LEVELS and level not in slots:
            slots[level] = AdminRef(unit_id, code, name)
    return slots


_LEVELS = frozenset(level.value for level in AdminLevel)


def cell_hit(cell_id: int, code: str, name: str, zone: str | None, slots: dict) -> CellHit:
    return CellHit(
        cell_id,
        code,
        name,
        zone,
        slots.get(AdminLevel.COMMUNITY.value),
        slots.get(AdminLevel.STREET.value),
        slots.get(AdminLevel.DISTRICT.value),
    )


# -- running statements on a session, engine or connection ----------------------------------


def run(source: Source, stmt: Executable, params: dict | None = None) -> Sequence[Row]:
    """Execute on the caller's session/connection (its transaction, its pending rows) or,
    for an engine, on a short-lived connection."""
    if isinstance(source, Engine):
        with source.connect() as conn:
            return conn.execute(stmt, params).all()
    return source.execute(stmt, params).all()


def dialect_name(source: Source) -> str:
    if isinstance(source, Session):
        return source.get_bind().dialect.name
    return source.dialect.name


# -- the interface ---------------------------------------------------------------------------


class SpatialIndex(ABC):
    """Spatial queries over grid cells, components and cases. See the module docstring."""

    def cell_at(self, lon: float, lat: float) -> CellHit | None:
        """The grid cell covering the point (smallest code on shared edges), or None."""
        check_point(lon, lat)
        return self._cell_at(float(lon), float(lat))

    def components_near(
        self,
        lon: float,
        lat: float,
        radius_m: float,
        class_ids: Collection[int] | None = None,
        limit: int | None = None,
    ) -> list[ComponentHit]:
        """Components within ``radius_m`` metres, nearest first (then by code)."""
        return self._near_checked(
            COMPONENTS, NearQuery.checked(lon, lat, radius_m, class_ids, limit)
        )

    def cases_near(
        self,
        lon: float,
        lat: float,
        radius_m: float,
        states: Collection[str] | None = None,
        limit: int | None = None,
    ) -> list[CaseHit]:
        """Cases within ``radius_m`` metres, nearest first (then by number)."""
        return self._near_checked(CASES, NearQuery.checked(lon, lat, radius_m, states, limit))

    def in_bbox(
        self,
        min_lon: float,
        min_lat: float,
        max_lon: float,
        max_lat: float,
        layer: Layer,
        limit: int | None = None,
    ) -> list[CellBox] | list[ComponentPoint] | list[CasePoint]:
        """Light records of one layer ("cells", "components" or "cases") in the box."""
        box = BBox.checked(min_lon, min_lat, max_lon, max_lat)
        check_limit(limit)
        if layer == "cells":
            return self._cells_in_bbox(box, limit)
        if layer not in POINT_LAYERS:
            raise ValueError(f"未知图层: {layer!r} (可选 {', '.join(LAYERS)})")
        return self._points_in_bbox(POINT_LAYERS[layer], box, limit)

    def refresh(self) -> None:
        """Forget any cached data (after a grid import); the next query reloads it."""
        return None  # nothing cached unless an implementation says so

    def _near_checked(self, layer: PointLayer, query: NearQuery) -> list:
        if query.values == () or query.limit == 0:
            return []
        return self._near(layer, query)

    @abstractmethod
    def _cell_at(self, lon: float, lat: float) -> CellHit | None: ...

    @abstractmethod
    def _near(self, layer: PointLayer, query: NearQuery) -> list: ...

    @abstractmethod
    def _cells_in_bbox(self, box: BBox, limit: int | None) -> list[CellBox]: ...

    @abstractmethod
    def _points_in_bbox(self, layer: PointLayer, box: BBox, limit: int | None) -> list: ...


def spatial_index(source: Source) -> SpatialIndex:
    """PostGIS on PostgreSQL, the in-process index elsewhere (SQLite)."""
    from .spatial_memory import InProcessSpatialIndex
    from .spatial_postgis import PostGISSpatialIndex

    if dialect_name(source) == "postgresql":
        return PostGISSpatialIndex(source)
    return InProcessSpatialIndex(source)


__all__ = [
    "AdminRef",
    "BBox",
    "CaseHit",
    "CasePoint",
    "CellBox",
    "CellHit",
    "ComponentHit",
    "ComponentPoint",
    "Layer",
    "Source",
    "SpatialIndex",
    "degree_box",
    "spatial_index",
]
