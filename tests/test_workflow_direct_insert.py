"""``workflow.direct.insert_row``: the registration's case and ledger INSERTs sent on the
session's psycopg connection (PostgreSQL) give the rows SQLAlchemy's ``Connection.execute``
gives for the same values — the same Python-side defaults for the columns left out, the
same bind processing (UTC times, geometry, booleans), the same RETURNING id — and raise
database errors as SQLAlchemy does (``IntegrityError`` with ``.orig``; a lost connection
flagged ``connection_invalidated``, which ``Workflow.write`` retries on, and the pool's
older connections replaced). On SQLite it is ``Connection.execute`` itself.

The planning and the error wrapping are seatdesk's own code over SQLAlchemy's public API
(``models.driver_errors``); the one private call left (``Pool._invalidate``) is pinned."""

from __future__ import annotations

import datetime as dt
import functools
import inspect

import pytest
import shapely
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.pool import Pool

from seatdesk.models import Case, LedgerEntry
from seatdesk.models.db import make_engine
from seatdesk.workflow import direct, newcase
from tests.workflow_fixtures import P1, open_world

POSTGRES_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
AT = dt.datetime(2026, 12, 6, 1, 2, 3, 456789, tzinfo=dt.UTC)


def _case_values(number: str, **more) -> dict:
    return {"number": number, "state": "reported", "source": "patrol", "urgency": "urgent",
            "lon": P1[0], "lat": P1[1], "geom": shapely.Point(P1[0], P1[1]),
            "description": "井盖破损", "reported_at": AT, "callback_wanted": True, **more}


def _row(session, table, row_id: int) -> dict:
    row = session.execute(select(table).where(table.c.id == row_id)).mappings().one()
    return {k: v for k, v in row.items() if k not in ("id", "number", "case_id")}


def test_the_rows_are_those_sqlalchemy_writes_for_the_same_values(make_db):
    world = open_world(make_db("workflow_world"))
    cases, ledger = Case.__table__, LedgerEntry.__table__
    with world.db.Session() as s:
        ours = direct.insert_row(s, insert(cases), _case_values("T-1"))
        theirs = s.connection().execute(insert(cases), _case_values("T-2")
                                        ).inserted_primary_key[0]
        assert isinstance(ours, int) and ours != theirs
        mine, sqlalchemy = _row(s, cases, ours), _row(s, cases, theirs)
        # defaults filled (version 1, zone ''…), times and the point as written
        assert mine["version"] == 1 and mine["zone"] == "" and mine["callback_wanted"] is True
        assert mine["reported_at"] == AT and mine["updated_at"] is not None
        assert shapely.equals(mine["geom"], shapely.Point(P1[0], P1[1]))
        mine.pop("updated_at"), sqlalchemy.pop("updated_at")  # utcnow() per row
        assert mine == sqlalchemy
        entry = {"case_id": ours, "seq": 1, "at": AT, "actor_id": None, "actor_role": "system",
                 "seat": "", "action": "register", "from_state": "", "to_state": "reported",
                 "reason": "", "payload": "{}", "prev_hash": "", "hash": "x" * 64}
        first = direct.insert_row(s, insert(ledger), entry)
        second = s.connection().execute(insert(ledger), {**entry, "case_id": theirs}
                                        ).inserted_primary_key[0]
        assert _row(s, ledger, first) == _row(s, ledger, second)
        s.rollback()


@POSTGRES_ONLY  # psycopg is used on PostgreSQL only (SQLite: Connection.execute)
def test_a_duplicate_is_sqlalchemys_integrity_error(make_db):
    world = open_world(make_db("workflow_world"))
    with world.db.Session() as s:
        direct.insert_row(s, insert(Case.__table__), _case_values("T-9"))
        with pytest.raises(IntegrityError) as caught:
            direct.insert_row(s, insert(Case.__table__), _case_values("T-9"))
        assert caught.value.orig.sqlstate == "23505" and "number" in str(caught.value.orig)
        assert not caught.value.connection_invalidated
        s.rollback()


@POSTGRES_ONLY  # psycopg is used on PostgreSQL only (SQLite: Connection.execute)
def test_a_lost_connection_is_flagged_as_sqlalchemy_flags_it(make_db):
    world = open_world(make_db("workflow_world"))
    with world.db.Session() as s:
        pid = s.scalar(text("SELECT pg_backend_pid()"))
        with world.db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            other.commit()
        with pytest.raises(DBAPIError) as caught:
            direct.insert_row(s, insert(Case.__table__), _case_values("T-10"))
        assert caught.value.connection_invalidated  # Workflow.write runs the unit again
        s.rollback()
    with world.db.Session() as s:  # the pool hands out a working connection again
        assert s.scalar(text("SELECT 1")) == 1


