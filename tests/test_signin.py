"""Signing in: on PostgreSQL operators connect as their own database login through the gate
(real SCRAM authentication against the suite's server), on SQLite against the argon2 users
table. One message for every refusal; the lockout is counted atomically and holds under
20 concurrent wrong attempts on both backends — on PostgreSQL even against psql."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import psycopg
import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import Qt
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from seatdesk.models.db import make_engine
from seatdesk.ui.session.app import make_application
from seatdesk.ui.session.login_dialog import LoginDialog
from seatdesk.workflow import accounts, auth, signin
from seatdesk.workflow.auth import FAILED, LoginError
from tests import workflow_fixtures  # noqa: F401  (registers the "workflow_world" seed)
from tests.dbroles import PASSWORD, make_logins
from tests.dbtemplates import open_database


@pytest.fixture
def pg(template_store):
    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    gate = make_engine(make_url(url).set(username="seatdesk_gate").render_as_string(False))
    yield db, gate, make_logins(db)
    gate.dispose()
    db.engine.dispose()
    template_store.drop("postgresql", url)


def _dsn(db, user: str, password: str) -> str:
    url = make_url(db.url)
    return (f"host={url.host} port={url.port} dbname={url.database} user={user}"
            f" password={password} connect_timeout=5")


def _wrong_attempts(fn, n: int = 20) -> list[Exception]:
    errors: list[Exception] = []

    def attempt():
        try:
            fn()
        except LoginError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


@pytest.mark.postgres
def test_operators_sign_in_as_their_own_database_login(pg):
    db, gate, logins = pg
    assert signin.mode(gate) == "logins" and signin.mode(db.engine) == "users"
    assert signin.centre_name(gate) == signin.centre_name(db.engine)
    signed = signin.sign_in(gate, "dispatcher", PASSWORD)
    try:
        assert signed.user.role == "dispatcher" and signed.owned
        with signed.engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == logins["dispatcher"]
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 0
    finally:
        signed.close()
    with gate.connect() as conn:  # the gate itself reads nothing
        with pytest.raises(Exception, match="permission denied"):
            conn.execute(text("SELECT count(*) FROM cases"))


@pytest.mark.postgres
def test_a_nul_byte_at_a_seats_sign_in_is_a_wrong_password(pg):
    """The seat's sign-in, both ways (the gate and the users table): a NUL byte in the
    name or the password is the one sign-in message, not a database error; the password
    change refuses one in the new password and takes one in the old for a wrong one."""
    db, gate, _logins = pg
    for engine in (gate, db.engine):
        for username, password in (("lead", "ab\x00cd"), ("le\x00ad", PASSWORD)):
            with pytest.raises(LoginError) as refused:
                signin.sign_in(engine, username, password)
            assert str(refused.value) == FAILED
        signed = signin.sign_in(engine, "lead", PASSWORD)
        try:
            with pytest.raises(LoginError, match="原密码不正确"):
                signed.change_password("x\x00y", "abcdefghij")
            with pytest.raises(LoginError, match="NUL"):
                signed.change_password(PASSWORD, "abcdefgh\x00ij")
        finally:
            signed.close()
    signin.sign_in(gate, "lead", PASSWORD).close()  # unchanged


@pytest.mark.postgres
def test_one_message_for_unknown_user_wrong_password_and_locked_account(pg):
    db, gate, logins = pg
    messages = set()
    for username, password in (("nobody", PASSWORD), ("lead", "wrong password")):
        with pytest.raises(LoginError) as refused:
            signin.sign_in(gate, username, password)
        messages.add(str(refused.value))
    with db.engine.begin() as conn:
        conn.execute(text("SELECT seatdesk_admin_set_active(:u, false)"),
                     {"u": _user_id(db, "acceptor")})
    with pytest.raises(LoginError) as refused:
        signin.sign_in(gate, "acceptor", PASSWORD)
    messages.add(str(refused.value))
    assert messages == {FAILED}


@pytest.mark.postgres
def test_lockout_holds_under_20_concurrent_wrong_attempts_even_for_psql(pg):
    db, gate, logins = pg
    errors = _wrong_attempts(lambda: signin.sign_in(gate, "lead", "not-the-password"))
    assert len(errors) == 20 and {str(e) for e in errors} == {FAILED}
    with db.engine.connect() as conn:
        failed, locked = conn.execute(text(
            "SELECT failed_logins, locked_until FROM users WHERE username = 'lead'")).one()
    assert failed == 20 and locked > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=14)
    with pytest.raises(LoginError, match=FAILED):  # the right password, through the seat
        signin.sign_in(gate, "lead", PASSWORD)
    with pytest.raises(psycopg.OperationalError, match="authentication failed"):  # and psql
        psycopg.connect(_dsn(db, logins["lead"], PASSWORD)).close()
    with db.engine.begin() as conn:  # fifteen minutes later …
        conn.execute(text("UPDATE users SET locked_until = now() - interval '1 second'"
                          " WHERE username = 'lead'"))
    signed = signin.sign_in(gate, "lead", PASSWORD)  # the gate lifts the lock that ran out
    signed.close()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT failed_logins FROM users WHERE username = 'lead'")
                            ).scalar() == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_lockout_holds_under_20_concurrent_wrong_attempts_on_sqlite(make_db):
    db = make_db("workflow_world")
    with db.Session.begin() as s:
        accounts.reset_account_password(s, _user_id(db, "lead"), "right-password")

    def attempt():  # as the seat's sign-in does: one write transaction, committed anyway
        signin.sign_in(db.engine, "lead", "wrong-password")

    errors = _wrong_attempts(attempt)
    assert {str(e) for e in errors} == {FAILED} and len(errors) == 20
    with db.engine.connect() as conn:
        failed, locked = conn.execute(text(
            "SELECT failed_logins, locked_until FROM users WHERE username = 'lead'")).one()
    assert failed == 20 and locked is not None
    with pytest.raises(LoginError, match=FAILED):
        signin.sign_in(db.engine, "lead", "right-password")


def _probe_the_account_row(db, username: str) -> str:
    """From another connection, while the sign-in hashes: write the account's row with a
    short lock wait, and on PostgreSQL look for a transaction left open in the database.
    Returns "" or what was in the way."""
    if db.backend == "sqlite":
        conn = sqlite3.connect(make_url(db.url).database, timeout=0.5)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE users SET display_name = display_name WHERE username = ?",
                         (username,))
            conn.commit()
        except sqlite3.OperationalError as exc:
            return f"write blocked: {exc}"
        finally:
            conn.close()
        return ""
    with db.engine.connect() as conn:
        try:
            with conn.begin():
                conn.execute(text("SET LOCAL lock_timeout = '1s'"))
                conn.execute(text("UPDATE users SET display_name = display_name"
                                  " WHERE username = :u"), {"u": username})
        except OperationalError as exc:
            return f"write blocked: {exc.orig}"
        opened = conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")).scalar()
        conn.rollback()
    return f"{opened} transaction(s) open" if opened else ""


def _probe_every_hash(db, username: str, password: str, monkeypatch) -> list:
    """Give ``username`` a hash with out-of-date parameters (rehashed at sign-in) and
    probe the account's row (``_probe_the_account_row``) at every argon2 call from now
    on: the list of (verify | rehash, what was in the way)."""
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = :h WHERE username = :u"),
                     {"h": old.hash(password), "u": username})
    seen: list[tuple[str, str]] = []

    def probing(name, original):
        def call(*args):
            seen.append((name, _probe_the_account_row(db, username)))
            return original(*args)
        return call

    monkeypatch.setattr(auth, "verify_password", probing("verify", auth.verify_password))
    monkeypatch.setattr(auth, "hash_password", probing("rehash", auth.hash_password))
    return seen


def test_the_password_hash_runs_outside_the_sign_in_transaction(make_db, monkeypatch):
    """Fifty seats sign in at shift change: the argon2 verification (and the rehash of a
    hash with old parameters) runs with no transaction open, so a writer of the user's
    row is not kept waiting by it (on SQLite: the database's write lock is free)."""
    db = make_db("workflow_world")
    seen = _probe_every_hash(db, "lead", "right-password", monkeypatch)
    with pytest.raises(LoginError, match=FAILED):
        signin.sign_in(db.engine, "lead", "wrong-password")
    signed = signin.sign_in(db.engine, "lead", "right-password")
    assert signed.user.username == "lead"
    assert seen == [("verify", ""), ("verify", ""), ("rehash", "")]
    with db.engine.connect() as conn:  # and the sign-in did what it always did
        stored, failed = conn.execute(text(
            "SELECT password_hash, failed_logins FROM users WHERE username = 'lead'")).one()
    assert failed == 0 and not auth._HASHER.check_needs_rehash(stored)
    assert auth.verify_password(stored, "right-password")


@pytest.mark.postgres
def test_a_training_login_cannot_connect_to_another_database(pg, template_store):
    db, gate, logins = pg
    other = open_database("postgresql", template_store.clone("postgresql", "workflow_world"))
    try:
        with other.engine.begin() as conn:  # the other database's own rules (db upgrade)
            from seatdesk.workflow.dbrules import grants

            grants._database(conn)
        with pytest.raises(psycopg.OperationalError, match="CONNECT"):
            psycopg.connect(_dsn(other, logins["lead"], PASSWORD)).close()
        psycopg.connect(_dsn(db, logins["lead"], PASSWORD)).close()
    finally:
        other.engine.dispose()
        template_store.drop("postgresql", other.url)


@pytest.mark.postgres
def test_forced_password_change_moves_the_operator_to_the_new_password(pg, qtbot):
    db, gate, logins = pg
    make_application(language="zh_CN")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE users SET must_change_password = true"
                          " WHERE username = 'dispatcher'"))
    from sqlalchemy.orm import sessionmaker

    dialog = LoginDialog(sessionmaker(gate))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "dispatcher")
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: getattr(dialog, "change_dialog", None) is not None, timeout=30_000)
    change = dialog.change_dialog
    qtbot.keyClicks(change.new, "brand-new-pass")
    qtbot.keyClicks(change.repeat, "brand-new-pass")
    with qtbot.waitSignal(dialog.logged_in_as, timeout=30_000):
        qtbot.keyClick(change.repeat, Qt.Key.Key_Return)
    signed = dialog.signed_in
    with signed.engine.connect() as conn:  # the seat's engine now uses the new password
        assert conn.execute(text("SELECT current_user")).scalar() == logins["dispatcher"]
    signed.close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_dsn(db, logins["dispatcher"], PASSWORD)).close()
    again = signin.sign_in(gate, "dispatcher", "brand-new-pass")
    assert not again.user.must_change_password
    again.close()


