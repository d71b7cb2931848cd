"""Operators' logins: the SQL functions through which users, roles and passwords change.

Every operator has a LOGIN role ``<prefix><username>`` (``seatdesk_login_prefix()``:
``security_config`` when it was set for this very database, else the database's name and
a dot), member of exactly the group of their role while they are active — and their
password need not be changed first (``signin_sql``). Nobody but the
schema owner writes ``users``; these SECURITY DEFINER functions do, after checking the
caller: the tables' owner (trusted) or an operator whose *live* record is an active
administrator (``seatdesk_acting_admin``). The caller is the session's role, or the role
it ``SET ROLE`` to (``seatdesk_caller``: how the intake server acts for a supervisor).

Passwords arrive as PostgreSQL SCRAM-SHA-256 verifiers computed by the client (libpq's
``PQencryptPasswordConn``) plus the argon2 hash for the embedded mode's users table: the
plain password never reaches the server.

The gate, the sign-in and an operator's own password change are ``signin_sql``'s.
"""

from __future__ import annotations

from sqlalchemy import Connection

from . import (
    GROUPS,
    IDLE_IN_TRANSACTION_TIMEOUT,
    PARTNER,
    PARTNER_NO_PASSWORD,
    grant_execute,
    run_sql,
)

_ROLES = ", ".join(f"'{r}'" for r in GROUPS)
_GROUP_NAMES = ", ".join(f"'{g}'" for g in (*GROUPS.values(), PARTNER))
_DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp"

