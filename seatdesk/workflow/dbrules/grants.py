"""Who may read and write which table, in one place: ``TABLES`` and ``POLICIES``.

Every table of the schema has an entry (``tests/test_dbrules.py`` fails for one that has
none, so a new table gets a decision, not the privileges of whatever came before):

- ``Access(read, insert, update, delete)``: seat roles (``Role`` values; ``partner`` for
  the partner group; ``intake`` for the intake server's own login, named by ``seatdesk db
  intake-login``, for its bookkeeping between requests) granted each privilege.
  ``public`` columns (``ALL``: the whole table) are what ``seatdesk_open311_reader``
  reads — the role the intake server's anonymous Open311 reads run as: the columns the
  public records show or join on, never a caller's, a user's, a session's or a partner's
  own data (docs/security.md, "Anonymous Open311 reads"); nothing of ``case_ledger`` or
  ``attachments``, whose rows it gets only through ``intake_sql``'s functions.
  ``hidden`` columns are readable by nobody but the owner (the argon2 hashes). No group
  is ever granted DELETE or TRUNCATE on the case tables; ``users`` is written only by
  the functions of ``accounts_sql``.
- ``POLICIES``: the row-level security of ``cases``, ``dispatches`` and ``settings``:
  department users change only the cases (and dispatch rows) of their own department,
  supervisors only their own or unassigned 核实/核查 tasks, dispatchers the cases held at
  their command level; partners register reports of outside sources only. Reads are not
  narrowed by RLS (see docs/security.md, "reads"), but for the intake login's: it reads
  only ``INTAKE_SETTINGS`` of the settings; and the Open311 reader's: it reads only the
  cases that came in through Open311 and only ``PUBLIC_SETTINGS``.

``apply`` revokes everything the seatdesk groups hold in this schema and grants what is
declared, so a privilege removed here disappears with the next ``seatdesk db upgrade``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from seatdesk.models.enums import PUBLIC_SOURCES

from . import ALL_GROUPS, GATE, GROUPS, OPEN311_READER, PARTNER, run_sql, would_be

WORKFLOW = ("acceptor", "shift_lead", "dispatcher", "department", "supervisor")
EVERYONE = (*WORKFLOW, "admin", "wall", "partner")
ADMIN = ("admin",)


@dataclass(frozen=True)
class Access:
    read: tuple[str, ...] = EVERYONE
    insert: tuple[str, ...] = ()
    update: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()  # columns nobody but the owner reads
    callers: tuple[str, ...] = ()  # callers' contact data: not read by partners nor intake
    rls: bool = False
    #: roles that read only ``outline`` columns (beside ``read``, who read every column)
    outline_readers: tuple[str, ...] = ()
    outline: tuple[str, ...] = ()
    #: what the Open311 reader (``seatdesk_open311_reader``) reads: these columns, or
    #: ``ALL`` of them; nothing when empty
    public: tuple[str, ...] = ()


ALL = ("*",)


REFERENCE = Access(insert=ADMIN, update=ADMIN, delete=ADMIN)
#: reference data anonymous Open311 reads show (the service list and definitions)
OPEN311_REFERENCE = Access(insert=ADMIN, update=ADMIN, delete=ADMIN, public=ALL)
#: the calendar: the intake login dates the 12345 callbacks, the Open311 reader its records
CALENDAR = Access(read=(*EVERYONE, "intake"), insert=ADMIN, update=ADMIN, delete=ADMIN,
                  public=ALL)
#: the settings the intake login reads on its own connection (a SELECT policy on
#: ``settings``): the calendar that dates the 12345 callbacks. Not the others — the map's
#: ``tile_url`` may carry a tile service's key, ``demo_accounts`` names accounts — and a
#: key it cannot see reads as absent (``get_setting`` then gives the default): whatever
#: needs another setting runs as its principal (an Open311 POST's initial view: the partner)
INTAKE_SETTINGS = ("time_zone", "working_periods", "working_day_hours")
#: the settings the Open311 reader reads: the calendar and the configured class edition
#: (the service list)
PUBLIC_SETTINGS = ("class_edition", *INTAKE_SETTINGS)
#: the columns of ``users`` the intake login reads on its own connection: a principal's
#: database login by its user's id (``server/identity.py``: ``SELECT db_login … WHERE id``,
#: the one read of ``users`` the server makes as itself, migration 0023). Nothing else: a
#: handset token's user (name, role, active flag, department) comes with its session from
#: ``seatdesk_field_session_by_token`` (0022), a partner's account with its key from
#: ``seatdesk_partner_by_key`` (0021), a sign-in's user from ``seatdesk_signed_in()`` as
#: the supervisor's own login; whatever shows a staff member's name or phone runs as the
#: principal (``GET /field/v1/me`` as the supervisor). No user name, role, department or
#: active flag: a login that reads them lists the staff
INTAKE_USERS = ("id", "db_login")
#: the columns of ``partners`` the intake login reads: the 12345 outbox's endpoint and
#: HMAC key, and whether the partner is switched on (a disabled one's callbacks wait:
#: hotline/outbox.py); not the key hashes, names or codes
INTAKE_PARTNERS = ("id", "active", "callback_url", "callback_secret")
#: the columns of ``field_sessions`` the intake login reads: the id a sign-in's INSERT
#: returns and a sign-out's UPDATE names; not the tokens' hashes (a presented token's
#: session and user come from ``seatdesk_field_session_by_token``, migration 0022), nor
#: who is signed in on which device until when
INTAKE_FIELD_SESSIONS = ("id",)
#: readers who never see the callers' contact columns (``Access.callers``)
WITHOUT_CALLERS = ("partner", "intake")

TABLES: dict[str, Access] = {
    # the case file: written by the workflow (cases and ledger checked by triggers)
    # the intake login reads the case's id and number a 12345 callback names; whatever it
    # writes it writes as a supervisor or partner. The Open311 reader: a record's columns
    # (no caller's name or phone), of the cases that came in through Open311 (POLICIES)
    "cases": Access(read=EVERYONE, insert=("acceptor", "supervisor", "partner"),
                    update=WORKFLOW, rls=True, callers=("caller_phone",),
                    outline_readers=("intake",), outline=("id", "number"),
                    public=("id", "number", "version", "state", "description", "address",
                            "lon", "lat", "class_id", "department_id", "reported_at",
                            "updated_at", "deadline_at")),
    # a registration's payload carries the caller's phone: not for partners nor intake
    # (the 12345 callbacks get their two facts from intake_sql's function); the intake
    # login reads what a callback states. The Open311 reader reads no row of it: an
    # Open311 case's state changes come from intake_sql's seatdesk_open311_updates
    "case_ledger": Access(read=EVERYONE, insert=(*WORKFLOW, "partner"), callers=("payload",),
                          outline_readers=("intake",),
                          outline=("id", "case_id", "seq", "at", "action", "to_state",
                                   "reason")),
    "case_number_days": Access(read=()),  # only seatdesk_next_case_serial() (numbering_sql)
    "case_reporters": Access(insert=(*WORKFLOW, "partner"), update=("acceptor", "shift_lead"),
                             callers=("phone",)),
    "dispatches": Access(insert=WORKFLOW, update=WORKFLOW, rls=True),
    # neither the intake login (a caller's recording) nor the Open311 reader reads a row
    # of it: a 12345 callback's photos, an Open311 record's first photo and its content
    # come from intake_sql's functions (migration 0018)
    "attachments": Access(insert=(*WORKFLOW, "partner")),
    "supervisor_positions": Access(insert=("supervisor",)),
    "handover_acks": Access(insert=("shift_lead",)),
    # the archived months' chain segments (seatdesk ledger archive): hashes and seqs only,
    # read by the administrators who verify the ledger, written only by the owner; the
    # seats read which seqs and months of a case are archived (the case history says so,
    # ui/case), not the hashes or the archive file's name
    "ledger_segments": Access(read=ADMIN, outline_readers=WORKFLOW,
                              outline=("case_id", "month", "first_seq", "last_seq", "rows")),
    # people: only the account functions write users
    # the intake login reads a user's database login by id (``INTAKE_USERS``, migration
    # 0023): no staff member's phone, display name, user name, role or department
    "users": Access(read=EVERYONE, hidden=("password_hash",), outline_readers=("intake",),
                    outline=INTAKE_USERS),
    "common_phrases": REFERENCE,
    "beats": REFERENCE,
    "beat_supervisors": REFERENCE,
    # the intake server (seatdesk serve): handsets' sessions and attendance, partners and
    # what they sent, callbacks to the 12345 platform (queued by a SECURITY DEFINER trigger)
    # the tokens' hashes are the owner's only: a presented token's session and user come
    # from intake_sql's seatdesk_field_session_by_token(hash) (migration 0022); the intake
    # login inserts a sign-in's session and revokes one by id (``INTAKE_FIELD_SESSIONS``)
    "field_sessions": Access(read=(), insert=("intake",), update=("intake",),
                             hidden=("token_hash",), outline_readers=("intake",),
                             outline=INTAKE_FIELD_SESSIONS),
    "field_events": Access(insert=("supervisor",)),
    # the key hashes are the owner's only: a presented api_key's partner comes from
    # intake_sql's seatdesk_partner_by_key(hash), so no login lists them; the intake login
    # reads what the 12345 outbox sends to (``INTAKE_PARTNERS``: it signs the callbacks)
    "partners": Access(read=ADMIN, insert=ADMIN, update=ADMIN, hidden=("key_hash",),
                       outline_readers=("intake",), outline=INTAKE_PARTNERS),
    # an Open311 POST reads its replay's token as the partner; the Open311 reader the
    # three columns anonymous Open311 GETs show or join on (not the partner, its own id)
    "partner_requests": Access(read=("admin", "partner"), insert=("partner",),
                               public=("case_id", "token", "media_url")),
    "work_orders": Access(read=("admin", "partner", "intake"), insert=("partner",),
                          callers=("payload",)),  # the order as sent: the caller's phone
    "callback_events": REFERENCE,
    "callback_outbox": Access(read=("admin", "intake"), update=("intake",)),
    "case_sources": REFERENCE,
    "setting_changes": Access(insert=ADMIN),
    # reference data and configuration: the administrator
    "settings": Access(read=(*EVERYONE, "intake"), insert=ADMIN, update=ADMIN, delete=ADMIN,
                       rls=True, public=ALL),  # intake: INTAKE_SETTINGS only, the Open311
    # reader PUBLIC_SETTINGS only (POLICIES)
    "admin_units": REFERENCE,
    "grid_cells": REFERENCE,
    "components": REFERENCE,
    "roads": REFERENCE,  # an Open311 address_string is placed on its road as the partner
    "class_editions": OPEN311_REFERENCE,
    "case_classes": OPEN311_REFERENCE,
    "filing_conditions": REFERENCE,
    "time_limits": REFERENCE,
    "responsibilities": REFERENCE,
    "departments": Access(insert=ADMIN, update=ADMIN, delete=ADMIN,
                          public=("id", "name")),  # a record's agency_responsible
    "calendar_days": CALENDAR,
    "calendar_years": CALENDAR,
    # the schema's own bookkeeping: read-only for everyone (written by db upgrade)
    "workflow_transitions": Access(),
    "security_config": Access(),
    "alembic_version": Access(read=(*EVERYONE, "intake")),  # serve checks the schema
    "schema_releases": Access(read=(*EVERYONE, "intake")),
}
#: tables that are not ours to grant (PostGIS)
FOREIGN = frozenset({"spatial_ref_sys", "geometry_columns", "geography_columns"})


@dataclass(frozen=True)
class Policy:
    table: str
    command: str  # SELECT | INSERT | UPDATE
    roles: tuple[str, ...]
    using: str | None = "true"
    check: str | None = None


_MY_DEPT = "(SELECT public.seatdesk_my_department())"
_PARTNER_SOURCES = ", ".join(f"'{s.value}'" for s in sorted(PUBLIC_SOURCES))
_INTAKE_SETTINGS = ", ".join(f"'{k}'" for k in INTAKE_SETTINGS)
_PUBLIC_SETTINGS = ", ".join(f"'{k}'" for k in PUBLIC_SETTINGS)
#: a case an Open311 partner sent (the only ones Open311 serves). ``OFFSET 0`` keeps the
#: check a per-row probe of ``partner_requests``' unique case index: without it the
#: planner hashed every Open311 request for each list page (40,000 requests: 19 ms a page
#: instead of 4–5; docs/performance.md, "The Open311 reader's row policy")
_FROM_OPEN311 = ("EXISTS (SELECT 1 FROM public.partner_requests p"
                 " WHERE p.case_id = cases.id OFFSET 0)")
POLICIES: tuple[Policy, ...] = (
    Policy("cases", "SELECT", (*EVERYONE, "intake")),
    Policy("cases", "SELECT", ("open311",), using=_FROM_OPEN311),
    Policy("cases", "INSERT", ("acceptor", "supervisor"), using=None, check="true"),
    Policy("cases", "INSERT", ("partner",), using=None,
           check=f"source IN ({_PARTNER_SOURCES})"),
    Policy("cases", "UPDATE", ("acceptor", "shift_lead")),
    Policy("cases", "UPDATE", ("dispatcher",),
           using="centre_id IS NOT DISTINCT FROM (SELECT public.seatdesk_my_district())",
           check="true"),
    Policy("cases", "UPDATE", ("department",), using=f"department_id = {_MY_DEPT}",
           check=f"department_id = {_MY_DEPT}"),
    Policy("cases", "UPDATE", ("supervisor",),
           using="task_user_id IS NULL OR task_user_id = (SELECT public.seatdesk_my_user_id())",
           check="task_user_id IS NULL OR task_user_id = (SELECT public.seatdesk_my_user_id())"),
    Policy("settings", "SELECT", EVERYONE),
    Policy("settings", "SELECT", ("intake",), using=f'"key" IN ({_INTAKE_SETTINGS})'),
    Policy("settings", "SELECT", ("open311",), using=f'"key" IN ({_PUBLIC_SETTINGS})'),
    Policy("settings", "INSERT", ADMIN, using=None, check="true"),
    Policy("settings", "UPDATE", ADMIN),
    Policy("settings", "DELETE", ADMIN),
    Policy("dispatches", "SELECT", EVERYONE),
    Policy("dispatches", "INSERT", WORKFLOW, using=None, check="true"),
    Policy("dispatches", "UPDATE", ("acceptor", "shift_lead", "dispatcher", "supervisor")),
    Policy("dispatches", "UPDATE", ("department",), using=f"department_id = {_MY_DEPT}",
           check=f"department_id = {_MY_DEPT}"),
)


def group(role: str, intake: str | None = None) -> str | None:
    """The role a declaration's seat role stands for (None: the intake login is not set)."""
    if role == "intake":
        return intake
    if role == "open311":
        return OPEN311_READER
    return PARTNER if role == "partner" else GROUPS[role]


