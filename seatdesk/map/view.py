"""The map widget: a QWebEngineView on the folium page and a QWebChannel bridge.

The page is rendered off the GUI thread (``loader.load_map``), written to a file and
loaded from it (``setHtml`` stops at 2 MB). Python → page: small JSON messages run as
``seatdesk.receive(msg)``; until the page reports ``ready`` they wait in an outbox, so
callers never need to know whether the page is up. Page → Python: the bridge object's one
slot ``command(json)`` (Anki's pattern). Database work goes through the caller's
``TaskRunner`` (``seatdesk.ui.tasks``), passed in because ``seatdesk.map`` sits below
``seatdesk.ui`` in the layer contract.

Create the QApplication with ``seatdesk.ui.session.app.make_application`` (it turns the Chromium
sandbox off when running as root) and import this module before it if possible.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from . import loader, messages
from .coords import Display
from .cases import CHINESE_MARKERS, MarkerTexts
from .labels import CONTEXT, page_texts, remaining_words
from .messages import Message
from .pagefolder import PageFolder
from .settings import DEFAULT_MAP

log = logging.getLogger(__name__)
SUPERVISOR_REFRESH_MS = 60_000


class TaskSubmitter(Protocol):
    """What the view needs of ``seatdesk.ui.tasks.TaskRunner``."""

    def submit(
        self,
        key: str,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[Exception, str], None] | None = None,
    ) -> int: ...


def _translate(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def translated_page_texts() -> dict[str, str]:
    """The page texts in the UI language (context ``MapPage`` of the .ts files)."""
    return page_texts(_translate)


def translated_marker_texts(state_labels: dict[str, str] | None) -> MarkerTexts:
    """The markers' state labels (the caller's, in the UI language) and remaining-time words."""
    return MarkerTexts(states=state_labels or CHINESE_MARKERS.states,
                       remaining=remaining_words(_translate))


class MapBridge(QObject):
    """The object the page sees as ``bridge``: one JSON command slot."""

    event_received = Signal(object)

    @Slot(str)
    def command(self, text: str) -> None:
        try:
            event = json.loads(text)
        except ValueError:
            log.warning("map page sent invalid JSON: %.200s", text)
            return
        if isinstance(event, dict):
            self.event_received.emit(event)


class MapPage(QWebEnginePage):
    """Stays on its own page (links are not followed) and reports console errors."""

    console_error = Signal(str)

    def acceptNavigationRequest(self, url: QUrl, nav_type, is_main_frame: bool) -> bool:  # noqa: N802
        if nav_type == QWebEnginePage.NavigationType.NavigationTypeLinkClicked:
            return False
        return url.isLocalFile()

    def javaScriptConsoleMessage(self, level, message: str, line: int, source: str) -> None:  # noqa: N802
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            self.console_error.emit(f"{source}:{line}: {message}")


class MapView(QWidget):
    """The GIS map of the seat. See the module docstring; signals carry WGS84 values."""

    case_clicked = Signal(int)
    location_picked = Signal(float, float)  # lon, lat (WGS84)
    pick_resolved = Signal(object)  # seatdesk.map.pick.PickResult
    component_chosen = Signal(int)
    case_shown = Signal(int)
    markers_changed = Signal(object)  # case ids whose markers a live update redrew or removed
    ready = Signal()  # page up and the open cases drawn
    failed = Signal(str)

    def __init__(self, tasks: TaskSubmitter, parent: QWidget | None = None,
                 state_labels: dict[str, str] | None = None):
        """``state_labels``: case state → label in the UI language (the seat passes its
        translated labels; without them the core's Chinese labels are shown)."""
        super().__init__(parent)
        self.tasks = tasks
        self.marker_texts = translated_marker_texts(state_labels)
        self.sessions = None
        self.settings = DEFAULT_MAP
        self.display = Display()
        self.page_path: Path | None = None
        self.last_load: loader.PageLoad | None = None
        self.last_live: loader.LiveLoad | None = None
        self.timings: dict[str, float] = {}
        self.js_errors: list[str] = []
        folder = PageFolder()  # removed with the view; a killed seat's by the next (sweep)
        self._dir = folder.path
        self.destroyed.connect(lambda *_a, f=folder: f.remove())
        self._outbox: list[Message] = []
        self._initial: list[Message] = []
        self._page_ready = self._live_ready = self._usable = False
        self._positions: dict[int, tuple[float, float]] = {}
        self._pending_ids: set[int] = set()
        self._changes_running = False
        self._pongs: dict[int, Callable[[], None]] = {}
        self._tokens = itertools.count(1)
        self._loads = itertools.count(1)
        self._build_web()
        self.supervisor_timer = QTimer(
            self, interval=SUPERVISOR_REFRESH_MS, timeout=self.refresh_supervisors
        )

    def _build_web(self) -> None:
        self.bridge = MapBridge(self)
        self.bridge.event_received.connect(self._on_event)
        # an off-the-record profile of its own (tests put their request interceptor on it),
        # owned by the page so that it outlives it
        self.profile = QWebEngineProfile()
        self.web = QWebEngineView(self)
        self.web.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.page = MapPage(self.profile, self.web)
        self.profile.setParent(self.page)
        self.page.console_error.connect(self._js_error)
        self.channel = QWebChannel(self.page)
        self.channel.registerObject("bridge", self.bridge)
        self.page.setWebChannel(self.channel)
        self.web.setPage(self.page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.web)

    # -- public interface -------------------------------------------------------------
    @property
    def is_ready(self) -> bool:
        return self._usable

    def load(self, sessions) -> None:
        """Read the layers, render the page and show it; the open cases are read in
        parallel (both off the GUI thread) and drawn once the page is up."""
        self.sessions = sessions
        self._page_ready = self._live_ready = self._usable = False
        self._initial = []
        self.timings = {"load": time.perf_counter()}
        texts, directory, n = translated_page_texts(), self._dir, next(self._loads)
        self.tasks.submit(
            "map.page",
            lambda: loader.load_page(sessions, texts, directory / f"page{n}"),
            self._page_loaded,
            self._failed,
        )
        marker_texts = self.marker_texts
        self.tasks.submit(
            "map.live", lambda: loader.load_live(sessions, texts=marker_texts),
            self._live_loaded, self._failed
        )

    def show_case(self, case_id: int) -> None:
        """Pan to the case and highlight it (a closed case is looked up in the database)."""
        if case_id in self._positions or self.sessions is None:
            self._send(messages.show_case(case_id, self.display))
            return
        sessions, display = self.sessions, self.display
        self.tasks.submit(
            "map.show_case",
            lambda: loader.case_to_show(sessions, case_id, display),
            lambda msg: msg and self._send(msg),
            self._failed,
        )

    def set_pick_mode(self, on: bool, keep_pin: bool = False) -> None:
        """In pick mode a click places a draggable pin; each placement emits ``location_picked``.
        Leaving pick mode removes the pin unless ``keep_pin``."""
        self._send(messages.pick_mode(on, keep_pin))

    def set_pin(self, lon: float | None, lat: float | None, pan: bool = True) -> None:
        """Show a location chosen elsewhere (the intake's search) with the pin, or remove it."""
        self._send(messages.set_pin(self.display, lon, lat, pan))

    def show_pick(self, result) -> None:
        """Describe a resolved location at the pin (cell, road, components) as a pick does."""
        self._send(messages.pick_info(result, self.display))

    def apply_changes(self, changes: Iterable[Any]) -> None:
        """Redraw the changed cases: added, recoloured or removed by one small message.

        A change is ``{"case_id": id}`` (or ``{"id": id}``), an object with ``case_id``
        (``seatdesk.workflow.values.CaseChange``) or a bare id. The cases are re-read, so
        the light and stage are the database's; fetches are serialised and coalesced.
        """
        self._pending_ids.update(_case_id(change) for change in changes)
        self._next_changes()

    def reload_cases(self) -> None:
        """Re-read every open case and redraw the layer (one ``set_cases``): after a
        reconnection, or when so many cases were announced at once — a flood of forged
        notifications — that naming them one by one would cost more than this."""
        if self.sessions is None or not self._live_ready:
            return  # the first load, still to come or under way, reads them anyway
        sessions, texts = self.sessions, self.marker_texts
        self.tasks.submit("map.reload", lambda: loader.load_live(sessions, texts=texts),
                          self._reloaded, self._failed)

    def _reloaded(self, result: loader.LiveLoad) -> None:
        self.last_live = result
        self._positions = dict(result.case_positions)
        self._send(result.messages[0])  # set_cases (the supervisors have their own timer)

    def refresh_supervisors(self) -> None:
        if self.sessions is None:
            return
        sessions, display, settings = self.sessions, self.display, self.settings
        self.tasks.submit(
            "map.supervisors",
            lambda: loader.supervisors(sessions, display, settings),
            self._send,
            self._failed,
        )

    def ping(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the page has handled every message sent before this one."""
        token = next(self._tokens)
        self._pongs[token] = callback
        self._send(messages.ping(token))

    def run_js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run JavaScript in the page (tests and diagnostics)."""
        if callback is None:
            self.page.runJavaScript(script)
        else:
            self.page.runJavaScript(script, 0, callback)

    # -- plumbing -----------------------------------------------------------------------
    def _send(self, msg: Message) -> None:
        if self._page_ready and self._live_ready:
            self.page.runJavaScript(f"seatdesk.receive({json.dumps(msg, ensure_ascii=False)});")
        else:
            self._outbox.append(msg)

    def _use_settings(self, settings) -> None:
        self.settings = settings
        self.display = Display(settings.tile_crs)

    def _page_loaded(self, result: loader.PageLoad) -> None:
        self.timings["page_written"] = time.perf_counter()
        self._use_settings(result.settings)
        self.page.settings().setAttribute(
            QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls,
            result.settings.has_tiles,
        )
        self.page.settings().setAttribute(
            QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True
        )
        self.page_path = result.page
        self.last_load = result
        self.web.load(QUrl.fromLocalFile(str(result.page)))

    def _live_loaded(self, result: loader.LiveLoad) -> None:
        self.timings["live_read"] = time.perf_counter()
        self.last_live = result
        self._use_settings(result.settings)
        self._positions = dict(result.case_positions)
        self._initial = list(result.messages)
        self._live_ready = True
        self._flush()
        self._next_changes()  # changes announced while loading

    def _flush(self) -> None:
        """Once the page is up and the first data are read: first data, then the outbox."""
        if not (self._page_ready and self._live_ready):
            return
        pending, self._initial, self._outbox = self._initial + self._outbox, [], []
        for msg in pending:
            self._send(msg)

    def _failed(self, exc: Exception, trace: str) -> None:
        log.error("map: %s", trace)
        self.failed.emit(f"{type(exc).__name__}: {exc}")

    def _js_error(self, text: str) -> None:
        log.warning("map page: %s", text)
        self.js_errors.append(text)

    def _next_changes(self) -> None:
        if self._changes_running or not self._pending_ids or self.sessions is None:
            return
        ids, sessions, display = frozenset(self._pending_ids), self.sessions, self.display
        texts = self.marker_texts
        self._pending_ids.clear()
        self._changes_running = True
        self.tasks.submit(
            "map.changes",
            lambda: loader.case_update(sessions, ids, display, texts=texts),
            self._changes_done,
            self._changes_failed,
        )

    def _changes_done(self, update: loader.CaseUpdate) -> None:
        self._changes_running = False
        for case_id in update.removed:
            self._positions.pop(case_id, None)
        self._positions.update(update.positions)
        self._send(update.message)
        self._next_changes()

    def _changes_failed(self, exc: Exception, trace: str) -> None:
        self._changes_running = False
        self._failed(exc, trace)

    # -- events from the page -------------------------------------------------------------
    def _on_event(self, event: dict[str, Any]) -> None:
        handler = self._HANDLERS.get(event.get("event"))
        if handler is None:
            log.warning("map page sent an unknown event: %.200s", event)
            return
        handler(self, event)

    def _on_ready(self, _event) -> None:
        self.timings["page_ready"] = time.perf_counter()
        self._page_ready = True
        self._flush()

    def _on_cases_loaded(self, _event) -> None:
        self.timings["cases_drawn"] = time.perf_counter()
        if not self._usable:
            self._usable = True
            self.supervisor_timer.start()
            self.ready.emit()

    def _on_viewport(self, event) -> None:
        if self.sessions is None:
            return
        box = (
            float(event["west"]),
            float(event["south"]),
            float(event["east"]),
            float(event["north"]),
        )
        sessions, display, limit = self.sessions, self.display, self.settings.component_limit
        self.tasks.submit(
            "map.components",
            lambda: loader.viewport_components(sessions, box, display, limit),
            self._send,
            self._failed,
        )

    def _on_picked(self, event) -> None:
        lon, lat = self.display.from_page(float(event["lng"]), float(event["lat"]))
        self.location_picked.emit(lon, lat)
        if self.sessions is None:
            return
        sessions, display, settings = self.sessions, self.display, self.settings

        def shown(result) -> None:
            self._send(messages.pick_info(result, display))
            self.pick_resolved.emit(result)

        self.tasks.submit(
            "map.pick", lambda: loader.pick(sessions, lon, lat, settings), shown, self._failed
        )

    def _on_pong(self, event) -> None:
        callback = self._pongs.pop(int(event["token"]), None)
        if callback is not None:
            callback()

    def _on_error(self, event) -> None:
        self._js_error(str(event.get("message", "")))

    _HANDLERS: dict[str, Callable[[MapView, dict[str, Any]], None]] = {
        "ready": _on_ready,
        "cases_loaded": _on_cases_loaded,
        "case_clicked": lambda self, e: self.case_clicked.emit(int(e["id"])),
        "case_shown": lambda self, e: self.case_shown.emit(int(e["id"])),
        "cases_updated": lambda self, e: self.markers_changed.emit([int(i) for i in e["ids"]]),
        "component_clicked": lambda self, e: self.component_chosen.emit(int(e["id"])),
        "component_chosen": lambda self, e: self.component_chosen.emit(int(e["id"])),
        "viewport": _on_viewport,
        "picked": _on_picked,
        "pong": _on_pong,
        "error": _on_error,
    }


def _case_id(change: Any) -> int:
    if isinstance(change, int):
        return change
    if isinstance(change, dict):
        return int(change.get("case_id", change.get("id")))
    return int(change.case_id)
