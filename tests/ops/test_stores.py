"""The stores on a real SQLite file, a real PostgreSQL and a real Redis: migrations, Rasa's
tracker store in the same database as our tables, and the lock store shared by workers."""
from __future__ import annotations

import multiprocessing
import sqlite3
import threading

import pytest
import sqlalchemy as sa
import yaml
from rasa.core.lock_store import LockStore as RasaLockStore
from rasa.core.tracker_store import TrackerStore as RasaTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import stores
from common.settings import get_settings
from store import migrations
from store.db import configure_engine, engine_for
from store.records import add_feedback, list_feedback
from tests.conftest import ROOT


@pytest.fixture
def settings_env(monkeypatch):
    """Set environment variables and re-read the settings (they are cached per process)."""
    def apply(**env):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
    yield apply
    get_settings.cache_clear()


def endpoints_config(key: str) -> EndpointConfig:
    raw = yaml.safe_load((ROOT / "bot" / "endpoints.yml").read_text())[key]
    return EndpointConfig.from_dict(raw)


# -- migrations --------------------------------------------------------------------------------
def test_migrations_bring_a_new_sqlite_file_to_the_current_version_once(tmp_path):
    engine = configure_engine(f"sqlite:///{tmp_path / 'a.db'}")
    assert migrations.upgrade(engine) == [v for v, _, _ in migrations.MIGRATIONS]
    assert migrations.upgrade(engine) == []
    assert migrations.current_version(engine) == migrations.MIGRATIONS[-1][0]
    assert sqlite3.connect(tmp_path / "a.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrations_upgrade_a_database_made_by_the_first_release(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)  # the schema `create_all` made before migrations existed
    conn.executescript(
        """CREATE TABLE feedback (id INTEGER PRIMARY KEY, created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
             conversation_id VARCHAR(128) NOT NULL, channel VARCHAR(32) NOT NULL DEFAULT 'unknown', rating VARCHAR(8),
             comment TEXT, question TEXT, answer_id VARCHAR(128), topic VARCHAR(32));
           CREATE TABLE handoffs (id INTEGER PRIMARY KEY, created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
             conversation_id VARCHAR(128) NOT NULL, channel VARCHAR(32) NOT NULL DEFAULT 'unknown', reason TEXT,
             transcript JSON NOT NULL, status VARCHAR(16) NOT NULL DEFAULT 'open');
           INSERT INTO feedback (conversation_id, channel, rating) VALUES ('web:old', 'web', 'up');"""
    )
    conn.commit()
    conn.close()
    engine = engine_for(f"sqlite:///{path}")
    assert migrations.current_version(engine) == migrations.MIGRATIONS[-1][0]
    add_feedback("web:new", "web", "down", engine=engine)
    assert [(r["conversation_id"], r["rating"]) for r in list_feedback(engine=engine)] == [("web:old", "up"), ("web:new", "down")]
    assert migrations.has_column(engine.connect(), "handoffs", "ref")


def test_workers_starting_together_migrate_postgresql_once(fresh_pg_url):
    results, errors = [], []

    def start():
        try:
            results.append(migrations.upgrade(configure_engine(fresh_pg_url)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results, key=len) == [[], [], [], [v for v, _, _ in migrations.MIGRATIONS]]
    with configure_engine(fresh_pg_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM dvc_schema_version")).scalar_one() == len(migrations.MIGRATIONS)


# -- tracker store -----------------------------------------------------------------------------
def _conversation(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, slots=[])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("làm căn cước mất bao lâu", intent={"name": "ask_procedure", "confidence": 0.9}))
    tracker.update(ActionExecuted("action_answer_procedure"))
    tracker.update(BotUttered("7 ngày làm việc", data={"custom": {"dvc": {"procedure": "cap-the-can-cuoc"}}}))
    tracker.update(ActionExecuted("action_listen"))
    return tracker


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_endpoints_yml_puts_rasa_conversations_in_the_configured_database(backend, tmp_path, settings_env, request):
    import asyncio

    url = f"sqlite:///{tmp_path / 'dvcbot.db'}" if backend == "sqlite" else request.getfixturevalue("fresh_pg_url")
    settings_env(DATABASE_URL=url)
    store = RasaTrackerStore.create(endpoints_config("tracker_store"), Domain.empty())
    assert isinstance(store, stores.TrackerStore)  # a typo in the class path would silently give memory
    asyncio.run(store.save(_conversation("web:abc")))
    again = asyncio.run(RasaTrackerStore.create(endpoints_config("tracker_store"), Domain.empty()).retrieve("web:abc"))
    assert [e.text for e in again.events if isinstance(e, BotUttered)] == ["7 ngày làm việc"]
    add_feedback("web:abc", "web", "up", engine=engine_for(url))  # our tables live beside Rasa's events
    with configure_engine(url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = 'web:abc'")).scalar_one() == 5
        assert conn.execute(sa.text("SELECT count(*) FROM feedback")).scalar_one() == 1


# -- lock store --------------------------------------------------------------------------------
def test_lock_store_is_in_memory_without_redis(settings_env):
    settings_env(REDIS_URL="")
    store = RasaLockStore.create(endpoints_config("lock_store"))
    assert isinstance(store, stores.MemoryLockStore) and store.poll_s == 0.02


def _issue_tickets(url: str, prefix: str, count: int, queue, barrier) -> None:
    store = stores.redis_lock_store(url, prefix)
    barrier.wait()  # all at once (Rasa's own RedisLockStore gave 117 distinct tickets of 180 here)
    queue.put([store.issue_ticket("web:same") for _ in range(count)])


def test_two_processes_taking_tickets_at_once_never_get_the_same_one(redis_url, redis_prefix, settings_env):
    settings_env(REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix)
    assert isinstance(RasaLockStore.create(endpoints_config("lock_store")), stores.AtomicRedisLockStore)
    ctx = multiprocessing.get_context("spawn")
    queue, barrier = ctx.Queue(), ctx.Barrier(3)
    procs = [ctx.Process(target=_issue_tickets, args=(redis_url, redis_prefix, 60, queue, barrier)) for _ in range(3)]
    for p in procs:
        p.start()
    tickets = [t for _ in procs for t in queue.get(timeout=60)]
    for p in procs:
        p.join(timeout=30)
    assert len(tickets) == 180 and len(set(tickets)) == 180


async def _hold(url: str, prefix: str, name: str, log_key: str, barrier) -> None:
    import asyncio

    import redis

    store = stores.redis_lock_store(url, prefix)
    client = redis.Redis.from_url(url)
    barrier.wait()
    for _ in range(5):
        async with store.lock("web:same"):
            client.rpush(log_key, f"{name}:in")
            await asyncio.sleep(0.01)
            client.rpush(log_key, f"{name}:out")


def _hold_sync(url, prefix, name, log_key, barrier):
    import asyncio

    asyncio.run(_hold(url, prefix, name, log_key, barrier))


def test_two_processes_never_hold_one_conversation_at_once(redis_url, redis_prefix):
    import redis

    log_key = f"{redis_prefix}:log"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_hold_sync, args=(redis_url, redis_prefix, n, log_key, barrier)) for n in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    log = [x.decode() for x in redis.Redis.from_url(redis_url).lrange(log_key, 0, -1)]
    assert len(log) == 20
    for i in range(0, 20, 2):  # every entry is followed by the same holder's exit
        assert log[i].endswith(":in") and log[i + 1] == log[i].replace(":in", ":out")
    assert not redis.Redis.from_url(redis_url).keys(f"{redis_prefix}:lock:*")  # cleaned up
