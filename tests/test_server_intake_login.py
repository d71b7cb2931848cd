"""``seatdesk serve`` connected as the intake login (docs/security.md, "The intake server
and partners"; docs/operations.md): a NOINHERIT login with no table-owner rights, which
reads only its bookkeeping, users without their hashes and what Open311 shows anyone,
and does everything else as the supervisor's or partner's own login (``SET ROLE``).

The server runs under uvicorn on a real socket, its engine connected with the intake
login's password, and a whole field and partner round goes through it; then the intake
login by itself (a psql-like connection with its password) is shown unable to read a
caller's phone, write a case or the ledger, or read a password hash — nor the roads, a
partner's own ids or any setting but the few anonymous Open311 reads need (an Open311
POST reads its service, road, initial view and replay token as the partner)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import time
from xml.etree import ElementTree as ET

import httpx
import psycopg
import pytest
import shapely
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from seatdesk.cli import main
from seatdesk.config import ResolvedDatabase
from seatdesk.data.road_import import road_row
from seatdesk.models import (Case, FieldEvent, LedgerEntry, PartnerRequest, SupervisorPosition,
                             User, set_setting)
from seatdesk.models.db import make_engine
from seatdesk.ops.commands import require_schema
from seatdesk.server.app import create_app
from seatdesk.server.config import ServerConfig
from seatdesk.workflow import services as sd
from seatdesk.workflow.dbrules import OPEN311_READER
from seatdesk.workflow.dbrules.grants import INTAKE_SETTINGS, PUBLIC_SETTINGS
from tests.dbroles import PASSWORD, make_logins
from tests.dbtemplates import open_database
from tests.server_fixtures import LiveServer, Receiver, jpeg, prepare
from tests.workflow_fixtures import P1, P2, open_world

pytestmark = pytest.mark.postgres
INTAKE_PASSWORD = "intake-secret-7"
PHONE_12345, PHONE_311 = "13700001111", "13912345678"
TILE_KEY = "tk-0123456789abcdef"  # a tile service's key in the map settings
ROAD_Y = 31.4270  # 燕山路 runs east-west at this latitude, through P1's longitude


class Round:
    """The world (owner's engine, for the seats and the checks), the server connected as
    the intake login, a client and the 12345 receiver."""

    def __init__(self, world, intake: str, engine, live: LiveServer, keys, receiver):
        self.world, self.intake, self.engine, self.live = world, intake, engine, live
        self.keys, self.receiver = keys, receiver
        self.client = httpx.Client(base_url=live.url, timeout=30)

    def seat(self, fn, actor: str, case_id: int, **kw) -> sd.CaseChange:
        """A seat's action now (the real clock: the ledger holds the supervisor's rows,
        written through the server, to the server's clock)."""
        w = self.world
        w.clock.now = dt.datetime.now(dt.UTC)
        with w.db.Session() as s:
            version = s.scalar(select(Case.version).where(Case.id == case_id))
        return fn(w.wf, w.a(actor), case_id, version, **kw)


@pytest.fixture
def intake_round(template_store, monkeypatch):
    url = template_store.clone("postgresql", "workflow_world")
    db = open_database("postgresql", url)
    world = open_world(db)
    world.clock.now = dt.datetime.now(dt.UTC)
    receiver = Receiver()
    keys, _secrets = prepare(world, callback_url=receiver.url)  # partners' accounts too
    with world.db.Session.begin() as s:  # a road, an initial view, a map with a tile key
        s.add(road_row("燕山路", shapely.LineString([(P1[0] - 0.002, ROAD_Y),
                                                    (P1[0] + 0.002, ROAD_Y)])))
        set_setting(s, "initial_view", {"lon": P2[0], "lat": P2[1], "zoom": 15})
        set_setting(s, "map", {"tile_url": f"https://t0.tianditu.gov.cn/vec_w/wmts?tk={TILE_KEY}"})
        set_setting(s, "time_zone", "Asia/Shanghai")
    make_logins(db)  # every user (supervisors and partners) a login; password PASSWORD
    name = f"intake_{make_url(url).database}"[:63]
    monkeypatch.setattr("sys.stdin", io.StringIO(INTAKE_PASSWORD + "\n"))
    assert main(["--database", url, "db", "intake-login", name, "--password-stdin"]) == 0
    intake_url = make_url(url).set(username=name, password=INTAKE_PASSWORD)
    engine = make_engine(intake_url.render_as_string(hide_password=False))
    config = ServerConfig(outbox_poll_s=0.2)
    live = LiveServer(create_app(sd.Workflow(engine), config)).start()
    rnd = Round(world, name, engine, live, keys, receiver)
    yield rnd
    rnd.client.close()
    live.stop()
    engine.dispose()
    receiver.close()
    db.engine.dispose()
    template_store.drop("postgresql", url)
    template_store._pg_exec(f'DROP ROLE IF EXISTS "{name}"')  # cluster-wide: not left behind


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _actor(rnd: Round, case_id: int, seq: int) -> tuple[int, str]:
    with rnd.world.db.Session() as s:
        row = s.execute(select(LedgerEntry.actor_id, LedgerEntry.seat).where(
            LedgerEntry.case_id == case_id, LedgerEntry.seq == seq)).one()
    return row.actor_id, row.seat


def _wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _post_with_photo(rnd: Round, description: str) -> tuple[str, str]:
    """An Open311 POST with a caller's name and phone and a photo: (number, token)."""
    posted = rnd.client.post("/open311/v2/requests.json", data={
        "api_key": rnd.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
        "long": str(P1[0]), "description": description, "first_name": "小明",
        "last_name": "王", "phone": PHONE_311}, files=[("media", ("m.jpg", jpeg(), "image/jpeg"))])
    assert posted.status_code == 201, posted.text
    return posted.json()[0]["service_request_id"], posted.json()[0]["token"]


def _order(order_no: str, **changes) -> dict:
    """A 12345 work order at P1 (占道经营 on 燕山路, callback wanted, the caller's phone
    ``PHONE_12345``) as the hotline POSTs it, with ``changes`` over those fields."""
    return {"order_no": order_no, "content": "占道经营", "caller_name": "张先生",
            "caller_phone": PHONE_12345, "address": "燕山路 90 号", "lon": P1[0],
            "lat": P1[1], "category": "0301", "urgency": "normal", "callback_wanted": True,
            **changes}


def test_a_whole_field_and_partner_round_through_the_intake_login(intake_round):
    rnd, w = intake_round, intake_round.world
    c = rnd.client
    with rnd.engine.connect() as conn:  # the server really is the intake login
        assert conn.execute(text("SELECT current_user")).scalar() == rnd.intake
        assert conn.execute(text("SELECT rolinherit FROM pg_roles WHERE rolname = current_user"
                                 )).scalar() is False
    # `seatdesk serve`'s schema check passes on that login (it refuses to start otherwise)
    require_schema(ResolvedDatabase(rnd.engine.url.render_as_string(hide_password=False),
                                    "command line"))

    # handset sign-in: PostgreSQL checks the password; a wrong one is counted by the gate
    wrong = c.post("/field/v1/session", json={"username": "sup1", "password": "nope-nope-1",
                                             "device_id": "phone-1"})
    assert wrong.status_code == 401, wrong.text
    with w.db.Session() as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "sup1")) == 1
    acceptor = c.post("/field/v1/session", json={"username": "acceptor", "password": PASSWORD,
                                                "device_id": "phone-1"})
    assert acceptor.status_code == 403, acceptor.text  # not a supervisor
    signed = c.post("/field/v1/session", json={"username": "sup1", "password": PASSWORD,
                                              "device_id": "phone-1"})
    assert signed.status_code == 201, signed.text
    me = _bearer(signed.json()["token"])
    with w.db.Session() as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "sup1")) == 0

    # on duty, a position ping, who am I
    assert c.post("/field/v1/duty", json={"on_duty": True, "lon": P1[0], "lat": P1[1]},
                  headers=me).status_code == 200
    pinged = c.post("/field/v1/positions", json={"fixes": [{"lon": P1[0], "lat": P1[1],
                                                            "accuracy_m": 8}]}, headers=me)
    assert pinged.status_code == 200 and pinged.json()["accepted"] == 1, pinged.text
    mine = c.get("/field/v1/me", headers=me)
    assert mine.status_code == 200 and mine.json()["on_duty"] is True, mine.text
    assert c.get("/field/v1/classes", headers=me).status_code == 200

    # a report with a photo: the ledger names the supervisor and the handset
    data = {"report_id": "intake-login-0001", "lon": str(P1[0]), "lat": str(P1[1]),
            "description": "井盖破损", "address": "溧城镇燕山路 18 号"}
    reported = c.post("/field/v1/reports", data=data, headers=me,
                      files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))])
    assert reported.status_code == 201, reported.text
    assert reported.json()["photos"] == 1
    assert _actor(rnd, reported.json()["case_id"], 1) == (w.users["sup1"], "城管通/phone-1")

    # a 12345 work order in; the seat sends it to be verified (the supervisors' pool)
    order = _order("GD-INTAKE-0001", content="燕山路路灯不亮", caller_name="李女士",
                   caller_phone=PHONE_12345, address="燕山路 88 号")
    hotline = {"X-Api-Key": rnd.keys["rx12345"]}
    taken = c.post("/hotline12345/v1/orders", json=order, headers=hotline)
    assert taken.status_code == 201, taken.text
    case_id = taken.json()["case_id"]
    assert _actor(rnd, case_id, 1)[1] == "12345/rx12345"
    rnd.seat(sd.send_verification, "acceptor", case_id)

    # the task list, and the answer with a photo
    tasks = c.get("/field/v1/tasks", headers=me)
    assert tasks.status_code == 200, tasks.text
    task = next(t for t in tasks.json()["tasks"] if t["case_id"] == case_id)
    assert task["kind"] == "verify"
    answered = c.post(f"/field/v1/tasks/{case_id}/answer", headers=me,
                      data={"version": str(task["version"]), "result": "confirmed",
                            "note": "现场属实"},
                      files=[("photos", ("seen.jpg", jpeg(color=(0, 90, 0)), "image/jpeg"))])
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "reported" and not answered.json()["already"]
    again = c.post(f"/field/v1/tasks/{case_id}/answer", headers=me,
                   json={"version": task["version"], "result": "confirmed"})
    assert again.status_code == 200 and again.json()["already"] is True, again.text
    seq = answered.json()["version"]
    assert _actor(rnd, case_id, seq)[0] == w.users["sup1"]

    # the seat accepts: the callback is delivered to the local 12345 receiver
    rnd.seat(sd.accept, "acceptor", case_id)
    assert _wait_for(lambda: "accepted" in [r["json"]["event"] for r in rnd.receiver.received])
    callback = next(r["json"] for r in rnd.receiver.received if r["json"]["event"] == "accepted")
    assert callback["order_no"] == "GD-INTAKE-0001"
    assert PHONE_12345 not in json.dumps(callback)
    status = c.get("/hotline12345/v1/orders/GD-INTAKE-0001", headers=hotline)
    assert status.status_code == 200, status.text
    assert status.json()["state"] == "accepted"
    assert _wait_for(lambda: all(e["delivered"] for e in c.get(
        "/hotline12345/v1/orders/GD-INTAKE-0001", headers=hotline).json()["events"]))

    # Open311: the service list, a POST with a photo, GET by id (anonymous and as the
    # partner), the token, the updates
    assert c.get("/open311/v2/services.json").status_code == 200
    assert c.get("/open311/v2/services/E01001.json").status_code == 200
    number, token = _post_with_photo(rnd, "小区门口垃圾堆了三天")
    anonymous = c.get(f"/open311/v2/requests/{number}.json")
    assert anonymous.status_code == 200 and anonymous.json()[0]["status"] == "open"
    assert PHONE_311 not in anonymous.text
    media = anonymous.json()[0]["media_url"]
    assert media and c.get(media).status_code == 200
    listed = c.get("/open311/v2/requests.json", params={"api_key": rnd.keys["fms"]})
    assert listed.status_code == 200 and number in [r["service_request_id"] for r in listed.json()]
    by_token = c.get(f"/open311/v2/tokens/{token}.json", params={"api_key": rnd.keys["fms"]})
    assert by_token.status_code == 200 and by_token.json()[0]["service_request_id"] == number
    with w.db.Session() as s:
        case311 = s.scalar(select(Case.id).where(Case.number == number))
    rnd.seat(sd.void, "acceptor", case311, reason="重复上报")
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    for params in ({"start_date": start}, {"start_date": start, "api_key": rnd.keys["fms"]}):
        updates = c.get("/open311/v2/servicerequestupdates.json", params=params)
        assert updates.status_code == 200, updates.text
        assert [u["status"] for u in updates.json() if u["service_request_id"] == number] == [
            "open", "no_further_action"]

    # off duty and sign-out: the token stops working
    assert c.post("/field/v1/duty", json={"on_duty": False}, headers=me).status_code == 200
    assert c.delete("/field/v1/session", headers=me).status_code == 204
    assert c.get("/field/v1/me", headers=me).status_code == 401
    with w.db.Session() as s:
        kinds = s.scalars(select(FieldEvent.kind).where(FieldEvent.user_id == w.users["sup1"])
                          .order_by(FieldEvent.id)).all()
        assert kinds == ["sign_in", "on_duty", "off_duty", "sign_out"]
        assert s.scalar(select(SupervisorPosition.accuracy_m)
                        .where(SupervisorPosition.user_id == w.users["sup1"])) == 8


