"""``seatdesk serve`` connected as the schema owner of docs/operations.md 1.1 — a plain
``LOGIN CREATEROLE`` role, no superuser — on a database it made itself (``db upgrade``
as it). On PostgreSQL 15 such an owner is not a member of the logins it creates, so it
may not ``SET ROLE`` to a supervisor's: the server then acts for that supervisor on its
own connection (``server/identity.py``), the owner being a trusted writer whose rows keep
the actor the server states. Connected as the intake login nothing changes: a login it is
not a member of is the database's to refuse.

The rest of the suite connects as the cluster's superuser, who may take any role, so it
never met this (a handset's every call after sign-in answered 403 ``refused_by_database``,
``permission denied to set role``)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import uuid

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from seatdesk.cli import main
from seatdesk.models import FieldEvent, LedgerEntry, SupervisorPosition
from seatdesk.models.db import make_engine, upgrade
from seatdesk.server.identity import FIELD, DatabaseIdentity, Principal
from seatdesk.workflow import services as sd
from tests.dbroles import make_logins
from tests.dbtemplates import open_database, pg_base_url
from tests.server_fixtures import PASSWORD, prepare, serving
from tests.workflow_fixtures import P1, open_world, seed_world

pytestmark = pytest.mark.postgres
OWNER_PASSWORD = "owner-secret-17"
INTAKE_PASSWORD = "intake-secret-17"


class Owned:
    """A database owned by a CREATEROLE owner: its name, the owner's URL, the world."""

    def __init__(self, name: str, url: str, world):
        self.name, self.url, self.world = name, url, world


@pytest.fixture
def owned(template_store):
    """docs/operations.md 1.1 as the superuser (the owner, its database, the extensions),
    then 1.2 as the owner (``db upgrade``), the test world, and sup1 a login. Roles are
    the cluster's: the owner and every login of the database go, also on failure."""
    name = f"sdowner_{uuid.uuid4().hex[:10]}"
    admin = template_store._admin_engine()
    db = None
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                f"CREATE ROLE \"{name}\" LOGIN CREATEROLE PASSWORD '{OWNER_PASSWORD}'")
            conn.exec_driver_sql(f'GRANT pg_signal_backend TO "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER "{name}"')
        template_store._pg_exec_in(name, "CREATE EXTENSION IF NOT EXISTS postgis;"
                                         " CREATE EXTENSION IF NOT EXISTS pg_trgm")
        url = make_url(pg_base_url()).set(database=name, username=name,
                                          password=OWNER_PASSWORD
                                          ).render_as_string(hide_password=False)
        upgrade(url)
        db = open_database("postgresql", url)
        seed_world(db.engine)
        world = open_world(db)
        world.clock.now = dt.datetime.now(dt.UTC)  # the ledger's time is checked
        make_logins(db, ["sup1"])
        prepare(world)  # sup1's password (the users table's: the owner signs in with it)
        yield Owned(name, url, world)
    finally:
        if db is not None:
            db.engine.dispose()
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                roles = conn.execute(text(
                    "SELECT rolname FROM pg_roles WHERE starts_with(rolname, :p)"
                    " ORDER BY rolname = :n"), {"p": name, "n": name}).scalars().all()
                for role in roles:  # the logins (<db>.<user>), the intake login, the owner
                    conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                    conn.exec_driver_sql(f'DROP ROLE "{role}"')
        finally:
            admin.dispose()


def _login(owned: Owned, username: str) -> str:
    with owned.world.db.Session() as s:
        return s.scalar(text("SELECT db_login FROM users WHERE username = :u"),
                        {"u": username})


def _principal(owned: Owned, username: str) -> Principal:
    with owned.world.db.Session() as s:
        user_id, role, department = s.execute(text(
            "SELECT id, role, department_id FROM users WHERE username = :u"),
            {"u": username}).one()
    return Principal(FIELD, user_id, role, department, username, f"test/{username}")


