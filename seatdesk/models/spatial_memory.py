"""Spatial queries answered in the process with shapely and pyproj (SQLite, or on demand).

- Grid cells are read once (polygons from their WKB, with the admin chain resolved) into
  a shapely ``STRtree``; ``refresh()`` drops it and the next query reloads it. Cells
  change only through grid imports, so a long-lived index is refreshed after one.
- Components and cases are **not** cached: every query reads the rows whose lon/lat
  columns fall in a degree box (``ix_components_lon_lat`` / ``ix_cases_lon_lat``) — the
  radius box of ``degree_box`` for ``*_near``, the map box for ``in_bbox`` — and the
  exact test (geodesic distance with ``pyproj.Geod(ellps="WGS84")``) runs in the
  process. Case states change all the time and duplicate detection must see the
  current rows (and, given a session, the session's own pending ones), which a cached
  tree could not promise; the indexed columns make the read cheap.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod
from sqlalchemy import select

from .reference import AdminUnit, GridCell
from .spatial import (
    ADMIN_DEPTH,
    BBox,
    CellBox,
    CellHit,
    NearQuery,
    PointLayer,
    Source,
    SpatialIndex,
    admin_slots,
    cell_hit,
    degree_box,
    run,
)

_GEOD = Geod(ellps="WGS84")


def geodesic_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Geodesic distances in metres on WGS84 from each point to (lon, lat), the way
    PostGIS ``ST_Distance(geography, geography)`` measures them (GeographicLib)."""
    _, _, dist = _GEOD.inv(lons, lats, np.full_like(lons, lon), np.full_like(lats, lat))
    return np.asarray(dist, dtype=float)


@dataclass(frozen=True)
class _CellTable:
    """Every grid cell: polygons in an STRtree, parallel to their ready-made results."""

    tree: shapely.STRtree
    hits: list[CellHit]
    boxes: list[CellBox]

    @classmethod
    def load(cls, source: Source) -> _CellTable:
        units = {row.id: tuple(row) for row in run(source, select(*_UNIT_COLS))}
        rows = run(source, select(*_CELL_COLS))
        hits = [_resolve(row, units) for row in rows]
        boxes = [CellBox(row.id, row.code, *row[5:9]) for row in rows]
        return cls(shapely.STRtree([row.geom for row in rows]), hits, boxes)

    def at(self, lon: float, lat: float) -> CellHit | None:
        found = self.tree.query(shapely.Point(lon, lat), predicate="covered_by")
        if len(found) == 0:
            return None
        return min((self.hits[i] for i in found), key=lambda hit: hit.code)

    def in_box(self, box: BBox, limit: int | None) -> list[CellBox]:
        rect = shapely.box(box.min_lon, box.min_lat, box.max_lon, box.max_lat)
        found = sorted(
            (self.boxes[i] for i in self.tree.query(rect, predicate="intersects")),
            key=lambda cell: cell.code,
        )
        return found if limit is None else found[:limit]


_UNIT_COLS = (AdminUnit.id, AdminUnit.level, AdminUnit.code, AdminUnit.name, AdminUnit.parent_id)
_CELL_COLS = (
    GridCell.id, GridCell.code, GridCell.name, GridCell.zone, GridCell.community_id,
    GridCell.min_lon, GridCell.min_lat, GridCell.max_lon, GridCell.max_lat, GridCell.geom,
)  # fmt: skip


def _resolve(row, units: dict[int, tuple]) -> CellHit:
    """The cell's result, its community and the units above it placed by level."""
    chain, unit_id = [], row.community_id
    while unit_id is not None and unit_id in units and len(chain) < ADMIN_DEPTH:
        uid, level, code, name, parent_id = units[unit_id]
        chain.append((uid, level, code, name))
        unit_id = parent_id
    return cell_hit(row.id, row.code, row.name, row.zone, admin_slots(chain))


class InProcessSpatialIndex(SpatialIndex):
    """shapely/pyproj implementation; cells cached (see ``refresh``), points read fresh."""

    def __init__(self, source: Source):
        self._source = source
        self._cells: _CellTable | None = None
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            self._cells = None

    def _cell_table(self) -> _CellTable:
        with self._lock:
            if self._cells is None:
                self._cells = _CellTable.load(self._source)
            return self._cells

    def _cell_at(self, lon: float, lat: float) -> CellHit | None:
        return self._cell_table().at(lon, lat)

    def _cells_in_bbox(self, box: BBox, limit: int | None) -> list[CellBox]:
        return self._cell_table().in_box(box, limit)

    def _near(self, layer: PointLayer, query: NearQuery) -> list:
        box = degree_box(query.lon, query.lat, query.radius_m)
        stmt = select(*layer.hit_columns()).where(*layer.lonlat_in(box))
        if query.values is not None:
            stmt = stmt.where(layer.table.c[layer.filter_column].in_(query.values))
        rows = run(self._source, stmt)
        if not rows:
            return []
        lons = np.array([row.lon for row in rows], dtype=float)
        lats = np.array([row.lat for row in rows], dtype=float)
        dist = geodesic_m(query.lon, query.lat, lons, lats)
        hits = [layer.hit(row, d) for row, d in zip(rows, dist, strict=True) if d <= query.radius_m]
        return layer.sort_hits(hits, query.limit)

    def _points_in_bbox(self, layer: PointLayer, box: BBox, limit: int | None) -> list:
        stmt = select(*layer.record_columns()).where(*layer.lonlat_in(box))
        records = sorted(
            (layer.record_type(*row) for row in run(self._source, stmt)),
            key=lambda rec: getattr(rec, layer.key),
        )
        return records if limit is None else records[:limit]
