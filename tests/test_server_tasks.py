"""核实/核查 tasks on the handset: mine and the pool's, pushed by long-poll and
server-sent events, answered with photos through the workflow (ledger with channel and
device), and an answer sent twice is not a conflict."""

from __future__ import annotations

import json
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from seatdesk.models import Attachment, LedgerEntry
from seatdesk.workflow import services as sd
from tests.server_fixtures import jpeg, make_server
from tests.workflow_fixtures import open_world


@pytest.fixture
def live(make_db):
    """The server with its change feed running (lifespan on)."""
    srv = make_server(open_world(make_db("workflow_world")), background=True)
    with TestClient(srv.app, raise_server_exceptions=False) as client:
        srv.client = client
        yield srv


def _verification(srv, supervisor: str | None = None, photo: bool = True):
    """A hotline report with a photo, sent to 核实 (to one supervisor or the pool)."""
    attachments = (sd.AttachmentIn("photo", "来电照片.jpg", "image/jpeg", jpeg()),) if photo else ()
    ref = srv.world.drive.register(source="hotline_12319", caller_phone="13800001234",
                                   attachments=attachments)
    sup = srv.world.users[supervisor] if supervisor else None
    return srv.world.drive.do(ref, sd.send_verification, "acceptor", supervisor_id=sup)


def test_mine_and_the_pool(live):
    headers = live.sign_in("sup1")
    mine = _verification(live, "sup1")
    pooled = _verification(live, None)
    _verification(live, "sup2")  # someone else's
    response = live.client.get("/field/v1/tasks", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    tasks = {t["case_id"]: t for t in body["tasks"]}
    assert set(tasks) == {mine.id, pooled.id}
    assert tasks[mine.id]["mine"] and not tasks[pooled.id]["mine"]
    assert tasks[mine.id]["kind"] == "verify" and tasks[mine.id]["class_name"] == "供水井盖"
    photo = live.client.get(tasks[mine.id]["photos"][0]["url"], headers=headers)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    theirs = live.client.get("/field/v1/tasks", headers=live.sign_in("sup2")).json()
    other_photo = tasks[mine.id]["photos"][0]["url"]
    assert mine.id not in {t["case_id"] for t in theirs["tasks"]}
    assert live.client.get(other_photo, headers=live.sign_in("sup2")).status_code == 404


def test_answer_a_verification_with_photos(live):
    headers = live.sign_in("sup1", device="phone-9")
    ref = _verification(live, "sup1")
    answer = live.client.post(f"/field/v1/tasks/{ref.id}/answer", headers=headers,
                              data={"version": str(ref.version), "result": "confirmed",
                                    "note": "现场属实"},
                              files=[("photos", ("现场.jpg", jpeg(color=(1, 2, 3)), "image/jpeg"))])
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "reported" and not answer.json()["already"]
    with live.world.db.Session() as s:
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.case_id == ref.id)
                         .order_by(LedgerEntry.seq.desc()).limit(1))
        photos = s.scalars(select(Attachment.ledger_seq).where(Attachment.case_id == ref.id)).all()
    assert (entry.action, entry.seat, entry.actor_id) == ("verify", "城管通/phone-9",
                                                          live.world.users["sup1"])
    assert entry.seq in photos
    # the same answer sent again (an offline retry): reported as already done
    again = live.client.post(f"/field/v1/tasks/{ref.id}/answer", headers=headers,
                             json={"version": ref.version, "result": "confirmed"})
    assert again.status_code == 200 and again.json()["already"]


def test_a_check_fails_with_a_reason(live):
    headers = live.sign_in("sup1")
    ref = live.world.drive.to("feedback")
    ref = live.world.drive.do(ref, sd.send_check, "acceptor")  # to the pool
    task = live.client.get("/field/v1/tasks", headers=headers).json()["tasks"][0]
    assert task["kind"] == "check" and task["closure_condition"] == "井盖完好归位"
    no_reason = live.client.post(f"/field/v1/tasks/{ref.id}/answer", headers=headers,
                                 json={"version": task["version"], "result": "fail"})
    assert no_reason.status_code == 422 and "理由" in no_reason.json()["error"]["message"]
    failed = live.client.post(f"/field/v1/tasks/{ref.id}/answer", headers=headers,
                              json={"version": task["version"], "result": "fail",
                                    "note": "井盖仍有松动"})
    assert failed.json()["state"] == "dispatched"
    taken = live.client.post(f"/field/v1/tasks/{ref.id}/answer", headers=live.sign_in("sup2"),
                             json={"version": task["version"], "result": "pass"})
    assert taken.status_code == 409  # someone else answered first


