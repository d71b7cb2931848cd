"""The intake's location: one value that every view of it shows.

A search hit, a map pick (F9), a restored draft or a chosen component each change one
``Location``: the point, where it came from, the text the search line shows, the
address, what the point resolved to (grid cell, community, street, nearby components,
nearest road, a known address) and the case's 部件. The search line, the address field,
the resolved line, the component list, the map's pin and the duplicate panel all render
this value, so they cannot disagree:

- a new point replaces the search text, the resolution and a component that is not near
  it; the duplicate candidates of the old point are dropped at once;
- the address follows the point (``PickResult.place``: street and nearest road, or
  street and cell; a known-address hit is its own address) until the operator types one
  — a typed address is the caller's words and is kept, with a note when the point moves;
- taking a component sets the case's 部件, never the address: the cover's name becomes
  the address only when the operator chooses it from the address menu.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal

from seatdesk.map.pick import PickResult

from seatdesk.ui.intake.checks import PlaceHit


@dataclass(frozen=True)
class Location:
    lon: float | None = None
    lat: float | None = None
    origin: str = ""  # search | map | draft | "" (nothing chosen)
    hit: PlaceHit | None = None  # the search hit the point came from
    address: str = ""
    address_typed: bool = False  # the operator's (or a draft's) words: never replaced
    pick: PickResult | None = None  # the point resolved; None while resolving
    component_code: str = ""

    @property
    def located(self) -> bool:
        return self.lon is not None and self.lat is not None

    def is_at(self, lon: float, lat: float) -> bool:
        return self.located and math.isclose(self.lon, lon, abs_tol=1e-9) and math.isclose(
            self.lat, lat, abs_tol=1e-9)

    def place_address(self) -> str:
        """The address the point itself gives (what an untyped address shows)."""
        if self.hit is not None and self.hit.kind == "address":
            return self.hit.label
        return self.pick.place if self.pick is not None else ""

    def component_name(self) -> str:
        if self.pick is not None:
            for c in self.pick.components:
                if c.code == self.component_code:
                    return c.name or c.class_name
        if self.hit is not None and self.hit.component_code == self.component_code:
            return self.hit.label
        return ""


class LocationModel(QObject):
    """Holds the ``Location``; ``changed`` after every change, ``resolve_needed`` when a
    point chosen without the map must be resolved (the picker reads it off the GUI thread
    and hands the result to ``resolved``; a late answer for an older point is dropped)."""

    changed = Signal(object)  # Location
    resolve_needed = Signal(float, float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.location = Location()

    def _set(self, location: Location) -> None:
        self.location = location
        self.changed.emit(location)

    def _moved(self, lon: float, lat: float, origin: str, hit: PlaceHit | None = None,
               component_code: str = "") -> Location:
        old = self.location
        moved = Location(lon, lat, origin, hit, address=old.address if old.address_typed else "",
                         address_typed=old.address_typed, component_code=component_code)
        return replace(moved, address=moved.address or moved.place_address())

    # -- what the operator does ---------------------------------------------------------
    def take_hit(self, hit: PlaceHit) -> None:
        self._set(self._moved(hit.lon, hit.lat, "search", hit, hit.component_code))
        self.resolve_needed.emit(hit.lon, hit.lat)

    def picked_on_map(self, lon: float, lat: float) -> None:
        """A click or drag on the map; its resolution arrives from the map."""
        if not self.location.is_at(lon, lat):
            self._set(self._moved(lon, lat, "map"))

    def restore(self, lon: float, lat: float, component_code: str = "") -> None:
        """A point from a draft (its address is restored by the address field)."""
        self._set(self._moved(lon, lat, "draft", component_code=component_code))
        self.resolve_needed.emit(lon, lat)

    def resolved(self, result: PickResult) -> None:
        loc = self.location
        if not loc.is_at(result.lon, result.lat):
            return  # an answer for a point that is no longer the location
        near = {c.code for c in result.components}
        keep = loc.component_code if loc.origin == "search" or loc.component_code in near else ""
        loc = replace(loc, pick=result, component_code=keep)
        if not loc.address_typed:
            loc = replace(loc, address=loc.place_address())
        self._set(loc)

    def choose_component(self, code: str) -> None:
        if code != self.location.component_code:
            self._set(replace(self.location, component_code=code))

    def choose_component_id(self, component_id: int) -> None:
        """A component chosen on the map (its popup or marker), if it is near the point."""
        pick = self.location.pick
        for c in pick.components if pick is not None else ():
            if c.id == component_id:
                self.choose_component(c.code)

    def type_address(self, text: str) -> None:
        """The operator typed (or a draft restored) the address; emptied, it follows the
        point again from its next change (``use_place_address`` fills it at once)."""
        self._set(replace(self.location, address=text, address_typed=bool(text.strip())))

    def use_address(self, text: str) -> None:
        """An address chosen from the address menu (the component's name, a known one)."""
        self._set(replace(self.location, address=text, address_typed=True))

    def use_place_address(self) -> None:
        loc = self.location
        self._set(replace(loc, address=loc.place_address(), address_typed=False))

    def clear(self) -> None:
        self._set(Location())
