"""立案条件 catalogues in the layout cities publish, read into validated specs.

Columns (header names; order free): 大类代码, 大类名称, 小类代码, 小类名称, 立案条件,
处置时限, 结案条件, 责任单位 — plus optional 类型 (部件/事项, needed only where a
component and a matter share a code and the name does not tell them apart),
立案明细编码, 紧急处置时限, 区域 (A/B/C timing zone, empty = everywhere), 来源,
默认值 (是 = placeholder an administrator should review), 启用 and 紧急时限默认值 (是 = the
紧急 limit was derived by rule from the normal one: ``limits.derived_urgent_limit``).

Rows with the same class and 立案明细编码 (or, without a code, the same 立案条件
text) are one condition; several rows give its limits for different zones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import CaseClass, ClassEdition
from seatdesk.models.enums import TimeUnit, Urgency

from .classes import parse_kind
from .errors import IssueList, RowError
from .limits import LimitParseError, parse_limit
from .tables import Table, read_table
from .textfile import CsvRow, code_problem, field_text

REQUIRED = ("小类代码", "立案条件", "处置时限", "结案条件")
PUBLISHED_ORDER = ("大类代码", "大类名称", "小类代码", "小类名称", "立案条件", "处置时限",
                   "结案条件", "责任单位")
EXTRA_ORDER = ("类型", "立案明细编码", "紧急处置时限", "区域", "来源", "默认值", "启用",
               "紧急时限默认值")
ALIASES = {"立案标准": "立案条件", "完成时限": "处置时限", "结案标准": "结案条件",
           "一般处置时限": "处置时限", "紧急时限": "紧急处置时限", "计时区域": "区域",
           "区域类别": "区域", "部件事项": "类型", "案件类型": "类型", "明细编码": "立案明细编码"}
_YES = {"是", "y", "yes", "true", "1", "启用"}
_NO = {"否", "n", "no", "false", "0", "停用", "不启用"}
TEXT_FIELDS = (("立案明细编码", "filing_conditions.code"), ("立案条件", "filing_conditions.text"),
               ("结案条件", "filing_conditions.closure_condition"),
               ("责任单位", "filing_conditions.responsible_unit"),
               ("来源", "filing_conditions.source"))
ZONES = {"": "", "A": "A", "B": "B", "C": "C", "全部": "", "全市": "", "不分区": ""}


@dataclass(frozen=True)
class LimitSpec:
    urgency: Urgency
    zone: str
    value: Decimal
    unit: TimeUnit
    is_default: bool = False  # derived by rule, to be reviewed


@dataclass(frozen=True)
class ConditionRow:
    line: int
    case_class: CaseClass
    code: str  # "" = generate
    text: str
    closure: str
    unit: str
    source: str
    is_default: bool
    active: bool
    limits: tuple[LimitSpec, ...]


@dataclass(frozen=True)
class ConditionSpec:
    """One filing condition to write, with every limit the file gives it."""

    line: int
    class_id: int
    code: str
    text: str
    closure: str
    responsible_unit: str
    source: str
    is_default: bool
    active: bool
    sort_order: int
    limits: tuple[LimitSpec, ...]


def read_condition_specs(session: Session, path: str | Path, edition_code: str,
                         issues: IssueList) -> list[ConditionSpec]:
    """Validate a catalogue file against ``edition_code``'s classes; problems go to ``issues``."""
    return read_conditions(session, path, edition_code, issues)[0]


def read_conditions(session: Session, path: str | Path, edition_code: str, issues: IssueList,
                    sheet: str | None = None) -> tuple[list[ConditionSpec], Table]:
    """The specs of a catalogue (CSV or .xlsx) and the table they came from."""
    edition = session.scalar(select(ClassEdition).where(ClassEdition.code == edition_code))
    table = read_table(path, REQUIRED, PUBLISHED_ORDER + EXTRA_ORDER, ALIASES, sheet=sheet)
    if edition is None:
        issues.add(None, f"分类版本“{edition_code}”尚未加载：请先加载分类数据")
        return [], table
    index = ClassIndex(session, edition)
    rows = []
    for row in table.rows:
        if issues.full:
            break
        try:
            rows.append(_condition_row(row, index))
        except RowError as exc:
            issues.add_error(row.line, exc)
    return group_conditions(rows, issues), table


class ClassIndex:
    """The edition's classes by code, resolving a component/matter code collision.

    Cities publish the minor code either whole (01001, 0101) or as the number inside its
    major (大类代码 01, 小类代码 001 — or 01 in the two-digit numbering of the 2013 lineage,
    which also appears in tables for the 2026 edition); both are read as the whole code."""

    def __init__(self, session: Session, edition: ClassEdition):
        self.edition = edition
        self.by_code: dict[str, dict[str, CaseClass]] = defaultdict(dict)
        for cls in session.scalars(select(CaseClass).where(CaseClass.edition_id == edition.id)):
            self.by_code[cls.code][cls.kind] = cls

    def full_code(self, row: CsvRow) -> str:
        """The whole minor code of the row (``RowError`` when it cannot be one)."""
        major, minor = row.get("大类代码"), row.get("小类代码")
        length = self.edition.class_code_length
        local = length - len(major) if len(major) == 2 and major.isdigit() else 0
        if local and minor.isascii() and minor.isdigit() and 2 <= len(minor) <= local:
            return major + minor.zfill(local)
        problem = code_problem(minor, "小类代码", [length], was_number=row.was_number("小类代码"))
        if problem:
            inside = f"，或大类代码后的{length - 2}位序号" if minor.isdigit() else ""
            raise RowError(f"{problem}{inside}（{self.edition.code}）")
        if major and not minor.startswith(major):
            raise RowError(f"大类代码“{major}”与小类代码“{minor}”不一致")
        return minor

    def resolve(self, row: CsvRow) -> CaseClass:
        code, kind_text, name = self.full_code(row), row.get("类型"), row.get("小类名称")
        candidates = self.by_code.get(code, {})
        if kind_text:
            kind = parse_kind(kind_text)
            found = candidates.get(kind.value)
            if found is None:
                raise RowError(f"{self.edition.code}中没有{kind.label}小类“{code}”")
            return found
        if len(candidates) == 1:
            return next(iter(candidates.values()))
        if not candidates:
            raise RowError(f"{self.edition.code}中没有小类“{code}”")
        return self._by_name(code, name, candidates)

    @staticmethod
    def _by_name(code: str, name: str, candidates: dict[str, CaseClass]) -> CaseClass:
        named = [c for c in candidates.values() if c.name == name]
        if len(named) == 1:
            return named[0]
        raise RowError(f"小类代码“{code}”同时对应部件和事项，小类名称“{name}”无法区分："
                       "请增加“类型”列（部件/事项）")


