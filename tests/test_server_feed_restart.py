"""PostgreSQL restarted under a running intake server (its own server, ``tests/pg_own.py``):
a supervisor's handset keeps getting its 核实 tasks pushed, a report sent while the
database is down is refused in plain Chinese and registered once when the handset retries.

What a handset sees, step by step (docs/api.md, "When the database restarts"):

1. signed in, a long-poll for tasks answers as soon as a seat sends this supervisor a
   核实 task (the change feed heard ``seatdesk_tasks``, server/feed.py);
2. the database stops: a report, a task read and a sign-in answer 503
   ``database_unavailable`` with a Chinese message (no SQL, no exception); a long-poll
   waiting through the restart is not failed, and a task stream open through it, which
   re-reads its list at every keep-alive, stays open while its reads fail;
3. the database is back: a new task reaches a fresh long-poll and the one that waited
   through the restart before their waits run out — the feed reconnected and LISTENs
   again, not a time-out that re-read the list — and the open stream pushes it;
4. the report retried with the same ``report_id`` registers exactly one case.

Which wake-up answered the long-poll is told apart without timing the feed: one answered
by its time-out cannot answer before ``WAIT`` seconds (the server starts counting after
the client), far longer than the whole test. The test sends a task only once every open
long-poll and stream is inside the feed's wait (counted by a wrapper around
``ChangeFeed.wait``; the real wait runs), so a list read after the task was sent is never
taken for a wake-up.

A long-poll whose wait runs out while the database is down answers 503
``database_unavailable`` (its own test, with a short wait): it cannot read the list it
must answer; the list read before the outage may be stale, and an empty one would be shown
as "no tasks".

Every 503 of the outage says when to ask again (``Retry-After: 5``), the handsets' JSON
and Open311's XML and JSON alike (its own test).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from contextlib import contextmanager
from xml.etree import ElementTree as ET

import httpx
import pytest
from sqlalchemy import func, select

from seatdesk.models import Case
from seatdesk.server.config import ServerConfig
from seatdesk.workflow import services as sd
from tests.dbtemplates import open_database
from tests.pg_own import own_postgres
from tests.server_fixtures import PASSWORD, LiveServer, make_server
from tests.workflow_fixtures import P1, World, open_world, seed_world

pytestmark = pytest.mark.postgres

WAIT = 30.0  # a long-poll's wait: a time-out answers no sooner
SPAN_WAIT = 60.0  # the wait of the long-poll open through the restart (the most allowed)
KEEPALIVE = 0.5  # the stream's keep-alive: it re-reads its list while the database is down
SETTLE = 60.0  # the most any step may take on a loaded machine (a bound, not a measure)
UNAVAILABLE = "数据库暂不可用，未保存任何内容，请稍后重试"
RETRY_AFTER = "5"  # docs/api.md: seconds to wait after a 503 of a database outage
SQL_OR_EXCEPTION = re.compile(
    r"select|insert|update|delete|from |where |psycopg|sqlalchemy|operationalerror|"
    r"traceback|exception|connection|server_error", re.IGNORECASE)


@pytest.fixture
def own_world(tmp_path_factory):
    """The workflow world on a PostgreSQL server of the test's own (it is restarted)."""
    with own_postgres(tmp_path_factory, seed_world) as own:
        yield own


@contextmanager
def opened(url: str):
    db = open_database("postgresql", url)
    try:
        yield open_world(db)
    finally:
        db.engine.dispose()


class Waits:
    """How many requests are inside the feed's ``wait`` now: wraps the server's
    ``ChangeFeed.wait``, which still does the waiting."""

    def __init__(self, feed):
        self.inside = 0
        self.entered = 0  # waits begun so far
        self._lock = threading.Lock()
        real = feed.wait

        async def wait(timeout, since=None):
            with self._lock:
                self.inside += 1
                self.entered += 1
            try:
                return await real(timeout, since)
            finally:
                with self._lock:
                    self.inside -= 1

        feed.wait = wait

    def until(self, count: int) -> None:
        """Until ``count`` requests wait at once: each has read its list."""
        deadline = time.monotonic() + SETTLE
        while self.inside < count:
            assert time.monotonic() < deadline, f"{self.inside} waiting, not {count}"
            time.sleep(0.02)