def _parse(fmt: str, response) -> list[dict]:
    """A list of records as plain dicts (XML children as dicts of text)."""
    if fmt == "json":
        return response.json()
    return [{el.tag: (el.text or "") for el in item} for item in ET.fromstring(response.content)]


def test_open311_posts_read_as_the_partner_in_json_and_xml(intake_round):
    """The POST reads its service, the road an address names, the initial view and a
    replay's token as the partner: the intake login reads none of them (above), and the
    initial view stored here is not the default one (a read the login's settings policy
    hid would give the default). A replay by the Idempotency-Key or by the partner's own
    id returns the first case and its token; GETs anonymous and with the key."""
    rnd, w, c = intake_round, intake_round.world, intake_round.client
    key = rnd.keys["fms"]
    numbers: dict[str, str] = {}
    for fmt in ("json", "xml"):
        codes = [x["service_code"] for x in _parse(fmt, c.get(f"/open311/v2/services.{fmt}"))]
        assert "E01001" in codes and "C01001" in codes

        def post(headers=None, **fields):
            data = {"api_key": key, "service_code": "E01001", "description": f"垃圾 {fmt}",
                    "first_name": "小明", "last_name": "王", "phone": PHONE_311, **fields}
            return c.post(f"/open311/v2/requests.{fmt}", data=data, headers=headers or {})

        here = {"lat": str(P1[1]), "long": str(P1[0])}
        for label, first_kw in (("idem", {"headers": {"Idempotency-Key": f"k-{fmt}"}, **here}),
                                ("ext", {"attribute[fixmystreet_id]": f"fms-{fmt}", **here})):
            first, again = post(**first_kw), post(**first_kw)
            assert (first.status_code, again.status_code) == (201, 200), (first.text, again.text)
            assert _parse(fmt, again)[0] == _parse(fmt, first)[0], label  # number and token
            numbers[f"{label}-{fmt}"] = _parse(fmt, first)[0]["service_request_id"]
        for label, address in (("road", "燕山路 18 号门口"), ("view", "某小区东门")):
            made = post(address_string=address)
            assert made.status_code == 201, made.text
            numbers[f"{label}-{fmt}"] = _parse(fmt, made)[0]["service_request_id"]
        token = _parse(fmt, post(**here, description="第五件"))[0]["token"]

        one = c.get(f"/open311/v2/requests/{numbers[f'idem-{fmt}']}.{fmt}")
        assert one.status_code == 200 and _parse(fmt, one)[0]["status"] == "open"
        assert PHONE_311 not in one.text
        listed = c.get(f"/open311/v2/requests.{fmt}", params={"api_key": key})
        assert listed.status_code == 200, listed.text
        assert {n for k, n in numbers.items() if k.endswith(fmt)} <= {
            r["service_request_id"] for r in _parse(fmt, listed)}
        assert PHONE_311 not in listed.text
        found = c.get(f"/open311/v2/tokens/{token}.{fmt}")
        assert found.status_code == 200 and _parse(fmt, found)[0]["token"] == token

    with w.db.Session() as s:
        cases = {label: s.scalar(select(Case).where(Case.number == number))
                 for label, number in numbers.items()}
        assert s.scalar(select(func.count()).select_from(PartnerRequest)) == 10
        seats = set(s.scalars(select(LedgerEntry.seat).where(
            LedgerEntry.case_id.in_([x.id for x in cases.values()]))))
    assert seats == {"Open311/fms"}
    for fmt in ("json", "xml"):
        road, view = cases[f"road-{fmt}"], cases[f"view-{fmt}"]
        assert "按地址中的道路「燕山路」粗定位" in road.description
        assert road.lat == pytest.approx(ROAD_Y, abs=1e-6)
        assert road.lon == pytest.approx(P1[0], abs=1e-6)
        assert "未提供坐标" in view.description and "燕山路" not in view.description
        assert (view.lon, view.lat) == pytest.approx(P2, abs=1e-6)  # the stored view
        assert cases[f"idem-{fmt}"].caller_phone == PHONE_311


