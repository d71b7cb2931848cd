"""A partner system's account never signs in (docs/security.md, "The intake server and
partners"): no password in ``users``, and on PostgreSQL a NOLOGIN role without a password
that only the intake server becomes (``SET ROLE``) — whatever ``seatdesk db logins``, an
administrator's password reset or an older database did to it.

Until 2026-12-07 ``db logins`` printed a password for each partner account and made its
login LOGIN: with it a seat signed in as ``partner:fms`` (a 受理员 workspace) and psql
connected with the partner's rights; ``partner add`` on a database with logins set a
random one. The intake server acting for partners through the NOLOGIN role is shown by
``test_server_cli.py::test_serve_from_the_command_line_as_the_intake_login`` (``db logins``,
then an Open311 POST and GET as the partner) and ``test_server_intake_login.py``."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url

from seatdesk.cli import main
from seatdesk.models import User
from seatdesk.models.db import make_engine
from seatdesk.workflow import accounts, signin
from seatdesk.workflow.auth import FAILED, LoginError, hash_password
from seatdesk.workflow.dbrules import PARTNER_NO_PASSWORD
from tests.dbroles import as_login, refused
from tests.dbtemplates import open_database
from tests.server_fixtures import prepare
from tests.workflow_fixtures import open_world

SHARED = "shared-initial-9"


def _role(db, username: str):
    """(login name, rolcanlogin, has a password) of the user's database role."""
    with db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT u.db_login, a.rolcanlogin, a.rolpassword IS NOT NULL FROM users u"
            " JOIN pg_authid a ON a.rolname = u.db_login WHERE u.username = :u"),
            {"u": username}).one()


def _account(db, username: str):
    with db.Session() as s:
        return s.execute(select(User.password_hash, User.must_change_password)
                         .where(User.username == username)).one()


def _refused(engine, username: str, password: str) -> None:
    with pytest.raises(LoginError) as refused:
        signin.sign_in(engine, username, password).close()
    assert str(refused.value) == FAILED


@pytest.fixture
def pg_partners(template_store, monkeypatch):
    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    prepare(open_world(db))  # partner:fms (Open311) and partner:rx12345 (12345)
    gate = make_engine(make_url(url).set(username="seatdesk_gate").render_as_string(False))
    yield db, gate, url
    gate.dispose()
    db.engine.dispose()
    template_store.drop("postgresql", url)


