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

On PostgreSQL the indexes are built without blocking writes, in an autocommit block (a
plain CREATE INDEX holds off every insert into ``cases`` / ``case_ledger`` while it reads
the table: seconds at 250,000 cases, minutes at millions, with the seats working):

- ``cases``: ``CREATE INDEX CONCURRENTLY``;
- ``case_ledger`` is partitioned, and PostgreSQL builds no index concurrently on a
  partitioned table: the parent's index is made ``ON ONLY`` the parent (invalid, nothing
  read), each partition's index ``CONCURRENTLY`` and attached to it; with the last one
  attached the parent's index is valid, and partitions made later get theirs at creation.

The block commits the migrations run before it (alembic's rule), so an upgrade that stops
in it leaves the schema at 0015 with, at worst, an invalid index a concurrent build left
behind: the next upgrade drops such a leftover and builds it again.
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
    if op.get_bind().dialect.name != "postgresql":
        for table, name, columns in INDEXES:
            op.create_index(name, table, columns)
        return
    with op.get_context().autocommit_block():
        for table, name, columns in INDEXES:
            _concurrently(table, name, columns)


def _concurrently(table: str, name: str, columns: list[str]) -> None:
    """``name`` on ``table`` built without blocking writes (see the module's note)."""
    bind = op.get_bind()
    cols = ", ".join(columns)
    partitioned = bind.exec_driver_sql(
        "SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", (table,)).scalar()
    if not partitioned:
        _drop_invalid(name)
        op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({cols})")
        return
    op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON ONLY {table} ({cols})")
    parts = bind.exec_driver_sql(
        "SELECT c.relname, c.relkind FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname", (table,)).all()
    suffix = "_".join(columns) + "_idx"  # the name PostgreSQL gives a partition's index
    for part, kind in parts:
        if kind != "r":
            raise RuntimeError(f"{part}: a partition of {table} that is not a plain table")
        child = f"{part}_{suffix}"
        _drop_invalid(child)
        op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {child} ON {part} ({cols})")
        op.execute(f"ALTER INDEX {name} ATTACH PARTITION {child}")


def _drop_invalid(name: str) -> None:
    """A concurrent build that failed leaves its index INVALID: drop it to build again."""
    invalid = op.get_bind().exec_driver_sql(
        "SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)",
        (name,)).scalar()
    if invalid:
        op.execute(f"DROP INDEX CONCURRENTLY {name}")


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table)