def _condition_row(row: CsvRow, index: ClassIndex) -> ConditionRow:
    """One row, validated; ``RowError`` carries every problem of the row, not the first."""
    problems: list[str] = []
    cls = _collect(problems, index.resolve, row)
    if not row.get("立案条件") or not row.get("结案条件"):
        problems.append("立案条件和结案条件不能为空")
    texts = {column: _collect(problems, field_text, key, row.get(column), column)
             for column, key in TEXT_FIELDS}
    limits = _collect(problems, _limits, row)
    flags = [_collect(problems, _flag, row, column, default)
             for column, default in (("默认值", False), ("启用", True))]
    if problems:
        raise RowError(*problems)
    return ConditionRow(row.line, cls, texts["立案明细编码"], texts["立案条件"], texts["结案条件"],
                        texts["责任单位"], texts["来源"], flags[0], flags[1], limits)


def _collect(problems: list[str], check, *args):
    """``check(*args)``; a ``RowError`` adds its messages to ``problems`` (result None)."""
    try:
        return check(*args)
    except RowError as exc:
        problems += exc.messages
        return None


def _flag(row: CsvRow, column: str, default: bool) -> bool:
    value = row.get(column).lower()
    if not value:
        return default
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise RowError(f"{column}“{row.get(column)}”无效：应为“是”或“否”")


def _limits(row: CsvRow) -> tuple[LimitSpec, ...]:
    problems: list[str] = []
    zone = ZONES.get(row.get("区域").upper().removesuffix("类"))
    if zone is None:
        problems.append(f"区域“{row.get('区域')}”无效：应为A、B、C或留空")
    limits = []
    for urgency, column in ((Urgency.NORMAL, "处置时限"), (Urgency.URGENT, "紧急处置时限")):
        if urgency is Urgency.URGENT and not row.get(column):
            continue
        try:
            value, unit = parse_limit(row.get(column))
        except LimitParseError as exc:
            problems.append(f"{column}：{exc}" if urgency is Urgency.URGENT else str(exc))
            continue
        derived = urgency is Urgency.URGENT and _collect(problems, _flag, row, "紧急时限默认值",
                                                         False)
        limits.append(LimitSpec(urgency, zone or "", value, unit, is_default=bool(derived)))
    if problems:
        raise RowError(*problems)
    return tuple(limits)


def group_conditions(rows: list[ConditionRow], issues: IssueList) -> list[ConditionSpec]:
    """Merge rows into conditions (zones), assign missing 立案明细编码, check consistency."""
    by_class: dict[int, list[ConditionRow]] = defaultdict(list)
    for row in rows:
        by_class[row.case_class.id].append(row)
    specs: list[ConditionSpec] = []
    for class_rows in by_class.values():
        specs += _group_class(class_rows, issues)
    return specs


def _group_class(rows: list[ConditionRow], issues: IssueList) -> list[ConditionSpec]:
    cls = rows[0].case_class
    used = {r.code for r in rows if r.code}
    auto: dict[str, str] = {}
    groups: dict[str, list[ConditionRow]] = {}
    for row in rows:
        code = row.code or auto.get(row.text) or _next_code(cls.code, used)
        if not row.code:
            auto[row.text] = code
            used.add(code)
        groups.setdefault(code, []).append(row)
    specs = []
    for order, (code, group) in enumerate(groups.items(), start=1):
        spec = _merge(code, group, order, issues)
        if spec is not None:
            specs.append(spec)
    return specs


def _next_code(class_code: str, used: set[str]) -> str:
    seq = 1
    while f"{class_code}{seq:02d}" in used:
        seq += 1
    return f"{class_code}{seq:02d}"


def _merge(code: str, group: list[ConditionRow], order: int, issues: IssueList
           ) -> ConditionSpec | None:
    first = group[0]
    seen: dict[tuple[str, str], int] = {}
    limits: list[LimitSpec] = []
    ok = True
    for row in group:
        if (row.text, row.closure) != (first.text, first.closure):
            issues.add(row.line,
                       f"立案明细编码“{code}”与第{first.line}行的立案条件或结案条件不一致")
            ok = False
        for limit in row.limits:
            key = (limit.urgency.value, limit.zone)
            if key in seen:
                zone = f"区域{limit.zone}" if limit.zone else "不分区域"
                issues.add(row.line, f"立案条件“{first.text}”的{limit.urgency.label}时限"
                                     f"（{zone}）与第{seen[key]}行重复")
                ok = False
            seen[key] = row.line
            limits.append(limit)
    if not ok:
        return None
    return ConditionSpec(first.line, first.case_class.id, code, first.text, first.closure,
                         first.unit, first.source, first.is_default, first.active, order,
                         tuple(limits))
