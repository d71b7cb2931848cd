"""The supervisors' handset API (/field/v1) against a real database on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from seatdesk.models import (
    Attachment,
    Case,
    FieldEvent,
    LedgerEntry,
    SupervisorPosition,
    User,
    set_setting,
)
from seatdesk.models.db import make_engine
from seatdesk.workflow.auth import FAILED
from tests.dbtemplates import open_database
from tests.server_fixtures import PASSWORD, jpeg, make_server, server  # noqa: F401
from tests.workflow_fixtures import P1, open_world

REPORT = {"report_id": "3f1c-0001", "lon": P1[0], "lat": P1[1], "description": "井盖破损",
          "address": "溧城镇燕山路 18 号"}


def _count(srv, model, *where) -> int:
    with srv.world.db.Session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_sign_in_gives_an_expiring_token(server):
    response = server.client.post("/field/v1/session", json={
        "username": "sup1", "password": PASSWORD, "device_id": "phone-1"})
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("sdf_") and body["position_interval_s"] == 30
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert expires - server.world.clock.now == dt.timedelta(hours=12)
    me = server.client.get("/field/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["username"] == "sup1"
    assert me.json()["device_id"] == "phone-1"


def test_wrong_password_and_wrong_role_are_refused(server):
    bad = server.client.post("/field/v1/session", json={
        "username": "sup1", "password": "nope", "device_id": "p"})
    assert bad.status_code == 401 and bad.json()["error"]["message"] == FAILED
    with server.world.db.Session() as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "sup1")) == 1
    acceptor = server.client.post("/field/v1/session", json={
        "username": "acceptor", "password": PASSWORD, "device_id": "p"})
    assert acceptor.status_code == 403 and "监督员" in acceptor.json()["error"]["message"]


def test_a_supervisor_changes_a_reset_password_from_the_handset(server):
    """After an administrator's reset (or ``db logins``) the sign-in says
    ``must_change_password``, and the token is good for nothing else but who-am-I and
    signing out (403 ``must_change_password``); ``POST /password`` changes it as a seat
    does: the old one checked (403, not 401: the token is fine), at least 8 characters,
    not the old one (422), and then only the new one signs in, no longer to be changed,
    and the token reports."""
    from seatdesk.workflow.auth import hash_password

    with server.world.db.Session.begin() as s:
        s.execute(update(User).where(User.username == "sup1").values(
            password_hash=hash_password(PASSWORD), must_change_password=True))
    signed = server.client.post("/field/v1/session", json={
        "username": "sup1", "password": PASSWORD, "device_id": "phone-1"})
    assert signed.status_code == 201 and signed.json()["must_change_password"] is True
    me = {"Authorization": f"Bearer {signed.json()['token']}"}

    def change(old: str, new: str, headers=me):
        return server.client.post("/field/v1/password", headers=headers,
                                  json={"old_password": old, "new_password": new})

    wrong = change("not-the-password", "brand-new-9")
    assert wrong.status_code == 403, wrong.text
    assert wrong.json()["error"] == {"code": "wrong_password", "message": "原密码不正确"}
    short = change(PASSWORD, "short")  # the schema's minLength: 8
    assert short.status_code == 422 and "new_password" in short.json()["error"]["message"]
    spaces = change(PASSWORD, " " * 8)
    assert spaces.status_code == 422
    assert spaces.json()["error"]["message"] == "新密码不能为空或只有空格"
    same = change(PASSWORD, PASSWORD)
    assert same.status_code == 422 and "相同" in same.json()["error"]["message"]
    assert change(PASSWORD, "brand-new-9", headers={}).status_code == 401
    with server.world.db.Session() as s:  # nothing changed by the refusals
        assert s.scalar(select(User.must_change_password).where(User.username == "sup1"))
    # until it is changed the server answers nothing else but who-am-I (another client
    # than the field app, which asks for the change first, cannot go on with it)
    assert server.client.get("/field/v1/me", headers=me).status_code == 200
    for method, path, body in (("POST", "/field/v1/reports", REPORT),
                               ("GET", "/field/v1/tasks", None),
                               ("POST", "/field/v1/positions",
                                {"fixes": [{"lon": P1[0], "lat": P1[1]}]}),
                               ("POST", "/field/v1/duty", {"on_duty": True}),
                               ("GET", "/field/v1/classes", None)):
        refused = server.client.request(method, path, json=body, headers=me)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["error"]["code"] == "must_change_password"
        assert refused.json()["error"]["message"].startswith("请先修改密码")
    assert _count(server, Case) == 0 and _count(server, SupervisorPosition) == 0
    # the attendance log starts when the handset may work: at the change, not the sign-in
    signed_in = (FieldEvent.kind == "sign_in", FieldEvent.device_id == "phone-1")
    assert _count(server, FieldEvent, *signed_in) == 0
    assert change(PASSWORD, "brand-new-9").status_code == 204
    assert _count(server, FieldEvent, *signed_in) == 1
    assert server.client.get("/field/v1/me", headers=me).status_code == 200  # token kept
    assert server.client.post("/field/v1/reports", json=REPORT, headers=me).status_code == 201
    old = server.client.post("/field/v1/session", json={
        "username": "sup1", "password": PASSWORD, "device_id": "phone-1"})
    assert old.status_code == 401
    new = server.client.post("/field/v1/session", json={
        "username": "sup1", "password": "brand-new-9", "device_id": "phone-1"})
    assert new.status_code == 201 and new.json()["must_change_password"] is False


def test_an_administrators_reset_ends_the_handsets_sessions(server):
    """A lost phone: the administrator resets the supervisor's password (as at the seat's
    用户 page), and the token on that phone stops working at once — on both backends,
    including a server process that had the token's check kept (its cache is emptied by
    the change) — while another supervisor's handset goes on."""
    from seatdesk.workflow import accounts

    lost, other = server.sign_in("sup1", "phone-1"), server.sign_in("sup2", "phone-2")
    assert server.client.get("/field/v1/me", headers=lost).status_code == 200  # kept now
    with server.world.db.Session.begin() as s:
        sup1 = s.scalar(select(User.id).where(User.username == "sup1"))
        accounts.reset_account_password(s, sup1, "reset-pass-1")
    refused = server.client.get("/field/v1/me", headers=lost)
    assert refused.status_code == 401 and "失效" in refused.json()["error"]["message"]
    assert server.client.post("/field/v1/reports", json=REPORT, headers=lost).status_code == 401
    assert server.client.get("/field/v1/me", headers=other).status_code == 200
    assert _count(server, Case) == 0


