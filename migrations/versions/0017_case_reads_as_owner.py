"""case reads as owner: the registration's and the ledger triggers' reads of ``cases``
through SECURITY DEFINER PL/pgSQL functions, and the day's counter in PL/pgSQL

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 07:30:00

Nothing in the schema changes and no rule either; the functions the database's rules
call change (``seatdesk/workflow/dbrules``; figures: docs/performance.md, "Intake
server", 2026-12-06 07:xx):

- ``cases`` has row-level security, and PostgreSQL ties a cached plan of a statement that
  reads it to the role it was planned for. The intake server's pooled connections switch
  role for every request (``SET LOCAL ROLE`` to the supervisor's or partner's login), so
  the registration's first statement and the trust triggers' lookups were analysed and
  planned again for nearly every report. ``seatdesk_case_facts(case_id)``,
  ``seatdesk_intake_replay(key)`` and ``seatdesk_cases_near(...)`` (``facts_sql``) read
  the same columns as the owner — every reader of ``cases`` reads every row, so nothing
  is widened — with EXECUTE for those readers only; the triggers
  ``case_ledger_operator``, ``case_ledger_moves_case`` and ``case_ledger_notify``, the
  registration's first statement and the duplicate search's near query call them.
- ``seatdesk_next_case_serial`` becomes PL/pgSQL (same statement): a SQL function that
  is not inlined is planned at every call before PostgreSQL 18.

The functions are (re)installed by ``dbrules.apply``, which runs after every migration
run at the head; this revision makes an existing database take them (``seatdesk db
upgrade``). Its downgrade drops the three functions and puts back the triggers' functions
that read the table (the code of this revision then needs it again: it calls them).
SQLite: nothing.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import ensure_roles, facts_sql, grants

    ensure_roles(conn)  # (the groups it grants EXECUTE to: a new cluster has none yet)
    facts_sql.install(conn, grants.intake_login(conn))  # (apply brings in the rest)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import facts_sql, ledger_sql, table_owner

    facts_sql.uninstall(conn)
    # the triggers' functions of this code call them: put back the ones reading the table
    # (migrations/env.py applies the rules at the head only)
    if conn.execute(sa.text("SELECT to_regproc('public.seatdesk_ledger_operator')")).scalar():
        ledger_sql.install(conn, table_owner(conn))
