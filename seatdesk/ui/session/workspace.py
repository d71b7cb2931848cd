"""The seat's workspace after login, shaped by the user's role.

Pages (Ctrl+1 …): 工作台 — the work boxes over the case detail — for everyone; 热线受理
(the intake form) for call-takers; 统计 (live KPI panels) for shift leads and
administrators; 管理 (administration) and 概况 for administrators. The map sits on the
right of every page (its pick mode sets the intake form's location). Actions come from
the registry with their shortcuts; Ctrl+K opens the command palette.

Live updates: the seat's operations, the PostgreSQL listener or the SQLite poller feed
one "what changed" hub; the workspace fans it out to the queue (coalesced refresh that
keeps selection and scroll), the map (``apply_changes``) and the KPI panels
(``changed``); the detail listens itself. A lost connection shows the banner, and when
it returns everything is refreshed and the intake outbox is submitted.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from seatdesk.models.enums import Role

from seatdesk.ui import enum_labels as L
from seatdesk.ui.session.actions_registry import WORKFLOW_SHORTCUTS, ActionRegistry, ActionSpec, workflow_specs
from seatdesk.ui.case.detail import CaseDetailPanel
from seatdesk.ui.session.command_palette import CommandPalette
from seatdesk.ui.session.connection_banner import ConnectionBanner
from seatdesk.ui.session.draft_keeper import DraftKeeper
from seatdesk.ui.session.draft_offer import DraftOffer
from seatdesk.ui.session.draft_store import DraftStore
from seatdesk.ui.intake.form import IntakeForm
from seatdesk.ui.intake.map_link import IntakeMapLink
from seatdesk.ui.session.live_updates import POLL_MS, CaseChanges, LiveUpdates
from seatdesk.ui.session.offline_queue import Outbox
from seatdesk.ui.session.seat import Seat
from seatdesk.ui.tasks import TaskRunner
from seatdesk.ui.workbox.panel import WorkBoxPanel

QUEUE_COALESCE_MS = 150
MAP_MIN, MAP_MAX, PAGES_AT_LEAST = 240, 560, 1040  # px: the map beside the pages
POSITIONS_COALESCE_MS = 300
DETAIL_FOLLOW_MS = 200
PAGE_KEYS = {"workbench": "Ctrl+1", "intake": "Ctrl+2", "kpi": "Ctrl+3", "admin": "Ctrl+4",
             "overview": "Ctrl+5"}


class Workspace(QWidget):
    case_opened = Signal(int)

    def __init__(self, seat: Seat, parent=None, *, outbox: Outbox | None = None,
                 map_enabled: bool = True, live: bool = True, poll_ms: int = POLL_MS,
                 auto_refresh_ms: int = 10_000, drafts: DraftStore | None = None):
        super().__init__(parent)
        self.seat = seat
        self.drafts = DraftKeeper(seat, drafts, self)
        self.outbox = outbox or Outbox(self.drafts.owner)
        self.map = None
        self.kpi = self.admin = self.overview = self.intake = self.wall = None
        self.palette: CommandPalette | None = None
        self.pages = QTabWidget(self)
        self.pages.setObjectName("workspacePages")
        self.page_widgets: dict[str, QWidget] = {}
        self._build_workbench(auto_refresh_ms)
        self._build_role_pages()
        self.banner = ConnectionBanner(seat.monitor, self)
        self._lay_out(map_enabled)
        self.registry = ActionRegistry(self, self._specs())
        self.registry.triggered.connect(self.run_action)
        self.live = LiveUpdates(seat.hub, seat.wf, seat.actor, seat.monitor, self, poll_ms,
                                listen_url=seat.listen_url)
        self._connect()
        if live:
            self.live.start()
        if self.intake is not None:
            QTimer.singleShot(0, self.intake.submitter.flush)
        self.draft_offer.ask(only_if_any=True)  # what this user left unsaved last time

    # -- construction -------------------------------------------------------------------------
    def _build_workbench(self, auto_refresh_ms: int) -> None:
        seat = self.seat
        self.workbox = WorkBoxPanel(seat.sessions, seat.user, seat.tasks, self,
                                    auto_refresh_ms=auto_refresh_ms, reads=seat.reads)
        self.detail = CaseDetailPanel(seat, self, WORKFLOW_SHORTCUTS)
        bench = QSplitter(Qt.Orientation.Vertical, self)
        bench.addWidget(self.workbox)
        bench.addWidget(self.detail)
        bench.setSizes([380, 520])
        self._add_page("workbench", bench, self.tr("Workbench"))

    def _build_role_pages(self) -> None:
        role, seat = self.seat.role, self.seat
        if role == Role.ACCEPTOR:
            self.intake = IntakeForm(seat, self.outbox, self)
            self._add_page("intake", self._scrolled(self.intake), self.tr("Hotline intake"))
        if role in (Role.SHIFT_LEAD, Role.ADMIN):
            from seatdesk.ui.kpi.panels import KpiPanels

            self.kpi = KpiPanels(seat.reads, self)
            self._add_page("kpi", self._scrolled(self.kpi), self.tr("Statistics"))
        if role == Role.ADMIN:
            from seatdesk.ui.admin import AdminPanel
            from seatdesk.ui.session.overview_panel import OverviewPanel

            self.admin = AdminPanel(seat.sessions, seat.user, parent=self)
            self._add_page("admin", self._scrolled(self.admin), self.tr("Administration"))
            self.overview = OverviewPanel(seat.sessions, parent=self)
            self._add_page("overview", self.overview, self.tr("Overview"))

    def _scrolled(self, page: QWidget) -> QScrollArea:
        """A page that scrolls rather than widening every page (a tab widget is as wide as
        its widest page: the statistics made the 1280×720 workbench lose its columns)."""
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        return scroll

    def _add_page(self, key: str, widget: QWidget, title: str) -> None:
        self.page_widgets[key] = widget
        self.pages.addTab(widget, f"{title} ({PAGE_KEYS[key]})")

    def _lay_out(self, map_enabled: bool) -> None:
        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.split.addWidget(self.pages)
        if map_enabled:
            from seatdesk.map.view import MapView

            self.map_tasks = TaskRunner(self)  # the map's reads never queue behind the seat's
            self.map = MapView(self.map_tasks, self,
                               state_labels={s: L.state(s) for s in L.STATES if s})
            self.map.setObjectName("workspaceMap")
            self.split.addWidget(self.map)
            self.split.setStretchFactor(0, 1)
            self.split.splitterMoved.connect(lambda *_a: setattr(self, "_map_dragged", True))
            self.map.load(self.seat.reads)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.split, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802
        """The map takes what the pages can spare: 560 px on a 1600 px window, 240 px on a
        1280 px one (the table keeps eight whole columns); once the user drags the
        splitter, their choice stays."""
        super().resizeEvent(event)
        if self.map is not None and not getattr(self, "_map_dragged", False):
            width = event.size().width()
            map_width = max(MAP_MIN, min(MAP_MAX, width - PAGES_AT_LEAST))
            self.split.setSizes([width - map_width, map_width])

    def _specs(self) -> list[ActionSpec]:
        specs = [ActionSpec("palette", self.tr("Command palette"), "Ctrl+K"),
                 ActionSpec("focus_queue", self.tr("Go to the case table"), "F6"),
                 ActionSpec("focus_search", self.tr("Search cases"), "Ctrl+Alt+F")]
        titles = {"workbench": self.tr("Workbench"), "intake": self.tr("Hotline intake"),
                  "kpi": self.tr("Statistics"), "admin": self.tr("Administration"),
                  "overview": self.tr("Overview")}
        for key in self.page_widgets:
            specs.append(ActionSpec(f"page_{key}", self.tr("Show: %1").replace(
                "%1", titles[key]), PAGE_KEYS[key]))
        if self.intake is not None:
            specs.append(ActionSpec("new_intake", self.tr("New hotline report"), "Ctrl+N"))
        specs.append(ActionSpec("drafts", self.tr("Unsaved drafts…"), ""))
        if self.map is not None:
            specs.append(ActionSpec("show_on_map", self.tr("Show the case on the map"),
                                    "Ctrl+Alt+M"))
        if self.seat.role in (Role.SHIFT_LEAD, Role.ADMIN):
            specs.append(ActionSpec("reports", self.tr("Reports and shift handover"),
                                    "Ctrl+Alt+R"))
        if self.seat.role in (Role.SHIFT_LEAD, Role.ADMIN, Role.WALL):
            specs.append(ActionSpec("wall", self.tr("Wall display"), "Ctrl+Alt+W"))
        return specs + workflow_specs()

    def _connect(self) -> None:
        seat = self.seat
        self._queue_timer = QTimer(self, singleShot=True, interval=QUEUE_COALESCE_MS,
                                   timeout=self.workbox.refresh)
        self._follow = QTimer(self, singleShot=True, interval=DETAIL_FOLLOW_MS,
                              timeout=self._follow_selection)
        seat.hub.cases_changed.connect(self.on_cases_changed)
        seat.monitor.restored.connect(self._restored)
        self.workbox.loader.failed.connect(seat.monitor.report)
        self.workbox.case_activated.connect(self.open_case)
        self.workbox.case_activated.connect(lambda _id: self._focus_actions())
        self._table_case: int | None = None
        self.workbox.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.detail.actions_changed.connect(self.registry.set_allowed)
        self.detail.case_loaded.connect(self._case_loaded)
        self.detail.dialog_opened.connect(self.drafts.watch_dialog)
        self.draft_offer = DraftOffer(self)
        if self.intake is not None:
            self.drafts.watch_intake(self.intake)
            self.intake.case_registered.connect(self.open_case)
            self.intake.submitter.outbox_changed.connect(self.banner.set_outbox_count)
        if self.map is not None:
            self.map.case_clicked.connect(self.open_case)
            # a handset's position ping moves the supervisor layer (at most once a second)
            self._positions_timer = QTimer(self, singleShot=True, interval=POSITIONS_COALESCE_MS,
                                           timeout=self.map.refresh_supervisors)
            seat.hub.positions_changed.connect(self._positions_pinged)
            if self.intake is not None:
                self.intake_map = IntakeMapLink(self.intake.location, self.map, self)
        if self.kpi is not None:
            self.kpi.refresh()

    # -- what changed -------------------------------------------------------------------------
    def on_cases_changed(self, changes: CaseChanges) -> None:
        self._queue_timer.start()
        if self.map is not None and changes.everything:
            self.map.reload_cases()  # a reconnection, or more ids than one batch names
        elif self.map is not None and changes.ids:
            self.map.apply_changes(changes.ids)
        if self.kpi is not None:
            self.kpi.changed()

    def _positions_pinged(self) -> None:
        if not self._positions_timer.isActive():
            self._positions_timer.start()

    def _restored(self) -> None:
        self.seat.hub.announce((), "resync", everything=True)
        if self.intake is not None:
            self.intake.submitter.flush()

    # -- navigation ---------------------------------------------------------------------------
    def open_case(self, case_id: int) -> None:
        self.show_page("workbench")
        self.workbox.mark_case(case_id)
        self.detail.show_case(case_id)
        self.case_opened.emit(case_id)

    def _row_changed(self, *_args) -> None:
        """The user moved to another case in the table: the detail follows (a refresh that
        only shifts rows keeps the same case and does nothing)."""
        case_id = self.workbox.current_case_id()
        moved, self._table_case = case_id != self._table_case, case_id
        if moved and self.workbox.table.hasFocus():
            self._follow.start()

    def _follow_selection(self) -> None:
        case_id = self.workbox.current_case_id()
        if case_id is not None and case_id != self.detail.case_id:
            self.workbox.shown_case = case_id
            self.detail.show_case(case_id)

    def _focus_actions(self) -> None:
        buttons = [b for b in self.detail.buttons.values() if b.isEnabled()]
        if buttons:
            buttons[0].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _case_loaded(self, view) -> None:
        if self.map is not None:
            self.map.show_case(view.case_id)

    def show_page(self, key: str) -> None:
        widget = self.page_widgets.get(key)
        if widget is not None:
            self.pages.setCurrentWidget(widget)

    # -- actions ------------------------------------------------------------------------------
    def run_action(self, name: str) -> None:
        if name in WORKFLOW_SHORTCUTS:
            self.show_page("workbench")
            self.detail.start_action(name)
        elif name.startswith("page_"):
            self.show_page(name.removeprefix("page_"))
        else:
            handler = getattr(self, f"_do_{name}", None)
            if handler is not None:
                handler()

    def _do_palette(self) -> CommandPalette:
        self.palette = CommandPalette(self.seat, self.registry, self)
        self.palette.action_chosen.connect(self.registry.trigger)
        self.palette.case_chosen.connect(self.open_case)
        self.palette.open()
        self.palette.query.setFocus()
        return self.palette

    def _do_focus_queue(self) -> None:
        self.show_page("workbench")
        self.workbox.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _do_focus_search(self) -> None:
        self.show_page("workbench")
        self.workbox.search.focus_search()

    def _do_new_intake(self) -> None:
        self.show_page("intake")
        if self.intake.is_blank():
            self.intake.clear()
        self.intake.source.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _do_show_on_map(self) -> None:
        if self.detail.case_id is not None:
            self.map.show_case(self.detail.case_id)

    def _do_reports(self) -> None:
        from seatdesk.ui.kpi.report_dialog import ReportDialog

        self.reports = ReportDialog(self.seat.sessions, self.seat.user.user_id, self,
                                    reads=self.seat.reads)
        self.reports.open()

    def _do_wall(self) -> None:
        from seatdesk.ui.wall.display import WallWindow

        if self.wall is None:  # a window of its own (another screen), closed at sign-out
            self.wall = WallWindow(self.seat.reads)
        self.wall.show()
        self.wall.raise_()

    def _do_drafts(self) -> None:
        self.draft_offer.ask()

    def title(self) -> str:
        return f"{self.seat.user.display_name}（{L.role(self.seat.role)}）"

    # -- shutting down ------------------------------------------------------------------------
    def shutdown(self) -> None:
        self.drafts.stop()
        if self.wall is not None:
            self.wall.close()
            self.wall.deleteLater()
            self.wall = None
        self.live.stop()
        self._queue_timer.stop()
        self.workbox.shutdown()
        if self.kpi is not None:
            self.kpi.stop()
        if self.overview is not None:
            self.overview.stop()
        if self.admin is not None:
            self.admin.shutdown()
        if self.map is not None:  # its web page must go before its profile (Qt warns)
            self.map.supervisor_timer.stop()
            self.map_tasks.wait(10_000)
            self.map.setParent(None)
            self.map.deleteLater()
            QCoreApplication.sendPostedEvents(self.map, QEvent.Type.DeferredDelete)
            self.map = None
        self.seat.shutdown()
