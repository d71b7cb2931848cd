"""The intake server's reference-data cache (``workflow/lookups.py``): sources, classes,
the Open311 service list, partners' keys and users' logins are kept per process while a
NOTIFY listener runs (PostgreSQL), and a change — a partner or source disabled, a
partner's account deactivated — empties the cache as soon as its NOTIFY arrives, so the
next request is refused. SQLite (and any process without the listener) reads the
database every time. Handset tokens are kept the same way and refused again as soon as
their session is revoked (this process: at once; the others: at the NOTIFY) or their
user is deactivated or moved to another role. Also: a case the server registers (Core
INSERTs, not the ORM) verifies with the ledger check, in the grid cell ``cell_at`` names."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import func, select, update

from seatdesk.models import Case, FieldSession, User
from seatdesk.models.sources import Source
from seatdesk.server.auth import digest
from seatdesk.server.partners import set_active
from seatdesk.workflow.ledger_verify import verify_ledger
from seatdesk.workflow.lookups import Lookups
from tests.server_fixtures import make_server
from tests.workflow_fixtures import P1, open_world

WAIT_S = 30.0  # a bound for waiting on the listener, never a measured time


@pytest.fixture
def live(make_db):
    """A server with its background threads (``with client`` runs the lifespan)."""
    srv = make_server(open_world(make_db("workflow_world")), background=True)
    with srv.client:
        if srv.world.db.backend == "postgresql":
            assert srv.world.wf.lookups.wait_live(WAIT_S), "the listener never connected"
        yield srv


def _post(srv, report_id: str):
    return srv.client.post("/open311/v2/requests.json", data={
        "api_key": srv.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
        "long": str(P1[0]), "description": f"小区门口垃圾堆了三天 {report_id}",
        "attribute[fixmystreet_id]": report_id})


def _cases(srv) -> int:
    with srv.world.db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def _change(srv, statement) -> None:
    """Commit ``statement`` (as an administrator would, in another session) and, on
    PostgreSQL, wait until this process's listener has heard its NOTIFY."""
    lookups = srv.world.wf.lookups
    before = lookups.generation
    with srv.world.db.Session.begin() as s:
        statement(s)
    if srv.world.db.backend == "postgresql":
        assert lookups.wait_changed(before, WAIT_S), "no NOTIFY reached the server"
        assert len(lookups) == 0


def test_a_disabled_partner_is_refused_at_once(live):
    srv = live
    assert _post(srv, "fms-1").status_code == 201
    assert _post(srv, "fms-2").status_code == 201
    postgres = srv.world.db.backend == "postgresql"
    assert srv.world.wf.lookups.live is postgres
    assert (len(srv.world.wf.lookups) > 0) is postgres  # kept only while NOTIFY is heard
    _change(srv, lambda s: set_active(s, "fms", False))
    refused = _post(srv, "fms-3")
    assert refused.status_code == 403, refused.text
    assert _cases(srv) == 2
    _change(srv, lambda s: set_active(s, "fms", True))
    assert _post(srv, "fms-4").status_code == 201


def test_a_partner_whose_account_is_deactivated_is_refused(live):
    srv = live
    assert _post(srv, "acct-1").status_code == 201
    _change(srv, lambda s: s.execute(update(User).where(User.username == "partner:fms")
                                     .values(active=False)))  # NOTIFY seatdesk_users
    assert _post(srv, "acct-2").status_code == 403
    assert _cases(srv) == 1


def test_a_disabled_source_stops_its_reports_at_once(live):
    srv = live
    assert _post(srv, "src-1").status_code == 201
    _change(srv, lambda s: s.execute(update(Source).where(Source.code == "online")
                                     .values(enabled=False)))
    refused = _post(srv, "src-2")
    assert refused.status_code == 400, refused.text
    assert "停用" in refused.text and _cases(srv) == 1
    _change(srv, lambda s: s.execute(update(Source).where(Source.code == "online")
                                     .values(enabled=True)))
    assert _post(srv, "src-3").status_code == 201


def test_a_registered_case_verifies_with_the_ledger_check(live):
    srv = live
    headers = srv.sign_in("sup1")
    made = srv.client.post("/field/v1/reports", headers=headers, json={
        "report_id": "verify-1", "lon": P1[0], "lat": P1[1], "description": "井盖破损",
        "address": "溧城镇燕山路 18 号"})
    assert made.status_code == 201, made.text
    assert _post(srv, "verify-2").status_code == 201
    with srv.world.db.Session() as s:
        ids = list(s.scalars(select(Case.id)))
        assert len(ids) == 2 and verify_ledger(s, ids) == []


