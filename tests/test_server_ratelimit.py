"""The server's rate limiter on its own: a moving window per key (not a fixed window that
resets on the minute), Retry-After from the oldest admitted request, separate counts per
key and per rate, and keys forgotten once their window has passed. The clock is the
limiter's own (a counter here), so nothing waits; the HTTP behaviour (429 with
Retry-After per token, key, sign-in and reader) is in test_server_security.py."""

from __future__ import annotations

import pytest

from seatdesk.server.errors import ApiError
from seatdesk.server.ratelimit import SWEEP_S, Limiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refused(limiter: Limiter, rate: str, *key: str) -> ApiError | None:
    try:
        limiter.check(rate, *key)
    except ApiError as exc:
        return exc
    return None


def test_a_moving_window_admits_again_only_as_the_oldest_request_leaves_it():
    clock = Clock()
    limiter = Limiter(clock)
    for at in (0.0, 20.0, 40.0):  # three a minute, at 0 s, 20 s and 40 s
        clock.now = 1000.0 + at
        assert refused(limiter, "3/minute", "field", "7") is None
    clock.now = 1059.0
    exc = refused(limiter, "3/minute", "field", "7")
    assert exc is not None and exc.status == 429
    assert exc.headers == {"Retry-After": "1"}  # the request of 1000 s leaves at 1060 s
    assert "请求过于频繁，请 1 秒后再试" in str(exc.message)
    clock.now = 1060.0  # exactly a minute after the oldest: still within the window
    assert refused(limiter, "3/minute", "field", "7") is not None
    clock.now = 1060.5  # the oldest has left; the ones of 20 s and 40 s still count
    assert refused(limiter, "3/minute", "field", "7") is None
    exc = refused(limiter, "3/minute", "field", "7")
    assert exc is not None and exc.headers == {"Retry-After": "20"}  # 1020 + 60 - 1060.5


def test_refused_requests_do_not_count_and_each_key_and_rate_has_its_own_count():
    clock = Clock()
    limiter = Limiter(clock)
    assert refused(limiter, "2/minute", "partner", "1") is None
    assert refused(limiter, "2/minute", "partner", "1") is None
    for _ in range(5):
        assert refused(limiter, "2/minute", "partner", "1") is not None
    assert refused(limiter, "2/minute", "partner", "2") is None  # another key
    assert refused(limiter, "5/minute", "partner", "1") is None  # another rate
    clock.now += 60.5  # refused attempts did not push the window on
    assert refused(limiter, "2/minute", "partner", "1") is None


def test_rates_in_limits_notation_and_a_zero_rate_refuses_everything():
    clock = Clock()
    limiter = Limiter(clock)
    assert [refused(limiter, "2 per second", "k") is None for _ in range(3)] == [
        True, True, False]
    clock.now += 1.01
    assert refused(limiter, "2 per second", "k") is None
    exc = refused(limiter, "0/minute", "k")
    assert exc is not None and exc.headers == {"Retry-After": "60"}


def test_keys_whose_window_has_passed_are_forgotten():
    clock = Clock()
    limiter = Limiter(clock)
    for n in range(100):
        limiter.check("10/minute", "reader", str(n))
    clock.now += 30
    limiter.check("10/second", "busy")
    clock.now += SWEEP_S  # the next check sweeps: every key's window has passed but one
    limiter.check("10/minute", "reader", "fresh")
    assert sorted(k[-1] for k in limiter._windows) == ["fresh"]


@pytest.mark.parametrize("rate", ["3/minute", "1/second"])
def test_the_window_counts_every_admitted_request_within_it(rate):
    clock = Clock()
    limiter = Limiter(clock)
    amount = int(rate.split("/")[0])
    answers = []
    for _ in range(amount + 2):
        answers.append(refused(limiter, rate, "x") is None)
        clock.now += 0.001
    assert answers == [True] * amount + [False, False]
