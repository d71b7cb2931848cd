"""Reading import files: UTF-8 text (BOM accepted) and CSV rows with their line numbers.

A file in another encoding (GBK from Excel, typically) is refused with the line and
byte where decoding fails and a hint to save it as "CSV UTF-8". Every CSV value is
read as a string, so codes keep their leading zeros.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ImportFailed, ImportIssue

SAVE_AS_UTF8 = ("请用Excel/WPS“另存为”→“CSV UTF-8（逗号分隔）”，"
                "或在文本编辑器中另存为UTF-8编码后重新导入")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def read_text(path: str | Path) -> str:
    """The file's text, decoded as UTF-8 (with or without BOM); refuses other encodings."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc
        raise ImportFailed([ImportIssue(None, f"无法读取文件{path}：{reason}")]) from exc
    return decode_utf8(data)


def decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        guess = _guess_encoding(data)
        message = (f"文件不是UTF-8编码{guess}：从文件第{exc.start + 1}字节起无法按UTF-8解码。"
                   f"{SAVE_AS_UTF8}")
        raise ImportFailed([ImportIssue(line, message)]) from exc


def _guess_encoding(data: bytes) -> str:
    guesses = (("gb18030", "（看起来是GBK/GB18030编码）"), ("big5", "（看起来是Big5编码）"))
    for name, label in guesses:
        try:
            data.decode(name)
        except UnicodeDecodeError:
            continue
        return label
    return ""


@dataclass(frozen=True)
class CsvRow:
    """One data row: ``line`` is the file line where the record starts (header = line 1)."""

    line: int
    values: dict[str, str]

    def get(self, column: str, default: str = "") -> str:
        value = self.values.get(column)
        return default if value is None else value.strip()


@dataclass(frozen=True)
class CsvTable:
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]

    def has(self, column: str) -> bool:
        return column in self.columns


def read_csv(path: str | Path, required: Sequence[str], aliases: dict[str, str] | None = None
             ) -> CsvTable:
    """Read a comma-separated file with one header row; refuses missing columns.

    ``aliases`` maps alternative header names to canonical ones (e.g. 立案标准 → 立案条件).
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed([ImportIssue(None, "文件为空：缺少表头行")]) from None
    except csv.Error as exc:
        raise ImportFailed([ImportIssue(1, f"表头无法解析：{exc}")]) from exc
    columns = tuple(_canonical(name, aliases) for name in header)
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportFailed([ImportIssue(1, f"缺少必需的列：{'、'.join(missing)}；"
                                           f"表头应包含：{','.join(required)}")])
    return CsvTable(columns, tuple(_rows(reader, columns)))


def _canonical(name: str, aliases: dict[str, str] | None) -> str:
    name = name.strip().lstrip("\ufeff")
    return (aliases or {}).get(name, name)


def _rows(reader, columns: tuple[str, ...]) -> Iterator[CsvRow]:
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFailed([ImportIssue(start, f"CSV格式错误：{exc}")]) from exc
        if any(cell.strip() for cell in record):
            if len(record) > len(columns):
                extra = [c for c in record[len(columns):] if c.strip()]
                if extra:
                    raise ImportFailed([ImportIssue(
                        start, f"列数多于表头（{len(record)}列，表头{len(columns)}列）："
                               "请检查是否有未加引号的逗号")])
            yield CsvRow(start, dict(zip(columns, record, strict=False)))
        start = reader.line_num + 1


def code_problem(value: str, label: str, lengths: Sequence[int]) -> str | None:
    """Why ``value`` is not a code of one of ``lengths`` digits (None when it is)."""
    if not value:
        return f"{label}为空"
    if _SCIENTIFIC.match(value):
        return (f"{label}“{value}”被写成了科学计数法（常见于Excel）：请把该列设为“文本”格式"
                "后重新保存")
    wanted = "或".join(str(n) for n in lengths)
    if not value.isascii() or not value.isdigit():
        return f"{label}“{value}”应为{wanted}位数字"
    if len(value) not in lengths:
        return f"{label}“{value}”为{len(value)}位，应为{wanted}位数字"
    return None