@pytest.mark.parametrize("key", [None, "cell-check-1"], ids=["unkeyed", "keyed"])
def test_a_registered_case_lies_in_the_cell_the_spatial_index_names(make_db, key):
    """On PostgreSQL the registration's first statement also finds the point's grid cell
    (``registration._first_statement``); the case gets what ``cell_at`` says, and a point
    outside every cell none (both backends)."""
    from seatdesk.workflow import services as sd

    world = open_world(make_db("workflow_world"))
    sup = world.a("sup1")
    inside = sd.register(world.wf, sup, sd.Report("patrol", *P1, intake_key=key))
    outside = sd.register(world.wf, sup, sd.Report(
        "patrol", P1[0] + 1.0, P1[1] + 1.0, intake_key=key and key + "-far"))
    with world.db.Session() as s:
        cell = world.wf.spatial(s).cell_at(*P1)
        assert cell is not None and cell.community is not None
        case = s.get(Case, inside.case_id)
        assert (case.grid_cell_id, case.zone, case.community_id, case.street_id,
                case.district_id) == (cell.id, cell.zone or "", cell.community.id,
                                      cell.street and cell.street.id,
                                      cell.district and cell.district.id)
        assert case.street_id is not None and case.district_id is not None
        far = s.get(Case, outside.case_id)
        assert world.wf.spatial(s).cell_at(far.lon, far.lat) is None
        assert (far.grid_cell_id, far.community_id, far.street_id, far.district_id) == (
            None, None, None, None)


# -- handset tokens ----------------------------------------------------------------------
def _me(srv, headers) -> int:
    return srv.client.get("/field/v1/me", headers=headers).status_code


def _kept(srv, username: str) -> bool:
    return ("field", digest(srv.tokens[username])) in srv.world.wf.lookups._values


def test_a_handset_token_is_kept_and_signing_out_refuses_it_at_once(live):
    srv = live
    headers = srv.sign_in("sup1")
    assert _me(srv, headers) == 200 and _me(srv, headers) == 200
    assert _kept(srv, "sup1") is (srv.world.db.backend == "postgresql")
    assert srv.client.delete("/field/v1/session", headers=headers).status_code == 204
    assert not _kept(srv, "sup1")  # this process forgets at once, before any NOTIFY
    assert _me(srv, headers) == 401
    made = srv.client.post("/field/v1/reports", headers=headers, json={
        "report_id": "after-sign-out", "lon": P1[0], "lat": P1[1]})
    assert made.status_code == 401 and _cases(srv) == 0


def test_a_session_revoked_in_the_database_is_refused_once_its_notify_is_heard(live):
    """Revoked by another process (another server worker, an administrator): the
    revocation's NOTIFY empties this process's kept grants."""
    srv = live
    headers, other = srv.sign_in("sup1"), srv.sign_in("sup2", "phone-2")
    assert _me(srv, headers) == 200 and _me(srv, other) == 200
    now = srv.world.wf.now()
    _change(srv, lambda s: s.execute(update(FieldSession).where(
        FieldSession.token_hash == digest(srv.tokens["sup1"])).values(revoked_at=now)))
    assert _me(srv, headers) == 401
    assert _me(srv, other) == 200  # the other handset reads its session again, still valid


@pytest.mark.parametrize("change", [{"active": False}, {"role": "acceptor"}],
                         ids=["deactivated", "no longer a supervisor"])
def test_a_supervisor_deactivated_or_moved_loses_a_kept_token(live, change):
    srv = live
    headers = srv.sign_in("sup1")
    assert _me(srv, headers) == 200
    _change(srv, lambda s: s.execute(update(User).where(User.username == "sup1")
                                     .values(**change)))  # NOTIFY seatdesk_users
    refused = srv.client.get("/field/v1/me", headers=headers)
    assert refused.status_code == 401 and "停用" in refused.json()["error"]["message"]


