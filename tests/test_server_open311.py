"""Open311 GeoReport v2 as a FixMyStreet-style client uses it, in XML and in JSON:
service list → definition → POST → token/id → GET status → status changes at the seat →
servicerequestupdates; errors as the specification's list."""

from __future__ import annotations

import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from seatdesk.models import Case, LedgerEntry, PartnerRequest
from seatdesk.workflow import services as sd
from tests.server_fixtures import jpeg, server  # noqa: F401
from tests.workflow_fixtures import P1


def _parse(fmt: str, response) -> list[dict] | dict:
    """The body as plain data: JSON as is, XML children as dicts of text."""
    if fmt == "json":
        return response.json()
    root = ET.fromstring(response.content)
    if len(root) and all(len(child) for child in root):
        return [{el.tag: (el.text or "") for el in item} for item in root]
    return {el.tag: (el.text or "") for el in root}


def _post(server, fmt: str, headers=None, files=None, **fields):
    data = {"api_key": server.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
            "long": str(P1[0]), "description": "小区门口垃圾堆了三天",
            "first_name": "小明", "last_name": "王", "email": "wang@example.cn",
            "phone": "13912345678", **fields}
    return server.client.post(f"/open311/v2/requests.{fmt}", data=data, files=files,
                              headers=headers or {})


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_fixmystreet_flow(server, fmt):
    # 1. service list, grouped by major class, codes as strings
    services = _parse(fmt, server.client.get(f"/open311/v2/services.{fmt}"))
    by_code = {s["service_code"]: s for s in services}
    assert by_code["E01001"]["service_name"] == "暴露垃圾"
    assert by_code["C01001"]["service_name"] == "供水井盖"  # same code, other kind
    assert by_code["E01001"]["group"] == "事件(事项)/市容环境"
    assert str(by_code["E01001"]["metadata"]).lower() == "true"
    # 2. its definition declares the automated partner-id attribute
    definition = server.client.get(f"/open311/v2/services/E01001.{fmt}")
    assert definition.status_code == 200 and b"fixmystreet_id" in definition.content
    # 3. POST, form-encoded, with FixMyStreet's own id
    created = _post(server, fmt, **{"attribute[fixmystreet_id]": "4711"})
    assert created.status_code == 201, created.text
    record = _parse(fmt, created)[0]
    number, token = record["service_request_id"], record["token"]
    assert isinstance(number, str) and len(number) == 14
    # 4. token → id, then the request itself: open, with a W3C datetime and a time zone
    by_token = _parse(fmt, server.client.get(f"/open311/v2/tokens/{token}.{fmt}"))[0]
    assert by_token["service_request_id"] == number
    one = _parse(fmt, server.client.get(f"/open311/v2/requests/{number}.{fmt}"))[0]
    assert one["status"] == "open" and one["service_code"] == "E01001"
    assert one["requested_datetime"].endswith("+08:00")
    assert "13912345678" not in json.dumps(one, ensure_ascii=False)  # no caller data
    # 5. the seats work the case; the partner polls the last two hours of updates
    _work_to_closed(server, number)
    start = (server.world.clock.now - dt.timedelta(hours=2)).isoformat()
    response = server.client.get(f"/open311/v2/servicerequestupdates.{fmt}",
                                 params={"start_date": start})
    updates = _parse(fmt, response)
    assert [u["status"] for u in updates if u["service_request_id"] == number] == [
        "open", "investigating", "open", "investigating", "action_scheduled", "in_progress",
        "in_progress", "in_progress", "in_progress", "fixed"]
    ids = [u["update_id"] for u in updates]
    assert len(ids) == len(set(ids))
    again = _parse(fmt, server.client.get(f"/open311/v2/servicerequestupdates.{fmt}",
                                          params={"start_date": start}))
    assert [u["update_id"] for u in again] == ids  # overlapping polls: the same ids
    closed = _parse(fmt, server.client.get(f"/open311/v2/requests.{fmt}",
                                           params={"status": "closed"}))
    assert [r["service_request_id"] for r in closed] == [number]


