"""Demo-city geography: admin units and the 万米 unit grid of Liyang's phase-one old town.

Everything here is a **demo estimate [E]**, not surveyed data (see
``/work/shared/domain/liyang.md`` §1–§2):

- The town outline is the schematic phase-one polygon of liyang.md §1.3 (≈38.3 km²).
- Street (街道) split: 昆仑街道 is the band north of 31.440°N, 古县街道 the south-west corner
  (south of 31.400°N and west of 119.488°E, toward 天目湖), 溧城街道 everything else, so
  the government, the historic core, 燕湖 and 溧阳站 lie in 溧城街道.
- Communities are the urban 居委会 of the NBS 2020 list (45 units, real 12-digit codes);
  the 村委会 are treated as outside phase one (liyang.md §2.3 "demo use"). Community
  polygons are a seeded, Lloyd-relaxed Voronoi partition of each street; communities whose
  name marks a place (县前街, 码头街, 燕山 …) are pinned near that place.
- Names are stored in the usual short form ("县前街居委会" → "县前街社区").

The unit grid itself is built in ``demo_grid``; communities, streets and the district
are stored as the unions of their cells (``unit_plans``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon, box

DISTRICT_CODE, DISTRICT_NAME = "320481", "溧阳市"
METRIC_CRS = "EPSG:32650"  # UTM zone 50N
TOWN_RING = (
    (119.4575, 31.4500), (119.4555, 31.4200), (119.4620, 31.3920), (119.4900, 31.3830),
    (119.5110, 31.3885), (119.5150, 31.4200), (119.5120, 31.4500), (119.4850, 31.4550),
)
KUNLUN, LICHENG, GUXIAN = "320481001", "320481002", "320481003"
STREETS = ((KUNLUN, "昆仑街道"), (LICHENG, "溧城街道"), (GUXIAN, "古县街道"))
NORTH_BAND_LAT = 31.440          # 昆仑街道 north of this
SOUTH_WEST_CORNER = (119.488, 31.400)  # 古县街道 south-west of this
CENTRE = (119.4850, 31.4270)     # historic core, used for timing zones A/B/C
ZONE_RADII_M = (("A", 1200.0), ("B", 2800.0))
SLIVER_FRACTION = 0.2            # pieces below 20 % of a nominal cell are merged
LLOYD_ROUNDS = 3
GRID_M = 0.01                    # overlays snap to a 1 cm grid: shared edges are exact

# (code, NBS name, pinned position or None)  [codes S, positions E]
COMMUNITIES: tuple[tuple[str, str, tuple[float, float] | None], ...] = (
    ("320481001001", "濑江新村居委会", None), ("320481001002", "宋庄居委会", None),
    ("320481001003", "前棠居委会", None), ("320481001004", "凤凰居委会", None),
    ("320481001005", "新庄居委会", None), ("320481001006", "棠下居委会", None),
    ("320481001007", "胥渚居委会", None),
    ("320481002001", "后街新村居委会", (119.4790, 31.4375)),
    ("320481002002", "平陵社区居委会", (119.4650, 31.4250)),
    ("320481002003", "燕山社区居委会", (119.4950, 31.4060)),
    ("320481002005", "文化新村居委会", (119.4780, 31.4230)),
    ("320481002006", "码头街居委会", (119.4765, 31.4345)),
    ("320481002007", "唐家村居委会", None), ("320481002008", "钱家村居委会", None),
    ("320481002009", "先进村居委会", None),
    ("320481002010", "清溪路居委会", (119.4920, 31.4300)),
    ("320481002011", "砻坊场居委会", (119.4725, 31.4290)),
    ("320481002012", "县前街居委会", (119.4845, 31.4305)),
    ("320481002014", "甘露寺居委会", (119.4880, 31.4255)),
    ("320481002015", "大营巷居委会", (119.4800, 31.4310)),
    ("320481002016", "东升社区居委会", (119.5040, 31.4290)),
    ("320481002017", "东门社区居委会", (119.4975, 31.4330)),
    ("320481002018", "北门居委会", (119.4855, 31.4370)),
    ("320481002019", "北郊居委会", (119.4925, 31.4375)),
    ("320481002020", "昆仑花园居委会", (119.4690, 31.4370)),
    ("320481002021", "昆仑东苑居委会", (119.5050, 31.4370)),
    ("320481002022", "共联居委会", None), ("320481002023", "图塘居委会", None),
    ("320481002025", "清安社区居委会", None), ("320481002026", "台港新村居委会", None),
    ("320481002027", "燕山南苑居委会", (119.4990, 31.3975)),
    ("320481002031", "景鸿居委会", None), ("320481002032", "嘉丰居委会", None),
    ("320481002033", "锦汇居委会", None), ("320481002035", "庄家居委会", None),
    ("320481002039", "三和居委会", None), ("320481002040", "福阳居委会", None),
    ("320481002041", "东华园居委会", None), ("320481002042", "阳光城市居委会", None),
    ("320481002043", "盛世华城居委会", None),
    ("320481002044", "五里亭居委会", (119.4690, 31.4080)),
    ("320481002045", "奥体花园社区居委会", None),
    ("320481003001", "茶亭居委会", (119.4660, 31.3940)),
    ("320481003002", "天目国际村居委会", (119.4790, 31.3900)),
    ("320481003003", "美景天城社区居委会", (119.4800, 31.3970)),
)


@dataclass(frozen=True)
class UnitPlan:
    """An admin unit to insert (geometry in lon/lat, WGS84)."""

    code: str
    name: str
    level: str  # district | street | community
    parent_code: str | None
    geom: MultiPolygon


@dataclass(frozen=True)
class CellPlan:
    """A unit grid cell (单元网格) to insert (geometry in lon/lat, WGS84)."""

    code: str
    name: str
    community_code: str
    geom: Polygon
    area_m2: float
    zone: str


@dataclass(frozen=True)
class GeoPlan:
    town: Polygon
    units: tuple[UnitPlan, ...]
    cells: tuple[CellPlan, ...]
    cell_size_m: float


# -- projections -----------------------------------------------------------------------------


@functools.cache
def _transformers() -> tuple[Transformer, Transformer]:
    fwd = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    inv = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    return fwd, inv


def to_metric(geom):
    fwd = _transformers()[0]
    return shapely.transform(geom, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))


def to_lonlat(geom):
    inv = _transformers()[1]
    return shapely.transform(geom, lambda xy: np.column_stack(inv.transform(xy[:, 0], xy[:, 1])))


def metric_to_lonlat_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _transformers()[1].transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def lonlat_to_metric_xy(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x, y = _transformers()[0].transform(lon, lat)
    return np.asarray(x), np.asarray(y)


@functools.cache
def town_polygon() -> Polygon:
    """The schematic phase-one outline in lon/lat (liyang.md §1.3)."""
    return Polygon(TOWN_RING)


def geodesic_area_m2(geom) -> float:
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geom)
    return abs(area)


def short_name(nbs_name: str) -> str:
    """"县前街居委会" → "县前街社区"; "清安社区居委会" → "清安社区"."""
    base = nbs_name.removesuffix("居委会")
    return base if base.endswith("社区") else base + "社区"


# -- streets and communities -----------------------------------------------------------------


def street_polygons_metric() -> dict[str, Polygon]:
    """The three 街道 as metric polygons (see the module docstring for the split)."""
    town = shapely.set_precision(to_metric(town_polygon()), GRID_M)
    minx, miny, maxx, maxy = town.bounds
    nx, ny = (float(v) for v in lonlat_to_metric_xy(SOUTH_WEST_CORNER[0], NORTH_BAND_LAT))
    cx, cy = (float(v) for v in lonlat_to_metric_xy(*SOUTH_WEST_CORNER))
    north = shapely.intersection(town, box(minx - 1, ny, maxx + 1, maxy + 1), grid_size=GRID_M)
    south_west = shapely.intersection(town, box(minx - 1, miny - 1, cx, cy), grid_size=GRID_M)
    core = shapely.difference(town, shapely.union(north, south_west, grid_size=GRID_M),
                              grid_size=GRID_M)
    return {KUNLUN: _single(north), GUXIAN: _single(south_west), LICHENG: _single(core)}


def _single(geom) -> Polygon:
    if isinstance(geom, Polygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    return max(parts, key=lambda g: g.area)


def community_polygons_metric(seed: int) -> dict[str, Polygon]:
    """Partition each street among its communities (seeded Voronoi + Lloyd relaxation)."""
    rng = np.random.default_rng([seed, 1])
    result: dict[str, Polygon] = {}
    for street_code, street in sorted(street_polygons_metric().items()):
        members = [c for c in COMMUNITIES if c[0][:9] == street_code]
        pts, pinned = _initial_centres(members, street, rng)
        for _ in range(LLOYD_ROUNDS):
            cells = _voronoi(pts, street)
            pts = np.array([p if fix else np.array(c.centroid.coords[0])
                            for p, fix, c in zip(pts, pinned, cells, strict=True)])
        for (code, _name, _hint), cell in zip(members, _voronoi(pts, street), strict=True):
            result[code] = cell
    return result


def _initial_centres(members, street: Polygon, rng) -> tuple[np.ndarray, list[bool]]:
    pts, pinned = [], []
    for _code, _name, hint in members:
        if hint is not None:
            x, y = lonlat_to_metric_xy(*hint)
            candidate = (float(x), float(y))
            if street.contains(Point(candidate)):
                pts.append(candidate)
                pinned.append(True)
                continue
        pts.append(_random_point_in(street, rng))
        pinned.append(False)
    return np.array(pts), pinned


def _random_point_in(poly: Polygon, rng) -> tuple[float, float]:
    minx, miny, maxx, maxy = poly.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if poly.contains(Point(x, y)):
            return float(x), float(y)


def _voronoi(pts: np.ndarray, clip: Polygon) -> list[Polygon]:
    diagram = shapely.voronoi_polygons(MultiPoint(pts), extend_to=clip, ordered=True)
    return [_single(shapely.intersection(cell, clip, grid_size=GRID_M)) for cell in diagram.geoms]


def unit_plans(cells: tuple[CellPlan, ...]) -> tuple[UnitPlan, ...]:
    """Communities are the unions of their cells (so a cell always lies in its community),
    streets and the district the unions of those (micro-holes from reprojection filled)."""
    by_comm: dict[str, list[Polygon]] = {}
    for cell in cells:
        by_comm.setdefault(cell.community_code, []).append(cell.geom)
    comm = {code: shapely.union_all(geoms) for code, geoms in by_comm.items()}
    streets = {code: _fill_holes(shapely.union_all([g for c, g in comm.items() if c[:9] == code]))
               for code, _ in STREETS}
    town = _fill_holes(shapely.union_all(list(streets.values())))
    units = [UnitPlan(DISTRICT_CODE, DISTRICT_NAME, "district", None, _multi(town))]
    units += [UnitPlan(code, name, "street", DISTRICT_CODE, _multi(streets[code]))
              for code, name in STREETS]
    units += [UnitPlan(code, short_name(name), "community", code[:9], _multi(comm[code]))
              for code, name, _ in COMMUNITIES]
    return tuple(units)


def _fill_holes(geom, max_area_deg2: float = 1e-9):
    """Drop interior rings smaller than ``max_area_deg2`` (≈10 m²): reprojection slivers."""
    parts = []
    for poly in polygons_of(geom):
        keep = [ring for ring in poly.interiors if Polygon(ring).area >= max_area_deg2]
        parts.append(Polygon(poly.exterior, keep))
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _multi(geom) -> MultiPolygon:
    parts = polygons_of(geom)
    return MultiPolygon(parts)


def polygons_of(geom) -> list[Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom] if geom.area > 0 else []
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and g.area > 0]
