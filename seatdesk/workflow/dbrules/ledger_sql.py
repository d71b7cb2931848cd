"""The ledger's and the cases' triggers for operator sessions, and the users' NOTIFY.

Per row, partition-friendly (nothing relies on ctid or OIDs; the last row of a chain is
found by ``(case_id, seq)``), and fired only for sessions without the tables' owner's
privileges (each trigger's ``WHEN``; the owner's name is baked in by ``install``, which
every ``seatdesk db upgrade`` runs again):

- ``case_ledger_operator`` (BEFORE INSERT): the actor is the session's own active user and
  holds the group of its role; (action, from-state, to-state) is in
  ``workflow_transitions`` for that role; the row follows the case's chain (seq, from-state,
  time not before the previous row, within ``CLOCK_TOLERANCE_MINUTES`` of the server's
  clock; the head is looked up from the case's ``ledger_since`` on, so only the months
  since then are opened); the previous hash and the hash are computed here (``seatdesk.models.ledger.
  entry_hash`` computes the same bytes) — a client-supplied value that differs is refused;
- ``case_ledger_moves_case`` (deferred): at commit, the case was moved to this row;
- ``cases_need_ledger`` (deferred): at commit, every INSERT/UPDATE of a case stepped its
  version by one and has the ledger row of that version (same state, same hash); a new
  case's ``ledger_since`` is its first row's time and an update keeps it (migration 0014);
- ``users_notify``: a change of a user's role, department, active flag or login, or a
  password that must now be changed (an administrator's reset, ``seatdesk db logins``
  again), is announced on ``NOTIFY seatdesk_users`` so their seats sign them out (not
  the change back: that is the user's own new password);
- the function of ``case_ledger_notify`` (the trigger of migration 0002: every ledger row
  announced on ``NOTIFY seatdesk_cases`` with the case's number) is kept here too; a row
  that can touch a supervisor's 核实/核查 task list (``notify.TASK_STATES``,
  ``notify.TASK_ACTIONS``) is announced on ``NOTIFY seatdesk_tasks`` as well (migration
  0024), the only channel the intake server's change feed listens on.

The triggers read the case through ``facts_sql.seatdesk_case_facts`` (as the owner: a
plan that a role switch does not throw away) where migration 0017 installed it, else from
``cases`` itself (``CASE_FACTS``).

Every relation is schema-qualified: a session's own temporary tables never stand in.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from seatdesk.workflow.notify import TASK_ACTIONS, TASK_STATES, TASKS_CHANNEL

from . import CLOCK_TOLERANCE_MINUTES, install_trigger, run_sql

USERS_CHANNEL = "seatdesk_users"

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION public.seatdesk_ledger_operator() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
    prev text;
    digest text;
    as_json jsonb;
BEGIN
    NEW.from_state := coalesce(NEW.from_state, '');
    -- one query: the session's user, the case and its last row, and the transition
    SELECT u.id AS uid, u.role, CASE WHEN u.partner THEN 'seatdesk_partner'
                                     ELSE 'seatdesk_' || u.role END AS grp,
           c.number, l.seq, l.hash, l.to_state, l.at,
           EXISTS (SELECT 1 FROM public.workflow_transitions t
                    WHERE t.action = NEW.action AND t.source = NEW.from_state
                      AND t.target = NEW.to_state AND t.role = u.role) AS legal
      INTO r
      FROM public.users u
      LEFT JOIN {case_facts} ON true
      LEFT JOIN LATERAL (SELECT x.seq, x.hash, x.to_state, x.at FROM public.case_ledger x
                          WHERE x.case_id = NEW.case_id{head_since}
                          ORDER BY x.seq DESC LIMIT 1) l ON true
     WHERE u.db_login = current_user AND u.active;
    IF NOT FOUND OR NOT pg_has_role(current_user, r.grp, 'MEMBER') THEN
        RAISE EXCEPTION 'seatdesk: % is not an active operator of this database', current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.actor_id IS DISTINCT FROM r.uid AND NEW.actor_id IS NOT NULL
       OR NEW.actor_role IS DISTINCT FROM r.role AND NEW.actor_role IS NOT NULL THEN
        RAISE EXCEPTION 'seatdesk: a ledger row of % must name its own user (%, %)',
            current_user, r.uid, r.role USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT r.legal THEN
        RAISE EXCEPTION 'seatdesk: % may not % from "%" to "%"', r.role, NEW.action,
            NEW.from_state, NEW.to_state USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF r.number IS NULL THEN
        RAISE EXCEPTION 'seatdesk: no case % for this ledger row', NEW.case_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.actor_id := r.uid;
    NEW.actor_role := r.role;
    NEW.seq := coalesce(NEW.seq, coalesce(r.seq, 0) + 1);
    NEW.at := coalesce(NEW.at, clock_timestamp());
    IF NEW.seq <> coalesce(r.seq, 0) + 1 OR NEW.from_state <> coalesce(r.to_state, '') THEN
        RAISE EXCEPTION
            'seatdesk: row % (from "%") does not follow the chain of case % (seq %, state "%")',
            NEW.seq, NEW.from_state, r.number, coalesce(r.seq, 0),
            coalesce(r.to_state, '') USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.at < r.at
       OR abs(extract(epoch FROM NEW.at - clock_timestamp())) > {tolerance} * 60 THEN
        RAISE EXCEPTION
            'seatdesk: ledger time % is off the server clock % (check the seat''s clock)',
            NEW.at, clock_timestamp() USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.seat := coalesce(NEW.seat, '');
    NEW.reason := coalesce(NEW.reason, '');
    NEW.payload := coalesce(NEW.payload, '{{}}');
    -- canonical JSON text; refuse what is not JSON at all (an assignment: PL/pgSQL's
    -- fast path for a plain expression, where PERFORM ran a query of its own per row)
    as_json := NEW.payload::jsonb;
    prev := coalesce(r.hash, repeat('0', 64));
    digest := encode(sha256(convert_to(concat_ws(E'\x1f', prev, r.number, NEW.seq::text,
        to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(NEW.actor_id::text, ''), NEW.actor_role, NEW.seat, NEW.action,
        NEW.from_state, NEW.to_state, NEW.reason, NEW.payload), 'UTF8')), 'hex');
    IF coalesce(NEW.prev_hash, '') NOT IN ('', prev)
       OR coalesce(NEW.hash, '') NOT IN ('', digest) THEN
        RAISE EXCEPTION 'seatdesk: the hashes of a ledger row are the database''s to compute'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.prev_hash := prev;
    NEW.hash := digest;
    RETURN NEW;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_ledger_moves_case() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    c record;
BEGIN
    {case_facts_into}
    IF NOT coalesce(c.ledger_seq >= NEW.seq, false) THEN
        RAISE EXCEPTION 'seatdesk: ledger row % of case % without the case''s own update',
            NEW.seq, NEW.case_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_cases_need_ledger() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    row_at timestamptz;
BEGIN
    IF NEW.ledger_seq <> NEW.version
       OR TG_OP = 'INSERT' AND NEW.version <> 1
       OR TG_OP = 'UPDATE' AND (NEW.version <> OLD.version + 1 OR NEW.id <> OLD.id
                                OR NEW.number <> OLD.number) THEN
        RAISE EXCEPTION 'seatdesk: case % must move one version at a time with its ledger',
            NEW.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT l.at INTO row_at FROM public.case_ledger l
     WHERE l.case_id = NEW.id AND l.seq = NEW.version
       AND l.hash = NEW.ledger_head AND l.to_state = NEW.state{row_since};
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seatdesk: case % changed without its ledger row (version %)',
            NEW.id, NEW.version USING ERRCODE = 'insufficient_privilege';
    END IF;{check_since}
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_ledger_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    c record;
    sent boolean;
    notice text;
BEGIN
    {case_facts_into}
    notice := json_build_object(
        'id', NEW.case_id,
        'n', c.number,
        'v', NEW.seq,
        's', NEW.to_state,
        'a', NEW.action)::text;
    -- an assignment, not PERFORM (a query of its own per row): pg_notify returns void
    sent := pg_notify('seatdesk_cases', notice) IS NULL;
    IF NEW.to_state IN ({task_states}) OR NEW.action IN ({task_actions}) THEN
        sent := pg_notify('{tasks_channel}', notice) IS NULL;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION public.seatdesk_users_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_notify('{channel}', json_build_object('id', OLD.id)::text);
    RETURN NULL;
END
$fn$;
"""