def _refusal(engine, sql: str, params: dict | None = None) -> str:
    with engine.connect() as conn:
        try:
            conn.execute(text(sql), params or {})
            conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        except DBAPIError as exc:
            return str(exc.orig.diag.message_primary or exc.orig)
        finally:
            conn.rollback()
    return ""


def _refusal_as(engine, role: str, sql: str) -> str:
    """``_refusal`` of ``sql`` on the owner's engine after ``SET ROLE role``."""
    with engine.connect() as conn:
        conn.exec_driver_sql(f'SET ROLE "{role}"')
        try:
            conn.execute(text(sql))
        except DBAPIError as exc:
            return str(exc.orig.diag.message_primary or exc.orig)
        finally:
            conn.rollback()
    return ""


def test_the_intake_login_by_itself_reads_no_phone_writes_no_case_and_no_hash(intake_round):
    rnd, w = intake_round, intake_round.world
    c = rnd.client
    order = _order("GD-INTAKE-0002", caller_phone=PHONE_12345)
    taken = c.post("/hotline12345/v1/orders", json=order,
                   headers={"X-Api-Key": rnd.keys["rx12345"]})
    assert taken.status_code == 201, taken.text
    case_id = taken.json()["case_id"]
    login = rnd.engine  # the intake login with its password, as psql would connect
    for sql in ("SELECT caller_phone FROM cases", "SELECT phone FROM case_reporters",
                "SELECT payload FROM work_orders", "SELECT * FROM cases",
                "SELECT payload FROM case_ledger", "SELECT * FROM case_ledger",
                "SELECT password_hash FROM users", "SELECT * FROM users",
                "SELECT phone FROM users", "SELECT key_hash FROM partners",
                # an Open311 POST reads these as the partner now (issue 14)
                "SELECT name FROM roads", "SELECT * FROM roads", "SELECT * FROM partner_requests",
                "SELECT partner_id FROM partner_requests",
                "SELECT external_id FROM partner_requests",
                # anonymous Open311 reads run as the Open311 reader (its own test below)
                "SELECT case_id, token, media_url FROM partner_requests",
                "SELECT count(*) FROM case_classes", "SELECT name FROM departments",
                "SELECT * FROM class_editions", "SELECT seatdesk_open311_photo(1)",
                # of a case, only the id and number a 12345 callback names
                "SELECT caller_name FROM cases", "SELECT description FROM cases",
                "SELECT address FROM cases", "SELECT seat FROM case_ledger",
                "SELECT hash FROM case_ledger", "SELECT actor_id FROM case_ledger",
                # no attachment: every case's photos and the callers' recordings (0018);
                # a callback's photos come from seatdesk_callback_photos
                "SELECT content FROM attachments", "SELECT filename FROM attachments",
                "SELECT id, case_id, kind FROM attachments",
                "SELECT * FROM seatdesk_open311_updates(now() - interval '1 day', now(),"
                " NULL, 10)", "SELECT * FROM seatdesk_open311_first_photos(ARRAY[1])",
                "SELECT lo_from_bytea(0, 'x')", "SELECT lo_creat(-1)"):
        assert "permission denied" in _refusal(login, sql), sql
    with login.connect() as conn:  # only a "finished" callback's photos (test_server_hotline)
        assert conn.execute(text("SELECT count(*) FROM seatdesk_callback_photos(987654, 99)"
                                 )).scalar() == 0
    with login.connect() as conn:  # what its bookkeeping and the callbacks need, no more
        shown = [tuple(r) for r in conn.execute(text("SELECT key, value FROM settings"))]
        numbers = conn.execute(text("SELECT id, number FROM cases")).all()
        ledger = json.dumps([list(map(str, r)) for r in conn.execute(text(
            "SELECT id, case_id, seq, at, action, to_state, reason FROM case_ledger"))],
            ensure_ascii=False)
    assert case_id in [r.id for r in numbers]
    with w.db.Session() as s:  # the owner: the map and the initial view are stored
        stored = set(s.scalars(text("SELECT key FROM settings")))
    assert {"map", "initial_view", "time_zone"} <= stored
    assert {key for key, _ in shown} == stored & set(INTAKE_SETTINGS)
    assert "class_edition" not in INTAKE_SETTINGS
    assert TILE_KEY not in json.dumps(shown)
    assert PHONE_12345 not in ledger
    writes = {
        "UPDATE cases SET urgency = urgency WHERE id = :c": {"c": case_id},
        "UPDATE cases SET caller_phone = '1' WHERE id = :c": {"c": case_id},
        "DELETE FROM cases WHERE id = :c": {"c": case_id},
        "INSERT INTO cases (number, source) VALUES ('X', 'patrol')": {},
        "INSERT INTO case_ledger (case_id, seq, at, actor_id, actor_role, action, from_state,"
        " to_state) VALUES (:c, 99, now(), 1, 'acceptor', 'void', 'reported', 'void')":
            {"c": case_id},
        "UPDATE case_ledger SET reason = 'x' WHERE case_id = :c": {"c": case_id},
        "DELETE FROM case_ledger WHERE case_id = :c": {"c": case_id},
        "INSERT INTO field_events (user_id, at, kind, device_id) VALUES (1, now(), 'on_duty', 'x')":
            {},
        "UPDATE users SET role = 'admin' WHERE username = 'sup1'": {},
        "UPDATE settings SET value = value": {},
    }
    for sql, params in writes.items():
        assert "permission denied" in _refusal(login, sql, params), sql
    # nor may it become anybody but an active supervisor or partner
    with w.db.Session() as s:
        lead = s.scalar(select(User.db_login).where(User.username == "lead"))
    assert "permission denied" in _refusal(login, f'SET ROLE "{lead}"')
    assert "permission denied" in _refusal(login, "SET ROLE seatdesk_acceptor")


