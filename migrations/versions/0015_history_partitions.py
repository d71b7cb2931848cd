"""history partitions: the segments of archived ledger months

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-05 22:00:00

``seatdesk ledger archive`` writes a month of the partitioned ledger (migration 0013) to
files and drops its partition; what stays in the database is ``ledger_segments``, one row
per archived month and case: the first and last seq of the case's rows in that month, the
first row's ``prev_hash``, the last row's ``hash`` and the row count. ``ledger verify``
checks the chain's online rows from the segment's last hash onwards, and ``seatdesk ledger
reattach`` restores the month and removes its segments (docs/scale.md).

The table is created on both backends: the schema stays one (the models describe it, the
schema test compares both), and ``ledger verify`` reads it the same way everywhere. On
SQLite it stays empty — the ledger there is a plain table, nothing is archived. Its
privileges (read: administrators; written only by the tables' owner) are the database
rules' (``workflow/dbrules/grants.py``), applied after every migration run.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import seatdesk.models.base

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("archive", sa.String(length=200), nullable=False),
        sa.Column("archived_at", seatdesk.models.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_ledger_segments_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_segments")),
        sa.UniqueConstraint("case_id", "month", name=op.f("uq_ledger_segments_case_id_month")),
    )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM ledger_segments")).scalar():
        raise RuntimeError(
            "ledger_segments holds archived months: reattach them (seatdesk ledger reattach) "
            "before downgrading, or their chains could no longer be verified")
    op.drop_table("ledger_segments")
