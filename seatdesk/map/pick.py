"""What a picked point resolves to: grid cell, community, street and nearby components."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.models import CaseClass
from seatdesk.models.spatial import spatial_index


@dataclass(frozen=True)
class NearbyComponent:
    id: int
    code: str
    name: str
    class_name: str
    distance_m: float


@dataclass(frozen=True)
class PickResult:
    """A location picked on the map (WGS84) and what it falls in."""

    lon: float
    lat: float
    cell_code: str  # "" outside every grid cell
    cell_name: str
    community: str
    street: str
    components: tuple[NearbyComponent, ...]

    @property
    def in_grid(self) -> bool:
        return bool(self.cell_code)


def resolve_pick(
    session: Session, lon: float, lat: float, radius_m: float = 50.0, limit: int = 10
) -> PickResult:
    """Resolve a point with the spatial index (``cell_at`` and ``components_near``)."""
    index = spatial_index(session)
    cell = index.cell_at(lon, lat)
    hits = index.components_near(lon, lat, radius_m, limit=limit)
    class_ids = {h.class_id for h in hits}
    names = (
        dict(
            session.execute(
                select(CaseClass.id, CaseClass.name).where(CaseClass.id.in_(class_ids))
            ).all()
        )
        if class_ids
        else {}
    )
    components = tuple(
        NearbyComponent(h.id, h.code, h.name, names.get(h.class_id, ""), round(h.distance_m, 1))
        for h in hits
    )
    if cell is None:
        return PickResult(lon, lat, "", "", "", "", components)
    return PickResult(
        lon,
        lat,
        cell.code,
        cell.name,
        cell.community.name if cell.community else "",
        cell.street.name if cell.street else "",
        components,
    )
