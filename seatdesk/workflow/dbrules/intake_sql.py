"""What the intake server's own login (``seatdesk db intake-login``) may run beyond its
table grants (``grants.TABLES``, role ``intake``): SECURITY DEFINER functions for the
12345 callbacks, a presented partner key and a presented handset token; and what the Open311 reader (``seatdesk_open311_reader``, the role
anonymous Open311 reads run as) may: one for a record's photo.

The login reads the ledger without its ``payload`` column (a registration's payload
carries the caller's phone), yet a callback states the new deadline of an extension and
the satisfaction of a 回访, both in the payload of the ledger row that queued it.
``seatdesk_callback_facts(outbox_id)`` returns exactly those two values, and only for a
ledger row an outbox row points at: nothing else of any payload leaves the function.

Nor does the login read ``attachments`` (since migration 0018: it read every case's
photos and the callers' recordings). ``seatdesk_callback_photos(outbox_id, limit)``
returns the photos a "finished" callback sends — those of the department's feedback and
the 核查 before the ledger row an outbox row names — and nothing of any other row.

Nor does it read the partners' key hashes (since migration 0021, branch ``intake8c``):
``seatdesk_partner_by_key(key_hash)`` returns the one partner whose key hashes to what
a request presented — its id, code, kind, source and active flag, and its account's id,
role, active flag and department — so the server checks an ``api_key`` without any
login being able to list the hashes; it answers no more than trying the key on the API
would. PL/pgSQL since migration 0023 (branch ``intake9d``), which keeps its plan.

Nor does it read the handset tokens' hashes (since migration 0022, branch ``intake9c``):
``seatdesk_field_session_by_token(token_hash)`` returns the one handset session whose
token hashes to what a request presented — the session's id, device, expiry and
revocation, and its user's id, name, role, active flag and department — what the token's
check needs (``server/auth.field_grant``); of ``field_sessions`` itself the login reads
only ``id`` (a sign-in's INSERT … RETURNING id, a sign-out's UPDATE by id). It answers no
more than presenting the token to the API would.

The Open311 reader reads no attachment's content (``attachments`` holds every case's
photos and voice notes). ``seatdesk_open311_photo(attachment_id)`` gives the type and
bytes of one photo only when it is a registration's photo (ledger seq 1) of a case that
came in through Open311 — what ``GET /open311/v2/media/{id}`` serves anyone.

Nor does it read the ledger or the attachments' rows (since migration 0018, branch
``intake7b``; before, it read every case's state changes by case id and every
attachment's id and kind). What Open311 shows of them comes from two more functions, each
with the row rule of its ``cases`` policy (a ``partner_requests`` row names the case):
``seatdesk_open311_updates(start, end, partner_id, limit)`` — the state changes the
mySociety updates list (seq, time, action, new state, the case's number), of Open311
cases only, of one partner's when ``partner_id`` is given — and
``seatdesk_open311_first_photos(case_ids)`` — the id of each Open311 case's first
registration photo (a record's ``media_url``). The partner group may run them too (a GET
with an ``api_key`` reads as the partner: the same statements on both paths).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from . import OPEN311_READER, PARTNER, run_sql

#: the ledger rows whose photos a 12345 "finished" callback sends (hotline/payload.py)
_RESULT_ACTIONS = "'feedback', 'check_pass'"
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

CREATE OR REPLACE FUNCTION public.seatdesk_callback_photos(p_outbox_id integer,
                                                           p_limit integer)
RETURNS TABLE (filename text, mime_type text, sha256 text, content bytea)
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
BEGIN
    RETURN QUERY
    SELECT a.filename::text, a.mime_type::text, a.sha256::text, a.content
      FROM public.callback_outbox o
      JOIN public.case_ledger l ON l.id = o.ledger_id
      JOIN public.attachments a ON a.case_id = l.case_id AND a.kind = 'photo'
     WHERE o.id = p_outbox_id AND o.event = 'finished'
       AND a.ledger_seq IN (SELECT r.seq FROM public.case_ledger r
                             WHERE r.case_id = l.case_id AND r.seq < l.seq
                               AND r.action IN ({_RESULT_ACTIONS}))
     ORDER BY a.id DESC LIMIT p_limit;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_partner_by_key(p_key_hash text)
RETURNS TABLE (partner_id integer, code text, kind text, source text, active boolean,
               user_id integer, role text, user_active boolean, department_id integer)
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
BEGIN
    -- (PL/pgSQL since migration 0023, as seatdesk_field_session_by_token: a SECURITY
    -- DEFINER SQL function is never inlined and plans its body at every call)
    RETURN QUERY
    SELECT p.id, p.code::text, p.kind::text, p.source::text, p.active,
           u.id, u.role::text, u.active, u.department_id
      FROM public.partners p JOIN public.users u ON u.id = p.user_id
     WHERE p.key_hash = p_key_hash;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_field_session_by_token(p_token_hash text)
RETURNS TABLE (session_id integer, device_id text, expires_at timestamptz,
               revoked_at timestamptz, user_id integer, username text, role text,
               active boolean, department_id integer, must_change_password boolean)
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
BEGIN
    -- (PL/pgSQL keeps the statement's plan for the session; a SECURITY DEFINER SQL
    -- function is never inlined and plans its body at every call: 2-3 times the bare
    -- join's time, docs/performance.md "A handset's token through an owner-run function")
    RETURN QUERY
    SELECT s.id, s.device_id::text, s.expires_at, s.revoked_at,
           u.id, u.username::text, u.role::text, u.active, u.department_id,
           u.must_change_password
      FROM public.field_sessions s JOIN public.users u ON u.id = s.user_id
     WHERE s.token_hash = p_token_hash;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_open311_photo(p_attachment_id integer)
RETURNS TABLE (mime_type text, content bytea)
LANGUAGE sql STABLE {_DEFINER} AS $fn$
    SELECT a.mime_type::text, a.content
      FROM public.attachments a
     WHERE a.id = p_attachment_id AND a.kind = 'photo' AND a.ledger_seq = 1
       AND EXISTS (SELECT 1 FROM public.partner_requests p WHERE p.case_id = a.case_id)
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_open311_updates(
    p_start timestamptz, p_end timestamptz, p_partner_id integer, p_limit integer)
RETURNS TABLE (seq integer, at timestamptz, action text, to_state text, number text)
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
BEGIN
    -- (the partner is a filter on the join, not an index's key: one plan serves both)
    RETURN QUERY
    SELECT l.seq, l.at, l.action::text, l.to_state::text, c.number::text
      FROM public.case_ledger l
      JOIN public.cases c ON c.id = l.case_id
      JOIN public.partner_requests p ON p.case_id = c.id
     WHERE l.at >= p_start AND l.at <= p_end AND l.from_state <> l.to_state
       AND (p_partner_id IS NULL OR p.partner_id = p_partner_id)
     ORDER BY l.at, l.id LIMIT p_limit;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_open311_first_photos(p_case_ids integer[])
RETURNS TABLE (case_id integer, id integer)
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
BEGIN
    RETURN QUERY
    SELECT a.case_id, min(a.id)
      FROM public.attachments a
     WHERE a.case_id = ANY(p_case_ids) AND a.kind = 'photo' AND a.ledger_seq = 1
       AND EXISTS (SELECT 1 FROM public.partner_requests p WHERE p.case_id = a.case_id)
     GROUP BY a.case_id;
END
$fn$;
"""
SIGNATURES = ("seatdesk_callback_facts(integer)", "seatdesk_callback_photos(integer, integer)",
              "seatdesk_partner_by_key(text)", "seatdesk_field_session_by_token(text)")