def _names(roles: tuple[str, ...], intake: str | None) -> str:
    return ", ".join(f'"{g}"' for g in (group(r, intake) for r in roles) if g)


def readers(access: Access, intake: str | None) -> str:
    """The quoted role names that read a table (``access.read``), for a GRANT."""
    return _names(access.read, intake)


def schema_tables(conn: Connection) -> set[str]:
    """The tables (and views) of the public schema, partitions left out."""
    return set(conn.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')"
        " AND NOT c.relispartition")).scalars())


def unclassified(tables: set[str]) -> set[str]:
    return tables - set(TABLES) - FOREIGN


def intake_login(conn: Connection) -> str | None:
    """The intake server's login named in ``security_config``, if it exists."""
    return conn.execute(text(
        "SELECT c.intake_login FROM security_config c JOIN pg_roles r"
        " ON r.rolname = c.intake_login WHERE c.id = 1")).scalar()


def apply(conn: Connection) -> None:
    tables = schema_tables(conn) - FOREIGN
    intake = intake_login(conn)
    everyone = ", ".join(f'"{g}"' for g in (*ALL_GROUPS, GATE, *([intake] if intake else [])))
    for table in sorted(tables):
        run_sql(conn, f'REVOKE ALL ON TABLE public."{table}" FROM PUBLIC, {everyone}')
    for table, access in TABLES.items():
        if table in tables:
            _grant(conn, table, access, intake)
    _sequences(conn, tables, intake)
    _policies(conn, tables, intake)
    _database(conn)
    if intake:  # the intake login may SET ROLE to the Open311 reader (and inherits nothing)
        run_sql(conn, f'GRANT "{OPEN311_READER}" TO "{intake}"')
    retire_former_intake_logins(conn, intake)


