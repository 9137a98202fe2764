"""The gateway's own SQLite file (`{DVC_DATA_DIR}/gateway.db`): the outbox of replies not yet
delivered, the inbox of acknowledged events not yet processed, Zalo tokens (the refresh token is
single-use, so every rotated one is stored at once) and Zalo reply windows."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable, List

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message TEXT NOT NULL,              -- JSON, the channel's own message shape
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | dead (sent rows are deleted)
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    last_error TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_at);
CREATE INDEX IF NOT EXISTS outbox_recipient ON outbox (channel, recipient, status);
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    event TEXT NOT NULL,                -- JSON of an Inbound event
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS zalo_tokens (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    expires_at REAL,                    -- unknown for a token given in the environment
    seed TEXT NOT NULL,                 -- fingerprint of the environment's tokens
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS zalo_window (
    user_id TEXT PRIMARY KEY,
    last_inbound REAL NOT NULL,
    replies INTEGER NOT NULL DEFAULT 0
);
"""


class Database:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL: every commit survives a crash of the process; the last ones may be lost on
            # a power cut. `durable=True` writes (the single-use Zalo refresh token) sync fully.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)

    def execute(self, sql: str, params: Iterable[Any] = (), durable: bool = False) -> sqlite3.Cursor:
        with self._lock:
            if not durable:
                return self._conn.execute(sql, tuple(params))
            self._conn.execute("PRAGMA synchronous=FULL")
            try:
                return self._conn.execute(sql, tuple(params))
            finally:
                self._conn.execute("PRAGMA synchronous=NORMAL")

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(sql, [tuple(r) for r in rows])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: Iterable[Any] = ()) -> List[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
