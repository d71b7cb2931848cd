"""case sources as reference data, 回访 after 结案, a 紧急 limit for every condition

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00

- ``case_sources``: the case sources (案件来源) become data an administrator enables,
  renames and orders, with two rules per source: ``public`` (a report from the public:
  漏报, 监督举报率) and ``needs_verification`` (核实 before 受理). Seeded with the sources
  the application shipped as code until now, plus 12345政务服务便民热线 (public, 核实).
- 回访: ``case_reporters.callback_due`` (the caller of a closed case still waits for the
  callback they asked for; partial index for the 待回访 box), ``callback_outcome`` and
  ``callback_attempts``. Callers already marked as called back get the outcome their
  ``satisfied`` flag says; callers of closed cases still waiting become due. (The
  reporters are a projection of the ledger's 回访 rows, like ``dispatches``; no case row
  changes, so ``seatdesk ledger verify`` still replays every case.)
- ``time_limits.is_default``: a limit derived by rule, to be reviewed. Every active filing
  condition that has a normal limit for a zone but no 紧急 one that applies there (for
  that zone or for every zone) gets one derived by the
  rule of ``seatdesk.data.limits.derived_urgent_limit`` (copied here as it stood), marked
  ``is_default``, so every urgency can be filed.

The 回访 ledger row (action ``callback``) is added to ``callback_events`` (0006), so a case
that came in as a 12345 work order reports its 回访 result back to the platform.

Columns are added and dropped in place (no table is recreated on SQLite).
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: (code, name, sort_order, public = needs 核实) as shipped on 2026-12-01
SOURCES = (
    ("patrol", "监督员巡查", 10, False),
    ("hotline_12345", "12345政务服务便民热线", 20, True),
    ("hotline_12319", "12319热线", 30, True),
    ("mayor_hotline", "市长热线", 40, True),
    ("mayor_mailbox", "市长信箱", 50, True),
    ("media", "民生聚焦", 60, True),
    ("online", "网上投诉", 70, True),
    ("superior", "上级交办", 80, False),
    ("video", "视频", 90, False),
)
_FALSE, _TRUE = sa.false(), sa.true()


def upgrade() -> None:
    sources = op.create_table(
        "case_sources",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("needs_verification", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_case_sources")),
    )
    op.bulk_insert(sources, [
        {"code": code, "name": name, "enabled": True, "sort_order": order, "public": public,
         "needs_verification": public} for code, name, order, public in SOURCES])
    with op.batch_alter_table("case_reporters", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("callback_due", sa.Boolean(), nullable=False,
                                      server_default=_FALSE))
        batch_op.add_column(sa.Column("callback_outcome", sa.String(length=20), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("callback_attempts", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.create_index("ix_case_reporters_callback_due", "case_reporters", ["case_id"],
                    unique=False, postgresql_where=sa.text("callback_due"),
                    sqlite_where=sa.text("callback_due = 1"))
    with op.batch_alter_table("time_limits", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("is_default", sa.Boolean(), nullable=False,
                                      server_default=_FALSE))
    _callbacks_so_far()
    _urgent_limits()
    # the 12345 platform hears the 回访 result too (0006's outbox, one row of data)
    op.execute("INSERT INTO callback_events (action, event) VALUES ('callback', 'callback')")


def _callbacks_so_far() -> None:
    op.execute("UPDATE case_reporters SET callback_attempts = 1, callback_outcome = CASE "
               "WHEN satisfied THEN 'satisfied' WHEN NOT satisfied THEN 'dissatisfied' "
               "ELSE 'satisfied' END WHERE called_back_at IS NOT NULL")
    op.execute("UPDATE case_reporters SET callback_due = " + _bool(True) + " WHERE "
               "callback_wanted AND called_back_at IS NULL AND case_id IN "
               "(SELECT id FROM cases WHERE state = 'closed')")


def _bool(value: bool) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "true" if value else "false"
    return "1" if value else "0"


# -- the 紧急 limit rule as it stood (seatdesk.data.limits.derived_urgent_limit) ----------
_HOURS = {"working_minutes": Decimal(1) / 60, "working_hours": Decimal(1),
          "working_days": Decimal(8), "natural_minutes": Decimal(1) / 60,
          "natural_hours": Decimal(1), "natural_days": Decimal(24)}
_STEPS = (Decimal("0.5"), Decimal(1), Decimal(2), Decimal(4), Decimal(8), Decimal(24))


def _urgent(value: Decimal, unit: str) -> tuple[Decimal, str]:
    hours = Decimal(value) * _HOURS[unit]
    if hours <= _STEPS[0]:
        return Decimal(value), unit.replace("working_", "natural_")
    step = max(h for h in _STEPS if h <= max(hours / 4, _STEPS[0]))
    return (Decimal(30), "natural_minutes") if step < 1 else (step, "natural_hours")


def _urgent_limits() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT t.condition_id, t.zone, t.value, t.unit FROM time_limits t "
        "JOIN filing_conditions c ON c.id = t.condition_id "
        "WHERE t.urgency = 'normal' AND NOT EXISTS (SELECT 1 FROM time_limits u "
        "WHERE u.condition_id = t.condition_id AND u.zone IN (t.zone, '') "
        "AND u.urgency = 'urgent') "
        "ORDER BY t.condition_id, t.zone")).all()
    table = sa.table("time_limits", sa.column("condition_id", sa.Integer()),
                     sa.column("urgency", sa.String()), sa.column("zone", sa.String()),
                     sa.column("value", sa.Numeric(10, 2)), sa.column("unit", sa.String()),
                     sa.column("is_default", sa.Boolean()))
    values = []
    for condition_id, zone, value, unit in rows:
        amount, urgent_unit = _urgent(value, unit)
        values.append({"condition_id": condition_id, "urgency": "urgent", "zone": zone,
                       "value": amount, "unit": urgent_unit, "is_default": True})
    if values:
        op.bulk_insert(table, values)


def downgrade() -> None:
    op.execute("DELETE FROM callback_events WHERE action = 'callback'")
    op.execute("DELETE FROM time_limits WHERE is_default AND urgency = 'urgent'"
               if op.get_bind().dialect.name == "postgresql" else
               "DELETE FROM time_limits WHERE is_default = 1 AND urgency = 'urgent'")
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): no table is recreated
    op.drop_column("time_limits", "is_default")
    op.drop_index("ix_case_reporters_callback_due", table_name="case_reporters")
    op.drop_column("case_reporters", "callback_attempts")
    op.drop_column("case_reporters", "callback_outcome")
    op.drop_column("case_reporters", "callback_due")
    op.drop_table("case_sources")
