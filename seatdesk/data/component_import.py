"""Import 管理部件 (components) from Points in a GeoJSON FeatureCollection, a GeoPackage
layer or a Shapefile (``gisfile.read_any``), all or nothing.

Properties: ``code`` (标识码: 6-digit admin code + class code + 6-digit serial, 16 or 17
digits by the configured classification edition; the class part must be a component
class of that edition), ``name``, ``status`` (完好/破损/丢失/废弃/移除 or intact/damaged/
lost/abandoned/removed; default 完好), optional ``owner_dept_code``, ``property_dept_code``,
``maintainer_dept_code`` (department codes that must exist), ``initial_date``,
``changed_date`` (YYYYMMDD or YYYY-MM-DD), ``data_source`` and ``note``. Each point must
lie in a stored grid cell (point-in-polygon with an in-process STRtree).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import CaseClass, ClassEdition, Component, Department, get_setting
from seatdesk.models.enums import ClassKind, ComponentStatus

from .calendar import parse_date
from .errors import ImportFailed, ImportIssue, ImportReport, IssueList, RowError
from .geojson import Feature, code_property, feature_geometry, text_property
from .gisfile import read_any
from .spatial_checks import cells_in_box, total_bounds
from .textfile import code_problem

STATUS_WORDS = {**{s.value: s.value for s in ComponentStatus},
                **{s.label: s.value for s in ComponentStatus}}
DEPT_KEYS = (("owner_dept_id", "owner_dept_code", "主管部门"),
             ("property_dept_id", "property_dept_code", "权属单位"),
             ("maintainer_dept_id", "maintainer_dept_code", "养护单位"))


@dataclass(frozen=True)
class ComponentSpec:
    feature: int
    line: int | None
    values: dict = field(hash=False)
    point: shapely.Point
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lookups:
    edition: ClassEdition
    classes: dict[str, tuple[int, str]]  # class code → (id, name)
    departments: dict[str, int]
    admin_code: str


def import_components(session: Session, path: str | Path,
                      layer: str | None = None) -> ImportReport:
    """Validate every component of the file, then insert them in one savepoint."""
    features = read_any(path, layer)
    lookups = _lookups(session)
    issues = IssueList()
    specs: list[ComponentSpec] = []
    for feature in features:
        if issues.full:
            break
        try:
            specs.append(_component(feature, lookups))
        except RowError as exc:
            issues.add(feature.line, str(exc), feature.index)
    _check_duplicates(session, specs, issues)
    cells = _assign_cells(session, specs, issues)
    issues.raise_if_any()
    with session.begin_nested():
        session.add_all(Component(**spec.values, grid_cell_id=cell, geom=spec.point)
                        for spec, cell in zip(specs, cells, strict=True))
        session.flush()
    warnings = [f"第{s.feature}个要素：{note}" for s in specs for note in s.notes]
    return ImportReport("components", Path(path).name, {"components": len(specs)}, warnings)


def _lookups(session: Session) -> Lookups:
    code = get_setting(session, "class_edition")
    edition = session.scalar(select(ClassEdition).where(ClassEdition.code == code))
    if edition is None:
        raise ImportFailed([ImportIssue(None, f"分类版本“{code}”尚未加载：请先加载分类数据")])
    classes = {c.code: (c.id, c.name) for c in session.scalars(
        select(CaseClass).where(CaseClass.edition_id == edition.id,
                                CaseClass.kind == ClassKind.COMPONENT.value))}
    rows = session.execute(select(Department.code, Department.id))
    departments = {code: uid for code, uid in rows}
    return Lookups(edition, classes, departments, str(get_setting(session, "admin_code")))


def _component(feature: Feature, lk: Lookups) -> ComponentSpec:
    props = feature.properties
    point = feature_geometry(feature, ("Point",))
    code, _ = code_property(props, "code", "标识码")
    problem = code_problem(code, "标识码（code）", [lk.edition.component_id_length])
    if problem:
        raise RowError(f"{problem}（{lk.edition.code}）")
    class_code = code[6:6 + lk.edition.class_code_length]
    if class_code not in lk.classes:
        raise RowError(f"标识码“{code}”中的部件小类代码“{class_code}”不是{lk.edition.code}"
                       "的部件小类")
    class_id, class_name = lk.classes[class_code]
    notes = [] if code.startswith(lk.admin_code) else [
        f"标识码“{code}”的行政区划代码“{code[:6]}”不是本市的“{lk.admin_code}”"]
    name = text_property(props, "name") or class_name
    if len(name) > 100:
        raise RowError("部件名称（name）超过100个字符")
    values = {"code": code, "class_id": class_id, "name": name, "status": _status(props),
              "lon": point.x, "lat": point.y, **_dates(props), **_departments(props, lk),
              "data_source": text_property(props, "data_source")[:20],
              "note": text_property(props, "note")}
    return ComponentSpec(feature.index, feature.line, values, point, tuple(notes))


def _status(props: dict) -> str:
    raw = text_property(props, "status")
    if not raw:
        return ComponentStatus.INTACT.value
    status = STATUS_WORDS.get(raw) or STATUS_WORDS.get(raw.lower())
    if status is None:
        raise RowError(f"部件状态（status）“{raw}”无效：应为完好、破损、丢失、废弃或移除")
    return status


def _dates(props: dict) -> dict[str, dt.date | None]:
    out = {}
    for key, label in (("initial_date", "初始日期"), ("changed_date", "变更日期")):
        raw = text_property(props, key)
        try:
            out[key] = parse_date(raw) if raw else None
        except RowError as exc:
            raise RowError(f"{label}（{key}）：{exc}") from None
    return out


def _departments(props: dict, lk: Lookups) -> dict[str, int | None]:
    out = {}
    for column, key, label in DEPT_KEYS:
        code = text_property(props, key) or text_property(props, key.removesuffix("_code"))
        if code and code not in lk.departments:
            raise RowError(f"{label}代码（{key}）“{code}”不存在：请先建立该部门")
        out[column] = lk.departments.get(code) if code else None
    return out


def _check_duplicates(session: Session, specs: list[ComponentSpec], issues: IssueList) -> None:
    first: dict[str, ComponentSpec] = {}
    for spec in specs:
        code = spec.values["code"]
        if code in first:
            issues.add(spec.line, f"标识码“{code}”与第{first[code].feature}个要素重复",
                       spec.feature)
        else:
            first[code] = spec
    codes = list(first)
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        for code in session.scalars(select(Component.code).where(Component.code.in_(chunk))):
            spec = first[code]
            issues.add(spec.line, f"标识码“{code}”已存在于数据库中", spec.feature)


def _assign_cells(session: Session, specs: list[ComponentSpec], issues: IssueList
                  ) -> list[int | None]:
    """The grid cell holding each point (lowest code on a shared edge); outside = error."""
    if not specs:
        return []
    points = [s.point for s in specs]
    stored = sorted(cells_in_box(session, total_bounds(points)), key=lambda c: c[1])
    found: list[int | None] = [None] * len(specs)
    if stored:
        tree = shapely.STRtree([geom for _, _, geom in stored])
        hits, cells = tree.query(points, predicate="intersects")
        for i, j in sorted(zip(hits.tolist(), cells.tolist(), strict=True), reverse=True):
            found[i] = stored[j][0]
    for spec, cell in zip(specs, found, strict=True):
        if cell is None:
            issues.add(spec.line, f"点({spec.point.x:.6f},{spec.point.y:.6f})不在任何单元网格内",
                       spec.feature)
    return found
