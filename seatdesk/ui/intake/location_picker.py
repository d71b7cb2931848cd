"""Where the problem is: address search or a pick on the map, resolved to grid cell,
community, street and nearby components (the intake form's location block).

Typing searches grid cells, communities, streets, components and known addresses off
the GUI thread (``intake_checks.search_places``); Enter takes a hit. The map button (F9)
asks the workspace to put the map in pick mode; its ``pick_resolved`` result comes back
through ``set_pick``. Either way the point is resolved like a map pick and the nearby
components are offered for the case's 部件.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from seatdesk.map.pick import PickResult
from seatdesk.models import dberrors

from seatdesk.ui.intake.class_picker import SuggestBox
from seatdesk.ui.intake.checks import PlaceHit, resolve, search_places
from seatdesk.ui.session.seat import Seat

SEARCH_DELAY_MS = 250


class LocationPicker(QWidget):
    location_changed = Signal(object)  # PickResult | None
    pick_requested = Signal(bool)

    def __init__(self, seat: Seat, parent=None):
        super().__init__(parent)
        self.seat = seat
        self.pick: PickResult | None = None
        self.lon: float | None = None
        self.lat: float | None = None
        self._wanted_component = ""
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
        self.resolved = QLabel(self.tr("No location chosen yet"), self)
        self.resolved.setObjectName("intakeResolved")
        self.resolved.setWordWrap(True)
        self.component = QComboBox(self)
        self.component.setObjectName("intakeComponent")
        self.component.addItem(self.tr("No component"), "")
        self.component.currentIndexChanged.connect(lambda _i: self.location_changed.emit(self.pick))
        self._lay_out()
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS, timeout=self._search)
        self.search.text_edited.connect(lambda _t: self._timer.start())
        self.search.chosen.connect(self.take_place)

    def _lay_out(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.search, 0, 0)
        grid.addWidget(self.map_button, 0, 1)
        grid.addWidget(self.address, 1, 0, 1, 2)
        grid.addWidget(self.resolved, 2, 0, 1, 2)
        grid.addWidget(self.component, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        order = [self.search.line, self.map_button, self.address, self.component]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # -- state ------------------------------------------------------------------------------
    @property
    def located(self) -> bool:
        return self.lon is not None and self.lat is not None

    def component_code(self) -> str:
        return self.component.currentData() or ""

    def clear(self) -> None:
        self.pick, self.lon, self.lat, self._wanted_component = None, None, None, ""
        self.search.line.clear()
        self.search.list.hide()
        self.address.clear()
        self.resolved.setText(self.tr("No location chosen yet"))
        self.component.setCurrentIndex(0)  # a new report keeps no component of the last one
        self._fill_components(())
        self.map_button.setChecked(False)
        self.location_changed.emit(None)

    # -- searching --------------------------------------------------------------------------
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
        kinds = {"cell": self.tr("grid cell"), "community": self.tr("community"),
                 "street": self.tr("street"), "component": self.tr("component"),
                 "address": self.tr("known address")}
        rows = [(f"{h.label}  [{kinds[h.kind]}{(' ' + h.detail) if h.detail else ''}]",
                 h.detail, h) for h in hits]
        self.search.set_choices(rows, show=self.search.line.hasFocus() or bool(rows))

    def take_place(self, hit: PlaceHit) -> None:
        if hit.kind in ("address", "component") or not self.address.text().strip():
            self.address.setText(hit.label)
        self.set_point(hit.lon, hit.lat, hit.component_code)

    # -- resolving --------------------------------------------------------------------------
    def set_point(self, lon: float, lat: float, component_code: str = "") -> None:
        """A location chosen by search (or restored from a draft): resolve it like a pick."""
        self.lon, self.lat = lon, lat
        self._wanted_component = component_code
        self.resolved.setText(self.tr("Resolving the location…"))
        sessions = self.seat.sessions
        self.seat.read("intake.resolve", lambda: resolve(sessions, lon, lat), self.set_pick)

    def set_coordinates(self, lon: float, lat: float) -> None:
        """A map click before (or without) its resolution — e.g. while the database is
        unreachable: the point is kept and resolved when the report is submitted."""
        self.lon, self.lat = lon, lat
        self.resolved.setText(self.tr("Point %1, %2 (grid cell not resolved yet)")
                              .replace("%1", f"{lon:.6f}").replace("%2", f"{lat:.6f}"))

    def set_pick(self, result: PickResult) -> None:
        """What the map pick (or a search hit) resolved to."""
        self.pick, self.lon, self.lat = result, result.lon, result.lat
        if result.in_grid:
            self.resolved.setText(self.tr("Grid cell %1 %2 · %3 · %4").replace(
                "%1", result.cell_code).replace("%2", result.cell_name)
                .replace("%3", result.community).replace("%4", result.street))
        else:
            self.resolved.setText(self.tr("Outside every grid cell: check the location"))
        if not self.address.text().strip() and result.in_grid:
            self.address.setText(f"{result.street}{result.cell_name}")
        self._fill_components(result.components)
        self.location_changed.emit(result)

    def _fill_components(self, components) -> None:
        wanted = self._wanted_component or self.component_code()
        self.component.blockSignals(True)
        self.component.clear()
        self.component.addItem(self.tr("No component"), "")
        for c in components:
            self.component.addItem(f"{c.name or c.class_name} {c.code} ({c.distance_m:.0f} m)",
                                   c.code)
        if wanted and self.component.findData(wanted) < 0:
            self.component.addItem(wanted, wanted)
        self.component.setCurrentIndex(max(0, self.component.findData(wanted)))
        self.component.blockSignals(False)
