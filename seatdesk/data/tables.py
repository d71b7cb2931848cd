"""The one table-reading layer of every importer: CSV and Excel (.xlsx) tables as rows of
text, every problem of the file reported with its line and column (Qt-free).

Cities keep their tables — 立案条件, classes, holidays, administrative units,
departments, users, the responsibility matrix, beats — in Excel, and send them as
``.xlsx`` or as CSV saved by Excel or WPS. ``read_table`` takes either::

    table = read_table(path, required=("日期", "类型"), optional=("名称",),
                       aliases={"date": "日期", "kind": "类型"})
    for row in table.rows:
        row.line              # the file line (CSV) or sheet row (Excel) of the record
        row.get("日期")        # the cell as stripped text ("" when empty or absent)
        row.was_number("日期")  # an Excel number cell (leading zeros may be lost)
    table.read_as             # "CSV，GB18030（GBK）编码" / "Excel工作表“Sheet1”": for the report

What it guarantees:

- **Encodings** (CSV): UTF-8 with or without BOM and GB18030/GBK, detected and named in
  ``Table.encoding``; anything else is refused clearly (``textdecode``).
- **Strict CSV**: an unclosed quote, text after a closing quote and a record with more
  cells than the header are refused naming the line and the column; a quoted cell may
  span lines (the row's ``line`` is where it starts).
- **Headers**: the header is the first row (or, when a title row sits above it, the first
  of the first ``HEADER_SEARCH_ROWS`` rows holding every required column); a duplicated
  column (also through an alias), a missing required column and an empty header above
  data are refused naming the line and the column. Columns neither required nor optional
  are kept and listed in ``Table.unknown``.
- **Excel**: the first sheet that has the required columns (or ``sheet=``); numbers keep
  their digits ("01" typed as a number reads "1": ``Row.was_number`` lets a code check
  say so); dates read as YYYY-MM-DD; formulas give their saved value.
- **Limits** (``TableLimits``): file size, rows, columns and characters per cell.
- **All or nothing**: every problem found, up to ``MAX_ISSUES``, is raised at once as
  ``ImportFailed``; a table returned is complete. Blank rows are skipped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .errors import ImportFailed, ImportIssue, IssueList
from .textdecode import decode_text

HEADER_SEARCH_ROWS = 10
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, .et and other pre-2007 office files


@dataclass(frozen=True)
class TableLimits:
    """What a table may hold; beyond it the file is refused with a message."""

    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 200_000
    max_columns: int = 200
    max_cell_chars: int = 10_000


DEFAULT_LIMITS = TableLimits()


@dataclass(frozen=True)
class Row:
    """One data row: ``line`` is the CSV line where the record starts, or the Excel row."""

    line: int
    values: Mapping[str, str]
    numbers: frozenset[str] = frozenset()  # columns whose Excel cell was a number

    def get(self, column: str, default: str = "") -> str:
        value = self.values.get(column)
        return default if value is None else value.strip()

    def was_number(self, column: str) -> bool:
        return column in self.numbers


@dataclass(frozen=True)
class Table:
    """A whole table: canonical column names, rows, and how the file was read."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    encoding: str | None = None  # CSV only: "UTF-8", "UTF-8（带BOM）", "GB18030（GBK）"
    sheet: str | None = None  # Excel only
    header_line: int = 1
    unknown: tuple[str, ...] = ()

    def has(self, column: str) -> bool:
        return column in self.columns

    @property
    def read_as(self) -> str:
        if self.sheet is not None:
            return f"Excel工作表“{self.sheet}”"
        return f"CSV，{self.encoding}编码"


@dataclass(frozen=True)
class Record:
    """A raw record of either format before the header is applied."""

    line: int
    cells: tuple[str, ...]
    numbers: frozenset[int] = field(default_factory=frozenset)  # 0-based cell indexes


