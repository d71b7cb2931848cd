"""One geometry column type for both backends.

PostgreSQL: a real PostGIS ``geometry(<type>, 4326)`` column (so GIS staff can open
the tables in QGIS), GIST-indexed by the migrations.
SQLite: the same geometry as WKB in a BLOB (the portable encoding); spatial
questions on SQLite are answered in-process by shapely (see ``spatial.py``), helped
by plain bounding-box columns that every geometry-bearing table carries.

Python code always sees shapely geometries.
"""

from __future__ import annotations

import shapely
from geoalchemy2 import Geometry as PostGISGeometry
from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import to_shape
from sqlalchemy import LargeBinary, TypeDecorator

SRID = 4326


class GeometryType(TypeDecorator):
    impl = LargeBinary
    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY", srid: int = SRID):
        super().__init__()
        self.geometry_type = geometry_type.upper()
        self.srid = srid
        # read by GeoAlchemy2's DDL hooks; our migrations create the GIST indexes themselves
        self.spatial_index = False
        self.use_N_D_index = False
        self.use_typmod = None
        self.nullable = True

    def load_dialect_impl(self, dialect):
        # GeoAlchemy2's DDL hooks ask with dialect=None while creating PostGIS tables
        if dialect is None or dialect.name == "postgresql":
            impl = PostGISGeometry(self.geometry_type, srid=self.srid, spatial_index=False)
            return impl if dialect is None else dialect.type_descriptor(impl)
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, (WKBElement, WKTElement)):
            value = to_shape(value)
        if not isinstance(value, shapely.Geometry):
            raise TypeError(f"expected a shapely geometry, got {type(value).__name__}")
        if dialect.name == "postgresql":
            # EWKT for the column's ST_GeomFromEWKT: the text GeoAlchemy2's bind processor
            # made from a WKBElement (``from_shape``, then back to a shape for its ``wkt``),
            # written at once — a fifth of the new case INSERT's CPU (docs/performance.md)
            return f"SRID={self.srid};{shapely.to_wkt(value, rounding_precision=-1)}"
        return shapely.to_wkb(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, (WKBElement, WKTElement)):
            return to_shape(value)
        if isinstance(value, str):  # hex EWKB from a raw PostGIS query
            return shapely.from_wkb(bytes.fromhex(value))
        return shapely.from_wkb(bytes(value))

    def __repr__(self) -> str:
        return f"GeometryType({self.geometry_type!r}, srid={self.srid})"
