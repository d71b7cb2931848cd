"""register functions: a registration's first statement and its rows, each one statement
as the acting role (``seatdesk_register_first``, ``seatdesk_register_rows``)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 01:00:00

The intake server wrote a handset report's case row, its first ledger row and ran the
duplicate search as four statements in a unit of work of their own (BEGIN, three
statements, COMMIT: five round trips and an ORM session), after a first statement (the
replay check, the day's number, the grid cell) sent with BEGIN, the role switch and COMMIT
in psycopg's pipeline mode; most of its Python per report was that (docs/performance.md,
"Intake server"). Now each is one statement in autocommit, a function that takes the
acting role first (``set_config('role', …)``: only a role the connected login may
become, as ``SET ROLE``; local to the statement's transaction):

- ``seatdesk_register_first(role, key, day, lon, lat)``: the first statement
  (``registration.first_query``, compiled into the function);
- ``seatdesk_register_rows(role, case, entry, reporter, request, search…)``: INSERTs the
  rows it is given as JSON — the case, its first ledger row, the caller's row and a
  partner's request row when there are — as that role, so grants, row-level security
  and the ledger's triggers decide as for the separate INSERTs, and returns the case's
  id with the candidates (``seatdesk_case_candidates``).

Both SECURITY INVOKER (``dbrules/registration_sql.py``), EXECUTE for the groups that
register, partners and the intake login. Nothing in the schema changes. The upgrade
installs them (``dbrules.apply``, at the head, does the same); the downgrade drops them:
0024's code never calls them. SQLite: nothing (a seat's registration and the embedded
server's keep their unit of work).
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
