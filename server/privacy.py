"""Personal data in the gateways' own files (`gateway.db`, `gateway-N.db` under DVC_DATA_DIR):
replies waiting in the outbox (keyed by channel and platform user id), acknowledged events not
yet processed (inbox) and Zalo reply windows. Retention, export and erasure for one citizen, as
store/privacy.py does for the database."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any, Dict, List

TABLES = ("outbox", "inbox", "zalo_window")


def gateway_files(data_dir: Path) -> List[Path]:
    """The gateway files that exist (never creates one)."""
    return sorted(p for p in Path(data_dir).glob("gateway*.db") if p.is_file())


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def _has(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def _inbox_ids(conn: sqlite3.Connection, channel: str, user: str) -> List[int]:
    ids = []
    for row in conn.execute("SELECT id, event FROM inbox WHERE channel = ?", (channel,)):
        try:
            event = json.loads(row["event"])
        except ValueError:
            continue
        if str(event.get("user")) == user:
            ids.append(row["id"])
    return ids


def export(data_dir: Path, channel: str, user: str) -> Dict[str, List[Dict[str, Any]]]:
    found: Dict[str, List[Dict[str, Any]]] = {"pending_outbox": [], "inbox": [], "zalo_window": []}
    for path in gateway_files(data_dir):
        with _connect(path) as conn:
            if _has(conn, "outbox"):
                for row in conn.execute("SELECT * FROM outbox WHERE channel = ? AND recipient = ? ORDER BY id", (channel, user)):
                    item = dict(row)
                    item["message"] = json.loads(item["message"])
                    found["pending_outbox"].append(item)
            if _has(conn, "inbox"):
                for inbox_id in _inbox_ids(conn, channel, user):
                    row = conn.execute("SELECT * FROM inbox WHERE id = ?", (inbox_id,)).fetchone()
                    found["inbox"].append({**dict(row), "event": json.loads(row["event"])})
            if channel == "zalo" and _has(conn, "zalo_window"):
                found["zalo_window"] += [dict(r) for r in conn.execute("SELECT * FROM zalo_window WHERE user_id = ?", (user,))]
    return found


def erase(data_dir: Path, channel: str, user: str) -> Dict[str, int]:
    deleted = {"outbox": 0, "inbox": 0, "zalo_window": 0}
    for path in gateway_files(data_dir):
        with _connect(path) as conn:
            if _has(conn, "outbox"):
                deleted["outbox"] += conn.execute("DELETE FROM outbox WHERE channel = ? AND recipient = ?", (channel, user)).rowcount
            if _has(conn, "inbox"):
                for inbox_id in _inbox_ids(conn, channel, user):
                    deleted["inbox"] += conn.execute("DELETE FROM inbox WHERE id = ?", (inbox_id,)).rowcount
            if channel == "zalo" and _has(conn, "zalo_window"):
                deleted["zalo_window"] += conn.execute("DELETE FROM zalo_window WHERE user_id = ?", (user,)).rowcount
    return deleted


def purge(data_dir: Path, days: int, now: float = 0.0) -> Dict[str, int]:
    """Outbox rows (undelivered or dead) and Zalo reply windows older than the limit."""
    limit = (now or dt.datetime.now(dt.timezone.utc).timestamp()) - days * 86400
    deleted = {"outbox_deleted": 0, "zalo_windows_deleted": 0}
    for path in gateway_files(data_dir):
        with _connect(path) as conn:
            if _has(conn, "outbox"):
                deleted["outbox_deleted"] += conn.execute("DELETE FROM outbox WHERE created_at < ?", (limit,)).rowcount
            if _has(conn, "zalo_window"):
                deleted["zalo_windows_deleted"] += conn.execute("DELETE FROM zalo_window WHERE last_inbound < ?", (limit,)).rowcount
    return deleted
