"""Rate limits per handset token, partner key, sign-in and anonymous reader (``limits``,
moving window, in this process's memory: with several server processes each keeps its
own count, so the effective limit is the per-process limit × processes)."""

from __future__ import annotations

import math
import time

from limits import parse, storage, strategies

from .errors import ApiError


class Limiter:
    def __init__(self):
        self.strategy = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    def check(self, rate: str, *key: str) -> None:
        """Count one request for ``key``; refuse with 429 and Retry-After when over."""
        item = parse(rate)
        if self.strategy.hit(item, *key):
            return
        reset, _remaining = self.strategy.get_window_stats(item, *key)
        wait = max(1, math.ceil(reset - time.time()))
        raise ApiError(429, "rate_limited", f"请求过于频繁，请 {wait} 秒后再试",
                       {"Retry-After": str(wait)})
