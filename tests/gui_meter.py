"""Does the GUI thread ever wait on the network? Two measurements while a test runs:

- **stalls**: a 10 ms ``QTimer`` on the GUI thread records the gap between its ticks,
  less the time the thread sat runnable on the CPU's run queue (``/proc/thread-self/
  schedstat``): what remains is time the thread spent blocked or busy, not time a loaded
  machine made it wait for a core. ``longest_ms`` is the longest such gap;
- **network frames**: every 5 ms an interval timer's signal interrupts the GUI thread (the
  main thread, where Python runs signal handlers) and the handler keeps the thread's Python
  stack if it is inside database or socket code (``network_samples``). A call blocked in C
  is seen as soon as it returns to the Python code that made it. (A watchdog thread reading
  ``sys._current_frames()`` did this before: CPython 3.11 crashed in it, in one suite run,
  while another thread's frames were changing.)
"""

from __future__ import annotations

import signal
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
        self._timer = QTimer(interval=interval_ms, timeout=self._tick)
        self._last: tuple[float, int] | None = None
        self._previous = None
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("GuiMeter samples the main thread: start it there")

    def start(self) -> GuiMeter:
        self._last = (time.monotonic(), _run_delay_ns(self._tid))
        self._timer.start()
        self._previous = signal.signal(signal.SIGALRM, self._sample)
        signal.siginterrupt(signal.SIGALRM, False)  # restart, not fail, interrupted calls
        signal.setitimer(signal.ITIMER_REAL, self.sample_s, self.sample_s)
        return self

    def stop(self) -> None:
        self._timer.stop()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._previous or signal.SIG_DFL)

    @property
    def longest_ms(self) -> float:
        return max(self.gaps_ms, default=0.0)

    def _tick(self) -> None:
        now, delay = time.monotonic(), _run_delay_ns(self._tid)
        then, before = self._last
        self.gaps_ms.append((now - then) * 1000 - (delay - before) / 1e6 - self.interval_ms)
        self._last = (now, delay)

    def _sample(self, _signum, frame) -> None:
        if frame is None:
            return
        stack = traceback.extract_stack(frame)
        if any(part in entry.filename for entry in stack for part in NETWORK_CODE):
            self.network_samples.append("".join(traceback.format_list(stack[-30:])))
