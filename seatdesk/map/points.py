"""Point layers read on demand: components of the visible area, supervisors' last fixes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatdesk.models import SupervisorPosition, User
from seatdesk.models.spatial import ComponentPoint, spatial_index


@dataclass(frozen=True)
class ComponentView:
    """The components of one viewport (WGS84 box); ``truncated`` when ``limit`` cut it."""

    bbox: tuple[float, float, float, float]
    points: tuple[ComponentPoint, ...]
    truncated: bool


def components_in_view(
    session: Session, bbox: tuple[float, float, float, float], limit: int
) -> ComponentView:
    """Components in the box through the spatial index (PostGIS GIST or in-process)."""
    points = spatial_index(session).in_bbox(*bbox, "components", limit=limit + 1)
    return ComponentView(bbox, tuple(points[:limit]), len(points) > limit)


@dataclass(frozen=True)
class SupervisorFix:
    """A supervisor's (监督员) last known position and when it was seen (UTC)."""

    user_id: int
    name: str
    lon: float
    lat: float
    at: dt.datetime


def last_fixes(session: Session) -> list[SupervisorFix]:
    """The latest position of every user who has reported one."""
    latest = (
        select(SupervisorPosition.user_id, func.max(SupervisorPosition.at).label("at"))
        .group_by(SupervisorPosition.user_id)
        .subquery()
    )
    stmt = (
        select(
            User.id,
            User.display_name,
            SupervisorPosition.lon,
            SupervisorPosition.lat,
            SupervisorPosition.at,
        )
        .join(latest, latest.c.user_id == SupervisorPosition.user_id)
        .join(User, User.id == SupervisorPosition.user_id)
        .where(SupervisorPosition.at == latest.c.at, User.active.is_(True))
        .order_by(User.id)
    )
    seen: dict[int, SupervisorFix] = {}
    for uid, name, lon, lat, at in session.execute(stmt):
        seen.setdefault(uid, SupervisorFix(uid, name, float(lon), float(lat), at))
    return list(seen.values())
