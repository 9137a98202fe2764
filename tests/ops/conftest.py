"""PostgreSQL and Redis on loopback (the machine's services; see README "Scaling out").

Each test session gets its own PostgreSQL database and Redis key prefix, removed at the end.
Where a server is absent the tests that need it are skipped with a message saying how to start
it, except when DVC_REQUIRE_SERVICES=1 (CI), where an absent server is a failure."""
from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import absent

PG_ADMIN_URL = os.environ.get("DVC_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("DVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _absent(what: str, how: str, error: Exception) -> None:
    absent(f"{what} is not reachable ({type(error).__name__}: {error}); start it with: {how}")


@pytest.fixture(scope="session")
def pg_url():
    import psycopg2

    name = f"dvcbot_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001
        _absent("PostgreSQL", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", exc)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def fresh_pg_url(pg_url):
    """An empty database of its own for one test."""
    import psycopg2

    name = f"dvcbot_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=3)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        _absent("Redis", 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ""', exc)
    return REDIS_TEST_URL


@pytest.fixture
def redis_prefix(redis_url):
    import redis

    prefix = f"t{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
