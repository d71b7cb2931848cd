"""Alembic environment: one set of revisions for SQLite and PostgreSQL/PostGIS."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from seatdesk.models import Base, ledger_partitions
from seatdesk.models.case_search import is_search_table
from seatdesk.models.db import make_engine
from seatdesk.models.geometry import GeometryType

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):
    # PostGIS' own tables and the ledger trigger's helpers are not ours to manage
    if type_ == "table" and (name in {"spatial_ref_sys"} or is_search_table(name)):
        return False
    dialect = context.get_bind().dialect.name
    if not ledger_partitions.compared(name, type_, dialect):
        return False  # the ledger's partitions and partitioned keys (migration 0013)
    if type_ == "index" and (postgresql_only(obj) or postgresql_only(compare_to)):
        # GIST, trigram and pattern indexes exist on PostgreSQL only
        return dialect == "postgresql"
    return True


def postgresql_only(obj) -> bool:
    ddl_if = getattr(obj, "_ddl_if", None)
    return ddl_if is not None and ddl_if.dialect == "postgresql"


def compare_type(context_, inspected_column, metadata_column, inspected_type, metadata_type):
    if isinstance(metadata_type, GeometryType):
        return False  # reflected as geometry (PG) or BLOB (SQLite): both are what we declared
    return None  # default comparison


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
        compare_type=compare_type,
    )
    with context.begin_transaction():
        context.run_migrations()
        _apply_rules(connection)
    if connection.in_transaction():  # SQLite: alembic left our writes in an open transaction
        connection.commit()


def _apply_rules(connection) -> None:
    """After the schema is at head: the roles, grants, policies, trigger functions and the
    transition table of the code that runs (``seatdesk.workflow.dbrules``), every time."""
    if context.get_context().get_current_revision() != context.get_head_revision():
        return
    from seatdesk.workflow.dbrules import apply

    apply(connection)


if context.is_offline_mode():
    raise SystemExit("seatdesk migrations run online only: use `seatdesk db upgrade`")
run_migrations_online()
