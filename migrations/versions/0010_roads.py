"""roads: named road centrelines (道路) for the map, the place search and the pick

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 09:00:00

Roads come from the city's base GIS data (``seatdesk import roads FILE``) or the demo.
MULTILINESTRING in lon/lat with bounding-box columns (SQLite) and a GIST index
(PostGIS), like the grid cells. Downgrade drops the table.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import seatdesk.models.geometry

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "roads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("geom", seatdesk.models.geometry.GeometryType("MULTILINESTRING", srid=4326),
                  nullable=False),
        sa.Column("min_lon", sa.Double(), nullable=False),
        sa.Column("min_lat", sa.Double(), nullable=False),
        sa.Column("max_lon", sa.Double(), nullable=False),
        sa.Column("max_lat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roads")),
    )
    with op.batch_alter_table("roads", schema=None) as batch_op:
        batch_op.create_index("ix_roads_bbox", ["min_lon", "min_lat", "max_lon", "max_lat"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_roads_name"), ["name"], unique=False)
        if _pg():
            batch_op.create_index("ix_roads_geom", ["geom"], unique=False,
                                  postgresql_using="gist")


def downgrade() -> None:
    with op.batch_alter_table("roads", schema=None) as batch_op:
        if _pg():
            batch_op.drop_index("ix_roads_geom", postgresql_using="gist")
        batch_op.drop_index(batch_op.f("ix_roads_name"))
        batch_op.drop_index("ix_roads_bbox")
    op.drop_table("roads")