def former_intake_logins(conn: Connection, intake: str | None) -> list[str]:
    """Logins that are no longer this database's intake login but still hold what only
    an intake login should (``seatdesk db intake-login`` with another name used to leave
    them): a membership in an operator's login of this database, or in the Open311 reader
    together with any privilege here (CONNECT, a table, a function) — or with no CONNECT
    granted on any other database either. Another database's intake login (roles are
    cluster-wide: the reader has it as a member) holding nothing here is not one of them.
    Never the current intake login, the tables' owner, a superuser or a role that may
    create roles, the seatdesk groups, the gate or an operator's own login."""
    from . import table_owner

    logins = list(conn.execute(text(
        "SELECT u.db_login FROM users u JOIN pg_roles r ON r.rolname = u.db_login")).scalars())
    keep = [*ALL_GROUPS, GATE, table_owner(conn), *logins, *([intake] if intake else [])]
    return list(conn.execute(text(
        "SELECT r.rolname FROM pg_roles r"
        " WHERE NOT r.rolsuper AND NOT r.rolcreaterole AND r.rolname <> ALL(:keep)"
        "   AND (r.oid IN (SELECT m.member FROM pg_auth_members m JOIN pg_roles g"
        "                   ON g.oid = m.roleid WHERE g.rolname = ANY(:logins))"
        "        OR r.oid IN (SELECT m.member FROM pg_auth_members m"
        "                      WHERE m.roleid = to_regrole(:reader))"
        "           AND (r.oid IN (SELECT x.grantee FROM pg_database d, aclexplode(d.datacl) x"
        "                           WHERE d.datname = current_database())"
        "                OR r.oid IN (SELECT x.grantee FROM pg_class c"
        "                              JOIN pg_namespace n ON n.oid = c.relnamespace"
        "                               AND n.nspname = 'public', aclexplode(c.relacl) x)"
        "                OR r.oid IN (SELECT x.grantee FROM pg_proc p"
        "                              JOIN pg_namespace n ON n.oid = p.pronamespace"
        "                               AND n.nspname = 'public', aclexplode(p.proacl) x)"
        "                OR r.oid NOT IN (SELECT x.grantee FROM pg_database d,"
        "                                  aclexplode(d.datacl) x"
        "                                  WHERE d.datname <> current_database()"
        "                                    AND x.privilege_type = 'CONNECT')))"
        " ORDER BY r.rolname"),
        {"keep": keep, "logins": logins, "reader": OPEN311_READER}).scalars())


