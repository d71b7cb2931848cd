"""Migration 0016 (the live KPIs' indexes) on a populated database, both backends: the
upgrade from 0015 makes both indexes; on PostgreSQL they are built without blocking writes
(``CREATE INDEX CONCURRENTLY``; the partitioned ledger's index made ``ON ONLY`` the parent
with every partition's index built concurrently and attached), valid, and an invalid index
a failed concurrent build left behind is built again; the KPI figures are unchanged."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from alembic import command
from sqlalchemy import inspect, text

from seatdesk.data.demo import DemoSpec, build_demo
from seatdesk.evaluation.live import statements
from seatdesk.models.db import alembic_config, make_engine, upgrade

INDEXES = {"cases": "ix_cases_deadline_kpi", "case_ledger": "ix_case_ledger_action_at"}


@pytest.fixture
def at_0015(backend, template_store, tmp_path):
    """A demo city with its case history, taken down to 0015 (built at the head, whose
    models the demo writes)."""
    url = template_store._new_empty(backend, f"sdkpi_{uuid.uuid4().hex[:8]}")
    upgrade(url)
    engine = make_engine(url)
    build_demo(engine, DemoSpec.small())
    command.downgrade(alembic_config(url), "0015")
    yield url, engine
    engine.dispose()


def _names(engine, table: str) -> set[str]:
    return {i["name"] for i in inspect(engine).get_indexes(table)}


def _kpis(engine) -> dict:
    now = dt.datetime.now(dt.UTC)
    with engine.connect() as conn:
        q = statements(engine.dialect.name, now, "Asia/Shanghai")
        return {k: sorted(map(tuple, conn.execute(q[k]).all()), key=repr)
                for k in ("dept_on_time", "callbacks")}


def test_upgrade_makes_the_indexes_and_keeps_the_figures(at_0015):
    url, engine = at_0015
    for table, name in INDEXES.items():
        assert name not in _names(engine, table)
    before = _kpis(engine)
    upgrade(url)
    for table, name in INDEXES.items():
        assert name in _names(engine, table), name
    assert _kpis(engine) == before
    if engine.dialect.name == "postgresql":
        _all_valid_and_attached(engine)
    command.downgrade(alembic_config(url), "0015")  # and back: the downgrade drops them
    for table, name in INDEXES.items():
        assert name not in _names(engine, table)


def _all_valid_and_attached(engine) -> None:
    with engine.connect() as conn:
        invalid = conn.execute(text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE NOT i.indisvalid OR NOT i.indisready")).scalars().all()
        assert invalid == []
        partitions = set(conn.execute(text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'case_ledger'::regclass")).scalars())
        attached = set(conn.execute(text(
            "SELECT t.relname FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid"
            " JOIN pg_class t ON t.oid = x.indrelid"
            " WHERE i.inhparent = 'ix_case_ledger_action_at'::regclass")).scalars())
    assert len(partitions) > 1 and attached == partitions


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_an_invalid_leftover_of_a_failed_build_is_built_again(at_0015):
    """A concurrent build that failed (here: a unique index over duplicates) leaves an
    INVALID index of the name; the upgrade drops it and builds the real one."""
    url, engine = at_0015
    with engine.connect() as conn:  # the month holding most of the demo's ledger
        month = conn.execute(text(
            "SELECT tableoid::regclass::text FROM case_ledger GROUP BY 1"
            " ORDER BY count(*) DESC LIMIT 1")).scalar_one()
    leftovers = {"ix_cases_deadline_kpi": "cases (state)",
                 f"{month}_action_at_idx": f"{month} (action)"}
    raw = engine.execution_options(isolation_level="AUTOCOMMIT")
    for name, on in leftovers.items():
        with raw.connect() as conn:
            with pytest.raises(Exception, match="could not create unique index"):
                conn.execute(text(f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {on}"))
    with engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM pg_index WHERE NOT indisvalid")).scalar() == 2
    upgrade(url)
    _all_valid_and_attached(engine)
    with engine.connect() as conn:
        unique = conn.execute(text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indisunique AND c.relname = ANY(:n)"), {"n": list(leftovers)}).all()
    assert unique == []
