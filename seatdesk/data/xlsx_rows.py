"""Rows of an Excel workbook (.xlsx) as text records for ``tables.read_table`` (openpyxl).

The workbook is opened read-only (streamed, so a large sheet does not sit in memory) with
the values Excel saved for formulas. Cells become text the way a person reads them:
integers without ".0", dates as YYYY-MM-DD, TRUE/FALSE as 是/否. Which cells were numbers
is kept, so a code check can say that Excel dropped a leading zero.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import ImportFailed, ImportIssue, IssueList
from .tables import HEADER_SEARCH_ROWS, Record, TableLimits, column_label

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: an .xlsx is a zip; its XML may not unpack to more than this many times the file size
MAX_UNPACK_RATIO = 100


def read_sheet(path: Path, data: bytes, has_header: Callable[[Iterable[str]], bool],
               wanted: str | None, limits: TableLimits, issues: IssueList
               ) -> tuple[str, list[Record]]:
    """The chosen sheet's name and records: ``wanted`` by name, else the first sheet whose
    first rows hold the required header (else the first sheet)."""
    from openpyxl import load_workbook

    _check_unpacked_size(path, len(data), limits)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors on damaged files
        raise _failed(f"无法读取Excel文件：文件已损坏，或不是Excel工作簿（{type(exc).__name__}）"
                      ) from exc
    try:
        sheet = _choose(book, has_header, wanted, limits)
        return sheet.title, list(_records(sheet, limits, issues))
    finally:
        book.close()


def _check_unpacked_size(path: Path, size: int, limits: TableLimits) -> None:
    """Refuse a "zip bomb": a small file whose sheets unpack to gigabytes."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise _failed("无法读取Excel文件：文件已损坏，或不是Excel工作簿（.xlsx）") from exc
    if unpacked > max(limits.max_bytes, size * MAX_UNPACK_RATIO):
        raise _failed(f"Excel文件解压后有{unpacked / 1048576:.0f} MB，超过上限：请拆分后分批导入")


def _choose(book, has_header, wanted: str | None, limits: TableLimits):
    sheets = list(book.worksheets)
    names = "、".join(f"“{s.title}”" for s in sheets)
    if wanted is not None:
        found = [s for s in sheets if s.title == wanted]
        if not found:
            raise _failed(f"工作簿中没有工作表“{wanted}”；已有的工作表：{names}")
        return found[0]
    for sheet in sheets:
        top = sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=limits.max_columns,
                              values_only=True)
        if any(has_header(_text(v) for v in row) for row in top):
            return sheet
    if not sheets:
        raise _failed("Excel工作簿中没有工作表")
    return sheets[0]


def _records(sheet, limits: TableLimits, issues: IssueList) -> Iterator[Record]:
    count = 0
    rows = sheet.iter_rows(max_col=limits.max_columns, values_only=False)
    for cells in rows:
        values = [(c.row, c.column, c.value) for c in cells if _has_position(c)]
        if not values:
            continue
        count += 1
        if count > limits.max_rows:
            issues.add(None, f"工作表超过{limits.max_rows:,}行：请拆分后分批导入")
            return
        yield _record(values, limits, issues)


def _has_position(cell) -> bool:
    return getattr(cell, "row", None) is not None and getattr(cell, "column", None) is not None


def _record(values: list[tuple[int, int, Any]], limits: TableLimits, issues: IssueList
            ) -> Record:
    line = values[0][0]
    width = max(col for _, col, value in values) if values else 0
    cells = [""] * width
    numbers = set()
    for _, col, value in values:
        text = _text(value)
        problem = _cell_problem(text, limits)
        if problem:
            issues.add(line, problem, column=column_label(col - 1, letters=True))
            text = ""
        cells[col - 1] = text
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            numbers.add(col - 1)
    while cells and not cells[-1].strip():
        cells.pop()
    return Record(line, tuple(cells), frozenset(numbers))


def _cell_problem(text: str, limits: TableLimits) -> str | None:
    if len(text) > limits.max_cell_chars:
        return f"单元格超过{limits.max_cell_chars:,}个字符：请缩短内容或拆分"
    control = _CONTROL.search(text)
    if control is not None:
        return f"单元格含有不可见的控制字符U+{ord(control.group()):04X}：请删除后重新保存"
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else (
            value.isoformat(sep=" ", timespec="minutes"))
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _failed(message: str) -> ImportFailed:
    return ImportFailed([ImportIssue(None, message)])
