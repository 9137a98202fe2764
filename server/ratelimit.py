"""Per-sender rate limit (sliding window). Over the limit, the citizen gets one polite reply per
window and further messages are dropped until the window frees up."""
from __future__ import annotations

import enum
import time
from collections import deque
from typing import Callable, Deque, Dict, Tuple


class Verdict(enum.Enum):
    OK = "ok"
    NOTIFY = "notify"  # over the limit: answer politely, do not run a turn
    DROP = "drop"  # over the limit and already told


class RateLimiter:
    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, limit)
        self.window_s = window_s
        self.clock = clock
        self._hits: Dict[str, Tuple[Deque[float], list]] = {}
        self._calls = 0

    def check(self, key: str) -> Verdict:
        now = self.clock()
        self._calls += 1
        if self._calls % 1000 == 0:
            self._purge(now)
        hits, told = self._hits.setdefault(key, (deque(), [None]))
        while hits and now - hits[0] >= self.window_s:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            return Verdict.OK
        if told[0] is not None and now - told[0] < self.window_s:
            return Verdict.DROP
        told[0] = now
        return Verdict.NOTIFY

    def _purge(self, now: float) -> None:
        idle = [k for k, (hits, told) in self._hits.items()
                if (not hits or now - hits[-1] >= self.window_s) and (told[0] is None or now - told[0] >= self.window_s)]
        for key in idle:
            del self._hits[key]