FUNCTIONS = f"""
-- a seatdesk login's idle_in_transaction_session_timeout in this database (ALTER ROLE …
-- IN DATABASE … SET: PostgreSQL applies the settings of the role one logs in as, not of
-- its groups), unless the login has one here already: a DBA's own value is kept. False
-- when the role does not exist or the caller may not alter it (a role another
-- CREATEROLE role or a superuser created, on PostgreSQL 16 and later); docs/security.md
CREATE OR REPLACE FUNCTION public.seatdesk_idle_default(p_login text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $fn$
DECLARE
    r oid;
BEGIN
    SELECT oid INTO r FROM pg_roles WHERE rolname = p_login;
    IF r IS NULL THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_db_role_setting s, unnest(s.setconfig) c
                WHERE s.setrole = r
                  AND s.setdatabase = (SELECT oid FROM pg_database
                                        WHERE datname = current_database())
                  AND split_part(c, '=', 1) = 'idle_in_transaction_session_timeout') THEN
        RETURN true;
    END IF;
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                   p_login, current_database(), '{IDLE_IN_TRANSACTION_TIMEOUT}');
    RETURN true;
EXCEPTION WHEN insufficient_privilege THEN
    RETURN false;
END
$fn$;
CREATE OR REPLACE FUNCTION public.seatdesk_caller() RETURNS name
LANGUAGE sql STABLE AS $fn$
    SELECT CASE WHEN current_setting('role') IN ('none', '') THEN session_user
                ELSE current_setting('role')::name END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_login_prefix() RETURNS text
LANGUAGE sql STABLE {_DEFINER} AS $fn$
    SELECT coalesce((SELECT c.login_prefix FROM public.security_config c
                      WHERE c.id = 1 AND c.database = current_database()
                        AND c.login_prefix <> ''),
                    left(current_database(), 40) || '.')
$fn$;

-- (PL/pgSQL, not SQL: a SQL function's query is planned again by every statement that
-- calls it — 30–70 µs on each operator UPDATE whose row-level security policies call
-- these; a PL/pgSQL function keeps its plan for the session)
CREATE OR REPLACE FUNCTION public.seatdesk_my_user_id() RETURNS integer
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN (SELECT u.id FROM public.users u WHERE u.db_login = current_user AND u.active);
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_my_department() RETURNS integer
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN (SELECT u.department_id FROM public.users u
             WHERE u.db_login = current_user AND u.active);
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_my_district() RETURNS integer
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN (SELECT d.id FROM public.users u JOIN public.departments d ON d.id = u.department_id
             WHERE u.db_login = current_user AND u.active AND d.kind = 'district_centre');
END
$fn$;

-- NULL for a trusted caller (the tables' owner), else the id of the calling administrator
CREATE OR REPLACE FUNCTION public.seatdesk_acting_admin() RETURNS integer
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
DECLARE
    who name := public.seatdesk_caller();
    uid integer;
BEGIN
    IF pg_has_role(who, current_user, 'USAGE') THEN
        RETURN NULL;
    END IF;
    SELECT u.id INTO uid FROM public.users u
     WHERE u.db_login = who AND u.active AND u.role = 'admin';
    IF uid IS NULL OR NOT pg_has_role(who, 'seatdesk_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'seatdesk: only an active administrator may change accounts'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN uid;
END
$fn$;

-- the group memberships of a login follow the user's role, partner flag and active flag,
-- and whether the password must be changed: a login on a password someone else gave
-- (seatdesk db logins, an administrator's reset) is in no group — it connects, learns
-- that it must change the password (seatdesk_signed_in) and changes it
-- (seatdesk_change_password, which makes it a member), and nothing else, psql included.
-- The intake server's login may SET ROLE to active supervisors and partners. A partner's
-- login is NOLOGIN without a password, active or not: only the intake server becomes it
CREATE OR REPLACE FUNCTION public.seatdesk_sync_login(p_user_id integer) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    u record;
    g text;
    want text;
    held boolean;
    can_login boolean;
    intake text;
BEGIN
    SELECT * INTO u FROM public.users WHERE id = p_user_id;
    IF u.db_login IS NULL OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u.db_login) THEN
        RETURN;
    END IF;
    want := CASE WHEN u.partner THEN 'seatdesk_partner' ELSE 'seatdesk_' || u.role END;
    held := u.active AND (u.partner OR NOT u.must_change_password);
    FOREACH g IN ARRAY ARRAY[{_GROUP_NAMES}] LOOP
        IF pg_has_role(u.db_login, g, 'MEMBER') AND (NOT held OR g <> want) THEN
            EXECUTE format('REVOKE %I FROM %I', g, u.db_login);
        END IF;
    END LOOP;
    IF held THEN
        IF NOT pg_has_role(u.db_login, want, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', want, u.db_login);
        END IF;
    END IF;
    -- (a role's row is written only when it changes: db upgrade runs this for many
    -- logins, and every write of the shared catalog is replayed by each replica)
    can_login := (SELECT rolcanlogin FROM pg_roles WHERE rolname = u.db_login);
    IF u.active AND NOT u.partner THEN
        IF NOT can_login THEN
            EXECUTE format('ALTER ROLE %I LOGIN', u.db_login);
        END IF;
    ELSIF u.partner THEN  -- (its password cannot be seen from here: cleared every time)
        EXECUTE format('ALTER ROLE %I NOLOGIN PASSWORD NULL', u.db_login);
    ELSIF can_login THEN
        EXECUTE format('ALTER ROLE %I NOLOGIN', u.db_login);
    END IF;
    SELECT c.intake_login INTO intake FROM public.security_config c
     WHERE c.id = 1 AND c.intake_login <> '';
    IF intake IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = intake) THEN
        IF u.active AND (u.role = 'supervisor' OR u.partner) THEN
            IF NOT pg_has_role(intake, u.db_login, 'MEMBER') THEN
                EXECUTE format('GRANT %I TO %I', u.db_login, intake);
            END IF;
        ELSIF pg_has_role(intake, u.db_login, 'MEMBER') THEN
            EXECUTE format('REVOKE %I FROM %I', u.db_login, intake);
        END IF;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_check_account(
    p_role text, p_department_id integer) RETURNS void
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
BEGIN
    IF p_role NOT IN ({_ROLES}) THEN
        RAISE EXCEPTION 'seatdesk: unknown role %', p_role USING ERRCODE = 'check_violation';
    END IF;
    IF p_role = 'department' AND p_department_id IS NULL THEN
        RAISE EXCEPTION 'seatdesk: a department user needs a department'
            USING ERRCODE = 'check_violation';
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_keep_an_admin(p_user_id integer) RETURNS void
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.users
                    WHERE role = 'admin' AND active AND id <> p_user_id) THEN
        RAISE EXCEPTION 'seatdesk: at least one active administrator must remain'
            USING ERRCODE = 'check_violation';
    END IF;
END
$fn$;

-- (re)create the login of an existing user; the old login of the user, if any, is dropped
CREATE OR REPLACE FUNCTION public.seatdesk_create_login(
    p_user_id integer, p_password_hash text, p_verifier text, p_must_change boolean)
RETURNS text LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    u record;
    login text;
BEGIN
    PERFORM public.seatdesk_acting_admin();
    SELECT * INTO u FROM public.users WHERE id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seatdesk: no user %', p_user_id USING ERRCODE = 'no_data_found';
    END IF;
    IF u.partner THEN  -- no password at all: seatdesk_sync_login makes the role NOLOGIN
        p_password_hash := '{PARTNER_NO_PASSWORD}';
        p_verifier := NULL;
        p_must_change := false;
    END IF;
    login := public.seatdesk_login_prefix() || u.username;
    IF octet_length(login) > 63 THEN
        RAISE EXCEPTION 'seatdesk: login name % is longer than 63 bytes', login
            USING ERRCODE = 'check_violation';
    END IF;
    IF u.db_login IS NOT NULL AND u.db_login <> login
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u.db_login) THEN
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), u.db_login);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        IF u.db_login IS DISTINCT FROM login THEN
            RAISE EXCEPTION 'seatdesk: the role % already exists in this cluster', login
                USING ERRCODE = 'duplicate_object';
        END IF;
        EXECUTE format('ALTER ROLE %I %s INHERIT PASSWORD %L VALID UNTIL %L', login,
                       CASE WHEN u.partner THEN 'NOLOGIN' ELSE 'LOGIN' END, p_verifier,
                       'infinity');
    ELSE
        EXECUTE format('CREATE ROLE %I %s INHERIT PASSWORD %L VALID UNTIL %L', login,
                       CASE WHEN u.partner THEN 'NOLOGIN' ELSE 'LOGIN' END, p_verifier,
                       'infinity');
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), login);
    PERFORM public.seatdesk_idle_default(login);
    UPDATE public.users SET db_login = login, password_hash = p_password_hash,
           must_change_password = p_must_change, failed_logins = 0, locked_until = NULL
     WHERE id = p_user_id;
    PERFORM public.seatdesk_sync_login(p_user_id);
    RETURN login;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_admin_create_user(
    p_username text, p_display_name text, p_role text, p_department_id integer,
    p_phone text, p_password_hash text, p_verifier text, p_must_change boolean)
RETURNS integer LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    uid integer;
BEGIN
    PERFORM public.seatdesk_acting_admin();
    PERFORM public.seatdesk_check_account(p_role, p_department_id);
    INSERT INTO public.users (username, display_name, password_hash, role, department_id,
                              phone, active, failed_logins, must_change_password, partner,
                              created_at)
    VALUES (p_username, p_display_name, p_password_hash, p_role, p_department_id,
            coalesce(p_phone, ''), true, 0, p_must_change, false, now())
    RETURNING id INTO uid;
    PERFORM public.seatdesk_create_login(uid, p_password_hash, p_verifier, p_must_change);
    RETURN uid;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_admin_update_user(
    p_user_id integer, p_display_name text, p_role text, p_department_id integer,
    p_phone text) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    old record;
BEGIN
    PERFORM public.seatdesk_acting_admin();
    PERFORM public.seatdesk_check_account(p_role, p_department_id);
    SELECT * INTO old FROM public.users WHERE id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seatdesk: no user %', p_user_id USING ERRCODE = 'no_data_found';
    END IF;
    IF old.role = 'admin' AND p_role <> 'admin' THEN
        PERFORM public.seatdesk_keep_an_admin(p_user_id);
    END IF;
    IF old.partner AND p_role <> old.role THEN
        RAISE EXCEPTION 'seatdesk: user % keeps the acceptor role: a partner account',
            p_user_id USING ERRCODE = 'check_violation';
    END IF;
    UPDATE public.users SET display_name = p_display_name, role = p_role,
           department_id = p_department_id, phone = coalesce(p_phone, '')
     WHERE id = p_user_id;
    PERFORM public.seatdesk_sync_login(p_user_id);
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_admin_set_active(
    p_user_id integer, p_active boolean) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    acting integer := public.seatdesk_acting_admin();
    old record;
BEGIN
    SELECT * INTO old FROM public.users WHERE id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seatdesk: no user %', p_user_id USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT p_active AND p_user_id = acting THEN
        RAISE EXCEPTION 'seatdesk: nobody deactivates their own account'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT p_active AND old.role = 'admin' THEN
        PERFORM public.seatdesk_keep_an_admin(p_user_id);
    END IF;
    UPDATE public.users SET active = p_active WHERE id = p_user_id;
    PERFORM public.seatdesk_sync_login(p_user_id);
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_admin_reset_password(
    p_user_id integer, p_password_hash text, p_verifier text) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    login text;
BEGIN
    PERFORM public.seatdesk_acting_admin();
    IF EXISTS (SELECT 1 FROM public.users WHERE id = p_user_id AND partner) THEN
        RAISE EXCEPTION 'seatdesk: user % is a partner account, which has no password',
            p_user_id USING ERRCODE = 'check_violation';
    END IF;
    UPDATE public.users SET password_hash = p_password_hash, must_change_password = true,
           failed_logins = 0, locked_until = NULL
     WHERE id = p_user_id RETURNING db_login INTO login;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seatdesk: no user %', p_user_id USING ERRCODE = 'no_data_found';
    END IF;
    IF login IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L VALID UNTIL %L', login, p_verifier, 'infinity');
    END IF;
    -- a reset is what an administrator does for a lost phone: its handset sessions end
    IF to_regclass('public.field_sessions') IS NOT NULL THEN
        UPDATE public.field_sessions SET revoked_at = now()
         WHERE user_id = p_user_id AND revoked_at IS NULL;
    END IF;
END
$fn$;

-- end the database sessions of a user (after a deactivation or demotion has committed)
CREATE OR REPLACE FUNCTION public.seatdesk_admin_end_sessions(p_user_id integer)
RETURNS integer LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    login text;
    ended integer := 0;
    pid integer;
BEGIN
    PERFORM public.seatdesk_acting_admin();
    SELECT db_login INTO login FROM public.users WHERE id = p_user_id;
    FOR pid IN SELECT a.pid FROM pg_stat_activity a
                WHERE a.usename = login AND a.datname = current_database() LOOP
        BEGIN
            IF pg_terminate_backend(pid) THEN
                ended := ended + 1;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'seatdesk: grant pg_signal_backend to the schema owner to end sessions';
        END;
    END LOOP;
    RETURN ended;
END
$fn$;

-- a partner system's account: registers reports from outside sources only
CREATE OR REPLACE FUNCTION public.seatdesk_admin_set_partner(
    p_user_id integer, p_partner boolean) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $fn$
BEGIN
    PERFORM public.seatdesk_acting_admin();
    UPDATE public.users SET partner = p_partner WHERE id = p_user_id
       AND (NOT p_partner OR role = 'acceptor');
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seatdesk: a partner account is a user % with the acceptor role',
            p_user_id USING ERRCODE = 'check_violation';
    END IF;
    PERFORM public.seatdesk_sync_login(p_user_id);
END
$fn$;

-- the schema owner names the intake server's login (NOINHERIT, no privileges of its own)
CREATE OR REPLACE FUNCTION public.seatdesk_set_intake_login(p_login text) RETURNS void
LANGUAGE plpgsql {_DEFINER} AS $fn$
DECLARE
    uid integer;
BEGIN
    IF public.seatdesk_acting_admin() IS NOT NULL THEN
        RAISE EXCEPTION 'seatdesk: only the schema owner names the intake login'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_login <> '' THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
            EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT', p_login);
        END IF;
        EXECUTE format('ALTER ROLE %I NOINHERIT', p_login);
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_login);
    END IF;
    INSERT INTO public.security_config (id, login_prefix, database, intake_login)
    VALUES (1, '', current_database(), p_login)
    ON CONFLICT (id) DO UPDATE SET intake_login = excluded.intake_login;
    FOR uid IN SELECT id FROM public.users WHERE db_login IS NOT NULL LOOP
        PERFORM public.seatdesk_sync_login(uid);
    END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_set_login_prefix(p_prefix text) RETURNS text
LANGUAGE plpgsql {_DEFINER} AS $fn$
BEGIN
    IF public.seatdesk_acting_admin() IS NOT NULL THEN
        RAISE EXCEPTION 'seatdesk: only the schema owner sets the login prefix'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO public.security_config (id, login_prefix, database, intake_login)
    VALUES (1, coalesce(p_prefix, ''), current_database(), '')
    ON CONFLICT (id) DO UPDATE SET login_prefix = excluded.login_prefix,
                                   database = excluded.database;
    RETURN public.seatdesk_login_prefix();
END
$fn$;
"""