def test_the_intake_login_reads_no_staff_phone_and_no_partner_key_hash(intake_round):
    """Migration 0021 (branch ``intake8c``): connected as psql would be with the intake
    login's password, it reads of ``users`` only ``grants.INTAKE_USERS`` — no staff
    member's phone or display name; since 0023 (branch ``intake9d``) no user name, role,
    department or active flag either — and of ``partners`` only the 12345 outbox's endpoint,
    HMAC key and on/off flag: no key hash, name or code. A presented key's partner comes from
    ``seatdesk_partner_by_key``: the one partner with that hash, nothing for another.
    Every server flow keeps working under these grants (the round above)."""
    from seatdesk.server.auth import digest
    from seatdesk.workflow.dbrules import GROUPS
    from seatdesk.workflow.dbrules.grants import INTAKE_PARTNERS, INTAKE_USERS

    rnd, w = intake_round, intake_round.world
    with w.db.Session.begin() as s:  # a staff member's phone, as the owner stores it
        s.execute(text("UPDATE users SET phone = '13800009999' WHERE username = 'sup1'"))
    login = rnd.engine
    for sql in ("SELECT phone FROM users", "SELECT display_name FROM users",
                "SELECT * FROM users", "SELECT id, phone FROM users WHERE username = 'sup1'",
                "SELECT count(*) FROM users WHERE phone LIKE '138%'",
                "SELECT failed_logins FROM users", "SELECT locked_until FROM users",
                "SELECT partner FROM users", "SELECT created_at FROM users",
                # a token's user comes from seatdesk_field_session_by_token (0023)
                "SELECT username FROM users", "SELECT role FROM users",
                "SELECT active FROM users", "SELECT department_id FROM users",
                "SELECT id FROM users WHERE username = 'sup1'",
                "SELECT db_login FROM users WHERE role = 'supervisor' AND active",
                "SELECT key_hash FROM partners", "SELECT * FROM partners",
                "SELECT code, name FROM partners", "SELECT id FROM partners WHERE key_hash = 'x'",
                "SELECT user_id FROM partners", "SELECT kind FROM partners"):
        assert "permission denied" in _refusal(login, sql), sql
    with login.connect() as conn:
        staff = conn.execute(text(f"SELECT {', '.join(INTAKE_USERS)} FROM users")).all()
        outbox = conn.execute(text(f"SELECT {', '.join(INTAKE_PARTNERS)} FROM partners")).all()
        found = conn.execute(text("SELECT * FROM seatdesk_partner_by_key(:h)"),
                             {"h": digest(rnd.keys["rx12345"])}).mappings().all()
        other = conn.execute(text("SELECT * FROM seatdesk_partner_by_key(:h)"),
                             {"h": digest(rnd.keys["rx12345"] + "x")}).all()
        any_hash = conn.execute(text("SELECT count(*) FROM seatdesk_partner_by_key('')")
                                ).scalar()
    assert len(staff) > 3 and "13800009999" not in json.dumps([list(map(str, r)) for r in staff])
    assert any(r.callback_secret for r in outbox)
    assert [(r["code"], r["kind"]) for r in found] == [("rx12345", "hotline12345")]
    assert other == [] and any_hash == 0
    # the server's notification-queue watch runs as this login too (docs/operations.md 1.8)
    from seatdesk.server.queue_watch import QueueWatch

    assert 0.0 <= QueueWatch(login, 60, 0.05).check() < 0.05
    # no other login lists the hashes or runs the function: the administrators' group,
    # the partner group (a partner's login after SET ROLE), the Open311 reader
    for role in (GROUPS["admin"], "seatdesk_partner", OPEN311_READER):
        for sql in ("SELECT key_hash FROM partners",
                    "SELECT * FROM seatdesk_partner_by_key('x')"):
            assert "permission denied" in _refusal_as(w.db.engine, role, sql), (role, sql)
    with w.db.engine.connect() as conn:  # the administrators still read the rest
        conn.exec_driver_sql(f'SET ROLE "{GROUPS["admin"]}"')
        assert conn.execute(text("SELECT count(code) FROM partners")).scalar() >= 2
        conn.rollback()


