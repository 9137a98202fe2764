"""Tables and engines (SQLAlchemy Core): a SQLite file by default, PostgreSQL by DATABASE_URL.

The same database holds Rasa's tracker store (`events`, bot/stores.py) and our tables below.
Schema changes go through store/migrations.py; `engine_for(url)` migrates before first use.
"""
from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()

# Seconds a statement waits for a locked SQLite file or a PostgreSQL connection before it fails
# (and the caller falls back, e.g. to the spool): a turn must not hang on the database.
DB_TIMEOUT_S = 3


def _conversation_columns() -> list:
    """Columns every record about a conversation has (fresh objects for each table)."""
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
        sa.Column("channel", sa.String(32), nullable=False, server_default="unknown"),
        sa.Column("ref", sa.String(32)),  # client-made id, unique (migration 3): a spooled write is stored once
    ]


feedback = sa.Table(
    "feedback",
    metadata,
    *_conversation_columns(),
    sa.Column("rating", sa.String(8)),  # "up" | "down" | NULL for a free comment
    sa.Column("comment", sa.Text),
    sa.Column("question", sa.Text),
    sa.Column("answer_id", sa.String(128)),  # document or procedure id of the rated answer
    sa.Column("topic", sa.String(32)),
)

handoffs = sa.Table(
    "handoffs",
    metadata,
    *_conversation_columns(),
    sa.Column("reason", sa.Text),
    sa.Column("transcript", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="open"),
)

# indexes (created by migrations 2 and 3; declared here so `create_all` makes the same schema)
sa.Index("ix_handoffs_status", handoffs.c.status)
sa.Index("ix_feedback_created_at", feedback.c.created_at)
sa.Index("ux_feedback_ref", feedback.c.ref, unique=True)
sa.Index("ux_handoffs_ref", handoffs.c.ref, unique=True)

schema_version = sa.Table(
    "dvc_schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)


def safe_url(url: str) -> str:
    """The URL without its password, for logs."""
    try:
        return repr(sa.engine.make_url(url))
    except Exception:
        return "<unparseable url>"


def sqlite_path(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def configure_engine(url: str, synchronous: str = "FULL") -> sa.engine.Engine:
    """An engine that fails fast instead of hanging (SQLite busy timeout, PostgreSQL connect
    timeout), with SQLite in WAL mode (readers never block the writer). `synchronous`: FULL
    (feedback: every commit survives a power cut) or NORMAL (conversations: every commit
    survives a crash of the process; the last ones may be lost on a power cut; fsyncs less)."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, future=True, connect_args={"timeout": DB_TIMEOUT_S})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):  # durable and concurrent enough for one host
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.close()

        return engine
    connect_args = {"connect_timeout": DB_TIMEOUT_S} if sa.engine.make_url(url).get_backend_name() == "postgresql" else {}
    return sa.create_engine(url, future=True, pool_pre_ping=True, pool_timeout=DB_TIMEOUT_S, connect_args=connect_args)


@functools.lru_cache(maxsize=8)
def engine_for(url: str) -> sa.engine.Engine:
    engine = configure_engine(url)
    from store.migrations import upgrade

    upgrade(engine)
    return engine


def migrate(url: str) -> int:
    """Bring the database at `url` to the current schema; returns the schema version."""
    from store.migrations import current_version

    return current_version(engine_for(url))


def get_engine() -> sa.engine.Engine:
    from common.settings import get_settings

    return engine_for(get_settings().db_url)
