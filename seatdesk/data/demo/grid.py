"""The demo city's 万米 unit grid (单元网格) and supervisor beats (pure, deterministic).

The grid follows the division principles of standards.md §5: cells never cross a
community boundary (属地管理) and tile the town without gaps or overlaps (无缝拼接).
A square lattice in a metric projection (UTM 50N), sized so that the town gets about
``cells_target`` cells, is intersected with each community; pieces smaller than 20 % of
a nominal cell are merged into the neighbour they share most border with in the same
community. Cell codes are the 12-digit community code + a 3-digit sequence numbered
west→east, north→south (rows of the lattice from the north, then columns from the west).
Zones A/B/C (core/general/fringe) follow the distance from the historic core [E].
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from seatdesk.data.demo.geo import (
    CENTRE,
    COMMUNITIES,
    GRID_M,
    SLIVER_FRACTION,
    ZONE_RADII_M,
    CellPlan,
    GeoPlan,
    community_polygons_metric,
    geodesic_area_m2,
    lonlat_to_metric_xy,
    polygons_of,
    short_name,
    to_lonlat,
    to_metric,
    town_polygon,
    unit_plans,
)


@dataclass
class _Piece:
    geom: Polygon
    row: int
    col: int


def build_geo(seed: int, cells_target: int) -> GeoPlan:
    """Admin units and unit grid cells for the demo town (pure, deterministic)."""
    communities = community_polygons_metric(seed)
    town_m = to_metric(town_polygon())
    size = math.sqrt(town_m.area / cells_target)
    pieces = _grid(communities, town_m.bounds, size)
    count = sum(len(v) for v in pieces.values())
    size *= math.sqrt(count / cells_target)  # one correction for the extra boundary pieces
    pieces = _grid(communities, town_m.bounds, size)
    cells = tuple(c for code in sorted(pieces) for c in _cell_plans(code, pieces[code]))
    return GeoPlan(town_polygon(), unit_plans(cells), cells, size)


def _grid(communities: dict[str, Polygon], bounds, size: float) -> dict[str, list[_Piece]]:
    origin = (bounds[0], bounds[3])  # north-west corner: row 0 is the northernmost
    return {code: _merge_slivers(_lattice_pieces(poly, origin, size), SLIVER_FRACTION * size**2)
            for code, poly in communities.items()}


def _lattice_pieces(poly: Polygon, origin, size: float) -> list[_Piece]:
    minx, miny, maxx, maxy = poly.bounds
    cols = np.arange(math.floor((minx - origin[0]) / size), math.ceil((maxx - origin[0]) / size))
    rows = np.arange(math.floor((origin[1] - maxy) / size), math.ceil((origin[1] - miny) / size))
    cc, rr = np.meshgrid(cols, rows)
    cc, rr = cc.ravel(), rr.ravel()
    x0 = origin[0] + cc * size
    y1 = origin[1] - rr * size
    boxes = shapely.box(x0, y1 - size, x0 + size, y1)
    parts = shapely.intersection(boxes, poly, grid_size=GRID_M)
    pieces = []
    for geom, row, col in zip(parts, rr, cc, strict=True):
        for part in polygons_of(geom):
            pieces.append(_Piece(part, int(row), int(col)))
    return pieces


def _merge_slivers(pieces: list[_Piece], min_area: float) -> list[_Piece]:
    """Merge each piece below ``min_area`` into the neighbour it shares most border with."""
    stuck: set[int] = set()
    while True:
        small = [i for i, p in enumerate(pieces) if p.geom.area < min_area and id(p) not in stuck]
        if not small:
            return pieces
        i = min(small, key=lambda k: (pieces[k].geom.area, pieces[k].row, pieces[k].col))
        target = _best_neighbour(pieces, i)
        if target is None:
            stuck.add(id(pieces[i]))
            continue
        merged = shapely.union(pieces[target].geom, pieces[i].geom, grid_size=GRID_M)
        if not isinstance(merged, Polygon):
            stuck.add(id(pieces[i]))
            continue
        pieces[target].geom = merged
        del pieces[i]


def _best_neighbour(pieces: list[_Piece], i: int) -> int | None:
    geoms = np.array([p.geom for p in pieces], dtype=object)
    shared = shapely.length(shapely.intersection(geoms, pieces[i].geom))
    shared[i] = 0.0
    best = int(np.argmax(shared))
    return best if shared[best] > 1e-6 else None


def _cell_plans(community_code: str, pieces: list[_Piece]) -> list[CellPlan]:
    if len(pieces) > 999:
        raise ValueError(f"社区 {community_code} 的网格超过 999 个，请减小 cells_target")
    name = short_name(_community_name(community_code))
    centre = np.array(lonlat_to_metric_xy(*CENTRE), dtype=float)
    plans = []
    for seq, piece in enumerate(sorted(pieces, key=lambda p: (p.row, p.col)), start=1):
        geom = shapely.normalize(to_lonlat(piece.geom))
        plans.append(CellPlan(
            code=f"{community_code}{seq:03d}",
            name=f"{name}第{seq:03d}网格",
            community_code=community_code,
            geom=geom,
            area_m2=round(geodesic_area_m2(geom), 2),
            zone=_zone(piece.geom.centroid, centre),
        ))
    return plans


def _zone(centroid: Point, centre: np.ndarray) -> str:
    distance = math.hypot(centroid.x - centre[0], centroid.y - centre[1])
    for zone, radius in ZONE_RADII_M:
        if distance <= radius:
            return zone
    return "C"


@functools.cache
def _names() -> dict[str, str]:
    return {code: name for code, name, _ in COMMUNITIES}


def _community_name(code: str) -> str:
    return _names()[code]



def beats(geo: GeoPlan, n: int) -> np.ndarray:
    """Cell index → supervisor beat (责任网格) 0..n-1: whole communities, in a north→south
    snake of east–west bands, cut into ``n`` runs of about equal cell counts."""
    by_comm: dict[str, list[int]] = {}
    for i, cell in enumerate(geo.cells):
        by_comm.setdefault(cell.community_code, []).append(i)
    centres = {code: shapely.centroid(shapely.union_all([geo.cells[i].geom for i in idx]))
               for code, idx in by_comm.items()}
    band = 0.01  # ≈1.1 km bands of latitude

    def key(code: str):
        c = centres[code]
        row = int((geo.town.bounds[3] - c.y) // band)
        return (row, c.x if row % 2 == 0 else -c.x)

    order = sorted(by_comm, key=key)
    total, out, done = len(geo.cells), np.zeros(len(geo.cells), dtype=np.int64), 0
    for code in order:
        beat = min(int(done * n / total), n - 1)
        out[by_comm[code]] = beat
        done += len(by_comm[code])
    return out
