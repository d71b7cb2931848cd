"""Spatial queries in SQL on PostgreSQL/PostGIS, shaped for the GIST indexes.

- ``cell_at``: ``ST_Covers(grid_cells.geom, point)`` (index-aware), admin chain joined in;
- ``*_near``: ``geom && <degree box>`` lets the geometry GIST index pick candidates (a cast
  to geography would bypass it), then ``ST_DWithin``/``ST_Distance`` on geography
  (spheroid, WGS84) decide and measure;
- ``in_bbox``: ``geom && ST_MakeEnvelope(…, 4326)`` through the index; points are then
  tested exactly on their lon/lat columns (``&&`` compares float4 index boxes, up to
  about a metre loose), cells with ``ST_Intersects``. Only the needed columns are read.
"""

from __future__ import annotations

import functools

from sqlalchemy import Float, Select, bindparam, func, select

from .geometry import SRID
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

_CELLS = GridCell.__table__
_ADMINS = AdminUnit.__table__


def _point(lon: float, lat: float):
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID)


def _envelope(box: BBox):
    return func.ST_MakeEnvelope(box.min_lon, box.min_lat, box.max_lon, box.max_lat, SRID)


def _cell_at_stmt(lon: float, lat: float) -> Select:
    """The covering cell with the smallest code, its community and two parents above it."""
    units = [_ADMINS.alias(f"a{i}") for i in range(ADMIN_DEPTH)]
    joined = _CELLS.outerjoin(units[0], units[0].c.id == _CELLS.c.community_id)
    for child, parent in zip(units, units[1:], strict=False):
        joined = joined.outerjoin(parent, parent.c.id == child.c.parent_id)
    unit_cols = [col for u in units for col in (u.c.id, u.c.level, u.c.code, u.c.name)]
    return (
        select(_CELLS.c.id, _CELLS.c.code, _CELLS.c.name, _CELLS.c.zone, *unit_cols)
        .select_from(joined)
        .where(func.ST_Covers(_CELLS.c.geom, _point(lon, lat)))
        .order_by(_CELLS.c.code.collate("C"))
        .limit(1)
    )


@functools.cache
def _cell_at_query() -> Select:
    """``_cell_at_stmt`` built once with the point as bound parameters: every intake
    registration looks its cell up, and building the five aliased joins anew each time
    was most of that lookup's CPU (SQLAlchemy then reuses the compiled form as well)."""
    return _cell_at_stmt(bindparam("lon", type_=Float), bindparam("lat", type_=Float))


class PostGISSpatialIndex(SpatialIndex):
    """The PostgreSQL/PostGIS implementation; stateless, every call is one SQL query."""

    def __init__(self, source: Source):
        self._source = source

    def _cell_at(self, lon: float, lat: float) -> CellHit | None:
        rows = run(self._source, _cell_at_query(), {"lon": lon, "lat": lat})
        if not rows:
            return None
        row = tuple(rows[0])
        chain = [row[i : i + 4] for i in range(4, 4 + 4 * ADMIN_DEPTH, 4) if row[i] is not None]
        return cell_hit(row[0], row[1], row[2], row[3], admin_slots(chain))

    def _near(self, layer: PointLayer, query: NearQuery) -> list:
        t = layer.table
        here = func.geography(_point(query.lon, query.lat))
        there = func.geography(t.c.geom)
        distance = func.ST_Distance(there, here, type_=Float)
        box = degree_box(query.lon, query.lat, query.radius_m)
        stmt = (
            select(*layer.hit_columns(), distance.label("distance_m"))
            .where(
                t.c.geom.op("&&", is_comparison=True)(_envelope(box)),
                func.ST_DWithin(there, here, query.radius_m),
            )
            .order_by(func.round(distance * 1000), layer.key_column.collate("C"))
            .limit(query.limit)
        )
        if query.values is not None:
            stmt = stmt.where(t.c[layer.filter_column].in_(query.values))
        return [layer.hit(row[:-1], row[-1]) for row in run(self._source, stmt)]

    def _cells_in_bbox(self, box: BBox, limit: int | None) -> list[CellBox]:
        c = _CELLS.c
        stmt = (
            select(c.id, c.code, c.min_lon, c.min_lat, c.max_lon, c.max_lat)
            .where(func.ST_Intersects(c.geom, _envelope(box)))
            .order_by(c.code.collate("C"))
            .limit(limit)
        )
        return [CellBox(*row) for row in run(self._source, stmt)]

    def _points_in_bbox(self, layer: PointLayer, box: BBox, limit: int | None) -> list:
        t = layer.table
        stmt = (
            select(*layer.record_columns())
            .where(t.c.geom.op("&&", is_comparison=True)(_envelope(box)), *layer.lonlat_in(box))
            .order_by(layer.key_column.collate("C"))
            .limit(limit)
        )
        return [layer.record_type(*row) for row in run(self._source, stmt)]
