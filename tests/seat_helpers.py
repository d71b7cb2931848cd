"""Driving the seat as a user would: sign in through the login dialog, open the role's
workspace, open cases, press shortcuts, fill and submit the action dialogs.

Shared by tests/test_ui_*.py (the demo city's accounts; password ``seatdesk-demo``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import select

from seatdesk.models import Case, CaseClass, FilingCondition, GridCell, User
from seatdesk.ui.session.app import make_application
from seatdesk.ui.session.login_dialog import LoginDialog
from seatdesk.ui.session.main_window import MainWindow
from seatdesk.workflow import services as sd
from seatdesk.workflow.auth import LoggedIn

PASSWORD = "seatdesk-demo"
TIMEOUT = 15_000


_MADE: list = []


def application():
    """The QApplication in Chinese, set up once per session: each ``make_application``
    call installs one more translator, which would shadow a test's own."""
    if not _MADE:
        _MADE.append(make_application(language="zh_CN"))
    return _MADE[0]


@pytest.fixture(name="city")
def city_fixture(make_db):
    """The small demo city, with the Chinese application up: the seat tests' world
    (import ``city_fixture`` into a test module to use it as ``city``)."""
    application()
    return make_db("demo_small")


def sign_in(qtbot, db, username: str, password: str = PASSWORD) -> LoggedIn:
    """Type the user name and password into the login dialog and press Enter."""
    dialog = LoginDialog(db.Session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.password, password)
    with qtbot.waitSignal(dialog.logged_in_as, timeout=TIMEOUT):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    return dialog.logged_in


def open_seat(qtbot, db, username: str, **options) -> MainWindow:
    """Sign in as ``username`` and open the workspace (no map, no auto refresh by default)."""
    user = sign_in(qtbot, db, username)
    options.setdefault("map_enabled", False)
    options.setdefault("auto_refresh_ms", 0)
    window = MainWindow(db.Session, f"{db.backend}: test", user, **options)
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.show()
    window.activateWindow()
    wait_idle(qtbot, window)
    return window


def wait_idle(qtbot, window: MainWindow, timeout: int = TIMEOUT) -> None:
    seat = window.workspace.seat

    def idle() -> bool:  # the work box's first page (or its error) has arrived
        return (seat.tasks.is_idle() and seat.ops.is_idle()
                and bool(window.workspace.workbox.status.text()))

    qtbot.waitUntil(idle, timeout=timeout)
    QApplication.processEvents()


def wait_live(qtbot, window: MainWindow, timeout: int = TIMEOUT) -> None:
    """Until the seat's live source would catch a change made from now on: PostgreSQL's
    LISTEN is in place, or SQLite's first poll has answered (it only finds where "now"
    is: a change made before it is never announced)."""
    live = window.workspace.live
    if live.listener is not None:
        qtbot.waitUntil(live.listener.listening.is_set, timeout=timeout)
    else:
        qtbot.waitUntil(lambda: live.poller.since is not None, timeout=timeout)


def type_text(qtbot, widget, text: str) -> None:
    """Type ``text`` into ``widget`` key by key. Chinese characters arrive as key events
    carrying their text (what an input method delivers); QTest only types ASCII."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                     char))


def press(qtbot, widget, sequence: str) -> None:
    """Press a key sequence (e.g. "Ctrl+Shift+A") on ``widget`` (its window activated
    first: window shortcuts only fire in the active window)."""
    window = widget.window()
    if not window.isActiveWindow():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    combo = QKeySequence(sequence)[0]
    qtbot.keyClick(widget, combo.key(), combo.keyboardModifiers())


def open_case(qtbot, window: MainWindow, case_id: int) -> None:
    detail = window.workspace.detail
    window.workspace.open_case(case_id)
    qtbot.waitUntil(lambda: detail.view is not None and detail.view.case_id == case_id
                    and window.workspace.seat.tasks.is_idle(), timeout=TIMEOUT)


def open_from_box(qtbot, window: MainWindow, box: str, case_id: int) -> None:
    """Choose the work box, move to the case with the arrow keys, press Enter."""
    ws = window.workspace
    ws.workbox.select_box(box)
    qtbot.waitUntil(lambda: ws.workbox.model.row_of(case_id) >= 0, timeout=TIMEOUT)
    table = ws.workbox.table
    table.setFocus()
    target = ws.workbox.model.row_of(case_id)
    while table.currentIndex().row() != target:
        key = Qt.Key.Key_Down if table.currentIndex().row() < target else Qt.Key.Key_Up
        qtbot.keyClick(table, key)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.detail.view is not None and ws.detail.view.case_id == case_id
                    and ws.seat.tasks.is_idle(), timeout=TIMEOUT)


def act(qtbot, window: MainWindow, action: str, fill: Callable | None = None, *,
        shortcut: bool = True, expect_state: str | None = None):
    """Start ``action`` on the shown case (its shortcut, or its button), let ``fill`` fill
    the dialog, press OK and wait until the case shows ``expect_state``."""
    ws = window.workspace
    with qtbot.waitSignal(ws.detail.dialog_opened, timeout=TIMEOUT) as opened:
        if shortcut:
            press(qtbot, ws.detail, ws.registry.specs[action].shortcut)
        else:
            qtbot.mouseClick(ws.detail.buttons[action], Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: ws.seat.tasks.is_idle(), timeout=TIMEOUT)
    if fill is not None:
        fill(dialog)
    version = ws.detail.view.version
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible() or bool(dialog.error.text()
                                                            and dialog.ok.isEnabled()),
                    timeout=TIMEOUT)
    assert not dialog.isVisible(), dialog.error.text()
    qtbot.waitUntil(lambda: ws.detail.view.version > version and ws.seat.tasks.is_idle(),
                    timeout=TIMEOUT)
    if expect_state is not None:
        assert ws.detail.view.detail.state == expect_state
    return dialog.result_value


def user_id(db, username: str) -> int:
    with db.Session() as session:
        return session.scalar(select(User.id).where(User.username == username))


def case_state(db, case_id: int) -> str:
    with db.Session() as session:
        return session.scalar(select(Case.state).where(Case.id == case_id))


def flush_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


# -- cases prepared through the services (the engine), for tests that start mid-way -----------


def photo(text: str = "现场", colour: str = "#4a78c2") -> bytes:
    """A small real PNG (drawn with Qt) for attachments."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage, QPainter

    application()
    image = QImage(160, 120, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    painter = QPainter(image)
    painter.setPen(QColor("white"))
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)

