"""Does the GUI thread ever wait on the network? Two measurements while a test runs:

- **stalls**: a 10 ms ``QTimer`` on the GUI thread records the gap between its ticks,
  less the time the thread sat runnable on the CPU's run queue (``/proc/thread-self/
  schedstat``): what remains is time the thread spent blocked or busy, not time a loaded
  machine made it wait for a core. ``longest_ms`` is the longest such gap;
- **network frames**: a watchdog thread samples the GUI thread's Python stack every 5 ms
  and keeps any sample inside database or socket code (``network_samples``).
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QTimer

NETWORK_CODE = ("psycopg", "sqlalchemy/engine", "sqlalchemy/pool", "socket.py", "ssl.py",
                "seatdesk/workflow/notify.py")


def _run_delay_ns(tid: int) -> int:
    """Nanoseconds thread ``tid`` has waited on a run queue (0 when not available)."""
    try:
        fields = Path(f"/proc/self/task/{tid}/schedstat").read_text().split()
    except OSError:
        return 0
    return int(fields[1])


class GuiMeter:
    def __init__(self, interval_ms: int = 10, sample_s: float = 0.005):
        self.interval_ms, self.sample_s = interval_ms, sample_s
        self.gaps_ms: list[float] = []
        self.network_samples: list[str] = []
        self._tid = threading.get_native_id()
        self._ident = threading.get_ident()
        self._timer = QTimer(interval=interval_ms, timeout=self._tick)
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._sample, name="gui-meter", daemon=True)
        self._last: tuple[float, int] | None = None

    def start(self) -> GuiMeter:
        self._last = (time.monotonic(), _run_delay_ns(self._tid))
        self._timer.start()
        self._watch.start()
        return self

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        self._watch.join(2)

    @property
    def longest_ms(self) -> float:
        return max(self.gaps_ms, default=0.0)

    def _tick(self) -> None:
        now, delay = time.monotonic(), _run_delay_ns(self._tid)
        then, before = self._last
        self.gaps_ms.append((now - then) * 1000 - (delay - before) / 1e6 - self.interval_ms)
        self._last = (now, delay)

    def _sample(self) -> None:
        while not self._stop.wait(self.sample_s):
            frame = sys._current_frames().get(self._ident)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)
            if any(part in entry.filename for entry in stack for part in NETWORK_CODE):
                self.network_samples.append("".join(traceback.format_list(stack[-30:])))