def retire_former_intake_logins(conn: Connection, intake: str | None) -> list[str]:
    """Take from every former intake login (``former_intake_logins``) what it held in
    this database: its memberships in the operators' logins (it could SET ROLE to a
    supervisor or partner), every table, column, sequence and function privilege,
    CONNECT and TEMPORARY on the database, and its membership in the Open311 reader.
    Roles are cluster-wide: a login still granted CONNECT on another database of the
    cluster (another centre's, a training database's intake login of the same name) keeps
    the reader's membership — it cannot connect here, and the reader reads nothing here
    without connecting. Returns the logins retired (docs/security.md)."""
    former = former_intake_logins(conn, intake)
    for name in former:
        params = {"r": name}
        for login in conn.execute(text(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
                " JOIN pg_roles r ON r.oid = m.member JOIN users u ON u.db_login = g.rolname"
                " WHERE r.rolname = :r"), params).scalars():
            run_sql(conn, f'REVOKE "{login}" FROM "{name}"')
        for kind, relation in conn.execute(text(
                "SELECT DISTINCT c.relkind, c.relname FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'"
                " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attacl IS NOT NULL"
                " WHERE EXISTS (SELECT 1 FROM aclexplode(c.relacl) x"
                "               WHERE x.grantee = to_regrole(:r))"
                "    OR EXISTS (SELECT 1 FROM aclexplode(a.attacl) x"
                "               WHERE x.grantee = to_regrole(:r))"), params).all():
            what = "SEQUENCE" if kind == "S" else "TABLE"
            run_sql(conn, f'REVOKE ALL ON {what} public."{relation}" FROM "{name}"')
        for function in conn.execute(text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p"
                " JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'"
                " WHERE EXISTS (SELECT 1 FROM aclexplode(p.proacl) x"
                "               WHERE x.grantee = to_regrole(:r))"), params).scalars():
            run_sql(conn, f'REVOKE ALL ON FUNCTION {function} FROM "{name}"')
        db = conn.execute(text("SELECT current_database()")).scalar_one()
        run_sql(conn, f'REVOKE CONNECT, TEMPORARY ON DATABASE "{db}" FROM "{name}"')
        elsewhere = conn.execute(text(
            "SELECT EXISTS (SELECT 1 FROM pg_database d, aclexplode(d.datacl) x"
            " WHERE d.datname <> current_database() AND x.grantee = to_regrole(:r)"
            " AND x.privilege_type = 'CONNECT')"), params).scalar()
        if not elsewhere and conn.execute(text(
                "SELECT pg_has_role(:r, :g, 'MEMBER')"), {**params, "g": OPEN311_READER}).scalar():
            _revoke_shared(conn, f'REVOKE "{OPEN311_READER}" FROM "{name}"')
    return former


