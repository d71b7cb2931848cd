"""Reads from the suite's streaming replica (PostgreSQL; ``make test`` starts it with
pg_basebackup -R): the read router sends the wall, KPI and 全部案件 reads to the replica and
the seat's own boxes and every write to the primary; a replay paused with
``pg_wal_replay_pause()`` shows as lag on the seat and the wall; a stopped replica makes
reads fall back to the primary, saying so, and they return when it is back — and so with a
replica that crashes and recovers; a query the replica cancels for a recovery conflict is
run again."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from seatdesk.models import Case
from seatdesk.models.queues import CaseFilter
from seatdesk.models.replica import LAG_NOTICE_S, NO_STANDBY, ReadRouter, ReadStatus
from seatdesk.ui.tasks import TaskRunner
from seatdesk.ui.wall.display import WallWindow
from seatdesk.ui.workbox.loader import WorkBoxLoader
from tests.exclusive import exclusive, replica_resource
from tests.replica_server import ReplicaControl, replica_url, wait_for_replay
from tests.seat_helpers import TIMEOUT, city_fixture, open_seat, walk_case  # noqa: F401

pytestmark = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])


@pytest.fixture(autouse=True)
def _one_test_on_the_replica_at_a_time():
    """These tests pause and stop the suite's one replica, and read it: one at a time,
    with nothing else reading it meanwhile (``tests/exclusive.py``)."""
    with exclusive(replica_resource()):
        yield


@pytest.fixture
def replica(city):
    """The demo city on the primary, replayed on the replica; the controls restore the
    replica (running, replaying) whatever the test did."""
    wait_for_replay(city.url)
    control = ReplicaControl()
    try:
        yield control
    finally:
        control.restore()


def router_for(db, **options) -> ReadRouter:
    return ReadRouter(db.Session, create_engine(replica_url(db.url)), **options)


def router_for_hosts(db) -> ReadRouter:
    """A router whose read URL names the replica and the primary, ``prefer-standby``."""
    replica, primary = make_url(replica_url(db.url)), make_url(db.url)
    hosts = f"{replica.host}:{replica.port},{primary.host}:{primary.port}"
    url = (f"postgresql+psycopg://{primary.username}@/{primary.database}"
           f"?host={hosts.replace(',', '&host=')}&target_session_attrs=prefer-standby")
    return ReadRouter(db.Session, create_engine(url))


def in_recovery(sessions) -> bool:
    with sessions() as session:
        return session.scalar(text("SELECT pg_is_in_recovery()"))


def numbers(sessions) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(Case.number)))


def load_all_box(qtbot, db, user, reads, mode: str):
    """A 全部案件 page through the work-box loader: opened (``reset``) or refreshed."""
    from seatdesk.models.queues import get_box

    loader = WorkBoxLoader(db.Session, user, TaskRunner(), reads=reads)
    loader.open(get_box("all"), CaseFilter(), ("reported_at", False))
    with qtbot.waitSignal(loader.page_loaded, timeout=TIMEOUT) as got:
        if mode == "refresh":
            loader.refresh(100)
    return {row.id for row in got.args[0].page.rows}


def test_reads_go_to_the_replica_writes_and_own_boxes_to_the_primary(qtbot, city, replica):
    reads = router_for(city, fresh_wait_s=0.3)
    assert in_recovery(reads) and not in_recovery(city.Session)
    replica.pause()
    case_id = walk_case(city, "reported")  # written on the primary while replay waits
    with city.Session() as session:
        number = session.get(Case, case_id).number
    assert number in numbers(city.Session) and number not in numbers(reads)
    assert number in numbers(reads.fresh)  # the replica cannot catch up: the primary answers
    window = open_seat(qtbot, city, "shouli", reads=reads)
    panel = window.workspace.workbox
    assert panel.box.key == "pending_accept"
    assert case_id in {row.id for row in panel.model.rows()}  # the primary
    user = window.workspace.seat.user
    assert case_id not in load_all_box(qtbot, city, user, reads, "reset")  # the replica
    assert case_id in load_all_box(qtbot, city, user, reads, "refresh")  # fresh: primary
    replica.resume()
    wait_for_replay(city.url)
    assert number in numbers(reads)
    assert case_id in load_all_box(qtbot, city, user, reads, "reset")
    reads.dispose()


def test_lag_is_shown_on_the_seat_and_the_wall_while_replay_waits(qtbot, city, replica):
    reads = router_for(city, check_s=0.2)
    window = open_seat(qtbot, city, "zhibanzhang", reads=reads)
    wall = WallWindow(reads, refresh_ms=300, cycle_ms=60_000)
    qtbot.addWidget(wall)
    wall.show()
    replica.pause()
    walk_case(city, "reported")
    deadline = time.monotonic() + 30
    while reads.check().lag_s <= LAG_NOTICE_S:
        assert time.monotonic() < deadline, "the lag never passed the notice threshold"
        time.sleep(0.5)
    qtbot.waitUntil(lambda: wall.read_notice.isVisible(), timeout=TIMEOUT)
    assert "只读副本落后主库" in wall.read_notice.text()
    qtbot.waitUntil(lambda: window.read_label.isVisible(), timeout=TIMEOUT)
    lag = int(window.read_label.text().split("落后 ")[1].split(" 秒")[0])
    assert lag > LAG_NOTICE_S
    replica.resume()
    wait_for_replay(city.url)
    qtbot.waitUntil(lambda: not wall.read_notice.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.read_label.isVisible(), timeout=TIMEOUT)
    assert reads.status().lag_s < LAG_NOTICE_S
    wall.stop()
    reads.dispose()


def test_a_stopped_replica_falls_back_to_the_primary_and_comes_back(qtbot, city, replica):
    reads = router_for(city, check_s=0.2, retry_s=1.0)
    wall = WallWindow(reads, refresh_ms=300, cycle_ms=60_000)
    qtbot.addWidget(wall)
    wall.show()
    qtbot.waitUntil(lambda: wall.snapshot is not None, timeout=TIMEOUT)
    before = reads()  # a session chosen while the replica was up
    either = router_for_hosts(city)  # libpq picks: a standby if one is up, else the primary
    assert in_recovery(either) and either.check().source == "replica"
    replica.stop()
    either.replica.dispose()  # new connections: libpq now settles on the primary
    with either.replica.connect() as conn:
        assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar() is False
    assert either.check() == ReadStatus("fallback", 0.0, NO_STANDBY)
    with before:  # its first statement finds the replica gone and moves to the primary
        assert before.scalar(text("SELECT pg_is_in_recovery()")) is False
    status = reads.status()
    assert status.source == "fallback" and status.reason
    assert not in_recovery(reads) and numbers(reads) == numbers(city.Session)
    qtbot.waitUntil(lambda: wall.read_notice.isVisible(), timeout=TIMEOUT)
    assert "只读副本无法连接" in wall.read_notice.text()
    assert not wall.banner.isVisible()  # the wall keeps showing figures (the primary's)
    replica.start()
    wait_for_replay(city.url)
    # back once retry_s (1 s) has passed since the last failed try — a wall refresh may
    # have tried the replica while it was starting: wait for it, a fixed 1 s may not do
    qtbot.waitUntil(lambda: in_recovery(reads) and reads.status().source == "replica",
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not wall.read_notice.isVisible(), timeout=TIMEOUT)
    wall.stop()
    reads.dispose()
    either.dispose()


def test_a_replica_that_crashes_leaves_the_seat_and_the_wall_on_the_primary(qtbot, city,
                                                                            replica):
    """The crash-restart of a replica (any of its processes dying ends every session at
    once, without an error message — "server closed the connection unexpectedly", no
    SQLSTATE — then "not yet accepting connections" until it is consistent again): the
    seat and the wall keep going on the primary, saying so, and read the replica again
    once it is back — with replay paused before, and lag shown, as a busy centre would."""
    # retry_s 5 s: the fallback lasts at least that long after the replica's last failure
    # (it may be back in 0.3 s), so the seat's status poll (every 2 s) sees it too
    reads = router_for(city, check_s=0.2, retry_s=5.0)
    window = open_seat(qtbot, city, "zhibanzhang", reads=reads)
    wall = WallWindow(reads, refresh_ms=300, cycle_ms=60_000)
    qtbot.addWidget(wall)
    wall.show()
    replica.pause()
    walk_case(city, "reported")
    qtbot.waitUntil(lambda: "只读副本落后主库" in wall.read_notice.text(), timeout=30_000)
    refreshes = []  # the router's status at each of the wall's refreshes
    wall.refreshed.connect(lambda: refreshes.append(reads.status().source))
    replica.crash()
    # the notice changes only when the wall has shown new figures: from the primary
    qtbot.waitUntil(lambda: "只读副本无法连接" in wall.read_notice.text()
                    and wall.read_notice.isVisible() and not wall.banner.isVisible(),
                    timeout=TIMEOUT)
    assert "fallback" in refreshes
    qtbot.waitUntil(lambda: "正在读取主库" in window.read_label.text()
                    and window.read_label.isVisible(), timeout=TIMEOUT)
    wait_for_replay(city.url)  # rides out the restart (tests/replica_server.py)
    # back on the replica once retry_s has passed since its last failure (which may come
    # after the replay: the wall keeps trying it)
    qtbot.waitUntil(lambda: in_recovery(reads) and reads.status().source == "replica",
                    timeout=TIMEOUT)
    # replayed, it streams again from the start of a segment it had replayed: no lag
    # shown once it has caught up (while the primary wrote nothing, "received = replayed"
    # showed the last replayed commit's age as lag: models/replica.py). Not "at once": in
    # the suite other tests write to the same cluster, and the replica catching up on their
    # WAL after the crash is lag for a while — a 2 s bound failed a clone run
    qtbot.waitUntil(lambda: (reads.check().lag_s or 0) < LAG_NOTICE_S
                    and reads.status().source == "replica", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not wall.read_notice.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.read_label.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: refreshes[-1] == "replica", timeout=TIMEOUT)
    wall.stop()
    reads.dispose()


def test_a_query_cancelled_by_a_recovery_conflict_runs_again(city, replica):
    """The replica (max_standby_streaming_delay=1s) cancels a query whose snapshot still
    needs rows a VACUUM on the primary removed; the read session runs it again."""
    with city.engine.begin() as conn:
        conn.execute(text("CREATE TABLE conflict_probe AS "
                          "SELECT g FROM generate_series(1, 20000) AS g"))
    wait_for_replay(city.url)
    reads = router_for(city)
    conflicts = ("SELECT confl_snapshot FROM pg_stat_database_conflicts "
                 "WHERE datname = current_database()")
    with reads() as session:
        before = session.scalar(text(conflicts))
    result: list = []

    def slow_read() -> None:
        # slow only while row 1 is there: the run after the deletion is replayed is quick,
        # so the catalog churn of other tests (their databases and roles, whose vacuuming
        # conflicts with every database's queries) cannot cancel it too
        with reads() as session:
            result.append(session.execute(text(
                "SELECT count(*), pg_sleep(CASE WHEN bool_or(g = 1) THEN 3 ELSE 0 END) "
                "FROM conflict_probe")).one()[0])

    reader = threading.Thread(target=slow_read)
    reader.start()
    # the replica's query has its snapshot once it sleeps: a fixed 0.7 s was not always
    # enough (a reader slow to start read after the deletion was replayed: no conflict)
    sleeping = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event = 'PgSleep' AND query LIKE '%conflict_probe%'")
    deadline = time.monotonic() + 30
    while True:
        with reads() as session:
            if session.scalar(text(sleeping)):
                break
        assert time.monotonic() < deadline and reader.is_alive(), result
        time.sleep(0.05)
    with city.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DELETE FROM conflict_probe WHERE g <= 10000"))
        conn.execute(text("VACUUM conflict_probe"))
    reader.join(30)
    assert result == [10000]  # the second run, after the deletion was replayed
    # the cancel is counted in the cancelled backend's pending statistics, which it flushes
    # when idle — but at most once a second, else 10 s later (PostgreSQL's
    # PGSTAT_MIN_INTERVAL and PGSTAT_IDLE_INTERVAL): a replica behind on other tests' WAL
    # cancels at once, within a second of the flush after ``before``, and the counter
    # showed nothing yet (a clone run failed there; replay held until the standby delay had
    # run out, the counter stayed 0 for 10 s). A backend flushes when it ends: the reader's
    # connections are ended, and the counter awaited
    reads.dispose()
    reads = router_for(city)
    deadline = time.monotonic() + 30
    while True:
        with reads() as session:
            if session.scalar(text(conflicts)) > before:
                break
        assert time.monotonic() < deadline, "no recovery conflict counted"
        time.sleep(0.2)
    reads.dispose()


def test_the_seat_listens_on_the_listen_url(qtbot, city, replica):
    """With ``listen_database_url`` set (the direct connection beside a transaction pooler)
    the seat's LISTEN runs there: here the same server under its own application_name."""
    listen = city.url + "?application_name=seatdesk-listen-test"
    window = open_seat(qtbot, city, "paiqian", live=True, listen_url=listen)
    query = ("SELECT query FROM pg_stat_activity WHERE application_name = "
             "'seatdesk-listen-test' AND datname = current_database()")

    def listening() -> bool:
        with city.Session() as session:
            return any("LISTEN" in q.upper() for q in session.scalars(text(query)))

    qtbot.waitUntil(listening, timeout=TIMEOUT)
    window.shutdown()


def test_an_operator_reads_the_replica_with_their_own_login(city, replica):
    """Signed in with their own database login (docs/security.md), an operator's replica
    reads run as that login too, not as whatever user the configured read URL names."""
    from seatdesk.models.db import make_engine
    from seatdesk.workflow import signin
    from tests.dbroles import PASSWORD, make_logins

    logins = make_logins(city, ["zhibanzhang"])
    wait_for_replay(city.url)
    gate = make_engine(make_url(city.url).set(username="seatdesk_gate").render_as_string(False))
    signed = signin.sign_in(gate, "zhibanzhang", PASSWORD)
    reads = ReadRouter.for_url(signed.sessions, replica_url(city.url))
    with reads() as session:
        assert session.scalar(text("SELECT current_user")) == logins["zhibanzhang"]
        assert session.scalar(text("SELECT pg_is_in_recovery()"))
        assert session.scalar(text("SELECT count(*) FROM cases")) > 0
    reads.dispose()
    signed.close()
    gate.dispose()
