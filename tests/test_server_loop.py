"""A text report's registration from the server's event loop (``workflow/loop.py``,
``registration.register_async``), as ``seatdesk serve`` runs it (PostgreSQL, the app's
lifespan on: its loop's connections open):

- once the caches are warm, a handset's and a partner's report touch none of the
  engine's pooled connections (no thread), and their rows are the rows the thread path
  writes, the ledger intact;
- a cold cache runs the step in a thread and the answer is the same;
- a replay, racing twins, a point outside the city, a report with a photo: as before;
- the loop is not held while a statement waits (a locked counter row): other requests
  are answered meanwhile;
- a connection lost under the rows statement: retried for a keyed report,
  ``CommitUncertain`` (503) for an unkeyed one; a database that cannot be reached: 503 at
  once, and the loop's connections come back with it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from seatdesk.models import Case
from seatdesk.server.errors import UNCERTAIN_UNKEYED
from seatdesk.workflow.ledger_verify import verify_ledger
from tests.server_fixtures import make_server
from tests.workflow_fixtures import P1, open_world

pytestmark = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


@contextlib.contextmanager
def checkouts(engine):
    """The engine's pool checkouts meanwhile made for requests, with their threads."""
    seen: list[int] = []

    def checked_out(*_args):
        # the server's background threads (the 12345 outbox, the queue watch, the change
        # feed: named ``seatdesk-…``) read on their own schedule, not for a request
        if not threading.current_thread().name.startswith("seatdesk-"):
            seen.append(threading.get_ident())

    event.listen(engine, "checkout", checked_out)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", checked_out)


def report(srv, headers, report_id: str | None, index: int = 0, **extra):
    body = {"lon": P1[0] + index * 1e-4, "lat": P1[1], "description": f"井盖破损 {index}",
            **extra}
    if report_id is not None:
        body["report_id"] = report_id
    return srv.client.post("/field/v1/reports", headers=headers, json=body)


def open311(srv, description: str, **extra):
    return srv.client.post("/open311/v2/requests.json", data={
        "api_key": srv.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
        "long": str(P1[0]), "description": description, "first_name": "三",
        "last_name": "张", "phone": "13800000000", **extra})


@pytest.fixture
def live(make_db):
    """The server with its lifespan on (the loop's connections, the caches' listener), its
    settings and calendar kept as ``seatdesk serve`` keeps them (the test world reads
    them every time)."""
    world = open_world(make_db("workflow_world"))
    world.wf.cache_seconds = 3600
    srv = make_server(world, background=True)
    with srv.client:
        # the reference cache keeps values once its listener is connected (it empties
        # itself then: a value read before may be read again after)
        assert world.wf.lookups.wait_live(10)
        yield srv


def test_warm_reports_are_registered_without_a_thread(live):
    headers = live.sign_in("sup1", "loop-1")
    assert live.world.wf.statements is not None  # opened by the lifespan
    for i in range(3):  # warm: the calendar, the user, the class, the settings
        assert report(live, headers, f"warm-{i}", i).status_code == 201
    assert open311(live, "warm").status_code == 201  # the partner, its login, the service
    lookups, rounds = live.world.wf.lookups, []
    for attempt in range(5):  # a round the cache was not emptied in (a notification —
        # the sign-in's own, late on a busy machine — empties it: the next read is real)
        generation = lookups.generation
        with checkouts(live.world.db.engine) as seen:
            made = [report(live, headers, f"loop-{attempt}-{i}", 10 + i) for i in range(5)]
            posted = open311(live, f"loop {attempt}")
        assert [r.status_code for r in made] == [201] * 5
        assert posted.status_code == 201, posted.text
        rounds.append((lookups.generation == generation, list(seen)))
        if rounds[-1][0]:
            break
    assert rounds[-1] == (True, [])  # no thread took one of the engine's connections
    with live.world.db.Session() as s:
        ids = list(s.scalars(select(Case.id)))
        assert len(ids) == 4 + 6 * len(rounds)
        assert verify_ledger(s, ids) == []


