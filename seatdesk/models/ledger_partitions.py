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
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Connection, text

TABLE = "case_ledger"
#: the append-only history tables partitioned by month (0013: the ledger; 0015: positions
#: and attachment metadata with their content) and each one's partition key
HISTORY: dict[str, str] = {TABLE: "at", "supervisor_positions": "at",
                           "attachments": "uploaded_at"}
AHEAD = 3  # months made ahead of the current one
_PARTITION = re.compile(rf"^({'|'.join(HISTORY)})_(\d{{4}}_\d{{2}}|default)$")


def is_partition(name: str) -> bool:
    """A partition of a history table (a table of its own that models do not describe)."""
    return bool(_PARTITION.match(name))


def partitioned(conn: Connection, table: str = TABLE) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return conn.execute(text(
        "SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(:t)"),
        {"t": f"public.{table}"}).scalar() is True


def ensure_all(conn: Connection, ahead: int = AHEAD) -> list[str]:
    """``ensure`` for every partitioned history table; the names created."""
    made: list[str] = []
    for table in HISTORY:
        if partitioned(conn, table):
            made += ensure(conn, ahead=ahead, table=table)
    return made


def months(since: dt.date, until: dt.date) -> list[dt.date]:
    """First days of the months from ``since``'s to ``until``'s, both included."""
    first, out = since.replace(day=1), []
    while first <= until:
        out.append(first)
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return out


def ensure(conn: Connection, since: dt.datetime | None = None, ahead: int = AHEAD,
           now: dt.datetime | None = None, table: str = TABLE) -> list[str]:
    """Create the missing month partitions of ``table`` from ``since`` (default: this
    month) to ``ahead`` months after ``now``, and the default partition; the names
    created."""
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
        conn.execute(text(
            f"CREATE TABLE public.{name} PARTITION OF public.{table} FOR VALUES FROM "
            f"('{first.isoformat()} 00:00+00') TO ('{after.isoformat()} 00:00+00')"))
        made.append(name)
    if f"{table}_default" not in existing:
        conn.execute(text(f"CREATE TABLE public.{table}_default PARTITION OF public.{table}"
                          " DEFAULT"))
        made.append(f"{table}_default")
    return made


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
