"""What every stored text may hold: one maximum length and one character rule per field,
the same on SQLite and PostgreSQL (Qt-free; the table is in docs/reliability.md).

PostgreSQL refuses a value longer than its ``VARCHAR(n)`` and any NUL byte, while SQLite
stores both silently, so these rules are checked before the database sees the value:

- **length**: a ``String(n)`` column holds ``n`` characters (code points, as PostgreSQL
  counts them); a ``Text`` column has the maximum in ``TEXT_LIMITS``. JSON columns and
  hashes written by the program itself are exempt (``EXEMPT``).
- **characters**: NUL, the other control characters (U+0001–U+001F except tab, line feed
  and carriage return, U+007F–U+009F) and unpaired surrogates are refused with their
  position. In single-line fields a tab or line break is harmless and becomes a space;
  in multi-line fields (``MULTILINE``) line breaks are kept (CR LF becomes LF). An
  invisible byte-order mark or zero-width space is dropped; surrounding blanks are
  trimmed.

``clean_text(key, value)`` applies both and returns the text to store, or raises
``TextRefused`` whose ``str()`` is the Chinese message; ``text_problem`` only says why
not. ``search_text`` bounds what a seat types into a search box. ``guard_sessions``
installs the last line of defence: every ORM flush checks the lengths and NULs of the
rows it writes, so a forgotten check refuses the same way on both backends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from sqlalchemy import String, Text, event
from sqlalchemy.orm import Session

from .base import Base

SEARCH_MAX = 100
#: maximum characters of the Text columns (String columns carry their own)
TEXT_LIMITS = {
    "cases.description": 2000,
    "cases.closure_condition": 2000,
    "case_ledger.reason": 2000,
    "dispatches.suggestion_reason": 2000,
    "filing_conditions.text": 2000,
    "filing_conditions.closure_condition": 2000,
    "components.note": 1000,
    "case_classes.note": 1000,
    "common_phrases.text": 500,
    "handover_acks.note": 4000,
}
#: written by the program, not typed: JSON documents and hashes
EXEMPT = frozenset({"cases.pending_request", "case_ledger.payload", "handover_acks.summary",
                    "settings.value", "settings.description", "setting_changes.old_value",
                    "setting_changes.new_value", "work_orders.payload",
                    "callback_outbox.last_error"})
MULTILINE = frozenset({"cases.description", "cases.closure_condition", "case_ledger.reason",
                       "dispatches.suggestion_reason", "filing_conditions.text",
                       "filing_conditions.closure_condition", "components.note",
                       "case_classes.note", "common_phrases.text", "handover_acks.note"})
LABELS = {
    "cases.address": "地址", "cases.description": "问题描述", "cases.caller_name": "来电人姓名",
    "cases.caller_phone": "来电号码", "cases.closure_condition": "结案条件",
    "case_reporters.name": "反映人姓名", "case_reporters.phone": "反映人电话",
    "case_ledger.reason": "理由/说明", "case_ledger.seat": "席位",
    "dispatches.suggestion_reason": "建议理由", "attachments.filename": "附件文件名",
    "attachments.mime_type": "附件类型", "users.username": "用户名", "users.display_name": "姓名",
    "users.phone": "电话", "departments.code": "部门代码", "departments.name": "部门名称",
    "departments.phone": "部门电话", "common_phrases.category": "常用语类别",
    "common_phrases.text": "常用语", "admin_units.name": "行政区划名称",
    "grid_cells.name": "单元网格名称", "components.name": "部件名称",
    "components.data_source": "数据来源", "components.note": "备注",
    "case_classes.major_name": "大类名称", "case_classes.name": "小类名称",
    "case_classes.note": "备注", "filing_conditions.code": "立案明细编码",
    "filing_conditions.text": "立案条件", "filing_conditions.closure_condition": "结案条件",
    "filing_conditions.responsible_unit": "责任单位", "filing_conditions.source": "来源",
    "calendar_days.name": "节假日名称", "handover_acks.note": "交接备注",
}
_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_INVISIBLE = re.compile(r"[\ufeff\u200b]")
_LINE_BREAKS = re.compile(r"\r\n?|\n|\t")


class TextRefused(ValueError):
    """A text that may not be stored; ``str()`` is the Chinese message for the user."""

    user_facing = True

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.message, self.key = message, key

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class TextRule:
    key: str  # "table.column"
    label: str
    max_length: int | None  # None: exempt
    multiline: bool


@cache
def rule(key: str) -> TextRule:
    """The rule of a stored text field, e.g. ``rule("cases.address")``."""
    table, _, column = key.partition(".")
    col = Base.metadata.tables[table].c[column]
    length = getattr(col.type, "length", None) if isinstance(col.type, String) else None
    if key in EXEMPT:
        length = None
    elif isinstance(col.type, Text) and length is None:
        length = TEXT_LIMITS[key]
    return TextRule(key, LABELS.get(key, column), length, key in MULTILINE)


def all_rules() -> list[TextRule]:
    """Every text column's rule (for the documentation and the tests)."""
    return [rule(f"{t.name}.{c.name}") for t in Base.metadata.sorted_tables for c in t.columns
            if isinstance(c.type, String)]


