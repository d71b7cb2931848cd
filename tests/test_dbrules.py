"""The database enforces the rules (PostgreSQL), tested by direct SQL as each group's
operator: what a role may not write is refused; forged ledger rows are refused at INSERT;
a case changes only with its ledger row; row-level security scopes departments,
supervisors and dispatchers; the wall writes nothing. Plus, on both backends: the
transition table in the database equals ``states.py`` and every table has a decision in
``dbrules.grants``."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import inspect, text

from seatdesk.models.case_search import is_search_table
from seatdesk.models.enums import CaseState as S
from seatdesk.workflow import services as sd
from seatdesk.workflow.dbrules import GROUPS, grants, transitions
from seatdesk.workflow.notify import CHANNEL, TASKS_CHANNEL
from tests.dbroles import as_login, make_logins, operator_workflow, refused
from tests.dbtemplates import open_database
from tests.workflow_fixtures import P1, World, open_world

pytestmark = pytest.mark.postgres


# -- both backends ------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_transition_table_in_the_database_equals_states_py(db):
    with db.engine.connect() as conn:
        assert transitions.stored(conn) == transitions.rows()
    assert ("close", "ready_to_close", "closed", "shift_lead") in transitions.rows()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_transition_sync_is_idempotent_and_drops_what_python_no_longer_has(db):
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO workflow_transitions VALUES ('close', 'reported',"
                          " 'closed', 'acceptor')"))
        conn.execute(text("DELETE FROM workflow_transitions WHERE action = 'file'"))
        assert transitions.sync(conn) == (1, 1)
        assert transitions.sync(conn) == (0, 0)
        assert transitions.stored(conn) == transitions.rows()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_every_table_has_a_decision_on_who_may_write_it(db):
    if db.backend == "postgresql":
        with db.engine.connect() as conn:
            tables = grants.schema_tables(conn)
    else:
        # SQLite's FTS5 gram index (migration 0012) is no table anyone grants on
        tables = {t for t in inspect(db.engine).get_table_names() if not is_search_table(t)}
    assert "cases" in tables and "workflow_transitions" in tables
    assert grants.unclassified(tables) == set(), "add the new table to dbrules.grants.TABLES"
    assert set(grants.TABLES) - tables - {"alembic_version"} == set()


# -- PostgreSQL: the fixtures ---------------------------------------------------------------------
@pytest.fixture
def pgw(template_store) -> World:
    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    yield open_world(db)
    db.engine.dispose()
    template_store.drop("postgresql", url)


@pytest.fixture
def logins(pgw) -> dict[str, str]:
    return make_logins(pgw.db)


def _case(w: World, state: str) -> int:
    return w.drive.to(state).id


def _declared(table: str, role: str, privilege: str) -> bool:
    access = grants.TABLES[table]
    return role in {"INSERT": access.insert, "UPDATE": access.update,
                    "DELETE": access.delete}[privilege]


WRITES = {"INSERT": 'INSERT INTO public."{t}" DEFAULT VALUES',
          "UPDATE": 'UPDATE public."{t}" SET {c} = {c} WHERE false',
          "DELETE": 'DELETE FROM public."{t}" WHERE false'}


@pytest.mark.parametrize("role", sorted(GROUPS))
def test_every_write_outside_a_roles_rights_is_refused(pgw, logins, role):
    login = logins[next(n for n, u in _users(pgw).items() if u == role)]
    columns = _first_columns(pgw)
    checked = 0
    with as_login(pgw.db, login) as conn:
        for table in grants.TABLES:
            for privilege, sql in WRITES.items():
                if _declared(table, role, privilege):
                    continue
                why = refused(conn, sql.format(t=table, c=columns[table]))
                assert why and "permission denied" in why, (role, privilege, table, why)
                checked += 1
        assert "permission denied" in refused(conn, "SELECT password_hash FROM users")
        assert "permission denied" in refused(conn, "TRUNCATE case_ledger")
    assert checked >= 30


def _users(w: World) -> dict[str, str]:
    return {name: a.role for name, a in w.actors.items()}


def _first_columns(w: World) -> dict[str, str]:
    with w.db.engine.connect() as conn:
        return {t: conn.execute(text(
            "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)"
            " AND attnum = 1"), {"t": f"public.{t}"}).scalar() for t in grants.TABLES}


def test_the_wall_reads_everything_and_writes_nothing(pgw, logins):
    columns = _first_columns(pgw)
    with as_login(pgw.db, logins["wall"]) as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() > 0
        for table in grants.TABLES:
            for sql in WRITES.values():
                why = refused(conn, sql.format(t=table, c=columns[table]))
                assert why and "permission denied" in why, (table, why)
        for call in ("seatdesk_admin_set_active(1, false)", "seatdesk_set_login_prefix('x')",
                     "seatdesk_gate_failed('admin')"):
            assert "permission denied" in refused(conn, f"SELECT {call}")


# -- the ledger ---------------------------------------------------------------------------------
LEDGER_INSERT = ("INSERT INTO case_ledger (case_id, seq, at, actor_id, actor_role, action,"
                 " from_state, to_state, payload, prev_hash, hash)"
                 " SELECT id, {seq}, {at}, {actor}, {role}, :action, {source}, :target,"
                 " '{{}}', {prev}, {hash} FROM cases WHERE id = :c")


def _forge(conn, case_id: int, action: str, target: str, **parts) -> str | None:
    sql = LEDGER_INSERT.format(**{"seq": "version + 1", "at": "now()", "actor": "NULL",
                                  "role": "NULL", "source": "state", "prev": "NULL",
                                  "hash": "NULL", **parts})
    return refused(conn, sql, {"c": case_id, "action": action, "target": target})


def test_forged_ledger_rows_are_refused_at_insert(pgw, logins):
    w = pgw
    feedback = _case(w, S.FEEDBACK)
    with as_login(w.db, logins["acceptor"]) as conn:
        assert "may not close" in _forge(conn, feedback, "close", S.CLOSED)
        assert "may not" in _forge(conn, feedback, "check_pass", S.READY_TO_CLOSE)
        assert "hashes" in _forge(conn, feedback, "send_check", S.PENDING_CHECK,
                                  hash="repeat('a', 64)")
        assert "hashes" in _forge(conn, feedback, "send_check", S.PENDING_CHECK,
                                  prev="repeat('0', 64)")
        other = w.users["acceptor2"]
        assert "own user" in _forge(conn, feedback, "send_check", S.PENDING_CHECK,
                                    actor=str(other))
        assert "own user" in _forge(conn, feedback, "send_check", S.PENDING_CHECK,
                                    role="'shift_lead'")
        assert "follow the chain" in _forge(conn, feedback, "send_check", S.PENDING_CHECK,
                                            seq="version + 2")
        assert "follow the chain" in _forge(conn, feedback, "send_verification",
                                            S.PENDING_VERIFICATION, source="'reported'")
        assert "clock" in _forge(conn, feedback, "send_check", S.PENDING_CHECK,
                                 at="now() - interval '1 day'")
        # a legal row but for a payload that is not JSON at all
        assert "json" in refused(conn, LEDGER_INSERT.replace("'{{}}'", "'{{no json'").format(
            seq="version + 1", at="now()", actor="NULL", role="NULL", source="state",
            prev="NULL", hash="NULL"), {"c": feedback, "action": "send_check",
                                        "target": S.PENDING_CHECK}).lower()
        # a legal row of its own, but the case itself was not moved with it
        assert "without the case's own update" in _forge(conn, feedback, "send_check",
                                                         S.PENDING_CHECK)


def test_a_ledger_row_of_no_case_is_refused(pgw, logins):
    """The trigger reads the case through the owner's ``seatdesk_case_facts``: a row for
    a case that does not exist is still refused as such."""
    with as_login(pgw.db, logins["acceptor"]) as conn:
        assert "no case" in refused(conn, (
            "INSERT INTO case_ledger (case_id, seq, at, action, from_state, to_state, payload)"
            " VALUES (987654, 1, now(), 'register', '', 'reported', '{}')"))


def test_the_owners_case_reads_answer_what_the_readers_of_cases_read(pgw, logins):
    """``dbrules/facts_sql.py`` (migration 0017): the functions the registration and the
    ledger's triggers read ``cases`` through return what a SELECT as the operator returns,
    and only the readers of ``cases`` may call them (not PUBLIC, not the sign-in gate)."""
    from seatdesk.workflow.dbrules import GATE, facts_sql

    w = pgw
    made = sd.register(operator_workflow(w.db, logins["sup1"]), w.a("sup1"),
                       sd.Report("patrol", *P1, intake_key="facts-1"))
    readers = {grants.group(r, None) for r in grants.TABLES["cases"].read} - {None}
    with w.db.engine.connect() as conn:
        for fn in facts_sql.SIGNATURES:
            allowed = set(conn.execute(text(
                "SELECT r.rolname FROM pg_roles r WHERE has_function_privilege("
                "r.oid, CAST(:f AS regprocedure), 'EXECUTE') AND r.rolname LIKE 'seatdesk%'"
                " AND NOT r.rolsuper"), {"f": f"public.{fn}"}).scalars())
            assert readers <= allowed and GATE not in allowed, fn
            public = conn.execute(text(
                "SELECT bool_or(a.grantee = 0) FROM pg_proc p, aclexplode(p.proacl) a"
                " WHERE p.oid = CAST(:f AS regprocedure)"), {"f": f"public.{fn}"}).scalar()
            assert not public, fn
    with as_login(w.db, logins["sup2"]) as conn:
        facts = conn.execute(text("SELECT * FROM seatdesk_case_facts(:c)"),
                             {"c": made.case_id}).one()
        direct = conn.execute(text("SELECT number, ledger_since, ledger_seq FROM cases"
                                   " WHERE id = :c"), {"c": made.case_id}).one()
        assert tuple(facts) == tuple(direct)
        assert tuple(conn.execute(text("SELECT * FROM seatdesk_case_facts(-1)")).one()) \
            == (None, None, None)
        replay = conn.execute(text("SELECT * FROM seatdesk_intake_replay('facts-1')")).one()
        assert (replay.id, replay.number, replay.version, replay.actor_id) == (
            made.case_id, made.number, 1, w.users["sup1"])
        assert conn.execute(text("SELECT count(*) FROM seatdesk_intake_replay('none')"
                                 )).scalar() == 0
        # the duplicate search's near query, as the owner: the same rows in the same order
        from seatdesk.models.spatial import degree_box
        from seatdesk.models.spatial_postgis import (
            _cases_near_function,
            near_query_of_candidates,
            near_query_of_cases,
        )
        from seatdesk.workflow.duplicates import CANDIDATE_STATES

        for radius in (5.0, 50.0, 5000.0):
            box = degree_box(P1[0], P1[1], radius)
            params = {"lon": P1[0], "lat": P1[1], "radius": radius, "min_lon": box.min_lon,
                      "min_lat": box.min_lat, "max_lon": box.max_lon, "max_lat": box.max_lat,
                      "values": list(CANDIDATE_STATES)}
            direct = conn.execute(near_query_of_cases(), params).all()
            assert conn.execute(_cases_near_function(), params).all() == direct
            # the duplicate search's candidates (migration 0019): the same rows in the
            # same order, with the columns it scores them by, as the operator reads them
            wide = conn.execute(near_query_of_candidates(), params).all()
            assert [r.id for r in wide] == [r.id for r in direct]
            assert conn.execute(text(
                "SELECT * FROM seatdesk_case_candidates(:lon, :lat, :radius, :min_lon,"
                " :min_lat, :max_lon, :max_lat, CAST(:values AS text[]))"), params).all() == wide
        assert direct


def test_one_connection_acting_for_several_supervisors_registers_and_replays(pgw, logins):
    """The server's pooled connection switches role per report (``acting_as``): the
    first statement's replay check and the triggers' reads, planned once as the owner,
    hold for each supervisor in turn (each report its own case and ledger row, a retry
    returns the case, another supervisor's key is refused)."""
    from seatdesk.models.db import make_engine
    from seatdesk.workflow.errors import InvalidArgument
    from seatdesk.workflow.ledger_verify import verify_ledger

    w = pgw
    engine = make_engine(w.db.url, pool_size=1, max_overflow=0)
    server = sd.Workflow(engine, cache_seconds=30)
    made = {}
    try:
        for turn in range(3):
            for name in ("sup1", "sup2"):
                report = sd.Report("patrol", *P1, intake_key=f"{name}-{turn}")
                made[name, turn] = sd.register(server.acting_as(logins[name]), w.a(name),
                                               report)
                again = sd.register(server.acting_as(logins[name]), w.a(name), report)
                assert again.replayed and again.case_id == made[name, turn].case_id
        with pytest.raises(InvalidArgument):
            sd.register(server.acting_as(logins["sup2"]), w.a("sup2"),
                        sd.Report("patrol", *P1, intake_key="sup1-0"))
    finally:
        engine.dispose()
    with w.db.Session() as s:
        actors = dict(s.execute(text(
            "SELECT case_id, actor_id FROM case_ledger WHERE case_id = ANY(:ids)"),
            {"ids": [c.case_id for c in made.values()]}).all())
        assert verify_ledger(s, list(actors)) == []
    assert len(actors) == 6
    for (name, _turn), change in made.items():
        assert actors[change.case_id] == w.users[name]


def test_migration_0017_down_and_up_keeps_the_triggers_working(pgw, logins):
    """Downgraded to 0016 the triggers read ``cases`` themselves again and the owner's
    functions are gone: a legal row still passes the operator's checks (and meets the
    deferred check of the case's own update), a row of no case is still refused;
    upgraded again, the functions are back."""
    from alembic import command

    from seatdesk.models.db import alembic_config, upgrade

    w = pgw
    feedback = _case(w, S.FEEDBACK)
    w.db.engine.dispose()
    command.downgrade(alembic_config(w.db.url), "0016")

    def installed() -> bool:
        with w.db.engine.connect() as conn:
            return conn.execute(text(
                "SELECT to_regprocedure('public.seatdesk_case_facts(integer)') IS NOT NULL"
                " AND to_regprocedure('public.seatdesk_intake_replay(text)') IS NOT NULL"
                )).scalar()

    assert not installed()
    with as_login(w.db, logins["acceptor"]) as conn:
        assert "without the case's own update" in _forge(conn, feedback, "send_check",
                                                         S.PENDING_CHECK)
        assert "no case" in refused(conn, (
            "INSERT INTO case_ledger (case_id, seq, at, action, from_state, to_state, payload)"
            " VALUES (987654, 1, now(), 'register', '', 'reported', '{}')"))
    # the notice reads cases itself too: an operator's legal move is announced with it
    number = _number(w, feedback)
    with _listening(w) as heard:
        with w.db.engine.connect() as conn:
            conn.exec_driver_sql(f'SET ROLE "{logins["acceptor"]}"')
            assert _move_sql(conn, w, feedback, "acceptor", "send_check",
                             S.PENDING_CHECK) is None
            conn.commit()
            conn.exec_driver_sql("RESET ROLE")
    version = _version(w, feedback)
    assert heard == [{"id": feedback, "n": number, "v": version, "s": S.PENDING_CHECK,
                      "a": "send_check"}]
    w.db.engine.dispose()
    upgrade(w.db.url)
    assert installed()


def test_every_ledger_row_is_announced_with_its_cases_number(pgw, logins):
    """``case_ledger_notify`` reads the case's number through the owner's
    ``seatdesk_case_facts`` in a PL/pgSQL assignment (no query of its own): every row,
    an operator's or a trusted writer's, is announced with the case's id, number, seq,
    state and action."""


    w = pgw
    with _listening(w) as heard:
        acceptor = operator_workflow(w.db, logins["acceptor"])
        first = sd.register(acceptor, w.a("acceptor"), sd.Report("patrol", *P1))
        then = sd.accept(acceptor, w.a("acceptor"), first.case_id, first.version)
        acceptor.engine.dispose()
        trusted = sd.void(w.wf, w.a("acceptor"), then.case_id, then.version, reason="重复")
    assert heard == [{"id": c.case_id, "n": first.number, "v": c.version, "s": c.new_state,
                      "a": c.action} for c in (first, then, trusted)]


def test_task_changes_are_announced_on_the_tasks_channel_too(pgw, logins):
    """Migration 0024: a row that can touch a supervisor's task list — a case sent to 核实,
    a task voided — is announced on ``seatdesk_tasks`` as well (the intake server's change
    feed listens there only); a registration or an acceptance is not, and every row is
    still announced on ``seatdesk_cases`` for the seats."""
    w = pgw
    with _listening(w, TASKS_CHANNEL) as tasks, _listening(w) as cases:
        acceptor = operator_workflow(w.db, logins["acceptor"])
        first = sd.register(acceptor, w.a("acceptor"), sd.Report("patrol", *P1))
        sent = sd.send_verification(acceptor, w.a("acceptor"), first.case_id, first.version)
        other = sd.register(acceptor, w.a("acceptor"), sd.Report("patrol", *P1))
        accepted = sd.accept(acceptor, w.a("acceptor"), other.case_id, other.version)
        acceptor.engine.dispose()
        voided = sd.void(w.wf, w.a("acceptor"), sent.case_id, sent.version, reason="无此问题")

    def payload(change, number):
        return {"id": change.case_id, "n": number, "v": change.version,
                "s": change.new_state, "a": change.action}

    assert tasks == [payload(sent, first.number), payload(voided, first.number)]
    assert cases == [payload(first, first.number), payload(sent, first.number),
                     payload(other, other.number), payload(accepted, other.number),
                     payload(voided, first.number)]


@contextlib.contextmanager
def _listening(w: World, channel: str = CHANNEL):
    """The payloads of ``NOTIFY <channel>`` (``seatdesk_cases``) sent while the block runs
    (filled in when it ends)."""
    import json

    import psycopg

    heard: list[dict] = []
    listener = psycopg.connect(w.db.url.replace("postgresql+psycopg://", "postgresql://"),
                               autocommit=True)
    try:
        listener.execute(f'LISTEN "{channel}"')
        yield heard
        listener.execute("SELECT 1")  # (notifications that arrived are read with it)
        heard.extend(json.loads(n.payload) for n in listener.notifies(timeout=0.5))
    finally:
        listener.close()


def _number(w: World, case_id: int) -> str:
    with w.db.engine.connect() as conn:
        return conn.scalar(text("SELECT number FROM cases WHERE id = :c"), {"c": case_id})


def _version(w: World, case_id: int) -> int:
    with w.db.engine.connect() as conn:
        return conn.scalar(text("SELECT version FROM cases WHERE id = :c"), {"c": case_id})


def test_migration_0019_down_and_up_keeps_the_duplicate_search(pgw, logins):
    """Downgraded to 0018 ``seatdesk_case_candidates`` is gone and the other owner's
    functions stay; upgraded again it is back, and a supervisor's registration as their
    own login finds the case before it as a candidate through it."""
    from alembic import command

    from seatdesk.models.db import alembic_config, upgrade
    from seatdesk.workflow.dbrules import facts_sql

    w = pgw

    def installed(signature: str) -> bool:
        with w.db.engine.connect() as conn:
            return conn.execute(text("SELECT to_regprocedure(:f) IS NOT NULL"),
                                {"f": f"public.{signature}"}).scalar()

    w.db.engine.dispose()
    command.downgrade(alembic_config(w.db.url), "0018")
    assert not installed(facts_sql.CANDIDATES_SIGNATURE)
    assert installed("seatdesk_case_facts(integer)")
    w.db.engine.dispose()
    upgrade(w.db.url)
    assert installed(facts_sql.CANDIDATES_SIGNATURE)
    wf = operator_workflow(w.db, logins["sup1"])
    first = sd.register(wf, w.a("sup1"), sd.Report("patrol", *P1, description="井盖缺失"))
    second = sd.register(wf, w.a("sup1"), sd.Report("patrol", *P1, description="井盖缺失"))
    assert first.case_id in {c.case_id for c in second.duplicates}


def test_a_case_changes_only_with_its_ledger_row(pgw, logins):
    w = pgw
    case_id = _case(w, S.DISPATCHED)
    with as_login(w.db, logins["lead"]) as conn:
        assert "without its ledger row" in refused(conn, (
            "UPDATE cases SET caller_phone = '13900000000', version = version + 1,"
            " ledger_seq = ledger_seq + 1 WHERE id = :c"), {"c": case_id})
        assert "one version at a time" in refused(
            conn, "UPDATE cases SET closure_type = 'normal' WHERE id = :c", {"c": case_id})
        assert "one version at a time" in refused(
            conn, "UPDATE cases SET version = version + 2, ledger_seq = ledger_seq + 2"
            " WHERE id = :c", {"c": case_id})
    with as_login(w.db, logins["acceptor"]) as conn:
        assert "without its ledger row" in refused(conn, (
            "INSERT INTO cases (number, state, source, urgency, lon, lat, geom, zone, address,"
            " description, caller_name, caller_phone, callback_wanted, closure_condition,"
            " reported_at, verification, suspended_seconds, rework_count, return_count,"
            " extension_count, merged_count, pending_request, ledger_head, ledger_seq,"
            " updated_at, version) VALUES ('F1', 'reported', 'patrol', 'normal', 119.48, 31.42,"
            " ST_SetSRID(ST_MakePoint(119.48, 31.42), 4326), '', '', '', '', '', false, '',"
            " now(), '', 0, 0, 0, 0, 0, '', 'x', 1, now(), 1)"))


def test_operators_run_the_loop_and_the_server_names_the_actor(pgw, logins):
    w = pgw
    wf = {name: operator_workflow(w.db, logins[name]) for name in
          ("acceptor", "lead", "dispatcher", "water", "sup1")}
    a = w.actors
    c = sd.register(wf["acceptor"], a["acceptor"], sd.Report("patrol", *P1,
                                                             class_id=w.cls["井盖"]))
    c = sd.accept(wf["acceptor"], a["acceptor"], c.case_id, c.version)
    c = sd.file(wf["lead"], a["lead"], c.case_id, c.version, condition_id=w.cond["井盖"])
    c = sd.dispatch(wf["dispatcher"], a["dispatcher"], c.case_id, c.version,
                    department_id=w.dept["SW"])
    c = sd.sign(wf["water"], a["water"], c.case_id, c.version)
    c = sd.feedback(wf["water"], a["water"], c.case_id, c.version, result="已更换")
    c = sd.send_check(wf["acceptor"], a["acceptor"], c.case_id, c.version,
                      supervisor_id=w.users["sup1"])
    c = sd.check_pass(wf["sup1"], a["sup1"], c.case_id, c.version)
    c = sd.close(wf["lead"], a["lead"], c.case_id, c.version)
    assert c.new_state == S.CLOSED
    with w.db.Session() as s:
        assert sd.verify_ledger(s, [c.case_id]) == []
        rows = s.execute(text("SELECT actor_id FROM case_ledger WHERE case_id = :c"
                              " ORDER BY seq"), {"c": c.case_id}).scalars().all()
    u = w.users
    assert rows == [u[n] for n in ("acceptor", "acceptor", "lead", "dispatcher", "water",
                                   "water", "acceptor", "sup1", "lead")]
    for workflow in wf.values():
        workflow.engine.dispose()


def _move_sql(conn, w: World, case_id: int, who: str, action: str, target: str,
              **also) -> str | None:
    """An operator's legal move of a case, as the engine writes it (one versioned UPDATE
    with the ledger INSERT, the hash computed alike), with ``also`` case columns changed;
    the database's refusal or None."""
    from sqlalchemy.exc import DBAPIError

    from seatdesk.models.base import utcnow
    from seatdesk.models.ledger import canonical_payload, entry_hash
    from seatdesk.workflow import caserow

    number, version, state, head = conn.execute(text(
        "SELECT number, version, state, ledger_head FROM cases WHERE id = :c"),
        {"c": case_id}).one()
    actor, role = w.users[who], w.actors[who].role
    now, payload = utcnow(), canonical_payload({"args": {}, "set": {"state": target}})
    digest = entry_hash(prev_hash=head, case_number=number, seq=version + 1, at=now,
                        actor_id=actor, actor_role=role, seat="", action=action,
                        from_state=state, to_state=target, reason="", payload=payload)
    changed = {"state": target, "version": version + 1, "ledger_seq": version + 1,
               "ledger_head": digest, "updated_at": now, **also}
    sql = caserow._Statement(caserow._move_statement(tuple(sorted(changed))),
                             conn.dialect).sql
    params = {f"u_{k}": v for k, v in changed.items()}
    params.update(_id=case_id, _seen=version, l_seq=version + 1, l_at=now, l_actor_id=actor,
                  l_actor_role=role, l_seat="", l_action=action, l_from_state=state,
                  l_to_state=target, l_reason="", l_payload=payload, l_prev_hash=head,
                  l_hash=digest)
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(sql, params)
            conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
    except DBAPIError as exc:
        return str(exc.orig.diag.message_primary or exc.orig)
    return None


def test_ledger_since_is_set_at_registration_and_no_operator_changes_it(pgw, logins):
    """``cases.ledger_since`` (migration 0014): an operator's registration stores its first
    row's time; a move that changes it, or a new case without it, is refused; a move that
    keeps it passes (the head lookup bounded by it still finds the head)."""
    import datetime as dt

    w = pgw
    wf = operator_workflow(w.db, logins["acceptor"])
    c = sd.register(wf, w.actors["acceptor"], sd.Report("patrol", *P1, class_id=w.cls["井盖"]))
    wf.engine.dispose()
    feedback = _case(w, S.FEEDBACK)
    with w.db.engine.connect() as conn:
        since, first = conn.execute(text(
            "SELECT c.ledger_since, min(l.at) FROM cases c JOIN case_ledger l"
            " ON l.case_id = c.id WHERE c.id = :c GROUP BY c.id"), {"c": c.case_id}).one()
        kept = conn.execute(text("SELECT ledger_since FROM cases WHERE id = :c"),
                            {"c": feedback}).scalar()
    assert since is not None and since == first and kept is not None
    with as_login(w.db, logins["acceptor"]) as conn:
        for moved in (kept + dt.timedelta(seconds=1), kept - dt.timedelta(days=40), None):
            assert "first ledger row" in _move_sql(conn, w, feedback, "acceptor", "send_check",
                                                   S.PENDING_CHECK, ledger_since=moved)
        assert _move_sql(conn, w, feedback, "acceptor", "send_check", S.PENDING_CHECK) is None
        # the same row once more: the head found from ledger_since on is the new one
        assert "follow the chain" in _forge(conn, feedback, "send_check", S.PENDING_CHECK,
                                            source="'feedback'", seq="version")
        assert conn.execute(text("SELECT ledger_since FROM cases WHERE id = :c"),
                            {"c": feedback}).scalar() == kept


def test_the_head_lookup_opens_only_the_months_since_the_first_row(pgw):
    """With old months present, the trigger's head lookup (bounded by ``ledger_since``)
    prunes them at run time: an old month's partition is never scanned."""
    w = pgw
    case_id = _case(w, S.DISPATCHED)
    with w.db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE case_ledger_2001_01 PARTITION OF case_ledger"
                          " FOR VALUES FROM ('2001-01-01 00:00+00') TO ('2001-02-01 00:00+00')"))
        plan = "\n".join(conn.execute(text(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)"
            " SELECT l.seq FROM cases c LEFT JOIN LATERAL (SELECT x.seq FROM case_ledger x"
            " WHERE x.case_id = c.id AND x.at >= coalesce(c.ledger_since, '-infinity')"
            " ORDER BY x.seq DESC LIMIT 1) l ON true WHERE c.id = :c"), {"c": case_id}).scalars())
        function = conn.execute(text(
            "SELECT prosrc FROM pg_proc WHERE proname = 'seatdesk_ledger_operator'")).scalar()
        conn.rollback()
    assert "x.at >= coalesce(c.ledger_since, '-infinity')" in function
    old = [line for line in plan.splitlines() if " on case_ledger_2001_01 " in line]
    scanned = [line for line in plan.splitlines() if "Index Only Scan" in line
               and "never executed" not in line]
    assert old and all("never executed" in line for line in old), plan  # pruned at run time
    assert scanned, plan


