"""Templates and the configuration export (``seatdesk export templates|config DIR``).

``write_templates`` writes the empty organisation tables (Excel with a 说明 sheet per
table, or CSV) and an empty beats GeoJSON. ``export_config`` writes what the database
holds in the same layouts, with the city profile (``city.toml``), the grid and the
beats (GeoJSON) and the holiday days an administrator entered: importing the directory
into an empty database (``seatdesk setup --profile city.toml`` then the imports, in the
order of ``IMPORT_ORDER``) rebuilds the configuration, and exporting that again gives
the same files. Every cell is written as text, never a formula (``exports``). Qt-free.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import shapely
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from seatdesk.models import (
    AdminUnit,
    Beat,
    BeatSupervisor,
    CalendarDay,
    CaseClass,
    ClassEdition,
    Department,
    GridCell,
    Responsibility,
    User,
    get_setting,
)
from seatdesk.models.enums import AdminLevel, DayKind, DepartmentKind, Role

from .calendar import ADMIN_SOURCE
from .exports import append, csv_row
from .org_templates import (
    BEATS_NOTE,
    DEPARTMENTS,
    RESPONSIBILITIES,
    TABLES,
    UNITS,
    USERS,
    TableSpec,
)
from .setup import profile_from_settings, write_profile

FORMATS = ("xlsx", "csv")
SHEET_NAMES = {"units": "行政区划", "departments": "部门", "users": "用户",
               "responsibilities": "责任矩阵"}
#: the order a configuration directory is imported in (each needs the ones before it)
IMPORT_ORDER = ("units", "grid", "departments", "users", "responsibilities", "beats",
                "calendar")


def write_table(spec: TableSpec, rows: Iterable[Sequence[str]], directory: Path,
                fmt: str = "xlsx") -> Path:
    path = directory / f"{spec.file}.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel reads UTF-8
            writer = csv.writer(fh)
            writer.writerow(spec.header)
            writer.writerows(csv_row(row) for row in rows)
        return path
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAMES[spec.kind]
    append(sheet, spec.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append(sheet, row)
    for column, spec_col in zip(sheet.columns, spec.columns, strict=False):
        width = max(len(str(c.value or "")) for c in column) * 2 + 2
        sheet.column_dimensions[column[0].column_letter].width = min(max(width, 10), 60)
    notes = book.create_sheet("说明")
    append(notes, [spec.title])
    append(notes, ["列", "必填", "说明"])
    for col in spec.columns:
        append(notes, [col.name, "是" if col.required else "否", col.help])
    append(notes, [])
    append(notes, [spec.note])
    book.save(path)
    return path


def write_templates(directory: Path, fmt: str = "xlsx") -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = [write_table(spec, [], directory, fmt) for spec in TABLES.values()]
    paths.append(_write_geojson(directory / "beats.geojson", [], note=BEATS_NOTE))
    return paths


def export_config(session: Session, directory: Path, fmt: str = "xlsx") -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = [write_profile(profile_from_settings(session), directory / "city.toml")]
    for spec, rows in ((UNITS, _units(session)), (DEPARTMENTS, _departments(session)),
                       (USERS, _users(session)),
                       (RESPONSIBILITIES, _responsibilities(session))):
        paths.append(write_table(spec, rows, directory, fmt))
    paths.append(_write_geojson(directory / "grid.geojson", _grid(session)))
    paths.append(_write_geojson(directory / "beats.geojson", _beats(session)))
    paths.append(_write_calendar(session, directory / "calendar.csv"))
    return paths


def _units(session: Session) -> list[list[str]]:
    parent = aliased(AdminUnit)
    rows = session.execute(select(AdminUnit, parent.code)
                           .outerjoin(parent, parent.id == AdminUnit.parent_id)
                           .order_by(AdminUnit.code))
    return [[u.code, u.name, AdminLevel(u.level).label, pcode or ""] for u, pcode in rows]


def _departments(session: Session) -> list[list[str]]:
    parent, area = aliased(Department), aliased(AdminUnit)
    rows = session.execute(select(Department, parent.code, area.code)
                           .outerjoin(parent, parent.id == Department.parent_id)
                           .outerjoin(area, area.id == Department.area_id)).all()
    rank = {k.value: n for n, k in enumerate((DepartmentKind.CITY_CENTRE,
                                              DepartmentKind.DISTRICT_CENTRE))}
    rows.sort(key=lambda r: (rank.get(r[0].kind, 2), r[0].code))
    return [[d.code, d.name, DepartmentKind(d.kind).label, pcode or "", acode or "", d.phone,
             "是" if d.active else "否"] for d, pcode, acode in rows]


def _users(session: Session) -> list[list[str]]:
    rows = session.execute(select(User, Department.code)
                           .outerjoin(Department, Department.id == User.department_id)
                           .order_by(User.username))
    return [[u.username, u.display_name, Role(u.role).label, dcode or "", u.phone,
             "是" if u.active else "否"] for u, dcode in rows]


def _responsibilities(session: Session) -> list[list[str]]:
    edition = str(get_setting(session, "class_edition"))
    area = aliased(AdminUnit)
    rows = session.execute(
        select(CaseClass.kind, CaseClass.code, CaseClass.name, area.code, Department.code,
               Department.name)
        .select_from(Responsibility)
        .join(CaseClass, CaseClass.id == Responsibility.class_id)
        .join(ClassEdition, ClassEdition.id == CaseClass.edition_id)
        .outerjoin(area, area.id == Responsibility.area_id)
        .join(Department, Department.id == Responsibility.department_id)
        .where(ClassEdition.code == edition)
        .order_by(CaseClass.kind, CaseClass.code, area.code.nulls_first()))
    return [["部件" if kind == "component" else "事件", code, name, acode or "全市", dcode,
             dname] for kind, code, name, acode, dcode, dname in rows]


def _grid(session: Session) -> list[dict]:
    rows = session.execute(select(GridCell, AdminUnit.code)
                           .join(AdminUnit, AdminUnit.id == GridCell.community_id)
                           .order_by(GridCell.code))
    return [_feature(cell.geom, {"code": cell.code, "name": cell.name, "community_code": comm,
                                 **({"zone": cell.zone} if cell.zone else {})})
            for cell, comm in rows]


def _beats(session: Session) -> list[dict]:
    names = dict(session.execute(select(BeatSupervisor.user_id, User.username)
                                 .join(User, User.id == BeatSupervisor.user_id)).all())
    features = []
    for beat in session.scalars(select(Beat).order_by(Beat.code)):
        users = sorted(names[s.user_id] for s in beat.supervisors)
        features.append(_feature(beat.geom, {"code": beat.code, "name": beat.name,
                                             "supervisors": ",".join(users)}))
    return features


def _feature(geom: shapely.Geometry, properties: dict) -> dict:
    return {"type": "Feature", "properties": properties,
            "geometry": json.loads(shapely.to_geojson(geom))}


def _write_geojson(path: Path, features: list[dict], note: str = "") -> Path:
    doc = {"type": "FeatureCollection", **({"说明": note} if note else {}), "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _write_calendar(session: Session, path: Path) -> Path:
    """The days an administrator entered (the bundled package's days need no export)."""
    days = session.scalars(select(CalendarDay).where(CalendarDay.source == ADMIN_SOURCE)
                           .order_by(CalendarDay.day))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["日期", "类型", "名称"])
        writer.writerows(csv_row([d.day.isoformat(), DayKind(d.kind).label, d.name])
                         for d in days)
    return path
