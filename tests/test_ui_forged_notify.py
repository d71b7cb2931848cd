"""A forged NOTIFY reaching a seat (PostgreSQL): a hint to re-read, never a fact.

Sent from the call-taker's own login, connected with its password as psql would, to a
department user's open seat (its live updates on: ``PgListener``): payloads of every wrong
shape keep the listener connected (no "connection lost", no resync); a notice naming a
case of another department with a forged number is re-read — the work box shows the
database's rows, nothing of the payload; ``seatdesk_users`` naming the department user makes
the seat read their record again and stay signed in (before: signed out at once); a
flood of 10,000 distinct notices in one transaction reaches the seat as one "everything
changed", never as 10,000 ids, and the seat goes on working. The Qt-free listeners:
tests/test_forged_notify.py."""

from __future__ import annotations

import json

import psycopg
import pytest
from sqlalchemy import select

from seatdesk.models import Case, User
from seatdesk.ui.session.live_updates import MAX_IDS
from seatdesk.workflow.notify import CHANNEL, USERS_CHANNEL
from tests.dbroles import make_logins
from tests.seat_helpers import TIMEOUT, city_fixture, open_seat, wait_idle  # noqa: F401
from tests.test_forged_notify import FORGED, _login_dsn, flood, notify

pytestmark = pytest.mark.postgres
FORGED_NUMBER = "伪造的编号-0000"
NO_CASE = 987654321


@pytest.fixture
def seat(city, qtbot):
    """A department user's live seat and the call-taker's psql-like connection."""
    db = city
    logins = make_logins(db, ["shouli"])
    stranger = psycopg.connect(_login_dsn(db, logins["shouli"]), autocommit=True)
    window = open_seat(qtbot, db, "bumen", live=True)
    hub = window.workspace.seat.hub
    heard: list = []
    hub.cases_changed.connect(heard.append)
    lost: list = []
    window.workspace.live.listener.lost.connect(lost.append)

    def listening() -> bool:  # LISTEN is in place once a notice gets through
        notify(stranger, CHANNEL, json.dumps({"id": NO_CASE, "n": "x", "v": 1, "s": "reported",
                                              "a": "register"}))
        qtbot.wait(100)
        return any(NO_CASE in c.ids for c in heard)

    qtbot.waitUntil(listening, timeout=TIMEOUT)
    window.listening = listening  # (for the test: wait until a named notice gets through)
    yield db, window, stranger, heard, lost
    stranger.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_forged_case_notices_are_re_read_and_never_shown(seat, qtbot):
    db, window, stranger, heard, lost = seat
    ws = window.workspace
    with db.Session() as s:
        me = s.scalar(select(User).where(User.username == "bumen"))
        other = s.scalar(select(Case).where(Case.department_id.is_not(None),
                                            Case.department_id != me.department_id).limit(1))
    rows_before = sorted(r.id for r in ws.workbox.model._rows)
    heard.clear()
    notify(stranger, CHANNEL, *FORGED)
    notify(stranger, CHANNEL, json.dumps({"id": other.id, "n": FORGED_NUMBER, "v": 99,
                                          "s": "closed", "a": "close"}))
    qtbot.waitUntil(lambda: any(other.id in c.ids for c in heard), timeout=TIMEOUT)
    assert lost == []  # no payload cost the listener its connection
    # (the fixture's own probe, NO_CASE, may still be on its way: it polled every 100 ms)
    assert all(c.ids <= {other.id, NO_CASE} and not c.everything for c in heard), heard
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: ws.seat.tasks.is_idle() and ws.workbox.loader is not None,
                    timeout=TIMEOUT)
    model = ws.workbox.model
    shown = [str(model.index(r, c).data()) for r in range(model.rowCount())
             for c in range(model.columnCount())]
    assert not any(FORGED_NUMBER in text for text in shown)
    assert sorted(r.id for r in model._rows) == rows_before  # the box's own query
    assert not window.signing_out and not getattr(window, "sign_out_reason", "")


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_forged_users_notice_makes_the_seat_check_not_sign_out(seat, qtbot):
    db, window, stranger, _heard, lost = seat
    live = window.workspace.live
    with db.Session() as s:
        me = s.scalar(select(User.id).where(User.username == "bumen"))
    notify(stranger, USERS_CHANNEL, *FORGED)  # nothing parses: nothing to check
    with qtbot.waitSignal(live.rechecked, timeout=TIMEOUT) as checked:
        notify(stranger, USERS_CHANNEL, json.dumps({"id": me}))
    assert checked.args == [False]  # the record, read again, is unchanged
    assert not window.signing_out and not getattr(window, "sign_out_reason", "")
    assert window.workspace is not None and lost == []


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_flood_of_notices_is_one_refresh_and_the_seat_stays_usable(seat, qtbot):
    db, window, stranger, heard, lost = seat
    ws = window.workspace
    heard.clear()
    flood(stranger, CHANNEL, 10_000)
    qtbot.waitUntil(lambda: any(c.everything for c in heard), timeout=TIMEOUT)
    assert all(len(c.ids) <= MAX_IDS for c in heard)  # never 10,000 ids to re-read
    assert lost == []
    wait_idle(qtbot, window)
    # still responsive and still live: once the flood is drained, a notice is named again
    heard.clear()
    qtbot.waitUntil(window.listening, timeout=TIMEOUT)
    ws.workbox.refresh()
    wait_idle(qtbot, window)
    assert ws.workbox.model.rowCount() > 0


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_deactivated_login_that_may_no_longer_read_its_record_is_signed_out(city, qtbot):
    """The re-check runs under the seat's own login. Deactivated, that login is in no
    group and may not read ``users`` (42501): the database's refusal is the answer, and
    the seat signs out — as it does when the record reads as changed (the owner's
    connection, tests/test_ui_account_changes.py)."""
    from seatdesk.data import admin
    from seatdesk.models.db import write_transaction
    from seatdesk.ui.session.connection_banner import ConnectionMonitor
    from seatdesk.ui.session.live_updates import ChangeHub, LiveUpdates
    from tests.dbroles import operator_workflow
    from tests.seat_helpers import actors

    db = city
    people = actors(db)
    wf = operator_workflow(db, make_logins(db, ["bumen"])["bumen"])
    hub = ChangeHub()
    live = LiveUpdates(hub, wf, people["bumen"], ConnectionMonitor(wf.engine))
    try:
        me = people["bumen"].user_id
        with qtbot.waitSignal(live.rechecked, timeout=TIMEOUT) as checked:
            live._users_changed(frozenset({me}))  # as the listener hands it a notice
        assert checked.args == [False]
        with write_transaction(db.engine) as s:
            admin.set_user_active(s, people["admin"], me, False)
        with qtbot.waitSignal(hub.account_changed, timeout=TIMEOUT), \
                qtbot.waitSignal(live.rechecked, timeout=TIMEOUT) as checked:
            live._users_changed(frozenset({me}))
        assert checked.args == [True]
    finally:
        live.tasks.wait(5000)
        wf.engine.dispose()