def test_a_changed_password_ends_the_supervisors_other_handsets(server):
    """Someone else may know the old password (a phone passed on, a password overheard):
    a change from one handset ends that supervisor's other handset sessions — the server's
    kept checks included — and keeps the one that changed it; a change at a seat ends
    them all. Another supervisor's handset goes on."""
    from seatdesk.workflow.auth import change_password

    mine, spare, other = (server.sign_in("sup1", "phone-1"), server.sign_in("sup1", "phone-2"),
                          server.sign_in("sup2", "phone-3"))
    for headers in (mine, spare, other):  # each check kept by the server now
        assert server.client.get("/field/v1/me", headers=headers).status_code == 200
    changed = server.client.post("/field/v1/password", headers=mine, json={
        "old_password": PASSWORD, "new_password": "brand-new-9"})
    assert changed.status_code == 204, changed.text
    assert server.client.get("/field/v1/me", headers=mine).status_code == 200
    ended = server.client.get("/field/v1/me", headers=spare)
    assert ended.status_code == 401 and "失效" in ended.json()["error"]["message"]
    assert server.client.post("/field/v1/reports", json=REPORT, headers=spare).status_code == 401
    assert server.client.get("/field/v1/me", headers=other).status_code == 200
    with server.world.db.Session.begin() as s:  # at a seat (个人设置 → 修改密码)
        sup1 = s.scalar(select(User.id).where(User.username == "sup1"))
        change_password(s, sup1, "brand-new-9", "seat-chosen-9")
    assert server.client.get("/field/v1/me", headers=mine).status_code == 401
    assert server.client.get("/field/v1/me", headers=other).status_code == 200
    assert _count(server, Case) == 0


