"""Duplicates of a report from outside: a partner's report (Open311, 12345) is registered
without the duplicate search — its answer carries no candidates — and the seat sees the
candidates where it decides, at 受理; a handset's answer still lists them."""

from __future__ import annotations

from sqlalchemy import select

from seatdesk.models import Case, LedgerEntry, PartnerRequest, WorkOrder
from seatdesk.server import intake
from seatdesk.server.auth import partner_principal
from seatdesk.server.hotline import routes
from seatdesk.server.hotline.contract import WorkOrderIn
from seatdesk.server.open311.create import NewRequest, create
from seatdesk.workflow import services as sd
from tests.server_fixtures import server  # noqa: F401
from tests.workflow_fixtures import P1, Ref

#: about 10 m north of P1: within 暴露垃圾's 100 m duplicate radius
NEAR = (P1[0], P1[1] + 10 / 111_000)


def _existing(srv) -> int:
    """An open 暴露垃圾 case at P1, registered at a seat (the partners' service E01001)."""
    return srv.world.drive.register(source="patrol", klass="垃圾", description="垃圾成堆").id


def _accepted(srv, case_id: int, **kw) -> sd.CaseChange:
    """核实 then 受理 at the seats, as for any public report; the 受理's change."""
    ref, d, w = Ref(case_id, 1, "reported"), srv.world.drive, srv.world
    d.do(ref, sd.send_verification, "acceptor")
    d.do(ref, sd.verify, "sup1", confirmed=True)
    w.clock.advance(minutes=1)
    return sd.accept(w.wf, w.a("acceptor"), ref.id, ref.version, **kw)


def _principal(srv, kind: str, key: str):
    with srv.world.db.Session() as s:
        return partner_principal(s, srv.keys[key], kind)


def test_an_open311_report_is_searched_for_duplicates_at_acceptance(server):
    old = _existing(server)
    posted = server.client.post("/open311/v2/requests.json", data={
        "api_key": server.keys["fms"], "service_code": "E01001", "lat": str(NEAR[1]),
        "long": str(NEAR[0]), "description": "小区门口垃圾堆了三天"})
    assert posted.status_code == 201, posted.text
    number = posted.json()[0]["service_request_id"]
    with server.world.db.Session() as s:
        case = s.scalar(select(Case).where(Case.number == number))
        assert (case.state, case.source, case.class_id) == (
            "reported", "online", server.world.cls["垃圾"])
        assert s.scalar(select(LedgerEntry.seat).where(LedgerEntry.case_id == case.id)) \
            == "Open311/fms"
        assert s.scalar(select(PartnerRequest.case_id)) == case.id
    accepted = _accepted(server, case.id)
    assert accepted.new_state == "accepted"
    assert old in {c.case_id for c in accepted.duplicates}
    # the server's own POST function registers without the search …
    partner = _principal(server, "open311", "fms")
    ctx = server.app.state.server
    change, _token = create(ctx.identity, partner, NewRequest(
        service_code="E01001", lat=str(NEAR[1]), long=str(NEAR[0]), description="又一堆"), ())
    assert not change.replayed and change.duplicates == ()
    # … while the same registration with the default finds both cases
    report = sd.Report(source=partner.source, lon=NEAR[0], lat=NEAR[1],
                       class_id=server.world.cls["垃圾"], description="垃圾")
    searched = intake.register(ctx.identity, partner, report, None)
    assert {old, case.id, change.case_id} <= {c.case_id for c in searched.duplicates}


def test_a_work_order_is_searched_for_duplicates_at_acceptance(server):
    old = _existing(server)
    order = {"order_no": "GD-DUP-1", "content": "路口垃圾没人清", "caller_name": "李女士",
             "caller_phone": "13700001111", "address": "燕山路 88 号", "lon": NEAR[0],
             "lat": NEAR[1], "category": "0301", "urgency": "normal",
             "due_at": "2026-11-05T17:00:00+08:00", "callback_wanted": True}
    posted = server.client.post("/hotline12345/v1/orders", json=order,
                                headers={"X-Api-Key": server.keys["rx12345"]})
    assert posted.status_code == 201, posted.text
    case_id = posted.json()["case_id"]
    with server.world.db.Session() as s:
        assert s.get(Case, case_id).state == "reported"
        assert s.scalar(select(WorkOrder.case_id).where(WorkOrder.order_no == "GD-DUP-1")) \
            == case_id
    # the seat classifies the order at 受理 and sees the case already open there
    accepted = _accepted(server, case_id, class_id=server.world.cls["垃圾"])
    assert accepted.new_state == "accepted"
    assert old in {c.case_id for c in accepted.duplicates}
    # the server's own order registration runs without the search
    ctx = server.app.state.server
    partner = _principal(server, "hotline12345", "rx12345")
    change = routes._register(ctx, partner, WorkOrderIn.model_validate(
        {**order, "order_no": "GD-DUP-2"}), ())
    assert not change.replayed and change.duplicates == ()


def test_a_handset_report_still_lists_its_duplicates(server):
    old = _existing(server)
    response = server.client.post("/field/v1/reports", headers=server.sign_in(), json={
        "report_id": "dup-0001", "lon": NEAR[0], "lat": NEAR[1],
        "class_id": server.world.cls["垃圾"], "description": "垃圾成堆"})
    assert response.status_code == 201, response.text
    assert old in {d["case_id"] for d in response.json()["duplicates"]}
