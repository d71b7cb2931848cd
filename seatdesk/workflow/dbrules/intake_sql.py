"""What the intake server's own login (``seatdesk db intake-login``) may run beyond its
table grants (``grants.TABLES``, role ``intake``): one SECURITY DEFINER function for the
12345 callbacks; and what the Open311 reader (``seatdesk_open311_reader``, the role
anonymous Open311 reads run as) may: one for a record's photo.

The login reads the ledger without its ``payload`` column (a registration's payload
carries the caller's phone), yet a callback states the new deadline of an extension and
the satisfaction of a 回访, both in the payload of the ledger row that queued it.
``seatdesk_callback_facts(outbox_id)`` returns exactly those two values, and only for a
ledger row an outbox row points at: nothing else of any payload leaves the function.

The Open311 reader reads no attachment's content (``attachments`` holds every case's
photos and voice notes). ``seatdesk_open311_photo(attachment_id)`` gives the type and
bytes of one photo only when it is a registration's photo (ledger seq 1) of a case that
came in through Open311 — what ``GET /open311/v2/media/{id}`` serves anyone.
"""

from __future__ import annotations

from sqlalchemy import Connection

from . import OPEN311_READER, run_sql

_DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp"
FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION public.seatdesk_callback_facts(p_outbox_id integer)
RETURNS TABLE (deadline_at text, satisfaction text)
LANGUAGE sql STABLE {_DEFINER} AS $fn$
    SELECT l.payload::jsonb #>> '{{set,deadline_at}}',
           coalesce(l.payload::jsonb #>> '{{args,satisfaction}}',
                    l.payload::jsonb #>> '{{args,outcome}}')
      FROM public.callback_outbox o JOIN public.case_ledger l ON l.id = o.ledger_id
     WHERE o.id = p_outbox_id
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_open311_photo(p_attachment_id integer)
RETURNS TABLE (mime_type text, content bytea)
LANGUAGE sql STABLE {_DEFINER} AS $fn$
    SELECT a.mime_type::text, a.content
      FROM public.attachments a
     WHERE a.id = p_attachment_id AND a.kind = 'photo' AND a.ledger_seq = 1
       AND EXISTS (SELECT 1 FROM public.partner_requests p WHERE p.case_id = a.case_id)
$fn$;
"""
SIGNATURES = ("seatdesk_callback_facts(integer)",)
#: the Open311 reader's (and the owner's) only
READER_SIGNATURES = ("seatdesk_open311_photo(integer)",)


def install(conn: Connection, intake: str | None) -> None:
    """Create the function (where the outbox exists) and let only the intake login (and
    the owner) run it."""
    run_sql(conn, FUNCTIONS)
    for signature in SIGNATURES:
        run_sql(conn, f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
        if intake:
            run_sql(conn, f'GRANT EXECUTE ON FUNCTION public.{signature} TO "{intake}"')
    for signature in READER_SIGNATURES:
        run_sql(conn, f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
        run_sql(conn, f'GRANT EXECUTE ON FUNCTION public.{signature} TO "{OPEN311_READER}"')


def uninstall(conn: Connection) -> None:
    for signature in (*SIGNATURES, *READER_SIGNATURES):
        run_sql(conn, f"DROP FUNCTION IF EXISTS public.{signature}")
