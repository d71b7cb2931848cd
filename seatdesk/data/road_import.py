"""Import roads (道路中心线) from lines in a GeoJSON FeatureCollection, a GeoPackage layer
or a Shapefile (``gisfile.read_any``), all or nothing.

Properties: ``name`` (路名, required, at most 100 characters) and optional ``code``
(道路编码, at most 32). Geometries are LineString or MultiLineString in lon/lat (other
coordinate systems are reprojected by ``gisfile``). A road may come in several
features; each becomes a row and they share the name. ``replace=True`` deletes the
stored roads first (a new edition of the base data), in the same savepoint.
"""

from __future__ import annotations

from pathlib import Path

import shapely
from shapely.geometry import MultiLineString
from sqlalchemy import delete
from sqlalchemy.orm import Session

from seatdesk.models import Road

from .errors import ImportReport, IssueList, RowError
from .geojson import Feature, feature_geometry, text_property
from .gisfile import read_any


def import_roads(session: Session, path: str | Path, layer: str | None = None,
                 replace: bool = False) -> ImportReport:
    """Validate every road of the file, then insert them in one savepoint."""
    issues = IssueList()
    rows: list[Road] = []
    for feature in read_any(path, layer):
        if issues.full:
            break
        try:
            rows.append(_road(feature))
        except RowError as exc:
            issues.add(feature.line, str(exc), feature.index)
    issues.raise_if_any()
    with session.begin_nested():
        if replace:
            session.execute(delete(Road))
        session.add_all(rows)
        session.flush()
    return ImportReport("roads", Path(path).name, {"roads": len(rows)}, [])


def _road(feature: Feature) -> Road:
    geom = feature_geometry(feature, ("LineString", "MultiLineString"))
    name = text_property(feature.properties, "name")
    if not name:
        raise RowError("缺少路名（name）")
    if len(name) > 100:
        raise RowError("路名（name）超过100个字符")
    code = text_property(feature.properties, "code")
    if len(code) > 32:
        raise RowError("道路编码（code）超过32个字符")
    return road_row(name, geom, code)


def road_row(name: str, geom: shapely.Geometry, code: str = "") -> Road:
    """A ``Road`` with its geometry as a MultiLineString and its bounding box."""
    multi = geom if geom.geom_type == "MultiLineString" else MultiLineString([geom])
    road = Road(name=name, code=code, geom=multi)
    road.set_bbox_from(multi)
    return road
