"""The work-box panel: the boxes of the logged-in role with live counts, a search bar and
the case table, fed page by page off the GUI thread.

Keyboard: ↑/↓ move in the table (and the box list), Enter opens the case
(``case_activated``), Ctrl+F jumps to the search field, F5 refreshes, Esc in the
search bar clears it. ``refresh()`` is what live updates call: the table is re-read
and applied as a diff by case id, so selection and scroll position stay.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from seatdesk.models import dberrors
from seatdesk.models.queues import (
    HANDLING_STATES,
    NO_CALLER_ROLES,
    PHONE_ROLES,
    CaseFilter,
    QueueError,
    Viewer,
    WorkBox,
    boxes_for,
)

from seatdesk.ui.workbox.box_list_model import BoxListModel, count_text
from seatdesk.ui.workbox.case_lights import lights_for
from seatdesk.ui.workbox.case_table_model import DEADLINE, LIGHT, PHONE, SORT_KEYS, CaseTableModel
from seatdesk.ui.workbox.columns import arrange_columns, fit_address
from seatdesk.ui.workbox.light_delegate import LightDelegate
from seatdesk.ui.workbox.search_bar import SearchBar
from seatdesk.ui.tasks import TaskRunner
from seatdesk.ui.workbox.loader import PageResult, WorkBoxLoader

LIGHT_TICK_MS = 30_000
AUTO_REFRESH_MS = 10_000


class CaseTableView(QTableView):
    """The case table: Enter/Return opens the current case like a double click."""

    open_requested = Signal(int)  # row

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            fit_address(self)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class WorkBoxPanel(QWidget):
    case_activated = Signal(int)  # case id
    box_changed = Signal(str)  # box key

    def __init__(self, sessions: sessionmaker[Session], viewer: Viewer,
                 tasks: TaskRunner | None = None, parent=None,
                 tz: dt.tzinfo = zoneinfo.ZoneInfo("Asia/Shanghai"),
                 auto_refresh_ms: int = AUTO_REFRESH_MS, reads=None):
        super().__init__(parent)
        self.viewer = viewer
        self.tasks = tasks or TaskRunner(self)
        self.loader = WorkBoxLoader(sessions, viewer, self.tasks, self, reads=reads)
        self.box: WorkBox | None = None
        self.shown_case: int | None = None  # the case the detail shows (``mark_case``)
        self.filters = CaseFilter()
        self.total = (0, True)
        self._build(tz)
        self._connect()
        self.boxes.set_boxes(boxes_for(viewer.role))
        self.search.set_phone_allowed(viewer.role in PHONE_ROLES)
        self.table.setColumnHidden(PHONE, viewer.role in NO_CALLER_ROLES)
        self.light_timer = QTimer(self, interval=LIGHT_TICK_MS, timeout=self.update_lights)
        self.light_timer.start()
        self.refresh_timer = QTimer(self, interval=max(auto_refresh_ms, 1), timeout=self.refresh)
        if auto_refresh_ms:
            self.refresh_timer.start()
        self.loader.load_classes()
        self.loader.load_sources()
        self.loader.load_counts()
        if self.boxes.rowCount():
            self.select_box(self.boxes.box(0).key)

    # -- construction -------------------------------------------------------------------------
    def _build(self, tz: dt.tzinfo) -> None:
        self.boxes = BoxListModel(self)
        self.box_view = QListView(self)
        self.box_view.setObjectName("workboxList")
        self.box_view.setModel(self.boxes)
        self.box_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.box_view.setMinimumWidth(100)
        self.search = SearchBar(self, tz)
        self.model = CaseTableModel(self, tz)
        self.table = CaseTableView(self)
        self.table.setObjectName("caseTable")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(LIGHT, LightDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        arrange_columns(self.table)
        self.status = QLabel(self)
        self.status.setObjectName("workboxStatus")
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.search)
        column.addWidget(self.table, 1)
        column.addWidget(self.status)
        splitter = QSplitter(self)
        splitter.addWidget(self.box_view)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([160, 1200])
        self.splitter = splitter
        QVBoxLayout(self).addWidget(splitter)

    def _connect(self) -> None:
        self.box_view.selectionModel().currentChanged.connect(
            lambda current, _previous: current.isValid() and self._open_box(current.row()))
        self.search.search_requested.connect(self.apply_filters)
        self.model.fetch_more_requested.connect(self.loader.fetch_more)
        self.model.sort_requested.connect(self._sort)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self.model.sort)
        self.table.open_requested.connect(self._activate_row)
        self.table.doubleClicked.connect(lambda index: self._activate_row(index.row()))
        self.loader.page_loaded.connect(self._show_page)
        self.loader.counts_loaded.connect(self.boxes.set_counts)
        self.loader.counts_loaded.connect(lambda _c: self._fit_boxes())
        self.loader.classes_loaded.connect(self.search.set_classes)
        self.loader.sources_loaded.connect(self.search.set_sources)
        self.loader.failed.connect(self._failed)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.focus_search,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # -- public API ---------------------------------------------------------------------------
    def select_box(self, key: str) -> None:
        row = self.boxes.row_of(key)
        if row < 0:
            raise KeyError(key)
        self.box_view.setCurrentIndex(self.boxes.index(row))

    def apply_filters(self, filters: CaseFilter) -> None:
        """Search the box shown — except by case number: a number is looked up across all
        cases (全部案件/搜索), wherever the case is now."""
        self.filters = filters
        if filters.number.strip() and self.box is not None and self.box.key != "all" \
                and self.boxes.row_of("all") >= 0:
            self.select_box("all")  # opens the box with these filters
        elif self.box is not None:
            self._open_query(filters, self.loader.query.sort)

    def refresh(self) -> None:
        """Re-read counts and the rows shown (live updates call this)."""
        self.loader.load_counts()
        if self.box is not None:
            self.loader.refresh(self.model.rowCount())

    def reload(self) -> None:
        """F5: re-read the calendar and settings too."""
        self.loader.reload_context()
        self.refresh()

    def update_lights(self) -> None:
        """Recompute the lights of the loaded rows (cheap, vectorised) as time passes."""
        if self.loader.context is not None and self.model.rowCount():
            self.model.set_lights(lights_for(self.model.rows(), self.loader.context))

    def current_case_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.case_row(index.row()).id if index.isValid() else None

    def selected_case_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.case_row(r).id for r in rows]

    def mark_case(self, case_id: int | None) -> None:
        """The case the detail shows: its row is highlighted, or no row is when it is not in
        this box (another row must never look like the case shown)."""
        self.shown_case = case_id
        if case_id is not None and not self.select_case(case_id):
            selection = self.table.selectionModel()
            selection.clearSelection()
            selection.clearCurrentIndex()

    def select_case(self, case_id: int) -> bool:
        row = self.model.row_of(case_id)
        if row < 0:
            return False
        index = self.model.index(row, 1)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    def shutdown(self) -> None:
        self.light_timer.stop()
        self.refresh_timer.stop()
        self.tasks.wait(10_000)

    # -- internals ----------------------------------------------------------------------------
    def _fit_boxes(self) -> None:
        """The box list as wide as its titles and counts: the table gets the rest."""
        view = self.box_view
        need = view.sizeHintForColumn(0) + 2 * view.frameWidth() + \
            view.verticalScrollBar().sizeHint().width() + 6
        total = sum(self.splitter.sizes())
        if total > need:
            self.splitter.setSizes([need, total - need])

    def _open_box(self, row: int) -> None:
        self.box = self.boxes.box(row)
        key, ascending = self.box.sort
        key = "deadline" if key == "step_deadline" else key  # the deadline column shows either
        column = next((c for c, k in SORT_KEYS.items() if k == key and c != LIGHT), 1)
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(column, Qt.SortOrder.AscendingOrder if ascending
                                else Qt.SortOrder.DescendingOrder)
        header.blockSignals(False)
        self.status.setText(self.tr("Loading…"))
        self._open_query(self.filters, self.box.sort)
        self.box_changed.emit(self.box.key)

    def _sort(self, column: int, ascending: bool) -> None:
        if self.box is None:
            return
        key = SORT_KEYS[column]
        if column in (LIGHT, DEADLINE) and self.box.states and not (
                self.box.states & HANDLING_STATES):
            key = "step_deadline"  # boxes before dispatch run on step deadlines
        self._open_query(self.filters, (key, ascending))

    def _open_query(self, filters: CaseFilter, sort: tuple[str, bool]) -> None:
        """A new box, filter or sort: no more pages of the old query until its first page."""
        self.model.set_fetching(True)
        self.loader.open(self.box, filters, sort)

    def _show_page(self, result: PageResult) -> None:
        if result.query != self.loader.query:
            return  # an answer to a query the seat has left
        self.model.tz = self.search.tz = result.context.calendar.tz  # the centre's time zone
        if result.mode == "reset":
            self.model.reset_rows(result.page.rows, result.lights, result.has_more)
            if self.shown_case is not None:
                self.mark_case(self.shown_case)
            elif self.model.rowCount():
                self.table.setCurrentIndex(self.model.index(0, 1))
        elif result.mode == "append":
            if result.page.offset != self.model.rowCount():
                self.model.set_fetching(False)
                return  # the rows changed underneath (a refresh): the view will ask again
            self.model.append_rows(result.page.rows, result.lights, result.has_more)
        else:
            current = self.current_case_id()
            self.model.refresh_rows(result.page.rows, result.lights, result.has_more)
            if current is not None and self.model.row_of(current) < 0:
                self.mark_case(self.shown_case)  # the current row left: Qt moved to a neighbour
            elif current is None and self.shown_case is not None:
                self.select_case(self.shown_case)  # the case shown has arrived in this box
        self.total = (result.page.total, result.page.total_exact)
        self._show_status()

    def _show_status(self) -> None:
        total, exact = self.total
        shown = self.model.rowCount()
        text = count_text(total) if exact else f"{total}+"
        text = self.tr("Showing %1 of %2 cases").replace("%1", str(shown)).replace("%2", text)
        if self.filters.number.strip() and self.box is not None and self.box.key == "all":
            text += " " + self.tr("(a case number is looked up in all cases)")
        self.status.setText(text)

    def _activate_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.case_activated.emit(self.model.case_row(row).id)

    def _failed(self, exc: Exception) -> None:
        self.model.set_fetching(False)
        if isinstance(exc, QueueError):
            self.status.setText(str(exc))
        elif dberrors.is_unavailable(exc):
            self.status.setText(self.tr("Database unavailable, retrying"))
        else:
            self.status.setText(dberrors.user_message(exc))
