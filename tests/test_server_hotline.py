"""12345 work orders in, callbacks out: the order becomes a case once; accepted,
returned, extended and finished go back to the platform through the durable outbox —
signed, in order, retried, and after a server restart exactly the missing ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import httpx
import pytest
from sqlalchemy import event, func, select

from seatdesk.models import CallbackOutbox, Case, LedgerEntry, WorkOrder, get_setting
from seatdesk.server import intake, partners
from seatdesk.server.auth import partner_principal
from seatdesk.server.app import create_app
from seatdesk.server.config import ServerConfig
from seatdesk.server.hotline import routes
from seatdesk.server.hotline.contract import WorkOrderIn
from seatdesk.server.hotline.outbox import Deliverer
from seatdesk.workflow import services as sd
from tests.server_fixtures import LiveServer, Receiver, jpeg, make_server
from tests.workflow_fixtures import P1, Ref, open_world

ORDER = {"order_no": "GD20261102-0001", "content": "燕山路路灯不亮，晚上很黑",
         "caller_name": "李女士", "caller_phone": "13700001111", "address": "燕山路 88 号",
         "lon": P1[0], "lat": P1[1], "category": "0301", "urgency": "normal",
         "due_at": "2026-11-05T17:00:00+08:00", "callback_wanted": True}


@pytest.fixture
def receiver():
    rx = Receiver()
    yield rx
    rx.close()


@pytest.fixture
def hotline(make_db, receiver):
    srv = make_server(open_world(make_db("workflow_world")), callback_url=receiver.url)
    yield srv
    srv.client.close()


def _send(srv, order=ORDER, **kw):
    return srv.client.post("/hotline12345/v1/orders", json={**order, **kw},
                           headers={"X-Api-Key": srv.keys["rx12345"]})


def _to_accepted(srv, case_id: int) -> Ref:
    ref, d = Ref(case_id, 1, "reported"), srv.world.drive
    d.do(ref, sd.send_verification, "acceptor")
    d.do(ref, sd.verify, "sup1", confirmed=True)
    return d.do(ref, sd.accept, "acceptor")


def _to_closed(srv, ref: Ref) -> Ref:
    w, d = srv.world, srv.world.drive
    d.do(ref, sd.file, "lead", condition_id=w.cond["垃圾"], class_id=w.cls["垃圾"])
    d.do(ref, sd.dispatch, "dispatcher", department_id=w.dept["HW"])
    d.do(ref, sd.sign, "sanitation")
    d.do(ref, sd.request_extension, "sanitation", value=2, unit="working_hours", reason="需采购灯具")
    d.do(ref, sd.approve_extension, "dispatcher")
    photo = sd.AttachmentIn("photo", "after.jpg", "image/jpeg", jpeg(color=(10, 200, 10)))
    d.do(ref, sd.feedback, "sanitation", result="已更换灯具，恢复照明", attachments=(photo,))
    d.do(ref, sd.send_check, "acceptor", supervisor_id=w.users["sup1"])
    d.do(ref, sd.check_pass, "sup1")
    return d.do(ref, sd.close, "lead")


def test_an_order_becomes_one_case(hotline):
    first = _send(hotline, attachments=[{"filename": "现场.jpg",
                                         "content_base64": base64.b64encode(jpeg()).decode()}])
    again = _send(hotline)
    assert (first.status_code, again.status_code) == (201, 200), first.text
    assert again.json()["replayed"] and again.json()["case_id"] == first.json()["case_id"]
    with hotline.world.db.Session() as s:
        case = s.get(Case, first.json()["case_id"])
        order = s.scalar(select(WorkOrder))
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.case_id == case.id))
    assert case.source == "hotline_12345" and case.caller_phone == "13700001111"
    assert "12345工单：GD20261102-0001" in case.description and case.callback_wanted
    assert order.order_no == "GD20261102-0001" and order.category == "0301"
    assert order.due_at.isoformat() == "2026-11-05T09:00:00+00:00"
    assert entry.seat == "12345/rx12345"
    status = hotline.client.get("/hotline12345/v1/orders/GD20261102-0001",
                                headers={"X-Api-Key": hotline.keys["rx12345"]})
    assert status.json()["state"] == "reported" and status.json()["events"] == []


def test_orders_need_the_hotline_key(hotline):
    assert hotline.client.post("/hotline12345/v1/orders", json=ORDER).status_code == 403
    wrong = hotline.client.post("/hotline12345/v1/orders", json=ORDER,
                                headers={"X-Api-Key": hotline.keys["fms"]})
    assert wrong.status_code == 403
    bad = _send(hotline, order_no="含 空格", attachments=[{"content_base64": "***"}])
    assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("参数无效")
    with hotline.world.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_a_bad_attachment_is_named_as_the_platform_sent_it(hotline):
    """The refusal names the attachment as sent (「现场 1.jpg」, not 「现场 1.」), and an
    order with one bad attachment registers nothing."""
    bad = _send(hotline, attachments=[
        {"filename": "../现场 1.jpg", "content_base64": "!!!"}])
    assert bad.status_code == 422
    assert bad.json()["error"] == {"code": "bad_attachment",
                                   "message": "附件 现场 1.jpg 不是有效的 base64"}
    not_a_photo = _send(hotline, attachments=[
        {"filename": "录音.amr", "content_base64": base64.b64encode(b"no sound").decode()}])
    assert not_a_photo.status_code == 415
    assert not_a_photo.json()["error"]["message"] == (
        "附件 录音.amr 既不是可识别的照片（JPEG/PNG/WebP），也不是可识别的录音，未受理："
        "请检查文件后重新推送")
    with hotline.world.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_callbacks_are_signed_and_carry_the_result(hotline, receiver):
    case_id = _send(hotline).json()["case_id"]
    ref = _to_closed(hotline, _to_accepted(hotline, case_id))
    other = _send(hotline, order_no="GD20261102-0002").json()["case_id"]
    hotline.world.drive.do(Ref(other, 1, "reported"), sd.void, "acceptor", reason="不属于城管职责")
    deliverer = Deliverer(hotline.app.state.server)
    # one event per order per pass: an order's events arrive in the order they happened
    assert [deliverer.run_once() for _ in range(4)] == [2, 1, 1, 0]
    events = [(r["json"]["order_no"][-4:], r["json"]["event"]) for r in receiver.received]
    assert [e for o, e in events if o == "0001"] == ["accepted", "extended", "finished"]
    assert [e for o, e in events if o == "0002"] == ["returned"]
    by_event = {r["json"]["event"]: r for r in receiver.received}
    finished = by_event["finished"]["json"]
    assert finished["result"] == "已更换灯具，恢复照明" and finished["state"] == "closed"
    assert base64.b64decode(finished["attachments"][0]["content_base64"])[:2] == b"\xff\xd8"
    assert by_event["returned"]["json"]["reason"] == "不属于城管职责"
    assert by_event["extended"]["json"]["deadline_at"]
    for r in receiver.received:  # the platform can check every signature
        h = r["headers"]
        mac = hmac.new(hotline.secrets["rx12345"].encode(),
                       h["X-Seatdesk-Timestamp"].encode() + b"." + r["raw"], hashlib.sha256)
        assert h["X-Seatdesk-Signature"] == f"sha256={mac.hexdigest()}"
        assert h["X-Seatdesk-Event-Id"] == r["json"]["event_id"]
    assert deliverer.run_once() == 0  # nothing twice


def test_failed_callbacks_back_off_and_keep_their_order(hotline, receiver):
    case_id = _send(hotline).json()["case_id"]
    ref = _to_accepted(hotline, case_id)
    hotline.world.drive.do(ref, sd.refuse_filing, "lead", reason="不符合立案条件")
    deliverer = Deliverer(hotline.app.state.server)
    receiver.status = 503
    assert deliverer.run_once() == 0
    with hotline.world.db.Session() as s:
        rows = s.scalars(select(CallbackOutbox).order_by(CallbackOutbox.id)).all()
    assert [(r.event, r.attempts, r.last_status) for r in rows] == [
        ("accepted", 1, 503), ("returned", 0, 0)]  # the later one waits behind the first
    assert rows[0].next_attempt_at > hotline.world.clock.now
    receiver.status = 200
    assert deliverer.run_once() == 0  # not due yet (backoff)
    hotline.world.clock.advance(seconds=6)
    deliverer.run_once()
    deliverer.run_once()
    assert [r["json"]["event"] for r in receiver.received] == ["accepted", "returned"]


def test_a_disabled_partner_gets_no_callbacks_until_it_is_enabled_again(hotline, receiver):
    """A partner switched off (its contract ended, its platform replaced) gets nothing
    more at its address: its callbacks wait unsent and unattempted, and go in their order
    once it is on again."""
    case_id = _send(hotline).json()["case_id"]
    ref = _to_accepted(hotline, case_id)
    deliverer = Deliverer(hotline.app.state.server)
    with hotline.world.db.Session() as s, s.begin():
        assert partners.set_active(s, "rx12345", False) == 1
    hotline.world.drive.do(ref, sd.refuse_filing, "lead", reason="不符合立案条件")
    hotline.world.clock.advance(seconds=3600)
    assert deliverer.run_once() == 0 and receiver.received == []
    with hotline.world.db.Session() as s:
        rows = s.scalars(select(CallbackOutbox).order_by(CallbackOutbox.id)).all()
    assert [(r.event, r.attempts, r.delivered_at) for r in rows] == [
        ("accepted", 0, None), ("returned", 0, None)]
    with hotline.world.db.Session() as s, s.begin():
        assert partners.set_active(s, "rx12345", True) == 2
    assert [deliverer.run_once() for _ in range(3)] == [1, 1, 0]
    assert [r["json"]["event"] for r in receiver.received] == ["accepted", "returned"]


def test_the_outbox_survives_a_restart(make_db, receiver):
    """Callbacks queued while the server is down, and one that failed before, are
    delivered after the restart — each exactly once."""
    world = open_world(make_db("workflow_world"))
    config = ServerConfig(outbox_poll_s=0.05)
    srv = make_server(world, config, background=True, callback_url=receiver.url)
    live = LiveServer(srv.app).start()
    try:
        key = {"X-Api-Key": srv.keys["rx12345"]}
        case_id = httpx.post(f"{live.url}/hotline12345/v1/orders", json=ORDER, headers=key,
                             timeout=10).json()["case_id"]
        receiver.status = 503
        ref = _to_accepted(srv, case_id)
        _wait(lambda: _attempts(world) >= 1)
        live.stop()  # the platform was down, and now so is the server
        receiver.status = 200
        ref = _to_closed(srv, ref)  # seats go on working
        world.clock.advance(minutes=1)
        with world.db.Session() as s:
            assert s.scalar(select(func.count()).select_from(CallbackOutbox)
                            .where(CallbackOutbox.delivered_at.is_(None))) == 3
        restarted = LiveServer(create_app(world.wf, config), live.port).start()
        try:
            _wait(lambda: len(receiver.received) >= 3)
            time.sleep(0.3)  # nothing more arrives
        finally:
            restarted.stop()
    finally:
        live.stop()
    assert [r["json"]["event"] for r in receiver.received] == ["accepted", "extended", "finished"]
    assert len(set(receiver.event_ids())) == 3


def _attempts(world) -> int:
    with world.db.Session() as s:
        return s.scalar(select(func.coalesce(func.sum(CallbackOutbox.attempts), 0)))


def _wait(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _connections(engine, act) -> tuple[int, object]:
    """(connections ``act()`` takes from the engine's pool, what it returns)."""
    taken = []

    def checkout(*_args) -> None:
        taken.append(1)

    event.listen(engine, "checkout", checkout)
    try:
        result = act()
    finally:
        event.remove(engine, "checkout", checkout)
    return len(taken), result


def test_an_order_opens_no_session_beyond_its_registration(hotline):
    """An order with coordinates takes exactly the connections of the workflow's own
    registration as the partner (``intake.register``, without the duplicate search as
    for any partner's report): no session is opened before it, as for an Open311 POST.
    One without them takes more, to read the initial view (as the partner). The case,
    its ledger row and the work order are kept as before."""
    ctx, w = hotline.app.state.server, hotline.world
    with w.db.Session() as s:
        partner = partner_principal(s, hotline.keys["rx12345"], "hotline12345")
    report = sd.Report(source=partner.source, lon=P1[0], lat=P1[1], description="基准")
    bare, _ = _connections(w.db.engine, lambda: intake.register(  # (a unit of work, as an
        ctx.identity, partner, report, intake.intake_key("12345", "rx12345", "bare"),
        lambda _s, _c: None, duplicates=False))  # order's: it stores rows of its own)
    placed = WorkOrderIn.model_validate({**ORDER, "order_no": "GD-CONN-1"})
    used, change = _connections(w.db.engine, lambda: routes._register(ctx, partner, placed, ()))
    assert used == bare and not change.replayed
    unplaced = WorkOrderIn.model_validate({**ORDER, "order_no": "GD-CONN-2", "lon": None,
                                           "lat": None})
    used, other = _connections(w.db.engine, lambda: routes._register(ctx, partner, unplaced, ()))
    assert used > bare  # the initial view (and, on PostgreSQL, the partner's login looked
    # up once more: a user without a login is not kept by ``DatabaseIdentity``)
    again = routes._register(ctx, partner, placed, ())
    assert again.replayed and again.case_id == change.case_id
    with w.db.Session() as s:
        orders = s.execute(select(WorkOrder.order_no, WorkOrder.case_id)
                           .order_by(WorkOrder.id)).all()
        seats = s.scalars(select(LedgerEntry.seat).where(
            LedgerEntry.case_id.in_([change.case_id, other.case_id]))).all()
        where = s.execute(select(Case.lon, Case.lat).where(Case.id == other.case_id)).one()
    assert [tuple(o) for o in orders] == [("GD-CONN-1", change.case_id),
                                          ("GD-CONN-2", other.case_id)]
    assert seats == ["12345/rx12345"] * 2
    assert tuple(where) == pytest.approx(tuple(_initial_view(w)))


def _initial_view(world) -> tuple[float, float]:
    with world.db.Session() as s:
        view = get_setting(s, "initial_view")
    return float(view["lon"]), float(view["lat"])
