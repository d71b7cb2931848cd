"""Import the organisation a centre keeps in Excel: administrative units, departments and
the responsibility matrix (``seatdesk import units|departments|responsibilities FILE``).

Each file is read by the one table layer (``tables.read_table``: CSV or .xlsx, GBK or
UTF-8, strict quoting), validated whole — every problem with its line — and written in
one savepoint, or not at all. Rows whose key exists are updated (so importing a file
again changes only what changed); the report counts what was created and updated.
Columns are described in ``org_templates``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import (
    AdminUnit,
    CaseClass,
    ClassEdition,
    Department,
    Responsibility,
    get_setting,
)
from seatdesk.models.enums import AdminLevel, DepartmentKind

from .classes import parse_kind
from .errors import ImportFailed, ImportIssue, ImportReport, IssueList, RowError
from .org_templates import DEPARTMENTS, NO, RESPONSIBILITIES, UNITS, YES, TableSpec
from .setup import is_set_up
from .tables import Row, read_table

LEVEL_WORDS = {
    AdminLevel.DISTRICT: ("区/县", "区", "县", "县级市", "市", "district"),
    AdminLevel.STREET: ("街道/镇", "街道", "镇", "乡", "street"),
    AdminLevel.COMMUNITY: ("社区", "村", "居委会", "community"),
}
LEVEL_LENGTH = {AdminLevel.DISTRICT: 6, AdminLevel.STREET: 9, AdminLevel.COMMUNITY: 12}
KIND_WORDS = {
    DepartmentKind.DEPARTMENT: ("专业部门", "部门", "department"),
    DepartmentKind.DISTRICT_CENTRE: ("区级指挥中心（二级平台）", "区级指挥中心(二级平台)",
                                     "区级指挥中心", "二级平台", "district_centre"),
    DepartmentKind.CITY_CENTRE: ("市级指挥中心", "指挥中心", "city_centre"),
}
CITY_WIDE = ("", "全市")


def _read(spec: TableSpec, path: str | Path, sheet: str | None = None):
    return read_table(path, spec.required, spec.optional, spec.aliases, sheet=sheet)


def _text(row: Row, column: str, label: str, max_length: int, problems: list[str]) -> str:
    value = row.get(column)
    if not value:
        problems.append(f"{label}为空")
    elif len(value) > max_length or not value.isprintable():
        problems.append(f"{label}“{value[:20]}”超过{max_length}个字符或含控制字符")
    return value


def _active(row: Row, problems: list[str]) -> bool:
    value = row.get("启用").lower()
    if value not in YES | NO:
        problems.append(f"启用“{value}”应为“是”或“否”")
    return value not in NO


def _word(value: str, words: dict, label: str, problems: list[str]):
    for key, names in words.items():
        if value in names or value.lower() in names:
            return key
    problems.append(f"{label}“{value}”无效：应为" + "、".join(names[0] for names in words.values()))
    return None


def _collect(table, parse: Callable[[Row, list[str]], object], issues: IssueList, key: str):
    """Parse every row; a key seen twice in the file is an error naming the first line."""
    specs, seen = {}, {}
    for row in table.rows:
        problems: list[str] = []
        spec = parse(row, problems)
        if problems:
            issues.add_error(row.line, RowError(*problems))
            continue
        k = getattr(spec, key)
        if k in seen:
            issues.add(row.line, f"“{k}”与第{seen[k]}行重复")
            continue
        seen[k] = row.line
        specs[k] = spec
    return specs


def _need_setup(session: Session) -> None:
    if not is_set_up(session):
        raise ImportFailed([ImportIssue(None, "尚未设置城市档案：请先运行 seatdesk setup")])


# -- administrative units ------------------------------------------------------------------

@dataclass(frozen=True)
class UnitSpec:
    line: int
    code: str
    name: str
    level: AdminLevel
    parent: str | None


def _unit(admin_code: str) -> Callable[[Row, list[str]], UnitSpec]:
    def parse(row: Row, problems: list[str]) -> UnitSpec:
        code = row.get("代码")
        name = _text(row, "名称", "名称", 100, problems)
        by_length = {n: lv for lv, n in LEVEL_LENGTH.items()}.get(len(code))
        if not code.isdigit() or by_length is None:
            problems.append(f"代码“{code}”应为6、9或12位数字")
        elif not code.startswith(admin_code):
            problems.append(f"代码“{code}”不以本市行政区划代码“{admin_code}”开头")
        level = _word(row.get("级别"), LEVEL_WORDS, "级别", problems) if row.get("级别") \
            else by_length
        if level is not None and by_length is not None and level != by_length:
            problems.append(f"级别“{row.get('级别')}”与{len(code)}位代码不符")
        parent = row.get("上级代码") or (None if len(code) <= 6 else code[:len(code) - 3])
        if parent and not code.startswith(parent):
            problems.append(f"上级代码“{parent}”不是代码“{code}”的前缀")
        return UnitSpec(row.line, code, name, level or AdminLevel.DISTRICT, parent)

    return parse


def import_units(session: Session, path: str | Path,
                 sheet: str | None = None) -> ImportReport:
    _need_setup(session)
    table, issues = _read(UNITS, path, sheet), IssueList()
    specs = _collect(table, _unit(str(get_setting(session, "admin_code"))), issues, "code")
    existing = {u.code: u for u in session.scalars(select(AdminUnit))}
    for spec in specs.values():
        if spec.parent and spec.parent not in specs and spec.parent not in existing:
            issues.add(spec.line, f"上级代码“{spec.parent}”不存在：请在本文件中先列出上级单位")
        old = existing.get(spec.code)
        if old is not None and old.level != spec.level.value:
            issues.add(spec.line, f"代码“{spec.code}”已存在，但级别为{AdminLevel(old.level).label}")
    issues.raise_if_any()
    created = updated = 0
    with session.begin_nested():
        for spec in sorted(specs.values(), key=lambda s: len(s.code)):
            unit = existing.get(spec.code)
            if unit is None:
                unit = AdminUnit(code=spec.code, level=spec.level.value)
                session.add(unit)
                existing[spec.code] = unit
                created += 1
            elif unit.name != spec.name:
                updated += 1
            unit.name = spec.name
            unit.parent = existing.get(spec.parent) if spec.parent else None
        session.flush()
    return ImportReport("units", table.source, {"行政区划": created, "更新": updated})


# -- departments ----------------------------------------------------------------------------

@dataclass(frozen=True)
class DeptSpec:
    line: int
    code: str
    name: str
    kind: DepartmentKind
    parent: str
    area: str
    phone: str
    active: bool


def _dept(known: set[str], areas: dict[str, int]) -> Callable[[Row, list[str]], DeptSpec]:
    """A row parser that also checks the parent (in the file or the database) and area."""
    def parse(row: Row, problems: list[str]) -> DeptSpec:
        code = _text(row, "部门代码", "部门代码", 32, problems)
        if code and (" " in code or not code.isascii()):
            problems.append(f"部门代码“{code}”只能包含英文字母、数字和符号，不能有空格")
        name = _text(row, "部门名称", "部门名称", 100, problems)
        kind = _word(row.get("类型"), KIND_WORDS, "类型", problems)
        parent, area, phone = row.get("上级部门代码"), row.get("所属区域代码"), row.get("电话")
        if parent and parent not in known:
            problems.append(f"上级部门代码“{parent}”不存在")
        if area and area not in areas:
            problems.append(f"所属区域代码“{area}”不在行政区划中：请先导入 units")
        if len(phone) > 40:
            problems.append("电话超过40个字符")
        return DeptSpec(row.line, code, name, kind or DepartmentKind.DEPARTMENT, parent, area,
                        phone, _active(row, problems))

    return parse


def import_departments(session: Session, path: str | Path,
                       sheet: str | None = None) -> ImportReport:
    _need_setup(session)
    table, issues = _read(DEPARTMENTS, path, sheet), IssueList()
    existing = {d.code: d for d in session.scalars(select(Department))}
    areas = {u.code: u.id for u in session.scalars(select(AdminUnit))}
    known = set(existing) | {row.get("部门代码") for row in table.rows}
    specs = _collect(table, _dept(known, areas), issues, "code")
    parents = {code: d.parent.code if d.parent else "" for code, d in existing.items()}
    parents.update({s.code: s.parent for s in specs.values()})
    for spec in specs.values():
        if _cycle(spec.code, parents):
            issues.add(spec.line, f"上级部门关系成环：“{spec.code}”是自己的上级")
    issues.raise_if_any()
    created = updated = 0
    with session.begin_nested():
        for spec in specs.values():
            dept = existing.get(spec.code)
            if dept is None:
                dept = existing[spec.code] = Department(code=spec.code)
                session.add(dept)
                created += 1
            else:
                updated += 1
            dept.name, dept.kind, dept.phone = spec.name, spec.kind.value, spec.phone
            dept.area_id, dept.active = areas.get(spec.area), spec.active
        session.flush()
        for spec in specs.values():
            existing[spec.code].parent_id = existing[spec.parent].id if spec.parent else None
        session.flush()
    return ImportReport("departments", table.source, {"部门": created, "更新": updated})


def _cycle(code: str, parents: dict[str, str]) -> bool:
    seen, current = set(), code
    while current:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current, "")
    return False


# -- responsibility matrix -------------------------------------------------------------------

@dataclass(frozen=True)
class RespSpec:
    line: int
    key: tuple[int, int | None]  # class id, area id
    department_id: int


def _resp(session: Session) -> Callable[[Row, list[str]], RespSpec]:
    edition = str(get_setting(session, "class_edition"))
    classes = {(c.kind, c.code): c for c in session.scalars(
        select(CaseClass).join(ClassEdition).where(ClassEdition.code == edition))}
    areas = {u.code: u.id for u in session.scalars(select(AdminUnit))}
    depts = {d.code: d for d in session.scalars(select(Department))}

    def parse(row: Row, problems: list[str]) -> RespSpec:
        try:
            kind = parse_kind(row.get("类型")).value
        except RowError as exc:
            problems.extend(exc.messages)
            kind = ""
        cls = classes.get((kind, row.get("小类代码")))
        if cls is None and kind:
            problems.append(f"小类代码“{row.get('小类代码')}”不是{edition}中的"
                            f"{'部件' if kind == 'component' else '事件'}小类")
        elif cls is not None and row.get("小类名称") not in ("", cls.name):
            problems.append(f"小类名称“{row.get('小类名称')}”与小类{cls.code}“{cls.name}”不符")
        area = row.get("区域代码")
        if area not in CITY_WIDE and area not in areas:
            problems.append(f"区域代码“{area}”不在行政区划中")
        dept = depts.get(row.get("部门代码"))
        if dept is None or not dept.active or dept.kind != DepartmentKind.DEPARTMENT:
            problems.append(f"部门代码“{row.get('部门代码')}”不是启用的专业部门")
        key = (cls.id if cls else 0, None if area in CITY_WIDE else areas.get(area))
        return RespSpec(row.line, key, dept.id if dept else 0)

    return parse


def import_responsibilities(session: Session, path: str | Path,
                            sheet: str | None = None) -> ImportReport:
    _need_setup(session)
    table, issues = _read(RESPONSIBILITIES, path, sheet), IssueList()
    specs = _collect(table, _resp(session), issues, "key")
    issues.raise_if_any()
    existing = {(r.class_id, r.area_id): r for r in session.scalars(select(Responsibility))}
    created = updated = 0
    with session.begin_nested():
        for (class_id, area_id), spec in specs.items():
            row = existing.get((class_id, area_id))
            if row is None:
                session.add(Responsibility(class_id=class_id, area_id=area_id,
                                           department_id=spec.department_id))
                created += 1
            elif row.department_id != spec.department_id:
                row.department_id = spec.department_id
                updated += 1
        session.flush()
    return ImportReport("responsibilities", table.source,
                        {"责任关系": created, "更新": updated})
