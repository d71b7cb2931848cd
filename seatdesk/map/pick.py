"""What a picked point resolves to: grid cell, community, street, nearby components, the
nearest road, the nearest address the centre already knows (an earlier case's), and
whether it lies outside the city's extent (the ``city_extent`` setting,
``data.city_profile``: a point there is most likely misplaced — the intake form warns and
asks before registering it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatdesk.data.city_profile import outside
from seatdesk.models import Case, CaseClass, get_setting
from seatdesk.models.spatial import spatial_index

from .roads import nearest_road

ROAD_RADIUS_M = 100.0  # a road farther than this does not describe the point
ADDRESS_RADIUS_M = 30.0  # an earlier case's address within this distance is offered


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
    road: str = ""  # the nearest road within ROAD_RADIUS_M
    road_distance_m: float | None = None
    known_address: str = ""  # an earlier case's address within ADDRESS_RADIUS_M
    known_address_distance_m: float | None = None
    #: outside the city's extent (``city_extent``; never when no extent is set)
    outside_city: bool = False

    @property
    def in_grid(self) -> bool:
        return bool(self.cell_code)

    @property
    def place(self) -> str:
        """An address for the point: street, road (or community and cell) — what a call-taker
        would write when the caller gives no house number."""
        if self.road:
            return f"{self.street}{self.road}附近"
        return f"{self.street}{self.cell_name}" if self.in_grid else ""


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
    road = nearest_road(session, lon, lat, ROAD_RADIUS_M)
    known = _known_address(session, lon, lat)
    context = {
        "road": road.name if road else "",
        "road_distance_m": road.distance_m if road else None,
        "known_address": known[0] if known else "",
        "known_address_distance_m": known[1] if known else None,
        "outside_city": outside_city(session, lon, lat),
    }
    if cell is None:
        return PickResult(lon, lat, "", "", "", "", components, **context)
    return PickResult(
        lon,
        lat,
        cell.code,
        cell.name,
        cell.community.name if cell.community else "",
        cell.street.name if cell.street else "",
        components,
        **context,
    )


def outside_city(session: Session, lon: float, lat: float) -> bool:
    """Whether (``lon``, ``lat``) lies outside the city's extent (read now: a pick is one
    operator's click, not a server's request stream — the intake server caches it)."""
    extent = get_setting(session, "city_extent")
    return outside((lon, lat, lon, lat), tuple(float(v) for v in extent) if extent else None)


def _known_address(session: Session, lon: float, lat: float) -> tuple[str, float] | None:
    """The address of the nearest earlier case that has one, within ADDRESS_RADIUS_M."""
    near = spatial_index(session).cases_near(lon, lat, ADDRESS_RADIUS_M, limit=20)
    if not near:
        return None
    addresses = dict(session.execute(select(Case.id, Case.address).where(
        Case.id.in_([h.id for h in near]), Case.address != "")).all())
    for hit in near:
        if addresses.get(hit.id):
            return addresses[hit.id], round(hit.distance_m, 1)
    return None
