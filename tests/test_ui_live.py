"""Several seats on one database: changes from another seat appear within a second (NOTIFY
on PostgreSQL, polling on SQLite) without losing the selection or a half-typed form; a
conflicting action is explained and the case reloaded; a dropped connection during intake
shows the banner, keeps the report in the outbox and submits it — checking duplicates at
that moment — when the connection returns."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from seatdesk.models import Case, LedgerEntry
from seatdesk.models.db import make_engine
from seatdesk.workflow import services as sd
from tests.seat_helpers import (
    TIMEOUT,
    actors,
    city_fixture,  # noqa: F401 (fixture)
    open_case,
    open_seat,
    place,
    press,
    type_text,
    walk_case,
)


def other_seat(db) -> tuple[sd.Workflow, dict[str, sd.Actor]]:
    """Another workstation: its own engine (own connections) on the same database."""
    engine = make_engine(db.url)
    a = {name: sd.Actor(x.user_id, x.role, x.department_id, "坐席 B")
         for name, x in actors(db).items()}
    return sd.Workflow(engine), a


def report(lon: float, lat: float, phone: str = "13500001111") -> sd.Report:
    return sd.Report(source="hotline_12319", lon=lon, lat=lat, address="北门路 3 号",
                     description="路灯不亮", caller_phone=phone)


def test_changes_at_another_seat_appear_within_a_second(city, qtbot):
    db = city
    window = open_seat(qtbot, db, "shouli", live=True, poll_ms=200)
    ws = window.workspace
    shown = walk_case(db, "reported", offset=50)
    ws.workbox.refresh()
    qtbot.waitUntil(lambda: ws.workbox.model.row_of(shown) >= 0, timeout=TIMEOUT)
    open_case(qtbot, window, shown)
    ws.workbox.select_case(shown)
    ws.show_page("intake")
    type_text(qtbot, ws.intake.caller_name, "半句话")  # a half-typed form
    ws.show_page("workbench")
    wf, a = other_seat(db)
    lon, lat, _ = place(db, 70)
    # another seat registers a case: it appears in this seat's 待受理 within a second
    started = time.perf_counter()
    new = sd.register(wf, a["shouli"], report(lon, lat))
    qtbot.waitUntil(lambda: ws.workbox.model.row_of(new.case_id) >= 0, timeout=2000)
    delay = time.perf_counter() - started
    assert delay < 1.0, f"the change took {delay:.2f} s to appear"
    assert ws.workbox.current_case_id() == shown  # the selection stayed
    assert ws.intake.caller_name.text() == "半句话"  # the half-typed form too
    # another seat acts on the case shown here: the detail reloads and says who did it
    view = ws.detail.view
    started = time.perf_counter()
    sd.void(wf, a["shouli"], shown, view.version, reason="重复上报")
    qtbot.waitUntil(lambda: ws.detail.view.detail.state == "voided", timeout=2000)
    assert time.perf_counter() - started < 1.0
    assert "作废" in ws.detail.notice.text() and ws.detail.notice.isVisible()
    assert ws.detail.allowed() == ()
    wf.engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_a_conflicting_action_is_explained_and_the_case_reloaded(city, qtbot):
    db = city
    case_id = walk_case(db, "reported", offset=51)
    window = open_seat(qtbot, db, "shouli", live=False)  # no live refresh: a real race
    ws = window.workspace
    open_case(qtbot, window, case_id)
    with qtbot.waitSignal(ws.detail.dialog_opened, timeout=TIMEOUT) as opened:
        press(qtbot, ws.detail, "Ctrl+Shift+X")  # 作废
    dialog = opened.args[0]
    type_text(qtbot, dialog.reason.text, "经核实问题不存在")
    # meanwhile the same case is sent for verification at another seat
    wf, a = other_seat(db)
    sd.send_verification(wf, a["shouli"], case_id, dialog.version)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.notice.isVisible(), timeout=TIMEOUT)
    assert "已被" in dialog.notice.text() and "当前状态为「待核实」" in dialog.notice.text()
    assert "请刷新后再操作" in dialog.notice.text() and "未保存" in dialog.notice.text()
    assert not dialog.ok.isEnabled() and dialog.cancel.text() == "关闭"
    qtbot.waitUntil(lambda: ws.detail.view.detail.state == "pending_verification",
                    timeout=TIMEOUT)  # the refreshed case
    assert "已被" in ws.detail.notice.text()
    with db.Session() as session:
        actions = session.scalars(select(LedgerEntry.action).where(
            LedgerEntry.case_id == case_id).order_by(LedgerEntry.seq)).all()
    assert actions == ["register", "send_verification"]  # nothing silently overwritten
    qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    wf.engine.dispose()


class Outage:
    """Cut the seat off its database and restore it: on PostgreSQL connections to the
    test's own database are refused and its backends terminated; on SQLite the file is
    moved away (a directory takes its place, so it cannot be recreated)."""

    def __init__(self, db):
        self.db = db
        self.path = Path(make_url(db.url).database) if db.backend == "sqlite" else None

    def _admin(self, sql: str) -> None:
        admin = create_engine(make_url(self.db.url).set(database="postgres"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(sql))
        admin.dispose()

    def start(self) -> None:
        if self.path is None:
            name = make_url(self.db.url).database
            self._admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            self._admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE datname = '{name}'")
            return
        self.db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                part.rename(f"{part}.away")
        self.path.mkdir()

    def end(self) -> None:
        if self.path is None:
            name = make_url(self.db.url).database
            self._admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            return
        self.path.rmdir()
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}.away")
            if part.exists():
                part.rename(f"{self.path}{suffix}")


def fill(qtbot, form, lon: float, lat: float, name: str) -> None:
    form.caller_name.setText(name)
    form.caller_phone.setText("13611112222")
    form.location.address.setText("西门路 5 号")
    form.location.set_coordinates(lon, lat)  # a map click: it cannot be resolved offline
    type_text(qtbot, form.description.text, "雨水箅子破损")


def test_dropped_connection_during_intake(city, qtbot):
    db = city
    known = walk_case(db, "dispatched", offset=52)
    dup_lon, dup_lat, class_id = place(db, 52)
    clean_lon, clean_lat, _ = place(db, 200)
    window = open_seat(qtbot, db, "shouli", live=True, poll_ms=200)
    ws = window.workspace
    press(qtbot, ws, "Ctrl+N")
    form = ws.intake
    outage = Outage(db)
    outage.start()
    try:
        qtbot.waitUntil(lambda: ws.banner.isVisible(), timeout=TIMEOUT)
        assert "数据库连接已中断" in ws.banner.text.text()
        assert window.connection_label.text() == "连接中断 — 正在重试"
        # two calls taken while offline: each kept in the outbox, the form cleared
        fill(qtbot, form, clean_lon, clean_lat, "甲")
        press(qtbot, form, "Ctrl+S")
        fill(qtbot, form, dup_lon, dup_lat, "乙")
        form.class_picker.set_current(class_id)
        press(qtbot, form, "Ctrl+S")
        assert form.outbox.count() == 2 and form.caller_name.text() == ""
        assert "已保存在本机（待提交 2 条）" in form.status.text()
        assert "本机待提交：2 条" in ws.banner.text.text()
    finally:
        outage.end()
    # back: the banner goes, the clean report is registered, the duplicate comes back
    # into the form with its candidates for the call-taker to decide
    qtbot.waitUntil(lambda: not ws.banner.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: form.caller_name.text() == "乙", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: form.duplicates.rowCount() > 0, timeout=TIMEOUT)
    assert form.duplicates.row_value(0).case_id == known
    assert "离线保存的受理单：现发现" in form.status.text()
    with db.Session() as session:
        registered = session.scalars(select(Case).where(Case.caller_name == "甲")).all()
    assert len(registered) == 1 and registered[0].state == "reported"
    assert form.outbox.count() == 1
    with qtbot.waitSignal(form.case_registered, timeout=TIMEOUT) as merged:
        press(qtbot, form, "Ctrl+M")
    assert merged.args == [known]
    assert form.outbox.count() == 0


def test_a_commit_lost_in_flight_is_not_reported_as_unsaved(city, qtbot):
    """A plain outage says nothing was saved; a connection lost during COMMIT must not
    (the engine cannot know), so the seat tells the operator to check the case first."""
    window = open_seat(qtbot, city, "shouli", live=False)
    ops = window.workspace.seat.ops
    uncertain = ops.describe(sd.CommitUncertain())
    outage = ops.describe(ConnectionError("refused"))
    assert uncertain.offline and outage.offline and not uncertain.refused
    assert "无法确定" in uncertain.message and "核对" in uncertain.message
    assert "未保存任何内容" in outage.message and "未保存任何内容" not in uncertain.message