def _failure(act):
    with pytest.raises(DBAPIError) as caught:
        act()
    return caught.value


# each a failure as the database reports it: unique, not-null, foreign-key and length
BAD_CASES = [
    pytest.param("cases", {"number": "T-DUP"}, "23505", id="unique"),
    pytest.param("cases", {"geom": None}, "23502", id="not-null"),
    pytest.param("cases", {"zone": "toolong"}, "22001", id="too-long"),
    pytest.param("ledger", {"case_id": -1}, "23503", id="foreign-key"),
]


@POSTGRES_ONLY  # psycopg is used on PostgreSQL only (SQLite: Connection.execute)
@pytest.mark.parametrize(("table", "bad", "sqlstate"), BAD_CASES)
def test_a_refused_row_raises_what_sqlalchemy_raises(make_db, table, bad, sqlstate):
    """The same exception class, driver exception class, SQLSTATE, statement and
    (processed) parameters as ``Connection.execute`` raises for the same values; the
    connection stays usable (after a rollback to the savepoint)."""
    world = open_world(make_db("workflow_world"))
    with world.db.Session() as s:
        direct.insert_row(s, insert(Case.__table__), _case_values("T-DUP"))
        if table == "cases":
            values = {**_case_values("T-X", updated_at=AT), **bad}  # no utcnow(): alike
            target = insert(Case.__table__)
        else:
            target = insert(LedgerEntry.__table__)
            values = {"case_id": 1, "seq": 1, "at": AT, "actor_id": None,
                      "actor_role": "system", "seat": "", "action": "register",
                      "from_state": "", "to_state": "reported", "reason": "",
                      "payload": "{}", "prev_hash": "", "hash": "x" * 64, **bad}
        caught = []
        for run in (lambda: direct.insert_row(s, target, dict(values)),
                    lambda: s.connection().execute(target, dict(values))):
            point = s.begin_nested()
            caught.append(_failure(run))
            point.rollback()
        mine, theirs = caught
        assert type(mine) is type(theirs) and type(mine.orig) is type(theirs.orig)
        assert isinstance(mine, DataError if sqlstate == "22001" else IntegrityError)
        assert mine.orig.sqlstate == theirs.orig.sqlstate == sqlstate
        assert mine.statement == theirs.statement and mine.params == theirs.params
        assert not mine.connection_invalidated and not theirs.connection_invalidated
        assert s.scalar(text("SELECT 1")) == 1  # the transaction goes on
        s.rollback()


@POSTGRES_ONLY
def test_hidden_parameters_stay_hidden(make_db):
    """An engine made with ``hide_parameters`` shows no values in the error, as
    SQLAlchemy's own wrapping does."""
    world = open_world(make_db("workflow_world"))
    engine = make_engine(world.db.url, hide_parameters=True)
    try:
        with world.db.Session(bind=engine) as s:
            direct.insert_row(s, insert(Case.__table__), _case_values("T-H"))
            caught = _failure(lambda: direct.insert_row(s, insert(Case.__table__),
                                                        _case_values("T-H")))
            assert isinstance(caught, IntegrityError) and caught.hide_parameters
            assert "井盖破损" not in str(caught)
            assert "hidden due to hide_parameters" in str(caught)
            s.rollback()
    finally:
        engine.dispose()


@POSTGRES_ONLY
def test_a_lost_server_replaces_every_older_pooled_connection(make_db):
    """A restarted server took every pooled connection: once one of them fails through
    ``insert_row``, the others are replaced at their next checkout (SQLAlchemy's
    pool-wide invalidation), not handed out to fail in turn — the idle ping is off here
    so that only the invalidation can save them."""
    world = open_world(make_db("workflow_world"))
    engine = make_engine(world.db.url, ping_after_idle=3600.0)
    try:
        first, second = engine.connect(), engine.connect()
        old = {c.scalar(text("SELECT pg_backend_pid()")) for c in (first, second)}
        first.close(), second.close()
        with world.db.engine.connect() as other:
            for pid in old:
                other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            other.commit()
        with world.db.Session(bind=engine) as s:
            caught = _failure(lambda: direct.insert_row(s, insert(Case.__table__),
                                                        _case_values("T-11")))
            assert caught.connection_invalidated and caught.orig is not None
        again = [engine.connect(), engine.connect()]
        new = {c.scalar(text("SELECT pg_backend_pid()")) for c in again}
        assert len(new) == 2 and not new & old
        for c in again:
            c.close()
    finally:
        engine.dispose()