class LongPoll(threading.Thread):
    """``GET /field/v1/tasks?wait=WAIT&etag=…`` on its own thread, timed from before the
    request is sent."""

    def __init__(self, url: str, headers: dict, etag: str, wait: float = WAIT):
        super().__init__(daemon=True)
        self.url, self.headers, self.etag, self.wait = url, headers, etag, wait
        self.response: httpx.Response | None = None
        self.seconds = 0.0
        self.start()

    def run(self) -> None:
        started = time.monotonic()
        self.response = httpx.get(f"{self.url}/field/v1/tasks", headers=self.headers,
                                  params={"wait": self.wait, "etag": self.etag},
                                  timeout=self.wait + SETTLE)
        self.seconds = time.monotonic() - started

    def answer(self) -> tuple[dict, bool]:
        """(the list, answered by the feed: before the wait ran out)."""
        self.join(self.wait + SETTLE)
        assert self.response is not None, "the long-poll did not answer"
        assert self.response.status_code == 200, self.response.text
        return self.response.json(), self.seconds < self.wait


class Stream(threading.Thread):
    """``GET /field/v1/tasks/stream``: every ``event: tasks`` and keep-alive comment, in
    order, as ``("tasks", list)`` / ``("keep-alive", None)``; ``("ended", error)`` last."""

    def __init__(self, url: str, headers: dict):
        super().__init__(daemon=True)
        self.url, self.headers = url, headers
        self.events: list[tuple[str, object]] = []
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=KEEPALIVE + SETTLE))
        self.start()

    def run(self) -> None:
        try:
            with self._client.stream("GET", f"{self.url}/field/v1/tasks/stream",
                                     headers=self.headers) as response:
                assert response.status_code == 200
                name = None
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.events.append(("keep-alive", None))
                    elif line.startswith("event: "):
                        name = line[len("event: "):]
                    elif line.startswith("data: ") and name == "tasks":
                        self.events.append(("tasks", json.loads(line[len("data: "):])))
            self.events.append(("ended", None))
        except Exception as exc:  # noqa: BLE001 - the test reports how the stream ended
            self.events.append(("ended", repr(exc)))

    def next_event(self, after: int) -> tuple[str, object]:
        """The first event past the first ``after`` ones (waits for it)."""
        deadline = time.monotonic() + KEEPALIVE + SETTLE
        while len(self.events) <= after:
            assert time.monotonic() < deadline, f"the stream said nothing more: {self.events}"
            time.sleep(0.02)
        return self.events[after]

    def close(self) -> None:
        self._client.close()


