"""Table importers (CSV or .xlsx): local extension classes and a city's 立案条件 table
(all or nothing)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from seatdesk.models import get_setting

from .classes import CLASS_COLUMNS, add_classes, class_specs, existing_class_keys
from .condition_store import upsert
from .conditions import read_conditions
from .errors import ImportReport, IssueList
from .tables import read_table


def import_classes(session: Session, path: str | Path, sheet: str | None = None) -> ImportReport:
    """Add local extension classes (is_local) in the class-file layout
    ``edition,kind,major_code,major_name,minor_code,minor_name[,note]``.

    The edition must be loaded, the code must have the edition's length and start with
    the major code, and no class may exist already (in the file or the database).
    """
    issues = IssueList()
    table = read_table(path, CLASS_COLUMNS, ("note",), sheet=sheet)
    specs = class_specs(session, table, issues)
    have = existing_class_keys(session)
    for spec in specs:
        if spec.key in have:
            issues.add(spec.line, f"{spec.edition}中已有{spec.kind.label}小类“{spec.code}”"
                                  f"（{have[spec.key].name}）")
    if not specs and not issues:
        issues.add(None, "文件中没有分类数据")
    issues.raise_if_any()
    with session.begin_nested():
        added = add_classes(session, specs, is_local=True)
    majors = {(key[0], cls.major_code) for key, cls in have.items()}
    warnings = [f"第{s.line}行：大类“{s.major_code}”（{s.major_name}）为新增大类"
                for s in specs if (s.edition, s.major_code) not in majors]
    return ImportReport("classes", Path(path).name, {"classes": added}, warnings, table.read_as)


def import_conditions(session: Session, path: str | Path, sheet: str | None = None
                      ) -> ImportReport:
    """Import a city's 立案、处置和结案标准 table for the configured edition.

    Columns: 大类代码,大类名称,小类代码,小类名称,立案条件,处置时限,结案条件,责任单位
    (+ optional 类型, 立案明细编码, 紧急处置时限, 区域, 来源, 默认值, 启用). A condition with
    the same class and 立案明细编码 (generated from the row order when absent) is updated;
    for each class the file covers, conditions it no longer lists are deactivated.
    """
    issues = IssueList()
    edition = str(get_setting(session, "class_edition"))
    specs, table = read_conditions(session, path, edition, issues, sheet)
    if not specs and not issues:
        issues.add(None, "文件中没有立案条件")
    issues.raise_if_any()
    with session.begin_nested():
        counts = upsert(session, specs)
    warnings = []
    if counts.get("conditions_deactivated"):
        warnings.append(f"{counts['conditions_deactivated']}个原有立案条件不在文件中，已停用"
                        "（仍保留供已立案的案卷使用）")
    return ImportReport("conditions", Path(path).name, counts, warnings, table.read_as)
