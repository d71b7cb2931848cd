"""The day's next case number serial on PostgreSQL (``case_number_days``).

``seatdesk_next_case_serial('YYYYMMDD')`` advances the day's counter row and returns the
new serial. The caller runs it in a transaction of its own, committed before the
registration starts (``registration.take_number``): the row is locked only for that short
transaction, not for a whole registration. It never goes below the highest number filed
that day (a day's first call, numbers written by a trusted writer such as ``seatdesk
demo``): the unique index ``uq_cases_number`` stays the guard. A registration that fails
after taking its number leaves a gap, as a sequence does.

SECURITY DEFINER with EXECUTE for the groups that register cases (and the intake
server's login): nobody writes ``case_number_days`` directly. Someone who calls the
function by hand only burns numbers (gaps).
"""

from __future__ import annotations

from sqlalchemy import Connection

from . import GROUPS, PARTNER, run_sql

SIGNATURE = "seatdesk_next_case_serial(text)"
REGISTERING = ("acceptor", "supervisor")

#: PL/pgSQL, not SQL: a SQL function that is not inlined (SECURITY DEFINER, SET) has its
#: statement parsed and planned at every call on PostgreSQL before 18 (0.2-0.25 ms of a
#: report's PostgreSQL CPU, docs/performance.md); PL/pgSQL keeps the plan for the session.
#: (Without a row — a day that is not 8 digits — it returns NULL, as the SQL one did.)
FUNCTION = """
CREATE OR REPLACE FUNCTION public.seatdesk_next_case_serial(for_day text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    serial integer;
BEGIN
    INSERT INTO public.case_number_days AS n (day, last_serial)
    SELECT for_day, COALESCE((
        SELECT CAST(substr(max(c.number), 9) AS integer) FROM public.cases c
        WHERE c.number >= for_day || '000000' AND c.number <= for_day || '999999'), 0) + 1
    WHERE for_day ~ '^[0-9]{8}$'
    ON CONFLICT (day) DO UPDATE
        SET last_serial = GREATEST(n.last_serial + 1, EXCLUDED.last_serial)
    RETURNING n.last_serial INTO serial;
    RETURN serial;
END
$fn$;
"""


def install(conn: Connection, intake: str | None) -> None:
    run_sql(conn, FUNCTION)
    run_sql(conn, f"REVOKE ALL ON FUNCTION public.{SIGNATURE} FROM PUBLIC")
    grantees = [GROUPS[r] for r in REGISTERING] + [PARTNER] + ([intake] if intake else [])
    names = ", ".join(f'"{g}"' for g in grantees)
    run_sql(conn, f"GRANT EXECUTE ON FUNCTION public.{SIGNATURE} TO {names}")


def uninstall(conn: Connection) -> None:
    run_sql(conn, f"DROP FUNCTION IF EXISTS public.{SIGNATURE}")