def test_long_poll_answers_when_a_task_arrives(live):
    headers = live.sign_in("sup1")
    first = live.client.get("/field/v1/tasks", headers=headers).json()
    assert first["tasks"] == []
    got = {}

    def poll():
        started = time.monotonic()
        got["body"] = live.client.get("/field/v1/tasks", headers=headers,
                                      params={"wait": 20, "etag": first["etag"]}).json()
        got["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)
    ref = _verification(live, "sup1")
    thread.join(25)
    assert [t["case_id"] for t in got["body"]["tasks"]] == [ref.id]
    assert got["seconds"] < 15  # woken by the change, not by the time-out
    unchanged = live.client.get("/field/v1/tasks", headers=headers,
                                params={"wait": 0.3, "etag": got["body"]["etag"]}).json()
    assert unchanged["etag"] == got["body"]["etag"]


def test_a_change_right_after_start_up_wakes_the_feed(live):
    """The feed's starting point is taken before the server answers: a change made before
    the SQLite poll's first turn is news, not the baseline (CI missed such a wake-up)."""
    feed = live.app.state.server.feed
    seen = feed.generation
    ref = _verification(live, "sup1")
    deadline = time.monotonic() + 10
    while feed.generation == seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert feed.generation != seen, f"case {ref.id} changed and no waiter was woken"


def test_server_sent_events_push_the_list(live):
    headers = live.sign_in("sup1")
    events = []
    with live.client.stream("GET", "/field/v1/tasks/stream", headers=headers) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        events.append(_next_event(lines))
        threading.Timer(0.3, lambda: _verification(live, None)).start()
        events.append(_next_event(lines))
    assert events[0]["tasks"] == [] and len(events[1]["tasks"]) == 1


@pytest.mark.parametrize("ending", ["sign_out", "reset"])
def test_a_stream_ends_with_its_session(make_db, ending):
    """The task stream stops when the session behind it ends — signed out (from another
    tab of the same phone), or an administrator's reset for a lost phone — at its next
    turn, instead of pushing the supervisor's task list for as long as the connection
    stays up; one stream of another supervisor goes on."""
    from seatdesk.data import admin
    from seatdesk.server.config import ServerConfig

    srv = make_server(open_world(make_db("workflow_world")), ServerConfig(sse_keepalive_s=0.3),
                      background=True)
    with TestClient(srv.app, raise_server_exceptions=False) as client:
        srv.client = client
        mine, other = srv.sign_in("sup1"), srv.sign_in("sup2")
        ended: dict[str, threading.Event] = {}

        def read(name: str, headers: dict, opened: threading.Event) -> None:
            with client.stream("GET", "/field/v1/tasks/stream", headers=headers) as stream:
                lines = stream.iter_lines()
                _next_event(lines)
                opened.set()
                for _line in lines:
                    if ended.get("stop") and ended["stop"].is_set():
                        return  # (the other supervisor's: the test is over)
            ended[name].set()

        threads = []
        for name, headers in (("mine", mine), ("other", other)):
            ended[name], opened = threading.Event(), threading.Event()
            threads.append(threading.Thread(target=read, args=(name, headers, opened),
                                            daemon=True))
            threads[-1].start()
            assert opened.wait(10)
        if ending == "sign_out":
            assert client.delete("/field/v1/session", headers=mine).status_code == 204
        else:
            with srv.world.db.Session.begin() as s:
                admin.reset_password(s, srv.world.a("admin"), srv.world.users["sup1"],
                                     "temporary-9x")
        assert ended["mine"].wait(10), "the stream went on after its session ended"
        assert not ended["other"].is_set()
        ended["stop"] = threading.Event()
        ended["stop"].set()
        for thread in threads:  # (closed at its next keep-alive, before the client is)
            thread.join(10)


def _next_event(lines) -> dict:
    name = None
    for line in lines:
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: ") and name == "tasks":
            return json.loads(line[len("data: "):])
    raise AssertionError("stream ended")