@pytest.mark.postgres
def test_a_server_run_as_the_owner_changes_the_supervisors_login_password_too(template_store):
    """A centre with database logins whose server (or a seat) connects as the owner checks
    passwords against the users table: a change there left the supervisor's own login on
    the old password, so a seat signing in by logins took the old one and refused the new.
    Now the login takes the new one too, from a handset and from such a seat."""
    from seatdesk.workflow import accounts, signin
    from seatdesk.workflow.auth import LoginError

    url = template_store.clone("postgresql", "workflow_world")
    srv = make_server(open_world(open_database("postgresql", url)))
    gate = make_engine(make_url(url).set(username="seatdesk_gate").render_as_string(False))
    try:
        with srv.world.db.Session.begin() as s:  # as ``seatdesk db logins`` does
            sup1 = s.scalar(select(User.id).where(User.username == "sup1"))
            accounts.create_login(s, sup1, PASSWORD, must_change=False)
        me = srv.sign_in()
        assert srv.client.post("/field/v1/password", headers=me, json={
            "old_password": PASSWORD, "new_password": "brand-new-9"}).status_code == 204
        with pytest.raises(LoginError):
            signin.sign_in(gate, "sup1", PASSWORD)
        signin.sign_in(gate, "sup1", "brand-new-9").close()
        seat = signin.sign_in(srv.world.db.engine, "sup1", "brand-new-9")  # the users table
        seat.change_password("brand-new-9", "seat-chosen-9")
        with pytest.raises(LoginError):
            signin.sign_in(gate, "sup1", "brand-new-9")
        signin.sign_in(gate, "sup1", "seat-chosen-9").close()
        assert srv.client.get("/field/v1/me", headers=me).status_code == 401  # (a seat's change)
    finally:
        srv.client.close()
        gate.dispose()
        srv.world.db.engine.dispose()
        template_store.drop("postgresql", url)


