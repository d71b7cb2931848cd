"""register rows function: a registration's case and ledger rows, with the duplicate
search, in one statement (``seatdesk_register_rows``)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 01:00:00

The intake server wrote a handset report's case row, its first ledger row and ran the
duplicate search as four statements in a unit of work of their own (BEGIN, three
statements, COMMIT: five round trips and an ORM session); most of its Python per report
was that (docs/performance.md, "Intake server"). ``seatdesk_register_rows(case, entry,
search…)`` (``dbrules/registration_sql.py``) INSERTs the two rows it is given as JSON, as
the caller — the acting user's login, so grants, row-level security and the ledger's
triggers decide as for the two INSERTs — and returns the case's id with the candidates
(``seatdesk_case_candidates``). EXECUTE for the groups that register, partners and the
intake login. Nothing in the schema changes.

The upgrade installs the function (``dbrules.apply``, at the head, does the same); the
downgrade drops it: 0024's server never calls it. SQLite: nothing (a seat's registration
and the embedded server's keep their unit of work).
"""
from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import ensure_roles, grants, registration_sql

    ensure_roles(conn)
    registration_sql.install(conn, grants.intake_login(conn))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import registration_sql

    registration_sql.uninstall(conn)