def test_a_cold_cache_reads_in_a_thread_and_answers_the_same(live):
    """The first report reads the calendar, the user and the class in a thread; the same
    report again is a replay from the loop; the rows are those the thread path writes."""
    from tests.test_server_fastpath import _entry, _row

    headers = live.sign_in("sup1", "loop-2")
    with checkouts(live.world.db.engine) as seen:
        first = report(live, headers, "cold-1")
    assert first.status_code == 201, first.text
    assert seen and threading.get_ident() not in seen  # read, in a worker thread
    generation = live.world.wf.lookups.generation
    with checkouts(live.world.db.engine) as seen:
        again = report(live, headers, "cold-1")
    assert again.status_code == 200 and again.json()["replayed"]
    assert again.json()["case_id"] == first.json()["case_id"]
    if live.world.wf.lookups.generation == generation:  # (not emptied meanwhile)
        assert seen == []
    wf = live.world.wf
    wf.statements, kept = None, wf.statements  # the thread path, as a test client has it
    try:
        threaded = report(live, headers, "thread-1")
    finally:
        wf.statements = kept
    assert threaded.status_code == 201
    with live.world.db.Session() as s:
        loop_id, thread_id = first.json()["case_id"], threaded.json()["case_id"]
        assert _row(s, loop_id) == _row(s, thread_id)
        assert _entry(s, loop_id) == _entry(s, thread_id)
        assert verify_ledger(s, [loop_id, thread_id]) == []


def test_twins_a_refusal_and_a_photo_from_the_loop(live):
    """Eight copies of one report at once make one case (the others answer it); a point
    outside the city is refused with nothing registered; a report with a photo (rows of
    its own: a thread) is registered."""
    from tests.server_fixtures import jpeg

    headers = live.sign_in("sup1", "loop-3")
    assert report(live, headers, "warm").status_code == 201
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _i: report(live, headers, "twin", 5), range(8)))
    assert sorted(r.status_code for r in answers) == [200] * 7 + [201], answers[0].text
    assert len({r.json()["case_id"] for r in answers}) == 1
    refused = report(live, headers, "nowhere", lon=0.0, lat=0.0)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "outside_city"
    photo = live.client.post("/field/v1/reports", headers=headers, data={
        "report_id": "photo-1", "lon": str(P1[0]), "lat": str(P1[1]), "description": "带照片"},
        files=[("photos", ("p.jpg", jpeg(), "image/jpeg"))])
    assert photo.status_code == 201 and photo.json()["photos"] == 1
    with live.world.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 3
        assert s.scalar(select(func.count()).select_from(Case).where(
            Case.intake_key.like("%:twin"))) == 1


def test_a_waiting_statement_does_not_hold_the_loop(live):
    """While a report's rows wait for a lock another session holds on ``cases``, the
    same worker answers other requests; the report is registered once the lock goes."""
    headers = live.sign_in("sup1", "loop-4")
    assert report(live, headers, "warm").status_code == 201
    answers: list = []
    with live.world.db.engine.connect() as locker:
        locker.execute(text("LOCK TABLE cases IN EXCLUSIVE MODE"))  # reads pass, INSERTs wait
        waiting = threading.Thread(target=lambda: answers.append(
            report(live, headers, "waits", 3)))
        waiting.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_lock(live):
            assert time.monotonic() < deadline and waiting.is_alive()
            time.sleep(0.05)
        # (in a thread: were the loop held, the request would wait for the lock too)
        with ThreadPoolExecutor(1) as pool:
            try:
                other = pool.submit(live.client.get, "/field/v1/tasks",
                                    headers=headers).result(timeout=20)
            finally:
                still_waiting = waiting.is_alive() and answers == []
                locker.rollback()
        assert other.status_code == 200 and still_waiting
    waiting.join(30)
    assert [r.status_code for r in answers] == [201]


def _waiting_on_lock(srv) -> bool:
    with srv.world.db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE '%seatdesk_register_rows%'")).scalar())


def _end_server_sessions(srv) -> None:
    """Every session the server has open on its database ends (a restart, a failover)."""
    with srv.world.db.engine.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname ="
            " current_database() AND application_name = 'seatdesk serve'"))
        conn.commit()
    time.sleep(0.2)