def read_table(path: str | Path, required: Sequence[str], optional: Sequence[str] = (),
               aliases: Mapping[str, str] | None = None, *, sheet: str | None = None,
               limits: TableLimits = DEFAULT_LIMITS) -> Table:
    """Read a CSV or .xlsx table whose header holds ``required`` (and maybe ``optional``)
    columns; ``aliases`` maps other header names cities use to the canonical ones.
    Raises ``ImportFailed`` listing every problem (line and column) up to the cap."""
    path = Path(path)
    data = _read_bytes(path, limits)
    issues = IssueList()
    spec = _HeaderSpec(tuple(required), tuple(optional), dict(aliases or {}))
    if _is_xlsx(path, data):
        from .xlsx_rows import read_sheet

        sheet_name, records = read_sheet(path, data, spec.matches, sheet, limits, issues)
        encoding = None
    else:
        if sheet:
            raise _whole_file("--sheet 只用于Excel（.xlsx）文件")
        decoded = decode_text(data)
        sheet_name, encoding = None, decoded.encoding
        records = list(csv_records(decoded.text, limits, issues))
    table = _apply_header(path.name, records, spec, issues, letters=sheet_name is not None)
    issues.raise_if_any()
    return Table(path.name, table.columns, table.rows, encoding, sheet_name, table.header_line,
                 table.unknown)


def _read_bytes(path: Path, limits: TableLimits) -> bytes:
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _whole_file(f"文件过大（{size_text(size)}）：一次最多导入"
                              f"{size_text(limits.max_bytes)}，请拆分后分批导入")
        return path.read_bytes()
    except OSError as exc:
        raise _whole_file(f"无法读取文件{path}：{exc.strerror or exc}") from exc


def size_text(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{size:,}字节"


def _is_xlsx(path: Path, data: bytes) -> bool:
    suffix = path.suffix.lower()
    if data.startswith(_OLE_MAGIC) or suffix in (".xls", ".et"):
        raise _whole_file("这是旧版Excel/WPS表格（.xls/.et）：请在Excel或WPS中“另存为”"
                          "Excel工作簿（.xlsx）或CSV UTF-8后再导入")
    if suffix in XLSX_SUFFIXES or data.startswith(_ZIP_MAGIC):
        return True
    return False


# -- CSV --------------------------------------------------------------------------------------

def csv_records(text: str, limits: TableLimits = DEFAULT_LIMITS,
                issues: IssueList | None = None) -> Iterator[Record]:
    """Records of comma-separated ``text`` with the line each starts on; quoting problems
    and over-long cells go to ``issues`` (naming line and column). The reader carries on
    after text behind a closing quote; after an unclosed quote (the rest of the file is
    one cell) it stops."""
    issues = issues if issues is not None else IssueList()
    # only ever raised (it is process-wide): cell lengths are checked below, per record
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_bytes + 1))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start, count = 1, 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            if _quote_issue(text, start, issues) == "unclosed":
                return
        else:
            count += 1
            if count > limits.max_rows:
                issues.add(None, f"文件超过{limits.max_rows:,}行：请拆分后分批导入")
                return
            yield Record(start, _within(cells, start, limits, issues))
        start = reader.line_num + 1


def _within(cells: list[str], line: int, limits: TableLimits, issues: IssueList
            ) -> tuple[str, ...]:
    """The record's cells; one longer than ``max_cell_chars`` is reported and emptied."""
    for index, cell in enumerate(cells):
        if len(cell) > limits.max_cell_chars:
            issues.add(line, f"单元格超过{limits.max_cell_chars:,}个字符：请缩短内容或拆分",
                       column=column_label(index))
            cells[index] = ""
    return tuple(cells)


def _quote_issue(text: str, start: int, issues: IssueList) -> str:
    lines = [line + "\n" for line in text.split("\n")]
    column, problem = locate_quote_problem(lines, start)
    if problem == "unclosed":
        message = "引号未闭合：从这个引号起到文件末尾都被读成了一个单元格，请补上右引号"
    elif problem == "after":
        message = "右引号后面还有字符：单元格中的引号要写成两个（\"\"），或去掉多余的引号"
    else:
        message = "这一行的引号或分隔符有误，无法按CSV读取"
    issues.add(start, message, column=f"第{column}列" if column else None)
    return problem


