"""database trust: per-operator logins, the transition table in the database

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00

Adds what the database needs to enforce the workflow's rules itself (docs/security.md):
``users.db_login`` (the operator's own PostgreSQL login role), ``users.partner`` (a
partner system's account), ``workflow_transitions``
(``seatdesk/workflow/states.py`` as rows) and ``security_config`` (the prefix of this
database's login roles). The roles, grants, row-level security, trigger functions and
the rows of ``workflow_transitions`` are not written here: ``seatdesk db upgrade``
(re)applies them after every migration run from ``seatdesk/workflow/dbrules/``, so they
always match the code that runs (see migrations/env.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("db_login", sa.String(length=63), nullable=True))
        batch_op.add_column(sa.Column("partner", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_index("ix_users_db_login", "users", ["db_login"], unique=True)
    op.create_table(
        "workflow_transitions",
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("target", sa.String(length=24), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("action", "source", "target", "role",
                                name=op.f("pk_workflow_transitions")),
    )
    op.create_table(
        "security_config",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login_prefix", sa.String(length=40), nullable=False),
        sa.Column("database", sa.String(length=63), nullable=False),
        sa.Column("intake_login", sa.String(length=63), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_security_config_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_config")),
    )


def downgrade() -> None:
    # PostgreSQL: the trigger functions, policies and grants reference these tables;
    # seatdesk.workflow.dbrules.remove() takes them away first
    if op.get_bind().dialect.name == "postgresql":
        from seatdesk.workflow.dbrules import remove

        remove(op.get_bind())
    op.drop_table("security_config")
    op.drop_table("workflow_transitions")
    op.drop_index("ix_users_db_login", table_name="users")
    op.drop_column("users", "partner")
    op.drop_column("users", "db_login")  # native DROP COLUMN (SQLite ≥ 3.35): no table copy