def test_the_call_taker_calls_back_as_their_own_login(pgw, logins):
    """回访 (issue 10, item 12) on the call-taker's own login: 无法联系 is recorded,
    不满意 reopens the case to its department (a case row, a dispatch row, a ledger row)."""
    w = pgw
    ref = w.drive.to(S.CLOSED, caller_phone="13800001234", caller_name="张先生",
                     callback_wanted=True)
    acceptor = operator_workflow(w.db, logins["acceptor"])
    c = sd.callback(acceptor, w.a("acceptor"), ref.id, ref.version, outcome="unreachable")
    c = sd.callback(acceptor, w.a("acceptor"), c.case_id, c.version, outcome="dissatisfied",
                    note="井盖仍然松动")
    acceptor.engine.dispose()
    assert c.new_state == S.DISPATCHED
    with w.db.Session() as s:
        assert sd.verify_ledger(s, [c.case_id]) == []
        assert s.execute(text("SELECT satisfied, callback_due FROM case_reporters"
                              " WHERE case_id = :c"), {"c": c.case_id}).one() == (False, False)
        assert s.execute(text("SELECT kind, by_user_id FROM dispatches WHERE case_id = :c"
                              " ORDER BY id DESC LIMIT 1"), {"c": c.case_id}).one() == (
            "rework", w.users["acceptor"])
        assert s.execute(text("SELECT action, actor_id FROM case_ledger WHERE case_id = :c"
                              " ORDER BY seq DESC LIMIT 2"), {"c": c.case_id}).all() == [
            ("callback", w.users["acceptor"])] * 2
    with as_login(w.db, logins["water"]) as conn:  # a department cannot record a 回访
        assert "permission denied" in refused(conn, "UPDATE case_reporters SET satisfied = true")


