"""setting_changes, beats, beat_supervisors, schema_releases: what setting up a centre needs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 22:00:00

- ``setting_changes``: the ledger of settings (old and new value of every change, when, by
  whom, through what). Append-only: on PostgreSQL a trigger refuses UPDATE, DELETE and
  TRUNCATE, the way 0001 guards ``case_ledger``.
- ``beats`` and ``beat_supervisors``: supervisors' beats (责任网格) as polygons, and who
  patrols each.
- ``schema_releases``: the seatdesk release that upgraded the schema to each revision, so
  a seat older than the schema can name the release it needs.

Only new tables: safe to run while seats are connected (they do not read these tables;
a seat started before the upgrade keeps working until it restarts, then says it is
older than the schema). Downgrade drops the four tables.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import seatdesk.models.base
import seatdesk.models.geometry

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION seatdesk_setting_changes_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'setting_changes is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER setting_changes_append_only
    BEFORE UPDATE OR DELETE ON setting_changes
    FOR EACH ROW EXECUTE FUNCTION seatdesk_setting_changes_append_only();
CREATE TRIGGER setting_changes_no_truncate
    BEFORE TRUNCATE ON setting_changes
    FOR EACH STATEMENT EXECUTE FUNCTION seatdesk_setting_changes_append_only();
"""


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    _setting_changes()
    _beats()
    op.create_table(
        "schema_releases",
        sa.Column("revision", sa.String(length=32), nullable=False),
        sa.Column("app_version", sa.String(length=40), nullable=False),
        sa.Column("upgraded_at", seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("revision", name=op.f("pk_schema_releases")),
    )


def _setting_changes() -> None:
    op.create_table(
        "setting_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("via", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setting_changes")),
    )
    with op.batch_alter_table("setting_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_setting_changes_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_setting_changes_key"), ["key"], unique=False)
    if _pg():
        op.execute(APPEND_ONLY)


def _beats() -> None:
    op.create_table(
        "beats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("geom", seatdesk.models.geometry.GeometryType("MULTIPOLYGON", srid=4326),
                  nullable=False),
        sa.Column("min_lon", sa.Double(), nullable=False),
        sa.Column("min_lat", sa.Double(), nullable=False),
        sa.Column("max_lon", sa.Double(), nullable=False),
        sa.Column("max_lat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beats")),
        sa.UniqueConstraint("code", name=op.f("uq_beats_code")),
    )
    if _pg():
        with op.batch_alter_table("beats", schema=None) as batch_op:
            batch_op.create_index("ix_beats_geom", ["geom"], unique=False,
                                  postgresql_using="gist")
    op.create_table(
        "beat_supervisors",
        sa.Column("beat_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["beat_id"], ["beats.id"],
                                name=op.f("fk_beat_supervisors_beat_id_beats"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_beat_supervisors_user_id_users")),
        sa.PrimaryKeyConstraint("beat_id", "user_id", name=op.f("pk_beat_supervisors")),
    )
    with op.batch_alter_table("beat_supervisors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_beat_supervisors_user_id"), ["user_id"],
                              unique=False)


def downgrade() -> None:
    if _pg():
        op.execute("DROP TRIGGER IF EXISTS setting_changes_append_only ON setting_changes")
        op.execute("DROP TRIGGER IF EXISTS setting_changes_no_truncate ON setting_changes")
        op.execute("DROP FUNCTION IF EXISTS seatdesk_setting_changes_append_only()")
    op.drop_table("beat_supervisors")
    op.drop_table("beats")
    op.drop_table("setting_changes")
    op.drop_table("schema_releases")
