"""The registration's statements on PostgreSQL, each one autocommit execute
(``Workflow.run_statement``), and a bench-like burst through a real uvicorn server.

- a case registered by the server (its first statement a transaction of its own, its rows
  in one statement) has the same row and the same first ledger row as one registered
  with the number taken in an ordinary unit of work and the cell looked up in the
  registration's transaction (the path SQLite and a number collision take), and the
  ledger check passes for both;
- ``run_statement`` commits, leaves the pooled connection as it found it, and raises a
  database refusal as SQLAlchemy's ``DBAPIError``; a lost connection is run once more,
  or, for a statement that must not run twice, is ``CommitUncertain``;
- 60 concurrent reports through uvicorn: 60 cases, consecutive numbers, every ledger
  chain verifies, a retry of each returns its case (both backends);
- a partner's report whose commit is uncertain (its COMMIT cut by a fault proxy, or its
  rows statement meeting a lost connection) is told what to do: with a key, resend it
  (``Retry-After``); without one, look for the case before reporting again (no
  ``Retry-After``: a blind resend could make a second case).
"""

from __future__ import annotations

import dataclasses
import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from seatdesk.models import Case, LedgerEntry
from seatdesk.models.db import make_engine
from seatdesk.server.errors import UNCERTAIN, UNCERTAIN_UNKEYED
from seatdesk.workflow import registration
from seatdesk.workflow import services as sd
from seatdesk.workflow.casefacts import LOOK_UP
from seatdesk.workflow.ledger_verify import verify_ledger
from seatdesk.workflow.numbering import take_number
from tests.faultproxy import FaultProxy
from tests.server_fixtures import LiveServer, jpeg, make_server
from tests.workflow_fixtures import P1, open_world

#: what differs between two registrations of the same report by design
_OWN = {"id", "number", "intake_key", "reported_at", "updated_at", "ledger_head",
        "deadline_at", "version"}


def _row(s, case_id: int) -> dict:
    case = s.get(Case, case_id)
    return {c.key: getattr(case, c.key) for c in Case.__mapper__.column_attrs
            if c.key not in _OWN and c.key != "geom"}


def _entry(s, case_id: int) -> dict:
    entry = s.scalar(select(LedgerEntry).where(LedgerEntry.case_id == case_id))
    payload = json.loads(entry.payload) if isinstance(entry.payload, str) else entry.payload
    payload["set"] = {k: v for k, v in payload["set"].items() if k not in _OWN}
    return {**{k: getattr(entry, k) for k in ("seq", "actor_id", "actor_role", "seat",
                                              "action", "from_state", "to_state", "reason")},
            "payload": payload}


def test_a_server_registration_is_the_same_as_the_plain_units(make_db):
    world = open_world(make_db("workflow_world"))
    srv = make_server(world)
    headers = srv.sign_in("sup1", "same-1")
    made = srv.client.post("/field/v1/reports", headers=headers, json={
        "report_id": "same-1", "lon": P1[0], "lat": P1[1], "description": "井盖破损",
        "address": "溧城镇燕山路 18 号"})
    assert made.status_code == 201, made.text
    report = sd.Report("patrol", P1[0], P1[1], address="溧城镇燕山路 18 号",
                       description="井盖破损", intake_key="plain-1")
    sup = world.a("sup1")
    actor = sd.Actor(sup.user_id, sup.role, sup.department_id, "城管通/same-1")
    now = world.wf.now()
    plain = registration._register_numbered(world.wf, actor, report, None, now,
                                            take_number(world.wf, now), LOOK_UP)
    with world.db.Session() as s:
        fast_id = made.json()["case_id"]
        assert _row(s, fast_id) == _row(s, plain.case_id)
        fast_entry, plain_entry = _entry(s, fast_id), _entry(s, plain.case_id)
        assert fast_entry == plain_entry
        assert fast_entry["seat"] == "城管通/same-1" and fast_entry["to_state"] == "reported"
        assert verify_ledger(s, [fast_id, plain.case_id]) == []
        numbers = sorted(s.scalars(select(Case.number)))
        assert numbers[1] == f"{numbers[0][:-6]}{int(numbers[0][-6:]) + 1:06d}"


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)  # run_statement is PostgreSQL's (SQLite: wf.write)
def test_run_statement_commits_and_leaves_the_connection_as_it_was(make_db):
    world = open_world(make_db("workflow_world"))
    with world.db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE fast_probe (n int)"))
    try:
        wf = world.wf
        assert wf.run_statement("INSERT INTO fast_probe VALUES (%(n)s) RETURNING n",
                                {"n": 7}, retry_lost=False) == [(7,)]
        with world.db.engine.connect() as conn:  # committed: another connection sees it
            assert conn.execute(text("SELECT n FROM fast_probe")).scalars().all() == [7]
            assert not conn.connection.driver_connection.autocommit  # handed back as it was
        with pytest.raises(DBAPIError, match="invalid input syntax"):
            wf.run_statement("INSERT INTO fast_probe VALUES (%(n)s::int)", {"n": "x"},
                             retry_lost=True)
        with world.db.engine.connect() as conn:  # usable after the refusal, nothing left
            assert conn.execute(text("SELECT count(*) FROM fast_probe")).scalar() == 1
    finally:
        with world.db.engine.begin() as conn:
            conn.execute(text("DROP TABLE fast_probe"))


