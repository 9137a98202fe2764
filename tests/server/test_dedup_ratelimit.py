from server.dedup import MemoryDedup
from server.ratelimit import RateLimiter, Verdict


def test_dedup_first_time_once_per_ttl():
    now = [0.0]
    store = MemoryDedup(ttl_s=10, clock=lambda: now[0])
    assert store.first_time("zalo:m1")
    assert not store.first_time("zalo:m1")
    assert store.first_time("zalo:m2")
    now[0] = 11
    assert store.first_time("zalo:m1")  # expired
    assert len(store) == 1


def test_dedup_is_bounded():
    store = MemoryDedup(ttl_s=1000, max_keys=100)
    for i in range(1000):
        store.first_time(f"k{i}")
    assert len(store) <= 100


def test_rate_limit_tells_once_then_drops_then_recovers():
    now = [0.0]
    limiter = RateLimiter(limit=3, window_s=60, clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(3)] == [Verdict.OK] * 3
    assert limiter.check("a") is Verdict.NOTIFY
    assert limiter.check("a") is Verdict.DROP
    assert limiter.check("b") is Verdict.OK  # per sender
    now[0] = 61
    assert limiter.check("a") is Verdict.OK