#: (table, trigger, its CREATE statement), installed by ``dbrules.install_trigger``
TRIGGERS = (
    ("case_ledger", "case_ledger_operator", """
CREATE TRIGGER case_ledger_operator BEFORE INSERT ON public.case_ledger FOR EACH ROW
    WHEN ({untrusted}) EXECUTE FUNCTION public.seatdesk_ledger_operator();"""),
    ("case_ledger", "case_ledger_moves_case", """
CREATE CONSTRAINT TRIGGER case_ledger_moves_case AFTER INSERT ON public.case_ledger
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ({untrusted}) EXECUTE FUNCTION public.seatdesk_ledger_moves_case();"""),
    ("cases", "cases_need_ledger", """
CREATE CONSTRAINT TRIGGER cases_need_ledger AFTER INSERT OR UPDATE ON public.cases
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ({untrusted}) EXECUTE FUNCTION public.seatdesk_cases_need_ledger();"""),
    ("users", "users_notify", """
CREATE TRIGGER users_notify AFTER UPDATE ON public.users FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.active IS DISTINCT FROM NEW.active
          OR OLD.department_id IS DISTINCT FROM NEW.department_id
          OR OLD.db_login IS DISTINCT FROM NEW.db_login
          OR (NEW.must_change_password AND NOT OLD.must_change_password))
    EXECUTE FUNCTION public.seatdesk_users_notify();"""),
    ("users", "users_notify_delete", """
CREATE TRIGGER users_notify_delete AFTER DELETE ON public.users FOR EACH ROW
    EXECUTE FUNCTION public.seatdesk_users_notify();"""),
)

