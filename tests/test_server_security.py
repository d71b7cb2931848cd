"""The intake server's guards: rate limits per token, key, sign-in and reader; every
request logged with who made it; errors that never show SQL or a database exception;
control characters refused on both backends."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select, text

from seatdesk.models import Case
from seatdesk.models.db import make_engine
from seatdesk.server.app import create_app
from seatdesk.server.config import ServerConfig
from seatdesk.server.middleware import NUL_IN_URL
from seatdesk.workflow import services as sd
from tests.server_fixtures import PASSWORD, make_server, server  # noqa: F401
from tests.workflow_fixtures import P1, open_world

REPORT = {"report_id": "r-1", "lon": P1[0], "lat": P1[1], "description": "占道经营"}
SQL_WORDS = ("SELECT", "INSERT", "UPDATE", "field_events", "field_sessions", "psycopg",
             "sqlite3", "Traceback", "[SQL")


@pytest.fixture
def strict(make_db):
    config = ServerConfig(field_rate="3/minute", partner_rate="2/minute", signin_rate="2/minute",
                          anonymous_rate="3/minute")
    srv = make_server(open_world(make_db("workflow_world")), config)
    yield srv
    srv.client.close()


def test_rate_limits_per_token_key_sign_in_and_reader(strict):
    headers = strict.sign_in()
    answers = [strict.client.get("/field/v1/me", headers=headers).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = strict.client.get("/field/v1/me", headers=headers)
    assert int(limited.headers["Retry-After"]) >= 1
    assert "请求过于频繁" in limited.json()["error"]["message"]
    other = strict.sign_in("sup2")  # another token has its own allowance
    assert strict.client.get("/field/v1/me", headers=other).status_code == 200
    # sign-in: per address and user name (two a minute; sup1 has used one)
    attempts = [strict.client.post("/field/v1/session", json={
        "username": "sup1", "password": PASSWORD, "device_id": "p"}).status_code
        for _ in range(2)]
    assert attempts == [201, 429]
    # partners: per key
    key = {"X-Api-Key": strict.keys["rx12345"]}
    codes = [strict.client.get("/hotline12345/v1/orders/none", headers=key).status_code
             for _ in range(3)]
    assert codes == [404, 404, 429]
    # anonymous Open311 readers: per address
    reads = [strict.client.get("/open311/v2/requests.json").status_code for _ in range(4)]
    assert reads == [200, 200, 200, 429]


def test_every_request_is_logged_with_who_made_it(server, caplog):
    caplog.set_level(logging.INFO, logger="seatdesk.server.access")
    headers = server.sign_in()
    server.client.post("/field/v1/reports", json=REPORT, headers=headers)
    server.client.post("/open311/v2/requests.json", data={
        "api_key": server.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
        "long": str(P1[0])})
    server.client.get("/hotline12345/v1/orders/x", headers={"X-Api-Key": server.keys["rx12345"]})
    server.client.get("/field/v1/me", headers={"Authorization": "Bearer sdf_stolen"})
    # caplog holds every logger's records (a warning from the driver or the feed too):
    # the access log is the one that must name who made each request
    records = [r for r in caplog.records if r.name == "seatdesk.server.access"]
    logged = [(r.path, r.status, r.principal) for r in records]
    assert logged == [
        ("/field/v1/session", 201, "field:sup1"),
        ("/field/v1/reports", 201, "field:sup1"),
        ("/open311/v2/requests.json", 201, "partner:fms"),
        ("/hotline12345/v1/orders/x", 404, "partner:rx12345"),
        ("/field/v1/me", 401, "-"),
    ]
    assert all(len(r.request_id) == 12 for r in records)
    assert all("sdf_" not in r.getMessage() and PASSWORD not in r.getMessage()
               for r in caplog.records)  # no secrets in any log


def test_database_errors_never_reach_the_client(server):
    headers = server.sign_in()
    with server.world.db.engine.begin() as conn:  # the schema breaks under the server
        conn.execute(text("ALTER TABLE field_events RENAME TO field_events_gone"))
    response = server.client.post("/field/v1/duty", json={"on_duty": True}, headers=headers)
    assert response.status_code in (500, 503)
    body = response.text
    assert not any(word in body for word in SQL_WORDS), body
    assert "请求编号" in body or "数据库暂不可用" in body
    assert response.headers["x-request-id"]


def test_an_unreachable_database_is_said_plainly(tmp_path):
    wf = sd.Workflow(make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none",
                                 connect_args={"connect_timeout": 2}))
    from fastapi.testclient import TestClient

    client = TestClient(create_app(wf, background=False), raise_server_exceptions=False)
    response = client.post("/field/v1/session", json={
        "username": "sup1", "password": "x", "device_id": "p"})
    assert response.status_code == 503
    assert response.json()["error"]["message"] == "数据库暂不可用，未保存任何内容，请稍后重试"
    assert not any(word in response.text for word in SQL_WORDS + ("127.0.0.1", "nobody"))
    xml = client.get("/open311/v2/services.xml")
    assert xml.status_code == 503 and xml.text.startswith("<?xml") and "<errors>" in xml.text


#: reads whose path or query carries an id, code, token or filter (PostgreSQL answered 500)
NUL_URLS = ["/open311/v2/requests/2026%00x.json", "/open311/v2/requests.xml?service_code=E%0001",
            "/open311/v2/requests.json?service_request_id=a%00b",
            "/open311/v2/tokens/ab%00cd.json", "/hotline12345/v1/orders/A%001",
            "/field/v1/tasks?etag=a%00b"]


def test_a_nul_byte_in_the_address_is_refused_plainly_on_both_backends(server):
    """A NUL byte in a path or query reached PostgreSQL, which cannot compare text with
    one: five reads answered 500. Every request with one is now a 400 in the interface's
    own format (Open311's list of errors, XML or JSON by the suffix) before any read."""
    headers = {**server.sign_in(), "X-Api-Key": server.keys["rx12345"]}
    for url in NUL_URLS:
        answer = server.client.get(url, headers=headers)
        assert answer.status_code == 400, (url, answer.text)
        if url.startswith("/open311/"):
            assert f"<description>{NUL_IN_URL}</description>" in answer.text if ".xml" in url \
                else answer.json() == [{"code": 400, "description": NUL_IN_URL}]
        else:
            assert answer.json()["error"] == {"code": "bad_characters", "message": NUL_IN_URL}
    assert server.client.get("/open311/v2/requests.json?service_code=E01001").status_code == 200


@pytest.mark.parametrize("bad", ["路灯\x00坏了", "路灯\x1b[31m", "路灯\x7f"])
def test_control_characters_are_refused_on_both_backends(server, bad):
    headers = server.sign_in()
    field = server.client.post("/field/v1/reports", json={**REPORT, "description": bad},
                               headers=headers)
    assert field.status_code == 422 and "不允许的字符" in field.json()["error"]["message"]
    open311 = server.client.post("/open311/v2/requests.json", data={
        "api_key": server.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
        "long": str(P1[0]), "description": bad})
    assert open311.status_code == 400
    hotline = server.client.post("/hotline12345/v1/orders", headers={
        "X-Api-Key": server.keys["rx12345"]}, json={"order_no": "A1", "content": bad})
    assert hotline.status_code == 422
    with server.world.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    ok = server.client.post("/field/v1/reports", headers=headers,
                            json={**REPORT, "description": "第一行\n第二行\t缩进"})
    assert ok.status_code == 201
