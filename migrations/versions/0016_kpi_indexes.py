"""KPI indexes: the live KPIs' department on-time rate and 回访 tally read an index only

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 02:00:00

``evaluation.live`` refreshes the KPI panels and walls (issue 15: ≤ 300 ms on the
replica). At 1,000,000 cases two of its statements took 268 and 167 ms alone:

- ``dept_on_time`` (cases whose deadline fell in the last 30 days, by department, handled
  by the deadline or not) found its rows through ``ix_cases_deadline_at_id`` and then read
  every one of them from the table for ``department_id`` and ``feedback_at``.
  ``ix_cases_deadline_kpi (deadline_at, department_id, feedback_at)`` holds all it reads:
  an index-only scan.
- ``callbacks`` (the ledger's ``callback`` rows of the last 30 days by outcome) went
  through ``ix_case_ledger_at``: every ledger row of the 30 days, ~9 actions a case, to
  keep the few callbacks. ``ix_case_ledger_action_at (action, at)`` finds only those. On
  PostgreSQL the ledger is partitioned (0013): the index made on the partitioned table is
  made on every partition, and on those ``ledger_partitions.ensure`` adds later.

Plain B-tree indexes on both backends (the models declare them, the schema test compares
them). Figures: docs/performance.md, "KPI statements' indexes".
"""
from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

#: (table, index, columns)
INDEXES = (
    ("cases", "ix_cases_deadline_kpi", ["deadline_at", "department_id", "feedback_at"]),
    ("case_ledger", "ix_case_ledger_action_at", ["action", "at"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table)