def test_an_administrator_edits_the_sources_as_their_own_login(pgw, logins):
    from seatdesk.data import admin_sources
    from seatdesk.data.admin import AdminPermissionError
    from seatdesk.models.db import write_transaction
    from tests.dbroles import operator_engine

    w = pgw

    def save(name: str, new: bool):
        engine = operator_engine(w.db, logins[name])
        try:
            with write_transaction(engine) as s:
                return admin_sources.save_source(s, w.a(name), "wechat", "微信公众号",
                                                 enabled=True, public=True,
                                                 needs_verification=True, new=new)
        finally:
            engine.dispose()

    save("admin", True)
    with pytest.raises(AdminPermissionError):
        save("lead", False)
    with as_login(w.db, logins["lead"]) as conn:  # nor by SQL
        assert "permission denied" in refused(conn, "UPDATE case_sources SET enabled = false")
    with w.db.Session() as s:
        assert s.execute(text("SELECT name, enabled FROM case_sources WHERE code = 'wechat'")
                         ).one() == ("微信公众号", True)
        assert s.execute(text("SELECT count(*) FROM setting_changes WHERE key = :k"),
                         {"k": admin_sources.SOURCES_KEY}).scalar() == 1


# -- row-level security -------------------------------------------------------------------------
def test_departments_change_only_their_own_cases(pgw, logins):
    w = pgw
    theirs_ref = w.drive.to(S.DISPATCHED, dept="HW")
    theirs = theirs_ref.id
    ours = w.drive.to(S.DISPATCHED, dept="SW").id
    move = ("UPDATE cases SET signed_at = now() WHERE id = :c RETURNING id")
    with as_login(w.db, logins["water"]) as conn:
        assert conn.execute(text(move), {"c": theirs}).first() is None  # invisible to UPDATE
        assert conn.execute(text("SELECT id FROM cases WHERE id = :c"),
                            {"c": theirs}).first() is not None  # reads are not narrowed
        assert conn.execute(text(
            "UPDATE dispatches SET outcome = 'x' WHERE case_id = :c RETURNING id"),
            {"c": theirs}).first() is None
        assert "row-level security" in refused(conn, (
            "UPDATE cases SET department_id = :d WHERE id = :c"),
            {"c": ours, "d": w.dept["HW"]})
    water = operator_workflow(w.db, logins["water"])
    with pytest.raises(sd.NotYourCase):
        sd.sign(water, w.a("water"), theirs, theirs_ref.version)
    water.engine.dispose()


