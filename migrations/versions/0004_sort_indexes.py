"""sort indexes for the work boxes: the sort key plus the ``id`` tie-breaker

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:10:00

The first page of 全部案件 (1,000,000 cases on PostgreSQL) sorted by address, class or
department took 820–935 ms and by deadline (descending, NULLs first) ~200 ms: the
address sort had no index, the class and department sorts go through joined tables, and
the single-column deadline index left every NULL deadline to be sorted by ``id``.
``(key, id)`` indexes are read in sort order both ways; the class and department ones
replace the single-column foreign-key indexes (same leading column, so every lookup they
served still uses them) and let ``seatdesk.models.queues`` walk the dimension tables key
by key. Before/after figures: docs/performance.md.
"""
from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: (old single-column index or None, new index, columns)
INDEXES = (
    ("ix_cases_class_id", "ix_cases_class_id_id", ["class_id", "id"]),
    ("ix_cases_department_id", "ix_cases_department_id_id", ["department_id", "id"]),
    ("ix_cases_deadline_at", "ix_cases_deadline_at_id", ["deadline_at", "id"]),
    (None, "ix_cases_address_id", ["address", "id"]),
)


def upgrade() -> None:
    for old, new, columns in INDEXES:
        op.create_index(new, "cases", columns)
        if old is not None:
            op.drop_index(old, "cases")


def downgrade() -> None:
    for old, new, columns in reversed(INDEXES):
        if old is not None:
            op.create_index(old, "cases", columns[:1])
        op.drop_index(new, "cases")
