"""A shift on a shared seat: twenty sign-ins and sign-outs in one process, every role, with
a case, the map and the statistics open each time (both backends) — no crash, nothing of
a signed-out workspace left behind, memory and threads flat.

The segfault this guards against lived in ``app.exec()`` (one event loop per session);
``tests/test_ui_shift_process.py`` runs the real ``seatdesk gui`` entry point for that."""

from __future__ import annotations

import gc
import os
import weakref
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from seatdesk.ui.session.shell import SeatShell
from tests.seat_helpers import PASSWORD, TIMEOUT, city_fixture  # noqa: F401 (fixture)

ROLES = ["shouli", "zhibanzhang", "paiqian", "bumen", "jiandu", "admin", "daping"]
# twenty sessions on the centre's backend; on the embedded one every role once and four more,
# enough to see that nothing grows (bench_seat --cycle-probe gives the memory figures)
CYCLES = {"postgresql": 20, "sqlite": len(ROLES) + 4}
MAP_MS = 60_000


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# Chromium's thread pool (QtWebEngine's browser side, in this process) starts workers when
# its tasks block and keeps them: 4 to 8 over twenty sessions on two cores, 4 more in one CI
# run. Chromium sizes it; what a session of ours can leak is any other thread — a listener,
# a QThread, Qt's pool beyond its cap, a Python thread — and those are what is counted.
CHROMIUM_POOL = ("ThreadPoolForeg", "ThreadPoolBackg")  # names cut to 15 bytes by Linux


def threads_by_name() -> Counter:
    names: Counter = Counter()
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as fh:
                names[fh.read().strip()] += 1
        except FileNotFoundError:  # the thread ended while we looked
            pass
    return names


def our_threads(names: Counter) -> int:
    return sum(n for name, n in names.items() if name not in CHROMIUM_POOL)


def sign_in(qtbot, shell: SeatShell, username: str):
    qtbot.waitUntil(lambda: shell.login is not None and shell.login.isVisible(), timeout=TIMEOUT)
    login = shell.login
    qtbot.keyClicks(login.username, username)
    qtbot.keyClicks(login.password, PASSWORD)
    with qtbot.waitSignal(shell.window_opened, timeout=TIMEOUT) as opened:
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    return opened.args[0]


def work_a_little(qtbot, window) -> None:
    """What a user does in a session: a case from 全部案件, the statistics, the map."""
    ws = window.workspace
    ws.workbox.select_box("all")
    qtbot.waitUntil(lambda: ws.workbox.model.rowCount() > 0, timeout=TIMEOUT)
    ws.workbox.table.setFocus()
    qtbot.keyClick(ws.workbox.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.detail.view is not None, timeout=TIMEOUT)
    if ws.kpi is not None:
        ws.show_page("kpi")
    qtbot.waitUntil(lambda: ws.map.is_ready, timeout=MAP_MS)
    qtbot.waitUntil(lambda: ws.seat.tasks.is_idle() and ws.map_tasks.is_idle(), timeout=TIMEOUT)


def sign_out(qtbot, shell: SeatShell, window) -> None:
    action = next(a for a in window.menuBar().actions()[0].menu().actions()
                  if a.objectName() == "qaction_sign_out")
    assert action.text() == "退出登录"
    with qtbot.waitSignal(shell.login_opened, timeout=TIMEOUT):
        action.trigger()


@pytest.mark.slow
def test_sign_ins_and_outs_of_every_role_in_one_process(city, qtbot):
    cycles = CYCLES[city.backend]
    shell = SeatShell(city.Session, f"{city.backend}: test", auto_refresh_ms=0)
    shell.start()
    left_behind: list[weakref.ref] = []
    widgets, threads, memory = [], [], []
    for cycle in range(cycles):
        window = sign_in(qtbot, shell, ROLES[cycle % len(ROLES)])
        work_a_little(qtbot, window)
        ws = window.workspace
        parts = (window, ws, ws.seat, ws.map, ws.detail, ws.workbox, ws.seat.tasks,
                 ws.seat.monitor, ws.live)
        sign_out(qtbot, shell, window)
        del window, ws
        left_behind.extend(weakref.ref(p) for p in parts)
        del parts
        qtbot.waitUntil(lambda: shell.window is None, timeout=TIMEOUT)
        qtbot.wait(50)  # the deferred deletion and the collection after it
        gc.collect()
        widgets.append(len(QApplication.allWidgets()))
        threads.append(threads_by_name())
        memory.append(rss_mib())
    with qtbot.waitSignal(shell.finished, timeout=TIMEOUT):
        shell.login.reject()
    alive = [type(r()).__name__ for r in left_behind if r() is not None]
    assert not alive, f"objects of signed-out workspaces still alive: {alive}"
    # between sessions only the login dialog is left; after the first round of roles
    # (caches, QtWebEngine's own threads) nothing grows per session
    assert set(widgets) == {widgets[0]}, widgets
    settled = threads[len(ROLES) - 1]
    worst = max(threads[len(ROLES):], key=our_threads)
    assert our_threads(worst) <= our_threads(settled) + 3, (
        f"threads grew per session: {dict(worst - settled)} more than after the first round "
        f"({[our_threads(t) for t in threads]})")
    growth = memory[-1] - memory[len(ROLES) - 1]
    assert growth < 25, f"{growth:.0f} MiB more after {cycles - len(ROLES)} more sessions: {memory}"