@pytest.mark.postgres
def test_a_password_someone_else_gave_opens_nothing_but_its_change(pg):
    """An administrator's reset (``db logins`` does the same): the login, on the password
    the administrator knows, is in no group — psql with it reads and writes nothing, and
    can only learn that it must change it and change it; the change gives the group back.
    A database whose logins kept their groups under the flag (before 2026-12-07) has them
    taken away by the rules ``db upgrade`` applies."""
    from seatdesk.workflow import dbrules

    db, gate, logins = pg
    login, uid = logins["dispatcher"], _user_id(db, "dispatcher")

    def member() -> bool:
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT pg_has_role(:l, 'seatdesk_dispatcher', 'MEMBER')"),
                                {"l": login}).scalar()

    with db.Session.begin() as s:
        accounts.reset_account_password(s, uid, "given-by-it-1")
    assert not member()
    with pytest.raises(psycopg.OperationalError):  # the old password is gone
        psycopg.connect(_dsn(db, login, PASSWORD)).close()
    with psycopg.connect(_dsn(db, login, "given-by-it-1")) as raw:
        for sql in ("SELECT count(*) FROM cases", "SELECT count(*) FROM users",
                    "UPDATE cases SET urgency = urgency",
                    "SELECT seatdesk_admin_set_active(1, false)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                raw.execute(sql)
            raw.rollback()
        assert raw.execute("SELECT role, must_change_password FROM seatdesk_signed_in()"
                           ).fetchone() == ("dispatcher", True)
    signed = signin.sign_in(gate, "dispatcher", "given-by-it-1")
    assert signed.user.must_change_password
    signed.change_password("given-by-it-1", "chosen-by-me-2")
    try:
        with signed.engine.connect() as conn:  # in its group again, on its own password
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar() >= 0
    finally:
        signed.close()
    assert member()
    with db.engine.begin() as conn:  # what the rules before left: the flag, the group kept
        conn.execute(text("UPDATE users SET must_change_password = true WHERE id = :u"),
                     {"u": uid})
        conn.exec_driver_sql(f'GRANT seatdesk_dispatcher TO "{login}"')
    assert member()
    with db.engine.begin() as conn:
        dbrules.apply(conn)
    assert not member()
    with db.engine.begin() as conn:  # the owner clears the flag by hand: the group follows
        conn.execute(text("UPDATE users SET must_change_password = false WHERE id = :u"),
                     {"u": uid})
    assert member()


@pytest.mark.postgres
def test_a_seat_signed_in_by_its_login_hears_the_reset_as_a_changed_account(pg):
    """A seat signed in as its own login when an administrator resets the password: the
    login leaves its group at once, so the seat's check of the live record is refused
    (42501) — which is the account having changed (sign out), not a database error."""
    from sqlalchemy.orm import Session

    from seatdesk.workflow import liveuser
    from seatdesk.workflow import services as sd

    db, gate, _logins = pg
    signed = signin.sign_in(gate, "dispatcher", PASSWORD)
    user = signed.user
    remove = liveuser.guard(signed.engine, sd.Actor(user.user_id, user.role,
                                                   user.department_id, "席位"))
    try:
        with Session(signed.engine) as s:  # works before
            assert s.execute(text("SELECT count(*) FROM cases")).scalar() >= 0
        with db.Session.begin() as s:
            accounts.reset_account_password(s, user.user_id, "given-by-it-1")
        with Session(signed.engine) as s, pytest.raises(liveuser.AccountChanged):
            s.execute(text("SELECT count(*) FROM cases"))
    finally:
        remove()
        signed.close()


def _user_id(db, username: str) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT id FROM users WHERE username = :u"),
                            {"u": username}).scalar_one()