def test_supervisors_change_only_their_own_or_pooled_tasks(pgw, logins):
    w = pgw
    mine = w.drive.do(w.drive.to(S.FEEDBACK), sd.send_check, "acceptor",
                      supervisor_id=w.users["sup1"]).id
    pooled = w.drive.do(w.drive.to(S.FEEDBACK), sd.send_check, "acceptor").id
    with as_login(w.db, logins["sup2"]) as conn:
        found = conn.execute(text("UPDATE cases SET checked_at = now() WHERE id = ANY(:ids)"
                                  " RETURNING id"), {"ids": [mine, pooled]}).scalars().all()
    assert found == [pooled]


def test_dispatchers_change_cases_held_at_their_own_level(pgw, logins):
    w = pgw
    at_district = w.drive.to(S.AT_DISTRICT).id
    at_city = w.drive.to(S.FILED).id
    touch = "UPDATE cases SET urgency = urgency WHERE id = ANY(:ids) RETURNING id"
    with as_login(w.db, logins["district"]) as conn:
        assert conn.execute(text(touch), {"ids": [at_district, at_city]}).scalars().all() == [
            at_district]
    with as_login(w.db, logins["dispatcher"]) as conn:
        assert conn.execute(text(touch), {"ids": [at_district, at_city]}).scalars().all() == [
            at_city]


