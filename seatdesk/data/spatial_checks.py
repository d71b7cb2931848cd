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
                  limit: int | None = None) -> list[tuple[int, int, float, bool]]:
    """Pairs that overlap by more than the tolerance, as (i, j, m², j_is_other).

    Pairs inside ``geoms`` have i < j; pairs with ``others`` index into ``others``. Each
    cell is named in at most one pair, and the search stops once ``limit`` pairs are
    found (the importer lists at most that many), so 1,500 identical cells cost about
    what fifty do. The STRtree gives the candidate pairs (bounding boxes meet) a batch of
    cells at a time; their interiors are compared vectorised (DE-9IM ``T********``: cells
    that only share an edge are no candidates), the first candidate of each cell per
    round, and only real overlaps are measured on the ellipsoid.
    """
    found: list[tuple[int, int, float, bool]] = []
    named: dict[bool, set[int]] = {False: set(), True: set()}
    cells = np.asarray(list(geoms), dtype=object)
    for targets, inner in ((cells, True), (np.asarray(list(others), dtype=object), False)):
        if not len(cells) or not len(targets):
            continue
        tree = shapely.STRtree(targets)
        for start in range(0, len(cells), _BATCH):
            left, right = tree.query(cells[start:start + _BATCH])
            left = left + start
            if inner:
                keep = left < right
                left, right = left[keep], right[keep]
            pairs = _Pairs(cells, targets, inner, named)
            found += pairs.search(left, right, None if limit is None else limit - len(found))
            if limit is not None and len(found) >= limit:
                return found[:limit]
    return found


_BATCH = 256
_ROUND = 1024
_M_PER_DEGREE = 111_320.0


class _Pairs:
    """Candidate pairs of one batch, searched round by round."""

    def __init__(self, cells: np.ndarray, targets: np.ndarray, inner: bool,
                 named: dict[bool, set[int]]):
        self.cells, self.targets, self.inner = cells, targets, inner
        self.mine, self.theirs = named[False], named[not inner]

    def search(self, left: np.ndarray, right: np.ndarray, limit: int | None
               ) -> list[tuple[int, int, float, bool]]:
        keep = _box_overlap_m2(self.cells[left], self.targets[right]) > OVERLAP_TOLERANCE_M2
        left, right = left[keep], right[keep]  # neighbours sharing an edge end here
        out: list[tuple[int, int, float, bool]] = []
        while len(left):
            chosen = self._disjoint(left, right)
            out += self._measure(left[chosen], right[chosen])
            left, right = np.delete(left, chosen), np.delete(right, chosen)
            if not chosen or (limit is not None and len(out) >= limit):
                break
        return out

    def _disjoint(self, left: np.ndarray, right: np.ndarray) -> list[int]:
        """Positions of up to ``_ROUND`` pairs of cells not named yet and not sharing a cell
        (each round measures every cell at most once)."""
        mine = set(self.mine)
        theirs = mine if self.inner else set(self.theirs)  # one namespace for inner pairs
        chosen = []
        for k, (i, j) in enumerate(zip(left.tolist(), right.tolist(), strict=True)):
            if i in mine or j in theirs:
                continue
            chosen.append(k)
            mine.add(i)
            theirs.add(j)
            if len(chosen) >= _ROUND:
                break
        return chosen

    def _measure(self, left: np.ndarray, right: np.ndarray) -> list[tuple[int, int, float, bool]]:
        if not len(left):
            return []
        interiors = shapely.relate_pattern(self.cells[left], self.targets[right], "T********")
        left, right = left[interiors], right[interiors]
        shared = shapely.intersection(self.cells[left], self.targets[right])
        rough = shapely.area(shared) * _M_PER_DEGREE ** 2 * np.cos(
            np.radians(shapely.get_y(shapely.centroid(shared))))
        out = []
        for k in np.flatnonzero(rough > OVERLAP_TOLERANCE_M2 / 2):
            i, j = int(left[k]), int(right[k])
            if i in self.mine or j in self.theirs:
                continue
            area = geodesic_area(shared[k])
            if area > OVERLAP_TOLERANCE_M2:
                out.append((i, j, area, not self.inner))
                self.mine.add(i)
                self.theirs.add(j)
        return out


def _box_overlap_m2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """An upper bound of each pair's overlap in m²: the area where their bounding boxes
    overlap (scaled at the latitude nearer the equator, so never too small)."""
    box_a, box_b = shapely.bounds(a), shapely.bounds(b)
    width = np.minimum(box_a[:, 2], box_b[:, 2]) - np.maximum(box_a[:, 0], box_b[:, 0])
    height = np.minimum(box_a[:, 3], box_b[:, 3]) - np.maximum(box_a[:, 1], box_b[:, 1])
    lat = np.minimum(np.abs(box_a[:, 1]), np.abs(box_a[:, 3]))
    scale = _M_PER_DEGREE ** 2 * np.cos(np.radians(np.clip(lat - 1.0, 0.0, 90.0))) * 1.01
    return np.clip(width, 0, None) * np.clip(height, 0, None) * scale


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
