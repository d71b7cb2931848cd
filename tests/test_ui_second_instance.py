"""A second seatdesk on the same computer signing in as a user whose workspace is open:
refused with a notice at the login dialog, and the open window comes to the front (two real
processes, both backends); once that user signs out the second one may sign in."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from seatdesk.ui.screenshots import save
from seatdesk.ui.session.shell import SeatShell
from seatdesk.ui.session.single_seat import SeatLock
from tests.seat_helpers import PASSWORD, TIMEOUT, city_fixture  # noqa: F401 (fixture)
from tests.test_ui_shift_process import ROOT, run_plan


def sign_in(qtbot, shell: SeatShell, username: str) -> None:
    qtbot.waitUntil(lambda: shell.login is not None and shell.login.isVisible(), timeout=TIMEOUT)
    login = shell.login
    qtbot.keyClicks(login.username, username)
    qtbot.keyClicks(login.password, PASSWORD)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)


def shell_for(city) -> SeatShell:
    shell = SeatShell(city.Session, "test", map_enabled=False, auto_refresh_ms=0, live=False)
    shell.start()
    return shell


def test_one_workspace_per_user_and_computer(city, qtbot):
    first, second = shell_for(city), shell_for(city)
    with qtbot.waitSignal(first.window_opened, timeout=TIMEOUT):
        sign_in(qtbot, first, "shouli")
    refused = second.login
    with qtbot.waitSignal(second.login_opened, timeout=TIMEOUT):  # the dialog again, saying why
        sign_in(qtbot, second, "shouli")
    assert second.login is not refused
    assert "已在本机另一个 seatdesk 窗口中登录" in second.login.error.text()
    if city.backend == "sqlite":
        qtbot.wait(100)
        save(second.login, "login_second_instance")
    assert second.window is None
    qtbot.waitUntil(lambda: "另一个窗口" in first.window.statusBar().currentMessage(),
                    timeout=TIMEOUT)
    # another user may sign in on the second; after a sign-out the first user may too
    with qtbot.waitSignal(first.login_opened, timeout=TIMEOUT):
        first.window.sign_out()
    with qtbot.waitSignal(second.window_opened, timeout=TIMEOUT):
        second.login.username.clear()
        sign_in(qtbot, second, "shouli")
    second.window.signing_out = True
    second.window.close()
    first.login.reject()


@pytest.mark.slow
def test_a_second_process_as_the_same_user_is_refused_and_raises_the_first(city):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    plan = [["sign_in", "shouli"], ["wait_raised"], ["sign_out"], ["quit"]]
    first = subprocess.Popen([sys.executable, "-m", "tests.seat_process", city.url,
                              json.dumps(plan)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             text=True)
    try:
        for line in first.stdout:
            if '"event": "sign_in"' in line:
                break
        code, events, stderr = run_plan(city.url, [["sign_in_refused", "shouli"], ["quit"]])
        assert code == 0, stderr[-3000:]
        (refused,) = [e for e in events if e["event"] == "refused"]
        assert "已在本机另一个 seatdesk 窗口中登录" in refused["notice"]
        out, _ = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0
    assert '"event": "raised"' in out


def test_a_deep_temporary_directory_still_gives_one_workspace_per_user(city, tmp_path,
                                                                       monkeypatch):
    """A ``TMPDIR`` too deep for a socket's address (the suite's own under xdist,
    ``/tmp/pytest-of-root/pytest-163/popen-gw0/…``): the lock moves to ``/tmp`` and still
    refuses a second workspace of the user. Before, listening failed and every sign-in was
    refused as "already signed in elsewhere" — a seat looping on its login dialog."""
    deep = tmp_path / ("d" * 90)
    deep.mkdir()
    monkeypatch.setenv("TMPDIR", str(deep))
    first, other, again = (SeatLock(city.url, user)
                           for user in ("shouli", "zhibanzhang", "shouli"))
    assert first.name.startswith("/tmp/seatdesk-") and len(first.name) <= 100
    try:
        assert first.acquire() and first.server is not None and first.server.isListening()
        assert not SeatLock(city.url, "shouli").acquire()  # the first answered
        assert other.acquire() and other.server.isListening()  # another user may
        first.release()
        assert again.acquire() and again.server.isListening()  # released: the user may again
    finally:
        for lock in (first, other, again):
            lock.release()