def test_the_intake_login_reads_no_handset_token_hash(intake_round):
    """Migration 0022 (branch ``intake9c``): connected as psql would be with the intake
    login's password, it reads of ``field_sessions`` only ``id`` — no token's hash, nor
    whose session it is, on which device, until when. A presented token's session and
    user come from ``seatdesk_field_session_by_token``: the one session with that hash,
    nothing for another; no other role runs it. Through the real server, connected as that
    login: two handsets sign in, one reports and signs out (its token then refused), the
    other's user is deactivated and its token refused."""
    from seatdesk.server.auth import digest
    from seatdesk.workflow.dbrules import GATE, GROUPS
    from seatdesk.workflow.dbrules.grants import INTAKE_FIELD_SESSIONS

    rnd, w, c = intake_round, intake_round.world, intake_round.client
    tokens = {}
    for name, device in (("sup1", "phone-1"), ("sup2", "phone-2")):
        signed = c.post("/field/v1/session", json={"username": name, "password": PASSWORD,
                                                  "device_id": device})
        assert signed.status_code == 201, signed.text
        tokens[name] = signed.json()["token"]
    # (each token's first request is a cold check: the function, on the login's connection)
    assert c.get("/field/v1/me", headers=_bearer(tokens["sup2"])).status_code == 200
    reported = c.post("/field/v1/reports", headers=_bearer(tokens["sup1"]), data={
        "report_id": "token-fn-0001", "lon": str(P1[0]), "lat": str(P1[1]),
        "description": "井盖破损"}, files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))])
    assert reported.status_code == 201, reported.text
    assert _actor(rnd, reported.json()["case_id"], 1) == (w.users["sup1"], "城管通/phone-1")

    login = rnd.engine  # the intake login with its password, as psql would connect
    for sql in ("SELECT token_hash FROM field_sessions", "SELECT * FROM field_sessions",
                "SELECT id FROM field_sessions WHERE token_hash = 'x'",
                "SELECT count(*) FROM field_sessions WHERE token_hash LIKE 'a%'",
                "SELECT user_id FROM field_sessions", "SELECT device_id FROM field_sessions",
                "SELECT expires_at, revoked_at FROM field_sessions",
                "UPDATE field_sessions SET revoked_at = now() WHERE token_hash = 'x'",
                "UPDATE field_sessions SET revoked_at = now() RETURNING token_hash",
                "DELETE FROM field_sessions"):
        assert "permission denied" in _refusal(login, sql), sql
    with login.connect() as conn:
        ids = conn.execute(text(f"SELECT {', '.join(INTAKE_FIELD_SESSIONS)}"
                                " FROM field_sessions")).scalars().all()
        found = conn.execute(text("SELECT * FROM seatdesk_field_session_by_token(:h)"),
                             {"h": digest(tokens["sup1"])}).mappings().all()
        theirs = conn.execute(text("SELECT * FROM seatdesk_field_session_by_token(:h)"),
                              {"h": digest(tokens["sup2"])}).mappings().all()
        other = conn.execute(text("SELECT * FROM seatdesk_field_session_by_token(:h)"),
                             {"h": digest(tokens["sup1"] + "x")}).all()
        any_hash = conn.execute(text(
            "SELECT count(*) FROM seatdesk_field_session_by_token('')")).scalar()
        like = conn.execute(text(
            "SELECT count(*) FROM seatdesk_field_session_by_token('%')")).scalar()
    assert len(ids) == 2
    assert [(r["user_id"], r["username"], r["role"], r["device_id"], r["active"],
             r["revoked_at"]) for r in found] == [
        (w.users["sup1"], "sup1", "supervisor", "phone-1", True, None)]
    assert found[0]["session_id"] in ids and found[0]["expires_at"] > dt.datetime.now(dt.UTC)
    assert [(r["user_id"], r["device_id"]) for r in theirs] == [(w.users["sup2"], "phone-2")]
    assert other == [] and any_hash == 0 and like == 0

    # no other role reads the hashes or runs the function: the administrators' group, the
    # partner group, the Open311 reader, the gate, a supervisor's own login
    with w.db.Session() as s:
        sup_login = s.scalar(select(User.db_login).where(User.username == "sup1"))
    for role in (GROUPS["admin"], GROUPS["supervisor"], "seatdesk_partner", OPEN311_READER,
                 GATE, sup_login):
        for sql in ("SELECT token_hash FROM field_sessions",
                    "SELECT * FROM seatdesk_field_session_by_token('x')"):
            assert "permission denied" in _refusal_as(w.db.engine, role, sql), (role, sql)

    # sign-out finds its session by the id its check returned: the token stops working
    assert c.delete("/field/v1/session", headers=_bearer(tokens["sup1"])).status_code == 204
    assert c.get("/field/v1/me", headers=_bearer(tokens["sup1"])).status_code == 401
    with w.db.Session() as s:  # the owner: revoked, the other session not
        revoked = dict(s.execute(text("SELECT token_hash, revoked_at IS NOT NULL"
                                      " FROM field_sessions")).all())
    assert revoked == {digest(tokens["sup1"]): True, digest(tokens["sup2"]): False}
    # a deactivated user's token is refused (once the server hears seatdesk_users)
    with w.db.Session.begin() as s:
        s.execute(text("UPDATE users SET active = false WHERE username = 'sup2'"))
    assert _wait_for(lambda: c.get("/field/v1/me", headers=_bearer(tokens["sup2"]))
                     .status_code == 401)
    refused = c.get("/field/v1/me", headers=_bearer(tokens["sup2"]))
    assert "停用" in refused.json()["error"]["message"], refused.text


def test_the_intake_login_reads_of_users_only_the_id_and_the_login(intake_round):
    """Migration 0023 (branch ``intake9d``): a handset token's user comes with its session
    from ``seatdesk_field_session_by_token`` and a partner's account with its key from
    ``seatdesk_partner_by_key``, so of ``users`` the intake login reads ``id`` and
    ``db_login`` only (a principal's login by its user's id, ``server/identity.py``):
    every other column is refused to it, connected as psql would be with its password.
    Through the real server, connected as that login, with cold caches: handset sign-in,
    a report, the task list, sign-out; an Open311 POST with its api_key; a 12345 work
    order; a deactivated supervisor's token and sign-in refused."""
    from seatdesk.workflow.dbrules.grants import INTAKE_USERS

    rnd, w, c = intake_round, intake_round.world, intake_round.client
    assert INTAKE_USERS == ("id", "db_login")
    with w.db.engine.connect() as conn:  # the owner: what the login may read, column by column
        readable = dict(conn.execute(text(
            "SELECT attname, has_column_privilege(:r, 'public.users', attname, 'SELECT')"
            " FROM pg_attribute WHERE attrelid = 'public.users'::regclass AND attnum > 0"
            " AND NOT attisdropped"), {"r": rnd.intake}).all())
    assert {col for col, may in readable.items() if may} == set(INTAKE_USERS)
    for col in readable:
        if col not in INTAKE_USERS:
            assert "permission denied" in _refusal(rnd.engine, f"SELECT {col} FROM users"), col
    with rnd.engine.connect() as conn:
        assert conn.execute(text("SELECT db_login FROM users WHERE id = :i"),
                            {"i": w.users["sup1"]}).scalar()

    tokens = {}
    for name, device in (("sup1", "phone-1"), ("sup2", "phone-2")):
        signed = c.post("/field/v1/session", json={"username": name, "password": PASSWORD,
                                                  "device_id": device})
        assert signed.status_code == 201, signed.text
        tokens[name] = _bearer(signed.json()["token"])
    reported = c.post("/field/v1/reports", headers=tokens["sup1"], data={
        "report_id": "users-cols-0001", "lon": str(P1[0]), "lat": str(P1[1]),
        "description": "井盖破损"}, files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))])
    assert reported.status_code == 201, reported.text
    assert _actor(rnd, reported.json()["case_id"], 1) == (w.users["sup1"], "城管通/phone-1")

    order = _order("GD-USERS-0001", content="燕山路路灯不亮", caller_name="李女士",
                   address="燕山路 88 号")
    taken = c.post("/hotline12345/v1/orders", json=order,
                   headers={"X-Api-Key": rnd.keys["rx12345"]})
    assert taken.status_code == 201, taken.text
    case_id = taken.json()["case_id"]
    assert _actor(rnd, case_id, 1)[1] == "12345/rx12345"
    rnd.seat(sd.send_verification, "acceptor", case_id)
    tasks = c.get("/field/v1/tasks", headers=tokens["sup1"])
    assert tasks.status_code == 200, tasks.text
    assert [t["kind"] for t in tasks.json()["tasks"] if t["case_id"] == case_id] == ["verify"]

    number, _token = _post_with_photo(rnd, "小区门口垃圾堆了三天")
    with w.db.Session() as s:
        case311 = s.scalar(select(Case.id).where(Case.number == number))
    assert _actor(rnd, case311, 1)[1] == "Open311/fms"

    assert c.delete("/field/v1/session", headers=tokens["sup1"]).status_code == 204
    assert c.get("/field/v1/me", headers=tokens["sup1"]).status_code == 401

    assert c.get("/field/v1/me", headers=tokens["sup2"]).status_code == 200
    with w.db.Session.begin() as s:
        s.execute(text("UPDATE users SET active = false WHERE username = 'sup2'"))
    assert _wait_for(lambda: c.get("/field/v1/me", headers=tokens["sup2"]).status_code == 401)
    refused = c.get("/field/v1/me", headers=tokens["sup2"])
    assert "停用" in refused.json()["error"]["message"], refused.text
    again = c.post("/field/v1/session", json={"username": "sup2", "password": PASSWORD,
                                             "device_id": "phone-2"})
    assert again.status_code == 401, again.text