class Problems(logging.Handler):
    """The server's errors (a 500 logs one with its traceback), and its warnings that the
    database is away (one per request refused, one per stream and outage)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self.away: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.records.append(record)
        elif "database unavailable" in record.getMessage():
            self.away.append(record.getMessage())


def send_task(seat: World, description: str) -> int:
    """What a seat does: a hotline report, sent to sup1 for 核实."""
    ref = seat.drive.register(source="hotline_12319", caller_phone="13800001234",
                              description=description)
    ref = seat.drive.do(ref, sd.send_verification, "acceptor",
                        supervisor_id=seat.users["sup1"])
    return ref.id


def task_ids(body: dict) -> list[int]:
    return [t["case_id"] for t in body["tasks"]]


def assert_plain_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "database_unavailable", error
    assert re.search(r"[\u4e00-\u9fff]", error["message"]), error  # Chinese
    assert not SQL_OR_EXCEPTION.search(response.text), response.text
    assert response.headers.get("Retry-After") == RETRY_AFTER, response.headers


def cases_of(world: World, key: str) -> int:
    with world.db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.intake_key == key))


def test_the_handsets_tasks_and_reports_survive_a_database_restart(own_world):
    problems = Problems()
    logs = [logging.getLogger(name) for name in ("seatdesk", "uvicorn.error")]
    with opened(own_world.url) as world, opened(own_world.url) as seat:
        config = ServerConfig(sse_keepalive_s=KEEPALIVE, long_poll_max_s=SPAN_WAIT)
        srv = make_server(world, config, background=True)
        live = LiveServer(srv.app).start()  # (uvicorn sets its loggers' handlers: then ours)
        for log in logs:
            log.addHandler(problems)
        stream = None
        try:
            waits = Waits(srv.app.state.server.feed)
            url = live.url
            signed = httpx.post(f"{url}/field/v1/session", json={
                "username": "sup1", "password": PASSWORD, "device_id": "phone-1"}, timeout=10)
            assert signed.status_code == 201, signed.text
            headers = {"Authorization": f"Bearer {signed.json()['token']}"}
            first = httpx.get(f"{url}/field/v1/tasks", headers=headers, timeout=10).json()
            assert first["tasks"] == []

            # 1. a task reaches a waiting long-poll
            poll = LongPoll(url, headers, first["etag"])
            waits.until(1)
            before = send_task(seat, "重启之前派发的核实")
            body, by_feed = poll.answer()
            assert task_ids(body) == [before]
            assert by_feed, f"answered after {poll.seconds:.1f} s: by its time-out, not the feed"

            # a stream stays open across the restart: its first list is read
            stream = Stream(url, headers)
            kind, listed = stream.next_event(0)
            assert kind == "tasks" and task_ids(listed) == [before]
            # and a long-poll waits through it
            spanning = LongPoll(url, headers, body["etag"], SPAN_WAIT)
            waits.until(2)

            # 2. the database stops under the running server
            own_world.stop()
            entered = waits.entered  # (the stream's: the long-poll is not woken while down)
            report = {"report_id": "5d0c6a1e-restart-0001", "lon": 119.4805, "lat": 31.4255,
                      "class_id": world.cls["井盖"], "description": "数据库重启期间上报"}
            refused = httpx.post(f"{url}/field/v1/reports", json=report, headers=headers,
                                 timeout=30)
            assert_plain_unavailable(refused)
            assert_plain_unavailable(httpx.get(f"{url}/field/v1/tasks", headers=headers,
                                               timeout=30))
            assert_plain_unavailable(httpx.post(f"{url}/field/v1/session", json={
                "username": "sup1", "password": PASSWORD, "device_id": "phone-2"}, timeout=30))
            # the stream waits again after a read begun once the database was down
            deadline = time.monotonic() + SETTLE
            while waits.entered < entered + 2:
                assert stream.events[-1][0] != "ended", f"the stream broke: {stream.events[-1]}"
                assert time.monotonic() < deadline, "the stream stopped reading its list"
                time.sleep(0.02)
            restarted = len(stream.events)
            # three requests refused, and the stream's failed re-reads (two or more) said
            # once: not a line per keep-alive of every open stream for the whole outage
            assert len(problems.away) == 4, problems.away

            own_world.start()

            # 3. a task sent after the restart reaches a fresh long-poll and the stream
            poll = LongPoll(url, headers, body["etag"])
            waits.until(3)  # both long-polls and the stream have read their lists
            after = send_task(seat, "重启之后派发的核实")
            body, by_feed = poll.answer()
            assert task_ids(body) == [before, after]
            assert by_feed, (f"answered after {poll.seconds:.1f} s: by its time-out — the "
                             "feed did not LISTEN again after the restart")
            waited, by_feed = spanning.answer()
            assert task_ids(waited) == [before, after]
            assert by_feed, f"the long-poll open through the restart timed out: {waited}"
            # the stream, still open, pushes the list with the new task
            events = [stream.next_event(restarted)]
            while events[-1][0] == "keep-alive":
                events.append(stream.next_event(restarted + len(events)))
            assert events[-1][0] == "tasks", f"the stream did not push the task: {events}"
            assert task_ids(events[-1][1]) == [before, after]

            # 4. the report retried with its report_id: one case
            again = httpx.post(f"{url}/field/v1/reports", json=report, headers=headers,
                               timeout=30)
            assert again.status_code == 201, again.text
            replay = httpx.post(f"{url}/field/v1/reports", json=report, headers=headers,
                                timeout=30)
            assert replay.status_code == 200 and replay.json()["replayed"], replay.text
            assert replay.json()["case_id"] == again.json()["case_id"]
            key = f"field:{world.users['sup1']}:{report['report_id']}"
            assert cases_of(world, key) == 1
        finally:
            srv.app.state.server.feed.close()  # as SIGTERM does: the stream ends at once
            live.stop()
            if stream is not None:
                stream.join(10)
                stream.close()
            for log in logs:
                log.removeHandler(problems)
    assert not problems.records, [r.getMessage() for r in problems.records]


EXPIRING = 6.0  # the wait of a long-poll that runs out while the database is down


def test_a_long_poll_whose_wait_runs_out_while_the_database_is_down_answers_503(own_world):
    """A long-poll waiting when the database stops is not failed while it waits; when its
    wait runs out before the database is back it cannot read the list it must answer, and
    answers 503 ``database_unavailable`` (in Chinese, no SQL) — not the list it read
    before the outage as if it were current, and not an empty list, which the field app
    would show as "no tasks". The app keeps the list it shows and asks again after
    ``RETRY_MS`` with the same etag (resources/field_app/app.js, ``pollTasks``); once the
    database is back the same question answers the list (docs/api.md, "When the database
    restarts")."""
    problems = Problems()
    logs = [logging.getLogger(name) for name in ("seatdesk", "uvicorn.error")]
    with opened(own_world.url) as world:
        srv = make_server(world, ServerConfig(long_poll_max_s=EXPIRING), background=True)
        live = LiveServer(srv.app).start()
        for log in logs:
            log.addHandler(problems)
        try:
            waits = Waits(srv.app.state.server.feed)
            url = live.url
            signed = httpx.post(f"{url}/field/v1/session", json={
                "username": "sup1", "password": PASSWORD, "device_id": "phone-1"}, timeout=10)
            assert signed.status_code == 201, signed.text
            headers = {"Authorization": f"Bearer {signed.json()['token']}"}
            first = httpx.get(f"{url}/field/v1/tasks", headers=headers, timeout=10).json()
            poll = LongPoll(url, headers, first["etag"], EXPIRING)
            waits.until(1)  # it has read its list and waits

            own_world.stop()
            assert poll.is_alive(), (
                f"the wait ran out before the database had stopped ({poll.seconds:.1f} s)")
            poll.join(EXPIRING + SETTLE)
            assert poll.response is not None, "the long-poll did not answer"
            assert poll.seconds >= EXPIRING, f"answered after {poll.seconds:.1f} s, not its wait"
            assert_plain_unavailable(poll.response)
            assert poll.response.json()["error"]["message"] == UNAVAILABLE
            assert len(problems.away) == 1, problems.away  # one line for the one refusal

            own_world.start()
            # the app's next question, the same etag: the list, as soon as it can be read
            deadline = time.monotonic() + SETTLE
            while True:
                again = httpx.get(f"{url}/field/v1/tasks", headers=headers,
                                  params={"etag": first["etag"]}, timeout=30)
                if again.status_code != 503 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)  # (the pool's connections are tried again)
            assert again.status_code == 200, again.text
            assert again.json() == first
        finally:
            srv.app.state.server.feed.close()
            live.stop()
            for log in logs:
                log.removeHandler(problems)
    assert not problems.records, [r.getMessage() for r in problems.records]


