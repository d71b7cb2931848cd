"""Database bootstrap: engines, sessions and migrations. Nothing is created at import time."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from .textrules import guard_sessions

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "migrations"
#: a pooled PostgreSQL connection that sat idle at least this long is pinged before use
PING_AFTER_IDLE_S = 1.0


def make_engine(url: str, **kwargs) -> Engine:
    guard_sessions()  # text lengths and NULs checked on every flush, on both backends
    if url.startswith("sqlite"):
        private_file(url)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    ping_after = kwargs.pop("ping_after_idle", PING_AFTER_IDLE_S)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_idle_connections(engine, ping_after)
    return engine


def private_file(url: str) -> None:
    """The embedded database holds caller phone numbers and password hashes and trusts
    whoever can open it (docs/security.md): create it readable by its owner only (0600;
    SQLite gives its -wal and -shm files the same mode), and tighten a file of ours that
    is readable by others."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        st = os.stat(path)
        if st.st_uid == os.geteuid() and st.st_mode & 0o077:
            os.chmod(path, 0o600)
    except FileNotFoundError:
        pass  # the folder does not exist: SQLite reports that itself


def _ping_idle_connections(engine: Engine, after: float) -> None:
    """Pessimistic disconnect handling for connections that sat in the pool: one that was
    idle ``after`` seconds or more is pinged at checkout, and a dead one is replaced
    before anybody uses it (a restarted or failed-over server, a firewall that dropped
    it). A connection handed back moments ago is not pinged: ``pool_pre_ping`` would add
    a round trip to every transaction and cost a busy seat a tenth of its throughput
    (docs/performance.md). A server lost in between surfaces as a disconnect error on
    the first statement; SQLAlchemy then invalidates the connection and the workflow
    retries the unit of work once (``workflow.context.Workflow.write``)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record) -> None:
        if record is not None:
            record.info["seatdesk_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy) -> None:
        since = record.info.pop("seatdesk_idle_since", None)
        if since is None or time.monotonic() - since < after:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("连接已断开，重新连接") from exc  # the pool reconnects


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    # let SQLAlchemy emit BEGIN itself (BEGIN IMMEDIATE below) so writers serialise cleanly
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_on_begin(conn) -> None:
    # BEGIN IMMEDIATE when the caller asked for a write transaction
    # (``session.connection(execution_options={"sqlite_write": True})`` is too late,
    # so services use ``write_transaction``); plain deferred BEGIN otherwise.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One all-or-nothing unit of work."""
    with factory() as session, session.begin():
        yield session


#: execution option of a unit of work that checks its acting user's live record itself
#: (the workflow's actions, in the same query as the case): the seat's guard
#: (``workflow.liveuser``) does not ask the database once more before it
ACTOR_CHECKED = "seatdesk_actor_checked"


@contextmanager
def write_transaction(engine: Engine, *, actor_checked: bool = False) -> Iterator[Session]:
    """A unit of work that will write: on SQLite it takes the write lock up front so two
    seats never deadlock upgrading a read lock; on PostgreSQL it is an ordinary transaction."""
    conn = engine.connect()
    if engine.dialect.name == "sqlite":
        conn = conn.execution_options(sqlite_write=True)
    if actor_checked:
        conn = conn.execution_options(**{ACTOR_CHECKED: True})
    try:
        with conn.begin(), Session(bind=conn, expire_on_commit=False) as session:
            yield session
    finally:
        conn.close()


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` and record which release did it."""
    from alembic import command

    from .versions import record_release

    command.upgrade(alembic_config(url), revision)
    engine = make_engine(url)
    try:
        record_release(engine)
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision(url: str) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def known_revisions(url: str) -> set[str]:
    """Every revision this release ships a migration for."""
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()}


def postgis_version(engine: Engine) -> str | None:
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT postgis_full_version()")).scalar()
