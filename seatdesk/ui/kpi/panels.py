"""Live KPI panels (pyqtgraph) for the seat: reports today by hour and by source, open
cases by stage, status-light counts, department on-time rates (worst first, see
``departments.py``), 7- and 30-day trends.

Every plot item is created once and updated in place (``setOpts`` / ``setData``); the
figures are read off the GUI thread by the ``TaskRunner`` (a late reply is dropped).
The panels refresh on a timer and when told that cases changed (``changed()``, to be
connected to the application's what-changed signal); bursts of changes are coalesced.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.evaluation.live import LiveKpis, live_kpis
from seatdesk.models import dberrors, utcnow
from seatdesk.models.replica import ReadRouter
from seatdesk.workflow.worktime import WorkCalendar

from seatdesk.ui.kpi.departments import DepartmentChart
from seatdesk.ui.tasks import TaskRunner

REFRESH_MS = 30_000
COALESCE_MS = 500
LIGHT_COLOURS = ("#2e9d4d", "#e0a800", "#d9363e")
BAR = "#4a78c2"
MIN_PLOT_WIDTH, MIN_PLOT_HEIGHT = 260, 200  # title, both axes and a readable plot area
LABEL_ROOM = 18  # px right of a trend plot for half of the last date label


#: short bar labels of the shipped sources; others (added or renamed by an administrator)
#: show the first four characters of their name
SOURCE_SHORT = {"patrol": "巡查", "hotline_12345": "12345", "hotline_12319": "12319",
                "mayor_hotline": "市长",
                "mayor_mailbox": "信箱", "media": "媒体", "online": "网络", "superior": "交办",
                "video": "视频"}
#: open states grouped into the seven steps shown on the stage chart
STAGES = (("受理", {"reported", "pending_verification"}), ("立案", {"accepted"}),
          ("派遣", {"filed", "at_district", "void_requested"}),
          ("处置", {"dispatched", "return_requested", "extension_requested",
                  "suspension_requested"}),
          ("挂账", {"suspended"}), ("核查", {"feedback", "pending_check"}),
          ("结案", {"ready_to_close"}))


def stage_buckets(open_by_stage) -> list[tuple[str, int]]:
    counts = {state: n for state, _, n in open_by_stage}
    return [(label, sum(counts.get(s, 0) for s in states)) for label, states in STAGES]


def count_step(top: float, most: int = 6) -> int:
    """An integer tick step (1, 2, 5, 10, 20, …) giving at most ``most`` ticks up to ``top``."""
    step = 1
    while top / step > most:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


def _style(plot: pg.PlotWidget, title: str) -> None:
    """Static look of every panel: title, no mouse menu, fixed ranges, room for the axes."""
    plot.setTitle(title, color="#333", size="10pt")
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.disableAutoRange()
    plot.setMinimumHeight(MIN_PLOT_HEIGHT)
    plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    fit_width(plot)


def fit_width(plot: pg.PlotWidget) -> None:
    """Never narrower than the plot item needs (title, axes): else the view clips it."""
    need = plot.getPlotItem().effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
    width = max(MIN_PLOT_WIDTH, math.ceil(need))
    if plot.minimumWidth() != width:
        plot.setMinimumWidth(width)


class _BarPlot(pg.PlotWidget):
    """A bar chart whose bars and tick labels are replaced in place."""

    def __init__(self, title: str, brushes=None, horizontal_labels: bool = True, parent=None):
        super().__init__(parent=parent, background="w")
        _style(self, title)
        self.setMouseEnabled(False, False)
        self.bars = pg.BarGraphItem(x=np.arange(1), height=np.zeros(1), width=0.7,
                                    brushes=brushes or [BAR], pen=None)
        self.addItem(self.bars)
        self._labels: tuple[str, ...] = ()

    def show_bars(self, labels: tuple[str, ...], heights, brushes=None) -> None:
        x = np.arange(len(labels))
        opts = {"x": x, "height": np.asarray(heights, dtype=float)}
        opts["brushes"] = brushes or [BAR] * len(labels)
        self.bars.setOpts(**opts)
        if labels != self._labels:
            self._labels = labels
            self.getAxis("bottom").setTicks([list(zip(x.tolist(), labels))])
        top = max([1.0, *[float(h) for h in heights]])
        self.setRange(xRange=(-0.6, len(labels) - 0.4), yRange=(0, top * 1.15), padding=0)
        step = count_step(top)
        self.getAxis("left").setTickSpacing(step, step)
        fit_width(self)


class _TrendPlot(pg.PlotWidget):
    """Daily reports and closures; the curves are ``reported`` and ``closures``.

    (Not ``closed``: that name is ``GraphicsView``'s own flag, and setting it stops the
    view from resizing its plot, which clipped the axes.)
    """

    def __init__(self, title: str, parent=None):
        super().__init__(parent=parent, background="w")
        _style(self, title)
        # room on the right for the last day's label (the axis hides labels it cannot fit)
        self.getPlotItem().layout.setContentsMargins(1, 1, LABEL_ROOM, 1)
        self.getAxis("bottom").setStyle(hideOverlappingLabels=LABEL_ROOM)
        self.reported = self.plot([], [], pen=pg.mkPen(BAR, width=2), symbol="o", symbolSize=5,
                                  symbolBrush=BAR, name=self.tr("Reports"))
        self.closures = self.plot([], [], pen=pg.mkPen("#2e9d4d", width=2), symbol="s",
                                symbolSize=5, symbolBrush="#2e9d4d", name=self.tr("Closures"))

    def show_series(self, days: tuple[dt.date, ...], reported, closed) -> None:
        x = np.arange(len(days))
        self.reported.setData(x, np.asarray(reported, dtype=float))
        self.closures.setData(x, np.asarray(closed, dtype=float))
        top = max([1, *reported, *closed])
        self.setRange(xRange=(-0.5, len(days) - 0.5), yRange=(0, top * 1.15), padding=0)
        step = count_step(top)
        self.getAxis("left").setTickSpacing(step, step)
        fit_width(self)
        every = max(1, len(days) // 7)  # label today and every ``every``-th day before it
        ticks = [(i, f"{d.month}/{d.day}") for i, d in enumerate(days)
                 if (len(days) - 1 - i) % every == 0]
        self.getAxis("bottom").setTicks([ticks])


class KpiPanels(QWidget):
    """The seat's live KPI panels; ``refreshed`` is emitted after each shown update."""

    refreshed = Signal()
    failed = Signal(str)

    def __init__(self, sessions: sessionmaker[Session] | ReadRouter, parent=None, *,
                 clock: Callable[[], dt.datetime] = utcnow, refresh_ms: int = REFRESH_MS):
        super().__init__(parent)
        self.sessions, self.clock = sessions, clock
        self.tasks = TaskRunner(self, max_threads=1)
        self._calendar: WorkCalendar | None = None
        self.last: LiveKpis | None = None
        self._build()
        self.timer = QTimer(self, interval=refresh_ms, timeout=self.refresh)
        self.timer.start()
        self._coalesce = QTimer(self, singleShot=True, interval=COALESCE_MS,
                                timeout=self.refresh)

    def _build(self) -> None:
        self.summary = QLabel(self)
        self.summary.setStyleSheet("font-size: 14px; font-weight: 600; padding: 4px;")
        self.by_hour = _BarPlot(self.tr("Reports today by hour"))
        self.by_source = _BarPlot(self.tr("Reports today by source"))
        self.by_stage = _BarPlot(self.tr("Open cases by stage"))
        self.lights = _BarPlot(self.tr("Status lights of open cases"))
        self.departments = DepartmentChart(
            self.tr("Departments by on-time handling, last 30 days (worst first; cases due)"))
        self.trend7 = _TrendPlot(self.tr("Last 7 days (blue: reports, green: closures)"))
        self.trend30 = _TrendPlot(self.tr("Last 30 days (blue: reports, green: closures)"))
        grid = QGridLayout()
        for i, plot in enumerate((self.by_hour, self.by_source, self.by_stage, self.lights)):
            grid.addWidget(plot, 0, i)
        grid.addWidget(self.departments, 1, 0, 1, 2)
        grid.addWidget(self.trend7, 1, 2)
        grid.addWidget(self.trend30, 1, 3)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(grid, 1)

    # -- refreshing -----------------------------------------------------------------------
    def changed(self, *_args) -> None:
        """Cases changed somewhere: refresh soon (bursts coalesce into one refresh)."""
        self._coalesce.start()

    def refresh(self) -> None:
        now = self.clock()
        self.tasks.submit("kpis", lambda: self._load(now), self.show_kpis, self._failed)

    def _load(self, now: dt.datetime) -> LiveKpis:
        with self.sessions() as session:
            if self._calendar is None:
                self._calendar = WorkCalendar.from_session(session)
            return live_kpis(session, self._calendar, now)

    def _failed(self, exc: Exception, _trace: str) -> None:
        self.failed.emit(dberrors.user_message(exc))

    def _satisfaction(self, k: LiveKpis) -> str:
        """ · 回访满意率 (30 days) with the counts it is made of."""
        rate, satisfied, reached = k.callback_satisfaction
        if rate is None:
            return " · " + self.tr("callback satisfaction (30 days): no caller reached yet")
        return " · " + self.tr("callback satisfaction (30 days) %1 % (%2 of %3)").replace(
            "%1", f"{rate:g}").replace("%2", str(satisfied)).replace("%3", str(reached))

    def show_kpis(self, k: LiveKpis) -> None:
        self.last = k
        self.summary.setText(self.tr("Today %1 reports · %2 open cases · %3 red").replace(
            "%1", str(k.reports_today)).replace("%2", str(k.open_total)).replace(
            "%3", str(k.lights["red"])) + self._satisfaction(k))
        self.by_hour.show_bars(tuple(str(h) if h % 3 == 0 else "" for h in range(24)),
                               k.reports_by_hour)
        sources = [(SOURCE_SHORT.get(s, label[:4]), n) for s, label, n in k.reports_by_source]
        self.by_source.show_bars(tuple(s for s, _ in sources), [n for _, n in sources])
        stages = stage_buckets(k.open_by_stage)
        self.by_stage.show_bars(tuple(s for s, _ in stages), [n for _, n in stages])
        self.lights.show_bars((self.tr("green"), self.tr("yellow"), self.tr("red")),
                              [k.lights["green"], k.lights["yellow"], k.lights["red"]],
                              [pg.mkBrush(c) for c in LIGHT_COLOURS])
        self.departments.show_departments(k.departments)
        self.trend7.show_series(k.trend_days[-7:], k.trend_reported[-7:], k.trend_closed[-7:])
        self.trend30.show_series(k.trend_days, k.trend_reported, k.trend_closed)
        self.refreshed.emit()

    def stop(self) -> None:
        self.timer.stop()
        self._coalesce.stop()
        self.tasks.wait(5000)