#: function -> who may EXECUTE it (besides the owner); everything else is revoked from PUBLIC
EXECUTE: dict[str, tuple[str, ...]] = {
    "seatdesk_caller()": ("PUBLIC",),
    "seatdesk_login_prefix()": ("PUBLIC",),
    "seatdesk_my_user_id()": ("PUBLIC",),
    "seatdesk_my_department()": ("PUBLIC",),
    "seatdesk_my_district()": ("PUBLIC",),
    "seatdesk_acting_admin()": ("seatdesk_admin",),
    "seatdesk_idle_default(text)": (),
    "seatdesk_sync_login(integer)": (),
    "seatdesk_check_account(text, integer)": (),
    "seatdesk_keep_an_admin(integer)": (),
    "seatdesk_create_login(integer, text, text, boolean)": ("seatdesk_admin",),
    "seatdesk_admin_create_user(text, text, text, integer, text, text, text, boolean)":
        ("seatdesk_admin",),
    "seatdesk_admin_update_user(integer, text, text, integer, text)": ("seatdesk_admin",),
    "seatdesk_admin_set_active(integer, boolean)": ("seatdesk_admin",),
    "seatdesk_admin_reset_password(integer, text, text)": ("seatdesk_admin",),
    "seatdesk_admin_end_sessions(integer)": ("seatdesk_admin",),
    "seatdesk_admin_set_partner(integer, boolean)": ("seatdesk_admin",),
    "seatdesk_set_intake_login(text)": (),
    "seatdesk_set_login_prefix(text)": (),
}


def install(conn: Connection) -> None:
    run_sql(conn, FUNCTIONS)
    grant_execute(conn, EXECUTE)


def settle_partners(conn: Connection) -> None:
    """Partner accounts made before their logins were NOLOGIN (``seatdesk db logins`` gave
    them a password, and ``partner add`` a random one, until 2026-12-07): no password in
    ``users`` and none on the role, which ``seatdesk_sync_login`` makes NOLOGIN."""
    run_sql(conn, f"UPDATE public.users SET password_hash = '{PARTNER_NO_PASSWORD}',"
                  f" must_change_password = false"
                  f" WHERE partner AND password_hash <> '{PARTNER_NO_PASSWORD}'")
    run_sql(conn, "SELECT public.seatdesk_sync_login(id) FROM public.users"
                  " WHERE partner AND db_login IS NOT NULL")


def uninstall(conn: Connection) -> None:
    for signature in EXECUTE:
        run_sql(conn, f"DROP FUNCTION IF EXISTS public.{signature}")
