"""Text import files: decoding (UTF-8 with or without BOM, GB18030/GBK) and code checks.

Tables (CSV and .xlsx) are read by ``seatdesk.data.tables``; ``read_csv`` and the
``CsvRow``/``CsvTable`` names remain for the importers written against them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from seatdesk.models.textrules import TextRefused, clean_text

from .errors import ImportFailed, ImportIssue, RowError
from .tables import Row, Table, read_table, size_text
from .textdecode import decode_text

CsvRow = Row
CsvTable = Table
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def read_text(path: str | Path, max_bytes: int | None = None) -> str:
    """The file's text, UTF-8 (with or without BOM) or GB18030; refuses other encodings
    and files larger than ``max_bytes``."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise ImportFailed([ImportIssue(None, f"文件过大（{size_text(size)}）：一次最多导入"
                                                  f"{size_text(max_bytes)}，请拆分后分批导入")])
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc
        raise ImportFailed([ImportIssue(None, f"无法读取文件{path}：{reason}")]) from exc
    return decode_text(data).text


def read_csv(path: str | Path, required: Sequence[str],
             aliases: Mapping[str, str] | None = None, optional: Sequence[str] = ()) -> Table:
    """A CSV or .xlsx table with ``required`` columns (see ``tables.read_table``)."""
    return read_table(path, required, optional, aliases)


def code_problem(value: str, label: str, lengths: Sequence[int], *,
                 was_number: bool = False) -> str | None:
    """Why ``value`` is not a code of one of ``lengths`` digits (None when it is).

    ``was_number``: the value came from an Excel number cell, so a code that is too short
    most likely lost its leading zeros there."""
    if not value:
        return f"{label}为空"
    if _SCIENTIFIC.match(value):
        return (f"{label}“{value}”被写成了科学计数法（常见于Excel）：请把该列设为“文本”格式"
                "后重新保存")
    wanted = "或".join(str(n) for n in lengths)
    if not value.isascii() or not value.isdigit():
        return f"{label}“{value}”应为{wanted}位数字"
    if len(value) not in lengths:
        lost = ("：该单元格在Excel中是数字格式，开头的0已丢失，请把该列设为“文本”格式后重新输入"
                if was_number and len(value) < min(lengths) else "")
        return f"{label}“{value}”为{len(value)}位，应为{wanted}位数字{lost}"
    return None


def field_text(key: str, value: str, label: str | None = None) -> str:
    """A cell or property cleaned for the stored field ``key`` ("grid_cells.name" …) by the
    stored-text rules (``models.textrules``); ``RowError`` names the problem."""
    try:
        return clean_text(key, value, label)
    except TextRefused as exc:
        raise RowError(str(exc)) from None
