"""PostgreSQL's notification queue held by a listener that stopped reading
(``seatdesk db notify-queue``, ``seatdesk/ops/notify_queue.py``; docs/operations.md).

A real stuck listener: a raw socket client that speaks the protocol as far as ``LISTEN``
and then never reads again, its receive buffer made small; a flood of notifications fills
the socket and its backend waits in ``ClientWrite``, holding the queue. The command names
it, ``--end`` terminates it, and the queue empties. The same for a session that listens
and stays idle in an open transaction (a psql session left in ``BEGIN``).

The queue is the whole server's, and the suite's other listeners (seats and servers of
other tests, each in a database of its own, beside these under pytest-xdist) hold a few
pages of it at any moment (``IDLE_PAGES``): the tests measure what their own listener
holds — a whole flood — and call the queue empty once under those few pages."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import struct
import time

import psycopg
import pytest
from sqlalchemy.engine import make_url

from seatdesk.cli import main
from tests.exclusive import exclusive

pytestmark = pytest.mark.postgres
CHANNEL = "seatdesk_test_stuck"
#: PostgreSQL wakes a listener of another database only once the queue's head is this many
#: pages (8 kB) past it (``QUEUE_CLEANUP_DELAY``, src/backend/commands/async.c); until then
#: the listener holds its pages, however promptly it reads. So every listener of the
#: cluster may hold up to 3 pages for as long as its own database is quiet, and the
#: queue is as empty as other databases' listeners let it be below this
IDLE_PAGES = 4
FLOOD = 2000  # notifications of one page each


def _url() -> str:
    return os.environ["SEATDESK_TEST_DATABASE_URL"]


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _messages(sock: socket.socket):
    """The backend's messages (type, body) as they come."""
    buf = b""
    while True:
        while len(buf) < 5 or len(buf) < 1 + struct.unpack("!i", buf[1:5])[0]:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        size = struct.unpack("!i", buf[1:5])[0]
        yield buf[:1], buf[5:1 + size]
        buf = buf[1 + size:]


def _until_ready(messages) -> None:
    for kind, body in messages:
        if kind == b"E":
            raise AssertionError(body)
        if kind == b"R":
            assert struct.unpack("!i", body[:4])[0] == 0, "the test server trusts its clients"
        if kind == b"Z":
            return


