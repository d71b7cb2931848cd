"""Rate limits per handset token, partner key, sign-in and anonymous reader (moving window,
in this process's memory: with several server processes each keeps its own count, so the
effective limit is the per-process limit × processes).

The rates are written in ``limits`` notation (``300/minute``; ``limits.parse``). The
window itself is kept here: a request is refused when the limit's worth of requests
were already admitted within the window before it (a moving window, as
``limits.MovingWindowRateLimiter``), and Retry-After says when the oldest of them leaves
it. ``limits``' in-memory storage started a timer thread every 10 ms to expire its
entries, and copied its per-key list at every hit: about a twentieth of a server
worker's CPU under sustained intake (docs/performance.md); here a key is a bounded deque
of admission times, and keys whose window has passed are swept at most once a minute.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import deque

from limits import parse

from .errors import ApiError

SWEEP_S = 60.0


@functools.lru_cache(maxsize=64)
def _rate(rate: str) -> tuple[int, float]:
    """(requests admitted per window, the window in seconds) of a ``limits`` rate."""
    item = parse(rate)
    return item.amount, float(item.get_expiry())


class Limiter:
    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._windows: dict[tuple, tuple[float, deque[float]]] = {}
        self._lock = threading.Lock()  # checks run on the event loop and in threads
        self._swept = clock()

    def check(self, rate: str, *key: str) -> None:
        """Count one request for ``key``; refuse with 429 and Retry-After when over."""
        amount, window = _rate(rate)
        now = self._clock()
        with self._lock:
            if now - self._swept >= SWEEP_S:
                self._sweep(now)
            kept = self._windows.get((rate, *key))
            if kept is None:
                kept = self._windows[(rate, *key)] = (window, deque(maxlen=max(amount, 1)))
            admitted = kept[1]
            if amount > 0 and (len(admitted) < amount or admitted[0] < now - window):
                admitted.append(now)  # the oldest (out of the window by now) falls off
                return
            oldest = admitted[0] if admitted else now
        wait = max(1, math.ceil(oldest + window - now))
        raise ApiError(429, "rate_limited", f"请求过于频繁，请 {wait} 秒后再试",
                       {"Retry-After": str(wait)})

    def _sweep(self, now: float) -> None:
        """Forget the keys none of whose requests is within its window any more."""
        self._swept = now
        for key in [k for k, (window, admitted) in self._windows.items()
                    if not admitted or admitted[-1] <= now - window]:
            del self._windows[key]
