"""field session must change: a handset token's check says whether its supervisor must
still change the password, so the intake server refuses all but that change

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 12:30:00

After ``seatdesk db logins`` or an administrator's reset a supervisor signs in with a
password someone else knows, and must change it. The field app asked for the change
first, but the server took every call of such a token: any other client could report,
answer tasks and send positions on that password for as long as it liked.
``seatdesk_field_session_by_token`` now returns the user's ``must_change_password`` too,
and the server refuses every handset call of such a session but changing the password,
signing out and who-am-I (403 ``must_change_password``, docs/api.md).

A function's result columns cannot be changed in place: the upgrade drops it and
installs the new one (``intake_sql.install`` drops one with other result columns itself,
so ``apply`` at the head and an earlier migration run again after a downgrade do too);
the downgrade gives back 0025's, with its grants. SQLite: nothing.
"""
from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_FORMER = """
CREATE FUNCTION public.seatdesk_field_session_by_token(p_token_hash text)
RETURNS TABLE (session_id integer, device_id text, expires_at timestamptz,
               revoked_at timestamptz, user_id integer, username text, role text,
               active boolean, department_id integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $fn$
BEGIN
    RETURN QUERY
    SELECT s.id, s.device_id::text, s.expires_at, s.revoked_at,
           u.id, u.username::text, u.role::text, u.active, u.department_id
      FROM public.field_sessions s JOIN public.users u ON u.id = s.user_id
     WHERE s.token_hash = p_token_hash;
END
$fn$;
"""


def _replace(conn, definition: str | None) -> None:
    from seatdesk.workflow.dbrules import ensure_roles, grants, intake_sql, run_sql

    ensure_roles(conn)
    signature = intake_sql.FIELD_SESSION_SIGNATURE
    intake_sql.uninstall(conn, only=(signature,))
    if definition is None:
        intake_sql.install(conn, grants.intake_login(conn))
        return
    run_sql(conn, definition)
    run_sql(conn, f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
    intake = grants.intake_login(conn)
    if intake:
        run_sql(conn, f'GRANT EXECUTE ON FUNCTION public.{signature} TO "{intake}"')


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        _replace(conn, None)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        _replace(conn, _FORMER)
