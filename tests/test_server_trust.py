"""The intake server acts as its principal's own PostgreSQL login (docs/security.md, "The
intake server and partners"): each handset or partner request runs ``SET LOCAL ROLE`` to
that user's login, so the database applies the supervisor's or partner's rights, not the
server's — the server here connects as the owner, who could do anything itself."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select, text

from seatdesk.models import Case, LedgerEntry
from seatdesk.models.db import make_engine
from seatdesk.server.identity import FIELD, PARTNER, Principal
from seatdesk.workflow import services as sd
from tests.dbroles import make_logins
from tests.dbtemplates import open_database
from tests.server_fixtures import make_server
from tests.workflow_fixtures import P1, open_world

REPORT = {"report_id": "trust-0001", "lon": P1[0], "lat": P1[1], "description": "井盖破损",
          "address": "溧城镇燕山路 18 号"}


@pytest.fixture
def trusted(template_store):
    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    world = open_world(db)
    world.clock.now = dt.datetime.now(dt.UTC)  # the ledger's time is checked by the server
    logins = make_logins(db)  # every user a login (before the supervisors' passwords)
    srv = make_server(world)  # connected as the owner; adds the partners' accounts
    srv.logins = {**logins, **make_logins(db, ["partner:fms", "partner:rx12345"])}
    yield srv
    srv.client.close()
    db.engine.dispose()
    template_store.drop("postgresql", url)


def _ledger(srv, case_id: int) -> tuple[int, str]:
    with srv.world.db.Session() as s:
        row = s.execute(select(LedgerEntry.actor_id, LedgerEntry.actor_role)
                        .where(LedgerEntry.case_id == case_id)).one()
    return row.actor_id, row.actor_role


def _cases(srv) -> int:
    with srv.world.db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def _principal(srv, kind: str, username: str) -> Principal:
    with srv.world.db.Session() as s:
        user_id, role, department = s.execute(text(
            "SELECT id, role, department_id FROM users WHERE username = :u"),
            {"u": username}).one()
    return Principal(kind, user_id, role, department, username, f"test/{username}")


@pytest.mark.postgres
def test_a_handset_report_runs_as_the_supervisors_own_login(trusted, caplog):
    srv = trusted
    headers = srv.sign_in("sup1")
    made = srv.client.post("/field/v1/reports", json=REPORT, headers=headers)
    assert made.status_code == 201, made.text
    assert _ledger(srv, made.json()["case_id"]) == (srv.world.users["sup1"], "supervisor")
    assert srv.app.state.server.identity.login(srv.world.users["sup1"]) == srv.logins["sup1"]
    # the database no longer lets sup1's login register (the owner still could): the
    # server, acting as sup1, is refused too, with a message and nothing written
    with srv.world.db.engine.begin() as conn:
        conn.exec_driver_sql(f'REVOKE seatdesk_supervisor FROM "{srv.logins["sup1"]}"')
    refused = srv.client.post("/field/v1/reports", json={**REPORT, "report_id": "trust-0002"},
                              headers=headers)
    assert refused.status_code == 403 and _cases(srv) == 1  # a refusal, not a server fault
    assert refused.json()["error"]["code"] == "refused_by_database"
    message = refused.json()["error"]["message"]  # no database text reaches the handset
    assert not any(word in message for word in ("INSERT", "permission", "psycopg", "seatdesk_"))
    # in another group, the table grants let the case in: the ledger's trust trigger then
    # refuses the row (the login is not in its user's role group) — 403 all the same
    with srv.world.db.engine.begin() as conn:
        conn.exec_driver_sql(f'GRANT seatdesk_acceptor TO "{srv.logins["sup1"]}"')
    by_trigger = srv.client.post("/field/v1/reports", headers=headers,
                                 json={**REPORT, "report_id": "trust-0003"})
    assert by_trigger.status_code == 403 and _cases(srv) == 1, by_trigger.text
    assert by_trigger.json()["error"]["code"] == "refused_by_database"
    assert "seatdesk" not in by_trigger.text and "operator" not in by_trigger.text
    assert "is not an active operator" in caplog.text  # the trigger's reason, in the log


@pytest.mark.postgres
def test_the_database_names_the_supervisor_whatever_actor_the_server_passes(trusted):
    srv = trusted
    identity = srv.app.state.server.identity
    sup = _principal(srv, FIELD, "sup1")
    wf = identity.workflow(sup)
    assert wf.db_role == srv.logins["sup1"]
    forged = sd.Actor(srv.world.users["sup2"], "supervisor", None, "test/forged")
    with pytest.raises(Exception, match="actor"):  # the ledger trigger: not the session's user
        sd.register(wf, forged, sd.Report("patrol", *P1, class_id=srv.world.cls["井盖"]))
    assert _cases(srv) == 0
    made = sd.register(wf, sup.actor, sd.Report("patrol", *P1, class_id=srv.world.cls["井盖"]))
    assert _ledger(srv, made.case_id) == (srv.world.users["sup1"], "supervisor")


@pytest.mark.postgres
def test_a_partner_request_cannot_do_what_the_partner_may_not(trusted):
    srv = trusted
    identity = srv.app.state.server.identity
    partner = _principal(srv, PARTNER, "partner:fms")
    wf = identity.workflow(partner)
    assert wf.db_role == srv.logins["partner:fms"]
    made = sd.register(wf, partner.actor, sd.Report("online", *P1, caller_phone="13912345678",
                                                    description="市民随手拍"))
    assert _ledger(srv, made.case_id)[0] == partner.user_id
    with wf.reading() as s:  # the state of what it sent, yes; a caller's phone number, no
        assert s.scalar(select(Case.state).where(Case.id == made.case_id)) == made.new_state
    for column in ("caller_phone", "phone"):
        table = "cases" if column == "caller_phone" else "case_reporters"
        with wf.reading() as s, pytest.raises(Exception, match="permission denied"):
            s.execute(text(f"SELECT {column} FROM {table}")).all()
    with pytest.raises(Exception, match="permission denied"):  # 作废 is a seat's decision
        sd.void(wf, partner.actor, made.case_id, made.version, reason="不受理")
    with pytest.raises(Exception, match="row-level security"):  # not an outside source
        sd.register(wf, partner.actor, sd.Report("patrol", *P1))
    assert identity.workflow(None).db_role is None  # the server's own bookkeeping


@pytest.mark.postgres
def test_a_connection_lost_at_set_role_is_retried_on_a_fresh_one(trusted):
    """The server's pooled connection was ended by a restart (57P01) right after its last
    request, too recently to be pinged: the next report's first statement, ``SET LOCAL
    ROLE``, meets it; nothing has run, so the unit runs once more on a fresh connection."""
    srv = trusted
    sup = _principal(srv, FIELD, "sup1")
    wf = srv.app.state.server.identity.workflow(sup)
    wf.engine.dispose()  # one pooled connection from here on: the one ended below
    with wf.reading() as s:
        first = s.execute(text("SELECT pg_backend_pid()")).scalar()
    owner = make_engine(srv.world.db.url)
    with owner.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar()
    owner.dispose()
    time.sleep(0.2)  # the backend has gone; its socket holds the AdminShutdown message
    made = sd.register(wf, sup.actor, sd.Report("patrol", *P1, class_id=srv.world.cls["井盖"]))
    assert _ledger(srv, made.case_id) == (srv.world.users["sup1"], "supervisor")


def test_without_a_login_the_server_acts_on_its_own_connection(make_db, caplog):
    srv = make_server(open_world(make_db("workflow_world")))
    try:
        identity = srv.app.state.server.identity
        assert identity.workflow(_principal(srv, FIELD, "sup1")).db_role is None
        made = srv.client.post("/field/v1/reports", json=REPORT, headers=srv.sign_in("sup1"))
        assert made.status_code == 201, made.text
        said = [r.getMessage() for r in caplog.records if r.name == "seatdesk.server.identity"]
        if srv.world.db.backend == "postgresql":  # said once, to the server's log
            assert len(said) == 1 and "seatdesk db logins" in said[0]
        else:
            assert said == []  # the embedded mode has no logins to miss
    finally:
        srv.client.close()
