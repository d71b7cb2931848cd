"""intake server: handset sessions, partners, Open311 requests, 12345 work orders and
the callback outbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:50:01

``cases.intake_key``: the idempotency key of a registration (unique; a repeated
registration returns the first one's case). Tables for ``seatdesk serve`` (seatdesk/models/intake.py). Two triggers:

- ``case_ledger_callbacks`` (both backends): a ledger row whose action is listed in
  ``callback_events`` on a case that came in as a 12345 work order queues one
  ``callback_outbox`` row in the same transaction, whoever wrote the ledger row. On
  PostgreSQL the function is SECURITY DEFINER, so seat logins need no right on the
  outbox.
- ``supervisor_positions_notify`` (PostgreSQL): ``NOTIFY seatdesk_positions`` with the
  supervisor's id, so the seats' supervisor layer moves live.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import seatdesk.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

#: ledger actions called back to the 12345 platform, and the event name they carry
CALLBACK_EVENTS = (
    ("accept", "accepted"),
    ("void", "returned"),
    ("refuse_filing", "returned"),
    ("merge", "merged"),
    ("approve_extension", "extended"),
    ("close", "finished"),
)

_QUEUE = """
    INSERT INTO callback_outbox (event_id, work_order_id, ledger_id, event, created_at,
                                 next_attempt_at, attempts, last_status, last_error)
    SELECT wo.order_no || '#' || NEW.seq, wo.id, NEW.id, ce.event, NEW.at, NEW.at, 0, 0, ''
      FROM work_orders wo JOIN callback_events ce ON ce.action = NEW.action
     WHERE wo.case_id = NEW.case_id;
"""

SQLITE_TRIGGER = f"""
CREATE TRIGGER case_ledger_callbacks AFTER INSERT ON case_ledger
BEGIN {_QUEUE}
END
"""

PG_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION seatdesk_ledger_callbacks() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN {_QUEUE}
    RETURN NULL;
END;
$$;
CREATE TRIGGER case_ledger_callbacks AFTER INSERT ON case_ledger
    FOR EACH ROW EXECUTE FUNCTION seatdesk_ledger_callbacks();
CREATE OR REPLACE FUNCTION seatdesk_positions_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('seatdesk_positions', NEW.user_id::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER supervisor_positions_notify AFTER INSERT ON supervisor_positions
    FOR EACH ROW EXECUTE FUNCTION seatdesk_positions_notify();
"""


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("intake_key", sa.String(length=100), nullable=True))
        batch_op.create_index("uq_cases_intake_key", ["intake_key"], unique=True)
    op.create_table('callback_events',
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('action', name=op.f('pk_callback_events'))
    )
    op.create_table('field_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_field_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_events'))
    )
    with op.batch_alter_table('field_events', schema=None) as batch_op:
        batch_op.create_index('ix_field_events_user_id_at', ['user_id', 'at'], unique=False)

    op.create_table('field_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_field_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_field_sessions_token_hash'))
    )
    with op.batch_alter_table('field_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('callback_url', sa.String(length=500), nullable=False),
    sa.Column('callback_secret', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_partners_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('code', name=op.f('uq_partners_code')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_partners_key_hash'))
    )
    op.create_table('partner_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('service_code', sa.String(length=8), nullable=False),
    sa.Column('media_url', sa.String(length=500), nullable=False),
    sa.Column('created_at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_partner_requests_case_id_cases')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_requests_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_requests')),
    sa.UniqueConstraint('case_id', name=op.f('uq_partner_requests_case_id')),
    sa.UniqueConstraint('partner_id', 'external_id', name=op.f('uq_partner_requests_partner_id_external_id')),
    sa.UniqueConstraint('token', name=op.f('uq_partner_requests_token'))
    )
    op.create_table('work_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('order_no', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('due_at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_work_orders_case_id_cases')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_work_orders_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('case_id', name=op.f('uq_work_orders_case_id')),
    sa.UniqueConstraint('partner_id', 'order_no', name=op.f('uq_work_orders_partner_id_order_no'))
    )
    op.create_table('callback_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=80), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('ledger_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.Column('created_at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('delivered_at', seatdesk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ledger_id'], ['case_ledger.id'], name=op.f('fk_callback_outbox_ledger_id_case_ledger')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_callback_outbox_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_callback_outbox_event_id'))
    )
    with op.batch_alter_table('callback_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_callback_outbox_delivered_at_next_attempt_at', ['delivered_at', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_callback_outbox_work_order_id'), ['work_order_id'], unique=False)

    op.bulk_insert(sa.table("callback_events", sa.column("action"), sa.column("event")),
                   [{"action": a, "event": e} for a, e in CALLBACK_EVENTS])
    if _pg():
        op.execute(PG_TRIGGERS)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if _pg():
        op.execute("DROP TRIGGER IF EXISTS case_ledger_callbacks ON case_ledger")
        op.execute("DROP FUNCTION IF EXISTS seatdesk_ledger_callbacks()")
        op.execute("DROP TRIGGER IF EXISTS supervisor_positions_notify ON supervisor_positions")
        op.execute("DROP FUNCTION IF EXISTS seatdesk_positions_notify()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_ledger_callbacks")
    with op.batch_alter_table('callback_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_outbox_work_order_id'))
        batch_op.drop_index('ix_callback_outbox_delivered_at_next_attempt_at')

    op.drop_table('callback_outbox')
    op.drop_table('work_orders')
    op.drop_table('partner_requests')
    op.drop_table('partners')
    with op.batch_alter_table('field_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_sessions_user_id'))

    op.drop_table('field_sessions')
    with op.batch_alter_table('field_events', schema=None) as batch_op:
        batch_op.drop_index('ix_field_events_user_id_at')

    op.drop_table('field_events')
    op.drop_table('callback_events')
    with op.batch_alter_table("cases", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("uq_cases_intake_key")
    if _pg():
        op.drop_column("cases", "intake_key")
    else:
        op.execute("ALTER TABLE cases DROP COLUMN intake_key")