def locate_quote_problem(lines: list[str], start: int) -> tuple[int | None, str]:
    """Where the record starting at ``start`` (1-based line) goes wrong: the 1-based column
    and "unclosed" (a quote never closed), "after" (text after a closing quote) or ""."""
    column, state = 1, "start"
    for text in lines[start - 1:]:
        for ch in text:
            if state == "quoted":
                state = "closed" if ch == '"' else "quoted"
            elif ch == "," or ch in "\r\n":
                column, state = column + (ch == ","), "start"
            elif state == "closed":
                if ch != '"':
                    return column, "after"
                state = "quoted"  # the second quote of a doubled "" inside the cell
            elif state == "start":
                state = "quoted" if ch == '"' else "plain"
        if state != "quoted":
            return None, ""
    return column, "unclosed"


# -- header -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _HeaderSpec:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    aliases: dict[str, str]

    def canonical(self, name: str) -> str:
        name = name.strip().lstrip("\ufeff").strip()
        return self.aliases.get(name, name)

    def matches(self, cells: Iterable[str]) -> bool:
        names = {self.canonical(c) for c in cells}
        return all(r in names for r in self.required)


@dataclass(frozen=True)
class _Applied:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    header_line: int
    unknown: tuple[str, ...]


def column_label(index: int, name: str = "", *, letters: bool = False) -> str:
    """"第3列“小类代码”" for CSV, "C列“小类代码”" for Excel (``index`` is 0-based)."""
    where = f"{excel_letters(index)}列" if letters else f"第{index + 1}列"
    return f"{where}“{name}”" if name else where


def excel_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _apply_header(source: str, records: list[Record], spec: _HeaderSpec, issues: IssueList,
                  *, letters: bool) -> _Applied:
    content = [r for r in records if any(c.strip() for c in r.cells)]
    if not content:
        if not issues:
            issues.add(None, "文件为空：缺少表头行")
        return _Applied((), (), 1, ())
    header = next((r for r in content[:HEADER_SEARCH_ROWS] if spec.matches(r.cells)), content[0])
    columns = tuple(spec.canonical(c) for c in header.cells)
    _check_header(header, columns, spec, issues, letters)
    body = [r for r in content if r.line > header.line]
    _check_empty_headers(header, columns, body, issues, letters)
    rows = tuple(_rows(body, columns, issues, letters))
    known = set(spec.required) | set(spec.optional)
    unknown = tuple(c for c in columns if c and c not in known)
    return _Applied(columns, rows, header.line, unknown)


def _check_header(header: Record, columns: tuple[str, ...], spec: _HeaderSpec,
                  issues: IssueList, letters: bool) -> None:
    seen: dict[str, int] = {}
    for index, name in enumerate(columns):
        if not name:
            continue
        if name in seen:
            raw = header.cells[index].strip()
            same = f"（“{raw}”即“{name}”）" if raw != name else ""
            issues.add(header.line, f"列名重复：与{column_label(seen[name], letters=letters)}"
                                    f"是同一列{same}，请删除或改名其中一列",
                       column=column_label(index, raw, letters=letters))
        else:
            seen[name] = index
    missing = [name for name in spec.required if name not in seen]
    if missing:
        issues.add(header.line, f"表头缺少必需的列：{'、'.join(missing)}；表头应包含："
                                f"{','.join(spec.required)}")


def _check_empty_headers(header: Record, columns: tuple[str, ...], body: list[Record],
                         issues: IssueList, letters: bool) -> None:
    for index, name in enumerate(columns):
        if name:
            continue
        used = next((r for r in body if index < len(r.cells) and r.cells[index].strip()), None)
        if used is not None:
            issues.add(header.line, f"表头为空，但第{used.line}行在这一列有数据：请填写列名",
                       column=column_label(index, letters=letters))


def _rows(body: list[Record], columns: tuple[str, ...], issues: IssueList,
          letters: bool) -> Iterator[Row]:
    for record in body:
        extra = [i for i in range(len(columns), len(record.cells)) if record.cells[i].strip()]
        if extra:
            issues.add(record.line, f"这一行有{len(record.cells)}列，表头只有{len(columns)}列："
                                    "多出的数据多半来自未加引号的逗号",
                       column=column_label(extra[0], letters=letters))
            continue
        named = {name: value for name, value in zip(columns, record.cells, strict=False) if name}
        numbers = frozenset(columns[i] for i in record.numbers if i < len(columns))
        yield Row(record.line, MappingProxyType(named), numbers)


def _whole_file(message: str) -> ImportFailed:
    return ImportFailed([ImportIssue(None, message)])
