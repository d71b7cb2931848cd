"""The map's database work, as plain functions the view runs off the GUI thread (Qt-free).

Each takes a session factory, does its reads in one short session and returns frozen
values or ready-to-send messages, so the GUI thread only posts JSON to the page.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from seatdesk.models import get_setting, utcnow

from . import messages
from .cases import CHINESE_MARKERS, MarkerTexts, case_location, open_case_markers
from .coords import Display
from .layers import load_static_layers
from .messages import Message
from .page import render_page, write_page
from .pick import PickResult, resolve_pick
from .points import components_in_view, last_fixes
from .settings import MapSettings, load_map_settings

Sessions = sessionmaker[Session]


@dataclass(frozen=True)
class PageLoad:
    """The rendered page (grid, areas, legend): once per session or data edition."""

    page: Path
    settings: MapSettings
    cell_count: int
    seconds_query: float
    seconds_render: float


@dataclass(frozen=True)
class LiveLoad:
    """The first messages the page needs: every open case and the supervisors."""

    settings: MapSettings
    case_positions: dict[int, tuple[float, float]]  # WGS84, for show_case
    messages: tuple[Message, ...]  # set_cases, set_supervisors
    seconds: float


@dataclass(frozen=True)
class MapLoad:
    page: PageLoad
    live: LiveLoad


def load_page(
    sessions: Sessions, texts: dict[str, str], directory: Path, base: str | None = None
) -> PageLoad:
    """Read the slow-changing layers and render the page into ``directory``."""
    started = time.perf_counter()
    with sessions() as session:
        settings = load_map_settings(session)
        static = load_static_layers(session, Display(settings.tile_crs))
    queried = time.perf_counter()
    page = write_page(directory, render_page(static, settings, texts, base))
    return PageLoad(
        page, settings, static.cell_count, queried - started, time.perf_counter() - queried
    )


def load_live(sessions: Sessions, now: dt.datetime | None = None,
              texts: MarkerTexts = CHINESE_MARKERS) -> LiveLoad:
    """Read every open case (with its light) and the supervisors' last positions."""
    started = time.perf_counter()
    now = now or utcnow()
    with sessions() as session:
        settings = load_map_settings(session)
        markers = open_case_markers(session, now, texts=texts)
        fixes = last_fixes(session)
        tz = get_setting(session, "time_zone")
    display = Display(settings.tile_crs)
    initial = (
        messages.set_cases(markers, display),
        messages.set_supervisors(fixes, display, now, tz, settings.supervisor_stale_minutes),
    )
    return LiveLoad(
        settings, {m.id: (m.lon, m.lat) for m in markers}, initial, time.perf_counter() - started
    )


def load_map(
    sessions: Sessions,
    texts: dict[str, str],
    directory: Path,
    base: str | None = None,
    now: dt.datetime | None = None,
) -> MapLoad:
    """Both halves in one call (scripts and tests; the view runs them in parallel)."""
    return MapLoad(load_page(sessions, texts, directory, base), load_live(sessions, now))


@dataclass(frozen=True)
class CaseUpdate:
    """Markers to add/recolour and ids to remove, as one message."""

    message: Message
    positions: dict[int, tuple[float, float]]
    removed: frozenset[int]


def case_update(
    sessions: Sessions, ids: Collection[int], display: Display, now: dt.datetime | None = None,
    texts: MarkerTexts = CHINESE_MARKERS,
) -> CaseUpdate:
    """Re-read the cases ``ids``: open ones are (re)drawn, the others removed."""
    with sessions() as session:
        markers = open_case_markers(session, now or utcnow(), ids=ids, texts=texts)
    kept = {m.id for m in markers}
    removed = frozenset(set(ids) - kept)
    return CaseUpdate(
        messages.update_cases(markers, removed, display),
        {m.id: (m.lon, m.lat) for m in markers},
        removed,
    )


def case_to_show(sessions: Sessions, case_id: int, display: Display) -> Message | None:
    with sessions() as session:
        found = case_location(session, case_id)
    if found is None:
        return None
    lon, lat, number = found
    return messages.show_case(case_id, display, lon, lat, number)


def viewport_components(
    sessions: Sessions, page_box: tuple[float, float, float, float], display: Display, limit: int
) -> Message:
    """Components of a page viewport (west, south, east, north in page coordinates)."""
    west, south, east, north = display.bbox_from_page(*page_box)
    bbox = (max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))
    with sessions() as session:
        view = components_in_view(session, bbox, limit)
    return messages.set_components(view, display, limit)


def supervisors(
    sessions: Sessions, display: Display, settings: MapSettings, now: dt.datetime | None = None
) -> Message:
    with sessions() as session:
        fixes = last_fixes(session)
        tz = get_setting(session, "time_zone")
    return messages.set_supervisors(
        fixes, display, now or utcnow(), tz, settings.supervisor_stale_minutes
    )


def pick(sessions: Sessions, lon: float, lat: float, settings: MapSettings) -> PickResult:
    with sessions() as session:
        return resolve_pick(session, lon, lat, settings.nearby_radius_m)