def test_a_renamed_supervisor_is_logged_under_the_new_name(live, caplog):
    """The access log names a handset's user from the kept grant: a rename (as a DBA would
    UPDATE it) empties the cache by its NOTIFY, so the next request logs the new name. The
    seats are not told (their channel signs a user out; a name changes nothing they check)."""
    srv = live
    caplog.set_level(logging.INFO, logger="seatdesk.server.access")
    headers = srv.sign_in("sup1")
    assert _me(srv, headers) == 200 and _me(srv, headers) == 200
    assert _kept(srv, "sup1") is (srv.world.db.backend == "postgresql")
    _change(srv, lambda s: s.execute(update(User).where(User.username == "sup1")
                                     .values(username="sup1-renamed")))
    assert _me(srv, headers) == 200
    logged = [r.principal for r in caplog.records
              if r.name == "seatdesk.server.access" and r.path == "/field/v1/me"]
    assert logged == ["field:sup1", "field:sup1", "field:sup1-renamed"]


def test_a_kept_token_still_expires(live):
    srv = live
    headers = srv.sign_in("sup1")
    assert _me(srv, headers) == 200
    srv.world.clock.advance(hours=13)  # ServerConfig.token_ttl is 12 hours
    expired = srv.client.get("/field/v1/me", headers=headers)
    assert expired.status_code == 401 and "过期" in expired.json()["error"]["message"]


def test_a_new_sign_in_keeps_the_other_handsets_grants(live):
    """Sessions are INSERTed at every sign-in: that empties nothing (only a revocation or
    a deletion does). SQLite keeps nothing: every request reads its session."""
    srv = live
    postgres = srv.world.db.backend == "postgresql"
    headers = srv.sign_in("sup1")
    assert _me(srv, headers) == 200 and _kept(srv, "sup1") is postgres
    lookups = srv.world.wf.lookups
    before = lookups.generation
    srv.sign_in("sup2", "phone-2")
    if postgres:
        _change(srv, lambda s: s.execute(update(Source).where(Source.code == "online")
                                         .values(name=Source.name)))  # a NOTIFY to await
        assert lookups.generation == before + 1  # that one, not the sign-in's
    assert _me(srv, headers) == 200


def test_the_cache_keeps_values_only_while_live():
    lookups, calls = Lookups(), []

    def load():
        calls.append(1)
        return len(calls)

    assert (lookups.get("k", load), lookups.get("k", load)) == (1, 2)  # off: read each time
    lookups.clear(live=True)
    assert (lookups.get("k", load), lookups.get("k", load)) == (3, 3)
    lookups.clear()
    assert lookups.get("k", load) == 4
    lookups.clear(live=False)
    assert len(lookups) == 0 and lookups.get("k", load) == 5


def test_a_value_read_before_a_change_is_not_kept():
    """A load that overlaps a notification may have read the old row: it is answered to
    its caller but not kept for the next one."""
    lookups = Lookups()
    lookups.clear(live=True)
    loading, changed = threading.Event(), threading.Event()

    def slow_load():
        loading.set()
        assert changed.wait(WAIT_S)
        return "old"

    reader = threading.Thread(target=lambda: lookups.get("k", slow_load))
    reader.start()
    assert loading.wait(WAIT_S)
    lookups.clear()  # the NOTIFY of a change arrives while the load runs
    changed.set()
    reader.join(WAIT_S)
    assert lookups.get("k", lambda: "new") == "new"


def test_a_failed_lookup_is_not_kept():
    lookups = Lookups()
    lookups.clear(live=True)

    def refuse():
        raise PermissionError("no")

    with pytest.raises(PermissionError):
        lookups.get("k", refuse)
    assert len(lookups) == 0 and lookups.get("k", lambda: "ok") == "ok"


@pytest.mark.postgres
def test_a_deactivated_user_cannot_register_once_the_notify_is_heard(template_store):
    """The registration's actor check is kept too (``actions.check_actor_kept``): the
    users' trigger announces the change and the next registration is refused."""
    from seatdesk.workflow import services as sd
    from seatdesk.workflow.errors import WrongRole
    from tests.dbtemplates import open_database

    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    try:
        world = open_world(db)
        wf = world.wf
        wf.lookups.listen(url)
        assert wf.lookups.wait_live(WAIT_S)
        sup = world.a("sup1")
        sd.register(wf, sup, sd.Report("patrol", *P1))
        assert ("user", sup.user_id) in wf.lookups._values
        before = wf.lookups.generation
        with db.Session.begin() as s:
            s.execute(update(User).where(User.id == sup.user_id).values(active=False))
        assert wf.lookups.wait_changed(before, WAIT_S)
        with pytest.raises(WrongRole):
            sd.register(wf, sup, sd.Report("patrol", *P1))
        wf.lookups.stop()
    finally:
        db.engine.dispose()
        template_store.drop("postgresql", url)
