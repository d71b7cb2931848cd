"""``NOTIFY seatdesk_config`` when reference data the intake server caches changes.

A statement-level trigger on each table of ``TABLES`` (every session, trusted writers
included: ``seatdesk partner disable`` runs as the owner) sends the table's name on
``seatdesk_config`` at commit; the server's per-process cache (``workflow/lookups.py``)
empties itself on it, so a disabled source, class or partner stops being accepted as soon
as the notification arrives instead of after a cache lifetime. ``field_sessions`` sends it
on UPDATE and DELETE (a revoked handset session), not on the INSERT of every sign-in.

A user renamed (``users.username``: the name a kept handset grant gives the access log)
or whose password must be changed, or no longer (``must_change_password``: a kept handset
grant answers only the change while it is set) sends it too, from a row trigger that
fires only when one of them changes. Not on ``seatdesk_users``: the seats sign their user
out on that channel, and neither changes anything a seat checks (role, active flag,
department, login).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from . import install_trigger, run_sql

CHANNEL = "seatdesk_config"
TABLES = ("case_sources", "case_classes", "class_editions", "settings", "partners")
#: tables whose new rows change nothing a process keeps: notified on UPDATE and DELETE only
#: (a handset sign-in INSERTs a session; its revocation UPDATEs it and must empty every
#: process's kept grants, ``server/context.field_user``)
CHANGED_ONLY = ("field_sessions",)

FUNCTION = f"""
CREATE OR REPLACE FUNCTION public.seatdesk_config_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END
$fn$;
"""


def install(conn: Connection) -> None:
    """The function and a trigger on each of ``TABLES`` (those that exist: ``apply``
    runs at head, where all do; a partial schema is skipped rather than failed)."""
    present = conn.execute(text(
        "SELECT t FROM unnest(CAST(:names AS text[])) AS t"
        " WHERE to_regclass('public.' || t) IS NOT NULL"),
        {"names": [*TABLES, *CHANGED_ONLY]}).scalars().all()
    run_sql(conn, FUNCTION)
    for table in present:
        install_trigger(conn, table, f"{table}_config_notify", (
            f"CREATE TRIGGER {table}_config_notify AFTER"
            f"{' INSERT OR' if table not in CHANGED_ONLY else ''} UPDATE OR DELETE OR TRUNCATE"
            f" ON public.{table} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION public.seatdesk_config_notify();"))
    install_trigger(conn, "users", "users_renamed_notify", (
        "CREATE TRIGGER users_renamed_notify AFTER UPDATE OF username,"
        " must_change_password ON public.users FOR EACH ROW"
        " WHEN (OLD.username IS DISTINCT FROM NEW.username"
        " OR OLD.must_change_password IS DISTINCT FROM NEW.must_change_password)"
        " EXECUTE FUNCTION public.seatdesk_config_notify();"))


def uninstall(conn: Connection) -> None:
    run_sql(conn, "".join(f"DROP TRIGGER IF EXISTS {table}_config_notify ON public.{table};\n"
                          for table in (*TABLES, *CHANGED_ONLY))
            + "DROP TRIGGER IF EXISTS users_renamed_notify ON public.users;\n"
            + "DROP FUNCTION IF EXISTS public.seatdesk_config_notify();\n")