def _revoke_shared(conn: Connection, sql: str) -> None:
    """A REVOKE of a cluster-wide membership, in a savepoint: another database's ``db
    upgrade`` may be taking the same stale membership at the same moment (a test run's
    workers), and PostgreSQL then fails the second with "tuple concurrently updated" —
    the membership is gone either way."""
    try:
        with conn.begin_nested():
            run_sql(conn, sql)  # (the driver's own error: run_sql bypasses SQLAlchemy's)
    except Exception as exc:  # noqa: BLE001 - only the concurrent update is expected
        if "concurrently" not in str(exc):
            raise


def _grant(conn: Connection, table: str, access: Access, intake: str | None) -> None:
    for privilege, roles in (("INSERT", access.insert), ("UPDATE", access.update),
                             ("DELETE", access.delete)):
        if _names(roles, intake):
            run_sql(conn, f'GRANT {privilege} ON public."{table}" TO {_names(roles, intake)}')
    _grant_reads(conn, table, access, intake)
    if _names(access.outline_readers, intake) and access.outline:
        listed = ", ".join(f'"{c}"' for c in access.outline)
        run_sql(conn, f'GRANT SELECT ({listed}) ON public."{table}"'
                      f" TO {_names(access.outline_readers, intake)}")
    if access.public:
        listed = "" if access.public == ALL else \
            " (" + ", ".join(f'"{c}"' for c in access.public) + ")"
        run_sql(conn, f'GRANT SELECT{listed} ON public."{table}" TO "{OPEN311_READER}"')


