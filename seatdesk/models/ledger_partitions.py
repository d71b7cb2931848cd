"""The case ledger's monthly partitions on PostgreSQL (migration 0013, docs/scale.md).

``case_ledger`` is RANGE-partitioned by ``at``: one partition a calendar month (UTC), named
``case_ledger_YYYY_MM``, and ``case_ledger_default`` for a row no month holds (it should
stay empty: ``ensure`` keeps ``AHEAD`` months ready). ``ensure`` runs at the end of every
``seatdesk db upgrade`` and by ``seatdesk ledger partitions`` (daily, beside the
checkpoint); partitions get no grants of their own, the operators reach the rows through
the parent's grants and policies only (``workflow/dbrules/grants.py``).

Migration 0015 partitions ``supervisor_positions`` (by ``at``) and ``attachments`` (by
``uploaded_at``) the same way (``HISTORY``); ``ensure_all`` keeps every partitioned history
table's months ahead.

A month is made as a table of its own (``CREATE TABLE … (LIKE parent …)``) then attached
(``ATTACH PARTITION``), never by ``CREATE TABLE … PARTITION OF``: the latter takes an ACCESS
EXCLUSIVE lock on the parent, and that request, queued behind one open transaction that
read the ledger, made every seat's read and write of the table wait behind it. The attach
takes SHARE UPDATE EXCLUSIVE on the parent (no reader or writer waits for it) but still
ACCESS EXCLUSIVE on the default partition, which every per-case read and the trust
trigger's head lookup open, and SHARE ROW EXCLUSIVE on the tables the foreign keys
reference (``cases``, ``users``): so each try waits at most ``LOCK_TIMEOUT_MS`` and gives
way, in a savepoint; after ``TRIES`` the month is left to the next run (docs/scale.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

TABLE = "case_ledger"
#: the append-only history tables partitioned by month (0013: the ledger; 0015: positions
#: and attachment metadata with their content) and each one's partition key
HISTORY: dict[str, str] = {TABLE: "at", "supervisor_positions": "at",
                           "attachments": "uploaded_at"}
AHEAD = 3  # months made ahead of the current one
_PARTITION = re.compile(rf"^({'|'.join(HISTORY)})_(\d{{4}}_\d{{2}}|default)$")
#: how long one try to make a month waits for a lock before it gives way: what a seat that
#: opens the ledger meanwhile waits behind it at most (the lock queue); then a pause (doubled
#: each time) that lets the queue drain, and ``TRIES`` in all
LOCK_TIMEOUT_MS = 200
TRIES = 5
PAUSE = 0.25  # seconds
LOCK_NOT_AVAILABLE = "55P03"
log = logging.getLogger(__name__)


def is_partition(name: str) -> bool:
    """A partition of a history table (a table of its own that models do not describe)."""
    return bool(_PARTITION.match(name))


def partitioned(conn: Connection, table: str = TABLE) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return conn.execute(text(
        "SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(:t)"),
        {"t": f"public.{table}"}).scalar() is True


def ensure_all(conn: Connection, ahead: int = AHEAD, busy: list[str] | None = None,
               tries: int | None = None) -> list[str]:
    """``ensure`` for every partitioned history table, in the caller's transaction; the
    names created (``busy``, ``tries``: see ``ensure``)."""
    made: list[str] = []
    for table in HISTORY:
        if partitioned(conn, table):
            made += ensure(conn, ahead=ahead, table=table, busy=busy, tries=tries)
    return made


def ensure_each(engine: Engine, ahead: int = AHEAD, busy: list[str] | None = None
                ) -> list[str]:
    """``ensure_all`` with a transaction per table (``seatdesk ledger partitions``): the
    locks a new month takes are held until its own table's commit only, not while the next
    table's are waited for."""
    made: list[str] = []
    for table in HISTORY:
        with engine.begin() as conn:
            if partitioned(conn, table):
                made += ensure(conn, ahead=ahead, table=table, busy=busy)
    return made


def months(since: dt.date, until: dt.date) -> list[dt.date]:
    """First days of the months from ``since``'s to ``until``'s, both included."""
    first, out = since.replace(day=1), []
    while first <= until:
        out.append(first)
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return out


