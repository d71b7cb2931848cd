"""Wall display (大屏) for shift leads: fullscreen, read-only, dark, large type.

Views cycle automatically: the overdue / at-risk board with the 1/2/4 working-hour
forecast per department, the departments by on-time rate — lowest first, only those with
enough cases due to judge — with today's KPIs, and a map of open cases by grid cell (cells
drawn with QPainter from their polygons, no web engine).
Data come from ``seatdesk.evaluation.wall_data`` off the GUI thread; no caller name or
phone is ever read. Every widget and model is created once and updated in place, so
memory stays flat over days; when the database goes away a banner says so and the
window retries until it is back. Given a ``ReadRouter`` the wall reads the streaming
replica; a line under the title tells when the replica lags more than 5 s or cannot be
reached (the wall then reads the primary).
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.evaluation.forecast import HORIZONS
from seatdesk.evaluation.wall_data import CellShape, WallSnapshot, cell_shapes, wall_snapshot
from seatdesk.models import utcnow
from seatdesk.models.replica import ReadRouter, ReadStatus
from seatdesk.workflow.worktime import WorkCalendar

from seatdesk.ui.clock_text import remaining
from seatdesk.ui.pyside_fix import keep_none_alive
from seatdesk.ui.tasks import TaskRunner

REFRESH_MS = 15_000
RETRY_MS = 5_000
CYCLE_MS = 20_000
RANKING_ROWS = 18  # rows of the department view that fit at 1080 px
RED, YELLOW, TEXT = QColor("#ff4d4f"), QColor("#ffc53d"), QColor("#e8edf5")
STYLE = """
QWidget#wall { background: #0b1220; color: #e8edf5; }
QLabel { color: #e8edf5; }
QLabel#title { font-size: 40px; font-weight: 700; }
QLabel#clock { font-size: 34px; color: #9fb3d1; }
QLabel#viewTitle { font-size: 30px; font-weight: 600; color: #7fb2ff; }
QLabel#banner { font-size: 26px; background: #a8071a; color: white; padding: 8px; }
QLabel#readNotice { font-size: 22px; color: #ffc53d; padding: 2px 8px; }
QLabel.tileValue { font-size: 64px; font-weight: 700; }
QLabel.tileLabel { font-size: 24px; color: #9fb3d1; }
QTableView { background: #0f1a2e; color: #e8edf5; gridline-color: #24324d; font-size: 22px;
             border: none; }
QHeaderView::section { background: #16243f; color: #9fb3d1; font-size: 22px; padding: 6px;
                       border: none; }
"""


class RowsModel(QAbstractTableModel):
    """A read-only table of plain tuples, replaced in place on each refresh."""

    def __init__(self, headers: list[str], parent=None):
        keep_none_alive()  # PySide6 6.12 drops None references in data()
        super().__init__(parent)
        self.headers, self.rows, self.colours = headers, [], []

    def set_rows(self, rows: list[tuple], colours: list[QColor | None] | None = None) -> None:
        self.beginResetModel()
        self.rows, self.colours = rows, colours or [None] * len(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self.rows[index.row()][index.column()])
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.colours[index.row()] or TEXT
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None


def _table(model: RowsModel, stretch: tuple[int, ...] = ()) -> QTableView:
    """A borderless read-only table; ``stretch`` columns share the width left over."""
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(44)
    header = view.horizontalHeader()
    for column in range(model.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column in stretch
                                    else QHeaderView.ResizeMode.ResizeToContents)
    view.setSelectionMode(QTableView.SelectionMode.NoSelection)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return view


def _titled(title: str, body: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    label = QLabel(title)
    label.setObjectName("viewTitle")
    layout.addWidget(label)
    layout.addWidget(body, 1)
    return box


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour)
    pen.setCosmetic(True)
    pen.setWidthF(width)
    return pen


#: colours made once (no QColor/QPen objects per cell per paint): the empty cell, then
#: eight steps of a viridis-like ramp (red stays reserved for overdue outlines)
_EMPTY = QColor("#152640")
_RAMP = [QColor(c) for c in ("#2a788e", "#21918c", "#22a884", "#44bf70", "#7ad151",
                             "#bddf26", "#dde318", "#fde725")]
_PENS = [_pen(QColor("#2a4168"), 1.0), _pen(RED, 3.0)]
_BACKGROUND = QColor("#0f1a2e")


def ramp_index(n: int, top: int) -> int:
    """Step of the colour ramp for a cell with ``n`` (≥ 1) of at most ``top`` open cases."""
    return min(len(_RAMP) - 1, (len(_RAMP) - 1) * (n - 1) // max(1, top - 1))


class CellMap(QWidget):
    """Grid cells filled by how many open cases they hold; cells with red cases outlined."""

    def __init__(self, parent=None):
        super().__init__(parent)
        font = self.font()
        font.setPixelSize(22)
        self.setFont(font)
        self.paths: list[tuple[int, QPainterPath]] = []
        self.bounds = (0.0, 0.0, 1.0, 1.0)
        self.open: dict[int, int] = {}
        self.red: dict[int, int] = {}

    def set_shapes(self, shapes: tuple[CellShape, ...]) -> None:
        xs = [x for s in shapes for ring in s.rings for x, _ in ring]
        ys = [y for s in shapes for ring in s.rings for _, y in ring]
        if not xs:
            return
        self.bounds = (min(xs), min(ys), max(xs), max(ys))
        self.paths = []
        for shape in shapes:
            path = QPainterPath()
            for ring in shape.rings:
                path.addPolygon([QPointF(x, y) for x, y in ring])
            self.paths.append((shape.cell_id, path))
        self.update()

    def set_counts(self, open_by_cell: dict[int, int], red_by_cell: dict[int, int]) -> None:
        self.open, self.red = open_by_cell, red_by_cell
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), _BACKGROUND)
        top = max(self.open.values(), default=1) or 1
        painter.save()
        self._project(painter)
        for cell_id, path in self.paths:
            n = self.open.get(cell_id, 0)
            painter.setPen(_PENS[1 if self.red.get(cell_id) else 0])
            painter.fillPath(path, _RAMP[ramp_index(n, top)] if n else _EMPTY)
            painter.drawPath(path)
        painter.restore()
        self._legend(painter, top)
        painter.end()

    def _project(self, painter: QPainter) -> None:
        """Longitude/latitude to pixels: centred, north up, east–west shrunk by cos(lat)."""
        x0, y0, x1, y1 = self.bounds
        squeeze = math.cos(math.radians((y0 + y1) / 2))
        scale = 0.95 * min(self.width() / max((x1 - x0) * squeeze, 1e-9),
                           self.height() / max(y1 - y0, 1e-9))
        painter.translate(self.width() / 2, self.height() / 2)
        painter.scale(scale * squeeze, -scale)
        painter.translate(-(x0 + x1) / 2, -(y0 + y1) / 2)

    def _legend(self, painter: QPainter, top: int) -> None:
        """The colour ramp, bottom left, from 1 open case to the busiest cell's count."""
        size, x, y = 40, 24, self.height() - 60
        for i, colour in enumerate(_RAMP):
            painter.fillRect(x + i * size, y, size, 18, colour)
        painter.setPen(TEXT)
        painter.drawText(x, y + 44, "1")
        painter.drawText(x + len(_RAMP) * size - 16, y + 44, str(top))


class _Tile(QWidget):
    def __init__(self, label: str, colour: str = "#e8edf5"):
        super().__init__()
        layout = QVBoxLayout(self)
        self.value = QLabel("–")
        self.value.setProperty("class", "tileValue")
        self.value.setStyleSheet(f"font-size: 64px; font-weight: 700; color: {colour};")
        caption = QLabel(label)
        caption.setStyleSheet("font-size: 24px; color: #9fb3d1;")
        layout.addWidget(self.value, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(caption, 0, Qt.AlignmentFlag.AlignCenter)


class WallWindow(QWidget):
    """The wall display. ``refreshed`` after each update, ``failed`` with the error text."""

    refreshed = Signal()
    failed = Signal(str)

    def __init__(self, sessions: sessionmaker[Session] | ReadRouter, parent=None, *,
                 clock: Callable[[], dt.datetime] = utcnow, refresh_ms: int = REFRESH_MS,
                 cycle_ms: int = CYCLE_MS, retry_ms: int = RETRY_MS):
        super().__init__(parent)
        self.setObjectName("wall")
        self.setStyleSheet(STYLE)
        self.setWindowTitle(self.tr("seatdesk wall display"))
        self.sessions, self.clock = sessions, clock
        self.refresh_ms, self.retry_ms = refresh_ms, retry_ms
        self.tasks = TaskRunner(self, max_threads=1)
        self._calendar: WorkCalendar | None = None
        self._shapes: tuple[CellShape, ...] | None = None
        self.snapshot: WallSnapshot | None = None
        self._build()
        self.timer = QTimer(self, singleShot=True, timeout=self.refresh)
        self.cycler = QTimer(self, interval=cycle_ms, timeout=self.next_view)
        self.cycler.start()
        self.refresh()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel(self.tr("Supervision and command centre"))
        self.title.setObjectName("title")
        self.clock_label = QLabel()
        self.clock_label.setObjectName("clock")
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.hide()
        self.read_notice = QLabel()
        self.read_notice.setObjectName("readNotice")
        self.read_notice.hide()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.clock_label)
        self.views = QStackedWidget()
        self.views.addWidget(self._board_view())
        self.views.addWidget(self._ranking_view())
        self.views.addWidget(self._map_view())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addLayout(head)
        layout.addWidget(self.banner)
        layout.addWidget(self.read_notice)
        layout.addWidget(self.views, 1)

    def _board_view(self) -> QWidget:
        self.board_model = RowsModel([self.tr("Case"), self.tr("Class"), self.tr("Stage"),
                                      self.tr("Department"), self.tr("Grid"), self.tr("Time")])
        heads = [self.tr("Holder"), self.tr("Red now")] + [
            self.tr("≤ %1 h").replace("%1", str(h)) for h in HORIZONS]
        self.forecast_model = RowsModel(heads)
        body = QWidget()
        row = QHBoxLayout(body)
        row.addWidget(_titled(self.tr("Overdue and at-risk cases"),
                              _table(self.board_model, (1, 3))), 3)
        row.addWidget(_titled(self.tr("Forecast: cases going red (working hours)"),
                              _table(self.forecast_model, (0,))), 2)
        return body

    def _ranking_view(self) -> QWidget:
        self.ranking_model = RowsModel([self.tr("Department"), self.tr("On time (%)"),
                                        self.tr("Late"), self.tr("Cases due")])
        self.ranking_note = QLabel()
        self.ranking_note.setStyleSheet("font-size: 20px; color: #9fb3d1;")
        self.ranking_note.setWordWrap(True)
        self.tiles = {key: _Tile(label, colour) for key, label, colour in (
            ("reports", self.tr("Reports today"), "#e8edf5"),
            ("open", self.tr("Open cases"), "#7fb2ff"),
            ("red", self.tr("Red lights"), RED.name()),
            ("yellow", self.tr("Yellow lights"), YELLOW.name()),
            ("green", self.tr("Green lights"), "#52c41a"),
            ("closed", self.tr("Closed today"), "#e8edf5"))}
        tiles = QWidget()
        grid = QGridLayout(tiles)
        for i, tile in enumerate(self.tiles.values()):
            grid.addWidget(tile, i // 2, i % 2)
        ranking = QWidget()
        column = QVBoxLayout(ranking)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(_table(self.ranking_model, (0,)), 1)
        column.addWidget(self.ranking_note)
        body = QWidget()
        row = QHBoxLayout(body)
        row.addWidget(_titled(self.tr("Departments needing attention (on time, last 30 days, "
                                      "lowest first)"), ranking), 3)
        row.addWidget(_titled(self.tr("Today"), tiles), 2)
        return body

    def _map_view(self) -> QWidget:
        self.cell_map = CellMap()
        return _titled(self.tr("Open cases by grid cell (red outline: overdue cases)"),
                       self.cell_map)

    # -- data -----------------------------------------------------------------------------
    def refresh(self) -> None:
        now = self.clock()
        self.tasks.submit("wall", lambda: self._load(now), self._show, self._failed)

    def _load(self, now: dt.datetime):
        with self.sessions() as session:
            if self._calendar is None:
                self._calendar = WorkCalendar.from_session(session)
            shapes = cell_shapes(session) if self._shapes is None else None
            return wall_snapshot(session, now, self._calendar, board_size=16), shapes

    def _failed(self, exc: Exception, _trace: str) -> None:
        self.banner.setText(self.tr("Database unavailable — retrying every %1 s (%2)").replace(
            "%1", str(self.retry_ms // 1000)).replace("%2", type(exc).__name__))
        self.banner.show()
        self.failed.emit(f"{type(exc).__name__}: {exc}")
        self.timer.start(self.retry_ms)

    def _show(self, result) -> None:
        snap, shapes = result
        if shapes is not None:
            self._shapes = shapes
            self.cell_map.set_shapes(shapes)
        self.snapshot = snap
        self.banner.hide()
        self.show_read_status(ReadRouter.of(self.sessions).status())
        self.title.setText(snap.centre_name)
        tz = self._calendar.tz if self._calendar else zoneinfo.ZoneInfo("Asia/Shanghai")
        self.clock_label.setText(snap.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
        self._show_board(snap)
        self._show_ranking(snap)
        self.cell_map.set_counts(snap.open_by_cell, snap.red_by_cell)
        self.refreshed.emit()
        self.timer.start(self.refresh_ms)

    def _show_board(self, snap: WallSnapshot) -> None:
        rows = [(b.number, b.class_name, b.state_label, snap.short(b.department), b.grid_code,
                 remaining(b.remaining)) for b in snap.board]
        self.board_model.set_rows(rows, [RED if b.light == "red" else YELLOW for b in snap.board])
        self.forecast_model.set_rows([(snap.short(f.department), f.red_now, *f.within)
                                      for f in snap.forecast[:12]])

    def _show_ranking(self, snap: WallSnapshot) -> None:
        depts = snap.kpis.departments
        shown = depts.shown[:RANKING_ROWS]
        self.ranking_model.set_rows(
            [(snap.short(d.name), f"{d.rate:.1f}", d.late, d.due) for d in shown])
        notes = []
        if len(depts.shown) > len(shown):
            notes.append(self.tr("%1 departments with higher rates not shown").replace(
                "%1", str(len(depts.shown) - len(shown))))
        if depts.fewer:
            notes.append(self.tr("%1 departments with fewer than %2 cases due are not ranked")
                         .replace("%1", str(len(depts.fewer))).replace("%2", str(depts.min_due)))
        self.ranking_note.setText(" · ".join(notes))
        k = snap.kpis
        values = {"reports": k.reports_today, "open": k.open_total, "red": k.lights["red"],
                  "yellow": k.lights["yellow"], "green": k.lights["green"],
                  "closed": k.trend_closed[-1] if k.trend_closed else 0}
        for key, tile in self.tiles.items():
            tile.value.setText(str(values[key]))

    def show_read_status(self, status: ReadStatus) -> None:
        """The replica's lag above 5 s, or that the wall reads the primary instead."""
        self.read_notice.setVisible(status.noteworthy)
        if status.source == "fallback":
            self.read_notice.setText(self.tr(
                "Read replica unreachable — showing the primary database (%1)").replace(
                "%1", status.reason))
        elif status.noteworthy:
            self.read_notice.setText(self.tr("Read replica %1 s behind the primary").replace(
                "%1", str(math.ceil(status.lag_s))))

    def next_view(self) -> None:
        self.views.setCurrentIndex((self.views.currentIndex() + 1) % self.views.count())

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()
        elif event.key() in (Qt.Key.Key_Right, Qt.Key.Key_Space):
            self.next_view()
        else:
            super().keyPressEvent(event)

    def stop(self) -> None:
        self.timer.stop()
        self.cycler.stop()
        self.tasks.wait(10_000)

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)
