"""Recognise duplicate webhook deliveries (Zalo and Meta retry until they get a 200 in time).

`DedupStore` is the interface; `MemoryDedup` (one gateway process) is the default. A shared
store for several gateway replicas implements `first_time` as one atomic operation, e.g. Redis
`SET key 1 NX EX ttl`.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Callable, Protocol

log = logging.getLogger(__name__)


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


class RedisDedup:
    """Shared by several gateway workers (REDIS_URL): `SET key 1 NX EX ttl` is the atomic
    check-and-set. If Redis is unreachable, this worker falls back to its own memory (a retry
    landing on another worker may then be answered twice, but no message is dropped)."""

    def __init__(self, url: str, ttl_s: float, prefix: str = "dvcbot") -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.errors = (redis.RedisError, OSError)
        self.ttl_s = max(1, int(ttl_s))
        self.prefix = f"{prefix}:dedup:"
        self.fallback = MemoryDedup(ttl_s)

    def first_time(self, key: str) -> bool:
        try:
            return bool(self.redis.set(self.prefix + key, 1, nx=True, ex=self.ttl_s))
        except self.errors as exc:
            log.warning("de-duplication falls back to memory: Redis unavailable (%s)", type(exc).__name__)
            return self.fallback.first_time(key)


def make_dedup(settings) -> DedupStore:
    if settings.redis_url:
        return RedisDedup(settings.redis_url, settings.dedup_ttl_s, settings.redis_key_prefix)
    return MemoryDedup(settings.dedup_ttl_s)
