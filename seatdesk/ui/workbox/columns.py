"""Order and widths of the case table's columns.

The columns are shown in the order a seat reads a row — the light, the number, the state,
what and where, who holds it and until when — so that a 1280×720 screen with the map
beside the table still shows eight whole columns; the rest scroll. Widths come from the
font and the UI language (a typical value or the header, whichever is wider), not from
pixel constants, so English and Chinese both fit.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTableView

from seatdesk.ui import enum_labels as L
from seatdesk.ui.clock_text import remaining
from seatdesk.ui.workbox.case_table_model import (
    ADDRESS,
    CLASS,
    DEADLINE,
    DEPARTMENT,
    GRID,
    LIGHT,
    NUMBER,
    PHONE,
    REPORTED,
    SOURCE,
    STATE,
)

VISUAL_ORDER = (LIGHT, NUMBER, STATE, CLASS, ADDRESS, DEPARTMENT, DEADLINE, SOURCE, GRID,
                REPORTED, PHONE)
PADDING = 10
DOT = 18  # the light's coloured dot (light_delegate)
ADDRESS_MIN = 100
ADDRESS_ROOMY = 240  # with this much for the address every column fits
SHOWN = 8  # columns that must stay whole on a 1280×720 screen


def samples() -> dict[int, tuple[str, ...]]:
    """Typical (longish) values per column in the UI language; longer ones are elided."""
    return {LIGHT: (remaining("剩余 2工作日7工作时"), remaining("超期 7工作时59分")),
            NUMBER: ("20261205000001",), STATE: (L.state("dispatched"),),
            CLASS: ("01004 井盖破损",), DEPARTMENT: ("溧阳市市政设施",), DEADLINE: ("12-07 08:30",),
            SOURCE: (L.source("hotline_12319"),), GRID: ("320481001004012",),
            REPORTED: ("12-05 05:42",), PHONE: ("13700001111",)}


def arrange_columns(table: QTableView) -> None:
    header = table.horizontalHeader()
    for visual, logical in enumerate(VISUAL_ORDER):
        header.moveSection(header.visualIndex(logical), visual)
    metrics, model = table.fontMetrics(), table.model()
    bold = header.fontMetrics()
    for column, texts in samples().items():
        title = str(model.headerData(column, header.orientation()) or "")
        width = max(*(metrics.horizontalAdvance(t) for t in texts),
                    bold.horizontalAdvance(title) + 12)
        table.setColumnWidth(column, width + PADDING + (DOT if column == LIGHT else 0))
    header.setMinimumSectionSize(40)
    header.setStretchLastSection(False)
    fit_address(table)


def fit_address(table: QTableView) -> None:
    """The address takes what the other columns leave of the table's width: on a wide
    screen all columns fit and the address gets the rest (at least ``ADDRESS_ROOMY``); on
    a narrow one it takes what the first eight leave (at least ``ADDRESS_MIN``), so those
    eight stay whole and further columns scroll into view. The user may still drag it."""
    def width_of(columns) -> int:
        return sum(table.columnWidth(c) for c in columns
                   if c != ADDRESS and not table.isColumnHidden(c))

    room = table.viewport().width()
    if room - width_of(VISUAL_ORDER) >= ADDRESS_ROOMY:
        table.setColumnWidth(ADDRESS, room - width_of(VISUAL_ORDER))
    else:
        table.setColumnWidth(ADDRESS, max(ADDRESS_MIN, room - width_of(VISUAL_ORDER[:SHOWN])))