@pytest.mark.postgres
def test_db_logins_gives_a_partner_a_nologin_role_and_no_password(pg_partners, capsys,
                                                                   monkeypatch):
    db, gate, url = pg_partners
    monkeypatch.setattr("sys.stdin", io.StringIO(SHARED + "\n"))
    assert main(["--database", url, "db", "logins", "--password-stdin"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("partner:fms "))
    assert line.endswith("(partner: no password, never signs in)"), line
    assert next(x for x in out.splitlines() if x.startswith("lead ")).endswith("(stdin)")
    for partner in ("partner:fms", "partner:rx12345"):
        login, can_login, has_password = _role(db, partner)
        assert login.endswith(partner) and not can_login and not has_password
        assert _account(db, partner) == (PARTNER_NO_PASSWORD, False)
        _refused(gate, partner, SHARED)  # the password every other user was given
    signin.sign_in(gate, "lead", SHARED).close()  # which works for a seat's operator
    # ``--all`` again (every login re-made) and the partner is still without a password
    monkeypatch.setattr("sys.stdin", io.StringIO(SHARED + "\n"))
    assert main(["--database", url, "db", "logins", "--all", "--password-stdin"]) == 0
    assert _role(db, "partner:fms")[1:] == (False, False)
    _refused(gate, "partner:fms", SHARED)


@pytest.mark.postgres
def test_a_database_from_before_gets_its_partners_passwords_taken_away(pg_partners, capsys,
                                                                       monkeypatch):
    """An older database: ``db logins`` made the partner's role LOGIN with a password and
    put its argon2 hash in ``users``. ``seatdesk db upgrade`` (the rules re-applied) takes
    both away; the partner still reports through the intake server (its role, NOLOGIN,
    keeps its group)."""
    db, gate, url = pg_partners
    monkeypatch.setattr("sys.stdin", io.StringIO(SHARED + "\n"))
    assert main(["--database", url, "db", "logins", "--password-stdin"]) == 0
    login = _role(db, "partner:fms")[0]
    with db.engine.begin() as conn:  # what the code before this change left
        verifier = conn.connection.driver_connection.pgconn.encrypt_password(
            SHARED.encode(), login.encode(), b"scram-sha-256").decode()
        # (the flag first: its trigger settles the login, as a database of today does)
        conn.execute(update(User).where(User.username == "partner:fms").values(
            password_hash=hash_password(SHARED), must_change_password=True))
        conn.exec_driver_sql(f"ALTER ROLE \"{login}\" LOGIN PASSWORD '{verifier}'")
    assert _role(db, "partner:fms")[1:] == (True, True)
    assert main(["--database", url, "db", "upgrade"]) == 0
    assert _role(db, "partner:fms")[1:] == (False, False)
    assert _account(db, "partner:fms") == (PARTNER_NO_PASSWORD, False)
    _refused(gate, "partner:fms", SHARED)
    with as_login(db, login) as conn:  # nor can anyone acting as it give it one back
        assert "not an active operator" in refused(
            conn, "SELECT seatdesk_change_password(:h, :v)", {"h": "x", "v": verifier})
    with db.engine.connect() as conn:  # still in its group: the intake server acts as it
        assert conn.execute(text("SELECT pg_has_role(:l, 'seatdesk_partner', 'MEMBER')"),
                            {"l": login}).scalar()


@pytest.mark.postgres
def test_signed_in_refuses_a_partner_whose_role_was_given_login_by_hand(pg_partners,
                                                                       monkeypatch):
    """A DBA's ``ALTER ROLE … LOGIN PASSWORD`` on a partner's role: PostgreSQL lets the
    connection in, and ``seatdesk_signed_in()`` still names no operator — so no seat."""
    db, gate, url = pg_partners
    monkeypatch.setattr("sys.stdin", io.StringIO(SHARED + "\n"))
    assert main(["--database", url, "db", "logins", "--password-stdin"]) == 0
    login = _role(db, "partner:fms")[0]
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"ALTER ROLE \"{login}\" LOGIN PASSWORD '{SHARED}'")
    _refused(gate, "partner:fms", SHARED)


def test_a_partner_account_never_signs_in_and_has_no_password_to_reset(make_db):
    """Both backends, the users table's sign-in (the embedded database; PostgreSQL before
    ``db logins``): a partner's row with a real hash — an older database's — is refused
    like an inactive account, and an administrator can neither give it a password nor
    another role."""
    db = make_db("workflow_world")
    prepare(open_world(db))
    with db.Session.begin() as s:
        assert s.scalar(select(User.password_hash).where(
            User.username == "partner:fms")) == PARTNER_NO_PASSWORD
        s.execute(update(User).where(User.username == "partner:fms").values(
            password_hash=hash_password(SHARED)))
        partner_id = s.scalar(select(User.id).where(User.username == "partner:fms"))
    _refused(db.engine, "partner:fms", SHARED)
    with db.Session.begin() as s, pytest.raises(accounts.AccountRefused) as refused:
        accounts.reset_account_password(s, partner_id, "another-one-7")
    assert str(refused.value) == accounts.PARTNER_HAS_NO_PASSWORD
    with db.Session.begin() as s, pytest.raises(accounts.AccountRefused) as refused:
        accounts.update_account(s, partner_id, display_name="接口：市民随手拍",
                                role="dispatcher", department_id=None, phone="")
    assert str(refused.value) == accounts.PARTNER_KEEPS_ITS_ROLE
    with db.Session() as s:  # nothing changed
        assert s.scalar(select(User.must_change_password).where(User.id == partner_id)) is False
        assert s.scalar(select(User.role).where(User.id == partner_id)) == "acceptor"