_DROP = """
DROP TRIGGER IF EXISTS case_ledger_operator ON public.case_ledger;
DROP TRIGGER IF EXISTS case_ledger_moves_case ON public.case_ledger;
DROP TRIGGER IF EXISTS cases_need_ledger ON public.cases;
DROP TRIGGER IF EXISTS users_notify ON public.users;
DROP TRIGGER IF EXISTS users_notify_delete ON public.users;
DROP FUNCTION IF EXISTS public.seatdesk_ledger_operator();
DROP FUNCTION IF EXISTS public.seatdesk_ledger_moves_case();
DROP FUNCTION IF EXISTS public.seatdesk_cases_need_ledger();
DROP FUNCTION IF EXISTS public.seatdesk_users_notify();
"""


def untrusted(owner: str) -> str:
    """The trigger condition: the session lacks the privileges of the tables' owner."""
    return f"NOT pg_has_role(current_user, {_literal(owner)}, 'USAGE')"


#: with ``cases.ledger_since`` (migration 0014): the head lookup is bounded by the time of
#: the case's first row, so runtime partition pruning opens only the months since then
#: (a trusted bulk loader may leave it NULL: no bound then); an operator's new case
#: carries its first row's time, and no operator changes it
SINCE = {
    "head_since": """
                            AND x.at >= coalesce(c.ledger_since, '-infinity')""",
    # (an update's row is not older than the case's first; a new case's row is its first)
    "row_since": """
       AND l.at >= CASE WHEN TG_OP = 'UPDATE' THEN coalesce(NEW.ledger_since, '-infinity')
                        ELSE '-infinity' END""",
    "check_since": """
    IF TG_OP = 'INSERT' AND NEW.ledger_since IS DISTINCT FROM row_at
       OR TG_OP = 'UPDATE' AND NEW.ledger_since IS DISTINCT FROM OLD.ledger_since THEN
        RAISE EXCEPTION 'seatdesk: case % must keep the time of its first ledger row (%)',
            NEW.id, coalesce(OLD.ledger_since, row_at) USING ERRCODE = 'insufficient_privilege';
    END IF;""",
}


#: how the triggers read the case (``c``: its number, ledger_since, ledger_seq): through
#: ``facts_sql``'s owner's function where it exists (migration 0017: a plan that a role
#: switch does not throw away), else from the table
CASE_FACTS = {True: "LATERAL public.seatdesk_case_facts(NEW.case_id) c",
              False: "(SELECT * FROM public.cases x WHERE x.id = NEW.case_id) c"}
#: the same read into the record ``c`` where a trigger needs nothing else of a query: the
#: function called in a PL/pgSQL assignment (its plain-expression fast path: no query and
#: no executor of its own per row; all NULL for no such case). (Not in the operator's
#: query: there the case's ``ledger_since`` bounds the head lookup as a join's column and
#: the one cached plan prunes the ledger's months at run time. As a parameter, a plan
#: made for the value prunes at planning time, so PostgreSQL may keep planning it anew
#: for every row: a trial bounding the deferred check's lookup by a parameter did so,
#: 0.11 ms per report.)
CASE_FACTS_INTO = {True: "c := public.seatdesk_case_facts(NEW.case_id);",
                   False: "SELECT x.* INTO c FROM public.cases x WHERE x.id = NEW.case_id;"}


def install(conn: Connection, owner: str) -> None:
    from . import facts_sql

    since = has_ledger_since(conn)
    sql = FUNCTIONS.replace("{tolerance}", str(CLOCK_TOLERANCE_MINUTES))
    facts = facts_sql.installed(conn)
    sql = sql.replace("{case_facts_into}", CASE_FACTS_INTO[facts])
    sql = sql.replace("{case_facts}", CASE_FACTS[facts])
    for key, value in SINCE.items():
        sql = sql.replace("{" + key + "}", value if since else "")
    sql = (sql.replace("{tasks_channel}", TASKS_CHANNEL)
           .replace("{task_states}", ", ".join(map(_literal, sorted(TASK_STATES))))
           .replace("{task_actions}", ", ".join(map(_literal, sorted(TASK_ACTIONS)))))
    run_sql(conn, sql.replace("{channel}", USERS_CHANNEL).replace("{{}}", "{}"))
    for table, name, trigger in TRIGGERS:
        install_trigger(conn, table, name, trigger.replace("{untrusted}", untrusted(owner)))


def has_ledger_since(conn: Connection) -> bool:
    """Whether the schema has ``cases.ledger_since`` (migration 0014; a downgrade drops it
    and installs the functions without it)."""
    return bool(conn.execute(text(
        "SELECT 1 FROM pg_attribute WHERE attrelid = 'public.cases'::regclass"
        " AND attname = 'ledger_since' AND NOT attisdropped")).scalar())


def uninstall(conn: Connection) -> None:
    run_sql(conn, _DROP)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