# -- accounts -----------------------------------------------------------------------------------
def test_only_an_active_administrator_changes_accounts(pgw, logins):
    w = pgw
    create = ("SELECT seatdesk_admin_create_user('neu', '新人', 'admin', NULL, '', 'x', NULL,"
              " true)")
    with as_login(w.db, logins["lead"]) as conn:
        assert "permission denied" in refused(conn, create)
        assert "permission denied" in refused(conn, "UPDATE users SET role = 'admin'")
    with as_login(w.db, logins["admin"]) as conn:
        assert refused(conn, create) is None
        assert "own account" in refused(conn, "SELECT seatdesk_admin_set_active(:u, false)",
                                        {"u": w.users["admin"]})
    with w.db.engine.begin() as conn:  # the owner adds a second one and demotes the first
        conn.execute(text("SELECT seatdesk_admin_create_user('admin2', '管理员二', 'admin',"
                          " NULL, '', 'x', NULL, true)"))
        conn.execute(text("SELECT seatdesk_admin_update_user(:u, 'x', 'wall', NULL, '')"),
                     {"u": w.users["admin"]})
    with as_login(w.db, logins["admin"]) as conn:
        why = refused(conn, create.replace("'neu'", "'neu2'"))
        assert "permission denied" in why  # no longer in seatdesk_admin
        assert conn.execute(text("SELECT pg_has_role(current_user, 'seatdesk_wall', 'MEMBER')"
                                 )).scalar()


def test_a_deactivated_operator_loses_every_privilege_at_once(pgw, logins):
    w = pgw
    case_id = _case(w, S.REPORTED)
    with w.db.engine.begin() as conn:
        conn.execute(text("SELECT seatdesk_admin_set_active(:u, false)"),
                     {"u": w.users["acceptor"]})
        can_login = conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"),
                                 {"r": logins["acceptor"]}).scalar()
    assert can_login is False
    with as_login(w.db, logins["acceptor"]) as conn:
        assert "permission denied" in refused(conn, "SELECT caller_phone FROM cases")
        assert "permission denied" in refused(
            conn, "UPDATE cases SET urgency = urgency WHERE id = :c", {"c": case_id})


def test_partners_register_reports_from_outside_sources_only(pgw, logins):
    w = pgw
    with w.db.engine.begin() as conn:
        conn.execute(text("SELECT seatdesk_admin_set_partner(:u, true)"),
                     {"u": w.users["acceptor2"]})
    partner = operator_workflow(w.db, logins["acceptor2"])
    a = w.a("acceptor2")
    made = sd.register(partner, a, sd.Report("hotline_12319", *P1, description="来自12345"))
    assert made.new_state == S.REPORTED
    with pytest.raises(Exception, match="row-level security"):
        sd.register(partner, a, sd.Report("patrol", *P1))
    with pytest.raises(Exception, match="permission denied"):
        sd.void(partner, a, made.case_id, made.version, reason="不受理")
    partner.engine.dispose()


