"""case numbers from a per-day counter: ``case_number_days``

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 01:20:00

On PostgreSQL a registration took the day's next number as ``max + 1`` under an advisory
lock held until it committed, so concurrent registrations (handsets, partners, seats)
waited for each other one whole registration at a time (docs/performance.md). The day's
last serial now lives in a row of ``case_number_days``, advanced by the SECURITY DEFINER
function ``seatdesk_next_case_serial`` (installed by ``seatdesk db upgrade`` from
``seatdesk/workflow/dbrules/numbering_sql.py``) in a short transaction before the
registration's own. No rows are seeded: the function starts a day after the highest
number already filed that day.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_number_days",
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_case_number_days")),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS public.seatdesk_next_case_serial(text)")
    op.drop_table("case_number_days")
