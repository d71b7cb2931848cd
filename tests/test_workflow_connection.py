"""The action path and the database connection: the values it reads equal the ORM's on
both backends, a connection the server dropped is replaced without losing or doubling
an action, and a database that stays away gives a clear error and changes nothing."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from seatdesk.models import Case, LedgerEntry
from seatdesk.models.db import make_engine
from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import caserow
from seatdesk.workflow import services as sd
from seatdesk.workflow.ledger import verify_ledger
from tests.dbtemplates import pg_base_url
from tests.workflow_fixtures import (
    World,
    case_row,
    world_fixture,  # noqa: F401 (fixture)
)

PG = pytest.mark.parametrize("backend", ["postgresql"])


def test_action_path_reads_what_the_orm_reads(world):
    """SQLite runs the Core statements, PostgreSQL the compiled ones on the driver
    connection: both must give every column with the ORM's types."""
    w = world
    ref = w.drive.to(S.DISPATCHED)
    with w.db.Session() as s:
        orm = s.get(Case, ref.id)
        found = caserow.load(s, w.users["water"], w.dept["SW"], ref.id)
        record, role, active, dept_id, _kind = found
        for name in caserow._NAMES:
            assert getattr(record, name) == getattr(orm, name), name
            assert type(getattr(record, name)) is type(getattr(orm, name)), name
        assert (role, active, dept_id) == ("department", True, w.dept["SW"])
        assert record.deadline_at.tzinfo is not None
        assert record.deadline_at.utcoffset() == dt.timedelta(0)
        assert isinstance(record.limit_value, Decimal)
        assert caserow.load(s, w.users["water"], None, 10**9) is None


