"""The department panel of the KPI page: on-time handling per department, worst first.

Horizontal bars, one row per department with at least ``min_due`` cases due in the last
30 days (the setting ``kpi_department_min_due``), the lowest on-time rate on top; each
label carries the department's count of cases due, each bar its rate and late count.
Every row gets at least one line of text height, so labels never overlap: when there
are more departments than fit, the panel scrolls. Departments with too few cases to
judge are counted in the note under the chart and named in its tooltip.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from seatdesk.evaluation.live import DepartmentAttention, DepartmentRate

BAR = "#4a78c2"
ROW_GAP = 10  # px between two rows' labels
AXIS_ROOM = 42  # px for the bottom axis and the plot's margins
NAME_CHARS = 10
INSIDE_FROM = 55.0  # % from which a bar is long enough to hold its figure
PREFIXES = ("国网溧阳市", "溧阳市", "江苏")


def short_name(name: str, size: int = NAME_CHARS) -> str:
    """A department name for a label: city prefix dropped, long names elided."""
    for prefix in PREFIXES:
        name = name.removeprefix(prefix)
    return name if len(name) <= size else name[:size - 1] + "…"


class DepartmentChart(QWidget):
    """Title, the scrollable bar chart (``plot``) and a note about departments left out."""

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.rows: tuple[DepartmentRate, ...] = ()
        self.title = QLabel(title, self)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("color: #333; font-size: 10pt; background: white;")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.getViewBox().invertY(True)
        self.plot.getAxis("bottom").setTicks([[(v, f"{v}%") for v in (0, 50, 100)]])
        self.bars = pg.BarGraphItem(x0=np.zeros(1), y=np.zeros(1), width=np.zeros(1),
                                    height=0.6, brushes=[BAR], pen=None)
        self.plot.addItem(self.bars)
        self.values: list[pg.TextItem] = []
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.plot)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555; background: white; padding: 2px 6px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.note)
        self.setMinimumSize(300, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def row_height(self) -> int:
        return QFontMetrics(self.plot.getAxis("left").style.get("tickFont") or self.font()
                            ).height() + ROW_GAP

    def labels(self) -> list[str]:
        return [self.tr("%1 (%2)").replace("%1", short_name(r.name)).replace("%2", str(r.due))
                for r in self.rows]

    def show_departments(self, depts: DepartmentAttention) -> None:
        self.rows = depts.shown
        n = len(self.rows)
        rates = np.asarray([r.rate for r in self.rows], dtype=float)
        y = np.arange(n, dtype=float)
        self.bars.setOpts(x0=np.zeros(n), y=y, width=rates, height=0.6,
                          brushes=[BAR] * n)
        labels = self.labels()
        left = self.plot.getAxis("left")
        left.setTicks([list(zip(y.tolist(), labels))])
        metrics = QFontMetrics(self.font())
        left.setWidth(max([40, *[metrics.horizontalAdvance(t) + 14 for t in labels]]))
        self._value_labels()
        self.plot.setMinimumHeight(max(1, n) * self.row_height() + AXIS_ROOM)
        self.plot.setRange(xRange=(0, 102), yRange=(-0.6, max(1, n) - 0.4), padding=0)
        self._note(depts)

    def _value_labels(self) -> None:
        """One text item per row ("92.3% · 2 late"), reused across refreshes."""
        while len(self.values) < len(self.rows):
            item = pg.TextItem(color="#333", anchor=(0, 0.5))
            self.plot.addItem(item)
            self.values.append(item)
        for i, item in enumerate(self.values):
            if i >= len(self.rows):
                item.hide()
                continue
            row = self.rows[i]
            text = f"{row.rate:.1f}%"
            if row.late:
                text += " · " + self.tr("%1 late").replace("%1", str(row.late))
            inside = row.rate >= INSIDE_FROM  # long bars carry their figure inside
            item.setAnchor((1, 0.5) if inside else (0, 0.5))
            item.setColor("#fff" if inside else "#333")
            item.setText(text)
            item.setPos(row.rate, i)
            item.show()

    def _note(self, depts: DepartmentAttention) -> None:
        parts = []
        if not depts.shown:
            parts.append(self.tr("No department has %1 or more cases due").replace(
                "%1", str(depts.min_due)))
        if depts.fewer:
            parts.append(self.tr("%1 departments with fewer than %2 cases due not shown")
                         .replace("%1", str(len(depts.fewer))).replace("%2", str(depts.min_due)))
        self.note.setText(" · ".join(parts))
        self.note.setVisible(bool(parts))
        self.note.setToolTip("\n".join(f"{r.name}: {r.on_time}/{r.due}" for r in depts.fewer))
