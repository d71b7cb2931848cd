"""Import 单元网格 (unit grid cells) from a GeoJSON FeatureCollection, a GeoPackage layer
or a Shapefile (``gisfile.read_any``), all or nothing.

Each feature is a Polygon (or a single-part MultiPolygon) with properties ``code``
(14 or 15 digits as configured by the ``grid_code_length`` setting; it starts with
the community code), ``name``, ``community_code`` (12 digits) and optionally ``zone``
(timing zone A/B/C). Unknown communities may be created from the file: see
``admin_units``. Cells must be valid polygons that overlap neither each other nor the
cells already stored; area (geodesic, m²) and bounding box are computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import GridCell, get_setting

from .admin_units import AdminPlanner
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
from .textfile import code_problem

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
    length = int(get_setting(session, "grid_code_length"))
    issues, planner = IssueList(), AdminPlanner(session)
    cells: list[CellSpec] = []
    numeric = 0
    for feature in features:
        if issues.full:
            break
        try:
            cell, was_number = _cell(feature, length, planner)
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
        session.add_all(_row(cell, ids[cell.community_code]) for cell in cells)
        session.flush()
    return ImportReport("grid", Path(path).name,
                        {"grid_cells": len(cells), "admin_units": len(planner.planned)},
                        _warnings(cells, numeric))


def _cell(feature: Feature, length: int, planner: AdminPlanner) -> tuple[CellSpec, bool]:
    props = feature.properties
    polygon = single_polygon(feature_geometry(feature, ("Polygon", "MultiPolygon")))
    problem = validity_problem(polygon)
    if problem:
        raise RowError(problem)
    code, was_number = code_property(props, "code", "单元网格代码")
    community, _ = code_property(props, "community_code", "社区代码")
    for text in (code_problem(code, "单元网格代码（code）", [length]),
                 code_problem(community, "社区代码（community_code）", [12])):
        if text:
            raise RowError(text)
    if not code.startswith(community):
        raise RowError(f"单元网格代码“{code}”应以所属社区代码“{community}”开头")
    name = text_property(props, "name")
    if not name:
        raise RowError("单元网格名称（name）为空")
    zone = ZONES.get(text_property(props, "zone").upper(), "?")
    if zone == "?":
        raise RowError(f"计时区域（zone）“{text_property(props, 'zone')}”无效：应为A、B、C或留空")
    planner.require_community(community, props, feature.index)
    spec = CellSpec(feature.index, feature.line, code, name[:100], community, zone, polygon,
                    geodesic_area(polygon))
    return spec, was_number


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
    for i, j, area, with_stored in overlap_pairs(polygons, [geom for _, _, geom in stored]):
        cell = cells[i]
        if with_stored and stored[j][1] == cell.code:
            continue  # the same cell again: reported as a duplicate code
        other = (f"已有单元网格“{stored[j][1]}”" if with_stored
                 else f"单元网格“{cells[j].code}”（第{cells[j].feature}个要素）")
        issues.add(cell.line, f"单元网格“{cell.code}”与{other}重叠约{area:,.1f}平方米",
                   cell.feature)


def _row(cell: CellSpec, community_id: int) -> GridCell:
    row = GridCell(code=cell.code, name=cell.name, community_id=community_id,
                   area_m2=round(cell.area_m2, 2), zone=cell.zone, geom=cell.polygon)
    row.set_bbox_from(cell.polygon)
    return row


def _warnings(cells: list[CellSpec], numeric: int) -> list[str]:
    out = [f"第{c.feature}个要素：单元网格“{c.code}”面积仅{c.area_m2:.1f}平方米，请确认"
           for c in cells if c.area_m2 < SMALL_CELL_M2]
    if numeric:
        out.append(f"{numeric}个要素的code写成了数字，已按文本读取；建议在源数据中设为文本字段")
    return out
