"""In-process spatial checks for the importers (shapely STRtree + pyproj geodesic areas).

Deliberately independent of ``seatdesk.models.spatial``: the importers validate a file
against the database contents they load themselves, on either backend.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import Geod
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import GridCell

GEOD = Geod(ellps="WGS84")
OVERLAP_TOLERANCE_M2 = 1.0  # digitising slivers below this are not overlaps


def geodesic_area(geom: shapely.Geometry) -> float:
    """Area in m² on the WGS84 ellipsoid of the polygonal parts of ``geom``."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return float(sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in parts))


def overlap_pairs(geoms: Sequence[shapely.Geometry], others: Sequence[shapely.Geometry] = (),
                  ) -> list[tuple[int, int, float, bool]]:
    """Pairs that overlap by more than the tolerance, as (i, j, m², j_is_other).

    Pairs inside ``geoms`` have i < j; pairs with ``others`` index into ``others``.
    """
    found: list[tuple[int, int, float, bool]] = []
    if geoms:
        tree = shapely.STRtree(list(geoms))
        left, right = tree.query(list(geoms), predicate="intersects")
        found += _measure(geoms, geoms, left, right, inner=True)
    if geoms and others:
        tree = shapely.STRtree(list(others))
        left, right = tree.query(list(geoms), predicate="intersects")
        found += _measure(geoms, others, left, right, inner=False)
    return found


def _measure(geoms, targets, left: np.ndarray, right: np.ndarray, *, inner: bool
             ) -> list[tuple[int, int, float, bool]]:
    out = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if inner and i >= j:
            continue
        inter = geoms[i].intersection(targets[j])
        if inter.is_empty or inter.area == 0:
            continue
        area = geodesic_area(inter)
        if area > OVERLAP_TOLERANCE_M2:
            out.append((i, j, area, not inner))
    return out


def cells_in_box(session: Session, bounds: tuple[float, float, float, float]
                 ) -> list[tuple[int, str, shapely.Geometry]]:
    """Stored grid cells whose bounding box meets ``bounds`` (id, code, polygon)."""
    minx, miny, maxx, maxy = bounds
    query = select(GridCell.id, GridCell.code, GridCell.geom).where(
        GridCell.max_lon >= minx, GridCell.min_lon <= maxx,
        GridCell.max_lat >= miny, GridCell.min_lat <= maxy)
    return [tuple(row) for row in session.execute(query)]


def total_bounds(geoms: Sequence[shapely.Geometry]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = shapely.total_bounds(list(geoms))
    return float(minx), float(miny), float(maxx), float(maxy)
