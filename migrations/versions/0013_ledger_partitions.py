"""ledger partitions: the case ledger partitioned by month on PostgreSQL

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 01:50:00

At a metropolis' rate the ledger grows by millions of rows a year and is only ever
appended to and read per case or per month. On PostgreSQL ``case_ledger`` becomes a table
RANGE-partitioned by ``at``, one partition per calendar month (UTC) named
``case_ledger_YYYY_MM``, and a ``case_ledger_default`` partition that should stay empty;
``seatdesk.models.ledger_partitions.ensure`` keeps three months ahead (run by every
``seatdesk db upgrade`` and by ``seatdesk ledger partitions``). docs/scale.md has the design
and what is still to come (archiving months to files).

The conversion happens in place, in one transaction: the old table is renamed, the
partitioned one created with the same columns and defaults, the rows copied, the id
sequence handed over, the old table dropped and its triggers (migrations 0001 and 0006,
and the database rules of 0009) created again on the new one, where PostgreSQL clones
them onto every partition. A partitioned table's keys must hold the partition key: the
primary key becomes ``(id, at)`` and the chain's uniqueness ``(case_id, seq, at)`` —
which, with the trust trigger admitting only the case's head + 1, still keeps each chain
linear — and the outbox's foreign key to a ledger row id is dropped (its rows are written
by the ledger's own trigger). ``at`` gets the server's clock as its default, so a row that
leaves it out is routed by that time (the trigger's own default comes after routing).
Writes to the ledger wait for the conversion: ~90 s per million rows on two busy cores
(docs/performance.md); run it in a quiet hour. SQLite keeps a plain table.
"""
from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OUTBOX_FK = "fk_callback_outbox_ledger_id_case_ledger"


def _triggers(conn) -> list[str]:
    """CREATE statements of the ledger's own triggers (not the internal FK ones)."""
    return list(conn.execute(text(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger"
        " WHERE tgrelid = 'public.case_ledger'::regclass AND NOT tgisinternal"
        " AND tgparentid = 0 ORDER BY tgname")).scalars())


def _set_aside(conn) -> list[str]:
    """Rename the current table and its named objects out of the way; its triggers."""
    triggers = _triggers(conn)
    op.execute(f"ALTER TABLE callback_outbox DROP CONSTRAINT IF EXISTS {OUTBOX_FK}")
    op.execute("ALTER TABLE case_ledger RENAME TO case_ledger_old")
    names = conn.execute(text(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'public.case_ledger_old'::regclass"
        " UNION SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid = 'public.case_ledger_old'::regclass"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)")
    ).scalars().all()
    for name in names:
        kind = "INDEX" if name.startswith("ix_") else "CONSTRAINT"
        if kind == "INDEX":
            op.execute(f'ALTER INDEX "{name}" RENAME TO "{name}_old"')
        else:
            op.execute(f'ALTER TABLE case_ledger_old RENAME CONSTRAINT "{name}" TO "{name}_old"')
    return triggers


def _take_over(triggers: list[str]) -> None:
    op.execute("INSERT INTO case_ledger SELECT * FROM case_ledger_old")
    op.execute("ALTER SEQUENCE case_ledger_id_seq OWNED BY case_ledger.id")
    op.execute("DROP TABLE case_ledger_old")
    for sql in triggers:
        op.execute(sql)


def _keys_and_indexes() -> None:
    op.execute("ALTER TABLE case_ledger ADD CONSTRAINT fk_case_ledger_actor_id_users"
               " FOREIGN KEY (actor_id) REFERENCES users (id)")
    op.execute("ALTER TABLE case_ledger ADD CONSTRAINT fk_case_ledger_case_id_cases"
               " FOREIGN KEY (case_id) REFERENCES cases (id)")
    op.execute("CREATE INDEX ix_case_ledger_at ON case_ledger (at)")
    op.execute("CREATE INDEX ix_case_ledger_actor_at ON case_ledger (actor_id, at)")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from seatdesk.models import ledger_partitions

    triggers = _set_aside(conn)
    op.execute("CREATE TABLE case_ledger (LIKE case_ledger_old INCLUDING DEFAULTS"
               " INCLUDING CONSTRAINTS) PARTITION BY RANGE (at)")
    op.execute("ALTER TABLE case_ledger ALTER COLUMN at SET DEFAULT clock_timestamp()")
    op.execute("ALTER TABLE case_ledger ADD CONSTRAINT pk_case_ledger PRIMARY KEY (id, at)")
    op.execute("ALTER TABLE case_ledger ADD CONSTRAINT uq_case_ledger_case_id_seq_at"
               " UNIQUE (case_id, seq, at)")
    _keys_and_indexes()
    oldest = conn.execute(text("SELECT min(at) FROM case_ledger_old")).scalar()
    ledger_partitions.ensure(conn, since=oldest)
    _take_over(triggers)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    triggers = _set_aside(conn)
    op.execute("CREATE TABLE case_ledger (LIKE case_ledger_old INCLUDING DEFAULTS"
               " INCLUDING CONSTRAINTS)")
    op.execute("ALTER TABLE case_ledger ALTER COLUMN at DROP DEFAULT")
    op.execute("ALTER TABLE case_ledger ADD CONSTRAINT pk_case_ledger PRIMARY KEY (id)")
    op.execute("ALTER TABLE case_ledger ADD CONSTRAINT uq_case_ledger_case_id_seq"
               " UNIQUE (case_id, seq)")
    _keys_and_indexes()
    _take_over(triggers)
    op.execute(f"ALTER TABLE callback_outbox ADD CONSTRAINT {OUTBOX_FK}"
               " FOREIGN KEY (ledger_id) REFERENCES case_ledger (id)")
    # grants and policies of the database rules (migrations/env.py applies them at head only)
    if conn.execute(text("SELECT to_regproc('public.seatdesk_ledger_operator')")).scalar():
        from seatdesk.workflow.dbrules import grants

        grants.apply(conn)
