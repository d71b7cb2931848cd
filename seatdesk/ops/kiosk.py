"""``seatdesk kiosk``: keep the wall display running on a wall machine.

Started at login by the package's autostart entry on every workstation: on a seat
(``profile = "seat"``) it returns at once; on a wall machine (``profile = "wall"``) it
starts ``seatdesk wall`` (fullscreen) and starts it again whenever it exits — a crash, a
lost database, somebody pressing Alt+F4. A wall that keeps failing within seconds is
restarted with a growing pause (2 s doubling to 60 s) so it does not spin; one that ran
for a while is restarted after 2 s. Each start and exit is logged on stderr and in
``<data dir>/kiosk.log``. SIGTERM (the session ending) stops the wall and the kiosk.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from seatdesk.config import data_dir, workstation_profile

FIRST_PAUSE_S = 2.0
MAX_PAUSE_S = 60.0
STABLE_AFTER_S = 30.0  # a wall that ran this long resets the pause


def run_kiosk(database_url: str | None, max_starts: int | None = None,
              pause_s: float = FIRST_PAUSE_S) -> int:
    if workstation_profile() != "wall":
        print("本机配置为坐席（profile = \"seat\"）：不启动大屏", file=sys.stderr)
        return 0
    command = [sys.executable, "-m", "seatdesk"]
    command += ["--database", database_url] if database_url else []
    command += ["wall"]
    child: list[subprocess.Popen] = []
    stopping = threading.Event()

    def stop(_signum, _frame) -> None:
        stopping.set()
        for proc in child:
            proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    pause, starts = pause_s, 0
    while not stopping.is_set() and (max_starts is None or starts < max_starts):
        starts += 1
        started = time.monotonic()
        _log(f"启动大屏（第{starts}次）：{' '.join(command)}")
        child[:] = [subprocess.Popen(command)]
        code = child[0].wait()
        ran = time.monotonic() - started
        last = stopping.is_set() or (max_starts is not None and starts >= max_starts)
        _log(f"大屏已退出（退出码 {code}，运行 {ran:.0f} 秒）"
             + ("" if last else f"，{pause:.1f} 秒后重新启动"))
        if last:
            break
        stopping.wait(pause)
        pause = pause_s if ran >= STABLE_AFTER_S else min(pause * 2, MAX_PAUSE_S)
    return 0


def _log(message: str) -> None:
    line = f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} seatdesk kiosk: {message}"
    print(line, file=sys.stderr, flush=True)
    try:
        with Path(data_dir(), "kiosk.log").open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    except OSError:
        pass  # the log file is a convenience; stderr has the same line
