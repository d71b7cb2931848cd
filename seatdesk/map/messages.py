"""Small JSON messages from Python to the page (Qt-free, so they are testable alone).

Each message is a dict with ``"cmd"``; the page's ``seatdesk.receive(msg)`` handles it.
Coordinates go out as ``[lat, lng]`` in the page's system (``coords.Display``). Rows are
compact arrays, not objects, so 10,000 cases stay a few hundred kilobytes.

Case row: ``[id, lat, lng, light, stage, number, state_label, remaining, class_name,
address, grid_code]``. Component row: ``[id, lat, lng, class_id, code, status]``.
Supervisor row: ``[user_id, lat, lng, name, seen_text, stale]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from .cases import CaseMarker
from .coords import Display
from .pick import PickResult
from .points import ComponentView, SupervisorFix

Message = dict[str, Any]
PRECISION = 6


def _latlng(display: Display, lon: float, lat: float) -> list[float]:
    x, y = display.to_page(lon, lat)
    return [round(y, PRECISION), round(x, PRECISION)]


def case_row(m: CaseMarker, display: Display) -> list[Any]:
    return [
        m.id,
        *_latlng(display, m.lon, m.lat),
        m.light,
        m.stage,
        m.number,
        m.state_label,
        m.remaining,
        m.class_name,
        m.address,
        m.grid_code,
    ]


def set_cases(markers: Iterable[CaseMarker], display: Display) -> Message:
    """Replace every case marker (first load)."""
    return {"cmd": "set_cases", "rows": [case_row(m, display) for m in markers]}


def update_cases(
    markers: Iterable[CaseMarker], removed: Iterable[int], display: Display
) -> Message:
    """Add or recolour ``markers`` and remove the ``removed`` ids, in one message."""
    return {
        "cmd": "update_cases",
        "rows": [case_row(m, display) for m in markers],
        "removed": sorted(set(removed)),
    }


def show_case(
    case_id: int,
    display: Display,
    lon: float | None = None,
    lat: float | None = None,
    label: str = "",
) -> Message:
    """Pan to and highlight a case; the location is sent when the page may not know it."""
    msg: Message = {"cmd": "show_case", "id": case_id, "label": label}
    if lon is not None and lat is not None:
        msg["latlng"] = _latlng(display, lon, lat)
    return msg


def set_components(view: ComponentView, display: Display, limit: int) -> Message:
    rows = [
        [p.id, *_latlng(display, p.lon, p.lat), p.class_id, p.code, p.status] for p in view.points
    ]
    return {"cmd": "set_components", "rows": rows, "truncated": view.truncated, "limit": limit}


def set_supervisors(
    fixes: Iterable[SupervisorFix], display: Display, now: dt.datetime, tz: str, stale_minutes: int
) -> Message:
    zone = ZoneInfo(tz)
    stale = dt.timedelta(minutes=stale_minutes)
    rows = []
    for f in fixes:
        local = f.at.astimezone(zone)
        seen = (
            local.strftime("%H:%M")
            if local.date() == now.astimezone(zone).date()
            else local.strftime("%m-%d %H:%M")
        )
        rows.append([f.user_id, *_latlng(display, f.lon, f.lat), f.name, seen, now - f.at > stale])
    return {"cmd": "set_supervisors", "rows": rows}


def pick_mode(on: bool, keep_pin: bool = False) -> Message:
    """Pick mode on or off; off removes the pin unless ``keep_pin`` (the intake's location)."""
    return {"cmd": "pick_mode", "on": bool(on), "keep_pin": bool(keep_pin)}


def set_pin(display: Display, lon: float | None = None, lat: float | None = None,
            pan: bool = True) -> Message:
    """Put the pin at a location chosen elsewhere (pan to it if out of view), or remove it."""
    msg: Message = {"cmd": "set_pin", "pan": bool(pan), "latlng": None}
    if lon is not None and lat is not None:
        msg["latlng"] = _latlng(display, lon, lat)
    return msg


def pick_info(result: PickResult, display: Display) -> Message:
    """Show what the picked point resolved to, at the pin, and highlight its grid cell."""
    return {
        "cmd": "pick_info",
        "latlng": _latlng(display, result.lon, result.lat),
        "cell_code": result.cell_code,
        "cell_name": result.cell_name,
        "community": result.community,
        "street": result.street,
        "road": result.road,
        "road_distance_m": result.road_distance_m,
        "known_address": result.known_address,
        "known_address_distance_m": result.known_address_distance_m,
        "outside_city": result.outside_city,
        "components": [
            [c.id, c.code, c.name or c.class_name, c.distance_m] for c in result.components
        ],
    }


def ping(token: int) -> Message:
    """The page answers ``{"event": "pong", "token": …}`` once every earlier message is done."""
    return {"cmd": "ping", "token": token}
