"""Garbage cycles are freed on the GUI thread only (seatdesk/ui/gui_gc.py): a cycle of Qt
wrappers freed on a database worker thread deletes QObjects from a thread that does not
own them."""

from __future__ import annotations

import gc
import threading

from tests.seat_helpers import application


class _Cycle:
    def __init__(self, freed_on: list[bool]):
        self.me, self.freed_on = self, freed_on

    def __del__(self):
        self.freed_on.append(threading.current_thread() is threading.main_thread())


def test_a_worker_thread_allocating_never_frees_the_gui_threads_cycles(qtbot):
    application()
    assert not gc.isenabled()  # the application's collector owns collection
    gc.collect()  # the cycles below are the youngest generation's only garbage
    freed_on: list[bool] = []
    for _ in range(50):
        _Cycle(freed_on)
    rows: list = []

    def churn():  # what a query does: thousands of containers, kept (its result rows)
        rows.append([[i] for i in range(200_000)])

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    assert freed_on == []  # with automatic collection the worker would have freed them
    qtbot.waitUntil(lambda: len(freed_on) == 50, timeout=30_000)  # the GUI thread's timer
    assert all(freed_on)
