"""The server's periodic thread (``server/periodic.Periodic``): the 12345 outbox and the
notification queue's watch run on it."""

from __future__ import annotations

import logging
import threading

from seatdesk.server.periodic import Periodic


def test_a_failing_turn_is_logged_by_class_only_and_the_next_turn_runs(caplog):
    turns, done = [], threading.Event()

    def task():
        turns.append(len(turns))
        if len(turns) == 1:
            raise RuntimeError("SELECT secret FROM partners")  # a driver's text with SQL
        if len(turns) == 3:
            done.set()

    thread = Periodic("test-periodic", 0.01, task, logging.getLogger("test.periodic"),
                      "test task")
    with caplog.at_level(logging.INFO, logger="test.periodic"):
        thread.start()
        assert done.wait(30)
        thread.stop(10)
    assert turns[:3] == [0, 1, 2]
    messages = [r.getMessage() for r in caplog.records if r.name == "test.periodic"]
    assert messages == ["test task: RuntimeError"]  # the exception's text (SQL) not logged
    assert not any(t.name == "test-periodic" for t in threading.enumerate())


def test_stop_ends_the_thread_without_waiting_for_its_next_turn():
    ran = threading.Event()
    thread = Periodic("test-periodic-2", 3600, ran.set, logging.getLogger("test.periodic"),
                      "never")
    thread.start()
    thread.stop(10)  # waits no hour: the wait is the stop event's
    assert not ran.is_set() and thread.stopping
    assert not any(t.name == "test-periodic-2" for t in threading.enumerate())