def test_the_intake_server_acts_only_as_supervisors_and_partners(pgw, logins, monkeypatch):
    import io

    from sqlalchemy.engine import make_url

    from seatdesk.cli import main
    from seatdesk.models.db import make_engine

    w = pgw
    name = f"intake_{make_url(w.db.url).database}"
    monkeypatch.setattr("sys.stdin", io.StringIO("intake-secret-1\n"))
    assert main(["--database", w.db.url, "db", "intake-login", name, "--password-stdin"]) == 0
    url = make_url(w.db.url).set(username=name, password="intake-secret-1")
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:  # NOINHERIT: only its narrow grants (security.md)
            assert "permission denied" in refused(conn, "SELECT caller_phone FROM cases")
            assert "permission denied" in refused(conn, "SELECT payload FROM case_ledger")
            assert "permission denied" in refused(conn, "UPDATE cases SET urgency = urgency")
        server = sd.Workflow(engine, cache_seconds=0)
        made = sd.register(server.acting_as(logins["sup1"]), w.a("sup1"),
                           sd.Report("patrol", *P1, class_id=w.cls["井盖"]))
        with w.db.engine.connect() as conn:
            actor = conn.execute(text("SELECT actor_id FROM case_ledger WHERE case_id = :c"),
                                 {"c": made.case_id}).scalar()
        assert actor == w.users["sup1"]
        with pytest.raises(Exception, match="permission denied to set role"):
            sd.register(server.acting_as(logins["lead"]), w.a("acceptor"),
                        sd.Report("patrol", *P1))
    finally:
        engine.dispose()


def test_every_operator_reads_every_setting_and_the_administrator_writes_them(pgw, logins):
    """``settings`` has row-level security for the intake login's sake (it reads four rows,
    tests/test_server_intake_login.py): every seat role still reads every row, and the
    administrator still inserts, updates and deletes."""
    with pgw.db.Session.begin() as s:
        s.execute(text("INSERT INTO settings (key, value, description)"
                       " VALUES ('map', '{}', '') ON CONFLICT (key) DO NOTHING"))
        stored = s.execute(text("SELECT count(*) FROM settings")).scalar()
    users = _users(pgw)
    for role in sorted(GROUPS):
        name = next(n for n, u in users.items() if u == role)
        with as_login(pgw.db, logins[name]) as conn:
            assert conn.execute(text("SELECT count(*) FROM settings")).scalar() == stored, role
    admin = next(n for n, u in users.items() if u == "admin")
    with as_login(pgw.db, logins[admin]) as conn:
        for sql in ("INSERT INTO settings (key, value, description) VALUES ('x', '1', '')",
                    "UPDATE settings SET value = '2' WHERE key = 'x'",
                    "DELETE FROM settings WHERE key = 'x'"):
            assert conn.execute(text(sql)).rowcount == 1, sql


def test_every_operator_reads_the_roads_of_the_map_and_the_place_search(pgw, logins):
    """Roads are reference data: every seat (the wall and partners too) reads them on its
    own login — the map's labels, the pick's nearest road, the intake's road search."""
    import shapely
    from sqlalchemy.orm import Session

    from seatdesk.data.road_import import road_row
    from seatdesk.map.roads import nearest_road, roads_named

    with pgw.db.Session.begin() as s:
        s.add(road_row("燕山路", shapely.LineString([(119.48, 31.43), (119.49, 31.43)])))
    users = _users(pgw)
    for role in sorted(GROUPS):
        name = next(n for n, u in users.items() if u == role)
        with as_login(pgw.db, logins[name]) as conn, Session(bind=conn) as s:
            assert [hit.name for hit in roads_named(s, "燕山")] == ["燕山路"], role
            near = nearest_road(s, 119.485, 31.4302, 100)
            assert near is not None and near.name == "燕山路", role


# -- the Open311 reader and the intake login (branch intake7b, migration 0018) ------------------
def _can_execute(w: World, role: str, signature: str) -> bool:
    """Whether ``public.<signature>`` exists and ``role`` may execute it."""
    with w.db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT has_function_privilege(:r, p, 'EXECUTE')"
            " FROM to_regprocedure(:f) p"), {"r": role, "f": f"public.{signature}"}).scalar())


def _down_and_up(w: World, step: str, at_head, downgraded, stepped) -> None:
    """Migration ``step``'s round trip: ``at_head()`` checks the head; downgraded to the
    revision before it ``downgraded()`` checks what that revision had; upgraded to
    ``step`` alone ``stepped()`` checks what the step's own ``upgrade()`` did; upgraded to
    the head ``at_head()`` once more (the engine's pooled connections dropped before each
    migration: they would hold it).

    The stop at ``step`` is what makes the test about the step: every run that reaches the
    head ends with ``dbrules.apply`` (``migrations/env.py``), which installs the functions
    and grants of the code that runs whatever the migrations did — a step whose
    ``upgrade()`` did nothing would pass a check at the head. A run to a revision short of
    the head (``seatdesk db upgrade --revision``) does not apply them; nor does this one
    when ``step`` is the head itself (``apply`` is held back for it)."""
    from alembic import command

    from seatdesk.models.db import alembic_config, upgrade

    config = alembic_config(w.db.url)
    at_head()
    w.db.engine.dispose()
    command.downgrade(config, f"{step}-1")
    downgraded()
    w.db.engine.dispose()
    with pytest.MonkeyPatch.context() as mp:  # (env.py imports it when it runs)
        mp.setattr("seatdesk.workflow.dbrules.apply", lambda conn: None)
        command.upgrade(config, step)
    stepped()
    w.db.engine.dispose()
    upgrade(w.db.url)
    at_head()


def test_migration_0018_down_and_up_narrows_the_open311_reader(pgw):
    """At 0017 the Open311 reader read every ledger row's state change and every
    attachment's id and kind; 0018 takes both away (the owner's functions give what
    Open311 shows); downgraded the grants and not the functions are back, upgraded again
    the other way round. 0018's own upgrade installs the functions (EXECUTE for the
    reader); taking the reads is ``dbrules.apply``'s, at the head (0018's docstring)."""
    from seatdesk.workflow.dbrules import OPEN311_READER

    w = pgw
    reads = ("SELECT case_id, seq, to_state FROM case_ledger",
             "SELECT id, case_id, kind FROM attachments")

    def state() -> tuple[bool, list[str | None]]:
        with w.db.engine.connect() as conn:
            functions = conn.execute(text(
                "SELECT to_regprocedure('public.seatdesk_open311_first_photos(integer[])')"
                " IS NOT NULL AND to_regprocedure('public.seatdesk_callback_photos(integer,"
                " integer)') IS NOT NULL")).scalar()
        with as_login(w.db, OPEN311_READER) as conn:
            return functions, [refused(conn, sql) for sql in reads]

    def at_head() -> None:
        functions, refusals = state()
        assert functions and all("permission denied" in r for r in refusals), refusals

    def downgraded() -> None:
        assert state() == (False, [None, None])

    def stepped() -> None:  # 0018's upgrade installs the functions (the reads are apply's)
        assert _can_execute(w, OPEN311_READER, "seatdesk_open311_first_photos(integer[])")
        assert state()[0]

    _down_and_up(w, "0018", at_head, downgraded, stepped)


