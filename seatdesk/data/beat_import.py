"""Import supervisors' beats (监督员责任网格) from GeoJSON, GeoPackage or Shapefile
(``seatdesk import beats FILE``), all or nothing.

Each feature is a Polygon or MultiPolygon with properties ``code`` (the beat's code, up to
32 characters), ``name`` and ``supervisors`` (usernames of active supervisors, separated
by commas or 、). A beat whose code exists is replaced (shape, name, supervisors).

The evaluation counts a public report filed in a supervisor's beat as that supervisor's
漏报: after the import, each supervisor's 漏报 area (``evaluation.supervisor_areas``) is
the codes of the grid cells whose centre lies in their beats.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import Beat, BeatSupervisor, GridCell, Setting, User
from seatdesk.models.enums import Role

from .errors import ImportReport, IssueList, RowError
from .geojson import Feature, feature_geometry, text_property, validity_problem
from .gisfile import read_any
from .org_import import _need_setup
from .settings_ledger import change_setting

EVALUATION_KEY = "evaluation"  # seatdesk.evaluation.config.SETTING_KEY (a layer above)
_SEPARATORS = re.compile(r"[,，、;；\s]+")


@dataclass(frozen=True)
class BeatSpec:
    feature: int
    code: str
    name: str
    geom: shapely.MultiPolygon
    supervisors: tuple[int, ...]


def _beat(feature: Feature, supervisors: dict[str, int]) -> BeatSpec:
    problems = []
    code, name = text_property(feature.properties, "code"), text_property(feature.properties,
                                                                          "name")
    if not code or len(code) > 32:
        problems.append("code（责任网格代码）为空或超过32个字符")
    if not name or len(name) > 100:
        problems.append("name（名称）为空或超过100个字符")
    names = [n for n in _SEPARATORS.split(text_property(feature.properties, "supervisors")) if n]
    unknown = [n for n in names if n not in supervisors]
    if not names:
        problems.append("supervisors 为空：每个责任网格至少要有一名监督员")
    if unknown:
        problems.append(f"监督员“{'、'.join(unknown)}”不存在、已停用或角色不是监督员")
    try:
        geom = feature_geometry(feature, ("Polygon", "MultiPolygon"))
    except RowError as exc:
        raise RowError(*problems, *exc.messages) from None
    if (problem := validity_problem(geom)) is not None:
        problems.append(problem)
    if problems:
        raise RowError(*problems)
    multi = geom if isinstance(geom, shapely.MultiPolygon) else shapely.MultiPolygon([geom])
    return BeatSpec(feature.index, code, name, multi,
                    tuple(dict.fromkeys(supervisors[n] for n in names)))


def import_beats(session: Session, path: str | Path, layer: str | None = None,
                 changed_by: str = "", via: str = "import beats") -> ImportReport:
    _need_setup(session)
    features = read_any(path, layer)
    supervisors = dict(session.execute(select(User.username, User.id).where(
        User.role == Role.SUPERVISOR, User.active.is_(True))).all())
    issues, specs, seen = IssueList(), {}, {}
    for feature in features:
        try:
            spec = _beat(feature, supervisors)
        except RowError as exc:
            issues.add_error(feature.line, exc, feature.index)
            continue
        if spec.code in seen:
            issues.add(feature.line, f"code“{spec.code}”与第{seen[spec.code]}个要素重复",
                       feature.index)
            continue
        seen[spec.code] = feature.index
        specs[spec.code] = spec
    issues.raise_if_any()
    existing = {b.code: b for b in session.scalars(select(Beat))}
    with session.begin_nested():
        for spec in specs.values():
            beat = existing.get(spec.code) or Beat(code=spec.code)
            beat.name, beat.geom = spec.name, spec.geom
            beat.set_bbox_from(spec.geom)
            beat.supervisors = [BeatSupervisor(user_id=uid) for uid in spec.supervisors]
            session.add(beat)
        session.flush()
        _store_supervisor_areas(session, changed_by, via)
    created = sum(code not in existing for code in specs)
    return ImportReport("beats", Path(path).name,
                        {"责任网格": created, "更新": len(specs) - created})


def supervisor_areas(session: Session) -> dict[str, list[str]]:
    """Username → codes of the grid cells whose representative point lies in their beats."""
    cells = session.execute(select(GridCell.code, GridCell.geom)).all()
    points = [(code, geom.representative_point()) for code, geom in cells]
    areas: dict[str, set[str]] = {}
    rows = session.execute(select(User.username, Beat.geom)
                           .join(BeatSupervisor, BeatSupervisor.user_id == User.id)
                           .join(Beat, Beat.id == BeatSupervisor.beat_id))
    for username, geom in rows:
        shapely.prepare(geom)
        areas.setdefault(username, set()).update(c for c, p in points if geom.contains(p))
    return {name: sorted(codes) for name, codes in sorted(areas.items())}


def _store_supervisor_areas(session: Session, changed_by: str, via: str) -> None:
    row = session.get(Setting, EVALUATION_KEY)
    stored = json.loads(row.value) if row else {}
    change_setting(session, EVALUATION_KEY, {**stored, "supervisor_areas":
                                             supervisor_areas(session)},
                   changed_by=changed_by, via=via)