def _work_to_closed(server, number: str) -> None:
    w = server.world
    with w.db.Session() as s:
        case_id = s.scalar(select(Case.id).where(Case.number == number))
    from tests.workflow_fixtures import Ref

    ref = Ref(case_id, 1, "reported")
    d = w.drive
    d.do(ref, sd.send_verification, "acceptor")
    d.do(ref, sd.verify, "sup1", confirmed=True)
    d.do(ref, sd.accept, "acceptor")
    d.do(ref, sd.file, "lead", condition_id=w.cond["垃圾"])
    d.do(ref, sd.dispatch, "dispatcher", department_id=w.dept["HW"])
    d.do(ref, sd.sign, "sanitation")
    d.do(ref, sd.feedback, "sanitation", result="已清运")
    d.do(ref, sd.send_check, "acceptor", supervisor_id=w.users["sup1"])
    d.do(ref, sd.check_pass, "sup1")
    d.do(ref, sd.close, "lead")


def test_a_resent_report_is_one_case(server):
    """FixMyStreet re-sends after a timeout without a header, fields in another order."""
    first = _post(server, "json", **{"attribute[fixmystreet_id]": "4711"})
    again = _post(server, "json", **{"attribute[fixmystreet_id]": "4711",
                                     "description": "小区门口垃圾堆了三天"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert again.json()[0]["token"] == first.json()[0]["token"]
    keyed = [_post(server, "json", headers={"Idempotency-Key": "k-1"}) for _ in range(2)]
    assert [r.status_code for r in keyed] == [201, 200]
    with server.world.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 2
        entry = s.scalar(select(LedgerEntry).order_by(LedgerEntry.id).limit(1))
        assert entry.seat == "Open311/fms" and entry.actor_role == "acceptor"
        assert s.scalar(select(Case.source).limit(1)) == "online"


def test_multipart_media_and_media_url(server):
    created = _post(server, "json", files=[("media", ("p.jpg", jpeg(), "image/jpeg"))],
                    media_url="https://fms.example.cn/photo/1.jpeg")
    assert created.status_code == 201
    number = created.json()[0]["service_request_id"]
    record = server.client.get(f"/open311/v2/requests/{number}.json").json()[0]
    assert record["media_url"] == "https://fms.example.cn/photo/1.jpeg"
    with server.world.db.Session() as s:
        case = s.scalar(select(Case).where(Case.number == number))
        assert "https://fms.example.cn/photo/1.jpeg" in case.description


def test_address_only_is_kept_for_the_seat_to_place(server):
    created = _post(server, "json", lat="", long="", address_string="燕山路与平陵路交叉口")
    assert created.status_code == 201
    with server.world.db.Session() as s:
        case = s.scalar(select(Case))
    assert case.address == "燕山路与平陵路交叉口" and "位置待核实" in case.description


def test_address_naming_a_road_is_placed_on_that_road(server):
    import shapely

    from seatdesk.models import Road

    lon, lat = P1
    with server.world.db.Session() as s:
        for code, name, dy in (("R1", "燕山路", 0.0), ("R2", "燕山北路", 0.002),
                               ("R3", "平陵路", -0.002)):
            road = Road(name=name, code=code, geom=shapely.MultiLineString(
                [[(lon - 0.002, lat + dy), (lon + 0.002, lat + dy)]]))
            road.set_bbox_from(road.geom)
            s.add(road)
        s.commit()
    for address, road, y in (("燕山路与平陵路交叉口", "燕山路", lat),
                             ("平陵路和燕山北路路口东侧", "燕山北路", lat + 0.002)):
        created = _post(server, "json", lat="", long="", address_string=address)
        assert created.status_code == 201, created.text
        number = created.json()[0]["service_request_id"]
        with server.world.db.Session() as s:
            case = s.scalar(select(Case).where(Case.number == number))
        assert case.address == address
        assert f"按地址中的道路「{road}」粗定位，位置待核实" in case.description
        assert case.lon == pytest.approx(lon, abs=1e-6) and case.lat == pytest.approx(y, abs=1e-6)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_errors_are_the_spec_list(server, fmt):
    def error(response):
        if fmt == "json":
            return response.status_code, response.json()[0]["code"]
        root = ET.fromstring(response.content)
        assert root.tag == "errors" and root[0].tag == "error"
        return response.status_code, int(root[0].find("code").text)

    assert error(_post(server, fmt, api_key="sdk_wrong")) == (403, 403)
    assert error(_post(server, fmt, api_key=server.keys["rx12345"])) == (403, 403)
    assert error(_post(server, fmt, service_code="E99999")) == (404, 404)
    assert error(_post(server, fmt, lat="", long="")) == (400, 400)
    assert error(_post(server, fmt, lat="north")) == (400, 400)
    assert error(_post(server, fmt, description="垃圾" * 2001)) == (400, 400)
    assert error(server.client.get(f"/open311/v2/requests/20990101000001.{fmt}")) == (404, 404)
    assert error(server.client.get(f"/open311/v2/tokens/nope.{fmt}")) == (404, 404)
    assert error(server.client.get(f"/open311/v2/services/E99999.{fmt}")) == (404, 404)
    assert error(server.client.get(f"/open311/v2/requests.{fmt}",
                                   params={"start_date": "2026-01-01T00:00:00Z",
                                           "end_date": "2026-12-01T00:00:00Z"})) == (400, 400)
    with server.world.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(PartnerRequest)) == 0


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_point_outside_the_city_is_refused(server, fmt):
    """lat/long at (0, 0) or swapped into another city's range: 400 ``outside_city`` in the
    spec's list, the point named, nothing registered — the partner's user places it again
    (an address alone is still taken: the seat places it)."""
    for lat, long in (("0", "0"), (str(P1[0] - 88), str(P1[1]))):  # (31.5, 31.4): Egypt
        refused = _post(server, fmt, lat=lat, long=long)
        assert refused.status_code == 400
        body = _parse(fmt, refused)
        assert "不在本市范围内，未登记" in body[0]["description"]
    with server.world.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    assert _post(server, fmt).status_code == 201


def test_an_xml_error_echoing_control_characters_still_parses(server):
    """A path with control characters (echoed in the 404's description) gives an XML
    document a partner's parser reads: the characters XML cannot hold become U+FFFD (a
    NUL made the whole answer unreadable; a NUL in an address is now refused before any
    route, in the same XML: ``test_server_security.py``)."""
    response = server.client.get("/open311/v2/services/%01%1FE.xml")
    assert response.status_code == 404
    root = ET.fromstring(response.content)
    assert root.find("error/description").text.startswith(
        "没有 service_code 为「\ufffd\ufffdE」的服务")
    refused = server.client.get("/open311/v2/services/%00%01E.xml")
    assert refused.status_code == 400
    assert ET.fromstring(refused.content).find("error/code").text == "400"


def test_list_filters_and_pages(server):
    numbers = [_post(server, "json", **{"attribute[fixmystreet_id]": str(i)}).json()[0][
        "service_request_id"] for i in range(5)]
    page = server.client.get("/open311/v2/requests.json",
                             params={"page_size": 2, "page": 2}).json()
    assert len(page) == 2
    picked = server.client.get("/open311/v2/requests.json", params={
        "service_request_id": f"{numbers[0]},{numbers[3]}", "status": "closed"}).json()
    assert sorted(r["service_request_id"] for r in picked) == sorted([numbers[0], numbers[3]])
    none = server.client.get("/open311/v2/requests.json", params={"service_code": "C01001"})
    assert none.json() == []
    empty_is_absent = server.client.get("/open311/v2/requests.json",
                                        params={"service_code": "", "status": ""})
    assert len(empty_is_absent.json()) == 5
    discovery = server.client.get("/open311/v2/discovery.json").json()
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2")


def test_anonymous_reads_take_the_open311_reader(server):
    """On PostgreSQL an anonymous read runs as ``seatdesk_open311_reader`` even with the
    server connected as the owner (a superuser here): the reads of this file's other
    tests ran as that role. It sees the Open311 case, not a seat's, and no caller's name;
    on SQLite there are no roles (the server's own connection reads)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from seatdesk.workflow.dbrules import OPEN311_READER

    posted = _post(server, "json")
    assert posted.status_code == 201, posted.text
    server.world.drive.register()  # a seat's case: not Open311's
    ctx = server.app.state.server
    if server.world.wf.backend != "postgresql":
        assert ctx.identity.public() is ctx.wf
        return
    assert ctx.identity.public().db_role == OPEN311_READER
    with ctx.public_session() as session:
        assert session.scalar(text("SELECT current_user")) == OPEN311_READER
        numbers = set(session.scalars(text("SELECT number FROM cases")))
    assert numbers == {posted.json()[0]["service_request_id"]}  # not the seat's case
    with ctx.public_session() as session, pytest.raises(DBAPIError, match="permission denied"):
        session.execute(text("SELECT caller_name FROM cases"))