def _grant_reads(conn: Connection, table: str, access: Access, intake: str | None) -> None:
    """SELECT for the readers; column by column where some columns are hidden, and
    without the callers' contact data for the partner group (a partner's request runs
    as the partner: it reads back the state of what it sent, not anybody's phone) and
    the intake login (anonymous Open311 reads, the 12345 callbacks)."""
    readers = _names(access.read, intake)
    if not readers:
        return
    if not access.hidden and not access.callers:
        run_sql(conn, f'GRANT SELECT ON public."{table}" TO {readers}')
        return
    columns = conn.execute(text(
        "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)"
        " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"), {"t": f"public.{table}"})
    shown = [c for c in columns.scalars() if c not in access.hidden]
    partners = tuple(r for r in access.read if r in WITHOUT_CALLERS)
    for roles, visible in (
            (tuple(r for r in access.read if r not in WITHOUT_CALLERS), shown),
            (partners, [c for c in shown if c not in access.callers])):
        if _names(roles, intake) and visible:
            listed = ", ".join(f'"{c}"' for c in visible)
            run_sql(conn, f'GRANT SELECT ({listed}) ON public."{table}" TO {_names(roles, intake)}')


def _sequences(conn: Connection, tables: set[str], intake: str | None) -> None:
    """USAGE on the id sequence of every table a group inserts into."""
    for table, access in TABLES.items():
        if table not in tables or not access.insert:
            continue
        seq = conn.execute(text(
            "SELECT pg_get_serial_sequence(:t, 'id') FROM pg_attribute"
            " WHERE attrelid = CAST(:t AS regclass) AND attname = 'id'"),
            {"t": f"public.{table}"}).scalar()
        if seq and _names(access.insert, intake):
            run_sql(conn, f"REVOKE ALL ON SEQUENCE {seq} FROM PUBLIC")
            run_sql(conn, f"GRANT USAGE ON SEQUENCE {seq} TO {_names(access.insert, intake)}")