def test_user_add_validates_like_the_screen_and_only_the_first_admin_keeps_the_password(
        db, monkeypatch, capsys):
    import io

    from seatdesk.cli import main

    def add(name: str, role: str, password: str, *extra: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        return main(["--database", db.url, "user", "add", name, "--role", role,
                     "--password-stdin", *extra])

    assert add("chief", "admin", "        ") == 2  # whitespace only
    assert "只有空格" in capsys.readouterr().err
    assert add("chief boss", "admin", "long enough pw") == 2
    assert "不能有空格" in capsys.readouterr().err
    assert add("chief", "admin", "long enough pw") == 0
    assert add("second", "admin", "long enough pw") == 0
    assert "首次登录须修改密码" in capsys.readouterr().out
    with db.engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT username, must_change_password FROM users")).all())
        logins = conn.execute(text("SELECT count(*) FROM users u JOIN pg_roles r"
                                   " ON r.rolname = u.db_login")).scalar() if (
            db.backend == "postgresql") else 2
    assert rows == {"chief": False, "second": True}
    assert logins == 2  # on PostgreSQL each got their own login


@pytest.mark.postgres
def test_db_logins_creates_each_users_login_and_prints_its_password_once(template_store,
                                                                         capsys):
    from seatdesk.cli import main

    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    gate = make_engine(make_url(url).set(username="seatdesk_gate").render_as_string(False))
    try:
        assert main(["--database", url, "db", "logins"]) == 0
        out = capsys.readouterr().out
        prefix = f"{make_url(url).database}."
        assert f"login prefix: {prefix}" in out and "12 login(s)" in out
        line = next(x for x in out.splitlines() if x.startswith("lead "))
        password = line.split()[-1]
        signed = signin.sign_in(gate, "lead", password)
        assert signed.user.must_change_password  # the printed password is an initial one
        signed.close()
        assert main(["--database", url, "db", "logins"]) == 0  # nothing left to create
        assert "0 login(s)" in capsys.readouterr().out
        assert main(["--database", url, "db", "logins", "--prefix", "training.", "lead"]) == 0
        assert "training.lead" in capsys.readouterr().out
    finally:
        gate.dispose()
        db.engine.dispose()
        template_store.drop("postgresql", url)
        template_store._pg_exec('DROP ROLE IF EXISTS "training.lead"')  # cluster-wide


def test_the_embedded_database_file_is_readable_by_its_owner_only(tmp_path, capsys):
    import os
    import stat

    from seatdesk.cli import main

    path = tmp_path / "seat.sqlite3"
    assert main(["--database", f"sqlite:///{path}", "db", "upgrade"]) == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    os.chmod(path, 0o644)  # a file of ours found readable by others is tightened
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_handset_sign_in_hashes_outside_its_transaction(make_db, monkeypatch):
    """The intake server's handset sign-in on its own connection (SQLite, or PostgreSQL
    without per-user logins): the same three steps as a seat's, so a writer of the
    supervisor's row is not kept waiting by the argon2 verification or the rehash."""
    from tests.server_fixtures import PASSWORD as FIELD_PASSWORD
    from tests.server_fixtures import make_server
    from tests.workflow_fixtures import open_world

    srv = make_server(open_world(make_db("workflow_world")))
    db = srv.world.db
    seen = _probe_every_hash(db, "sup1", FIELD_PASSWORD, monkeypatch)
    body = {"username": "sup1", "device_id": "phone-1"}
    refused = srv.client.post("/field/v1/session", json={**body, "password": "wrong"})
    assert refused.status_code == 401, refused.text
    signed = srv.client.post("/field/v1/session", json={**body, "password": FIELD_PASSWORD})
    assert signed.status_code == 201, signed.text
    assert seen == [("verify", ""), ("verify", ""), ("rehash", "")]
    with db.engine.connect() as conn:
        stored, failed = conn.execute(text(
            "SELECT password_hash, failed_logins FROM users WHERE username = 'sup1'")).one()
    assert failed == 0 and not auth._HASHER.check_needs_rehash(stored)