@pytest.mark.parametrize("keyed", [True, False])
def test_a_connection_lost_before_the_rows(live, monkeypatch, keyed):
    """The loop's connection ends between the two statements: a keyed report's rows go
    once more on a fresh one and make one case; an unkeyed partner report's cannot (had
    they landed, a second would be a second case): 503 ``commit_uncertain``, saying to look
    for the case first — and here nothing was saved."""
    headers = live.sign_in("sup1", "loop-5")
    assert report(live, headers, "warm").status_code == 201
    assert open311(live, "warm").status_code == 201
    wf = live.world.wf
    run = wf.arun_statement

    async def cut_then_run(sql, params, *, retry_lost):
        if "seatdesk_register_rows" in sql:
            _end_server_sessions(live)
        return await run(sql, params, retry_lost=retry_lost)

    monkeypatch.setattr(wf, "arun_statement", cut_then_run)
    if keyed:
        made = report(live, headers, "cut", 4)
        assert made.status_code == 201, made.text
    else:
        made = open311(live, "断线")
        assert made.status_code == 503, made.text
        assert made.json() == [{"code": 503, "description": UNCERTAIN_UNKEYED}]
        assert "Retry-After" not in made.headers
    with live.world.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == (3 if keyed else 2)
        assert verify_ledger(s, list(s.scalars(select(Case.id)))) == []


def test_a_database_that_refuses_connections_is_503_at_once_and_then_served(live):
    """The database stops taking connections (as while it restarts) and every session the
    server had ends: a report is answered 503 ``database_unavailable`` at once (not after
    a pool's wait); once it takes connections again the next report is registered."""
    from seatdesk.models.db import make_engine

    headers = live.sign_in("sup1", "loop-6")
    assert report(live, headers, "warm").status_code == 201
    name = live.world.db.engine.url.database
    owner = make_engine(make_url(str(live.world.db.url)).set(database="postgres")
                        .render_as_string(hide_password=False))
    try:
        with owner.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"
                " AND application_name = 'seatdesk serve'"), {"d": name})
            conn.commit()
        time.sleep(0.2)
        started = time.monotonic()
        refused = report(live, headers, "refused", 6)
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "database_unavailable"
        assert refused.headers["Retry-After"] == "5"
        assert time.monotonic() - started < 10  # not a pool's wait (30 s)
    finally:
        with owner.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
            conn.commit()
        owner.dispose()
    served = report(live, headers, "refused", 6)
    assert served.status_code == 201, served.text


def test_the_first_reports_after_a_restart_are_registered(live):
    """Every session of the server ends at once, as at a restart of the database, which
    is back at once: the reference cache's listener notices and the pooled connections
    are dropped, so the next handset report and an unkeyed partner report are registered
    — before, the first was answered 503 with the database already back (a connection
    idle under a second is used unpinged), and an unkeyed one could be 503
    ``commit_uncertain`` for a statement that never reached the database."""
    headers = live.sign_in("sup1", "loop-7")
    assert report(live, headers, "warm").status_code == 201
    assert open311(live, "warm").status_code == 201
    wf = live.world.wf
    deadline = time.monotonic() + 10
    while not wf.lookups.live:  # the listener is in place (it will notice the loss)
        assert time.monotonic() < deadline
        time.sleep(0.02)
    name = live.world.db.engine.url.database
    # the task list: read in a thread, so the engine's pooled connection was used well
    # under a second before (a connection idle longer is pinged, and replaced if dead)
    assert live.client.get("/field/v1/tasks", headers=headers).status_code == 200
    pool = live.world.db.engine.pool
    with live.world.db.engine.connect() as conn:
        ended = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname"
            " = :d AND pid <> pg_backend_pid() AND backend_type = 'client backend'"),
            {"d": name}).scalar()
        conn.commit()
    assert ended >= 3  # the listener, the loop's connection, the engine's
    while wf.lookups.live:  # the listener noticed (its reconnection follows in 1 s)
        assert time.monotonic() < deadline
        time.sleep(0.01)
    # the engine's pool was replaced: none of the connections it held is handed out again
    # (in a real restart one used under a second before was, unpinged: the walk in
    # docs/performance.md, 2026-12-07 04:09)
    assert live.world.db.engine.pool is not pool
    made = report(live, headers, "after-restart", 7)
    assert made.status_code == 201, made.text
    posted = open311(live, "重启后")
    assert posted.status_code == 201, posted.text