def test_migration_0021_down_and_up_narrows_the_intake_logins_users_and_partners(
        pgw, intake):
    """Before 0021 the intake login read every staff member's phone and display name and
    every partner's key hash, and the administrators' group the key hashes too; 0021
    takes them away (a presented key's partner comes from ``seatdesk_partner_by_key``);
    downgraded the reads and not the function are back, upgraded again the other way
    round. 0021's own upgrade installs the function (EXECUTE for the intake login);
    taking the reads is ``dbrules.apply``'s, at the head (0021's docstring)."""
    from seatdesk.workflow.dbrules import GROUPS

    w, name = pgw, intake
    reads = {name: ("SELECT phone, display_name FROM users", "SELECT key_hash FROM partners"),
             GROUPS["admin"]: ("SELECT key_hash FROM partners",)}

    def state() -> tuple[bool, list[str | None]]:
        with w.db.engine.connect() as conn:
            function = conn.execute(text(
                "SELECT to_regprocedure('public.seatdesk_partner_by_key(text)') IS NOT NULL"
            )).scalar()
        found = []
        for role, sqls in reads.items():
            with as_login(w.db, role) as conn:
                found += [refused(conn, sql) for sql in sqls]
        return function, found

    def at_head() -> None:
        function, refusals = state()
        assert function and all("permission denied" in str(r) for r in refusals), refusals

    def downgraded() -> None:
        assert state() == (False, [None, None, None])

    def stepped() -> None:  # 0021's upgrade installs the function (the reads are apply's)
        assert _can_execute(w, name, "seatdesk_partner_by_key(text)")

    _down_and_up(w, "0021", at_head, downgraded, stepped)


def test_migration_0022_down_and_up_narrows_the_intake_logins_field_sessions(
        pgw, intake):
    """Before 0022 the intake login read every column of ``field_sessions``: every live
    handset token's hash; 0022 leaves it ``id`` (a presented token's session comes from
    ``seatdesk_field_session_by_token``); downgraded the read is back and the function
    gone, upgraded again the other way round, by 0022's own upgrade already — and at the
    head the server's token check works on the login's own connection, with its
    password."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from seatdesk.server.auth import digest, field_grant, open_session

    w, name = pgw, intake
    with w.db.Session.begin() as s:
        token, _ = open_session(s, w.users["sup1"], "phone-1", w.wf.now(),
                                dt.timedelta(hours=1))

    def state() -> tuple[bool, bool, list[str | None]]:
        with w.db.engine.connect() as conn:
            function, runs = conn.execute(text(
                "SELECT p IS NOT NULL, p IS NOT NULL AND has_function_privilege(:r, p, 'EXECUTE')"
                " FROM to_regprocedure('public.seatdesk_field_session_by_token(text)') p"),
                {"r": name}).one()
        with as_login(w.db, name) as conn:
            return function, runs, [
                refused(conn, "SELECT token_hash, user_id FROM field_sessions"),
                refused(conn, "SELECT id FROM field_sessions")]

    def checked() -> str:
        engine = _connect_as(w.db.url, name)
        try:
            with Session(engine) as s:
                return field_grant(s, digest(token)).principal.name
        finally:
            engine.dispose()

    def stepped() -> None:  # 0022's upgrade: the function and the login's narrower read
        function, runs, refusals = state()
        assert function and runs and "permission denied" in str(refusals[0]), refusals
        assert refusals[1] is None

    def at_head() -> None:
        stepped()
        assert checked() == "sup1"

    def downgraded() -> None:
        assert state() == (False, False, [None, None])

    _down_and_up(w, "0022", at_head, downgraded, stepped)


def test_migration_0026_down_and_up_gives_a_tokens_check_the_password_flag(pgw, intake):
    """0026 makes ``seatdesk_field_session_by_token`` return whether the supervisor must
    still change the password (a function's result columns cannot change in place: it is
    dropped and made again); downgraded it is 0025's again, upgraded the new one, by
    0026's own upgrade already — EXECUTE for the intake login each time, and at the head
    the server's check on the login's own connection carries the flag."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from seatdesk.server.auth import digest, field_grant, open_session

    w, name = pgw, intake
    with w.db.Session.begin() as s:
        token, _ = open_session(s, w.users["sup1"], "phone-1", w.wf.now(),
                                dt.timedelta(hours=1))
        s.execute(text("UPDATE users SET must_change_password = true WHERE id = :i"),
                  {"i": w.users["sup1"]})

    def state() -> tuple[bool, bool]:
        with w.db.engine.connect() as conn:
            result, runs = conn.execute(text(
                "SELECT pg_get_function_result(p), has_function_privilege(:r, p, 'EXECUTE')"
                " FROM to_regprocedure('public.seatdesk_field_session_by_token(text)') p"),
                {"r": name}).one()
        return "must_change_password" in result, runs

    def stepped() -> None:
        assert state() == (True, True)

    def at_head() -> None:
        stepped()
        engine = _connect_as(w.db.url, name)
        try:
            with Session(engine) as s:
                assert field_grant(s, digest(token)).must_change is True
        finally:
            engine.dispose()

    def downgraded() -> None:
        assert state() == (False, True)

    _down_and_up(w, "0026", at_head, downgraded, stepped)


def test_migration_0023_down_and_up_narrows_the_intake_logins_users(pgw, intake):
    """From 0021 to 0022 the intake login read six columns of ``users``: every staff
    member's user name, role, department and active flag; 0023 leaves it ``id`` and
    ``db_login`` (a principal's login by its user's id: ``server/identity.py``) and makes
    ``seatdesk_partner_by_key`` PL/pgSQL; downgraded the columns are back and the function
    is SQL again, upgraded again the other way round, by 0023's own upgrade already — and
    a presented key's partner is found on the login's own connection, with its password,
    either way."""
    from sqlalchemy.orm import Session

    from seatdesk.server import partners
    from seatdesk.server.auth import partner_principal

    w, name = pgw, intake
    with w.db.Session.begin() as s:
        key = partners.add_partner(s, "pk23", "P23", "hotline12345",
                                   callback_url="http://127.0.0.1/x").api_key
    dropped = ("username", "role", "active", "department_id")

    def state() -> tuple[str, bool, list[str | None]]:
        with w.db.engine.connect() as conn:
            language, runs = conn.execute(text(
                "SELECT l.lanname, has_function_privilege(:r, p.oid, 'EXECUTE')"
                " FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
                " WHERE p.oid = 'public.seatdesk_partner_by_key(text)'::regprocedure"),
                {"r": name}).one()
        with as_login(w.db, name) as conn:
            return language, runs, [refused(conn, f"SELECT {c} FROM users") for c in dropped] + [
                refused(conn, "SELECT id, db_login FROM users")]

    def checked() -> str:
        engine = _connect_as(w.db.url, name)
        try:
            with Session(engine) as s:
                return partner_principal(s, key, "hotline12345").name
        finally:
            engine.dispose()

    def at_head() -> None:
        language, runs, refusals = state()
        assert (language, runs) == ("plpgsql", True)
        assert all("permission denied" in str(r) for r in refusals[:-1]), refusals
        assert refusals[-1] is None
        assert checked() == "pk23"

    def downgraded() -> None:
        assert state() == ("sql", True, [None] * 5)
        assert checked() == "pk23"

    # 0023's upgrade alone: the PL/pgSQL function and the login's narrower read of users
    _down_and_up(w, "0023", at_head, downgraded, stepped=at_head)


