"""history partitions: the segments of archived ledger months; positions and attachments
partitioned by month

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 22:00:00

``seatdesk ledger archive`` writes a month of the partitioned ledger (migration 0013) to
files and drops its partition; what stays in the database is ``ledger_segments``, one row
per archived month and case: the first and last seq of the case's rows in that month, the
first row's ``prev_hash``, the last row's ``hash`` and the row count. ``ledger verify``
checks the chain's online rows from the segment's last hash onwards, and ``seatdesk ledger
reattach`` restores the month and removes its segments (docs/scale.md).

The table is created on both backends: the schema stays one (the models describe it, the
schema test compares both), and ``ledger verify`` reads it the same way everywhere. On
SQLite it stays empty — the ledger there is a plain table, nothing is archived. Its
privileges (read: administrators; written only by the tables' owner) are the database
rules' (``workflow/dbrules/grants.py``), applied after every migration run.

On PostgreSQL the other append-only history, ``supervisor_positions`` (by ``at``) and
``attachments`` (by ``uploaded_at``; the photos and recordings are in its ``content``),
becomes RANGE-partitioned by month as 0013 did for the ledger, in place and in one
transaction: the old table renamed with its indexes and constraints, the partitioned one
created with the same columns and defaults, the primary key ``(id, key)``, the foreign
keys and indexes made again under their names, a partition per month from the oldest row
to three ahead and a default one (``models.ledger_partitions.ensure``), the rows copied,
the id sequence handed over, the old table dropped and its triggers (the positions'
NOTIFY of 0006) created again. The key gets the server's clock as its default (a row that
leaves it out is routed by that time). Writes to both tables wait for the conversion: the
attachments' bytes are copied too, so plan it by the size of ``attachments``
(docs/operations.md). The downgrade makes them plain tables again the same way. Nothing
references either table by a foreign key. SQLite keeps plain tables.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import seatdesk.models.base
from seatdesk.models import ledger_partitions

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


#: the history tables 0015 partitions, and their partition key
HISTORY = (("supervisor_positions", "at"), ("attachments", "uploaded_at"))


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table, key in HISTORY:
            _convert(conn, table, key, partitioned=True)
    op.create_table(
        "ledger_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("archive", sa.String(length=200), nullable=False),
        sa.Column("archived_at", seatdesk.models.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_ledger_segments_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_segments")),
        sa.UniqueConstraint("case_id", "month", name=op.f("uq_ledger_segments_case_id_month")),
    )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM ledger_segments")).scalar():
        raise RuntimeError(
            "ledger_segments holds archived months: reattach them (seatdesk ledger reattach) "
            "before downgrading, or their chains could no longer be verified")
    op.drop_table("ledger_segments")
    if conn.dialect.name != "postgresql":
        return
    for table, key in HISTORY:
        _convert(conn, table, key, partitioned=False)
    # grants of the database rules (migrations/env.py applies them at head only)
    if conn.execute(sa.text("SELECT to_regproc('public.seatdesk_ledger_operator')")).scalar():
        from seatdesk.workflow.dbrules import grants

        grants.apply(conn)


def _convert(conn, table: str, key: str, partitioned: bool) -> None:
    """``table`` rebuilt in place, RANGE-partitioned by month on ``key`` or plain again."""
    if ledger_partitions.partitioned(conn, table) == partitioned:
        return
    regclass = {"t": f"public.{table}"}
    triggers = conn.execute(sa.text(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = to_regclass(:t)"
        " AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname"), regclass).scalars().all()
    indexes = conn.execute(sa.text(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c"
        " ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass(:t) AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1"),
        regclass).all()
    constraints = conn.execute(sa.text(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = to_regclass(:t) AND contype IN ('p', 'f') ORDER BY 1"),
        regclass).all()
    sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"),
                            regclass).scalar()
    old = f"{table}_old"
    op.execute(f"ALTER TABLE public.{table} RENAME TO {old}")
    for name, _ in indexes:
        op.execute(f'ALTER INDEX public."{name}" RENAME TO "{name}_old"')
    for name, _, _ in constraints:
        op.execute(f'ALTER TABLE public.{old} RENAME CONSTRAINT "{name}" TO "{name}_old"')
    by_month = f" PARTITION BY RANGE ({key})" if partitioned else ""
    op.execute(f"CREATE TABLE public.{table} (LIKE public.{old} INCLUDING DEFAULTS"
               f" INCLUDING CONSTRAINTS){by_month}")
    if partitioned:
        op.execute(f"ALTER TABLE public.{table} ALTER COLUMN {key} SET DEFAULT clock_timestamp()")
    else:
        op.execute(f"ALTER TABLE public.{table} ALTER COLUMN {key} DROP DEFAULT")
    columns = f"(id, {key})" if partitioned else "(id)"
    for name, kind, definition in constraints:
        body = f"PRIMARY KEY {columns}" if kind == "p" else definition
        op.execute(f'ALTER TABLE public.{table} ADD CONSTRAINT "{name}" {body}')
    for _, definition in indexes:
        op.execute(definition)
    if partitioned:
        oldest = conn.execute(sa.text(f"SELECT min({key}) FROM public.{old}")).scalar()
        ledger_partitions.ensure(conn, since=oldest, table=table)
    op.execute(f"INSERT INTO public.{table} SELECT * FROM public.{old}")
    if sequence:
        op.execute(f"ALTER SEQUENCE {sequence} OWNED BY public.{table}.id")
    op.execute(f"DROP TABLE public.{old}")
    for definition in triggers:
        op.execute(definition)
