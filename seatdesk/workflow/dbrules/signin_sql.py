"""The gate, the sign-in and an operator's own password: their SQL functions.

Sign-in (``seatdesk.workflow.signin``): the seat connects as ``seatdesk_gate`` (no
password; it may only run the gate functions), asks for the login name
(``seatdesk_gate_login`` — a name for unknown users too, and lifts an expired lock),
connects as that login with the password, and calls ``seatdesk_signed_in()``; a refused
connection is reported with ``seatdesk_gate_failed(username)``: one atomic UPDATE counts
it and, at ``MAX_FAILURES``, locks the account — the login's password is expired
(``VALID UNTIL`` in the past) so that PostgreSQL itself refuses it, psql included, until
the lock has run out and the gate lifts it.

A password someone else gave (``seatdesk db logins``, an administrator's reset) must be
changed first, and the database holds it: such a login is in no group
(``accounts_sql.seatdesk_sync_login``, run by the row trigger ``users_must_change_sync``
whenever the flag changes), so it may run nothing but ``seatdesk_signed_in()`` and
``seatdesk_change_password(…)`` — open to every login, each acting on the caller's own
active account only.
"""

from __future__ import annotations

from sqlalchemy import Connection

from . import GATE, LOCKOUT_MINUTES, MAX_FAILURES, grant_execute, install_trigger, run_sql

_DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp"

FUNCTIONS = f"""
-- a password that must now be changed, or no longer: the login's groups follow at once,
-- whoever changed the flag (the account functions, the owner's own UPDATE)
CREATE OR REPLACE FUNCTION public.seatdesk_users_must_change() RETURNS trigger
LANGUAGE plpgsql {_DEFINER} AS $fn$
BEGIN
    PERFORM public.seatdesk_sync_login(NEW.id);
    RETURN NULL;
END
$fn$;

-- an operator changes their own password (the seat checked the old one by connecting).
-- Their handset sessions end — but the one that asked (p_keep_session, the server's
-- session id of the handset that changed it; NULL from a seat): a changed password is
-- what one does when someone else may know it
CREATE OR REPLACE FUNCTION public.seatdesk_change_password(
    p_password_hash text, p_verifier text, p_keep_session integer) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    who name := public.seatdesk_caller();
    uid integer;
BEGIN
    UPDATE public.users SET password_hash = p_password_hash, must_change_password = false
     WHERE db_login = who AND active AND NOT partner
    RETURNING id INTO uid;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seatdesk: % is not an active operator', who
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', who, p_verifier);
    IF to_regclass('public.field_sessions') IS NOT NULL THEN
        UPDATE public.field_sessions SET revoked_at = now()
         WHERE user_id = uid AND revoked_at IS NULL
           AND id IS DISTINCT FROM p_keep_session;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_change_password(
    p_password_hash text, p_verifier text) RETURNS void
LANGUAGE sql {_DEFINER} AS $fn$
    SELECT public.seatdesk_change_password(p_password_hash, p_verifier, NULL::integer)
$fn$;

-- the operator's record after a successful connection; clears the failure count
CREATE OR REPLACE FUNCTION public.seatdesk_signed_in()
RETURNS TABLE (id integer, username text, display_name text, role text,
               department_id integer, must_change_password boolean)
LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    who name := public.seatdesk_caller();
BEGIN
    RETURN QUERY
    UPDATE public.users u SET failed_logins = 0, locked_until = NULL
     WHERE u.db_login = who AND u.active AND NOT u.partner
       AND (u.locked_until IS NULL OR u.locked_until <= now())
    RETURNING u.id, u.username::text, u.display_name::text, u.role::text, u.department_id,
              u.must_change_password;
END
$fn$;

-- the gate: the login name to connect with (also for unknown users) and lifting a lock
-- that has run out
CREATE OR REPLACE FUNCTION public.seatdesk_gate_login(p_username text) RETURNS text
LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    u record;
BEGIN
    SELECT * INTO u FROM public.users WHERE username = p_username;
    IF NOT FOUND OR u.db_login IS NULL THEN
        RETURN public.seatdesk_login_prefix() || p_username;
    END IF;
    IF u.locked_until IS NOT NULL AND u.locked_until <= now() THEN
        UPDATE public.users SET locked_until = NULL, failed_logins = 0
         WHERE id = u.id AND locked_until <= now();
        IF FOUND AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u.db_login) THEN
            EXECUTE format('ALTER ROLE %I VALID UNTIL %L', u.db_login, 'infinity');
        END IF;
    END IF;
    RETURN u.db_login;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_gate_failed(p_username text) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    login text;
    locked timestamptz;
BEGIN
    UPDATE public.users SET failed_logins = failed_logins + 1,
           locked_until = CASE WHEN failed_logins + 1 >= {MAX_FAILURES}
                               THEN now() + interval '{LOCKOUT_MINUTES} minutes'
                               ELSE locked_until END
     WHERE username = p_username
    RETURNING db_login, locked_until INTO login, locked;
    IF locked IS NOT NULL AND locked > now() AND login IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        EXECUTE format('ALTER ROLE %I VALID UNTIL %L', login, '1970-01-01 00:00:00+00');
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_gate_centre() RETURNS text
LANGUAGE sql STABLE {_DEFINER} AS $fn$
    SELECT coalesce((SELECT value::json #>> '{{}}' FROM public.settings
                      WHERE key = 'centre_name'), '')
$fn$;
"""

