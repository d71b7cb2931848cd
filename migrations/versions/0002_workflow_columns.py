"""workflow columns: 核实/核查 results, 签收, task assignee, merge count, dispatch kind

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 04:26:34.459757

Columns are added in place (ALTER TABLE ADD COLUMN on both backends: the foreign key
is declared on the new column, so SQLite never recreates ``cases``, which other tables
reference). NOT NULL columns carry a server default so existing rows upgrade.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from seatdesk.models.base import UTCDateTime

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


# Every ledger row appended is announced to other seats at commit (LISTEN seatdesk_cases).
# The case's version equals its ledger seq, so the payload carries both without a lookup
# beyond the case number.
LEDGER_NOTIFY = """
CREATE OR REPLACE FUNCTION seatdesk_ledger_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('seatdesk_cases', json_build_object(
        'id', NEW.case_id,
        'n', (SELECT number FROM cases WHERE id = NEW.case_id),
        'v', NEW.seq,
        's', NEW.to_state,
        'a', NEW.action)::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER case_ledger_notify
    AFTER INSERT ON case_ledger
    FOR EACH ROW EXECUTE FUNCTION seatdesk_ledger_notify();
"""


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('verification', sa.String(length=16), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('verified_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('signed_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('merged_count', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_index('ix_cases_updated_at', ['updated_at'], unique=False)
    _add_task_user_column()

    with op.batch_alter_table('dispatches', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False,
                                      server_default='dispatch'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(LEDGER_NOTIFY)


def _add_task_user_column() -> None:
    """``cases.task_user_id`` → users.id. SQLite cannot ALTER constraints, but it can add a
    column with a REFERENCES clause in place; PostgreSQL adds a named constraint."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE cases ADD COLUMN task_user_id INTEGER '
                   'CONSTRAINT fk_cases_task_user_id_users REFERENCES users (id)')
        return
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cases_task_user_id_users'), 'users',
                                    ['task_user_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS case_ledger_notify ON case_ledger")
        op.execute("DROP FUNCTION IF EXISTS seatdesk_ledger_notify()")
    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        if op.get_bind().dialect.name == 'postgresql':
            batch_op.drop_constraint('fk_cases_task_user_id_users', type_='foreignkey')
        batch_op.drop_index('ix_cases_updated_at')
        batch_op.drop_column('merged_count')
        batch_op.drop_column('task_user_id')
        batch_op.drop_column('signed_at')
        batch_op.drop_column('checked_at')
        batch_op.drop_column('verified_at')
        batch_op.drop_column('verification')
