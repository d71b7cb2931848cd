"""A registration on PostgreSQL in two statements, each a transaction of its own
(``seatdesk_register_first``, ``seatdesk_register_rows``; migration 0025).

The intake server registers a report (``registration._first_statement``,
``_register_direct``) with

1. ``seatdesk_register_first(role, key, day, lon, lat)``: the replay check of the report's
   key, the day's next number for a new one, the point's grid cell — the statement
   ``registration.first_query`` builds, compiled into the function;
2. ``seatdesk_register_rows(role, case, entry, reporter, request, search…)``: the rows
   Python built from that — the case row and its first ledger row, the caller's row and a
   partner's request row when there are, each passed whole as JSON
   (``jsonb_populate_record`` of the table's own row type) — and the duplicate search's
   candidates (``seatdesk_case_candidates``, the same statement the search runs
   otherwise), returned with the new case's id.

The rows are the ones ``registration._register`` writes on a seat's connection, column
for column (``tests/test_workflow_one_statement.py`` registers the same reports both ways
and compares every column and answer). Each is one autocommit execute: what this saves
is the server's CPU for psycopg's pipeline, four statements and a unit of work's session
(docs/performance.md).

SECURITY INVOKER, the acting role taken first (``p_role``; NULL: the connection's own):
``set_config('role', …)`` lets the connected login become only a role it is a member of,
as ``SET ROLE`` does, and the switch is local to the statement's transaction. The
INSERTs then run as that role, so the tables' grants, row-level security and the
ledger's triggers decide exactly as they do for separate INSERTs (an operator's ledger
row is checked and its hashes recomputed by ``ledger_sql``'s trigger). The functions give
nobody anything they could not do with those statements; EXECUTE goes to the groups that
register cases, partners and the intake login (as ``seatdesk_next_case_serial``).
"""

from __future__ import annotations

from sqlalchemy import Connection

from . import GROUPS, PARTNER, run_sql
from .numbering_sql import REGISTERING

_FLOAT = "double precision"
SIGNATURE = ("seatdesk_register_rows(text, jsonb, jsonb, jsonb, jsonb, double precision,"
             f" {_FLOAT}, {_FLOAT}, {_FLOAT}, {_FLOAT}, {_FLOAT}, {_FLOAT}, text[])")
FIRST_SIGNATURE = f"seatdesk_register_first(text, text, text, {_FLOAT}, {_FLOAT})"
SIGNATURES = (FIRST_SIGNATURE, SIGNATURE)
#: how the acting role is taken, first thing in each function: ``p_role`` is the login a
#: server acts for (``Workflow.acting_as``; NULL: the connection's own). ``set_config``
#: checks that the connected login may become it (it is a member), as ``SET ROLE`` does;
#: local to the statement's transaction, so the rest of the function, the deferred
#: checks at its COMMIT and nothing after run as that role
_ROLE = """
    IF p_role IS NOT NULL THEN
        PERFORM set_config('role', p_role, true);
    END IF;"""
#: the rows that belong to the new case besides its ledger row, written when given:
#: (the function's argument, the table)
LINKED = (("p_reporter", "case_reporters"), ("p_request", "partner_requests"))


def case_columns() -> tuple[str, ...]:
    """The columns of ``cases`` the function writes: all but the id (the sequence's)."""
    from seatdesk.models import Case

    return tuple(c.name for c in Case.__table__.columns if not c.primary_key)


def linked_columns(table: str) -> tuple[str, ...]:
    """The columns of a linked row it writes from the row given: all but the id and
    ``case_id``."""
    from seatdesk.models import Base

    return tuple(c.name for c in Base.metadata.tables[table].columns
                 if not c.primary_key and c.name != "case_id")


def ledger_columns() -> tuple[str, ...]:
    """The columns of ``case_ledger`` it writes from the row given: all but the id and
    ``case_id`` (the new case's)."""
    from seatdesk.models import LedgerEntry

    return tuple(c.name for c in LedgerEntry.__table__.columns
                 if not c.primary_key and c.name != "case_id")


#: what the function returns: the new case's id, then each candidate's columns as the
#: duplicate search reads them (``duplicates._candidate_rows``), nearest first — one row
#: with NULL candidate columns when there is none or the search was not asked for
RETURNS = ("case_id integer, id integer, number varchar, state varchar, class_id integer,"
           " component_id integer, reported_at timestamptz, closed_at timestamptz,"
           " description text, address varchar, distance_m double precision")


