"""Reference data: administrative hierarchy, grid cells, classification, filing
conditions and their time limits, departments and the responsibility matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .geometry import GeometryType


class BBoxMixin:
    """Plain bounding-box columns: the portable half of the geometry encoding."""

    min_lon: Mapped[float] = mapped_column()
    min_lat: Mapped[float] = mapped_column()
    max_lon: Mapped[float] = mapped_column()
    max_lat: Mapped[float] = mapped_column()

    def set_bbox_from(self, geom) -> None:
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = (float(v) for v in geom.bounds)


class AdminUnit(Base):
    """区/县 → 街道/镇 → 社区. Codes follow GB/T 2260 + GB/T 10114 (6/9/12 digits)."""

    __tablename__ = "admin_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    geom = mapped_column(GeometryType("MULTIPOLYGON"), nullable=True)

    parent: Mapped[AdminUnit | None] = relationship(remote_side=[id])


class GridCell(BBoxMixin, Base):
    """单元网格 (unit grid cell). The code is a string of 14 or 15 digits by edition."""

    __tablename__ = "grid_cells"
    __table_args__ = (
        Index("ix_grid_cells_bbox", "min_lon", "min_lat", "max_lon", "max_lat"),
        Index("ix_grid_cells_geom", "geom", postgresql_using="gist").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    community_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    area_m2: Mapped[float] = mapped_column()
    zone: Mapped[str | None] = mapped_column(String(1))  # timing zone A/B/C where used
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    geom = mapped_column(GeometryType("POLYGON"), nullable=False)

    community: Mapped[AdminUnit] = relationship()


class ClassEdition(Base):
    """A classification edition: GB/T 30428.2-2013 (4-digit) or GB/T 47678.5-2026 (5-digit)."""

    __tablename__ = "class_editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    class_code_length: Mapped[int] = mapped_column(Integer)
    component_id_length: Mapped[int] = mapped_column(Integer)


class CaseClass(Base):
    """A minor class (小类) of components (部件) or events/matters (事件/事项)."""

    __tablename__ = "case_classes"
    __table_args__ = (UniqueConstraint("edition_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("class_editions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    major_code: Mapped[str] = mapped_column(String(2))
    major_name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100))
    pinyin_initials: Mapped[str] = mapped_column(String(40), default="")
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_radius_m: Mapped[float | None] = mapped_column()  # default 50 m when null
    note: Mapped[str] = mapped_column(Text, default="")

    edition: Mapped[ClassEdition] = relationship()
    conditions: Mapped[list[FilingCondition]] = relationship(
        back_populates="case_class", order_by="FilingCondition.sort_order"
    )


class FilingCondition(Base):
    """立案条件: a filing condition under a minor class, with its own limits and 结案条件."""

    __tablename__ = "filing_conditions"
    __table_args__ = (UniqueConstraint("class_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("case_classes.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))  # 立案明细编码
    text: Mapped[str] = mapped_column(Text)
    closure_condition: Mapped[str] = mapped_column(Text)  # 结案条件
    responsible_unit: Mapped[str] = mapped_column(String(200), default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)  # placeholder value to review
    source: Mapped[str] = mapped_column(String(100), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    case_class: Mapped[CaseClass] = relationship(back_populates="conditions")
    limits: Mapped[list[TimeLimit]] = relationship(
        back_populates="condition", cascade="all, delete-orphan"
    )


class TimeLimit(Base):
    """处置时限 of a filing condition, by urgency and (optionally) timing zone A/B/C."""

    __tablename__ = "time_limits"
    __table_args__ = (UniqueConstraint("condition_id", "urgency", "zone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    condition_id: Mapped[int] = mapped_column(ForeignKey("filing_conditions.id"), index=True)
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    zone: Mapped[str] = mapped_column(String(1), default="")  # "" = every zone
    value: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    unit: Mapped[str] = mapped_column(String(20))
    # derived by rule (e.g. the 紧急 limit from the normal one), to be reviewed (migration 0008)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    condition: Mapped[FilingCondition] = relationship(back_populates="limits")


class Department(Base):
    """专业部门 or a command centre (city / district 二级平台)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="department")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Department | None] = relationship(remote_side=[id])


class Responsibility(Base):
    """Responsibility matrix: class × area → department (area null = whole city)."""

    __tablename__ = "responsibilities"
    __table_args__ = (UniqueConstraint("class_id", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("case_classes.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
