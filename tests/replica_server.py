"""The suite's streaming replica (``make test`` starts it with ``scripts/pg-test-server
start-replica``): URLs of a test database on it, waiting for replay, and the controls the
replica tests need — pause and resume replay, stop and start the replica server, crash it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pg-test-server"


def read_base_url() -> str:
    url = os.environ.get("SEATDESK_TEST_READ_DATABASE_URL")
    if not url:
        raise RuntimeError(
            "SEATDESK_TEST_READ_DATABASE_URL is not set: `make test` starts a streaming "
            "replica of its throwaway server; with your own server, name its replica")
    from seatdesk.config import normalise_url

    return normalise_url(url)


def replica_url(primary_url: str) -> str:
    """The URL of the primary's database ``primary_url`` on the replica."""
    name = make_url(primary_url).database
    return make_url(read_base_url()).set(database=name).render_as_string(hide_password=False)


def _scalar(url: str, sql: str, **params):
    """One statement on its own connection. On the replica a control statement of its own
    (``pg_wal_replay_resume()``) can be cancelled for a recovery conflict: the replay it
    resumes meets a cleanup record received during the pause — longer ago than the 1 s
    standby delay — whose horizon its snapshot precedes (any database's, for the shared
    catalogs other tests' role changes prune). Pausing and resuming are idempotent: once
    more, as the seat's reads do (``models.replica``)."""
    for attempt in range(5):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar()
        except DBAPIError as exc:
            if attempt == 4 or "conflict with recovery" not in str(exc.orig):
                raise
        finally:
            engine.dispose()
        time.sleep(0.2)


def _gone(exc: OperationalError) -> bool:
    """The replica ended the session or refused it for now — it restarts (a crash of one of
    its processes ends every session without an error message, SQLSTATE None; then
    57P03 "not yet accepting connections" until it is consistent again), shuts down
    (57P01/57P02), or cancelled the query for a recovery conflict (40001) — rather than
    refused the statement."""
    state = getattr(exc.orig, "sqlstate", None)
    return state is None or state[:2] in ("08", "57") or state == "40001"


def wait_for_replay(primary_url: str, timeout: float = 120.0) -> None:
    """Until the replica has replayed everything the primary has written so far (a busy
    suite can leave it some way behind; the replication slot keeps what it still needs).
    A replica that drops the poll's session or refuses it while it restarts has not
    replayed it yet: the wait goes on. (Once, in a clone run of the whole suite, the poll
    right after ``resume()`` met "server closed the connection unexpectedly" — a replica
    process gone without an error message, as in a crash-restart — and failed the lag
    test, whose seat and wall were fine.)"""
    target = _scalar(primary_url, "SELECT pg_current_wal_insert_lsn()")
    admin = make_url(read_base_url()).set(database="postgres").render_as_string(
        hide_password=False)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    deadline = time.monotonic() + timeout
    gone: list[str] = []
    try:
        while True:
            try:
                with engine.connect() as conn:
                    if conn.execute(text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"),
                                    {"t": target}).scalar():
                        return
            except OperationalError as exc:
                if not _gone(exc):
                    raise
                gone.append(str(exc.orig).strip().splitlines()[0][:200])
                engine.dispose()  # (its pooled connections died with the replica's sessions)
            if time.monotonic() > deadline:
                raise TimeoutError(f"the replica did not replay up to {target} in {timeout} s"
                                   f" ({len(gone)} polls lost{': ' + gone[-1] if gone else ''})\n"
                                   + _replica_state(primary_url, admin))
            time.sleep(0.05)
    finally:
        engine.dispose()


def _replica_state(primary_url: str, admin: str) -> str:
    """What a replica that does not catch up is doing: both sides' view and its log."""
    lines = []
    for label, url, sql in (
            ("replica", admin,
             "SELECT format('receive %s replay %s paused %s receiver %s', "
             "pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn(), pg_is_wal_replay_paused(), "
             "(SELECT status FROM pg_stat_wal_receiver))"),
            ("primary", primary_url,
             "SELECT coalesce(string_agg(format('%s sent %s replay %s', state, sent_lsn, "
             "replay_lsn), '; '), 'no walsender') FROM pg_stat_replication")):
        try:
            lines.append(f"{label}: {_scalar(url, sql)}")
        except Exception as exc:  # the diagnosis must not hide the timeout
            lines.append(f"{label}: {exc!r}"[:300])
    replica_dir = os.environ.get("SEATDESK_TEST_REPLICA_DIR")
    if replica_dir:
        where = subprocess.run([str(SCRIPT), "where", replica_dir], capture_output=True,
                               text=True).stdout.strip()
        log = Path(where) / "server.log"
        if log.is_file():
            lines += ["replica log:", *log.read_text(errors="replace").splitlines()[-30:]]
    return "\n".join(lines)


class ReplicaControl:
    """Pause/resume replay and stop/start the replica server (restored by ``restore``)."""

    def __init__(self):
        self.admin = make_url(read_base_url()).set(database="postgres").render_as_string(
            hide_password=False)
        self.paused = self.stopped = False

    def pause(self) -> None:
        _scalar(self.admin, "SELECT pg_wal_replay_pause()")
        self.paused = True

    def resume(self) -> None:
        _scalar(self.admin, "SELECT pg_wal_replay_resume()")
        self.paused = False

    def stop(self) -> None:
        self._script("stop", _env("SEATDESK_TEST_REPLICA_DIR"))
        self.stopped = True

    def start(self) -> None:
        port = str(make_url(read_base_url()).port)
        self._script("start-replica", _env("SEATDESK_TEST_REPLICA_DIR"), port,
                     _env("SEATDESK_TEST_PRIMARY_DIR"))
        self.stopped = False

    def crash(self) -> None:
        """What the crash of any one of the replica's processes does: its postmaster ends
        every session at once, without an error message, and recovers by itself (WAL
        replay from the last restart point, refusing connections until consistent). Here
        a backend of our own session is sent SIGQUIT (the replica runs on this machine)."""
        u = make_url(self.admin)
        with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database,
                             autocommit=True) as conn:
            os.kill(conn.info.backend_pid, signal.SIGQUIT)
            try:
                while True:  # until our session is gone: the crash has begun
                    conn.execute("SELECT pg_sleep(0.05)")
            except psycopg.OperationalError:
                pass
        self.paused = False  # a restarted replica replays: the pause is forgotten

    def restore(self) -> None:
        if self.stopped:
            self.start()
        if self.paused:
            self.resume()

    @staticmethod
    def _script(*args: str) -> None:
        subprocess.run([str(SCRIPT), *args], check=True, capture_output=True, timeout=120)


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: `make test` sets it for the replica it starts")
    return value