#: function -> who may EXECUTE it (besides the owner); everything else is revoked from PUBLIC
EXECUTE: dict[str, tuple[str, ...]] = {
    "seatdesk_users_must_change()": (),
    # every login, in a group or not: one whose password must be changed is in none
    # (seatdesk_sync_login). Each acts on the caller's own active account and nothing else
    "seatdesk_change_password(text, text)": ("PUBLIC",),
    "seatdesk_change_password(text, text, integer)": ("PUBLIC",),
    "seatdesk_signed_in()": ("PUBLIC",),
    "seatdesk_gate_login(text)": (GATE,),
    "seatdesk_gate_failed(text)": (GATE,),
    "seatdesk_gate_centre()": (GATE,),
}

#: the trigger that keeps a login's groups with the flag (``dbrules.install_trigger``: no
#: lock when it is already there)
MUST_CHANGE_TRIGGER = """
CREATE TRIGGER users_must_change_sync AFTER UPDATE OF must_change_password ON public.users
    FOR EACH ROW WHEN (OLD.must_change_password IS DISTINCT FROM NEW.must_change_password)
    EXECUTE FUNCTION public.seatdesk_users_must_change();"""


def install(conn: Connection) -> None:
    run_sql(conn, FUNCTIONS)
    install_trigger(conn, "users", "users_must_change_sync", MUST_CHANGE_TRIGGER)
    grant_execute(conn, EXECUTE)


#: the gate's functions the intake server's login may run too: a handset's sign-in is a
#: seat's (the login named by the gate, the password checked by PostgreSQL when the server
#: connects as that login, a refusal counted by the gate) — never the argon2 hash
INTAKE_EXECUTE = ("seatdesk_gate_login(text)", "seatdesk_gate_failed(text)")


def grant_intake(conn: Connection, intake: str | None) -> None:
    """EXECUTE on ``INTAKE_EXECUTE`` for the intake login named in ``security_config``
    (``install`` has just revoked every grant of these functions but the gate's)."""
    if intake:
        for signature in INTAKE_EXECUTE:
            run_sql(conn, f'GRANT EXECUTE ON FUNCTION public.{signature} TO "{intake}"')


def settle_must_change(conn: Connection) -> None:
    """The logins of users whose password must be changed leave their groups
    (``seatdesk_sync_login``; kept until 2026-12-07, when only the seat and the intake
    server asked for the change first): ``db upgrade`` makes an existing database hold it."""
    run_sql(conn, "SELECT public.seatdesk_sync_login(id) FROM public.users"
                  " WHERE must_change_password AND NOT partner AND db_login IS NOT NULL")


def uninstall(conn: Connection) -> None:
    run_sql(conn, "DROP TRIGGER IF EXISTS users_must_change_sync ON public.users")
    for signature in EXECUTE:
        run_sql(conn, f"DROP FUNCTION IF EXISTS public.{signature}")
