"""The field reaches the seats: a handset's report (with its photos) appears in a seat's
work box within a second — NOTIFY on PostgreSQL, the seat's poll on SQLite — and a
handset's position ping moves the supervisor on the seat's map."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.seat_helpers import (
    PASSWORD,
    TIMEOUT,
    city_fixture,  # noqa: F401 (fixture)
    open_case,
    open_seat,
    place,
    wait_live,
)
from tests.server_fixtures import LiveServer, jpeg, serving


@pytest.fixture
def field_server(city):
    with serving(city.url) as live:
        yield live


def _sign_in(live: LiveServer) -> dict[str, str]:
    response = httpx.post(f"{live.url}/field/v1/session", timeout=10, json={
        "username": "jiandu", "password": PASSWORD, "device_id": "phone-12"})
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_a_handset_report_reaches_the_seat_within_a_second(city, qtbot, field_server):
    window = open_seat(qtbot, city, "shouli", live=True, poll_ms=200)
    ws = window.workspace
    headers = _sign_in(field_server)
    lon, lat, class_id = place(city, 61)
    wait_live(qtbot, window)  # LISTEN in place, or the poll's first answer ("now") in
    response = httpx.post(
        f"{field_server.url}/field/v1/reports", headers=headers, timeout=10,
        data={"report_id": "seat-test-1", "lon": str(lon), "lat": str(lat),
              "class_id": str(class_id), "description": "雨水箅子缺失", "address": "燕山路"},
        files=[("photos", ("1.jpg", jpeg(color=(200, 0, 0)), "image/jpeg")),
               ("photos", ("2.jpg", jpeg(color=(0, 200, 0)), "image/jpeg"))])
    answered = time.perf_counter()
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    qtbot.waitUntil(lambda: ws.workbox.model.row_of(case_id) >= 0, timeout=3000)
    delay = time.perf_counter() - answered
    assert delay < 1.0, f"the handset's report took {delay:.2f} s to reach the seat"
    open_case(qtbot, window, case_id)
    items = ws.detail.attachments.model.items()
    assert [(i.kind, i.filename) for i in items] == [("photo", "1.jpg"), ("photo", "2.jpg")]
    assert ws.detail.view.detail.source == "patrol"


def test_a_position_ping_moves_the_supervisor_on_the_map(city, qtbot, field_server):
    window = open_seat(qtbot, city, "zhibanzhang", live=True, poll_ms=200, map_enabled=True)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.map is not None and ws.map._usable, timeout=60_000)
    headers = _sign_in(field_server)
    lon, lat, _ = place(city, 77)
    response = httpx.post(f"{field_server.url}/field/v1/positions", headers=headers,
                          timeout=10, json={"fixes": [{"lon": lon, "lat": lat}]})
    assert response.json()["accepted"] == 1
    found = {}

    def markers() -> bool:
        ws.map.run_js("JSON.stringify(seatdesk.supLayer.getLayers().map(function (m) {"
                      " var p = m.getLatLng(); return [p.lat, p.lng]; }))",
                      lambda value: found.update(points=json.loads(value or "[]")))
        return any(abs(p[0] - lat) < 1e-3 and abs(p[1] - lon) < 1e-3
                   for p in found.get("points") or [])

    qtbot.waitUntil(markers, timeout=TIMEOUT)  # not the 60 s refresh: the ping itself