def test_a_handsets_wrong_passwords_lock_the_supervisor_as_at_a_seat(intake_round):
    """Five wrong passwords through the server lock the account (the gate counts them) and
    expire the login's password, so PostgreSQL itself refuses the right one too."""
    rnd, w = intake_round, intake_round.world
    attempt = {"username": "sup2", "device_id": "phone-9"}
    for _ in range(5):
        wrong = rnd.client.post("/field/v1/session", json={**attempt, "password": "wrong-pass-1"})
        assert wrong.status_code == 401, wrong.text
    right = rnd.client.post("/field/v1/session", json={**attempt, "password": PASSWORD})
    assert right.status_code == 401, right.text
    assert right.json()["error"]["message"] == wrong.json()["error"]["message"]  # one message
    with w.db.Session() as s:
        locked, login = s.execute(select(User.locked_until, User.db_login)
                                  .where(User.username == "sup2")).one()
        expired = s.execute(text("SELECT rolvaliduntil < now() FROM pg_roles WHERE rolname = :r"),
                            {"r": login}).scalar()
    assert locked is not None and expired is True


def test_a_supervisor_changes_a_reset_password_from_the_handset_as_their_login(intake_round):
    """An administrator resets sup1's password — the session of the phone signed in before
    ends —; two handsets sign in with it (the answer
    says it must be changed) and changes it through the server, which acts as sup1's own
    login: PostgreSQL's password for that login changes — a seat then signs in with the
    new one, not the old —, the other handset's session ends, and the account no longer
    has to change it. A wrong old
    password is refused and counted as at a sign-in."""
    from seatdesk.workflow import accounts, signin
    from seatdesk.workflow.auth import LoginError

    rnd, w = intake_round, intake_round.world
    before = rnd.client.post("/field/v1/session", json={
        "username": "sup1", "password": PASSWORD, "device_id": "phone-lost"})
    lost = _bearer(before.json()["token"])
    for _ in range(2):  # the second answer from the server's kept grant
        assert rnd.client.get("/field/v1/me", headers=lost).status_code == 200
    with w.db.Session.begin() as s:
        sup1 = s.scalar(select(User.id).where(User.username == "sup1"))
        accounts.reset_account_password(s, sup1, "reset-pass-1")
    # the lost phone's session ends; the server's kept grant goes with the NOTIFY
    assert _wait_for(lambda: rnd.client.get("/field/v1/me", headers=lost).status_code == 401,
                     5.0)
    signed = rnd.client.post("/field/v1/session", json={
        "username": "sup1", "password": "reset-pass-1", "device_id": "phone-7"})
    assert signed.status_code == 201 and signed.json()["must_change_password"] is True
    # the database holds it too: psql with the reset password reads and writes nothing
    # (the login is in no group until the change), and learns what it must do
    with w.db.Session() as s:
        login = s.scalar(select(User.db_login).where(User.id == sup1))
    url = make_url(w.db.url)
    with psycopg.connect(host=url.host, port=url.port, dbname=url.database, user=login,
                         password="reset-pass-1", connect_timeout=5) as raw:
        assert raw.execute("SELECT must_change_password FROM seatdesk_signed_in()"
                           ).fetchone() == (True,)
        for sql in ("SELECT count(*) FROM cases", "SELECT count(*) FROM users",
                    "INSERT INTO supervisor_positions (user_id, at, lon, lat)"
                    f" VALUES ({sup1}, now(), {P1[0]}, {P1[1]})"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                raw.execute(sql)
            raw.rollback()
    me = _bearer(signed.json()["token"])
    spare = _bearer(rnd.client.post("/field/v1/session", json={
        "username": "sup1", "password": "reset-pass-1", "device_id": "phone-8"}).json()["token"])
    assert rnd.client.get("/field/v1/me", headers=spare).status_code == 200
    fix = {"fixes": [{"lon": P1[0], "lat": P1[1]}]}
    for _ in range(2):  # the second answer from the server's kept grant
        refused = rnd.client.post("/field/v1/positions", headers=me, json=fix)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == \
            "must_change_password", refused.text
    wrong = rnd.client.post("/field/v1/password", headers=me, json={
        "old_password": "wrong-pass-1", "new_password": "chosen-pass-2"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_password"
    with w.db.Session() as s:
        assert s.scalar(select(User.failed_logins).where(User.id == sup1)) == 1
    changed = rnd.client.post("/field/v1/password", headers=me, json={
        "old_password": "reset-pass-1", "new_password": "chosen-pass-2"})
    assert changed.status_code == 204, changed.text
    # the other handset's session ends with the change (PostgreSQL's function does it);
    # the one that changed it goes on
    assert _wait_for(lambda: rnd.client.get("/field/v1/me", headers=spare).status_code == 401,
                     5.0)
    assert rnd.client.get("/field/v1/me", headers=me).status_code == 200
    assert rnd.client.post("/field/v1/positions", headers=me, json=fix).status_code == 200
    with w.db.Session() as s:
        assert s.scalar(select(User.must_change_password).where(User.id == sup1)) is False
    gate = make_engine(make_url(w.db.url).set(username="seatdesk_gate")
                       .render_as_string(hide_password=False))
    try:
        with pytest.raises(LoginError):
            signin.sign_in(gate, "sup1", "reset-pass-1")
        seat = signin.sign_in(gate, "sup1", "chosen-pass-2")
        assert not seat.user.must_change_password
        seat.close()
    finally:
        gate.dispose()
    again = rnd.client.post("/field/v1/session", json={
        "username": "sup1", "password": "chosen-pass-2", "device_id": "phone-7"})
    assert again.status_code == 201 and again.json()["must_change_password"] is False
    # a change at a seat (as sup1's own login) ends every handset session of sup1
    handset = _bearer(again.json()["token"])
    for _ in range(2):  # kept by the server now
        assert rnd.client.post("/field/v1/positions", headers=handset, json=fix).status_code \
            == 200
    with w.db.Session.begin() as s:  # ``db logins`` again: a new initial password
        s.execute(update(User).where(User.id == sup1).values(must_change_password=True))
    assert _wait_for(lambda: rnd.client.post("/field/v1/positions", headers=handset,
                                             json=fix).status_code == 403, 5.0)
    gate = make_engine(make_url(w.db.url).set(username="seatdesk_gate")
                       .render_as_string(hide_password=False))
    try:
        seat = signin.sign_in(gate, "sup1", "chosen-pass-2")
        seat.change_password("chosen-pass-2", "seat-chosen-3")
        seat.close()
    finally:
        gate.dispose()
    for ended in (handset, me):
        assert _wait_for(
            lambda h=ended: rnd.client.get("/field/v1/me", headers=h).status_code == 401, 5.0)


@pytest.mark.parametrize("change", ["reset", "deactivated"])
def test_a_report_sent_before_the_notification_hears_what_changed(intake_round, change):
    """An administrator's reset (or ``db logins``) takes sup1's login out of its group at
    the commit, and so does deactivating the account; the server's kept grant goes only
    when the notification reaches it, moments later. A report sent in between ran as the
    groupless login and was answered 403 ``refused_by_database`` — which the field app
    takes as a refusal of the report itself, and marks it so (a clone's run of
    ``test_field_app`` saw it). It is answered as the account now stands: 403
    ``must_change_password`` (the app asks for the new password and keeps the report),
    or 401 for a deactivated account (deactivated by the owner's own UPDATE here, which
    leaves the login's groups: the workflow's check of the acting user refuses it instead);
    nothing is saved, and a retry is answered the same."""
    from seatdesk.server.auth import digest

    rnd, w = intake_round, intake_round.world
    lookups = rnd.live.app.state.server.wf.lookups
    assert lookups.wait_live(10)
    token = rnd.client.post("/field/v1/session", json={
        "username": "sup1", "password": PASSWORD, "device_id": "phone-3"}).json()["token"]
    me, key = _bearer(token), ("field", digest(token))
    first = rnd.client.post("/field/v1/reports", headers=me, json={
        "report_id": "window-1", "lon": P1[0], "lat": P1[1], "description": "通知前的第一条"})
    assert first.status_code == 201, first.text
    stale = lookups.kept(key)
    assert stale is not None and not stale.must_change
    with w.db.Session.begin() as s:
        s.execute(update(User).where(User.username == "sup1").values(
            **({"must_change_password": True} if change == "reset" else {"active": False})))
    assert _wait_for(lambda: lookups.kept(key) is None, 10.0)  # the notification came …
    time.sleep(0.3)  # (and any other of the same commit)
    lookups.get(key, lambda: stale)  # … and is undone: the moment before it came
    assert lookups.kept(key) is stale
    expected = (403, "must_change_password") if change == "reset" else (401, "unauthorized")
    for _ in range(2):  # the retry is answered from the grant read again
        sent = rnd.client.post("/field/v1/reports", headers=me, json={
            "report_id": "window-2", "lon": P1[0], "lat": P1[1], "description": "通知前的第二条"})
        assert (sent.status_code, sent.json()["error"]["code"]) == expected, sent.text
    if change == "reset":
        assert lookups.kept(key).must_change
    with w.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(
            Case.description == "通知前的第二条")) == 0


def test_a_nul_byte_at_the_handsets_sign_in_or_in_an_address(intake_round):
    """Through the intake login a NUL byte reached the gate and libpq: a password with one
    answered 503 「数据库暂不可用」, a name with one 500, and a new password with one was
    cut at the NUL by libpq (the login's password became its first part). Now: 401 with
    the sign-in's one message, 422 with the reason, and sup1's password unchanged. A NUL
    in an address (an id, a code, a token) answered 500 from PostgreSQL; now 400."""
    rnd = intake_round
    for who, password in (("sup1", "ab\x00cd"), ("su\x00p1", PASSWORD)):
        refused = rnd.client.post("/field/v1/session", json={
            "username": who, "password": password, "device_id": "phone-1"})
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"]["code"] == "login_failed"
    signed = rnd.client.post("/field/v1/session", json={
        "username": "sup1", "password": PASSWORD, "device_id": "phone-1"})
    me = _bearer(signed.json()["token"])
    bad = rnd.client.post("/field/v1/password", headers=me, json={
        "old_password": PASSWORD, "new_password": "abcdefgh\x00ij"})
    assert bad.status_code == 422 and "NUL" in bad.json()["error"]["message"]
    wrong = rnd.client.post("/field/v1/password", headers=me, json={
        "old_password": "x\x00y", "new_password": "abcdefghij"})
    assert wrong.status_code == 403, wrong.text
    again = rnd.client.post("/field/v1/session", json={
        "username": "sup1", "password": PASSWORD, "device_id": "phone-1"})
    assert again.status_code == 201, again.text
    # and in an address, through uvicorn (it answered 500 from PostgreSQL)
    from tests.test_server_security import NUL_URLS

    for url in NUL_URLS:
        answer = rnd.client.get(url, headers={**me, "X-Api-Key": rnd.keys["rx12345"]})
        assert answer.status_code == 400, (url, answer.text)


def test_a_12345_order_acts_in_the_partners_own_units_only(intake_round):
    """Under the intake login's grants: an order with coordinates opens no unit of work
    as the partner beyond the registration's own (counted as the ``SET LOCAL ROLE`` to the
    partner's login each SQLAlchemy unit begins with; the first statement's own
    transaction, ``write_one``, is not a SQLAlchemy one either way); one without
    coordinates opens one more, and is placed at the stored initial view — which only the
    partner's login may read (the intake login would read the default)."""
    from seatdesk.server import intake
    from seatdesk.server.auth import partner_principal
    from seatdesk.server.hotline import routes
    from seatdesk.server.hotline.contract import WorkOrderIn
    from sqlalchemy import event

    rnd, w = intake_round, intake_round.world
    ctx = rnd.live.app.state.server
    with w.db.Session() as s:
        partner = partner_principal(s, rnd.keys["rx12345"], "hotline12345")
        login = s.scalar(select(User.db_login).where(User.id == partner.user_id))
    units: list[int] = []

    def as_partner(_conn, _cursor, statement, params, _context, _many) -> None:
        if "set_config('role'" in statement and login in str(params):
            units.append(1)

    def count(act) -> tuple[int, sd.CaseChange]:
        units.clear()
        result = act()
        return len(units), result

    event.listen(rnd.engine, "before_cursor_execute", as_partner)
    try:
        report = sd.Report(source=partner.source, lon=P1[0], lat=P1[1], description="基准")
        key = intake.intake_key("12345", partner.name, "warm")
        intake.register(ctx.identity, partner, report, key)  # the calendar, kept after
        bare, _ = count(lambda: intake.register(  # a unit of work, as an order's (its rows)
            ctx.identity, partner, report, intake.intake_key("12345", partner.name, "b"),
            lambda _s, _c: None))
        placed = WorkOrderIn.model_validate(_order("GD-UNITS-1"))
        used, change = count(lambda: routes._register(ctx, partner, placed, ()))
        assert used == bare and bare >= 1, (used, bare)
        unplaced = WorkOrderIn.model_validate(_order("GD-UNITS-2", lon=None, lat=None))
        used, other = count(lambda: routes._register(ctx, partner, unplaced, ()))
        assert used == bare + 1
    finally:
        event.remove(rnd.engine, "before_cursor_execute", as_partner)
    with w.db.Session() as s:
        where = s.execute(select(Case.lon, Case.lat).where(Case.id == other.case_id)).one()
        seats = s.scalars(select(LedgerEntry.seat).where(
            LedgerEntry.case_id.in_([change.case_id, other.case_id]))).all()
    assert tuple(where) == pytest.approx(P2, abs=1e-6)  # the stored view, not the default
    assert seats == ["12345/rx12345"] * 2


def _as_reader(engine, sql: str, params: dict | None = None):
    """``sql`` as psql would run it as the Open311 reader: connected with the intake
    login's password (the reader is NOLOGIN; the intake login is its only member) and
    ``SET ROLE``. (rows, "") or (None, the refusal)."""
    with engine.connect() as conn:
        try:
            conn.execute(text(f'SET ROLE "{OPEN311_READER}"'))
            result = conn.execute(text(sql), params or {})
            rows = result.all() if result.returns_rows else []
            conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
            return rows, ""
        except DBAPIError as exc:
            return None, str(exc.orig.diag.message_primary or exc.orig)
        finally:
            conn.rollback()


def test_anonymous_open311_reads_run_as_a_reader_that_sees_only_what_open311_shows(
        intake_round):
    """The anonymous Open311 GETs (services, a definition, requests, one request, a token,
    the updates, a photo) run as ``seatdesk_open311_reader``, in JSON and XML; that role
    by itself reads the columns the records show of the cases that came in through
    Open311 and no more: no caller's name or phone, no 12345 case, no user, handset
    session, partner, outbox or setting beyond the calendar and the class edition, no
    photo but a registration's photo of an Open311 case, and it writes nothing."""
    rnd, w, c = intake_round, intake_round.world, intake_round.client
    assert rnd.live.app.state.server.identity.public().db_role == OPEN311_READER
    order = _order("GD-READER-1", attachments=[
        {"filename": "现场.jpg", "content_base64": base64.b64encode(jpeg()).decode()}])
    taken = c.post("/hotline12345/v1/orders", json=order,
                   headers={"X-Api-Key": rnd.keys["rx12345"]})
    assert taken.status_code == 201, taken.text
    number, token = _post_with_photo(rnd, "小区门口垃圾")
    with w.db.Session() as s:
        open311_case = s.scalar(select(Case.id).where(Case.number == number))
        photos = dict(s.execute(text("SELECT case_id, id FROM attachments")).all())
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()

    for fmt in ("json", "xml"):  # every anonymous GET answers as it did
        services = c.get(f"/open311/v2/services.{fmt}")
        assert services.status_code == 200 and "E01001" in services.text, services.text
        assert c.get(f"/open311/v2/services/E01001.{fmt}").status_code == 200
        listed = c.get(f"/open311/v2/requests.{fmt}")
        assert listed.status_code == 200, listed.text
        assert [r["service_request_id"] for r in _parse(fmt, listed)] == [number]
        one = c.get(f"/open311/v2/requests/{number}.{fmt}")
        assert one.status_code == 200 and _parse(fmt, one)[0]["status"] == "open", one.text
        record = _parse(fmt, one)[0]
        assert record["service_name"] and record["requested_datetime"].endswith("+08:00")
        assert c.get(f"/open311/v2/tokens/{token}.{fmt}").status_code == 200
        updates = c.get(f"/open311/v2/servicerequestupdates.{fmt}", params={"start_date": start})
        assert updates.status_code == 200, updates.text
        assert {u["service_request_id"] for u in _parse(fmt, updates)} == {number}
        for response in (listed, one, updates):
            assert PHONE_311 not in response.text and "小明" not in response.text
    media = c.get(record["media_url"])
    assert media.status_code == 200 and media.content[:2] == b"\xff\xd8"
    twelve = photos[taken.json()["case_id"]]  # a 12345 order's photo: served to nobody
    assert c.get(f"/open311/v2/media/{twelve}").status_code == 404

    # the reader by itself, as psql would be it
    login = rnd.engine
    rows, refused = _as_reader(login, "SELECT id, number, description, address FROM cases")
    assert refused == "" and [r.id for r in rows] == [open311_case]  # not the 12345 case
    rows, _ = _as_reader(login, "SELECT key, value FROM settings")
    with w.db.Session() as s:
        stored = set(s.scalars(text("SELECT key FROM settings")))
    assert {key for key, _ in rows} == stored & set(PUBLIC_SETTINGS)
    assert TILE_KEY not in json.dumps([list(map(str, r)) for r in rows])
    rows, _ = _as_reader(login, "SELECT * FROM seatdesk_open311_photo(:i)",
                         {"i": photos[open311_case]})
    assert rows and rows[0].content[:2] == b"\xff\xd8"
    rows, refused = _as_reader(login, "SELECT * FROM seatdesk_open311_photo(:i)", {"i": twelve})
    assert (rows, refused) == ([], "")
    for sql in ("SELECT caller_name FROM cases", "SELECT caller_phone FROM cases",
                "SELECT * FROM cases", "SELECT * FROM case_reporters",
                "SELECT payload FROM case_ledger", "SELECT seat FROM case_ledger",
                "SELECT actor_id FROM case_ledger", "SELECT reason FROM case_ledger",
                "SELECT content FROM attachments", "SELECT filename FROM attachments",
                "SELECT * FROM users", "SELECT username FROM users",
                "SELECT * FROM field_sessions", "SELECT * FROM field_events",
                "SELECT * FROM supervisor_positions", "SELECT * FROM partners",
                "SELECT partner_id FROM partner_requests",
                "SELECT external_id FROM partner_requests", "SELECT * FROM work_orders",
                "SELECT * FROM callback_outbox", "SELECT * FROM roads",
                "SELECT * FROM grid_cells", "SELECT * FROM dispatches",
                "SELECT * FROM setting_changes", "SELECT phone FROM departments",
                "SELECT * FROM seatdesk_callback_facts(1)",
                # no ledger or attachment row of its own (0018): not even of Open311 cases
                "SELECT id FROM case_ledger", "SELECT case_id, to_state FROM case_ledger",
                "SELECT count(*) FROM case_ledger", "SELECT id, kind FROM attachments",
                "SELECT case_id, ledger_seq FROM attachments",
                "SELECT * FROM seatdesk_callback_photos(1, 3)",
                # no large object written (db upgrade as a superuser revokes their creation)
                "SELECT lo_from_bytea(0, 'x')", "SELECT lo_creat(-1)", "SELECT lo_create(0)",
                "UPDATE cases SET urgency = urgency", "UPDATE settings SET value = value",
                "INSERT INTO cases (number, source) VALUES ('X', 'online')",
                "INSERT INTO partner_requests (case_id, token) VALUES (1, 'x')",
                "DELETE FROM case_classes"):
        rows, refused = _as_reader(login, sql)
        assert "permission denied" in refused, (sql, refused)
    # an Open311 case's state changes and first photo, through the owner's functions:
    # of Open311 cases only (the 12345 order's case has both, and is not there)
    rows, refused = _as_reader(login, "SELECT number, seq, to_state FROM"
                               " seatdesk_open311_updates(now() - interval '1 day', now(),"
                               " NULL, 1000)")
    assert refused == "" and {r.number for r in rows} == {number}, (rows, refused)
    twelve_case = taken.json()["case_id"]
    with w.db.Session() as s:
        assert s.scalar(text("SELECT count(*) FROM case_ledger WHERE case_id = :c"
                             " AND from_state <> to_state"), {"c": twelve_case}) > 0
    rows, refused = _as_reader(login, "SELECT case_id, id FROM seatdesk_open311_first_photos("
                               "CAST(:ids AS integer[]))", {"ids": [open311_case, twelve_case]})
    assert refused == "" and [tuple(r) for r in rows] == [(open311_case, photos[open311_case])]
    with w.db.Session() as s:
        lead = s.scalar(select(User.db_login).where(User.username == "lead"))
    for role in (lead, "seatdesk_acceptor"):  # nor does it lend the session anyone else
        _rows, refused = _as_reader(login, f'SET ROLE "{role}"')
        assert "permission denied" in refused, role
    with w.db.Session() as s:  # it is a member of no role: it inherits nothing
        assert s.scalar(text("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r"
                             " ON r.oid = m.member WHERE r.rolname = :r"),
                        {"r": OPEN311_READER}) == 0
        assert s.scalar(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"),
                        {"r": OPEN311_READER}) is False


def test_a_partner_added_after_the_logins_is_served_at_once(intake_round, capsys):
    """``seatdesk partner add`` on a database whose users have logins gives the new
    partner its login (the intake server acts as it): its first report is registered, by
    its own login, without ``db logins`` run again. Before, it was refused by the database
    (the intake login acted, and reads no class) until ``db logins`` ran."""
    rnd, w = intake_round, intake_round.world
    capsys.readouterr()
    assert main(["--database", w.db.url, "partner", "add", "late", "--name", "后加的合作方",
                 "--kind", "open311"]) == 0
    printed = capsys.readouterr().out
    key = next(line.split(": ", 1)[1] for line in printed.splitlines()
               if line.startswith("api_key: "))
    made = rnd.client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "E01001", "lat": str(P1[1]), "long": str(P1[0]),
        "description": "后加的合作方的第一份报告"})
    assert made.status_code == 201, made.text
    assert "数据库登录" in printed and "已建立" in printed, printed
    with w.db.Session() as s:
        user_id, login = s.execute(select(User.id, User.db_login).where(
            User.username == "partner:late")).one()
    assert login is not None
    number = made.json()[0]["service_request_id"]
    with w.db.Session() as s:
        actor = s.scalar(select(LedgerEntry.actor_id).join(Case, Case.id == LedgerEntry.case_id)
                         .where(Case.number == number))
    assert actor == user_id
