"""Errors and reports of the file importers (Qt-free).

Every importer is all-or-nothing: it validates the whole file first, collects up to
``MAX_ISSUES`` problems with their line (CSV) or feature and line (GeoJSON), and
raises ``ImportFailed`` before writing anything. Success returns a frozen
``ImportReport`` with counts and warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

MAX_ISSUES = 50


@dataclass(frozen=True)
class ImportIssue:
    """One problem in an import file: ``line`` is 1-based (None = the whole file; for an
    Excel sheet the sheet's row number); ``feature`` is the 1-based index of a GeoJSON
    feature (None for table rows); ``column`` names the column where that is known
    ("第3列“小类代码”", "C列“小类代码”")."""

    line: int | None
    message: str
    feature: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.feature is not None:
            where = f"第{self.feature}个要素"
            return f"{where}（文件第{self.line}行）：{self.message}" if self.line else (
                f"{where}：{self.message}")
        if self.line is not None:
            return f"第{self.line}行{self.column or ''}：{self.message}"
        return self.message


class ImportFailed(Exception):
    """The file was rejected as a whole; nothing from it was written.

    ``issues`` (alias ``errors``) lists at most ``MAX_ISSUES`` problems; ``truncated``
    says whether more were found and left out.
    """

    user_facing = True

    def __init__(self, issues: Iterable[ImportIssue], truncated: bool = False):
        self.issues: list[ImportIssue] = list(issues)
        self.truncated = truncated
        super().__init__(self.summary())

    @property
    def errors(self) -> list[ImportIssue]:
        return self.issues

    def summary(self) -> str:
        more = f"（仅列出前{len(self.issues)}处）" if self.truncated else ""
        head = f"导入失败，文件未导入任何数据；共发现{len(self.issues)}处错误{more}："
        return "\n".join([head, *(f"  {issue}" for issue in self.issues)])

    def __str__(self) -> str:
        return self.summary()


class IssueList:
    """Collects issues up to ``limit``; ``raise_if_any`` turns them into ``ImportFailed``."""

    def __init__(self, limit: int = MAX_ISSUES):
        self.limit = limit
        self.items: list[ImportIssue] = []
        self.truncated = False

    def add(self, line: int | None, message: str, feature: int | None = None,
            column: str | None = None) -> None:
        if len(self.items) >= self.limit:
            self.truncated = True
            return
        self.items.append(ImportIssue(line, message, feature, column))

    def add_error(self, line: int | None, error: RowError, feature: int | None = None) -> None:
        """Record every problem a row validator found (``RowError`` may carry several)."""
        for message in error.messages:
            self.add(line, message, feature)

    @property
    def full(self) -> bool:
        """True once the limit is reached: callers may stop scanning."""
        return len(self.items) >= self.limit

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        """Raise ``ImportFailed`` with the issues in file order (whole-file ones first)."""
        if self.items:
            ordered = sorted(self.items, key=lambda i: (i.line is not None, i.line or 0,
                                                        i.feature or 0))
            raise ImportFailed(ordered, self.truncated)


class RowError(ValueError):
    """Raised by a row validator; caught by the importer and recorded with the row's line.

    ``RowError("a", "b")`` carries every problem of the row, so a file's report lists
    each of them, not only the first (``IssueList.add_error``)."""

    def __init__(self, *messages: str):
        super().__init__(*messages)
        self.messages: tuple[str, ...] = tuple(messages)

    def __str__(self) -> str:
        return "；".join(self.messages)


LABELS = {
    "grid_cells": "单元网格",
    "admin_units": "行政区划",
    "components": "部件",
    "roads": "道路",
    "classes": "分类",
    "conditions_created": "新增立案条件",
    "conditions_updated": "更新立案条件",
    "conditions_deactivated": "停用立案条件",
    "limits": "处置时限",
    "calendar_days": "节假日/调休日",
    "calendar_years": "年份",
}


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote: ``counts`` by kind of row and human-readable ``warnings``."""

    kind: str
    source: str
    counts: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: how the file was read: "CSV，GB18030编码", "Excel工作表“Sheet1”" ("" for GIS files)
    read_as: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts", MappingProxyType(dict(self.counts)))
        object.__setattr__(self, "warnings", tuple(self.warnings))

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)

    def __str__(self) -> str:
        parts = "，".join(f"{LABELS.get(k, k)} {v}" for k, v in self.counts.items())
        read_as = f"，{self.read_as}" if self.read_as else ""
        lines = [f"导入成功（{self.source}{read_as}）：{parts or '无数据'}"]
        lines += [f"  注意：{w}" for w in self.warnings]
        return "\n".join(lines)
