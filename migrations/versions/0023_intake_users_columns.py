"""intake login users columns: the intake login reads of ``users`` only ``id`` and
``db_login``; ``seatdesk_partner_by_key`` in PL/pgSQL (branch ``intake9d``)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 17:00:00

Since 0022 a handset token's user (name, role, active flag, department) comes with its
session from ``seatdesk_field_session_by_token``, and since 0021 a partner's account from
``seatdesk_partner_by_key``: what the server still reads of ``users`` on its own
connection is a principal's database login by the user's id (``server/identity.py``).
Until this revision the intake login read six columns (``username``, ``role``,
``active``, ``department_id`` besides): every staff member's user name, role, department
and whether the account is active. Now it reads ``id`` and ``db_login``
(``grants.INTAKE_USERS``).

``seatdesk_partner_by_key`` becomes PL/pgSQL with the same signature, result columns and
grants: a SECURITY DEFINER SQL function is never inlined and plans its body at every call,
PL/pgSQL keeps its plan for the session (docs/performance.md).

The upgrade replaces the function and narrows the intake login's read of ``users``
(``apply``, at the head, does the same from ``grants.TABLES``); the downgrade gives back
the SQL function and 0022's six columns. SQLite: nothing.
"""
from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

#: what the intake login read of ``users`` from 0021 to 0022
_FORMER_USERS = ("id", "username", "role", "active", "department_id", "db_login")
#: 0021's function, given back by the downgrade (CREATE OR REPLACE keeps its grants)
_FORMER_PARTNER_BY_KEY = """
CREATE OR REPLACE FUNCTION public.seatdesk_partner_by_key(p_key_hash text)
RETURNS TABLE (partner_id integer, code text, kind text, source text, active boolean,
               user_id integer, role text, user_active boolean, department_id integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
    SELECT p.id, p.code::text, p.kind::text, p.source::text, p.active,
           u.id, u.role::text, u.active, u.department_id
      FROM public.partners p JOIN public.users u ON u.id = p.user_id
     WHERE p.key_hash = p_key_hash
$fn$
"""


def _users(conn, intake: str, columns: tuple[str, ...]) -> None:
    from seatdesk.workflow.dbrules import run_sql

    listed = ", ".join(f'"{c}"' for c in columns)
    run_sql(conn, f'REVOKE SELECT ON public.users FROM "{intake}"')  # (its columns too)
    run_sql(conn, f'GRANT SELECT ({listed}) ON public.users TO "{intake}"')


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import ensure_roles, grants, intake_sql

    ensure_roles(conn)
    intake = grants.intake_login(conn)
    intake_sql.install(conn, intake)
    if intake:
        _users(conn, intake, grants.INTAKE_USERS)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.workflow.dbrules import grants, run_sql

    run_sql(conn, _FORMER_PARTNER_BY_KEY)
    intake = grants.intake_login(conn)
    if intake:
        _users(conn, intake, _FORMER_USERS)
