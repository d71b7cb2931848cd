"""Import 单元网格 (unit grid cells) from a GeoJSON FeatureCollection, a GeoPackage layer
or a Shapefile (``gisfile.read_any``), all or nothing.

Each feature is a Polygon (or a single-part MultiPolygon) with properties ``code``
(14 or 15 digits as the city profile says: ``city_profile.grid_code_length``, which
follows the classification edition unless set), ``name``, optionally ``community_code``
(12 digits; when absent, the first 12 digits of the code) and ``zone`` (timing zone
A/B/C). Unknown communities may be created from the file: see ``admin_units``. Cells
must be valid polygons inside the city's extent that overlap neither each other nor the
cells already stored; area (geodesic, m²) and bounding box are computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shapely
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from seatdesk.models import GridCell

from .admin_units import AdminPlanner
from .city_profile import GRID_STANDARDS, CityProfile, load_profile, outside
from .errors import ImportReport, IssueList, RowError
from .geojson import (
    Feature,
    code_property,
    feature_geometry,
    single_polygon,
    text_property,
    validity_problem,
)
from .gisfile import read_any
from .spatial_checks import cells_in_box, geodesic_area, overlap_pairs, total_bounds
from .textfile import code_problem, field_text

SMALL_CELL_M2 = 100.0
ZONES = {"": None, "A": "A", "B": "B", "C": "C"}


@dataclass(frozen=True)
class CellSpec:
    feature: int
    line: int | None
    code: str
    name: str
    community_code: str
    zone: str | None
    polygon: shapely.Polygon
    area_m2: float


def import_grid(session: Session, path: str | Path,
                layer: str | None = None) -> ImportReport:
    """Validate every cell of the file (``layer`` of a multi-layer GeoPackage), then insert
    them in one savepoint."""
    features = read_any(path, layer)
    profile = load_profile(session)
    issues, planner = IssueList(), AdminPlanner(session)
    cells: list[CellSpec] = []
    numeric = 0
    for feature in features:
        if issues.full:
            break
        try:
            cell, was_number = _cell(feature, profile, planner)
        except RowError as exc:
            issues.add(feature.line, str(exc), feature.index)
            continue
        cells.append(cell)
        numeric += was_number
    _check_duplicates(session, cells, issues)
    _check_overlaps(session, cells, issues)
    issues.raise_if_any()
    with session.begin_nested():
        ids = planner.create(session)
        if cells:  # one bulk INSERT: every value was checked above
            session.execute(insert(GridCell), [_row(cell, ids[cell.community_code])
                                               for cell in cells])
    return ImportReport("grid", Path(path).name,
                        {"grid_cells": len(cells), "admin_units": len(planner.planned)},
                        _warnings(cells, numeric))


def _cell(feature: Feature, profile: CityProfile, planner: AdminPlanner
          ) -> tuple[CellSpec, bool]:
    props = feature.properties
    polygon = single_polygon(feature_geometry(feature, ("Polygon", "MultiPolygon")))
    problem = validity_problem(polygon) or _outside_the_city(polygon, profile)
    if problem:
        raise RowError(problem)
    code, was_number = _codes(props, profile.grid_code_length)
    community = code[:12]
    name = field_text("grid_cells.name", text_property(props, "name"), "单元网格名称（name）")
    if not name:
        raise RowError("单元网格名称（name）为空")
    zone = ZONES.get(text_property(props, "zone").upper(), "?")
    if zone == "?":
        raise RowError(f"计时区域（zone）“{text_property(props, 'zone')}”无效：应为A、B、C或留空")
    planner.require_community(community, props, feature.index)
    spec = CellSpec(feature.index, feature.line, code, name, community, zone, polygon,
                    geodesic_area(polygon))
    return spec, was_number


def _codes(props: dict, length: int) -> tuple[str, bool]:
    """The cell code, checked against its community code (derived when absent)."""
    code, was_number = code_property(props, "code", "单元网格代码")
    community, _ = code_property(props, "community_code", "社区代码")
    problem = code_problem(code, "单元网格代码（code）", [length])
    if problem:
        standard = GRID_STANDARDS[length]
        raise RowError(f"{problem}（本市按{standard}设置为{length}位，见 seatdesk city show）")
    if community:
        problem = code_problem(community, "社区代码（community_code）", [12])
        if problem:
            raise RowError(problem)
        if not code.startswith(community):
            raise RowError(f"单元网格代码“{code}”应以所属社区代码“{community}”开头")
    return code, was_number


def _outside_the_city(polygon: shapely.Polygon, profile: CityProfile) -> str | None:
    if not outside(polygon.bounds, profile.extent):
        return None
    minx, miny, maxx, maxy = profile.extent
    x, y = polygon.representative_point().coords[0]
    return (f"位置({x:.5f},{y:.5f})不在本市范围内（经度{minx:g}–{maxx:g}，纬度{miny:g}–{maxy:g}）："
            "请检查坐标，或用 seatdesk city set extent 设置本市范围")


def _check_duplicates(session: Session, cells: list[CellSpec], issues: IssueList) -> None:
    first: dict[str, CellSpec] = {}
    for cell in cells:
        if cell.code in first:
            earlier = first[cell.code].feature
            issues.add(cell.line, f"单元网格代码“{cell.code}”与第{earlier}个要素重复", cell.feature)
        else:
            first[cell.code] = cell
    codes = list(first)
    stored: set[str] = set()
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        stored |= set(session.scalars(select(GridCell.code).where(GridCell.code.in_(chunk))))
    for code in sorted(stored):
        cell = first[code]
        issues.add(cell.line, f"单元网格代码“{code}”已存在于数据库中", cell.feature)


def _check_overlaps(session: Session, cells: list[CellSpec], issues: IssueList) -> None:
    if not cells:
        return
    polygons = [c.polygon for c in cells]
    stored = cells_in_box(session, total_bounds(polygons))
    room = issues.limit - len(issues) + 1  # one more than fits: the list says it was cut
    for i, j, area, with_stored in overlap_pairs(polygons, [geom for _, _, geom in stored],
                                                 limit=room):
        cell = cells[i]
        if with_stored and stored[j][1] == cell.code:
            continue  # the same cell again: reported as a duplicate code
        other = (f"已有单元网格“{stored[j][1]}”" if with_stored
                 else f"单元网格“{cells[j].code}”（第{cells[j].feature}个要素）")
        issues.add(cell.line, f"单元网格“{cell.code}”与{other}重叠约{area:,.1f}平方米",
                   cell.feature)


def _row(cell: CellSpec, community_id: int) -> dict:
    minx, miny, maxx, maxy = (float(v) for v in cell.polygon.bounds)
    return {"code": cell.code, "name": cell.name, "community_id": community_id,
            "area_m2": round(cell.area_m2, 2), "zone": cell.zone, "geom": cell.polygon,
            "min_lon": minx, "min_lat": miny, "max_lon": maxx, "max_lat": maxy}


def _warnings(cells: list[CellSpec], numeric: int) -> list[str]:
    out = [f"第{c.feature}个要素：单元网格“{c.code}”面积仅{c.area_m2:.1f}平方米，请确认"
           for c in cells if c.area_m2 < SMALL_CELL_M2]
    if numeric:
        out.append(f"{numeric}个要素的code写成了数字，已按文本读取；建议在源数据中设为文本字段")
    return out