def function() -> str:
    cases = ", ".join(f'"{c}"' for c in case_columns())
    ledger = ", ".join(f'"{c}"' for c in ledger_columns())
    found = ", ".join(f"found.{c.split()[0]}" for c in RETURNS.split(", ")[1:])
    nulls = ", ".join(f"NULL::{c.split(None, 1)[1]}" for c in RETURNS.split(", ")[1:])
    linked = "".join(_linked_insert(arg, table) for arg, table in LINKED)
    return f"""
CREATE OR REPLACE FUNCTION public.seatdesk_register_rows(
    p_role text, p_case jsonb, p_entry jsonb, p_reporter jsonb, p_request jsonb,
    p_lon {_FLOAT}, p_lat {_FLOAT}, p_radius {_FLOAT},
    p_min_lon {_FLOAT}, p_min_lat {_FLOAT}, p_max_lon {_FLOAT}, p_max_lat {_FLOAT},
    p_states text[])
RETURNS TABLE ({RETURNS})
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    new_id integer;
BEGIN{_ROLE}
    INSERT INTO public.cases ({cases})
    SELECT {cases} FROM jsonb_populate_record(NULL::public.cases, p_case)
    RETURNING id INTO new_id;
    INSERT INTO public.case_ledger (case_id, {ledger})
    SELECT new_id, {ledger} FROM jsonb_populate_record(NULL::public.case_ledger, p_entry);{linked}
    IF p_states IS NULL THEN  -- no duplicate search asked for
        RETURN QUERY SELECT new_id, {nulls};
    ELSE
        RETURN QUERY SELECT new_id, {found}
            FROM (SELECT 1) one
            LEFT JOIN public.seatdesk_case_candidates(p_lon, p_lat, p_radius, p_min_lon,
                p_min_lat, p_max_lon, p_max_lat, p_states) WITH ORDINALITY AS found ON true
            ORDER BY found.ordinality;
    END IF;
END
$fn$;
"""


def first_function() -> str:
    """``seatdesk_register_first(role, key, day, lon, lat)``: the registration's first
    statement (``registration.first_query``, compiled here: its bound values the
    function's arguments, its literals inlined) as the acting role — the replay check of
    ``key`` (NULL: none), the day's next serial for a new one, ``synchronous_commit``
    off for its transaction, the point's grid cell with its community, street and
    district."""
    import re

    from sqlalchemy.dialects import postgresql

    from seatdesk.workflow.registration import first_query

    statement = first_query()
    compiled = statement.compile(dialect=postgresql.psycopg.dialect())
    arguments = ("key", "day", "lon", "lat")

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in arguments:
            return f"p_{name}"
        literal = compiled.params[name]
        if isinstance(literal, bool):
            return "true" if literal else "false"
        if isinstance(literal, int):
            return str(literal)
        if isinstance(literal, str) and literal.isidentifier():
            return f"'{literal}'"
        raise TypeError(f"{name}: {literal!r}")

    sql = re.sub(r"%\((\w+)\)s", value, str(compiled)).replace("%%", "%")
    types = [_sql_type(c.type) for c in statement.selected_columns]
    returns = ", ".join(f"c{i} {t}" for i, t in enumerate(types))
    names = ", ".join(f"c{i}" for i in range(len(types)))
    casts = ", ".join(f"q.c{i}::{t}" for i, t in enumerate(types))
    return f"""
CREATE OR REPLACE FUNCTION public.seatdesk_register_first(
    p_role text, p_key text, p_day text, p_lon {_FLOAT}, p_lat {_FLOAT})
RETURNS TABLE ({returns})
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $fn$
BEGIN{_ROLE}
    RETURN QUERY SELECT {casts} FROM ({sql}) AS q({names});
END
$fn$;
"""


def _sql_type(type_) -> str:
    """The column's type as the function returns it (texts as text: the replay
    function's are text, the tables' varchar)."""
    from sqlalchemy.types import DateTime, Integer, NullType, String

    kinds = ((Integer, "integer"), (String, "text"), (DateTime, "timestamptz"),
             (NullType, "text"))  # (NullType: set_config's answer)
    impl = getattr(type_, "impl", type_)
    return next(name for kind, name in kinds if isinstance(impl, kind))


def _linked_insert(arg: str, table: str) -> str:
    columns = ", ".join(f'"{c}"' for c in linked_columns(table))
    return f"""
    IF {arg} IS NOT NULL THEN
        INSERT INTO public.{table} (case_id, {columns})
        SELECT new_id, {columns} FROM jsonb_populate_record(NULL::public.{table}, {arg});
    END IF;"""


def install(conn: Connection, intake: str | None) -> None:
    run_sql(conn, first_function())
    run_sql(conn, function())
    grantees = [GROUPS[r] for r in REGISTERING] + [PARTNER] + ([intake] if intake else [])
    names = ", ".join(f'"{g}"' for g in grantees)
    for signature in SIGNATURES:
        run_sql(conn, f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
        run_sql(conn, f"GRANT EXECUTE ON FUNCTION public.{signature} TO {names}")


def uninstall(conn: Connection) -> None:
    for signature in SIGNATURES:
        run_sql(conn, f"DROP FUNCTION IF EXISTS public.{signature}")
