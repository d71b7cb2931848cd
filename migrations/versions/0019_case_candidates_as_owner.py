"""case candidates as owner: the duplicate search's near query and its candidates'
columns in one owner-run function (``seatdesk_case_candidates``)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:30:00

Nothing in the schema changes and no rule either. The duplicate search read the cases
near a new report through ``seatdesk_cases_near`` (migration 0017) and then read the
candidates' columns it scores them by (component, report and close times, description,
address) in a second statement, ``WHERE id IN (…)``: a statement whose text changed with
the number of candidates (planned again each time) and which read ``cases`` as the
acting role (planned again at each role switch), in a second round trip.
``seatdesk_case_candidates`` (``seatdesk/workflow/dbrules/facts_sql.py``) returns the
same rows in the same order with those columns, as the owner — every reader of ``cases``
reads them all (its SELECT policy is ``true``, the columns are granted to every group) —
with EXECUTE for those readers only (docs/performance.md, "Intake server", 2026-12-06
09:57–10:45).

The function is (re)installed by ``dbrules.apply`` after every migration run at the
head; this revision makes an existing database take it (``seatdesk db upgrade``), and
its downgrade drops it. SQLite: nothing.
"""
from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import ensure_roles, facts_sql, grants

    ensure_roles(conn)
    facts_sql.install(conn, grants.intake_login(conn))  # (apply brings in the rest)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import facts_sql, run_sql

    run_sql(conn, f"DROP FUNCTION IF EXISTS public.{facts_sql.CANDIDATES_SIGNATURE}")
