"""intake token function: the intake login reads no handset token's hash; a presented
token's session and user come from an owner-run function (branch ``intake9c``)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 16:00:00

Until this revision the intake login (``seatdesk db intake-login``) read every column of
``field_sessions``: the SHA-256 of every supervisor's live handset token, with its user,
device and expiry — whoever held the login could list them. Now it reads ``id`` only
(``grants.INTAKE_FIELD_SESSIONS``: what a sign-in's ``INSERT … RETURNING id`` and a
sign-out's ``UPDATE … WHERE id =`` need), and the session and user behind a presented
token come from ``seatdesk_field_session_by_token(token_hash)`` (``dbrules/intake_sql.py``,
SECURITY DEFINER, search_path pinned, EXECUTE for the intake login only), which answers
for that one hash. Nobody but the owner reads the hashes (no group ever read the table).

The upgrade installs the function and narrows the intake login's read of the table
(``apply``, at the head, does the same from ``grants.TABLES``); the downgrade drops the
function and gives back what 0021's code reads: the intake login's SELECT on the whole
table. SQLite: nothing.
"""
from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import ensure_roles, grants, intake_sql, run_sql

    ensure_roles(conn)
    intake = grants.intake_login(conn)
    intake_sql.install(conn, intake)
    if intake:
        listed = ", ".join(f'"{c}"' for c in grants.INTAKE_FIELD_SESSIONS)
        run_sql(conn, f'REVOKE SELECT ON public.field_sessions FROM "{intake}"')
        run_sql(conn, f'GRANT SELECT ({listed}) ON public.field_sessions TO "{intake}"')


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import grants, intake_sql, run_sql

    intake_sql.uninstall(conn, only=(intake_sql.FIELD_SESSION_SIGNATURE,))
    intake = grants.intake_login(conn)
    if intake:
        run_sql(conn, f'GRANT SELECT ON public.field_sessions TO "{intake}"')