def test_a_burst_through_uvicorn_leaves_a_clean_ledger(make_db):
    world = open_world(make_db("workflow_world"))
    srv = make_server(world, background=True)
    headers = srv.sign_in("sup1", "burst")
    live = LiveServer(srv.app).start()
    ids = [f"burst-{i}" for i in range(60)]
    try:
        with httpx.Client(base_url=live.url, headers=headers, timeout=60) as client:
            def send(report_id: str, index: int) -> httpx.Response:
                return client.post("/field/v1/reports", json={
                    "report_id": report_id, "lon": P1[0] + index * 1e-5, "lat": P1[1],
                    "description": f"压测：井盖破损 {index}"})

            with ThreadPoolExecutor(12) as pool:
                first = list(pool.map(send, ids, range(60)))
                again = list(pool.map(send, ids, range(60)))
    finally:
        live.stop()
    assert [r.status_code for r in first] == [201] * 60, [r.text for r in first][:3]
    assert [r.status_code for r in again] == [200] * 60
    assert [r.json()["case_id"] for r in again] == [r.json()["case_id"] for r in first]
    with world.db.Session() as s:
        rows = s.execute(select(Case.id, Case.number)).all()
        assert len(rows) == 60
        serials = sorted(int(number[-6:]) for _, number in rows)
        assert serials == list(range(serials[0], serials[0] + 60))
        assert verify_ledger(s, [case_id for case_id, _ in rows]) == []
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 60


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_the_first_statement_meeting_a_lost_connection_runs_once_more(make_db):
    """The pooled connection was ended by a restart (57P01) since its last use: the first
    statement's round trip meets it, nothing ran, so it runs once more on a fresh one."""
    world = open_world(make_db("workflow_world"))
    wf, sup = sd.Workflow(world.db.engine, clock=world.clock, cache_seconds=3600), world.a("sup1")
    wf.engine.dispose()
    sd.register(wf, sup, sd.Report("patrol", *P1, intake_key="lost-1"))  # calendar kept
    with wf.engine.connect() as conn:  # the one pooled connection
        first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    owner = make_engine(world.db.url)
    with owner.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar()
    owner.dispose()
    time.sleep(0.2)  # the backend has gone; its socket holds the AdminShutdown message
    assert wf.cached_calendar() is not None  # so the next registration starts at its
    # first statement (``run_statement``)
    made = sd.register(wf, sup, sd.Report("patrol", *P1, intake_key="lost-2"))
    assert not made.replayed
    with world.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 2
        assert verify_ledger(s, list(s.scalars(select(Case.id)))) == []


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
@pytest.mark.parametrize("keyed", [True, False])
def test_the_rows_statement_meeting_a_lost_connection(make_db, monkeypatch, keyed):
    """The connection dies between the first statement and the rows' (a restart at that
    moment): a keyed report's rows are sent once more on a fresh connection — a second
    landing would meet the unique key — and make one case; an unkeyed report's cannot
    be (if the first had landed, a second would be a second case): ``CommitUncertain``,
    as for a connection lost at COMMIT, and here nothing was saved."""
    world = open_world(make_db("workflow_world"))
    wf, sup = sd.Workflow(world.db.engine, clock=world.clock, cache_seconds=3600), world.a("sup1")
    wf.one_statement = True
    wf.engine.dispose()
    sd.register(wf, sup, sd.Report("patrol", *P1, intake_key="warm"))  # caches, one connection
    run = wf.run_statement

    def cut_then_run(sql, params, *, retry_lost):
        if "seatdesk_register_rows" in sql:
            with wf.engine.connect() as conn:  # the pooled connection the rows will take
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            owner = make_engine(world.db.url)
            with owner.begin() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            owner.dispose()
            time.sleep(0.2)
        return run(sql, params, retry_lost=retry_lost)

    monkeypatch.setattr(wf, "run_statement", cut_then_run)
    report = sd.Report("patrol", *P1, description="断线", intake_key="lost-rows" if keyed else None)
    if keyed:
        assert not sd.register(wf, sup, report).replayed
    else:
        with pytest.raises(sd.CommitUncertain):
            sd.register(wf, sup, report)
    with world.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == (2 if keyed else 1)
        assert verify_ledger(s, list(s.scalars(select(Case.id)))) == []


