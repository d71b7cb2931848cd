"""Reads of ``cases`` that the registration and the ledger's triggers make as the owner
(migration 0017): the same rows every reader of ``cases`` sees, with plans that do not
depend on the acting role.

``cases`` has row-level security. PostgreSQL ties the cached plan of every statement that
reads it to the role it was planned for, so on a connection that switches roles — the
intake server's pooled connections, one ``SET LOCAL ROLE`` per supervisor or partner
(``Workflow.acting_as``) — every such statement is analysed and planned again at each
switch: the registration's first statement and the trust triggers' lookups cost ~1.2 ms
of PostgreSQL's CPU per report in planning alone with six supervisors
(docs/performance.md, "Intake server"). These functions run as the tables' owner
(SECURITY DEFINER, PL/pgSQL: their plans are cached per session, always for the same
role), so the statements that call them are planned once:

- ``seatdesk_case_facts(case_id)``: the case's number, ``ledger_since`` and
  ``ledger_seq`` (all NULL for no such case) — the ledger's triggers;
- ``seatdesk_intake_replay(key)``: the case registered with an intake key and its first
  ledger row's time and actor (``registration._REPLAYED``'s columns);
- ``seatdesk_cases_near(lon, lat, radius, box, states)``: the cases within a radius
  (``spatial_postgis``'s near query of the ``cases`` layer, compiled from the same
  statement; PostGIS's functions are found in ``public``, where nobody but the owner
  creates anything, ``grants._database``);
- ``seatdesk_case_candidates(lon, lat, radius, box, states)`` (migration 0019): the same
  rows in the same order with the columns the duplicate search scores them by
  (``spatial_postgis.CANDIDATE_COLUMNS``: component, report and close times,
  description, address) — one statement instead of the near query and a second read of
  the candidates by id (which was planned anew for every number of candidates and, as a
  read of ``cases``, at every role switch).

Nothing is narrowed by them: ``cases`` is read by every group and the intake login with a
SELECT policy of ``true`` (``grants.POLICIES``: reads are not narrowed by RLS), ``number``,
``state``, ``version``, ``deadline_at``, ``intake_key``, ``ledger_since``, ``ledger_seq``
and the ledger's ``seq``, ``at`` and ``actor_id`` are readable by all of them, and EXECUTE
is granted to exactly the readers of ``cases`` (``grants.TABLES``). The checks that use
them are the same checks on the same values.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from . import run_sql

_DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION public.seatdesk_case_facts(p_case_id integer,
    OUT number text, OUT ledger_since timestamptz, OUT ledger_seq integer)
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
BEGIN
    SELECT c.number, {{since}}, c.ledger_seq INTO number, ledger_since, ledger_seq
      FROM public.cases c WHERE c.id = p_case_id;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_intake_replay(p_key text)
RETURNS TABLE (id integer, number text, state text, version integer,
               deadline_at timestamptz, at timestamptz, actor_id integer)
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
BEGIN
    RETURN QUERY
    SELECT c.id, c.number::text, c.state::text, c.version, c.deadline_at, l.at, l.actor_id
      FROM public.cases c
      JOIN public.case_ledger l ON l.case_id = c.id AND l.seq = 1
     WHERE c.intake_key = p_key;
END
$fn$;
"""
_NEAR_TYPES = ("(double precision, double precision, double precision, double precision,"
               " double precision, double precision, double precision, text[])")
#: the function of migration 0019 (its downgrade drops it alone)
CANDIDATES_SIGNATURE = "seatdesk_case_candidates" + _NEAR_TYPES
SIGNATURES = ("seatdesk_case_facts(integer)", "seatdesk_intake_replay(text)",
              "seatdesk_cases_near" + _NEAR_TYPES, CANDIDATES_SIGNATURE)
NEAR_ARGS = ("lon", "lat", "radius", "min_lon", "min_lat", "max_lon", "max_lat", "values")
_HIT_RETURNS = ("id integer, number varchar, state varchar, class_id integer,"
                " lon double precision, lat double precision")
#: ``seatdesk_case_candidates``' columns: the hit's, ``CANDIDATE_COLUMNS``, the distance
CANDIDATE_RETURNS = (f"{_HIT_RETURNS}, component_id integer, reported_at timestamptz,"
                     " closed_at timestamptz, description text, address varchar,"
                     " distance_m double precision")


def near_function() -> str:
    """``seatdesk_cases_near``: the near query of ``cases`` with a state filter
    (``spatial_postgis._near_query("cases", filtered=True)``, the statement itself,
    compiled here) as the owner; its bound values are the function's arguments, its
    literals inlined."""
    from seatdesk.models.spatial_postgis import near_query_of_cases

    return _near_function("seatdesk_cases_near", near_query_of_cases(),
                          f"{_HIT_RETURNS}, distance_m double precision")


def candidates_function() -> str:
    """``seatdesk_case_candidates``: the duplicate search's statement
    (``spatial_postgis.near_query_of_candidates``) as the owner, as ``near_function``."""
    from seatdesk.models.spatial_postgis import near_query_of_candidates

    return _near_function("seatdesk_case_candidates", near_query_of_candidates(),
                          CANDIDATE_RETURNS)


def _near_function(name: str, statement, returns: str) -> str:
    import re

    from sqlalchemy.dialects import postgresql

    compiled = statement.compile(dialect=postgresql.psycopg.dialect())
    literals = {k: v for k, v in compiled.params.items() if k not in NEAR_ARGS}

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in NEAR_ARGS:
            return f"p_{name}"
        literal = literals[name]
        if not isinstance(literal, int):
            raise TypeError(f"{name}: {literal!r}")
        return str(literal)

    sql = re.sub(r"%\((\w+)\)s", value, str(compiled)).replace("%%", "%")
    args = ", ".join(f"p_{a} double precision" for a in NEAR_ARGS[:-1])
    return f"""
CREATE OR REPLACE FUNCTION public.{name}({args}, p_values text[])
RETURNS TABLE ({returns})
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY {sql};
END
$fn$;
"""


def install(conn: Connection, intake: str | None) -> None:
    """Create (or bring up to date) the functions; EXECUTE for the readers of ``cases``
    (``grants.TABLES``; the intake login ``intake`` among them) and the owner only."""
    from .grants import TABLES, readers
    from .ledger_sql import has_ledger_since

    since = "c.ledger_since" if has_ledger_since(conn) else "NULL::timestamptz"
    run_sql(conn, FUNCTIONS.replace("{since}", since))
    run_sql(conn, near_function())
    run_sql(conn, candidates_function())
    names = readers(TABLES["cases"], intake)
    for signature in SIGNATURES:
        run_sql(conn, f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
        if names:
            run_sql(conn, f"GRANT EXECUTE ON FUNCTION public.{signature} TO {names}")


def installed(conn: Connection) -> bool:
    """Whether the functions exist (the schema is at migration 0017 or later)."""
    return conn.execute(text(
        "SELECT to_regprocedure('public.seatdesk_case_facts(integer)') IS NOT NULL")).scalar()


def uninstall(conn: Connection) -> None:
    for signature in SIGNATURES:
        run_sql(conn, f"DROP FUNCTION IF EXISTS public.{signature}")