def test_a_nul_byte_in_a_name_or_password_is_refused_as_a_wrong_one(server):
    """A NUL byte (a paste gone wrong) can be in no account's name or password: the
    sign-in says 用户名或密码错误 — not a database error — and a new password with one is
    refused with its reason, the old one unchanged."""
    for who, password in (("sup1", "ab\x00cd"), ("su\x00p1", PASSWORD)):
        refused = server.client.post("/field/v1/session", json={
            "username": who, "password": password, "device_id": "phone-1"})
        assert refused.status_code == 401 and refused.json()["error"]["message"] == FAILED
    me = server.sign_in()
    bad = server.client.post("/field/v1/password", headers=me, json={
        "old_password": PASSWORD, "new_password": "abcdefgh\x00ij"})
    assert bad.status_code == 422
    assert bad.json()["error"]["message"] == "新密码含有不可见的空字符（NUL），请重新输入"
    wrong = server.client.post("/field/v1/password", headers=me, json={
        "old_password": "x\x00y", "new_password": "abcdefghij"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_password"
    server.sign_in()  # the password is what it was


def test_token_expires_and_is_revoked(server):
    headers = server.sign_in()
    server.world.clock.advance(hours=12, seconds=1)
    expired = server.client.get("/field/v1/me", headers=headers)
    assert expired.status_code == 401 and "过期" in expired.json()["error"]["message"]
    headers = server.sign_in()
    assert server.client.delete("/field/v1/session", headers=headers).status_code == 204
    assert server.client.get("/field/v1/me", headers=headers).status_code == 401
    assert server.client.get("/field/v1/me").status_code == 401


def test_deactivating_the_user_revokes_the_token_at_once(server):
    headers = server.sign_in()
    with server.world.db.Session.begin() as s:
        s.execute(update(User).where(User.username == "sup1").values(active=False))
    refused = server.client.post("/field/v1/reports", json=REPORT, headers=headers)
    assert refused.status_code == 401 and "停用" in refused.json()["error"]["message"]
    assert _count(server, Case) == 0


def test_a_report_with_photos_and_voice_becomes_one_case(server):
    headers = server.sign_in(device="phone-7")
    files = [("photos", ("a.jpg", jpeg(), "image/jpeg")),
             ("photos", ("../../etc/passwd.png", jpeg(color=(0, 0, 255)), "image/png")),
             ("voice", ("note.wav", _wav(), "audio/wav"))]
    data = {k: str(v) for k, v in REPORT.items()}
    response = server.client.post("/field/v1/reports", data=data, files=files, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "reported" and body["photos"] == 3 and not body["replayed"]
    with server.world.db.Session() as s:
        case = s.get(Case, body["case_id"])
        assert case.source == "patrol" and case.reporter_id == server.world.users["sup1"]
        assert case.intake_key == f"field:{server.world.users['sup1']}:3f1c-0001"
        names = s.scalars(select(Attachment.filename).where(Attachment.case_id == case.id)
                          .order_by(Attachment.id)).all()
        mimes = s.scalars(select(Attachment.mime_type).where(Attachment.case_id == case.id)
                          .order_by(Attachment.id)).all()
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.case_id == case.id))
    assert names == ["a.jpg", "passwd.jpg", "note.wav"]  # a label, never a path
    assert mimes == ["image/jpeg", "image/jpeg", "audio/x-wav"]  # by content, not by name
    assert entry.seat == "城管通/phone-7" and entry.actor_id == server.world.users["sup1"]


def test_a_resent_report_is_the_same_case(server):
    headers = server.sign_in()
    first = server.client.post("/field/v1/reports", json=REPORT, headers=headers)
    again = server.client.post("/field/v1/reports", json=REPORT, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] and again.json()["case_id"] == first.json()["case_id"]
    other = server.client.post("/field/v1/reports", json={**REPORT, "report_id": "3f1c-0002"},
                               headers=headers)
    assert other.status_code == 201 and _count(server, Case) == 2
    # the same report id from another supervisor is another report
    theirs = server.client.post("/field/v1/reports", json=REPORT, headers=server.sign_in("sup2"))
    assert theirs.status_code == 201 and _count(server, Case) == 3


def test_files_are_checked_by_content(server):
    headers = server.sign_in()
    data = {k: str(v) for k, v in REPORT.items()}
    fake = server.client.post("/field/v1/reports", data=data, headers=headers,
                              files=[("photos", ("photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg"))])
    assert fake.status_code == 415 and "照片" in fake.json()["error"]["message"]
    big = server.client.post("/field/v1/reports", data=data, headers=headers,
                             files=[("voice", ("v.mp3", jpeg(), "audio/mpeg"))])
    assert big.status_code == 415 and "录音" in big.json()["error"]["message"]
    assert _count(server, Case) == 0


def test_upload_limits(make_db):
    from seatdesk.server.config import ServerConfig
    from tests.server_fixtures import make_server
    from tests.workflow_fixtures import open_world

    srv = make_server(open_world(make_db("workflow_world")),
                      ServerConfig(max_photo_bytes=20_000, max_photos=2, max_body_bytes=200_000))
    headers = srv.sign_in()
    data = {k: str(v) for k, v in REPORT.items()}
    large = jpeg((200, 200), quality=100, noise=True)
    assert len(large) > 20_000
    too_big = srv.client.post("/field/v1/reports", data=data, headers=headers,
                              files=[("photos", ("big.jpg", large, "image/jpeg"))])
    assert too_big.status_code == 413
    three = [("photos", (f"{i}.jpg", jpeg(), "image/jpeg")) for i in range(3)]
    assert srv.client.post("/field/v1/reports", data=data, headers=headers,
                           files=three).status_code == 413
    body = srv.client.post("/field/v1/reports", headers={**headers, "Content-Type": "application/json"},
                           content=b"{" + b" " * 300_000 + b"}")
    assert body.status_code == 413
    assert _count(srv, Case) == 0


def test_bad_input_gets_a_chinese_message_and_changes_nothing(server):
    headers = server.sign_in()
    for bad in ({**REPORT, "lon": 500}, {**REPORT, "report_id": "空 格"},
                {**REPORT, "description": "x" * 2001}, {"lon": 1, "lat": 2}):
        response = server.client.post("/field/v1/reports", json=bad, headers=headers)
        assert response.status_code == 422, bad
        assert response.json()["error"]["message"].startswith("参数无效")
    assert _count(server, Case) == 0


def test_a_report_outside_the_city_is_refused_and_the_same_report_id_stays_free(server):
    """A handset whose GPS has no fix yet sends (0, 0): refused in Chinese with the point
    (422 ``outside_city``), nothing registered, so the same report placed right registers;
    the check is the ``city_extent`` setting's, and switched off with it."""
    headers = server.sign_in()
    for lon, lat in ((0.0, 0.0), (116.40, 39.90)):  # no fix; Beijing
        refused = server.client.post("/field/v1/reports", headers=headers,
                                     json={**REPORT, "lon": lon, "lat": lat})
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "outside_city"
        assert refused.json()["error"]["message"].startswith(
            f"位置（经度 {lon:.6f}，纬度 {lat:.6f}）不在本市范围内，未登记")
    assert _count(server, Case) == 0
    placed = server.client.post("/field/v1/reports", json=REPORT, headers=headers)
    assert placed.status_code == 201 and not placed.json()["replayed"]
    with server.world.db.Session.begin() as s:
        set_setting(s, "city_extent", None)
    anywhere = server.client.post("/field/v1/reports", headers=headers, json={
        **REPORT, "report_id": "3f1c-0002", "lon": 0.0, "lat": 0.0})
    assert anywhere.status_code == 201, anywhere.text
    assert _count(server, Case) == 2


def test_positions_and_duty(server):
    headers = server.sign_in(device="phone-3")
    duty = server.client.post("/field/v1/duty", json={"on_duty": True, "lon": P1[0], "lat": P1[1]},
                              headers=headers)
    assert duty.status_code == 200
    assert server.client.get("/field/v1/me", headers=headers).json()["on_duty"] is True
    now = server.world.clock.now
    fixes = [{"lon": P1[0], "lat": P1[1], "accuracy_m": 8, "at": (now - dt.timedelta(minutes=m)).isoformat()}
             for m in (2, 1)] + [{"lon": 119.0, "lat": 31.0, "at": (now - dt.timedelta(days=2)).isoformat()}]
    taken = server.client.post("/field/v1/positions", json={"fixes": fixes}, headers=headers)
    assert taken.json() == {"accepted": 2, "skipped": 1, "next_in_s": 30}
    assert _count(server, SupervisorPosition) == 2
    server.client.post("/field/v1/duty", json={"on_duty": False}, headers=headers)
    assert server.client.get("/field/v1/me", headers=headers).json()["on_duty"] is False
    kinds = [k for (k,) in server.world.db.Session().execute(
        select(FieldEvent.kind).order_by(FieldEvent.id))]
    assert kinds == ["sign_in", "on_duty", "off_duty"]


def test_class_list_is_the_configured_edition(server):
    headers = server.sign_in()
    classes = server.client.get("/field/v1/classes", headers=headers).json()
    assert {c["name"] for c in classes} == {"供水井盖", "暴露垃圾", "道路不洁", "违规广告"}


def _wav() -> bytes:
    import struct

    frames = b"\x00\x00" * 800
    return (b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
            + b"data" + struct.pack("<I", len(frames)) + frames)
