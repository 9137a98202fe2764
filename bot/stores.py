"""Rasa's tracker store and lock store, chosen from the settings (bot/endpoints.yml names these
classes, so the choice lives in common/settings.py like every other setting).

- Tracker store: Rasa's SQLTrackerStore on `settings.db_url`, the same database as the feedback,
  handoff and report tables: a SQLite file under DVC_DATA_DIR by default, PostgreSQL when
  DATABASE_URL is set. Rasa wraps it in its FailSafeTrackerStore: if the database is down, the
  turn is still answered (from memory) and the error is logged.
- Lock store: one conversation is processed by one Rasa process at a time, in arrival order.
  In memory for one worker; Redis (REDIS_URL) for several. Rasa's own RedisLockStore reads,
  changes and writes its ticket queue in three steps, so two workers taking a ticket for the
  same conversation at the same moment could both be served at once; here each of those
  read-modify-write steps holds a short Redis mutex. Rasa also polls for a busy lock once a
  second; a queued turn here polls every LOCK_POLL_S (20 ms).
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore as RasaLockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore

from common.settings import get_settings
from store.db import configure_engine, migrate, safe_url

log = logging.getLogger(__name__)


class TrackerStore(SQLTrackerStore):
    """SQLTrackerStore on DATABASE_URL (or the default SQLite file)."""

    def __init__(self, domain: Optional[Any] = None, host: Optional[Text] = None, event_broker: Optional[Any] = None,
                 url: Optional[str] = None, **kwargs: Any) -> None:
        url = url or get_settings().db_url
        migrate(url)  # our tables, and WAL mode for a SQLite file, before Rasa's first write
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        # Rasa's engine has no connect timeout: a database that hangs would hang every turn
        self.engine.dispose()
        self.engine = configure_engine(url, synchronous="NORMAL")
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        try:  # the staff report reads events by time
            with self.engine.begin() as conn:
                conn.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_events_timestamp ON events (timestamp)"))
        except sa.exc.DBAPIError as exc:  # another worker creating it at the same moment
            log.info("index on events.timestamp not created here: %s", type(exc).__name__)
        log.info("tracker store: %s", safe_url(url))


class _QuickPoll:
    """`lock()` polls a busy conversation every `poll_s` instead of Rasa's 1 s."""

    poll_s = 0.02

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, self.poll_s)
        finally:
            self.cleanup(conversation_id, ticket)


class MemoryLockStore(_QuickPoll, InMemoryLockStore):
    """One Rasa process: its own dictionary (all steps run on one event loop thread)."""


class AtomicRedisLockStore(_QuickPoll, RedisLockStore):
    """Several Rasa processes: Rasa's Redis ticket lock with atomic read-modify-write steps."""

    def _mutex(self, conversation_id: Text):
        prefix = self.key_prefix[: -len("lock:")] if self.key_prefix.endswith("lock:") else self.key_prefix
        return self.red.lock(f"{prefix}mutex:{conversation_id}", timeout=10, blocking_timeout=10, sleep=0.002)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):  # finish serving and maybe delete, as one step
            lock = self.get_lock(conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                self.save_lock(lock)
            else:
                self.delete_lock(conversation_id)


def redis_lock_store(url: str, key_prefix: str = "dvcbot") -> AtomicRedisLockStore:
    parsed = sa.engine.make_url(url.replace("rediss://", "redis://", 1))
    return AtomicRedisLockStore(
        host=parsed.host or "localhost", port=parsed.port or 6379, db=int(parsed.database or 0),
        username=parsed.username, password=parsed.password, use_ssl=url.startswith("rediss://"),
        key_prefix=key_prefix, socket_timeout=3,
    )


class LockStore(RasaLockStore):
    """Factory named in endpoints.yml: Redis when REDIS_URL is set, else in memory."""

    def __new__(cls, *args: Any, **kwargs: Any) -> RasaLockStore:  # type: ignore[misc]
        settings = get_settings()
        if settings.redis_url:
            log.info("lock store: Redis %s", safe_url(settings.redis_url))
            store: RasaLockStore = redis_lock_store(settings.redis_url, settings.redis_key_prefix)
        else:
            store = MemoryLockStore()
        store.poll_s = settings.lock_poll_s
        return store
