"""handover_acks: 交接班确认 as an append-only table instead of a settings JSON log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00

Until now the incoming shift lead's acknowledgements were a JSON list under the settings
key ``"handover_log"`` (at most 500, rewritable). A command centre needs them as an
audit record: one row per acknowledgement, unique per (sheet, lead), and on PostgreSQL
a trigger refuses UPDATE, DELETE and TRUNCATE the way 0001 guards ``case_ledger``.
The old log is moved into the table (summary ``"{}"``, sheet times NULL: the log did not
record them; entries of users that no longer exist and repeated (sheet, lead) pairs are
skipped, the first one kept) and the settings row is deleted. Downgrade drops the table.
"""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

import seatdesk.models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LEGACY_KEY = "handover_log"

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION seatdesk_handover_acks_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'handover_acks is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER handover_acks_append_only
    BEFORE UPDATE OR DELETE ON handover_acks
    FOR EACH ROW EXECUTE FUNCTION seatdesk_handover_acks_append_only();
CREATE TRIGGER handover_acks_no_truncate
    BEFORE TRUNCATE ON handover_acks
    FOR EACH STATEMENT EXECUTE FUNCTION seatdesk_handover_acks_append_only();
"""


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    acks = op.create_table(
        "handover_acks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.String(length=40), nullable=False),
        sa.Column("generated_at", seatdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shift_end", seatdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=False),
        sa.Column("at", seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["users.id"],
                                name=op.f("fk_handover_acks_acknowledged_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_acks")),
        sa.UniqueConstraint("sheet_id", "acknowledged_by_id",
                            name=op.f("uq_handover_acks_sheet_id_acknowledged_by_id")),
    )
    with op.batch_alter_table("handover_acks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_acks_at"), ["at"], unique=False)
    _move_legacy_log(acks)
    if _pg():
        op.execute(APPEND_ONLY)


def _move_legacy_log(acks: sa.Table) -> None:
    """Copy the settings JSON log into the table, oldest first, then delete the key."""
    conn = op.get_bind()
    value = conn.execute(sa.text("SELECT value FROM settings WHERE key = :key"),
                         {"key": LEGACY_KEY}).scalar()
    if value is None:
        return
    users = set(conn.execute(sa.text("SELECT id FROM users")).scalars())
    rows = _legacy_rows(json.loads(value) or [], users)
    if rows:
        conn.execute(acks.insert(), rows)
    conn.execute(sa.text("DELETE FROM settings WHERE key = :key"), {"key": LEGACY_KEY})


def _legacy_rows(entries: list[dict], users: set[int]) -> list[dict]:
    rows, seen = [], set()
    for entry in entries:
        key = (str(entry["sheet_id"]), int(entry["user_id"]))
        if key[1] not in users or key in seen:
            continue
        seen.add(key)
        at = dt.datetime.fromisoformat(entry["at"])
        rows.append({"sheet_id": key[0], "acknowledged_by_id": key[1],
                     "at": at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc),
                     "note": entry.get("note") or "", "summary": "{}",
                     "generated_at": None, "shift_end": None})
    return rows


def downgrade() -> None:
    if _pg():
        op.execute("DROP TRIGGER IF EXISTS handover_acks_append_only ON handover_acks")
        op.execute("DROP TRIGGER IF EXISTS handover_acks_no_truncate ON handover_acks")
        op.execute("DROP FUNCTION IF EXISTS seatdesk_handover_acks_append_only()")
    with op.batch_alter_table("handover_acks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_acks_at"))
    op.drop_table("handover_acks")
