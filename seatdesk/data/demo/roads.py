"""Demo-city roads, rivers and parks, and a sampler of points along them inside grid cells.

**Alignments are estimates [E]** drawn for the demo on the schematic town polygon; they
are not traced from a map. Tags follow liyang.md §3 (S/P/I/B/E):

- 南环路 / 南环西路 at ≈31.419°N (government at 南环路18号, 溧阳中学 at 南环西路88号) [S/I → D].
- 昆仑北路 / 昆仑南路 meeting 东大街 ("昆仑南路与东大街交叉口") [I]; 城北大道 [I]; 锦绣路,
  燕湖路 (燕山新区, mock data) [I]; 码头街, 码头西街, 西后街 [P]; 燕鸣路 [S, position E];
  平陵西路 [P] — all positions [E].
- 北环路, 平陵东路: no source at all [E]; 燕山路, 育才路, 罗湾路, 天目湖大道: unverified [B].
- 县前街, 大营巷, 清溪路: names kept in community names [S], positions [E].
- Boundary roads 241省道（今233国道）, 239省道 and 东环路 follow the polygon edges [E].
- Secondary streets 经一路… (north–south) and 纬一路… (east–west) are an invented 600 m
  lattice so that every part of town has streets; the names are generic demo names.
- Rivers 丹金溧漕河 [P, course E], 西城河 [P, course E], 南河 [B]; parks 燕湖公园 [P],
  高静园 [P], 燕山公园 [P weak] — positions [E].
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from seatdesk.data.demo.geo import GeoPlan, lonlat_to_metric_xy, metric_to_lonlat_xy, to_metric, town_polygon

NAMED_ROADS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("南环西路", ((119.4560, 31.4190), (119.4750, 31.4190))),
    ("南环路", ((119.4750, 31.4190), (119.5143, 31.4190))),
    ("平陵西路", ((119.4560, 31.4255), (119.4870, 31.4255))),
    ("平陵东路", ((119.4870, 31.4255), (119.5145, 31.4255))),
    ("东大街", ((119.4800, 31.4330), (119.4990, 31.4330))),
    ("昆仑南路", ((119.4870, 31.3855), (119.4870, 31.4330))),
    ("昆仑北路", ((119.4870, 31.4330), (119.4870, 31.4540))),
    ("北环路", ((119.4568, 31.4400), (119.5132, 31.4400))),
    ("城北大道", ((119.4575, 31.4470), (119.5125, 31.4470))),
    ("东环路", ((119.5097, 31.3897), (119.5137, 31.4200), (119.5107, 31.4490))),
    ("241省道（今233国道）", ((119.4587, 31.4490), (119.4568, 31.4200), (119.4632, 31.3933))),
    ("239省道", ((119.4590, 31.4492), (119.4850, 31.4541), (119.5108, 31.4492))),
    ("天目湖大道", ((119.4760, 31.3870), (119.4760, 31.4190))),
    ("燕鸣路", ((119.4945, 31.3875), (119.4945, 31.4190))),
    ("锦绣路", ((119.4720, 31.3910), (119.5100, 31.3910))),
    ("燕湖路", ((119.4990, 31.3862), (119.4990, 31.4100))),
    ("燕山路", ((119.4595, 31.4050), (119.5130, 31.4050))),
    ("育才路", ((119.4700, 31.4190), (119.4700, 31.4465))),
    ("罗湾路", ((119.5040, 31.4190), (119.5040, 31.4465))),
    ("清溪路", ((119.4925, 31.4195), (119.4925, 31.4395))),
    ("县前街", ((119.4845, 31.4258), (119.4845, 31.4330))),
    ("大营巷", ((119.4790, 31.4300), (119.4865, 31.4300))),
    ("码头街", ((119.4745, 31.4345), (119.4800, 31.4345))),
    ("码头西街", ((119.4700, 31.4345), (119.4745, 31.4345))),
    ("西后街", ((119.4765, 31.4345), (119.4765, 31.4390))),
)
RIVERS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("丹金溧漕河", ((119.4665, 31.4545), (119.4680, 31.4300), (119.4720, 31.4150),
                 (119.4705, 31.3880))),
    ("西城河", ((119.4755, 31.4200), (119.4755, 31.4370), (119.4830, 31.4395))),
    ("南河", ((119.4600, 31.4165), (119.5135, 31.4165))),
)
PARKS: tuple[tuple[str, tuple[float, float], float], ...] = (
    ("燕湖公园", (119.5005, 31.3955), 300.0),
    ("高静园", (119.4815, 31.4282), 80.0),
    ("燕山公园", (119.4930, 31.4100), 150.0),
)
LATTICE_M = 600.0
_NUMERALS = "一二三四五六七八九十"
MAIN_ROAD_WEIGHT = 2.0


@dataclass(frozen=True)
class Network:
    """Metric polylines (UTM 50N) with their names and sampling weights."""

    lines: np.ndarray  # object array of LineString
    names: tuple[str, ...]
    weights: np.ndarray


@dataclass(frozen=True)
class Sample:
    """Points sampled along a network, in lon/lat, each inside a grid cell."""

    lon: np.ndarray
    lat: np.ndarray
    cell: np.ndarray  # index into GeoPlan.cells
    line: np.ndarray  # index into Network.lines
    house_no: np.ndarray  # plausible house number (odd one side, even the other)


def _numeral(n: int) -> str:
    if n <= 10:
        return _NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _NUMERALS[tens - 1]) + "十" + (_NUMERALS[ones - 1] if ones else "")


def _clip(line_lonlat, town_m) -> LineString | None:
    line = shapely.intersection(to_metric(line_lonlat), town_m)
    if line.is_empty:
        return None
    if line.geom_type == "MultiLineString":
        line = max(line.geoms, key=lambda g: g.length)
    return line if line.geom_type == "LineString" and line.length > 50 else None


def _lattice(town_m) -> list[tuple[str, LineString]]:
    minx, miny, maxx, maxy = town_m.bounds
    out = []
    for k, x in enumerate(np.arange(minx + LATTICE_M / 2, maxx, LATTICE_M), start=1):
        out.append((f"经{_numeral(k)}路", LineString([(x, miny - 10), (x, maxy + 10)])))
    for k, y in enumerate(np.arange(maxy - LATTICE_M / 2, miny, -LATTICE_M), start=1):
        out.append((f"纬{_numeral(k)}路", LineString([(minx - 10, y), (maxx + 10, y)])))
    return out


@functools.cache
def networks() -> dict[str, Network]:
    """The ``road``, ``water`` and ``green`` networks used for placing points."""
    town_m = to_metric(town_polygon())
    roads: list[tuple[str, LineString, float]] = []
    for name, coords in NAMED_ROADS:
        line = _clip(LineString(coords), town_m)
        if line is not None:
            roads.append((name, line, MAIN_ROAD_WEIGHT))
    for name, line in _lattice(town_m):
        clipped = shapely.intersection(line, town_m)
        if not clipped.is_empty and clipped.length > 50:
            roads.append((name, clipped, 1.0))
    rivers = [(name, line, 1.0) for name, coords in RIVERS
              if (line := _clip(LineString(coords), town_m)) is not None]
    parks = []
    for name, (lon, lat), radius in PARKS:
        x, y = lonlat_to_metric_xy(lon, lat)
        parks.append((name, Point(float(x), float(y)).buffer(radius).exterior, 1.0))
    return {"road": _network(roads), "water": _network(rivers),
            "green": _network(parks, extra=roads)}


def _network(items, extra=None) -> Network:
    lines = [line for _, line, _ in items]
    names = [name for name, _, _ in items]
    weights = [line.length * w for _, line, w in items]
    if extra:  # green: half the weight in parks, half along the streets (行道树带)
        park_total = sum(weights)
        extra_total = sum(line.length * w for _, line, w in extra)
        lines += [line for _, line, _ in extra]
        names += [name for name, _, _ in extra]
        weights += [line.length * w * park_total / extra_total for _, line, w in extra]
    arr = np.empty(len(lines), dtype=object)
    arr[:] = lines
    w = np.asarray(weights, dtype=float)
    return Network(arr, tuple(names), w / w.sum())


class PointSampler:
    """Draws points along a network with a lateral offset, kept only inside a grid cell."""

    def __init__(self, geo: GeoPlan):
        self.geo = geo
        self.cells = np.array([c.geom for c in geo.cells], dtype=object)
        self.tree = shapely.STRtree(self.cells)

    def representative(self, cell: int) -> tuple[float, float]:
        """A point inside cell ``cell`` (lon, lat)."""
        p = self.geo.cells[cell].geom.representative_point()
        return float(p.x), float(p.y)

    def cell_name(self, cell: int) -> str:
        return self.geo.cells[cell].name

    def sample(self, rng: np.random.Generator, net: Network, n: int,
               offset: tuple[float, float]) -> Sample:
        lon, lat = np.empty(n), np.empty(n)
        cell, line, house = (np.full(n, -1, dtype=np.int64) for _ in range(3))
        todo = np.arange(n)
        for _ in range(100):
            if todo.size == 0:
                return Sample(lon, lat, cell, line, house)
            draw = self._draw(rng, net, todo.size, offset)
            ok = draw[2] >= 0
            idx = todo[ok]
            lon[idx], lat[idx], cell[idx], line[idx], house[idx] = (a[ok] for a in draw)
            todo = todo[~ok]
        raise RuntimeError("demo point sampling did not converge")  # pragma: no cover

    def _draw(self, rng, net: Network, k: int, offset):
        which = rng.choice(len(net.lines), size=k, p=net.weights)
        lines = net.lines[which]
        lengths = shapely.length(lines)
        dist = rng.uniform(0.0, 1.0, k) * lengths
        side = np.where(rng.random(k) < 0.5, -1.0, 1.0)
        lateral = rng.uniform(offset[0], offset[1], k) * side
        p = shapely.get_coordinates(shapely.line_interpolate_point(lines, dist))
        step = np.where(dist + 1.0 <= lengths, 1.0, -1.0)
        q = shapely.get_coordinates(shapely.line_interpolate_point(lines, dist + step))
        t = (q - p) * step[:, None]
        t /= np.maximum(np.hypot(t[:, 0], t[:, 1]), 1e-9)[:, None]
        x, y = p[:, 0] - t[:, 1] * lateral, p[:, 1] + t[:, 0] * lateral
        lon, lat = metric_to_lonlat_xy(x, y)
        lon, lat = np.round(lon, 7), np.round(lat, 7)
        cell = self.locate(lon, lat)
        house = (dist // 20).astype(np.int64) * 2 + np.where(side > 0, 1, 2)
        return lon, lat, cell, which.astype(np.int64), house

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index of the cell strictly containing each point, -1 where none does."""
        pts = shapely.points(lon, lat)
        found = np.full(len(pts), -1, dtype=np.int64)
        src, dst = self.tree.query(pts, predicate="within")
        found[src] = dst  # cells do not overlap: at most one interior contains a point
        return found
