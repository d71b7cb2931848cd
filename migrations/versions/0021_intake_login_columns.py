"""intake login columns: the intake login reads no staff member's phone or display name
and no partner's key hash; a presented api_key's partner comes from an owner-run function
(branch ``intake8c``)

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-06 13:00:00

Until this revision the intake login (``seatdesk db intake-login``) read every column of
``users`` but the password hash — every staff member's phone number and display name —
and every column of ``partners``: every partner's api_key hash and the 12345 callback
secret. Now it reads six columns of ``users`` (``grants.INTAKE_USERS``: what a handset
token's check and a user's login need) and three of ``partners`` (``grants.INTAKE_PARTNERS``:
the 12345 outbox's endpoint and HMAC key), and the partner behind a presented api_key
comes from ``seatdesk_partner_by_key(key_hash)`` (``dbrules/intake_sql.py``, SECURITY
DEFINER, EXECUTE for the intake login only). The key hashes are the owner's only
(``hidden``), the administrators' group included.

The upgrade installs the function (``apply``, at the head, does the grants); the
downgrade drops it and gives back what 0019's code reads: the intake login's SELECT on
``partners`` and on ``users`` without the hash, the administrators' SELECT on
``partners``. SQLite: nothing.
"""
from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import ensure_roles, grants, intake_sql

    ensure_roles(conn)
    intake_sql.install(conn, grants.intake_login(conn))  # (apply brings in the rest)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import GROUPS, grants, intake_sql, run_sql

    intake_sql.uninstall(conn, only=(intake_sql.PARTNER_KEY_SIGNATURE,))
    run_sql(conn, f'GRANT SELECT ON public.partners TO "{GROUPS["admin"]}"')
    intake = grants.intake_login(conn)
    if intake:
        run_sql(conn, f'GRANT SELECT ON public.partners TO "{intake}"')
        columns = conn.exec_driver_sql(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'public.users'::regclass"
            " AND attnum > 0 AND NOT attisdropped AND attname <> 'password_hash'"
            " ORDER BY attnum").scalars().all()
        listed = ", ".join(f'"{c}"' for c in columns)
        run_sql(conn, f'GRANT SELECT ({listed}) ON public.users TO "{intake}"')
