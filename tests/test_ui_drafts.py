"""Drafts never vanish: an unsaved hotline report or an action dialog's typed text is kept
on this computer while it is typed, asked about at sign-out and at closing the window
(保存草稿 / 放弃 / 取消), offered back at the next sign-in of the same user, and gone once
the work is saved. Both backends; SIGKILL mid-typing: tests/test_ui_drafts_process.py."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from seatdesk.models import Case
from seatdesk.ui.screenshots import save
from seatdesk.ui.session.draft_store import DraftStore, Owner
from seatdesk.ui.session.shell import SeatShell
from tests.seat_helpers import (
    PASSWORD,
    TIMEOUT,
    city_fixture,  # noqa: F401 (fixture)
    open_case,
    press,
    type_text,
    walk_case,
)


@pytest.fixture
def shell(city, qtbot):
    shell = SeatShell(city.Session, f"{city.backend}: test", map_enabled=False,
                      auto_refresh_ms=0)
    shell.start()
    yield shell
    if shell.window is not None:
        shell.window.signing_out = True  # teardown: no question
        shell.window.close()
    if shell.login is not None:
        shell.login.reject()


def sign_in(qtbot, shell, username: str):
    qtbot.waitUntil(lambda: shell.login is not None and shell.login.isVisible(), timeout=TIMEOUT)
    qtbot.keyClicks(shell.login.username, username)
    qtbot.keyClicks(shell.login.password, PASSWORD)
    with qtbot.waitSignal(shell.window_opened, timeout=TIMEOUT) as opened:
        qtbot.keyClick(shell.login.password, Qt.Key.Key_Return)
    window = opened.args[0]
    qtbot.waitUntil(lambda: window.workspace.seat.tasks.is_idle()
                    and window.workspace.drafts.writer.is_idle(), timeout=TIMEOUT)
    return window


def offered(qtbot, window):
    """The drafts dialog the workspace opens at sign-in."""
    offer = window.workspace.draft_offer
    qtbot.waitUntil(lambda: offer.dialog is not None and offer.dialog.isVisible(),
                    timeout=TIMEOUT)
    return offer.dialog


def nothing_offered(qtbot, window) -> None:
    qtbot.waitUntil(window.workspace.drafts.writer.is_idle, timeout=TIMEOUT)
    qtbot.wait(100)
    assert window.workspace.draft_offer.dialog is None


def answer(qtbot, window, button: str) -> None:
    """Answer the 保存草稿 / 放弃 / 取消 question (leaveKeep / leaveDiscard / leaveCancel)."""
    qtbot.waitUntil(lambda: getattr(window, "leave_prompt", None) is not None
                    and window.leave_prompt.isVisible(), timeout=TIMEOUT)
    prompt = window.leave_prompt
    assert [b.text() for b in prompt.buttons()] == ["保存草稿", "放弃", "取消"] or \
        sorted(b.text() for b in prompt.buttons()) == sorted(["保存草稿", "放弃", "取消"])
    qtbot.mouseClick(prompt.findChild(type(prompt.keep), button), Qt.MouseButton.LeftButton)


def type_report(qtbot, window) -> None:
    ws = window.workspace
    press(qtbot, ws, "Ctrl+N")
    form = ws.intake
    type_text(qtbot, form.caller_name, "王先生")
    qtbot.keyClicks(form.caller_phone, "13912345678")
    type_text(qtbot, form.description.text, "井盖松动，车辆经过有响声")


def stored(city, window) -> list:
    drafts = window.workspace.drafts
    drafts.flush_and_wait()
    return DraftStore().drafts(drafts.owner)


def test_a_report_typed_before_sign_out_comes_back_at_the_next_sign_in(city, shell, qtbot):
    window = sign_in(qtbot, shell, "shouli")
    type_report(qtbot, window)
    key = window.workspace.intake.intake_key
    (draft,) = stored(city, window)  # kept while typed, before anyone asks
    assert draft.kind == "intake" and draft.payload["intake_key"] == key
    assert draft.payload["description"] == "井盖松动，车辆经过有响声"
    window.sign_out()
    if city.backend == "sqlite":
        qtbot.waitUntil(lambda: getattr(window, "leave_prompt", None) is not None, timeout=TIMEOUT)
        qtbot.wait(100)
        save(window.leave_prompt, "leave_prompt")
    answer(qtbot, window, "leaveKeep")
    qtbot.waitUntil(lambda: shell.login is not None, timeout=TIMEOUT)

    window = sign_in(qtbot, shell, "shouli")
    dialog = offered(qtbot, window)
    assert dialog.list.count() == 1 and "王先生" in dialog.list.item(0).text()
    if city.backend == "sqlite":
        save(dialog, "drafts_dialog")
    qtbot.mouseClick(dialog.restore, Qt.MouseButton.LeftButton)
    form = window.workspace.intake
    assert window.workspace.pages.currentWidget().widget() is form
    assert (form.caller_name.text(), form.caller_phone.text(), form.description.value()) == (
        "王先生", "13912345678", "井盖松动，车辆经过有响声")
    assert form.intake_key == key  # the same report: the same idempotency key


def test_cancel_keeps_the_session_and_discard_drops_the_draft(city, shell, qtbot):
    window = sign_in(qtbot, shell, "shouli")
    type_report(qtbot, window)
    window.sign_out()
    answer(qtbot, window, "leaveCancel")
    assert window.isVisible() and shell.window is window
    assert window.workspace.intake.caller_name.text() == "王先生"
    window.close()  # the window's close asks the same question
    answer(qtbot, window, "leaveDiscard")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    shell.show_login()  # the closed window would end the process: sign in again instead

    window = sign_in(qtbot, shell, "shouli")
    nothing_offered(qtbot, window)
    assert stored(city, window) == []


def test_drafts_belong_to_their_user(city, shell, qtbot):
    window = sign_in(qtbot, shell, "shouli")
    type_report(qtbot, window)
    window.sign_out()
    answer(qtbot, window, "leaveKeep")
    window = sign_in(qtbot, shell, "zhibanzhang")
    nothing_offered(qtbot, window)
    owner = window.workspace.drafts.owner
    others = DraftStore().drafts(Owner(owner.database, owner.user_id + 999))
    assert others == []


def test_registering_the_report_ends_its_draft(city, shell, qtbot):
    from tests.test_ui_intake import choose_place

    window = sign_in(qtbot, shell, "shouli")
    type_report(qtbot, window)
    form = window.workspace.intake
    qtbot.waitUntil(lambda: bool(form.class_picker.entries), timeout=TIMEOUT)
    choose_place(qtbot, form, "燕山路")
    assert len(stored(city, window)) == 1
    key = form.intake_key
    with qtbot.waitSignal(form.case_registered, timeout=2 * TIMEOUT) as registered:
        press(qtbot, form, "Ctrl+S")
        qtbot.waitUntil(lambda: "Ctrl+S" in form.status.text() or form.is_blank(),
                        timeout=2 * TIMEOUT)
        if not form.is_blank():
            press(qtbot, form, "Ctrl+S")  # duplicates on screen: a new case anyway
    qtbot.waitUntil(form.is_blank, timeout=TIMEOUT)
    assert stored(city, window) == []
    with city.Session() as session:  # the draft's key is the registration's idempotency key
        assert session.get(Case, registered.args[0]).intake_key == key
    window.sign_out()  # nothing unsaved: no question
    qtbot.waitUntil(lambda: shell.login is not None, timeout=TIMEOUT)


def test_an_action_dialogs_text_survives_closing_the_window(city, shell, qtbot):
    case_id = walk_case(city, "dispatched")
    window = sign_in(qtbot, shell, "zhibanzhang")
    open_case(qtbot, window, case_id)
    ws = window.workspace
    with qtbot.waitSignal(ws.detail.dialog_opened, timeout=TIMEOUT) as opened:
        ws.detail.start_action("urge")
    dialog = opened.args[0]
    type_text(qtbot, dialog.reason.text, "请今天下班前处理完毕")
    window.close()
    answer(qtbot, window, "leaveKeep")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    shell.show_login()

    window = sign_in(qtbot, shell, "zhibanzhang")
    dialog = offered(qtbot, window)
    assert "督办" in dialog.list.item(0).text()
    ws = window.workspace
    with qtbot.waitSignal(ws.detail.dialog_opened, timeout=TIMEOUT) as opened:
        qtbot.mouseClick(dialog.restore, Qt.MouseButton.LeftButton)
    urge = opened.args[0]
    qtbot.waitUntil(lambda: urge.reason.value() == "请今天下班前处理完毕", timeout=TIMEOUT)
    assert urge.notice.isVisible()  # says where the text came from
    # Cancel keeps it; doing the action ends it
    urge.reject()
    assert len(stored(city, window)) == 1
    with qtbot.waitSignal(ws.detail.dialog_opened, timeout=TIMEOUT) as opened:
        ws.detail.start_action("urge")
    again = opened.args[0]
    qtbot.waitUntil(lambda: again.reason.value() == "请今天下班前处理完毕", timeout=TIMEOUT)
    qtbot.mouseClick(again.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not again.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(ws.drafts.writer.is_idle, timeout=TIMEOUT)
    assert stored(city, window) == []
    QApplication.processEvents()