def _drop_policies(conn: Connection, tables: set[str], then: str) -> None:
    """Drop every policy of the tables ``POLICIES`` covers, then ENABLE or DISABLE RLS."""
    for table in sorted({p.table for p in POLICIES} & tables):
        for name in conn.execute(text(
                "SELECT policyname FROM pg_policies WHERE schemaname = 'public'"
                " AND tablename = :t"), {"t": table}).scalars():
            run_sql(conn, f'DROP POLICY "{name}" ON public."{table}"')
        run_sql(conn, f'ALTER TABLE public."{table}" {then} ROW LEVEL SECURITY')


def _policies(conn: Connection, tables: set[str], intake: str | None) -> None:
    """Row-level security on each table ``POLICIES`` covers, with exactly its policies.
    A table whose policies already are those (``_policies_are``) is left alone: a
    ``DROP POLICY``, ``CREATE POLICY`` or ``ENABLE ROW LEVEL SECURITY`` takes an ACCESS
    EXCLUSIVE lock on the table, which a no-op ``db upgrade`` under live seats must not
    (``dbrules.install_trigger``)."""
    wanted: dict[str, list[str]] = {t: [] for t in {p.table for p in POLICIES} & tables}
    for p in POLICIES:
        roles = _names(p.roles, intake)
        if p.table not in tables or not roles:  # (the intake login's, before it is named)
            continue
        n = len(wanted[p.table]) + 1
        sql = f'CREATE POLICY "{p.table}_{p.command.lower()}_{n}" ON public."{p.table}"' \
              f" FOR {p.command} TO {roles}"
        if p.using is not None:
            sql += f" USING ({p.using})"
        if p.check is not None:
            sql += f" WITH CHECK ({p.check})"
        wanted[p.table].append(sql + ";\n")
    for table, statements in sorted(wanted.items()):
        if not _policies_are(conn, table, "".join(statements)):
            _drop_policies(conn, {table}, "ENABLE")
            run_sql(conn, "".join(statements))