def _cases(world) -> int:
    with world.db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def _partner_post(srv, key: str | None, files=None):
    """An Open311 POST (JSON answer), with ``Idempotency-Key: key`` unless None."""
    return srv.client.post("/open311/v2/requests.json", data={
        "api_key": srv.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
        "long": str(P1[0]), "description": "小区门口垃圾堆了三天"}, files=files,
        headers={"Idempotency-Key": key} if key else {})


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
@pytest.mark.parametrize("keyed", [True, False], ids=["keyed", "unkeyed"])
def test_an_uncertain_commit_tells_the_partner_what_to_do(make_db, keyed):
    """A report with a photo (the unit of work, ended by COMMIT) whose COMMIT a proxy cuts
    before the server sees it: nothing saved, the server cannot know. With an
    ``Idempotency-Key`` the answer says to resend with it and when (``Retry-After``), and
    the resend makes the one case; without one it says to look for the case first — not
    to resend "the same report id", which it does not have (before 2026-12-07 it did)."""
    world = open_world(make_db("workflow_world"))
    with FaultProxy.for_url(world.db.url) as proxy:
        engine = make_engine(proxy.url(world.db.url))
        try:
            wf = sd.Workflow(engine, clock=world.clock)
            srv = make_server(dataclasses.replace(world, wf=wf))
            key = "fms-uncertain-1" if keyed else None
            photo = [("media", ("p.jpg", jpeg(), "image/jpeg"))]
            proxy.cut_at_commit(before=True, writing=b"INSERT INTO cases ")
            cut = _partner_post(srv, key, photo)
            assert proxy.commits_cut == 1
            assert cut.status_code == 503, cut.text
            assert cut.json() == [{"code": 503,
                                   "description": UNCERTAIN if keyed else UNCERTAIN_UNKEYED}]
            assert _cases(world) == 0
            if keyed:
                assert cut.headers.get("Retry-After") == "5"
                again = _partner_post(srv, key, photo)
                assert again.status_code == 201, again.text
                replay = _partner_post(srv, key, photo)  # and once more: that case
                assert replay.status_code == 200, replay.text
                assert replay.json()[0]["service_request_id"] == (
                    again.json()[0]["service_request_id"])
                assert _cases(world) == 1
            else:
                assert "Retry-After" not in cut.headers
                assert "上报编号重试" not in cut.text
            srv.client.close()
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_an_unkeyed_rows_statement_meeting_a_lost_connection_says_look_first(
        make_db, monkeypatch):
    """The server's one-statement registration of a text report without a key: the
    connection dies before its rows statement (``CommitUncertain``, as
    ``test_the_rows_statement_meeting_a_lost_connection``) — the partner is told to look
    for the case before reporting again, in the path's format (XML here)."""
    world = open_world(make_db("workflow_world"))
    srv = make_server(world)
    assert _partner_post(srv, "warm").status_code == 201  # caches, one pooled connection
    run = sd.Workflow.run_statement

    def cut_then_run(wf, sql, params, *, retry_lost):
        if "seatdesk_register_rows" in sql:  # every connection of the server's, the one
            owner = make_engine(world.db.url)  # the rows will take among them
            with owner.begin() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                  " WHERE datname = current_database()"
                                  " AND pid <> pg_backend_pid()"))
            owner.dispose()
            time.sleep(0.2)
        return run(wf, sql, params, retry_lost=retry_lost)

    monkeypatch.setattr(sd.Workflow, "run_statement", cut_then_run)
    cut = srv.client.post("/open311/v2/requests.xml", data={
        "api_key": srv.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
        "long": str(P1[0]), "description": "断线"})
    assert cut.status_code == 503, cut.text
    assert f"<description>{UNCERTAIN_UNKEYED}</description>" in cut.text
    assert "Retry-After" not in cut.headers
    assert _cases(world) == 1  # the warm-up's: nothing was saved
    srv.client.close()


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_an_uncertain_task_answer_says_to_send_the_same_answer(make_db):
    """A supervisor's 核实 answer whose COMMIT a proxy cuts: the answer says to send the
    same answer again (not "the same report id", which an answer has not), and sending it
    records it once — or, had it landed, says it was already answered."""
    from seatdesk.server.errors import UNCERTAIN_BY_PATH

    world = open_world(make_db("workflow_world"))
    ref = world.drive.register(source="hotline_12319", caller_phone="13800001234")
    ref = world.drive.do(ref, sd.send_verification, "acceptor",
                         supervisor_id=world.users["sup1"])
    with FaultProxy.for_url(world.db.url) as proxy:
        engine = make_engine(proxy.url(world.db.url))
        try:
            wf = sd.Workflow(engine, clock=world.clock)
            srv = make_server(dataclasses.replace(world, wf=wf))
            headers = srv.sign_in("sup1", "phone-uncertain")
            body = {"version": ref.version, "result": "confirmed", "note": "现场属实"}
            proxy.cut_at_commit(before=True, writing=b"INSERT INTO case_ledger ")
            cut = srv.client.post(f"/field/v1/tasks/{ref.id}/answer", headers=headers,
                                  json=body)
            assert proxy.commits_cut == 1
            assert cut.status_code == 503, cut.text
            assert cut.json()["error"] == {"code": "commit_uncertain",
                                           "message": dict(UNCERTAIN_BY_PATH)["/answer"]}
            again = srv.client.post(f"/field/v1/tasks/{ref.id}/answer", headers=headers,
                                    json=body)
            assert again.status_code == 200 and not again.json()["already"], again.text
            once_more = srv.client.post(f"/field/v1/tasks/{ref.id}/answer", headers=headers,
                                        json=body)
            assert once_more.status_code == 200 and once_more.json()["already"]
            srv.client.close()
        finally:
            engine.dispose()
