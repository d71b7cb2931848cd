"""Login and password change, driven through the dialogs as a user would (both backends)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from seatdesk.models import User
from seatdesk.ui.session.app import make_application
from seatdesk.ui.session.login_dialog import ChangePasswordDialog, LoginDialog
from seatdesk.ui.screenshots import save
from seatdesk.workflow.auth import FAILED, verify_password
from tests.casedata import PASSWORD, read_back  # noqa: F401  (registers the seed)


@pytest.fixture
def db(make_db):
    make_application(language="zh_CN")
    return make_db("casedata")


def open_login(qtbot, db) -> LoginDialog:
    dialog = LoginDialog(db.Session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.centre.text().startswith("溧阳市"), timeout=30_000)
    return dialog


def type_login(qtbot, dialog: LoginDialog, username: str, password: str) -> None:
    dialog.username.clear()
    dialog.password.clear()
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def wait_answer(qtbot, dialog: LoginDialog) -> None:
    qtbot.waitUntil(lambda: dialog.username.isEnabled(), timeout=30_000)


def test_sign_in_as_a_role(qtbot, db):
    dialog = open_login(qtbot, db)
    assert dialog.windowTitle() == "seatdesk — 登录"
    if db.backend == "sqlite":
        save(dialog, "login")
    with qtbot.waitSignal(dialog.logged_in_as, timeout=30_000) as signal:
        type_login(qtbot, dialog, "dispatcher", PASSWORD)
    assert signal.args[0].role == "dispatcher"
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.logged_in.username == "dispatcher"


def test_wrong_password_then_lockout(qtbot, db):
    dialog = open_login(qtbot, db)
    type_login(qtbot, dialog, "acceptor", "not-the-password")
    wait_answer(qtbot, dialog)
    assert dialog.error.text() == FAILED
    assert dialog.password.text() == "" and dialog.isVisible()
    type_login(qtbot, dialog, "nobody", PASSWORD)
    wait_answer(qtbot, dialog)
    assert dialog.error.text() == FAILED  # no hint whether the user exists
    assert dialog.isVisible()  # Enter after a refusal signs in again, never cancels
    for _ in range(4):
        type_login(qtbot, dialog, "acceptor", "wrong-again")
        wait_answer(qtbot, dialog)
    assert dialog.error.text() == FAILED  # locked now, and the message does not say so
    if db.backend == "sqlite":
        save(dialog, "login_locked")
    type_login(qtbot, dialog, "acceptor", PASSWORD)  # even the right password is refused now
    wait_answer(qtbot, dialog)
    assert dialog.error.text() == FAILED
    assert dialog.logged_in is None
    with db.Session() as s:
        user = s.scalar(select(User).where(User.username == "acceptor"))
        assert user.failed_logins == 6 and user.locked_until is not None  # as on PostgreSQL


def test_empty_fields_are_refused_without_a_query(qtbot, db):
    dialog = open_login(qtbot, db)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.error.text() == "请输入用户名和密码"


def test_forced_password_change_at_first_login(qtbot, db):
    with db.Session.begin() as session:
        user = session.scalar(select(User).where(User.username == "shift_lead"))
        user.must_change_password = True
    dialog = open_login(qtbot, db)
    type_login(qtbot, dialog, "shift_lead", PASSWORD)
    qtbot.waitUntil(lambda: getattr(dialog, "change_dialog", None) is not None, timeout=30_000)
    change: ChangePasswordDialog = dialog.change_dialog
    assert change.isVisible() and change.notice.isVisible()
    assert dialog.logged_in is None  # not signed in before the change
    qtbot.keyClicks(change.new, "new-pass-1")
    qtbot.keyClicks(change.repeat, "new-pass-2")
    qtbot.keyClick(change.repeat, Qt.Key.Key_Return)
    assert change.error.text() == "两次输入的新密码不一致"
    if db.backend == "sqlite":
        save(change, "change_password")
    change.new.clear()
    change.repeat.clear()
    qtbot.keyClicks(change.new, "short")
    qtbot.keyClicks(change.repeat, "short")
    qtbot.keyClick(change.repeat, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: change.new.isEnabled(), timeout=30_000)
    assert change.error.text() == "新密码至少 8 位"  # the rule of auth.change_password
    change.new.clear()
    change.repeat.clear()
    with qtbot.waitSignal(dialog.logged_in_as, timeout=30_000):
        qtbot.keyClicks(change.new, "a-better-pass-42")
        qtbot.keyClicks(change.repeat, "a-better-pass-42")
        qtbot.keyClick(change.repeat, Qt.Key.Key_Return)
    assert dialog.logged_in.role == "shift_lead"
    with db.Session() as session:
        user = session.scalar(select(User).where(User.username == "shift_lead"))
        assert not user.must_change_password
        assert verify_password(user.password_hash, "a-better-pass-42")


def test_cancelling_the_forced_change_cancels_the_login(qtbot, db):
    with db.Session.begin() as session:
        session.scalar(select(User).where(User.username == "admin")).must_change_password = True
    dialog = open_login(qtbot, db)
    type_login(qtbot, dialog, "admin", PASSWORD)
    qtbot.waitUntil(lambda: getattr(dialog, "change_dialog", None) is not None, timeout=30_000)
    dialog.change_dialog.reject()
    assert dialog.logged_in is None and dialog.isVisible()
    assert dialog.error.text() == "必须先修改密码才能登录"


def test_a_demo_database_shows_its_accounts(qtbot, make_db):
    """The demo's login dialog offers its accounts with their departments (a click fills
    the user name); a database without demo accounts shows no hint."""
    demo = make_db("demo_small")
    dialog = LoginDialog(demo.Session)
    qtbot.addWidget(dialog)
    dialog.show()
    hint = dialog.demo
    qtbot.waitUntil(hint.isVisible, timeout=30_000)
    assert hint.toggle.text() == "演示数据库：查看演示账号" and not hint.table.isVisible()
    qtbot.mouseClick(hint.toggle, Qt.MouseButton.LeftButton)
    assert hint.table.isVisible()
    text = hint.table.text()
    assert "seatdesk-demo" in text and "bumen" in text and "城市管理综合行政执法大队" in text
    assert "值班长" in text and "bm_hjws" in hint.table.toolTip()
    hint.table.linkActivated.emit("bumen")  # what a click on the name does
    assert dialog.username.text() == "bumen" and dialog.password.hasFocus()
    if demo.backend == "sqlite":
        save(dialog, "login_demo")
    with qtbot.waitSignal(dialog.logged_in_as, timeout=30_000) as signal:
        qtbot.keyClicks(dialog.password, "seatdesk-demo")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert signal.args[0].username == "bumen"


def test_no_demo_hint_on_a_real_database(qtbot, db):
    dialog = open_login(qtbot, db)  # the centre's name has arrived with the (empty) list
    assert not dialog.demo.isVisible() and dialog.demo.table.text() == ""