#: the partner behind a presented api_key (migration 0021)
PARTNER_KEY_SIGNATURE = "seatdesk_partner_by_key(text)"
#: the handset session behind a presented token (migration 0022)
FIELD_SESSION_SIGNATURE = "seatdesk_field_session_by_token(text)"
#: the Open311 reader's (and the owner's) only
READER_SIGNATURES = ("seatdesk_open311_photo(integer)",)
#: the Open311 reader's and the partner group's (a partner's GET reads as its login)
RECORD_SIGNATURES = ("seatdesk_open311_updates(timestamp with time zone, timestamp with time"
                     " zone, integer, integer)", "seatdesk_open311_first_photos(integer[])")


_DROP_OUTDATED = f"""
DO $do$
BEGIN
    IF position('must_change_password' IN coalesce(pg_get_function_result(
           to_regprocedure('public.{FIELD_SESSION_SIGNATURE}')), 'must_change_password')) = 0
    THEN
        DROP FUNCTION public.{FIELD_SESSION_SIGNATURE};
    END IF;
END
$do$;
"""


def install(conn: Connection, intake: str | None) -> None:
    """Create the function (where the outbox exists) and let only the intake login (and
    the owner) run it. A function whose result columns are not these any more (before
    migration 0026, or after a downgrade past it) is dropped first: they cannot be
    replaced in place."""
    run_sql(conn, _DROP_OUTDATED)
    run_sql(conn, FUNCTIONS)
    for signature in SIGNATURES:
        run_sql(conn, f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
        if intake:
            run_sql(conn, f'GRANT EXECUTE ON FUNCTION public.{signature} TO "{intake}"')
    for signature in READER_SIGNATURES:
        run_sql(conn, f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
        run_sql(conn, f'GRANT EXECUTE ON FUNCTION public.{signature} TO "{OPEN311_READER}"')
    for signature in RECORD_SIGNATURES:
        run_sql(conn, f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
        run_sql(conn, f'GRANT EXECUTE ON FUNCTION public.{signature}'
                      f' TO "{OPEN311_READER}", "{PARTNER}"')


def installed(conn: Connection) -> bool:
    """Whether the Open311 record functions exist (migration 0018 or later)."""
    return bool(conn.execute(text(
        "SELECT to_regprocedure('public.seatdesk_open311_first_photos(integer[])')"
        " IS NOT NULL")).scalar())


def uninstall(conn: Connection, only: tuple[str, ...] | None = None) -> None:
    for signature in only or (*SIGNATURES, *READER_SIGNATURES, *RECORD_SIGNATURES):
        run_sql(conn, f"DROP FUNCTION IF EXISTS public.{signature}")