CLASS_NAME = "雨水箅子异常"  # responsibility of 市政设施管理处 (the demo account "bm_szss")


def actors(db) -> dict[str, sd.Actor]:
    with db.Session() as session:
        users = session.scalars(select(User)).all()
        return {u.username: sd.Actor(u.id, u.role, u.department_id, "测试席位") for u in users}


def place(db, offset: int = 40) -> tuple[float, float, int]:
    """The centre of a grid cell of the demo city, and the test class's id."""
    with db.Session() as session:
        cell = session.scalars(select(GridCell).order_by(GridCell.code).offset(offset)).first()
        class_id = session.scalar(select(CaseClass.id).where(CaseClass.name == CLASS_NAME))
    return (cell.min_lon + cell.max_lon) / 2, (cell.min_lat + cell.max_lat) / 2, class_id


def walk_case(db, until: str, offset: int = 40, phone: str = "13700001111") -> int:
    """A hotline case registered at a cell centre and taken through the workflow until its
    state is ``until`` (reported … ready_to_close, closed)."""
    wf, a = sd.Workflow(db.engine), actors(db)
    lon, lat, class_id = place(db, offset)
    report = sd.Report(source="hotline_12319", lon=lon, lat=lat, address="燕山路 8 号",
                       description="雨水箅子破损", class_id=class_id, caller_name="张先生",
                       caller_phone=phone, callback_wanted=True,
                       attachments=(sd.AttachmentIn("photo", "call.png", "image/png",
                                                    photo("来电照片")),
                                    sd.AttachmentIn("audio", "call.wav", "audio/wav",
                                                    b"RIFF....WAVE")))
    change = sd.register(wf, a["shouli"], report)
    after = sd.AttachmentIn("photo", "after.png", "image/png", photo("处置后", "#2e9d4d"))
    steps = [
        ("send_verification", lambda c: sd.send_verification(
            wf, a["shouli"], c.case_id, c.version, supervisor_id=a["jiandu"].user_id)),
        ("verify", lambda c: sd.verify(wf, a["jiandu"], c.case_id, c.version, confirmed=True,
                                       note="现场属实")),
        ("accept", lambda c: sd.accept(wf, a["shouli"], c.case_id, c.version)),
        ("file", lambda c: sd.file(wf, a["zhibanzhang"], c.case_id, c.version,
                                   condition_id=_condition(db, class_id))),
        ("dispatch", lambda c: sd.dispatch(wf, a["paiqian"], c.case_id, c.version,
                                           department_id=a["bumen"].department_id)),
        ("sign", lambda c: sd.sign(wf, a["bumen"], c.case_id, c.version)),
        ("feedback", lambda c: sd.feedback(wf, a["bumen"], c.case_id, c.version, result="已更换",
                                           attachments=(after,))),
        ("send_check", lambda c: sd.send_check(wf, a["shouli"], c.case_id, c.version,
                                               supervisor_id=a["jiandu"].user_id)),
        ("check_pass", lambda c: sd.check_pass(wf, a["jiandu"], c.case_id, c.version,
                                               note="已修复")),
        ("close", lambda c: sd.close(wf, a["zhibanzhang"], c.case_id, c.version)),
    ]
    targets = {"reported": 0, "pending_verification": 1, "verified": 2, "accepted": 3,
               "filed": 4, "dispatched": 5, "signed": 6, "feedback": 7, "pending_check": 8,
               "ready_to_close": 9, "closed": 10}
    for _name, step in steps[:targets[until]]:
        change = step(change)
    return change.case_id


def _condition(db, class_id: int) -> int:
    with db.Session() as session:
        return session.scalar(select(FilingCondition.id).where(
            FilingCondition.class_id == class_id).order_by(FilingCondition.code).limit(1))
