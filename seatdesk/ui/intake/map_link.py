"""The intake location and the workspace's map, kept in step.

- F9 (the picker's map button) turns the map's pick mode on and off; the pin stays
  when it is turned off, showing where the report is;
- a click or drag on the map, while picking, sets the location (``picked_on_map``) and
  its resolution follows (``pick_resolved``); a component chosen in the pin's popup
  becomes the case's 部件;
- a location chosen any other way (search, draft) moves the pin there, pans to it and
  shows what it resolved to; a cleared form removes the pin.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from seatdesk.map.view import MapView

from seatdesk.ui.intake.location_model import Location
from seatdesk.ui.intake.location_picker import LocationPicker


class IntakeMapLink(QObject):
    def __init__(self, picker: LocationPicker, map_view: MapView, parent=None):
        super().__init__(parent)
        self.picker, self.map = picker, map_view
        self._pinned: tuple[float, float] | None = None
        self._described = None  # the resolution last shown at the pin
        picker.pick_requested.connect(self.set_pick_mode)
        picker.model.changed.connect(self._location_changed)
        map_view.location_picked.connect(self._clicked)
        map_view.pick_resolved.connect(self._resolved)
        map_view.component_chosen.connect(self._component)

    @property
    def picking(self) -> bool:
        return self.picker.map_button.isChecked()

    def set_pick_mode(self, on: bool) -> None:
        self.map.set_pick_mode(on, keep_pin=True)
        if on:
            self.map.show()

    def _clicked(self, lon: float, lat: float) -> None:
        if self.picking:
            self._pinned = (lon, lat)  # the page has placed the pin itself
            self.picker.set_coordinates(lon, lat)

    def _resolved(self, result) -> None:
        if self.picking:
            self.picker.set_pick(result)

    def _component(self, component_id: int) -> None:
        if self.picking:
            self.picker.model.choose_component_id(component_id)

    def _location_changed(self, loc: Location) -> None:
        if not loc.located:
            if self._pinned is not None:
                self._pinned = None
                self.map.set_pin(None, None)
            return
        if self._pinned != (loc.lon, loc.lat):
            self._pinned = (loc.lon, loc.lat)
            self.map.set_pin(loc.lon, loc.lat, pan=True)
        if loc.origin != "map" and loc.pick is not None and loc.pick is not self._described:
            self._described = loc.pick
            self.map.show_pick(loc.pick)
