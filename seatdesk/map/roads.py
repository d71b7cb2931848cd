"""Roads on the map and around a point (Qt-free).

- ``road_features``: every road as map lines with its name, plus label anchors spaced
  along each road (a long road is named every ``LABEL_SPACING_M``, so a label is in view
  wherever the map is), for the page's road layer;
- ``nearest_road``: the road nearest a point within a radius and its distance, to
  describe a picked point ("燕山路 12 m") when no basemap shows the streets;
- ``roads_named``: roads whose name contains a text, each with a point on it (the
  middle of its longest piece), for the intake's place search.

Roads are few (hundreds to a few thousand rows), so the candidates come from the plain
bounding-box columns (``ix_roads_bbox``) and the exact measure runs in the process with
shapely and pyproj on both backends — the same answer on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod
from shapely.ops import nearest_points
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from seatdesk.models import Road
from seatdesk.models.spatial import degree_box

LABEL_SPACING_M = 1200.0  # one label per this much road
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class RoadNear:
    name: str
    distance_m: float


@dataclass(frozen=True)
class RoadHit:
    name: str
    lon: float
    lat: float
    length_m: float


def _length_m(line) -> float:
    return float(_GEOD.geometry_length(line))


def road_features(session: Session) -> tuple[list[tuple[str, shapely.Geometry]],
                                              list[tuple[str, float, float]]]:
    """(name, geometry) of every road and (name, lon, lat) label anchors along them."""
    rows = session.execute(select(Road.name, Road.geom).order_by(Road.name, Road.id)).all()
    labels = []
    for name, geom in rows:
        for line in getattr(geom, "geoms", [geom]):
            count = max(1, int(_length_m(line) // LABEL_SPACING_M))
            for k in range(count):
                p = line.interpolate((k + 0.5) / count, normalized=True)
                labels.append((name, float(p.x), float(p.y)))
    return [(name, geom) for name, geom in rows], labels


def _scaled(geom, lat0: float):
    """Longitude shrunk by cos(latitude): distances in degrees become isotropic."""
    squeeze = math.cos(math.radians(lat0))
    return shapely.transform(geom, lambda xy: xy * np.array([squeeze, 1.0]))


def nearest_road(session: Session, lon: float, lat: float, radius_m: float) -> RoadNear | None:
    """The road nearest the point, if one lies within ``radius_m`` metres."""
    box = degree_box(lon, lat, radius_m)
    rows = session.execute(select(Road.name, Road.geom).where(
        Road.min_lon <= box.max_lon, Road.max_lon >= box.min_lon,
        Road.min_lat <= box.max_lat, Road.max_lat >= box.min_lat)).all()
    best: RoadNear | None = None
    squeeze = math.cos(math.radians(lat))
    point = shapely.Point(lon * squeeze, lat)
    for name, geom in rows:
        near, _ = nearest_points(_scaled(geom, lat), point)
        _, _, metres = _GEOD.inv(lon, lat, near.x / squeeze, near.y)
        if metres <= radius_m and (best is None or metres < best.distance_m):
            best = RoadNear(name, round(float(metres), 1))
    return best


def roads_named(session: Session, text: str, limit: int = 5) -> list[RoadHit]:
    """Roads whose name contains ``text``, names starting with it first, one hit per name."""
    rows = session.execute(select(Road.name, Road.geom).where(
        Road.name.contains(text, autoescape=True)).order_by(Road.name, Road.id)).all()
    longest: dict[str, tuple[float, shapely.Geometry]] = {}
    for name, geom in rows:
        for line in getattr(geom, "geoms", [geom]):
            length = _length_m(line)
            if name not in longest or length > longest[name][0]:
                longest[name] = (length, line)
    names = sorted(longest, key=lambda n: (not n.startswith(text), len(n), n))[:limit]
    hits = []
    for name in names:
        length, line = longest[name]
        middle = line.interpolate(0.5, normalized=True)
        hits.append(RoadHit(name, float(middle.x), float(middle.y), round(length)))
    return hits


def road_in_text(session: Session, text: str) -> RoadHit | None:
    """The road a free-text address names (``燕山路与平陵路交叉口`` → 燕山路): of the road names
    the text contains, the longest (the most specific: 燕山北路 before 燕山路), placed at the
    middle of its longest stretch — a first place for a report that came without
    coordinates, for a seat to confirm."""
    text = text.strip()
    if not text:
        return None
    names = session.scalars(select(Road.name).distinct().where(
        func.length(Road.name) >= 2, literal(text).contains(Road.name))).all()
    if not names:
        return None
    name = min(names, key=lambda n: (-len(n), text.find(n), n))
    return next((hit for hit in roads_named(session, name, limit=20) if hit.name == name), None)
