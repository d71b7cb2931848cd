"""A hotline complaint from intake to closure, driven through the GUI as the users would,
each role signing in through the login dialog (both backends), and the screenshots of
the main window per role, the case detail, the intake form and the command palette."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from seatdesk.models import Attachment, CaseReporter, LedgerEntry
from seatdesk.ui.screenshots import save
from seatdesk.workflow import services as sd
from tests.seat_helpers import (
    TIMEOUT,
    act,
    city_fixture,  # noqa: F401 (fixture)
    open_from_box,
    open_seat,
    photo,
    place,
    press,
    type_text,
    user_id,
    wait_idle,
    walk_case,
)


ROAD = "燕山路"


def take_call(qtbot, window) -> int:
    """The call-taker types the report with the keyboard and saves it."""
    ws = window.workspace
    press(qtbot, ws, "Ctrl+N")
    form = ws.intake
    assert form.source.hasFocus() or form.source.currentData() == "hotline_12319"
    type_text(qtbot, form.caller_name, "王先生")
    qtbot.keyClick(form.caller_name, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.caller_phone, "13912345678")
    form.callback.setFocus()
    qtbot.keyClick(form.callback, Qt.Key.Key_Space)
    line = form.location.search.line  # README's walkthrough: type 燕山路, take the road
    line.setFocus()
    type_text(qtbot, line, ROAD)
    qtbot.waitUntil(lambda: form.location.search.list.isVisible(), timeout=TIMEOUT)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.location.pick is not None, timeout=TIMEOUT)
    assert form.location.pick.road == ROAD and form.location.component_code() == ""
    assert form.location.address.text().endswith(f"{ROAD}附近")
    form.location.address.setFocus()
    form.location.address.selectAll()
    type_text(qtbot, form.location.address, "燕山路 18 号门口")
    form.class_picker.line.setFocus()
    qtbot.keyClicks(form.class_picker.line, "ffxgg")  # 非法小广告, the README's walkthrough
    qtbot.keyClick(form.class_picker.line, Qt.Key.Key_Return)
    assert form.class_picker.current().name == "非法小广告"
    type_text(qtbot, form.description.text, "门口电线杆上贴满小广告")
    with qtbot.waitSignal(form.case_registered, timeout=TIMEOUT) as registered:
        press(qtbot, form, "Ctrl+S")
        qtbot.waitUntil(lambda: "Ctrl+S" in form.status.text() or not form.caller_name.text(),
                        timeout=TIMEOUT)
        if form.caller_name.text():  # duplicates on screen: save a new case anyway
            press(qtbot, form, "Ctrl+S")
    return registered.args[0]


def test_hotline_complaint_from_intake_to_closure(city, qtbot):
    db = city
    jiandu, bumen_dept = user_id(db, "jiandu"), None
    # 受理员: intake, then 派发核实 to the supervisor
    window = open_seat(qtbot, db, "shouli")
    case_id = take_call(qtbot, window)
    qtbot.waitUntil(lambda: window.workspace.detail.view is not None
                    and window.workspace.detail.view.case_id == case_id, timeout=TIMEOUT)
    ws = window.workspace
    assert ws.detail.view.detail.caller_phone == "13912345678"  # the call-taker sees it all
    assert "accept" not in ws.detail.allowed()  # a hotline report needs 核实 first

    def to_supervisor(dialog):
        qtbot.waitUntil(lambda: dialog.supervisor.findData(jiandu) >= 0, timeout=TIMEOUT)
        dialog.supervisor.setCurrentIndex(dialog.supervisor.findData(jiandu))

    act(qtbot, window, "send_verification", to_supervisor, expect_state="pending_verification")
    window.close()
    # 监督员: my tasks → 核实属实
    window = open_seat(qtbot, db, "jiandu")
    open_from_box(qtbot, window, "my_tasks", case_id)
    assert window.workspace.detail.view.detail.caller_phone == "139****5678"  # masked
    act(qtbot, window, "verify", lambda d: type_text(qtbot, d.reason.text, "现场属实"),
        expect_state="reported")
    window.close()
    # 受理员: 受理
    window = open_seat(qtbot, db, "shouli")
    open_from_box(qtbot, window, "pending_accept", case_id)
    act(qtbot, window, "accept", expect_state="accepted")
    window.close()
    # 值班长: 立案 under the class's first filing condition
    window = open_seat(qtbot, db, "zhibanzhang")
    open_from_box(qtbot, window, "pending_filing", case_id)

    def choose_condition(dialog):
        qtbot.waitUntil(lambda: dialog.conditions.count() > 0, timeout=TIMEOUT)
        dialog.conditions.setCurrentRow(0)
        assert "1 工作日" in dialog.rules.text() and "结案条件" in dialog.rules.text()

    act(qtbot, window, "file", choose_condition, expect_state="filed")
    window.close()
    # 派遣员: 派遣 to the suggested department (the responsibility matrix's), which is the
    # demo account bumen's (README: the walkthrough's case reaches bumen)
    window = open_seat(qtbot, db, "paiqian")
    open_from_box(qtbot, window, "pending_dispatch", case_id)

    def suggested(dialog):
        qtbot.waitUntil(lambda: dialog.options is not None, timeout=TIMEOUT)
        assert dialog.options.suggestion is not None
        assert "责任矩阵" in dialog.rules.text() and "截止时间" in dialog.rules.text()
        nonlocal bumen_dept
        bumen_dept = dialog.department.currentData()

    act(qtbot, window, "dispatch", suggested, expect_state="dispatched")
    window.close()
    # 专业部门: 签收, 处置反馈 with a photo
    window = open_seat(qtbot, db, "bumen")
    assert window.workspace.seat.user.department_id == bumen_dept
    open_from_box(qtbot, window, "my_department", case_id)
    act(qtbot, window, "sign", expect_state="dispatched")

    def report(dialog):
        type_text(qtbot, dialog.reason.text, "小广告已清除")
        dialog.files.add_bytes("after.png", photo("处置后"))

    act(qtbot, window, "feedback", report, expect_state="feedback")
    window.close()
    # 受理员: 派发核查
    window = open_seat(qtbot, db, "shouli")
    open_from_box(qtbot, window, "pending_check", case_id)
    act(qtbot, window, "send_check", to_supervisor, expect_state="pending_check")
    window.close()
    # 监督员: 核查通过 with a photo
    window = open_seat(qtbot, db, "jiandu")
    open_from_box(qtbot, window, "my_tasks", case_id)

    def passed(dialog):
        type_text(qtbot, dialog.reason.text, "已修复")
        dialog.files.add_bytes("check.png", photo("核查"))

    act(qtbot, window, "check_pass", passed, expect_state="ready_to_close")
    window.close()
    # 值班长: 结案, seeing the 核查 result and its photos
    window = open_seat(qtbot, db, "zhibanzhang")
    open_from_box(qtbot, window, "ready_to_close", case_id)

    def shows_check(dialog):
        assert "核查通过" in dialog.rules.text() and "已修复" in dialog.rules.text()
        # the department's photo with its feedback, the supervisor's with the check
        assert (dialog.handling_model.rowCount(), dialog.check_model.rowCount()) == (1, 1)

    act(qtbot, window, "close", shows_check, expect_state="closed")
    assert window.workspace.detail.timeline.timeline.rowCount() == 11
    window.close()
    with db.Session() as session:
        assert sd.verify_ledger(session, [case_id]) == []
        actions = session.scalars(select(LedgerEntry.action).where(LedgerEntry.case_id == case_id)
                                  .order_by(LedgerEntry.seq)).all()
        reporters = session.scalars(select(CaseReporter).where(CaseReporter.case_id == case_id)
                                    ).all()
        photos = session.scalar(select(Attachment.id).where(Attachment.case_id == case_id))
    assert actions == ["register", "send_verification", "verify", "accept", "file", "dispatch",
                       "sign", "feedback", "send_check", "check_pass", "close"]
    assert [(r.name, r.phone, r.callback_wanted) for r in reporters] == [
        ("王先生", "13912345678", True)]
    assert photos is not None


@pytest.mark.parametrize("backend", ["sqlite"])
def test_screenshots_of_the_workspace(city, qtbot):
    """docs/screenshots: the main window per role, the case detail, the intake form with
    duplicate candidates, and the command palette (Chinese UI)."""
    db = city
    ready = walk_case(db, "ready_to_close")
    walk_case(db, "dispatched", offset=45)  # in the department's box
    walk_case(db, "pending_check", offset=47)  # a 核查 task of the supervisor
    for username, role in (("shouli", "acceptor"), ("zhibanzhang", "shift_lead"),
                           ("paiqian", "dispatcher"), ("bumen", "department"),
                           ("jiandu", "supervisor"), ("admin", "admin")):
        window = open_seat(qtbot, db, username, map_enabled=role == "acceptor")
        ws = window.workspace
        if role == "shift_lead":
            open_from_box(qtbot, window, "ready_to_close", ready)
        elif ws.workbox.model.rowCount():
            ws.workbox.table.setFocus()
            qtbot.keyClick(ws.workbox.table, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda w=ws: w.detail.view is not None and w.seat.tasks.is_idle(),
                            timeout=TIMEOUT)
        if ws.map is not None:
            qtbot.waitUntil(lambda w=ws: w.map.is_ready, timeout=30_000)
            if ws.detail.view is not None:  # the open case, shown on the map with its ring
                qtbot.waitUntil(lambda w=ws: map_value(qtbot, w.map, "seatdesk.highlightLayer"
                                                       ".getLayers().length") == 1,
                                timeout=TIMEOUT)
                qtbot.wait(300)
        wait_idle(qtbot, window)
        save(window, f"main_window_{role}")
        if role == "shift_lead":
            ws.detail.side.setCurrentIndex(1)
            save(ws.detail, "case_detail_photos")
            ws.detail.side.setCurrentIndex(0)
            save(ws.detail, "case_detail")
        if role == "acceptor":
            screenshot_intake(qtbot, db, window)
            palette = ws._do_palette()
            qtbot.keyClicks(palette.query, "p")
            qtbot.waitUntil(lambda p=palette: p.model.rowCount() > 0, timeout=TIMEOUT)
            save(palette, "command_palette")
            palette.reject()
        window.close()


def map_value(qtbot, view, script: str):
    """The value of a JavaScript expression in the map page."""
    box: list = []
    view.run_js(f"JSON.stringify({script})", box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=TIMEOUT)
    return json.loads(box[0])


def screenshot_intake(qtbot, db, window) -> None:
    ws = window.workspace
    form = ws.intake
    press(qtbot, ws, "Ctrl+N")
    lon, lat, class_id = place(db, 40)
    form.caller_name.setText("李女士")
    form.caller_phone.setText("13800138000")
    form.callback.setChecked(True)
    form.location.set_point(lon, lat)
    qtbot.waitUntil(lambda: form.location.pick is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: bool(form.class_picker.entries), timeout=TIMEOUT)
    form.class_picker.set_current(class_id)
    form.class_picker.class_chosen.emit(form.class_picker.current())  # as a pick does
    qtbot.waitUntil(lambda: "处置时限" in form.limit_hint.text(), timeout=TIMEOUT)
    form.description.text.setPlainText("雨水箅子破损，已持续多日")
    form.run_precheck()
    qtbot.waitUntil(lambda: form.checked is not None, timeout=TIMEOUT)
    assert form.duplicates.rowCount() >= 1  # the case walked to 待结案 is at the same spot

    qtbot.waitUntil(lambda: map_value(  # the map's pin and its popup show the location
        qtbot, ws.map, "!!seatdesk.pin && !!document.querySelector('.sd-pick')"), timeout=TIMEOUT)
    qtbot.wait(300)  # the map pans and the labels wrap on later events
    save(window, "intake_form")
    form.clear()
    ws.show_page("workbench")
