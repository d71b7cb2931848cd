"""A connection cut mid-request, then the client's retry: exactly one case, whether the
cut came during the upload (nothing registered) or after the server had the whole
request (registered; the retry is answered with the same case)."""

from __future__ import annotations

import socket
import time
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from seatdesk.models import Case
from tests.server_fixtures import LiveServer, jpeg, make_server
from tests.workflow_fixtures import P1, open_world


@pytest.fixture
def live(make_db):
    srv = make_server(open_world(make_db("workflow_world")))
    running = LiveServer(srv.app).start()
    srv.url = running.url
    srv.port = running.port
    yield srv
    running.stop()


def _multipart(report_id: str) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://x/field/v1/reports", data={
        "report_id": report_id, "lon": str(P1[0]), "lat": str(P1[1]), "description": "井盖移位"},
        files=[("photos", ("p.jpg", jpeg((400, 300), noise=True), "image/jpeg"))])
    return request.read(), request.headers["Content-Type"]


def _raw(port: int, token: str, body: bytes, ctype: str) -> bytes:
    head = (f"POST /field/v1/reports HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    return head + body


def _cases(srv) -> int:
    with srv.world.db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def _wait_quiet(srv, seconds: float = 1.5) -> None:
    time.sleep(seconds)  # give the server the time to finish what it received


def test_cut_during_the_upload_then_retry(live):
    token = live.sign_in()["Authorization"].split()[1]
    report_id = str(uuid.uuid4())
    body, ctype = _multipart(report_id)
    with socket.create_connection(("127.0.0.1", live.port)) as sock:
        raw = _raw(live.port, token, body, ctype)
        sock.sendall(raw[: len(raw) // 2])  # half the photo, then the line drops
    _wait_quiet(live)
    assert _cases(live) == 0
    retry = httpx.post(f"{live.url}/field/v1/reports", content=body, timeout=10,
                       headers={"Authorization": f"Bearer {token}", "Content-Type": ctype})
    assert retry.status_code == 201 and _cases(live) == 1


def test_cut_before_the_answer_then_retry(live):
    token = live.sign_in()["Authorization"].split()[1]
    report_id = str(uuid.uuid4())
    body, ctype = _multipart(report_id)
    with socket.create_connection(("127.0.0.1", live.port)) as sock:
        sock.sendall(_raw(live.port, token, body, ctype))
        sock.shutdown(socket.SHUT_WR)  # the whole request went out; the answer never comes back
    _wait_quiet(live)
    retry = httpx.post(f"{live.url}/field/v1/reports", content=body, timeout=10,
                       headers={"Authorization": f"Bearer {token}", "Content-Type": ctype})
    assert retry.status_code in (200, 201)
    assert _cases(live) == 1
    with live.world.db.Session() as s:
        assert s.scalar(select(Case.id)) == retry.json()["case_id"]


def test_fixmystreet_resends_after_a_timeout(live):
    """FixMyStreet's HTTP client gives up (here after 2 ms), then sends the same report
    again without an idempotency header: its own id makes it the same case."""
    data = {"api_key": live.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
            "long": str(P1[0]), "description": "垃圾满溢", "attribute[fixmystreet_id]": "90210"}
    with pytest.raises(httpx.TimeoutException):
        httpx.post(f"{live.url}/open311/v2/requests.xml", data=data,
                   timeout=httpx.Timeout(10, read=0.002))
    _wait_quiet(live)
    again = httpx.post(f"{live.url}/open311/v2/requests.xml",
                       data=dict(reversed(list(data.items()))), timeout=10)
    assert again.status_code in (200, 201) and _cases(live) == 1
