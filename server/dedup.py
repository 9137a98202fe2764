"""Recognise duplicate webhook deliveries (Zalo and Meta retry until they get a 200 in time).

`DedupStore` is the interface; `MemoryDedup` (one gateway process) is the default. A shared
store for several gateway replicas implements `first_time` as one atomic operation, e.g. Redis
`SET key 1 NX EX ttl`.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Protocol


class DedupStore(Protocol):
    def first_time(self, key: str) -> bool:
        """True exactly once per key within the TTL (check-and-set in one step)."""


class MemoryDedup:
    def __init__(self, ttl_s: float, max_keys: int = 200_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_keys = max_keys
        self.clock = clock
        self._expiry: "OrderedDict[str, float]" = OrderedDict()  # insertion order = expiry order
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            while self._expiry:
                oldest, expires = next(iter(self._expiry.items()))
                if expires > now and len(self._expiry) < self.max_keys:
                    break
                del self._expiry[oldest]
            if key in self._expiry:
                return False
            self._expiry[key] = now + self.ttl_s
            return True

    def __len__(self) -> int:
        return len(self._expiry)
