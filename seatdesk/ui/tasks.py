"""Run database work off the GUI thread and hand plain results back to it.

Every query runs in a worker thread with its own session and returns frozen values.
A ``Query`` carries a generation number per key: a late reply to an older request
for the same key is dropped, so it never overwrites newer state (git-cola's guard).
"""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Signals(QObject):
    done = Signal(object, int, object, object)  # key, generation, result, error text


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], key: str, generation: int, signals: _Signals):
        super().__init__()
        self.fn, self.key, self.generation, self.signals = fn, key, generation, signals

    def run(self) -> None:
        try:
            result, error = self.fn(), None
        except Exception as exc:  # reported to the GUI thread, never swallowed
            result, error = None, (exc, traceback.format_exc())
        signals, self.fn, self.signals = self.signals, None, None
        # PySide6 6.11 now and then deletes a finished Python QRunnable without releasing
        # its wrapper (about one per signed-out workspace, tests/test_ui_shift.py): whatever
        # the job still held — its closure, i.e. the seat — would stay alive with it
        signals.done.emit(self.key, self.generation, result, error)


class TaskRunner(QObject):
    """Submit callables by key; only the newest reply per key reaches its callbacks."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._signals = _Signals()
        self._signals.done.connect(self._deliver)
        self._gen = itertools.count(1)
        self._latest: dict[str, int] = {}
        self._callbacks: dict[tuple[str, int], tuple[Callable, Callable | None]] = {}

    def submit(self, key: str, fn: Callable[[], Any], on_success: Callable[[Any], None],
               on_failure: Callable[[Exception, str], None] | None = None) -> int:
        generation = next(self._gen)
        self._latest[key] = generation
        self._callbacks[(key, generation)] = (on_success, on_failure)
        self.pool.start(_Job(fn, key, generation, self._signals))
        return generation

    @Slot(object, int, object, object)
    def _deliver(self, key: str, generation: int, result: Any, error: Any) -> None:
        on_success, on_failure = self._callbacks.pop((key, generation))
        if self._latest.get(key) != generation:
            return  # stale: a newer request for this key is in flight or done
        if error is None:
            on_success(result)
        elif on_failure is not None:
            on_failure(*error)

    def is_idle(self) -> bool:
        """True when no submitted job is still waiting to deliver its reply."""
        return not self._callbacks

    def wait(self, msecs: int = 30_000) -> bool:
        return self.pool.waitForDone(msecs)