def _kill_connections(database: str, *spare) -> None:
    """Terminate every server process on ``database`` (what a server restart does); the
    ``spare`` engines (the test's own readers) are then emptied so only the engine under
    test meets dead connections."""
    admin = create_engine(make_url(pg_base_url()).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": database}).scalar()
    admin.dispose()
    assert killed >= 1
    for engine in spare:
        engine.dispose()


def _unpinged_workflow(w: World) -> tuple[sd.Workflow, list]:
    """A workflow whose pool never pings (so a dead pooled connection reaches the first
    statement) and a list that grows with every new server connection."""
    engine = make_engine(w.db.url, ping_after_idle=3600)
    connects: list = []
    event.listen(engine, "connect", lambda *_: connects.append(1))
    return sd.Workflow(engine, clock=w.clock, cache_seconds=0), connects


@PG
def test_action_after_a_dropped_connection_runs_once_on_a_new_one(world):
    w = world
    ref = w.drive.to(S.DISPATCHED, sign=False)
    wf, connects = _unpinged_workflow(w)
    try:
        ref = w.drive.do(ref, lambda _wf, *a, **k: sd.sign(wf, *a, **k), "water")
        assert len(connects) == 1
        _kill_connections(make_url(w.db.url).database, w.db.engine)
        change = sd.request_extension(wf, w.a("water"), ref.id, ref.version, value=1,
                                      unit="working_days", reason="管材待货")
        assert len(connects) == 2  # the dead one was replaced, the action retried
        assert change.new_state == S.EXTENSION_REQUESTED and change.version == ref.version + 1
        with w.db.Session() as s:
            actions = s.scalars(select(LedgerEntry.action).where(LedgerEntry.case_id == ref.id)
                                .order_by(LedgerEntry.seq)).all()
            assert actions.count("request_extension") == 1
            assert verify_ledger(s, [ref.id]) == []
    finally:
        wf.engine.dispose()


@PG
def test_registration_after_a_dropped_connection_creates_one_case(world):
    w = world
    w.drive.register()  # the world's engine has a pooled connection now
    wf, connects = _unpinged_workflow(w)
    try:
        sd.register(wf, w.a("acceptor"), sd.Report("patrol", 119.4845, 31.4165,
                                                   class_id=w.cls["井盖"]))
        with w.db.Session() as s:
            before = s.scalar(select(func.count()).select_from(Case))
        _kill_connections(make_url(w.db.url).database, w.db.engine)
        change = sd.register(wf, w.a("acceptor"), sd.Report("patrol", 119.4845, 31.4165,
                                                            class_id=w.cls["井盖"]))
        assert len(connects) == 2
        with w.db.Session() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == before + 1
            assert s.get(Case, change.case_id).state == S.REPORTED
    finally:
        wf.engine.dispose()


@PG
def test_idle_pooled_connection_is_pinged_and_replaced(world):
    """Pinging at checkout only after idling is what keeps a seat that sat still through a
    server restart from failing its next read; without it the read fails."""
    w = world
    database = make_url(w.db.url).database
    for ping_after, survives in ((0.0, True), (3600.0, False)):
        engine = make_engine(w.db.url, ping_after_idle=ping_after)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            _kill_connections(database)
            if survives:
                with engine.connect() as conn:
                    assert conn.execute(text("SELECT 2")).scalar() == 2
            else:
                with pytest.raises(OperationalError) as info, engine.connect() as conn:
                    conn.execute(text("SELECT 2"))
                assert info.value.connection_invalidated
        finally:
            engine.dispose()


@PG
def test_database_that_stays_away_fails_the_action_and_changes_nothing(world):
    w = world
    ref = w.drive.to(S.DISPATCHED, sign=False)
    before = case_row(w, ref.id)
    database = make_url(w.db.url).database
    admin = create_engine(make_url(pg_base_url()).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    wf, _connects = _unpinged_workflow(w)
    try:
        with wf.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
        _kill_connections(database)
        with pytest.raises(OperationalError):
            sd.sign(wf, w.a("water"), ref.id, ref.version)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        wf.engine.dispose()
    w.db.engine.dispose()
    assert case_row(w, ref.id) == before


@PG
def test_connection_lost_during_commit_is_reported_as_uncertain(world):
    """COMMIT sent on a connection the server has just dropped: the engine cannot know
    whether the action landed, so it says so instead of retrying or claiming either way.
    Here the server had rolled it back: nothing changed and the same action succeeds."""
    w = world
    ref = w.drive.to(S.DISPATCHED, sign=False)
    before = case_row(w, ref.id)
    wf, _connects = _unpinged_workflow(w)
    admin = create_engine(make_url(pg_base_url()).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")

    def kill_before_commit(conn) -> None:
        pid = conn.connection.driver_connection.info.backend_pid
        with admin.connect() as a:
            a.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            for _ in range(200):  # until the server process is gone
                if not a.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"),
                                {"p": pid}):
                    break
                time.sleep(0.01)

    event.listen(wf.engine, "commit", kill_before_commit)
    try:
        with pytest.raises(sd.CommitUncertain) as info:
            sd.sign(wf, w.a("water"), ref.id, ref.version)
        assert "无法确定操作是否已保存" in str(info.value)
        assert isinstance(info.value.__cause__, OperationalError)
        event.remove(wf.engine, "commit", kill_before_commit)
        assert case_row(w, ref.id) == before
        change = sd.sign(wf, w.a("water"), ref.id, ref.version)  # the seat checks, then redoes
        assert change.version == ref.version + 1
        with w.db.Session() as s:
            assert verify_ledger(s, [ref.id]) == []
    finally:
        if event.contains(wf.engine, "commit", kill_before_commit):
            event.remove(wf.engine, "commit", kill_before_commit)
        admin.dispose()
        wf.engine.dispose()


@PG
def test_an_action_that_commits_by_itself_and_loses_the_connection_is_uncertain(world):
    """On PostgreSQL an action that writes only the case and its ledger row reads outside
    a transaction and commits with its one writing statement (``caserow``: alone). The
    server process dies inside that statement (a trigger of this test ends its own
    backend): whether it landed is unknown to the engine, so it says so — no retry (a
    retry would have met the same trigger and raised the driver's error instead). The
    server rolled it back: nothing changed, and the action succeeds once the trigger is
    gone."""
    w = world
    ref = w.drive.to(S.DISPATCHED, sign=False)
    before = case_row(w, ref.id)
    wf, _connects = _unpinged_workflow(w)
    wf.cache_seconds = 3600
    with wf.reading() as s:  # settings and calendar cached: the action reads nothing else
        wf.settings(s)
        wf.calendar(s)
    with w.db.engine.begin() as conn:
        conn.execute(text(
            "CREATE FUNCTION public.test_die() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$"))
        conn.execute(text(f"CREATE TRIGGER test_die BEFORE UPDATE ON cases FOR EACH ROW"
                          f" WHEN (OLD.id = {ref.id}) EXECUTE FUNCTION public.test_die()"))
    try:
        with pytest.raises(sd.CommitUncertain) as info:
            sd.sign(wf, w.a("water"), ref.id, ref.version)
        assert isinstance(info.value.__cause__, OperationalError)
        assert case_row(w, ref.id) == before
    finally:
        with w.db.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER test_die ON cases"))
            conn.execute(text("DROP FUNCTION public.test_die()"))
    change = sd.sign(wf, w.a("water"), ref.id, ref.version)
    assert change.version == ref.version + 1
    with wf.engine.connect() as conn:  # the pool's connections are back to transactions
        assert conn.connection.driver_connection.autocommit is False
    wf.engine.dispose()
    with w.db.Session() as s:
        assert verify_ledger(s, [ref.id]) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_action_on_a_seats_guarded_engine_answers_a_changed_account_as_the_guard(world):
    """The seat's live-user guard does not ask before a workflow action (its first query
    checks the same record): a deactivated user's action is refused all the same, with the
    guard's ``AccountChanged`` on a guarded engine (the seat signs them out) and
    ``WrongRole`` on an unguarded one (the intake server, scripts)."""
    from seatdesk.workflow import liveuser

    w = world
    ref = w.drive.to(S.DISPATCHED, sign=False)
    wf = sd.Workflow(make_engine(w.db.url), clock=w.clock)
    with w.db.engine.begin() as conn:
        conn.execute(text("UPDATE users SET active = false WHERE id = :u"),
                     {"u": w.users["water"]})
    unguard = liveuser.guard(wf.engine, w.a("water"))
    try:
        with pytest.raises(liveuser.AccountChanged):
            sd.sign(wf, w.a("water"), ref.id, ref.version)
        with pytest.raises(liveuser.AccountChanged), wf.reading() as s:  # reads: the guard
            s.execute(text("SELECT 1"))
    finally:
        unguard()
    with pytest.raises(sd.WrongRole):
        sd.sign(wf, w.a("water"), ref.id, ref.version)
    wf.engine.dispose()
    assert case_row(w, ref.id)["version"] == ref.version