def _stuck_listener(url: str) -> socket.socket:
    """A client that LISTENs on ``CHANNEL`` and then reads nothing more."""
    u = make_url(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # (before connect: the window)
    sock.connect((u.host or "127.0.0.1", u.port or 5432))
    params = b"".join(k + b"\0" + v.encode() + b"\0" for k, v in (
        (b"user", u.username or "postgres"), (b"database", u.database or "postgres"),
        (b"application_name", "stuck-listener"))) + b"\0"
    body = struct.pack("!i", 196608) + params
    sock.sendall(struct.pack("!i", len(body) + 4) + body)
    messages = _messages(sock)
    _until_ready(messages)
    query = f"LISTEN {CHANNEL}".encode() + b"\0"
    sock.sendall(b"Q" + struct.pack("!i", len(query) + 4) + query)
    _until_ready(messages)
    return sock


def _flood(conn: psycopg.Connection, count: int = FLOOD) -> None:
    """``count`` distinct notifications of ~7.9 kB, in one transaction (~16 MB): one
    queue page each (two do not fit in a page)."""
    conn.execute(f"SELECT pg_notify('{CHANNEL}', repeat('x', 7900) || g)"
                 " FROM generate_series(1, %s) g", (count,))
    conn.commit()


@contextlib.contextmanager
def _idle_listener(conninfo: str, application_name: str):
    """A session that LISTENs on ``CHANNEL`` and stays idle in a transaction it left open,
    as psql's ``BEGIN`` would (it holds the queue from its first notification on); closed
    after, if the test has not had it ended."""
    listener = psycopg.connect(conninfo, application_name=application_name)
    try:
        listener.execute(f"LISTEN {CHANNEL}")
        listener.commit()
        listener.execute("SELECT 1")  # the transaction left open
        yield listener
    finally:
        with contextlib.suppress(Exception):
            listener.close()


def _wait(predicate, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _state(conn: psycopg.Connection, pid: int) -> tuple[str | None, str | None]:
    row = conn.execute("SELECT state, wait_event FROM pg_stat_activity WHERE pid = %s",
                       (pid,)).fetchone()
    conn.commit()
    return (row[0], row[1]) if row else (None, None)


def _usage(conn: psycopg.Connection) -> float:
    used = conn.execute("SELECT pg_notification_queue_usage()").fetchone()[0]
    conn.commit()
    return float(used)


def _pages(conn: psycopg.Connection) -> int:
    """The queue's usage in pages: from the oldest page a listener still needs to the
    head. ``pg_notification_queue_usage()`` is that over the queue's pages: 8 GB of 8 kB
    before PostgreSQL 17, ``max_notify_queue_pages`` (the same by default) since."""
    pages = conn.execute("SELECT pg_notification_queue_usage() * coalesce(current_setting("
                         "'max_notify_queue_pages', true)::float8, 1048576)").fetchone()[0]
    conn.commit()
    return round(pages)


@pytest.fixture
def listener_elsewhere():
    """What a seat of another test is to the queue: a listener in another database (here
    ``postgres``) that reads everything it is sent, left 2 pages behind by notifications
    in ours — PostgreSQL does not wake it for fewer than ``IDLE_PAGES``. The queue is
    therefore not empty when the test starts."""
    url = _url()
    elsewhere = psycopg.connect(_libpq(make_url(url).set(database="postgres")
                                       .render_as_string(hide_password=False)),
                                autocommit=True, application_name="listener-elsewhere")
    try:
        elsewhere.execute("LISTEN seatdesk_test_elsewhere")
        with psycopg.connect(_libpq(url), autocommit=True) as ours:
            for _ in range(3 * IDLE_PAGES):  # (another test's notifications may wake it)
                if _pages(ours) == 2:
                    break
                ours.execute("SELECT pg_notify('seatdesk_test_nobody', repeat('x', 7900))")
        yield elsewhere
    finally:
        elsewhere.close()


def _command(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--database", _url(), "db", "notify-queue", *args])
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def _one_queue_test_at_a_time():
    """The queue is the whole server's: under pytest-xdist the other test here, run by the
    other process, would hold it (a whole flood) or be listed with ours."""
    with exclusive(f"notify-queue-{make_url(_url()).port}"):
        yield


def test_a_listener_that_stops_reading_is_named_and_ended(listener_elsewhere):
    url = _url()
    admin = psycopg.connect(_libpq(url))
    sock = _stuck_listener(url)
    try:
        pid = admin.execute("SELECT pid FROM pg_stat_activity"
                            " WHERE application_name = 'stuck-listener'").fetchone()[0]
        admin.commit()
        _flood(admin)
        assert _wait(lambda: _state(admin, pid)[1] == "ClientWrite"), _state(admin, pid)
        _flood(admin)  # more behind the stuck one: the queue holds them, every page
        assert _pages(admin) >= FLOOD
        code, said = _command("--older-than", "0")
        assert f"pid {pid}: " in said and "ClientWrite" in said, said
        assert "stuck-listener" in said and "--end" in said
        # --pid: ours only — with --older-than 0 every session of the server idle in a
        # transaction is a holder, the other pytest process's included (it was ended)
        code, said = _command("--older-than", "0", "--end", "--pid", str(pid))
        assert f"pid {pid}: terminated" in said, said
        assert _wait(lambda: _state(admin, pid) == (None, None))
        _flood(admin, 10)  # a NOTIFY after it: the queue's tail moves on
        assert _wait(lambda: _pages(admin) < IDLE_PAGES), _pages(admin)
        code, said = _command("--older-than", "0")
        assert f"pid {pid}" not in said and code == 0, said
    finally:
        sock.close()
        admin.close()


def test_a_listener_idle_in_a_transaction_is_named_and_ended(listener_elsewhere):
    url = _url()
    admin = psycopg.connect(_libpq(url))
    try:
        with _idle_listener(_libpq(url), "idle-listener") as listener:
            pid = listener.info.backend_pid
            _flood(admin, 50)
            assert _pages(admin) >= 50
            assert _state(admin, pid)[0] == "idle in transaction"
            code, said = _command("--older-than", "0")
            assert f"pid {pid}: " in said and "idle in transaction" in said, said
            assert _command("--older-than", "3600")[1].count(f"pid {pid}") == 0  # not yet that old
            bystander = psycopg.connect(_libpq(url), application_name="bystander")
            bystander.execute("SELECT 1")  # idle in a transaction too, listening to nothing
            code, said = _command("--older-than", "0", "--end", "--pid", str(pid))
            assert f"pid {pid}: terminated" in said, said
            assert f"pid {bystander.info.backend_pid}" not in said, said
            assert _wait(lambda: _state(admin, pid) == (None, None))
            assert bystander.execute("SELECT 2").fetchone() == (2,)  # not ended
            bystander.close()
            _flood(admin, 10)
            assert _wait(lambda: _pages(admin) < IDLE_PAGES), _pages(admin)
    finally:
        admin.close()


def test_the_command_on_sqlite_says_it_has_no_queue(tmp_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--database", f"sqlite:///{tmp_path / 'x.db'}", "db", "notify-queue"])
    assert code == 0 and "not used" in out.getvalue()


def test_the_server_warns_while_a_stuck_listener_holds_the_queue(template_store, caplog):
    """``seatdesk serve``'s queue watch (``server/queue_watch.py``), its interval and
    threshold made small: with the raw-socket listener stuck, the log names the queue's
    usage and the listener's backend; it ends nothing itself."""
    import logging

    from seatdesk.models.db import make_engine
    from seatdesk.server.app import create_app
    from seatdesk.server.config import ServerConfig
    from seatdesk.workflow import services as sd
    from tests.server_fixtures import LiveServer

    url = template_store.clone("postgresql", "empty")
    engine = make_engine(url)
    admin = psycopg.connect(_libpq(url))
    sock = _stuck_listener(url)
    caplog.set_level(logging.WARNING, logger="seatdesk.server.queue")
    live = LiveServer(create_app(sd.Workflow(engine),
                                 ServerConfig(queue_check_s=0.2, queue_warn_at=1e-9))).start()
    try:
        pid = admin.execute("SELECT pid FROM pg_stat_activity"
                            " WHERE application_name = 'stuck-listener'").fetchone()[0]
        admin.commit()
        _flood(admin)
        assert _wait(lambda: _state(admin, pid)[1] == "ClientWrite")
        _flood(admin)

        def warned() -> bool:
            return any("notification queue" in r.getMessage() and f"pid {pid}:" in r.getMessage()
                       for r in caplog.records)

        assert _wait(warned), [r.getMessage() for r in caplog.records]
        # still there, still stuck: the server ends nothing (its wait may show another
        # event for a moment — NotifySLRU while the floods' backends hold that lock)
        assert _wait(lambda: _state(admin, pid)[1] == "ClientWrite"), _state(admin, pid)
    finally:
        live.stop()
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE application_name = 'stuck-listener'")
        admin.commit()
        sock.close()
        admin.close()
        engine.dispose()
        template_store.drop("postgresql", url)


def _idle_setting(admin: psycopg.Connection, role: str) -> list[str]:
    """``role``'s own ``idle_in_transaction_session_timeout`` in the connected database
    (``ALTER ROLE … IN DATABASE … SET``), as PostgreSQL stores it."""
    rows = admin.execute(
        "SELECT c FROM pg_db_role_setting s, unnest(s.setconfig) c"
        " WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = %s)"
        " AND s.setdatabase = (SELECT oid FROM pg_database"
        "  WHERE datname = current_database())"
        " AND split_part(c, '=', 1) = 'idle_in_transaction_session_timeout'", (role,)).fetchall()
    admin.commit()
    return [r[0] for r in rows]


def test_a_login_left_idle_in_a_transaction_is_ended_after_its_timeout(template_store,
                                                                        monkeypatch):
    """The logins seatdesk makes get ``dbrules.IDLE_IN_TRANSACTION_TIMEOUT`` in the centre's
    database (``ALTER ROLE … IN DATABASE … SET``): an operator's login from the account
    function, the intake login and the gate from ``db intake-login``/``db upgrade``.
    A DBA's own value is kept by ``db upgrade``; made 1 s here by that same mechanism, a
    session of the intake login (connected with its password, as psql would) that
    LISTENs and is left idle in a transaction, holding the notification queue, is ended
    by the server itself, and the queue empties. A session may override the setting."""
    from seatdesk.models.db import make_engine
    from seatdesk.workflow.dbrules import GATE, IDLE_IN_TRANSACTION_TIMEOUT, apply, grants
    from tests.dbroles import PASSWORD, make_logins
    from tests.dbtemplates import open_database
    from tests.workflow_fixtures import seed_world  # noqa: F401 (the seed's registration)

    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    logins = make_logins(db, ["sup1", "acceptor"])
    name = f"intake_{make_url(url).database}"[:63]
    monkeypatch.setattr("sys.stdin", io.StringIO("intake-idle-9\n"))
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--database", url, "db", "intake-login", name, "--password-stdin"]) == 0
    admin = psycopg.connect(_libpq(url))
    default = f"idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT}"
    try:
        for role in (name, GATE, *logins.values()):
            assert _idle_setting(admin, role) == [default], role
        for role, password in ((name, "intake-idle-9"), (logins["acceptor"], PASSWORD)):
            with psycopg.connect(_as(url, role, password)) as conn:  # what a session gets
                shown = conn.execute("SHOW idle_in_transaction_session_timeout").fetchone()
                assert shown == (IDLE_IN_TRANSACTION_TIMEOUT,), role
                conn.execute("SET idle_in_transaction_session_timeout = 0")  # its own choice
                assert conn.execute("SHOW idle_in_transaction_session_timeout"
                                    ).fetchone() == ("0",)

        # the test's short timeout, the way a DBA sets one: db upgrade keeps it
        db_name = make_url(url).database
        admin.execute(f'ALTER ROLE "{name}" IN DATABASE "{db_name}"'
                      " SET idle_in_transaction_session_timeout = '1s'")
        admin.commit()
        engine = make_engine(url)
        with engine.begin() as conn:
            apply(conn)
            assert grants.idle_timeouts(conn) == []
        engine.dispose()
        assert _idle_setting(admin, name) == ["idle_in_transaction_session_timeout=1s"]

        with _idle_listener(_as(url, name, "intake-idle-9"), "idle-intake") as listener:
            pid = listener.info.backend_pid
            _flood(admin, 50)
            assert _usage(admin) > 0
            assert _wait(lambda: _state(admin, pid) == (None, None)), _state(admin, pid)
            with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):  # (25P03)
                listener.execute("SELECT 2")
            _flood(admin, 10)
            assert _wait(lambda: _pages(admin) < IDLE_PAGES), _pages(admin)
    finally:
        admin.close()
        db.engine.dispose()
        template_store.drop("postgresql", url)
        template_store._pg_exec(f'DROP ROLE IF EXISTS "{name}"')


def _as(url: str, login: str, password: str) -> str:
    return _libpq(make_url(url).set(username=login, password=password)
                  .render_as_string(hide_password=False))
