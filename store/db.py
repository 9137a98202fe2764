"""Tables and engine (SQLAlchemy Core; SQLite by default, PostgreSQL by DATABASE_URL)."""
from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()

def _conversation_columns() -> list:
    """Columns every record about a conversation has (fresh objects for each table)."""
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
        sa.Column("channel", sa.String(32), nullable=False, server_default="unknown"),
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


@functools.lru_cache(maxsize=8)
def engine_for(url: str) -> sa.engine.Engine:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, future=True, connect_args={"timeout": 15})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):  # durable and concurrent enough for one host
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()
    else:
        engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine


def get_engine() -> sa.engine.Engine:
    from dvcbot.settings import get_settings

    return engine_for(get_settings().db_url)