def test_the_pool_private_call_is_as_pinned():
    """``models.driver_errors._invalidate_pool`` calls SQLAlchemy's private
    ``Pool._invalidate(connection, exception=None, _checkin=True)``: if a new SQLAlchemy
    renames it or changes its parameters, this fails before a server restart would."""
    params = list(inspect.signature(Pool._invalidate).parameters)
    assert params == ["self", "connection", "exception", "_checkin"]


# -- the plan: what runs on psycopg directly, what stays with SQLAlchemy ------------------
def _plan(table, keys):
    return direct._make_plan(insert(table), pg_psycopg.dialect(), list(keys))


def _stamp() -> dt.datetime:
    return AT


def _decorated(fn):
    @functools.wraps(fn)
    def inner(ctx):
        return fn(ctx)
    return inner


def test_defaults_of_no_arguments_run_directly_and_the_others_stay_with_sqlalchemy():
    md = MetaData()
    plain = Table("t", md, Column("id", Integer, primary_key=True),
                  Column("a", String(5), default="x"), Column("at", DateTime, default=_stamp),
                  Column("now", DateTime, default=dt.datetime.now))
    plan = _plan(plain, ["id"])
    assert plan is not None
    made = {key: (value() if call else value) for key, value, call in plan.defaults}
    assert made["a"] == "x" and made["at"] == AT and isinstance(made["now"], dt.datetime)
    for default in (lambda ctx: AT, _decorated(lambda ctx: AT)):  # it wants the context
        other = Table("u", MetaData(), Column("id", Integer, primary_key=True),
                      Column("at", DateTime, default=default))
        assert _plan(other, ["id"]) is None


def test_the_registration_inserts_take_the_direct_path():
    """The case's and the ledger row's INSERT (with the keys registration sends) are
    planned: defaults all of the two kinds, a bind processor for each typed column."""
    case_keys = [k for k in _case_values("T") if k != "geom"] + ["geom"]
    case_plan = _plan(Case.__table__, case_keys)
    assert case_plan is not None and case_plan.returning
    processed = {name for name, _ in case_plan.processors}
    assert {"geom", "reported_at", "updated_at"} <= processed
    assert "updated_at" in {key for key, _, call in case_plan.defaults if call}
    assert _plan(LedgerEntry.__table__, newcase.LEDGER_COLUMNS) is not None


@POSTGRES_ONLY
def test_a_refused_role_switch_is_sqlalchemys_error(make_db):
    """``Workflow._set_role`` (the same wrapping, on psycopg's pipeline): an unknown role
    is a ``DBAPIError`` with the driver's error as ``.orig``, the statement and the
    parameters, the connection not invalidated (``write`` does not run it again)."""
    from seatdesk.workflow.context import _SET_ROLE, Workflow

    world = open_world(make_db("workflow_world"))
    wf = Workflow(world.db.engine).acting_as("seatdesk_no_such_role")
    runs = []
    with pytest.raises(DBAPIError) as caught:
        wf.write(lambda s: runs.append(s.scalar(text("SELECT 1"))))
    assert caught.value.orig.sqlstate == "22023" and not caught.value.connection_invalidated
    assert caught.value.statement == _SET_ROLE
    assert caught.value.params == ("seatdesk_no_such_role",) and runs == []
    with world.db.Session() as s:
        assert s.scalar(text("SELECT 1")) == 1


@POSTGRES_ONLY
def test_the_role_switch_fires_the_execute_events(make_db):
    """``Workflow._set_role`` sends its statement itself and fires SQLAlchemy's execute
    events for it when a listener is there (``context._has_execute_events``: SQLAlchemy's
    private ``_has_events`` flags, pinned here): a listener on the engine sees it."""
    from sqlalchemy import Connection, Engine, event

    from seatdesk.workflow.context import _SET_ROLE, Workflow

    assert isinstance(Connection._has_events, bool) and isinstance(Engine._has_events, bool)
    world = open_world(make_db("workflow_world"))
    wf = Workflow(world.db.engine).acting_as("postgres")  # the test server's superuser
    seen = []

    def before(_conn, _cursor, statement, params, _context, _many):
        seen.append(("before", statement, params))

    def after(_conn, _cursor, statement, params, _context, _many):
        seen.append(("after", statement, params))

    event.listen(world.db.engine, "before_cursor_execute", before)
    event.listen(world.db.engine, "after_cursor_execute", after)
    try:
        wf.write(lambda s: s.scalar(text("SELECT 1")))
    finally:
        event.remove(world.db.engine, "before_cursor_execute", before)
        event.remove(world.db.engine, "after_cursor_execute", after)
    role = [(when, params) for when, statement, params in seen if statement == _SET_ROLE]
    assert role == [("before", ("postgres",)), ("after", ("postgres",))]
    assert [when for when, statement, _ in seen if statement == "SELECT 1"] == ["before", "after"]
