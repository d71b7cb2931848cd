"""A seat (pytest-qt) meeting network and server faults on PostgreSQL, through the fault
proxy (``tests/faultproxy.py``): the GUI thread never waits on the network."""

from __future__ import annotations

import time
import types

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from seatdesk.models import Case
from seatdesk.models.db import make_engine, session_factory
from tests.faultproxy import FaultProxy
from tests.gui_meter import GuiMeter
from tests.seat_helpers import (
    TIMEOUT,
    city_fixture,  # noqa: F401 (fixture)
    open_seat,
    place,
    press,
)

PG = pytest.mark.parametrize("backend", ["postgresql"])
STALL_S = 30


def proxied_db(db, proxy: FaultProxy):
    """The city database as the seat sees it: every connection through the proxy."""
    engine = make_engine(proxy.url(db.url))
    return types.SimpleNamespace(Session=session_factory(engine), backend=db.backend,
                                 engine=engine, url=proxy.url(db.url))


def cases_described(db, text: str) -> int:
    with db.Session() as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.description == text))


@PG
def test_a_thirty_second_stall_never_holds_the_gui_thread(city, qtbot):
    with FaultProxy.for_url(city.url) as proxy:
        seat_db = proxied_db(city, proxy)
        try:
            window = open_seat(qtbot, seat_db, "shouli")
            ws = window.workspace
            lon, lat, _class = place(city, 25)
            registered = []
            ws.intake.case_registered.connect(registered.append)
            meter = GuiMeter().start()  # from here on the test itself reads no database
            proxy.stall(True)
            stalled_at = time.monotonic()
            _work_through_the_stall(qtbot, ws, lon, lat)
            qtbot.waitUntil(lambda: time.monotonic() - stalled_at >= STALL_S, timeout=60_000)
            assert not registered  # nothing got through the stall
            proxy.stall(False)
            qtbot.waitUntil(lambda: bool(registered), timeout=60_000)
            qtbot.waitUntil(lambda: ws.seat.ops.is_idle() and ws.seat.tasks.is_idle(),
                            timeout=TIMEOUT)
            meter.stop()
            print(f"longest GUI-thread stall {meter.longest_ms:.1f} ms, "
                  f"{len(meter.gaps_ms)} ticks")
            assert meter.network_samples == [], meter.network_samples[0]
            # A call waiting on the stalled network would hold the thread for seconds (the
            # stall lasts 30 s); painting and garbage collection on a loaded machine reach
            # 50 ms now and then, so the bound is a second, not a frame budget. The 50 ms
            # goal for ordinary work is measured by bench/bench_seat.py, not asserted here.
            assert meter.longest_ms < 1000, f"the GUI thread stalled {meter.longest_ms:.0f} ms"
            assert len(meter.gaps_ms) > STALL_S * 50  # the timer kept ticking all along
            assert cases_described(city, "停顿期间登记") == 1
        finally:
            seat_db.engine.dispose()


def _work_through_the_stall(qtbot, ws, lon: float, lat: float) -> None:
    """What a call-taker does meanwhile: boxes, a search, a whole report saved with Ctrl+S."""
    panel = ws.workbox
    for key in ("pending_accept", "all", "pending_verification"):
        panel.select_box(key)
        qtbot.wait(300)
    field = panel.search.fields["text"]
    field.setText("燕山路")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.wait(300)
    press(qtbot, ws, "Ctrl+N")
    form = ws.intake
    form.caller_phone.setText("13600003333")
    form.location.set_point(lon, lat)
    form.description.text.setPlainText("停顿期间登记")
    qtbot.wait(500)
    press(qtbot, form, "Ctrl+S")
    qtbot.wait(1000)
    press(qtbot, form, "Ctrl+S")  # once more, as an impatient person would


@PG
@pytest.mark.parametrize("before", [True, False], ids=["commit-lost", "answer-lost"])
def test_a_report_whose_commit_was_cut_is_one_case_and_asks_nothing(city, qtbot, before):
    """Ctrl+S and the connection is cut during COMMIT — before the server saw it, or after it
    committed: the seat cannot know, keeps the report in the outbox, and when the
    connection is back the report's intake key settles it — registered once, and a report
    that did land is not shown to the call-taker as a duplicate of itself."""
    with FaultProxy.for_url(city.url) as proxy:
        seat_db = proxied_db(city, proxy)
        try:
            window = open_seat(qtbot, seat_db, "shouli")
            ws = window.workspace
            lon, lat, _class = place(city, 27)
            press(qtbot, ws, "Ctrl+N")
            form = ws.intake
            form.caller_phone.setText("13600004444")
            form.location.set_point(lon, lat)
            form.description.text.setPlainText("提交时断线")
            qtbot.wait(500)  # the location resolved, the form checked
            waiting: list[int] = []
            form.submitter.outbox_changed.connect(waiting.append)
            proxy.cut_at_commit(before=before, writing=b"INSERT INTO cases ")
            press(qtbot, form, "Ctrl+S")
            qtbot.waitUntil(lambda: proxy.commits_cut == 1, timeout=TIMEOUT)
            qtbot.waitUntil(lambda: waiting[:1] == [1] and waiting[-1] == 0
                            and ws.seat.ops.is_idle() and ws.seat.tasks.is_idle(),
                            timeout=30_000)  # kept, then settled
            assert cases_described(city, "提交时断线") == 1
            assert form.is_blank() and form.duplicates.rowCount() == 0  # nothing to decide
            assert "已登记为案卷" in form.status.text(), form.status.text()
        finally:
            seat_db.engine.dispose()