def ensure(conn: Connection, since: dt.datetime | None = None, ahead: int = AHEAD,
           now: dt.datetime | None = None, table: str = TABLE,
           busy: list[str] | None = None, tries: int | None = None) -> list[str]:
    """Create the missing month partitions of ``table`` from ``since`` (default: this
    month) to ``ahead`` months after ``now``, and the default partition; the names
    created. With ``busy`` (the daily job, ``db upgrade``'s rules), a partition whose
    locks were not had in ``tries`` (default ``TRIES``) short tries is not made: its name
    goes there (and to the log), the next run makes it. Without (the migrations, whose copied rows must not
    land in the default partition), it waits as the session says."""
    now = now or dt.datetime.now(dt.UTC)
    start = (since or now).astimezone(dt.UTC).date()
    end = now.date().replace(day=1)
    for _ in range(ahead):
        end = (end + dt.timedelta(days=32)).replace(day=1)
    existing = set(conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(:t)"), {"t": f"public.{table}"}).scalars())
    made = []
    for first in months(min(start, end), end):
        name = f"{table}_{first:%Y_%m}"
        after = (first + dt.timedelta(days=32)).replace(day=1)
        if name in existing or _in_default(conn, table, existing, first, after):
            continue
        bound = (f"FOR VALUES FROM ('{first.isoformat()} 00:00+00')"
                 f" TO ('{after.isoformat()} 00:00+00')")
        _attach(conn, table, name, bound, made, busy, tries or TRIES)
    if f"{table}_default" not in existing:
        _attach(conn, table, f"{table}_default", "DEFAULT", made, busy, tries or TRIES)
    return made


def _attach(conn: Connection, table: str, name: str, bound: str, made: list[str],
            busy: list[str] | None, tries: int) -> None:
    """``name`` made like ``table`` and attached to it as ``bound`` (appended to ``made``).
    With ``busy``: each try in a savepoint waits at most ``LOCK_TIMEOUT_MS`` for a lock,
    and when ``tries`` did not have them the name goes to ``busy``. Without: one try,
    waiting as the session's ``lock_timeout`` says.

    What ``CREATE TABLE … PARTITION OF`` made, in the catalog: the columns with their NOT
    NULL, defaults, storage and compression (``LIKE … INCLUDING``), the CHECK constraints
    (merged with the parent's on attach, as inherited), the keys and indexes (the parent's
    partitioned indexes are built on it and attached), the row triggers and foreign keys
    (cloned on attach); owned by whoever runs this; no grants of its own (``LIKE`` copies
    none, as ``PARTITION OF`` did not): the operators reach the rows through the parent.
    ``tests/test_partition_locks.py`` compares the two."""
    create = text(f"CREATE TABLE public.{name} (LIKE public.{table} INCLUDING DEFAULTS"
                  " INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE"
                  " INCLUDING COMPRESSION)")
    attach = text(f"ALTER TABLE public.{table} ATTACH PARTITION public.{name} {bound}")
    if busy is None:
        conn.execute(create)
        conn.execute(attach)
        made.append(name)
        return
    before = conn.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
    try:
        for attempt in range(tries):
            if attempt:
                time.sleep(PAUSE * 2 ** (attempt - 1))
            try:
                with conn.begin_nested():
                    conn.execute(text("SELECT set_config('lock_timeout', :t, true)"),
                                 {"t": f"{LOCK_TIMEOUT_MS}ms"})
                    conn.execute(create)
                    conn.execute(attach)
                made.append(name)
                return
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
    finally:
        conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": before})
    log.warning("partition %s not made: its locks were not had in %d tries of %d ms"
                " (open transactions use the table); the next run makes it",
                name, tries, LOCK_TIMEOUT_MS)
    busy.append(name)


def _in_default(conn: Connection, table: str, existing: set[str], first: dt.date,
                after: dt.date) -> bool:
    """Rows of the month already sit in the default partition (written before their month
    was made): PostgreSQL would refuse the new partition, the rows stay where they are."""
    if f"{table}_default" not in existing:
        return False
    key = HISTORY[table]
    return conn.execute(text(
        f"SELECT EXISTS (SELECT 1 FROM public.{table}_default WHERE {key} >= :a"
        f" AND {key} < :b)"),
        {"a": f"{first.isoformat()} 00:00+00", "b": f"{after.isoformat()} 00:00+00"}).scalar()


#: what the partitioned ledger has on PostgreSQL in place of the models' plain table: the
#: chain's unique key with the partition key, and no foreign key from the callback outbox
PG_ONLY_DIFFERENCES = {
    ("unique_constraint", "uq_case_ledger_case_id_seq"),
    ("unique_constraint", "uq_case_ledger_case_id_seq_at"),
    ("foreign_key_constraint", "fk_callback_outbox_ledger_id_case_ledger"),
}


def compared(name: str | None, type_: str, dialect: str) -> bool:
    """Whether autogenerate should compare this object of the models and the database: not
    the partitions, nor on PostgreSQL the keys that partitioning changes."""
    if type_ == "table" and name and is_partition(name):
        return False
    return not (dialect == "postgresql" and (type_, name) in PG_ONLY_DIFFERENCES)
