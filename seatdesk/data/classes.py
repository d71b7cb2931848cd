"""Classification editions and their minor classes (小类), read from the class CSV layout.

The layout is ``edition,kind,major_code,major_name,minor_code,minor_name,note``;
``kind`` is component (部件), event (事件, 30428.2) or matter (事项, 47678.5), stored
as ``component`` or ``event``. A class is keyed by (edition, kind, code): component
and matter codes collide by design (01001 供水井盖 / 01001 供水井盖异常).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import CaseClass, ClassEdition
from seatdesk.models.enums import ClassKind

from .errors import IssueList, RowError
from .tables import Table, read_table
from .textfile import CsvRow, code_problem, field_text

CLASS_COLUMNS = ("edition", "kind", "major_code", "major_name", "minor_code", "minor_name")


@dataclass(frozen=True)
class EditionSpec:
    code: str
    name: str
    class_code_length: int
    component_id_length: int


EDITIONS = (
    EditionSpec("GB/T 30428.2-2013", "数字化城市管理信息系统 第2部分：管理部件和事件", 4, 16),
    EditionSpec("GB/T 47678.5-2026", "城市运行管理服务平台 第5部分：管理部件和事项", 5, 17),
)

KIND_WORDS = {
    "component": ClassKind.COMPONENT, "部件": ClassKind.COMPONENT,
    "event": ClassKind.EVENT, "matter": ClassKind.EVENT,
    "事件": ClassKind.EVENT, "事项": ClassKind.EVENT, "事件(事项)": ClassKind.EVENT,
}

# readings pypinyin gets wrong for class names (行道树 is háng dào shù)
_PHRASE_FIXES = {"行道树": [["háng"], ["dào"], ["shù"]]}


@functools.cache
def _fix_phrases() -> bool:
    from pypinyin import load_phrases_dict

    load_phrases_dict(_PHRASE_FIXES)
    return True


def pinyin_initials(name: str) -> str:
    """First letters of the pinyin, lowercase, for quick search: 供水井盖 → "gsjg".

    Latin letters and digits in the name are kept (紧急报警点SOS → "jjbjdsos");
    punctuation is dropped.
    """
    # imported here: pypinyin's dictionaries take 55 MB, needed only when classes are
    # imported — a seat process reads the stored initials (docs/performance.md)
    from pypinyin import Style, lazy_pinyin

    _fix_phrases()
    out = []
    for token in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default"):
        out.extend(ch.lower() for ch in token if ch.isascii() and ch.isalnum())
    return "".join(out)[:40]


def parse_kind(text: str) -> ClassKind:
    kind = KIND_WORDS.get(text.strip().lower()) or KIND_WORDS.get(text.strip())
    if kind is None:
        raise RowError(f"类型“{text}”无效：应为 component/部件 或 event/matter/事件/事项")
    return kind


def ensure_editions(session: Session) -> dict[str, ClassEdition]:
    """Create the two national editions if missing; return every edition by code."""
    have = {e.code: e for e in session.scalars(select(ClassEdition))}
    for spec in EDITIONS:
        if spec.code not in have:
            edition = ClassEdition(code=spec.code, name=spec.name,
                                   class_code_length=spec.class_code_length,
                                   component_id_length=spec.component_id_length)
            session.add(edition)
            have[spec.code] = edition
    session.flush()
    return have


@dataclass(frozen=True)
class ClassSpec:
    """A validated class row."""

    line: int
    edition: str
    kind: ClassKind
    major_code: str
    major_name: str
    code: str
    name: str
    note: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.edition, self.kind.value, self.code)


def class_spec(row: CsvRow, editions: dict[str, ClassEdition]) -> ClassSpec:
    """Validate one row of the class layout against the known editions."""
    edition = editions.get(row.get("edition"))
    if edition is None:
        known = "、".join(sorted(editions)) or "（无）"
        raise RowError(f"未知的分类版本“{row.get('edition')}”；已有版本：{known}")
    kind = parse_kind(row.get("kind"))
    major, code = row.get("major_code"), row.get("minor_code")
    problems = [f"{problem}（{edition.code}）" for problem in (
        code_problem(major, "大类代码", [2], was_number=row.was_number("major_code")),
        code_problem(code, "小类代码", [edition.class_code_length],
                     was_number=row.was_number("minor_code"))) if problem]
    if not problems and not code.startswith(major):
        problems.append(f"小类代码“{code}”应以大类代码“{major}”开头")
    if not row.get("minor_name") or not row.get("major_name"):
        problems.append("大类名称和小类名称不能为空")
    names = {}
    for column, key, label in _NAME_FIELDS:
        try:
            names[column] = field_text(key, row.get(column), label)
        except RowError as exc:
            problems += exc.messages
    if problems:
        raise RowError(*problems)
    return ClassSpec(row.line, edition.code, kind, major, names["major_name"], code,
                     names["minor_name"], names["note"])


_NAME_FIELDS = (("major_name", "case_classes.major_name", "大类名称"),
                ("minor_name", "case_classes.name", "小类名称"),
                ("note", "case_classes.note", "备注"))


def read_class_specs(session: Session, path: Path, issues: IssueList) -> list[ClassSpec]:
    """Every valid row of a class file; problems (incl. duplicates in the file) go to ``issues``."""
    return class_specs(session, read_table(path, CLASS_COLUMNS, ("note",)), issues)


def class_specs(session: Session, table: Table, issues: IssueList) -> list[ClassSpec]:
    """Every valid row of a class table; problems (duplicates too) go to ``issues``."""
    editions = {e.code: e for e in session.scalars(select(ClassEdition))}
    specs: list[ClassSpec] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row in table.rows:
        try:
            spec = class_spec(row, editions)
        except RowError as exc:
            issues.add_error(row.line, exc)
            continue
        if spec.key in seen:
            issues.add(row.line,
                       f"小类代码“{spec.code}”（{spec.kind.label}）与第{seen[spec.key]}行重复")
            continue
        seen[spec.key] = row.line
        specs.append(spec)
    return specs


def existing_class_keys(session: Session) -> dict[tuple[str, str, str], CaseClass]:
    rows = session.execute(select(CaseClass, ClassEdition.code).join(ClassEdition)).all()
    return {(edition, cls.kind, cls.code): cls for cls, edition in rows}


def add_classes(session: Session, specs: list[ClassSpec], *, is_local: bool) -> int:
    """Insert the classes (callers have removed the ones that exist)."""
    editions = {e.code: e.id for e in session.scalars(select(ClassEdition))}
    session.add_all(
        CaseClass(edition_id=editions[s.edition], kind=s.kind.value, major_code=s.major_code,
                  major_name=s.major_name, code=s.code, name=s.name,
                  pinyin_initials=pinyin_initials(s.name), is_local=is_local, note=s.note)
        for s in specs
    )
    session.flush()
    return len(specs)
