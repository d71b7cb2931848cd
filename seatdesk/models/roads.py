"""Roads (道路): named centrelines from the city's base GIS data (地理编码的道路).

The grid, the admin areas and the components say where a point is administratively;
roads say where it is for a caller ("燕山路上，靠近…"). They label the map when no
basemap is configured, rank first in the intake's place search for a road name, and a
picked point is described by the nearest road (``seatdesk.map.roads``). Imported with
``seatdesk import roads FILE``; the demo city stores its own.
"""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .geometry import GeometryType
from .reference import BBoxMixin


class Road(BBoxMixin, Base):
    """One road or road segment; several rows may share a name (a road in pieces)."""

    __tablename__ = "roads"
    __table_args__ = (
        Index("ix_roads_bbox", "min_lon", "min_lat", "max_lon", "max_lat"),
        Index("ix_roads_geom", "geom", postgresql_using="gist").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), default="")  # 道路编码, when the data has one
    name: Mapped[str] = mapped_column(String(100), index=True)
    geom = mapped_column(GeometryType("MULTILINESTRING"), nullable=False)
