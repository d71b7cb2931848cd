"""ledger since: ``cases.ledger_since``, the time of the case's first ledger row

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 21:45:00

The ledger is partitioned by month (0013). The trust trigger ``case_ledger_operator``
looks the case's chain head up by ``(case_id, seq)``, which opens every month's partition
(docs/scale.md: 1–6 ms with ten years of months, 110 ms the first time). With a time that
no row of the case precedes, runtime partition pruning leaves the months since then:
``cases.ledger_since`` is set once, at registration, to the time of the case's first
ledger row (``ledger.append``), and never changes — on PostgreSQL the deferred trust
trigger ``cases_need_ledger`` refuses an operator's case whose ``ledger_since`` is not its
first row's time, or that changes it (``workflow/dbrules/ledger_sql.py``). Existing cases
get ``min(case_ledger.at)``. SQLite gets the plain column.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from seatdesk.models.base import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("ledger_since", UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # one pass over the ledger (its (case_id, seq, at) index), not one lookup per case
        op.execute("UPDATE cases c SET ledger_since = f.at FROM (SELECT case_id, min(at) AS at"
                   " FROM case_ledger GROUP BY case_id) f WHERE f.case_id = c.id")
    else:
        op.execute("UPDATE cases SET ledger_since = (SELECT min(l.at) FROM case_ledger l"
                   " WHERE l.case_id = cases.id)")


def downgrade() -> None:
    conn = op.get_bind()
    # a plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it): batch mode would rebuild the
    # table on SQLite and lose its triggers (the search grams' of 0012)
    op.drop_column("cases", "ledger_since")
    # the trust triggers of this code name the column: put back the ones without it
    # (migrations/env.py applies the rules at the head only)
    if conn.dialect.name == "postgresql" and conn.execute(
            sa.text("SELECT to_regproc('public.seatdesk_ledger_operator')")).scalar():
        from seatdesk.workflow.dbrules import ledger_sql, table_owner

        ledger_sql.install(conn, table_owner(conn))