def rules_table() -> str:
    """The Markdown table of the rules of every text a person types or a file brings (the
    fields in ``LABELS``), as docs/reliability.md shows it."""
    lines = ["| Field | Label | Max characters | Line breaks |", "|---|---|---|---|"]
    for r in sorted((rule(key) for key in LABELS), key=lambda r: r.key):
        limit = f"{r.max_length:,}"
        breaks = "kept" if r.multiline else "become a space"
        lines.append(f"| `{r.key}` | {r.label} | {limit} | {breaks} |")
    return "\n".join(lines)


def normalise(value: str, multiline: bool) -> str:
    """The harmless fixes: invisible marks dropped, breaks joined or unified, blanks trimmed."""
    value = _INVISIBLE.sub("", value)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    else:
        value = _LINE_BREAKS.sub(" ", value)
    return value.strip()


def character_problem(value: str, label: str) -> str | None:
    found = _REFUSED.search(value)
    if found is None:
        return None
    ch = found.group()
    name = "NUL空字符" if ch == "\0" else (
        "不成对的代理字符" if "\ud800" <= ch <= "\udfff" else "不可见的控制字符")
    return (f"{label}第{found.start() + 1}个字符是{name}（U+{ord(ch):04X}），不能保存："
            "请删除后重新输入（多见于从其他系统复制的文字）")


def length_problem(value: str, label: str, max_length: int | None) -> str | None:
    if max_length is not None and len(value) > max_length:
        return f"{label}不能超过{max_length:,}个字符（现有{len(value):,}个）"
    return None


def text_problem(key: str, value: str, label: str | None = None) -> str | None:
    """Why ``value`` (already normalised) may not be stored in ``key`` (None when it may)."""
    r = rule(key)
    label = label or r.label
    return character_problem(value, label) or length_problem(value, label, r.max_length)


def clean_text(key: str, value: str | None, label: str | None = None) -> str:
    """``value`` normalised for field ``key``; ``TextRefused`` when it cannot be stored."""
    r = rule(key)
    text = normalise(value or "", r.multiline)
    problem = text_problem(key, text, label)
    if problem:
        raise TextRefused(problem, key)
    return text


def search_text(value: str | None, label: str = "搜索内容", max_length: int = SEARCH_MAX) -> str:
    """A search box's text, bounded: at most ``max_length`` characters, no control
    characters (``TextRefused`` with the reason). Every search input goes through here."""
    text = normalise(value or "", multiline=False)
    problem = character_problem(text, label) or length_problem(text, label, max_length)
    if problem:
        raise TextRefused(problem)
    return text


# -- the last line of defence -------------------------------------------------------------------

def check_row(obj: object) -> None:
    """Length and NUL of every text column of an ORM object about to be written."""
    table = getattr(obj, "__table__", None)
    if table is None:
        return
    for column in table.columns:
        if not isinstance(column.type, String):
            continue
        value = getattr(obj, column.key, None)
        if not isinstance(value, str):
            continue
        r = rule(f"{table.name}.{column.name}")
        problem = length_problem(value, r.label, r.max_length)
        if "\0" in value or _SURROGATE.search(value):
            problem = character_problem(value, r.label)
        if problem:
            raise TextRefused(problem, r.key)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _before_flush(session: Session, _context, _instances) -> None:
    for obj in (*session.new, *session.dirty):
        check_row(obj)


def guard_sessions() -> None:
    """Check every ORM flush (idempotent; called by ``models.db.make_engine``)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


if __name__ == "__main__":  # the table for docs/reliability.md
    from . import Base as _models  # noqa: F401 (every table registered)

    print(rules_table())
