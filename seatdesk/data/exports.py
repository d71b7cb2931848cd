"""Cells of Excel and CSV exports written as text, never as formulas (Qt-free).

A name that came from a city's file or an administrator — a grid cell, a department, a
user — may begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return. A
spreadsheet program opening the export would run such a cell as a formula ("formula"
or "CSV injection": ``=HYPERLINK(…)``, ``=cmd|…``). Every export goes through here:

- ``.xlsx`` (openpyxl): ``append(ws, values)`` stores every string as a string cell with
  Excel's quote prefix, so it shows the text and stays text when someone edits it;
- CSV: ``csv_cell(value)`` puts an apostrophe before such text (OWASP's advice; Excel and
  WPS show the text and do not evaluate it); ``csv_row`` does a whole row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: Any) -> bool:
    """Would a spreadsheet read this text as a formula?"""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value: Any) -> Any:
    """The value to write into a CSV export: risky text gets a leading apostrophe."""
    return f"'{value}" if is_risky(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def append(ws, values: Iterable[Any]) -> None:
    """``ws.append(values)`` with every string kept a string (never a formula)."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        text_only(cell)


def text_only(cell) -> None:
    """Make an openpyxl cell holding a string a plain text cell (quote-prefixed)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_risky(cell.value):
            cell.quotePrefix = True
