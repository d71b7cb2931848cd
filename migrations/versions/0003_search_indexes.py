"""search indexes for large case volumes: closed_at, number prefix, trigram text search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 05:25:00

Measured with 1,000,000 cases on PostgreSQL (bench/bench_queues.py): a number-prefix
filter took 268 ms and a text filter 1.4 s without these indexes, 35–113 ms and
7–13 ms with them. pg_trgm is a trusted extension (PostgreSQL ≥ 13), so the database
owner can create it without superuser rights.
"""
from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index("ix_cases_closed_at", "cases", ["closed_at"])
    if _pg():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_cases_number_pattern", "cases", ["number"],
                        postgresql_ops={"number": "text_pattern_ops"})
        op.create_index("ix_cases_description_trgm", "cases", ["description"],
                        postgresql_using="gin", postgresql_ops={"description": "gin_trgm_ops"})
        op.create_index("ix_cases_address_trgm", "cases", ["address"],
                        postgresql_using="gin", postgresql_ops={"address": "gin_trgm_ops"})


def downgrade() -> None:
    if _pg():
        op.drop_index("ix_cases_address_trgm", "cases")
        op.drop_index("ix_cases_description_trgm", "cases")
        op.drop_index("ix_cases_number_pattern", "cases")
    op.drop_index("ix_cases_closed_at", "cases")