def test_every_503_of_a_database_outage_says_when_to_ask_again(own_world):
    """The database stopped under the server: a handset's report and task read, and an
    Open311 partner's POST and a public read in XML and in JSON, each answer 503 with
    ``Retry-After`` — the specification's error list for Open311, the handsets' JSON
    error otherwise, the same Chinese message — so a client waits rather than asking
    again at once (before 2026-12-07 none of them carried it)."""
    with opened(own_world.url) as world:
        srv = make_server(world)
        headers = srv.sign_in()
        own_world.stop()
        assert_plain_unavailable(srv.client.post("/field/v1/reports", headers=headers, json={
            "report_id": "5d0c6a1e-retry-after", "lon": P1[0], "lat": P1[1],
            "description": "数据库停止期间上报"}))
        assert_plain_unavailable(srv.client.get("/field/v1/tasks", headers=headers))
        for fmt in ("xml", "json"):
            posted = srv.client.post(f"/open311/v2/requests.{fmt}", data={
                "api_key": srv.keys["fms"], "service_code": "E01001", "lat": str(P1[1]),
                "long": str(P1[0]), "description": "数据库停止期间提交"})
            read = srv.client.get(f"/open311/v2/requests.{fmt}")
            for response in (posted, read):
                assert response.status_code == 503, response.text
                assert response.headers.get("Retry-After") == RETRY_AFTER, response.headers
                if fmt == "json":
                    assert response.json() == [{"code": 503, "description": UNAVAILABLE}]
                else:
                    error = ET.fromstring(response.content).find("error")
                    assert (error.findtext("code"), error.findtext("description")) == (
                        "503", UNAVAILABLE), response.text
                assert not SQL_OR_EXCEPTION.search(response.text), response.text
        srv.client.close()