def test_migration_0024_down_and_up_announces_task_changes_on_the_tasks_channel(pgw):
    """0024 makes the ledger trigger announce a row that can touch a task list (a case
    sent to 核实) on ``seatdesk_tasks`` as well as on ``seatdesk_cases``; downgraded to
    0023 such a row is announced on ``seatdesk_cases`` only, upgraded again (by 0024's
    own upgrade already) on both."""
    w = pgw
    actor = w.a("acceptor")
    # registered at the head, before any downgrade (this code's registration needs it)
    waiting = [sd.register(w.wf, actor, sd.Report("patrol", *P1)) for _ in range(4)]

    def on_tasks() -> bool:
        """Whether a case sent to 核实 is announced on ``seatdesk_tasks`` (as it is, once, on
        ``seatdesk_cases`` either way)."""
        registered = waiting.pop()
        with _listening(w, TASKS_CHANNEL) as tasks, _listening(w) as cases:
            sent = sd.send_verification(w.wf, actor, registered.case_id, registered.version)
        notice = {"id": sent.case_id, "n": registered.number, "v": sent.version,
                  "s": sent.new_state, "a": sent.action}
        assert cases == [notice]
        assert tasks in ([], [notice]), tasks
        return tasks == [notice]

    def at_head() -> None:
        assert on_tasks()

    def downgraded() -> None:
        assert not on_tasks()

    _down_and_up(w, "0024", at_head, downgraded, stepped=at_head)


@pytest.fixture
def intake(pgw, monkeypatch) -> str:
    """The database's intake login (``db intake-login``, its password ``intake-pass-8``):
    its name. Roles are cluster-wide: dropped after, with what it owns."""
    name = f"intake_{pgw.db.engine.url.database}"[:63]
    _intake_login(pgw.db.url, name, monkeypatch)
    yield name
    pgw.db.engine.dispose()
    with pgw.db.engine.begin() as conn:
        conn.exec_driver_sql(f'DROP OWNED BY "{name}"')
        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')


def _intake_login(url: str, name: str, monkeypatch) -> str:
    import contextlib
    import io

    from seatdesk.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO("intake-pass-8\n"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--database", url, "db", "intake-login", name, "--password-stdin"]) == 0
    return out.getvalue()


def _connect_as(url: str, login: str):
    from sqlalchemy.engine import make_url

    from seatdesk.models.db import make_engine

    return make_engine(make_url(url).set(username=login, password="intake-pass-8")
                       .render_as_string(hide_password=False))


def test_a_renamed_intake_login_keeps_nothing_but_another_databases_intake_role(
        pgw, logins, template_store, monkeypatch):
    """``db intake-login A`` then ``db intake-login B``: A, as psql would connect with its
    password, can no longer connect to the database, and holds no membership in a
    supervisor's or partner's login, no table, column or function privilege there; B
    holds them. Roles are cluster-wide: while A is still a second database's intake
    login it keeps the Open311 reader (and works there); once that database names
    another intake login too, A is a member of nothing."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from seatdesk.workflow.dbrules import OPEN311_READER

    w = pgw
    db_name = make_url(w.db.url).database
    a, b = f"ia_{db_name}"[:63], f"ib_{db_name}"[:63]
    other = template_store.clone("postgresql", "workflow_world")
    sup = logins["sup1"]

    def holds(login: str) -> dict[str, bool]:
        with w.db.engine.connect() as conn:
            return dict(conn.execute(text(
                "SELECT 'connect', has_database_privilege(:r, current_database(), 'CONNECT')"
                " UNION ALL SELECT 'supervisor', pg_has_role(:r, :s, 'MEMBER')"
                " UNION ALL SELECT 'reader', pg_has_role(:r, :o, 'MEMBER')"
                " UNION ALL SELECT 'sessions', has_column_privilege(:r, 'field_sessions', 'id',"
                "                                                   'SELECT')"
                " UNION ALL SELECT 'outbox', has_table_privilege(:r, 'callback_outbox', 'UPDATE')"
                " UNION ALL SELECT 'numbers', has_column_privilege(:r, 'cases', 'number', 'SELECT')"
                " UNION ALL SELECT 'ledger', has_column_privilege(:r, 'case_ledger', 'reason',"
                "                                                 'SELECT')"
                " UNION ALL SELECT 'users', has_column_privilege(:r, 'users', 'db_login', 'SELECT')"
                " UNION ALL SELECT 'gate', has_function_privilege(:r, 'seatdesk_gate_failed(text)',"
                "                                                  'EXECUTE')"
                " UNION ALL SELECT 'facts', has_function_privilege(:r,"
                "                           'seatdesk_callback_facts(integer)', 'EXECUTE')"
                " UNION ALL SELECT 'serial', has_function_privilege(:r,"
                "                           'seatdesk_next_case_serial(text)', 'EXECUTE')"),
                {"r": login, "s": sup, "o": OPEN311_READER}).all())

    try:
        _intake_login(w.db.url, a, monkeypatch)
        _intake_login(other, a, monkeypatch)  # A serves a second database too
        assert all(holds(a).values()), holds(a)
        engine = _connect_as(w.db.url, a)
        with engine.connect() as conn:  # as psql would: it acts as the supervisor
            conn.exec_driver_sql(f'SET ROLE "{sup}"')
        engine.dispose()

        said = _intake_login(w.db.url, b, monkeypatch)
        assert f"former intake login {a}" in said
        assert all(holds(b).values()), holds(b)
        assert holds(a) == {**dict.fromkeys(holds(a), False), "reader": True}
        engine = _connect_as(w.db.url, a)
        with pytest.raises(OperationalError, match="permission denied for database"):
            engine.connect()
        engine.dispose()
        engine = _connect_as(other, a)  # the second database's intake login still works
        with engine.connect() as conn:
            conn.exec_driver_sql(f'SET ROLE "{OPEN311_READER}"')
            assert conn.execute(text("SELECT count(*) FROM case_classes")).scalar() > 0
        engine.dispose()

        said = _intake_login(other, b, monkeypatch)
        assert f"former intake login {a}" in said
        with w.db.engine.connect() as conn:
            assert conn.execute(text(
                "SELECT count(*) FROM pg_auth_members WHERE member = to_regrole(:r)"),
                {"r": a}).scalar() == 0
        assert f"former intake login {a}" not in _intake_login(w.db.url, b, monkeypatch)
    finally:
        from seatdesk.workflow.dbrules import apply

        template_store.drop("postgresql", other)
        with w.db.engine.begin() as conn:  # no intake login: B is a former one, holds nothing
            conn.execute(text("SELECT seatdesk_set_intake_login('')"))
            apply(conn)
        for name in (a, b):
            template_store._pg_exec(f'DROP ROLE IF EXISTS "{name}"')


def test_migration_0025_down_and_up_installs_the_one_statement_registration(pgw):
    """0025 installs ``seatdesk_register_rows`` (the intake server's registration in one
    statement), EXECUTE for the groups that register and not for the others; downgraded to
    0024 it is gone (0024's server never calls it), upgraded again (by 0025's own upgrade
    already) it is back."""
    from seatdesk.workflow.dbrules import registration_sql

    w = pgw
    signature = registration_sql.SIGNATURE

    def at_head() -> None:
        assert _can_execute(w, GROUPS["supervisor"], signature)
        assert _can_execute(w, GROUPS["acceptor"], signature)
        assert not _can_execute(w, GROUPS["wall"], signature)
        assert not _can_execute(w, GROUPS["dispatcher"], signature)

    def downgraded() -> None:
        with w.db.engine.connect() as conn:
            assert conn.execute(text("SELECT to_regprocedure(:f)"),
                                {"f": f"public.{signature}"}).scalar() is None

    _down_and_up(w, "0025", at_head, downgraded, stepped=at_head)
