"""Where the problem is: the intake form's location block, a view of one ``LocationModel``.

Typing searches roads, known addresses, communities and streets, grid cells and
components off the GUI thread (``checks.search_places``: for a road name the road and
its addresses come first, components last); Enter takes a hit. The map button (F9) puts
the map in pick mode; the click arrives through the workspace (``intake.map_link``).
Whichever way the point is chosen, the model resolves it like a map pick and every part
of this block — search text, address, resolved line, components — shows that one
location. The address menu (the arrow beside it, or Alt+↓ in the address field) offers
the point's own address, a known address nearby and the chosen component's name.

A point outside the city's extent (``city_extent``; ``PickResult.outside_city``) is said
in red under the resolved line as soon as it is resolved — check the point; registered
there, the case has no grid cell — and saving it asks first (``form.OutsideCityPrompt``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
)

from seatdesk.map.pick import PickResult
from seatdesk.models import dberrors

from seatdesk.ui.intake.checks import PlaceHit, resolve, search_places
from seatdesk.ui.intake.class_picker import SuggestBox
from seatdesk.ui.intake.location_model import Location, LocationModel
from seatdesk.ui.session.seat import Seat

SEARCH_DELAY_MS = 250
NOTE_STYLE = "color: #b35900;"
WARNING_STYLE = "color: #c62828; font-weight: 600;"


class LocationPicker(QWidget):
    location_changed = Signal(object)  # PickResult | None (the model's ``changed`` has more)
    pick_requested = Signal(bool)

    def __init__(self, seat: Seat, parent=None):
        super().__init__(parent)
        self.seat = seat
        self.model = LocationModel(self)
        self._build()
        self._lay_out()
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS, timeout=self._search)
        self.search.text_edited.connect(lambda _t: self._timer.start())
        self.search.chosen.connect(self.take_place)
        self.address.textChanged.connect(self._address_changed)
        self.component.activated.connect(
            lambda i: self.model.choose_component(self.component.itemData(i) or ""))
        self.model.changed.connect(self._show)
        self.model.resolve_needed.connect(self._resolve)

    def _build(self) -> None:
        self.search = SuggestBox(self, self.tr("Search: road and number, place, community, "
                                               "grid cell or component code"))
        self.search.setObjectName("intakePlace")
        self.search.line.setObjectName("intakePlaceLine")
        self.map_button = QPushButton(self.tr("Pick on map (F9)"), self)
        self.map_button.setObjectName("intakePickButton")
        self.map_button.setCheckable(True)
        self.map_button.toggled.connect(self.pick_requested)
        self.address = QLineEdit(self)
        self.address.setObjectName("intakeAddress")
        self.address.setPlaceholderText(self.tr("Address as the caller describes it"))
        self.address_menu = QMenu(self)
        self.address_button = QToolButton(self)
        self.address_button.setObjectName("intakeAddressMenu")
        self.address_button.setArrowType(Qt.ArrowType.DownArrow)
        self.address_button.setToolTip(self.tr("Address from the location (Alt+↓)"))
        self.address_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.address_button.setMenu(self.address_menu)
        self.address_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.address_button.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        self.address_menu.aboutToShow.connect(self._fill_address_menu)
        QShortcut(QKeySequence("Alt+Down"), self.address, self._open_address_menu,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.resolved = QLabel(self.tr("No location chosen yet"), self)
        self.resolved.setObjectName("intakeResolved")
        self.resolved.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setObjectName("intakeLocationNote")
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.setWordWrap(True)
        self.note.hide()
        self.outside = QLabel(self)
        self.outside.setObjectName("intakeOutsideCity")
        self.outside.setStyleSheet(WARNING_STYLE)
        self.outside.setWordWrap(True)
        self.outside.hide()
        self.component = QComboBox(self)
        self.component.setObjectName("intakeComponent")
        self.component.addItem(self.tr("No component"), "")

    def _lay_out(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.search, 0, 0)
        grid.addWidget(self.map_button, 0, 1)
        grid.addWidget(self.address, 1, 0)
        grid.addWidget(self.address_button, 1, 1, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.resolved, 2, 0, 1, 2)
        grid.addWidget(self.outside, 3, 0, 1, 2)
        grid.addWidget(self.note, 4, 0, 1, 2)
        grid.addWidget(self.component, 5, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        order = [self.search.line, self.map_button, self.address, self.component]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # -- the model's state, as the form reads it --------------------------------------------
    @property
    def location(self) -> Location:
        return self.model.location

    @property
    def pick(self) -> PickResult | None:
        return self.model.location.pick

    @property
    def lon(self) -> float | None:
        return self.model.location.lon

    @property
    def lat(self) -> float | None:
        return self.model.location.lat

    @property
    def located(self) -> bool:
        return self.model.location.located

    def component_code(self) -> str:
        return self.model.location.component_code

    # -- what changes it ------------------------------------------------------------------------
    def clear(self) -> None:
        self.search.line.clear()
        self.search.list.hide()
        self.map_button.setChecked(False)
        self.model.clear()

    def take_place(self, hit: PlaceHit) -> None:
        self.model.take_hit(hit)

    def set_point(self, lon: float, lat: float, component_code: str = "") -> None:
        """A location restored from a draft: resolved like a pick."""
        self.model.restore(lon, lat, component_code)

    def set_coordinates(self, lon: float, lat: float) -> None:
        """A map click, before (or without — the database may be away) its resolution."""
        self.model.picked_on_map(lon, lat)

    def set_pick(self, result: PickResult) -> None:
        """What the map pick resolved to."""
        self.model.picked_on_map(result.lon, result.lat)
        self.model.resolved(result)

    def _address_changed(self, text: str) -> None:
        if text != self.model.location.address:  # typed, or set by a restored draft
            self.model.type_address(text)

    # -- reading off the GUI thread ----------------------------------------------------------
    def _search(self) -> None:
        text, seat = self.search.line.text(), self.seat

        def work():
            with seat.sessions() as session:
                return search_places(session, text)

        self.seat.read("intake.places", work, self._found, self._search_failed)

    def _search_failed(self, exc: Exception, _trace: str) -> None:
        """A refused search text (too long, control characters) says why under the box."""
        self.search.set_choices((), show=False)
        self.resolved.setText(dberrors.user_message(exc))

    def _found(self, hits: tuple[PlaceHit, ...]) -> None:
        kinds = {"road": self.tr("road"), "cell": self.tr("grid cell"),
                 "community": self.tr("community"), "street": self.tr("street"),
                 "component": self.tr("component"), "address": self.tr("known address")}
        rows = [(f"{h.label}  [{kinds[h.kind]}{(' ' + h.detail) if h.detail else ''}]",
                 h.detail, h) for h in hits]
        self.search.set_choices(rows, show=self.search.line.hasFocus() or bool(rows))

    def _resolve(self, lon: float, lat: float) -> None:
        sessions = self.seat.sessions
        self.seat.read("intake.resolve", lambda: resolve(sessions, lon, lat), self.model.resolved)

    # -- showing it -------------------------------------------------------------------------------
    def _show(self, loc: Location) -> None:
        self._show_search_text(loc)
        if self.address.text() != loc.address:
            self.address.setText(loc.address)
        self.resolved.setText(self._resolved_text(loc))
        self._show_outside(loc)
        self._show_note(loc)
        self._fill_components(loc)
        self.location_changed.emit(loc.pick)

    def _show_search_text(self, loc: Location) -> None:
        if loc.origin == "search" and loc.hit is not None:
            text = loc.hit.label
        elif loc.origin == "map":
            text = self.tr("Map pick: %1").replace("%1", self._point_name(loc))
        elif loc.origin == "draft":
            text = loc.address
        else:
            return  # nothing chosen: the search line keeps what is being typed
        if self.search.line.text() != text:
            self.search.line.setText(text)
            self.search.list.hide()

    def _point_name(self, loc: Location) -> str:
        if loc.pick is None:
            return f"{loc.lon:.6f}, {loc.lat:.6f}"
        return loc.pick.road or loc.pick.cell_name or f"{loc.lon:.6f}, {loc.lat:.6f}"

    def _resolved_text(self, loc: Location) -> str:
        if not loc.located:
            return self.tr("No location chosen yet")
        result = loc.pick
        if result is None:
            return self.tr("Point %1, %2 (grid cell not resolved yet)").replace(
                "%1", f"{loc.lon:.6f}").replace("%2", f"{loc.lat:.6f}")
        if not result.in_grid:
            return self.tr("Outside every grid cell: check the location")
        text = self.tr("Grid cell %1 %2 · %3 · %4").replace("%1", result.cell_code).replace(
            "%2", result.cell_name).replace("%3", result.community).replace("%4", result.street)
        if result.road:
            text += " · " + self.tr("road %1 (%2 m)").replace("%1", result.road).replace(
                "%2", f"{result.road_distance_m:.0f}")
        return text

    def _show_outside(self, loc: Location) -> None:
        outside = loc.pick is not None and loc.pick.outside_city
        self.outside.setVisible(outside)
        if outside:
            self.outside.setText(self.tr(
                "This point (%1, %2) is outside the city's extent. Check the location with "
                "the caller: a point here is most likely misplaced, and a case registered "
                "here has no grid cell. Saving it asks for a confirmation.")
                .replace("%1", f"{loc.lon:.6f}").replace("%2", f"{loc.lat:.6f}"))
        else:
            self.outside.clear()

    def _show_note(self, loc: Location) -> None:
        place = loc.place_address()
        stale = loc.address_typed and loc.pick is not None and place and place != loc.address
        self.note.setVisible(bool(stale))
        if stale:
            self.note.setText(self.tr("The address was typed and stays as it is; the location "
                                      "gives “%1” (Alt+↓ to use it)").replace("%1", place))

    def _fill_components(self, loc: Location) -> None:
        self.component.blockSignals(True)
        self.component.clear()
        self.component.addItem(self.tr("No component"), "")
        for c in loc.pick.components if loc.pick is not None else ():
            self.component.addItem(f"{c.name or c.class_name} {c.code} ({c.distance_m:.0f} m)",
                                   c.code)
        wanted = loc.component_code
        if wanted and self.component.findData(wanted) < 0:
            self.component.addItem(loc.component_name() or wanted, wanted)
        self.component.setCurrentIndex(max(0, self.component.findData(wanted)))
        self.component.blockSignals(False)

    # -- the address menu ----------------------------------------------------------------------
    def address_choices(self) -> list[tuple[str, str, bool]]:
        """(menu text, address, is the point's own) the location offers: its own place, a
        known address nearby, the chosen component's name."""
        loc = self.model.location
        out = []
        if loc.place_address():
            out.append((self.tr("From the location: %1"), loc.place_address(), True))
        if loc.pick is not None and loc.pick.known_address:
            out.append((self.tr("Known address nearby: %1"), loc.pick.known_address, False))
        if loc.component_code and loc.component_name():
            out.append((self.tr("The component's name: %1"), loc.component_name(), False))
        return [(label.replace("%1", text), text, own) for label, text, own in out]

    def _fill_address_menu(self) -> None:
        self.address_menu.clear()
        choices = self.address_choices()
        for label, text, own in choices:
            action = self.address_menu.addAction(label)
            if own:  # the address follows the point again
                action.triggered.connect(self.model.use_place_address)
            else:
                action.triggered.connect(lambda _c=False, t=text: self.model.use_address(t))
        if not choices:
            self.address_menu.addAction(self.tr("Choose the location first")).setEnabled(False)

    def _open_address_menu(self) -> None:
        self.address_menu.popup(self.address.mapToGlobal(self.address.rect().bottomLeft()))
