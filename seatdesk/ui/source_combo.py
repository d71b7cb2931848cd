"""Source combos (案件来源) filled from the configured sources (``case_sources``).

A combo starts with the shipped sources so it is usable at once, then takes the centre's
list (enabled ones, in its order, with the administrator's names) read off the GUI
thread, keeping the current choice when it is still offered.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from seatdesk.models.sources import PATROL, SHIPPED, SourceInfo, list_sources
from seatdesk.ui import enum_labels as L
from seatdesk.ui.session.seat import Seat


def fill_sources(combo: QComboBox, sources, *, patrol: bool, first: tuple | None = None) -> None:
    """Replace the items by ``sources`` (``SourceInfo``), keeping the current choice."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    if first is not None:
        combo.addItem(*first)
    for source in sources:
        if patrol or source.code != PATROL:
            combo.addItem(L.source_name(source.code, source.name), source.code)
    found = combo.findData(current)
    combo.setCurrentIndex(max(found, 0))
    combo.blockSignals(False)


def load_sources(seat: Seat, combo: QComboBox, *, patrol: bool, enabled_only: bool,
                 first: tuple | None = None, key: str = "sources") -> None:
    """Fill ``combo`` with the shipped sources now and the configured ones when read."""
    fill_sources(combo, [s for s in SHIPPED if s.enabled], patrol=patrol, first=first)

    def work() -> tuple[SourceInfo, ...]:
        with seat.sessions() as session:
            return list_sources(session, enabled_only=enabled_only)

    seat.read(f"{key}.{id(combo)}", work,
              lambda found: fill_sources(combo, found, patrol=patrol, first=first))