def test_a_server_connected_as_a_createrole_owner_serves_a_supervisor_with_a_login(
        owned, caplog):
    """The handset round of the bug (2026-12-07): sign-in, on duty, a position, who-am-I
    and a report each answered, the rows naming sup1 and the handset; the warning said
    once for sup1's login."""
    w, login = owned.world, _login(owned, "sup1")
    sup1 = w.users["sup1"]
    with w.db.engine.connect() as conn:  # the owner really may not take sup1's login
        assert conn.execute(text(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar() is False
        with pytest.raises(DBAPIError, match="permission denied to set role"):
            conn.exec_driver_sql(f'SET ROLE "{login}"')
    caplog.set_level(logging.WARNING, "seatdesk.server.identity")
    with serving(owned.url) as live, httpx.Client(base_url=live.url, timeout=30) as c:
        signed = c.post("/field/v1/session", json={
            "username": "sup1", "password": PASSWORD, "device_id": "owner-1"})
        assert signed.status_code == 201, signed.text
        me = {"Authorization": f"Bearer {signed.json()['token']}"}
        duty = c.post("/field/v1/duty", json={"on_duty": True, "lon": P1[0], "lat": P1[1]},
                      headers=me)
        assert duty.status_code == 200, duty.text
        pinged = c.post("/field/v1/positions", headers=me, json={
            "fixes": [{"lon": P1[0], "lat": P1[1], "accuracy_m": 8}]})
        assert pinged.status_code == 200 and pinged.json()["accepted"] == 1, pinged.text
        mine = c.get("/field/v1/me", headers=me)
        assert mine.status_code == 200 and mine.json()["on_duty"] is True, mine.text
        reported = c.post("/field/v1/reports", headers=me, json={
            "report_id": "owner-0001", "lon": P1[0], "lat": P1[1], "description": "井盖破损"})
        assert reported.status_code == 201, reported.text
        identity = live.app.state.server.identity
        assert identity.login(sup1) == login
        assert identity.workflow(_principal(owned, "sup1")).db_role is None  # its own
    with w.db.Session() as s:
        ledger = s.execute(select(LedgerEntry.actor_id, LedgerEntry.actor_role,
                                  LedgerEntry.seat)
                           .where(LedgerEntry.case_id == reported.json()["case_id"])).all()
        events = s.scalars(select(FieldEvent.user_id).where(FieldEvent.kind == "on_duty")).all()
        positions = s.scalars(select(SupervisorPosition.user_id)).all()
    assert [tuple(r) for r in ledger] == [(sup1, "supervisor", "城管通/owner-1")]
    assert events == [sup1] and positions == [sup1]
    said = [r.getMessage() for r in caplog.records if r.name == "seatdesk.server.identity"]
    assert len([m for m in said if login in m]) == 1, said


def test_the_intake_login_still_acts_as_the_login_even_where_it_may_not(owned, monkeypatch):
    """Connected as the intake login (no owner's rights), a login it is no longer a member
    of is still the role a request takes: the database refuses it, the server does not
    fall back on its own connection."""
    w, login = owned.world, _login(owned, "sup1")
    intake = f"{owned.name}_intake"
    monkeypatch.setattr("sys.stdin", io.StringIO(INTAKE_PASSWORD + "\n"))
    assert main(["--database", owned.url, "db", "intake-login", intake,
                 "--password-stdin"]) == 0
    engine = make_engine(make_url(owned.url).set(username=intake, password=INTAKE_PASSWORD)
                         .render_as_string(hide_password=False))
    try:
        sup1 = _principal(owned, "sup1")
        assert DatabaseIdentity(sd.Workflow(engine)).workflow(sup1).db_role == login
        with w.db.engine.begin() as conn:
            conn.exec_driver_sql(f'REVOKE "{login}" FROM "{intake}"')
        wf = DatabaseIdentity(sd.Workflow(engine)).workflow(sup1)  # a fresh process's
        assert wf.db_role == login
        with pytest.raises(DBAPIError, match="permission denied to set role"):
            sd.register(wf, sup1.actor, sd.Report("patrol", *P1, class_id=w.cls["井盖"]))
    finally:
        engine.dispose()
