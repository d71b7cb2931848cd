"""The rules enforced by the database itself (PostgreSQL), applied by ``seatdesk db upgrade``.

Whatever client connects — a seat, the intake server, psql with a seat operator's own
credentials — PostgreSQL decides who may write what (docs/security.md):

- one NOLOGIN **group role** per seat role (``seatdesk_acceptor`` … ``seatdesk_wall``),
  cluster-wide, carrying the table privileges of ``grants.TABLES`` and the row-level
  security policies of ``grants.POLICIES``; one LOGIN role per operator, member of one
  group — none while their password must be changed: such a login may only change it
  (``accounts_sql``); the ``seatdesk_gate`` login that may only run the sign-in
  functions; the ``seatdesk_partner`` group that may only register reports; the
  ``seatdesk_open311_reader`` role the intake server's anonymous Open311 reads run as;
- the ledger's triggers (``ledger_sql``): an operator's row is refused unless it is a legal
  transition for the operator's role (``workflow_transitions``, synced from ``states.py``
  by ``transitions``), the actor is the session's own user, and the previous hash and the
  hash are the chain's; a case changes only together with its ledger row (deferred
  constraint triggers); users' changes are announced on ``NOTIFY seatdesk_users``, changes
  of the reference data the intake server caches on ``NOTIFY seatdesk_config``
  (``config_sql``);
- users, roles and passwords change only through SECURITY DEFINER functions that check the
  caller's live record (``accounts_sql``);
- the day's case numbers come from a counter only a SECURITY DEFINER function advances
  (``numbering_sql``);
- the intake server writes a registration's case and ledger rows in one statement, as the
  caller, every rule above applying (``registration_sql``);
- the reads of ``cases`` the triggers and the registration's first statement make run as
  the owner (``facts_sql``): the same rows every reader sees, with plans that a role
  switch does not throw away.

Sessions with the privileges of the tables' owner (the schema owner, a superuser: the
migrations, ``seatdesk demo``, the importers run by the centre's DBA, the test suite) are
trusted writers: their rows keep the actor the client states. The checkpoints
(``workflow/checkpoint.py``) are what hold against them.

``apply(connection)`` is idempotent and runs at the end of every migration run
(``migrations/env.py``); on SQLite it only syncs ``workflow_transitions``.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from seatdesk.models.enums import Role

#: seat role -> its group role (cluster-wide, NOLOGIN)
GROUPS: dict[str, str] = {role.value: f"seatdesk_{role.value}" for role in Role}
GATE = "seatdesk_gate"  # LOGIN, no password needed: runs only the sign-in functions
PARTNER = "seatdesk_partner"  # group of partner systems' logins: register reports only
#: a partner account's ``users.password_hash``: no argon2 hash, so it matches no password.
#: Its database role is NOLOGIN without a password (``seatdesk_sync_login``): a partner
#: never connects — the intake server becomes it with ``SET ROLE`` — and never signs in
#: at a seat or a handset, whatever an administrator or ``db logins`` does to it
PARTNER_NO_PASSWORD = "!partner-account-without-password"
#: NOLOGIN, no member but the intake server's login: the anonymous Open311 reads run as
#: this role (``SET LOCAL ROLE``), which reads only what Open311 shows anyone
#: (``grants.TABLES``' ``public`` columns, ``grants.POLICIES``, ``intake_sql``'s
#: functions); a former intake login keeps nothing (``grants.retire_former_intake_logins``)
OPEN311_READER = "seatdesk_open311_reader"
ALL_GROUPS: tuple[str, ...] = (*GROUPS.values(), PARTNER, OPEN311_READER)
#: failed sign-ins before the account is locked, and for how long (both backends)
MAX_FAILURES = 5
LOCKOUT_MINUTES = 15
#: an operator's ledger row must carry a time within this many minutes of the server's
CLOCK_TOLERANCE_MINUTES = 5
#: ``idle_in_transaction_session_timeout`` of every login seatdesk makes (operators', the
#: intake login, the gate), set in the centre's database where the login has none there
#: (``accounts_sql``'s ``seatdesk_idle_default``): a session left idle in an open
#: transaction — a psql ``BEGIN`` forgotten, a hung or half-dead client — holds its locks,
#: vacuum's horizon and PostgreSQL's notification queue; the server ends it after this
#: long. No seatdesk code path stays idle in a transaction for more than seconds
#: (docs/security.md, "Idle transactions"); a session may override it (``SET``): an
#: accident's guard, not a deliberate holder's (``seatdesk db notify-queue`` is that)
IDLE_IN_TRANSACTION_TIMEOUT = "5min"


def apply(conn: Connection) -> None:
    """Bring roles, grants, policies, functions, triggers and the transition table of the
    connected database in line with this code (in the caller's transaction)."""
    from . import transitions

    transitions.sync(conn)
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.models import ledger_partitions

    from . import (
        accounts_sql,
        config_sql,
        facts_sql,
        grants,
        intake_sql,
        ledger_sql,
        numbering_sql,
        registration_sql,
        signin_sql,
    )

    owner = table_owner(conn)
    ensure_roles(conn)
    facts_sql.install(conn, grants.intake_login(conn))  # (the triggers call them)
    ledger_sql.install(conn, owner)
    accounts_sql.install(conn)
    signin_sql.install(conn)
    config_sql.install(conn)
    grants.apply(conn)
    intake = grants.intake_login(conn)
    signin_sql.grant_intake(conn, intake)
    accounts_sql.settle_partners(conn)
    signin_sql.settle_must_change(conn)
    if conn.execute(text("SELECT to_regclass('public.callback_outbox')")).scalar():
        intake_sql.install(conn, intake)
    if conn.execute(text("SELECT to_regclass('public.case_number_days')")).scalar():
        numbering_sql.install(conn, intake)
        registration_sql.install(conn, intake)
    # the months ahead (migrations 0013, 0015), last: a month made holds its locks (the
    # default partition's ACCESS EXCLUSIVE) until the upgrade commits, so nothing after it
    # may wait; one short try each (the next table's would be waited for with the lock
    # held), a month whose locks are busy is left to the daily `ledger partitions`
    ledger_partitions.ensure_all(conn, busy=[], tries=1)


def remove(conn: Connection) -> None:
    """Take away what ``apply`` installed in this database (the downgrade of migration 0009);
    the cluster-wide roles stay (other databases may use them)."""
    from . import (
        accounts_sql,
        config_sql,
        grants,
        intake_sql,
        ledger_sql,
        numbering_sql,
        registration_sql,
        signin_sql,
    )

    registration_sql.uninstall(conn)
    intake_sql.uninstall(conn)
    numbering_sql.uninstall(conn)
    config_sql.uninstall(conn)
    grants.remove(conn)
    signin_sql.uninstall(conn)
    accounts_sql.uninstall(conn)
    ledger_sql.uninstall(conn)


def run_sql(conn: Connection, sql: str) -> None:
    """Run SQL text (several statements, ``%`` signs and all) on the driver's cursor, in the
    connection's transaction: no parameters, so nothing is taken for a placeholder."""
    with conn.connection.dbapi_connection.cursor() as cur:
        cur.execute(sql)


def grant_execute(conn: Connection, execute: dict[str, tuple[str, ...]]) -> None:
    """EXECUTE on each function (signature → grantees, ``"PUBLIC"`` for every login) for
    its grantees and nobody else but the owner."""
    for signature, grantees in execute.items():
        run_sql(conn, f"REVOKE ALL ON FUNCTION public.{signature} FROM PUBLIC")
        for grantee in grantees:
            who = "PUBLIC" if grantee == "PUBLIC" else f'"{grantee}"'
            run_sql(conn, f"GRANT EXECUTE ON FUNCTION public.{signature} TO {who}")


def install_trigger(conn: Connection, table: str, name: str, sql: str) -> bool:
    """Make the trigger ``name`` of ``public.<table>`` the one ``sql`` creates (its ``CREATE
    [CONSTRAINT] TRIGGER name … ON public.<table> …`` statement) without dropping it; True
    if it had to change. A ``DROP TRIGGER`` takes an ACCESS EXCLUSIVE lock, and ``apply``
    runs at every ``db upgrade`` while seats and the intake server read these tables:
    taken table after table, such locks deadlocked with a handset's token check. So a
    trigger that already is what ``sql`` makes (``pg_get_triggerdef`` and enabled, compared
    with the same statement run on a scratch copy of the table) is left alone — no lock at
    all; another is replaced in place (``CREATE OR REPLACE TRIGGER``, PostgreSQL 14: SHARE
    ROW EXCLUSIVE, which readers never wait for). A constraint trigger cannot be replaced
    in place: dropped and created, when it differs."""
    live = _trigger(conn, f"public.{table}", name)
    if live is not None and live == would_be(conn, table, sql, lambda t: _trigger(conn, t, name)):
        return False
    if " CONSTRAINT TRIGGER " in f" {sql.lstrip()}":
        run_sql(conn, f'DROP TRIGGER IF EXISTS "{name}" ON public."{table}";\n{sql}')
    else:
        run_sql(conn, sql.replace("CREATE TRIGGER", "CREATE OR REPLACE TRIGGER", 1))
    return True


def _trigger(conn: Connection, table: str, name: str) -> tuple | None:
    """A trigger's definition with its table left out (``ON <table>``), and whether and
    when it fires (``ALTER TABLE … DISABLE TRIGGER`` leaves the definition as it was)."""
    row = conn.execute(text(
        "SELECT regexp_replace(pg_get_triggerdef(oid), ' ON \\S+ ', ' ON - '), tgenabled"
        " FROM pg_trigger WHERE tgrelid = to_regclass(:t) AND tgname = :n"),
        {"t": table, "n": name}).first()
    return None if row is None else tuple(row)


def would_be(conn: Connection, table: str, sql: str, read):
    """What ``read(relation)`` answers for a scratch copy of ``public.<table>`` after
    ``sql`` (statements naming ``public.<table>``) made its triggers or policies there:
    the definitions as PostgreSQL would store them, to compare with the table's own. A
    temporary table of the same name (dropped at once), so that an expression naming the
    table reads the same; it takes only an ACCESS SHARE lock on the table. None when the
    session may not create temporary tables: then nothing compares equal."""
    if not conn.execute(text("SELECT has_database_privilege(current_database(), 'TEMP')")).scalar():
        return None
    for public in (f'public."{table}"', f"public.{table}"):
        sql = sql.replace(f" ON {public}", f' ON pg_temp."{table}"')
    if f' ON pg_temp."{table}"' not in sql:
        raise ValueError(f"not a statement on public.{table}: {sql}")
    run_sql(conn, f'CREATE TEMP TABLE "{table}" (LIKE public."{table}") ON COMMIT DROP;\n{sql}')
    made = read(f'pg_temp."{table}"')
    run_sql(conn, f'DROP TABLE pg_temp."{table}"')
    return made


def table_owner(conn: Connection) -> str:
    """The role that owns the schema's tables: sessions with its privileges are trusted."""
    return conn.execute(text(
        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.cases'::regclass"
    )).scalar_one()


def ensure_roles(conn: Connection) -> None:
    """The group roles and the gate login, created once per cluster (needs CREATEROLE);
    a restore into another cluster needs them before the dump's policies name them.
    Roles belong to the cluster, not to one database: two databases of one cluster set up
    at once (two cities, or a test run's workers) take turns here, so that neither fails
    creating a role the other has just created."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('seatdesk_ensure_roles'))"))
    existing = set(conn.execute(text(
        "SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)"),
        {"names": [*ALL_GROUPS, GATE]}).scalars())
    for name in ALL_GROUPS:
        if name not in existing:
            conn.execute(text(f'CREATE ROLE "{name}" NOLOGIN'))
    if GATE not in existing:
        conn.execute(text(f'CREATE ROLE "{GATE}" LOGIN NOINHERIT CONNECTION LIMIT 50'))
