"""City components (部件) with their 标识码, class, responsible departments and point."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .geometry import GeometryType
from .reference import CaseClass, Department, GridCell


class Component(Base):
    """管理部件. ``code`` is the 16-digit (2013 lineage) or 17-digit (2026) 标识码."""

    __tablename__ = "components"
    __table_args__ = (
        Index("ix_components_lon_lat", "lon", "lat"),
        Index("ix_components_geom", "geom", postgresql_using="gist").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(17), unique=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("case_classes.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    owner_dept_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # 主管
    property_dept_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # 权属
    maintainer_dept_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # 养护
    status: Mapped[str] = mapped_column(String(16), default="intact")
    grid_cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cells.id"), index=True)
    lon: Mapped[float] = mapped_column()
    lat: Mapped[float] = mapped_column()
    geom = mapped_column(GeometryType("POINT"), nullable=False)
    initial_date: Mapped[dt.date | None] = mapped_column(Date)
    changed_date: Mapped[dt.date | None] = mapped_column(Date)
    data_source: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    case_class: Mapped[CaseClass] = relationship()
    grid_cell: Mapped[GridCell | None] = relationship()
    owner_dept: Mapped[Department | None] = relationship(foreign_keys=[owner_dept_id])