def _policies_are(conn: Connection, table: str, statements: str) -> bool:
    """Whether ``public.<table>`` has row-level security on and exactly the policies the
    statements make (compared with the same statements run on a scratch copy)."""
    def read(relation: str) -> list[tuple]:
        return [tuple(r) for r in conn.execute(text(
            "SELECT polname, polcmd, polpermissive,"
            " ARRAY(SELECT r::regrole::text FROM unnest(polroles) r ORDER BY 1),"
            " pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid)"
            " FROM pg_policy WHERE polrelid = to_regclass(:t) ORDER BY polname"),
            {"t": relation})]

    if not conn.execute(text("SELECT relrowsecurity FROM pg_class"
                             " WHERE oid = to_regclass(:t)"), {"t": f"public.{table}"}).scalar():
        return False
    return read(f"public.{table}") == would_be(conn, table, statements, read)


def _database(conn: Connection) -> None:
    """Nobody connects unless let in: the gate, and each login to its own database."""
    db = conn.execute(text("SELECT current_database()")).scalar_one()
    run_sql(conn, f'REVOKE CONNECT, TEMPORARY ON DATABASE "{db}" FROM PUBLIC')
    run_sql(conn, f'GRANT CONNECT ON DATABASE "{db}" TO "{GATE}"')
    run_sql(conn, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    run_sql(conn, f'GRANT SELECT ON public.alembic_version, public.schema_releases TO "{GATE}"')
    logins = conn.execute(text(
        "SELECT u.db_login FROM users u JOIN pg_roles r ON r.rolname = u.db_login"
        " WHERE u.active")).scalars().all()
    intake = intake_login(conn)
    for login in [*logins, *([intake] if intake else [])]:
        run_sql(conn, f'GRANT CONNECT ON DATABASE "{db}" TO "{login}"')
    idle_timeouts(conn)
    _large_objects(conn)


def idle_timeouts(conn: Connection) -> list[str]:
    """``dbrules.IDLE_IN_TRANSACTION_TIMEOUT`` for every login seatdesk makes — each user's
    (active or not: a reactivated login has it), the intake login and the gate — in this
    database, where the login has no value of its own here (``seatdesk_idle_default``;
    ``seatdesk_create_login`` sets it for a new login too). Returns the logins it could not
    set (the caller may not alter them: PostgreSQL 16's rule for roles another role
    created); docs/security.md gives the DBA's statement."""
    names = [*conn.execute(text(
        "SELECT u.db_login FROM users u JOIN pg_roles r ON r.rolname = u.db_login"
        " ORDER BY u.id")).scalars(), *([intake] if (intake := intake_login(conn)) else []),
        GATE]
    return [name for name in names if not conn.execute(
        text("SELECT public.seatdesk_idle_default(:n)"), {"n": name}).scalar()]


#: PostgreSQL's functions that create a large object. EXECUTE is PUBLIC's by default, so
#: any login that connects — the intake login, the Open311 reader after its SET ROLE, an
#: operator with psql — could write large objects into the database (no table privilege
#: is checked). seatdesk uses none. Only a superuser may change these functions' rights
#: (they belong to the bootstrap superuser), so ``db upgrade`` run by one revokes them in
#: this database; run by the schema owner it cannot, and docs/security.md gives the DBA's
#: one statement.
LARGE_OBJECT_CREATORS = ("lo_creat(integer)", "lo_create(oid)", "lo_from_bytea(oid, bytea)",
                         "lo_import(text)", "lo_import(text, oid)")


def _large_objects(conn: Connection) -> None:
    if conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
        for function in LARGE_OBJECT_CREATORS:
            run_sql(conn, f"REVOKE EXECUTE ON FUNCTION pg_catalog.{function} FROM PUBLIC")


def remove(conn: Connection) -> None:
    tables = schema_tables(conn) - FOREIGN
    groups = ", ".join(f'"{g}"' for g in ALL_GROUPS)
    _drop_policies(conn, tables, "DISABLE")
    for table in sorted(tables):
        run_sql(conn, f'REVOKE ALL ON TABLE public."{table}" FROM {groups}, "{GATE}"')
