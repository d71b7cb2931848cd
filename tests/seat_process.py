"""Run the real ``seatdesk gui`` (``run_gui``: the one event loop, the map, the login
dialog) in a child process, driven by a plan of steps, reporting what it did as JSON lines
on stdout. The tests use it for what only a whole process shows: the crash at the second
sign-out lived in ``app.exec()``, and a draft must survive SIGKILL.

    python -m tests.seat_process DATABASE_URL '[["sign_in", "shouli"], ["sign_out"], …]'

Steps: ``sign_in USER``, ``sign_out`` (answers a drafts prompt with ``discard``),
``wait_map``, ``intake_type OBJECT_NAME TEXT`` (types into the intake form, key by key),
``intake_type_slowly OBJECT_NAME TEXT`` (one character per 100 ms, each reported with the
monotonic clock: the test kills the process in the middle), ``restore_offered`` (takes the
first draft the drafts dialog offers), ``report`` (prints the intake form's fields),
``modules`` (reports which of the large optional packages the process has imported),
``quit`` (closes the login dialog). The driver polls the top-level widgets every 100 ms, as
a person at the screen would look at it.
"""

from __future__ import annotations

import faulthandler
import json
import sys
import threading
import time

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit

from seatdesk.config import ResolvedDatabase
from seatdesk.ui.session.app import make_application, run_gui
from seatdesk.ui.session.login_dialog import LoginDialog
from seatdesk.ui.session.main_window import MainWindow

PASSWORD = "seatdesk-demo"
STEP_TIMEOUT_S = 60


_SAYING = threading.Lock()


def say(event: str, **data) -> None:
    """One event, one line: ``draft_kept`` comes from the draft keeper's worker thread,
    and two ``print`` calls at once can interleave their text and newlines (seen: two
    events on one line, the parent's json.loads failed)."""
    line = json.dumps({"event": event, **data}, ensure_ascii=False) + "\n"
    with _SAYING:
        sys.stdout.write(line)
        sys.stdout.flush()


def report_draft_writes(store) -> None:
    """Say ``draft_kept`` with the description's length each time an intake draft is on
    disk (after the store's write returned, on the keeper's worker): what a kill from
    then on cannot lose — a fact to compare with, not a time."""
    if getattr(store, "_reported", False):
        return
    save = store.save

    def reported(owner, key, kind, summary, payload, **options):
        result = save(owner, key, kind, summary, payload, **options)
        if kind == "intake":
            say("draft_kept", description=len(payload.get("description") or ""))
        return result

    store.save, store._reported = reported, True


def type_into(widget, text: str) -> None:
    widget.setFocus()
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                     char))


class Driver:
    def __init__(self, plan: list[list[str]]):
        self.plan = list(plan)
        self.busy_with: object = None
        self.since = time.monotonic()
        self.timer = QTimer(interval=100, timeout=self.tick)
        self.timer.start()

    @staticmethod
    def visible(kind):
        return next((w for w in QApplication.topLevelWidgets()
                     if isinstance(w, kind) and w.isVisible()), None)

    def tick(self) -> None:
        if not self.plan:
            return
        step, *args = self.plan[0]
        if getattr(self, f"step_{step}")(*args):
            say(step, args=args)
            self.plan.pop(0)
            self.since = time.monotonic()
        elif time.monotonic() - self.since > STEP_TIMEOUT_S:
            say("timeout", step=step, args=args)
            QApplication.instance().exit(3)

    def step_sign_in(self, username: str) -> bool:
        login = self.visible(LoginDialog)
        if login is None or not login.username.isEnabled() or self.busy_with is login:
            window = self.visible(MainWindow)
            return window is not None and window.user.username == username and \
                window.workspace is not None
        self.busy_with = login
        login.username.setText(username)
        login.password.setText(PASSWORD)
        login.submit()
        return False

    def step_sign_out(self) -> bool:
        window = self.visible(MainWindow)
        if window is None:
            return self.visible(LoginDialog) is not None
        prompt = getattr(window, "leave_prompt", None)
        if prompt is not None and prompt.isVisible():
            prompt.drop.click()
        else:
            window.sign_out()
        return False

    def step_wait_map(self) -> bool:
        window = self.visible(MainWindow)
        return window is not None and window.workspace.map.is_ready

    def step_intake_type(self, name: str, text: str) -> bool:
        window = self.visible(MainWindow)
        window.workspace.show_page("intake")
        form = window.workspace.intake
        widget = form.findChild(QLineEdit, name) or form.findChild(QPlainTextEdit, name)
        type_into(widget, text)
        return True

    def step_intake_type_slowly(self, name: str, text: str) -> bool:
        window = self.visible(MainWindow)
        form = window.workspace.intake
        window.workspace.show_page("intake")
        widget = form.findChild(QLineEdit, name) or form.findChild(QPlainTextEdit, name)
        done = getattr(self, "_typed", 0)
        if done == 0:
            report_draft_writes(window.workspace.drafts.store)
        type_into(widget, text[done])
        self._typed = done + 1
        say("typed", n=self._typed, at=time.monotonic(), intake_key=form.intake_key)
        if self._typed < len(text):
            return False
        self._typed = 0
        return True

    def step_restore_offered(self) -> bool:
        window = self.visible(MainWindow)
        offer = window.workspace.draft_offer if window is not None else None
        if offer is None or offer.dialog is None or not offer.dialog.isVisible():
            return False
        offer.dialog.restore.click()
        return True

    def step_sign_in_refused(self, username: str) -> bool:
        """Sign in as a user whose workspace is open in another process: the notice."""
        login = self.visible(LoginDialog)
        if self.visible(MainWindow) is not None:
            say("not_refused")
            QApplication.instance().exit(4)
            return False
        if login is None:
            return False
        if "已在本机另一个" in login.error.text():
            say("refused", notice=login.error.text())
            return True
        if self.busy_with is None:
            self.busy_with = login
            login.username.setText(username)
            login.password.setText(PASSWORD)
            login.submit()
        return False

    def step_wait_raised(self) -> bool:
        window = self.visible(MainWindow)
        message = window.statusBar().currentMessage() if window is not None else ""
        if "another" in message or "另一" in message:
            say("raised", message=message)
            return True
        return False

    def step_report(self) -> bool:
        form = self.visible(MainWindow).workspace.intake
        draft = form.draft()
        say("intake", caller_name=draft.caller_name, caller_phone=draft.caller_phone,
            description=draft.description, intake_key=getattr(draft, "intake_key", ""))
        return True

    def step_modules(self) -> bool:
        say("imported", loaded=sorted(name for name in ("pypinyin",)
                                     if name in sys.modules))
        return True

    def step_quit(self) -> bool:
        login = self.visible(LoginDialog)
        if login is not None:
            login.reject()
        return login is not None


def main(argv: list[str]) -> int:
    faulthandler.enable()
    url, plan = argv[0], json.loads(argv[1])
    make_application(language="zh_CN")
    driver = Driver(plan)
    code = run_gui(ResolvedDatabase(url, "test"))
    say("exit", code=code, left=driver.plan)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
